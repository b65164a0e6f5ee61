use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::gate::{self, Gate};
use crate::model::{
    AppRoleAssignment, Application, ApplicationServicePrincipal, ClaimsMappingPolicy, Group, Page,
    SelfSignedCertificate, ServicePrincipal, User,
};
use crate::{Credentials, EntraConfig, Error, Secret};

/// Most bytes of federation metadata read (the SAML core's input limit, 1 MiB; Entra's
/// documents are a few kilobytes).
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// A Microsoft Graph client for one tenant.
///
/// Every request first waits at the client's [`Gate`]: by default the process-wide gate of
/// its tenant and client ID ([`gate::shared`]), which a 429 or 503 with `Retry-After` closes
/// for every client of the same app registration and tenant in the process.
pub struct Graph {
    http: reqwest::Client,
    config: EntraConfig,
    token: Mutex<Option<(Secret, Instant)>>,
    gate: Arc<Gate>,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Percent-encode a value for a query string.
fn q(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Most IDs one delta query's `$filter` may name (Graph's limit).
pub const DELTA_MAX_IDS: usize = 50;

/// The largest `$top` Graph accepts for directory objects.
pub const MAX_PAGE_SIZE: u16 = 999;

/// The user properties user sync reads.
const USER_SYNC_SELECT: &str = "id,userPrincipalName,mail,displayName,givenName,surname";

/// Escape a string literal for an OData `$filter`.
fn odata_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A group's transitive members, split by kind.
#[derive(Debug, Clone, Default)]
pub struct TransitiveMembers {
    /// Its users.
    pub users: Vec<User>,
    /// The IDs of its nested groups.
    pub groups: Vec<String>,
}

/// What a delta round of [`Graph::group_changes`] saw.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    /// Groups changed (members added or removed, or deleted).
    pub changed: usize,
    /// The delta links for the next round.
    pub delta_links: Vec<String>,
}

struct DeltaRound {
    changed: usize,
    delta_link: String,
}

/// Did a group of a delta page change in a way sync cares about: members added or removed
/// (`members@delta`), or the group itself removed (`@removed`)?
fn group_changed(g: &Value) -> bool {
    g.get("@removed").is_some() || g["members@delta"].as_array().is_some_and(|m| !m.is_empty())
}

impl Graph {
    /// A client for `config`.
    pub fn new(config: EntraConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("connect-sso/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?;
        let gate = gate::shared(&config.tenant_id, config.credentials.client_id());
        Ok(Self {
            http,
            config,
            token: Mutex::new(None),
            gate,
        })
    }

    /// The same client behind another gate (tests give each sandbox, a tenant of its own,
    /// its own gate; see [`gate::shared`] for the default).
    pub fn with_gate(mut self, gate: Arc<Gate>) -> Self {
        self.gate = gate;
        self
    }

    /// The gate every request of this client waits at.
    pub fn gate(&self) -> &Arc<Gate> {
        &self.gate
    }

    /// The configuration.
    pub fn config(&self) -> &EntraConfig {
        &self.config
    }

    /// A valid access token (cached until five minutes before expiry).
    pub async fn access_token(&self) -> Result<Secret, Error> {
        let client_id = match &self.config.credentials {
            Credentials::AccessToken(t) => return Ok(t.clone()),
            Credentials::ClientSecret {
                client_id,
                client_secret,
            } => Some((client_id, client_secret)),
            Credentials::AzureCli => None,
        };
        let mut cached = self.token.lock().await;
        if let Some((t, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let Some(client_id) = client_id else {
            let token = azure_cli_token(&self.config.tenant_id).await?;
            // Azure CLI tokens live about an hour; ask again after 45 minutes.
            *cached = Some((token.clone(), Instant::now() + Duration::from_secs(45 * 60)));
            return Ok(token);
        };
        let url = self.config.token_url();
        let scope = self.config.scope();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id.0.as_str()),
            ("client_secret", client_id.1.expose()),
            ("scope", scope.as_str()),
        ];
        let resp = self
            .send_with_retry(|| self.http.post(&url).form(&form), &url)
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await.map_err(|e| Error::Decode {
            url: url.clone(),
            detail: e.to_string(),
        })?;
        if !status.is_success() {
            return Err(Error::Token {
                error: body["error"]
                    .as_str()
                    .unwrap_or("unknown_error")
                    .to_string(),
                description: body["error_description"].as_str().unwrap_or("").to_string(),
            });
        }
        let token = body["access_token"].as_str().ok_or_else(|| Error::Decode {
            url: url.clone(),
            detail: "no access_token".into(),
        })?;
        let lifetime = body["expires_in"]
            .as_u64()
            .unwrap_or(3599)
            .saturating_sub(300)
            .max(30);
        let token = Secret::new(token);
        *cached = Some((
            token.clone(),
            Instant::now() + Duration::from_secs(lifetime),
        ));
        Ok(token)
    }

    /// Send a request, retrying throttling, transient 5xx and connection errors. Each attempt
    /// first waits at the gate; a 429 or 503 with `Retry-After` closes the gate (for every
    /// caller sharing it) until the instant the header names.
    async fn send_with_retry(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        url: &str,
    ) -> Result<reqwest::Response, Error> {
        let policy = &self.config.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let last = attempt >= policy.max_attempts;
            self.gate.wait().await;
            match build().send().await {
                Ok(resp) => {
                    let s = resp.status();
                    if !is_retryable(s) {
                        return Ok(resp);
                    }
                    let wait = self.after_retryable(&resp, attempt);
                    if last {
                        return Ok(resp);
                    }
                    tracing::info!(%url, status = s.as_u16(), attempt, wait_ms = wait.as_millis() as u64, "retrying Graph request");
                    tokio::time::sleep(wait).await;
                }
                Err(e) if !last && (e.is_connect() || e.is_timeout() || e.is_request()) => {
                    let wait = self.backoff(attempt);
                    tracing::info!(%url, error = %e, attempt, "retrying Graph request after a transport error");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    return Err(Error::Transport {
                        url: url.to_string(),
                        source: e,
                    });
                }
            }
        }
    }

    /// What a retryable answer means for the next attempt: how long this caller sleeps
    /// before it (then it waits at the gate as well). A 429 or 503 with `Retry-After` closes
    /// the gate instead, for everyone sharing it; other `Retry-After`s are this caller's
    /// alone (capped by the retry policy); without one, exponential backoff.
    fn after_retryable(&self, resp: &reqwest::Response, attempt: u32) -> Duration {
        let s = resp.status();
        match retry_after(resp) {
            Some(wait)
                if s == StatusCode::TOO_MANY_REQUESTS || s == StatusCode::SERVICE_UNAVAILABLE =>
            {
                self.gate.close_for(wait);
                Duration::ZERO
            }
            Some(wait) => wait.min(self.config.retry.max_delay),
            None => self.backoff(attempt),
        }
    }

    /// Exponential backoff with full jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        let p = &self.config.retry;
        let cap = p
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(p.max_delay);
        let ms = rand::thread_rng().gen_range(0..=cap.as_millis().max(1) as u64);
        Duration::from_millis(ms)
    }

    /// Call Graph v1.0: `path` is relative to `/v1.0` and starts with `/`.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, Error> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}/v1.0{path}", self.config.graph_url.trim_end_matches('/'))
        };
        let token = self.access_token().await?;
        let resp = self
            .send_with_retry(
                || {
                    let mut r = self
                        .http
                        .request(method.clone(), &url)
                        .bearer_auth(token.expose())
                        .header("ConsistencyLevel", "eventual");
                    if let Some(b) = body {
                        r = r.json(b);
                    }
                    r
                },
                &url,
            )
            .await?;
        let status = resp.status();
        let request_id = resp
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = resp.text().await.map_err(|e| Error::Transport {
            url: url.clone(),
            source: e,
        })?;
        if !status.is_success() {
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            return Err(Error::Graph {
                method: method.to_string(),
                path: url
                    .strip_prefix(self.config.graph_url.trim_end_matches('/'))
                    .unwrap_or(&url)
                    .to_string(),
                status: status.as_u16(),
                code: v["error"]["code"].as_str().unwrap_or("unknown").to_string(),
                message: v["error"]["message"]
                    .as_str()
                    .unwrap_or(text.trim())
                    .to_string(),
                request_id,
            });
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| Error::Decode {
            url,
            detail: e.to_string(),
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let v = self.call(Method::GET, path, None).await?;
        decode(v, path)
    }

    /// All items of a collection, following `@odata.nextLink`.
    async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        let mut next = Some(path.to_string());
        while let Some(p) = next.take() {
            let page: Page<T> = self.get(&p).await?;
            out.extend(page.value);
            next = page.next_link;
        }
        Ok(out)
    }

    async fn send_json<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<Value, Error> {
        let v = serde_json::to_value(body).map_err(|e| Error::Decode {
            url: path.to_string(),
            detail: e.to_string(),
        })?;
        self.call(method, path, Some(&v)).await
    }

    // ---- applications and service principals ----

    /// Create an enterprise app from the non-gallery template (docs/facts.md §4.1).
    pub async fn instantiate(
        &self,
        template_id: &str,
        display_name: &str,
    ) -> Result<ApplicationServicePrincipal, Error> {
        let v = self
            .send_json(
                Method::POST,
                &format!("/applicationTemplates/{template_id}/instantiate"),
                &serde_json::json!({ "displayName": display_name }),
            )
            .await?;
        decode(v, "instantiate")
    }

    /// Applications whose display name is exactly `name`.
    pub async fn applications_named(&self, name: &str) -> Result<Vec<Application>, Error> {
        self.list(&format!(
            "/applications?$filter={}",
            q(&format!("displayName eq {}", odata_str(name)))
        ))
        .await
    }

    /// One application by object ID.
    pub async fn application(&self, id: &str) -> Result<Application, Error> {
        self.get(&format!("/applications/{id}")).await
    }

    /// PATCH an application.
    pub async fn patch_application(&self, id: &str, patch: &Value) -> Result<(), Error> {
        self.call(Method::PATCH, &format!("/applications/{id}"), Some(patch))
            .await
            .map(drop)
    }

    /// Delete an application (and with it its service principal).
    pub async fn delete_application(&self, id: &str) -> Result<(), Error> {
        self.call(Method::DELETE, &format!("/applications/{id}"), None)
            .await
            .map(drop)
    }

    /// The service principal of an app ID, if any.
    pub async fn service_principal_by_app_id(
        &self,
        app_id: &str,
    ) -> Result<Option<ServicePrincipal>, Error> {
        let sps: Vec<ServicePrincipal> = self
            .list(&format!(
                "/servicePrincipals?$filter={}",
                q(&format!("appId eq {}", odata_str(app_id)))
            ))
            .await?;
        Ok(sps.into_iter().next())
    }

    /// One service principal by object ID.
    pub async fn service_principal(&self, id: &str) -> Result<ServicePrincipal, Error> {
        self.get(&format!("/servicePrincipals/{id}")).await
    }

    /// PATCH a service principal.
    pub async fn patch_service_principal(&self, id: &str, patch: &Value) -> Result<(), Error> {
        self.call(
            Method::PATCH,
            &format!("/servicePrincipals/{id}"),
            Some(patch),
        )
        .await
        .map(drop)
    }

    /// Create a token signing certificate (docs/facts.md §4.5). `end` is ISO 8601.
    pub async fn add_token_signing_certificate(
        &self,
        sp_id: &str,
        display_name: &str,
        end: &str,
    ) -> Result<SelfSignedCertificate, Error> {
        let v = self
            .send_json(
                Method::POST,
                &format!("/servicePrincipals/{sp_id}/addTokenSigningCertificate"),
                &serde_json::json!({ "displayName": display_name, "endDateTime": end }),
            )
            .await?;
        decode(v, "addTokenSigningCertificate")
    }

    // ---- claims mapping ----

    /// Create a claims-mapping policy.
    pub async fn create_claims_mapping_policy(
        &self,
        display_name: &str,
        definition: &str,
    ) -> Result<ClaimsMappingPolicy, Error> {
        let v = self
            .send_json(
                Method::POST,
                "/policies/claimsMappingPolicies",
                &serde_json::json!({
                    "displayName": display_name,
                    "definition": [definition],
                    "isOrganizationDefault": false
                }),
            )
            .await?;
        decode(v, "claimsMappingPolicies")
    }

    /// Claims-mapping policies of the tenant whose display name is exactly `name`.
    pub async fn claims_mapping_policies_named(
        &self,
        name: &str,
    ) -> Result<Vec<ClaimsMappingPolicy>, Error> {
        let all: Vec<ClaimsMappingPolicy> = self.list("/policies/claimsMappingPolicies").await?;
        Ok(all.into_iter().filter(|p| p.display_name == name).collect())
    }

    /// Replace a claims-mapping policy's definition.
    pub async fn update_claims_mapping_policy(
        &self,
        id: &str,
        definition: &str,
    ) -> Result<(), Error> {
        self.send_json(
            Method::PATCH,
            &format!("/policies/claimsMappingPolicies/{id}"),
            &serde_json::json!({ "definition": [definition] }),
        )
        .await
        .map(drop)
    }

    /// Delete a claims-mapping policy.
    pub async fn delete_claims_mapping_policy(&self, id: &str) -> Result<(), Error> {
        self.call(
            Method::DELETE,
            &format!("/policies/claimsMappingPolicies/{id}"),
            None,
        )
        .await
        .map(drop)
    }

    /// Claims-mapping policies assigned to a service principal.
    pub async fn service_principal_claims_policies(
        &self,
        sp_id: &str,
    ) -> Result<Vec<ClaimsMappingPolicy>, Error> {
        self.list(&format!("/servicePrincipals/{sp_id}/claimsMappingPolicies"))
            .await
    }

    /// Assign a claims-mapping policy to a service principal.
    pub async fn assign_claims_policy(&self, sp_id: &str, policy_id: &str) -> Result<(), Error> {
        let odata_id = format!(
            "{}/v1.0/policies/claimsMappingPolicies/{policy_id}",
            EntraConfig::GRAPH_URL
        );
        self.send_json(
            Method::POST,
            &format!("/servicePrincipals/{sp_id}/claimsMappingPolicies/$ref"),
            &serde_json::json!({ "@odata.id": odata_id }),
        )
        .await
        .map(drop)
    }

    /// Remove a claims-mapping policy from a service principal.
    pub async fn unassign_claims_policy(&self, sp_id: &str, policy_id: &str) -> Result<(), Error> {
        self.call(
            Method::DELETE,
            &format!("/servicePrincipals/{sp_id}/claimsMappingPolicies/{policy_id}/$ref"),
            None,
        )
        .await
        .map(drop)
    }

    // ---- assignments, groups, users ----

    // ---- provisioning (synchronization) ----

    /// The service principal's provisioning jobs.
    pub async fn synchronization_jobs(
        &self,
        sp_id: &str,
    ) -> Result<Vec<crate::model::SynchronizationJob>, Error> {
        self.list(&format!("/servicePrincipals/{sp_id}/synchronization/jobs"))
            .await
    }

    /// Create a provisioning job from a synchronization template.
    pub async fn create_synchronization_job(
        &self,
        sp_id: &str,
        template_id: &str,
    ) -> Result<crate::model::SynchronizationJob, Error> {
        let path = format!("/servicePrincipals/{sp_id}/synchronization/jobs");
        let v = self
            .send_json(
                Method::POST,
                &path,
                &serde_json::json!({ "templateId": template_id }),
            )
            .await?;
        decode(v, &path)
    }

    /// Set the provisioning job's target: its SCIM endpoint and secret token (never logged).
    pub async fn put_synchronization_secrets(
        &self,
        sp_id: &str,
        base_address: &str,
        token: &crate::Secret,
    ) -> Result<(), Error> {
        let body = serde_json::json!({ "value": [
            { "key": "BaseAddress", "value": base_address },
            { "key": "SecretToken", "value": token.expose() },
        ]});
        self.call(
            Method::PUT,
            &format!("/servicePrincipals/{sp_id}/synchronization/secrets"),
            Some(&body),
        )
        .await?;
        Ok(())
    }

    /// Start (or restart) a provisioning job.
    pub async fn start_synchronization_job(&self, sp_id: &str, job_id: &str) -> Result<(), Error> {
        self.call(
            Method::POST,
            &format!("/servicePrincipals/{sp_id}/synchronization/jobs/{job_id}/start"),
            None,
        )
        .await?;
        Ok(())
    }

    /// Assignments to a service principal.
    pub async fn app_role_assigned_to(&self, sp_id: &str) -> Result<Vec<AppRoleAssignment>, Error> {
        self.list(&format!("/servicePrincipals/{sp_id}/appRoleAssignedTo"))
            .await
    }

    /// Assign a user or group to an app role of a service principal.
    pub async fn assign_app_role(
        &self,
        sp_id: &str,
        principal_id: &str,
        app_role_id: &str,
    ) -> Result<AppRoleAssignment, Error> {
        let v = self
            .send_json(
                Method::POST,
                &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo"),
                &serde_json::json!({
                    "principalId": principal_id,
                    "resourceId": sp_id,
                    "appRoleId": app_role_id
                }),
            )
            .await?;
        decode(v, "appRoleAssignedTo")
    }

    /// Remove an assignment.
    pub async fn delete_app_role_assignment(
        &self,
        sp_id: &str,
        assignment_id: &str,
    ) -> Result<(), Error> {
        self.call(
            Method::DELETE,
            &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo/{assignment_id}"),
            None,
        )
        .await
        .map(drop)
    }

    /// Groups whose display name is exactly `name`.
    pub async fn groups_named(&self, name: &str) -> Result<Vec<Group>, Error> {
        self.list(&format!(
            "/groups?$filter={}",
            q(&format!("displayName eq {}", odata_str(name)))
        ))
        .await
    }

    /// Members of a group, nested groups expanded (users only).
    pub async fn group_users(&self, group_id: &str) -> Result<Vec<User>, Error> {
        let all: Vec<Value> = self
            .list(&format!("/groups/{group_id}/transitiveMembers"))
            .await?;
        Ok(all
            .into_iter()
            .filter(|v| {
                v["@odata.type"]
                    .as_str()
                    .is_none_or(|t| t == "#microsoft.graph.user")
            })
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
    }

    /// The users among a group's transitive members (nested groups expanded), with only the
    /// properties user sync reads (`$select`), `top` to a page (Graph allows up to 999 for
    /// directory objects). Every page is read, or the call fails: a partial list must never
    /// look like people who left.
    pub async fn transitive_member_users(
        &self,
        group_id: &str,
        top: u16,
    ) -> Result<Vec<User>, Error> {
        Ok(self.transitive_members(group_id, top).await?.users)
    }

    /// A group's transitive members: its users (as [`Self::transitive_member_users`]) and the
    /// IDs of its nested groups (what `sync --watch` tracks besides the group itself).
    pub async fn transitive_members(
        &self,
        group_id: &str,
        top: u16,
    ) -> Result<TransitiveMembers, Error> {
        let all: Vec<Value> = self
            .list(&format!(
                "/groups/{}/transitiveMembers?$select={USER_SYNC_SELECT}&$top={}",
                q(group_id),
                top.clamp(1, MAX_PAGE_SIZE)
            ))
            .await?;
        let mut out = TransitiveMembers::default();
        for v in all {
            match v["@odata.type"].as_str() {
                None | Some("#microsoft.graph.user") => {
                    // A user that does not decode is an error, not a leaver.
                    out.users
                        .push(serde_json::from_value(v).map_err(|e| Error::Decode {
                            url: format!("/groups/{group_id}/transitiveMembers"),
                            detail: e.to_string(),
                        })?);
                }
                Some("#microsoft.graph.group") => {
                    if let Some(id) = v["id"].as_str() {
                        out.groups.push(id.to_string());
                    }
                }
                Some(_) => {}
            }
        }
        Ok(out)
    }

    // ---- delta queries (sync --watch) ----

    /// Start tracking the membership of `group_ids` with a Graph delta query
    /// (`GET /groups/delta?$filter=id eq '…' or …&$select=members`, at most
    /// [`DELTA_MAX_IDS`] groups per query, so one query per chunk): reads the initial round to
    /// its end and returns the `@odata.deltaLink` of each query, for [`Self::group_changes`].
    pub async fn track_groups(&self, group_ids: &[String]) -> Result<Vec<String>, Error> {
        let mut links = Vec::new();
        for chunk in group_ids.chunks(DELTA_MAX_IDS) {
            let filter = chunk
                .iter()
                .map(|id| format!("id eq {}", odata_str(id)))
                .collect::<Vec<_>>()
                .join(" or ");
            let first = format!("/groups/delta?$filter={}&$select=members", q(&filter));
            links.push(self.delta_round(&first).await?.delta_link);
        }
        Ok(links)
    }

    /// What changed since `delta_links` (from [`Self::track_groups`] or an earlier call): how
    /// many groups were changed (members added or removed, or the group deleted) and the next
    /// delta links. An expired or refused token is an error (start again with a full read).
    pub async fn group_changes(&self, delta_links: &[String]) -> Result<GroupChanges, Error> {
        let mut out = GroupChanges::default();
        for link in delta_links {
            let round = self.delta_round(link).await?;
            out.changed += round.changed;
            out.delta_links.push(round.delta_link);
        }
        Ok(out)
    }

    /// One delta round: every page (`@odata.nextLink`) to the `@odata.deltaLink`.
    async fn delta_round(&self, first: &str) -> Result<DeltaRound, Error> {
        let mut changed = 0;
        let mut next = first.to_string();
        loop {
            let page = self.call(Method::GET, &next, None).await?;
            changed += page["value"]
                .as_array()
                .map_or(0, |v| v.iter().filter(|g| group_changed(g)).count());
            if let Some(n) = page["@odata.nextLink"].as_str() {
                next = n.to_string();
            } else if let Some(d) = page["@odata.deltaLink"].as_str() {
                return Ok(DeltaRound {
                    changed,
                    delta_link: d.to_string(),
                });
            } else {
                return Err(Error::Decode {
                    url: next,
                    detail: "a delta page with neither @odata.nextLink nor @odata.deltaLink".into(),
                });
            }
        }
    }

    /// A user by UPN or object ID.
    pub async fn user(&self, id_or_upn: &str) -> Result<User, Error> {
        self.get(&format!("/users/{}", q(id_or_upn))).await
    }

    // ---- federation metadata ----

    /// The app's federation metadata document (not Graph: the login host; no token needed).
    /// At most [`MAX_METADATA_BYTES`] are read: the document is XML from outside, and the
    /// SAML core refuses anything larger anyway.
    pub async fn federation_metadata(&self, app_id: &str) -> Result<String, Error> {
        let url = self.config.federation_metadata_url(app_id);
        let mut resp = self.send_with_retry(|| self.http.get(&url), &url).await?;
        let status = resp.status();
        let too_large = || Error::Decode {
            url: url.clone(),
            detail: format!("the metadata is larger than {MAX_METADATA_BYTES} bytes"),
        };
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_METADATA_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| Error::Transport {
            url: url.clone(),
            source: e,
        })? {
            if body.len() + chunk.len() > MAX_METADATA_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        if !status.is_success() {
            return Err(Error::Decode {
                url,
                detail: format!(
                    "HTTP {status}: {}",
                    text.chars().take(200).collect::<String>()
                ),
            });
        }
        Ok(text)
    }

    /// Poll `probe` until it returns `Some`, for objects Graph has not replicated yet.
    pub async fn wait_visible<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut probe: F,
    ) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, Error>>,
    {
        let start = Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            match probe().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            if start.elapsed() >= timeout {
                return Err(Error::NotVisible {
                    what: what.to_string(),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }
}

fn decode<T: DeserializeOwned>(v: Value, what: &str) -> Result<T, Error> {
    serde_json::from_value(v).map_err(|e| Error::Decode {
        url: what.to_string(),
        detail: e.to_string(),
    })
}

/// Throttling (429) and transient server errors (500, 502, 503, 504).
fn is_retryable(s: StatusCode) -> bool {
    s == StatusCode::TOO_MANY_REQUESTS
        || s == StatusCode::INTERNAL_SERVER_ERROR
        || s == StatusCode::BAD_GATEWAY
        || s == StatusCode::SERVICE_UNAVAILABLE
        || s == StatusCode::GATEWAY_TIMEOUT
}

/// `Retry-After` (seconds, or an HTTP date), capped at [`gate::MAX_RETRY_AFTER`].
fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    let value = resp.headers().get(reqwest::header::RETRY_AFTER)?;
    gate::parse_retry_after(value.to_str().ok()?, time::OffsetDateTime::now_utc())
}

/// A Graph token from the signed-in Azure CLI.
async fn azure_cli_token(tenant: &str) -> Result<Secret, Error> {
    let tenant = tenant.to_string();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("az")
            .args([
                "account",
                "get-access-token",
                "--resource-type",
                "ms-graph",
                "--tenant",
            ])
            .arg(&tenant)
            .args(["--query", "accessToken", "--output", "tsv"])
            .output()
    })
    .await
    .map_err(|e| Error::Config(format!("could not run the Azure CLI: {e}")))?
    .map_err(|e| Error::Config(format!("could not run the Azure CLI: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Config(format!(
            "the Azure CLI gave no Graph token ({}); run `az login --tenant <tenant>` or set AZURE_CLIENT_ID/AZURE_CLIENT_SECRET",
            stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim()
        )));
    }
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if token.is_empty() {
        return Err(Error::Config("the Azure CLI printed an empty token".into()));
    }
    Ok(Secret::new(token))
}
