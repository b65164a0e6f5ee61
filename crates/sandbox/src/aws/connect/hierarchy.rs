//! User hierarchies (Connect API reference: UpdateUserHierarchyStructure,
//! CreateUserHierarchyGroup, UpdateUserHierarchy): an instance has one structure of up to five
//! named levels (none at first), and hierarchy groups placed at those levels. A group without a
//! parent is at level one; a child is one level below its parent, so the level a group is at is
//! derived from the structure, never given.
//!
//! Rules the reference states: a level name is at most 50 characters, a group name at most 100.
//! Rules marked \[I\] are inferred: levels are defined from level one down without gaps; a level
//! that still holds groups cannot be removed (`ResourceInUseException`, which the operation
//! declares); group names are unique within their level (`DuplicateResourceException`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{ConnectResult, error, invalid_parameter, invalid_request, not_found};
use super::model::{Ctx, new_id};

/// The model's member names of the five levels, top first.
pub const LEVELS: [&str; 5] = [
    "LevelOne",
    "LevelTwo",
    "LevelThree",
    "LevelFour",
    "LevelFive",
];

/// Longest level name (`HierarchyLevelUpdate.Name`: "Must not be more than 50 characters").
const LEVEL_NAME_MAX: usize = 50;
/// Longest group name (`CreateUserHierarchyGroup.Name`: "Must not be more than 100 characters").
const GROUP_NAME_MAX: usize = 100;

/// One level of the structure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Level {
    /// Id (UUID).
    pub id: String,
    /// ARN (`…/agent-group-level/<id>` \[I\]).
    pub arn: String,
    /// Name.
    pub name: String,
    /// Last change, Unix ms.
    pub last_modified_ms: i64,
}

/// A hierarchy group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Id (UUID).
    pub id: String,
    /// ARN (`…/agent-group/<id>`, the IAM resource type `hierarchy-group`).
    pub arn: String,
    /// Name.
    pub name: String,
    /// Level, 0 for level one.
    pub level: usize,
    /// Parent group (none at level one).
    pub parent_id: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Last change, Unix ms.
    pub last_modified_ms: i64,
}

/// An instance's hierarchy: the levels defined (top first) and the groups in creation order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Hierarchy {
    /// Levels, at most five.
    pub levels: Vec<Level>,
    /// Groups in creation order.
    pub groups: Vec<Group>,
}

impl Hierarchy {
    /// The group with this id or ARN.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id || g.arn == id)
    }

    /// The group with this id or ARN, for a lookup by URI (`ResourceNotFoundException`).
    pub fn describe(&self, id: &str) -> ConnectResult<&Group> {
        self.group(id)
            .ok_or_else(|| not_found(format!("Hierarchy group not found: {id}")))
    }

    /// A group named in a request body must exist (`InvalidParameterException` \[I\]); its id.
    pub fn check_group(&self, id: &str) -> ConnectResult<String> {
        self.group(id).map(|g| g.id.clone()).ok_or_else(|| {
            invalid_parameter(format!(
                "Hierarchy group {id} does not exist in this instance; list them with ListUserHierarchyGroups."
            ))
        })
    }

    /// `group` itself and its ancestors, top first.
    pub fn path<'a>(&'a self, group: &'a Group) -> Vec<&'a Group> {
        let mut out = vec![group];
        let mut at = group;
        while let Some(parent) = at.parent_id.as_deref().and_then(|p| self.group(p)) {
            // Levels are at most five deep, so the walk ends; a cycle cannot be built.
            if out.len() >= LEVELS.len() {
                break;
            }
            out.push(parent);
            at = parent;
        }
        out.reverse();
        out
    }

    /// Is `group_id` the group `ancestor_id` or one of its descendants?
    pub fn within(&self, group_id: &str, ancestor_id: &str) -> bool {
        self.group(group_id)
            .is_some_and(|g| self.path(g).iter().any(|a| a.id == ancestor_id))
    }

    /// UpdateUserHierarchyStructure: `names[i]` is level i's new name, `None` removes it.
    pub fn update_structure(
        &mut self,
        ctx: &Ctx,
        instance_arn: &str,
        names: [Option<String>; 5],
    ) -> ConnectResult<()> {
        let count = names.iter().take_while(|n| n.is_some()).count();
        if names[count..].iter().any(Option::is_some) {
            return Err(invalid_parameter(format!(
                "The hierarchy structure must define levels from LevelOne down without gaps; {} is missing.",
                LEVELS[count]
            )));
        }
        for name in names.iter().flatten() {
            let n = name.chars().count();
            if n == 0 || n > LEVEL_NAME_MAX {
                return Err(invalid_parameter(format!(
                    "A hierarchy level name must be 1 to {LEVEL_NAME_MAX} characters; got {n}."
                )));
            }
        }
        if let Some(g) = self.groups.iter().find(|g| g.level >= count) {
            return Err(error(
                "ResourceInUseException",
                format!(
                    "{} cannot be removed: hierarchy group {} is at that level.",
                    LEVELS[g.level], g.id
                ),
            ));
        }
        self.levels.truncate(count);
        for (i, name) in names.into_iter().flatten().enumerate() {
            match self.levels.get_mut(i) {
                Some(level) if level.name == name => {}
                Some(level) => {
                    level.name = name;
                    level.last_modified_ms = ctx.now_ms;
                }
                None => {
                    let id = new_id();
                    self.levels.push(Level {
                        arn: format!("{instance_arn}/agent-group-level/{id}"),
                        id,
                        name,
                        last_modified_ms: ctx.now_ms,
                    });
                }
            }
        }
        Ok(())
    }

    /// CreateUserHierarchyGroup: answers `(HierarchyGroupId, HierarchyGroupArn)`.
    pub fn create_group(
        &mut self,
        ctx: &Ctx,
        instance_arn: &str,
        name: &str,
        parent_id: Option<&str>,
        tags: BTreeMap<String, String>,
    ) -> ConnectResult<(String, String)> {
        let n = name.chars().count();
        if n == 0 || n > GROUP_NAME_MAX {
            return Err(invalid_parameter(format!(
                "A hierarchy group name must be 1 to {GROUP_NAME_MAX} characters; got {n}."
            )));
        }
        let (parent, level) = match parent_id {
            None => (None, 0),
            Some(p) => {
                let id = self.check_group(p)?;
                let level = self.group(&id).map_or(0, |g| g.level + 1);
                (Some(id), level)
            }
        };
        if level >= self.levels.len() {
            return Err(invalid_request(format!(
                "The hierarchy structure has no {}: define it with UpdateUserHierarchyStructure first.",
                LEVELS.get(level).copied().unwrap_or("sixth level")
            )));
        }
        if self
            .groups
            .iter()
            .any(|g| g.level == level && g.name == name)
        {
            return Err(error(
                "DuplicateResourceException",
                format!(
                    "A hierarchy group named {name} already exists at {}.",
                    LEVELS[level]
                ),
            ));
        }
        let id = new_id();
        let arn = format!("{instance_arn}/agent-group/{id}");
        self.groups.push(Group {
            id: id.clone(),
            arn: arn.clone(),
            name: name.to_string(),
            level,
            parent_id: parent,
            tags,
            last_modified_ms: ctx.now_ms,
        });
        Ok((id, arn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx {
        Ctx {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            now_ms: 0,
        }
    }

    fn levels(names: &[&str]) -> [Option<String>; 5] {
        std::array::from_fn(|i| names.get(i).map(|n| (*n).to_string()))
    }

    #[test]
    fn groups_take_the_level_below_their_parent_and_children_are_within() {
        let mut h = Hierarchy::default();
        let err = h
            .create_group(&ctx(), "arn", "EMEA", None, BTreeMap::new())
            .expect_err("no levels yet");
        assert_eq!(err.code, "InvalidRequestException");
        h.update_structure(&ctx(), "arn", levels(&["Region", "Site"]))
            .expect("levels");
        let (emea, _) = h
            .create_group(&ctx(), "arn", "EMEA", None, BTreeMap::new())
            .expect("level one");
        let (london, _) = h
            .create_group(&ctx(), "arn", "London", Some(&emea), BTreeMap::new())
            .expect("level two");
        assert_eq!(h.group(&london).map(|g| g.level), Some(1));
        let err = h
            .create_group(&ctx(), "arn", "Desk", Some(&london), BTreeMap::new())
            .expect_err("no level three");
        assert_eq!(err.code, "InvalidRequestException");
        assert!(h.within(&london, &emea));
        assert!(!h.within(&emea, &london));
        let err = h
            .update_structure(&ctx(), "arn", levels(&["Region"]))
            .expect_err("level two holds London");
        assert_eq!(err.code, "ResourceInUseException");
    }

    #[test]
    fn a_gap_in_the_levels_is_refused() {
        let mut h = Hierarchy::default();
        let mut names = levels(&["Region"]);
        names[2] = Some("Team".into());
        let err = h.update_structure(&ctx(), "arn", names).expect_err("gap");
        assert_eq!(err.code, "InvalidParameterException");
    }
}
