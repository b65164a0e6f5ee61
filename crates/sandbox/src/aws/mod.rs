//! AWS emulation: IAM, STS, AWS sign-in, console federation and Amazon Connect.
//!
//! Module ownership (each a file or folder of its own):
//! - `sigv4`: SigV4 verification of incoming requests → [`Caller`].
//! - `query`: awsQuery decoding and XML answers/errors shared by IAM and STS.
//! - `iam`: SAML providers, roles, inline policies, policy evaluation ([`iam::Iam::role_allows`]).
//! - `sts`: AssumeRoleWithSAML, GetCallerIdentity; issued session credentials.
//! - `signin`: AWS sign-in `POST /saml`, role chooser, console session, `/console/connect/federate/{id}`.
//! - `connect`: Amazon Connect restJson1 (instances, users, profiles, GetFederationToken, the agent page).
//! - `sso_admin`: a minimal IAM Identity Center admin API (no instance enabled).
//! - `quota`: token buckets per API per account; `fault`: scripted faults; both used by every service.
//! - `identity_center`: IAM Identity Center (identity store, SCIM, `identitystore`, its SAML
//!   applications, the access portal).
//! - `admin`: `/aws/_admin/` JSON endpoints (quotas, faults, clock, state dump); `persist`: the state file.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::{Clock, Config, State};

mod admin;
pub mod connect;
mod error;
pub mod fault;
pub mod iam;
pub mod identity_center;
pub mod model;
pub mod ops;
pub mod persist;
pub mod policy;
pub mod query;
pub mod quota;
pub mod signin;
pub mod sigv4;
pub mod sso_admin;
pub mod sts;

pub use error::{AwsError, json_answer};

/// Largest request body STS and AWS sign-in read (2 MiB, axum's default for forms). Their one
/// big field, the base64 SAML response, is refused above 100,000 characters
/// ([`connect_sso_saml::aws::MAX_SAML_RESPONSE_LEN`]); the margin lets a value somewhat over
/// that limit, even fully percent-encoded, still get AWS's own `ValidationError`. A larger
/// body is answered 413 `RequestEntityTooLarge` in the service's error shape, unread.
pub const MAX_SAML_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Largest request body IAM reads (4 MiB): a `SAMLMetadataDocument` as large as the SAML
/// parser accepts (1 MiB) fits even fully percent-encoded (three bytes a character). IAM's
/// own limit on the document, 10,000,000 characters, is above it: documents between the two
/// are refused with 413 `RequestEntityTooLarge` (beyond 4 MiB) or by the parser.
pub const MAX_IAM_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The awsQuery answer to a body over the limit: 413 `RequestEntityTooLarge`.
pub(crate) fn body_too_large(limit: usize) -> AwsError {
    AwsError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("Request body too large: at most {limit} bytes are read."),
    )
}

/// `aws:userid` of the sandbox's administrator (the IAM user behind the test credentials).
pub const ADMIN_USER_ID: &str = "AIDASANDBOXADMIN00001";
/// Name of the IAM user behind the test credentials.
pub const ADMIN_USER_NAME: &str = "sandbox-admin";

/// Who signed a request (after SigV4 verification).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The sandbox's test credentials: an administrator (like an IAM user with AdministratorAccess).
    Admin {
        /// Account ID.
        account_id: String,
        /// Access key used.
        access_key_id: String,
    },
    /// Temporary credentials issued by STS AssumeRoleWithSAML.
    AssumedRole {
        /// Account ID.
        account_id: String,
        /// Role name.
        role_name: String,
        /// Role ID (`AROA…`): `aws:userid` is `{role_id}:{session_name}`.
        role_id: String,
        /// RoleSessionName from the assertion.
        session_name: String,
        /// Access key used (`ASIA…`).
        access_key_id: String,
    },
}

impl Caller {
    /// The `aws:userid` policy variable.
    pub fn aws_userid(&self) -> String {
        match self {
            Caller::Admin { .. } => ADMIN_USER_ID.to_string(),
            Caller::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
        }
    }
    /// The principal ARN as STS GetCallerIdentity shows it.
    pub fn arn(&self) -> String {
        match self {
            Caller::Admin { account_id, .. } => {
                format!("arn:aws:iam::{account_id}:user/{ADMIN_USER_NAME}")
            }
            Caller::AssumedRole {
                account_id,
                role_name,
                session_name,
                ..
            } => format!("arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"),
        }
    }
    /// The account.
    pub fn account_id(&self) -> &str {
        match self {
            Caller::Admin { account_id, .. } | Caller::AssumedRole { account_id, .. } => account_id,
        }
    }
}

/// Temporary credentials (issued by STS, or by Connect's GetFederationToken).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionCredentials {
    /// `ASIA…` key.
    pub access_key_id: String,
    /// Secret (never printed).
    pub secret_access_key: String,
    /// Session token (never printed).
    pub session_token: String,
    /// Expiry (RFC 3339).
    pub expiration: String,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &"<redacted>")
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// AWS-side state.
pub struct AwsState {
    /// IAM: SAML providers, roles, policies.
    pub iam: Mutex<iam::Iam>,
    /// STS: issued session credentials.
    pub sts: Mutex<sts::Sts>,
    /// Amazon Connect.
    pub connect: connect::ConnectState,
    /// Rate limits.
    pub quotas: quota::Quotas,
    /// Scripted faults.
    pub faults: fault::Faults,
    /// IAM Identity Center (the management account).
    pub identity_center: Mutex<identity_center::IdentityCenter>,
    /// AWS console sessions (after SAML sign-in).
    pub console: Mutex<signin::ConsoleSessions>,
    /// The sandbox's clock (shared with the Entra side; moved by `/aws/_admin/clock`).
    clock: Clock,
    /// Where state is persisted, if anywhere.
    state_file: Option<persist::StateFile>,
    /// Counts IAM, STS and Identity Center changes ([`AwsState::changed`]); Connect counts
    /// its own.
    revision: AtomicU64,
    /// The revision last written to the state file.
    saved_revision: AtomicU64,
}

impl AwsState {
    /// Fresh state (or loaded from `config.state_file`), reading time from `clock`.
    pub fn new(config: &Config, clock: Clock) -> anyhow::Result<Self> {
        let state_file = config
            .state_file
            .as_ref()
            .map(|p| persist::StateFile::new(p.clone()));
        let saved = match &state_file {
            Some(f) => f.load()?,
            None => None,
        };
        let (iam, sts, connect, identity_center) = saved
            .map(|s| (s.iam, s.sts, s.connect, s.identity_center))
            .unwrap_or_default();
        let connect = connect.map_or_else(
            connect::ConnectState::default,
            connect::ConnectState::from_data,
        );
        if let Some(limit) = config.connect_user_limit {
            connect.set_users_per_instance(limit);
        }
        Ok(Self {
            iam: Mutex::new(iam),
            sts: Mutex::new(sts),
            connect,
            revision: AtomicU64::new(0),
            saved_revision: AtomicU64::new(0),
            quotas: quota::Quotas::default(),
            faults: fault::Faults::default(),
            identity_center: Mutex::new(identity_center),
            console: Mutex::new(signin::ConsoleSessions::default()),
            clock,
            state_file,
        })
    }

    /// The sandbox's clock (wall clock plus the admin offset; the same as [`State::clock`]).
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Move the sandbox's clock (both sides) forward (or back) by `seconds`.
    pub fn advance_clock(&self, seconds: i64) {
        self.clock.advance(seconds);
    }

    /// Lock IAM (a poisoned lock is taken over: state stays usable after a panic elsewhere).
    pub fn iam_lock(&self) -> MutexGuard<'_, iam::Iam> {
        self.iam.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lock the console sessions.
    pub fn console_lock(&self) -> MutexGuard<'_, signin::ConsoleSessions> {
        self.console.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lock Identity Center.
    pub fn identity_center_lock(&self) -> MutexGuard<'_, identity_center::IdentityCenter> {
        self.identity_center
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Lock STS.
    pub fn sts_lock(&self) -> MutexGuard<'_, sts::Sts> {
        self.sts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Record that IAM, STS or Identity Center state changed. Every part of the AWS state
    /// persists alike: a change moves a revision (Connect's `write` moves its own), and after
    /// each request under `/aws` the state file is written if the revision moved
    /// ([`persist_changes`]).
    pub fn changed(&self) {
        self.revision.fetch_add(1, Ordering::Relaxed);
    }

    fn revision(&self) -> u64 {
        self.revision.load(Ordering::Relaxed) + self.connect.revision()
    }

    /// Write IAM, STS, Connect and Identity Center state (not the portal sessions) to the state
    /// file (atomically) if it changed since it was last written. Failures are logged, not
    /// fatal: the in-memory state stays authoritative.
    fn persist(&self) {
        let revision = self.revision();
        let Some(f) = &self.state_file else { return };
        if self.saved_revision.swap(revision, Ordering::Relaxed) == revision {
            return;
        }
        let identity_center = self.identity_center_lock().persisted();
        let snapshot = persist::Snapshot {
            identity_center,
            iam: self.iam_lock().clone(),
            sts: self.sts_lock().clone(),
            connect: Some(self.connect.snapshot()),
        };
        if let Err(e) = f.save(&snapshot) {
            tracing::warn!(error = %e, "could not write the AWS sandbox state file");
        }
    }
}

/// Write the state file after every request under `/aws` that changed AWS state.
async fn persist_changes(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let resp = next.run(req).await;
    state.aws.persist();
    resp
}

/// Is `service` spoken in awsQuery (error codes differ from the JSON protocols)?
fn is_query_service(service: &str) -> bool {
    matches!(service, "iam" | "sts")
}

/// The awsQuery (`query`) or the JSON protocols' spelling of an answer.
fn pick<T>(query: bool, if_query: T, if_json: T) -> T {
    if query { if_query } else { if_json }
}

fn auth_error(service: &str, e: &sigv4::SigV4Error) -> AwsError {
    use sigv4::SigV4Error as E;
    let (status, query, json) = match e {
        E::Missing => (
            StatusCode::FORBIDDEN,
            "MissingAuthenticationToken",
            "MissingAuthenticationTokenException",
        ),
        E::Malformed(_) | E::BadScope | E::MissingDate | E::HostNotSigned => (
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            "IncompleteSignatureException",
        ),
        _ => (
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "InvalidSignatureException",
        ),
    };
    AwsError::new(
        status,
        pick(is_query_service(service), query, json),
        e.to_string(),
    )
}

/// Verify a request's SigV4 signature for `service` (its signing name: `iam`, `sts`, `connect`,
/// `sso`, `identitystore`) and say who signed it. Accepts the test credentials
/// ([`crate::TEST_ACCESS_KEY_ID`], the Connect account), the management account's
/// ([`crate::MANAGEMENT_ACCESS_KEY_ID`]; refused by IAM and Connect) and session credentials
/// issued by STS (with `x-amz-security-token`).
///
/// The signature is checked against the path the client signed (before the `/aws/<service>`
/// prefix was stripped by routing).
pub fn authenticate(
    state: &State,
    service: &str,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> Result<Caller, AwsError> {
    let q = is_query_service(service);
    let path_and_query = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map(|o| &o.0)
        .unwrap_or(&parts.uri)
        .path_and_query()
        .map_or_else(|| "/".to_string(), |pq| pq.as_str().to_string());
    let header = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| auth_error(service, &sigv4::SigV4Error::Missing))?;
    let auth = sigv4::parse_authorization(header).map_err(|e| auth_error(service, &e))?;
    let now = state.aws.now();
    let invalid_token = || {
        AwsError::new(
            StatusCode::FORBIDDEN,
            pick(q, "InvalidClientTokenId", "UnrecognizedClientException"),
            "The security token included in the request is invalid.",
        )
    };
    let token = parts
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let (secret, caller) = if let Some((secret, account)) = admin_key(&auth.access_key_id) {
        if token.is_some() {
            return Err(invalid_token());
        }
        (
            secret.to_string(),
            Caller::Admin {
                account_id: account.to_string(),
                access_key_id: auth.access_key_id.clone(),
            },
        )
    } else {
        let sts = state.aws.sts_lock();
        let s = sts.session(&auth.access_key_id).ok_or_else(invalid_token)?;
        if token != Some(s.credentials.session_token.as_str()) {
            return Err(invalid_token());
        }
        if s.expires_at <= now.unix_timestamp() {
            return Err(AwsError::new(
                pick(q, StatusCode::BAD_REQUEST, StatusCode::FORBIDDEN),
                pick(q, "ExpiredToken", "ExpiredTokenException"),
                "The security token included in the request is expired",
            ));
        }
        (s.credentials.secret_access_key.clone(), s.caller())
    };
    sigv4::verify(parts, &path_and_query, body, service, &secret, now)
        .map_err(|e| auth_error(service, &e))?;
    refuse_management_account(service, &caller)?;
    Ok(caller)
}

/// The long-term administrator keys: (access key ID, secret, account). The Connect account's
/// ([`crate::TEST_ACCESS_KEY_ID`]) and the management account's
/// ([`crate::MANAGEMENT_ACCESS_KEY_ID`], where Identity Center lives).
fn admin_key(access_key_id: &str) -> Option<(&'static str, &'static str)> {
    match access_key_id {
        crate::TEST_ACCESS_KEY_ID => Some((crate::TEST_SECRET_ACCESS_KEY, crate::TEST_ACCOUNT_ID)),
        crate::MANAGEMENT_ACCESS_KEY_ID => Some((
            crate::MANAGEMENT_SECRET_ACCESS_KEY,
            crate::MANAGEMENT_ACCOUNT_ID,
        )),
        _ => None,
    }
}

/// IAM and Connect belong to the Connect account only: a management-account caller gets the
/// service's `AccessDenied` (docs/design/brokered.md, "Sandbox wire contract").
fn refuse_management_account(service: &str, caller: &Caller) -> Result<(), AwsError> {
    if caller.account_id() != crate::MANAGEMENT_ACCOUNT_ID || !matches!(service, "iam" | "connect")
    {
        return Ok(());
    }
    let message = format!(
        "User: {} is not authorized to perform {service} actions here: the sandbox's IAM and Amazon Connect live in account {}; sign with that account's keys (TEST_ACCESS_KEY_ID), not the management account's ({}).",
        caller.arn(),
        crate::TEST_ACCOUNT_ID,
        crate::MANAGEMENT_ACCOUNT_ID
    );
    Err(if is_query_service(service) {
        AwsError::access_denied(message)
    } else {
        AwsError::access_denied_json(message)
    })
}

/// The one authorisation path of every AWS service: an assumed-role caller may call
/// `service:api` on `resource` only where its role's identity policies allow it; the sandbox
/// administrator may do anything. Refusals are the protocol's `AccessDenied(Exception)`.
pub fn authorize(
    state: &State,
    caller: &Caller,
    service: &str,
    api: &str,
    resource: &str,
) -> Result<(), AwsError> {
    let Caller::AssumedRole { role_name, .. } = caller else {
        return Ok(());
    };
    let action = format!("{service}:{api}");
    let userid = caller.aws_userid();
    if state
        .aws
        .iam_lock()
        .role_allows(role_name, &action, resource, &userid)
    {
        return Ok(());
    }
    let message = format!(
        "User: {} is not authorized to perform: {action} on resource: {resource}",
        caller.arn()
    );
    Err(if is_query_service(service) {
        AwsError::access_denied(format!(
            "{message} because no identity-based policy allows the {action} action"
        ))
    } else {
        AwsError::access_denied_json(message)
    })
}

/// Apply scripted faults (latency, errors, dropped connections) and the rate limit of
/// `service`/`api` for the sandbox account. Call it after authentication, before the work.
pub async fn throttle_and_faults(state: &State, service: &str, api: &str) -> Result<(), AwsError> {
    let outcome = state.aws.faults.apply(service, api);
    if outcome.latency_millis > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(outcome.latency_millis)).await;
    }
    if let Some(e) = outcome.error {
        return Err(throttle_code(state, service, e));
    }
    if !state
        .aws
        .quotas
        .try_acquire(crate::TEST_ACCOUNT_ID, service, api)
    {
        return Err(throttle_code(state, service, fault::throttled(service)));
    }
    Ok(())
}

/// A throttled Connect answer (429 `ThrottlingException`) carries the code the admin API chose
/// (`/aws/_admin/connect/settings`, `throttle_error`); any other error is left alone.
fn throttle_code(state: &State, service: &str, mut e: AwsError) -> AwsError {
    if service == "connect"
        && e.status == StatusCode::TOO_MANY_REQUESTS
        && e.code == "ThrottlingException"
    {
        e.code = state
            .aws
            .connect
            .read(|d| d.throttle_code.as_str())
            .to_string();
    }
    e
}

/// Give every answer under `/aws` an `x-amzn-RequestId` (as every AWS answer has, success or
/// error, of every service and page) where its handler did not set one.
async fn request_id(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key("x-amzn-requestid") && !h.contains_key("x-amz-request-id") {
        if let Ok(v) = axum::http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            h.insert("x-amzn-requestid", v);
        }
    }
    resp
}

/// A path under `/aws` that no service serves: 404 in the JSON protocols' error shape.
async fn unknown_path(uri: axum::http::Uri) -> axum::response::Response {
    AwsError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!("The sandbox serves no AWS endpoint at {}.", uri.path()),
    )
    .into_rest_json()
}

/// Routes under `/aws`.
pub fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new()
        .route("/iam", post(iam::handle))
        .route("/iam/", post(iam::handle))
        .route("/sts", post(sts::handle).get(sts::handle))
        .route("/sts/", post(sts::handle).get(sts::handle))
        .route("/sso-admin", ops::json_route(&sso_admin::SERVICE))
        .route("/sso-admin/", ops::json_route(&sso_admin::SERVICE))
        .route(
            "/identitystore",
            ops::json_route(&identity_center::identitystore::SERVICE),
        )
        .route(
            "/identitystore/",
            ops::json_route(&identity_center::identitystore::SERVICE),
        )
        .nest("/identity-center/scim/v2", identity_center::scim::router())
        .route(
            "/identity-center/saml/sp-metadata",
            get(identity_center::portal::sp_metadata),
        )
        .route(
            "/identity-center/saml/metadata/{app}",
            get(identity_center::portal::app_metadata),
        )
        .route(
            "/identity-center/platform/saml/acs/{acs_id}",
            post(identity_center::portal::acs),
        )
        .route(
            "/identity-center/start",
            get(identity_center::portal::start),
        )
        .route(
            "/identity-center/start/",
            get(identity_center::portal::start),
        )
        .route(
            "/identity-center/start/applications/{app}",
            get(identity_center::portal::launch),
        )
        .route("/signin/saml", post(signin::post_saml))
        .route("/signin/saml/choose", post(signin::post_choice))
        .route("/console/home", get(signin::console_home))
        .route(
            "/console/connect/federate/{instance_id}",
            get(signin::federate),
        )
        .route(
            "/console/{region}/connect/federate/{instance_id}",
            get(signin::federate_regional),
        )
        .nest("/_admin", admin::router())
        // A nested router's fallback is not reached (axum issue #3138): an explicit catch-all.
        .route("/{*rest}", axum::routing::any(unknown_path))
        .with_state(state.clone())
        .nest("/connect", connect::router(state.clone()))
        .layer(axum::middleware::from_fn_with_state(state, persist_changes))
        .layer(axum::middleware::from_fn(request_id))
}
