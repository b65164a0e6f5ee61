//! SearchUsers criteria (`UserSearchCriteria`, `UserSearchFilter`) as the Connect API reference
//! describes them: `StringCondition` on Username, FirstName, LastName, RoutingProfileId,
//! SecurityProfileId, resourceId with EXACT, CONTAINS or STARTS_WITH; nested `AndConditions` /
//! `OrConditions`; tag filters. String comparisons are case-sensitive \[I: not documented\].

use serde::Deserialize;

use super::error::{ConnectResult, invalid_parameter};
use super::model::User;

/// `UserSearchCriteria`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Criteria {
    /// Any of these.
    pub or_conditions: Option<Vec<Criteria>>,
    /// All of these.
    pub and_conditions: Option<Vec<Criteria>>,
    /// A leaf.
    pub string_condition: Option<StringCondition>,
    /// Proficiency lists (not emulated).
    pub list_condition: Option<serde_json::Value>,
    /// Hierarchy groups (matches the user's HierarchyGroupId exactly).
    pub hierarchy_group_condition: Option<HierarchyGroupCondition>,
}

/// `StringCondition`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StringCondition {
    /// Field.
    pub field_name: Option<String>,
    /// Value.
    pub value: Option<String>,
    /// `EXACT`, `CONTAINS`, `STARTS_WITH`.
    pub comparison_type: Option<String>,
}

/// `HierarchyGroupCondition`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HierarchyGroupCondition {
    /// Group id (`HierarchyGroupMatchType` is not read: both values match exactly).
    pub value: Option<String>,
}

/// `UserSearchFilter`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    /// Tag filter.
    pub tag_filter: Option<TagFilter>,
    /// Attribute filter (not emulated).
    pub user_attribute_filter: Option<serde_json::Value>,
}

/// `ControlPlaneTagFilter`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagFilter {
    /// Any of these groups, each group all of its conditions.
    pub or_conditions: Option<Vec<Vec<TagCondition>>>,
    /// All of these.
    pub and_conditions: Option<Vec<TagCondition>>,
    /// One condition.
    pub tag_condition: Option<TagCondition>,
}

/// `TagCondition`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagCondition {
    /// Key.
    pub tag_key: Option<String>,
    /// Value.
    pub tag_value: Option<String>,
}

/// Deepest nesting accepted, so hostile input cannot recurse without bound.
const MAX_DEPTH: usize = 8;

impl Criteria {
    /// Check the criteria once, before matching any user.
    pub fn validate(&self) -> ConnectResult<()> {
        self.validate_at(0)
    }

    fn validate_at(&self, depth: usize) -> ConnectResult<()> {
        if depth > MAX_DEPTH {
            return Err(invalid_parameter(format!(
                "SearchCriteria is nested deeper than {MAX_DEPTH} levels."
            )));
        }
        if self.list_condition.is_some() {
            return Err(invalid_parameter(
                "ListCondition (proficiencies) is not supported by the sandbox.",
            ));
        }
        for c in self
            .or_conditions
            .iter()
            .chain(&self.and_conditions)
            .flatten()
        {
            c.validate_at(depth + 1)?;
        }
        // HierarchyGroupMatchType is the model's enum; no hierarchy is emulated, so
        // WITH_CHILD_GROUPS matches like EXACT.
        if let Some(s) = &self.string_condition {
            let field = s.field_name.as_deref().unwrap_or("");
            if field_value_names(field).is_none() {
                return Err(invalid_parameter(format!(
                    "StringCondition.FieldName {field:?} is not one of Username, FirstName, LastName, RoutingProfileId, SecurityProfileId, resourceId."
                )));
            }
            let value = s.value.as_deref().unwrap_or("");
            // ComparisonType's values are the model's enum; CONTAINS takes 2 to 25 characters
            // (UserSearchCriteria reference).
            let n = value.chars().count();
            match s.comparison_type.as_deref() {
                Some("CONTAINS") if !(2..=25).contains(&n) => {
                    return Err(invalid_parameter(format!(
                        "A CONTAINS condition needs a value of 2 to 25 characters; got {n}."
                    )));
                }
                None => {
                    return Err(invalid_parameter(
                        "StringCondition.ComparisonType is required.",
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Does `user` match? (call [`Criteria::validate`] first).
    pub fn matches(&self, user: &User) -> bool {
        if let Some(or) = &self.or_conditions {
            if !or.is_empty() && !or.iter().any(|c| c.matches(user)) {
                return false;
            }
        }
        if let Some(and) = &self.and_conditions {
            if !and.iter().all(|c| c.matches(user)) {
                return false;
            }
        }
        if let Some(s) = &self.string_condition {
            let wanted = s.value.as_deref().unwrap_or("");
            let values = user_field(user, s.field_name.as_deref().unwrap_or(""));
            let hit = values.iter().any(|v| match s.comparison_type.as_deref() {
                Some("EXACT") => *v == wanted,
                Some("CONTAINS") => v.contains(wanted),
                Some("STARTS_WITH") => v.starts_with(wanted),
                _ => false,
            });
            if !hit {
                return false;
            }
        }
        if let Some(h) = &self.hierarchy_group_condition {
            if user.hierarchy_group_id.as_deref() != h.value.as_deref() {
                return false;
            }
        }
        true
    }
}

fn field_value_names(field: &str) -> Option<&'static str> {
    match field {
        "Username" => Some("Username"),
        "FirstName" => Some("FirstName"),
        "LastName" => Some("LastName"),
        "RoutingProfileId" => Some("RoutingProfileId"),
        "SecurityProfileId" => Some("SecurityProfileId"),
        "resourceId" | "ResourceId" => Some("resourceId"),
        _ => None,
    }
}

fn user_field<'a>(user: &'a User, field: &str) -> Vec<&'a str> {
    match field_value_names(field) {
        Some("Username") => vec![user.username.as_str()],
        Some("FirstName") => user
            .identity_info
            .first_name
            .as_deref()
            .into_iter()
            .collect(),
        Some("LastName") => user
            .identity_info
            .last_name
            .as_deref()
            .into_iter()
            .collect(),
        Some("RoutingProfileId") => vec![user.routing_profile_id.as_str()],
        Some("SecurityProfileId") => user
            .security_profile_ids
            .iter()
            .map(String::as_str)
            .collect(),
        Some("resourceId") => vec![user.id.as_str()],
        _ => Vec::new(),
    }
}

impl Filter {
    /// Check the filter once.
    pub fn validate(&self) -> ConnectResult<()> {
        if self.user_attribute_filter.is_some() {
            return Err(invalid_parameter(
                "UserAttributeFilter is not supported by the sandbox; use TagFilter.",
            ));
        }
        Ok(())
    }

    /// Does `user` pass the filter?
    pub fn matches(&self, user: &User) -> bool {
        let Some(t) = &self.tag_filter else {
            return true;
        };
        let has = |c: &TagCondition| match (&c.tag_key, &c.tag_value) {
            (Some(k), Some(v)) => user.tags.get(k) == Some(v),
            (Some(k), None) => user.tags.contains_key(k),
            _ => true,
        };
        if let Some(c) = &t.tag_condition {
            if !has(c) {
                return false;
            }
        }
        if let Some(and) = &t.and_conditions {
            if !and.iter().all(has) {
                return false;
            }
        }
        if let Some(or) = &t.or_conditions {
            if !or.is_empty() && !or.iter().any(|group| group.iter().all(has)) {
                return false;
            }
        }
        true
    }
}
