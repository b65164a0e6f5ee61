//! `entra.assignments`: assign each group of the batch to the app role.

use connect_sso_planner::payload::AssignmentsChange;

use super::{Io, app_and_sp_id, missing};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &AssignmentsChange) -> Result<(), Error> {
    let record = h.app().ok_or_else(|| missing("the application"))?;
    let sp = record
        .sp
        .as_ref()
        .ok_or_else(|| missing("the service principal"))?;
    let role = record
        .app
        .app_roles
        .iter()
        .find(|r| r.display_name == p.app_role)
        .ok_or_else(|| missing("the app role"))?;
    for (group, group_id) in &p.assign {
        io.note(format!(
            "assigning group {group:?} to app role {:?}",
            p.app_role
        ));
        io.graph.assign_app_role(&sp.id, group_id, &role.id).await?;
    }
    Ok(())
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let (record, sp_id) = app_and_sp_id(h).ok_or_else(|| missing("the app's service principal"))?;
    record.assignments = io.graph.app_role_assigned_to(&sp_id).await?;
    Ok(())
}
