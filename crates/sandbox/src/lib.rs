//! Local emulators of Microsoft Entra ID and AWS, served on loopback behind their real wire
//! protocols, so that unmodified clients (aws-sdk-rust, the AWS CLI, boto3, our Graph client,
//! a browser) can run the whole connect-sso mission with no cloud account.
//!
//! One process, one port. Services are told apart by path prefix:
//!
//! | prefix | service | protocol |
//! | --- | --- | --- |
//! | `/aws/iam/` | IAM | awsQuery (form POST, XML answers) |
//! | `/aws/sts/` | STS | awsQuery |
//! | `/aws/connect/` | Amazon Connect | restJson1 |
//! | `/aws/sso-admin/` | IAM Identity Center admin | awsJson1_1 |
//! | `/aws/signin/saml` | AWS sign-in (SAML ACS) | HTML forms |
//! | `/aws/console/connect/federate/{id}` | console federation into Connect | HTML, cookies |
//! | `/entra/{tenant}/oauth2/v2.0/token` | Entra token endpoint | OAuth2 form POST |
//! | `/entra/graph/v1.0/` | Microsoft Graph | JSON |
//! | `/entra/{tenant}/federationmetadata/…` | Entra federation metadata (per app, signed) | XML |
//! | `/entra/{tenant}/signin/{appId}` | IdP-initiated sign-in (what the My Apps tile opens) | HTML |
//! | `/entra/{tenant}/saml2` | SP-initiated sign-in (AuthnRequest, redirect binding) | HTML |
//! | `/entra/{tenant}/login` | the sign-in form's target | HTML |
//! | `/aws/connect/app/{id}/…` | the emulated Connect agent page | HTML |
//! | `/aws/_admin/` | AWS admin: quotas, faults, clock, state | JSON |
//! | `/entra/_sandbox/` | Entra admin: consistency delay, stale reads, signing options, throttling, clock | JSON |
//!
//! Both sides read one [`Clock`] (wall time plus a movable offset), so moving it through
//! either admin API moves Entra's tokens, SAML assertions and sessions and AWS's credentials
//! and sign-in sessions together.
//!
//! The sandbox never depends on the engine or the adapters: it is a peer reached over HTTP.
//! Real AWS and Entra URLs that appear inside messages (the AWS sign-in ACS, the console
//! federate relay state, `login.microsoftonline.com`) are kept as they are in the messages
//! and mapped to local URLs only where a browser is sent ([`Urls::to_local`]).

pub mod aws;
pub mod clock;
pub mod entra;
mod urls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use clock::Clock;
pub use urls::Urls;

/// The values of the request's cookies named `name` (every `Cookie` header, in order).
pub(crate) fn cookie_values<'a>(
    headers: &'a axum::http::HeaderMap,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Escape text for XML or HTML character data and double- or single-quoted attribute values
/// (`&#39;` rather than `&apos;`, which HTML 4 lacks). Every page and XML answer uses it.
pub(crate) fn markup_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Test credentials the AWS emulation accepts (SigV4). Any other access key is refused.
pub const TEST_ACCESS_KEY_ID: &str = "AKIASANDBOXTEST00001";
/// Secret for [`TEST_ACCESS_KEY_ID`]. Not a secret: it only opens the local sandbox.
pub const TEST_SECRET_ACCESS_KEY: &str = "sandbox/secret/key/not/a/real/secret0000";
/// The emulated AWS account.
pub const TEST_ACCOUNT_ID: &str = "111122223333";
/// Access key of the management account (IAM Identity Center's), a second account beside
/// [`TEST_ACCOUNT_ID`], where Connect lives.
pub const MANAGEMENT_ACCESS_KEY_ID: &str = "AKIASANDBOXMGMT00001";
/// Secret for [`MANAGEMENT_ACCESS_KEY_ID`]. Not a secret: it only opens the local sandbox.
pub const MANAGEMENT_SECRET_ACCESS_KEY: &str = "sandbox/secret/key/management/account00";
/// The management account (IAM Identity Center).
pub const MANAGEMENT_ACCOUNT_ID: &str = "999988887777";
/// Default region.
pub const TEST_REGION: &str = "us-east-1";

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free one. Must be loopback unless the caller insists.
    pub bind: SocketAddr,
    /// Keep state in this JSON file (loaded at start, written after each change). `None`: memory only.
    pub state_file: Option<PathBuf>,
    /// Number of extra generated users in the default tenant (for benchmarks).
    pub extra_users: usize,
    /// Seed the default demo tenant (users, groups, an app registration for the tool).
    pub seed_demo: bool,
    /// How many users a Connect instance may have (AWS's adjustable "Users per instance"
    /// quota). `None`: what the state file says, else AWS's default of 500.
    pub connect_user_limit: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            state_file: None,
            extra_users: 0,
            seed_demo: true,
            connect_user_limit: None,
        }
    }
}

/// A running sandbox. Dropping it does not stop the server; call [`Sandbox::shutdown`].
pub struct Sandbox {
    urls: Urls,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// Shared state (for in-process inspection in tests).
    pub state: Arc<State>,
}

/// All emulated state, behind per-service locks.
pub struct State {
    /// AWS side: IAM, STS, Connect, sign-in sessions, quotas, faults.
    pub aws: aws::AwsState,
    /// Entra side: tenants, apps, service principals, users, groups, keys.
    pub entra: entra::EntraState,
    /// Where messages' real URLs map to.
    pub urls: Urls,
    /// The one clock both sides read ([`Clock`]); `POST /aws/_admin/clock` and
    /// `POST /entra/_sandbox/clock` move it.
    pub clock: Clock,
}

impl Sandbox {
    /// Bind and serve in the current tokio runtime.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let urls = Urls::new(format!("http://{addr}"));
        let clock = Clock::new();
        let state = Arc::new(State {
            aws: aws::AwsState::new(&config, clock.clone())?,
            entra: entra::EntraState::new(&config, clock.now())?,
            urls: urls.clone(),
            clock,
        });
        let app = axum::Router::new()
            .nest("/aws", aws::router(state.clone()))
            .nest("/entra", entra::router(state.clone()))
            .layer(axum::middleware::from_fn(log_request));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
        });
        Ok(Self {
            urls,
            shutdown: Some(tx),
            task,
            state,
        })
    }

    /// The URLs clients use.
    pub fn urls(&self) -> &Urls {
        &self.urls
    }

    /// Environment variables for unmodified AWS clients and for our Entra adapter.
    pub fn env(&self) -> Vec<(String, String)> {
        self.urls.env()
    }

    /// Stop serving and wait for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = self.task.await;
    }
}

/// Log each request answered: method, path (never the query, which can carry SAML messages
/// and tokens), status and latency. `connect-sso sandbox serve` shows these at its default
/// verbosity.
async fn log_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::info!(
        "{method} {path} → {} in {:.1} ms",
        resp.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    resp
}
