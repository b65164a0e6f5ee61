//! Entra ID resources: the enterprise app and what hangs off it.

pub mod app;
pub mod app_roles;
pub mod assignments;
pub mod claims;
pub mod provisioning;
pub mod relay_state;
pub mod signing_certificate;

use connect_sso_spec::SettingsBy;

use crate::context::Context;
use crate::step::ManualStep;

/// Where the app's single sign-on page is in the Entra admin center.
fn sso_page(ctx: &Context<'_>, blade: &str) -> String {
    format!(
        "Microsoft Entra admin center → Enterprise applications → {:?} → Single sign-on → {blade}",
        ctx.spec.entra.app_name
    )
}

/// The manual step of a Basic SAML Configuration change, when the spec says a person makes it.
fn basic_saml_manual(ctx: &Context<'_>, enter: Vec<(String, String)>) -> Option<ManualStep> {
    (ctx.spec.entra.basic_saml_configuration == SettingsBy::Console).then(|| ManualStep {
        console: sso_page(ctx, "Basic SAML Configuration → Edit"),
        enter,
        verify: "connect-sso reads the app and its service principal through Microsoft Graph \
                 and compares them with these values"
            .into(),
    })
}
