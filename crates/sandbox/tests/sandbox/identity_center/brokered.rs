//! The brokered sign-in, end to end, and each of its faults as a named test.

use connect_sso_saml::{IdpMetadata, SigningKey, VerifyOptions};
use connect_sso_sandbox::aws::identity_center as ic;
use connect_sso_sandbox::entra::{DEMO_PASSWORD, USER_ALICE_UPN};
use serde_json::json;

use super::{Brokered, entra_issuer, federation_role, mappings, role_value};
use crate::connect::admin;
use crate::entra::{
    AutoPost, ROLE_ATTR, SESSION_ATTR, attr_after, browser_like_client, parse_auto_post, sign_in,
};

/// An HTML answer: status, `location` header, body.
struct Page {
    status: u16,
    location: String,
    html: String,
}

async fn page(resp: reqwest::Response) -> Page {
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Page {
        status,
        location,
        html: resp.text().await.expect("html"),
    }
}

async fn post_form(browser: &reqwest::Client, posted: &AutoPost) -> Page {
    let mut form = vec![("SAMLResponse", posted.saml_response.clone())];
    if let Some(r) = &posted.relay_state {
        form.push(("RelayState", r.clone()));
    }
    page(
        browser
            .post(&posted.action)
            .form(&form)
            .send()
            .await
            .expect("post"),
    )
    .await
}

/// The page a redirect leads to (`what` names it when the request fails).
async fn follow(browser: &reqwest::Client, redirect: &Page, what: &str) -> Page {
    page(browser.get(&redirect.location).send().await.expect(what)).await
}

/// AWS sign-in with the application's Response, then its redirect: the federation's answer.
async fn federate(browser: &reqwest::Client, posted: &AutoPost) -> Page {
    let signed_in = post_form(browser, posted).await;
    assert_eq!(signed_in.status, 302, "{}", signed_in.html);
    follow(browser, &signed_in, "federate").await
}

/// A sandbox with an application of these `role` mappings, its federation role
/// `ConnectAgentIC`, assigned to the demo user: the sandbox, its ARN and metadata.
async fn assigned_application(role: Option<&str>) -> (Brokered, String, String) {
    let b = Brokered::new().await;
    let (arn, metadata) = b.application(mappings(role)).await;
    federation_role(&b.sb, "IdentityCenter", &metadata, "ConnectAgentIC").await;
    b.assign(&arn).await;
    (b, arn, metadata)
}

/// Entra sign-in, then the IC ACS: its answer.
async fn into_identity_center(b: &Brokered, browser: &reqwest::Client) -> Page {
    let posted = sign_in(
        &b.sb,
        browser,
        &b.entra.app_id,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    .posted();
    assert_eq!(posted.action, b.sb.urls().to_local(ic::ACS_URL));
    post_form(browser, &posted).await
}

/// Signed in at the portal: the portal page.
async fn portal(b: &Brokered, browser: &reqwest::Client) -> Page {
    let acs = into_identity_center(b, browser).await;
    assert_eq!(acs.status, 302, "{}", acs.html);
    assert_eq!(acs.location, b.sb.urls().to_local(ic::PORTAL_URL));
    follow(browser, &acs, "portal").await
}

/// The tile's Response form.
async fn launch(b: &Brokered, browser: &reqwest::Client) -> AutoPost {
    let p = portal(b, browser).await;
    assert_eq!(p.status, 200, "{}", p.html);
    assert!(
        p.html.contains("<title>AWS access portal</title>"),
        "{}",
        p.html
    );
    let href = attr_after(&p.html, "class=\"portal-tile\"", "href").expect("a tile");
    let r = page(
        browser
            .get(format!("{}{href}", b.sb.urls().base()))
            .send()
            .await
            .expect("tile"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.html);
    parse_auto_post(&r.html).expect("auto-post form")
}

fn error_code(html: &str) -> String {
    let start = html
        .find("<p id=\"error_code\">")
        .map(|i| i + 19)
        .unwrap_or(0);
    html[start..]
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn brokered_sign_in_goes_from_entra_through_identity_center_into_connect() {
    let (b, arn, metadata) = assigned_application(Some(&role_value("ConnectAgentIC"))).await;
    let browser = browser_like_client();

    let p = portal(&b, &browser).await;
    assert!(
        p.html.contains(&format!("data-application-arn=\"{arn}\"")),
        "{}",
        p.html
    );
    let posted = launch(&b, &browser).await;
    assert_eq!(posted.action, b.sb.urls().signin());
    assert_eq!(
        posted.relay_state.as_deref(),
        Some(b.relay_state().as_str())
    );

    let md = IdpMetadata::parse(&metadata).expect("app metadata");
    let mut opts = VerifyOptions::new(md.signing_certificates, time::OffsetDateTime::now_utc());
    opts.expected_issuer = Some(md.entity_id);
    opts.audience = Some("urn:amazon:webservices".into());
    let v = connect_sso_saml::verify_response(&posted.xml(), &opts).expect("signed by the app");
    assert_eq!(v.subject, USER_ALICE_UPN);
    assert_eq!(
        v.attribute(SESSION_ATTR),
        Some(&[USER_ALICE_UPN.to_string()][..])
    );
    assert_eq!(
        v.attribute(ROLE_ATTR),
        Some(&[role_value("ConnectAgentIC")][..])
    );

    let federated = federate(&browser, &posted).await;
    assert_eq!(federated.status, 302, "{}", federated.html);
    let agent = follow(&browser, &federated, "agent").await;
    assert_eq!(agent.status, 200);
    assert!(agent.html.contains(USER_ALICE_UPN));
    let state = admin(&b.sb, "GET", "identity-center", json!(null)).await;
    assert_eq!(state["applications"][0]["application_arn"], arn.as_str());
    b.sb.shutdown().await;
}

/// Sign in with the application's current mappings: AWS sign-in's answer.
async fn aws_sign_in_with(role: Option<&str>) -> Page {
    let (b, _, _) = assigned_application(role).await;
    let browser = browser_like_client();
    let posted = launch(&b, &browser).await;
    let answer = post_form(&browser, &posted).await;
    b.sb.shutdown().await;
    answer
}

/// AWS sign-in's refusal of a SAML response it cannot use.
fn assert_invalid_saml_response(p: &Page) {
    assert_eq!(p.status, 400);
    let says = "Your request included an invalid SAML response";
    assert!(p.html.contains(says), "{}", p.html);
}

#[tokio::test]
async fn without_a_role_mapping_aws_sign_in_refuses_the_response() {
    let p = aws_sign_in_with(None).await;
    assert_invalid_saml_response(&p);
}

#[tokio::test]
async fn a_role_value_with_a_space_is_sent_as_typed_and_refused() {
    let spaced = role_value("ConnectAgentIC").replace(',', ", ");
    let p = aws_sign_in_with(Some(&spaced)).await;
    assert_invalid_saml_response(&p);
    assert!(p.html.contains("whitespace"), "{}", p.html);
}

#[tokio::test]
async fn an_identity_source_with_another_certificate_refuses_entra_responses() {
    let b = Brokered::new().await;
    let now = time::OffsetDateTime::now_utc();
    let other = SigningKey::generate(
        "CN=not entra",
        now - time::Duration::days(1),
        now + time::Duration::days(30),
    )
    .expect("key");
    let foreign = IdpMetadata {
        entity_id: entra_issuer(),
        signing_certificates: vec![other.certificate().clone()],
        sso_services: vec![connect_sso_saml::Endpoint {
            binding: connect_sso_saml::ns::BINDING_HTTP_POST.into(),
            location: "https://login.microsoftonline.com/x/saml2".into(),
        }],
        slo_services: Vec::new(),
        name_id_formats: Vec::new(),
    };
    admin(
        &b.sb,
        "PUT",
        "identity-center/identity-source",
        json!({"idp_metadata": foreign.to_xml("_m")}),
    )
    .await;
    let acs = into_identity_center(&b, &browser_like_client()).await;
    assert_eq!(acs.status, 400, "{}", acs.html);
    assert_eq!(error_code(&acs.html), "InvalidSignature", "{}", acs.html);

    admin(
        &b.sb,
        "DELETE",
        "identity-center/identity-source",
        json!(null),
    )
    .await;
    let acs = into_identity_center(&b, &browser_like_client()).await;
    assert_eq!(
        error_code(&acs.html),
        "IdentitySourceNotExternal",
        "{}",
        acs.html
    );
    b.sb.shutdown().await;
}

#[tokio::test]
async fn an_unassigned_user_sees_no_tile_and_is_refused_at_the_tile_url() {
    let b = Brokered::new().await;
    let (arn, _) = b
        .application(mappings(Some(&role_value("ConnectAgentIC"))))
        .await;
    let browser = browser_like_client();
    let p = portal(&b, &browser).await;
    assert_eq!(p.status, 200);
    assert!(!p.html.contains("portal-tile"), "{}", p.html);
    let app_id = arn.rsplit('/').next().expect("id");
    let url = format!(
        "{}/aws/identity-center/start/applications/{app_id}",
        b.sb.urls().base()
    );
    let r = page(browser.get(&url).send().await.expect("tile")).await;
    assert_eq!(r.status, 403);
    assert_eq!(error_code(&r.html), "NotAssigned");
    let anonymous = page(reqwest::get(&url).await.expect("tile")).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(error_code(&anonymous.html), "SessionExpired");
    b.sb.shutdown().await;
}

#[tokio::test]
async fn connect_keeps_each_user_to_the_role_of_their_first_federation() {
    let (b, arn, metadata) = assigned_application(Some(&role_value("ConnectAgentIC"))).await;
    federation_role(&b.sb, "", &metadata, "OtherAgentRole").await;
    let launched = |browser: reqwest::Client| {
        let b = &b;
        async move { federate(&browser, &launch(b, &browser).await).await }
    };
    assert_eq!(launched(browser_like_client()).await.status, 302);

    let app_id = arn.rsplit('/').next().expect("id");
    let mut body = json!({
        "name": "Amazon Connect", "relay_state": b.relay_state(),
        "acs_url": crate::entra::AWS_ACS, "audience": "urn:amazon:webservices",
        "attribute_mappings": mappings(Some(&role_value("OtherAgentRole"))),
    });
    admin(
        &b.sb,
        "PUT",
        &format!("identity-center/applications/{app_id}"),
        body.take(),
    )
    .await;
    let refused = launched(browser_like_client()).await;
    assert_eq!(refused.status, 403, "{}", refused.html);
    assert_eq!(error_code(&refused.html), "AccessDeniedException");
    assert!(
        refused
            .html
            .contains("arn:aws:iam::111122223333:role/ConnectAgentIC"),
        "{}",
        refused.html
    );
    b.sb.shutdown().await;
}
