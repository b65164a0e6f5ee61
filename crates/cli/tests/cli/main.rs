//! Integration tests of the `connect-sso` binary (one test binary; one module per concern).
//! Every test runs the real executable, as a user would.

mod aws_rules;
mod bench_sync;
mod brokered;
mod common;
mod demo;
mod examples;
mod exit_codes;
mod login;
mod mission;
mod mission_errors;
mod output_schemas;
mod prompt;
mod sandbox;
mod snapshots;
mod spec;
mod sync;
mod vectors;
mod world;
