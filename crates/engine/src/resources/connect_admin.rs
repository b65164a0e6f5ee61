//! `connect.admin`: create the first administrator, or bring their profiles and name to the
//! spec. Profiles are resolved by name from what the observation read.

use connect_sso_planner::payload::AdminChange;

use super::{Io, pending};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &AdminChange) -> Result<(), Error> {
    let instance = p.instance_id.known().map_err(pending)?;
    let (sp_ids, rp) = crate::profiles::Profiles {
        instance,
        security: &h.security_profiles,
        routing: &h.routing_profiles,
    }
    .resolve(&p.security_profiles, &p.routing_profile, "connect.admin")?;
    let aws = io.aws;
    match &p.user_id {
        None => {
            aws.create_user(
                instance,
                &connect_sso_aws::connect::NewUser {
                    username: &p.username,
                    first_name: &p.first_name,
                    last_name: &p.last_name,
                    security_profile_ids: sp_ids,
                    routing_profile_id: &rp,
                },
                &io.created_tag(),
            )
            .await?;
        }
        Some(uid) => {
            aws.set_security_profiles(instance, uid, &sp_ids).await?;
            aws.set_routing_profile(instance, uid, &rp).await?;
            aws.set_names(instance, uid, &p.first_name, &p.last_name)
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
