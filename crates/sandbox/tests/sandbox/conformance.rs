//! Conformance with the AWS models: `tests/conformance.py` drives every emulated AWS operation
//! with boto3 (parameter validation off, so invalid requests reach the sandbox) and checks each
//! raw answer against the trimmed models in `models/`: no undeclared member, every required
//! output member present, every error code declared by the operation or a documented common
//! error, a request ID on every answer. It prints the summary line and fails on a deviation
//! it does not list as known. Also: OPERATIONS.md is current.

use std::path::{Path, PathBuf};

use connect_sso_sandbox::entra::{DEMO_PASSWORD, USER_ALICE_UPN};
use connect_sso_sandbox::{TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET_ACCESS_KEY};

use crate::entra::{AWS_ACS, Graph, configure_aws_app, fetch_metadata, peer_missing, sign_in};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The test venv's Python (`CONNECT_SSO_VENV` or `~/.cache/connect-sso/venv`), if boto3 is in it.
fn python_with_boto3() -> Option<PathBuf> {
    let venv = std::env::var_os("CONNECT_SSO_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/connect-sso/venv"))
        })?;
    let python = venv.join("bin/python");
    let ok = std::process::Command::new(&python)
        .args(["-c", "import boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_its_model_declares() {
    let Some(python) = python_with_boto3() else {
        peer_missing(
            "conformance",
            "the Python venv with boto3 (scripts/setup.sh)",
        );
        return;
    };
    let sb = crate::entra::start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let metadata = fetch_metadata(&sb, &app.app_id).await;
    let client = crate::entra::browser_like_client();
    let posted = sign_in(&sb, &client, &app.app_id, USER_ALICE_UPN, DEMO_PASSWORD)
        .await
        .posted();
    let input = serde_json::json!({
        "base": format!("{}/aws", sb.urls().base()),
        "region": TEST_REGION,
        "access_key_id": TEST_ACCESS_KEY_ID,
        "secret_access_key": TEST_SECRET_ACCESS_KEY,
        "management_access_key_id": connect_sso_sandbox::MANAGEMENT_ACCESS_KEY_ID,
        "management_secret_access_key": connect_sso_sandbox::MANAGEMENT_SECRET_ACCESS_KEY,
        "metadata": metadata,
        "saml_response": posted.saml_response,
        "session_name": USER_ALICE_UPN,
        "models": crate_dir().join("models"),
    });
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let input_path = dir.join("conformance_input.json");
    std::fs::write(&input_path, input.to_string()).expect("write input");
    let script = crate_dir().join("tests/conformance.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(input_path)
            .output()
    })
    .await
    .expect("join")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "conformance.py found deviations:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("conformance:"), "no summary line");
    sb.shutdown().await;
}

#[test]
fn operations_md_is_current() {
    let path = crate_dir().join("OPERATIONS.md");
    let want = connect_sso_sandbox::aws::ops::operations_md();
    if std::env::var_os("UPDATE_OPERATIONS").is_some() {
        std::fs::write(&path, &want).expect("write OPERATIONS.md");
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        got == want,
        "crates/sandbox/OPERATIONS.md is stale: run UPDATE_OPERATIONS=1 cargo test -p connect-sso-sandbox --test sandbox operations_md"
    );
}

/// Each service has one operation table, serving exactly its model's operations.
#[test]
fn every_modelled_operation_has_a_handler() {
    use connect_sso_sandbox::aws::{model, ops};
    for service in model::SERVICES {
        let model = model::of(service).expect("model");
        let mut table: Vec<&str> = ops::handlers(service).iter().map(|h| h.0).collect();
        table.sort_unstable();
        assert_eq!(table, model.operation_names(), "{service}");
    }
}

/// Patterns Rust's `regex` cannot compile as written (look-aheads, `/…/`, double escapes) are
/// enforced by the model layer, so no handler checks them by hand.
#[test]
fn look_ahead_and_escaped_patterns_are_enforced() {
    let connect = connect_sso_sandbox::aws::model::of("connect").expect("connect model");
    let user = |password: &str, mobile: &str| {
        serde_json::json!({
            "InstanceId": "i", "Username": "u", "SecurityProfileIds": ["p"],
            "RoutingProfileId": "r", "Password": password,
            "IdentityInfo": { "Mobile": mobile },
        })
    };
    assert!(
        connect
            .validate("CreateUser", &user("Passw0rd!", "+12065550100"))
            .is_ok()
    );
    for (password, mobile) in [("alllower1", "+12065550100"), ("Passw0rd!", "12065550100")] {
        assert!(
            connect
                .validate("CreateUser", &user(password, mobile))
                .is_err()
        );
    }
    let instance = |alias: &str| {
        serde_json::json!({
            "IdentityManagementType": "SAML", "InstanceAlias": alias,
            "InboundCallsEnabled": true, "OutboundCallsEnabled": true,
        })
    };
    assert!(
        connect
            .validate("CreateInstance", &instance("my-instance"))
            .is_ok()
    );
    for bad in ["d-abc", "-a", "a_b"] {
        assert!(
            connect.validate("CreateInstance", &instance(bad)).is_err(),
            "{bad}"
        );
    }
    let tag = |key: &str| serde_json::json!({ "resourceArn": "arn", "tags": { key: "Sales & Marketing (EMEA), Tier-1" } });
    assert!(connect.validate("TagResource", &tag("team")).is_ok());
    assert!(connect.validate("TagResource", &tag("aws:team")).is_err());
    assert!(connect.unenforced_patterns().is_empty());
}

/// The answer checker every debug build runs ([`model::debug_check`]) flags an undeclared
/// member, a missing required member and an undeclared error code, and passes a right answer.
#[test]
fn the_answer_checker_flags_answers_the_model_does_not_allow() {
    use connect_sso_sandbox::aws::model;
    let connect = model::of("connect").expect("connect model");
    let right = serde_json::json!({ "Id": "i", "Arn": "arn" });
    assert!(
        connect
            .check_answer("CreateInstance", Ok(Some(&right)))
            .is_empty()
    );
    let nested_wrong = serde_json::json!({ "UserSummaryList": [{ "Id": "u", "Nickname": "x" }] });
    let found = connect.check_answer("ListUsers", Ok(Some(&nested_wrong)));
    assert_eq!(
        found,
        ["ListUsers.UserSummaryList[]: undeclared member Nickname"]
    );
    let search = serde_json::json!({ "Users": [], "message": "no" });
    assert_eq!(
        connect.check_answer("SearchUsers", Ok(Some(&search))),
        ["SearchUsers: undeclared member message"]
    );
    let creds = serde_json::json!({ "Credentials": {}, "SignInUrl": "u" });
    assert!(
        connect
            .check_answer("GetFederationToken", Ok(Some(&creds)))
            .is_empty()
    );
    let error = connect.check_answer("CreateInstance", Err("InvalidParameterException"));
    assert_eq!(
        error,
        ["CreateInstance: error InvalidParameterException is neither declared nor common"]
    );
    assert!(
        connect
            .check_answer("CreateUser", Err("InvalidParameterException"))
            .is_empty()
    );
    assert!(
        connect
            .check_answer("CreateUser", Err("ThrottlingException"))
            .is_empty()
    );
    let iam = model::of("iam").expect("iam model");
    assert!(iam.check_answer("GetRole", Err("NoSuchEntity")).is_empty());
    assert_eq!(iam.check_answer("GetRole", Err("InvalidInput")).len(), 1);
    let user = serde_json::json!({ "User": { "AutoAcceptConfigs": [{ "Channel": "VOICE" }] } });
    assert_eq!(
        connect.check_answer("DescribeUser", Ok(Some(&user))),
        ["DescribeUser.User.AutoAcceptConfigs[]: required member AutoAccept missing"]
    );
    let panicked = std::panic::catch_unwind(|| {
        model::debug_check("connect", "ListUsers", Ok(Some(&nested_wrong)));
    });
    assert!(
        panicked.is_err(),
        "a debug build refuses a deviating answer"
    );
}
