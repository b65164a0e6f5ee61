//! `entra.assignments`: every group of the spec is assigned to the app role (a batch step, one
//! item per group).

use crate::context::Context;
use crate::payload::{AssignmentsChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Item, Resource, Step};

/// The group assignments.
pub struct GroupAssignments;

impl ManagedResource for GroupAssignments {
    fn resource(&self) -> Resource {
        Resource::GroupAssignments
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::AppRoles]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let role_name = &ctx.spec.entra.app_role;
        let mut items = Vec::new();
        let mut assign = Vec::new();
        for access in &ctx.spec.entra.access {
            let group = &access.group;
            let ids = ctx
                .observed
                .entra
                .groups
                .get(group)
                .cloned()
                .unwrap_or_default();
            match ids.as_slice() {
                [] => out.block(
                    Resource::GroupAssignments,
                    format!("no Entra group named {group:?}"),
                    "create the group in Entra (the tool assigns groups, it does not create \
                     them), or fix the name",
                ),
                [gid] => {
                    if !assigned(ctx, gid) {
                        items.push(Item {
                            key: group.clone(),
                            action: Action::Create,
                            changes: vec![Change::set("app role", role_name.as_str())],
                        });
                        assign.push((group.clone(), gid.clone()));
                    }
                }
                many => out.block(
                    Resource::GroupAssignments,
                    format!("{} Entra groups are named {group:?}", many.len()),
                    "rename one of them; the spec names groups by display name",
                ),
            }
        }
        if items.is_empty() {
            return;
        }
        let n = items.len();
        let mut step = Step::new(
            Resource::GroupAssignments,
            Action::Create,
            format!(
                "members of {} cannot sign in until {} assigned",
                names(&items),
                if n == 1 { "it is" } else { "they are" }
            ),
            Vec::new(),
            Payload::GroupAssignments(AssignmentsChange {
                app_role: role_name.clone(),
                assign,
            }),
        );
        step.items = items;
        out.step(step);
    }
}

fn assigned(ctx: &Context<'_>, group_id: &str) -> bool {
    match (ctx.app(), ctx.spec_app_role()) {
        (Some(a), Some(r)) => a
            .assignments
            .iter()
            .any(|x| x.principal_id == group_id && x.app_role_id == r.id),
        _ => false,
    }
}

fn names(items: &[Item]) -> String {
    items
        .iter()
        .map(|i| format!("{:?}", i.key))
        .collect::<Vec<_>>()
        .join(", ")
}
