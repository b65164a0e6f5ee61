//! `entra.app`: create the enterprise app from the non-gallery template, or bring its SAML
//! basics to the spec (tagging an adopted app).

use connect_sso_planner::Action;
use connect_sso_planner::payload::AppSettings;
use serde_json::json;

use super::{GRAPH_VISIBLE_TIMEOUT, Io, missing};
use crate::Error;
use crate::observe::{ENTRA_TAG_ADOPTED, ENTRA_TAG_CREATED, Handles, read_apps};

pub(super) async fn execute(
    io: &Io<'_>,
    h: &Handles,
    action: Action,
    p: &AppSettings,
) -> Result<(), Error> {
    if action == Action::Create {
        return create(io, p).await;
    }
    let graph = io.graph;
    let record = h.app().ok_or_else(|| missing("the application"))?;
    let app = &record.app;
    let mut tags = app.tags.clone();
    if !tags
        .iter()
        .any(|t| t == ENTRA_TAG_CREATED || t == ENTRA_TAG_ADOPTED)
    {
        tags.push(ENTRA_TAG_ADOPTED.to_string());
    }
    graph
        .patch_application(
            &app.id,
            &json!({"identifierUris": [p.identifier], "web": {"redirectUris": [p.reply_url]}, "tags": tags}),
        )
        .await?;
    let sp_id = match &record.sp {
        Some(sp) => sp.id.clone(),
        None => {
            graph
                .wait_visible("the service principal", GRAPH_VISIBLE_TIMEOUT, || {
                    graph.service_principal_by_app_id(&app.app_id)
                })
                .await?
                .id
        }
    };
    patch_sp(io, &sp_id).await
}

async fn create(io: &Io<'_>, p: &AppSettings) -> Result<(), Error> {
    let graph = io.graph;
    let created = graph
        .instantiate(connect_sso_entra::NON_GALLERY_TEMPLATE_ID, &p.display_name)
        .await?;
    let app_id = created.application.id.clone();
    // Graph is eventually consistent: wait until the app can be read before patching it.
    graph
        .wait_visible("the new application", GRAPH_VISIBLE_TIMEOUT, || async {
            graph.application(&app_id).await.map(Some)
        })
        .await?;
    graph
        .patch_application(
            &app_id,
            &json!({
                "identifierUris": [p.identifier],
                "web": {"redirectUris": [p.reply_url]},
                "tags": [ENTRA_TAG_CREATED],
            }),
        )
        .await?;
    let sp_id = created.service_principal.id.clone();
    graph
        .wait_visible(
            "the new service principal",
            GRAPH_VISIBLE_TIMEOUT,
            || async { graph.service_principal(&sp_id).await.map(Some) },
        )
        .await?;
    patch_sp(io, &sp_id).await
}

async fn patch_sp(io: &Io<'_>, sp_id: &str) -> Result<(), Error> {
    io.graph
        .patch_service_principal(
            sp_id,
            &json!({"preferredSingleSignOnMode": "saml", "appRoleAssignmentRequired": true}),
        )
        .await?;
    Ok(())
}

/// Read the apps by name again (the next steps find the new app the same way a later run
/// will, so a run killed here never creates a second one).
pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    h.apps = read_apps(io.graph, io.spec).await?;
    Ok(())
}
