//! What a person becomes in Connect: one function shapes every user, a synced member as well
//! as apply's first administrator, so the two can never disagree (username rule, names, tags
//! with the managed tag, profiles), and one function builds its CreateUser.

use std::collections::BTreeMap;

use connect_sso_spec::{Access, EmailSource, Spec};

use super::diff::UserPlanError;
use super::{ChangeKind, Member, Named, Profiles, UserChange, UserOp, managed_tags};

/// A Connect user as the spec wants it, by profile names (before IDs are resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredUser {
    /// Username (= RoleSessionName): trimmed, case kept.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address, only with `[sync] email = "mail"`.
    pub email: Option<String>,
    /// Where it comes from, for people: `member of "Connect Agents"`, `connect.admin`.
    pub source: String,
    /// Security profile names.
    pub security_profiles: Vec<String>,
    /// Routing profile name.
    pub routing_profile: String,
    /// Hierarchy group name.
    pub hierarchy_group: Option<String>,
    /// Every tag it carries (the managed tag included).
    pub tags: BTreeMap<String, String>,
}

/// What a user is given: profiles, hierarchy group and the group's own tags.
pub(crate) struct Grant<'a> {
    pub(crate) source: String,
    pub(crate) security_profiles: &'a [String],
    pub(crate) routing_profile: &'a str,
    pub(crate) hierarchy_group: Option<&'a str>,
    pub(crate) tags: &'a BTreeMap<String, String>,
}

/// The one shape of a managed user.
pub(crate) fn shape(
    spec: &Spec,
    username: &str,
    (first_name, last_name): (String, String),
    email: Option<String>,
    grant: Grant<'_>,
) -> DesiredUser {
    DesiredUser {
        username: username.trim().to_string(),
        first_name,
        last_name,
        email,
        source: grant.source,
        security_profiles: grant.security_profiles.to_vec(),
        routing_profile: grant.routing_profile.to_string(),
        hierarchy_group: grant.hierarchy_group.map(str::to_string),
        tags: managed_tags(&spec.entra.app_name, grant.tags),
    }
}

/// The spec's first administrator as a Connect user (`None` without `[connect.admin]`).
pub fn admin_user(spec: &Spec) -> Option<DesiredUser> {
    let a = spec.connect.admin.as_ref()?;
    let no_tags = BTreeMap::new();
    Some(shape(
        spec,
        &a.username,
        (a.first_name.clone(), a.last_name.clone()),
        None,
        Grant {
            source: "connect.admin".into(),
            security_profiles: &a.security_profiles,
            routing_profile: &a.routing_profile,
            hierarchy_group: None,
            tags: &no_tags,
        },
    ))
}

/// A member of an `[[entra.access]]` group as a Connect user.
pub(crate) fn member_user(spec: &Spec, a: &Access, m: &Member, username: &str) -> DesiredUser {
    let email = match spec.sync.email {
        EmailSource::Never => None,
        EmailSource::Mail => m
            .mail
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    };
    shape(
        spec,
        username,
        names(m, username),
        email,
        Grant {
            source: format!("member of {:?}", a.group),
            security_profiles: &a.security_profiles,
            routing_profile: &a.routing_profile,
            hierarchy_group: a.hierarchy_group.as_deref(),
            tags: &a.tags,
        },
    )
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

/// Profile and hierarchy group names resolved to IDs.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) security: Vec<Named>,
    pub(crate) routing: Named,
    pub(crate) hierarchy: Option<Named>,
}

/// Resolve what `d` is given against the instance; an unknown or ambiguous name is an error
/// naming `what` (`entra.access group "Connect Agents"`).
pub(crate) fn resolve(
    d: &DesiredUser,
    what: &str,
    p: &Profiles,
) -> Result<Resolved, UserPlanError> {
    let mut security = Vec::new();
    for name in &d.security_profiles {
        security.push(lookup(&p.security, name, "security", what)?);
    }
    security.sort();
    security.dedup();
    let routing = lookup(&p.routing, &d.routing_profile, "routing", what)?;
    let hierarchy = match &d.hierarchy_group {
        Some(name) => Some(hierarchy(p, name, what)?),
        None => None,
    };
    Ok(Resolved {
        security,
        routing,
        hierarchy,
    })
}

fn lookup(
    map: &BTreeMap<String, String>,
    name: &str,
    kind: &str,
    what: &str,
) -> Result<Named, UserPlanError> {
    match map.get(name) {
        Some(id) => Ok(Named {
            id: id.clone(),
            name: name.to_string(),
        }),
        None => Err(UserPlanError {
            message: format!(
                "the {kind} profile {name:?} of {what} does not exist in the Connect instance"
            ),
            hint: format!(
                "create it in the Connect admin website, or correct the name in the spec (Connect has: {})",
                map.keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

fn hierarchy(p: &Profiles, name: &str, what: &str) -> Result<Named, UserPlanError> {
    let found: Vec<&Named> = p.hierarchy.iter().filter(|n| n.name == name).collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(UserPlanError {
            message: format!(
                "the hierarchy group {name:?} of {what} does not exist in the Connect instance"
            ),
            hint: format!(
                "create it under Users → Agent hierarchy in the Connect admin website, or correct the name (Connect has: {})",
                p.hierarchy.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        }),
        many => Err(UserPlanError {
            message: format!(
                "{} hierarchy groups of the Connect instance are named {name:?} ({what})",
                many.len()
            ),
            hint: "rename all but one in the Connect admin website: the spec names hierarchy groups by name".into(),
        }),
    }
}

/// The CreateUser of `d`, tags included so that the user is managed from its first moment.
pub(crate) fn build_create(d: &DesiredUser, r: &Resolved) -> UserChange {
    UserChange {
        kind: ChangeKind::Create,
        username: d.username.clone(),
        user_id: None,
        arn: None,
        reason: d.source.clone(),
        ops: vec![UserOp::Create {
            first_name: d.first_name.clone(),
            last_name: d.last_name.clone(),
            security_profiles: r.security.clone(),
            routing_profile: r.routing.clone(),
            hierarchy_group: r.hierarchy.clone(),
            email: d.email.clone(),
            tags: d.tags.clone(),
        }],
    }
}

/// The change that creates `d` in an instance with profiles `p` (apply's first
/// administrator; sync resolves each group once and builds the same change).
pub fn create_change(d: &DesiredUser, p: &Profiles) -> Result<UserChange, UserPlanError> {
    let r = resolve(d, &d.source, p)?;
    Ok(build_create(d, &r))
}
