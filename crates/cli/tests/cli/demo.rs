//! `connect-sso demo`: the README's first command, run as a smoke test.

use crate::common::run_in;

#[test]
fn demo_runs_the_whole_mission_and_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), &["demo"], &[], b"");
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let story = &out.stdout;
    for expected in [
        "✓ a plan of 12 creations and nothing blocking",
        "[12/12] entra.assignment[\"Connect Supervisors\"] create … done in",
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
    ] {
        assert!(
            story.contains(expected),
            "missing {expected:?} in:\n{story}"
        );
    }
    assert!(!story.contains('✗'), "{story}");
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
fn demo_refuses_a_non_loopback_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_in(dir.path(), &["demo", "--bind", "0.0.0.0:0"], &[], b"");
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
}
