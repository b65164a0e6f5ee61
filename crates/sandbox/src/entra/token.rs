//! The OAuth 2.0 token endpoint (client credentials) and the access tokens it issues.
//!
//! Tokens are JWT-shaped (`header.payload.signature`) with the claims Entra puts in an
//! app-only Graph token (`aud`, `iss`, `tid`, `appid`, `oid`, `roles`, `exp`…), signed with
//! HS256 under a key only this sandbox knows. Graph checks them with [`validate`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::State;

/// Lifetime of issued access tokens, in seconds (Entra's default for app-only tokens).
pub const TOKEN_LIFETIME_SECS: i64 = 3599;
/// The Graph resource, as `aud` and as the scope prefix.
pub const GRAPH_RESOURCE: &str = "https://graph.microsoft.com";

/// Claims of an issued access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// Audience (`https://graph.microsoft.com`).
    pub aud: String,
    /// Issuer (`https://sts.windows.net/{tid}/`).
    pub iss: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry.
    pub exp: i64,
    /// Client ID of the caller.
    pub appid: String,
    /// Display name of the caller's app.
    pub app_displayname: String,
    /// `app` for app-only tokens.
    pub idtyp: String,
    /// Object ID of the caller's service principal.
    pub oid: String,
    /// Graph application permissions granted to the caller.
    pub roles: Vec<String>,
    /// Subject (same as `oid` for app-only tokens).
    pub sub: String,
    /// Tenant ID.
    pub tid: String,
    /// Token version.
    pub ver: String,
}

/// Why a bearer token was refused (the Graph `InvalidAuthenticationToken` message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRejection {
    /// No `Authorization: Bearer` header.
    #[error("Access token is empty.")]
    Missing,
    /// Not three base64url parts with JSON inside.
    #[error("IDX14100: JWT is not well formed, there are no dots (.).")]
    Malformed,
    /// The signature does not verify (not issued by this sandbox, or altered).
    #[error("Access token validation failure. Invalid signature.")]
    BadSignature,
    /// Audience is not Graph.
    #[error("Access token validation failure. Invalid audience.")]
    Audience,
    /// Expired.
    #[error("Lifetime validation failed, the token is expired.")]
    Expired,
}

fn hmac_key(key_hex: &str) -> aws_lc_rs::hmac::Key {
    aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key_hex.as_bytes())
}

/// Sign claims into a token with the sandbox's token key.
pub fn issue(claims: &AccessClaims, key_hex: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256","kid":"sandbox"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let tag = aws_lc_rs::hmac::sign(&hmac_key(key_hex), signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// Check a bearer token (signature, audience, lifetime) and return its claims.
pub fn validate(
    token: &str,
    key_hex: &str,
    now: OffsetDateTime,
) -> Result<AccessClaims, TokenRejection> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenRejection::Malformed);
    };
    let sig = URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|_| TokenRejection::Malformed)?;
    let input = format!("{h}.{p}");
    aws_lc_rs::hmac::verify(&hmac_key(key_hex), input.as_bytes(), &sig)
        .map_err(|_| TokenRejection::BadSignature)?;
    let payload = URL_SAFE_NO_PAD
        .decode(p)
        .map_err(|_| TokenRejection::Malformed)?;
    let claims: AccessClaims =
        serde_json::from_slice(&payload).map_err(|_| TokenRejection::Malformed)?;
    if claims.aud != GRAPH_RESOURCE && claims.aud != "00000003-0000-0000-c000-000000000000" {
        return Err(TokenRejection::Audience);
    }
    if now.unix_timestamp() >= claims.exp {
        return Err(TokenRejection::Expired);
    }
    Ok(claims)
}

/// The form of a client credentials token request.
#[derive(Deserialize, Default)]
pub struct TokenRequest {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    scope: Option<String>,
}

/// Entra's OAuth error body, stamped with `now` (the sandbox clock's time).
fn oauth_error(
    now: OffsetDateTime,
    status: StatusCode,
    error: &str,
    code: u32,
    message: &str,
) -> Response {
    let stamp = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let trace = super::new_guid();
    let correlation = super::new_guid();
    let body = serde_json::json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (
        status,
        [(header::CACHE_CONTROL, "no-store, no-cache")],
        Json(body),
    )
        .into_response()
}

/// `POST /entra/{tenant}/oauth2/v2.0/token` (form body; client secret in the body or in
/// HTTP Basic authentication).
pub async fn token_endpoint(
    AxState(state): AxState<Arc<State>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let now = state.clock.now();
    let mut req: TokenRequest = serde_urlencoded::from_str(&body).unwrap_or_default();
    if let Some((id, secret)) = basic_auth(&headers) {
        req.client_id.get_or_insert(id);
        req.client_secret.get_or_insert(secret);
    }
    let dir = state.entra.dir();
    let Some(t) = dir.tenant(&tenant) else {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        );
    };
    match req.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                now,
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            );
        }
        None => {
            return oauth_error(
                now,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
    }
    let Some(client_id) = req.client_id.filter(|c| !c.is_empty()) else {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(scope) = req.scope.filter(|s| !s.is_empty()) else {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let app = t
        .application_by_app_id(&client_id)
        .filter(|a| super::model::is_visible(a.visible_after, now));
    let Some(app) = app else {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                t.display_name
            ),
        );
    };
    let Some(secret) = req.client_secret.filter(|s| !s.is_empty()) else {
        return oauth_error(
            now,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    };
    let hash = super::sha256_hex(secret.as_bytes());
    let matching = app
        .password_credentials
        .iter()
        .find(|c| c.secret_sha256 == hash);
    match matching {
        None => {
            return oauth_error(
                now,
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                    app.app_id
                ),
            );
        }
        Some(c) if c.end <= now => {
            return oauth_error(
                now,
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000222,
                &format!(
                    "The provided client secret keys for app '{}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds",
                    app.app_id
                ),
            );
        }
        Some(_) => {}
    }
    // Client credentials: exactly one scope, `{resource}/.default`.
    let resource = match scope.trim().strip_suffix("/.default") {
        Some(r) if !scope.trim().contains(' ') => r.to_string(),
        _ => {
            return oauth_error(
                now,
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                1002012,
                &format!(
                    "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
                ),
            );
        }
    };
    if resource != GRAPH_RESOURCE && resource != "00000003-0000-0000-c000-000000000000" {
        return oauth_error(
            now,
            StatusCode::BAD_REQUEST,
            "invalid_resource",
            500011,
            &format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                t.display_name
            ),
        );
    }
    let sp_id = t
        .service_principal_by_app_id(&app.app_id)
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let iat = now.unix_timestamp();
    let claims = AccessClaims {
        aud: GRAPH_RESOURCE.into(),
        iss: format!("https://sts.windows.net/{}/", t.id),
        iat,
        nbf: iat,
        exp: iat + TOKEN_LIFETIME_SECS,
        appid: app.app_id.clone(),
        app_displayname: app.display_name.clone(),
        idtyp: "app".into(),
        oid: sp_id.clone(),
        roles: app.graph_permissions.clone(),
        sub: sp_id,
        tid: t.id.clone(),
        ver: "1.0".into(),
    };
    let token = issue(&claims, &dir.token_key);
    drop(dir);
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store, no-cache")],
        Json(serde_json::json!({
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECS,
            "ext_expires_in": TOKEN_LIFETIME_SECS,
            "access_token": token,
        })),
    )
        .into_response()
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let b64 = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let dec = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    Some((dec(id), dec(secret)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> AccessClaims {
        AccessClaims {
            aud: GRAPH_RESOURCE.into(),
            iss: "https://sts.windows.net/t/".into(),
            iat: 0,
            nbf: 0,
            exp,
            appid: "a".into(),
            app_displayname: "a".into(),
            idtyp: "app".into(),
            oid: "o".into(),
            roles: vec!["User.Read.All".into()],
            sub: "o".into(),
            tid: "t".into(),
            ver: "1.0".into(),
        }
    }

    #[test]
    fn issued_tokens_validate_and_altered_ones_do_not() {
        let now = OffsetDateTime::now_utc();
        let c = claims(now.unix_timestamp() + 60);
        let t = issue(&c, "k1");
        assert_eq!(validate(&t, "k1", now), Ok(c.clone()));
        assert_eq!(validate(&t, "k2", now), Err(TokenRejection::BadSignature));
        // Payload swapped for one granting more roles: signature no longer matches.
        let mut more = c.clone();
        more.roles.push("Application.ReadWrite.All".into());
        let forged_payload = issue(&more, "other").split('.').nth(1).map(str::to_string);
        let parts: Vec<&str> = t.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            forged_payload.unwrap_or_default(),
            parts[2]
        );
        assert_eq!(
            validate(&forged, "k1", now),
            Err(TokenRejection::BadSignature)
        );
        assert_eq!(
            validate("not-a-token", "k1", now),
            Err(TokenRejection::Malformed)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let now = OffsetDateTime::now_utc();
        let t = issue(&claims(now.unix_timestamp() - 1), "k");
        assert_eq!(validate(&t, "k", now), Err(TokenRejection::Expired));
    }
}
