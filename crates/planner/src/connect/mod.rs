//! Amazon Connect resources: the instance and its first administrator.

pub mod admin;
pub mod instance;
