//! The `identitystore` API over what SCIM provisioned, signed with the management account's
//! key (the Connect account's key is refused).

use aws_lc_rs::{digest, hmac};
use connect_sso_sandbox::{
    MANAGEMENT_ACCESS_KEY_ID, MANAGEMENT_SECRET_ACCESS_KEY, Sandbox, TEST_ACCESS_KEY_ID,
    TEST_REGION, TEST_SECRET_ACCESS_KEY,
};
use reqwest::Method;
use serde_json::{Value, json};
use time::macros::format_description;

use super::Scim;
use crate::entra::start;

const STORE: &str = connect_sso_sandbox::aws::identity_center::IDENTITY_STORE_ID;

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// SigV4 headers for `POST /aws/identitystore` (written from the SigV4 documentation).
fn sign(host: &str, body: &[u8], key: (&str, &str)) -> Vec<(&'static str, String)> {
    let amz_date = time::OffsetDateTime::now_utc()
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("date");
    let date = &amz_date[..8];
    let hash = hex::encode(digest::digest(&digest::SHA256, body).as_ref());
    let canonical = format!(
        "POST\n/aws/identitystore\n\nhost:{host}\nx-amz-date:{amz_date}\n\nhost;x-amz-date\n{hash}"
    );
    let scope = format!("{date}/{TEST_REGION}/identitystore/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
    );
    let mut k = hmac_sha256(format!("AWS4{}", key.1).as_bytes(), date.as_bytes());
    for part in [TEST_REGION, "identitystore", "aws4_request"] {
        k = hmac_sha256(&k, part.as_bytes());
    }
    let signature = hex::encode(hmac_sha256(&k, to_sign.as_bytes()));
    vec![
        ("x-amz-date", amz_date.clone()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}",
                key.0
            ),
        ),
    ]
}

async fn call_as(sb: &Sandbox, key: (&str, &str), op: &str, input: Value) -> (u16, Value) {
    let url = format!("{}/aws/identitystore", sb.urls().base());
    let host = url::Url::parse(&url).expect("url");
    let host = format!(
        "{}:{}",
        host.host_str().expect("host"),
        host.port().expect("port")
    );
    let body = input.to_string().into_bytes();
    let mut req = reqwest::Client::new()
        .post(&url)
        .header("x-amz-target", format!("AWSIdentityStore.{op}"))
        .header("content-type", "application/x-amz-json-1.1");
    for (k, v) in sign(&host, &body, key) {
        req = req.header(k, v);
    }
    let resp = req.body(body).send().await.expect("identitystore request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn call(sb: &Sandbox, op: &str, input: Value) -> (u16, Value) {
    call_as(
        sb,
        (MANAGEMENT_ACCESS_KEY_ID, MANAGEMENT_SECRET_ACCESS_KEY),
        op,
        input,
    )
    .await
}

#[tokio::test]
async fn lookups_lists_and_memberships_of_the_management_accounts_store() {
    let sb = start().await;
    let scim = Scim::new(&sb).await;
    let user = |n: &str| {
        json!({"userName": n, "displayName": n, "externalId": format!("ext-{n}"),
        "name": {"givenName": "G", "familyName": "F"}, "emails": [{"value": n}]})
    };
    let a = scim
        .ok(Method::POST, "/Users", Some(user("a@contoso.com")), 201)
        .await;
    let b = scim
        .ok(Method::POST, "/Users", Some(user("b@contoso.com")), 201)
        .await;
    let (a, b) = (a["id"].as_str().expect("a"), b["id"].as_str().expect("b"));
    for name in ["Agents", "Supervisors"] {
        scim.ok(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": name,
            "members": [{"value": b}]})),
            201,
        )
        .await;
    }

    let (s, v) = call(&sb, "GetUserId", json!({"IdentityStoreId": STORE,
        "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "userName", "AttributeValue": "A@contoso.com"}}})).await;
    assert_eq!((s, v["UserId"].as_str()), (200, Some(a)), "{v}");
    let (s, v) = call(
        &sb,
        "GetUserId",
        json!({"IdentityStoreId": STORE,
        "AlternateIdentifier": {"ExternalId": {"Issuer": "scim", "Id": "ext-b@contoso.com"}}}),
    )
    .await;
    assert_eq!((s, v["UserId"].as_str()), (200, Some(b)), "{v}");
    let (s, v) = call(&sb, "GetGroupId", json!({"IdentityStoreId": STORE,
        "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Agents"}}})).await;
    assert_eq!(s, 200, "{v}");
    let agents = v["GroupId"].as_str().expect("group").to_string();
    let (s, v) = call(&sb, "GetGroupId", json!({"IdentityStoreId": STORE,
        "AlternateIdentifier": {"UniqueAttribute": {"AttributePath": "displayName", "AttributeValue": "Nobody"}}})).await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (400, Some("ResourceNotFoundException")),
        "{v}"
    );

    let (s, v) = call(
        &sb,
        "ListGroupMembershipsForMember",
        json!({"IdentityStoreId": STORE, "MemberId": {"UserId": b}}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["GroupMemberships"].as_array().map(Vec::len), Some(2));
    let (_, v) = call(
        &sb,
        "ListGroupMembershipsForMember",
        json!({"IdentityStoreId": STORE, "MemberId": {"UserId": a}}),
    )
    .await;
    assert_eq!(v["GroupMemberships"], json!([]));
    let (_, v) = call(
        &sb,
        "ListGroupMemberships",
        json!({"IdentityStoreId": STORE, "GroupId": agents}),
    )
    .await;
    assert_eq!(v["GroupMemberships"][0]["MemberId"]["UserId"], b);

    let (s, v) = call(
        &sb,
        "DescribeUser",
        json!({"IdentityStoreId": STORE, "UserId": a}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["UserName"], "a@contoso.com");
    assert_eq!(v["Emails"][0]["Value"], "a@contoso.com");
    let (_, v) = call(
        &sb,
        "DescribeGroup",
        json!({"IdentityStoreId": STORE, "GroupId": agents}),
    )
    .await;
    assert_eq!(v["DisplayName"], "Agents");

    // Paging and the deprecated filters.
    let (_, p1) = call(
        &sb,
        "ListUsers",
        json!({"IdentityStoreId": STORE, "MaxResults": 1}),
    )
    .await;
    assert_eq!(p1["Users"].as_array().map(Vec::len), Some(1));
    let token = p1["NextToken"].as_str().expect("next token");
    let (_, p2) = call(
        &sb,
        "ListUsers",
        json!({"IdentityStoreId": STORE, "MaxResults": 1, "NextToken": token}),
    )
    .await;
    assert_eq!(p2["Users"].as_array().map(Vec::len), Some(1));
    assert!(p2.get("NextToken").is_none(), "{p2}");
    let (_, f) = call(
        &sb,
        "ListUsers",
        json!({"IdentityStoreId": STORE,
        "Filters": [{"AttributePath": "UserName", "AttributeValue": "b@contoso.com"}]}),
    )
    .await;
    assert_eq!(f["Users"][0]["UserId"], b);
    let (_, f) = call(
        &sb,
        "ListGroups",
        json!({"IdentityStoreId": STORE,
        "Filters": [{"AttributePath": "DisplayName", "AttributeValue": "Supervisors"}]}),
    )
    .await;
    assert_eq!(f["Groups"].as_array().map(Vec::len), Some(1));

    // Another store; the Connect account's key; model validation.
    let (s, v) = call(&sb, "ListUsers", json!({"IdentityStoreId": "d-1234567890"})).await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (400, Some("ResourceNotFoundException")),
        "{v}"
    );
    let (s, v) = call_as(
        &sb,
        (TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY),
        "ListUsers",
        json!({"IdentityStoreId": STORE}),
    )
    .await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (403, Some("AccessDeniedException")),
        "{v}"
    );
    let (s, v) = call(
        &sb,
        "ListUsers",
        json!({"IdentityStoreId": STORE, "MaxResults": 1000}),
    )
    .await;
    assert_eq!(
        (s, v["__type"].as_str()),
        (400, Some("ValidationException")),
        "{v}"
    );
}
