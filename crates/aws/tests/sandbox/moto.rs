//! Compare response shapes with moto: tests/python/moto_compare.py runs the same IAM/STS calls
//! with boto3 against moto_server and against the sandbox. Differences are printed and written
//! to `$CARGO_TARGET_TMPDIR/moto_compare.json`; the test fails only when the sandbox itself
//! misbehaves (a call that must succeed fails, or an error path has the wrong code).

use std::path::PathBuf;

use connect_sso_sandbox::{
    TEST_ACCESS_KEY_ID, TEST_ACCOUNT_ID, TEST_REGION, TEST_SECRET_ACCESS_KEY,
};

use connect_sso_testkit::{peer, skip_unless_peer};

use crate::common::{self, Assertion};

#[tokio::test(flavor = "multi_thread")]
async fn boto3_sees_the_same_shapes_from_moto_and_the_sandbox() {
    let python = skip_unless_peer!(peer::venv_python(&["boto3"]));
    skip_unless_peer!(peer::venv_bin("moto_server"));
    let sb = common::sandbox().await;
    let key = common::idp_key();
    let saml_for = |account: &str| {
        Assertion::new(
            &format!("arn:aws:iam::{account}:role/ConnectFederation"),
            &format!("arn:aws:iam::{account}:saml-provider/Entra"),
            "alice@example.com",
        )
        .signed_b64(key)
    };
    let input = serde_json::json!({
        "sandbox": {
            "iam": sb.urls().iam(),
            "sts": sb.urls().sts(),
            "account": TEST_ACCOUNT_ID,
            "access_key_id": TEST_ACCESS_KEY_ID,
            "secret_access_key": TEST_SECRET_ACCESS_KEY,
            "saml": saml_for(TEST_ACCOUNT_ID),
        },
        "moto": {"account": "123456789012", "saml": saml_for("123456789012")},
        "metadata": common::metadata(),
        "metadata2": common::metadata_for(common::other_key(), common::ISSUER),
        "issuer": common::ISSUER,
        "region": TEST_REGION,
    });
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let input_path = dir.join("moto_compare_input.json");
    let report_path = dir.join("moto_compare.json");
    std::fs::write(&input_path, input.to_string()).expect("write input");
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/moto_compare.py");
    let out = tokio::task::block_in_place(|| {
        std::process::Command::new(&python)
            .arg(&script)
            .arg(&input_path)
            .arg(&report_path)
            .output()
            .expect("run moto_compare.py")
    });
    println!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "moto_compare.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).expect("report")).expect("json");
    let steps = report["steps"].as_array().expect("steps");
    let sandbox_code = |step: &str| -> Option<String> {
        steps
            .iter()
            .find(|s| s["step"] == step)
            .and_then(|s| s["sandbox_code"].as_str().map(str::to_string))
    };
    // Error paths must fail with IAM's codes; everything else must succeed on the sandbox.
    let expected_errors = [
        ("CreateSAMLProvider (duplicate)", "EntityAlreadyExists"),
        ("CreateSAMLProvider (metadata with BOM)", "InvalidInput"),
        ("GetSAMLProvider (missing)", "NoSuchEntity"),
        ("CreateRole (duplicate)", "EntityAlreadyExists"),
        ("CreateRole (malformed policy)", "MalformedPolicyDocument"),
        ("CreateRole (MaxSessionDuration 100)", "ValidationError"),
        ("GetRole (missing)", "NoSuchEntity"),
        ("DeleteRole (has policies)", "DeleteConflict"),
    ];
    for s in steps {
        let name = s["step"].as_str().unwrap_or_default();
        match expected_errors.iter().find(|(n, _)| *n == name) {
            Some((_, code)) => assert_eq!(sandbox_code(name).as_deref(), Some(*code), "{name}"),
            None => assert!(
                s["sandbox_ok"].as_bool().unwrap_or(false),
                "sandbox failed {name}: {s}"
            ),
        }
    }
    assert!(
        steps
            .iter()
            .any(|s| s["step"] == "GetCallerIdentity (assumed role)")
    );
    sb.shutdown().await;
}
