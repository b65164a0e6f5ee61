//! SearchUsers criteria (`UserSearchCriteria`, `UserSearchFilter`) as the Connect API reference
//! describes them: `StringCondition` on Username, FirstName, LastName, RoutingProfileId,
//! SecurityProfileId, resourceId with EXACT, CONTAINS or STARTS_WITH; nested `AndConditions` /
//! `OrConditions`; `HierarchyGroupCondition` (EXACT: the user's own group; WITH_CHILD_GROUPS:
//! that group or any group below it); `ListCondition` (proficiencies: no sandbox user has any,
//! since no proficiency operation is emulated, so it matches no one); the tag filter and the
//! `UserAttributeFilter` (an OR of ANDs of tag and hierarchy group conditions, one field
//! populated, at most 25 tag and 20 hierarchy group conditions, never with a tag filter:
//! `AccessDeniedException`, as the reference says). String comparisons are case-sensitive
//! \[I: not documented\]; a condition without `HierarchyGroupMatchType` matches EXACT \[I\].

use serde::Deserialize;

use super::error::{ConnectResult, invalid_parameter};
use super::hierarchy::Hierarchy;
use super::model::User;
use crate::aws::AwsError;

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
    /// Proficiency lists (no user has proficiencies: matches no one).
    pub list_condition: Option<serde_json::Value>,
    /// Hierarchy groups.
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
    /// Group id or ARN.
    pub value: Option<String>,
    /// `EXACT` or `WITH_CHILD_GROUPS` (the model's enum).
    pub hierarchy_group_match_type: Option<String>,
}

impl HierarchyGroupCondition {
    /// Is `user` in the group (or, WITH_CHILD_GROUPS, in a group below it)?
    fn matches(&self, user: &User, h: &Hierarchy) -> bool {
        let (Some(wanted), Some(own)) = (self.value.as_deref(), user.hierarchy_group_id.as_deref())
        else {
            return false;
        };
        let Some(wanted) = h.group(wanted) else {
            return false;
        };
        match self.hierarchy_group_match_type.as_deref() {
            Some("WITH_CHILD_GROUPS") => h.within(own, &wanted.id),
            _ => own == wanted.id,
        }
    }
}

/// `UserSearchFilter`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Filter {
    /// Tag filter.
    pub tag_filter: Option<TagFilter>,
    /// Attribute filter.
    pub user_attribute_filter: Option<AttributeFilter>,
}

/// `ControlPlaneUserAttributeFilter`: exactly one member populated.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeFilter {
    /// Any of these.
    pub or_conditions: Option<Vec<AttributeAnd>>,
    /// All of this one.
    pub and_condition: Option<AttributeAnd>,
    /// One tag condition.
    pub tag_condition: Option<TagCondition>,
    /// One hierarchy group condition.
    pub hierarchy_group_condition: Option<HierarchyGroupCondition>,
}

/// `AttributeAndCondition`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeAnd {
    /// All of these tags.
    pub tag_conditions: Option<Vec<TagCondition>>,
    /// And this group.
    pub hierarchy_group_condition: Option<HierarchyGroupCondition>,
}

/// Most tag conditions in a `UserAttributeFilter` (its reference).
const MAX_TAG_CONDITIONS: usize = 25;
/// Most hierarchy group conditions in a `UserAttributeFilter` (its reference).
const MAX_GROUP_CONDITIONS: usize = 20;

impl AttributeFilter {
    fn validate(&self) -> ConnectResult<()> {
        let populated = usize::from(self.or_conditions.is_some())
            + usize::from(self.and_condition.is_some())
            + usize::from(self.tag_condition.is_some())
            + usize::from(self.hierarchy_group_condition.is_some());
        if populated != 1 {
            return Err(invalid_parameter(format!(
                "UserAttributeFilter takes exactly one of OrConditions, AndCondition, TagCondition, HierarchyGroupCondition; got {populated}."
            )));
        }
        let ands = self
            .or_conditions
            .iter()
            .flatten()
            .chain(&self.and_condition);
        let (mut tags, mut groups) = (usize::from(self.tag_condition.is_some()), 0);
        groups += usize::from(self.hierarchy_group_condition.is_some());
        for and in ands {
            tags += and.tag_conditions.as_ref().map_or(0, Vec::len);
            groups += usize::from(and.hierarchy_group_condition.is_some());
        }
        if tags > MAX_TAG_CONDITIONS || groups > MAX_GROUP_CONDITIONS {
            return Err(invalid_parameter(format!(
                "UserAttributeFilter allows at most {MAX_TAG_CONDITIONS} tag conditions and {MAX_GROUP_CONDITIONS} hierarchy group conditions; got {tags} and {groups}."
            )));
        }
        Ok(())
    }

    fn matches(&self, user: &User, h: &Hierarchy) -> bool {
        let and = |a: &AttributeAnd| {
            a.tag_conditions.iter().flatten().all(|t| has_tag(user, t))
                && a.hierarchy_group_condition
                    .as_ref()
                    .is_none_or(|g| g.matches(user, h))
        };
        if let Some(or) = &self.or_conditions {
            return or.iter().any(and);
        }
        if let Some(a) = &self.and_condition {
            return and(a);
        }
        if let Some(t) = &self.tag_condition {
            return has_tag(user, t);
        }
        self.hierarchy_group_condition
            .as_ref()
            .is_none_or(|g| g.matches(user, h))
    }
}

/// Does `user` carry the tag (any value when the condition names none)?
fn has_tag(user: &User, c: &TagCondition) -> bool {
    match (&c.tag_key, &c.tag_value) {
        (Some(k), Some(v)) => user.tags.get(k) == Some(v),
        (Some(k), None) => user.tags.contains_key(k),
        _ => true,
    }
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
        for c in self
            .or_conditions
            .iter()
            .chain(&self.and_conditions)
            .flatten()
        {
            c.validate_at(depth + 1)?;
        }
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

    /// Does `user` match, in the instance's hierarchy `h`? (call [`Criteria::validate`] first).
    pub fn matches(&self, user: &User, h: &Hierarchy) -> bool {
        let or = self.or_conditions.as_ref();
        let or = or.is_none_or(|or| or.is_empty() || or.iter().any(|c| c.matches(user, h)));
        let and = self.and_conditions.as_ref();
        let and = and.is_none_or(|and| and.iter().all(|c| c.matches(user, h)));
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
        let group = group.is_none_or(|g| g.matches(user, h));
        // Proficiencies are not emulated: no user has any, so no list condition holds.
        let list = self.list_condition.is_none();
        or && and && string && group && list
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
    /// Check the filter once: a tag filter and an attribute filter together are refused with
    /// `AccessDeniedException` (the `UserSearchFilter` reference says so).
    pub fn validate(&self) -> Result<(), AwsError> {
        match (&self.tag_filter, &self.user_attribute_filter) {
            (Some(_), Some(_)) => Err(AwsError::access_denied_json(
                "A SearchFilter can contain TagFilter or UserAttributeFilter, not both.",
            )),
            (_, Some(a)) => a.validate(),
            _ => Ok(()),
        }
    }

    /// Does `user` pass the filter, in the instance's hierarchy `h`?
    pub fn matches(&self, user: &User, h: &Hierarchy) -> bool {
        if let Some(a) = &self.user_attribute_filter {
            return a.matches(user, h);
        }
        let Some(t) = &self.tag_filter else {
            return true;
        };
        let has = |c: &TagCondition| has_tag(user, c);
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
