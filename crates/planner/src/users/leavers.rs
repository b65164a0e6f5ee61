//! Leavers: managed users in no synced group, per `[sync] leavers` and `leaver_grace`.

use std::collections::BTreeMap;

use connect_sso_spec::{LeaverPolicy, Spec};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::diff::{UserPlanError, existing_change as change_of};
use super::{ChangeKind, ConnectUser, DISABLED_TAG, LEFT_AT_TAG, Named, Profiles, UserOp};

/// What happens to one leaver.
pub(crate) enum Leaver {
    /// A change to make.
    Change(super::UserChange),
    /// Waiting out the grace period: nothing to do yet.
    InGrace,
    /// Already as the policy wants (disabled).
    Done,
}

/// `now` as the left-at tag writes it: RFC 3339 in UTC, whole seconds.
pub fn left_at_value(now: OffsetDateTime) -> String {
    let t = now.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// A managed user in no synced group. With a grace period, the first sync that sees them only
/// tags them with the time, and the policy applies once the period is over (an unreadable
/// left-at tag starts the period again). A user already disabled stays as is.
pub(crate) fn leave(
    spec: &Spec,
    u: &ConnectUser,
    p: &Profiles,
    now: OffsetDateTime,
) -> Result<Leaver, UserPlanError> {
    let policy = spec.sync.leavers;
    let disabled = u.tags.contains_key(DISABLED_TAG);
    if let Some(grace) = spec.sync.leaver_grace_seconds() {
        if !(policy == LeaverPolicy::Disable && disabled) {
            let left = u
                .tags
                .get(LEFT_AT_TAG)
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok());
            match left {
                None => return Ok(Leaver::Change(mark(spec, u, now, grace))),
                Some(t) if now < t + time::Duration::seconds(grace) => return Ok(Leaver::InGrace),
                Some(_) => {}
            }
        }
    }
    if policy == LeaverPolicy::Delete {
        let reason = after_grace(spec, u, "in no synced group");
        return Ok(Leaver::Change(change_of(
            ChangeKind::Delete,
            u,
            reason,
            vec![UserOp::Delete],
        )));
    }
    disable(spec, u, p)
}

/// The reason, with the left-at time when there was a grace period.
fn after_grace(spec: &Spec, u: &ConnectUser, head: &str) -> String {
    match (&spec.sync.leaver_grace, u.tags.get(LEFT_AT_TAG)) {
        (Some(g), Some(at)) => format!("{head} since {at}; the leaver grace of {g} is over"),
        _ => head.to_string(),
    }
}

/// The first sight of a leaver under a grace period: tag the time, nothing else.
fn mark(spec: &Spec, u: &ConnectUser, now: OffsetDateTime, grace: i64) -> super::UserChange {
    let at = left_at_value(now);
    let until = left_at_value(now + time::Duration::seconds(grace));
    let policy = match spec.sync.leavers {
        LeaverPolicy::Disable => "disabled",
        LeaverPolicy::Delete => "deleted",
    };
    change_of(
        ChangeKind::Leaving,
        u,
        format!("in no synced group; access kept until {until} (leaver_grace), then {policy}"),
        vec![UserOp::Tag {
            tags: BTreeMap::from([(LEFT_AT_TAG.to_string(), at)]),
        }],
    )
}

/// Disable: only the no-permission profile, and the disabled tag.
fn disable(spec: &Spec, u: &ConnectUser, p: &Profiles) -> Result<Leaver, UserPlanError> {
    let name = &spec.sync.disabled_security_profile;
    let profile = p
        .security
        .get(name)
        .map(|id| Named {
            id: id.clone(),
            name: name.clone(),
        })
        .ok_or_else(|| UserPlanError {
            message: format!(
                "{:?} left every synced group and is to be disabled, but the security profile {name:?} does not exist",
                u.username
            ),
            hint: format!(
                "create a security profile with no permissions named {name:?} in the Connect admin website (Connect has: {}), or set [sync] leavers = \"delete\"",
                p.security.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
            ),
        })?;
    let mut ops = Vec::new();
    if u.security_profile_ids != [profile.id.clone()] {
        ops.push(UserOp::SetSecurityProfiles {
            profiles: vec![profile],
        });
    }
    if !u.tags.contains_key(DISABLED_TAG) {
        ops.push(UserOp::Tag {
            tags: BTreeMap::from([(DISABLED_TAG.to_string(), "true".to_string())]),
        });
    }
    if ops.is_empty() {
        return Ok(Leaver::Done);
    }
    let reason = after_grace(spec, u, "in no synced group");
    Ok(Leaver::Change(change_of(
        ChangeKind::Disable,
        u,
        reason,
        ops,
    )))
}
