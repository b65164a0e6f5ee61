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
            let known = field == "ResourceId" || FIELDS.split(' ').any(|f| f == field);
            if !known {
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
        let or = self.or_conditions.as_ref();
        let or = or.is_none_or(|or| or.is_empty() || or.iter().any(|c| c.matches(user)));
        let and = self.and_conditions.as_ref();
        let and = and.is_none_or(|and| and.iter().all(|c| c.matches(user)));
        let string = self.string_condition.as_ref().is_none_or(|s| {
            let wanted = s.value.as_deref().unwrap_or("");
            let values = user_field(user, s.field_name.as_deref().unwrap_or(""));
            values.iter().any(|v| match s.comparison_type.as_deref() {
                Some("EXACT") => *v == wanted,
                Some("CONTAINS") => v.contains(wanted),
                Some("STARTS_WITH") => v.starts_with(wanted),
                _ => false,
            })
        });
        let group = self.hierarchy_group_condition.as_ref();
        let group = group.is_none_or(|h| user.hierarchy_group_id.as_deref() == h.value.as_deref());
        or && and && string && group
    }
}

/// The fields a `StringCondition` may name.
const FIELDS: &str = "Username FirstName LastName RoutingProfileId SecurityProfileId resourceId";

/// The values of `field` of `user` (none for a field not in [`FIELDS`]).
fn user_field<'a>(user: &'a User, field: &str) -> Vec<&'a str> {
    let names = &user.identity_info;
    match field {
        "Username" => vec![&user.username],
        "FirstName" => names.first_name.iter().map(String::as_str).collect(),
        "LastName" => names.last_name.iter().map(String::as_str).collect(),
        "RoutingProfileId" => vec![&user.routing_profile_id],
        "SecurityProfileId" => user
            .security_profile_ids
            .iter()
            .map(String::as_str)
            .collect(),
        "resourceId" | "ResourceId" => vec![&user.id],
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
        let one = t.tag_condition.as_ref().is_none_or(has);
        let and = t
            .and_conditions
            .as_ref()
            .is_none_or(|and| and.iter().all(has));
        let or = t.or_conditions.as_ref();
        let or = or.is_none_or(|or| or.is_empty() || or.iter().any(|g| g.iter().all(has)));
        one && and && or
    }
}
