//! The example responses shipped in `examples/` (used by the README and `scripts/demo`):
//! they must keep verifying, and can be regenerated with
//! `cargo test -p connect-sso --test cli -- --ignored regenerate_examples`.

use connect_sso_saml::aws::{ATTR_ROLE, ATTR_SESSION_DURATION};
use connect_sso_saml::{Endpoint, IdpMetadata, SignOptions, sign_response};

use crate::common::{attr, aws_attributes, aws_spec, idp_key, run, workspace_root};

/// The instant the README passes as `--now` (one minute after the examples were issued).
pub const EXAMPLE_NOW: &str = "2025-06-02T09:01:00Z";

const TENANT: &str = "00000000-0000-4000-8000-00000000c0de";

fn entra_claims(session_name: &str) -> Vec<connect_sso_saml::Attribute> {
    let mut attributes = vec![
        attr(
            "http://schemas.microsoft.com/identity/claims/tenantid",
            &[TENANT],
        ),
        attr(
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
            &[session_name],
        ),
    ];
    attributes.extend(aws_attributes(session_name));
    attributes.push(attr(ATTR_SESSION_DURATION, &["43200"]));
    attributes
}

#[test]
#[ignore = "writes examples/; run with --ignored to regenerate the shipped examples"]
fn regenerate_examples() {
    let dir = workspace_root().join("examples");
    std::fs::create_dir_all(&dir).expect("examples dir");
    let key = idp_key();
    let metadata = IdpMetadata {
        entity_id: format!("https://sts.windows.net/{TENANT}/"),
        signing_certificates: vec![key.certificate().clone()],
        sso_services: vec![Endpoint {
            binding: connect_sso_saml::ns::BINDING_HTTP_REDIRECT.into(),
            location: format!("https://login.microsoftonline.com/{TENANT}/saml2"),
        }],
        slo_services: vec![],
        name_id_formats: vec![],
    };
    let metadata_xml = connect_sso_saml::sign_metadata(
        &metadata.to_xml("_2c6f2a0e-5b1d-4a57-9c34-6d0f7c1e9a11"),
        &key,
    )
    .expect("metadata signs");
    std::fs::write(dir.join("entra-metadata.xml"), metadata_xml).expect("write");
    std::fs::write(dir.join("entra-cert.pem"), key.certificate().to_pem()).expect("write");

    let write = |name: &str, spec: &connect_sso_saml::ResponseSpec| {
        let xml = sign_response(spec, &key, SignOptions::default()).expect("signs");
        std::fs::write(dir.join(name), xml).expect("write");
    };
    write(
        "entra-response.xml",
        &aws_spec(entra_claims("alice@example.com")),
    );
    let guest = "bob_contoso.com#EXT#@example.onmicrosoft.com";
    let mut guest_spec = aws_spec(entra_claims(guest));
    guest_spec.name_id = guest.into();
    write("guest-response.xml", &guest_spec);
    let mut mistyped = entra_claims("alice@example.com");
    for a in &mut mistyped {
        if a.name == ATTR_ROLE {
            a.name = "https://aws.amazon.com/SAML/Attributes/role".into();
        }
    }
    write("mistyped-role-response.xml", &aws_spec(mistyped));
}

fn verify_example(name: &str) -> crate::common::Run {
    run(&[
        "saml",
        "verify",
        &format!("examples/{name}"),
        "--idp-metadata",
        "examples/entra-metadata.xml",
        "--now",
        EXAMPLE_NOW,
        "--aws",
    ])
}

#[test]
fn the_readme_example_is_accepted_with_aws_rules() {
    let out = verify_example("entra-response.xml");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("alice@example.com"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("arn:aws:iam::111122223333:role/ConnectAgent")
    );
}

#[test]
fn the_shipped_certificate_verifies_the_example_too() {
    let out = run(&[
        "saml",
        "verify",
        "examples/entra-response.xml",
        "--idp-cert",
        "examples/entra-cert.pem",
        "--now",
        EXAMPLE_NOW,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn the_guest_and_mistyped_examples_are_refused_as_aws_would() {
    let guest = verify_example("guest-response.xml");
    assert_eq!(guest.code, 1, "{}", guest.stderr);
    assert!(
        guest
            .stderr
            .contains("RoleSessionName in AuthnResponse must match")
    );
    let mistyped = verify_example("mistyped-role-response.xml");
    assert_eq!(mistyped.code, 1, "{}", mistyped.stderr);
    assert!(
        mistyped
            .stderr
            .contains("Your request included an invalid SAML response")
    );
}
