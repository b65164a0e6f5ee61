//! Quotas and scripted faults, seen through the SDK's retries.

use crate::common::{self, code};

async fn admin(sb: &connect_sso_sandbox::Sandbox, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/aws/_admin/{path}", sb.urls().base()))
        .json(&body)
        .send()
        .await
        .expect("admin call");
    assert!(r.status().is_success(), "{path}: {}", r.status());
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_twice_then_the_sdk_retry_succeeds() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    admin(
        &sb,
        "faults",
        serde_json::json!({"service":"iam","api":"ListRoles","kind":"throttle","count":2}),
    )
    .await;
    c.iam
        .list_roles()
        .send()
        .await
        .expect("third attempt succeeds");
    let q: serde_json::Value = reqwest::get(format!("{}/aws/_admin/faults", sb.urls().base()))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(q, serde_json::json!([]), "the scripted faults were used up");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_quota_returns_throttling_after_the_retries() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    admin(
        &sb,
        "quotas",
        serde_json::json!({"service":"iam","api":"ListSAMLProviders","rate":0.0,"burst":1.0}),
    )
    .await;
    c.iam
        .list_saml_providers()
        .send()
        .await
        .expect("first call");
    let e = c
        .iam
        .list_saml_providers()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&e), "Throttling");
    // Other APIs have their own bucket.
    c.iam.list_roles().send().await.expect("other API");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_and_dropped_connections_are_retried() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    admin(
        &sb,
        "faults",
        serde_json::json!({"service":"iam","api":"ListRoles","kind":"error","status":503,"code":"ServiceUnavailable","count":1}),
    )
    .await;
    admin(
        &sb,
        "faults",
        serde_json::json!({"service":"sts","api":"GetCallerIdentity","kind":"drop","count":1}),
    )
    .await;
    admin(
        &sb,
        "faults",
        serde_json::json!({"service":"sts","api":"GetCallerIdentity","kind":"latency","millis":50,"count":1}),
    )
    .await;
    c.iam.list_roles().send().await.expect("retried after 503");
    c.sts
        .get_caller_identity()
        .send()
        .await
        .expect("retried after drop");
    // A fault that outlasts the retries surfaces with its code.
    admin(
        &sb,
        "faults",
        serde_json::json!({"service":"iam","api":"GetRole","kind":"error","status":500,"code":"ServiceFailure"}),
    )
    .await;
    let e = c
        .iam
        .get_role()
        .role_name("x")
        .send()
        .await
        .expect_err("500");
    assert_eq!(code(&e), "ServiceFailure");
    sb.shutdown().await;
}
