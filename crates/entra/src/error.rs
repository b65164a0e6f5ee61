/// What can go wrong talking to Entra ID.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Missing or invalid configuration (credentials, tenant).
    #[error("{0}")]
    Config(String),
    /// The token endpoint refused the credentials (`AADSTS…` codes).
    #[error("Entra refused the credentials: {error}: {description}")]
    Token {
        /// OAuth2 error, e.g. `invalid_client`.
        error: String,
        /// `error_description`, starting with the AADSTS code.
        description: String,
    },
    /// Graph answered with an error.
    #[error("Microsoft Graph {method} {path} failed with {status} {code}: {message}")]
    Graph {
        /// HTTP method.
        method: String,
        /// Path (without host), query included.
        path: String,
        /// HTTP status.
        status: u16,
        /// Graph error code, e.g. `Request_ResourceNotFound`, `Authorization_RequestDenied`.
        code: String,
        /// Graph's message.
        message: String,
        /// `request-id` header, for Microsoft support.
        request_id: Option<String>,
    },
    /// Could not reach the endpoint (after retries).
    #[error("could not reach {url}: {source}")]
    Transport {
        /// The URL.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// An answer could not be decoded.
    #[error("unexpected answer from {url}: {detail}")]
    Decode {
        /// The URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// An object did not become visible in time (Graph is eventually consistent).
    #[error("{what} did not become visible within {seconds} s (Graph replication delay)")]
    NotVisible {
        /// The object.
        what: String,
        /// How long we waited.
        seconds: u64,
    },
}

impl Error {
    /// True for Graph's 404 (`Request_ResourceNotFound` and friends).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Graph { status: 404, .. })
    }

    /// A hint for a person, where the error has a usual cause.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Token { description, .. } if description.starts_with("AADSTS7000215") => Some(
                "the client secret is wrong or expired: create a new one under Certificates & secrets",
            ),
            Error::Token { description, .. } if description.starts_with("AADSTS700016") => Some(
                "no app with this client ID in the tenant: check AZURE_CLIENT_ID and AZURE_TENANT_ID",
            ),
            Error::Graph { status: 403, .. } => Some(
                "the app registration lacks a Graph permission or admin consent: it needs \
                 Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All and \
                 Policy.ReadWrite.ApplicationConfiguration (application permissions, consented)",
            ),
            Error::Graph { status: 401, .. } => Some("the access token is invalid or expired"),
            _ => None,
        }
    }
}
