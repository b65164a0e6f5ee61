//! AWS emulation: IAM, STS, AWS sign-in, console federation and Amazon Connect.
//!
//! Module ownership (each a file or folder of its own):
//! - `sigv4`: SigV4 verification of incoming requests → [`Caller`].
//! - `query`: awsQuery decoding and XML answers/errors shared by IAM and STS.
//! - `iam`: SAML providers, roles, inline policies, policy evaluation ([`iam::Iam::role_allows`]).
//! - `sts`: AssumeRoleWithSAML, GetCallerIdentity; issued session credentials.
//! - `signin`: AWS sign-in `POST /saml`, role chooser, console session, `/console/connect/federate/{id}`.
//! - `connect`: Amazon Connect restJson1 (instances, users, profiles, GetFederationToken, the agent page).
//! - `quota`: token buckets per API per account; `fault`: scripted faults; both used by every service.

use std::sync::{Arc, Mutex};

use crate::{Config, State};

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
            Caller::Admin { access_key_id, .. } => access_key_id.clone(),
            Caller::AssumedRole {
                role_id,
                session_name,
                ..
            } => format!("{role_id}:{session_name}"),
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
    /// Placeholder until the modules land; replace with `iam`, `sts`, `connect`, `quota`, `fault`.
    pub inner: Mutex<()>,
}

impl AwsState {
    /// Fresh state (or loaded from `config.state_file`).
    pub fn new(_config: &Config) -> anyhow::Result<Self> {
        Ok(Self {
            inner: Mutex::new(()),
        })
    }
}

/// Routes under `/aws`.
pub fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new().with_state(state)
}
