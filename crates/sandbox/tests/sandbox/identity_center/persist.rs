//! Identity Center's state in the sandbox's state file: the identity source, the applications
//! (with their keys), the assignments, the identity store and the SCIM tokens survive a
//! restart; the access portal's sessions do not need to.

use std::path::Path;

use connect_sso_saml::IdpMetadata;
use connect_sso_sandbox::aws::identity_center as ic;
use connect_sso_sandbox::{Config, Sandbox};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Account, send, sso};
use crate::connect::admin;
use crate::entra::{AWS_ACS, Graph, configure_aws_app, fetch_metadata};
use crate::identity_store::{Scim, enable_provisioning};

/// What the first sandbox made, to find again after the restart.
struct Made {
    /// The identity source's signing certificate thumbprints.
    idp_thumbprints: Value,
    /// The application's ARN.
    app_arn: String,
    /// The application's signing certificate thumbprint (from its metadata).
    app_thumbprint: String,
    /// The SCIM token.
    token: String,
    /// The provisioned user's and group's IDs.
    user_id: String,
    group_id: String,
}

/// The application's metadata (from its metadata URL): its signing certificate's thumbprint.
async fn app_thumbprint(sb: &Sandbox, metadata_url: &str) -> String {
    let resp = reqwest::get(sb.urls().to_local(metadata_url))
        .await
        .expect("metadata");
    assert_eq!(resp.status(), 200);
    let md = IdpMetadata::parse(&resp.text().await.expect("xml")).expect("metadata parses");
    md.signing_certificates[0].thumbprint_sha1()
}

/// Identity source from an Entra app's federation metadata: its certificate thumbprints.
async fn set_identity_source(sb: &Sandbox) -> Value {
    let g = Graph::tool(sb).await;
    let entra = configure_aws_app(&g, "AWS IAM Identity Center", ic::SP_ENTITY_ID).await;
    let md = fetch_metadata(sb, &entra.app_id).await;
    let path = "identity-center/identity-source";
    admin(sb, "PUT", path, json!({"idp_metadata": md})).await;
    admin(sb, "GET", "identity-center", Value::Null).await["identity_source"]
        ["certificate_thumbprints"]
        .clone()
}

/// A user and a group holding it, through SCIM: (user ID, group ID).
async fn provision(scim: &Scim) -> (String, String) {
    let user = json!({
        "userName": "ada@contoso.com", "externalId": "obj-ada",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada Lovelace",
        "emails": [{"type": "work", "primary": true, "value": "ada@contoso.com"}], "active": true,
    });
    let u = scim.ok(Method::POST, "/Users", Some(user), 201).await;
    let user_id = u["id"].as_str().expect("user id").to_string();
    let group = json!({"displayName": "Agents", "externalId": "grp-agents",
        "members": [{"value": user_id}]});
    let g = scim.ok(Method::POST, "/Groups", Some(group), 201).await;
    (user_id, g["id"].as_str().expect("group id").to_string())
}

/// Identity Center's part of the state file as written so far.
fn saved(file: &Path) -> Value {
    let text = std::fs::read_to_string(file).expect("state file");
    let doc: Value = serde_json::from_str(&text).expect("state JSON");
    doc["aws"]["identity_center"].clone()
}

/// Everything through the console steps, SCIM and sso-admin; each step is written at once.
async fn make(sb: &Sandbox, file: &Path) -> Made {
    let idp_thumbprints = set_identity_source(sb).await;
    assert!(saved(file)["identity_source"]["metadata_xml"].is_string());
    let created = admin(
        sb,
        "POST",
        "identity-center/applications",
        json!({"name": "Amazon Connect", "acs_url": AWS_ACS,
            "audience": "urn:amazon:webservices", "attribute_mappings": super::mappings(None)}),
    )
    .await;
    let app_arn = created["application_arn"]
        .as_str()
        .expect("arn")
        .to_string();
    let url = created["metadata_url"].as_str().expect("url");
    let app_thumbprint = app_thumbprint(sb, url).await;
    assert_eq!(saved(file)["applications"][0]["arn"], app_arn.as_str());
    let (_, token) = enable_provisioning(sb).await;
    let (user_id, group_id) = provision(&Scim::with_token(sb, &token)).await;
    assert_eq!(
        saved(file)["store"]["groups"][0]["members"][0],
        user_id.as_str()
    );
    let assignment =
        json!({"ApplicationArn": app_arn, "PrincipalId": group_id, "PrincipalType": "GROUP"});
    sso(
        sb,
        Account::Management,
        "CreateApplicationAssignment",
        assignment,
    )
    .await
    .ok();
    assert_eq!(
        saved(file)["assignments"][0]["principal_id"],
        group_id.as_str()
    );
    Made {
        idp_thumbprints,
        app_arn,
        app_thumbprint,
        token,
        user_id,
        group_id,
    }
}

/// An `identitystore` call with the management account's keys.
async fn identitystore(sb: &Sandbox, op: &str, input: Value) -> Value {
    let target = format!("AWSIdentityStore.{op}");
    let headers = [
        ("x-amz-target", target.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    let path = ("POST", "/aws/identitystore");
    let body = input.to_string().into_bytes();
    send(
        sb,
        Account::Management,
        path,
        "identitystore",
        &headers,
        body,
    )
    .await
    .ok()
}

/// The console's view after the restart: identity source, application, assignment.
async fn check_console(sb: &Sandbox, made: &Made) {
    let state = admin(sb, "GET", "identity-center", Value::Null).await;
    let source = &state["identity_source"];
    assert_eq!(source["entity_id"], super::entra_issuer());
    assert_eq!(source["certificate_thumbprints"], made.idp_thumbprints);
    let app = &state["applications"][0];
    assert_eq!(app["application_arn"], made.app_arn.as_str());
    assert_eq!(app["name"], "Amazon Connect");
    assert_eq!(app["attribute_mappings"], super::mappings(None));
    assert_eq!(app["certificate_thumbprint"], made.app_thumbprint.as_str());
    let url = app["metadata_url"].as_str().expect("url");
    assert_eq!(app_thumbprint(sb, url).await, made.app_thumbprint);
    let assignments = json!([{"application_arn": made.app_arn,
        "principal_id": made.group_id, "principal_type": "GROUP"}]);
    assert_eq!(state["assignments"], assignments);
}

/// The identity store, SCIM and sso-admin after the restart.
async fn check_store(sb: &Sandbox, made: &Made) {
    let scim = Scim::with_token(sb, &made.token);
    let u = scim
        .ok(Method::GET, &format!("/Users/{}", made.user_id), None, 200)
        .await;
    assert_eq!(u["userName"], "ada@contoso.com");
    let store = ic::IDENTITY_STORE_ID;
    let member = json!({"IdentityStoreId": store, "MemberId": {"UserId": made.user_id}});
    let m = identitystore(sb, "ListGroupMembershipsForMember", member).await;
    assert_eq!(m["GroupMemberships"][0]["GroupId"], made.group_id.as_str());
    let g = json!({"IdentityStoreId": store, "GroupId": made.group_id});
    let g = identitystore(sb, "DescribeGroup", g).await;
    assert_eq!(g["DisplayName"], "Agents");
    let key = json!({"ApplicationArn": made.app_arn, "PrincipalId": made.group_id,
        "PrincipalType": "GROUP"});
    sso(
        sb,
        Account::Management,
        "DescribeApplicationAssignment",
        key,
    )
    .await
    .ok();
}

#[tokio::test]
async fn identity_center_survives_a_restart_on_the_same_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        state_file: Some(dir.path().join("state.json")),
        ..Config::default()
    };
    let file = dir.path().join("state.json");
    let sb = crate::connect::start(config.clone()).await;
    let made = make(&sb, &file).await;
    sb.shutdown().await;
    let text = std::fs::read_to_string(&file).expect("state file");
    assert!(
        !text.contains(&made.token),
        "the SCIM token itself is never written"
    );

    let sb = crate::connect::start(config).await;
    check_console(&sb, &made).await;
    check_store(&sb, &made).await;
    sb.shutdown().await;
}
