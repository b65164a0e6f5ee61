use std::fmt;
use std::time::Duration;

use crate::Error;

/// A secret string (client secret, access token). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    /// The secret itself, for putting on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the adapter authenticates to Microsoft Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// OAuth2 client credentials of an app registration with the Graph application permissions
    /// Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All,
    /// Policy.ReadWrite.ApplicationConfiguration (+ Group.Read.All, User.Read.All for sync).
    ClientSecret {
        /// Application (client) ID.
        client_id: String,
        /// Client secret.
        client_secret: Secret,
    },
    /// A ready bearer token (e.g. from `az account get-access-token --resource-type ms-graph`).
    AccessToken(Secret),
    /// Ask the signed-in Azure CLI for a Graph token (`az account get-access-token`), when it
    /// is installed and no other credentials are set.
    AzureCli,
}

/// Retry behaviour for throttling and transient failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (first try included).
    pub max_attempts: u32,
    /// First backoff; doubled each retry, with full jitter.
    pub base_delay: Duration,
    /// Upper bound of one backoff, and of a `Retry-After` on a 500, 502 or 504. A 429's or
    /// 503's `Retry-After` is honoured in full up to [`crate::gate::MAX_RETRY_AFTER`], for
    /// every caller sharing the gate ([`crate::gate`]).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl Credentials {
    /// The application (client) ID, where the credentials name one (`""` for a ready access
    /// token or the Azure CLI): with the tenant, the key of the process-wide
    /// [`crate::gate::shared`] gate.
    pub fn client_id(&self) -> &str {
        match self {
            Credentials::ClientSecret { client_id, .. } => client_id,
            Credentials::AccessToken(_) | Credentials::AzureCli => "",
        }
    }
}

/// Where and how to reach Entra ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraConfig {
    /// Directory (tenant) ID.
    pub tenant_id: String,
    /// Login host, without trailing slash: `https://login.microsoftonline.com` or the sandbox's.
    pub login_url: String,
    /// Graph root, without trailing slash and without `/v1.0`: `https://graph.microsoft.com`.
    pub graph_url: String,
    /// Credentials.
    pub credentials: Credentials,
    /// Retry behaviour.
    pub retry: RetryPolicy,
}

impl EntraConfig {
    /// Default login host.
    pub const LOGIN_URL: &'static str = "https://login.microsoftonline.com";
    /// Default Graph root.
    pub const GRAPH_URL: &'static str = "https://graph.microsoft.com";

    /// Configuration from the environment: `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET` (or
    /// `AZURE_ACCESS_TOKEN`), endpoints from `CONNECT_SSO_ENTRA_LOGIN_URL` / `CONNECT_SSO_GRAPH_URL`
    /// (set by `connect-sso sandbox env`). `tenant_id` comes from the spec, or `AZURE_TENANT_ID`.
    pub fn from_env(tenant_id: Option<&str>) -> Result<Self, Error> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let tenant_id = match tenant_id
            .map(str::to_string)
            .or_else(|| var("AZURE_TENANT_ID"))
        {
            Some(t) => t,
            None => {
                return Err(Error::Config(
                    "no tenant ID: set entra.tenant_id in the spec or AZURE_TENANT_ID".into(),
                ));
            }
        };
        let credentials = match (
            var("AZURE_CLIENT_ID"),
            var("AZURE_CLIENT_SECRET"),
            var("AZURE_ACCESS_TOKEN"),
        ) {
            (Some(client_id), Some(secret), _) => Credentials::ClientSecret {
                client_id,
                client_secret: Secret::new(secret),
            },
            (_, _, Some(token)) => Credentials::AccessToken(Secret::new(token)),
            _ if azure_cli_present() => Credentials::AzureCli,
            _ => {
                return Err(Error::Config(
                    "no Entra credentials: set AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (of an app \
                     registration), or AZURE_ACCESS_TOKEN, or sign in with the Azure CLI (`az login`)"
                        .into(),
                ));
            }
        };
        Ok(Self {
            tenant_id,
            login_url: var("CONNECT_SSO_ENTRA_LOGIN_URL").unwrap_or_else(|| Self::LOGIN_URL.into()),
            graph_url: var("CONNECT_SSO_GRAPH_URL").unwrap_or_else(|| Self::GRAPH_URL.into()),
            credentials,
            retry: RetryPolicy::default(),
        })
    }

    /// The token endpoint of the tenant.
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.login_url.trim_end_matches('/'),
            self.tenant_id
        )
    }

    /// The federation metadata URL of an app (docs/facts.md §4.7).
    pub fn federation_metadata_url(&self, app_id: &str) -> String {
        format!(
            "{}/{}/federationmetadata/2007-06/federationmetadata.xml?appid={app_id}",
            self.login_url.trim_end_matches('/'),
            self.tenant_id
        )
    }

    /// The scope to request: `<graph root>/.default`. Against the sandbox the real Graph scope
    /// is still requested, as a client would.
    pub fn scope(&self) -> String {
        format!("{}/.default", Self::GRAPH_URL)
    }
}

/// True when an `az` executable is on the PATH.
fn azure_cli_present() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("az").is_file()))
}
