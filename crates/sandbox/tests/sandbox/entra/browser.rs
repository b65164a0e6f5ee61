//! A real browser (headless Chromium through playwright-core, `node --test`) signs in on the
//! sandbox's sign-in page; the Response it posts verifies against the published metadata.
//! Under `CI`, a missing node, Chromium or playwright-core fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use connect_sso_saml::{IdpMetadata, VerifyOptions, verify_response};
use connect_sso_sandbox::entra::{DEFAULT_TENANT_ID, DEMO_PASSWORD, USER_ALICE_UPN};
use time::OffsetDateTime;

use super::sso::find_tool;
use super::*;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("workspace root")
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_and_posts_the_response_to_the_reply_url() {
    const TEST: &str = "chromium_signs_in_and_posts_the_response_to_the_reply_url";
    let root = workspace_root();
    let script = root.join("tests/node/entra_signin.test.mjs");
    let Some(node) = find_tool("node") else {
        return peer_missing(TEST, "node");
    };
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if !chromium.is_file() {
        return peer_missing(TEST, "chromium (/usr/bin/chromium or $CHROMIUM)");
    }
    if !root
        .join("tests/node/node_modules/playwright-core")
        .is_dir()
    {
        return peer_missing(TEST, "playwright-core (npm ci in tests/node)");
    }

    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect (browser)", AWS_ACS).await;
    let md = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");

    let work = tempfile::Builder::new()
        .prefix("entra-browser-")
        .tempdir()
        .expect("tempdir");
    let output = work.path().join("posted.txt");
    let launch = format!(
        "{}/{DEFAULT_TENANT_ID}/signin/{}",
        sb.urls().entra_login(),
        app.app_id
    );
    let mut cmd = Command::new(node);
    cmd.current_dir(root.join("tests/node"))
        .arg("--test")
        .arg(&script)
        .env("SANDBOX_URL", sb.urls().base())
        .env("LAUNCH_URL", &launch)
        .env("ENTRA_USERNAME", USER_ALICE_UPN)
        .env("ENTRA_PASSWORD", DEMO_PASSWORD)
        .env("EXPECT_RELAY_STATE", RELAY_STATE)
        .env("OUTPUT_FILE", &output)
        .env("SCREENSHOT_DIR", work.path())
        .env("CHROMIUM", &chromium);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run node");
    if !out.status.success() {
        // Keep the screenshot for the person reading the failure.
        let kept = work.keep();
        panic!(
            "node --test failed (screenshots, if any, in {}):\n{}\n{}",
            kept.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let body = std::fs::read_to_string(&output).expect("the browser test wrote the captured POST");
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let saml = fields
        .iter()
        .find(|(k, _)| k == "SAMLResponse")
        .map(|(_, v)| v.clone())
        .expect("SAMLResponse");
    let xml = connect_sso_saml::binding::decode_post(&saml).expect("decodes");
    let mut options =
        VerifyOptions::new(md.signing_certificates.clone(), OffsetDateTime::now_utc());
    options.expected_issuer = Some(md.entity_id.clone());
    options.audience = Some(AWS_ACS.into());
    options.recipient = Some(AWS_ACS.into());
    let v = verify_response(&xml, &options).expect("the Response the browser posted verifies");
    assert_eq!(v.subject, USER_ALICE_UPN);
    assert_eq!(
        v.attribute(ROLE_ATTR),
        Some(&[AGENT_ROLE_VALUE.to_string()][..])
    );
    sb.shutdown().await;
}
