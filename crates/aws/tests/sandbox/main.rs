//! Integration tests: the real aws-sdk-rust clients (and the AWS CLI, and boto3 against moto)
//! against the local sandbox over loopback HTTP.
#![allow(missing_docs, clippy::unwrap_used)]

mod cli;
mod common;
mod connect;
mod faults;
mod iam;
mod moto;
mod pacer;
mod signin;
mod sts;
