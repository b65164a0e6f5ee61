//! restJson1 answer bodies, field for field as in the Connect API reference.

use serde_json::{Value, json};

use super::hierarchy::{Group, Hierarchy, LEVELS, Level};
use super::model::{IdentityInfo, Instance, Profile, User};

/// Unix ms → restJson1 timestamp (epoch seconds, fractional).
pub fn epoch_seconds(ms: i64) -> f64 {
    // Millisecond timestamps of this era fit in an f64 exactly.
    #[allow(clippy::cast_precision_loss)]
    let s = ms as f64 / 1000.0;
    s
}

/// `Instance` (DescribeInstance).
pub fn instance(i: &Instance, now_ms: i64) -> Value {
    let mut v = instance_summary(i, now_ms);
    if let Some(reason) = &i.failure {
        v["StatusReason"] = json!({ "Message": reason });
    }
    v["Tags"] = json!(i.tags);
    v
}

/// `InstanceSummary` (ListInstances).
pub fn instance_summary(i: &Instance, now_ms: i64) -> Value {
    let mut v = json!({
        "Id": i.id,
        "Arn": i.arn,
        "IdentityManagementType": i.identity_management_type.as_str(),
        "CreatedTime": epoch_seconds(i.created_ms),
        "ServiceRole": i.service_role,
        "InstanceStatus": i.status(now_ms).as_str(),
        "InboundCallsEnabled": i.inbound_calls_enabled,
        "OutboundCallsEnabled": i.outbound_calls_enabled,
        "InstanceAccessUrl": i.access_url(),
    });
    if let Some(alias) = &i.alias {
        v["InstanceAlias"] = json!(alias);
    }
    v
}

/// `User` (DescribeUser), with `region` as `LastModifiedRegion`.
pub fn user(u: &User, region: &str) -> Value {
    let mut v = json!({
        "Id": u.id,
        "Arn": u.arn,
        "Username": u.username,
        "IdentityInfo": u.identity_info,
        "PhoneConfig": u.phone_config,
        "SecurityProfileIds": u.security_profile_ids,
        "RoutingProfileId": u.routing_profile_id,
        "Tags": u.tags,
        "LastModifiedTime": epoch_seconds(u.last_modified_ms),
        "LastModifiedRegion": region,
    });
    add_optional(&mut v, u);
    v
}

/// `UserSearchSummary` (SearchUsers): the user's details, IdentityInfo limited to names.
pub fn user_search_summary(u: &User) -> Value {
    let mut v = user(u, "");
    if let Some(o) = v.as_object_mut() {
        o.remove("LastModifiedTime");
        o.remove("LastModifiedRegion");
    }
    let names = IdentityInfo {
        first_name: u.identity_info.first_name.clone(),
        last_name: u.identity_info.last_name.clone(),
        ..IdentityInfo::default()
    };
    v["IdentityInfo"] = json!(names);
    v
}

fn add_optional(v: &mut Value, u: &User) {
    if let Some(d) = &u.directory_user_id {
        v["DirectoryUserId"] = json!(d);
    }
    if let Some(h) = &u.hierarchy_group_id {
        v["HierarchyGroupId"] = json!(h);
    }
    if let Ok(Value::Object(extra)) = serde_json::to_value(&u.channel_configs) {
        for (k, x) in extra {
            v[k] = x;
        }
    }
}

/// `UserSummary` (ListUsers).
pub fn user_summary(u: &User, region: &str) -> Value {
    json!({
        "Id": u.id,
        "Arn": u.arn,
        "Username": u.username,
        "LastModifiedTime": epoch_seconds(u.last_modified_ms),
        "LastModifiedRegion": region,
    })
}

/// `SecurityProfileSummary` / `RoutingProfileSummary`.
pub fn profile_summary(p: &Profile, region: &str) -> Value {
    json!({
        "Id": p.id,
        "Arn": p.arn,
        "Name": p.name,
        "LastModifiedTime": epoch_seconds(p.last_modified_ms),
        "LastModifiedRegion": region,
    })
}

/// `HierarchyGroupSummary`.
pub fn hierarchy_group_summary(g: &Group, region: &str) -> Value {
    json!({
        "Id": g.id,
        "Arn": g.arn,
        "Name": g.name,
        "LastModifiedTime": epoch_seconds(g.last_modified_ms),
        "LastModifiedRegion": region,
    })
}

/// `HierarchyGroup` (DescribeUserHierarchyGroup): its level and its path from level one.
pub fn hierarchy_group(h: &Hierarchy, g: &Group, region: &str) -> Value {
    let mut path = serde_json::Map::new();
    for (i, a) in h.path(g).into_iter().enumerate() {
        if let Some(level) = LEVELS.get(i) {
            path.insert((*level).to_string(), hierarchy_group_summary(a, region));
        }
    }
    let mut v = hierarchy_group_summary(g, region);
    v["HierarchyPath"] = Value::Object(path);
    v["Tags"] = json!(g.tags);
    if let Some(level) = h.levels.get(g.level) {
        v["LevelId"] = json!(level.id);
    }
    v
}

/// `HierarchyStructure` (DescribeUserHierarchyStructure): the levels defined.
pub fn hierarchy_structure(h: &Hierarchy, region: &str) -> Value {
    let level = |l: &Level| {
        json!({
            "Id": l.id,
            "Arn": l.arn,
            "Name": l.name,
            "LastModifiedTime": epoch_seconds(l.last_modified_ms),
            "LastModifiedRegion": region,
        })
    };
    let levels: serde_json::Map<String, Value> = LEVELS
        .iter()
        .zip(&h.levels)
        .map(|(name, l)| ((*name).to_string(), level(l)))
        .collect();
    Value::Object(levels)
}
