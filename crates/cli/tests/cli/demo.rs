//! `connect-sso demo`: the README's first command, run as a smoke test.

use crate::common::run_in;

/// Run `connect-sso ARGS` in a fresh directory; it must exit 0 and tell every `expected` line,
/// with no failed check (✗). Its story.
fn story_of(args: &[&str], expected: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), args, &[], b"");
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let story = out.stdout;
    for e in expected {
        assert!(story.contains(e), "missing {e:?} in:\n{story}");
    }
    assert!(!story.contains('✗'), "{story}");
    story
}

#[test]
fn demo_runs_the_whole_mission_and_exits_0() {
    let story = &story_of(
        &["demo"],
        &[
            "✓ a plan of 11 creations and nothing blocking",
            "[11/11] entra.assignments create … done in",
            "✓ every step applied, and a second plan finds nothing left to change",
            "+ alice@contoso.com: created (member of \"Connect Agents\")",
            "! dave_fabrikam.com#EXT#@contoso.onmicrosoft.com: skipped",
            "alice@contoso.com (agent) → signed in to Amazon Connect as alice@contoso.com",
            "bob@contoso.com (supervisor and admin) → signed in to Amazon Connect as bob@contoso.com",
            "landed on /ccp-v2",
            "carol@contoso.com → refused at IdP sign-in",
            "AADSTS50105",
            "likely cause: the user is not assigned to the app",
            "password         Sandbox-Passw0rd!",
            "Demo complete in",
        ],
    );
    // The sandbox is gone and the temporary spec removed.
    let spec = story
        .lines()
        .find_map(|l| l.trim().strip_prefix("spec written to "))
        .and_then(|l| l.split(" (").next())
        .expect("the spec path is printed");
    assert!(
        !std::path::Path::new(spec).exists(),
        "{spec} was not removed"
    );
}

#[test]
fn brokered_demo_plays_the_console_steps_signs_in_through_the_portal_and_explains_a_fault() {
    story_of(
        &["demo", "--topology", "brokered"],
        &[
            "! identity_center.service_provider",
            "! identity_center.identity_source",
            "! identity_center.application",
            "Attribute mappings → https://aws.amazon.com/SAML/Attributes/Role:",
            "✓ three console steps, then apply converges and a second apply changes nothing",
            "alice@contoso.com → signed in to Amazon Connect as alice@contoso.com",
            "AWS access portal → the access portal's application tile",
            "✓ the refusal names the missing Role mapping",
            "Demo complete in",
        ],
    );
}

#[test]
fn demo_refuses_a_non_loopback_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), &["demo", "--bind", "0.0.0.0:0"], &[], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

/// Kills the demo even when an assertion fails.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_keep_running_serves_its_spec_to_other_commands_until_ctrl_c() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().expect("temp dir");
    let child = Command::new(env!("CARGO_BIN_EXE_connect-sso"))
        .args(["demo", "--keep-running"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut demo = Running(child);
    let stdout = demo.0.stdout.take().expect("stdout is piped");
    let mut spec = None;
    let mut story = String::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.expect("UTF-8");
        story.push_str(&line);
        story.push('\n');
        if let Some(rest) = line.trim().strip_prefix("spec written to ") {
            spec = rest
                .strip_suffix(" (kept after the demo)")
                .map(str::to_string);
        }
        if line.contains("press Ctrl-C to stop it") {
            break;
        }
    }
    assert!(story.contains("Demo complete"), "{story}");
    let spec = spec.unwrap_or_else(|| panic!("no kept spec path in:\n{story}"));

    // The kept spec names the running sandbox: other commands just work with -f.
    let login = run_in(
        dir.path(),
        &["login", "-f", &spec, "--user", "alice@contoso.com"],
        &[],
        b"",
    );
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(
        login
            .stdout
            .contains("alice@contoso.com is signed in to Amazon Connect"),
        "{}",
        login.stdout
    );
    let plan = run_in(
        dir.path(),
        &["plan", "-f", &spec, "--detailed-exitcode"],
        &[],
        b"",
    );
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);

    // Ctrl-C stops it cleanly.
    let pid = demo.0.id().to_string();
    let sent = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = demo.0.wait().expect("the demo exits");
    assert_eq!(status.code(), Some(0));
    if let Some(parent) = std::path::Path::new(&spec).parent() {
        let _ = std::fs::remove_dir_all(parent);
    }
}
