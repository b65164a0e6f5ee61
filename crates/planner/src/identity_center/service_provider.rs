//! `identity_center.service_provider`: Identity Center's SP metadata, downloaded from its
//! console, gives the Entra app its identifier and Reply URL.

use crate::context::Context;
use crate::identity_center::console;
use crate::observed::Document;
use crate::payload::Payload;
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, ManualStep, Resource, Step};

/// Identity Center's SP metadata.
pub struct IcServiceProvider;

impl ManagedResource for IcServiceProvider {
    fn resource(&self) -> Resource {
        Resource::IcServiceProvider
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let Some(ic) = ctx.identity_center() else {
            return;
        };
        let observed = &ctx.observed.identity_center;
        if observed.instance.is_none() {
            out.block(
                Resource::IcServiceProvider,
                format!(
                    "no IAM Identity Center instance in account {} ({})",
                    ic.account_id, ic.region
                ),
                "enable IAM Identity Center in the management account, or fix \
                 identity_center.account_id / region",
            );
            return;
        }
        let reason = match (&ic.sp_metadata, &observed.service_provider) {
            (_, Document::Read { .. }) => return,
            (None, _) => "the spec has no identity_center.sp_metadata yet".to_string(),
            (Some(src), Document::Unreadable { reason }) => {
                format!("identity_center.sp_metadata ({src}) cannot be used: {reason}")
            }
            (Some(src), Document::Absent) => format!("{src} was not read"),
        };
        out.step(Step::new(
            Resource::IcServiceProvider,
            Action::Manual,
            reason,
            vec![Change::set(
                "identity_center.sp_metadata",
                "Identity Center's SP metadata file",
            )],
            Payload::Console,
        ));
    }

    fn manual(&self, ctx: &Context<'_>, _step: &Step) -> Option<ManualStep> {
        Some(ManualStep {
            console: console(
                ctx,
                "Settings → Identity source → Actions → Change identity source → External \
                 identity provider",
            ),
            enter: vec![
                (
                    "Service provider metadata".into(),
                    "Download metadata file (keep the page open for identity_center.identity_source)"
                        .into(),
                ),
                (
                    "In the spec".into(),
                    "identity_center.sp_metadata = \"<the downloaded file>\"".into(),
                ),
            ],
            verify: "connect-sso reads the file: Identity Center's entity ID and ACS URL become \
                     the Entra app's identifier and Reply URL"
                .into(),
        })
    }
}
