//! Fuzz the sandbox's SAML entry points as the pure functions its handlers call.
//!
//! Every input is given, as is, to:
//! - AWS sign-in's form path, [`signin::accept_saml_post`] (form body → `SAMLResponse` →
//!   length check → base64 → verify → AWS's rules), trusting a key generated at start-up;
//! - STS's path for a `SAMLAssertion` value ([`sts::decode_saml_value`], [`sts::verify_saml`]);
//! - the verifier on the raw bytes, as if they were the decoded response;
//! - HAR capture reading ([`binding::find_in_har`]), each response found then verified;
//! - the bindings ([`binding::decode_post`], [`binding::decode_redirect`],
//!   [`binding::decode_any`]), each decoded message then verified;
//! - IdP metadata ([`IdpMetadata::parse`] and IAM's [`iam::validate_metadata`]);
//! - Entra's `SAMLRequest` form and query reading ([`idp::saml_request_params`]) and its
//!   decoding;
//! - Identity Center's SCIM `filter` ([`scim::parse_filter`]), as Entra's provisioning sends it.
//!
//! None may panic, hang or blow up memory. Inputs starting with `*` are first amplified
//! (bytes 1–2: a count, byte 3: a prefix length; then the prefix, then a pattern repeated
//! `count` times, up to 2,100,000 bytes in all), so that
//! short inputs reach the size limits (AWS's 100,000 characters, the parser's 1 MiB) that
//! libFuzzer's slowly growing input length would take hours to reach. Inputs starting with
//! `!` are instead spliced into
//! a response that *is* validly signed by the trusted key (bytes 1–2: offset, byte 3: how many
//! bytes to cut, the rest: what to insert), posted to the sign-in path as a browser would
//! (base64, form-encoded): whatever the splice does, an accepted response must report exactly
//! the signed NameID, Issuer, roles and RoleSessionName.
#![no_main]

use std::sync::OnceLock;

use connect_sso_saml::{IdpMetadata, SignOptions, SigningKey, binding, sign_response};
use connect_sso_sandbox::aws::sts::{self, TrustedProvider};
use connect_sso_sandbox::aws::identity_center::scim;
use connect_sso_sandbox::aws::{iam, signin};
use connect_sso_sandbox::entra::idp;
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/saml/tests/it/interop/fixture.rs"]
mod fixture;

struct Setup {
    providers: Vec<TrustedProvider>,
    /// The validly signed response (XML) that `!` inputs splice into.
    signed: String,
    /// What the accepted signed response says: roles (`role,provider`) and RoleSessionName.
    roles: Vec<String>,
    session_name: String,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let key = SigningKey::generate(
            "fuzz IdP",
            fixture::issued() - time::Duration::days(1),
            fixture::issued() + time::Duration::days(365),
        )
        .expect("generating the fuzz key");
        let signed =
            sign_response(&fixture::entra_spec(), &key, SignOptions::default()).expect("signing");
        let providers = vec![TrustedProvider {
            entity_id: fixture::issuer(),
            certificates: vec![key.certificate().clone()],
        }];
        // The unmodified response must pass the whole sign-in path, or the splice mode would
        // search nothing.
        let accepted =
            signin::accept_saml_post(&form_body(signed.as_bytes()), &providers, fixture::now())
                .expect("the signed fixture response is accepted by the sign-in path");
        Setup {
            providers,
            signed,
            roles: accepted
                .login
                .signin
                .roles
                .iter()
                .map(|r| format!("{},{}", r.role_arn, r.provider_arn))
                .collect(),
            session_name: accepted.login.signin.role_session_name,
        }
    })
}

/// The form body a browser posts to AWS sign-in for `xml`.
fn form_body(xml: &[u8]) -> Vec<u8> {
    let b64 = binding::encode_post(xml);
    let mut body = b"SAMLResponse=".to_vec();
    body.extend(url::form_urlencoded::byte_serialize(b64.as_bytes()).flat_map(str::bytes));
    body.extend_from_slice(b"&RelayState=https%3A%2F%2Fexample.invalid%2F");
    body
}

fn splice(base: &str, data: &[u8]) -> Vec<u8> {
    // data = '!' , where (2 bytes), how many bytes to cut (1 byte), bytes to insert.
    if data.len() < 4 {
        return base.as_bytes().to_vec();
    }
    let base = base.as_bytes();
    let at = (usize::from(data[1]) << 8 | usize::from(data[2])) % (base.len() + 1);
    let cut = usize::from(data[3]).min(base.len() - at);
    let mut out = Vec::with_capacity(base.len() + data.len());
    out.extend_from_slice(&base[..at]);
    out.extend_from_slice(&data[4..]);
    out.extend_from_slice(&base[at + cut..]);
    out
}

/// The most bytes an amplified input grows to (the `-max_len` of `run.sh`).
const MAX_AMPLIFIED: usize = 2_100_000;

/// `*`, a count (2 bytes), a prefix length (1 byte), the prefix, a pattern: the prefix, then
/// the pattern repeated `count` times; at most [`MAX_AMPLIFIED`] bytes.
fn amplify(data: &[u8]) -> Vec<u8> {
    let [_, hi, lo, prefix_len, rest @ ..] = data else {
        return data.to_vec();
    };
    let (prefix, pattern) = rest.split_at(usize::from(*prefix_len).min(rest.len()));
    let count = usize::from(*hi) << 8 | usize::from(*lo);
    let times = if pattern.is_empty() {
        0
    } else {
        count.min(MAX_AMPLIFIED.saturating_sub(prefix.len()) / pattern.len())
    };
    let mut out = prefix.to_vec();
    out.extend(pattern.repeat(times));
    out
}

fn verify(setup: &Setup, xml: &[u8]) {
    let _ = sts::verify_saml(xml, &setup.providers, fixture::now());
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    let now = fixture::now();
    if data.first() == Some(&b'!') {
        let doc = splice(&setup.signed, data);
        if let Ok(accepted) = signin::accept_saml_post(&form_body(&doc), &setup.providers, now) {
            let a = &accepted.login.assertion;
            assert_eq!(a.subject, fixture::USER, "accepted a changed NameID");
            assert_eq!(a.issuer, fixture::issuer(), "accepted a changed Issuer");
            let roles: Vec<String> = accepted
                .login
                .signin
                .roles
                .iter()
                .map(|r| format!("{},{}", r.role_arn, r.provider_arn))
                .collect();
            assert_eq!(roles, setup.roles, "accepted changed roles");
            assert_eq!(
                accepted.login.signin.role_session_name, setup.session_name,
                "accepted a changed RoleSessionName"
            );
        }
        return;
    }

    let amplified;
    let data = if data.first() == Some(&b'*') {
        amplified = amplify(data);
        &amplified[..]
    } else {
        data
    };

    // AWS sign-in: the whole form path.
    let _ = signin::accept_saml_post(data, &setup.providers, now);
    // The raw bytes as the decoded response.
    verify(setup, data);
    // Entra's SAMLRequest, from a form body or query string.
    let (request, _relay_state) = idp::saml_request_params(data);
    if let Some(request) = request {
        let _ = binding::decode_post(&request);
        let _ = binding::decode_redirect(&request);
    }
    if let Ok(xml) = binding::decode_any(data) {
        verify(setup, &xml);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // STS: the SAMLAssertion value.
    if let Ok(xml) = sts::decode_saml_value(text) {
        verify(setup, &xml);
    }
    if let Ok(xml) = binding::decode_post(text) {
        verify(setup, &xml);
    }
    if let Ok(xml) = binding::decode_redirect(text) {
        verify(setup, &xml);
    }
    if let Ok(findings) = binding::find_in_har(text) {
        for f in findings {
            verify(setup, &f.xml);
        }
    }
    let _ = IdpMetadata::parse(text);
    let _ = iam::validate_metadata(text);
    if let Ok(pairs) = scim::parse_filter(text) {
        assert!(pairs.len() <= 10, "more than ten conditions accepted");
    }
});
