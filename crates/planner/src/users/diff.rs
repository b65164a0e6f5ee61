//! The mapping: desired users from the group members, diffed against the Connect users.

use std::collections::{BTreeMap, BTreeSet};

use connect_sso_spec::{Spec, UsernameSource, username_problem};
use time::OffsetDateTime;

use super::desired::{DesiredUser, Resolved, build_create, member_user, resolve};
use super::leavers::{Leaver, leave};
use super::tags::tag_ops;
use super::{
    ChangeKind, ConnectUser, DISABLED_TAG, GroupMembers, LEFT_AT_TAG, MANAGED_TAG, Member,
    Profiles, Skipped, UserChange, UserDiff, UserOp,
};

/// Why no diff can be made: the spec names a profile or hierarchy group the instance does not
/// have (or has twice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPlanError {
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl std::fmt::Display for UserPlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserPlanError {}

/// A member as a Connect user should be, with its group's resolved IDs.
struct Wanted<'a> {
    user: DesiredUser,
    ids: &'a Resolved,
}

/// Plan the users: who to create, update, adopt, enable, mark as leaver, disable or delete,
/// and who is skipped. `groups` holds each `[[entra.access]]` group's members, read
/// completely, in spec order; `now` dates a leaver's grace period.
pub fn plan_users(
    spec: &Spec,
    groups: &[GroupMembers],
    users: &[ConnectUser],
    profiles: &Profiles,
    now: OffsetDateTime,
) -> Result<UserDiff, UserPlanError> {
    let rules = resolve_rules(spec, profiles)?;
    let admin = spec.connect.admin.as_ref().map(|a| a.username.trim());
    let mut diff = UserDiff::default();
    let (wanted, skipped_names) = wanted_users(spec, groups, &rules, admin, &mut diff.skipped);
    let existing: BTreeMap<&str, &ConnectUser> =
        users.iter().map(|u| (u.username.as_str(), u)).collect();
    let app = spec.entra.app_name.as_str();
    for (username, w) in &wanted {
        match existing.get(username.as_str()) {
            None => diff.changes.push(build_create(&w.user, w.ids)),
            Some(u) if managed_by(u, app) => match update(u, w, profiles) {
                Some(c) => diff.changes.push(c),
                None => diff.unchanged += 1,
            },
            Some(u) if spec.sync.adopt_existing => diff.changes.push(adopt(u, w, profiles)),
            Some(_) => diff.skipped.push(hand_made(username)),
        }
    }
    let ours = |u: &&ConnectUser| managed_by(u, app) && Some(u.username.as_str()) != admin;
    diff.managed = users.iter().filter(ours).count();
    let leavers = users
        .iter()
        .filter(ours)
        .filter(|u| !wanted.contains_key(&u.username) && !skipped_names.contains(&u.username));
    for u in leavers {
        match leave(spec, u, profiles, now)? {
            Leaver::Change(c) => diff.changes.push(c),
            Leaver::InGrace => diff.in_grace += 1,
            Leaver::Done => {}
        }
    }
    diff.changes
        .sort_by(|a, b| (a.kind, &a.username).cmp(&(b.kind, &b.username)));
    Ok(diff)
}

/// Is this user managed by this spec's app?
fn managed_by(u: &ConnectUser, app: &str) -> bool {
    u.tags.get(MANAGED_TAG).map(String::as_str) == Some(app)
}

/// Each entry's profile and hierarchy group names → IDs, once per sync; an unknown name is
/// an error before anything is written.
fn resolve_rules(spec: &Spec, p: &Profiles) -> Result<Vec<Resolved>, UserPlanError> {
    spec.entra
        .access
        .iter()
        .map(|a| {
            let template = member_user(spec, a, &Member::default(), "");
            resolve(&template, &format!("entra.access group {:?}", a.group), p)
        })
        .collect()
}

/// The wanted users by username (first group wins), and the usernames skipped.
fn wanted_users<'a>(
    spec: &Spec,
    groups: &[GroupMembers],
    rules: &'a [Resolved],
    admin: Option<&str>,
    skipped: &mut Vec<Skipped>,
) -> (BTreeMap<String, Wanted<'a>>, BTreeSet<String>) {
    let mut wanted: BTreeMap<String, Wanted<'a>> = BTreeMap::new();
    let mut seen_ids = BTreeSet::new();
    let mut bad = BTreeSet::new();
    for ((access, ids), g) in spec.entra.access.iter().zip(rules).zip(groups) {
        for m in &g.members {
            if !seen_ids.insert(m.id.as_str()) {
                continue;
            }
            let Some(username) = username_of(m, spec.sync.username, skipped) else {
                continue;
            };
            if Some(username.as_str()) == admin {
                continue;
            }
            if let Some((problem, hint)) = username_problem(&username) {
                skipped.push(Skipped {
                    username: username.clone(),
                    problem,
                    hint: hint.into(),
                });
                bad.insert(username);
                continue;
            }
            let user = member_user(spec, access, m, &username);
            wanted.insert(username, Wanted { user, ids });
        }
    }
    for name in case_collisions(&wanted, skipped) {
        wanted.remove(&name);
        bad.insert(name);
    }
    (wanted, bad)
}

/// The member's username per `[sync] username`: trimmed, case kept.
fn username_of(m: &Member, source: UsernameSource, skipped: &mut Vec<Skipped>) -> Option<String> {
    let value = match source {
        UsernameSource::Upn => Some(m.user_principal_name.as_str()),
        UsernameSource::Mail => m.mail.as_deref(),
    };
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(v.to_string()),
        None => {
            skipped.push(Skipped {
                username: m.user_principal_name.clone(),
                problem: format!(
                    "{:?} has no mail address to use as username",
                    m.user_principal_name
                ),
                hint: "give the user a mail address in Entra, or set [sync] username = \"upn\""
                    .into(),
            });
            None
        }
    }
}

/// Usernames that differ only in case from another: all of them are skipped.
fn case_collisions(
    wanted: &BTreeMap<String, Wanted<'_>>,
    skipped: &mut Vec<Skipped>,
) -> Vec<String> {
    let mut by_lower: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for name in wanted.keys() {
        by_lower.entry(name.to_lowercase()).or_default().push(name);
    }
    let mut out = Vec::new();
    for names in by_lower.values().filter(|n| n.len() > 1) {
        let all = names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        for n in names {
            skipped.push(Skipped {
                username: (*n).clone(),
                problem: format!("the usernames {all} differ only in case: Connect and AWS compare them exactly, people and SCIM do not (docs/facts.md §5)"),
                hint: "rename one of these users in Entra so that each username is unique without regard to case".into(),
            });
            out.push((*n).clone());
        }
    }
    out
}

/// The calls that make `u`'s names, profiles and hierarchy group what `w` wants, and what
/// differs, for people. (Tags are [`tag_ops`].)
fn field_ops(u: &ConnectUser, w: &Wanted<'_>, p: &Profiles) -> (Vec<UserOp>, Vec<String>) {
    let (d, ids) = (&w.user, w.ids);
    let mut ops = Vec::new();
    let mut why = Vec::new();
    if u.first_name != d.first_name || u.last_name != d.last_name {
        why.push(format!(
            "name {} {} → {} {}",
            u.first_name, u.last_name, d.first_name, d.last_name
        ));
        ops.push(UserOp::SetNames {
            first_name: d.first_name.clone(),
            last_name: d.last_name.clone(),
            email: d.email.clone(),
        });
    }
    let have: BTreeSet<&str> = u.security_profile_ids.iter().map(String::as_str).collect();
    let want: BTreeSet<&str> = ids.security.iter().map(|n| n.id.as_str()).collect();
    if have != want {
        let shown = |ids: &BTreeSet<&str>| {
            let names: Vec<String> = ids.iter().map(|id| p.security_name(id)).collect();
            names.join(", ")
        };
        why.push(format!(
            "security profiles {} → {}",
            shown(&have),
            shown(&want)
        ));
        ops.push(UserOp::SetSecurityProfiles {
            profiles: ids.security.clone(),
        });
    }
    if u.routing_profile_id != ids.routing.id {
        why.push(format!(
            "routing profile {} → {}",
            p.routing_name(&u.routing_profile_id),
            ids.routing.name
        ));
        ops.push(UserOp::SetRoutingProfile {
            profile: ids.routing.clone(),
        });
    }
    if let Some(h) = ids.hierarchy.as_ref() {
        if u.hierarchy_group_id.as_deref() != Some(h.id.as_str()) {
            let before = u
                .hierarchy_group_id
                .as_deref()
                .map_or_else(|| "none".to_string(), |id| p.hierarchy_name(id));
            why.push(format!("hierarchy group {before} → {}", h.name));
            ops.push(UserOp::SetHierarchyGroup { group: h.clone() });
        }
    }
    (ops, why)
}

pub(crate) fn existing_change(
    kind: ChangeKind,
    u: &ConnectUser,
    reason: String,
    ops: Vec<UserOp>,
) -> UserChange {
    UserChange {
        kind,
        username: u.username.clone(),
        user_id: Some(u.id.clone()),
        arn: Some(u.arn.clone()),
        reason,
        ops,
    }
}

fn joined(head: String, why: Vec<String>) -> String {
    std::iter::once(head)
        .chain(why)
        .collect::<Vec<_>>()
        .join("; ")
}

/// A managed user who is (still or again) a member: fields, then tags (the disabled and
/// left-at marks removed).
fn update(u: &ConnectUser, w: &Wanted<'_>, p: &Profiles) -> Option<UserChange> {
    let (mut ops, mut why) = field_ops(u, w, p);
    let (tag_ops, tag_why) = tag_ops(&u.tags, &w.user.tags, &[DISABLED_TAG, LEFT_AT_TAG]);
    ops.extend(tag_ops);
    why.extend(tag_why);
    if ops.is_empty() {
        return None;
    }
    let source = &w.user.source;
    let (kind, head) = if u.tags.contains_key(DISABLED_TAG) {
        (ChangeKind::Enable, format!("{source} again"))
    } else if u.tags.contains_key(LEFT_AT_TAG) {
        (
            ChangeKind::Update,
            format!("{source} again, within the leaver grace period"),
        )
    } else {
        (ChangeKind::Update, source.clone())
    };
    Some(existing_change(kind, u, joined(head, why), ops))
}

/// A hand-made user taken over: tagged first (the managed tag and the group's), then made
/// right.
fn adopt(u: &ConnectUser, w: &Wanted<'_>, p: &Profiles) -> UserChange {
    let (fields, mut why) = field_ops(u, w, p);
    let (mut ops, tag_why) = tag_ops(&u.tags, &w.user.tags, &[]);
    why.extend(tag_why);
    ops.extend(fields);
    let head = format!("{}; made by hand, adopted (adopt_existing)", w.user.source);
    existing_change(ChangeKind::Adopt, u, joined(head, why), ops)
}

fn hand_made(username: &str) -> Skipped {
    Skipped {
        username: username.to_string(),
        problem: format!("a Connect user {username:?} exists that connect-sso did not create"),
        hint: "set [sync] adopt_existing = true to manage it from now on, or delete it in Connect"
            .into(),
    }
}
