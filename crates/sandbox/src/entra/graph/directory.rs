//! Users, groups, memberships and their delta queries.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{
    GROUP_READ, GROUP_WRITE, GraphCaller, GraphError, Query, St, USER_READ, USER_WRITE, check_guid,
    collection, collection_of_ids, created, entity, graph_root, invalid_value, json_body,
    no_content, odata, odata_id, only_properties, opt_string, prop, tenant, tenant_mut,
};
use crate::State;
use crate::entra::graph_time;
use crate::entra::model::{
    Group, MembershipChange, ObjectKind, Tenant, Tombstone, User, is_visible,
};

/// Properties Graph v1.0 returns for a user when `$select` is absent.
const USER_DEFAULT_SELECT: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// The sandbox clock's time.
fn now(state: &State) -> OffsetDateTime {
    state.clock.now()
}

fn user_json(u: &User) -> Map<String, Value> {
    let v = json!({
        "id": u.id,
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": u.job_title,
        "mail": u.mail,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": null,
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
        "accountEnabled": u.account_enabled,
        "createdDateTime": graph_time(u.created),
        "employeeId": u.employee_id,
        "mailNickname": u.mail_nickname,
        "userType": u.user_type,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn group_json(g: &Group) -> Map<String, Value> {
    let v = json!({
        "id": g.id,
        "deletedDateTime": null,
        "createdDateTime": graph_time(g.created),
        "description": g.description,
        "displayName": g.display_name,
        "groupTypes": [],
        "mail": null,
        "mailEnabled": g.mail_enabled,
        "mailNickname": g.mail_nickname,
        "securityEnabled": g.security_enabled,
        "visibility": null,
    });
    v.as_object().cloned().unwrap_or_default()
}

/// A user or group as a `directoryObject` (with `@odata.type`).
fn directory_object_json(t: &Tenant, id: &str) -> Option<Map<String, Value>> {
    directory_object_json_in(t, t.user(id), id)
}

/// Many members at once: users are looked up in an index built once (a member list of
/// 10,000 users stays linear).
fn directory_objects_json(t: &Tenant, ids: &[String]) -> Vec<Map<String, Value>> {
    let users: std::collections::HashMap<String, &User> = t
        .users
        .iter()
        .map(|u| (u.id.to_ascii_lowercase(), u))
        .collect();
    ids.iter()
        .filter_map(|id| {
            let user = users.get(&id.to_ascii_lowercase()).copied();
            directory_object_json_in(t, user, id)
        })
        .collect()
}

fn directory_object_json_in(
    t: &Tenant,
    user: Option<&User>,
    id: &str,
) -> Option<Map<String, Value>> {
    if let Some(u) = user {
        let mut m = Map::new();
        m.insert("@odata.type".into(), "#microsoft.graph.user".into());
        m.extend(odata::select(
            user_json(u),
            &USER_DEFAULT_SELECT
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        ));
        return Some(m);
    }
    t.group(id).map(|g| {
        let mut m = Map::new();
        m.insert("@odata.type".into(), "#microsoft.graph.group".into());
        m.extend(group_json(g));
        m
    })
}

fn odata_type(t: &Tenant, id: &str) -> &'static str {
    if t.group(id).is_some() {
        "#microsoft.graph.group"
    } else {
        "#microsoft.graph.user"
    }
}

fn visible_user<'a>(t: &'a Tenant, id: &str, now: OffsetDateTime) -> Result<&'a User, GraphError> {
    t.user(id)
        .filter(|u| is_visible(u.visible_after, now))
        .ok_or_else(|| GraphError::not_found(id))
}

fn visible_group<'a>(
    t: &'a Tenant,
    id: &str,
    now: OffsetDateTime,
) -> Result<&'a Group, GraphError> {
    t.group(id)
        .filter(|g| is_visible(g.visible_after, now))
        .ok_or_else(|| GraphError::not_found(id))
}

// ---------------------------------------------------------------------------------------
// users

/// `GET /users`.
pub async fn list_users(st: St, caller: GraphCaller, q: Query) -> Result<Response, GraphError> {
    caller.require(USER_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        t.users
            .iter()
            .filter(|u| is_visible(u.visible_after, now))
            .map(user_json)
            .collect()
    };
    collection(&st.0, "users", items, &q, Some(USER_DEFAULT_SELECT))
}

/// `GET /users/{id or userPrincipalName}`.
pub async fn get_user(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(USER_READ)?;
    let mut obj = {
        let dir = st.0.entra.dir();
        user_json(visible_user(tenant(&dir, &caller)?, &id, now(&st.0))?)
    };
    if q.select().is_none() {
        obj = odata::select(
            obj,
            &USER_DEFAULT_SELECT
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
        );
    }
    Ok(entity(&st.0, "users/$entity", obj, &q))
}

const USER_WRITABLE: &[&str] = &[
    "accountEnabled",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "mailNickname",
    "jobTitle",
    "employeeId",
    "userPrincipalName",
    "userType",
    "passwordProfile",
];

/// Apply writable properties to a user.
fn apply_user(t: &Tenant, u: &mut User, body: &Map<String, Value>) -> Result<(), GraphError> {
    const R: &str = "User";
    only_properties(body, USER_WRITABLE, R)?;
    if let Some(v) = prop(body, "accountEnabled") {
        u.account_enabled = v
            .as_bool()
            .ok_or_else(|| invalid_value("accountEnabled", R))?;
    }
    if let Some(v) = prop(body, "displayName") {
        u.display_name = v
            .as_str()
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| invalid_value("displayName", R))?
            .to_string();
    }
    if let Some(v) = opt_string(body, "givenName", R)? {
        u.given_name = v;
    }
    if let Some(v) = opt_string(body, "surname", R)? {
        u.surname = v;
    }
    if let Some(v) = opt_string(body, "mail", R)? {
        u.mail = v;
    }
    if let Some(v) = opt_string(body, "jobTitle", R)? {
        u.job_title = v;
    }
    if let Some(v) = opt_string(body, "employeeId", R)? {
        u.employee_id = v;
    }
    if let Some(v) = prop(body, "mailNickname") {
        u.mail_nickname = v
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_value("mailNickname", R))?
            .to_string();
    }
    if let Some(v) = prop(body, "userType") {
        u.user_type = v
            .as_str()
            .filter(|s| *s == "Member" || *s == "Guest")
            .ok_or_else(|| invalid_value("userType", R))?
            .to_string();
    }
    if let Some(v) = prop(body, "userPrincipalName") {
        let upn = v
            .as_str()
            .ok_or_else(|| invalid_value("userPrincipalName", R))?;
        let domain_ok = upn.rsplit_once('@').is_some_and(|(local, d)| {
            !local.is_empty() && t.domains.iter().any(|x| x.eq_ignore_ascii_case(d))
        });
        if !domain_ok {
            return Err(GraphError::bad_request(
                "Property userPrincipalName is invalid.",
            ));
        }
        if t.users
            .iter()
            .any(|o| o.id != u.id && o.user_principal_name.eq_ignore_ascii_case(upn))
        {
            return Err(GraphError::bad_request(
                "Another object with the same value for property userPrincipalName already exists.",
            ));
        }
        u.user_principal_name = upn.to_string();
    }
    if let Some(v) = prop(body, "passwordProfile") {
        let pw = v
            .get("password")
            .and_then(Value::as_str)
            .filter(|p| p.len() >= 8)
            .ok_or_else(|| invalid_value("passwordProfile", R))?;
        u.password = pw.to_string();
    }
    Ok(())
}

/// `POST /users`.
pub async fn create_user(st: St, caller: GraphCaller, body: Bytes) -> Result<Response, GraphError> {
    caller.require(USER_WRITE)?;
    let body = json_body(&body)?;
    for required in [
        "accountEnabled",
        "displayName",
        "mailNickname",
        "userPrincipalName",
        "passwordProfile",
    ] {
        if prop(&body, required).is_none() {
            return Err(GraphError::bad_request(format!(
                "Property {required} is required when creating the object."
            )));
        }
    }
    let obj = {
        let mut dir = st.0.entra.dir();
        let now = now(&st.0);
        let visible_after = dir.visible_after(now);
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let mut u = User {
            id: crate::entra::new_guid(),
            display_name: String::new(),
            given_name: None,
            surname: None,
            user_principal_name: String::new(),
            mail: None,
            mail_nickname: String::new(),
            account_enabled: true,
            user_type: "Member".into(),
            job_title: None,
            employee_id: None,
            password: String::new(),
            created: now,
            seq,
            visible_after,
        };
        apply_user(t, &mut u, &body)?;
        let obj = user_json(&u);
        t.users.push(u);
        obj
    };
    st.0.entra.save();
    Ok(created(&st.0, "users/$entity", obj))
}

/// `PATCH /users/{id}`.
pub async fn patch_user(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(USER_WRITE)?;
    let body = json_body(&body)?;
    {
        let mut dir = st.0.entra.dir();
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let mut u = visible_user(t, &id, now(&st.0))?.clone();
        apply_user(t, &mut u, &body)?;
        u.seq = seq;
        if let Some(slot) = t.users.iter_mut().find(|x| x.id == u.id) {
            *slot = u;
        }
    }
    st.0.entra.save();
    Ok(no_content())
}

/// Remove an object from every group (logging the changes) and from app role assignments.
fn detach(t: &mut Tenant, id: &str, seq: u64) {
    for g in &mut t.groups {
        if g.members.iter().any(|m| m == id) {
            g.members.retain(|m| m != id);
            g.seq = seq;
            t.membership_log.push(MembershipChange {
                group_id: g.id.clone(),
                member_id: id.to_string(),
                added: false,
                seq,
            });
        }
    }
    t.app_role_assignments.retain(|a| a.principal_id != id);
}

/// `DELETE /users/{id}`.
pub async fn delete_user(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(USER_WRITE)?;
    {
        let mut dir = st.0.entra.dir();
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let uid = visible_user(t, &id, now(&st.0))?.id.clone();
        t.users.retain(|u| u.id != uid);
        detach(t, &uid, seq);
        t.tombstones.push(Tombstone {
            kind: ObjectKind::User,
            id: uid,
            seq,
        });
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `GET /users/{id}/memberOf` (direct groups).
pub async fn user_member_of(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(USER_READ)?;
    caller.require(super::GROUP_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let u = visible_user(t, &id, now(&st.0))?;
        t.direct_groups_of(&u.id)
            .filter_map(|g| directory_object_json(t, &g.id))
            .collect()
    };
    collection(&st.0, "directoryObjects", items, &q, None)
}

/// `GET /users/{id}/appRoleAssignments` (direct assignments only, as in Graph).
pub async fn user_app_role_assignments(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(USER_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let u = visible_user(t, &id, now(&st.0))?;
        t.app_role_assignments
            .iter()
            .filter(|a| a.principal_id == u.id)
            .map(|a| super::apps::assignment_json(t, a))
            .collect()
    };
    collection(
        &st.0,
        &format!("users('{id}')/appRoleAssignments"),
        items,
        &q,
        None,
    )
}

// ---------------------------------------------------------------------------------------
// groups

/// `GET /groups`.
pub async fn list_groups(st: St, caller: GraphCaller, q: Query) -> Result<Response, GraphError> {
    caller.require(GROUP_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        t.groups
            .iter()
            .filter(|g| is_visible(g.visible_after, now))
            .map(group_json)
            .collect()
    };
    collection(&st.0, "groups", items, &q, None)
}

/// `GET /groups/{id}`.
pub async fn get_group(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(GROUP_READ)?;
    check_guid(&id)?;
    let obj = {
        let dir = st.0.entra.dir();
        group_json(visible_group(tenant(&dir, &caller)?, &id, now(&st.0))?)
    };
    Ok(entity(&st.0, "groups/$entity", obj, &q))
}

/// `POST /groups` (security groups).
pub async fn create_group(
    st: St,
    caller: GraphCaller,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(GROUP_WRITE)?;
    let body = json_body(&body)?;
    const R: &str = "Group";
    only_properties(
        &body,
        &[
            "displayName",
            "description",
            "mailNickname",
            "mailEnabled",
            "securityEnabled",
            "groupTypes",
        ],
        R,
    )?;
    let name = prop(&body, "displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid_value("displayName", R))?
        .to_string();
    let nickname = prop(&body, "mailNickname")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid_value("mailNickname", R))?
        .to_string();
    let obj = {
        let mut dir = st.0.entra.dir();
        let now = now(&st.0);
        let visible_after = dir.visible_after(now);
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let g = Group {
            id: crate::entra::new_guid(),
            display_name: name,
            description: opt_string(&body, "description", R)?.flatten(),
            mail_nickname: nickname,
            security_enabled: prop(&body, "securityEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            mail_enabled: prop(&body, "mailEnabled")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            members: Vec::new(),
            created: now,
            seq,
            visible_after,
        };
        let obj = group_json(&g);
        t.groups.push(g);
        obj
    };
    st.0.entra.save();
    Ok(created(&st.0, "groups/$entity", obj))
}

/// `PATCH /groups/{id}` (`displayName`, `description`).
pub async fn patch_group(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(GROUP_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    const R: &str = "Group";
    only_properties(&body, &["displayName", "description"], R)?;
    {
        let mut dir = st.0.entra.dir();
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let gid = visible_group(t, &id, now(&st.0))?.id.clone();
        let Some(g) = t.groups.iter_mut().find(|g| g.id == gid) else {
            return Err(GraphError::not_found(&id));
        };
        if let Some(v) = prop(&body, "displayName") {
            g.display_name = v
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| invalid_value("displayName", R))?
                .to_string();
        }
        if let Some(v) = opt_string(&body, "description", R)? {
            g.description = v;
        }
        g.seq = seq;
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `DELETE /groups/{id}`.
pub async fn delete_group(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(GROUP_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let gid = visible_group(t, &id, now(&st.0))?.id.clone();
        t.groups.retain(|g| g.id != gid);
        detach(t, &gid, seq);
        t.tombstones.push(Tombstone {
            kind: ObjectKind::Group,
            id: gid,
            seq,
        });
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `GET /groups/{id}/members` (direct members).
pub async fn group_members(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(GROUP_READ)?;
    check_guid(&id)?;
    let dir = st.0.entra.dir();
    let t = tenant(&dir, &caller)?;
    let g = visible_group(t, &id, now(&st.0))?;
    let to_json = |ids: &[String]| directory_objects_json(t, ids);
    collection_of_ids(&st.0, "directoryObjects", &g.members, to_json, &q, None)
}

/// `GET /groups/{id}/transitiveMembers` (nested groups expanded; the nested groups included).
pub async fn group_transitive_members(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(GROUP_READ)?;
    check_guid(&id)?;
    let dir = st.0.entra.dir();
    let t = tenant(&dir, &caller)?;
    let g = visible_group(t, &id, now(&st.0))?;
    let members = t.transitive_members(&g.id);
    let to_json = |ids: &[String]| directory_objects_json(t, ids);
    collection_of_ids(&st.0, "directoryObjects", &members, to_json, &q, None)
}

/// `POST /groups/{id}/members/$ref {"@odata.id": ".../directoryObjects/{id}"}`.
pub async fn add_member(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(GROUP_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    let member = odata_id(&body)?.to_lowercase();
    {
        let mut dir = st.0.entra.dir();
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let gid = visible_group(t, &id, now(&st.0))?.id.clone();
        let member_id = if let Ok(u) = visible_user(t, &member, now(&st.0)) {
            u.id.clone()
        } else if let Ok(g) = visible_group(t, &member, now(&st.0)) {
            g.id.clone()
        } else {
            return Err(GraphError::not_found(&member));
        };
        if member_id == gid {
            return Err(GraphError::bad_request(
                "A group cannot be a member of itself.",
            ));
        }
        let Some(g) = t.groups.iter_mut().find(|g| g.id == gid) else {
            return Err(GraphError::not_found(&id));
        };
        if g.members.contains(&member_id) {
            return Err(GraphError::bad_request(
                "One or more added object references already exist for the following modified properties: 'members'.",
            ));
        }
        g.members.push(member_id.clone());
        g.seq = seq;
        t.membership_log.push(MembershipChange {
            group_id: gid,
            member_id,
            added: true,
            seq,
        });
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `DELETE /groups/{id}/members/{memberId}/$ref`.
pub async fn remove_member(
    st: St,
    caller: GraphCaller,
    Path((id, member_id)): Path<(String, String)>,
) -> Result<Response, GraphError> {
    caller.require(GROUP_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let seq = dir.next_seq();
        let t = tenant_mut(&mut dir, &caller)?;
        let gid = visible_group(t, &id, now(&st.0))?.id.clone();
        let Some(g) = t.groups.iter_mut().find(|g| g.id == gid) else {
            return Err(GraphError::not_found(&id));
        };
        let Some(pos) = g
            .members
            .iter()
            .position(|m| m.eq_ignore_ascii_case(&member_id))
        else {
            return Err(GraphError::not_found(&member_id));
        };
        let removed = g.members.remove(pos);
        g.seq = seq;
        t.membership_log.push(MembershipChange {
            group_id: gid,
            member_id: removed,
            added: false,
            seq,
        });
    }
    st.0.entra.save();
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------
// delta

/// State carried in `$skiptoken` / `$deltatoken` (base64url JSON; opaque to clients).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct DeltaState {
    /// Changes after this change number…
    since: u64,
    /// …up to this one (the round's snapshot).
    upto: u64,
    /// Last object ID returned in this round (objects are returned in ID order).
    after: Option<String>,
    /// Page size.
    size: usize,
    /// `$select` of the initial request.
    select: Option<Vec<String>>,
    /// `$filter` of the initial request (only `id eq '…'` clauses joined by `or`, as Graph
    /// allows on delta): only these objects are tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    filter: Option<String>,
}

/// The `$filter` of a delta request: Graph's delta functions take only `id` comparisons
/// (`id eq '…' or id eq '…'`, at most 50 IDs), given in the initial request.
fn delta_filter(text: Option<&str>) -> Result<Option<odata::Filter>, GraphError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let f = odata::parse_filter(text)
        .map_err(|e| GraphError::bad_request(format!("Invalid filter clause: {}", e.0)))?;
    let props = f.properties();
    if props.iter().any(|p| !p.eq_ignore_ascii_case("id")) {
        return Err(GraphError::bad_request(
            "Unsupported query: delta supports $filter on id only.",
        ));
    }
    if props.len() > 50 {
        return Err(GraphError::bad_request(
            "Unsupported query: at most 50 ids may be tracked in one delta query.",
        ));
    }
    Ok(Some(f))
}

/// Does the delta's filter keep the object with this ID?
fn tracked(filter: Option<&odata::Filter>, id: &str) -> bool {
    filter.is_none_or(|f| {
        let mut m = Map::new();
        m.insert("id".into(), Value::String(id.to_string()));
        f.matches(&m)
    })
}

fn encode_state(s: &DeltaState) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(s).unwrap_or_default())
}

fn decode_state(token: &str) -> Result<DeltaState, GraphError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| GraphError::bad_request("Badly formed token."))
}

/// Page size: `Prefer: odata.maxpagesize=N` or `$top`, default 100, at most 999.
fn delta_page_size(headers: &HeaderMap, q: &Query) -> usize {
    let from_prefer = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("odata.maxpagesize=")?.parse().ok());
    from_prefer
        .or_else(|| q.get("$top").and_then(|t| t.parse().ok()))
        .unwrap_or(100usize)
        .clamp(1, 999)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DeltaKind {
    Users,
    Groups,
}

fn delta(
    state: &State,
    caller: &GraphCaller,
    headers: &HeaderMap,
    q: &Query,
    kind: DeltaKind,
) -> Result<Response, GraphError> {
    let dir = state.entra.dir();
    let current = dir.seq;
    let t = tenant(&dir, caller)?;
    let ds = if let Some(tok) = q.get("$skiptoken") {
        decode_state(tok)?
    } else if let Some(tok) = q.get("$deltatoken") {
        let base = if tok.eq_ignore_ascii_case("latest") {
            DeltaState {
                since: current,
                upto: current,
                after: None,
                size: delta_page_size(headers, q),
                select: q.select(),
                filter: q.get("$filter").map(str::to_string),
            }
        } else {
            decode_state(tok)?
        };
        if tok.eq_ignore_ascii_case("latest") {
            // Only a deltaLink for "now", no data.
            return Ok(delta_answer(state, q, kind, Vec::new(), None, &base));
        }
        DeltaState {
            upto: current,
            after: None,
            ..base
        }
    } else {
        DeltaState {
            since: 0,
            upto: current,
            after: None,
            size: delta_page_size(headers, q),
            select: q.select(),
            filter: q.get("$filter").map(str::to_string),
        }
    };
    let filter = delta_filter(ds.filter.as_deref())?;
    let filter = filter.as_ref();
    let now = now(state);
    // (id, rendered) of everything changed in (since, upto], in ID order.
    let mut changed: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let include_members = kind == DeltaKind::Groups
        && ds
            .select
            .as_ref()
            .is_none_or(|s| s.iter().any(|p| p.eq_ignore_ascii_case("members")));
    match kind {
        DeltaKind::Users => {
            let select: Vec<String> = ds
                .select
                .clone()
                .unwrap_or_else(|| USER_DEFAULT_SELECT.iter().map(|s| s.to_string()).collect());
            for u in t.users.iter().filter(|u| {
                u.seq > ds.since
                    && u.seq <= ds.upto
                    && is_visible(u.visible_after, now)
                    && tracked(filter, &u.id)
            }) {
                let mut m = odata::select(user_json(u), &select);
                m.insert("id".into(), Value::String(u.id.clone()));
                changed.insert(u.id.clone(), m);
            }
        }
        DeltaKind::Groups => {
            for g in t.groups.iter().filter(|g| {
                g.seq > ds.since
                    && g.seq <= ds.upto
                    && is_visible(g.visible_after, now)
                    && tracked(filter, &g.id)
            }) {
                let mut m = group_json(g);
                if let Some(sel) = &ds.select {
                    m = odata::select(m, sel);
                    m.insert("id".into(), Value::String(g.id.clone()));
                }
                if include_members {
                    m.insert(
                        "members@delta".into(),
                        Value::Array(members_delta(t, g, ds.since, ds.upto)),
                    );
                }
                changed.insert(g.id.clone(), m);
            }
        }
    }
    if ds.since > 0 {
        let wanted = match kind {
            DeltaKind::Users => ObjectKind::User,
            DeltaKind::Groups => ObjectKind::Group,
        };
        for ts in t.tombstones.iter().filter(|ts| {
            ts.kind == wanted && ts.seq > ds.since && ts.seq <= ds.upto && tracked(filter, &ts.id)
        }) {
            let mut m = Map::new();
            m.insert("id".into(), Value::String(ts.id.clone()));
            m.insert("@removed".into(), json!({"reason": "changed"}));
            changed.insert(ts.id.clone(), m);
        }
    }
    let page: Vec<(String, Map<String, Value>)> = changed
        .into_iter()
        .filter(|(id, _)| ds.after.as_ref().is_none_or(|a| id > a))
        .take(ds.size + 1)
        .collect();
    let more = page.len() > ds.size;
    let page: Vec<(String, Map<String, Value>)> = page.into_iter().take(ds.size).collect();
    let next = if more {
        Some(DeltaState {
            after: page.last().map(|(id, _)| id.clone()),
            ..ds.clone()
        })
    } else {
        None
    };
    let values = page.into_iter().map(|(_, m)| m).collect();
    drop(dir);
    Ok(delta_answer(state, q, kind, values, next, &ds))
}

/// `members@delta` of a group: all current members in an initial round, otherwise the
/// members added or removed in (since, upto].
fn members_delta(t: &Tenant, g: &Group, since: u64, upto: u64) -> Vec<Value> {
    if since == 0 {
        return g
            .members
            .iter()
            .map(|m| json!({"@odata.type": odata_type(t, m), "id": m}))
            .collect();
    }
    let mut last: BTreeMap<&str, bool> = BTreeMap::new();
    for c in t
        .membership_log
        .iter()
        .filter(|c| c.group_id == g.id && c.seq > since && c.seq <= upto)
    {
        last.insert(c.member_id.as_str(), c.added);
    }
    last.into_iter()
        .map(|(m, added)| {
            if added {
                json!({"@odata.type": odata_type(t, m), "id": m})
            } else {
                json!({"@odata.type": odata_type(t, m), "id": m, "@removed": {"reason": "deleted"}})
            }
        })
        .collect()
}

fn delta_answer(
    state: &State,
    q: &Query,
    kind: DeltaKind,
    values: Vec<Map<String, Value>>,
    next: Option<DeltaState>,
    round: &DeltaState,
) -> Response {
    let set = match kind {
        DeltaKind::Users => "users",
        DeltaKind::Groups => "groups",
    };
    let ctx = match &round.select {
        Some(sel) => format!("{set}({})", sel.join(",")),
        None => set.to_string(),
    };
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        Value::String(format!("{}/$metadata#{ctx}", graph_root(state))),
    );
    let link = |name: &str, token: &str| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair(name, token);
        format!("{}{}?{}", state.urls.base(), q.path, ser.finish())
    };
    match next {
        Some(n) => {
            out.insert(
                "@odata.nextLink".into(),
                Value::String(link("$skiptoken", &encode_state(&n))),
            );
        }
        None => {
            let d = DeltaState {
                since: round.upto,
                upto: round.upto,
                after: None,
                size: round.size,
                select: round.select.clone(),
                filter: round.filter.clone(),
            };
            out.insert(
                "@odata.deltaLink".into(),
                Value::String(link("$deltatoken", &encode_state(&d))),
            );
        }
    }
    out.insert(
        "value".into(),
        Value::Array(values.into_iter().map(Value::Object).collect()),
    );
    (StatusCode::OK, Json(Value::Object(out))).into_response()
}

/// `GET /users/delta`.
pub async fn users_delta(
    st: St,
    caller: GraphCaller,
    headers: HeaderMap,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(USER_READ)?;
    delta(&st.0, &caller, &headers, &q, DeltaKind::Users)
}

/// `GET /groups/delta`.
pub async fn groups_delta(
    st: St,
    caller: GraphCaller,
    headers: HeaderMap,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(GROUP_READ)?;
    delta(&st.0, &caller, &headers, &q, DeltaKind::Groups)
}
