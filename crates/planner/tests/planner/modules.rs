//! The resource modules and the registry: order, typed unknowns, wait, manual and batch steps.

use connect_sso_planner::payload::{InstanceChange, PolicyChange};
use connect_sso_planner::resource::{REGISTRY, module, ordered_for};
use connect_sso_planner::{Action, Payload, Planned, Resource, Shown, Unknown, plan, render_plan};
use connect_sso_spec::SettingsBy;
use connect_sso_spec::Topology;

use crate::{INSTANCE, NOW, converged, empty, resources, spec};

#[test]
fn registry_orders_every_resource_after_its_dependencies() {
    for topology in [Topology::Direct, Topology::Brokered] {
        registry_order_holds(topology);
    }
}

fn registry_order_holds(topology: Topology) {
    let ordered = ordered_for(topology);
    let order: Vec<Resource> = ordered.iter().map(|m| m.resource()).collect();
    assert_eq!(
        order.len(),
        REGISTRY.len(),
        "a dependency cycle or an unregistered dependency ({topology:?})"
    );
    for (i, m) in ordered.iter().enumerate() {
        let deps = match topology {
            Topology::Direct => m.depends_on(),
            Topology::Brokered => m.depends_on_brokered(),
        };
        for dep in deps {
            let at = order.iter().position(|r| r == dep);
            assert!(
                at.is_some_and(|at| at < i),
                "{} comes before its dependency {dep}",
                m.resource()
            );
        }
        assert_eq!(
            module(m.resource()).map(|m| m.resource()),
            Some(m.resource())
        );
    }
}

#[test]
fn values_unknown_before_apply_are_typed_not_placeholder_strings() {
    let s = spec();
    let p = plan(&s, &empty(&s), NOW);
    let policy = p.step_for(Resource::FederationPolicy).expect("policy step");
    let Payload::FederationPolicy(PolicyChange { document, .. }) = &policy.payload else {
        panic!("policy payload: {:?}", policy.payload);
    };
    assert_eq!(document, &Planned::AfterApply(Unknown::InstanceId));
    let relay = p.step_for(Resource::RelayState).expect("relay step");
    assert!(matches!(
        relay.changes[0].after,
        Some(Shown::Pending {
            known_after_apply: Unknown::InstanceId,
            ..
        })
    ));
    let json = serde_json::to_value(&p).expect("json");
    let text = json.to_string();
    assert!(
        text.contains(r#""known_after_apply":"instance_id""#),
        "{text}"
    );
    assert!(text.contains(r#""known_after_apply":"certificate_thumbprint""#));
    // Once the instance exists, the same step carries the real value.
    let mut o = converged(&s);
    o.aws.role.as_mut().expect("role").inline_policies.clear();
    let p = plan(&s, &o, NOW);
    let Payload::FederationPolicy(PolicyChange { document, .. }) = &p.steps[0].payload else {
        panic!("policy payload");
    };
    assert!(
        document
            .known()
            .expect("known")
            .to_string()
            .contains(INSTANCE)
    );
}

#[test]
fn instance_being_created_is_a_wait_step_and_nothing_else_for_it() {
    let s = spec();
    let mut o = converged(&s);
    o.aws.instance.as_mut().expect("instance").status = "CREATION_IN_PROGRESS".into();
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("connect.instance".to_string(), Action::Wait)]
    );
    assert_eq!(
        p.steps[0].payload,
        Payload::ConnectInstance(InstanceChange::WaitActive {
            id: INSTANCE.into()
        })
    );
    assert!(!p.steps[0].action.mutates());
    assert!(render_plan(&p, false).ends_with("0 to delete, 1 to wait for.\n"));
}

#[test]
fn group_assignments_are_one_batch_step_with_an_item_per_missing_group() {
    let s = spec();
    let mut o = converged(&s);
    o.entra.apps[0].assignments.clear();
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("entra.assignments".to_string(), Action::Create)]
    );
    let keys: Vec<&str> = p.steps[0].items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["Connect Agents", "Connect Supervisors"]);
    let Payload::GroupAssignments(change) = &p.steps[0].payload else {
        panic!("payload");
    };
    assert_eq!(change.assign.len(), 2);
}

#[test]
fn console_basic_saml_configuration_turns_those_steps_into_manual_steps_with_exact_values() {
    let mut s = spec();
    s.entra.basic_saml_configuration = SettingsBy::Console;
    let mut o = converged(&s);
    o.entra.apps[0].relay_state = None;
    o.entra.apps[0].identifier_uris = vec!["https://example.com/wrong".into()];
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [
            ("entra.app".to_string(), Action::Manual),
            ("entra.relay_state".to_string(), Action::Manual),
        ]
    );
    let relay = p.steps[1].manual.as_ref().expect("manual part");
    assert!(relay.console.contains("Basic SAML Configuration"));
    assert_eq!(
        relay.enter,
        [(
            "Relay State (Optional)".to_string(),
            format!(
                "https://us-east-1.console.aws.amazon.com/connect/federate/{INSTANCE}?destination=%2Fccp-v2&new_domain=true"
            )
        )]
    );
    let app = p.steps[0].manual.as_ref().expect("manual part");
    assert_eq!(
        app.enter,
        [(
            "Identifier (Entity ID)".to_string(),
            "https://signin.aws.amazon.com/saml".to_string()
        )]
    );
    assert!(!p.steps.iter().any(|s| s.action.mutates()));
    insta::assert_snapshot!("plan_manual_basic_saml", render_plan(&p, false));
    // The default leaves them to the API.
    s.entra.basic_saml_configuration = SettingsBy::ConnectSso;
    let p = plan(&s, &o, NOW);
    assert!(
        p.steps
            .iter()
            .all(|s| s.action == Action::Update || s.action == Action::Create)
    );
}

#[test]
fn admin_whose_case_differs_from_the_entra_upn_blocks_with_the_exact_upn() {
    let s = spec();
    let mut o = converged(&s);
    let admin = s.connect.admin.clone().expect("admin").username;
    o.entra
        .users
        .insert(admin.clone(), Some("Admin@Contoso.com".into()));
    let p = plan(&s, &o, NOW);
    assert_eq!(p.blockers.len(), 1, "{:?}", p.blockers);
    assert_eq!(p.blockers[0].resource, Resource::ConnectAdmin);
    assert!(p.blockers[0].message.contains("case included"));
    assert_eq!(
        p.blockers[0].hint,
        r#"set connect.admin.username = "Admin@Contoso.com""#
    );
    o.entra.users.insert(admin, None);
    let p = plan(&s, &o, NOW);
    assert!(p.blockers[0].message.contains("no Entra user has the UPN"));
}

#[test]
fn trust_policy_that_gained_a_cross_account_principal_warns_and_shows_only_what_changes() {
    let s = spec();
    let mut o = converged(&s);
    let role = o.aws.role.as_mut().expect("role");
    role.managed = false;
    role.trust_policy["Statement"]
        .as_array_mut()
        .expect("statements")
        .push(serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole"
        }));
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("aws.federation_role".to_string(), Action::Adopt)]
    );
    let step = &p.steps[0];
    assert_eq!(step.warnings.len(), 1, "{:?}", step.warnings);
    assert!(step.warnings[0].contains("AWS arn:aws:iam::444455556666:root"));
    assert_eq!(
        step.changes[0].diff,
        [
            "- Statement[1].Action: sts:AssumeRole",
            "- Statement[1].Effect: Allow",
            "- Statement[1].Principal.AWS: arn:aws:iam::444455556666:root",
        ]
    );
    // An adoption that rewrites a field is an update too.
    assert_eq!(p.counts().update, 1);
    assert_eq!(p.counts().adopt, 1);
    insta::assert_snapshot!(
        "plan_adopt_role_with_extra_principal",
        render_plan(&p, false)
    );
}
