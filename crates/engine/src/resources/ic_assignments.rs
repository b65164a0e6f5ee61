//! `identity_center.assignments`: assign the spec's groups to the Identity Center application
//! (`CreateApplicationAssignment`), and read the assignments back.

use connect_sso_planner::payload::IcAssignmentsChange;

use super::{Io, missing};
use crate::Error;
use crate::identity_center::observe_identity_center;
use crate::observe::Handles;

/// The management account's client, which a brokered apply always has.
fn ic<'a>(io: &Io<'a>) -> Option<&'a connect_sso_aws::Aws> {
    io.identity_center
}

const NO_CLIENT: &str = "the IAM Identity Center client";

pub(super) async fn execute(io: &Io<'_>, p: &IcAssignmentsChange) -> Result<(), Error> {
    let ic = ic(io).ok_or_else(|| missing(NO_CLIENT))?;
    for (name, group_id) in &p.assign {
        io.note(format!(
            "assigning {name:?} to the Identity Center application"
        ));
        ic.ic_assign_group(&p.application_arn, group_id).await?;
    }
    Ok(())
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let ic = ic(io).ok_or_else(|| missing(NO_CLIENT))?;
    if let [app] = h.ic.applications.as_slice() {
        h.ic.assignments = ic.ic_application_assignments(&app.arn).await?;
    }
    Ok(())
}

/// Everything of Identity Center again (after a console step).
pub(super) async fn read_all(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let ic = ic(io).ok_or_else(|| missing(NO_CLIENT))?;
    h.ic = observe_identity_center(ic, io.spec, io.url_map).await?;
    Ok(())
}
