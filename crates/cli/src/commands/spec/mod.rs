//! `connect-sso spec …`: the spec format.

pub(crate) mod check;
pub(crate) mod schema;
