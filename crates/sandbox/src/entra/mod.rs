//! Microsoft Entra ID emulation: token endpoint, Graph subset, federation metadata, SAML IdP.
//!
//! Routes (all under `/entra`):
//!
//! | route | what |
//! | --- | --- |
//! | `POST /{tenant}/oauth2/v2.0/token` | client credentials token endpoint ([`token`]) |
//! | `/graph/v1.0/…` | Microsoft Graph subset ([`graph`]) |
//! | `GET /{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid=…` | signed per-app metadata ([`idp`]) |
//! | `GET /{tenant}/signin/{appId}` | IdP-initiated sign-in (what the My Apps tile launches) |
//! | `GET, POST /{tenant}/saml2` | SP-initiated sign-in (HTTP-Redirect or HTTP-POST `SAMLRequest`) |
//! | `POST /{tenant}/login` | the sign-in page's form target |
//! | `PUT /_sandbox/consistency` | `{"delayMs": n, "staleReadMs": m}` (either or both): objects created through Graph stay invisible for n ms; after a PATCH to an application or service principal, Graph reads (by ID and in lists) return the previous representation for m ms (sandbox clock) |
//! | `POST /_sandbox/clock` | `{"advance_seconds": s}`: move the sandbox clock (both sides; the same as `POST /aws/_admin/clock`) |
//! | `PUT /_sandbox/servicePrincipals/{id}/signing` | `{"sha1": bool, "signResponse": bool}` (portal-only settings) |
//! | `PUT /_sandbox/throttle` | `{"requests": n, "retryAfterSeconds": s}`: the next n Graph requests answer 429 |
//! | `GET /_sandbox/requests` | requests per route since the start or the last reset: `{"GET /graph/v1.0/applications": 3, …}` (the `/_sandbox` routes are not counted) |
//! | `DELETE /_sandbox/requests` | reset those counts |
//! | `PUT /_sandbox/servicePrincipals/{id}/basicSamlConfiguration` | `{"identifier": …, "replyUrl": …, "relayState": …}` (each optional): what a person saves on the portal's Basic SAML Configuration page (the app's identifier URIs and redirect URIs, the service principal's relay state) |
//!
//! `{tenant}` is the tenant ID or one of its domains. The seeded tenant and the credentials
//! of the tool's own app registration are the constants of this module.

pub mod graph;
pub mod idp;
pub mod model;
mod seed;
pub mod token;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Json;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use time::OffsetDateTime;

use crate::{Config, State};
use model::Directory;

pub use seed::{
    ADMIN_APP_ID, ADMIN_CLIENT_SECRET, DEFAULT_TENANT_DOMAIN, DEFAULT_TENANT_ID, DEMO_PASSWORD,
    EXTRA_CASE_COLLISION_EVERY, EXTRA_GUEST_EVERY, EXTRA_NESTED_EVERY, GROUP_AGENTS_ID,
    GROUP_NESTED_AGENTS_ID, GROUP_SUPERVISORS_ID, READONLY_APP_ID, READONLY_CLIENT_SECRET,
    TOOL_APP_ID, TOOL_CLIENT_SECRET, USER_ALICE_ID, USER_ALICE_UPN, USER_BOB_ID, USER_BOB_UPN,
    USER_CAROL_ID, USER_CAROL_UPN, USER_GUEST_ID, USER_GUEST_UPN, extra_user_id, extra_user_upn,
};

/// The non-gallery ("custom") SAML application template (docs/facts.md §4, Graph step 1).
pub const CUSTOM_APP_TEMPLATE_ID: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
/// The same template in US Government clouds.
pub const CUSTOM_APP_TEMPLATE_ID_USGOV: &str = "4602d0b4-76bb-404b-bca9-2652e1a39c6d";
/// The same template in Azure China.
pub const CUSTOM_APP_TEMPLATE_ID_CHINA: &str = "5a532e38-1581-4918-9658-008dc27c1d68";

/// Entra-side state: the directory (persisted) and browser sessions (memory only).
pub struct EntraState {
    dir: Mutex<Directory>,
    web: Mutex<WebSessions>,
    state_file: Option<PathBuf>,
    throttle: Mutex<Throttle>,
    requests: Mutex<std::collections::BTreeMap<String, u64>>,
}

/// Scripted Graph throttling (not persisted).
#[derive(Debug, Default, Clone, Copy)]
struct Throttle {
    remaining: u64,
    retry_after_seconds: u64,
}

/// Sign-ins in progress and signed-in browsers (not persisted).
#[derive(Default)]
pub(crate) struct WebSessions {
    /// Pending sign-ins by context ID (the hidden `ctx` field of the sign-in page).
    pub pending: HashMap<String, idp::PendingSignIn>,
    /// Signed-in browser sessions by `ESTSAUTH` cookie value.
    pub sessions: HashMap<String, idp::BrowserSession>,
}

impl EntraState {
    /// Fresh state (seeded per `config` at `now`, the sandbox clock's time), or loaded from
    /// `<config.state_file>.entra.json` when that file exists.
    pub fn new(config: &Config, now: OffsetDateTime) -> anyhow::Result<Self> {
        let state_file = config.state_file.as_ref().map(|p| {
            let mut s = p.clone().into_os_string();
            s.push(".entra.json");
            PathBuf::from(s)
        });
        let dir = match &state_file {
            Some(path) if path.exists() => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("could not read Entra sandbox state {}: {e}", path.display())
                })?;
                serde_json::from_str(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "Entra sandbox state {} is not valid ({e}); delete it to start fresh",
                        path.display()
                    )
                })?
            }
            _ => seed::directory(config, now),
        };
        let state = Self {
            dir: Mutex::new(dir),
            web: Mutex::new(WebSessions::default()),
            state_file,
            throttle: Mutex::new(Throttle::default()),
            requests: Mutex::new(std::collections::BTreeMap::new()),
        };
        state.save();
        Ok(state)
    }

    /// Lock the directory (poisoning is ignored: every change is applied whole or not at all).
    pub fn dir(&self) -> MutexGuard<'_, Directory> {
        self.dir.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn requests_lock(&self) -> MutexGuard<'_, std::collections::BTreeMap<String, u64>> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn web(&self) -> MutexGuard<'_, WebSessions> {
        self.web.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// If a scripted throttle is active, use up one request of it and return the
    /// `Retry-After` seconds to answer with.
    pub(crate) fn take_throttle(&self) -> Option<u64> {
        let mut t = self.throttle.lock().unwrap_or_else(|e| e.into_inner());
        (t.remaining > 0).then(|| {
            t.remaining -= 1;
            t.retry_after_seconds
        })
    }

    /// Where the Entra state is persisted, if anywhere.
    pub fn state_file(&self) -> Option<&std::path::Path> {
        self.state_file.as_deref()
    }

    /// Write the directory to the state file (if configured). Failures are logged, not fatal.
    pub fn save(&self) {
        let Some(path) = &self.state_file else {
            return;
        };
        let text = match serde_json::to_string(&*self.dir()) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!("could not serialise Entra sandbox state: {e}");
                return;
            }
        };
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)) {
            tracing::warn!(
                "could not write Entra sandbox state {}: {e}",
                path.display()
            );
        }
    }
}

impl serde::Serialize for EntraState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.dir().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for EntraState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let dir = Directory::deserialize(d)?;
        Ok(Self {
            dir: Mutex::new(dir),
            web: Mutex::new(WebSessions::default()),
            state_file: None,
            throttle: Mutex::new(Throttle::default()),
            requests: Mutex::new(std::collections::BTreeMap::new()),
        })
    }
}

/// Routes under `/entra`.
pub fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_endpoint))
        .route(
            "/{tenant}/federationmetadata/2007-06/federationmetadata.xml",
            get(idp::federation_metadata),
        )
        .route("/{tenant}/signin/{app_id}", get(idp::idp_initiated))
        .route(
            "/{tenant}/saml2",
            get(idp::saml2_redirect).post(idp::saml2_post),
        )
        .route("/{tenant}/login", post(idp::login_submit))
        .route("/_sandbox/consistency", put(set_consistency))
        .route("/_sandbox/clock", post(advance_clock))
        .route("/_sandbox/throttle", put(set_throttle))
        .route("/_sandbox/requests", get(requests).delete(reset_requests))
        .route(
            "/_sandbox/servicePrincipals/{id}/basicSamlConfiguration",
            put(set_basic_saml_configuration),
        )
        .route(
            "/_sandbox/servicePrincipals/{id}/signing",
            put(set_signing_options),
        )
        .nest(
            "/graph/v1.0",
            graph::router().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                graph::stamp_errors,
            )),
        )
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

/// Count a request under its route (`METHOD /template`), except the sandbox's own routes.
async fn count(
    AxState(state): AxState<Arc<State>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().trim_start_matches("/entra").to_string());
    if let Some(route) = route.filter(|r| !r.starts_with("/_sandbox")) {
        let key = format!("{} {route}", req.method());
        *state.entra.requests_lock().entry(key).or_insert(0) += 1;
    }
    next.run(req).await
}

async fn requests(AxState(state): AxState<Arc<State>>) -> Response {
    Json(state.entra.requests_lock().clone()).into_response()
}

async fn reset_requests(AxState(state): AxState<Arc<State>>) -> Response {
    state.entra.requests_lock().clear();
    Json(serde_json::json!({})).into_response()
}

/// What the portal's Basic SAML Configuration page saves.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BasicSamlConfiguration {
    identifier: Option<String>,
    reply_url: Option<String>,
    relay_state: Option<String>,
}

/// `PUT /_sandbox/servicePrincipals/{id}/basicSamlConfiguration`: a person saving the page.
async fn set_basic_saml_configuration(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<String>,
    Json(body): Json<BasicSamlConfiguration>,
) -> Response {
    let saved = {
        let mut dir = state.entra.dir();
        let Some(tenant) = dir.tenants.iter_mut().find(|t| {
            t.service_principals
                .iter()
                .any(|s| s.id.eq_ignore_ascii_case(&id) || s.app_id.eq_ignore_ascii_case(&id))
        }) else {
            return (
                StatusCode::NOT_FOUND,
                Json(serde_json::json!({"error": format!("no service principal {id}")})),
            )
                .into_response();
        };
        let sp = tenant
            .service_principals
            .iter_mut()
            .find(|s| s.id.eq_ignore_ascii_case(&id) || s.app_id.eq_ignore_ascii_case(&id));
        let app_id = sp.as_ref().map(|s| s.app_id.clone()).unwrap_or_default();
        if let (Some(sp), Some(relay)) = (sp, &body.relay_state) {
            sp.relay_state = Some(relay.clone()).filter(|r| !r.is_empty());
        }
        if let Some(app) = tenant.applications.iter_mut().find(|a| a.app_id == app_id) {
            if let Some(identifier) = &body.identifier {
                app.identifier_uris = vec![identifier.clone()];
            }
            if let Some(reply) = &body.reply_url {
                app.redirect_uris = vec![reply.clone()];
            }
        }
        true
    };
    state.entra.save();
    (StatusCode::OK, Json(serde_json::json!({"saved": saved}))).into_response()
}

/// `PUT /_sandbox/consistency`: a field left out keeps its current setting.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConsistencyBody {
    delay_ms: Option<u64>,
    stale_read_ms: Option<u64>,
}

async fn set_consistency(
    AxState(state): AxState<Arc<State>>,
    Json(body): Json<ConsistencyBody>,
) -> Response {
    let (delay_ms, stale_read_ms) = {
        let mut dir = state.entra.dir();
        if let Some(ms) = body.delay_ms {
            dir.consistency_delay_ms = ms;
        }
        if let Some(ms) = body.stale_read_ms {
            dir.stale_read_ms = ms;
        }
        (dir.consistency_delay_ms, dir.stale_read_ms)
    };
    state.entra.save();
    (
        StatusCode::OK,
        Json(serde_json::json!({"delayMs": delay_ms, "staleReadMs": stale_read_ms})),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct ClockBody {
    advance_seconds: i64,
}

/// `POST /_sandbox/clock {"advance_seconds": s}`: move the sandbox's one clock.
async fn advance_clock(
    AxState(state): AxState<Arc<State>>,
    Json(body): Json<ClockBody>,
) -> Response {
    state.clock.advance(body.advance_seconds);
    (
        StatusCode::OK,
        Json(serde_json::json!({"now": graph_time(state.clock.now())})),
    )
        .into_response()
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ThrottleBody {
    requests: u64,
    #[serde(default = "one")]
    retry_after_seconds: u64,
}

fn one() -> u64 {
    1
}

async fn set_throttle(
    AxState(state): AxState<Arc<State>>,
    Json(body): Json<ThrottleBody>,
) -> Response {
    *state
        .entra
        .throttle
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Throttle {
        remaining: body.requests,
        retry_after_seconds: body.retry_after_seconds,
    };
    (StatusCode::OK, Json(body)).into_response()
}

async fn set_signing_options(
    AxState(state): AxState<Arc<State>>,
    Path(id): Path<String>,
    Json(body): Json<model::SamlSigningOptions>,
) -> Response {
    {
        let mut dir = state.entra.dir();
        let sp = dir
            .tenants
            .iter_mut()
            .flat_map(|t| t.service_principals.iter_mut())
            .find(|s| s.id.eq_ignore_ascii_case(&id) || s.app_id.eq_ignore_ascii_case(&id));
        match sp {
            Some(sp) => sp.saml_signing = body,
            None => {
                return (
                    StatusCode::NOT_FOUND,
                    Json(serde_json::json!({"error": format!("no service principal {id}")})),
                )
                    .into_response();
            }
        }
    }
    state.entra.save();
    (StatusCode::OK, Json(body)).into_response()
}

/// A new GUID, lower-case.
pub(crate) fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Graph's timestamp format: `2024-01-25T19:25:56Z`.
pub(crate) fn graph_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parse Graph/ISO 8601 timestamps (`2027-01-01T00:00:00Z`, with or without fraction/offset).
pub(crate) fn parse_graph_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// Random bytes as unpadded base64url.
pub(crate) fn random_b64url(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 hex.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data))
}
