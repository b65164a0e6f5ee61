//! `entra.signing_certificate`: add a token signing certificate and make it active, or make a
//! valid one active.

use connect_sso_planner::payload::CertificateChange;
use serde_json::json;

use super::{Io, app_and_sp_id, missing};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &CertificateChange) -> Result<(), Error> {
    let sp = h.sp().ok_or_else(|| missing("the service principal"))?;
    let thumbprint = match p {
        CertificateChange::New { subject, years } => {
            let end =
                time::OffsetDateTime::now_utc() + time::Duration::days(365 * i64::from(*years));
            let end = end
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .ok_or_else(|| Error::Inconsistent("could not format a date".into()))?;
            io.graph
                .add_token_signing_certificate(&sp.id, subject, &end)
                .await?
                .thumbprint
        }
        CertificateChange::Activate { thumbprint } => thumbprint.clone(),
    };
    io.graph
        .patch_service_principal(
            &sp.id,
            &json!({"preferredTokenSigningKeyThumbprint": thumbprint}),
        )
        .await?;
    Ok(())
}

/// Read the service principal again (certificates, preferred thumbprint, relay state).
pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let (record, id) = app_and_sp_id(h).ok_or_else(|| missing("the app's service principal"))?;
    record.sp = Some(io.graph.service_principal(&id).await?);
    Ok(())
}
