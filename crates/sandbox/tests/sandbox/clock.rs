//! The sandbox's one clock: moving it through the Entra admin endpoint moves Entra (Graph
//! tokens, the IdP's SAML assertions, error stamps) and AWS (sign-in's expiry check) together;
//! and the Graph stale-read switch, whose window is measured on that clock.

use connect_sso_saml::inspect;
use connect_sso_sandbox::Sandbox;
use connect_sso_sandbox::entra::{DEMO_PASSWORD, TOOL_APP_ID, TOOL_CLIENT_SECRET, USER_ALICE_UPN};
use reqwest::Method;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::entra::{
    AWS_ACS, Graph, browser_like_client, configure_aws_app, fetch_metadata, sign_in, start,
    token_for,
};
use crate::hostile::sigv4;

const TWO_HOURS: i64 = 2 * 3600;

fn parse_time(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("{s} is not RFC 3339: {e}"))
}

/// `t` is `want` give or take a minute (the test's own run time).
fn assert_near(t: OffsetDateTime, want: OffsetDateTime, what: &str) {
    assert!(
        (t - want).abs() < Duration::minutes(1),
        "{what}: {t} is not about {want}"
    );
}

/// `POST /entra/_sandbox/clock`; the time the sandbox answers with.
async fn advance_entra_clock(sb: &Sandbox, seconds: i64) -> OffsetDateTime {
    let resp = reqwest::Client::new()
        .post(format!("{}/_sandbox/clock", sb.urls().entra_login()))
        .json(&json!({"advance_seconds": seconds}))
        .send()
        .await
        .expect("clock admin call");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("clock answer");
    parse_time(body["now"].as_str().expect("now"))
}

/// A signed awsQuery IAM call; the body of a 200 answer.
async fn iam(sb: &Sandbox, params: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.append_pair("Version", "2010-05-08");
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let body = ser.finish();
    let host = sb
        .urls()
        .base()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut req = reqwest::Client::new()
        .post(format!("{}/aws/iam/", sb.urls().base()))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=utf-8",
        );
    for (k, v) in sigv4::sign(
        "POST",
        &host,
        "/aws/iam/",
        body.as_bytes(),
        "iam",
        OffsetDateTime::now_utc(),
    ) {
        req = req.header(k, v);
    }
    let resp = req.body(body).send().await.expect("IAM answers");
    let status = resp.status();
    let text = resp.text().await.expect("IAM body");
    assert_eq!(status, 200, "IAM {params:?}: {text}");
    text
}

/// Post a SAMLResponse (base64) to AWS sign-in: its status and body.
async fn aws_sign_in(sb: &Sandbox, saml_response: &str) -> (u16, String) {
    let resp = browser_like_client()
        .post(format!("{}/aws/signin/saml", sb.urls().base()))
        .form(&[("SAMLResponse", saml_response)])
        .send()
        .await
        .expect("AWS sign-in answers");
    (
        resp.status().as_u16(),
        resp.text().await.expect("sign-in body"),
    )
}

/// The `exp` claim of a Graph access token (not verified: the sandbox issued it).
fn token_exp(token: &str) -> OffsetDateTime {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    let claims: Value = serde_json::from_slice(&bytes).expect("JSON claims");
    OffsetDateTime::from_unix_timestamp(claims["exp"].as_i64().expect("exp")).expect("exp")
}

#[tokio::test]
async fn moving_the_clock_through_entra_moves_entra_and_aws_together() {
    let sb = start().await;
    let old_token = token_for(&sb, TOOL_APP_ID, TOOL_CLIENT_SECRET).await;
    let g = Graph::with_token(&sb, old_token.clone());
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    // IAM trusts the app's metadata; the role its Role claim names exists.
    let metadata = fetch_metadata(&sb, &app.app_id).await;
    iam(
        &sb,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "EntraID"),
            ("SAMLMetadataDocument", &metadata),
        ],
    )
    .await;
    let trust = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/EntraID"},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": AWS_ACS}}
        }]
    })
    .to_string();
    iam(
        &sb,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ConnectAgent"),
            ("AssumeRolePolicyDocument", &trust),
            ("MaxSessionDuration", "43200"),
        ],
    )
    .await;

    // Before: an assertion issued at wall time.
    let before = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted();
    let seen = inspect(&before.xml()).expect("response inspects");
    let wall = OffsetDateTime::now_utc();
    assert_near(
        parse_time(seen.issue_instant.as_deref().expect("IssueInstant")),
        wall,
        "IssueInstant before the advance",
    );
    assert_near(
        token_exp(&old_token),
        wall + Duration::hours(1),
        "token exp",
    );

    // Two hours on, through the Entra admin endpoint.
    let now = advance_entra_clock(&sb, TWO_HOURS).await;
    let later = OffsetDateTime::now_utc() + Duration::seconds(TWO_HOURS);
    assert_near(now, later, "the clock's answer");

    // (a) Entra: the token obtained before has expired, and Graph's error is stamped with
    // the moved clock; a new token expires an hour after the moved clock.
    let (status, body) = g.get("applications").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    let date = body["error"]["innerError"]["date"].as_str().expect("date");
    assert_near(parse_time(&format!("{date}Z")), later, "innerError.date");
    let new_token = token_for(&sb, TOOL_APP_ID, TOOL_CLIENT_SECRET).await;
    assert_near(
        token_exp(&new_token),
        later + Duration::hours(1),
        "new token exp",
    );
    let g = Graph::with_token(&sb, new_token);
    g.ok(Method::GET, "applications", None, 200).await;

    // The IdP issues assertions on the moved clock.
    let after = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted();
    let seen = inspect(&after.xml()).expect("response inspects");
    assert_near(
        parse_time(seen.issue_instant.as_deref().expect("IssueInstant")),
        later,
        "IssueInstant after the advance",
    );
    assert_near(
        parse_time(seen.not_on_or_after.as_deref().expect("NotOnOrAfter")),
        later + Duration::hours(1),
        "NotOnOrAfter after the advance",
    );

    // (b) AWS sees the same time: the assertion from before is refused as expired, the new
    // one is accepted.
    let (status, page) = aws_sign_in(&sb, &before.saml_response).await;
    assert_ne!(status, 302, "an expired assertion must not sign in: {page}");
    assert!(
        page.to_ascii_lowercase().contains("expired"),
        "refused as expired: {page}"
    );
    let (status, page) = aws_sign_in(&sb, &after.saml_response).await;
    assert_eq!(status, 302, "the fresh assertion signs in: {page}");
    sb.shutdown().await;
}

#[tokio::test]
async fn both_admin_endpoints_move_the_one_clock() {
    let sb = start().await;
    let entra_now = advance_entra_clock(&sb, 600).await;
    let resp = reqwest::Client::new()
        .post(format!("{}/aws/_admin/clock", sb.urls().base()))
        .json(&json!({"advance_seconds": 600}))
        .send()
        .await
        .expect("AWS clock admin call");
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("clock answer");
    let aws_now = parse_time(body["now"].as_str().expect("now"));
    assert_near(aws_now, entra_now + Duration::seconds(600), "AWS clock");
    assert_eq!(sb.state.clock.offset_seconds(), 1200);
    assert_near(sb.state.aws.now(), sb.state.clock.now(), "AwsState::now");
    sb.shutdown().await;
}

/// `PUT /entra/_sandbox/consistency`; the settings it answers with.
async fn set_consistency(sb: &Sandbox, body: Value) -> Value {
    let resp = reqwest::Client::new()
        .put(format!("{}/_sandbox/consistency", sb.urls().entra_login()))
        .json(&body)
        .send()
        .await
        .expect("consistency admin call");
    assert_eq!(resp.status(), 200);
    resp.json().await.expect("consistency answer")
}

/// Graph reads the app (by ID and in a list by name) and its service principal as `name`,
/// with `sso_mode` as the service principal's `preferredSingleSignOnMode`.
async fn assert_reads(g: &Graph, app_id: &str, sp_id: &str, name: &str, sso_mode: Value) {
    let app = g
        .ok(Method::GET, &format!("applications/{app_id}"), None, 200)
        .await;
    assert_eq!(app["displayName"], name);
    let listed = g
        .ok(
            Method::GET,
            &format!("applications?$filter=displayName eq '{name}'"),
            None,
            200,
        )
        .await;
    assert_eq!(listed["value"].as_array().map(Vec::len), Some(1));
    let sp = g
        .ok(
            Method::GET,
            &format!("servicePrincipals/{sp_id}"),
            None,
            200,
        )
        .await;
    assert_eq!(sp["displayName"], name);
    assert_eq!(sp["appDisplayName"], name);
    assert_eq!(sp["preferredSingleSignOnMode"], sso_mode);
}

#[tokio::test]
async fn stale_reads_return_the_old_version_until_the_window_passes() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    assert_eq!(
        set_consistency(&sb, json!({"staleReadMs": 60_000})).await,
        json!({"delayMs": 0, "staleReadMs": 60_000}),
        "a field left out keeps its setting"
    );
    let created = g
        .ok(
            Method::POST,
            "applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate",
            Some(json!({"displayName": "Old name"})),
            201,
        )
        .await;
    let app_id = created["application"]["id"].as_str().expect("app id");
    let sp_id = created["servicePrincipal"]["id"].as_str().expect("sp id");
    g.ok(
        Method::PATCH,
        &format!("applications/{app_id}"),
        Some(json!({"displayName": "New name"})),
        204,
    )
    .await;
    g.ok(
        Method::PATCH,
        &format!("servicePrincipals/{sp_id}"),
        Some(json!({"displayName": "New name", "preferredSingleSignOnMode": "saml"})),
        204,
    )
    .await;

    // Inside the window: the pre-PATCH representation, by ID and in lists.
    assert_reads(&g, app_id, sp_id, "Old name", Value::Null).await;

    // Past the window on the sandbox clock (no sleeping): the new representation.
    advance_entra_clock(&sb, 61).await;
    let g = Graph::tool(&sb).await;
    assert_reads(&g, app_id, sp_id, "New name", json!("saml")).await;

    // Switched off, a PATCH is read back at once.
    set_consistency(&sb, json!({"staleReadMs": 0})).await;
    g.ok(
        Method::PATCH,
        &format!("applications/{app_id}"),
        Some(json!({"displayName": "Newest"})),
        204,
    )
    .await;
    let app = g
        .ok(Method::GET, &format!("applications/{app_id}"), None, 200)
        .await;
    assert_eq!(app["displayName"], "Newest");
    sb.shutdown().await;
}
