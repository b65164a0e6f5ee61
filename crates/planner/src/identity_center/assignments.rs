//! `identity_center.assignments`: every group of the spec is assigned to the "Amazon Connect"
//! application (`CreateApplicationAssignment`; the group found in the identity store by display
//! name). A group not in the identity store yet is a manual step: Entra's provisioning puts it
//! there.

use crate::context::Context;
use crate::identity_center::console;
use crate::payload::{IcAssignmentsChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Item, ManualStep, Resource, Step};

/// The application's group assignments.
pub struct IcAssignments;

impl ManagedResource for IcAssignments {
    fn resource(&self) -> Resource {
        Resource::IcAssignments
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[
            Resource::IcApplication,
            Resource::GroupAssignments,
            Resource::EntraProvisioning,
        ]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        if ctx.identity_center().is_none() {
            return;
        }
        let observed = &ctx.observed.identity_center;
        let application_arn = observed.applications.first().map(|a| a.arn.clone());
        let mut missing = Vec::new();
        let mut assign = Vec::new();
        for access in &ctx.spec.entra.access {
            let group = &access.group;
            match observed.groups.get(group).cloned().flatten() {
                None => missing.push(group.clone()),
                Some(id) if !observed.assignments.contains(&id) => {
                    assign.push((group.clone(), id));
                }
                Some(_) => {}
            }
        }
        if !missing.is_empty() {
            let mut step = Step::new(
                Resource::IcAssignments,
                Action::Manual,
                format!(
                    "{} not in Identity Center's identity store yet",
                    quoted(&missing)
                ),
                Vec::new(),
                Payload::Console,
            );
            step.items = items(&missing, "in the identity store");
            out.step(step);
            return;
        }
        let (Some(application_arn), false) = (application_arn, assign.is_empty()) else {
            return;
        };
        let names: Vec<String> = assign.iter().map(|(n, _)| n.clone()).collect();
        let mut step = Step::new(
            Resource::IcAssignments,
            Action::Create,
            format!(
                "members of {} see no \"Amazon Connect\" tile in the access portal until assigned",
                quoted(&names)
            ),
            Vec::new(),
            Payload::IcAssignments(IcAssignmentsChange {
                application_arn,
                assign,
            }),
        );
        step.items = items(&names, "assigned to the application");
        out.step(step);
    }

    fn manual(&self, ctx: &Context<'_>, step: &Step) -> Option<ManualStep> {
        if step.action != Action::Manual {
            return None;
        }
        let groups: Vec<String> = step.items.iter().map(|i| i.key.clone()).collect();
        let app = &ctx.spec.entra.app_name;
        Some(ManualStep {
            console: format!(
                "Microsoft Entra admin center → Enterprise applications → {app:?} → Provisioning"
            ),
            enter: vec![
                (
                    "Provision on demand (or wait for the next cycle)".into(),
                    format!("the groups {}", quoted(&groups)),
                ),
                (
                    "Or, without Entra's provisioning".into(),
                    console(
                        ctx,
                        "Users / Groups → Add: the same groups and their members",
                    ),
                ),
            ],
            verify: "connect-sso looks each group up in the identity store \
                     (identitystore:GetGroupId by display name)"
                .into(),
        })
    }
}

fn items(groups: &[String], what: &str) -> Vec<Item> {
    groups
        .iter()
        .map(|g| Item {
            key: g.clone(),
            action: Action::Create,
            changes: vec![Change::set(what, true)],
        })
        .collect()
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}
