//! IAM Identity Center in the management account (docs/design/brokered.md, "Sandbox wire
//! contract"): the instance, the external identity source (Entra), customer-managed SAML
//! applications acting as IdP towards AWS sign-in, their assignments, the access portal, and
//! the identity store filled through SCIM.
//!
//! Module ownership:
//! - `store`: the identity store's users, groups and memberships; SCIM tokens.
//! - `scim`: the SCIM 2.0 endpoint Entra's provisioning service calls.
//! - `identitystore`: the `identitystore` API (awsJson1.1).

pub mod identitystore;
pub mod scim;
pub mod store;

/// The management account, where Identity Center lives.
pub const MANAGEMENT_ACCOUNT_ID: &str = crate::MANAGEMENT_ACCOUNT_ID;
/// The one instance's ARN.
pub const INSTANCE_ARN: &str = "arn:aws:sso:::instance/ssoins-7223sandbox0001";
/// The instance's identity store.
pub const IDENTITY_STORE_ID: &str = "d-9067sandbox";

/// Identity Center's state.
#[derive(Debug, Default)]
pub struct IdentityCenter {
    /// Users, groups, memberships.
    pub store: store::IdentityStore,
}
