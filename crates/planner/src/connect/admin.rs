//! `connect.admin`: the first Connect administrator, whose username must equal their
//! RoleSessionName. The user is shaped by the users mapping ([`crate::users::admin_user`]),
//! the same function that shapes a synced member, so the two never disagree.

use std::collections::BTreeSet;

use crate::context::Context;
use crate::payload::{AdminChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};

/// The first administrator.
pub struct ConnectAdmin;

impl ManagedResource for ConnectAdmin {
    fn resource(&self) -> Resource {
        Resource::ConnectAdmin
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::ConnectInstance]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let Some(admin) = crate::users::admin_user(ctx.spec) else {
            return;
        };
        check_entra_user(ctx, &admin.username, out);
        let existing = ctx.observed.aws.admin_user.as_ref();
        let payload = Payload::ConnectAdmin(AdminChange {
            instance_id: ctx.instance_id(),
            user_id: existing.map(|u| u.id.clone()),
            username: admin.username.clone(),
            first_name: admin.first_name.clone(),
            last_name: admin.last_name.clone(),
            security_profiles: admin.security_profiles.clone(),
            routing_profile: admin.routing_profile.clone(),
        });
        let Some(u) = existing else {
            out.step(Step::new(
                Resource::ConnectAdmin,
                Action::Create,
                format!(
                    "no Connect user {:?} (must equal their RoleSessionName)",
                    admin.username
                ),
                vec![
                    Change::set("username", admin.username.as_str()),
                    Change::set("security profiles", admin.security_profiles.as_slice()),
                    Change::set("routing profile", admin.routing_profile.as_str()),
                ],
                payload,
            ));
            return;
        };
        let mut changes = Vec::new();
        let want: BTreeSet<&String> = admin.security_profiles.iter().collect();
        let have: BTreeSet<&String> = u.security_profiles.iter().collect();
        if want != have {
            changes.push(Change::new(
                "security profiles",
                Some(u.security_profiles.as_slice()),
                Some(admin.security_profiles.as_slice()),
            ));
        }
        if u.routing_profile != admin.routing_profile {
            changes.push(Change::new(
                "routing profile",
                Some(&u.routing_profile),
                Some(admin.routing_profile.as_str()),
            ));
        }
        if u.first_name != admin.first_name || u.last_name != admin.last_name {
            changes.push(Change::new(
                "name",
                Some(format!("{} {}", u.first_name, u.last_name)),
                Some(format!("{} {}", admin.first_name, admin.last_name)),
            ));
        }
        if !changes.is_empty() {
            out.step(Step::new(
                Resource::ConnectAdmin,
                Action::Update,
                "the admin user differs from the spec",
                changes,
                payload,
            ));
        }
    }
}

/// The administrator must be an Entra user whose UPN is exactly the username: Connect matches
/// the RoleSessionName (the UPN Entra sends) case included, the first cause of failed sign-ins
/// (docs/facts.md §6).
fn check_entra_user(ctx: &Context<'_>, username: &str, out: &mut Outcome) {
    match ctx.observed.entra.users.get(username) {
        None => {}
        Some(None) => out.block(
            Resource::ConnectAdmin,
            format!("no Entra user has the UPN {username:?} (connect.admin.username)"),
            "set connect.admin.username to the UPN of an existing Entra user, exactly as Entra \
             shows it",
        ),
        Some(Some(upn)) if upn != username => out.block(
            Resource::ConnectAdmin,
            format!(
                "connect.admin.username is {username:?} but the Entra user's UPN is {upn:?}; \
                 Connect compares usernames with the RoleSessionName exactly, case included"
            ),
            format!("set connect.admin.username = {upn:?}"),
        ),
        Some(Some(_)) => {}
    }
}
