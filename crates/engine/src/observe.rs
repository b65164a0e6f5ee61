//! Observe: read both sides through the adapters into [`Handles`] (the records the executor
//! needs), from which [`Observed`] (what the planner sees) is derived by a pure conversion.
//! Independent reads run concurrently (each still paced per API by the adapters).
//!
//! The readers are per part (`read_apps`, `read_role`, …) so that apply can read back only
//! what a step changed.

use std::collections::BTreeMap;

use connect_sso_aws::Aws;
use connect_sso_aws::connect::{InstanceState, UserState};
use connect_sso_aws::iam::{RoleState, SamlProviderState};
use connect_sso_entra::Graph;
use connect_sso_entra::model::{
    AppRoleAssignment, Application, ClaimsMappingPolicy, ServicePrincipal,
};
use connect_sso_planner::observed::{
    AppRole, Assignment, AwsObserved, ClaimsPolicy, ConnectInstance, ConnectUser, EntraApp,
    EntraObserved, FederationRole, Observed, SamlProvider,
};
use connect_sso_spec::{MANAGED_TAG, Spec};

use crate::Error;
use crate::certificates::signing_certificates;

/// Tag (Entra app `tags` entry) on an app the tool created.
pub const ENTRA_TAG_CREATED: &str = "connect-sso:created";
/// Tag on an app the tool adopted.
pub const ENTRA_TAG_ADOPTED: &str = "connect-sso:adopted";
/// AWS tag key on a resource the tool adopted (value: the app name). Created ones carry [`MANAGED_TAG`].
pub const ADOPTED_TAG: &str = "connect-sso:adopted-by";

/// One enterprise app as Graph holds it.
#[derive(Debug, Clone)]
pub struct AppRecord {
    /// The application object.
    pub app: Application,
    /// Its service principal (absent right after creation, before replication).
    pub sp: Option<ServicePrincipal>,
    /// Claims-mapping policies assigned to the service principal.
    pub claims: Vec<ClaimsMappingPolicy>,
    /// App role assignments of the service principal.
    pub assignments: Vec<AppRoleAssignment>,
}

impl AppRecord {
    /// Carries one of the tool's tags.
    pub fn managed(&self) -> bool {
        self.app
            .tags
            .iter()
            .any(|t| t == ENTRA_TAG_CREATED || t == ENTRA_TAG_ADOPTED)
    }

    /// Was created by the tool (destroy may delete it).
    pub fn created(&self) -> bool {
        self.app.tags.iter().any(|t| t == ENTRA_TAG_CREATED)
    }
}

/// Everything read from both sides, as the adapters return it.
#[derive(Debug, Clone, Default)]
pub struct Handles {
    /// Enterprise apps whose display name is the spec's `app_name` (normally 0 or 1).
    pub apps: Vec<AppRecord>,
    /// The spec's groups: display name → object IDs found.
    pub groups: BTreeMap<String, Vec<String>>,
    /// Users the spec names, looked up by UPN: name → exact UPN (`None`: no such user).
    pub users: BTreeMap<String, Option<String>>,
    /// The IAM SAML provider.
    pub provider: Option<SamlProviderState>,
    /// The federation role.
    pub role: Option<RoleState>,
    /// The Connect instance.
    pub instance: Option<InstanceState>,
    /// Security profiles of the instance: name → ID.
    pub security_profiles: BTreeMap<String, String>,
    /// Routing profiles of the instance: name → ID.
    pub routing_profiles: BTreeMap<String, String>,
    /// The spec's first administrator, if the user exists.
    pub admin_user: Option<UserState>,
    /// IAM Identity Center (brokered topology).
    pub ic: crate::identity_center::IcHandles,
    /// The app's provisioning jobs (brokered, with `[identity_center.provisioning]`).
    pub provisioning_jobs: Vec<connect_sso_entra::model::SynchronizationJob>,
}

impl Handles {
    /// The app the tool works on: the managed one when several share the name, else the first.
    pub fn app(&self) -> Option<&AppRecord> {
        self.apps.iter().find(|a| a.managed()).or(self.apps.first())
    }

    /// Mutable access to that app.
    pub fn app_mut(&mut self) -> Option<&mut AppRecord> {
        let i = self
            .apps
            .iter()
            .position(AppRecord::managed)
            .or((!self.apps.is_empty()).then_some(0))?;
        self.apps.get_mut(i)
    }

    /// Its service principal.
    pub fn sp(&self) -> Option<&ServicePrincipal> {
        self.app()?.sp.as_ref()
    }

    /// Group name → object ID, for groups found exactly once.
    pub fn group_id(&self, name: &str) -> Option<&String> {
        match self.groups.get(name)?.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The federation role carries the tool's creation tag (destroy may delete it).
    pub fn role_created(&self) -> bool {
        self.role
            .as_ref()
            .is_some_and(|r| r.tags.contains_key(MANAGED_TAG))
    }

    /// The SAML provider carries the tool's creation tag (destroy may delete it).
    pub fn provider_created(&self) -> bool {
        self.provider
            .as_ref()
            .is_some_and(|p| p.tags.contains_key(MANAGED_TAG))
    }
}

/// Both sides, as observed.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// What the planner sees (derived from `handles`).
    pub observed: Observed,
    /// What the executor needs.
    pub handles: Handles,
}

impl Snapshot {
    /// A snapshot of `handles`.
    pub fn new(handles: Handles) -> Self {
        Snapshot {
            observed: to_observed(&handles),
            handles,
        }
    }

    /// Derive [`Snapshot::observed`] again after `handles` changed.
    pub fn refresh(&mut self) {
        self.observed = to_observed(&self.handles);
    }
}

/// Read both sides: Entra and AWS at once, and within each, the independent reads at once.
pub async fn observe(graph: &Graph, aws: &Aws, spec: &Spec) -> Result<Snapshot, Error> {
    let (entra, aws_side) = tokio::join!(observe_entra(graph, spec), observe_aws(aws, spec));
    let mut handles = entra?;
    let aws_side = aws_side?;
    handles.provider = aws_side.provider;
    handles.role = aws_side.role;
    handles.instance = aws_side.instance;
    handles.security_profiles = aws_side.security_profiles;
    handles.routing_profiles = aws_side.routing_profiles;
    handles.admin_user = aws_side.admin_user;
    Ok(Snapshot::new(handles))
}

/// Read the Entra side (the AWS parts of the result are empty).
pub async fn observe_entra(graph: &Graph, spec: &Spec) -> Result<Handles, Error> {
    let (groups, apps, users) = tokio::join!(
        read_groups(graph, spec),
        read_apps(graph, spec),
        read_named_users(graph, spec)
    );
    Ok(Handles {
        groups: groups?,
        apps: apps?,
        users: users?,
        ..Handles::default()
    })
}

/// Read the AWS side (the Entra parts of the result are empty).
pub async fn observe_aws(aws: &Aws, spec: &Spec) -> Result<Handles, Error> {
    let d = spec.derived();
    let (provider, role, instance) = tokio::join!(
        aws.get_saml_provider(&d.provider_arn),
        aws.get_role(&spec.aws.federation_role),
        read_instance(aws, spec),
    );
    let mut h = Handles {
        provider: provider?,
        role: role?,
        instance: instance?,
        ..Handles::default()
    };
    read_instance_contents(aws, spec, &mut h).await?;
    Ok(h)
}

/// The spec's groups by display name (each name read once, all at once).
pub async fn read_groups(
    graph: &Graph,
    spec: &Spec,
) -> Result<BTreeMap<String, Vec<String>>, Error> {
    let mut names: Vec<&String> = spec.entra.access.iter().map(|a| &a.group).collect();
    names.sort();
    names.dedup();
    let found = futures_util::future::join_all(names.iter().map(|n| graph.groups_named(n))).await;
    let mut out = BTreeMap::new();
    for (name, groups) in names.into_iter().zip(found) {
        out.insert(name.clone(), groups?.into_iter().map(|g| g.id).collect());
    }
    Ok(out)
}

/// The users the spec names (the first administrator), by UPN. Graph finds a user whatever
/// the case of the UPN; Connect and AWS compare it exactly, so the exact UPN is kept.
pub async fn read_named_users(
    graph: &Graph,
    spec: &Spec,
) -> Result<BTreeMap<String, Option<String>>, Error> {
    let mut out = BTreeMap::new();
    if let Some(admin) = &spec.connect.admin {
        let found = match graph.user(&admin.username).await {
            Ok(u) => Some(u.user_principal_name),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e.into()),
        };
        out.insert(admin.username.clone(), found);
    }
    Ok(out)
}

/// The apps named as the spec says, each with its service principal, claims policies and
/// assignments.
pub async fn read_apps(graph: &Graph, spec: &Spec) -> Result<Vec<AppRecord>, Error> {
    let apps = graph.applications_named(&spec.entra.app_name).await?;
    let mut out = Vec::with_capacity(apps.len());
    for app in apps {
        out.push(read_app_parts(graph, app).await?);
    }
    Ok(out)
}

/// The spec's enterprise app and its service principal, and nothing else: what `login` needs,
/// readable with the Graph permission Application.Read.All alone. `None` when no app has the
/// spec's name; of several, the one the tool manages (as [`Handles::app`] chooses).
pub async fn read_app_for_sign_in(graph: &Graph, spec: &Spec) -> Result<Option<AppRecord>, Error> {
    let apps = graph.applications_named(&spec.entra.app_name).await?;
    let handles = Handles {
        apps: apps
            .into_iter()
            .map(|app| AppRecord {
                app,
                sp: None,
                claims: Vec::new(),
                assignments: Vec::new(),
            })
            .collect(),
        ..Handles::default()
    };
    let Some(mut record) = handles.app().cloned() else {
        return Ok(None);
    };
    record.sp = graph
        .service_principal_by_app_id(&record.app.app_id)
        .await?;
    Ok(Some(record))
}

/// One app's service principal, claims policies and assignments.
pub async fn read_app_parts(graph: &Graph, app: Application) -> Result<AppRecord, Error> {
    let sp = graph.service_principal_by_app_id(&app.app_id).await?;
    let (claims, assignments) = match &sp {
        Some(sp) => {
            let (c, a) = tokio::join!(
                graph.service_principal_claims_policies(&sp.id),
                graph.app_role_assigned_to(&sp.id)
            );
            (c?, a?)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(AppRecord {
        app,
        sp,
        claims,
        assignments,
    })
}

/// The instance: by `instance_id`, else by alias.
pub async fn read_instance(aws: &Aws, spec: &Spec) -> Result<Option<InstanceState>, Error> {
    Ok(match &spec.connect.instance_id {
        Some(id) => aws.describe_instance(id).await?,
        None => {
            aws.find_instance_by_alias(&spec.connect.instance_alias)
                .await?
        }
    })
}

/// When the instance is active: its profiles and the first administrator.
pub async fn read_instance_contents(aws: &Aws, spec: &Spec, h: &mut Handles) -> Result<(), Error> {
    let Some(i) = h.instance.as_ref().filter(|i| i.status == "ACTIVE") else {
        return Ok(());
    };
    let admin = async {
        match &spec.connect.admin {
            Some(a) => aws.find_user(&i.id, &a.username).await,
            None => Ok(None),
        }
    };
    let (security, routing, admin) = tokio::join!(
        aws.security_profiles(&i.id),
        aws.routing_profiles(&i.id),
        admin
    );
    h.security_profiles = security?;
    h.routing_profiles = routing?;
    h.admin_user = admin?;
    Ok(())
}

/// What the planner sees of `h`.
pub fn to_observed(h: &Handles) -> Observed {
    Observed {
        entra: EntraObserved {
            apps: h.apps.iter().map(entra_app).collect(),
            groups: h.groups.clone(),
            users: h.users.clone(),
            provisioning_jobs: h
                .provisioning_jobs
                .iter()
                .map(|j| connect_sso_planner::observed::ProvisioningJob {
                    id: j.id.clone(),
                    status: j.status.code.clone(),
                    error: j
                        .status
                        .last_execution
                        .as_ref()
                        .and_then(|e| e.error.as_ref())
                        .map(|e| e.message.clone().or(e.code.clone()).unwrap_or_default()),
                })
                .collect(),
        },
        aws: AwsObserved {
            saml_provider: h.provider.as_ref().map(saml_provider),
            role: h.role.as_ref().map(federation_role),
            instance: h.instance.as_ref().map(connect_instance),
            admin_user: h.admin_user.as_ref().map(|u| admin_user(h, u)),
        },
        identity_center: h.ic.observed(),
    }
}

fn is_ours(tags: &BTreeMap<String, String>) -> bool {
    tags.contains_key(MANAGED_TAG) || tags.contains_key(ADOPTED_TAG)
}

fn entra_app(r: &AppRecord) -> EntraApp {
    let sp = r.sp.as_ref();
    EntraApp {
        object_id: r.app.id.clone(),
        app_id: r.app.app_id.clone(),
        sp_id: sp.map(|s| s.id.clone()),
        managed: r.managed(),
        identifier_uris: r.app.identifier_uris.clone(),
        redirect_uris: r.app.web.redirect_uris.clone(),
        sso_mode: sp.and_then(|s| s.preferred_single_sign_on_mode.clone()),
        relay_state: sp.and_then(|s| s.saml_single_sign_on_settings.as_ref()?.relay_state.clone()),
        assignment_required: sp.is_some_and(|s| s.app_role_assignment_required),
        app_roles: r
            .app
            .app_roles
            .iter()
            .map(|a| AppRole {
                id: a.id.clone(),
                display_name: a.display_name.clone(),
                value: a.value.clone(),
                enabled: a.is_enabled,
            })
            .collect(),
        signing_certificates: sp.map(signing_certificates).unwrap_or_default(),
        preferred_thumbprint: sp
            .and_then(|s| s.preferred_token_signing_key_thumbprint.clone())
            .map(|t| t.to_ascii_uppercase()),
        claims_policies: r
            .claims
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
        assignments: r
            .assignments
            .iter()
            .map(|a| Assignment {
                id: a.id.clone(),
                principal_id: a.principal_id.clone(),
                app_role_id: a.app_role_id.clone(),
            })
            .collect(),
    }
}

fn saml_provider(p: &SamlProviderState) -> SamlProvider {
    let meta = connect_sso_saml::IdpMetadata::parse(&p.metadata).ok();
    SamlProvider {
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
    }
}

fn federation_role(r: &RoleState) -> FederationRole {
    FederationRole {
        arn: r.arn.clone(),
        trust_policy: r.trust_policy.clone(),
        max_session_duration: r.max_session_duration,
        inline_policies: r.inline_policies.clone(),
        managed: is_ours(&r.tags),
    }
}

fn connect_instance(i: &InstanceState) -> ConnectInstance {
    ConnectInstance {
        id: i.id.clone(),
        arn: i.arn.clone(),
        alias: i.alias.clone(),
        identity_management_type: i.identity_management_type.clone(),
        status: i.status.clone(),
        inbound_calls: i.inbound_calls,
        outbound_calls: i.outbound_calls,
        managed: is_ours(&i.tags),
    }
}

fn admin_user(h: &Handles, u: &UserState) -> ConnectUser {
    let name_of = |names: &BTreeMap<String, String>, id: &String| {
        names
            .iter()
            .find(|(_, v)| *v == id)
            .map_or_else(|| id.clone(), |(n, _)| n.clone())
    };
    ConnectUser {
        id: u.id.clone(),
        username: u.username.clone(),
        security_profiles: u
            .security_profile_ids
            .iter()
            .map(|id| name_of(&h.security_profiles, id))
            .collect(),
        routing_profile: name_of(&h.routing_profiles, &u.routing_profile_id),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
    }
}
