//! Fuzz the parsers and the verifier on hostile bytes.
//!
//! Every input is given, as is, to `inspect`, `verify_response` (pinned to a key generated
//! at start-up), `IdpMetadata::parse` and `canonicalize_exclusive`: none may panic, hang or
//! blow up memory. Inputs starting with `!` are instead spliced into a response that *is*
//! validly signed by the pinned key (an XML-signature-wrapping search): whatever the splice
//! does, an accepted response must report exactly the signed NameID and attributes.
#![no_main]

use std::sync::OnceLock;

use connect_sso_saml::{
    IdpMetadata, SignOptions, SigningKey, VerifyOptions, canonicalize_exclusive, inspect,
    sign_response, verify_response,
};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/saml/tests/it/interop/fixture.rs"]
mod fixture;

struct Setup {
    signed: String,
    options: VerifyOptions,
    options_bare_assertion: VerifyOptions,
    signed_both: String,
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
        let spec = fixture::entra_spec();
        let signed = sign_response(&spec, &key, SignOptions::default()).expect("signing");
        let both = SignOptions {
            sign_response: true,
            ..SignOptions::default()
        };
        let signed_both = sign_response(&spec, &key, both).expect("signing");
        let options = fixture::aws_verify_options(key.certificate().clone(), true);
        let mut options_bare_assertion = options.clone();
        options_bare_assertion.allow_bare_assertion = true;
        Setup {
            signed,
            options,
            options_bare_assertion,
            signed_both,
        }
    })
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

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    if data.first() == Some(&b'!') {
        let which = data.get(1).is_some_and(|b| b & 1 == 1);
        let base = if which {
            &setup.signed_both
        } else {
            &setup.signed
        };
        let doc = splice(base, data);
        for options in [&setup.options, &setup.options_bare_assertion] {
            if let Ok(verified) = verify_response(&doc, options) {
                assert_eq!(verified.subject, fixture::USER, "accepted a changed NameID");
                assert_eq!(
                    verified.attributes,
                    fixture::entra_attributes(),
                    "accepted changed attributes"
                );
                assert_eq!(
                    verified.issuer,
                    fixture::issuer(),
                    "accepted a changed Issuer"
                );
            }
        }
        let _ = inspect(&doc);
        return;
    }
    let _ = inspect(data);
    let _ = verify_response(data, &setup.options);
    let _ = verify_response(data, &setup.options_bare_assertion);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = IdpMetadata::parse(text);
        let _ = canonicalize_exclusive(text, None, true, &["#default", "xs"]);
        let _ = canonicalize_exclusive(text, Some("_a"), false, &[]);
    }
});
