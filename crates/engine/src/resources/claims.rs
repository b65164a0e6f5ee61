//! `entra.claims`: one claims-mapping policy of ours, with the spec's definition, assigned to
//! the service principal (Entra allows one: others are unassigned).

use connect_sso_entra::model::ClaimsMappingPolicy;
use connect_sso_planner::payload::ClaimsChange;

use super::{GRAPH_VISIBLE_TIMEOUT, Io, app_and_sp_id, missing};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &ClaimsChange) -> Result<(), Error> {
    let record = h.app().ok_or_else(|| missing("the application"))?;
    let sp = record
        .sp
        .as_ref()
        .ok_or_else(|| missing("the service principal"))?;
    let graph = io.graph;
    for id in &p.unassign {
        graph.unassign_claims_policy(&sp.id, id).await?;
    }
    let policy = ours(io, p).await?;
    if !record.claims.iter().any(|c| c.id == policy.id) {
        // The reference 404s while the policy has not replicated yet.
        graph
            .wait_visible(
                "the claims-mapping policy assignment",
                GRAPH_VISIBLE_TIMEOUT,
                || async {
                    graph
                        .assign_claims_policy(&sp.id, &policy.id)
                        .await
                        .map(Some)
                },
            )
            .await?;
    }
    Ok(())
}

/// Our policy with the spec's definition: updated when it exists by name, else created (and
/// waited for until Graph shows it by name, or a re-run would create a second one).
async fn ours(io: &Io<'_>, p: &ClaimsChange) -> Result<ClaimsMappingPolicy, Error> {
    let graph = io.graph;
    let definition = p.definition.to_string();
    if let Some(existing) = graph
        .claims_mapping_policies_named(&p.name)
        .await?
        .into_iter()
        .next()
    {
        graph
            .update_claims_mapping_policy(&existing.id, &definition)
            .await?;
        return Ok(existing);
    }
    let created = graph
        .create_claims_mapping_policy(&p.name, &definition)
        .await?;
    Ok(graph
        .wait_visible(
            "the new claims-mapping policy",
            GRAPH_VISIBLE_TIMEOUT,
            || async {
                Ok(graph
                    .claims_mapping_policies_named(&p.name)
                    .await?
                    .into_iter()
                    .find(|c| c.id == created.id))
            },
        )
        .await?)
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let (record, sp_id) = app_and_sp_id(h).ok_or_else(|| missing("the app's service principal"))?;
    record.claims = io.graph.service_principal_claims_policies(&sp_id).await?;
    Ok(())
}
