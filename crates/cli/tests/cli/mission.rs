//! The mission against an in-process sandbox, through the real binary: init → plan → apply →
//! plan (nothing) → drift → plan (exactly the drift) → apply → destroy → plan (creates again).

use crate::world::World;

fn plan_json(w: &World) -> serde_json::Value {
    let out = w.run(&["plan", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("plan --json prints JSON")
}

fn steps(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["resource"].as_str().unwrap_or_default().to_string(),
                s["action"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn init_plan_apply_drift_reapply_destroy_round_trip() {
    let w = World::start();

    // init writes the starter once; a second init refuses to overwrite.
    let init = w.run_plain(&["init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(init.stderr.contains("connect-sso plan"), "{}", init.stderr);
    let again = w.run_plain(&["init"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let check = w.run_plain(&["spec", "check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stdout.contains(
        "arn:aws:iam::111122223333:role/ConnectFederation,arn:aws:iam::111122223333:saml-provider/EntraID"
    ));

    // Nothing exists: changes (exit 2 with --detailed-exitcode).
    let first = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(first.code, 2, "{}", first.stderr);
    assert!(
        first.stdout.contains("Plan: 11 to create"),
        "{}",
        first.stdout
    );

    // Apply: progress on stderr, one line per step; the summary on stdout.
    let applied = w.run(&["apply", "--yes"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(
        applied.stderr.contains("[1/11] entra.app create … done in"),
        "{}",
        applied.stderr
    );
    assert!(applied.stderr.contains("[11/11] "), "{}", applied.stderr);
    assert!(
        applied.stdout.contains("Apply complete: 11 changes"),
        "{}",
        applied.stdout
    );
    assert!(
        applied
            .stdout
            .contains("relay state  https://us-east-1.console.aws.amazon.com/connect/federate/")
    );

    // Converged: exit 0.
    let converged = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(converged.code, 0, "{}", converged.stdout);
    assert!(
        converged.stdout.contains("No changes"),
        "{}",
        converged.stdout
    );

    // Someone edits the relay state in the portal: the plan shows exactly that.
    let summary = w.run(&["apply", "--yes", "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&summary.stdout).expect("JSON");
    let app_id = summary["app_id"].as_str().expect("app id").to_string();
    let instance_id = summary["instance_id"]
        .as_str()
        .expect("instance id")
        .to_string();
    w.drift_relay_state(
        &app_id,
        &format!("https://eu-west-2.console.aws.amazon.com/connect/federate/{instance_id}"),
    );
    let drift = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(drift.code, 2, "{}", drift.stderr);
    w.redactions(&[(&instance_id, "[instance-id]"), (&app_id, "[app-id]")])
        .bind(|| insta::assert_snapshot!("plan_relay_state_drift", drift.stdout));
    assert_eq!(
        steps(&plan_json(&w)),
        [("entra.relay_state".into(), "update".into())]
    );

    // Apply repairs it.
    let repaired = w.run(&["apply", "--yes"]);
    assert_eq!(repaired.code, 0, "{}", repaired.stderr);
    assert!(
        repaired.stdout.contains("1 change (0 created, 1 updated"),
        "{}",
        repaired.stdout
    );
    assert_eq!(w.run(&["plan", "--detailed-exitcode"]).code, 0);

    // destroy never deletes without confirmation when nobody can answer.
    let refused = w.run(&["destroy"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(
        w.run(&["plan", "--detailed-exitcode"]).code,
        0,
        "nothing was deleted"
    );

    // destroy --yes deletes what connect-sso created, but keeps the instance.
    let destroyed = w.run(&["destroy", "--yes"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.stderr);
    assert!(
        destroyed.stdout.contains("- entra.app \"Amazon Connect\""),
        "{}",
        destroyed.stdout
    );
    assert!(
        destroyed.stdout.contains("= connect.instance demo-contact"),
        "{}",
        destroyed.stdout
    );
    assert!(
        destroyed.stdout.contains("pass --include-instance"),
        "{}",
        destroyed.stdout
    );
    assert!(
        destroyed.stdout.contains("Destroy complete"),
        "{}",
        destroyed.stdout
    );

    // The plan creates everything again, except the kept instance and its admin user.
    let after = steps(&plan_json(&w));
    assert!(
        after.contains(&("entra.app".into(), "create".into())),
        "{after:?}"
    );
    assert!(
        after.contains(&("aws.saml_provider".into(), "create".into())),
        "{after:?}"
    );
    assert!(
        after.contains(&("aws.federation_role".into(), "create".into())),
        "{after:?}"
    );
    assert!(
        !after.iter().any(|(r, _)| r == "connect_instance"),
        "{after:?}"
    );
    assert!(after.iter().all(|(_, a)| a == "create"), "{after:?}");
}

#[test]
fn saved_plan_is_applied_exactly_or_refused_as_stale() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);

    // The happy path: plan --out, then apply PLAN.
    let saved = w.run(&["plan", "--out", "first.plan.json"]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    assert!(
        saved.stderr.contains("saved the plan to first.plan.json"),
        "{}",
        saved.stderr
    );
    // Its time reads as every time connect-sso shows does: UTC, milliseconds.
    let file = std::fs::read_to_string(w.path().join("first.plan.json")).expect("saved");
    let file: serde_json::Value = serde_json::from_str(&file).expect("JSON");
    let created = file["created_at"].as_str().expect("created_at");
    assert!(
        created.len() == 24 && created.ends_with('Z') && created.as_bytes()[19] == b'.',
        "{created}"
    );
    let applied = w.run(&["apply", "first.plan.json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(
        applied.stdout.contains("Apply complete: 11 changes"),
        "{}",
        applied.stdout
    );

    // Applying the same plan again: the world moved on, so it is stale.
    let twice = w.run(&["apply", "first.plan.json"]);
    assert_eq!(twice.code, 1, "{}", twice.stderr);
    assert!(twice.stderr.contains("is stale"), "{}", twice.stderr);

    // A plan made, then drift before it is applied: refused, nothing applied.
    let summary: serde_json::Value =
        serde_json::from_str(&w.run(&["apply", "--yes", "--json"]).stdout).expect("JSON");
    let app_id = summary["app_id"].as_str().expect("app id").to_string();
    let instance_id = summary["instance_id"]
        .as_str()
        .expect("instance id")
        .to_string();
    w.drift_relay_state(&app_id, "https://example.com/first-drift");
    assert_eq!(w.run(&["plan", "--out", "drift.plan.json"]).code, 0);
    w.drift_relay_state(&app_id, "https://example.com/second-drift");
    let stale = w.run(&["apply", "drift.plan.json"]);
    assert_eq!(stale.code, 1, "{}", stale.stderr);
    w.redactions(&[(&instance_id, "[instance-id]"), (&app_id, "[app-id]")])
        .bind(|| {
            insta::assert_snapshot!(
                "apply_stale_plan",
                stale.transcript(&["apply", "drift.plan.json", "--sandbox-url", "URL"])
            )
        });
    // Nothing was applied: the second drift is still there.
    let plan = w.run(&["plan"]);
    assert!(
        plan.stdout.contains("https://example.com/second-drift"),
        "{}",
        plan.stdout
    );

    // A plan made from another version of the spec is refused before anything is read.
    assert_eq!(w.run(&["plan", "--out", "spec.plan.json"]).code, 0);
    let spec_path = w.path().join("connect-sso.toml");
    let text = std::fs::read_to_string(&spec_path).expect("spec");
    std::fs::write(
        &spec_path,
        text.replace("session_duration = 43200", "session_duration = 3600"),
    )
    .expect("spec written");
    let other = w.run(&["apply", "spec.plan.json"]);
    assert_eq!(other.code, 1, "{}", other.stderr);
    assert!(
        other
            .stderr
            .contains("was made from another version of the spec"),
        "{}",
        other.stderr
    );
}

#[test]
fn blocked_plan_exits_1_and_says_what_to_fix() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let spec_path = w.path().join("connect-sso.toml");
    let text = std::fs::read_to_string(&spec_path).expect("spec");
    std::fs::write(
        &spec_path,
        text.replace(
            "group = \"Connect Supervisors\"",
            "group = \"No Such Group\"",
        ),
    )
    .expect("spec written");
    let out = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("✗ blocked"), "{}", out.stdout);
    assert!(out.stdout.contains("No Such Group"), "{}", out.stdout);
    assert!(out.stderr.contains("the plan is blocked"), "{}", out.stderr);
    let apply = w.run(&["apply", "--yes"]);
    assert_eq!(apply.code, 1, "{}", apply.stderr);
}

#[test]
fn the_aws_account_must_be_the_specs() {
    let w = World::start();
    assert_eq!(
        w.run_plain(&["init", "--account-id", "999999999999"]).code,
        0
    );
    let out = w.run(&["plan"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "refusing to act: the AWS credentials belong to account 111122223333, but the spec is for account 999999999999"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn cloud_target_uses_the_standard_environment_and_checks_the_account() {
    // The cloud code path, pointed at the sandbox the way `eval "$(connect-sso sandbox env)"`
    // would: AWS's standard environment variables, AZURE_* for Graph.
    let w = World::start();
    let mut env: Vec<(String, String)> = connect_sso_sandbox::Urls::new(w.base.clone()).env();
    env.push((
        "AZURE_CLIENT_ID".into(),
        connect_sso_sandbox::entra::TOOL_APP_ID.into(),
    ));
    env.push((
        "AZURE_CLIENT_SECRET".into(),
        connect_sso_sandbox::entra::TOOL_CLIENT_SECRET.into(),
    ));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let cloud = |account: &str, file: &str| {
        let out = crate::common::run_in(
            w.path(),
            &[
                "init",
                "--target",
                "cloud",
                "-f",
                file,
                "--tenant-id",
                connect_sso_sandbox::entra::DEFAULT_TENANT_ID,
                "--account-id",
                account,
                "--admin",
                "bob@contoso.com",
            ],
            &[],
            b"",
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
    };

    // Credentials for another account than the spec's: refused before anything is read.
    cloud("999999999999", "wrong.toml");
    let out = crate::common::run_in(w.path(), &["plan", "-f", "wrong.toml"], &env, b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("refusing to act: the AWS credentials belong to account 111122223333, but the spec is for account 999999999999"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("hint: use credentials for account 999999999999"),
        "{}",
        out.stderr
    );

    // The right account: plan and apply work through the standard chains.
    cloud("111122223333", "right.toml");
    let plan = crate::common::run_in(
        w.path(),
        &["plan", "-f", "right.toml", "--detailed-exitcode"],
        &env,
        b"",
    );
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    let apply = crate::common::run_in(
        w.path(),
        &["apply", "--yes", "-f", "right.toml", "--json"],
        &env,
        b"",
    );
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let summary: serde_json::Value = serde_json::from_str(&apply.stdout).expect("JSON");
    let app_id = summary["app_id"].as_str().expect("app id");
    assert_eq!(
        summary["sign_in_url"].as_str(),
        Some(
            format!(
                "https://myapps.microsoft.com/signin/{app_id}?tenantId={}",
                connect_sso_sandbox::entra::DEFAULT_TENANT_ID
            )
            .as_str()
        )
    );

    // login on the cloud prints URLs and never asks for a password.
    let login = crate::common::run_in(
        w.path(),
        &["login", "-f", "right.toml", "--user", "bob@contoso.com"],
        &env,
        b"",
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(
        login
            .stdout
            .contains("connect-sso never handles a real password"),
        "{}",
        login.stdout
    );
    assert!(
        login
            .stdout
            .contains(&format!("https://myapps.microsoft.com/signin/{app_id}")),
        "{}",
        login.stdout
    );
    assert!(
        login
            .stdout
            .lines()
            .any(|l| l.starts_with("destination") && l.ends_with(" /ccp-v2")),
        "{}",
        login.stdout
    );
    let refused = crate::common::run_in(
        w.path(),
        &[
            "login",
            "-f",
            "right.toml",
            "--user",
            "bob@contoso.com",
            "--password-stdin",
        ],
        &env,
        b"secret\n",
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("never handles a real password"),
        "{}",
        refused.stderr
    );
}

#[test]
fn plan_json_changes_carry_typed_values() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let plan = plan_json(&w);
    let changes: serde_json::Map<String, serde_json::Value> = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            let resource = s["resource"].as_str().unwrap_or_default().to_string();
            (resource, s["changes"].clone())
        })
        .collect();
    w.redactions(&[]).bind(|| {
        insta::assert_json_snapshot!("plan_json_changes_from_empty", changes);
    });
    let app = &changes["entra.app"];
    assert_eq!(app[4]["field"], "appRoleAssignmentRequired");
    assert_eq!(app[4]["after"], true);
    assert_eq!(changes["aws.federation_role"][2]["after"], 43200);
    assert!(changes["aws.federation_role"][1]["after"].is_object());
}

#[test]
fn saved_plan_of_the_previous_format_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| crate::common::run_in(dir.path(), args, &[], b"");
    assert_eq!(run(&["init"]).code, 0);
    // Format 2 wrote every value of `changes` as a string.
    let old = serde_json::json!({
        "format": 2,
        "spec_sha256": "0".repeat(64),
        "spec_file": "connect-sso.toml",
        "created_at": "2026-01-05T10:00:00.1Z",
        "plan": {"steps": [{
            "resource": "entra.app", "action": "create", "reason": "no enterprise app",
            "changes": [{"field": "appRoleAssignmentRequired", "before": null, "after": "true"}],
            "payload": {}
        }], "blockers": []}
    });
    std::fs::write(dir.path().join("old.plan.json"), old.to_string()).expect("write");
    for args in [["apply", "old.plan.json"], ["show", "old.plan.json"]] {
        let out = run(&args);
        assert_eq!(out.code, 2, "{}", out.stderr);
        insta::assert_snapshot!(
            format!("saved_plan_format_2_{}", args[0]),
            out.transcript(&args)
        );
    }
}
