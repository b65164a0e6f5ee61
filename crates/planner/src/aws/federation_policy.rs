//! `aws.federation_policy`: the role's inline policy allowing `connect:GetFederationToken` on
//! the instance's users.

use crate::context::Context;
use crate::payload::{Payload, PolicyChange};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};
use crate::value::Shown;

/// Name of the inline policy the tool puts on the federation role.
pub const FEDERATION_POLICY_NAME: &str = "connect-sso-federation";

/// The federation policy.
pub struct FederationPolicy;

impl ManagedResource for FederationPolicy {
    fn resource(&self) -> Resource {
        Resource::FederationPolicy
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::FederationRole, Resource::ConnectInstance]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let spec = ctx.spec;
        let document = |id: &str| {
            ctx.derived
                .federation_policy(&spec.aws.region, &spec.aws.account_id, id)
        };
        let want = ctx.instance_id().map(|id| document(id));
        let current = ctx
            .observed
            .aws
            .role
            .as_ref()
            .and_then(|r| r.inline_policies.get(FEDERATION_POLICY_NAME));
        if want.known().ok().is_some_and(|w| Some(w) == current) {
            return;
        }
        let shown = Shown::of(&ctx.instance_id(), document);
        let (action, reason) = match current {
            Some(_) => (
                Action::Update,
                "the role's GetFederationToken policy differs from the spec",
            ),
            None => (
                Action::Create,
                "the role cannot call connect:GetFederationToken yet",
            ),
        };
        out.step(Step::new(
            Resource::FederationPolicy,
            action,
            reason,
            vec![match (current, want.known()) {
                (Some(now), Ok(wanted)) => Change::document(
                    format!("inline policy {FEDERATION_POLICY_NAME}"),
                    now,
                    wanted,
                ),
                _ => Change::new(
                    format!("inline policy {FEDERATION_POLICY_NAME}"),
                    current,
                    Some(shown),
                ),
            }],
            Payload::FederationPolicy(PolicyChange {
                role: spec.aws.federation_role.clone(),
                name: FEDERATION_POLICY_NAME.into(),
                document: want,
            }),
        ));
    }
}
