//! Apply: take the world to the spec, one step at a time.
//!
//! Apply converges rather than replaying a script: it observes, plans, executes the first
//! step of that fresh plan, and repeats until the plan is empty. Every step is therefore
//! decided on the current state, so an apply that was killed at any point simply continues
//! where the world is (nothing is created twice: everything is found by name or tag before
//! it is created), and a second apply makes no mutating call at all.

use std::time::{Duration, Instant};

use connect_sso_aws::Aws;
use connect_sso_entra::Graph;
use connect_sso_spec::{Derived, MANAGED_TAG, Spec};
use serde_json::json;

use crate::Error;
use crate::observe::{ADOPTED_TAG, ENTRA_TAG_ADOPTED, ENTRA_TAG_CREATED, Snapshot, observe};
use crate::plan::{Action, FEDERATION_POLICY_NAME, Plan, Resource, Step, plan};

/// Progress events, for the CLI to show on stderr.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A step starts.
    StepStarted(&'a Step),
    /// A step finished.
    StepDone(&'a Step, Duration),
    /// Something worth telling while a step runs (waiting for an instance, …).
    Note(String),
}

/// What an apply did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ApplyReport {
    /// Steps executed, in order.
    pub executed: Vec<Step>,
    /// The Connect instance ID at the end.
    pub instance_id: Option<String>,
    /// The Entra application (client) ID at the end.
    pub app_id: Option<String>,
}

/// The two sides the engine acts on.
pub struct Clients<'a> {
    /// Microsoft Graph.
    pub graph: &'a Graph,
    /// AWS.
    pub aws: &'a Aws,
}

/// How long to wait for a new Connect instance.
const INSTANCE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How long to wait for Graph to show a new object.
const GRAPH_VISIBLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Apply `spec`. When `expected` is given (a saved plan), the fresh plan must equal it, or
/// nothing is done ([`Error::StalePlan`]).
pub async fn apply(
    clients: &Clients<'_>,
    spec: &Spec,
    expected: Option<&Plan>,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<ApplyReport, Error> {
    let mut report = ApplyReport::default();
    let mut last: Option<(Resource, Action)> = None;
    let mut first = true;
    loop {
        let snap = observe(clients.graph, clients.aws, spec).await?;
        let p = plan(spec, &snap.observed, time::OffsetDateTime::now_utc());
        if first {
            if let Some(saved) = expected {
                if saved != &p {
                    return Err(Error::StalePlan);
                }
            }
            first = false;
        }
        if let Some(b) = p.blockers.first() {
            return Err(Error::Blocked {
                message: format!("{}: {}", b.resource, b.message),
                hint: b.hint.clone(),
            });
        }
        let Some(step) = p.steps.first() else {
            report.instance_id = snap.handles.instance.as_ref().map(|i| i.id.clone());
            report.app_id = snap.handles.app.as_ref().map(|a| a.app_id.clone());
            return Ok(report);
        };
        let key = (step.resource.clone(), step.action);
        if last.as_ref() == Some(&key) && step.resource != Resource::ConnectInstance {
            return Err(Error::NoProgress {
                step: step.resource.to_string(),
                reason: step.reason.clone(),
            });
        }
        on_event(Event::StepStarted(step));
        let started = Instant::now();
        execute(clients, spec, &snap, step, on_event).await?;
        on_event(Event::StepDone(step, started.elapsed()));
        report.executed.push(step.clone());
        last = Some(key);
    }
}

fn missing(what: &str) -> Error {
    Error::Inconsistent(format!(
        "{what} is missing although the plan needs it; run apply again"
    ))
}

/// Execute one step against the current snapshot.
async fn execute(
    clients: &Clients<'_>,
    spec: &Spec,
    snap: &Snapshot,
    step: &Step,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(), Error> {
    let Clients { graph, aws } = clients;
    let d = spec.derived();
    let h = &snap.handles;
    let app_name = spec.entra.app_name.as_str();
    let created_tag = [(MANAGED_TAG, app_name)];
    let adopted_tag = [(ADOPTED_TAG, app_name)];
    match (&step.resource, step.action) {
        (Resource::EntraApp, Action::Create) => {
            let created = graph
                .instantiate(connect_sso_entra::NON_GALLERY_TEMPLATE_ID, app_name)
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
                        "identifierUris": [d.identifier],
                        "web": {"redirectUris": [d.reply_url]},
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
            graph
                .patch_service_principal(
                    &sp_id,
                    &json!({"preferredSingleSignOnMode": "saml", "appRoleAssignmentRequired": true}),
                )
                .await?;
            // The next observe must find it by name, or a second app would be created.
            graph
                .wait_visible(
                    "the new application by name",
                    GRAPH_VISIBLE_TIMEOUT,
                    || async {
                        Ok(graph
                            .applications_named(app_name)
                            .await?
                            .into_iter()
                            .find(|a| a.id == app_id))
                    },
                )
                .await?;
        }
        (Resource::EntraApp, _) => {
            let app = h.app.as_ref().ok_or_else(|| missing("the application"))?;
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
                    &json!({"identifierUris": [d.identifier], "web": {"redirectUris": [d.reply_url]}, "tags": tags}),
                )
                .await?;
            let sp = match &h.sp {
                Some(sp) => sp.clone(),
                None => {
                    graph
                        .wait_visible("the service principal", GRAPH_VISIBLE_TIMEOUT, || {
                            graph.service_principal_by_app_id(&app.app_id)
                        })
                        .await?
                }
            };
            graph
                .patch_service_principal(&sp.id, &json!({"preferredSingleSignOnMode": "saml", "appRoleAssignmentRequired": true}))
                .await?;
        }
        (Resource::SigningCertificate, Action::Create) => {
            let sp =
                h.sp.as_ref()
                    .ok_or_else(|| missing("the service principal"))?;
            let end = time::OffsetDateTime::now_utc()
                + time::Duration::days(365 * i64::from(spec.entra.certificate_years));
            let end = end
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .ok_or_else(|| Error::Inconsistent("could not format a date".into()))?;
            let cert = graph
                .add_token_signing_certificate(&sp.id, &format!("CN={app_name}"), &end)
                .await?;
            graph
                .patch_service_principal(
                    &sp.id,
                    &json!({"preferredTokenSigningKeyThumbprint": cert.thumbprint}),
                )
                .await?;
        }
        (Resource::SigningCertificate, _) => {
            let sp =
                h.sp.as_ref()
                    .ok_or_else(|| missing("the service principal"))?;
            let thumb = step
                .changes
                .iter()
                .find(|c| c.field == "preferredTokenSigningKeyThumbprint")
                .and_then(|c| c.after.clone())
                .ok_or_else(|| missing("the certificate to activate"))?;
            graph
                .patch_service_principal(
                    &sp.id,
                    &json!({"preferredTokenSigningKeyThumbprint": thumb}),
                )
                .await?;
        }
        (Resource::SamlProvider, action) => {
            let app = h.app.as_ref().ok_or_else(|| missing("the application"))?;
            let metadata = graph.federation_metadata(&app.app_id).await?;
            match action {
                Action::Create => {
                    aws.create_saml_provider(&spec.aws.saml_provider, &metadata, &created_tag)
                        .await?;
                }
                _ => {
                    aws.update_saml_provider(&d.provider_arn, &metadata).await?;
                    if action == Action::Adopt {
                        aws.tag_saml_provider(&d.provider_arn, &adopted_tag).await?;
                    }
                }
            }
        }
        (Resource::FederationRole, Action::Create) => {
            aws.create_role(
                &spec.aws.federation_role,
                &d.trust_policy(),
                spec.aws.max_session_duration,
                "Amazon Connect SAML federation (managed by connect-sso)",
                &created_tag,
            )
            .await?;
        }
        (Resource::FederationRole, action) => {
            aws.update_trust_policy(&spec.aws.federation_role, &d.trust_policy())
                .await?;
            aws.update_max_session_duration(
                &spec.aws.federation_role,
                spec.aws.max_session_duration,
            )
            .await?;
            if action == Action::Adopt {
                aws.tag_role(&spec.aws.federation_role, &adopted_tag)
                    .await?;
            }
        }
        (Resource::ConnectInstance, Action::Create) => {
            let id = aws
                .create_instance(
                    &spec.connect.instance_alias,
                    spec.connect.inbound_calls,
                    spec.connect.outbound_calls,
                    &created_tag,
                )
                .await?;
            on_event(Event::Note(format!(
                "Connect instance {id} is being created; this takes a few minutes"
            )));
            wait_instance(aws, &id, on_event).await?;
        }
        (Resource::ConnectInstance, action) => {
            let i = h.instance.as_ref().ok_or_else(|| missing("the instance"))?;
            if i.status == "CREATION_IN_PROGRESS" {
                on_event(Event::Note(format!(
                    "waiting for Connect instance {} to become ACTIVE",
                    i.id
                )));
                wait_instance(aws, &i.id, on_event).await?;
                return Ok(());
            }
            aws.set_calls(
                &i.id,
                (i.inbound_calls != spec.connect.inbound_calls)
                    .then_some(spec.connect.inbound_calls),
                (i.outbound_calls != spec.connect.outbound_calls)
                    .then_some(spec.connect.outbound_calls),
            )
            .await?;
            if action == Action::Adopt {
                aws.tag_connect_resource(&i.arn, &adopted_tag).await?;
            }
        }
        (Resource::FederationPolicy, _) => {
            let i = h.instance.as_ref().ok_or_else(|| missing("the instance"))?;
            let doc = d.federation_policy(&spec.aws.region, &spec.aws.account_id, &i.id);
            aws.put_role_policy(&spec.aws.federation_role, FEDERATION_POLICY_NAME, &doc)
                .await?;
        }
        (Resource::ConnectAdmin, action) => {
            let admin = spec
                .connect
                .admin
                .as_ref()
                .ok_or_else(|| missing("the admin in the spec"))?;
            let i = h.instance.as_ref().ok_or_else(|| missing("the instance"))?;
            let (sp_ids, rp) = crate::profiles::Profiles {
                instance: &i.id,
                security: &h.security_profiles,
                routing: &h.routing_profiles,
            }
            .resolve(
                &admin.security_profiles,
                &admin.routing_profile,
                "connect.admin",
            )?;
            match (action, &h.admin_user_id) {
                (Action::Create, _) | (_, None) => {
                    aws.create_user(
                        &i.id,
                        &connect_sso_aws::connect::NewUser {
                            username: &admin.username,
                            first_name: &admin.first_name,
                            last_name: &admin.last_name,
                            security_profile_ids: sp_ids,
                            routing_profile_id: &rp,
                        },
                        &created_tag,
                    )
                    .await?;
                }
                (_, Some(uid)) => {
                    aws.set_security_profiles(&i.id, uid, &sp_ids).await?;
                    aws.set_routing_profile(&i.id, uid, &rp).await?;
                    aws.set_names(&i.id, uid, &admin.first_name, &admin.last_name)
                        .await?;
                }
            }
        }
        (Resource::AppRoles, _) => {
            let app = h.app.as_ref().ok_or_else(|| missing("the application"))?;
            apply_app_roles(graph, spec, &d, app).await?;
        }
        (Resource::ClaimsPolicy, _) => {
            let sp =
                h.sp.as_ref()
                    .ok_or_else(|| missing("the service principal"))?;
            let name = Derived::claims_policy_name(spec);
            let definition = Derived::claims_policy(spec).to_string();
            // Entra allows one claims-mapping policy per service principal: remove any other.
            for p in &h.claims_policies {
                if p.display_name != name {
                    graph.unassign_claims_policy(&sp.id, &p.id).await?;
                }
            }
            let policy = match graph
                .claims_mapping_policies_named(&name)
                .await?
                .into_iter()
                .next()
            {
                Some(p) => {
                    graph
                        .update_claims_mapping_policy(&p.id, &definition)
                        .await?;
                    p
                }
                None => {
                    let created = graph
                        .create_claims_mapping_policy(&name, &definition)
                        .await?;
                    // Until Graph shows it by name, a re-run would create a second one.
                    graph
                        .wait_visible(
                            "the new claims-mapping policy",
                            GRAPH_VISIBLE_TIMEOUT,
                            || async {
                                Ok(graph
                                    .claims_mapping_policies_named(&name)
                                    .await?
                                    .into_iter()
                                    .find(|p| p.id == created.id))
                            },
                        )
                        .await?
                }
            };
            if !h.claims_policies.iter().any(|p| p.id == policy.id) {
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
        }
        (Resource::RelayState, _) => {
            let sp =
                h.sp.as_ref()
                    .ok_or_else(|| missing("the service principal"))?;
            let i = h.instance.as_ref().ok_or_else(|| missing("the instance"))?;
            let relay = Derived::relay_state(spec, &i.id);
            graph
                .patch_service_principal(
                    &sp.id,
                    &json!({"samlSingleSignOnSettings": {"relayState": relay}}),
                )
                .await?;
        }
        (Resource::GroupAssignment { group }, _) => {
            let sp =
                h.sp.as_ref()
                    .ok_or_else(|| missing("the service principal"))?;
            let app = h.app.as_ref().ok_or_else(|| missing("the application"))?;
            let gid = h.group_ids.get(group).ok_or_else(|| missing("the group"))?;
            let role = app
                .app_roles
                .iter()
                .find(|r| r.display_name == spec.entra.app_role)
                .ok_or_else(|| missing("the app role"))?;
            graph.assign_app_role(&sp.id, gid, &role.id).await?;
        }
    }
    Ok(())
}

async fn wait_instance(
    aws: &Aws,
    id: &str,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<(), Error> {
    let mut last_note = Instant::now();
    aws.wait_active(id, INSTANCE_TIMEOUT, |status, elapsed| {
        if last_note.elapsed() >= Duration::from_secs(10) {
            on_event(Event::Note(format!(
                "instance {id}: {status} after {} s",
                elapsed.as_secs()
            )));
            last_note = Instant::now();
        }
    })
    .await?;
    Ok(())
}

/// Bring the app roles to the spec: the one named `entra.app_role` carries the Role claim value;
/// other roles of ours are disabled and then removed (Graph requires that order); other roles
/// (msiam_access, …) are kept as they are.
async fn apply_app_roles(
    graph: &Graph,
    spec: &Spec,
    d: &Derived,
    app: &connect_sso_entra::model::Application,
) -> Result<(), Error> {
    use connect_sso_entra::model::AppRole;
    let wanted = spec.entra.app_role.as_str();
    let ours = |r: &AppRole| {
        r.value
            .as_deref()
            .is_some_and(|v| v.contains(&format!(":iam::{}:", spec.aws.account_id)))
    };
    let mut roles: Vec<AppRole> = Vec::new();
    let mut to_remove = Vec::new();
    for r in &app.app_roles {
        if r.display_name == wanted {
            let mut r = r.clone();
            r.value = Some(d.role_claim_value.clone());
            r.is_enabled = true;
            roles.push(r);
        } else if ours(r) {
            // Disable first (Graph refuses to remove an enabled role), and clear the value so the
            // one we want can take it (values are unique per app).
            let mut r = r.clone();
            r.is_enabled = false;
            r.value = None;
            to_remove.push(r.id.clone());
            roles.push(r);
        } else {
            roles.push(r.clone());
        }
    }
    if !roles.iter().any(|r| r.display_name == wanted) {
        roles.push(AppRole {
            id: uuid::Uuid::new_v4().to_string(),
            allowed_member_types: vec!["User".into()],
            description: format!(
                "Signs in to Amazon Connect through {}",
                spec.aws.federation_role
            ),
            display_name: wanted.to_string(),
            is_enabled: true,
            value: Some(d.role_claim_value.clone()),
        });
    }
    graph
        .patch_application(&app.id, &json!({ "appRoles": roles }))
        .await?;
    if !to_remove.is_empty() {
        roles.retain(|r| !to_remove.contains(&r.id));
        graph
            .patch_application(&app.id, &json!({ "appRoles": roles }))
            .await?;
    }
    Ok(())
}

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
    let created_app = h
        .app
        .as_ref()
        .is_some_and(|a| a.tags.iter().any(|t| t == ENTRA_TAG_CREATED));
    if let Some(a) = &h.app {
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
    if !h.claims_policies.is_empty() && created_app {
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
        if h.role_created {
            out.delete.push(format!("aws.federation_role {}", r.arn));
        } else {
            out.keep.push((
                format!("aws.federation_role {}", r.arn),
                "not created by connect-sso".into(),
            ));
        }
    }
    if let Some(p) = &o.aws.saml_provider {
        if h.provider_created {
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
    let Clients { graph, aws } = clients;
    let snap = observe(graph, aws, spec).await?;
    let plan = destroy_plan(spec, &snap, include_instance);
    if expected.is_some_and(|e| e != &plan) {
        return Err(Error::StalePlan);
    }
    let h = &snap.handles;
    let d = spec.derived();
    if let Some(app) = h
        .app
        .as_ref()
        .filter(|a| a.tags.iter().any(|t| t == ENTRA_TAG_CREATED))
    {
        let name = Derived::claims_policy_name(spec);
        for p in h.claims_policies.iter().filter(|p| p.display_name == name) {
            on_event(Event::Note(format!(
                "deleting claims-mapping policy {:?}",
                p.display_name
            )));
            if let Some(sp) = &h.sp {
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
    if h.role_created {
        on_event(Event::Note(format!("deleting IAM role {}", d.role_arn)));
        aws.delete_role(&spec.aws.federation_role).await?;
    }
    if h.provider_created {
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
