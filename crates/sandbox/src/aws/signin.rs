//! AWS sign-in (`POST /aws/signin/saml`, standing for `https://signin.aws.amazon.com/saml`):
//! validates the SAMLResponse as STS does, shows a role chooser when the assertion offers several
//! roles, opens a console session (cookie) and redirects to the relay state mapped to the
//! sandbox. `GET /aws/console/connect/federate/{id}` then federates the console session into
//! Amazon Connect.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use connect_sso_saml::aws::RolePair;
use serde::Deserialize;

use super::sts::{self, SamlLogin};
use super::{AwsError, Caller};
use crate::State;

/// Name of the console session cookie.
pub const COOKIE: &str = "aws-sandbox-console";

/// A signed-in console session.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    /// Who is signed in (an assumed role).
    pub caller: Caller,
    /// Unix time the session ends.
    pub expires_at: i64,
}

/// A sign-in waiting for the user to choose a role.
#[derive(Debug, Clone)]
struct PendingChoice {
    login: SamlLogin,
    relay_state: String,
    expires_at: i64,
}

/// Console sessions and pending role choices, by random token.
#[derive(Debug, Default)]
pub struct ConsoleSessions {
    sessions: HashMap<String, ConsoleSession>,
    pending: HashMap<String, PendingChoice>,
}

impl ConsoleSessions {
    /// The live session of a token.
    pub fn get(&self, token: &str, now: i64) -> Option<&ConsoleSession> {
        self.sessions.get(token).filter(|s| s.expires_at > now)
    }
}

fn token() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

/// An HTML page in the style of AWS sign-in's.
fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1>\n{body_html}\n</body></html>\n",
        t = crate::markup_escape(title)
    );
    let mut r = (status, html).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// The error page AWS sign-in shows for a refused SAML response.
fn error_page(e: &AwsError) -> Response {
    let (title, status) = match e.code.as_str() {
        "AccessDenied" => ("Not authorized", StatusCode::FORBIDDEN),
        _ => (
            "Your request included an invalid SAML response.",
            StatusCode::BAD_REQUEST,
        ),
    };
    page(
        status,
        title,
        &format!(
            "<p id=\"error_code\">{}</p>\n<p id=\"error_message\">{}</p>\n<p>To logout, <a href=\"/aws/console/logout\">click here</a>.</p>",
            crate::markup_escape(&e.code),
            crate::markup_escape(&e.message)
        ),
    )
}

/// The SAML POST binding form.
#[derive(Debug, Deserialize)]
pub struct SamlPost {
    /// Base64 response.
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    /// Relay state (the Connect federate URL, usually).
    #[serde(rename = "RelayState", default)]
    relay_state: String,
}

/// The role chooser form.
#[derive(Debug, Deserialize)]
pub struct Choice {
    /// Pending sign-in token.
    pending: String,
    /// Chosen `roleArn,providerArn`.
    #[serde(rename = "roleIndex")]
    role_index: String,
}

/// `POST /aws/signin/saml`.
pub async fn post_saml(
    AxState(state): AxState<Arc<State>>,
    Form(form): Form<SamlPost>,
) -> Response {
    let Some(saml) = form.saml_response.filter(|s| !s.is_empty()) else {
        return error_page(&AwsError::bad_request(
            "InvalidIdentityToken",
            "No SAMLResponse was posted.",
        ));
    };
    let login = match sts::validate_saml(&state, &saml, None) {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    if login.signin.roles.len() == 1 {
        let pair = login.signin.roles[0].clone();
        return open_session(&state, &login, &pair, &form.relay_state);
    }
    let now = state.aws.now().unix_timestamp();
    let pending = token();
    let mut rows = String::new();
    for r in &login.signin.roles {
        let value = format!("{},{}", r.role_arn, r.provider_arn);
        let account = r.role_arn.split(':').nth(4).unwrap_or_default();
        let name = r.role_arn.rsplit('/').next().unwrap_or_default();
        rows.push_str(&format!(
            "<div class=\"saml-role\"><label><input type=\"radio\" name=\"roleIndex\" value=\"{}\"> Account: {} — {}</label></div>\n",
            crate::markup_escape(&value),
            crate::markup_escape(account),
            crate::markup_escape(name)
        ));
    }
    {
        let mut c = state
            .aws
            .console
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        c.pending.retain(|_, p| p.expires_at > now);
        c.pending.insert(
            pending.clone(),
            PendingChoice {
                login,
                relay_state: form.relay_state,
                expires_at: now + 300,
            },
        );
    }
    page(
        StatusCode::OK,
        "Select a role:",
        &format!(
            "<form id=\"saml_form\" method=\"post\" action=\"/aws/signin/saml/choose\">\n<input type=\"hidden\" name=\"pending\" value=\"{pending}\">\n{rows}<button id=\"signin_button\" type=\"submit\">Sign in</button>\n</form>"
        ),
    )
}

/// `POST /aws/signin/saml/choose` (the role chooser's form).
pub async fn post_choice(
    AxState(state): AxState<Arc<State>>,
    Form(form): Form<Choice>,
) -> Response {
    let now = state.aws.now().unix_timestamp();
    let pending = state
        .aws
        .console
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .pending
        .remove(&form.pending)
        .filter(|p| p.expires_at > now);
    let Some(p) = pending else {
        return page(
            StatusCode::BAD_REQUEST,
            "Session expired",
            "<p>Your sign-in took too long. Sign in again from your identity provider.</p>",
        );
    };
    let Some((a, b)) = form.role_index.split_once(',') else {
        return error_page(&AwsError::access_denied(
            "Not authorized to perform sts:AssumeRoleWithSAML",
        ));
    };
    let pair = if a.contains(":role/") {
        RolePair {
            role_arn: a.into(),
            provider_arn: b.into(),
        }
    } else {
        RolePair {
            role_arn: b.into(),
            provider_arn: a.into(),
        }
    };
    open_session(&state, &p.login, &pair, &p.relay_state)
}

fn open_session(state: &State, login: &SamlLogin, pair: &RolePair, relay_state: &str) -> Response {
    let assumed = match sts::assume(state, login, pair, None) {
        Ok(a) => a,
        Err(e) => return error_page(&e),
    };
    let t = token();
    {
        let now = state.aws.now().unix_timestamp();
        let mut c = state
            .aws
            .console
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        c.sessions.retain(|_, s| s.expires_at > now);
        c.sessions.insert(
            t.clone(),
            ConsoleSession {
                caller: assumed.session.caller(),
                expires_at: assumed.session.expires_at,
            },
        );
    }
    let local = state.urls.to_local(relay_state);
    let target = if !relay_state.is_empty() && local.starts_with(state.urls.base()) {
        local
    } else {
        format!("{}/aws/console/home", state.urls.base())
    };
    let mut r = StatusCode::FOUND.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&target) {
        h.insert(header::LOCATION, v);
    }
    if let Ok(v) =
        HeaderValue::from_str(&format!("{COOKIE}={t}; Path=/aws; HttpOnly; SameSite=Lax"))
    {
        h.insert(header::SET_COOKIE, v);
    }
    r
}

fn session_from(state: &State, headers: &HeaderMap) -> Option<ConsoleSession> {
    let now = state.aws.now().unix_timestamp();
    let c = state
        .aws
        .console
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(|(k, _)| *k == COOKIE)
        .find_map(|(_, v)| c.get(v, now).cloned())
}

fn session_expired() -> Response {
    page(
        StatusCode::UNAUTHORIZED,
        "Session expired",
        "<p>Your session has expired. Sign in again through your identity provider.</p>",
    )
}

/// `GET /aws/console/home`: who is signed in.
pub async fn console_home(AxState(state): AxState<Arc<State>>, headers: HeaderMap) -> Response {
    match session_from(&state, &headers) {
        Some(s) => page(
            StatusCode::OK,
            "AWS Management Console",
            &format!(
                "<p id=\"signed_in_as\">{}</p>",
                crate::markup_escape(&s.caller.arn())
            ),
        ),
        None => session_expired(),
    }
}

/// `GET /aws/console/connect/federate/{instance_id}`: federate the console session into
/// Amazon Connect and redirect to its agent page.
pub async fn federate(
    AxState(state): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let Some(s) = session_from(&state, &headers) else {
        return session_expired();
    };
    // The relay state's `?destination=` (already URL-decoded by the extractor) picks the page
    // the agent lands on (FACTS.md §2).
    let destination = query.get("destination").map(String::as_str);
    match super::connect::federate_to(&state, &s.caller, &instance_id, destination) {
        Ok(url) => {
            let mut r = StatusCode::FOUND.into_response();
            if let Ok(v) = HeaderValue::from_str(&url) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(e) => page(
            e.status,
            if e.status == StatusCode::FORBIDDEN {
                "Access denied"
            } else {
                "Amazon Connect"
            },
            &format!(
                "<p id=\"error_code\">{}</p>\n<p id=\"error_message\">{}</p>",
                crate::markup_escape(&e.code),
                crate::markup_escape(&e.message)
            ),
        ),
    }
}
