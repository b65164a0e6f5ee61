//! The user mapping (`connect_sso_planner::users`): precedence, managed-only changes, adoption,
//! leavers, and the removal guard. Pure.

use std::collections::BTreeMap;

use connect_sso_planner::users::{
    ChangeKind, ConnectUser, DISABLED_TAG, GroupMembers, MANAGED_TAG, Member, Profiles, UserOp,
    plan_users,
};

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
    let d = plan_users(
        &spec(),
        &groups(&["a@x.com"], &["a@x.com"]),
        &[],
        &profiles(),
    )
    .expect("a diff");
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
    let d = plan_users(&s, &groups(&["a@x.com"], &[]), &existing, &profiles()).expect("a diff");
    assert!(d.changes.is_empty(), "{:?}", d.changes);
    assert!(d.skipped[0].hint.contains("adopt_existing"));
    s.sync.adopt_existing = true;
    let d = plan_users(&s, &groups(&["a@x.com"], &[]), &existing, &profiles()).expect("a diff");
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
    let d = plan_users(&spec(), &groups(&[], &[]), &existing, &profiles()).expect("a diff");
    assert_eq!(d.changes.len(), 1);
    assert_eq!(d.changes[0].kind, ChangeKind::Disable);
    // Already disabled: nothing to do.
    let mut done = user("l@x.com", "connect-sso-disabled", true);
    done.tags.insert(DISABLED_TAG.into(), "true".into());
    let d = plan_users(&spec(), &groups(&[], &[]), &[done], &profiles()).expect("a diff");
    assert!(d.is_empty());
    // Without the no-permission profile, a leaver to disable blocks the whole diff.
    let mut p = profiles();
    p.security.remove("connect-sso-disabled");
    let e = plan_users(&spec(), &groups(&[], &[]), &existing, &p).expect_err("blocked");
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
    let d = plan_users(&s, &groups(&stay, &[]), &existing, &profiles()).expect("a diff");
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
