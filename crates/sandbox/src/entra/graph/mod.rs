//! Microsoft Graph v1.0 subset under `/entra/graph/v1.0/`, answering JSON as Graph does
//! (`@odata.context`, `value`, `@odata.nextLink`, `$select`, `$filter`, `$top`; Graph's
//! error bodies). Every request needs a bearer token from [`super::token`]; the token's
//! `roles` decide what it may do (403 `Authorization_RequestDenied` otherwise).
//!
//! Routes: `applicationTemplates/{id}/instantiate`; `applications[/{id}]`;
//! `servicePrincipals[/{id}]` with `addTokenSigningCertificate`, `claimsMappingPolicies[/$ref]`,
//! `appRoleAssignedTo`; `policies/claimsMappingPolicies[/{id}]`; `users[/{id}]`, `users/delta`,
//! `users/{id}/memberOf`, `users/{id}/appRoleAssignments`; `groups[/{id}]`, `groups/delta`,
//! `groups/{id}/members[/$ref]`, `groups/{id}/transitiveMembers`.

mod apps;
mod directory;
pub mod odata;
pub mod synchronization;

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri, State as AxState};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::model::{Directory, Tenant};
use super::token::{self, TokenRejection};
use crate::State;

/// Graph application permissions that allow reading applications and service principals.
const APP_READ: &[&str] = &[
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// … writing them.
const APP_WRITE: &[&str] = &[
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.ReadWrite.All",
];
/// … managing app role assignments.
const ASSIGNMENT_WRITE: &[&str] = &["AppRoleAssignment.ReadWrite.All", "Directory.ReadWrite.All"];
/// … reading policies.
const POLICY_READ: &[&str] = &[
    "Policy.Read.All",
    "Policy.ReadWrite.ApplicationConfiguration",
    "Directory.Read.All",
];
/// … writing claims mapping policies.
const POLICY_WRITE: &[&str] = &["Policy.ReadWrite.ApplicationConfiguration"];
/// … reading users.
const USER_READ: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// … writing users.
const USER_WRITE: &[&str] = &["User.ReadWrite.All", "Directory.ReadWrite.All"];
/// … reading groups and memberships.
const GROUP_READ: &[&str] = &[
    "Group.Read.All",
    "GroupMember.Read.All",
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// … writing groups and memberships.
const GROUP_WRITE: &[&str] = &[
    "Group.ReadWrite.All",
    "GroupMember.ReadWrite.All",
    "Directory.ReadWrite.All",
];

/// Routes under `/entra/graph/v1.0`.
pub(crate) fn router() -> axum::Router<Arc<State>> {
    axum::Router::new()
        .route(
            "/applicationTemplates/{id}/instantiate",
            post(apps::instantiate),
        )
        .route("/applications", get(apps::list_applications))
        .route(
            "/applications/{id}",
            get(apps::get_application)
                .patch(apps::patch_application)
                .delete(apps::delete_application),
        )
        .route("/servicePrincipals", get(apps::list_service_principals))
        .route(
            "/servicePrincipals/{id}",
            get(apps::get_service_principal)
                .patch(apps::patch_service_principal)
                .delete(apps::delete_service_principal),
        )
        .route(
            "/servicePrincipals/{id}/addTokenSigningCertificate",
            post(apps::add_token_signing_certificate),
        )
        .route(
            "/servicePrincipals/{id}/claimsMappingPolicies",
            get(apps::list_sp_policies),
        )
        .route(
            "/servicePrincipals/{id}/claimsMappingPolicies/$ref",
            post(apps::add_sp_policy_ref).get(apps::list_sp_policy_refs),
        )
        .route(
            "/servicePrincipals/{id}/claimsMappingPolicies/{policy_id}/$ref",
            delete(apps::remove_sp_policy_ref),
        )
        .route(
            "/servicePrincipals/{id}/appRoleAssignedTo",
            get(apps::list_assignments).post(apps::add_assignment),
        )
        .route(
            "/servicePrincipals/{id}/appRoleAssignedTo/{assignment_id}",
            get(apps::get_assignment).delete(apps::remove_assignment),
        )
        .route(
            "/servicePrincipals/{id}/synchronization/jobs",
            get(synchronization::list_jobs).post(synchronization::create_job),
        )
        .route(
            "/servicePrincipals/{id}/synchronization/jobs/{job_id}",
            get(synchronization::get_job),
        )
        .route(
            "/servicePrincipals/{id}/synchronization/jobs/{job_id}/start",
            post(synchronization::start_job),
        )
        .route(
            "/servicePrincipals/{id}/synchronization/secrets",
            axum::routing::put(synchronization::put_secrets),
        )
        .route(
            "/policies/claimsMappingPolicies",
            get(apps::list_policies).post(apps::create_policy),
        )
        .route(
            "/policies/claimsMappingPolicies/{id}",
            get(apps::get_policy)
                .patch(apps::patch_policy)
                .delete(apps::delete_policy),
        )
        .route(
            "/users",
            get(directory::list_users).post(directory::create_user),
        )
        .route("/users/delta", get(directory::users_delta))
        .route(
            "/users/{id}",
            get(directory::get_user)
                .patch(directory::patch_user)
                .delete(directory::delete_user),
        )
        .route("/users/{id}/memberOf", get(directory::user_member_of))
        .route(
            "/users/{id}/appRoleAssignments",
            get(directory::user_app_role_assignments),
        )
        .route(
            "/groups",
            get(directory::list_groups).post(directory::create_group),
        )
        .route("/groups/delta", get(directory::groups_delta))
        .route(
            "/groups/{id}",
            get(directory::get_group)
                .patch(directory::patch_group)
                .delete(directory::delete_group),
        )
        .route("/groups/{id}/members", get(directory::group_members))
        .route("/groups/{id}/members/$ref", post(directory::add_member))
        .route(
            "/groups/{id}/members/{member_id}/$ref",
            delete(directory::remove_member),
        )
        .route(
            "/groups/{id}/transitiveMembers",
            get(directory::group_transitive_members),
        )
        // A catch-all route rather than a fallback: fallbacks of doubly nested routers are
        // not reached.
        .route("/{*rest}", any(alternate_key_or_unknown))
}

/// `applications(appId='…')` and `servicePrincipals(appId='…')` (Graph's alternate key
/// addressing; GET, PATCH, DELETE), else Graph's answer to an unknown segment.
async fn alternate_key_or_unknown(
    st: St,
    caller: Result<GraphCaller, GraphError>,
    method: axum::http::Method,
    OriginalUri(uri): OriginalUri,
    q: Query,
    body: axum::body::Bytes,
) -> Result<Response, GraphError> {
    let last = uri
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let decoded = percent_encoding::percent_decode_str(last).decode_utf8_lossy();
    let parsed = decoded.split_once('(').and_then(|(set, rest)| {
        let key = rest.strip_suffix(')')?;
        let (name, value) = key.split_once('=')?;
        let value = value.strip_prefix('\'')?.strip_suffix('\'')?;
        name.eq_ignore_ascii_case("appId")
            .then(|| (set.to_string(), value.to_string()))
    });
    let Some((set, app_id)) = parsed else {
        return Err(unknown_segment(OriginalUri(uri)).await);
    };
    let is_app = set.eq_ignore_ascii_case("applications");
    if !is_app && !set.eq_ignore_ascii_case("servicePrincipals") {
        return Err(unknown_segment(OriginalUri(uri)).await);
    }
    let caller = caller?;
    caller.require(APP_READ)?;
    let id = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = st.0.clock.now();
        let found = if is_app {
            t.application_by_app_id(&app_id)
                .filter(|a| super::model::is_visible(a.visible_after, now))
                .map(|a| a.id.clone())
        } else {
            t.service_principal_by_app_id(&app_id)
                .filter(|s| super::model::is_visible(s.visible_after, now))
                .map(|s| s.id.clone())
        };
        found.ok_or_else(|| GraphError::not_found(&format!("appId={app_id}")))?
    };
    let path = axum::extract::Path(id);
    match (is_app, method) {
        (true, axum::http::Method::GET) => apps::get_application(st, caller, path, q).await,
        (true, axum::http::Method::PATCH) => apps::patch_application(st, caller, path, body).await,
        (true, axum::http::Method::DELETE) => apps::delete_application(st, caller, path).await,
        (false, axum::http::Method::GET) => apps::get_service_principal(st, caller, path, q).await,
        (false, axum::http::Method::PATCH) => {
            apps::patch_service_principal(st, caller, path, body).await
        }
        (false, axum::http::Method::DELETE) => {
            apps::delete_service_principal(st, caller, path).await
        }
        _ => Err(GraphError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "The HTTP method is not supported on this resource.",
        )),
    }
}

async fn unknown_segment(OriginalUri(uri): OriginalUri) -> GraphError {
    let segment = uri
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{segment}'."),
    )
}

/// A Graph error answer: `{"error":{"code","message","innerError":{…}}}`.
#[derive(Debug, Clone)]
pub struct GraphError {
    status: StatusCode,
    code: String,
    message: String,
    retry_after: Option<u64>,
}

impl GraphError {
    /// Any error.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            retry_after: None,
        }
    }
    /// 429 `TooManyRequests` with `Retry-After`.
    pub fn throttled(retry_after_seconds: u64) -> Self {
        Self {
            retry_after: Some(retry_after_seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Too many requests. Retry after the number of seconds in the Retry-After header.",
            )
        }
    }
    /// 404 `Request_ResourceNotFound` for an object ID.
    pub fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }
    /// 400 `Request_BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }
    /// 403 `Authorization_RequestDenied`.
    pub fn denied() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// A [`GraphError`] waiting in a response's extensions for [`stamp_errors`] to render it
/// with the sandbox clock's time (its `innerError.date`).
#[derive(Clone)]
struct UnrenderedError(GraphError);

/// Render the [`GraphError`] answers of the Graph routes, stamped with the sandbox clock
/// (the middleware of every Graph route; errors are left unrendered by
/// [`GraphError::into_response`] because they are built where no clock is at hand).
pub(crate) async fn stamp_errors(
    AxState(state): AxState<Arc<State>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut resp = next.run(req).await;
    match resp.extensions_mut().remove::<UnrenderedError>() {
        Some(UnrenderedError(e)) => e.render(state.clock.now()),
        None => resp,
    }
}

impl GraphError {
    /// The answer, with `now` as `innerError.date`.
    fn render(self, now: OffsetDateTime) -> Response {
        let request_id = super::new_guid();
        let body = serde_json::json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": super::graph_time(now).trim_end_matches('Z'),
                    "request-id": request_id,
                    "client-request-id": request_id,
                }
            }
        });
        let mut resp = (self.status, Json(body)).into_response();
        if let Ok(v) = header::HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert("request-id", v);
        }
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static(
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                ),
            );
        }
        resp
    }
}

impl IntoResponse for GraphError {
    /// The status only, with the error kept for [`stamp_errors`] to render.
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(UnrenderedError(self));
        resp
    }
}

/// The authenticated caller of a Graph request (from its bearer token).
#[derive(Debug, Clone)]
pub struct GraphCaller {
    /// Tenant the token was issued in.
    pub tenant_id: String,
    /// Client ID.
    pub app_id: String,
    /// Granted application permissions.
    pub roles: Vec<String>,
}

impl GraphCaller {
    /// Allow the call when any of `permissions` was granted.
    fn require(&self, permissions: &[&str]) -> Result<(), GraphError> {
        if self
            .roles
            .iter()
            .any(|r| permissions.iter().any(|p| p.eq_ignore_ascii_case(r)))
        {
            Ok(())
        } else {
            Err(GraphError::denied())
        }
    }
}

impl FromRequestParts<Arc<State>> for GraphCaller {
    type Rejection = GraphError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<State>,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = |r: TokenRejection| {
            GraphError::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                r.to_string(),
            )
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .trim();
        let bearer = value
            .get(..7)
            .filter(|p| p.eq_ignore_ascii_case("bearer "))
            .map(|_| value[7..].trim())
            .filter(|t| !t.is_empty())
            .ok_or(TokenRejection::Missing)
            .map_err(unauthenticated)?;
        if let Some(retry_after) = state.entra.take_throttle() {
            return Err(GraphError::throttled(retry_after));
        }
        let key = state.entra.dir().token_key.clone();
        let claims = token::validate(bearer, &key, state.clock.now()).map_err(unauthenticated)?;
        Ok(Self {
            tenant_id: claims.tid,
            app_id: claims.appid,
            roles: claims.roles,
        })
    }
}

/// The request's URL path and query parameters (for OData options and paging links).
#[derive(Debug, Clone)]
pub struct Query {
    path: String,
    params: Vec<(String, String)>,
}

impl Query {
    /// A query option, with or without the `$` prefix (case-insensitive name).
    fn get(&self, name: &str) -> Option<&str> {
        let bare = name.trim_start_matches('$');
        self.params
            .iter()
            .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case(bare))
            .map(|(_, v)| v.as_str())
    }
    /// `$select` as a list.
    fn select(&self) -> Option<Vec<String>> {
        self.get("$select").map(|s| {
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        })
    }
    /// This URL with `name` set to `value` (other paging tokens removed).
    fn link_with(&self, state: &State, name: &str, value: &str) -> String {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.params {
            let bare = k.trim_start_matches('$');
            if ["skiptoken", "deltatoken"]
                .iter()
                .any(|t| t.eq_ignore_ascii_case(bare))
            {
                continue;
            }
            ser.append_pair(k, v);
        }
        ser.append_pair(name, value);
        format!("{}{}?{}", state.urls.base(), self.path, ser.finish())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let params = uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            path: uri.path().to_string(),
            params,
        })
    }
}

/// `https://…/v1.0` of this sandbox (for `@odata.context`).
fn graph_root(state: &State) -> String {
    format!("{}/v1.0", state.urls.graph())
}

/// The caller's tenant, read-only.
fn tenant<'a>(dir: &'a Directory, caller: &GraphCaller) -> Result<&'a Tenant, GraphError> {
    dir.tenant(&caller.tenant_id).ok_or_else(|| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        )
    })
}

/// The caller's tenant, mutable.
fn tenant_mut<'a>(
    dir: &'a mut Directory,
    caller: &GraphCaller,
) -> Result<&'a mut Tenant, GraphError> {
    dir.tenant_mut(&caller.tenant_id).ok_or_else(|| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        )
    })
}

/// Parse a JSON object body.
fn json_body(body: &[u8]) -> Result<Map<String, Value>, GraphError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

/// Reject properties a PATCH may not set (keys starting with `@` are annotations and ignored).
fn only_properties(
    body: &Map<String, Value>,
    allowed: &[&str],
    resource: &str,
) -> Result<(), GraphError> {
    for k in body.keys() {
        if k.starts_with('@') {
            continue;
        }
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(k)) {
            return Err(GraphError::bad_request(format!(
                "Property '{k}' is read-only or not supported on resource '{resource}' by this sandbox."
            )));
        }
    }
    Ok(())
}

/// The value of a property (case-insensitive name).
fn prop<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A nullable string property: `Ok(None)` absent, `Ok(Some(None))` null.
#[allow(clippy::option_option)]
fn opt_string(
    body: &Map<String, Value>,
    name: &str,
    resource: &str,
) -> Result<Option<Option<String>>, GraphError> {
    match prop(body, name) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(invalid_value(name, resource)),
    }
}

/// A list of strings property.
fn string_list(v: &Value, name: &str, resource: &str) -> Result<Vec<String>, GraphError> {
    v.as_array()
        .ok_or_else(|| invalid_value(name, resource))?
        .iter()
        .map(|x| {
            x.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid_value(name, resource))
        })
        .collect()
}

/// Graph's "Invalid value specified for property" error.
fn invalid_value(name: &str, resource: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Invalid value specified for property '{name}' of resource '{resource}'."
    ))
}

/// A single entity answer.
fn entity(state: &State, context: &str, mut obj: Map<String, Value>, q: &Query) -> Response {
    if let Some(sel) = q.select() {
        obj = odata::select(obj, &sel);
    }
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#{context}", graph_root(state))),
    );
    out.extend(obj);
    (StatusCode::OK, Json(Value::Object(out))).into_response()
}

/// A `201 Created` answer.
fn created(state: &State, context: &str, obj: Map<String, Value>) -> Response {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#{context}", graph_root(state))),
    );
    out.extend(obj);
    (StatusCode::CREATED, Json(Value::Object(out))).into_response()
}

/// `204 No Content`.
fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// Page size for `$top` (default 100, at most 999 as in Graph).
fn page_size(q: &Query) -> Result<usize, GraphError> {
    match q.get("$top") {
        None => Ok(100),
        Some(t) => match t.parse::<usize>() {
            Ok(n) if (1..=999).contains(&n) => Ok(n),
            _ => Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                format!("Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."),
            )),
        },
    }
}

fn encode_skiptoken(offset: usize) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_skiptoken(token: &str) -> Result<usize, GraphError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("offset:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| GraphError::bad_request("Invalid $skiptoken."))
}

/// A collection answer: apply `$filter`, page with `$top`/`$skiptoken`, project `$select`
/// (or `default_select` when none is given).
fn collection(
    state: &State,
    context: &str,
    items: Vec<Map<String, Value>>,
    q: &Query,
    default_select: Option<&[&str]>,
) -> Result<Response, GraphError> {
    let filtered: Vec<Map<String, Value>> = match q.get("$filter") {
        Some(f) => {
            let filter = odata::parse_filter(f).map_err(|e| {
                GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", e.to_string())
            })?;
            items.into_iter().filter(|o| filter.matches(o)).collect()
        }
        None => items,
    };
    let (offset, size) = window(q)?;
    let total = filtered.len();
    let page = filtered.into_iter().skip(offset).take(size).collect();
    page_response(
        state,
        context,
        page,
        offset + size < total,
        offset + size,
        q,
        default_select,
    )
}

/// Like [`collection`] for a list of object IDs: without `$filter`, only the page's objects
/// are turned into JSON (a 10,000-member group read 999 at a time stays linear overall).
fn collection_of_ids(
    state: &State,
    context: &str,
    ids: &[String],
    to_json: impl Fn(&[String]) -> Vec<Map<String, Value>>,
    q: &Query,
    default_select: Option<&[&str]>,
) -> Result<Response, GraphError> {
    if q.get("$filter").is_some() {
        return collection(state, context, to_json(ids), q, default_select);
    }
    let (offset, size) = window(q)?;
    let end = offset.saturating_add(size).min(ids.len());
    let page = to_json(ids.get(offset.min(end)..end).unwrap_or_default());
    page_response(
        state,
        context,
        page,
        end < ids.len(),
        end,
        q,
        default_select,
    )
}

/// `$skiptoken` and `$top`: the offset and size of the page asked for.
fn window(q: &Query) -> Result<(usize, usize), GraphError> {
    let size = page_size(q)?;
    let offset = match q.get("$skiptoken") {
        Some(t) => decode_skiptoken(t)?,
        None => 0,
    };
    Ok((offset, size))
}

/// One page of a collection: `$select` applied, `@odata.nextLink` to `next` when `more`.
fn page_response(
    state: &State,
    context: &str,
    page: Vec<Map<String, Value>>,
    more: bool,
    next: usize,
    q: &Query,
    default_select: Option<&[&str]>,
) -> Result<Response, GraphError> {
    let select = q
        .select()
        .or_else(|| default_select.map(|d| d.iter().map(|s| s.to_string()).collect()));
    let page: Vec<Value> = page
        .into_iter()
        .map(|o| {
            Value::Object(match &select {
                Some(sel) => odata::select(o, sel),
                None => o,
            })
        })
        .collect();
    let mut out = Map::new();
    let ctx = match q.select() {
        Some(sel) => format!("{context}({})", sel.join(",")),
        None => context.to_string(),
    };
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#{ctx}", graph_root(state))),
    );
    if more {
        out.insert(
            "@odata.nextLink".into(),
            Value::String(q.link_with(state, "$skiptoken", &encode_skiptoken(next))),
        );
    }
    out.insert("value".into(), Value::Array(page));
    Ok((StatusCode::OK, Json(Value::Object(out))).into_response())
}

/// Extract an object ID from an `@odata.id` reference
/// (`https://graph.microsoft.com/v1.0/directoryObjects/{id}` or any URL ending in the ID).
fn odata_id(body: &Map<String, Value>) -> Result<String, GraphError> {
    let v = prop(body, "@odata.id")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("Invalid reference: '@odata.id' is required."))?;
    let id = v
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(')')
        .rsplit('(')
        .next()
        .unwrap_or_default()
        .trim_matches('\'');
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(GraphError::bad_request(format!(
            "Invalid object identifier '{id}'."
        )));
    }
    Ok(id.to_string())
}

/// A path ID must be a GUID; Graph answers 400 otherwise, which we mirror.
fn check_guid(id: &str) -> Result<(), GraphError> {
    if uuid::Uuid::parse_str(id).is_ok() {
        Ok(())
    } else {
        Err(GraphError::bad_request(format!(
            "Invalid object identifier '{id}'."
        )))
    }
}

/// Shared by handlers: the sandbox state type.
type St = AxState<Arc<State>>;
