//! The shared SAML test vectors (shared/vectors/saml), run through `connect-sso saml verify`.
//! Each folder with a case.toml is a case; new folders are picked up automatically.

use std::path::{Path, PathBuf};

use crate::common::run;

/// `shared/vectors/saml` next to the workspace, or `$CONNECT_SSO_SAML_VECTORS`.
fn vectors_dir() -> PathBuf {
    match std::env::var_os("CONNECT_SSO_SAML_VECTORS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/vectors/saml"
        ))
        .to_path_buf(),
    }
}

#[derive(Debug, serde::Deserialize)]
struct Case {
    now: String,
    audience: String,
    recipient: String,
    expect: String,
    reason: String,
    subject: Option<String>,
    #[serde(default)]
    sha1: bool,
    #[serde(default)]
    document: Option<String>,
}

/// Run one case; `Err` describes a disagreement.
fn check_case(dir: &Path) -> Result<(), String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text =
        std::fs::read_to_string(dir.join("case.toml")).map_err(|e| format!("{name}: {e}"))?;
    let case: Case = toml::from_str(&text).map_err(|e| format!("{name}: case.toml: {e}"))?;
    let response = dir.join("response.xml").to_string_lossy().into_owned();
    let metadata = dir.join("idp-metadata.xml");
    let (trust_flag, trust_path) = if metadata.exists() {
        ("--idp-metadata", metadata.to_string_lossy().into_owned())
    } else {
        (
            "--idp-cert",
            dir.join("idp-cert.pem").to_string_lossy().into_owned(),
        )
    };
    let mut args = vec![
        "saml",
        "verify",
        &response,
        trust_flag,
        &trust_path,
        "--now",
        &case.now,
        "--skew",
        "0",
        "--json",
    ];
    if !case.audience.is_empty() {
        args.extend(["--audience", &case.audience]);
    }
    if !case.recipient.is_empty() {
        args.extend(["--recipient", &case.recipient]);
    }
    if case.sha1 {
        args.push("--allow-sha1");
    }
    if case.document.as_deref() == Some("assertion") {
        args.push("--allow-bare-assertion");
    }
    let out = run(&args);
    match case.expect.as_str() {
        "accept" => {
            if out.code != 0 {
                return Err(format!(
                    "{name}: expected accept, exit {}: {}",
                    out.code,
                    out.stderr.trim()
                ));
            }
            let json: serde_json::Value = serde_json::from_str(&out.stdout)
                .map_err(|e| format!("{name}: stdout is not JSON ({e}): {}", out.stdout))?;
            let subject = json["assertion"]["subject"].as_str().unwrap_or_default();
            let want = case.subject.as_deref().unwrap_or_default();
            if subject != want {
                return Err(format!("{name}: subject {subject:?}, expected {want:?}"));
            }
            Ok(())
        }
        "reject" => {
            if out.code != 1 {
                return Err(format!(
                    "{name}: expected reject ({}) with exit 1, got exit {}: {}{}",
                    case.reason,
                    out.code,
                    out.stdout.trim(),
                    out.stderr.trim()
                ));
            }
            if !out.stderr.starts_with("error: ") {
                return Err(format!(
                    "{name}: rejection not reported on stderr: {}",
                    out.stderr
                ));
            }
            Ok(())
        }
        other => Err(format!("{name}: unknown expect {other:?}")),
    }
}

#[test]
fn every_vector_gets_its_verdict_from_the_cli() {
    let root = vectors_dir();
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "the SAML test vectors are missing at {} ({e}); they live in shared/vectors/saml next to \
             the workspace (or set CONNECT_SSO_SAML_VECTORS)",
            root.display()
        )
    });
    let mut cases: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 50,
        "only {} cases found in {}",
        cases.len(),
        root.display()
    );
    let failures: Vec<String> = cases.iter().filter_map(|c| check_case(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
