//! The AWS CLI (v1, from the test venv) against the sandbox.

use connect_sso_testkit::{peer, skip_unless_peer};

use crate::common;

#[tokio::test(flavor = "multi_thread")]
async fn aws_cli_lists_saml_providers_and_reads_errors() {
    let aws = skip_unless_peer!(peer::venv_bin("aws"));
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, _role) = common::federation_setup(&c).await;
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&aws);
        cmd.args(["--endpoint-url", &sb.urls().iam(), "--output", "json"])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::temp_dir())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            // AWS CLI v1 reads the region only from AWS_DEFAULT_REGION.
            .env("AWS_DEFAULT_REGION", connect_sso_sandbox::TEST_REGION);
        for (k, v) in sb.env() {
            if k.starts_with("AWS_") && !k.starts_with("AWS_ENDPOINT_URL") {
                cmd.env(k, v);
            }
        }
        cmd.output().expect("run aws")
    };
    let out = tokio::task::block_in_place(|| run(&["iam", "list-saml-providers"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["SAMLProviderList"][0]["Arn"], provider.as_str());

    let out = tokio::task::block_in_place(|| run(&["iam", "get-role", "--role-name", "Nope"]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("(NoSuchEntity)"), "{err}");
    sb.shutdown().await;
}
