//! The identity store: users, groups and group memberships, as SCIM and the `identitystore`
//! API see them.

/// A user of the identity store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// `UserId` (a UUID).
    pub id: String,
    /// `UserName` (what the external IdP's NameID must equal, compared case-insensitively).
    pub user_name: String,
    /// Display name.
    pub display_name: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Primary e-mail address (`${user:email}`).
    pub email: Option<String>,
    /// SCIM `externalId` (Entra's object ID when provisioned by Entra).
    pub external_id: Option<String>,
    /// SCIM `active`.
    pub active: bool,
}

/// A group of the identity store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Group {
    /// `GroupId` (a UUID).
    pub id: String,
    /// `DisplayName` (unique in the store).
    pub display_name: String,
    /// SCIM `externalId`.
    pub external_id: Option<String>,
    /// Member user IDs.
    pub members: Vec<String>,
}

/// Users and groups.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct IdentityStore {
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
}

impl IdentityStore {
    /// The user whose `UserName` is `name` (case-insensitive, as Identity Center matches the
    /// external IdP's NameID).
    pub fn user_by_user_name(&self, name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(name))
    }

    /// The IDs of the groups `user_id` is a direct member of.
    pub fn groups_of(&self, user_id: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == user_id))
            .map(|g| g.id.clone())
            .collect()
    }
}
