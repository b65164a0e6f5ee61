//! Entra's provisioning service (Graph `synchronization` on a service principal): a job, its
//! secrets (`BaseAddress`, `SecretToken`) and `start`, which here runs ONE provisioning cycle
//! at once, synchronously, over HTTP into the SCIM endpoint the secrets name (the sandbox's
//! Identity Center, FACTS.md §5): the users assigned to the app and the direct user members
//! of the groups assigned to it (`userName` = UPN, `externalId` = object ID, names, work
//! e-mail = `mail`, `active` = `accountEnabled`), then the groups (matched on `displayName`)
//! with their members; users no longer in scope since the last cycle are disabled with
//! Entra's default `{"op":"Replace","path":"active","value":"False"}`. A refused token (401 or
//! 403) or an unreachable endpoint stops the cycle and quarantines the job; an entry the
//! endpoint refuses is counted as escrowed and the cycle goes on.
//!
//! Bounds: a service principal has at most [`MAX_JOBS`] jobs and [`MAX_SECRETS`] secrets of
//! at most [`MAX_SECRET_CHARS`] characters; request bodies are read up to 64 KiB. The secret
//! token is never echoed, logged or shown by `Debug`.

use std::collections::{HashMap, HashSet};

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{GraphCaller, GraphError, St, check_guid, json_body, tenant, tenant_mut};
use crate::State;
use crate::entra::model::Tenant;

/// Most jobs on one service principal.
pub const MAX_JOBS: usize = 5;
/// Most secrets on one service principal.
pub const MAX_SECRETS: usize = 20;
/// Longest secret key or value.
pub const MAX_SECRET_CHARS: usize = 4096;
/// Largest request body read.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// Membership changes per group PATCH (Identity Center's limit).
const MEMBER_BATCH: usize = 100;

/// Permissions that manage synchronization (Graph's, with Application.ReadWrite.All, which
/// includes OwnedBy's rights).
const SYNC_WRITE: &[&str] = &[
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
];
/// … that read it.
const SYNC_READ: &[&str] = &[
    "Synchronization.Read.All",
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
];

/// The provisioning state of one service principal.
#[derive(Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Synchronization {
    /// The service principal.
    pub service_principal_id: String,
    /// Its jobs.
    pub jobs: Vec<SyncJob>,
    /// `synchronization/secrets` (key, value).
    pub secrets: Vec<(String, String)>,
    /// Users provisioned by the last cycle: Entra object ID → SCIM ID.
    pub provisioned_users: Vec<(String, String)>,
    /// Memberships pushed by the last cycle: Entra group ID → SCIM member IDs.
    pub pushed_members: Vec<(String, Vec<String>)>,
}

impl std::fmt::Debug for Synchronization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys: Vec<&str> = self.secrets.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Synchronization")
            .field("service_principal_id", &self.service_principal_id)
            .field("jobs", &self.jobs)
            .field("secret_keys", &keys)
            .field("provisioned_users", &self.provisioned_users.len())
            .finish_non_exhaustive()
    }
}

/// A synchronization job.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SyncJob {
    /// Job ID.
    pub id: String,
    /// `templateId`.
    pub template_id: String,
    /// `status.code`: `NotRun`, `Active`, `Quarantine`.
    pub code: String,
    /// Consecutive failed cycles.
    pub failures: u64,
    /// The last cycle.
    pub last: Option<Execution>,
    /// The last cycle without errors.
    pub last_successful: Option<Execution>,
}

/// One provisioning cycle's result (`synchronizationTaskExecution`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Execution {
    /// `activityIdentifier`.
    pub activity: String,
    /// Users and groups in scope.
    pub entitled: u64,
    /// Entries written to the target (created or updated or disabled).
    pub exported: u64,
    /// Entries the target refused.
    pub escrowed: u64,
    /// `state`: `Succeeded`, `Failed`, `EntryLevelErrors`.
    pub state: String,
    /// Error (code, message) that stopped the cycle or the last entry error.
    pub error: Option<(String, String)>,
    /// `timeBegan`.
    #[serde(with = "time::serde::rfc3339")]
    pub began: OffsetDateTime,
    /// `timeEnded`.
    #[serde(with = "time::serde::rfc3339")]
    pub ended: OffsetDateTime,
}

// ---------------------------------------------------------------- JSON

fn execution_json(e: Option<&Execution>) -> Value {
    let Some(e) = e else { return Value::Null };
    let error = e.error.as_ref().map_or(
        Value::Null,
        |(code, message)| json!({"code": code, "message": message, "tenantActionable": true}),
    );
    json!({
        "activityIdentifier": e.activity,
        "countEntitled": e.entitled,
        "countEntitledForProvisioning": e.entitled,
        "countEscrowed": e.escrowed,
        "countEscrowedRaw": e.escrowed,
        "countExported": e.exported,
        "countExports": e.exported + e.escrowed,
        "countImported": e.entitled,
        "countImportedDeltas": e.entitled,
        "countImportedReferenceDeltas": 0,
        "error": error,
        "state": e.state,
        "timeBegan": crate::entra::graph_time(e.began),
        "timeEnded": crate::entra::graph_time(e.ended),
    })
}

fn job_json(j: &SyncJob) -> Map<String, Value> {
    let quarantine = if j.code == "Quarantine" {
        json!({"reason": "EncounteredQuarantineException", "error": execution_json(j.last.as_ref())["error"]})
    } else {
        Value::Null
    };
    let with_exports = j.last_successful.as_ref().filter(|e| e.exported > 0);
    let schedule_state = if j.code == "NotRun" {
        "Disabled"
    } else {
        "Active"
    };
    let v = json!({
        "id": j.id,
        "templateId": j.template_id,
        "schedule": {"expiration": null, "interval": "PT40M", "state": schedule_state},
        "status": {
            "code": j.code,
            "countSuccessiveCompleteFailures": j.failures,
            "escrowsPruned": false,
            "lastExecution": execution_json(j.last.as_ref()),
            "lastSuccessfulExecution": execution_json(j.last_successful.as_ref()),
            "lastSuccessfulExecutionWithExports": execution_json(with_exports),
            "progress": [],
            "quarantine": quarantine,
            "troubleshootingUrl": null,
        },
        "synchronizationJobSettings": [],
    });
    v.as_object().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------- handlers

fn sync_of<'a>(t: &'a Tenant, sp_id: &str) -> Option<&'a Synchronization> {
    t.synchronization
        .iter()
        .find(|s| s.service_principal_id == sp_id)
}

fn sync_mut<'a>(t: &'a mut Tenant, sp_id: &str) -> Result<&'a mut Synchronization, GraphError> {
    if t.service_principal(sp_id).is_none() {
        return Err(GraphError::not_found(sp_id));
    }
    let at = match t
        .synchronization
        .iter()
        .position(|s| s.service_principal_id == sp_id)
    {
        Some(i) => i,
        None => {
            t.synchronization.push(Synchronization {
                service_principal_id: sp_id.to_string(),
                ..Synchronization::default()
            });
            t.synchronization.len() - 1
        }
    };
    Ok(&mut t.synchronization[at])
}

/// Change the caller's tenant and, when that succeeds, save the directory.
fn change_tenant<T>(
    st: &St,
    caller: &GraphCaller,
    change: impl FnOnce(&mut Tenant) -> Result<T, GraphError>,
) -> Result<T, GraphError> {
    let changed = {
        let mut dir = st.0.entra.dir();
        change(tenant_mut(&mut dir, caller)?)?
    };
    st.0.entra.save();
    Ok(changed)
}

/// The synchronization of `sp_id` and its job `job_id`, or Graph's 404 naming the job.
fn job_of<'a>(
    t: &'a Tenant,
    sp_id: &str,
    job_id: &str,
) -> Result<(&'a Synchronization, &'a SyncJob), GraphError> {
    sync_of(t, sp_id)
        .and_then(|s| s.jobs.iter().find(|j| j.id == job_id).map(|j| (s, j)))
        .ok_or_else(|| GraphError::not_found(job_id))
}

/// The body of a write to `sp_id`'s synchronization, once the caller may write it and
/// `sp_id` is a GUID.
async fn write_body(
    caller: &GraphCaller,
    sp_id: &str,
    body: axum::body::Body,
) -> Result<Map<String, Value>, GraphError> {
    caller.require(SYNC_WRITE)?;
    check_guid(sp_id)?;
    read_body(body).await
}

async fn read_body(body: axum::body::Body) -> Result<Map<String, Value>, GraphError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            GraphError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Request_EntityTooLarge",
                format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
            )
        })?;
    json_body(&bytes)
}

/// `POST /servicePrincipals/{id}/synchronization/jobs` `{"templateId"}`.
pub async fn create_job(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Result<Response, GraphError> {
    let body = write_body(&caller, &id, body).await?;
    let template = super::prop(&body, "templateId")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or_else(|| GraphError::bad_request("templateId is required."))?
        .to_string();
    let job = change_tenant(&st, &caller, |t| add_job(t, &id, template))?;
    Ok(super::created(
        &st.0,
        &format!("servicePrincipals('{id}')/synchronization/jobs/$entity"),
        job_json(&job),
    ))
}

/// Add a job of `template` to service principal `sp_id` (at most [`MAX_JOBS`]).
fn add_job(t: &mut Tenant, sp_id: &str, template: String) -> Result<SyncJob, GraphError> {
    let tenant_hex = t.id.replace('-', "");
    let sync = sync_mut(t, sp_id)?;
    if sync.jobs.len() >= MAX_JOBS {
        return Err(GraphError::bad_request(format!(
            "A service principal has at most {MAX_JOBS} synchronization jobs."
        )));
    }
    let job = SyncJob {
        id: format!("{template}.{}.{tenant_hex}", uuid::Uuid::new_v4().simple()),
        template_id: template,
        code: "NotRun".into(),
        failures: 0,
        last: None,
        last_successful: None,
    };
    sync.jobs.push(job.clone());
    Ok(job)
}

/// `GET /servicePrincipals/{id}/synchronization/jobs`.
pub async fn list_jobs(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: super::Query,
) -> Result<Response, GraphError> {
    caller.require(SYNC_READ)?;
    check_guid(&id)?;
    let items: Vec<Map<String, Value>> = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        t.service_principal(&id)
            .ok_or_else(|| GraphError::not_found(&id))?;
        sync_of(t, &id)
            .map(|s| s.jobs.iter().map(job_json).collect())
            .unwrap_or_default()
    };
    super::collection(
        &st.0,
        &format!("servicePrincipals('{id}')/synchronization/jobs"),
        items,
        &q,
        None,
    )
}

/// `GET /servicePrincipals/{id}/synchronization/jobs/{jobId}`.
pub async fn get_job(
    st: St,
    caller: GraphCaller,
    Path((id, job_id)): Path<(String, String)>,
    q: super::Query,
) -> Result<Response, GraphError> {
    caller.require(SYNC_READ)?;
    check_guid(&id)?;
    let obj = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        job_json(job_of(t, &id, &job_id)?.1)
    };
    Ok(super::entity(
        &st.0,
        &format!("servicePrincipals('{id}')/synchronization/jobs/$entity"),
        obj,
        &q,
    ))
}

/// `PUT /servicePrincipals/{id}/synchronization/secrets` `{"value":[{"key","value"}]}`.
pub async fn put_secrets(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Result<Response, GraphError> {
    let body = write_body(&caller, &id, body).await?;
    let secrets = parse_secrets(&body)?;
    change_tenant(&st, &caller, |t| {
        sync_mut(t, &id)?.secrets = secrets;
        Ok(())
    })?;
    Ok(super::no_content())
}

fn parse_secrets(body: &Map<String, Value>) -> Result<Vec<(String, String)>, GraphError> {
    let bad = || GraphError::bad_request("value must be a list of {key, value} pairs.");
    let list = super::prop(body, "value")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    if list.len() > MAX_SECRETS {
        return Err(GraphError::bad_request(format!(
            "At most {MAX_SECRETS} secrets are accepted."
        )));
    }
    list.iter()
        .map(|kv| {
            let get = |k: &str| kv.get(k).and_then(Value::as_str).map(str::to_string);
            match (get("key"), get("value")) {
                (Some(k), Some(v))
                    if k.len() <= MAX_SECRET_CHARS && v.len() <= MAX_SECRET_CHARS =>
                {
                    Ok((k, v))
                }
                _ => Err(bad()),
            }
        })
        .collect()
}

/// `POST /servicePrincipals/{id}/synchronization/jobs/{jobId}/start`: one provisioning cycle,
/// now; its outcome is the job's status.
pub async fn start_job(
    st: St,
    caller: GraphCaller,
    Path((id, job_id)): Path<(String, String)>,
) -> Result<Response, GraphError> {
    caller.require(SYNC_WRITE)?;
    check_guid(&id)?;
    let plan = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        Plan::of(t, &id, job_of(t, &id, &job_id)?.0)
    };
    let began = st.0.clock.now();
    let mut cycle = Cycle::new(&st.0, &plan);
    let outcome = cycle.run(&plan).await;
    let exec = cycle.execution(began, st.0.clock.now(), outcome);
    change_tenant(&st, &caller, |t| {
        record(sync_mut(t, &id)?, &job_id, exec, &cycle);
        Ok(())
    })?;
    Ok(super::no_content())
}

fn record(sync: &mut Synchronization, job_id: &str, exec: Execution, cycle: &Cycle) {
    let failed = exec.state == "Failed";
    if !failed {
        sync.provisioned_users = cycle.provisioned.clone();
        sync.pushed_members = cycle.pushed.clone();
    }
    if let Some(job) = sync.jobs.iter_mut().find(|j| j.id == job_id) {
        if failed {
            job.code = "Quarantine".into();
            job.failures += 1;
        } else {
            job.code = "Active".into();
            job.failures = 0;
            if exec.escrowed == 0 {
                job.last_successful = Some(exec.clone());
            }
        }
        job.last = Some(exec);
    }
}

// ---------------------------------------------------------------- the cycle

/// A user to provision.
#[derive(Debug, Clone)]
struct PlanUser {
    id: String,
    upn: String,
    display_name: String,
    given_name: Option<String>,
    surname: Option<String>,
    mail: Option<String>,
    enabled: bool,
}

/// What one cycle pushes, read from the directory under its lock.
struct Plan {
    base_address: Option<String>,
    token: Option<String>,
    users: Vec<PlanUser>,
    /// (Entra ID, displayName, member user IDs).
    groups: Vec<(String, String, Vec<String>)>,
    previous_users: Vec<(String, String)>,
    previous_members: HashMap<String, Vec<String>>,
}

impl Plan {
    fn of(t: &Tenant, sp_id: &str, sync: &Synchronization) -> Self {
        let secret = |k: &str| {
            sync.secrets
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let mut user_ids: Vec<String> = Vec::new();
        let mut groups = Vec::new();
        for a in t
            .app_role_assignments
            .iter()
            .filter(|a| a.resource_id == sp_id)
        {
            if a.principal_type.eq_ignore_ascii_case("Group") {
                let Some(g) = t.group(&a.principal_id) else {
                    continue;
                };
                let members: Vec<String> = g
                    .members
                    .iter()
                    .filter(|m| t.users.iter().any(|u| u.id == **m))
                    .cloned()
                    .collect();
                user_ids.extend(members.iter().cloned());
                groups.push((g.id.clone(), g.display_name.clone(), members));
            } else {
                user_ids.push(a.principal_id.clone());
            }
        }
        let mut seen = HashSet::new();
        user_ids.retain(|id| seen.insert(id.clone()));
        let users = user_ids
            .iter()
            .filter_map(|id| t.users.iter().find(|u| u.id == *id))
            .map(|u| PlanUser {
                id: u.id.clone(),
                upn: u.user_principal_name.clone(),
                display_name: u.display_name.clone(),
                given_name: u.given_name.clone(),
                surname: u.surname.clone(),
                mail: u.mail.clone(),
                enabled: u.account_enabled,
            })
            .collect();
        Self {
            base_address: secret("BaseAddress"),
            token: secret("SecretToken"),
            users,
            groups,
            previous_users: sync.provisioned_users.clone(),
            previous_members: sync.pushed_members.iter().cloned().collect(),
        }
    }
}

/// Why a cycle stopped.
struct Stop(String, String);

/// A cycle in progress: its HTTP client, counts and what it provisioned.
struct Cycle {
    http: reqwest::Client,
    base: String,
    token: String,
    exported: u64,
    escrowed: u64,
    entry_error: Option<(String, String)>,
    provisioned: Vec<(String, String)>,
    pushed: Vec<(String, Vec<String>)>,
}

impl Cycle {
    fn new(state: &State, plan: &Plan) -> Self {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Self {
            http,
            base: plan
                .base_address
                .as_deref()
                .map(|b| local_scim(state, b))
                .unwrap_or_default(),
            token: plan.token.clone().unwrap_or_default(),
            exported: 0,
            escrowed: 0,
            entry_error: None,
            provisioned: Vec::new(),
            pushed: Vec::new(),
        }
    }

    fn execution(
        &self,
        began: OffsetDateTime,
        ended: OffsetDateTime,
        outcome: Result<u64, Stop>,
    ) -> Execution {
        let (state, error, entitled) = match outcome {
            Ok(n) if self.escrowed == 0 => ("Succeeded", None, n),
            Ok(n) => ("EntryLevelErrors", self.entry_error.clone(), n),
            Err(Stop(code, message)) => ("Failed", Some((code, message)), 0),
        };
        Execution {
            activity: uuid::Uuid::new_v4().to_string(),
            entitled,
            exported: self.exported,
            escrowed: self.escrowed,
            state: state.into(),
            error,
            began,
            ended,
        }
    }

    async fn run(&mut self, plan: &Plan) -> Result<u64, Stop> {
        if self.base.is_empty() || self.token.is_empty() {
            return Err(Stop(
                "CredentialsMissing".into(),
                "The job has no BaseAddress and SecretToken secrets.".into(),
            ));
        }
        let mut scim_ids: HashMap<String, String> = HashMap::new();
        for u in &plan.users {
            if let Some(sid) = self.push_user(u).await? {
                scim_ids.insert(u.id.clone(), sid.clone());
                self.provisioned.push((u.id.clone(), sid));
            }
        }
        for (entra_id, scim_id) in &plan.previous_users {
            if !scim_ids.contains_key(entra_id) {
                self.disable_user(scim_id).await?;
            }
        }
        for (gid, name, members) in &plan.groups {
            let want: Vec<String> = members
                .iter()
                .filter_map(|m| scim_ids.get(m).cloned())
                .collect();
            let before = plan.previous_members.get(gid).cloned().unwrap_or_default();
            if self.push_group(gid, name, &want, &before).await? {
                self.pushed.push((gid.clone(), want));
            }
        }
        Ok((plan.users.len() + plan.groups.len()) as u64)
    }

    /// One SCIM request; a refused token or a dead endpoint stops the cycle.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Stop> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json");
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| {
            Stop(
                "SystemForCrossDomainIdentityManagementServiceUnavailable".into(),
                format!(
                    "The SCIM endpoint could not be reached: {}",
                    e.without_url()
                ),
            )
        })?;
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(Stop(
                "SystemForCrossDomainIdentityManagementCredentialValidationUnauthorized".into(),
                format!(
                    "The SCIM endpoint refused the secret token (HTTP {status}): check the Secret Token."
                ),
            ));
        }
        let text = resp.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    fn escrow(&mut self, what: &str, status: u16, body: &Value) {
        self.escrowed += 1;
        let detail = body["detail"].as_str().unwrap_or_default();
        self.entry_error = Some((
            "SystemForCrossDomainIdentityManagementBadRequest".into(),
            format!("{what}: HTTP {status} {detail}"),
        ));
    }

    /// The first resource a filtered list answers, by ID.
    async fn find(&mut self, set: &str, attr: &str, value: &str) -> Result<Option<String>, Stop> {
        let filter = format!(
            "{attr} eq \"{}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let q = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("filter", &filter)
            .finish();
        let (status, v) = self
            .send(reqwest::Method::GET, &format!("/{set}?{q}"), None)
            .await?;
        if status != 200 {
            self.escrow(&format!("{set} lookup {value}"), status, &v);
            return Ok(None);
        }
        Ok(v["Resources"][0]["id"].as_str().map(str::to_string))
    }

    async fn push_user(&mut self, u: &PlanUser) -> Result<Option<String>, Stop> {
        let Some(existing) = self.find_user(u).await? else {
            return self.create_user(u).await;
        };
        let v = |s: &Option<String>| s.clone().map_or(Value::Null, Value::from);
        let mut ops = vec![
            json!({"op": "Replace", "path": "userName", "value": u.upn}),
            json!({"op": "Replace", "path": "displayName", "value": u.display_name}),
            json!({"op": "Replace", "path": "name.givenName", "value": v(&u.given_name)}),
            json!({"op": "Replace", "path": "name.familyName", "value": v(&u.surname)}),
            json!({"op": "Replace", "path": "externalId", "value": u.id}),
            json!({"op": "Replace", "path": "active", "value": if u.enabled { "True" } else { "False" }}),
        ];
        if let Some(m) = &u.mail {
            ops.push(
                json!({"op": "Replace", "path": "emails[type eq \"work\"].value", "value": m}),
            );
        }
        let path = format!("/Users/{existing}");
        if self.patch(&path, &ops, &format!("User {}", u.upn)).await? {
            self.exported += 1;
            Ok(Some(existing))
        } else {
            Ok(None)
        }
    }

    async fn find_user(&mut self, u: &PlanUser) -> Result<Option<String>, Stop> {
        match self.find("Users", "userName", &u.upn).await? {
            Some(id) => Ok(Some(id)),
            None => self.find("Users", "externalId", &u.id).await,
        }
    }

    async fn create_user(&mut self, u: &PlanUser) -> Result<Option<String>, Stop> {
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "externalId": u.id,
            "userName": u.upn,
            "active": u.enabled,
            "displayName": u.display_name,
            "name": {"givenName": u.given_name, "familyName": u.surname},
        });
        if let Some(m) = &u.mail {
            body["emails"] = json!([{"primary": true, "type": "work", "value": m}]);
        }
        let (status, resp) = self
            .send(reqwest::Method::POST, "/Users", Some(&body))
            .await?;
        match resp["id"].as_str() {
            Some(id) if status == 201 || status == 200 => {
                self.exported += 1;
                Ok(Some(id.to_string()))
            }
            _ => {
                self.escrow(&format!("User {}", u.upn), status, &resp);
                Ok(None)
            }
        }
    }

    async fn disable_user(&mut self, scim_id: &str) -> Result<(), Stop> {
        let ops = [json!({"op": "Replace", "path": "active", "value": "False"})];
        let (status, resp) = self.send_patch(&format!("/Users/{scim_id}"), &ops).await?;
        if (200..300).contains(&status) || status == 404 {
            self.exported += u64::from(status != 404);
        } else {
            self.escrow(&format!("User {scim_id}"), status, &resp);
        }
        Ok(())
    }

    /// Create or update a group and its members; true when it is in step.
    async fn push_group(
        &mut self,
        gid: &str,
        name: &str,
        want: &[String],
        before: &[String],
    ) -> Result<bool, Stop> {
        let existing = match self.find("Groups", "displayName", name).await? {
            Some(id) => Some(id),
            None => self.find("Groups", "externalId", gid).await?,
        };
        let (scim_id, have): (String, Vec<String>) = match existing {
            Some(id) => {
                let ops = [
                    json!({"op": "Replace", "path": "displayName", "value": name}),
                    json!({"op": "Replace", "path": "externalId", "value": gid}),
                ];
                if !self.patch_group(&id, &ops, name).await? {
                    return Ok(false);
                }
                (id, before.to_vec())
            }
            None => {
                let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": name, "externalId": gid, "members": []});
                let (status, resp) = self
                    .send(reqwest::Method::POST, "/Groups", Some(&body))
                    .await?;
                match resp["id"].as_str() {
                    Some(id) if status == 201 => (id.to_string(), Vec::new()),
                    _ => {
                        self.escrow(&format!("Group {name}"), status, &resp);
                        return Ok(false);
                    }
                }
            }
        };
        self.exported += 1;
        let add: Vec<&String> = want.iter().filter(|m| !have.contains(m)).collect();
        let remove: Vec<&String> = have.iter().filter(|m| !want.contains(m)).collect();
        for (op, ids) in [("Add", add), ("Remove", remove)] {
            for chunk in ids.chunks(MEMBER_BATCH) {
                let value: Vec<Value> = chunk.iter().map(|m| json!({"value": m})).collect();
                let ops = [json!({"op": op, "path": "members", "value": value})];
                if !self.patch_group(&scim_id, &ops, name).await? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    async fn patch_group(
        &mut self,
        scim_id: &str,
        ops: &[Value],
        name: &str,
    ) -> Result<bool, Stop> {
        let path = format!("/Groups/{scim_id}");
        self.patch(&path, ops, &format!("Group {name}")).await
    }

    /// PATCH the SCIM resource at `path` with `ops`; true when accepted, else the entry
    /// (`what`) is escrowed.
    async fn patch(&mut self, path: &str, ops: &[Value], what: &str) -> Result<bool, Stop> {
        let (status, resp) = self.send_patch(path, ops).await?;
        if (200..300).contains(&status) {
            Ok(true)
        } else {
            self.escrow(what, status, &resp);
            Ok(false)
        }
    }

    /// PATCH the SCIM resource at `path` with `ops` (a `PatchOp` message).
    async fn send_patch(&self, path: &str, ops: &[Value]) -> Result<(u16, Value), Stop> {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        self.send(reqwest::Method::PATCH, path, Some(&body)).await
    }
}

/// Where the sandbox serves a `BaseAddress`: [`crate::Urls::to_local`], and Identity Center's
/// real-shaped SCIM URL (`https://scim.{region}.amazonaws.com/{tenant}/scim/v2`) onto the
/// sandbox's endpoint if `to_local` does not map it yet.
fn local_scim(state: &State, base: &str) -> String {
    let mapped = state.urls.to_local(base);
    let real = mapped
        .strip_prefix("https://scim.")
        .and_then(|r| r.split_once(".amazonaws.com/"));
    match real {
        Some(_) => format!("{}/aws/identity-center/scim/v2", state.urls.base()),
        None => mapped.trim_end_matches('/').to_string(),
    }
}
