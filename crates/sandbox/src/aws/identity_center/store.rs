//! The identity store: users, groups and group memberships, as SCIM and the `identitystore`
//! API see them, and the SCIM bearer tokens.
//!
//! Bounds (every count grows only through here): at most [`MAX_USERS`] users, [`MAX_GROUPS`]
//! groups, [`MAX_MEMBERS_PER_GROUP`] members in a group and [`MAX_SCIM_TOKENS`] live SCIM
//! tokens (Identity Center's own limit: two tokens at a time). IDs are random UUIDs.

use std::collections::HashSet;

/// Most users the store holds (Identity Center's default quota is 50,000).
pub const MAX_USERS: usize = 50_000;
/// Most groups the store holds (Identity Center's default quota is 10,000).
pub const MAX_GROUPS: usize = 10_000;
/// Most direct members of one group.
pub const MAX_MEMBERS_PER_GROUP: usize = 100_000;
/// Live SCIM tokens at a time: Identity Center allows two; a third replaces the oldest.
pub const MAX_SCIM_TOKENS: usize = 2;

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

/// What a create or full update of a user sets (everything but the ID).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserFields {
    /// `userName`.
    pub user_name: String,
    /// `displayName`.
    pub display_name: String,
    /// `name.givenName`.
    pub given_name: String,
    /// `name.familyName`.
    pub family_name: String,
    /// The one e-mail address Identity Center keeps.
    pub email: Option<String>,
    /// `externalId`.
    pub external_id: Option<String>,
    /// `active`.
    pub active: bool,
}

impl User {
    /// The user `id` with these fields.
    fn with_fields(id: String, f: UserFields) -> Self {
        Self {
            id,
            user_name: f.user_name,
            display_name: f.display_name,
            given_name: f.given_name,
            family_name: f.family_name,
            email: f.email,
            external_id: f.external_id,
            active: f.active,
        }
    }

    /// The user's fields (to edit and hand back to [`IdentityStore::update_user`]).
    pub fn fields(&self) -> UserFields {
        UserFields {
            user_name: self.user_name.clone(),
            display_name: self.display_name.clone(),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            email: self.email.clone(),
            external_id: self.external_id.clone(),
            active: self.active,
        }
    }
}

/// Why the store refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A unique attribute (`userName`, group `displayName`) is taken.
    #[error("{0}")]
    Conflict(String),
    /// No such user or group.
    #[error("{0}")]
    NotFound(String),
    /// A bound of the store would be exceeded.
    #[error("{0}")]
    Limit(String),
    /// A value the store does not accept.
    #[error("{0}")]
    Invalid(String),
}

/// SHA-256 digests (hex) of the live SCIM tokens, oldest first: the tokens themselves are
/// shown once and never kept, so no state dump or log can reveal one.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct ScimTokens(Vec<String>);

fn token_digest(token: &str) -> String {
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes()).as_ref())
}

/// Users and groups.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct IdentityStore {
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// SCIM bearer tokens (digests).
    #[serde(default)]
    pub scim_tokens: ScimTokens,
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

    /// The user with this ID.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The group with this ID.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// The group whose `DisplayName` is `name` (case-insensitive).
    pub fn group_by_display_name(&self, name: &str) -> Option<&Group> {
        self.groups
            .iter()
            .find(|g| g.display_name.eq_ignore_ascii_case(name))
    }

    /// Add a user; `userName` must be free (case-insensitively).
    pub fn create_user(&mut self, f: UserFields) -> Result<User, StoreError> {
        if self.users.len() >= MAX_USERS {
            return Err(StoreError::Limit(format!(
                "The identity store holds at most {MAX_USERS} users."
            )));
        }
        self.check_user(None, &f)?;
        let user = User::with_fields(uuid::Uuid::new_v4().to_string(), f);
        self.users.push(user.clone());
        Ok(user)
    }

    /// Replace a user's fields.
    pub fn update_user(&mut self, id: &str, f: UserFields) -> Result<User, StoreError> {
        self.check_user(Some(id), &f)?;
        let u = self
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| user_not_found(id))?;
        *u = User::with_fields(u.id.clone(), f);
        Ok(u.clone())
    }

    fn check_user(&self, id: Option<&str>, f: &UserFields) -> Result<(), StoreError> {
        if f.user_name.trim().is_empty() {
            return Err(StoreError::Invalid("userName must not be empty.".into()));
        }
        let taken = self
            .user_by_user_name(&f.user_name)
            .is_some_and(|u| Some(u.id.as_str()) != id);
        if taken {
            return Err(StoreError::Conflict(format!(
                "Duplicate userName: a user named {} already exists.",
                f.user_name
            )));
        }
        Ok(())
    }

    /// Remove a user (and its memberships).
    pub fn delete_user(&mut self, id: &str) -> Result<(), StoreError> {
        let before = self.users.len();
        self.users.retain(|u| u.id != id);
        if self.users.len() == before {
            return Err(user_not_found(id));
        }
        for g in &mut self.groups {
            g.members.retain(|m| m != id);
        }
        Ok(())
    }

    /// Add a group; `displayName` must be free (case-insensitively), members existing users.
    pub fn create_group(
        &mut self,
        display_name: String,
        external_id: Option<String>,
        members: Vec<String>,
    ) -> Result<Group, StoreError> {
        if self.groups.len() >= MAX_GROUPS {
            return Err(StoreError::Limit(format!(
                "The identity store holds at most {MAX_GROUPS} groups."
            )));
        }
        let mut group = Group {
            id: uuid::Uuid::new_v4().to_string(),
            display_name,
            external_id,
            members,
        };
        self.check_group(&mut group)?;
        self.groups.push(group.clone());
        Ok(group)
    }

    /// Replace a group's display name, external ID and members.
    pub fn update_group(&mut self, mut group: Group) -> Result<Group, StoreError> {
        self.check_group(&mut group)?;
        let g = self
            .groups
            .iter_mut()
            .find(|g| g.id == group.id)
            .ok_or_else(|| group_not_found(&group.id))?;
        *g = group;
        Ok(g.clone())
    }

    /// Check a group before it is stored: unique name, bounded and existing members (made
    /// distinct, first occurrence kept).
    fn check_group(&self, group: &mut Group) -> Result<(), StoreError> {
        if group.display_name.trim().is_empty() {
            return Err(StoreError::Invalid("displayName must not be empty.".into()));
        }
        if self
            .group_by_display_name(&group.display_name)
            .is_some_and(|g| g.id != group.id)
        {
            return Err(StoreError::Conflict(format!(
                "Duplicate GroupDisplayName: a group named {} already exists.",
                group.display_name
            )));
        }
        let mut seen = HashSet::new();
        group.members.retain(|m| seen.insert(m.clone()));
        if group.members.len() > MAX_MEMBERS_PER_GROUP {
            return Err(StoreError::Limit(format!(
                "A group has at most {MAX_MEMBERS_PER_GROUP} members."
            )));
        }
        let users: HashSet<&str> = self.users.iter().map(|u| u.id.as_str()).collect();
        match group.members.iter().find(|m| !users.contains(m.as_str())) {
            Some(m) => Err(StoreError::Invalid(format!(
                "Member {m} is not a user of the identity store."
            ))),
            None => Ok(()),
        }
    }

    /// Remove a group.
    pub fn delete_group(&mut self, id: &str) -> Result<(), StoreError> {
        let before = self.groups.len();
        self.groups.retain(|g| g.id != id);
        if self.groups.len() == before {
            return Err(group_not_found(id));
        }
        Ok(())
    }

    /// A new SCIM bearer token (shown once; the oldest is dropped beyond [`MAX_SCIM_TOKENS`]).
    pub fn issue_scim_token(&mut self) -> String {
        use base64::Engine as _;
        let mut bytes = [0u8; 48];
        rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
        let token = base64::engine::general_purpose::STANDARD.encode(bytes);
        let tokens = &mut self.scim_tokens.0;
        tokens.push(token_digest(&token));
        let excess = tokens.len().saturating_sub(MAX_SCIM_TOKENS);
        tokens.drain(..excess);
        token
    }

    /// Is `token` a live SCIM token?
    pub fn scim_token_valid(&self, token: &str) -> bool {
        let d = token_digest(token);
        self.scim_tokens.0.contains(&d)
    }
}

fn user_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("User {id} not found."))
}

fn group_not_found(id: &str) -> StoreError {
    StoreError::NotFound(format!("Group {id} not found."))
}
