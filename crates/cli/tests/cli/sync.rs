//! `connect-sso sync` as a user runs it: after `init` and `apply`, alice cannot sign in until
//! sync has created her Connect user.

use crate::world::World;

#[test]
fn sync_creates_the_members_users_and_login_then_succeeds() {
    let w = World::start();
    w.init_and_apply();

    // Before sync, alice has no Connect user: Connect refuses her.
    let before = w.run(&["login", "--user", "alice@contoso.com"]);
    assert_ne!(before.code, 0, "{}", before.stdout);

    // Without a terminal and without --yes, sync refuses and changes nothing.
    let refused = w.run(&["sync"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert!(refused.stdout.contains("1 to create"), "{}", refused.stdout);

    // --dry-run shows the diff, grouped with counts, and the guest skipped with the fix.
    let dry = w.run(&["sync", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout
            .starts_with("Users: 1 to create, 0 unchanged, 1 skipped"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("+ alice@contoso.com"), "{}", dry.stdout);
    assert!(
        dry.stdout
            .contains("hint: map RoleSessionName from user.mail"),
        "{}",
        dry.stdout
    );

    let run = w.run(&["sync", "--yes"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("sync: 1 change made"), "{}", run.stdout);
    assert!(
        run.stderr.contains("[1/1] create alice@contoso.com"),
        "{}",
        run.stderr
    );

    let login = w.run(&["login", "--user", "alice@contoso.com"]);
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(
        login
            .stdout
            .contains("alice@contoso.com is signed in to Amazon Connect"),
        "{}",
        login.stdout
    );

    // Nothing left to do; --json says so.
    let again = w.run(&["sync", "--yes", "--json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let doc: serde_json::Value = serde_json::from_str(&again.stdout).expect("JSON");
    assert_eq!(doc["diff"]["changes"], serde_json::json!([]));
    assert_eq!(doc["diff"]["unchanged"], 1);
    assert_eq!(
        doc["diff"]["skipped"][0]["username"],
        "dave_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    );
}

#[test]
fn sync_watch_needs_yes_and_stops_on_ctrl_c_between_rounds() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let w = World::start();
    w.init_and_apply();
    let refused = w.run(&["sync", "--watch"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect-sso"));
    cmd.args(["sync", "--watch", "--yes", "--json", "--interval", "1"])
        .args(["--sandbox-url", &w.base])
        .current_dir(w.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in
        std::env::vars().filter(|(k, _)| k.starts_with("AWS_") || k.starts_with("CONNECT_SSO_"))
    {
        cmd.env_remove(k);
    }
    let mut child = cmd.spawn().expect("connect-sso starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    // Round 1 (a full sync that creates alice) is one JSON line; then Ctrl-C.
    let first = lines.next().expect("a round").expect("a line");
    let round: serde_json::Value = serde_json::from_str(&first).expect("one JSON line per round");
    assert_eq!(round["round"], 1);
    assert_eq!(round["trigger"], "start");
    assert_eq!(round["result"]["applied"], 1, "{first}");
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("round 1: start: full sync"), "{stderr}");
    assert!(stderr.contains("sync --watch: stopped"), "{stderr}");
    let python = connect_sso_testkit::skip_unless_peer!(connect_sso_testkit::peer::venv_python(&[
        "jsonschema"
    ]));
    crate::output_schemas::assert_valid(&python, &first, "sync-round.schema.json");
}
