//! `entra.provisioning` (brokered, when `[identity_center.provisioning]` is given): Entra's
//! provisioning service pushes the app's assigned groups and their members into Identity
//! Center's identity store (SCIM), so that Identity Center knows the people Entra signs in.
//! The tool creates the job, gives it the SCIM endpoint and the operator's token, and starts it;
//! a job in quarantine (a refused token, say) is given the token again and restarted.

use crate::context::Context;
use crate::payload::{Payload, ProvisioningChange};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};

/// The synchronization template of a non-gallery app's SCIM provisioning [I: the "Custom
/// SCIM" template's ID as Graph's synchronization examples show it].
pub const SCIM_TEMPLATE_ID: &str = "scim";

/// The provisioning job.
pub struct EntraProvisioning;

impl ManagedResource for EntraProvisioning {
    fn resource(&self) -> Resource {
        Resource::EntraProvisioning
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::GroupAssignments, Resource::IcIdentitySource]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let Some(p) = ctx
            .identity_center()
            .and_then(|ic| ic.provisioning.as_ref())
        else {
            return;
        };
        let job = ctx.observed.entra.provisioning_jobs.first();
        let change = |job_id: Option<String>| {
            Payload::EntraProvisioning(ProvisioningChange {
                job_id,
                template_id: SCIM_TEMPLATE_ID.into(),
                scim_endpoint: p.scim_endpoint.clone(),
                token_env: p.token_env.clone(),
            })
        };
        let (action, reason, payload) = match job {
            None => (
                Action::Create,
                "Identity Center knows only the people Entra provisions into it".to_string(),
                change(None),
            ),
            Some(j) if j.status == "Quarantine" || j.error.is_some() => (
                Action::Update,
                format!(
                    "the provisioning job is {}{}",
                    j.status,
                    j.error
                        .as_ref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                ),
                change(Some(j.id.clone())),
            ),
            Some(_) => return,
        };
        out.step(Step::new(
            Resource::EntraProvisioning,
            action,
            reason,
            vec![
                Change::set("tenant URL", p.scim_endpoint.as_str()),
                Change::set("secret token", format!("${}", p.token_env)),
                Change::set("scope", "assigned users and groups"),
            ],
            payload,
        ));
    }
}
