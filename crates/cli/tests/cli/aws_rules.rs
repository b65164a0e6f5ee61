//! `saml verify --aws`: AWS sign-in's rules (docs/facts.md §3, pain points §6) on responses built
//! and signed with crates/saml, as Entra would send them.

use connect_sso_saml::aws::{ATTR_ROLE, ATTR_ROLE_SESSION_NAME};

use crate::common::{SignedFixture, attr, aws_attributes, aws_spec};

#[test]
fn a_good_response_is_accepted_with_its_role_and_username() {
    let fx = SignedFixture::new(&aws_spec(aws_attributes("alice@example.com")));
    let out = fx.verify_aws(&["--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["aws"]["role_session_name"], "alice@example.com");
    assert_eq!(
        json["aws"]["roles"][0]["role_arn"],
        "arn:aws:iam::111122223333:role/ConnectAgent"
    );
}

#[test]
fn missing_role_is_refused_with_the_aws_message_and_an_assignment_hint() {
    let attributes = vec![attr(ATTR_ROLE_SESSION_NAME, &["alice@example.com"])];
    let fx = SignedFixture::new(&aws_spec(attributes));
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Caused by: Your request included an invalid SAML response."),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("hint: in Entra, assign the user"),
        "{}",
        out.stderr
    );
}

#[test]
fn mistyped_role_attribute_name_is_named_facts_6_1() {
    let mut attributes = aws_attributes("alice@example.com");
    attributes[0].name = "https://aws.amazon.com/SAML/Attributes/role".into();
    let fx = SignedFixture::new(&aws_spec(attributes));
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("\"https://aws.amazon.com/SAML/Attributes/role\"")
            && out.stderr.contains("case-sensitive"),
        "{}",
        out.stderr
    );
}

#[test]
fn mistyped_role_session_name_http_instead_of_https_is_named() {
    let mut attributes = aws_attributes("alice@example.com");
    attributes[1].name = "http://aws.amazon.com/SAML/Attributes/RoleSessionName".into();
    let fx = SignedFixture::new(&aws_spec(attributes));
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("RoleSessionName is required in AuthnResponse")
            && out
                .stderr
                .contains("http://aws.amazon.com/SAML/Attributes/RoleSessionName"),
        "{}",
        out.stderr
    );
}

#[test]
fn guest_upn_session_name_is_refused_with_a_guest_hint() {
    let fx = SignedFixture::new(&aws_spec(aws_attributes(
        "bob_contoso.com#EXT#@fabrikam.onmicrosoft.com",
    )));
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("guest"), "{}", out.stderr);
}

#[test]
fn reversed_role_pair_is_accepted() {
    let attributes = vec![
        attr(
            ATTR_ROLE,
            &[
                "arn:aws:iam::111122223333:saml-provider/EntraID,arn:aws:iam::111122223333:role/ConnectAgent",
            ],
        ),
        attr(ATTR_ROLE_SESSION_NAME, &["alice@example.com"]),
    ];
    let fx = SignedFixture::new(&aws_spec(attributes));
    let out = fx.verify_aws(&["--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        json["aws"]["roles"][0]["provider_arn"],
        "arn:aws:iam::111122223333:saml-provider/EntraID"
    );
}

#[test]
fn reply_url_with_identifier_suffix_is_refused_facts_4() {
    let mut spec = aws_spec(aws_attributes("alice@example.com"));
    spec.destination = "https://signin.aws.amazon.com/saml#2".into();
    let fx = SignedFixture::new(&spec);
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("never in the Reply URL"),
        "{}",
        out.stderr
    );
}

#[test]
fn identity_center_audience_and_regional_endpoint_are_accepted() {
    let mut spec = aws_spec(aws_attributes("alice@example.com"));
    spec.audiences = vec!["urn:amazon:webservices".into()];
    spec.destination = "https://eu-west-2.signin.aws.amazon.com/saml".into();
    let fx = SignedFixture::new(&spec);
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn non_aws_audience_is_refused() {
    let mut spec = aws_spec(aws_attributes("alice@example.com"));
    spec.audiences = vec!["https://sp.example/metadata".into()];
    let fx = SignedFixture::new(&spec);
    let out = fx.verify_aws(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("The audience must be"),
        "{}",
        out.stderr
    );
}

#[test]
fn aws_rejection_json_names_the_rule() {
    let attributes = vec![attr(ATTR_ROLE_SESSION_NAME, &["alice@example.com"])];
    let fx = SignedFixture::new(&aws_spec(attributes));
    let out = fx.verify_aws(&["--json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["verdict"], "rejected");
    assert_eq!(json["kind"], "aws-invalid-role");
}
