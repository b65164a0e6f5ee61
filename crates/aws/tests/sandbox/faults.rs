//! Quotas and scripted faults, seen through the SDK's retries.

use crate::common::{self, code};

#[tokio::test(flavor = "multi_thread")]
async fn throttled_twice_then_the_sdk_retry_succeeds() {
    let w = common::world().await;
    let c = common::clients(&w.sandbox);
    w.add_aws_fault(
        serde_json::json!({"service":"iam","api":"ListRoles","kind":"throttle","count":2}),
    )
    .await;
    c.iam
        .list_roles()
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(
        w.aws_faults().await,
        serde_json::json!([]),
        "the scripted faults were used up"
    );
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exhausted_quota_returns_throttling_after_the_retries() {
    let w = common::world().await;
    let c = common::clients(&w.sandbox);
    w.set_aws_quota("iam", "ListSAMLProviders", 0.0, 1.0).await;
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
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_and_dropped_connections_are_retried() {
    let w = common::world().await;
    let c = common::clients(&w.sandbox);
    w.add_aws_fault(serde_json::json!({"service":"iam","api":"ListRoles","kind":"error","status":503,"code":"ServiceUnavailable","count":1})).await;
    w.add_aws_fault(
        serde_json::json!({"service":"sts","api":"GetCallerIdentity","kind":"drop","count":1}),
    )
    .await;
    w.add_aws_fault(serde_json::json!({"service":"sts","api":"GetCallerIdentity","kind":"latency","millis":50,"count":1})).await;
    c.iam.list_roles().send().await.expect("retried after 503");
    c.sts
        .get_caller_identity()
        .send()
        .await
        .expect("retried after drop");
    // A fault that outlasts the retries surfaces with its code.
    w.add_aws_fault(serde_json::json!({"service":"iam","api":"GetRole","kind":"error","status":500,"code":"ServiceFailure"})).await;
    let e = c
        .iam
        .get_role()
        .role_name("x")
        .send()
        .await
        .expect_err("500");
    assert_eq!(code(&e), "ServiceFailure");
    w.shutdown().await;
}
