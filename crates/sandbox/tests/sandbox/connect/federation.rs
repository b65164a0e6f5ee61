//! Console federation per Region (issue 11): the relay state
//! `https://<region>.console.aws.amazon.com/connect/federate/<id>` finds the instance only in the
//! Region of its host, as on AWS, where an instance belongs to one account and one Region.

use connect_sso_sandbox::entra::{DEMO_PASSWORD, USER_ALICE_UPN};
use connect_sso_sandbox::{Config, Sandbox};
use serde_json::json;
use time::OffsetDateTime;

use super::{Connect, start};
use crate::entra::{
    AWS_ACS, Graph, browser_like_client, configure_aws_app, fetch_metadata, sign_in,
};
use crate::hostile::sigv4;

/// A signed awsQuery IAM call that must succeed.
async fn iam(sb: &Sandbox, params: &[(&str, &str)]) {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.append_pair("Version", "2010-05-08");
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let body = ser.finish();
    let host = sb.urls().base().trim_start_matches("http://").to_string();
    let mut req = reqwest::Client::new()
        .post(format!("{}/aws/iam/", sb.urls().base()))
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
    let now = OffsetDateTime::now_utc();
    for (k, v) in sigv4::sign("POST", &host, "/aws/iam/", body.as_bytes(), "iam", now) {
        req = req.header(k, v);
    }
    let resp = req.body(body).send().await.expect("IAM answers");
    let status = resp.status();
    assert_eq!(
        status,
        200,
        "IAM {params:?}: {}",
        resp.text().await.unwrap_or_default()
    );
}

/// The IAM side of the demo app's role value (`ConnectAgent`, `EntraID`), allowed to federate.
async fn federation_role(sb: &Sandbox, metadata: &str) {
    iam(
        sb,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", "EntraID"),
            ("SAMLMetadataDocument", metadata),
        ],
    )
    .await;
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/EntraID"},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": AWS_ACS}},
    }]});
    iam(
        sb,
        &[
            ("Action", "CreateRole"),
            ("RoleName", "ConnectAgent"),
            ("AssumeRolePolicyDocument", &trust.to_string()),
        ],
    )
    .await;
    let allow = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*",
    }]});
    iam(
        sb,
        &[
            ("Action", "PutRolePolicy"),
            ("RoleName", "ConnectAgent"),
            ("PolicyName", "federate"),
            ("PolicyDocument", &allow.to_string()),
        ],
    )
    .await;
}

#[tokio::test]
async fn console_federation_finds_the_instance_only_in_the_region_of_its_url() {
    let sb = start(Config::default()).await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    federation_role(&sb, &fetch_metadata(&sb, &app.app_id).await).await;
    let london = Connect::in_region(&sb, "eu-west-2");
    let (instance, arn) = london.saml_instance("london").await;
    assert!(arn.starts_with("arn:aws:connect:eu-west-2:"), "{arn}");
    london
        .create_user(&instance, USER_ALICE_UPN, json!({}))
        .await
        .ok();

    let browser = browser_like_client();
    let posted = sign_in(&sb, &browser, &app.app_id, USER_ALICE_UPN, DEMO_PASSWORD)
        .await
        .posted();
    let relay = |region: &str| {
        format!("https://{region}.console.aws.amazon.com/connect/federate/{instance}")
    };
    let r = browser
        .post(sb.urls().signin())
        .form(&[
            ("SAMLResponse", posted.saml_response.as_str()),
            ("RelayState", &relay("eu-west-2")),
        ])
        .send()
        .await
        .expect("AWS sign-in");
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(location, sb.urls().to_local(&relay("eu-west-2")));
    assert!(
        location.contains("/aws/console/eu-west-2/connect/federate/"),
        "{location}"
    );

    let federated = browser.get(&location).send().await.expect("federate");
    assert_eq!(federated.status(), 302, "eu-west-2 has the instance");
    let agent_page = federated.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let page = browser.get(&agent_page).send().await.expect("agent page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains(USER_ALICE_UPN));

    let elsewhere = [
        sb.urls().to_local(&relay("us-east-1")),
        format!(
            "{}/aws/console/connect/federate/{instance}",
            sb.urls().base()
        ),
    ];
    for url in elsewhere {
        let r = browser.get(&url).send().await.expect("federate");
        assert_eq!(r.status(), 404, "{url}");
        assert!(
            r.text()
                .await
                .expect("html")
                .contains("ResourceNotFoundException"),
            "{url}"
        );
    }
    sb.shutdown().await;
}
