//! SCIM 2.0 endpoint of the identity store (`/aws/identity-center/scim/v2`), what Entra's
//! provisioning service calls (FACTS.md §5), with Identity Center's own restrictions (its
//! "SCIM implementation developer guide"): filters are `attr eq "value"` joined by `and`
//! only; no `/Bulk`, `/Me`, `/.search`; users carry one e-mail address; `GET` of a group
//! answers an empty member list (find memberships with `filter=members eq "<userId>"`);
//! at most 100 membership changes per request; pages of at most 50.
//!
//! Bounds: bodies are read up to [`MAX_BODY_BYTES`] (else 413), JSON nesting is serde_json's
//! (128 levels), PATCH requests carry at most [`MAX_PATCH_OPERATIONS`] operations, strings
//! at most [`MAX_STRING_CHARS`] characters (`userName` 128). Every request needs a bearer
//! token issued by [`enable_provisioning`] (else 401).

use std::sync::{Arc, MutexGuard, PoisonError};

use axum::extract::{FromRequestParts, Path, Query, State as AxState};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::IdentityCenter;
use super::store::{Group, IdentityStore, StoreError, User, UserFields};
use crate::State;

/// Largest request body read (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Most membership changes (members added or removed) in one request (Identity Center's).
pub const MAX_MEMBER_CHANGES: usize = 100;
/// Most operations in one PATCH request.
pub const MAX_PATCH_OPERATIONS: usize = 100;
/// Largest page of a list (Identity Center's).
pub const MAX_PAGE: usize = 50;
/// Longest string attribute (the identity store's `SensitiveStringType`).
pub const MAX_STRING_CHARS: usize = 1024;
/// Longest `userName` (the identity store's `UserName`).
pub const MAX_USER_NAME_CHARS: usize = 128;
/// The SCIM tenant of the sandbox's instance (the path segment of the real endpoint).
pub const SCIM_TENANT_ID: &str = "9067a1b2-c3d4-4e5f-8a9b-0c1d2e3f4a5b";

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The real SCIM endpoint of the sandbox's instance (what the console shows).
pub fn scim_endpoint() -> String {
    format!("https://scim.us-east-1.amazonaws.com/{SCIM_TENANT_ID}/scim/v2")
}

/// Lock Identity Center (a poisoned lock is taken over).
pub(crate) fn lock(state: &State) -> MutexGuard<'_, IdentityCenter> {
    state
        .aws
        .identity_center
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Make a change to the identity store and, when it succeeds, mark AWS's state changed.
fn change<T>(
    state: &State,
    make: impl FnOnce(&mut IdentityStore) -> Result<T, ScimError>,
) -> Result<T, ScimError> {
    let made = make(&mut lock(state).store)?;
    state.aws.changed();
    Ok(made)
}

/// The user with this ID, or SCIM's 404.
fn user_of<'a>(store: &'a IdentityStore, id: &str) -> Result<&'a User, ScimError> {
    store
        .user(id)
        .ok_or_else(|| ScimError::not_found("User", id))
}

/// The group with this ID, or SCIM's 404.
fn group_of<'a>(store: &'a IdentityStore, id: &str) -> Result<&'a Group, ScimError> {
    store
        .group(id)
        .ok_or_else(|| ScimError::not_found("Group", id))
}

/// Routes under `/aws/identity-center/scim/v2`.
pub fn router() -> axum::Router<Arc<State>> {
    axum::Router::new()
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(put_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/Groups", get(list_groups).post(create_group))
        .route(
            "/Groups/{id}",
            get(get_group).patch(patch_group).delete(delete_group),
        )
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/{*rest}", axum::routing::any(unsupported))
}

/// The console's "Enable automatic provisioning" (`POST /aws/_admin/identity-center/provisioning`):
/// a new SCIM token, shown this once, and the SCIM endpoint.
pub async fn enable_provisioning(AxState(state): AxState<Arc<State>>) -> Response {
    let token = lock(&state).store.issue_scim_token();
    state.aws.changed();
    let body = json!({ "scim_endpoint": scim_endpoint(), "token": token });
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// A SCIM error answer (RFC 7644 §3.12).
#[derive(Debug, Clone)]
pub struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }
    fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidValue"), detail)
    }
    fn syntax(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some("invalidSyntax"), detail)
    }
    fn no_target() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            Some("noTarget"),
            "An operation without a path needs an object value.",
        )
    }
    fn not_found(what: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            None,
            format!("{what} {id} not found."),
        )
    }
}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, Some("uniqueness"), m),
            StoreError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, None, m),
            StoreError::Limit(m) => Self::new(StatusCode::BAD_REQUEST, Some("tooMany"), m),
            StoreError::Invalid(m) => Self::invalid(m),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = Value::from(t);
        }
        scim_answer(self.status, &body)
    }
}

/// A SCIM answer: `application/scim+json`.
fn scim_answer(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    resp
}

/// A request that carries a live SCIM bearer token, with the state it is served from.
pub struct ScimAuth(pub Arc<State>);

impl FromRequestParts<Arc<State>> for ScimAuth {
    type Rejection = ScimError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<State>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.get(..7)
                    .filter(|p| p.eq_ignore_ascii_case("bearer "))
                    .map(|_| v[7..].trim())
            });
        match token {
            Some(t) if lock(state).store.scim_token_valid(t) => Ok(Self(state.clone())),
            _ => Err(ScimError::new(
                StatusCode::UNAUTHORIZED,
                None,
                "Authorization header is invalid or missing.",
            )),
        }
    }
}

/// Read a JSON object body of at most [`MAX_BODY_BYTES`].
async fn json_object(body: axum::body::Body) -> Result<Map<String, Value>, ScimError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!("Request body too large: at most {MAX_BODY_BYTES} bytes are read."),
            )
        })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ScimError::syntax("The request body must be a JSON object.")),
        Err(e) => Err(ScimError::syntax(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// The value of an attribute (names are case-insensitive in SCIM).
fn attr<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// A string attribute value, bounded.
fn string_value(v: &Value, name: &str, max: usize) -> Result<String, ScimError> {
    let s = v
        .as_str()
        .ok_or_else(|| ScimError::invalid(format!("{name} must be a string.")))?;
    if s.chars().count() > max {
        return Err(ScimError::invalid(format!(
            "{name} is longer than {max} characters."
        )));
    }
    Ok(s.to_string())
}

/// `active`: a boolean, or Entra's `"True"` / `"False"` strings.
fn bool_value(v: &Value, name: &str) -> Result<bool, ScimError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid(format!("{name} must be a boolean."))),
    }
}

// ---------------------------------------------------------------- filters and paging

/// A filter of `attr eq "value"` comparisons joined by `and` (all Identity Center takes).
/// The query's filter as (attribute, value) pairs, each on one of `allowed` (refused with
/// `invalidFilter` otherwise, naming `what` is filtered).
fn filters_on(
    q: &ListQuery,
    allowed: &[&str],
    what: &str,
) -> Result<Vec<(String, String)>, ScimError> {
    let filters = q
        .filter
        .as_deref()
        .map(parse_filter)
        .transpose()?
        .unwrap_or_default();
    if let Some((a, _)) = filters
        .iter()
        .find(|(a, _)| !allowed.iter().any(|k| k.eq_ignore_ascii_case(a)))
    {
        return Err(ScimError::new(
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
            format!("Filtering {what} on {a} is not supported."),
        ));
    }
    Ok(filters)
}

/// A SCIM `filter` as (attribute, value) pairs: `attribute eq "value"` joined by `and`, at most
/// ten (what Entra's provisioning service sends); anything else is `invalidFilter`.
pub fn parse_filter(filter: &str) -> Result<Vec<(String, String)>, ScimError> {
    let bad = || {
        ScimError::new(
            StatusCode::BAD_REQUEST,
            Some("invalidFilter"),
            format!(
                "Unsupported filter: only `attribute eq \"value\"` joined by `and` is supported ({filter})."
            ),
        )
    };
    let mut out = Vec::new();
    let mut rest = filter.trim();
    loop {
        let (name, after) = rest.split_once(char::is_whitespace).ok_or_else(bad)?;
        let after = after.trim_start();
        let after = after
            .get(..2)
            .filter(|op| op.eq_ignore_ascii_case("eq"))
            .map(|_| after[2..].trim_start())
            .ok_or_else(bad)?;
        let (value, tail) = quoted(after).ok_or_else(bad)?;
        out.push((name.to_string(), value));
        let tail = tail.trim_start();
        if tail.is_empty() {
            return Ok(out);
        }
        rest = tail
            .get(..4)
            .filter(|a| a.eq_ignore_ascii_case("and "))
            .map(|_| &tail[4..])
            .ok_or_else(bad)?;
        if out.len() >= 10 {
            return Err(bad());
        }
    }
}

/// A JSON-style quoted string at the start of `s`, and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => out.push(chars.next()?.1),
            c => out.push(c),
        }
    }
    None
}

/// `startIndex` (1-based) and `count` (at most [`MAX_PAGE`]).
fn paging(q: &ListQuery) -> (usize, usize) {
    let start = q.start_index.unwrap_or(1).max(1);
    let count = q.count.unwrap_or(MAX_PAGE).min(MAX_PAGE);
    (start, count)
}

/// Query of a list request.
#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    filter: Option<String>,
    #[serde(rename = "startIndex")]
    start_index: Option<usize>,
    count: Option<usize>,
}

/// The page `q` asks for of the `items` matching every filter, as a SCIM list answer.
fn list_answer<T>(
    items: &[T],
    filters: &[(String, String)],
    matches: impl Fn(&T, &str, &str) -> bool,
    to_json: impl Fn(&T) -> Value,
    q: &ListQuery,
) -> Response {
    let matching: Vec<Value> = items
        .iter()
        .filter(|i| filters.iter().all(|(a, v)| matches(i, a, v)))
        .map(to_json)
        .collect();
    let (start, count) = paging(q);
    list_response(matching, start, count)
}

fn list_response(items: Vec<Value>, start: usize, count: usize) -> Response {
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start - 1).take(count).collect();
    scim_answer(
        StatusCode::OK,
        &json!({
            "schemas": [LIST_SCHEMA],
            "totalResults": total,
            "itemsPerPage": page.len(),
            "startIndex": start,
            "Resources": page,
        }),
    )
}

// ---------------------------------------------------------------- users

fn user_json(u: &User) -> Value {
    let mut v = json!({
        "schemas": [USER_SCHEMA],
        "id": u.id,
        "userName": u.user_name,
        "name": {
            "formatted": format!("{} {}", u.given_name, u.family_name),
            "givenName": u.given_name,
            "familyName": u.family_name,
        },
        "displayName": u.display_name,
        "active": u.active,
        "meta": { "resourceType": "User" },
    });
    if let Some(e) = &u.external_id {
        v["externalId"] = Value::from(e.as_str());
    }
    if let Some(m) = &u.email {
        v["emails"] = json!([{ "value": m, "type": "work", "primary": true }]);
    }
    v
}

/// The one e-mail address of an `emails` value (Identity Center keeps one).
fn email_of(v: &Value) -> Result<Option<String>, ScimError> {
    let list = v
        .as_array()
        .ok_or_else(|| ScimError::invalid("emails must be a list."))?;
    match list.as_slice() {
        [] => Ok(None),
        [one] => one
            .get("value")
            .map(|x| string_value(x, "emails.value", MAX_STRING_CHARS))
            .transpose(),
        _ => Err(ScimError::invalid(
            "Identity Center supports one e-mail address per user (multi-valued attributes are not supported).",
        )),
    }
}

/// The `externalId` of a `POST` / `PUT` body (absent or `null`: none).
fn external_id(body: &Map<String, Value>) -> Result<Option<String>, ScimError> {
    attr(body, "externalId")
        .filter(|v| !v.is_null())
        .map(|v| string_value(v, "externalId", MAX_STRING_CHARS))
        .transpose()
}

/// The fields of a `POST` / `PUT` user body (`userName`, `displayName`, `name.givenName`,
/// `name.familyName` required, as Identity Center requires them).
fn user_fields(body: &Map<String, Value>) -> Result<UserFields, ScimError> {
    let required = |v: Option<&Value>, name: &str, max: usize| {
        v.ok_or_else(|| ScimError::invalid(format!("{name} is required.")))
            .and_then(|v| string_value(v, name, max))
    };
    let name = attr(body, "name").and_then(Value::as_object);
    let name_part = |n: &str| name.and_then(|m| attr(m, n));
    Ok(UserFields {
        user_name: required(attr(body, "userName"), "userName", MAX_USER_NAME_CHARS)?,
        display_name: required(attr(body, "displayName"), "displayName", MAX_STRING_CHARS)?,
        given_name: required(name_part("givenName"), "name.givenName", MAX_STRING_CHARS)?,
        family_name: required(name_part("familyName"), "name.familyName", MAX_STRING_CHARS)?,
        email: attr(body, "emails").map(email_of).transpose()?.flatten(),
        external_id: external_id(body)?,
        active: attr(body, "active")
            .map(|v| bool_value(v, "active"))
            .transpose()?
            .unwrap_or(true),
    })
}

async fn list_users(
    ScimAuth(state): ScimAuth,
    Query(q): Query<ListQuery>,
) -> Result<Response, ScimError> {
    let filters = filters_on(&q, &["userName", "externalId", "id"], "users")?;
    let users = &lock(&state).store.users;
    Ok(list_answer(users, &filters, user_matches, user_json, &q))
}

fn user_matches(u: &User, attr: &str, value: &str) -> bool {
    if attr.eq_ignore_ascii_case("userName") {
        u.user_name.eq_ignore_ascii_case(value)
    } else if attr.eq_ignore_ascii_case("externalId") {
        u.external_id.as_deref() == Some(value)
    } else {
        u.id == value
    }
}

async fn create_user(
    ScimAuth(state): ScimAuth,
    body: axum::body::Body,
) -> Result<Response, ScimError> {
    let fields = user_fields(&json_object(body).await?)?;
    let user = change(&state, |store| Ok(store.create_user(fields)?))?;
    Ok(scim_answer(StatusCode::CREATED, &user_json(&user)))
}

async fn get_user(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let user = user_json(user_of(&lock(&state).store, &id)?);
    Ok(scim_answer(StatusCode::OK, &user))
}

async fn put_user(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Result<Response, ScimError> {
    let fields = user_fields(&json_object(body).await?)?;
    let user = change(&state, |store| Ok(store.update_user(&id, fields)?))?;
    Ok(scim_answer(StatusCode::OK, &user_json(&user)))
}

async fn delete_user(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    change(&state, |store| Ok(store.delete_user(&id)?))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// One PATCH operation: `op` (any case), `path`, `value`.
struct PatchOp {
    op: String,
    path: Option<String>,
    value: Option<Value>,
}

/// The `Operations` of a PATCH body, bounded.
fn patch_ops(body: &Map<String, Value>) -> Result<Vec<PatchOp>, ScimError> {
    let ops = attr(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::syntax("Operations must be a list."))?;
    if ops.len() > MAX_PATCH_OPERATIONS {
        return Err(ScimError::new(
            StatusCode::BAD_REQUEST,
            Some("tooMany"),
            format!("At most {MAX_PATCH_OPERATIONS} operations are allowed in one PATCH request."),
        ));
    }
    ops.iter()
        .map(|o| {
            let o = o
                .as_object()
                .ok_or_else(|| ScimError::syntax("An operation must be an object."))?;
            let op = attr(o, "op")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .filter(|op| ["add", "replace", "remove"].contains(&op.as_str()))
                .ok_or_else(|| ScimError::syntax("op must be add, replace or remove."))?;
            let path = attr(o, "path")
                .map(|p| string_value(p, "path", MAX_STRING_CHARS))
                .transpose()?;
            Ok(PatchOp {
                op,
                path,
                value: attr(o, "value").cloned(),
            })
        })
        .collect()
}

/// Apply one attribute change to a user (`value` `None`: remove).
fn set_user_attr(f: &mut UserFields, path: &str, value: Option<&Value>) -> Result<(), ScimError> {
    let p = path.to_ascii_lowercase();
    let need =
        |name: &str| value.ok_or_else(|| ScimError::invalid(format!("{name} cannot be removed.")));
    let text = |name: &str, max| need(name).and_then(|v| string_value(v, name, max));
    match p.as_str() {
        "active" => f.active = bool_value(need("active")?, "active")?,
        "username" => f.user_name = text("userName", MAX_USER_NAME_CHARS)?,
        "displayname" => f.display_name = text("displayName", MAX_STRING_CHARS)?,
        "name.givenname" => f.given_name = text("name.givenName", MAX_STRING_CHARS)?,
        "name.familyname" => f.family_name = text("name.familyName", MAX_STRING_CHARS)?,
        "externalid" => {
            f.external_id = value
                .map(|v| string_value(v, "externalId", MAX_STRING_CHARS))
                .transpose()?
        }
        "emails" => f.email = value.map(email_of).transpose()?.flatten(),
        _ if p.starts_with("emails[") && p.ends_with("].value") => {
            f.email = value
                .map(|v| string_value(v, "emails.value", MAX_STRING_CHARS))
                .transpose()?;
        }
        "name" => {
            let m = need("name")?
                .as_object()
                .ok_or_else(|| ScimError::invalid("name must be an object."))?;
            for (k, v) in m {
                set_user_attr(f, &format!("name.{k}"), Some(v))?;
            }
        }
        _ => {} // Attributes the identity store does not keep are accepted and ignored.
    }
    Ok(())
}

/// Apply a PATCH to a user's fields.
fn patch_user_fields(f: &mut UserFields, ops: &[PatchOp]) -> Result<(), ScimError> {
    for op in ops {
        let value = (op.op != "remove").then_some(op.value.as_ref()).flatten();
        match (&op.path, value) {
            (Some(path), v) => set_user_attr(f, path, v)?,
            (None, Some(Value::Object(m))) => {
                for (k, v) in m {
                    set_user_attr(f, k, Some(v))?;
                }
            }
            (None, _) => return Err(ScimError::no_target()),
        }
    }
    Ok(())
}

async fn patch_user(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Result<Response, ScimError> {
    let ops = patch_ops(&json_object(body).await?)?;
    let user = change(&state, |store| {
        let mut fields = user_of(store, &id)?.fields();
        patch_user_fields(&mut fields, &ops)?;
        Ok(store.update_user(&id, fields)?)
    })?;
    Ok(scim_answer(StatusCode::OK, &user_json(&user)))
}

// ---------------------------------------------------------------- groups

/// A group as Identity Center's SCIM shows it: always an empty member list.
fn group_json(g: &Group) -> Value {
    let mut v = json!({
        "schemas": [GROUP_SCHEMA],
        "id": g.id,
        "displayName": g.display_name,
        "members": [],
        "meta": { "resourceType": "Group" },
    });
    if let Some(e) = &g.external_id {
        v["externalId"] = Value::from(e.as_str());
    }
    v
}

/// The user IDs of a `members` value (`[{"value": id}, …]`), at most [`MAX_MEMBER_CHANGES`].
fn member_ids(v: &Value) -> Result<Vec<String>, ScimError> {
    let list = v
        .as_array()
        .ok_or_else(|| ScimError::invalid("members must be a list."))?;
    if list.len() > MAX_MEMBER_CHANGES {
        return Err(too_many_members());
    }
    list.iter()
        .map(|m| {
            m.get("value")
                .ok_or_else(|| ScimError::invalid("A member needs a value."))
                .and_then(|v| string_value(v, "members.value", MAX_STRING_CHARS))
        })
        .collect()
}

fn too_many_members() -> ScimError {
    ScimError::new(
        StatusCode::BAD_REQUEST,
        Some("tooMany"),
        format!("At most {MAX_MEMBER_CHANGES} membership changes are allowed in a single request."),
    )
}

async fn list_groups(
    ScimAuth(state): ScimAuth,
    Query(q): Query<ListQuery>,
) -> Result<Response, ScimError> {
    let filters = filters_on(
        &q,
        &["displayName", "externalId", "id", "members"],
        "groups",
    )?;
    let groups = &lock(&state).store.groups;
    Ok(list_answer(groups, &filters, group_matches, group_json, &q))
}

fn group_matches(g: &Group, attr: &str, value: &str) -> bool {
    if attr.eq_ignore_ascii_case("displayName") {
        g.display_name.eq_ignore_ascii_case(value)
    } else if attr.eq_ignore_ascii_case("externalId") {
        g.external_id.as_deref() == Some(value)
    } else if attr.eq_ignore_ascii_case("members") {
        g.members.iter().any(|m| m == value)
    } else {
        g.id == value
    }
}

async fn create_group(
    ScimAuth(state): ScimAuth,
    body: axum::body::Body,
) -> Result<Response, ScimError> {
    let body = json_object(body).await?;
    let display_name = attr(&body, "displayName")
        .ok_or_else(|| ScimError::invalid("displayName is required."))
        .and_then(|v| string_value(v, "displayName", MAX_STRING_CHARS))?;
    let external_id = external_id(&body)?;
    let members = attr(&body, "members")
        .map(member_ids)
        .transpose()?
        .unwrap_or_default();
    let group = change(&state, |store| {
        Ok(store.create_group(display_name, external_id, members)?)
    })?;
    Ok(scim_answer(StatusCode::CREATED, &group_json(&group)))
}

async fn get_group(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let group = group_json(group_of(&lock(&state).store, &id)?);
    Ok(scim_answer(StatusCode::OK, &group))
}

async fn delete_group(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    change(&state, |store| Ok(store.delete_group(&id)?))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `members[value eq "id"]`: the member ID of such a path.
fn member_path_id(path: &str) -> Option<String> {
    let inner = path
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("members["))?;
    let rest = path[inner.len()..].strip_suffix(']')?;
    let f = parse_filter(rest).ok()?;
    match f.as_slice() {
        [(a, v)] if a.eq_ignore_ascii_case("value") => Some(v.clone()),
        _ => None,
    }
}

/// Apply one PATCH operation to a group; returns the membership changes it made.
fn patch_group_op(g: &mut Group, op: &PatchOp) -> Result<usize, ScimError> {
    let path = op.path.as_deref().unwrap_or("");
    if let Some(id) = member_path_id(path) {
        if op.op != "remove" {
            return Err(ScimError::invalid(
                "Only remove takes a members[value eq …] path.",
            ));
        }
        g.members.retain(|m| *m != id);
        return Ok(1);
    }
    let value = op.value.as_ref();
    match (op.op.as_str(), path.to_ascii_lowercase().as_str()) {
        ("add", "members") => {
            let ids =
                member_ids(value.ok_or_else(|| ScimError::invalid("add members needs a value."))?)?;
            let n = ids.len();
            g.members.extend(ids);
            Ok(n)
        }
        ("remove", "members") => {
            let ids = value.map(member_ids).transpose()?.ok_or_else(|| {
                ScimError::invalid("Removing all members of a group is not supported.")
            })?;
            g.members.retain(|m| !ids.contains(m));
            Ok(ids.len())
        }
        ("replace", "members") => Err(ScimError::invalid(
            "Replacing the members of a group is not supported.",
        )),
        ("add" | "replace", "displayname") => {
            g.display_name = string_value(
                value.ok_or_else(|| ScimError::invalid("displayName needs a value."))?,
                "displayName",
                MAX_STRING_CHARS,
            )?;
            Ok(0)
        }
        ("add" | "replace", "externalid") => {
            g.external_id = value
                .map(|v| string_value(v, "externalId", MAX_STRING_CHARS))
                .transpose()?;
            Ok(0)
        }
        ("add" | "replace", "") => patch_group_object(g, value),
        _ => Err(ScimError::invalid(format!(
            "Only displayName, members and externalId can be changed (op {} on {path:?}).",
            op.op
        ))),
    }
}

/// `{"op":"replace","value":{"displayName":…,"externalId":…}}` (no path).
fn patch_group_object(g: &mut Group, value: Option<&Value>) -> Result<usize, ScimError> {
    let m = value
        .and_then(Value::as_object)
        .ok_or_else(ScimError::no_target)?;
    let mut changes = 0;
    for (k, v) in m {
        let op = PatchOp {
            op: "replace".into(),
            path: Some(k.clone()),
            value: Some(v.clone()),
        };
        let op = if k.eq_ignore_ascii_case("members") {
            PatchOp {
                op: "add".into(),
                ..op
            }
        } else {
            op
        };
        changes += patch_group_op(g, &op)?;
    }
    Ok(changes)
}

async fn patch_group(
    ScimAuth(state): ScimAuth,
    Path(id): Path<String>,
    body: axum::body::Body,
) -> Result<Response, ScimError> {
    let ops = patch_ops(&json_object(body).await?)?;
    change(&state, |store| {
        let mut group = group_of(store, &id)?.clone();
        let mut changes = 0;
        for op in &ops {
            changes += patch_group_op(&mut group, op)?;
            if changes > MAX_MEMBER_CHANGES {
                return Err(too_many_members());
            }
        }
        Ok(store.update_group(group)?)
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---------------------------------------------------------------- the rest

async fn service_provider_config(_: ScimAuth) -> Response {
    scim_answer(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 1, "maxPayloadSize": 1_048_576 },
            "filter": { "supported": true, "maxResults": MAX_PAGE },
            "changePassword": { "supported": false },
            "sort": { "supported": false },
            "etag": { "supported": false },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Authentication scheme using the OAuth Bearer Token Standard",
                "primary": true,
            }],
        }),
    )
}

/// `/Bulk`, `/Me`, `/.search` and anything else Identity Center does not serve.
async fn unsupported(_: ScimAuth, uri: axum::http::Uri) -> ScimError {
    ScimError::new(
        StatusCode::NOT_FOUND,
        None,
        format!(
            "Identity Center's SCIM endpoint does not support {}.",
            uri.path()
        ),
    )
}
