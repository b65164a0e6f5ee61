//! `aws.federation_role`: create the role, or bring its trust policy and session length to the
//! spec (tagging an adopted one). Read back with its inline policies, which
//! `aws.federation_policy` shares.

use connect_sso_planner::Action;
use connect_sso_planner::payload::RoleChange;

use super::Io;
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, action: Action, p: &RoleChange) -> Result<(), Error> {
    let aws = io.aws;
    if action == Action::Create {
        aws.create_role(
            &p.name,
            &p.trust_policy,
            p.max_session_duration,
            &p.description,
            &io.created_tag(),
        )
        .await?;
        return Ok(());
    }
    aws.update_trust_policy(&p.name, &p.trust_policy).await?;
    aws.update_max_session_duration(&p.name, p.max_session_duration)
        .await?;
    if action == Action::Adopt {
        aws.tag_role(&p.name, &io.adopted_tag()).await?;
    }
    Ok(())
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    h.role = io.aws.get_role(&io.spec.aws.federation_role).await?;
    Ok(())
}
