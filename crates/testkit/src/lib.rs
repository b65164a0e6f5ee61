//! The connect-sso test kit (dev-only: a `[dev-dependencies]` entry, never published).
//!
//! - [`World`] (feature `world`, on by default): the sandbox world of one test, started in
//!   the test's process: the sandbox, a Graph client, an AWS adapter and the starter spec.
//! - [`peer`]: the one rule for a missing test peer (CI fails, a developer's run skips with
//!   a visible note) and the finders for the peers the tests use.
//! - [`snapshots`]: the insta filters shared by every snapshot.
//!
//! Crates below the adapters (saml, spec) use the kit without `world`:
//! `connect-sso-testkit.workspace = true`; the others add `features = ["world"]`.

pub mod peer;
pub mod snapshots;
#[cfg(feature = "world")]
mod world;

pub use peer::{require, require_peer};
#[cfg(feature = "world")]
pub use world::{
    INSTANCE_ALIAS, World, aws_endpoint, graph_config, service_endpoints, starter_spec,
};
