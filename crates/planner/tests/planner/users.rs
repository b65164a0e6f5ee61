//! The user mapping (`connect_sso_planner::users`): precedence, managed-only changes, adoption,
//! leavers, and the removal guard. Pure.

use std::collections::BTreeMap;

use connect_sso_planner::users::{
    ChangeKind, ConnectUser, DISABLED_TAG, GroupMembers, LEFT_AT_TAG, MANAGED_TAG, Member, Named,
    Profiles, TAGS_TAG, UserDiff, UserOp, admin_user, create_change, plan_users,
};
use connect_sso_spec::{LeaverPolicy, Spec};
use time::OffsetDateTime;
use time::macros::datetime;

/// The time the tests plan at.
const NOW: OffsetDateTime = datetime!(2026-11-29 12:00:00.250 UTC);

fn plan(s: &Spec, g: &[GroupMembers], users: &[ConnectUser]) -> UserDiff {
    plan_at(s, g, users, NOW)
}

fn plan_at(s: &Spec, g: &[GroupMembers], users: &[ConnectUser], now: OffsetDateTime) -> UserDiff {
    plan_users(s, g, users, &profiles(), now).expect("a diff")
}

use crate::spec;

fn profiles() -> Profiles {
    let m = |names: &[&str]| {
        names
            .iter()
            .map(|n| (n.to_string(), format!("id-{n}")))
            .collect::<BTreeMap<_, _>>()
    };
    Profiles {
        security: m(&[
            "Agent",
            "CallCenterManager",
            "Admin",
            "connect-sso-disabled",
        ]),
        routing: m(&["Basic Routing Profile"]),
        hierarchy: ["North", "South"]
            .iter()
            .map(|n| Named {
                id: format!("h-{n}"),
                name: n.to_string(),
            })
            .collect(),
    }
}

fn member(upn: &str) -> Member {
    Member {
        id: format!("oid-{upn}"),
        user_principal_name: upn.into(),
        given_name: Some("Given".into()),
        surname: Some("Sur".into()),
        ..Member::default()
    }
}

fn user(name: &str, profile: &str, managed: bool) -> ConnectUser {
    let mut tags = BTreeMap::new();
    if managed {
        tags.insert(MANAGED_TAG.to_string(), "Amazon Connect".to_string());
    }
    ConnectUser {
        id: format!("uid-{name}"),
        arn: format!("arn:user/{name}"),
        username: name.into(),
        first_name: "Given".into(),
        last_name: "Sur".into(),
        security_profile_ids: vec![format!("id-{profile}")],
        routing_profile_id: "id-Basic Routing Profile".into(),
        hierarchy_group_id: None,
        tags,
    }
}

fn groups(agents: &[&str], supervisors: &[&str]) -> Vec<GroupMembers> {
    let g = |name: &str, m: &[&str]| GroupMembers {
        group: name.into(),
        members: m.iter().map(|u| member(u)).collect(),
    };
    vec![
        g("Connect Agents", agents),
        g("Connect Supervisors", supervisors),
    ]
}

#[test]
fn the_first_listed_group_decides_for_a_person_in_two() {
    let d = plan(&spec(), &groups(&["a@x.com"], &["a@x.com"]), &[]);
    assert_eq!(d.changes.len(), 1);
    let UserOp::Create {
        security_profiles, ..
    } = &d.changes[0].ops[0]
    else {
        panic!("a create");
    };
    assert_eq!(security_profiles[0].name, "Agent");
}

#[test]
fn hand_made_users_are_skipped_or_adopted_and_never_removed() {
    let existing = [
        user("a@x.com", "Admin", false),
        user("b@x.com", "Agent", false),
    ];
    let mut s = spec();
    let d = plan(&s, &groups(&["a@x.com"], &[]), &existing);
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert!(d.skipped[0].hint.contains("adopt_existing"));
    s.sync.adopt_existing = true;
    let d = plan(&s, &groups(&["a@x.com"], &[]), &existing);
    assert_eq!(d.changes[0].kind, ChangeKind::Adopt);
    assert!(matches!(d.changes[0].ops[0], UserOp::Tag { .. }));
    assert!(matches!(
        d.changes[0].ops[1],
        UserOp::SetSecurityProfiles { .. }
    ));
}

#[test]
fn a_leaver_is_disabled_once_and_the_admin_is_never_a_leaver() {
    let existing = [
        user("l@x.com", "Agent", true),
        user("admin@contoso.com", "Admin", true),
    ];
    let d = plan(&spec(), &groups(&[], &[]), &existing);
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].kind, ChangeKind::Disable);
    // Already disabled: nothing to do.
    let mut done = user("l@x.com", "connect-sso-disabled", true);
    done.tags.insert(DISABLED_TAG.into(), "true".into());
    let d = plan(&spec(), &groups(&[], &[]), &[done]);
    assert!(d.is_empty());
    // Without the no-permission profile, a leaver to disable blocks the whole diff.
    let mut p = profiles();
    p.security.remove("connect-sso-disabled");
    let e = plan_users(&spec(), &groups(&[], &[]), &existing, &p, NOW).expect_err("blocked");
    assert!(e.hint.contains("leavers = \"delete\""), "{}", e.hint);
}

#[test]
fn the_guard_counts_removals_against_the_number_and_the_share() {
    let mut s = spec();
    let existing: Vec<ConnectUser> = (0..40)
        .map(|i| user(&format!("u{i}@x.com"), "Agent", true))
        .collect();
    let stay: Vec<String> = (0..31).map(|i| format!("u{i}@x.com")).collect();
    let stay: Vec<&str> = stay.iter().map(String::as_str).collect();
    let d = plan(&s, &groups(&stay, &[]), &existing);
    assert_eq!(d.removals(), 9);
    assert!(
        d.guard(&s.sync)
            .is_some_and(|g| g.contains("max_removal_percent"))
    );
    s.sync.max_removal_percent = 25;
    assert_eq!(d.guard(&s.sync), None);
    s.sync.max_removals = 8;
    assert!(d.guard(&s.sync).is_some_and(|g| g.contains("max_removals")));
}

/// The spec with tags on the Agents group.
fn tagged(tags: &[(&str, &str)]) -> Spec {
    let mut s = spec();
    s.entra.access[0].tags = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    s
}

fn create_tags(d: &UserDiff) -> BTreeMap<String, String> {
    match &d.changes[0].ops[0] {
        UserOp::Create { tags, .. } => tags.clone(),
        other => panic!("a create, not {other:?}"),
    }
}

#[test]
fn group_tags_are_set_at_creation_with_the_list_of_keys_that_are_syncs() {
    let s = tagged(&[("cost_centre", "CC 12 & (north), east"), ("site", "Leeds")]);
    let d = plan(&s, &groups(&["a@x.com"], &[]), &[]);
    let tags = create_tags(&d);
    assert_eq!(tags["cost_centre"], "CC 12 & (north), east");
    assert_eq!(tags["site"], "Leeds");
    assert_eq!(tags[TAGS_TAG], "cost_centre,site");
    assert_eq!(tags[MANAGED_TAG], "Amazon Connect");
}

#[test]
fn only_the_tag_keys_sync_set_are_changed_or_removed() {
    let mut u = user("a@x.com", "Agent", true);
    for (k, v) in [
        ("cost_centre", "CC 11"),
        ("site", "Leeds"),
        (TAGS_TAG, "cost_centre,site"),
        ("owner", "by hand"),
    ] {
        u.tags.insert(k.into(), v.into());
    }
    // cost_centre changes, site is no longer the group's, owner was never sync's.
    let s = tagged(&[("cost_centre", "CC 12 & (north)")]);
    let d = plan(&s, &groups(&["a@x.com"], &[]), &[u]);
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].kind, ChangeKind::Update);
    assert_eq!(
        d.changes[0].ops,
        [
            UserOp::Tag {
                tags: BTreeMap::from([
                    ("cost_centre".into(), "CC 12 & (north)".into()),
                    (TAGS_TAG.into(), "cost_centre".into()),
                ])
            },
            UserOp::Untag {
                keys: vec!["site".into()]
            },
        ]
    );
    assert!(
        d.changes[0].reason.contains("tags removed site"),
        "{}",
        d.changes[0].reason
    );
    // No group tags any more: the list goes too; the hand-made tag stays.
    let mut u = user("a@x.com", "Agent", true);
    u.tags.insert("site".into(), "Leeds".into());
    u.tags.insert(TAGS_TAG.into(), "site".into());
    u.tags.insert("owner".into(), "by hand".into());
    let d = plan(&spec(), &groups(&["a@x.com"], &[]), &[u]);
    assert_eq!(
        d.changes[0].ops,
        [UserOp::Untag {
            keys: vec![TAGS_TAG.into(), "site".into()]
        }]
    );
}

/// A managed user who left, tagged at `at`.
fn left_at(name: &str, at: &str) -> ConnectUser {
    let mut u = user(name, "Agent", true);
    u.tags.insert(LEFT_AT_TAG.into(), at.into());
    u
}

#[test]
fn a_leaver_under_a_grace_period_is_only_tagged_then_the_policy_applies_after_it() {
    for policy in [LeaverPolicy::Disable, LeaverPolicy::Delete] {
        let mut s = spec();
        s.sync.leavers = policy;
        s.sync.leaver_grace = Some("7d".into());
        s.sync.max_removals = 0;
        // First sight: tagged with the time (seconds, UTC), nothing else; not a removal.
        let d = plan(&s, &groups(&[], &[]), &[user("l@x.com", "Agent", true)]);
        assert_eq!(d.changes.len(), 1);
        assert_eq!(d.changes[0].kind, ChangeKind::Leaving);
        assert_eq!(
            d.changes[0].ops,
            [UserOp::Tag {
                tags: BTreeMap::from([(LEFT_AT_TAG.into(), "2026-11-29T12:00:00Z".into())])
            }]
        );
        assert_eq!((d.removals(), d.guard(&s.sync)), (0, None));
        // Within the grace: nothing to do, counted as waiting.
        let tagged = left_at("l@x.com", "2026-11-23T12:00:01Z");
        let d = plan(&s, &groups(&[], &[]), std::slice::from_ref(&tagged));
        assert!(d.changes.is_empty(), "{:?}", d.changes);
        assert_eq!(d.in_grace, 1);
        // After it: the policy, and the guard counts it.
        let tagged = left_at("l@x.com", "2026-11-22T12:00:00Z");
        let d = plan(&s, &groups(&[], &[]), &[tagged]);
        let want = match policy {
            LeaverPolicy::Disable => ChangeKind::Disable,
            _ => ChangeKind::Delete,
        };
        assert_eq!(d.changes[0].kind, want);
        assert!(d.changes[0].reason.contains("grace of 7d is over"));
        assert!(d.guard(&s.sync).is_some());
    }
}

#[test]
fn a_person_back_within_the_grace_period_loses_the_left_at_tag() {
    let mut s = spec();
    s.sync.leaver_grace = Some("36h".into());
    let back = left_at("l@x.com", "2026-11-29T01:00:00Z");
    let d = plan(&s, &groups(&["l@x.com"], &[]), &[back]);
    assert_eq!(d.changes[0].kind, ChangeKind::Update);
    assert_eq!(
        d.changes[0].ops,
        [UserOp::Untag {
            keys: vec![LEFT_AT_TAG.into()]
        }]
    );
    // An unreadable tag starts the grace again rather than removing anyone.
    let d = plan(&s, &groups(&[], &[]), &[left_at("l@x.com", "yesterday")]);
    assert_eq!(d.changes[0].kind, ChangeKind::Leaving);
}

#[test]
fn email_is_sent_only_when_the_spec_asks_for_it() {
    let mut s = spec();
    let mut g = groups(&["a@x.com"], &[]);
    g[0].members[0].mail = Some(" A.Person@x.com ".into());
    let email = |d: &UserDiff| match &d.changes[0].ops[0] {
        UserOp::Create { email, .. } => email.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(email(&plan(&s, &g, &[])), None);
    s.sync.email = connect_sso_spec::EmailSource::Mail;
    assert_eq!(email(&plan(&s, &g, &[])).as_deref(), Some("A.Person@x.com"));
}

#[test]
fn the_hierarchy_group_is_set_at_creation_and_movers_are_moved() {
    let mut s = spec();
    s.entra.access[0].hierarchy_group = Some("North".into());
    let d = plan(&s, &groups(&["a@x.com"], &[]), &[]);
    let UserOp::Create {
        hierarchy_group, ..
    } = &d.changes[0].ops[0]
    else {
        panic!("a create");
    };
    assert_eq!(
        hierarchy_group.as_ref().map(|h| h.id.as_str()),
        Some("h-North")
    );
    let mut u = user("a@x.com", "Agent", true);
    u.hierarchy_group_id = Some("h-South".into());
    let d = plan(&s, &groups(&["a@x.com"], &[]), &[u]);
    assert_eq!(
        d.changes[0].ops,
        [UserOp::SetHierarchyGroup {
            group: Named {
                id: "h-North".into(),
                name: "North".into()
            }
        }]
    );
    assert!(
        d.changes[0]
            .reason
            .contains("hierarchy group South → North")
    );
    // A group without hierarchy_group leaves the user's alone.
    let mut u = user("b@x.com", "CallCenterManager", true);
    u.hierarchy_group_id = Some("h-South".into());
    assert!(
        plan(&s, &groups(&[], &["b@x.com"]), &[u])
            .changes
            .is_empty()
    );
}

#[test]
fn an_unknown_or_ambiguous_hierarchy_group_is_one_error_before_any_change() {
    let mut s = spec();
    s.entra.access[1].hierarchy_group = Some("West".into());
    let e = plan_users(&s, &groups(&["a@x.com"], &[]), &[], &profiles(), NOW).expect_err("unknown");
    assert!(e.message.contains("hierarchy group \"West\""), "{e}");
    assert!(e.hint.contains("North, South"), "{}", e.hint);
    let mut p = profiles();
    p.hierarchy.push(Named {
        id: "h-West-2".into(),
        name: "West".into(),
    });
    p.hierarchy.push(Named {
        id: "h-West-1".into(),
        name: "West".into(),
    });
    let e = plan_users(&s, &groups(&[], &[]), &[], &p, NOW).expect_err("ambiguous");
    assert!(e.message.contains("2 hierarchy groups"), "{e}");
}

#[test]
fn the_first_administrator_is_shaped_and_created_like_a_synced_user() {
    let s = spec();
    let admin = admin_user(&s).expect("the starter has an admin");
    assert_eq!(admin.username, "admin@contoso.com");
    let c = create_change(&admin, &profiles()).expect("resolved");
    let UserOp::Create {
        security_profiles,
        tags,
        ..
    } = &c.ops[0]
    else {
        panic!("a create");
    };
    assert_eq!(security_profiles[0].name, "Admin");
    // The same tags a synced user without group tags gets.
    let synced = plan(&s, &groups(&["a@x.com"], &[]), &[]);
    assert_eq!(tags, &create_tags(&synced));
    assert_eq!(tags[MANAGED_TAG], s.entra.app_name);
}

#[test]
fn the_text_diff_shows_tags_hierarchy_and_the_grace_period() {
    let mut s = tagged(&[("cost_centre", "CC 12 & (north)")]);
    s.entra.access[0].hierarchy_group = Some("North".into());
    s.sync.leaver_grace = Some("7d".into());
    let existing = [
        user("mover@x.com", "Agent", true),
        user("gone@x.com", "Agent", true),
        left_at("waiting@x.com", "2026-11-28T12:00:00Z"),
    ];
    let d = plan(&s, &groups(&["new@x.com", "mover@x.com"], &[]), &existing);
    let text = connect_sso_planner::users::render_user_diff(&d, 20);
    insta::assert_snapshot!("users_diff_tags_hierarchy_grace", text);
}
