//! `entra.provisioning`: create the app's provisioning job, give it Identity Center's SCIM
//! endpoint and the operator's token (from the environment, never printed), and start it; read
//! back the job and the spec's groups in the identity store.

use connect_sso_entra::Secret;
use connect_sso_planner::payload::ProvisioningChange;

use super::{Io, missing};
use crate::Error;
use crate::identity_center::{read_ic_groups, read_provisioning_jobs};
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &ProvisioningChange) -> Result<(), Error> {
    let sp = h
        .sp()
        .ok_or_else(|| missing("the app's service principal"))?;
    let token = (io.env)(&p.token_env)
        .filter(|t| !t.trim().is_empty())
        .map(Secret::new)
        .ok_or_else(|| Error::Blocked {
            message: format!(
                "entra.provisioning: the environment variable {} holds no SCIM token",
                p.token_env
            ),
            hint: format!(
                "copy the access token from IAM Identity Center → Settings → Automatic \
                 provisioning into {} (it is shown once; generate a new one if it is lost)",
                p.token_env
            ),
        })?;
    let job_id = match &p.job_id {
        Some(id) => id.clone(),
        None => {
            io.note("creating Entra's provisioning job".into());
            io.graph
                .create_synchronization_job(&sp.id, &p.template_id)
                .await?
                .id
        }
    };
    io.graph
        .put_synchronization_secrets(&sp.id, &p.scim_endpoint, &token)
        .await?;
    io.note("starting a provisioning cycle into Identity Center".into());
    io.graph.start_synchronization_job(&sp.id, &job_id).await?;
    refused_token(io, &sp.id, &job_id, &p.token_env).await
}

/// A job Entra put in quarantine at once (Identity Center refused the token): say so now,
/// rather than waiting for a postcondition that cannot come.
async fn refused_token(
    io: &Io<'_>,
    sp_id: &str,
    job_id: &str,
    token_env: &str,
) -> Result<(), Error> {
    let jobs = io.graph.synchronization_jobs(sp_id).await?;
    let Some(job) = jobs
        .iter()
        .find(|j| j.id == job_id && j.status.code == "Quarantine")
    else {
        return Ok(());
    };
    let why = job
        .status
        .last_execution
        .as_ref()
        .and_then(|e| e.error.as_ref())
        .and_then(|e| e.message.clone())
        .unwrap_or_else(|| "no reason given".into());
    Err(Error::Blocked {
        message: format!("entra.provisioning: Entra put the provisioning job in quarantine: {why}"),
        hint: format!(
            "check the token in {token_env}: IAM Identity Center → Settings → Automatic \
             provisioning → Generate token, then run apply again (it gives the job the token and \
             restarts it)"
        ),
    })
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    h.provisioning_jobs = read_provisioning_jobs(io.graph, io.spec, h).await?;
    if let (Some(ic), Some(instance)) = (io.identity_center, h.ic.instance.clone()) {
        read_ic_groups(ic, io.spec, &instance, &mut h.ic).await?;
    }
    Ok(())
}
