//! Destroy: remove what the tool created, and only that.

use connect_sso_spec::{Derived, MANAGED_TAG, Spec};

use connect_sso_planner::FEDERATION_POLICY_NAME;

use crate::Error;
use crate::apply::{Clients, Event};
use crate::observe::Snapshot;

/// What `destroy` would remove (created by the tool) and keep (adopted or foreign).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DestroyPlan {
    /// Resources to delete, in order.
    pub delete: Vec<String>,
    /// Resources left in place, with why.
    pub keep: Vec<(String, String)>,
}

/// Work out what destroy removes. Only resources the tool created are removed; the Connect
/// instance only with `include_instance`.
pub fn destroy_plan(spec: &Spec, snap: &Snapshot, include_instance: bool) -> DestroyPlan {
    let mut out = DestroyPlan::default();
    let h = &snap.handles;
    let o = &snap.observed;
    let created_app = h.app().is_some_and(|a| a.created());
    if let Some(a) = h.app().map(|r| &r.app) {
        if created_app {
            out.delete
                .push(format!("entra.app {:?} ({})", a.display_name, a.app_id));
        } else {
            out.keep.push((
                format!("entra.app {:?}", a.display_name),
                "not created by connect-sso".into(),
            ));
        }
    }
    if h.app().is_some_and(|a| !a.claims.is_empty()) && created_app {
        out.delete.push(format!(
            "entra.claims {:?}",
            Derived::claims_policy_name(spec)
        ));
    }
    if let Some(u) = &o.aws.admin_user {
        if include_instance {
            out.delete.push(format!(
                "connect.admin {:?} (with the instance)",
                u.username
            ));
        } else {
            out.keep.push((
                format!("connect.admin {:?}", u.username),
                "users stay with the instance".into(),
            ));
        }
    }
    if let Some(r) = &o.aws.role {
        if h.role_created() {
            out.delete.push(format!("aws.federation_role {}", r.arn));
        } else {
            if r.inline_policies.contains_key(FEDERATION_POLICY_NAME) {
                out.delete.push(format!(
                    "aws.federation_policy {FEDERATION_POLICY_NAME} (added by connect-sso to the adopted role {})",
                    r.arn
                ));
            }
            out.keep.push((
                format!("aws.federation_role {}", r.arn),
                "not created by connect-sso; its trust policy stays as apply wrote it (the one \
                 before adoption is not known to connect-sso)"
                    .into(),
            ));
        }
    }
    if let Some(p) = &o.aws.saml_provider {
        if h.provider_created() {
            out.delete.push(format!("aws.saml_provider {}", p.arn));
        } else {
            out.keep.push((
                format!("aws.saml_provider {}", p.arn),
                "not created by connect-sso".into(),
            ));
        }
    }
    if let Some(i) = &h.instance {
        if !include_instance {
            out.keep.push((
                format!("connect.instance {} ({})", i.alias, i.id),
                "pass --include-instance to delete it".into(),
            ));
        } else if i.tags.contains_key(MANAGED_TAG) {
            out.delete
                .push(format!("connect.instance {} ({})", i.alias, i.id));
        } else {
            out.keep.push((
                format!("connect.instance {} ({})", i.alias, i.id),
                "not created by connect-sso".into(),
            ));
        }
    }
    out
}

/// Remove what the tool created (see [`destroy_plan`]). When `expected` is given (what the
/// user confirmed), nothing is deleted unless the fresh plan is the same ([`Error::StalePlan`]).
pub async fn destroy(
    clients: &Clients<'_>,
    spec: &Spec,
    include_instance: bool,
    expected: Option<&DestroyPlan>,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<DestroyPlan, Error> {
    let graph = clients.graph;
    let aws = clients.aws;
    let snap = clients.observe(spec).await?;
    let plan = destroy_plan(spec, &snap, include_instance);
    if expected.is_some_and(|e| e != &plan) {
        return Err(Error::StalePlan);
    }
    let h = &snap.handles;
    let d = spec.derived();
    if let Some(record) = h.app().filter(|a| a.created()) {
        let app = &record.app;
        let name = Derived::claims_policy_name(spec);
        for p in record.claims.iter().filter(|p| p.display_name == name) {
            on_event(Event::Note(format!(
                "deleting claims-mapping policy {:?}",
                p.display_name
            )));
            if let Some(sp) = &record.sp {
                graph.unassign_claims_policy(&sp.id, &p.id).await?;
            }
            graph.delete_claims_mapping_policy(&p.id).await?;
        }
        on_event(Event::Note(format!(
            "deleting enterprise app {:?}",
            app.display_name
        )));
        graph.delete_application(&app.id).await?;
    }
    let adopted_role_policy = !h.role_created()
        && h.role
            .as_ref()
            .is_some_and(|r| r.inline_policies.contains_key(FEDERATION_POLICY_NAME));
    if adopted_role_policy {
        on_event(Event::Note(format!(
            "removing {FEDERATION_POLICY_NAME} from the adopted role {}",
            d.role_arn
        )));
        aws.delete_role_policy(&spec.aws.federation_role, FEDERATION_POLICY_NAME)
            .await?;
    }
    if h.role_created() {
        on_event(Event::Note(format!("deleting IAM role {}", d.role_arn)));
        aws.delete_role(&spec.aws.federation_role).await?;
    }
    if h.provider_created() {
        on_event(Event::Note(format!(
            "deleting IAM SAML provider {}",
            d.provider_arn
        )));
        aws.delete_saml_provider(&d.provider_arn).await?;
    }
    if include_instance {
        if let Some(i) = h
            .instance
            .as_ref()
            .filter(|i| i.tags.contains_key(MANAGED_TAG))
        {
            on_event(Event::Note(format!(
                "deleting Connect instance {} ({})",
                i.alias, i.id
            )));
            aws.delete_instance(&i.id).await?;
        }
    }
    Ok(plan)
}
