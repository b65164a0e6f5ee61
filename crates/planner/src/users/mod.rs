//! Users: the members of the spec's Entra groups × the Connect users that exist → a
//! [`UserDiff`] (create, update, adopt, enable, disable, delete, each with its reason and the
//! exact calls). Pure: the engine reads both sides (`connect_sso_engine::sync`) and executes
//! the diff. One mapping serves `sync`, and later the SCIM server and apply's first
//! administrator.
//!
//! The rules (docs/spec.md, "User sync"):
//! - **Username**: the member's UPN (or `mail`, `[sync] username`), trimmed, case kept:
//!   Connect signs in the user whose username equals the RoleSessionName exactly
//!   (docs/facts.md §2).
//! - **Precedence**: a person in several synced groups gets everything (security profiles,
//!   routing profile) from the first `[[entra.access]]` entry that contains them; list the
//!   most privileged group first.
//! - **Skipped, never half-created**: a username AWS or Connect would refuse
//!   ([`connect_sso_spec::username_problem`]: `#EXT#` guests, over 64 characters, characters
//!   outside the pattern), two members whose usernames differ only in case, a member without
//!   the chosen property, and a hand-made Connect user of the same name (unless
//!   `adopt_existing`). A Connect user whose name is skipped is never removed.
//! - **Only managed users** (tag [`MANAGED_TAG`] = the app name) are updated or removed; the
//!   spec's first administrator belongs to `apply` and is left alone.
//! - **Tags**: the managed tag, and the tags of the member's `[[entra.access]]` entry; the keys
//!   sync set are listed in [`TAGS_TAG`], so only those are changed or removed later.
//! - **Hierarchy group**: the entry's `hierarchy_group` (by name), when it has one.
//! - **E-mail**: the member's `mail` with `[sync] email = "mail"`, else none.
//! - **Leavers**: `disable` gives the user only the no-permission profile and the tag
//!   [`DISABLED_TAG`]; `delete` deletes it. With `leaver_grace`, the first sync that sees a
//!   leaver only tags them [`LEFT_AT_TAG`] (RFC 3339, seconds, UTC, from the `now` passed in);
//!   the policy applies once the grace period is over. A leaver who comes back is enabled
//!   again (and loses the left-at tag).
//! - Every change is a diff of one attribute against what exists, so a run that stopped
//!   half-way is finished by the next one, with nothing done twice.

mod desired;
mod diff;
mod leavers;
mod render;
mod tags;

use std::collections::BTreeMap;

use serde::Serialize;

pub use connect_sso_spec::MANAGED_TAG;
pub use desired::{DesiredUser, admin_user, create_change};
pub use diff::{UserPlanError, plan_users};
pub use leavers::left_at_value;
pub use render::render_user_diff;
pub use tags::managed_tags;

/// Tag on a managed user disabled as a leaver (Connect has no disabled state, docs/facts.md §2).
pub const DISABLED_TAG: &str = "connect-sso:disabled";

/// Tag listing, comma-separated, the keys of the group tags sync set on a user (Connect tag
/// keys cannot contain a comma): only these are changed or removed later.
pub const TAGS_TAG: &str = "connect-sso:tags";

/// Tag on a leaver waiting out `[sync] leaver_grace`: when sync first saw them leave (RFC 3339,
/// seconds, UTC).
pub const LEFT_AT_TAG: &str = "connect-sso:left-at";

/// Below this many managed users the share rule of the removal guard is not applied (one
/// leaver of five is 20 %).
pub const GUARD_SHARE_MIN_USERS: usize = 20;

/// An Entra user, with the properties sync reads (`$select`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Member {
    /// Object ID.
    pub id: String,
    /// userPrincipalName.
    pub user_principal_name: String,
    /// mail.
    pub mail: Option<String>,
    /// displayName.
    pub display_name: Option<String>,
    /// givenName.
    pub given_name: Option<String>,
    /// surname.
    pub surname: Option<String>,
}

/// The transitive members of one `[[entra.access]]` group, read completely (a partial read is
/// an error before planning: it must never look like leavers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupMembers {
    /// The group's display name, as in the spec.
    pub group: String,
    /// Its users, nested groups expanded.
    pub members: Vec<Member>,
}

/// A Connect user as SearchUsers returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ConnectUser {
    /// User ID.
    pub id: String,
    /// ARN (for tagging).
    pub arn: String,
    /// Username.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Security profile IDs.
    pub security_profile_ids: Vec<String>,
    /// Routing profile ID.
    pub routing_profile_id: String,
    /// Agent hierarchy group ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hierarchy_group_id: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// The instance's profiles, name → ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    /// Security profiles.
    pub security: BTreeMap<String, String>,
    /// Routing profiles.
    pub routing: BTreeMap<String, String>,
    /// Agent hierarchy groups (names need not be unique in Connect, so a list). Read only
    /// when the spec names one.
    pub hierarchy: Vec<Named>,
}

impl Profiles {
    /// The name of a security profile ID (the ID itself when unknown).
    pub fn security_name(&self, id: &str) -> String {
        name_of(&self.security, id)
    }

    /// The name of a routing profile ID (the ID itself when unknown).
    pub fn routing_name(&self, id: &str) -> String {
        name_of(&self.routing, id)
    }

    /// The name of a hierarchy group ID (the ID itself when unknown).
    pub fn hierarchy_name(&self, id: &str) -> String {
        self.hierarchy
            .iter()
            .find(|n| n.id == id)
            .map_or_else(|| id.to_string(), |n| n.name.clone())
    }
}

fn name_of(map: &BTreeMap<String, String>, id: &str) -> String {
    map.iter()
        .find(|(_, v)| v.as_str() == id)
        .map_or_else(|| id.to_string(), |(k, _)| k.clone())
}

/// A profile: its ID (for the call) and name (for people).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub struct Named {
    /// ID.
    pub id: String,
    /// Name.
    pub name: String,
}

/// What a change does to a user.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A new member: create the Connect user.
    Create,
    /// A hand-made Connect user of a member's name, taken over (`adopt_existing`).
    Adopt,
    /// A disabled leaver who is a member again.
    Enable,
    /// A member whose names, profiles, routing, hierarchy group or tags changed (a mover).
    Update,
    /// A leaver seen for the first time while `leaver_grace` is set: only tagged with the time.
    Leaving,
    /// A leaver, kept with no permissions.
    Disable,
    /// A leaver, deleted.
    Delete,
}

impl ChangeKind {
    /// The word for people.
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Create => "create",
            ChangeKind::Adopt => "adopt",
            ChangeKind::Enable => "enable",
            ChangeKind::Update => "update",
            ChangeKind::Leaving => "mark as leaver",
            ChangeKind::Disable => "disable",
            ChangeKind::Delete => "delete",
        }
    }

    /// Does it take access away?
    pub fn is_removal(self) -> bool {
        matches!(self, ChangeKind::Disable | ChangeKind::Delete)
    }
}

/// One API call of a change, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum UserOp {
    /// CreateUser, with its tags (so a created user is managed from its first moment).
    Create {
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// Security profiles.
        security_profiles: Vec<Named>,
        /// Routing profile.
        routing_profile: Named,
        /// Agent hierarchy group.
        #[serde(skip_serializing_if = "Option::is_none")]
        hierarchy_group: Option<Named>,
        /// E-mail address (`[sync] email = "mail"`).
        #[serde(skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        /// Tags.
        tags: BTreeMap<String, String>,
    },
    /// UpdateUserIdentityInfo.
    SetNames {
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
        /// E-mail address, sent again so that the call keeps it (`[sync] email = "mail"`).
        #[serde(skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
    /// UpdateUserHierarchy.
    SetHierarchyGroup {
        /// The new group.
        group: Named,
    },
    /// UpdateUserSecurityProfiles.
    SetSecurityProfiles {
        /// The new set.
        profiles: Vec<Named>,
    },
    /// UpdateUserRoutingProfile.
    SetRoutingProfile {
        /// The new profile.
        profile: Named,
    },
    /// TagResource.
    Tag {
        /// Tags to set.
        tags: BTreeMap<String, String>,
    },
    /// UntagResource.
    Untag {
        /// Keys to remove.
        keys: Vec<String>,
    },
    /// DeleteUser.
    Delete,
}

impl UserOp {
    /// The Connect API the call goes to (each is paced, and limited by AWS, on its own).
    pub fn api(&self) -> &'static str {
        match self {
            UserOp::Create { .. } => "CreateUser",
            UserOp::SetNames { .. } => "UpdateUserIdentityInfo",
            UserOp::SetHierarchyGroup { .. } => "UpdateUserHierarchy",
            UserOp::SetSecurityProfiles { .. } => "UpdateUserSecurityProfiles",
            UserOp::SetRoutingProfile { .. } => "UpdateUserRoutingProfile",
            UserOp::Tag { .. } => "TagResource",
            UserOp::Untag { .. } => "UntagResource",
            UserOp::Delete => "DeleteUser",
        }
    }
}

/// One user's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UserChange {
    /// What it is.
    pub kind: ChangeKind,
    /// Username.
    pub username: String,
    /// The Connect user's ID (none before it is created).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Its ARN (none before it is created).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Why, for people: the group, and what differs.
    pub reason: String,
    /// The calls, in order.
    pub ops: Vec<UserOp>,
}

/// A member left out, with the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Skipped {
    /// The username it would have had (or the UPN when there is none).
    pub username: String,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub hint: String,
}

/// Everything sync would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UserDiff {
    /// Changes: creates first, removals last, each kind by username.
    pub changes: Vec<UserChange>,
    /// Members left out.
    pub skipped: Vec<Skipped>,
    /// Members whose Connect user is already right.
    pub unchanged: usize,
    /// Connect users this tool manages (before the changes; the first administrator excluded).
    pub managed: usize,
    /// Leavers waiting out `[sync] leaver_grace` (tagged, nothing else changed yet).
    pub in_grace: usize,
}

impl UserDiff {
    /// Nothing to change?
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Changes per kind.
    pub fn counts(&self) -> BTreeMap<ChangeKind, usize> {
        let mut out = BTreeMap::new();
        for c in &self.changes {
            *out.entry(c.kind).or_insert(0) += 1;
        }
        out
    }

    /// Users whose access would be taken away (disabled or deleted).
    pub fn removals(&self) -> usize {
        self.changes.iter().filter(|c| c.kind.is_removal()).count()
    }

    /// API calls the changes make.
    pub fn calls(&self) -> usize {
        self.changes.iter().map(|c| c.ops.len()).sum()
    }

    /// Why the mass-removal guard refuses this diff, or `None`: more removals than
    /// `max_removals`, or (with at least [`GUARD_SHARE_MIN_USERS`] managed users) more than
    /// `max_removal_percent` of them.
    pub fn guard(&self, sync: &connect_sso_spec::UserSync) -> Option<String> {
        let n = self.removals();
        if n > sync.max_removals as usize {
            return Some(format!(
                "{n} users would be removed or disabled, more than max_removals = {}",
                sync.max_removals
            ));
        }
        let share_over = n * 100 > sync.max_removal_percent as usize * self.managed;
        if self.managed >= GUARD_SHARE_MIN_USERS && share_over {
            return Some(format!(
                "{n} of {} managed users would be removed or disabled, more than max_removal_percent = {} %",
                self.managed, sync.max_removal_percent
            ));
        }
        None
    }
}
