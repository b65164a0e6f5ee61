//! `connect-sso init`, `spec schema` and `spec check`: writing and reading the spec.

use crate::common::run_in;

#[test]
fn schema_is_json_schema_of_the_spec() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), &["spec", "schema"], &[], b"");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert!(schema["$schema"].as_str().is_some(), "{schema}");
    assert!(schema["properties"]["entra"].is_object(), "{schema}");
}

#[test]
fn init_writes_a_spec_that_checks_and_force_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let init = run_in(dir.path(), &["init", "--alias", "acme-contact"], &[], b"");
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(init.stdout.is_empty(), "init writes the file, not stdout");
    let check = run_in(dir.path(), &["spec", "check", "--json"], &[], b"");
    assert_eq!(check.code, 0, "{}", check.stderr);
    let json: serde_json::Value = serde_json::from_str(&check.stdout).expect("JSON");
    assert_eq!(json["valid"], true);
    assert_eq!(
        json["derived"]["role_claim_value"],
        "arn:aws:iam::111122223333:role/ConnectFederation,arn:aws:iam::111122223333:saml-provider/EntraID"
    );
    assert_eq!(
        json["trust_policy"]["Statement"][0]["Action"],
        "sts:AssumeRoleWithSAML"
    );

    // Refused without --force; replaced with it.
    let again = run_in(dir.path(), &["init", "--alias", "other"], &[], b"");
    assert_eq!(again.code, 2);
    let text = std::fs::read_to_string(dir.path().join("connect-sso.toml")).expect("spec");
    assert!(text.contains("acme-contact"), "the file was not touched");
    let forced = run_in(
        dir.path(),
        &["init", "--alias", "other", "--force"],
        &[],
        b"",
    );
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    let text = std::fs::read_to_string(dir.path().join("connect-sso.toml")).expect("spec");
    assert!(text.contains("instance_alias = \"other\""), "{text}");
}

#[test]
fn init_refuses_values_that_make_an_invalid_spec() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), &["init", "--account-id", "12345"], &[], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("aws.account_id"), "{}", out.stderr);
    assert!(out.stderr.contains("--account-id"), "{}", out.stderr);
    assert!(
        !dir.path().join("connect-sso.toml").exists(),
        "nothing is written"
    );
}

#[test]
fn check_of_an_invalid_spec_prints_json_errors_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.toml"), "version = 2\n").expect("write");
    let out = run_in(
        dir.path(),
        &["spec", "check", "-f", "bad.toml", "--json"],
        &[],
        b"",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["valid"], false);
    assert!(json["errors"][0]["message"].as_str().is_some(), "{json}");
}
