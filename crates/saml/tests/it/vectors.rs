//! The shared SAML test vectors (`shared/vectors/saml`, see its README): every case's verdict,
//! with skew 0, the case's clock, SHA-1 allowed where the case says so, audience/recipient
//! checked unless `""`, and the metadata `entityID` as the expected Issuer. A new case folder
//! is picked up automatically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connect_sso_saml::{
    Certificate, Error, IdpMetadata, Rejection, VerifiedAssertion, VerifyOptions, verify_response,
};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/saml");

#[derive(Debug, serde::Deserialize)]
struct Case {
    now: String,
    audience: String,
    recipient: String,
    expect: String,
    reason: String,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    sha1: bool,
    #[serde(default)]
    document: Option<String>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, Vec<String>>>,
}

struct Loaded {
    name: String,
    case: Case,
    response: Vec<u8>,
    options: VerifyOptions,
}

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(VECTORS);
    let entries = std::fs::read_dir(root).unwrap_or_else(|e| {
        panic!(
            "the SAML test vectors are missing at {} ({e}); the shared folder must sit beside the repository clone",
            root.display()
        )
    });
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no case.toml found under {}",
        root.display()
    );
    dirs
}

fn load(dir: &Path) -> Loaded {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let read = |file: &str| {
        std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{name}: cannot read {file}: {e}"))
    };
    let case: Case = toml::from_str(&String::from_utf8_lossy(&read("case.toml")))
        .unwrap_or_else(|e| panic!("{name}: bad case.toml: {e}"));
    let now = OffsetDateTime::parse(&case.now, &Rfc3339)
        .unwrap_or_else(|e| panic!("{name}: bad now {:?}: {e}", case.now));
    let (certs, issuer) = if dir.join("idp-metadata.xml").is_file() {
        let md = IdpMetadata::parse(&String::from_utf8_lossy(&read("idp-metadata.xml")))
            .unwrap_or_else(|e| panic!("{name}: metadata does not parse: {e}"));
        (md.signing_certificates, Some(md.entity_id))
    } else {
        let cert = Certificate::from_pem(&String::from_utf8_lossy(&read("idp-cert.pem")))
            .unwrap_or_else(|e| panic!("{name}: idp-cert.pem does not parse: {e}"));
        (vec![cert], None)
    };
    let mut options = VerifyOptions::new(certs, now);
    options.skew = time::Duration::ZERO;
    options.expected_issuer = issuer;
    options.audience = Some(case.audience.clone()).filter(|a| !a.is_empty());
    options.recipient = Some(case.recipient.clone()).filter(|r| !r.is_empty());
    options.allow_sha1 = case.sha1;
    options.allow_bare_assertion = case.document.as_deref() == Some("assertion");
    let response = read("response.xml");
    Loaded {
        name,
        case,
        response,
        options,
    }
}

fn check_accepted(l: &Loaded, v: &VerifiedAssertion) -> Result<(), String> {
    let expected_subject = l.case.subject.as_deref().unwrap_or("");
    if v.subject != expected_subject {
        return Err(format!(
            "subject {:?}, expected {expected_subject:?}",
            v.subject
        ));
    }
    let expected: BTreeMap<String, Vec<String>> = l.case.attributes.clone().unwrap_or_default();
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &v.attributes {
        if got.insert(a.name.clone(), a.values.clone()).is_some() {
            return Err(format!("attribute {:?} appears twice", a.name));
        }
    }
    if got != expected {
        return Err(format!("attributes {got:?}, expected {expected:?}"));
    }
    if v.sha1_used != l.case.sha1 {
        return Err(format!(
            "sha1_used is {}, case says sha1 = {}",
            v.sha1_used, l.case.sha1
        ));
    }
    Ok(())
}

#[test]
fn every_vector_gets_its_verdict() {
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for dir in case_dirs() {
        let l = load(&dir);
        let result = verify_response(&l.response, &l.options);
        match (l.case.expect.as_str(), result) {
            ("accept", Ok(v)) => match check_accepted(&l, &v) {
                Ok(()) => accepted += 1,
                Err(e) => failures.push(format!("{}: accepted but {e}", l.name)),
            },
            ("accept", Err(e)) => {
                failures.push(format!("{}: rejected ({e:?}), expected accept", l.name))
            }
            ("reject", Ok(v)) => failures.push(format!(
                "{}: ACCEPTED a {} case (subject {:?})",
                l.name, l.case.reason, v.subject
            )),
            ("reject", Err(e)) => {
                eprintln!("{}: rejected as expected ({}): {e}", l.name, l.case.reason);
                rejected += 1;
            }
            (other, _) => failures.push(format!("{}: unknown expect {other:?}", l.name)),
        }
    }
    eprintln!("vectors: {accepted} accepted and {rejected} rejected as expected");
    assert!(
        failures.is_empty(),
        "vector failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn sha1_accept_cases_are_refused_when_sha1_is_not_allowed() {
    let mut checked = 0;
    for dir in case_dirs() {
        let mut l = load(&dir);
        if l.case.expect != "accept" || !l.case.sha1 {
            continue;
        }
        l.options.allow_sha1 = false;
        match verify_response(&l.response, &l.options) {
            Err(Error::Rejected(Rejection::Sha1NotAllowed(_))) => checked += 1,
            other => panic!("{}: expected Sha1NotAllowed, got {other:?}", l.name),
        }
    }
    assert!(checked > 0, "no SHA-1 accept case found");
}

#[test]
fn reject_reasons_map_to_their_rejection_class() {
    // A reject case may trip more than one check, so only the classes that cannot be
    // reached any other way are pinned here.
    for dir in case_dirs() {
        let l = load(&dir);
        if l.case.expect != "reject" {
            continue;
        }
        let Err(Error::Rejected(rejection)) = verify_response(&l.response, &l.options) else {
            continue;
        };
        let fits = match l.case.reason.as_str() {
            "expired" => matches!(rejection, Rejection::Expired { .. }),
            "not-yet-valid" => matches!(rejection, Rejection::NotYetValid { .. }),
            "wrong-audience" => matches!(rejection, Rejection::Audience { .. }),
            "wrong-recipient" => matches!(rejection, Rejection::Recipient { .. }),
            "wrong-cert" | "keyinfo-cert-substitution" => {
                matches!(rejection, Rejection::BadSignature)
            }
            "bad-signature" => matches!(
                rejection,
                Rejection::BadSignature | Rejection::MalformedSignature(_)
            ),
            "unsigned" => matches!(rejection, Rejection::Unsigned),
            _ => true,
        };
        assert!(
            fits,
            "{}: reason {} but rejected with {rejection:?}",
            l.name, l.case.reason
        );
    }
}
