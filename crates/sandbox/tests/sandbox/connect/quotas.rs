//! The users-per-instance quota, the `/aws/_admin/connect` settings, throttled answers and
//! the request ID every AWS answer carries.

use connect_sso_sandbox::Config;
use serde_json::{Value, json};

use super::{Connect, admin, admin_call, s, start};

#[tokio::test]
async fn the_user_quota_is_500_by_default_and_raised_through_the_admin_api() {
    let sb = start(Config::default()).await;
    let quotas = admin(&sb, "GET", "connect/quotas", Value::Null).await;
    // docs/facts.md §2, Quotas: 500 users per instance by default (adjustable).
    assert_eq!(quotas["users_per_instance"], 500);
    let lowered = admin(
        &sb,
        "POST",
        "connect/quotas",
        json!({"users_per_instance": 2}),
    )
    .await;
    assert_eq!(lowered["users_per_instance"], 2);
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("quota").await;
    for name in ["one", "two"] {
        c.create_user(&i, name, json!({})).await.ok();
    }
    let over = c.create_user(&i, "three", json!({})).await;
    assert_eq!(
        over.err(429),
        "LimitExceededException",
        "the model's status for it"
    );
    let raised = admin(
        &sb,
        "POST",
        "connect/quotas",
        json!({"users_per_instance": 20000}),
    )
    .await;
    assert_eq!(raised["users_per_instance"], 20000);
    assert_eq!(
        admin(&sb, "GET", "connect/quotas", Value::Null).await,
        raised
    );
    c.create_user(&i, "three", json!({})).await.ok();
    let typo = admin_call(&sb, "POST", "connect/quotas", json!({"users": 1})).await;
    assert!(typo.status >= 400, "an unknown member is refused");
    sb.shutdown().await;
}

#[tokio::test]
async fn the_user_quota_can_be_set_when_the_sandbox_starts() {
    let sb = start(Config {
        connect_user_limit: Some(1),
        ..Config::default()
    })
    .await;
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("started-with-quota").await;
    c.create_user(&i, "one", json!({})).await.ok();
    assert_eq!(
        c.create_user(&i, "two", json!({})).await.err(429),
        "LimitExceededException"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn settings_choose_the_saml_email_policy_and_the_creation_delay() {
    let sb = start(Config::default()).await;
    let settings = admin(&sb, "GET", "connect/settings", Value::Null).await;
    assert_eq!(
        settings,
        json!({"throttle_error": "ThrottlingException", "saml_email": "reject", "instance_creation_delay_ms": 0})
    );
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("email").await;
    let email = json!({"IdentityInfo": {"FirstName": "Jane", "LastName": "Doe", "Email": "jane@example.com"}});
    let refused = c.create_user(&i, "jane", email.clone()).await;
    assert_eq!(
        refused.body["Message"],
        "Email is not required for this directory type"
    );
    assert_eq!(refused.err(400), "InvalidRequestException");
    admin(
        &sb,
        "POST",
        "connect/settings",
        json!({"saml_email": "accept"}),
    )
    .await;
    c.create_user(&i, "jane", email).await.ok();

    let slow = admin(
        &sb,
        "POST",
        "connect/settings",
        json!({"instance_creation_delay_ms": 3_600_000}),
    )
    .await;
    assert_eq!(slow["instance_creation_delay_ms"], 3_600_000);
    let (pending, _) = c.saml_instance("pending").await;
    let described = c
        .call("GET", &format!("/instance/{pending}"), &[], Value::Null)
        .await
        .ok();
    assert_eq!(
        described["Instance"]["InstanceStatus"],
        "CREATION_IN_PROGRESS"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn throttled_answers_are_429_with_the_chosen_code() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("throttle").await;
    let limit = json!({"service": "connect", "api": "ListUsers", "rate": 0, "burst": 1});
    admin(&sb, "POST", "quotas", limit).await;
    admin(&sb, "POST", "quotas/scale", json!({"factor": 1})).await;
    let users = format!("/users-summary/{i}");
    let list = || c.call("GET", &users, &[], Value::Null);
    list().await.ok();
    let throttled = list().await;
    assert!(throttled.request_id.is_some());
    assert_eq!(
        throttled.err(429),
        "ThrottlingException",
        "as the model declares"
    );
    let set = admin(
        &sb,
        "POST",
        "connect/settings",
        json!({"throttle_error": "TooManyRequestsException"}),
    )
    .await;
    assert_eq!(set["throttle_error"], "TooManyRequestsException");
    assert_eq!(list().await.err(429), "TooManyRequestsException");
    let fault =
        json!({"service": "connect", "api": "DescribeInstance", "kind": "throttle", "count": 1});
    admin(&sb, "POST", "faults", fault).await;
    let described = c
        .call("GET", &format!("/instance/{i}"), &[], Value::Null)
        .await;
    assert_eq!(
        described.err(429),
        "TooManyRequestsException",
        "scripted throttles too"
    );
    let bad = admin_call(
        &sb,
        "POST",
        "connect/settings",
        json!({"throttle_error": "SlowDown"}),
    )
    .await;
    assert!(bad.status >= 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn every_aws_answer_carries_a_request_id() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("request-ids").await;
    let answers = [
        c.call("GET", &format!("/instance/{i}"), &[], Value::Null)
            .await,
        c.call(
            "GET",
            "/instance/00000000-0000-0000-0000-000000000000",
            &[],
            Value::Null,
        )
        .await,
        c.call("GET", "/no-such-operation", &[], Value::Null).await,
        c.call(
            "POST",
            "/search-users",
            &[],
            json!({"InstanceId": i, "MaxResults": 0}),
        )
        .await,
    ];
    for a in &answers {
        assert!(a.request_id.is_some(), "{a:?}");
        if a.status != 200 {
            assert!(
                a.body["Message"].is_string(),
                "the modeled Message member: {a:?}"
            );
            assert!(a.body.get("message").is_none(), "{a:?}");
        }
    }
    let http = reqwest::Client::new();
    let base = sb.urls().base();
    for path in [
        "aws/console/home",
        "aws/iam/",
        "aws/sso-admin",
        "aws/nope",
        "aws/_admin/connect/quotas",
    ] {
        let r = http
            .get(format!("{base}/{path}"))
            .send()
            .await
            .expect("answer");
        let id = r
            .headers()
            .get("x-amzn-requestid")
            .map(|v| s(&json!(v.to_str().unwrap_or_default())));
        assert!(
            id.is_some_and(|id| !id.is_empty()),
            "{path}: {}",
            r.status()
        );
    }
    sb.shutdown().await;
}
