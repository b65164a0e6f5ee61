//! `aws.federation_policy`: put the role's inline `connect:GetFederationToken` policy.

use connect_sso_planner::payload::PolicyChange;

use super::{Io, pending};
use crate::Error;

pub(super) async fn execute(io: &Io<'_>, p: &PolicyChange) -> Result<(), Error> {
    io.aws
        .put_role_policy(&p.role, &p.name, p.document.known().map_err(pending)?)
        .await?;
    Ok(())
}
