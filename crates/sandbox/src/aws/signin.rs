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

use super::sts::{self, SamlLogin, TrustedProvider};
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
        "RequestEntityTooLarge" => ("Request too large", e.status),
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

/// The SAML POST binding form as AWS sign-in reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SamlPost {
    /// The base64 `SAMLResponse` (`None` when absent or empty).
    pub saml_response: Option<String>,
    /// Relay state (the Connect federate URL, usually); empty when absent.
    pub relay_state: String,
}

impl SamlPost {
    /// Read an `application/x-www-form-urlencoded` body. Never fails: the first
    /// `SAMLResponse` and `RelayState` count, other fields are ignored, and bytes that are not
    /// a form simply hold no `SAMLResponse` (percent-decoding is lossy, as a browser's).
    pub fn parse(body: &[u8]) -> Self {
        let mut post = Self::default();
        let (mut saw_response, mut saw_relay) = (false, false);
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "SAMLResponse" if !saw_response => {
                    saw_response = true;
                    post.saml_response = Some(v.into_owned()).filter(|s| !s.is_empty());
                }
                "RelayState" if !saw_relay => {
                    saw_relay = true;
                    post.relay_state = v.into_owned();
                }
                _ => {}
            }
        }
        post
    }
}

/// A SAML response AWS sign-in accepted, with the relay state posted beside it.
#[derive(Debug, Clone)]
pub struct AcceptedPost {
    /// The verified login (roles, RoleSessionName, SessionDuration).
    pub login: SamlLogin,
    /// The posted `RelayState` (empty when absent).
    pub relay_state: String,
}

/// The pure part of `POST /aws/signin/saml`, from the form body to a verified login: read the
/// form ([`SamlPost::parse`]), refuse a missing, over-long ([`sts::decode_saml_value`]: more
/// than 100,000 characters, checked before decoding) or non-base64 `SAMLResponse`, then verify
/// it against `providers` at `now` ([`sts::verify_saml`]). The handler calls it with the
/// account's SAML providers and the sandbox's clock; the fuzz target calls it directly.
pub fn accept_saml_post(
    body: &[u8],
    providers: &[TrustedProvider],
    now: time::OffsetDateTime,
) -> Result<AcceptedPost, AwsError> {
    let form = SamlPost::parse(body);
    let Some(saml) = form.saml_response else {
        return Err(AwsError::bad_request(
            "InvalidIdentityToken",
            "No SAMLResponse was posted.",
        ));
    };
    let xml = sts::decode_saml_value(&saml)?;
    let login = sts::verify_saml(&xml, providers, now)?;
    Ok(AcceptedPost {
        login,
        relay_state: form.relay_state,
    })
}

/// The role chooser form (a missing field reads as empty: the page then says why).
#[derive(Debug, Deserialize)]
pub struct Choice {
    /// Pending sign-in token.
    #[serde(default)]
    pending: String,
    /// Chosen `roleArn,providerArn`.
    #[serde(rename = "roleIndex", default)]
    role_index: String,
}

/// `POST /aws/signin/saml`: the form is read here (not by axum's `Form` extractor, whose
/// refusals are plain text) so that every refusal is AWS sign-in's error page: 413 above
/// [`super::MAX_SAML_BODY_BYTES`], 400 for a refused SAML response.
pub async fn post_saml(
    AxState(state): AxState<Arc<State>>,
    req: axum::extract::Request,
) -> Response {
    let Ok(body) = axum::body::to_bytes(req.into_body(), super::MAX_SAML_BODY_BYTES).await else {
        return error_page(&AwsError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!(
                "The request is larger than the {} bytes AWS sign-in reads.",
                super::MAX_SAML_BODY_BYTES
            ),
        ));
    };
    let providers = sts::trusted_providers(&state, None);
    let (login, relay_state) = match accept_saml_post(&body, &providers, state.aws.now()) {
        Ok(a) => (a.login, a.relay_state),
        Err(e) => return error_page(&e),
    };
    if login.signin.roles.len() == 1 {
        let pair = login.signin.roles[0].clone();
        return open_session(&state, &login, &pair, &relay_state);
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
        let mut c = state.aws.console_lock();
        c.pending.retain(|_, p| p.expires_at > now);
        c.pending.insert(
            pending.clone(),
            PendingChoice {
                login,
                relay_state,
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
    form: Result<Form<Choice>, axum::extract::rejection::FormRejection>,
) -> Response {
    // A body that is not the chooser's form (wrong type, too large, not a form) is shown
    // like an unknown pending sign-in: AWS sign-in's page, never axum's plain text.
    let form = form.map_or_else(
        |_| Choice {
            pending: String::new(),
            role_index: String::new(),
        },
        |Form(f)| f,
    );
    let now = state.aws.now().unix_timestamp();
    let pending = state
        .aws
        .console_lock()
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
        let mut c = state.aws.console_lock();
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
    let c = state.aws.console_lock();
    crate::cookie_values(headers, COOKIE).find_map(|v| c.get(v, now).cloned())
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

/// The query of a console federate URL (`?destination=…`, already URL-decoded).
type FederateQuery = axum::extract::Query<std::collections::HashMap<String, String>>;

/// `GET /aws/console/connect/federate/{instance_id}` (the console without a Region in its
/// host, `console.aws.amazon.com` or GovCloud's: the sandbox's Region): federate the console
/// session into Amazon Connect and redirect to its agent page.
pub async fn federate(
    AxState(state): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    query: FederateQuery,
    headers: HeaderMap,
) -> Response {
    federate_at(&state, None, &instance_id, &query, &headers)
}

/// `GET /aws/console/{region}/connect/federate/{instance_id}` (the console at
/// `<region>.console.aws.amazon.com`, see [`crate::Urls::to_local`]): the instance is looked up
/// in that Region only.
pub async fn federate_regional(
    AxState(state): AxState<Arc<State>>,
    Path((region, instance_id)): Path<(String, String)>,
    query: FederateQuery,
    headers: HeaderMap,
) -> Response {
    federate_at(&state, Some(&region), &instance_id, &query, &headers)
}

fn federate_at(
    state: &State,
    region: Option<&str>,
    instance_id: &str,
    query: &FederateQuery,
    headers: &HeaderMap,
) -> Response {
    let Some(s) = session_from(state, headers) else {
        return session_expired();
    };
    // The relay state's `?destination=` (already URL-decoded by the extractor) picks the page
    // the agent lands on (docs/facts.md §2).
    let destination = query.get("destination").map(String::as_str);
    match super::connect::federate_in(state, &s.caller, region, instance_id, destination) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_read_leniently_and_the_first_field_counts() {
        let p = SamlPost::parse(b"SAMLResponse=PHg%2B&RelayState=a%20b&SAMLResponse=other");
        assert_eq!(p.saml_response.as_deref(), Some("PHg+"));
        assert_eq!(p.relay_state, "a b");
        assert_eq!(SamlPost::parse(b"\xff\x00%%%="), SamlPost::default());
        assert_eq!(SamlPost::parse(b"SAMLResponse=").saml_response, None);
    }

    #[test]
    fn every_refusal_of_the_form_path_is_an_aws_error() {
        let now = time::OffsetDateTime::now_utc();
        let cases: [(&[u8], &str); 4] = [
            (b"", "InvalidIdentityToken"),
            (b"SAMLResponse=%%%", "InvalidIdentityToken"),
            (b"SAMLResponse=PHg%2BPC94Pg%3D%3D", "InvalidIdentityToken"),
            (b"RelayState=x", "InvalidIdentityToken"),
        ];
        for (body, code) in cases {
            let e = accept_saml_post(body, &[], now).expect_err("refused");
            assert_eq!(e.code, code, "{}", String::from_utf8_lossy(body));
        }
        let long = format!("SAMLResponse={}", "A".repeat(100_001));
        let e = accept_saml_post(long.as_bytes(), &[], now).expect_err("too long");
        assert_eq!(e.code, "ValidationError");
    }
}
