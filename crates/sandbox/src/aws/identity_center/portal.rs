//! Identity Center's browser side: IC as SAML SP of the external IdP (its metadata and ACS),
//! the AWS access portal with one tile per assigned application, the tile that has the
//! application issue its signed Response (an auto-post form to the application's ACS), and
//! each application's IdP metadata. Error pages carry `<p id="error_code">` and
//! `<p id="error_message">` (docs/design/brokered.md, "Sandbox wire contract").

use std::sync::Arc;

use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use connect_sso_saml::{Endpoint, Rejection, SpMetadata, VerifyOptions, ns};

use super::{ACS_ID, ACS_URL, PORTAL_COOKIE, PORTAL_URL, PortalSession, SP_ENTITY_ID, lock};
use crate::State;
use crate::aws::signin::SamlPost;

/// How long an access portal session lasts (Identity Center's default: 8 hours).
const SESSION_SECONDS: i64 = 8 * 3600;

/// A refusal shown as a page: HTTP status, `error_code`, `error_message`.
struct PageError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl PageError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    fn into_page(self) -> Response {
        page(
            self.status,
            "AWS access portal",
            &format!(
                "<p id=\"error_code\">{}</p>\n<p id=\"error_message\">{}</p>",
                crate::markup_escape(self.code),
                crate::markup_escape(&self.message)
            ),
        )
    }
}

/// An HTML page.
fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title></head>\n<body><h1>{t}</h1>\n{body_html}\n</body></html>\n",
        t = crate::markup_escape(title)
    );
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn xml_answer(xml: String) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/samlmetadata+xml")],
        xml,
    )
        .into_response()
}

/// `GET /aws/identity-center/saml/sp-metadata`: IC's SP metadata (entity ID and ACS), as the
/// console offers it on the identity-source page.
pub async fn sp_metadata() -> Response {
    let md = SpMetadata {
        entity_id: SP_ENTITY_ID.to_string(),
        acs: vec![Endpoint {
            binding: ns::BINDING_HTTP_POST.to_string(),
            location: ACS_URL.to_string(),
        }],
    };
    xml_answer(md.to_xml())
}

/// `GET /aws/identity-center/saml/metadata/{app}`: an application's IdP metadata.
pub async fn app_metadata(
    AxState(state): AxState<Arc<State>>,
    Path(app): Path<String>,
) -> Response {
    let xml = lock(&state).application(&app).map(|a| a.metadata_xml());
    match xml {
        Some(xml) => xml_answer(xml),
        None => app_not_found(&app).into_page(),
    }
}

fn app_not_found(app: &str) -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        "ApplicationNotFound",
        format!("No application {app} exists in this Identity Center instance."),
    )
}

/// `POST /aws/identity-center/platform/saml/acs/{uuid}`: the external IdP's Response. Success:
/// an access portal session (cookie `ic_portal`) and 302 to the portal.
pub async fn acs(
    AxState(state): AxState<Arc<State>>,
    Path(acs_id): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let limit = crate::aws::MAX_SAML_BODY_BYTES;
    let Ok(body) = axum::body::to_bytes(req.into_body(), limit).await else {
        return PageError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request is larger than the {limit} bytes Identity Center reads."),
        )
        .into_page();
    };
    if acs_id != ACS_ID {
        return PageError::new(
            StatusCode::NOT_FOUND,
            "InvalidAcs",
            format!("This Identity Center instance's ACS is {ACS_URL}; fix the IdP's reply URL."),
        )
        .into_page();
    }
    match sign_in_user(&state, &SamlPost::parse(&body)) {
        Ok(user_id) => open_portal_session(&state, user_id),
        Err(e) => e.into_page(),
    }
}

/// Verify the posted Response against the external IdP and find its user.
fn sign_in_user(state: &State, form: &SamlPost) -> Result<String, PageError> {
    let bad = |m: String| PageError::new(StatusCode::BAD_REQUEST, "InvalidSignature", m);
    let Some(idp) = lock(state).identity_source.clone() else {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "IdentitySourceNotExternal",
            "The identity source is the Identity Center directory: set the external identity provider (Settings → Identity source) before signing in through it.",
        ));
    };
    let Some(saml) = form.saml_response.as_deref() else {
        return Err(bad("No SAMLResponse was posted.".into()));
    };
    let xml = connect_sso_saml::binding::decode_post(saml)
        .map_err(|e| bad(format!("The SAMLResponse cannot be read: {e}")))?;
    let mut opts = VerifyOptions::new(idp.signing_certificates, state.aws.now());
    opts.expected_issuer = Some(idp.entity_id);
    opts.audience = Some(SP_ENTITY_ID.to_string());
    opts.recipient = Some(ACS_URL.to_string());
    let verified = connect_sso_saml::verify_response(&xml, &opts).map_err(|e| match e {
        connect_sso_saml::Error::Rejected(r) => rejection(&r),
        other => bad(other.to_string()),
    })?;
    let ic = lock(state);
    let user = ic.store.user_by_user_name(&verified.subject).ok_or_else(|| {
        PageError::new(
            StatusCode::FORBIDDEN,
            "UserNotFound",
            format!(
                "No user with the user name {:?} exists in the identity store: provision the user (SCIM) with that userName.",
                verified.subject
            ),
        )
    })?;
    Ok(user.id.clone())
}

/// The page code of a refused Response.
fn rejection(r: &Rejection) -> PageError {
    let (code, hint) = match r {
        Rejection::Issuer { .. } => (
            "IssuerMismatch",
            "the identity source's metadata names another IdP",
        ),
        Rejection::Audience { .. } => (
            "AudienceMismatch",
            "the IdP's identifier must be Identity Center's SP entity ID",
        ),
        Rejection::Expired { .. } | Rejection::NotYetValid { .. } => {
            ("ExpiredAssertion", "check the clocks")
        }
        Rejection::Recipient { .. } => (
            "DestinationMismatch",
            "the IdP's reply URL must be Identity Center's ACS URL",
        ),
        _ => (
            "InvalidSignature",
            "the identity source's metadata must be the IdP's current federation metadata",
        ),
    };
    PageError::new(StatusCode::BAD_REQUEST, code, format!("{r}: {hint}."))
}

fn open_portal_session(state: &State, user_id: String) -> Response {
    use rand::Rng;
    let token = hex::encode(rand::thread_rng().r#gen::<[u8; 24]>());
    let now = state.aws.now().unix_timestamp();
    {
        let mut ic = lock(state);
        ic.portal_sessions.retain(|_, s| s.expires_at > now);
        ic.portal_sessions.insert(
            token.clone(),
            PortalSession {
                user_id,
                expires_at: now + SESSION_SECONDS,
            },
        );
    }
    let mut r = StatusCode::FOUND.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&state.urls.to_local(PORTAL_URL)) {
        h.insert(header::LOCATION, v);
    }
    let cookie =
        format!("{PORTAL_COOKIE}={token}; Path=/aws/identity-center; HttpOnly; SameSite=Lax");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    r
}

/// A visitor without a session, when the identity source is an external IdP: 302 to its
/// sign-in URL with an AuthnRequest (HTTP-Redirect binding), as the portal does. `None` when
/// Identity Center signs people in itself.
fn to_identity_provider(state: &State) -> Option<Response> {
    let metadata = lock(state).identity_source.as_ref()?.metadata_xml.clone();
    let sso = connect_sso_saml::IdpMetadata::parse(&metadata).ok()?;
    let target = sso
        .sso_services
        .iter()
        .find(|e| e.binding == ns::BINDING_HTTP_REDIRECT)
        .or(sso.sso_services.first())?;
    let now = state.aws.now();
    let instant = now
        .format(&time::format_description::well_known::Rfc3339)
        .ok()?;
    let request = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{}" Version="2.0" IssueInstant="{instant}" AssertionConsumerServiceURL="{ACS_URL}"><saml:Issuer>{SP_ENTITY_ID}</saml:Issuer></samlp:AuthnRequest>"#,
        uuid::Uuid::new_v4().simple()
    );
    let query = connect_sso_saml::binding::encode_redirect(request.as_bytes());
    let location = format!(
        "{}?SAMLRequest={}",
        state.urls.to_local(&target.location),
        percent_encoding::utf8_percent_encode(&query, percent_encoding::NON_ALPHANUMERIC)
    );
    let mut r = StatusCode::FOUND.into_response();
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_str(&location).ok()?);
    Some(r)
}

/// The signed-in user of the request's `ic_portal` cookie.
fn session_user(state: &State, headers: &HeaderMap) -> Result<String, PageError> {
    let now = state.aws.now().unix_timestamp();
    let ic = lock(state);
    crate::cookie_values(headers, PORTAL_COOKIE)
        .find_map(|v| ic.portal_session(v, now).map(|s| s.user_id.clone()))
        .ok_or_else(|| {
            PageError::new(
                StatusCode::UNAUTHORIZED,
                "SessionExpired",
                "You are not signed in to the AWS access portal: sign in through your identity provider.",
            )
        })
}

/// `GET /aws/identity-center/start`: the access portal, one tile per assigned application.
pub async fn start(AxState(state): AxState<Arc<State>>, headers: HeaderMap) -> Response {
    let user_id = match session_user(&state, &headers) {
        Ok(u) => u,
        Err(e) => return to_identity_provider(&state).unwrap_or_else(|| e.into_page()),
    };
    let ic = lock(&state);
    let user_name = ic
        .store
        .users
        .iter()
        .find(|u| u.id == user_id)
        .map_or(String::new(), |u| u.user_name.clone());
    let tiles: String = ic
        .applications
        .iter()
        .filter(|a| ic.is_assigned(&a.arn, &user_id))
        .map(|a| {
            format!(
                "<a class=\"portal-tile\" data-application-arn=\"{}\" href=\"/aws/identity-center/start/applications/{}\">{}</a>\n",
                crate::markup_escape(&a.arn),
                crate::markup_escape(&a.id),
                crate::markup_escape(&a.config.name)
            )
        })
        .collect();
    page(
        StatusCode::OK,
        "AWS access portal",
        &format!(
            "<p id=\"signed_in_as\">{}</p>\n<div id=\"applications\">\n{tiles}</div>",
            crate::markup_escape(&user_name)
        ),
    )
}

/// `GET /aws/identity-center/start/applications/{app}`: the application's signed Response in
/// an auto-post form to its ACS (mapped to the sandbox).
pub async fn launch(
    AxState(state): AxState<Arc<State>>,
    Path(app): Path<String>,
    headers: HeaderMap,
) -> Response {
    match launch_form(&state, &app, &headers) {
        Ok(r) => r,
        Err(e) => e.into_page(),
    }
}

fn launch_form(state: &State, app: &str, headers: &HeaderMap) -> Result<Response, PageError> {
    let user_id = session_user(state, headers)?;
    let now = state.aws.now();
    let (xml, acs, relay_state) = {
        let ic = lock(state);
        let a = ic.application(app).ok_or_else(|| app_not_found(app))?;
        if !ic.is_assigned(&a.arn, &user_id) {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "NotAssigned",
                format!(
                    "You are not assigned to the application {:?}: an administrator must assign you (or a group of yours) to it.",
                    a.config.name
                ),
            ));
        }
        let user = ic
            .store
            .users
            .iter()
            .find(|u| u.id == user_id)
            .ok_or_else(|| {
                PageError::new(
                    StatusCode::UNAUTHORIZED,
                    "SessionExpired",
                    "Your user no longer exists in the identity store: sign in again.",
                )
            })?;
        let xml = a
            .response_for(user, now)
            .map_err(|m| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure", m))?;
        (xml, a.config.acs_url.clone(), a.config.relay_state.clone())
    };
    Ok(auto_post(
        &state.urls.to_local(&acs),
        &STANDARD.encode(xml.as_bytes()),
        &relay_state,
    ))
}

/// The auto-submitting form carrying the Response (`RelayState` only when set).
fn auto_post(action: &str, saml_response_b64: &str, relay_state: &str) -> Response {
    let relay = if relay_state.is_empty() {
        String::new()
    } else {
        format!(
            "<input type=\"hidden\" name=\"RelayState\" value=\"{}\" />",
            crate::markup_escape(relay_state)
        )
    };
    page(
        StatusCode::OK,
        "Working...",
        &format!(
            "<form method=\"POST\" name=\"hiddenform\" action=\"{}\">\
<input type=\"hidden\" name=\"SAMLResponse\" value=\"{}\" />{relay}\
<noscript><input type=\"submit\" value=\"Submit\" /></noscript></form>\
<script>window.setTimeout(function(){{document.forms[0].submit();}}, 0);</script>",
            crate::markup_escape(action),
            crate::markup_escape(saml_response_b64)
        ),
    )
}
