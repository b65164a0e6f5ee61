//! `apply` asks before changing anything: in a pseudo-terminal (Python's standard `pty`
//! module drives the real binary, answering at the prompt as a person would), declining
//! changes nothing; without a terminal, `--yes` or a saved plan is required.

use std::process::Command;

use crate::world::World;

/// Run `connect-sso ARGS` in a pseudo-terminal in `dir`, answering `answer` when the apply
/// prompt appears. Returns (exit code, everything the terminal showed).
fn in_terminal(dir: &std::path::Path, args: &[&str], answer: &str) -> (i32, String) {
    in_terminal_at(dir, args, "Only `yes` is accepted", answer)
}

/// [`in_terminal`], typing `answer` (lines separated by `\n`) once `trigger` appears.
fn in_terminal_at(
    dir: &std::path::Path,
    args: &[&str],
    trigger: &str,
    answer: &str,
) -> (i32, String) {
    const DRIVER: &str = r#"
import os, pty, sys
trigger = sys.argv[1].encode()
answer = sys.argv[2].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.environ["NO_COLOR"] = "1"
    os.execv(sys.argv[3], sys.argv[3:])
seen, answered = b"", False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
    if not answered and trigger in seen:
        os.write(fd, answer)
        answered = True
sys.stdout.buffer.write(seen)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(DRIVER)
        .arg(trigger)
        .arg(answer)
        .arg(env!("CARGO_BIN_EXE_connect-sso"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3 runs (every supported machine has it)");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).replace('\r', ""),
    )
}

#[test]
fn apply_shows_the_plan_and_asks_and_declining_changes_nothing() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let (code, screen) = in_terminal(w.path(), &["apply", "--sandbox-url", &w.base], "no");
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("+ entra.app create"), "{screen}");
    assert!(
        screen.contains("Plan: 11 to create, 0 to update, 0 to adopt, 0 to delete."),
        "{screen}"
    );
    assert!(
        screen.contains("Apply these changes to the sandbox at"),
        "{screen}"
    );
    assert!(
        screen.contains("apply cancelled; nothing was changed"),
        "{screen}"
    );
    // Nothing was changed: the plan is still the whole plan.
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("Plan: 11 to create"),
        "{}",
        plan.stdout
    );

    // Saying yes applies it.
    let (code, screen) = in_terminal(w.path(), &["apply", "--sandbox-url", &w.base], "yes");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Apply complete: 11 changes"), "{screen}");
}

#[test]
fn apply_without_a_terminal_needs_yes_or_a_saved_plan() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let refused = w.run(&["apply"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("refusing to apply without confirmation: standard input is not a terminal"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint: pass --yes to confirm"));
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "nothing was applied: {}", plan.stdout);
    // A saved plan was reviewed already: no question.
    assert_eq!(w.run(&["plan", "--out", "p.json"]).code, 0);
    let applied = w.run(&["apply", "p.json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
}

#[test]
fn apply_stops_at_a_manual_step_with_exit_3_and_continues_once_it_is_done() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let spec = w.path().join("connect-sso.toml");
    let text = std::fs::read_to_string(&spec).expect("spec");
    let text = text.replacen(
        "[entra]\n",
        "[entra]\nbasic_saml_configuration = \"console\"\n",
        1,
    );
    std::fs::write(&spec, text).expect("write spec");
    let stopped = w.run(&["apply", "--yes"]);
    assert_eq!(stopped.code, 3, "{}", stopped.stderr);
    assert!(
        stopped.stdout.contains("! entra.relay_state manual"),
        "{}",
        stopped.stdout
    );
    let relay = stopped
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Relay State (Optional): "))
        .expect("the exact value to enter")
        .to_string();
    assert!(relay.contains("/connect/federate/"), "{relay}");
    assert!(
        stopped
            .stderr
            .contains("Run `connect-sso apply` again once it is done")
    );

    // Not done yet: still exit 3. Then a person saves the page, and apply goes on.
    assert_eq!(w.run(&["apply", "--yes"]).code, 3);
    w.save_basic_saml_configuration("Amazon Connect", serde_json::json!({"relayState": relay}));
    let done = w.run(&["apply", "--yes"]);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("entra.assignments create"),
        "{}",
        done.stderr
    );
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}", plan.stdout);
}

#[test]
fn login_open_on_the_sandbox_opens_the_sign_in_page_in_the_browser() {
    let w = World::start();
    w.init_and_apply();
    let out = crate::common::run_in(
        w.path(),
        &[
            "login",
            "--user",
            "bob@contoso.com",
            "--open",
            "--sandbox-url",
            &w.base,
        ],
        &[("BROWSER", "true")],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("/signin/"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("login: opened the sandbox's sign-in page in the browser"),
        "{}",
        out.stderr
    );
}

#[test]
fn init_for_the_cloud_asks_on_a_terminal_for_what_only_the_user_knows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, screen) = in_terminal_at(
        dir.path(),
        &["init", "--target", "cloud", "--region", "eu-west-2"],
        "tenant) ID: ",
        "72f988bf-86f1-41af-91ab-2d7cd011db47\n111122223333\nadmin@acme.example",
    );
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("AWS account ID of the Connect instance"),
        "{screen}"
    );
    let spec = std::fs::read_to_string(dir.path().join("connect-sso.toml")).expect("written");
    assert!(spec.contains("account_id = \"111122223333\""), "{spec}");
    assert!(spec.contains("username = \"admin@acme.example\""), "{spec}");
}
