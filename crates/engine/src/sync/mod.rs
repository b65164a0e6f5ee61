//! `sync`: the members of the spec's Entra groups become Connect users. Connect provisions
//! no users itself (docs/facts.md §6.10): a person signs in only if a Connect user whose
//! username equals their RoleSessionName exists (§2).
//!
//! [`prepare`] reads both sides at the fewest calls (per group: one Graph lookup and its
//! transitive members in pages of 999 with `$select`; Connect: the profiles and every user
//! through SearchUsers pages of 500, never one call per user), all reads concurrently, and
//! plans the [`UserDiff`] (`connect_sso_planner::users`, pure). [`execute`] checks the
//! mass-removal guard and runs the changes concurrently: each AWS API is paced on its own
//! (`connect_sso_aws::Pacer`), so calls to different APIs overlap and the slowest API alone
//! sets the pace. Every read completes before anything is written, so a failed Graph read
//! removes nothing; every change is a diff against what exists, so a run that stopped
//! half-way is finished by the next.

mod execute;
mod read;
mod watch;

use connect_sso_planner::users::UserDiff;
use serde::Serialize;

pub use connect_sso_planner::users::{
    ChangeKind, DISABLED_TAG, LEFT_AT_TAG, TAGS_TAG, UserChange, UserOp, render_user_diff,
};
pub(crate) use execute::Runner;
pub use execute::execute;
pub use read::prepare;
pub use watch::{Round, Trigger, WatchHooks, WatchOptions, watch};

/// How sync reads and writes.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Run even if more users would be removed than the spec's guard allows.
    pub force: bool,
    /// Changes in flight at once (the pacer still holds each API to its rate).
    pub concurrency: usize,
    /// Graph `$top` (at most 999).
    pub graph_page_size: u16,
    /// SearchUsers `MaxResults` (at most 500).
    pub connect_page_size: i32,
    /// The time leavers' grace periods are judged by (`None`: the system clock).
    pub now: Option<time::OffsetDateTime>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            force: false,
            concurrency: 16,
            graph_page_size: connect_sso_entra::MAX_PAGE_SIZE,
            connect_page_size: connect_sso_aws::connect::SEARCH_USERS_MAX_PAGE,
            now: None,
        }
    }
}

/// What sync read and plans to do.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Prepared {
    /// The Connect instance.
    pub instance_id: String,
    /// Members read from Entra (all synced groups, before de-duplication).
    pub members_read: usize,
    /// Connect users read.
    pub users_read: usize,
    /// The diff.
    pub diff: UserDiff,
    /// The IDs of the synced groups and of their nested groups (what `--watch` tracks).
    #[serde(skip)]
    pub group_ids: Vec<String>,
}

/// Progress of [`execute`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum SyncEvent<'a> {
    /// A change is done (`done` of `total`).
    Done {
        /// The change.
        change: &'a UserChange,
        /// Changes finished so far, failed ones included.
        done: usize,
        /// All changes.
        total: usize,
    },
    /// A change failed; the others go on.
    Failed {
        /// The change.
        change: &'a UserChange,
        /// Why.
        error: &'a crate::Error,
    },
    /// The instance refused an e-mail address (`[sync] email = "mail"`); said once, and every
    /// user of this run is made without one. See [`EMAIL_REFUSED_HINT`].
    EmailRefused,
    /// The instance is at its users-per-instance quota: said once; the creates left are not
    /// attempted (they are reported as failed and made by the next run once the quota is
    /// raised). See [`USER_LIMIT_HINT`].
    UserLimitReached,
}

/// What to do when the instance's user quota is used up.
pub const USER_LIMIT_HINT: &str = "this Connect instance is at its \"Users per instance\" \
    quota (500 by default; LimitExceededException): the users left were not created; request \
    an increase in Service Quotas (Amazon Connect, Users per instance) and run sync again";

/// What to do when the instance refuses e-mail addresses.
pub const EMAIL_REFUSED_HINT: &str = "this Connect instance does not take e-mail addresses \
    for its SAML users (InvalidRequestException: Email is not required for this directory \
    type); the users were made without one: set [sync] email = \"never\" in the spec";

/// One change that failed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SyncFailure {
    /// Username.
    pub username: String,
    /// What was being done.
    pub kind: ChangeKind,
    /// The error.
    pub error: String,
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SyncReport {
    /// Changes made.
    pub applied: usize,
    /// API calls made by the changes.
    pub calls: usize,
    /// Changes that failed (the next run tries them again).
    pub failed: Vec<SyncFailure>,
    /// The instance refused e-mail addresses; the users were made without
    /// ([`EMAIL_REFUSED_HINT`]).
    pub email_refused: bool,
}
