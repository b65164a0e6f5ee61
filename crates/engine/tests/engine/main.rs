//! Tests of the engine against the sandbox: apply, destroy and login through the real adapters
//! (reqwest for Graph, aws-sdk-rust for AWS) over HTTP on loopback. The planner's own tests
//! are in `crates/planner`.

mod adoption;
mod apply_reads;
mod brokered;
mod brokered_faults;
mod sandbox;
mod sync;
