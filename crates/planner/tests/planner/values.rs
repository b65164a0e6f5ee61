//! The values of a plan's changes are typed as in JSON (booleans, integers, strings, lists,
//! policy documents), read back from JSON unchanged, and read in a terminal as before.

use connect_sso_planner::{FieldValue, Plan, Planned, Shown, Unknown, plan, render_plan};

use crate::{NOW, converged, empty, spec};

/// A world where the app, the role and the instance drifted in fields of every type.
fn drifted() -> Plan {
    let s = spec();
    let mut o = converged(&s);
    let app = &mut o.entra.apps[0];
    app.assignment_required = false;
    app.identifier_uris = vec!["urn:amazon:webservices".into()];
    let role = o.aws.role.as_mut().expect("role");
    role.max_session_duration = 3600;
    o.aws.instance.as_mut().expect("instance").outbound_calls = false;
    plan(&s, &o, NOW)
}

/// The `changes` of every step, as `--json` prints them.
fn changes_json(p: &Plan) -> serde_json::Value {
    p.steps
        .iter()
        .map(|s| (s.resource.to_string(), serde_json::json!(s.changes)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[test]
fn changes_are_typed_json_values_not_strings() {
    let p = drifted();
    let json = changes_json(&p);
    insta::assert_json_snapshot!("changes_typed_drift", json);
    let app = &json["entra.app"];
    assert_eq!(app[1]["before"], false);
    assert_eq!(app[1]["after"], true);
    assert!(app[0]["after"].is_array(), "{app}");
    assert_eq!(json["aws.federation_role"][0]["after"], 43200);
    assert_eq!(json["connect.instance"][0]["after"], true);
}

#[test]
fn documents_are_json_objects_and_pending_values_say_what_they_wait_for() {
    let s = spec();
    let p = plan(&s, &empty(&s), NOW);
    let json = changes_json(&p);
    insta::assert_json_snapshot!("changes_typed_from_empty", json);
    let trust = &json["aws.federation_role"][1];
    assert_eq!(trust["field"], "trust policy");
    assert_eq!(trust["after"]["Version"], "2012-10-17");
    let policy = &json["aws.federation_policy"][0]["after"];
    assert_eq!(policy["known_after_apply"], "instance_id");
    assert!(policy["shown"]["Statement"].is_array(), "{policy}");
    assert_eq!(
        json["entra.claims"][0]["after"]["ClaimsMappingPolicy"]["Version"],
        1
    );
}

#[test]
fn a_plan_reads_back_from_its_json_unchanged() {
    let s = spec();
    let mut adopted = converged(&s);
    let role = adopted.aws.role.as_mut().expect("role");
    role.managed = false;
    role.trust_policy["Statement"][0]["Principal"] =
        serde_json::json!({"AWS": "arn:aws:iam::444455556666:root"});
    for p in [
        plan(&s, &empty(&s), NOW),
        drifted(),
        plan(&s, &adopted, NOW),
    ] {
        let text = serde_json::to_string(&p).expect("JSON");
        let back: Plan = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, p, "{text}");
    }
}

#[test]
fn typed_values_read_in_a_terminal_as_before() {
    insta::assert_snapshot!(render_plan(&drifted(), false), @r#"
    ~ entra.app update
        # the app's SAML settings differ from the spec
        identifierUris: ["urn:amazon:webservices"] → ["https://signin.aws.amazon.com/saml"]
        appRoleAssignmentRequired: false → true
    ~ aws.federation_role update
        # the role differs from the spec
        MaxSessionDuration: 3600 → 43200
    ~ connect.instance update
        # the instance's telephony settings differ from the spec
        outbound calls: false → true

    Plan: 0 to create, 3 to update, 0 to adopt, 0 to delete.
    "#);
}

#[test]
fn pending_values_show_their_placeholder() {
    let shown = Shown::of(&Planned::AfterApply(Unknown::InstanceId), |id| {
        format!("https://example.com/{id}")
    });
    assert_eq!(
        shown.to_string(),
        "https://example.com/<instance-id: known after apply>"
    );
    assert_eq!(
        FieldValue::from(vec!["a".to_string(), "b".into()]).to_string(),
        r#"["a", "b"]"#
    );
    assert_eq!(
        FieldValue::from(serde_json::json!({"a": [1]})).to_string(),
        r#"{"a":[1]}"#
    );
}
