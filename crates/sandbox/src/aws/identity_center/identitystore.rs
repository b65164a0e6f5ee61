//! The `identitystore` API (awsJson1.1, `X-Amz-Target: AWSIdentityStore.<Op>`, SigV4 signing
//! name `identitystore`): look-ups and lists over the identity store SCIM fills. Only the
//! management account has the store: another account's caller naming it gets
//! `AccessDeniedException`; any other `IdentityStoreId` is `ResourceNotFoundException`.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::store::{Group, IdentityStore, User};
use super::{IDENTITY_STORE_ID, MANAGEMENT_ACCOUNT_ID};
use crate::State;
use crate::aws::ops::{JsonService, Operation, json_answer, operation};
use crate::aws::{AwsError, Caller};

/// Page size when `MaxResults` is absent.
const DEFAULT_PAGE: usize = 100;
/// The `Issuer` of the external IDs SCIM sets.
const SCIM_ISSUER: &str = "scim";

/// An operation's answer, from the store and the request.
type Answer = fn(&IdentityStore, &Value) -> Result<Value, AwsError>;

/// The operations answered (name → handler); see OPERATIONS.md.
pub const OPERATIONS: &[Operation<Answer>] = &[
    operation!("GetGroupId", get_group_id),
    operation!("GetUserId", get_user_id),
    operation!("DescribeUser", describe_user),
    operation!("DescribeGroup", describe_group),
    operation!("ListUsers", list_users),
    operation!("ListGroups", list_groups),
    operation!("ListGroupMemberships", list_group_memberships),
    operation!(
        "ListGroupMembershipsForMember",
        list_group_memberships_for_member
    ),
];

/// `identitystore`: `POST /aws/identitystore` served by [`crate::aws::ops::serve_json`] (SigV4 with signing name `identitystore`).
pub const SERVICE: JsonService = JsonService {
    name: "identitystore",
    signing_name: "identitystore",
    target_prefix: "AWSIdentityStore",
    answer,
};

/// Find and run `op` on the store (the body must be JSON).
fn answer(state: &State, caller: &Caller, op: &str, body: &[u8]) -> Result<Response, AwsError> {
    let Some(o) = OPERATIONS.iter().find(|o| o.name == op) else {
        return Err(AwsError::bad_request(
            "UnknownOperationException",
            if op.is_empty() {
                "Missing X-Amz-Target.".to_string()
            } else {
                format!("Unknown operation {op}.")
            },
        ));
    };
    let input: Value = serde_json::from_slice(body).map_err(|_| {
        AwsError::bad_request(
            "SerializationException",
            "The request body is not valid JSON.",
        )
    })?;
    crate::aws::model::validate_request(SERVICE.name, o.name, &input)?;
    check_store(caller, o.name, &input)?;
    let answer = (o.run)(&super::scim::lock(state).store, &input);
    json_answer(SERVICE.name, o.name, answer)
}

/// The store must be the instance's, and the caller of its account.
fn check_store(caller: &Caller, op: &str, input: &Value) -> Result<(), AwsError> {
    let id = input["IdentityStoreId"].as_str().unwrap_or_default();
    if id != IDENTITY_STORE_ID {
        return Err(not_found("IDENTITY_STORE", id));
    }
    if caller.account_id() != MANAGEMENT_ACCOUNT_ID {
        return Err(AwsError::access_denied_json(format!(
            "User: {} is not authorized to perform: identitystore:{op} on resource: arn:aws:identitystore::{MANAGEMENT_ACCOUNT_ID}:identitystore/{id}",
            caller.arn()
        )));
    }
    Ok(())
}

fn not_found(kind: &str, id: &str) -> AwsError {
    let what = match kind {
        "USER" => "User",
        "GROUP" => "Group",
        _ => "Identity store",
    };
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "ResourceNotFoundException",
        format!("{what} {id} is not found."),
    )
}

fn validation(message: impl Into<String>) -> AwsError {
    AwsError::bad_request("ValidationException", message)
}

// ---------------------------------------------------------------- renderings

fn put_nonempty(v: &mut Value, key: &str, s: &str) {
    if !s.is_empty() {
        v[key] = Value::from(s);
    }
}

fn user_json(u: &User) -> Value {
    let mut name = json!({});
    put_nonempty(&mut name, "GivenName", &u.given_name);
    put_nonempty(&mut name, "FamilyName", &u.family_name);
    put_nonempty(
        &mut name,
        "Formatted",
        format!("{} {}", u.given_name, u.family_name).trim(),
    );
    let mut v = json!({
        "IdentityStoreId": IDENTITY_STORE_ID,
        "UserId": u.id,
        "UserName": u.user_name,
        "Name": name,
        "UserStatus": if u.active { "ENABLED" } else { "DISABLED" },
    });
    put_nonempty(&mut v, "DisplayName", &u.display_name);
    if let Some(e) = &u.external_id {
        v["ExternalIds"] = json!([{ "Issuer": SCIM_ISSUER, "Id": e }]);
    }
    if let Some(m) = &u.email {
        v["Emails"] = json!([{ "Value": m, "Type": "work", "Primary": true }]);
    }
    v
}

fn group_json(g: &Group) -> Value {
    let mut v = json!({ "IdentityStoreId": IDENTITY_STORE_ID, "GroupId": g.id });
    put_nonempty(&mut v, "DisplayName", &g.display_name);
    if let Some(e) = &g.external_id {
        v["ExternalIds"] = json!([{ "Issuer": SCIM_ISSUER, "Id": e }]);
    }
    v
}

/// A stable membership ID (a UUID made of the group's and the user's IDs).
fn membership_json(group_id: &str, user_id: &str) -> Value {
    let d = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{group_id}/{user_id}").as_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&d.as_ref()[..16]);
    json!({
        "IdentityStoreId": IDENTITY_STORE_ID,
        "MembershipId": uuid::Uuid::from_bytes(bytes).to_string(),
        "GroupId": group_id,
        "MemberId": { "UserId": user_id },
    })
}

// ---------------------------------------------------------------- paging

/// One page of `items` per `MaxResults` / `NextToken` (an offset), under `key`.
fn page(items: Vec<Value>, input: &Value, key: &str) -> Result<Value, AwsError> {
    let size = input["MaxResults"]
        .as_u64()
        .map_or(DEFAULT_PAGE, |n| usize::try_from(n).unwrap_or(DEFAULT_PAGE));
    let start = match input["NextToken"].as_str() {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| validation("The NextToken is invalid."))?,
    };
    let end = start.saturating_add(size).min(items.len());
    let mut out = json!({ key: items[start..end].to_vec() });
    if end < items.len() {
        out["NextToken"] = Value::from(end.to_string());
    }
    Ok(out)
}

/// The deprecated `Filters` (at most one, the model says): `(path, value)`.
fn filter(input: &Value) -> Option<(String, String)> {
    let f = input["Filters"].as_array()?.first()?;
    Some((
        f["AttributePath"].as_str()?.to_string(),
        f["AttributeValue"].as_str()?.to_string(),
    ))
}

// ---------------------------------------------------------------- operations

/// `AlternateIdentifier` as (path or `ExternalId`, value).
fn alternate(input: &Value) -> Result<(String, String), AwsError> {
    let a = &input["AlternateIdentifier"];
    if let Some(ext) = a.get("ExternalId") {
        return Ok((
            "ExternalId".into(),
            ext["Id"].as_str().unwrap_or_default().into(),
        ));
    }
    let u = &a["UniqueAttribute"];
    let value = match &u["AttributeValue"] {
        Value::String(s) => s.clone(),
        _ => return Err(validation("AttributeValue must be a string.")),
    };
    match u["AttributePath"].as_str() {
        Some(p) => Ok((p.to_string(), value)),
        None => Err(validation(
            "AlternateIdentifier needs UniqueAttribute or ExternalId.",
        )),
    }
}

fn get_user_id(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let (path, value) = alternate(input)?;
    let found = match path.to_ascii_lowercase().as_str() {
        "username" => store.user_by_user_name(&value),
        "emails.value" => store.users.iter().find(|u| {
            u.email
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(&value))
        }),
        "externalid" => store
            .users
            .iter()
            .find(|u| u.external_id.as_deref() == Some(value.as_str())),
        _ => {
            return Err(validation(format!(
                "{path} is not a unique attribute of users."
            )));
        }
    };
    let u = found.ok_or_else(|| not_found("USER", &value))?;
    Ok(json!({ "IdentityStoreId": IDENTITY_STORE_ID, "UserId": u.id }))
}

fn get_group_id(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let (path, value) = alternate(input)?;
    let found = match path.to_ascii_lowercase().as_str() {
        "displayname" => store.group_by_display_name(&value),
        "externalid" => store
            .groups
            .iter()
            .find(|g| g.external_id.as_deref() == Some(value.as_str())),
        _ => {
            return Err(validation(format!(
                "{path} is not a unique attribute of groups."
            )));
        }
    };
    let g = found.ok_or_else(|| not_found("GROUP", &value))?;
    Ok(json!({ "IdentityStoreId": IDENTITY_STORE_ID, "GroupId": g.id }))
}

fn describe_user(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let id = input["UserId"].as_str().unwrap_or_default();
    store
        .user(id)
        .map(user_json)
        .ok_or_else(|| not_found("USER", id))
}

fn describe_group(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let id = input["GroupId"].as_str().unwrap_or_default();
    store
        .group(id)
        .map(group_json)
        .ok_or_else(|| not_found("GROUP", id))
}

fn list_users(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let f = filter(input);
    if let Some((p, _)) = &f
        && !p.eq_ignore_ascii_case("UserName")
    {
        return Err(validation(format!(
            "Filtering users on {p} is not supported."
        )));
    }
    let items = store
        .users
        .iter()
        .filter(|u| {
            f.as_ref()
                .is_none_or(|(_, v)| u.user_name.eq_ignore_ascii_case(v))
        })
        .map(user_json)
        .collect();
    page(items, input, "Users")
}

fn list_groups(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let f = filter(input);
    if let Some((p, _)) = &f
        && !p.eq_ignore_ascii_case("DisplayName")
    {
        return Err(validation(format!(
            "Filtering groups on {p} is not supported."
        )));
    }
    let items = store
        .groups
        .iter()
        .filter(|g| {
            f.as_ref()
                .is_none_or(|(_, v)| g.display_name.eq_ignore_ascii_case(v))
        })
        .map(group_json)
        .collect();
    page(items, input, "Groups")
}

fn list_group_memberships(store: &IdentityStore, input: &Value) -> Result<Value, AwsError> {
    let id = input["GroupId"].as_str().unwrap_or_default();
    let g = store.group(id).ok_or_else(|| not_found("GROUP", id))?;
    let items = g
        .members
        .iter()
        .map(|m| membership_json(&g.id, m))
        .collect();
    page(items, input, "GroupMemberships")
}

fn list_group_memberships_for_member(
    store: &IdentityStore,
    input: &Value,
) -> Result<Value, AwsError> {
    let id = input["MemberId"]["UserId"]
        .as_str()
        .ok_or_else(|| validation("MemberId must name a UserId."))?;
    store.user(id).ok_or_else(|| not_found("USER", id))?;
    let items = store
        .groups_of(id)
        .iter()
        .map(|g| membership_json(g, id))
        .collect();
    page(items, input, "GroupMemberships")
}
