//! `entra.claims`: the one claims-mapping policy that sends RoleSessionName and Role.

use connect_sso_spec::Derived;

use crate::context::Context;
use crate::payload::{ClaimsChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};

/// The claims-mapping policy.
pub struct ClaimsPolicy;

impl ManagedResource for ClaimsPolicy {
    fn resource(&self) -> Resource {
        Resource::ClaimsPolicy
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::EntraApp]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        if ctx.brokered() {
            // Identity Center takes Entra's default claims (NameID = UPN = the identity
            // store's userName); the AWS claims are the Identity Center application's.
            return;
        }
        let want = Derived::claims_policy(ctx.spec);
        let name = Derived::claims_policy_name(ctx.spec);
        let have = ctx
            .app()
            .map(|a| a.claims_policies.as_slice())
            .unwrap_or_default();
        let payload = Payload::ClaimsPolicy(ClaimsChange {
            name: name.clone(),
            definition: want.clone(),
            unassign: have
                .iter()
                .filter(|p| p.display_name != name)
                .map(|p| p.id.clone())
                .collect(),
        });
        let (action, reason, changes) = match have {
            [p] if p.definition == want => return,
            [] => (
                Action::Create,
                "no claims-mapping policy sends RoleSessionName and Role".to_string(),
                vec![Change::set(format!("policy {name:?}"), &want)],
            ),
            [p] => (
                Action::Update,
                "the claims-mapping policy differs from what AWS needs".to_string(),
                vec![Change::document(
                    format!("policy {:?}", p.display_name),
                    &p.definition,
                    &want,
                )],
            ),
            many => (
                Action::Update,
                format!(
                    "{} claims-mapping policies are assigned; Entra allows one",
                    many.len()
                ),
                many.iter()
                    .map(|p| {
                        Change::new(
                            format!("policy {:?}", p.display_name),
                            Some("assigned"),
                            None::<String>,
                        )
                    })
                    .chain(std::iter::once(Change::set(
                        format!("policy {name:?}"),
                        &want,
                    )))
                    .collect(),
            ),
        };
        out.step(Step::new(
            Resource::ClaimsPolicy,
            action,
            reason,
            changes,
            payload,
        ));
    }
}
