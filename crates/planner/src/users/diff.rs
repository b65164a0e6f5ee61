//! The mapping: desired users from the group members, diffed against the Connect users.

use std::collections::{BTreeMap, BTreeSet};

use connect_sso_spec::{LeaverPolicy, Spec, UsernameSource, username_problem};

use super::{
    ChangeKind, ConnectUser, DISABLED_TAG, GroupMembers, MANAGED_TAG, Member, Named, Profiles,
    Skipped, UserChange, UserDiff, UserOp,
};

/// Why no diff can be made: the spec names a profile the instance does not have.
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

/// What one `[[entra.access]]` entry gives its members, resolved to IDs.
struct Rule<'a> {
    group: &'a str,
    security: Vec<Named>,
    routing: Named,
}

/// A member as a Connect user should be.
struct Wanted<'a> {
    rule: &'a Rule<'a>,
    first_name: String,
    last_name: String,
}

/// Plan the users: who to create, update, adopt, enable, disable or delete, and who is skipped.
/// `groups` holds each `[[entra.access]]` group's members, read completely, in spec order.
pub fn plan_users(
    spec: &Spec,
    groups: &[GroupMembers],
    users: &[ConnectUser],
    profiles: &Profiles,
) -> Result<UserDiff, UserPlanError> {
    let rules = resolve_rules(spec, profiles)?;
    let admin = spec.connect.admin.as_ref().map(|a| a.username.as_str());
    let mut diff = UserDiff::default();
    let (wanted, skipped_names) = wanted_users(spec, groups, &rules, admin, &mut diff.skipped);
    let existing: BTreeMap<&str, &ConnectUser> =
        users.iter().map(|u| (u.username.as_str(), u)).collect();
    let app = spec.entra.app_name.as_str();
    for (username, w) in &wanted {
        match existing.get(username.as_str()) {
            None => diff.changes.push(create(username, w, app)),
            Some(u) if managed_by(u, app) => match update(u, w, profiles) {
                Some(c) => diff.changes.push(c),
                None => diff.unchanged += 1,
            },
            Some(u) if spec.sync.adopt_existing => diff.changes.push(adopt(u, w, app, profiles)),
            Some(_) => diff.skipped.push(hand_made(username)),
        }
    }
    let leavers = users.iter().filter(|u| {
        managed_by(u, app)
            && Some(u.username.as_str()) != admin
            && !wanted.contains_key(&u.username)
            && !skipped_names.contains(&u.username)
    });
    diff.managed = users
        .iter()
        .filter(|u| managed_by(u, app) && Some(u.username.as_str()) != admin)
        .count();
    let disabled = disabled_profile(spec, profiles);
    for u in leavers {
        if let Some(c) = leave(spec, u, disabled.as_ref(), profiles)? {
            diff.changes.push(c);
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

/// Each entry's profile names → IDs; an unknown name is an error.
fn resolve_rules<'a>(spec: &'a Spec, p: &Profiles) -> Result<Vec<Rule<'a>>, UserPlanError> {
    let missing = |kind: &str, name: &str, group: &str| UserPlanError {
        message: format!(
            "the {kind} profile {name:?} of entra.access group {group:?} does not exist in the Connect instance"
        ),
        hint: format!(
            "create it in the Connect admin website, or correct the name in the spec (Connect has: {})",
            if kind == "security" {
                &p.security
            } else {
                &p.routing
            }
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
        ),
    };
    let mut rules = Vec::new();
    for a in &spec.entra.access {
        let mut security = Vec::new();
        for name in &a.security_profiles {
            let id = p
                .security
                .get(name)
                .ok_or_else(|| missing("security", name, &a.group))?;
            security.push(Named {
                id: id.clone(),
                name: name.clone(),
            });
        }
        security.sort();
        security.dedup();
        let id = p
            .routing
            .get(&a.routing_profile)
            .ok_or_else(|| missing("routing", &a.routing_profile, &a.group))?;
        rules.push(Rule {
            group: &a.group,
            security,
            routing: Named {
                id: id.clone(),
                name: a.routing_profile.clone(),
            },
        });
    }
    Ok(rules)
}

/// The wanted users by username (first group wins), and the usernames skipped.
fn wanted_users<'a>(
    spec: &Spec,
    groups: &[GroupMembers],
    rules: &'a [Rule<'a>],
    admin: Option<&str>,
    skipped: &mut Vec<Skipped>,
) -> (BTreeMap<String, Wanted<'a>>, BTreeSet<String>) {
    let mut wanted: BTreeMap<String, Wanted<'a>> = BTreeMap::new();
    let mut seen_ids = BTreeSet::new();
    let mut bad = BTreeSet::new();
    for (rule, g) in rules.iter().zip(groups) {
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
            let (first_name, last_name) = names(m, &username);
            wanted.insert(
                username,
                Wanted {
                    rule,
                    first_name,
                    last_name,
                },
            );
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

/// First and last name: givenName/surname, else the display name split at its first space,
/// else the username's local part (Connect requires both for SAML users, docs/facts.md §2).
fn names(m: &Member, username: &str) -> (String, String) {
    fn nonempty(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    if let (Some(f), Some(l)) = (nonempty(&m.given_name), nonempty(&m.surname)) {
        return (f.to_string(), l.to_string());
    }
    let display =
        nonempty(&m.display_name).unwrap_or_else(|| username.split('@').next().unwrap_or(username));
    match display.split_once(' ') {
        Some((f, l)) => (f.to_string(), l.trim().to_string()),
        None => (display.to_string(), display.to_string()),
    }
}

fn create(username: &str, w: &Wanted<'_>, app: &str) -> UserChange {
    UserChange {
        kind: ChangeKind::Create,
        username: username.to_string(),
        user_id: None,
        arn: None,
        reason: format!("member of {:?}", w.rule.group),
        ops: vec![UserOp::Create {
            first_name: w.first_name.clone(),
            last_name: w.last_name.clone(),
            security_profiles: w.rule.security.clone(),
            routing_profile: w.rule.routing.clone(),
            tags: BTreeMap::from([(MANAGED_TAG.to_string(), app.to_string())]),
        }],
    }
}

/// The calls that make `u` what `w` wants, and what differs, for people.
fn field_ops(u: &ConnectUser, w: &Wanted<'_>, p: &Profiles) -> (Vec<UserOp>, Vec<String>) {
    let mut ops = Vec::new();
    let mut why = Vec::new();
    if u.first_name != w.first_name || u.last_name != w.last_name {
        why.push(format!(
            "name {} {} → {} {}",
            u.first_name, u.last_name, w.first_name, w.last_name
        ));
        ops.push(UserOp::SetNames {
            first_name: w.first_name.clone(),
            last_name: w.last_name.clone(),
        });
    }
    let have: BTreeSet<&str> = u.security_profile_ids.iter().map(String::as_str).collect();
    let want: BTreeSet<&str> = w.rule.security.iter().map(|n| n.id.as_str()).collect();
    if have != want {
        let shown = |ids: &BTreeSet<&str>| {
            ids.iter()
                .map(|id| p.security_name(id))
                .collect::<Vec<_>>()
                .join(", ")
        };
        why.push(format!(
            "security profiles {} → {}",
            shown(&have),
            shown(&want)
        ));
        ops.push(UserOp::SetSecurityProfiles {
            profiles: w.rule.security.clone(),
        });
    }
    if u.routing_profile_id != w.rule.routing.id {
        why.push(format!(
            "routing profile {} → {}",
            p.routing_name(&u.routing_profile_id),
            w.rule.routing.name
        ));
        ops.push(UserOp::SetRoutingProfile {
            profile: w.rule.routing.clone(),
        });
    }
    (ops, why)
}

fn existing_change(
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

/// A managed user who is (still or again) a member.
fn update(u: &ConnectUser, w: &Wanted<'_>, p: &Profiles) -> Option<UserChange> {
    let (mut ops, why) = field_ops(u, w, p);
    let disabled = u.tags.contains_key(DISABLED_TAG);
    if disabled {
        ops.push(UserOp::Untag {
            keys: vec![DISABLED_TAG.to_string()],
        });
    }
    if ops.is_empty() {
        return None;
    }
    let (kind, head) = if disabled {
        (
            ChangeKind::Enable,
            format!("member of {:?} again", w.rule.group),
        )
    } else {
        (ChangeKind::Update, format!("member of {:?}", w.rule.group))
    };
    let reason = std::iter::once(head)
        .chain(why)
        .collect::<Vec<_>>()
        .join("; ");
    Some(existing_change(kind, u, reason, ops))
}

/// A hand-made user taken over: tagged first, then made right.
fn adopt(u: &ConnectUser, w: &Wanted<'_>, app: &str, p: &Profiles) -> UserChange {
    let (fields, why) = field_ops(u, w, p);
    let mut ops = vec![UserOp::Tag {
        tags: BTreeMap::from([(MANAGED_TAG.to_string(), app.to_string())]),
    }];
    ops.extend(fields);
    let head = format!(
        "member of {:?}; made by hand, adopted (adopt_existing)",
        w.rule.group
    );
    let reason = std::iter::once(head)
        .chain(why)
        .collect::<Vec<_>>()
        .join("; ");
    existing_change(ChangeKind::Adopt, u, reason, ops)
}

fn hand_made(username: &str) -> Skipped {
    Skipped {
        username: username.to_string(),
        problem: format!("a Connect user {username:?} exists that connect-sso did not create"),
        hint: "set [sync] adopt_existing = true to manage it from now on, or delete it in Connect"
            .into(),
    }
}

/// The no-permission profile, if the instance has it.
fn disabled_profile(spec: &Spec, p: &Profiles) -> Option<Named> {
    let name = &spec.sync.disabled_security_profile;
    p.security.get(name).map(|id| Named {
        id: id.clone(),
        name: name.clone(),
    })
}

/// A managed user in no synced group, per the leaver policy (`None`: already disabled).
fn leave(
    spec: &Spec,
    u: &ConnectUser,
    disabled: Option<&Named>,
    p: &Profiles,
) -> Result<Option<UserChange>, UserPlanError> {
    let reason = "in no synced group".to_string();
    if spec.sync.leavers == LeaverPolicy::Delete {
        return Ok(Some(existing_change(
            ChangeKind::Delete,
            u,
            reason,
            vec![UserOp::Delete],
        )));
    }
    let profile = disabled.ok_or_else(|| UserPlanError {
        message: format!(
            "{:?} left every synced group and is to be disabled, but the security profile {:?} does not exist",
            u.username, spec.sync.disabled_security_profile
        ),
        hint: format!(
            "create a security profile with no permissions named {:?} in the Connect admin website (Connect has: {}), or set [sync] leavers = \"delete\"",
            spec.sync.disabled_security_profile,
            p.security.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
        ),
    })?;
    let mut ops = Vec::new();
    if u.security_profile_ids != [profile.id.clone()] {
        ops.push(UserOp::SetSecurityProfiles {
            profiles: vec![profile.clone()],
        });
    }
    if !u.tags.contains_key(DISABLED_TAG) {
        ops.push(UserOp::Tag {
            tags: BTreeMap::from([(DISABLED_TAG.to_string(), "true".to_string())]),
        });
    }
    Ok((!ops.is_empty()).then(|| existing_change(ChangeKind::Disable, u, reason, ops)))
}
