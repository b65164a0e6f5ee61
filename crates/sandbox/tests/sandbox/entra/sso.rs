//! Sign-in: a user gets a signed Response that verifies against the published metadata
//! (our verifier and xmlsec1), and Entra's sign-in errors.

use std::path::PathBuf;
use std::process::Command;

use connect_sso_saml::{IdpMetadata, VerifyOptions, verify_response};
use connect_sso_sandbox::entra::{
    DEFAULT_TENANT_ID, DEMO_PASSWORD, USER_ALICE_UPN, USER_BOB_UPN, USER_CAROL_UPN,
};
use connect_sso_sandbox::{Config, Sandbox};
use reqwest::Method;
use serde_json::json;
use time::OffsetDateTime;

use super::*;

fn verify_options(md: &IdpMetadata) -> VerifyOptions {
    let mut o = VerifyOptions::new(md.signing_certificates.clone(), OffsetDateTime::now_utc());
    o.expected_issuer = Some(md.entity_id.clone());
    o.audience = Some(AWS_ACS.into());
    o.recipient = Some(AWS_ACS.into());
    o
}

#[tokio::test]
async fn app_configured_through_graph_signs_in_a_group_member_with_a_verifiable_response() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    // A second app in the tenant uses `#2`; Entra strips it from the audience (docs/facts.md §4).
    let app = configure_aws_app(
        &g,
        "Amazon Connect (prod)",
        "https://signin.aws.amazon.com/saml#2",
    )
    .await;

    let md_xml = fetch_metadata(&sb, &app.app_id).await;
    let md = IdpMetadata::parse(&md_xml).expect("published metadata parses");
    assert_eq!(
        md.entity_id,
        format!("https://sts.windows.net/{DEFAULT_TENANT_ID}/")
    );
    assert_eq!(md.signing_certificates.len(), 1);
    assert_eq!(md.signing_certificates[0].thumbprint_sha1(), app.thumbprint);

    let client = browser_like_client();
    let posted = sign_in(&sb, &client, &app.app_id, USER_ALICE_UPN, DEMO_PASSWORD)
        .await
        .posted();
    // The browser is sent to the sandbox's AWS sign-in; the message keeps the real ACS.
    assert_eq!(posted.action, sb.urls().to_local(AWS_ACS));
    assert_eq!(
        posted.action,
        format!("{}/aws/signin/saml", sb.urls().base())
    );
    assert_eq!(posted.relay_state.as_deref(), Some(RELAY_STATE));

    let xml = posted.xml();
    if std::env::var_os("SHOW_XML").is_some() {
        eprintln!("{md_xml}\n\n{}", String::from_utf8_lossy(&xml));
    }
    let v = verify_response(&xml, &verify_options(&md))
        .expect("response verifies against published metadata");
    assert_eq!(v.subject, USER_ALICE_UPN);
    assert_eq!(
        v.name_id_format.as_deref(),
        Some(connect_sso_saml::ns::NAMEID_EMAIL)
    );
    assert_eq!(
        v.audiences,
        vec![AWS_ACS.to_string()],
        "#2 is not in the audience"
    );
    assert_eq!(v.destination.as_deref(), Some(AWS_ACS));
    assert_eq!(
        v.attribute(ROLE_ATTR),
        Some(&[AGENT_ROLE_VALUE.to_string()][..])
    );
    assert_eq!(
        v.attribute(SESSION_ATTR),
        Some(&[USER_ALICE_UPN.to_string()][..])
    );
    assert_eq!(v.attribute(DURATION_ATTR), Some(&["43200".to_string()][..]));
    assert_eq!(
        v.attribute("http://schemas.microsoft.com/identity/claims/tenantid"),
        Some(&[DEFAULT_TENANT_ID.to_string()][..])
    );
    assert!(
        v.attribute("http://schemas.microsoft.com/identity/claims/objectidentifier")
            .is_some()
    );
    assert!(
        v.attribute("http://schemas.microsoft.com/claims/authnmethodsreferences")
            .is_some()
    );
    assert_eq!(v.signing_certificate_thumbprint, app.thumbprint);
    assert!(!v.sha1_used, "SHA-256 by default");

    // Same response, independent verifier: xmlsec1 with the metadata certificate pinned.
    xmlsec1_verifies(
        &xml,
        &md,
        "app_configured_through_graph_signs_in_a_group_member_with_a_verifiable_response",
    );

    // The browser session is reused: the next launch answers the Response at once.
    let again = sign_in(&sb, &client, &app.app_id, "ignored", "ignored")
        .await
        .posted();
    let v2 = verify_response(&again.xml(), &verify_options(&md)).expect("second response verifies");
    assert_eq!(v2.subject, USER_ALICE_UPN);
    sb.shutdown().await;
}

fn xmlsec1_verifies(xml: &[u8], md: &IdpMetadata, test: &str) {
    let Some(xmlsec1) = find_tool("xmlsec1") else {
        peer_missing(test, "xmlsec1");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("idp.pem");
    std::fs::write(&cert, md.signing_certificates[0].to_pem()).expect("write cert");
    let doc = dir.path().join("response.xml");
    std::fs::write(&doc, xml).expect("write response");
    let out = Command::new(xmlsec1)
        .args(["--verify", "--pubkey-cert-pem"])
        .arg(&cert)
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
            "--node-xpath",
            "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']",
        ])
        .arg(&doc)
        .output()
        .expect("run xmlsec1");
    assert!(
        out.status.success(),
        "xmlsec1 refused the sandbox's response: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(xml)
    );
}

/// An executable on PATH.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

#[tokio::test]
async fn unassigned_user_gets_aadsts50105_and_bad_password_aadsts50126() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;

    let (status, html) = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_CAROL_UPN,
        DEMO_PASSWORD,
    )
    .await
    .page();
    assert_eq!(status, 400);
    assert!(html.contains("AADSTS50105"), "{html}");
    assert!(html.contains(USER_CAROL_UPN));

    let (status, html) = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_ALICE_UPN,
        "wrong password",
    )
    .await
    .page();
    assert_eq!(status, 200, "the sign-in page is shown again");
    assert!(html.contains("AADSTS50126"), "{html}");
    assert!(html.contains("name=\"passwd\""));

    let (_, html) = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        "nobody@contoso.com",
        DEMO_PASSWORD,
    )
    .await
    .page();
    assert!(html.contains("AADSTS50034"), "{html}");

    // Bob is in "Connect Supervisors", which has no assignment.
    let (_, html) = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_BOB_UPN,
        DEMO_PASSWORD,
    )
    .await
    .page();
    assert!(html.contains("AADSTS50105"));

    // Without "assignment required", Bob signs in, with no Role claim (AWS would then refuse:
    // docs/facts.md §6.1).
    g.ok(
        Method::PATCH,
        &format!("servicePrincipals/{}", app.sp_id),
        Some(json!({"appRoleAssignmentRequired": false})),
        204,
    )
    .await;
    let posted = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_BOB_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted();
    let md = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");
    let v = verify_response(&posted.xml(), &verify_options(&md)).expect("verifies");
    assert_eq!(v.attribute(ROLE_ATTR), None);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_app_gets_aadsts700016() {
    let sb = start().await;
    let (status, html) = sign_in(
        &sb,
        &browser_like_client(),
        "9f9f9f9f-0000-4000-8000-000000000000",
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .page();
    assert_eq!(status, 400);
    assert!(html.contains("AADSTS700016"), "{html}");

    // SP-initiated with an issuer no app has.
    let req = authn_request("_req-unknown", "urn:example:nobody", None);
    let url = format!(
        "{}/{DEFAULT_TENANT_ID}/saml2?SAMLRequest={}",
        sb.urls().entra_login(),
        urlencode(&connect_sso_saml::binding::encode_redirect(req.as_bytes()))
    );
    let html = reqwest::get(url)
        .await
        .expect("saml2")
        .text()
        .await
        .expect("body");
    assert!(html.contains("AADSTS700016"), "{html}");
    sb.shutdown().await;
}

fn authn_request(id: &str, issuer: &str, acs: Option<&str>) -> String {
    let acs = acs.map_or(String::new(), |a| {
        format!(" AssertionConsumerServiceURL=\"{a}\"")
    });
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"{acs}><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>"
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn sp_initiated_request_gets_a_response_in_response_to_it() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let req = authn_request("_req-42", AWS_ACS, Some(AWS_ACS));
    let url = format!(
        "{}/{DEFAULT_TENANT_ID}/saml2?SAMLRequest={}&RelayState={}",
        sb.urls().entra_login(),
        urlencode(&connect_sso_saml::binding::encode_redirect(req.as_bytes())),
        urlencode("state-from-sp")
    );
    let posted = sign_in_at(
        &browser_like_client(),
        sb.urls().base(),
        &url,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted();
    assert_eq!(posted.relay_state.as_deref(), Some("state-from-sp"));
    let xml = String::from_utf8(posted.xml()).expect("utf-8");
    assert!(xml.contains("InResponseTo=\"_req-42\""), "{xml}");
    let md = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");
    verify_response(xml.as_bytes(), &verify_options(&md)).expect("verifies");

    // An ACS that is not a reply URL of the app: AADSTS50011.
    let req = authn_request("_req-43", AWS_ACS, Some("https://evil.example/acs"));
    let url = format!(
        "{}/{DEFAULT_TENANT_ID}/saml2?SAMLRequest={}",
        sb.urls().entra_login(),
        urlencode(&connect_sso_saml::binding::encode_redirect(req.as_bytes()))
    );
    let html = reqwest::get(url)
        .await
        .expect("saml2")
        .text()
        .await
        .expect("body");
    assert!(html.contains("AADSTS50011"), "{html}");

    // Garbage in SAMLRequest is an error page, not a crash.
    let url = format!(
        "{}/{DEFAULT_TENANT_ID}/saml2?SAMLRequest=%%%not-base64",
        sb.urls().entra_login()
    );
    let resp = reqwest::get(url).await.expect("saml2");
    assert_eq!(resp.status(), 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn rollover_publishes_the_next_certificate_and_switching_changes_the_signer() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let next = g
        .ok(
            Method::POST,
            &format!("servicePrincipals/{}/addTokenSigningCertificate", app.sp_id),
            Some(json!({"displayName": "CN=connect-sso next", "endDateTime": "2031-01-01T00:00:00Z"})),
            200,
        )
        .await;
    let next_thumb = next["thumbprint"].as_str().expect("thumbprint").to_string();

    let xml1 = fetch_metadata(&sb, &app.app_id).await;
    let xml2 = fetch_metadata(&sb, &app.app_id).await;
    assert_ne!(
        xml1, xml2,
        "a new ID and signature on every fetch (docs/facts.md §4 step 7)"
    );
    let md = IdpMetadata::parse(&xml1).expect("metadata");
    let thumbs: Vec<String> = md
        .signing_certificates
        .iter()
        .map(|c| c.thumbprint_sha1())
        .collect();
    assert_eq!(
        thumbs,
        vec![app.thumbprint.clone(), next_thumb.clone()],
        "active first, then the next"
    );

    let client = browser_like_client();
    let v = verify_response(
        &sign_in(&sb, &client, &app.app_id, USER_ALICE_UPN, DEMO_PASSWORD)
            .await
            .posted()
            .xml(),
        &verify_options(&md),
    )
    .expect("verifies");
    assert_eq!(v.signing_certificate_thumbprint, app.thumbprint);

    g.ok(
        Method::PATCH,
        &format!("servicePrincipals/{}", app.sp_id),
        Some(json!({"preferredTokenSigningKeyThumbprint": next_thumb})),
        204,
    )
    .await;
    let md_after = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");
    assert_eq!(
        md_after.signing_certificates[0].thumbprint_sha1(),
        next_thumb
    );
    let xml = sign_in(&sb, &client, &app.app_id, "", "")
        .await
        .posted()
        .xml();
    let v = verify_response(&xml, &verify_options(&md_after)).expect("verifies with the new cert");
    assert_eq!(v.signing_certificate_thumbprint, next_thumb);
    // A verifier still pinned to the old certificate only refuses it (what IAM does until
    // UpdateSAMLProvider, docs/facts.md §3).
    let mut old_only = verify_options(&md);
    old_only
        .trusted_certificates
        .retain(|c| c.thumbprint_sha1() == app.thumbprint);
    assert!(verify_response(&xml, &old_only).is_err());
    sb.shutdown().await;
}

#[tokio::test]
async fn sha1_and_response_signing_are_used_when_configured() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let resp = reqwest::Client::new()
        .put(format!(
            "{}/_sandbox/servicePrincipals/{}/signing",
            sb.urls().entra_login(),
            app.sp_id
        ))
        .json(&json!({"sha1": true}))
        .send()
        .await
        .expect("admin");
    assert_eq!(resp.status(), 200);
    let md = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");
    let xml = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted()
    .xml();
    assert!(
        verify_response(&xml, &verify_options(&md)).is_err(),
        "SHA-1 refused unless allowed"
    );
    let mut allow = verify_options(&md);
    allow.allow_sha1 = true;
    assert!(verify_response(&xml, &allow).expect("verifies").sha1_used);

    // "Sign SAML response and assertion".
    let resp = reqwest::Client::new()
        .put(format!(
            "{}/_sandbox/servicePrincipals/{}/signing",
            sb.urls().entra_login(),
            app.sp_id
        ))
        .json(&json!({"signResponse": true}))
        .send()
        .await
        .expect("admin");
    assert_eq!(resp.status(), 200);
    let xml = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted()
    .xml();
    let v = verify_response(&xml, &verify_options(&md)).expect("verifies");
    assert!(
        v.signed_parts
            .contains(&connect_sso_saml::SignedPart::Response),
        "{:?}",
        v.signed_parts
    );
    assert!(!v.sha1_used);
    sb.shutdown().await;
}

#[tokio::test]
async fn state_file_keeps_apps_and_keys_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        state_file: Some(dir.path().join("state.json")),
        ..Config::default()
    };
    let sb = Sandbox::start(config.clone()).await.expect("start");
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    sb.shutdown().await;
    assert!(dir.path().join("state.json.entra.json").is_file());

    let sb = Sandbox::start(config).await.expect("restart");
    let md = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");
    assert_eq!(md.signing_certificates[0].thumbprint_sha1(), app.thumbprint);
    let v = verify_response(
        &sign_in(
            &sb,
            &browser_like_client(),
            &app.app_id,
            USER_ALICE_UPN,
            DEMO_PASSWORD,
        )
        .await
        .posted()
        .xml(),
        &verify_options(&md),
    )
    .expect("verifies after restart");
    assert_eq!(
        v.attribute(ROLE_ATTR),
        Some(&[AGENT_ROLE_VALUE.to_string()][..])
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn guest_upn_with_ext_is_emitted_unchanged_as_role_session_name() {
    // docs/facts.md §3: AWS refuses `#` in RoleSessionName; Entra emits the guest UPN as it is,
    // so the sandbox must too (doctor explains the failure, the IdP does not hide it).
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let md = IdpMetadata::parse(&fetch_metadata(&sb, &app.app_id).await).expect("metadata");
    let xml = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        connect_sso_sandbox::entra::USER_GUEST_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted()
    .xml();
    let v = verify_response(&xml, &verify_options(&md)).expect("verifies");
    assert_eq!(
        v.attribute(SESSION_ATTR),
        Some(&[connect_sso_sandbox::entra::USER_GUEST_UPN.to_string()][..])
    );
    assert!(v.subject.contains("#EXT#"));
    sb.shutdown().await;
}

#[tokio::test]
async fn sign_in_page_escapes_what_the_user_typed_and_pages_cannot_be_replayed() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let hostile = "\"><script>alert(1)</script>@contoso.com";
    let (_, html) = sign_in(&sb, &browser_like_client(), &app.app_id, hostile, "x")
        .await
        .page();
    assert!(!html.contains("<script>alert(1)"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)"));

    // A sign-in page (ctx) is good for one successful sign-in only.
    let client = browser_like_client();
    let launch = format!(
        "{}/{DEFAULT_TENANT_ID}/signin/{}",
        sb.urls().entra_login(),
        app.app_id
    );
    let html = client
        .get(&launch)
        .send()
        .await
        .expect("launch")
        .text()
        .await
        .expect("body");
    let ctx = attr_after(&html, "name=\"ctx\"", "value").expect("ctx");
    let login = format!("{}/{DEFAULT_TENANT_ID}/login", sb.urls().entra_login());
    let form = [
        ("ctx", ctx.as_str()),
        ("loginfmt", USER_ALICE_UPN),
        ("passwd", DEMO_PASSWORD),
    ];
    let first = client
        .post(&login)
        .form(&form)
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("body");
    assert!(parse_auto_post(&first).is_some());
    let replay = client.post(&login).form(&form).send().await.expect("login");
    assert_eq!(replay.status(), 400);
    let forged = [
        ("ctx", "made-up"),
        ("loginfmt", USER_ALICE_UPN),
        ("passwd", DEMO_PASSWORD),
    ];
    let resp = client
        .post(&login)
        .form(&forged)
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status(), 400);
    sb.shutdown().await;
}
