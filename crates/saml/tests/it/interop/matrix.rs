//! What every peer is tested with: our signing variants, the peer-signing matrix, and the
//! checks applied to a response a peer signed.

use connect_sso_saml::{
    Certificate, Error, Rejection, ResponseSpec, SignOptions, SignatureAlgorithm, SignedPart,
    verify_response,
};

use super::fixture::{self, Part, Shape};

/// The parts `options` signs.
pub(crate) fn parts_of(options: SignOptions) -> Vec<Part> {
    let mut parts = Vec::new();
    if options.sign_assertion {
        parts.push(Part::Assertion);
    }
    if options.sign_response {
        parts.push(Part::Response);
    }
    parts
}

/// The signing variants a user can configure in Entra (and one more: no KeyInfo).
pub(crate) fn our_sign_variants() -> Vec<(&'static str, ResponseSpec, SignOptions)> {
    let base = SignOptions::default();
    let plain: Vec<(&'static str, SignOptions)> = vec![
        ("assertion/sha256 (Entra default)", base),
        (
            "response/sha256",
            SignOptions {
                sign_assertion: false,
                sign_response: true,
                ..base
            },
        ),
        (
            "response+assertion/sha256",
            SignOptions {
                sign_response: true,
                ..base
            },
        ),
        ("assertion/sha1", SignOptions { sha1: true, ..base }),
        (
            "response+assertion/sha1",
            SignOptions {
                sha1: true,
                sign_response: true,
                ..base
            },
        ),
        (
            "assertion/sha256 without KeyInfo",
            SignOptions {
                include_key_info: false,
                ..base
            },
        ),
    ];
    let mut out: Vec<(&'static str, ResponseSpec, SignOptions)> = plain
        .into_iter()
        .map(|(name, options)| (name, fixture::entra_spec(), options))
        .collect();
    out.push((
        "assertion/sha256 with values that need escaping",
        fixture::tricky_spec(),
        base,
    ));
    out.push((
        "response+assertion/sha1 with values that need escaping",
        fixture::tricky_spec(),
        SignOptions {
            sha1: true,
            sign_response: true,
            ..base
        },
    ));
    out
}

/// Verify a peer-signed hand-written response with our verifier and check what it reports.
pub(crate) fn check_we_accept(
    peer: &str,
    xml: &str,
    certificate: &Certificate,
    shape: Shape,
    sha1: bool,
    parts: &[Part],
) -> Result<(), String> {
    let options = fixture::aws_verify_options(certificate.clone(), sha1);
    let verified = verify_response(xml.as_bytes(), &options).map_err(|e| {
        format!("{peer} ({shape:?}, sha1={sha1}, {parts:?}): we rejected it: {e}\n{xml}")
    })?;
    let mut problems = Vec::new();
    if verified.subject != fixture::USER {
        problems.push(format!("subject {:?}", verified.subject));
    }
    if verified.issuer != fixture::issuer() {
        problems.push(format!("issuer {:?}", verified.issuer));
    }
    if verified.attributes != fixture::hand_expected_attributes(shape) {
        problems.push(format!("attributes {:#?}", verified.attributes));
    }
    let want_alg = if sha1 {
        SignatureAlgorithm::RsaSha1
    } else {
        SignatureAlgorithm::RsaSha256
    };
    if verified.algorithm != want_alg || verified.sha1_used != sha1 {
        problems.push(format!(
            "algorithm {:?} sha1_used {}",
            verified.algorithm, verified.sha1_used
        ));
    }
    for part in parts {
        let signed = match part {
            Part::Response => SignedPart::Response,
            Part::Assertion => SignedPart::Assertion,
        };
        if !verified.signed_parts.contains(&signed) {
            problems.push(format!(
                "signed_parts {:?} lacks {signed:?}",
                verified.signed_parts
            ));
        }
    }
    if verified.signing_certificate_thumbprint != certificate.thumbprint_sha1() {
        problems.push("signing_certificate_thumbprint is not the pinned certificate".to_owned());
    }
    if !problems.is_empty() {
        return Err(format!(
            "{peer} ({shape:?}, sha1={sha1}, {parts:?}): accepted but reported wrongly: {}\n{xml}",
            problems.join("; ")
        ));
    }
    // Controls: a changed NameID must be refused; SHA-1 must be refused unless allowed.
    match verify_response(fixture::tamper_name_id(xml).as_bytes(), &options) {
        Err(Error::Rejected(Rejection::DigestMismatch(_))) => {}
        other => {
            return Err(format!(
                "{peer} ({shape:?}, sha1={sha1}, {parts:?}): tampered NameID gave {other:?}, expected a digest mismatch"
            ));
        }
    }
    if sha1 {
        let strict = fixture::aws_verify_options(certificate.clone(), false);
        match verify_response(xml.as_bytes(), &strict) {
            Err(Error::Rejected(Rejection::Sha1NotAllowed(_))) => {}
            other => {
                return Err(format!(
                    "{peer} ({shape:?}, {parts:?}): SHA-1 without allow_sha1 gave {other:?}"
                ));
            }
        }
    }
    Ok(())
}

/// The peer-signing matrix: shape × algorithm × which parts.
pub(crate) fn peer_sign_matrix() -> Vec<(Shape, bool, Vec<Part>)> {
    let mut out = Vec::new();
    for shape in [Shape::Entra, Shape::Pretty] {
        for sha1 in [false, true] {
            out.push((shape, sha1, vec![Part::Assertion]));
            out.push((shape, sha1, vec![Part::Assertion, Part::Response]));
        }
        out.push((shape, false, vec![Part::Response]));
    }
    out
}
