//! The SAML identity provider: federation metadata, the sign-in page, and the signed
//! Response posted to the application's reply URL.
//!
//! Two ways in:
//! - IdP-initiated, as the My Apps tile does: `GET /entra/{tenant}/signin/{appId}`. The
//!   response goes to the app's first reply URL with `samlSingleSignOnSettings.relayState`.
//! - SP-initiated: `GET /entra/{tenant}/saml2?SAMLRequest=…&RelayState=…` (HTTP-Redirect) or
//!   `POST /entra/{tenant}/saml2` (HTTP-POST). The app is found by the request's `Issuer`
//!   among `identifierUris`; `AssertionConsumerServiceURL`, when given, must be a reply URL.
//!
//! Without a browser session (cookie `ESTSAUTH`) the sign-in page asks for user name
//! (`loginfmt`) and password (`passwd`) and posts to `/entra/{tenant}/login`. Errors are HTML
//! pages carrying Entra's AADSTS codes (HTTP 400).
//!
//! The assertion is built the way Entra builds it (docs/facts.md §4): issuer
//! `https://sts.windows.net/{tenant}/`, audience = the identifier with any `#…` suffix removed,
//! NameID = UPN (emailAddress format) unless the claims mapping policy maps `nameidentifier`,
//! claims from the assigned claims mapping policy (or the portal defaults), role values from
//! the user's direct and group app role assignments, signed with the active key.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query as AxQuery, RawQuery, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use connect_sso_saml::{Attribute, Endpoint, IdpMetadata, ResponseSpec, SignOptions, ns};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::model::{Application, ServicePrincipal, Tenant, User, is_visible};
use super::new_guid;
use crate::State;

/// Where Entra's SAML endpoint is, as published in metadata (real URL; see [`crate::Urls::to_local`]).
pub const LOGIN_HOST: &str = "https://login.microsoftonline.com";

/// A sign-in waiting for the user's credentials.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    tenant_id: String,
    sp_id: String,
    /// Real reply URL (Destination / Recipient).
    acs: String,
    /// Audience to assert.
    audience: String,
    relay_state: Option<String>,
    in_response_to: Option<String>,
    created: OffsetDateTime,
}

/// A signed-in browser.
#[derive(Debug, Clone)]
pub struct BrowserSession {
    tenant_id: String,
    user_id: String,
    authn_instant: OffsetDateTime,
}

/// How long a sign-in page stays usable.
const PENDING_LIFETIME: Duration = Duration::hours(1);
/// How many pending sign-ins are kept at most (oldest dropped first).
const PENDING_MAX: usize = 10_000;
/// How many browser sessions are kept at most (the oldest dropped first).
const SESSIONS_MAX: usize = 100_000;

// ---------------------------------------------------------------------------------------
// Pages

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>body{{font-family:Segoe UI,Helvetica,Arial,sans-serif;background:#f2f2f2}}\
main{{max-width:440px;margin:60px auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}}\
input{{display:block;width:100%;margin:8px 0 16px;padding:6px;box-sizing:border-box}}\
.error{{color:#e81123}} .sandbox{{color:#666;font-size:12px}}</style></head>\
<body><main>{body}<p class=\"sandbox\">connect-sso sandbox: Microsoft Entra ID emulation</p></main></body></html>",
        crate::markup_escape(title)
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response()
}

/// An Entra error page: "AADSTS{code}: {message}", HTTP 400, stamped `now` (sandbox clock).
fn error_page(now: OffsetDateTime, code: u32, message: &str) -> Response {
    error_page_with_status(now, StatusCode::BAD_REQUEST, code, message)
}

/// An Entra error page with another status (413 for an oversized request).
fn error_page_with_status(
    now: OffsetDateTime,
    status: StatusCode,
    code: u32,
    message: &str,
) -> Response {
    let request_id = new_guid();
    let body = format!(
        "<h1>Sign in</h1><h2>Sorry, but we're having trouble signing you in.</h2>\
<p id=\"errorMessage\" class=\"error\" data-aadsts=\"{code}\">AADSTS{code}: {}</p>\
<p>Request Id: {request_id}<br>Correlation Id: {}<br>Timestamp: {}</p>",
        crate::markup_escape(message),
        new_guid(),
        super::graph_time(now),
    );
    page(status, "Sign in to your account", &body)
}

/// A sandbox error that Entra has no AADSTS code for (configuration missing).
fn config_error_page(message: &str) -> Response {
    let body = format!(
        "<h1>Sign in</h1><h2>Sorry, but we're having trouble signing you in.</h2>\
<p id=\"errorMessage\" class=\"error\">{}</p>",
        crate::markup_escape(message)
    );
    page(StatusCode::BAD_REQUEST, "Sign in to your account", &body)
}

fn app_not_found(now: OffsetDateTime, identifier: &str, t: &Tenant) -> Response {
    error_page(
        now,
        700016,
        &format!(
            "Application with identifier '{identifier}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            t.display_name
        ),
    )
}

fn tenant_not_found(now: OffsetDateTime, tenant: &str) -> Response {
    error_page(
        now,
        90002,
        &format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ),
    )
}

fn login_page(
    tenant: &str,
    ctx: &str,
    app_name: &str,
    username: &str,
    error: Option<(u32, &str)>,
) -> Response {
    let error_html = error.map_or(String::new(), |(code, msg)| {
        format!(
            "<p id=\"passwordError\" class=\"error\" role=\"alert\" data-aadsts=\"{code}\">{}</p><!-- AADSTS{code} -->",
            crate::markup_escape(msg)
        )
    });
    let body = format!(
        "<h1>Sign in</h1><p>to continue to <b id=\"appName\">{}</b></p>{error_html}\
<form method=\"post\" action=\"/entra/{}/login\" id=\"credentials\">\
<input type=\"hidden\" name=\"ctx\" value=\"{}\">\
<label for=\"i0116\">Email, phone, or Skype</label>\
<input type=\"email\" name=\"loginfmt\" id=\"i0116\" value=\"{}\" autocomplete=\"username\" required>\
<label for=\"i0118\">Password</label>\
<input type=\"password\" name=\"passwd\" id=\"i0118\" autocomplete=\"current-password\" required>\
<input type=\"submit\" id=\"idSIButton9\" value=\"Sign in\"></form>",
        crate::markup_escape(app_name),
        crate::markup_escape(tenant),
        crate::markup_escape(ctx),
        crate::markup_escape(username),
    );
    page(StatusCode::OK, "Sign in to your account", &body)
}

/// Entra's auto-submitting form that carries the Response to the reply URL.
fn auto_post(action: &str, saml_response_b64: &str, relay_state: Option<&str>) -> Response {
    let relay = relay_state.map_or(String::new(), |r| {
        format!(
            "<input type=\"hidden\" name=\"RelayState\" value=\"{}\" />",
            crate::markup_escape(r)
        )
    });
    let html = format!(
        "<html><head><title>Working...</title></head><body>\
<form method=\"POST\" name=\"hiddenform\" action=\"{}\">\
<input type=\"hidden\" name=\"SAMLResponse\" value=\"{}\" />{relay}\
<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\" /></noscript>\
</form><script language=\"javascript\">window.setTimeout(function(){{document.forms[0].submit();}}, 0);</script>\
</body></html>",
        crate::markup_escape(action),
        crate::markup_escape(saml_response_b64),
    );
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(html),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// Federation metadata

/// `GET /entra/{tenant}/federationmetadata/2007-06/federationmetadata.xml?appid=…`: the
/// app's metadata, signed with its active key, listing the active certificate first and,
/// during a rollover, the newer ones. A fresh `ID` (and so signature) on every fetch.
pub async fn federation_metadata(
    AxState(state): AxState<Arc<State>>,
    Path(tenant): Path<String>,
    AxQuery(params): AxQuery<HashMap<String, String>>,
) -> Response {
    let text = |status: StatusCode, msg: String| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            msg,
        )
            .into_response()
    };
    let app_id = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("appid"))
        .map(|(_, v)| v.clone());
    let (metadata, key) = {
        let dir = state.entra.dir();
        let Some(t) = dir.tenant(&tenant) else {
            return text(
                StatusCode::BAD_REQUEST,
                format!("AADSTS90002: Tenant '{tenant}' not found."),
            );
        };
        let Some(app_id) = app_id else {
            return text(
                StatusCode::BAD_REQUEST,
                "This sandbox publishes per-application metadata only: add ?appid={application client ID}.".into(),
            );
        };
        let now = state.clock.now();
        let Some(sp) = t
            .service_principal_by_app_id(&app_id)
            .filter(|s| is_visible(s.visible_after, now))
        else {
            return text(
                StatusCode::NOT_FOUND,
                format!(
                    "AADSTS700016: Application with identifier '{app_id}' was not found in the directory '{}'.",
                    t.display_name
                ),
            );
        };
        let Some(active) = sp.active_key() else {
            return text(
                StatusCode::NOT_FOUND,
                format!(
                    "The application '{}' has no SAML signing certificate yet (call addTokenSigningCertificate).",
                    sp.display_name
                ),
            );
        };
        let mut certs = vec![active.key.0.certificate().clone()];
        certs.extend(
            sp.next_keys(now)
                .into_iter()
                .map(|k| k.key.0.certificate().clone()),
        );
        let sso = format!("{LOGIN_HOST}/{}/saml2", t.id);
        let md = IdpMetadata {
            entity_id: format!("https://sts.windows.net/{}/", t.id),
            signing_certificates: certs,
            sso_services: vec![
                Endpoint {
                    binding: ns::BINDING_HTTP_REDIRECT.into(),
                    location: sso.clone(),
                },
                Endpoint {
                    binding: ns::BINDING_HTTP_POST.into(),
                    location: sso.clone(),
                },
            ],
            slo_services: vec![Endpoint {
                binding: ns::BINDING_HTTP_REDIRECT.into(),
                location: sso,
            }],
            name_id_formats: Vec::new(),
        };
        (md, active.key.0.clone())
    };
    let xml = metadata.to_xml(&format!("_{}", new_guid()));
    match connect_sso_saml::sign_metadata(&xml, &key) {
        Ok(signed) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            signed,
        )
            .into_response(),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("could not sign metadata: {e}"),
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Starting a sign-in

fn session_from_cookie(
    state: &State,
    headers: &HeaderMap,
    tenant_id: &str,
) -> Option<BrowserSession> {
    let cookies = crate::cookie_values(headers, "ESTSAUTH")
        .map(str::to_string)
        .collect::<Vec<_>>();
    let web = state.entra.web();
    cookies
        .iter()
        .filter_map(|c| web.sessions.get(c))
        .find(|s| s.tenant_id == tenant_id)
        .cloned()
}

/// Resolve the app and decide: sign in now (session) or show the sign-in page.
fn begin(
    state: &State,
    headers: &HeaderMap,
    pending: PendingSignIn,
    force_authn: bool,
) -> Response {
    if !force_authn && let Some(session) = session_from_cookie(state, headers, &pending.tenant_id) {
        return finish(state, &pending, &session.user_id, session.authn_instant);
    }
    let app_name = {
        let dir = state.entra.dir();
        dir.tenant(&pending.tenant_id)
            .and_then(|t| t.service_principal(&pending.sp_id))
            .map(|s| s.display_name.clone())
            .unwrap_or_default()
    };
    let ctx = super::random_b64url(24);
    let tenant_id = pending.tenant_id.clone();
    {
        let mut web = state.entra.web();
        let now = state.clock.now();
        web.pending
            .retain(|_, p| now - p.created < PENDING_LIFETIME);
        if web.pending.len() >= PENDING_MAX
            && let Some(oldest) = web
                .pending
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(k, _)| k.clone())
        {
            web.pending.remove(&oldest);
        }
        web.pending.insert(ctx.clone(), pending);
    }
    login_page(&tenant_id, &ctx, &app_name, "", None)
}

/// The app's SAML settings, or the page explaining what is missing.
fn saml_target<'a>(
    t: &'a Tenant,
    sp: &'a ServicePrincipal,
    now: OffsetDateTime,
) -> Result<(&'a Application, &'a str, String), Box<Response>> {
    let Some(app) = t.application_by_app_id(&sp.app_id) else {
        return Err(Box::new(app_not_found(now, &sp.app_id, t)));
    };
    if sp.preferred_single_sign_on_mode.as_deref() != Some("saml") {
        return Err(Box::new(config_error_page(&format!(
            "The application '{}' is not configured for SAML single sign-on (preferredSingleSignOnMode is {}).",
            sp.display_name,
            sp.preferred_single_sign_on_mode
                .as_deref()
                .unwrap_or("not set")
        ))));
    }
    let Some(acs) = app.redirect_uris.first() else {
        return Err(Box::new(config_error_page(&format!(
            "The application '{}' has no reply URL (web.redirectUris is empty).",
            sp.display_name
        ))));
    };
    let Some(identifier) = app.identifier_uris.first() else {
        return Err(Box::new(config_error_page(&format!(
            "The application '{}' has no identifier (identifierUris is empty).",
            sp.display_name
        ))));
    };
    Ok((app, acs.as_str(), audience_of(identifier)))
}

/// Entra strips a `#…` suffix from the identifier when it becomes the audience (docs/facts.md §4).
fn audience_of(identifier: &str) -> String {
    identifier
        .split_once('#')
        .map_or(identifier, |(a, _)| a)
        .to_string()
}

/// `GET /entra/{tenant}/signin/{appId}`: IdP-initiated sign-in (the My Apps tile).
pub async fn idp_initiated(
    AxState(state): AxState<Arc<State>>,
    Path((tenant, app_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let now = state.clock.now();
    let pending = {
        let dir = state.entra.dir();
        let Some(t) = dir.tenant(&tenant) else {
            return tenant_not_found(now, &tenant);
        };
        let Some(sp) = t
            .service_principal_by_app_id(&app_id)
            .filter(|s| is_visible(s.visible_after, now))
        else {
            return app_not_found(now, &app_id, t);
        };
        let (_, acs, audience) = match saml_target(t, sp, now) {
            Ok(x) => x,
            Err(page) => return *page,
        };
        PendingSignIn {
            tenant_id: t.id.clone(),
            sp_id: sp.id.clone(),
            acs: acs.to_string(),
            audience,
            relay_state: sp.relay_state.clone().filter(|r| !r.is_empty()),
            in_response_to: None,
            created: now,
        }
    };
    begin(&state, &headers, pending, false)
}

/// What an AuthnRequest asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AuthnRequest {
    id: String,
    issuer: String,
    acs: Option<String>,
    force_authn: bool,
}

/// Read an AuthnRequest through the SAML core's bounded reader.
fn parse_authn_request(xml: &[u8]) -> Result<AuthnRequest, String> {
    let request = connect_sso_saml::AuthnRequest::parse(xml).map_err(|e| e.to_string())?;
    Ok(AuthnRequest {
        id: request.id,
        issuer: request.issuer,
        acs: request.acs_url,
        force_authn: request.force_authn,
    })
}

fn sp_initiated(
    state: &State,
    tenant: &str,
    headers: &HeaderMap,
    request_xml: Result<Vec<u8>, String>,
    relay_state: Option<String>,
) -> Response {
    let now = state.clock.now();
    // A SAMLRequest that does not decode is a binding error (AADSTS75001); one that decodes
    // but is not an acceptable AuthnRequest (not XML, over the parser's limits, another
    // message) is Saml2MessageInvalid (AADSTS75005).
    let xml = match request_xml {
        Ok(x) => x,
        Err(e) => {
            return error_page(
                now,
                75001,
                &format!("An error occurred during SAML message binding: {e}"),
            );
        }
    };
    let request = match parse_authn_request(&xml) {
        Ok(r) => r,
        Err(e) => {
            return error_page(
                now,
                75005,
                &format!(
                    "Saml2MessageInvalid: Microsoft Entra doesn't support the SAML request sent by the app for SSO: {e}"
                ),
            );
        }
    };
    let pending = {
        let dir = state.entra.dir();
        let Some(t) = dir.tenant(tenant) else {
            return tenant_not_found(now, tenant);
        };
        let found = t.applications.iter().find(|a| {
            is_visible(a.visible_after, now) && a.identifier_uris.contains(&request.issuer)
        });
        let Some(sp) = found.and_then(|a| t.service_principal_by_app_id(&a.app_id)) else {
            return app_not_found(now, &request.issuer, t);
        };
        let (app, default_acs, _) = match saml_target(t, sp, now) {
            Ok(x) => x,
            Err(page) => return *page,
        };
        let acs = match &request.acs {
            Some(a) if app.redirect_uris.iter().any(|r| r == a) => a.clone(),
            Some(a) => {
                return error_page(
                    now,
                    50011,
                    &format!(
                        "The redirect URI '{a}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.",
                        app.app_id
                    ),
                );
            }
            None => default_acs.to_string(),
        };
        PendingSignIn {
            tenant_id: t.id.clone(),
            sp_id: sp.id.clone(),
            acs,
            audience: audience_of(&request.issuer),
            relay_state: relay_state.filter(|r| !r.is_empty()),
            in_response_to: Some(request.id.clone()),
            created: now,
        }
    };
    begin(state, headers, pending, request.force_authn)
}

/// Largest body the HTTP-POST binding endpoint reads (2 MiB). A deflate-free base64
/// AuthnRequest of the SAML parser's largest accepted size (1 MiB) fits, percent-encoded.
pub const MAX_SAML_REQUEST_BODY_BYTES: usize = 2 * 1024 * 1024;

/// `SAMLRequest` and `RelayState` of a form body or query string (the first of each; bytes
/// that are not a form hold neither). Never fails: percent-decoding is lossy, as a browser's.
pub fn saml_request_params(form: &[u8]) -> (Option<String>, Option<String>) {
    let (mut request, mut relay_state) = (None, None);
    for (k, v) in url::form_urlencoded::parse(form) {
        match k.as_ref() {
            "SAMLRequest" if request.is_none() => request = Some(v.into_owned()),
            "RelayState" if relay_state.is_none() => relay_state = Some(v.into_owned()),
            _ => {}
        }
    }
    (request, relay_state)
}

/// `GET /entra/{tenant}/saml2?SAMLRequest=…&RelayState=…` (HTTP-Redirect binding). The query
/// is read here rather than by axum's `Query` extractor, whose refusals are plain text:
/// every refusal is an AADSTS page.
pub async fn saml2_redirect(
    AxState(state): AxState<Arc<State>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.clock.now();
    let (request, relay_state) = saml_request_params(query.unwrap_or_default().as_bytes());
    let Some(req) = request else {
        return error_page(
            now,
            750054,
            "SAMLRequest or SAMLResponse must be present as query string parameters in HTTP request for SAML Redirect binding.",
        );
    };
    let xml = connect_sso_saml::binding::decode_redirect(&req).map_err(|e| e.to_string());
    sp_initiated(&state, &tenant, &headers, xml, relay_state)
}

/// `POST /entra/{tenant}/saml2` with form fields `SAMLRequest` (base64) and `RelayState`
/// (HTTP-POST binding). The body is read here (at most [`MAX_SAML_REQUEST_BODY_BYTES`])
/// rather than by axum's `Form` extractor, so that every refusal is an AADSTS page.
pub async fn saml2_post(
    AxState(state): AxState<Arc<State>>,
    Path(tenant): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let now = state.clock.now();
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_SAML_REQUEST_BODY_BYTES).await else {
        return error_page_with_status(
            now,
            StatusCode::PAYLOAD_TOO_LARGE,
            75001,
            &format!(
                "An error occurred during SAML message binding: the request is larger than {MAX_SAML_REQUEST_BODY_BYTES} bytes."
            ),
        );
    };
    let (request, relay_state) = saml_request_params(&body);
    let Some(req) = request else {
        return error_page(
            now,
            750054,
            "SAMLRequest or SAMLResponse must be present as form parameters in HTTP request for SAML POST binding.",
        );
    };
    let xml = connect_sso_saml::binding::decode_post(&req).map_err(|e| e.to_string());
    sp_initiated(&state, &tenant, &parts.headers, xml, relay_state)
}

/// The sign-in form.
#[derive(serde::Deserialize)]
pub struct Credentials {
    ctx: String,
    #[serde(default)]
    loginfmt: String,
    #[serde(default)]
    passwd: String,
}

/// `POST /entra/{tenant}/login`: check the credentials, start a session, answer the
/// auto-posting Response form.
pub async fn login_submit(
    AxState(state): AxState<Arc<State>>,
    Path(tenant): Path<String>,
    Form(form): Form<Credentials>,
) -> Response {
    let now = state.clock.now();
    let pending = state.entra.web().pending.get(&form.ctx).cloned();
    let Some(pending) = pending else {
        return config_error_page(
            "This sign-in page has expired or was already used. Start again from the application.",
        );
    };
    let checked = {
        let dir = state.entra.dir();
        let Some(t) = dir.tenant(&tenant).filter(|t| t.id == pending.tenant_id) else {
            return tenant_not_found(now, &tenant);
        };
        let app_name = t
            .service_principal(&pending.sp_id)
            .map(|s| s.display_name.clone())
            .unwrap_or_default();
        match t
            .user(form.loginfmt.trim())
            .filter(|u| is_visible(u.visible_after, now))
        {
            None => Err((
                app_name,
                50034,
                format!(
                    "The user account {} does not exist in the {} directory. To sign into this application, the account must be added to the directory.",
                    form.loginfmt.trim(),
                    t.id
                ),
            )),
            Some(u) if u.password != form.passwd => Err((
                app_name,
                50126,
                "Error validating credentials due to invalid username or password.".to_string(),
            )),
            Some(u) if !u.account_enabled => {
                return error_page(
                    now,
                    50057,
                    "The user account is disabled. The account has been disabled by an administrator.",
                );
            }
            Some(u) => Ok(u.id.clone()),
        }
    };
    let user_id = match checked {
        Ok(id) => id,
        Err((app_name, code, message)) => {
            return login_page(
                &tenant,
                &form.ctx,
                &app_name,
                &form.loginfmt,
                Some((code, &format!("AADSTS{code}: {message}"))),
            );
        }
    };
    let now = state.clock.now();
    let cookie = super::random_b64url(32);
    {
        let mut web = state.entra.web();
        web.pending.remove(&form.ctx);
        if web.sessions.len() >= SESSIONS_MAX
            && let Some(oldest) = web
                .sessions
                .iter()
                .min_by_key(|(_, s)| s.authn_instant)
                .map(|(k, _)| k.clone())
        {
            web.sessions.remove(&oldest);
        }
        web.sessions.insert(
            cookie.clone(),
            BrowserSession {
                tenant_id: pending.tenant_id.clone(),
                user_id: user_id.clone(),
                authn_instant: now,
            },
        );
    }
    let mut resp = finish(&state, &pending, &user_id, now);
    if let Ok(v) = header::HeaderValue::from_str(&format!(
        "ESTSAUTH={cookie}; Path=/entra/; HttpOnly; SameSite=Lax"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

// ---------------------------------------------------------------------------------------
// Building the Response

/// True when the user (directly or through a group it is a direct member of) has any app
/// role assignment on the service principal. Entra does not follow nested groups here.
fn is_assigned(t: &Tenant, sp: &ServicePrincipal, user: &User) -> bool {
    principals_of(t, user).iter().any(|p| {
        t.app_role_assignments
            .iter()
            .any(|a| a.resource_id == sp.id && a.principal_id == *p)
    })
}

fn principals_of(t: &Tenant, user: &User) -> Vec<String> {
    let mut p = vec![user.id.clone()];
    p.extend(t.direct_groups_of(&user.id).map(|g| g.id.clone()));
    p
}

/// `user.assignedroles`: the values of the app roles assigned to the user directly or
/// through a direct group, in assignment order, each once. Disabled roles still count (as in
/// Entra: disabling a role does not remove existing assignments).
fn assigned_role_values(
    t: &Tenant,
    sp: &ServicePrincipal,
    app: &Application,
    user: &User,
) -> Vec<String> {
    let principals = principals_of(t, user);
    let mut out: Vec<String> = Vec::new();
    for a in t
        .app_role_assignments
        .iter()
        .filter(|a| a.resource_id == sp.id && principals.contains(&a.principal_id))
    {
        if let Some(v) = app
            .app_roles
            .iter()
            .find(|r| r.id.eq_ignore_ascii_case(&a.app_role_id))
            .and_then(|r| r.value.clone())
            .filter(|v| !v.is_empty())
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

const CLAIM_TENANT: &str = "http://schemas.microsoft.com/identity/claims/tenantid";
const CLAIM_OBJECT_ID: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const CLAIM_DISPLAY_NAME: &str = "http://schemas.microsoft.com/identity/claims/displayname";
const CLAIM_IDP: &str = "http://schemas.microsoft.com/identity/claims/identityprovider";
const CLAIM_AMR: &str = "http://schemas.microsoft.com/claims/authnmethodsreferences";
const CLAIM_GIVEN_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
const CLAIM_SURNAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
const CLAIM_EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
const CLAIM_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
const CLAIM_NAME_ID: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier";
const AMR_PASSWORD: &str =
    "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password";

/// The value(s) of a `user.*` (or `company.*`) source attribute.
fn source_values(
    source: &str,
    id: &str,
    t: &Tenant,
    sp: &ServicePrincipal,
    app: &Application,
    user: &User,
) -> Vec<String> {
    let one = |v: Option<&String>| v.filter(|s| !s.is_empty()).cloned().into_iter().collect();
    match (
        source.to_ascii_lowercase().as_str(),
        id.to_ascii_lowercase().as_str(),
    ) {
        ("user", "userprincipalname") => vec![user.user_principal_name.clone()],
        ("user", "mail") => one(user.mail.as_ref()),
        ("user", "givenname") => one(user.given_name.as_ref()),
        ("user", "surname") => one(user.surname.as_ref()),
        ("user", "displayname") => vec![user.display_name.clone()],
        ("user", "objectid") => vec![user.id.clone()],
        ("user", "jobtitle") => one(user.job_title.as_ref()),
        ("user", "employeeid") => one(user.employee_id.as_ref()),
        ("user", "mailnickname") => vec![user.mail_nickname.clone()],
        ("user", "usertype") => vec![user.user_type.clone()],
        ("user", "assignedroles") => assigned_role_values(t, sp, app, user),
        ("company", "tenantid") => vec![t.id.clone()],
        _ => Vec::new(),
    }
}

fn attr(name: &str, values: Vec<String>) -> Attribute {
    Attribute {
        name: name.to_string(),
        values,
    }
}

/// Claims and NameID for a user, per the service principal's claims mapping policy.
fn claims_for(
    t: &Tenant,
    sp: &ServicePrincipal,
    app: &Application,
    user: &User,
) -> (Vec<Attribute>, String, String) {
    let policy = sp
        .claims_mapping_policy_ids
        .first()
        .and_then(|id| t.claims_mapping_policies.iter().find(|p| &p.id == id))
        .and_then(|p| p.definition.first())
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        .and_then(|v| v.get("ClaimsMappingPolicy").cloned());
    let include_basic = policy
        .as_ref()
        .is_none_or(|p| match p.get("IncludeBasicClaimSet") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        });
    let mut custom: Vec<Attribute> = Vec::new();
    let mut name_id = (
        user.user_principal_name.clone(),
        ns::NAMEID_EMAIL.to_string(),
    );
    for entry in policy
        .as_ref()
        .and_then(|p| p.get("ClaimsSchema"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(claim_type) = entry.get("SamlClaimType").and_then(Value::as_str) else {
            continue;
        };
        let values = match (
            entry.get("Source").and_then(Value::as_str),
            entry.get("ID").and_then(Value::as_str),
            entry.get("Value").and_then(Value::as_str),
        ) {
            (Some(source), Some(id), _) => source_values(source, id, t, sp, app, user),
            (None, _, Some(constant)) => vec![constant.to_string()],
            _ => Vec::new(),
        };
        if values.is_empty() {
            continue;
        }
        if claim_type == CLAIM_NAME_ID {
            let format = entry
                .get("SamlNameIdFormat")
                .and_then(Value::as_str)
                .map_or_else(|| ns::NAMEID_UNSPECIFIED.to_string(), str::to_string);
            name_id = (values[0].clone(), format);
            continue;
        }
        match custom.iter_mut().find(|a| a.name == claim_type) {
            Some(a) => a.values.extend(values),
            None => custom.push(attr(claim_type, values)),
        }
    }
    let mut attrs = vec![
        attr(CLAIM_TENANT, vec![t.id.clone()]),
        attr(CLAIM_OBJECT_ID, vec![user.id.clone()]),
    ];
    if include_basic {
        attrs.push(attr(CLAIM_DISPLAY_NAME, vec![user.display_name.clone()]));
    }
    attrs.push(attr(
        CLAIM_IDP,
        vec![format!("https://sts.windows.net/{}/", t.id)],
    ));
    attrs.push(attr(CLAIM_AMR, vec![AMR_PASSWORD.to_string()]));
    attrs.extend(custom);
    if include_basic {
        let basic = [
            (CLAIM_GIVEN_NAME, user.given_name.clone()),
            (CLAIM_SURNAME, user.surname.clone()),
            (CLAIM_EMAIL, user.mail.clone()),
            (CLAIM_NAME, Some(user.user_principal_name.clone())),
        ];
        for (name, value) in basic {
            if let Some(v) = value.filter(|v| !v.is_empty())
                && !attrs.iter().any(|a| a.name == name)
            {
                attrs.push(attr(name, vec![v]));
            }
        }
    }
    (attrs, name_id.0, name_id.1)
}

/// Check assignment, build and sign the Response, answer the auto-post form.
fn finish(
    state: &State,
    pending: &PendingSignIn,
    user_id: &str,
    authn_instant: OffsetDateTime,
) -> Response {
    let now = state.clock.now();
    let prepared = {
        let dir = state.entra.dir();
        let Some(t) = dir.tenant(&pending.tenant_id) else {
            return tenant_not_found(now, &pending.tenant_id);
        };
        let Some(sp) = t.service_principal(&pending.sp_id) else {
            return app_not_found(now, &pending.sp_id, t);
        };
        let Some(app) = t.application_by_app_id(&sp.app_id) else {
            return app_not_found(now, &sp.app_id, t);
        };
        let Some(user) = t.user(user_id) else {
            return config_error_page("The signed-in user no longer exists. Sign in again.");
        };
        if !user.account_enabled {
            return error_page(
                now,
                50057,
                "The user account is disabled. The account has been disabled by an administrator.",
            );
        }
        if sp.app_role_assignment_required && !is_assigned(t, sp, user) {
            return error_page(
                now,
                50105,
                &format!(
                    "Your administrator has configured the application {} ('{}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '{}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.",
                    sp.display_name, sp.app_id, user.user_principal_name
                ),
            );
        }
        let Some(key) = sp.active_key() else {
            return config_error_page(&format!(
                "The application '{}' has no SAML signing certificate (call addTokenSigningCertificate).",
                sp.display_name
            ));
        };
        let (attributes, name_id, name_id_format) = claims_for(t, sp, app, user);
        let assertion_id = format!("_{}", new_guid());
        let spec = ResponseSpec {
            response_id: format!("_{}", new_guid()),
            assertion_id: assertion_id.clone(),
            issuer: format!("https://sts.windows.net/{}/", t.id),
            destination: pending.acs.clone(),
            in_response_to: pending.in_response_to.clone(),
            issue_instant: now,
            name_id,
            name_id_format,
            audiences: vec![pending.audience.clone()],
            not_before: now - Duration::minutes(5),
            not_on_or_after: now + Duration::hours(1),
            authn_instant,
            session_index: Some(assertion_id),
            authn_context_class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".into(),
            attributes,
        };
        let options = SignOptions {
            sha1: sp.saml_signing.sha1,
            sign_assertion: true,
            sign_response: sp.saml_signing.sign_response,
            include_key_info: true,
        };
        (spec, key.key.0.clone(), options)
    };
    let (spec, key, options) = prepared;
    match connect_sso_saml::sign_response(&spec, &key, options) {
        Ok(xml) => auto_post(
            &state.urls.to_local(&pending.acs),
            &STANDARD.encode(xml.as_bytes()),
            pending.relay_state.as_deref(),
        ),
        Err(e) => config_error_page(&format!("The sandbox could not sign the response: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_drops_the_hash_suffix_of_the_identifier() {
        // docs/facts.md §4: identifier https://signin.aws.amazon.com/saml#2, audience without #2.
        assert_eq!(
            audience_of("https://signin.aws.amazon.com/saml#2"),
            "https://signin.aws.amazon.com/saml"
        );
        assert_eq!(
            audience_of("urn:amazon:webservices"),
            "urn:amazon:webservices"
        );
    }

    #[test]
    fn authn_requests_are_parsed_and_hostile_ones_refused() {
        let ok = br#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" AssertionConsumerServiceURL="https://signin.aws.amazon.com/saml" ForceAuthn="true"><saml:Issuer>urn:amazon:webservices</saml:Issuer></samlp:AuthnRequest>"#;
        assert_eq!(
            parse_authn_request(ok),
            Ok(AuthnRequest {
                id: "_r1".into(),
                issuer: "urn:amazon:webservices".into(),
                acs: Some("https://signin.aws.amazon.com/saml".into()),
                force_authn: true,
            })
        );
        let dtd = br#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&e;</saml:Issuer></samlp:AuthnRequest>"#;
        assert!(parse_authn_request(dtd).is_err());
        assert!(parse_authn_request(b"<Response/>").is_err());
        assert!(parse_authn_request(b"\xff\xfe").is_err());
        let no_issuer =
            br#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"/>"#;
        assert!(parse_authn_request(no_issuer).is_err());
    }
}
