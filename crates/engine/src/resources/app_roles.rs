//! `entra.app_roles`: the role named in the spec carries the Role claim value; other roles of
//! ours are disabled and then removed (Graph requires that order); other roles (msiam_access,
//! …) are kept as they are.

use connect_sso_entra::model::AppRole;
use connect_sso_planner::payload::AppRolesChange;
use serde_json::json;

use super::{Io, missing};
use crate::Error;
use crate::observe::Handles;

pub(super) async fn execute(io: &Io<'_>, h: &Handles, p: &AppRolesChange) -> Result<(), Error> {
    let app = &h.app().ok_or_else(|| missing("the application"))?.app;
    let mut roles: Vec<AppRole> = Vec::new();
    for r in &app.app_roles {
        let mut r = r.clone();
        if r.display_name == p.name {
            r.value = Some(p.value.clone());
            r.is_enabled = true;
        } else if p.retire.contains(&r.id) {
            // Disable first (Graph refuses to remove an enabled role), and clear the value so
            // the one we want can take it (values are unique per app).
            r.is_enabled = false;
            r.value = None;
        }
        roles.push(r);
    }
    if !roles.iter().any(|r| r.display_name == p.name) {
        roles.push(AppRole {
            id: uuid::Uuid::new_v4().to_string(),
            allowed_member_types: vec!["User".into()],
            description: p.description.clone(),
            display_name: p.name.clone(),
            is_enabled: true,
            value: Some(p.value.clone()),
        });
    }
    io.graph
        .patch_application(&app.id, &json!({ "appRoles": roles }))
        .await?;
    if !p.retire.is_empty() {
        roles.retain(|r| !p.retire.contains(&r.id));
        io.graph
            .patch_application(&app.id, &json!({ "appRoles": roles }))
            .await?;
    }
    Ok(())
}

pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    let record = h.app_mut().ok_or_else(|| missing("the application"))?;
    record.app = io.graph.application(&record.app.id).await?;
    Ok(())
}
