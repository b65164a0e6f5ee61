//! What the mission commands say when they cannot run, pinned with insta.

use connect_sso_testkit::snapshots;

use crate::common::run_in;

fn snapshot_in(dir: &std::path::Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> i32 {
    let out = run_in(dir, args, env, b"");
    snapshots::bind(|| insta::assert_snapshot!(name, out.transcript(args)));
    out.code
}

/// A port on which nothing listens (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

#[test]
fn missing_spec_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(
        snapshot_in(dir.path(), "mission_missing_spec", &["plan"], &[]),
        2
    );
    assert_eq!(
        snapshot_in(
            dir.path(),
            "mission_missing_spec_other_file",
            &["apply", "--yes", "-f", "prod.toml"],
            &[]
        ),
        2
    );
}

const INVALID_SPEC: &str = r#"version = 1

[target]
kind = "sandbox"

[entra]
tenant_id = "not-a-guid"
app_name = "Amazon Connect"

[aws]
account_id = "12345"
region = "us-east-1"

[connect]
instance_alias = "demo-contact"
"#;

#[test]
fn invalid_spec_is_located() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("connect-sso.toml"), INVALID_SPEC).expect("write");
    assert_eq!(
        snapshot_in(dir.path(), "mission_invalid_spec_plan", &["plan"], &[]),
        2
    );
    assert_eq!(
        snapshot_in(
            dir.path(),
            "mission_invalid_spec_check",
            &["spec", "check"],
            &[]
        ),
        1
    );
    std::fs::write(
        dir.path().join("typo.toml"),
        INVALID_SPEC.replace("app_name", "app_nmae"),
    )
    .expect("write");
    assert_eq!(
        snapshot_in(
            dir.path(),
            "mission_spec_unknown_field",
            &["spec", "check", "-f", "typo.toml"],
            &[]
        ),
        1
    );
}

#[test]
fn no_sandbox_reachable() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(run_in(dir.path(), &["init"], &[], b"").code, 0);
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = run_in(dir.path(), &["plan", "--sandbox-url", &url], &[], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    snapshots::bind(|| {
        insta::assert_snapshot!(
            "mission_no_sandbox",
            out.transcript(&["plan", "--sandbox-url", "http://127.0.0.1:PORT"])
        )
    });
    // The environment variable is used when there is no flag and no target.url.
    let out = run_in(
        dir.path(),
        &["plan"],
        &[("CONNECT_SSO_SANDBOX_URL", &url)],
        b"",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("$CONNECT_SSO_SANDBOX_URL"),
        "{}",
        out.stderr
    );
    // --detailed-exitcode turns every error into 1 (2 means "changes").
    let out = run_in(
        dir.path(),
        &["plan", "--detailed-exitcode", "--sandbox-url", &url],
        &[],
        b"",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let out = run_in(
        dir.path(),
        &["plan", "--detailed-exitcode", "--bogus"],
        &[],
        b"",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
}

/// A directory with a cloud spec written by `init`.
fn cloud_spec_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let init = run_in(
        dir.path(),
        &[
            "init",
            "--target",
            "cloud",
            "--tenant-id",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "--account-id",
            "123456789012",
            "--region",
            "eu-west-2",
            "--alias",
            "acme-contact",
            "--admin",
            "admin@acme.example",
        ],
        &[],
        b"",
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    dir
}

#[test]
fn cloud_target_without_credentials() {
    let dir = cloud_spec_dir();
    // No Azure CLI either: PATH holds nothing.
    let empty = tempfile::tempdir().expect("temp dir");
    let no_az = [("PATH", empty.path().to_str().expect("UTF-8 path"))];
    assert_eq!(
        snapshot_in(
            dir.path(),
            "mission_cloud_no_credentials",
            &["plan"],
            &no_az
        ),
        2
    );
    // login on the cloud never takes a password.
    assert_eq!(
        snapshot_in(
            dir.path(),
            "mission_cloud_login_no_credentials",
            &["login", "--user", "admin@acme.example"],
            &no_az
        ),
        2
    );
    // init for the cloud asks for what only the user knows.
    let other = tempfile::tempdir().expect("temp dir");
    assert_eq!(
        snapshot_in(
            other.path(),
            "mission_init_cloud_missing_values",
            &["init", "--target", "cloud"],
            &[]
        ),
        2
    );
}

#[test]
fn under_json_a_failure_is_a_json_document_on_stdout_with_the_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(run_in(dir.path(), &["init"], &[], b"").code, 0);
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = run_in(
        dir.path(),
        &["plan", "--json", "--sandbox-url", &url],
        &[],
        b"",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON");
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["error"]["kind"], "error");
    assert!(
        doc["error"]["hints"]
            .as_array()
            .is_some_and(|h| !h.is_empty()),
        "{doc}"
    );
    // The person reading stderr still gets the usual report.
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
}

#[test]
fn plan_out_into_a_missing_directory_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_eq!(run_in(dir.path(), &["init"], &[], b"").code, 0);
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = run_in(
        dir.path(),
        &["plan", "--out", "missing/plan.json", "--sandbox-url", &url],
        &[],
        b"",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "cannot save the plan to missing/plan.json: the directory missing does not exist"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn a_corrupt_sandbox_state_file_is_named_in_the_hint_not_the_port() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("state.json"), b"{ not json").expect("write");
    let out = run_in(
        dir.path(),
        &[
            "sandbox",
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--state",
            "state.json",
        ],
        &[],
        b"",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("hint: the state file state.json"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("port"), "{}", out.stderr);
}

#[test]
fn cloud_target_without_aws_credentials_says_so_with_a_hint() {
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() || std::env::var_os("AWS_PROFILE").is_some()
    {
        eprintln!("note: skipping: this environment has AWS credentials");
        return;
    }
    let dir = cloud_spec_dir();
    let home = tempfile::tempdir().expect("temp dir");
    let home = home.path().to_str().expect("UTF-8 path");
    // Graph through a given token (no network); AWS: no profile, no environment, no instance
    // metadata (never leave loopback).
    let out = run_in(
        dir.path(),
        &["plan"],
        &[
            ("HOME", home),
            ("AZURE_ACCESS_TOKEN", "not-a-real-token"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ],
        b"",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("hint: no AWS credentials were found"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("unhandled error"), "{}", out.stderr);
}
