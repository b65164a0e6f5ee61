//! The `connect-sso` binary.
fn main() {}
