//! Destroy: remove what the tool created, and only that.

use connect_sso_spec::{Derived, MANAGED_TAG, Spec};

use connect_sso_planner::{FEDERATION_POLICY_NAME, Resource};

use crate::Error;
use crate::apply::{Clients, Event};
use crate::observe::Snapshot;

/// What `destroy` would remove (created by the tool) and keep (adopted or foreign).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DestroyPlan {
    /// Resources to delete, in order.
    pub delete: Vec<DestroyItem>,
    /// Resources left in place, with why.
    pub keep: Vec<(DestroyItem, String)>,
}

/// A resource destroy deletes or keeps: the address plans name it by, and which one.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct DestroyItem {
    /// The resource, as plans name it (`aws.federation_role`).
    pub resource: Resource,
    /// Which one: a name, an ARN or an ID, with what people need to recognise it.
    pub name: String,
}

impl DestroyItem {
    fn new(resource: Resource, name: impl Into<String>) -> Self {
        Self {
            resource,
            name: name.into(),
        }
    }
}

impl std::fmt::Display for DestroyItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.resource, self.name)
    }
}

/// Work out what destroy removes. Only resources the tool created are removed; the Connect
/// instance only with `include_instance`.
pub fn destroy_plan(spec: &Spec, snap: &Snapshot, include_instance: bool) -> DestroyPlan {
    let mut out = DestroyPlan::default();
    plan_identity_center(spec, snap, &mut out);
    plan_entra(spec, snap, &mut out);
    plan_admin(snap, include_instance, &mut out);
    plan_iam(snap, &mut out);
    plan_instance(snap, include_instance, &mut out);
    out
}

const NOT_CREATED: &str = "not created by connect-sso";

/// The spec's groups assigned to Identity Center's application: (name, group ID).
fn ic_assigned_groups(spec: &Spec, snap: &Snapshot) -> Vec<(String, String)> {
    let ic = &snap.handles.ic;
    spec.entra
        .access
        .iter()
        .filter_map(|a| {
            let id = ic.groups.get(&a.group).cloned().flatten()?;
            ic.assignments.contains(&id).then(|| (a.group.clone(), id))
        })
        .collect()
}

/// Brokered: the assignments apply made go; what a person made in Identity Center's console
/// stays, with where to remove it.
fn plan_identity_center(spec: &Spec, snap: &Snapshot, out: &mut DestroyPlan) {
    let ic = &snap.handles.ic;
    let [app] = ic.applications.as_slice() else {
        return;
    };
    for (group, _) in ic_assigned_groups(spec, snap) {
        out.delete.push(DestroyItem::new(
            Resource::IcAssignments,
            format!("{group:?} → {:?}", app.name),
        ));
    }
    out.keep.push((
        DestroyItem::new(
            Resource::IcApplication,
            format!("{:?} ({})", app.name, app.arn),
        ),
        "made in Identity Center's console: remove it there (Applications → Customer managed → \
         Actions → Remove)"
            .into(),
    ));
    if ic.portal_idp.is_some() {
        out.keep.push((
            DestroyItem::new(Resource::IcIdentitySource, "Entra ID"),
            "Identity Center's identity source is set in its console; the people Entra \
             provisioned stay in its identity store"
                .into(),
        ));
    }
}

fn plan_entra(spec: &Spec, snap: &Snapshot, out: &mut DestroyPlan) {
    let h = &snap.handles;
    let Some(record) = h.app() else {
        return;
    };
    let a = &record.app;
    if !record.created() {
        let app = DestroyItem::new(Resource::EntraApp, format!("{:?}", a.display_name));
        out.keep.push((app, NOT_CREATED.into()));
        return;
    }
    let name = format!("{:?} ({})", a.display_name, a.app_id);
    out.delete.push(DestroyItem::new(Resource::EntraApp, name));
    if !record.claims.is_empty() {
        let policy = format!("{:?}", Derived::claims_policy_name(spec));
        out.delete
            .push(DestroyItem::new(Resource::ClaimsPolicy, policy));
    }
}

fn plan_admin(snap: &Snapshot, include_instance: bool, out: &mut DestroyPlan) {
    let Some(u) = &snap.observed.aws.admin_user else {
        return;
    };
    if include_instance {
        let name = format!("{:?} (with the instance)", u.username);
        out.delete
            .push(DestroyItem::new(Resource::ConnectAdmin, name));
    } else {
        let admin = DestroyItem::new(Resource::ConnectAdmin, format!("{:?}", u.username));
        out.keep
            .push((admin, "users stay with the instance".into()));
    }
}

fn plan_iam(snap: &Snapshot, out: &mut DestroyPlan) {
    let (h, o) = (&snap.handles, &snap.observed);
    if let Some(r) = &o.aws.role {
        let role = DestroyItem::new(Resource::FederationRole, r.arn.clone());
        if h.role_created() {
            out.delete.push(role);
        } else {
            if r.inline_policies.contains_key(FEDERATION_POLICY_NAME) {
                let name = format!(
                    "{FEDERATION_POLICY_NAME} (added by connect-sso to the adopted role {})",
                    r.arn
                );
                out.delete
                    .push(DestroyItem::new(Resource::FederationPolicy, name));
            }
            let why = "not created by connect-sso; its trust policy stays as apply wrote it (the \
                       one before adoption is not known to connect-sso)";
            out.keep.push((role, why.into()));
        }
    }
    if let Some(p) = &o.aws.saml_provider {
        let provider = DestroyItem::new(Resource::SamlProvider, p.arn.clone());
        if h.provider_created() {
            out.delete.push(provider);
        } else {
            out.keep.push((provider, NOT_CREATED.into()));
        }
    }
}

fn plan_instance(snap: &Snapshot, include_instance: bool, out: &mut DestroyPlan) {
    let Some(i) = &snap.handles.instance else {
        return;
    };
    let instance = DestroyItem::new(Resource::ConnectInstance, format!("{} ({})", i.alias, i.id));
    if !include_instance {
        out.keep
            .push((instance, "pass --include-instance to delete it".into()));
    } else if i.tags.contains_key(MANAGED_TAG) {
        out.delete.push(instance);
    } else {
        out.keep.push((instance, NOT_CREATED.into()));
    }
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
    if let (Some(ic), [app]) = (clients.identity_center, h.ic.applications.as_slice()) {
        for (group, id) in ic_assigned_groups(spec, &snap) {
            on_event(Event::Note(format!(
                "removing {group:?} from the Identity Center application {:?}",
                app.name
            )));
            ic.ic_unassign_group(&app.arn, &id).await?;
        }
    }
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
