//! `entra.app_roles`: the app role carrying the Role claim value. There is exactly one: Entra
//! requires app role values to be unique, and one federation role serves one instance.

use crate::context::Context;
use crate::payload::{AppRolesChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};

/// The app role.
pub struct AppRoles;

impl ManagedResource for AppRoles {
    fn resource(&self) -> Resource {
        Resource::AppRoles
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[
            Resource::EntraApp,
            Resource::SamlProvider,
            Resource::FederationRole,
        ]
    }

    fn depends_on_brokered(&self) -> &'static [Resource] {
        // Entra sends no Role claim to Identity Center: the groups can be assigned (and
        // provisioned) as soon as the app exists, long before the AWS side.
        &[Resource::EntraApp]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let name = ctx.spec.entra.app_role.as_str();
        let value = &ctx.derived.role_claim_value;
        let mut changes = Vec::new();
        match ctx.spec_app_role() {
            None => changes.push(Change::set(format!("app role {name:?}"), value.as_str())),
            Some(r) if r.value.as_deref() != Some(value.as_str()) || !r.enabled => {
                changes.push(Change::new(
                    format!("app role {name:?}"),
                    r.value.as_ref(),
                    Some(value.as_str()),
                ))
            }
            Some(_) => {}
        }
        // Only roles that carry an AWS role pair of this account are ours to remove;
        // msiam_access and anything else stays.
        let retire: Vec<_> = ctx
            .app_roles()
            .iter()
            .filter(|r| r.display_name != name && ctx.is_our_role_value(r.value.as_deref()))
            .collect();
        for r in &retire {
            changes.push(Change::new(
                format!("app role {:?}", r.display_name),
                r.value.as_ref(),
                None::<String>,
            ));
        }
        if changes.is_empty() {
            return;
        }
        out.step(Step::new(
            Resource::AppRoles,
            if ctx.spec_app_role().is_some() {
                Action::Update
            } else {
                Action::Create
            },
            if ctx.brokered() {
                // Entra sends no AWS claims to Identity Center; the role still carries the pair,
                // which keeps one app-role value per federation role across topologies.
                "the spec's groups are assigned to the app through this app role"
            } else {
                "the app role must carry the Role claim value role,provider"
            },
            changes,
            Payload::AppRoles(AppRolesChange {
                name: name.to_string(),
                value: value.clone(),
                description: format!(
                    "Signs in to Amazon Connect through {}",
                    ctx.spec.aws.federation_role
                ),
                retire: retire.iter().map(|r| r.id.clone()).collect(),
            }),
        ));
    }
}
