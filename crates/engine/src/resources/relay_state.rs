//! `entra.relay_state`: set the service principal's relay state (read back with the service
//! principal, like the signing certificate).

use connect_sso_planner::payload::RelayStateChange;
use serde_json::json;

use super::{Io, missing, pending};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &RelayStateChange) -> Result<(), Error> {
    let sp = h.sp().ok_or_else(|| missing("the service principal"))?;
    let relay = p.relay_state.known().map_err(pending)?;
    io.graph
        .patch_service_principal(
            &sp.id,
            &json!({"samlSingleSignOnSettings": {"relayState": relay}}),
        )
        .await?;
    Ok(())
}
