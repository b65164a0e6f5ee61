//! Integration tests of the sandbox, over HTTP only (as real clients see it).
//!
//! Run: `cargo test -p connect-sso-sandbox --test sandbox`.

mod clock;
mod conformance;
mod connect;
mod entra;
mod hostile;
mod identity_center;
mod identity_store;
