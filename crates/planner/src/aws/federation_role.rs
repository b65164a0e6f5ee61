//! `aws.federation_role`: the role users assume, with its SAML trust policy.

use crate::context::Context;
use crate::diff::trust_principals;
use crate::payload::{Payload, RoleChange};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};

/// The federation role.
pub struct FederationRole;

impl ManagedResource for FederationRole {
    fn resource(&self) -> Resource {
        Resource::FederationRole
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::SamlProvider]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let spec = ctx.spec;
        let trust = ctx.derived.trust_policy();
        let max = spec.aws.max_session_duration;
        let payload = Payload::FederationRole(RoleChange {
            name: spec.aws.federation_role.clone(),
            trust_policy: trust.clone(),
            max_session_duration: max,
            description: "Amazon Connect SAML federation (managed by connect-sso)".into(),
        });
        let Some(r) = &ctx.observed.aws.role else {
            out.step(Step::new(
                Resource::FederationRole,
                Action::Create,
                format!("no IAM role named {:?}", spec.aws.federation_role),
                vec![
                    Change::set("arn", ctx.derived.role_arn.as_str()),
                    Change::set("trust policy", &trust),
                    Change::set("MaxSessionDuration", max),
                ],
                payload,
            ));
            return;
        };
        let mut changes = Vec::new();
        if r.trust_policy != trust {
            changes.push(Change::document("trust policy", &r.trust_policy, &trust));
        }
        if r.max_session_duration != max {
            changes.push(Change::new(
                "MaxSessionDuration",
                Some(r.max_session_duration),
                Some(max),
            ));
        }
        if changes.is_empty() && r.managed {
            return;
        }
        let (action, reason) = if r.managed {
            (Action::Update, "the role differs from the spec")
        } else {
            (
                Action::Adopt,
                "the role exists but was not created by connect-sso",
            )
        };
        let mut step = Step::new(Resource::FederationRole, action, reason, changes, payload);
        step.warnings = principal_warnings(&r.trust_policy, &trust);
        out.step(step);
    }
}

/// Security warnings when applying would let a principal in or shut one out.
fn principal_warnings(current: &serde_json::Value, wanted: &serde_json::Value) -> Vec<String> {
    let have = trust_principals(current);
    let want = trust_principals(wanted);
    let removed = have.difference(&want).map(|p| {
        format!(
            "the role's trust policy now also trusts {p}, which the spec does not: apply \
             removes it (if it is needed, federate through another role)"
        )
    });
    let added = want.difference(&have).map(|p| {
        format!("apply lets {p} assume the role, which the trust policy does not allow today")
    });
    removed.chain(added).collect()
}
