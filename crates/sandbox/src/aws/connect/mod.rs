//! Amazon Connect emulation (restJson1, served under `/aws/connect`): instances, users, security
//! and routing profiles, tags, GetFederationToken, and the agent page a federated user lands on.
//!
//! What a user of the real service depends on, and the sandbox reproduces (docs/facts.md §2):
//! - CreateInstance is asynchronous: `CREATION_IN_PROGRESS` for a configurable time (default
//!   [`model::DEFAULT_CREATION_DELAY_MS`]), then `ACTIVE`; a new instance has the security profiles
//!   Admin, Agent, CallCenterManager, QualityAnalyst, the "Basic Routing Profile" and "BasicQueue".
//! - The identity management type fixes CreateUser's rules: on SAML instances no Password, no
//!   DirectoryUserId, FirstName and LastName required, usernames up to 64 of `[a-zA-Z0-9_\-.@]`;
//!   Email per [`SamlEmailPolicy`] (the docs contradict each other).
//! - Usernames are case-sensitive: `Jane` and `jane` are two users, and GetFederationToken finds
//!   the user whose username equals the role session name exactly.
//! - GetFederationToken needs `connect:GetFederationToken` on
//!   `arn:aws:connect:<region>:<account>:instance/<id>/user/${aws:userid}` and rejects
//!   non-federated (root-like) credentials.
//! - Every API is SigV4-authenticated and rate-limited per API per account (429
//!   `ThrottlingException`).

mod agent_page;
mod api;
pub mod error;
pub mod hierarchy;
mod json;
pub mod model;
mod paging;
mod profiles;
mod search;
mod validate;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use api::{OPERATIONS, Op, Resource};
pub use model::{ConnectData, FederationSession, SamlEmailPolicy, ThrottleCode};

use crate::State;
use crate::aws::{AwsError, Caller};
use error::ConnectResult;
use model::Ctx;

/// The Connect side of the sandbox: every account's instances, and open federation sessions.
/// It locks itself, so it sits in `AwsState` as a plain field; it serializes to JSON for the
/// state file.
#[derive(Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectState {
    data: Mutex<ConnectData>,
    #[serde(skip)]
    revision: AtomicU64,
}

impl std::fmt::Debug for ConnectState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let instances = self.read(|d| d.instances.len());
        f.debug_struct("ConnectState")
            .field("instances", &instances)
            .field("revision", &self.revision())
            .finish_non_exhaustive()
    }
}

impl ConnectState {
    /// Run `f` on the data, read-only.
    pub fn read<R>(&self, f: impl FnOnce(&ConnectData) -> R) -> R {
        let guard = self.data.lock().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Run `f` on the data, which it may change; bumps [`ConnectState::revision`].
    pub fn write<R>(&self, f: impl FnOnce(&mut ConnectData) -> R) -> R {
        let mut guard = self.data.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&mut guard);
        self.revision.fetch_add(1, Ordering::Relaxed);
        r
    }

    /// A counter that grows with every change (a persister saves when it moved).
    pub fn revision(&self) -> u64 {
        self.revision.load(Ordering::Relaxed)
    }

    /// How long instances created from now on stay `CREATION_IN_PROGRESS`.
    pub fn set_creation_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.write(|d| d.creation_delay_ms = ms);
    }

    /// Make every instance still being created `ACTIVE` at once.
    pub fn finish_creations(&self) {
        self.write(ConnectData::finish_creations);
    }

    /// A copy of the data (for the state file).
    pub fn snapshot(&self) -> ConnectData {
        self.read(Clone::clone)
    }

    /// State holding `data` (loaded from the state file).
    pub fn from_data(data: ConnectData) -> Self {
        Self {
            data: Mutex::new(data),
            revision: AtomicU64::new(0),
        }
    }

    /// Make the next CreateInstance end in `CREATION_FAILED` with `reason` as its StatusReason.
    pub fn fail_next_creation(&self, reason: impl Into<String>) {
        let reason = reason.into();
        self.write(|d| d.failing_creations.push(reason));
    }

    /// Choose what CreateUser does with Email on SAML instances (see [`SamlEmailPolicy`]).
    pub fn set_saml_email_policy(&self, policy: SamlEmailPolicy) {
        self.write(|d| d.saml_email_policy = policy);
    }

    /// Set how many users an instance may have (AWS's adjustable "Users per instance" quota).
    pub fn set_users_per_instance(&self, limit: usize) {
        self.write(|d| d.users_per_instance = limit);
    }

    /// Choose the code a throttled call carries (always HTTP 429).
    pub fn set_throttle_code(&self, code: ThrottleCode) {
        self.write(|d| d.throttle_code = code);
    }

    /// The quotas as `/aws/_admin/connect/quotas` shows them.
    pub fn quotas(&self) -> serde_json::Value {
        self.read(|d| {
            serde_json::json!({
                "users_per_instance": d.users_per_instance,
                "security_profiles_per_instance": model::SECURITY_PROFILES_PER_INSTANCE,
                "routing_profiles_per_instance": model::ROUTING_PROFILES_PER_INSTANCE,
            })
        })
    }

    /// The settings as `/aws/_admin/connect/settings` shows them.
    pub fn settings(&self) -> serde_json::Value {
        self.read(|d| {
            serde_json::json!({
                "throttle_error": d.throttle_code,
                "saml_email": d.saml_email_policy,
                "instance_creation_delay_ms": d.creation_delay_ms,
            })
        })
    }

    /// Open federation sessions (access token → session), for inspection.
    pub fn sessions(&self) -> Vec<(String, FederationSession)> {
        self.read(|d| {
            d.sessions
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
    }
}

/// Routes of the Connect API and the agent page; mounted at `/aws/connect`.
pub fn router(state: Arc<State>) -> axum::Router {
    api::routes().with_state(state)
}

/// What GetFederationToken grants.
#[derive(Clone, PartialEq, Eq)]
pub struct FederationGrant {
    /// Connect user id.
    pub user_id: String,
    /// Connect user ARN.
    pub user_arn: String,
    /// Access token (also opens the agent page).
    pub access_token: String,
    /// Refresh token.
    pub refresh_token: String,
    /// When both tokens expire, Unix ms.
    pub expires_ms: i64,
    /// Local URL of the agent page for this session.
    pub sign_in_url: String,
}

impl std::fmt::Debug for FederationGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FederationGrant")
            .field("user_id", &self.user_id)
            .field("user_arn", &self.user_arn)
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("expires_ms", &self.expires_ms)
            .field("sign_in_url", &"<redacted: carries the token>")
            .finish()
    }
}

/// The console federate endpoint's way in: run GetFederationToken's checks for `caller` on
/// `instance_id` and answer the local URL of the agent page (the CCP) for the Connect user.
///
/// Unlike the API, the console URL takes only the bare instance ID: a relay state carrying the
/// instance ARN is a known mistake (docs/facts.md §6.5) and finds no instance \[I: exact page text\].
pub fn federate(state: &State, caller: &Caller, instance_id: &str) -> Result<String, AwsError> {
    federate_to(state, caller, instance_id, None)
}

/// [`federate`] with the relay state's `destination` query parameter, already URL-decoded
/// (docs/facts.md §2: e.g. `/ccp-v2/chat`, `/agent-app-v2`, older `/connect/ccp`). The agent page
/// then shows that destination. A destination that is not a path on the instance (an external
/// URL, which needs an approved origin) is refused \[I: exact error\].
pub fn federate_to(
    state: &State,
    caller: &Caller,
    instance_id: &str,
    destination: Option<&str>,
) -> Result<String, AwsError> {
    federate_in(state, caller, None, instance_id, destination)
}

/// [`federate_to`] through the console of `region` (the Region of the relay state's host,
/// `https://<region>.console.aws.amazon.com/connect/federate/<id>`; `None`: the sandbox's
/// Region). As on AWS an instance belongs to one account and one Region, so the console of
/// another Region does not find it (ResourceNotFoundException).
pub fn federate_in(
    state: &State,
    caller: &Caller,
    region: Option<&str>,
    instance_id: &str,
    destination: Option<&str>,
) -> Result<String, AwsError> {
    if uuid::Uuid::try_parse(instance_id).is_err() {
        return Err(error::not_found(format!(
            "Instance not found: {instance_id}. The federate URL takes the instance ID (a UUID), not its ARN or alias."
        )));
    }
    let page = match destination {
        None | Some("") => agent_page::DEFAULT_DESTINATION.to_string(),
        Some(d) => agent_page::destination_path(d).ok_or_else(|| {
            error::invalid_request(format!(
                "The destination {d:?} is not a page of this Amazon Connect instance; external destinations need an approved origin."
            ))
        })?,
    };
    let grant = federation_grant(state, caller, region, instance_id)?;
    Ok(grant.sign_in_url.replacen(
        &format!("/{}?", agent_page::DEFAULT_DESTINATION),
        &format!("/{page}?"),
        1,
    ))
}

/// GetFederationToken's checks, in the order the real service applies them: IAM allows
/// `connect:GetFederationToken` on the caller's own user resource (`${aws:userid}` substituted),
/// the credentials are federated (not root-like), the instance is an ACTIVE SAML instance, and it
/// has a user whose username equals the role session name exactly (docs/facts.md §2, §6.3).
/// `region` is the Region the call was made in (the API's SigV4 scope, the console's host);
/// `None`: the sandbox's.
pub fn federation_grant(
    state: &State,
    caller: &Caller,
    region: Option<&str>,
    instance_id: &str,
) -> Result<FederationGrant, AwsError> {
    let ctx = ctx_in(state, caller, region.map(str::to_string));
    let bare_id = instance_id.rsplit('/').next().unwrap_or(instance_id);
    let resource = format!(
        "arn:aws:connect:{}:{}:instance/{bare_id}/user/{}",
        ctx.region,
        ctx.account_id,
        caller.aws_userid()
    );
    crate::aws::authorize(state, caller, "connect", "GetFederationToken", &resource)?;
    let (role_name, session_name) = match caller {
        Caller::AssumedRole {
            role_name,
            session_name,
            ..
        } => (role_name, session_name),
        Caller::Admin { account_id, .. } => {
            return Err(error::invalid_request(format!(
                "Provided identity: Principal: {account_id} User: arn:aws:iam::{account_id}:root cannot be used for federation with Amazon Connect"
            )));
        }
    };
    let opened: ConnectResult<_> = state.aws.connect.write(|d| {
        let (user, token) =
            d.open_federation_session(&ctx, instance_id, session_name, role_name)?;
        let session = d.sessions.get(&token).cloned();
        Ok((user, token, session))
    });
    let (user, access_token, session) = opened?;
    let (instance, expires_ms) = session
        .map(|s| (s.instance_id, s.expires_ms))
        .unwrap_or_else(|| (bare_id.to_string(), ctx.now_ms));
    let sign_in_url = agent_page::url(state, &instance, &access_token);
    Ok(FederationGrant {
        user_id: user.id,
        user_arn: user.arn,
        access_token,
        refresh_token: model::random_token(),
        expires_ms,
        sign_in_url,
    })
}

/// Context of a call by `caller` now, in `region` (the Region of the request's SigV4 scope:
/// instances belong to one account and one Region, as on AWS), else the sandbox's.
fn ctx_in(state: &State, caller: &Caller, region: Option<String>) -> Ctx {
    Ctx {
        account_id: caller.account_id().to_string(),
        region: region.unwrap_or_else(|| crate::TEST_REGION.to_string()),
        now_ms: now_ms(state),
    }
}

/// The sandbox clock (which the admin API can move) in Unix milliseconds.
fn now_ms(state: &State) -> i64 {
    let millis = state.aws.now().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(millis).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_a_json_round_trip() {
        let state = ConnectState::default();
        state.set_creation_delay(Duration::from_millis(5));
        let ctx = Ctx {
            account_id: crate::TEST_ACCOUNT_ID.into(),
            region: crate::TEST_REGION.into(),
            now_ms: 0,
        };
        let (id, _) = state
            .write(|d| {
                d.create_instance(
                    &ctx,
                    model::CreateInstanceInput {
                        client_token: None,
                        identity_management_type: Some("SAML".into()),
                        instance_alias: Some("persisted".into()),
                        directory_id: None,
                        inbound_calls_enabled: Some(true),
                        outbound_calls_enabled: Some(true),
                        tags: None,
                    },
                )
            })
            .expect("instance");
        let json = serde_json::to_string(&state).expect("serialize");
        let back: ConnectState = serde_json::from_str(&json).expect("deserialize");
        let alias = back.read(|d| d.instance(&ctx, &id).map(|i| i.alias.clone()));
        assert_eq!(alias, Ok(Some("persisted".to_string())));
        assert_eq!(back.read(|d| d.creation_delay_ms), 5);
        let from_snapshot = ConnectState::from_data(state.snapshot());
        assert_eq!(from_snapshot.read(|d| d.instances.len()), 1);
    }
}
