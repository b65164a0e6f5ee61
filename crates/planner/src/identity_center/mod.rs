//! IAM Identity Center resources of the `brokered` topology (docs/design/brokered.md). Three
//! of them are console-only: the tool prints the exact values, then verifies what it can read.

pub mod application;
pub mod assignments;
pub mod identity_source;
pub mod service_provider;

use crate::context::Context;

/// `IAM Identity Center (account …, Region …)`, the start of every console path here.
fn console(ctx: &Context<'_>, page: &str) -> String {
    let (account, region) = ctx.spec.identity_center.as_ref().map_or(("?", "?"), |ic| {
        (ic.account_id.as_str(), ic.region.as_str())
    });
    format!("AWS console, account {account} → IAM Identity Center ({region}) → {page}")
}

/// Entra's federation metadata URL of the app (what Identity Center's identity source takes).
pub fn federation_metadata_url(tenant_id: &str, app_id: &str) -> String {
    format!(
        "https://login.microsoftonline.com/{tenant_id}/federationmetadata/2007-06/federationmetadata.xml?appid={app_id}"
    )
}

/// Entra's SAML sign-in URL of a tenant (where the access portal sends people once Entra is
/// the identity source).
pub fn entra_saml_url(tenant_id: &str) -> String {
    format!("https://login.microsoftonline.com/{tenant_id}/saml2")
}
