//! `connect.admin`: create the first administrator, or bring their profiles and name to the
//! spec. The user is shaped and created by the same code as a synced user
//! (`connect_sso_planner::users::{admin_user, create_change}`, run by sync's runner), so the
//! two can never disagree on the username, the names or the tags.

use connect_sso_planner::payload::AdminChange;
use connect_sso_planner::users::{Profiles, admin_user, create_change};

use super::{Io, pending};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &AdminChange) -> Result<(), Error> {
    let instance = p.instance_id.known().map_err(pending)?;
    let aws = io.aws;
    // A profile the instance lacks blocks with apply's words, naming connect.admin.
    let (sp_ids, rp) = crate::profiles::Profiles {
        instance,
        security: &h.security_profiles,
        routing: &h.routing_profiles,
    }
    .resolve(&p.security_profiles, &p.routing_profile, "connect.admin")?;
    match &p.user_id {
        None => {
            let Some(admin) = admin_user(io.spec) else {
                return Ok(());
            };
            let profiles = Profiles {
                security: h.security_profiles.clone(),
                routing: h.routing_profiles.clone(),
                hierarchy: Vec::new(),
            };
            let change = create_change(&admin, &profiles).map_err(|e| Error::Blocked {
                message: e.message,
                hint: e.hint,
            })?;
            crate::sync::Runner::new(aws, instance)
                .run_change(&change)
                .await?;
        }
        Some(uid) => {
            aws.set_security_profiles(instance, uid, &sp_ids).await?;
            aws.set_routing_profile(instance, uid, &rp).await?;
            aws.set_names(instance, uid, (&p.first_name, &p.last_name), None)
                .await?;
        }
    }
    Ok(())
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let (Some(i), Some(admin)) = (&h.instance, &io.spec.connect.admin) else {
        return Ok(());
    };
    h.admin_user = io.aws.find_user(&i.id, &admin.username).await?;
    Ok(())
}
