//! Observe: read both sides through the adapters into [`Observed`] (what the planner sees)
//! and [`Handles`] (the IDs the executor needs).

use std::collections::BTreeMap;

use connect_sso_aws::Aws;
use connect_sso_entra::Graph;
use connect_sso_spec::{MANAGED_TAG, Spec};

use crate::Error;
use crate::observed::{
    AppRole, Assignment, AwsObserved, ClaimsPolicy, ConnectInstance, ConnectUser, EntraApp,
    EntraObserved, FederationRole, Observed, SamlProvider, SigningCertificate,
};

/// Tag (Entra app `tags` entry) on an app the tool created.
pub const ENTRA_TAG_CREATED: &str = "connect-sso:created";
/// Tag on an app the tool adopted.
pub const ENTRA_TAG_ADOPTED: &str = "connect-sso:adopted";
/// AWS tag key on a resource the tool adopted (value: the app name). Created ones carry [`MANAGED_TAG`].
pub const ADOPTED_TAG: &str = "connect-sso:adopted-by";

/// The IDs the executor needs, gathered while observing.
#[derive(Debug, Clone, Default)]
pub struct Handles {
    /// The app (the managed one when several share the name).
    pub app: Option<connect_sso_entra::model::Application>,
    /// Its service principal.
    pub sp: Option<connect_sso_entra::model::ServicePrincipal>,
    /// Claims policies assigned to the service principal.
    pub claims_policies: Vec<connect_sso_entra::model::ClaimsMappingPolicy>,
    /// Group name → object ID (only groups found exactly once).
    pub group_ids: BTreeMap<String, String>,
    /// The federation role carries the tool's creation tag (destroy may delete it).
    pub role_created: bool,
    /// The SAML provider carries the tool's creation tag (destroy may delete it).
    pub provider_created: bool,
    /// The role's ID (`AROA…`).
    pub role_id: Option<String>,
    /// The instance.
    pub instance: Option<connect_sso_aws::connect::InstanceState>,
    /// The admin user's ID.
    pub admin_user_id: Option<String>,
    /// Security profiles of the instance: name → ID.
    pub security_profiles: BTreeMap<String, String>,
    /// Routing profiles of the instance: name → ID.
    pub routing_profiles: BTreeMap<String, String>,
}

/// Both sides, as observed.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// What the planner sees.
    pub observed: Observed,
    /// What the executor needs.
    pub handles: Handles,
}

/// Thumbprint of a key credential: from the certificate when Graph returns it, else from the
/// custom key identifier (base64 of the thumbprint bytes, or the hex thumbprint itself).
fn thumbprint(k: &connect_sso_entra::model::KeyCredential) -> Option<String> {
    if let Some(key) = &k.key {
        if let Ok(c) = connect_sso_saml::Certificate::from_base64(key) {
            return Some(c.thumbprint_sha1());
        }
    }
    let cki = k.custom_key_identifier.as_deref()?;
    if cki.len() == 40 && cki.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(cki.to_ascii_uppercase());
    }
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD.decode(cki).ok()?;
    if raw.len() == 20 {
        return Some(raw.iter().map(|b| format!("{b:02X}")).collect());
    }
    let text = String::from_utf8(raw).ok()?;
    (text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_uppercase())
}

fn parse_time(s: Option<&str>) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s?, &time::format_description::well_known::Rfc3339).ok()
}

/// Read the Entra side.
pub async fn observe_entra(graph: &Graph, spec: &Spec) -> Result<(EntraObserved, Handles), Error> {
    let mut handles = Handles::default();
    let mut entra = EntraObserved::default();
    for access in &spec.entra.access {
        if entra.groups.contains_key(&access.group) {
            continue;
        }
        let ids: Vec<String> = graph
            .groups_named(&access.group)
            .await?
            .into_iter()
            .map(|g| g.id)
            .collect();
        if let [one] = ids.as_slice() {
            handles.group_ids.insert(access.group.clone(), one.clone());
        }
        entra.groups.insert(access.group.clone(), ids);
    }
    let apps = graph.applications_named(&spec.entra.app_name).await?;
    for app in apps {
        let managed = app
            .tags
            .iter()
            .any(|t| t == ENTRA_TAG_CREATED || t == ENTRA_TAG_ADOPTED);
        let sp = graph.service_principal_by_app_id(&app.app_id).await?;
        let (claims, assignments) = match &sp {
            Some(sp) => (
                graph.service_principal_claims_policies(&sp.id).await?,
                graph.app_role_assigned_to(&sp.id).await?,
            ),
            None => (Vec::new(), Vec::new()),
        };
        let observed = EntraApp {
            object_id: app.id.clone(),
            app_id: app.app_id.clone(),
            sp_id: sp.as_ref().map(|s| s.id.clone()),
            managed,
            identifier_uris: app.identifier_uris.clone(),
            redirect_uris: app.web.redirect_uris.clone(),
            sso_mode: sp
                .as_ref()
                .and_then(|s| s.preferred_single_sign_on_mode.clone()),
            relay_state: sp
                .as_ref()
                .and_then(|s| s.saml_single_sign_on_settings.as_ref()?.relay_state.clone()),
            assignment_required: sp.as_ref().is_some_and(|s| s.app_role_assignment_required),
            app_roles: app
                .app_roles
                .iter()
                .map(|r| AppRole {
                    id: r.id.clone(),
                    display_name: r.display_name.clone(),
                    value: r.value.clone(),
                    enabled: r.is_enabled,
                })
                .collect(),
            signing_certificates: sp
                .as_ref()
                .map(|s| {
                    s.key_credentials
                        .iter()
                        .filter(|k| k.usage.as_deref() == Some("Verify"))
                        .filter_map(|k| {
                            Some(SigningCertificate {
                                thumbprint: thumbprint(k)?,
                                not_after: parse_time(k.end_date_time.as_deref())?,
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            preferred_thumbprint: sp
                .as_ref()
                .and_then(|s| s.preferred_token_signing_key_thumbprint.clone())
                .map(|t| t.to_ascii_uppercase()),
            claims_policies: claims
                .iter()
                .map(|p| ClaimsPolicy {
                    id: p.id.clone(),
                    display_name: p.display_name.clone(),
                    definition: p
                        .definition
                        .first()
                        .and_then(|d| serde_json::from_str(d).ok())
                        .unwrap_or(serde_json::Value::Null),
                })
                .collect(),
            assignments: assignments
                .iter()
                .map(|a| Assignment {
                    id: a.id.clone(),
                    principal_id: a.principal_id.clone(),
                    app_role_id: a.app_role_id.clone(),
                })
                .collect(),
        };
        let take = handles.app.is_none() || managed;
        if take {
            handles.app = Some(app);
            handles.sp = sp;
            handles.claims_policies = claims;
        }
        entra.apps.push(observed);
    }
    Ok((entra, handles))
}

/// Read the AWS side.
pub async fn observe_aws(
    aws: &Aws,
    spec: &Spec,
    handles: &mut Handles,
) -> Result<AwsObserved, Error> {
    let d = spec.derived();
    let mut out = AwsObserved::default();
    let is_ours = |tags: &BTreeMap<String, String>| {
        tags.contains_key(MANAGED_TAG) || tags.contains_key(ADOPTED_TAG)
    };

    if let Some(p) = aws.get_saml_provider(&d.provider_arn).await? {
        let meta = connect_sso_saml::IdpMetadata::parse(&p.metadata).ok();
        handles.provider_created = p.tags.contains_key(MANAGED_TAG);
        out.saml_provider = Some(SamlProvider {
            arn: p.arn.clone(),
            certificate_thumbprints: meta
                .as_ref()
                .map(|m| {
                    m.signing_certificates
                        .iter()
                        .map(|c| c.thumbprint_sha1())
                        .collect()
                })
                .unwrap_or_default(),
            entity_id: meta.map(|m| m.entity_id),
            managed: is_ours(&p.tags),
        });
    }
    if let Some(r) = aws.get_role(&spec.aws.federation_role).await? {
        handles.role_id = Some(r.role_id.clone());
        handles.role_created = r.tags.contains_key(MANAGED_TAG);
        out.role = Some(FederationRole {
            arn: r.arn.clone(),
            trust_policy: r.trust_policy.clone(),
            max_session_duration: r.max_session_duration,
            inline_policies: r.inline_policies.clone(),
            managed: is_ours(&r.tags),
        });
    }
    let instance = match &spec.connect.instance_id {
        Some(id) => aws.describe_instance(id).await?,
        None => {
            aws.find_instance_by_alias(&spec.connect.instance_alias)
                .await?
        }
    };
    if let Some(i) = &instance {
        out.instance = Some(ConnectInstance {
            id: i.id.clone(),
            alias: i.alias.clone(),
            identity_management_type: i.identity_management_type.clone(),
            status: i.status.clone(),
            inbound_calls: i.inbound_calls,
            outbound_calls: i.outbound_calls,
            managed: is_ours(&i.tags),
        });
        if i.status == "ACTIVE" {
            handles.security_profiles = aws.security_profiles(&i.id).await?;
            handles.routing_profiles = aws.routing_profiles(&i.id).await?;
            if let Some(admin) = &spec.connect.admin {
                if let Some(u) = aws.find_user(&i.id, &admin.username).await? {
                    let sp_names: BTreeMap<&String, &String> = handles
                        .security_profiles
                        .iter()
                        .map(|(n, id)| (id, n))
                        .collect();
                    let rp_names: BTreeMap<&String, &String> = handles
                        .routing_profiles
                        .iter()
                        .map(|(n, id)| (id, n))
                        .collect();
                    handles.admin_user_id = Some(u.id.clone());
                    out.admin_user = Some(ConnectUser {
                        id: u.id.clone(),
                        username: u.username.clone(),
                        security_profiles: u
                            .security_profile_ids
                            .iter()
                            .map(|id| {
                                sp_names
                                    .get(id)
                                    .map_or_else(|| id.clone(), |n| (*n).clone())
                            })
                            .collect(),
                        routing_profile: rp_names
                            .get(&u.routing_profile_id)
                            .map_or_else(|| u.routing_profile_id.clone(), |n| (*n).clone()),
                        first_name: u.first_name.clone(),
                        last_name: u.last_name.clone(),
                    });
                }
            }
        }
    }
    handles.instance = instance;
    Ok(out)
}

/// Read both sides.
pub async fn observe(graph: &Graph, aws: &Aws, spec: &Spec) -> Result<Snapshot, Error> {
    let (entra, mut handles) = observe_entra(graph, spec).await?;
    let aws_side = observe_aws(aws, spec, &mut handles).await?;
    Ok(Snapshot {
        observed: Observed {
            entra,
            aws: aws_side,
        },
        handles,
    })
}
