//! `identity_center.identity_source`: Identity Center trusts the Entra app (its federation
//! metadata uploaded in the console). Verified from outside: the access portal sends people
//! who are not signed in to the spec's Entra tenant.

use crate::context::Context;
use crate::identity_center::{console, entra_saml_url, federation_metadata_url};
use crate::payload::Payload;
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, ManualStep, Resource, Step};
use crate::value::{Planned, Shown, Unknown};

/// Identity Center's identity source.
pub struct IcIdentitySource;

impl ManagedResource for IcIdentitySource {
    fn resource(&self) -> Resource {
        Resource::IcIdentitySource
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::SigningCertificate, Resource::IcServiceProvider]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        if ctx.identity_center().is_none() {
            return;
        }
        let want = entra_saml_url(&ctx.spec.entra.tenant_id);
        let have = ctx.observed.identity_center.portal_idp.as_deref();
        if have.is_some_and(|h| h.eq_ignore_ascii_case(&want)) {
            return;
        }
        out.step(Step::new(
            Resource::IcIdentitySource,
            Action::Manual,
            match have {
                None => "Identity Center signs people in itself, not through Entra".to_string(),
                Some(other) => {
                    format!("Identity Center sends people to {other}, not to this tenant")
                }
            },
            vec![Change::new(
                "external identity provider",
                Some(have.unwrap_or("Identity Center directory")),
                Some(Shown::of(&app_id(ctx), |id| {
                    federation_metadata_url(&ctx.spec.entra.tenant_id, id)
                })),
            )],
            Payload::Console,
        ));
    }

    fn manual(&self, ctx: &Context<'_>, _step: &Step) -> Option<ManualStep> {
        let url = federation_metadata_url(&ctx.spec.entra.tenant_id, &app_id(ctx).shown());
        Some(ManualStep {
            console: console(
                ctx,
                "Settings → Identity source → Actions → Change identity source → External \
                 identity provider",
            ),
            enter: vec![
                (
                    "Identity provider metadata → IdP SAML metadata".into(),
                    format!("upload the file downloaded from {url}"),
                ),
                (
                    "Next → Review and confirm".into(),
                    "type ACCEPT, then Change identity source".into(),
                ),
            ],
            verify: format!(
                "connect-sso opens the AWS access portal without a session and checks that it \
                 sends the visitor to {}",
                entra_saml_url(&ctx.spec.entra.tenant_id)
            ),
        })
    }
}

/// The Entra app's application ID, or the one the plan creates.
fn app_id(ctx: &Context<'_>) -> Planned<String> {
    match ctx.app() {
        Some(a) => Planned::Known(a.app_id.clone()),
        None => Planned::AfterApply(Unknown::AppId),
    }
}
