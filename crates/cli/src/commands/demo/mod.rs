//! `connect-sso demo`: the whole mission against an in-process sandbox, told for someone who
//! has never seen SAML. It is also a smoke test: every expected outcome is checked, and the
//! demo exits 1 when one does not happen.
//!
//! The story goes to stdout (it is this command's output); errors go to stderr as usual.

mod brokered;

use std::path::PathBuf;
use std::time::Instant;

use connect_sso_aws::Aws;
use connect_sso_engine::apply::{Clients, apply};
use connect_sso_engine::login::{LoginRequest, login};
use connect_sso_engine::observe::observe;
use connect_sso_engine::sync::{ChangeKind, SyncOptions, execute, prepare};
use connect_sso_engine::{Action, plan};
use connect_sso_sandbox::{Config, Sandbox, TEST_ACCOUNT_ID, TEST_REGION, Urls, entra};
use connect_sso_spec::{Spec, StarterValues, TargetKind, starter};
use time::OffsetDateTime;

use super::login::{chain_labels, destination};
use super::mission::{Progress, Sink, action_word, engine_error};
use super::{Interrupt, runtime};
use crate::cli::{DemoArgs, TopologyChoice};
use crate::error::{CommandError, ExitCode};
use crate::printer::{Printer, Style};
use crate::target::{sandbox_aws, sandbox_graph, sandbox_launch_url};

/// Factor by which the demo raises the emulated API rate limits (Amazon Connect's default is
/// 2 requests/s per API with a burst of 5, docs/facts.md §2).
const QUOTA_FACTOR: f64 = 20.0;
/// Alias of the demo's Connect instance.
pub(super) const DEMO_ALIAS: &str = "demo-contact";

/// Run the command.
pub(crate) fn run(args: &DemoArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    if !args.bind.ip().is_loopback() {
        return Err(CommandError::error(format!(
            "refusing to listen on {}: the sandbox accepts well-known test credentials",
            args.bind
        ))
        .hint("use a loopback address such as 127.0.0.1:7341"));
    }
    runtime()?.block_on(demo(args, printer))
}

/// The story being told, and what did not go as expected.
pub(super) struct Story<'p> {
    printer: &'p Printer,
    section: usize,
    failures: Vec<String>,
}

impl<'p> Story<'p> {
    pub(super) fn out(&self, text: &str) {
        self.printer.out(text);
    }

    /// A numbered section: a title, and one plain sentence saying what happens.
    pub(super) fn section(&mut self, title: &str, sentence: &str) {
        self.section += 1;
        let heading = format!("{}. {title}", self.section);
        self.out(&format!(
            "\n{}\n{}\n",
            self.printer.style(Style::Key, &heading),
            wrap(sentence, 92, "", "")
        ));
    }

    /// Name/value rows, the names in one column.
    pub(super) fn rows(&self, rows: &[(&str, String)]) {
        for (k, v) in rows {
            self.out(&format!("  {k:<15}  {v}\n"));
        }
    }

    /// The hops a sign-in went through, in one wrapped line.
    pub(super) fn chain(&self, trail: &[connect_sso_engine::login::Request]) {
        self.out(&format!(
            "{}\n",
            wrap(
                &chain_labels(trail).join(" → "),
                92,
                "      the chain: ",
                "        "
            )
        ));
    }

    /// Check an expected outcome.
    pub(super) fn check(&mut self, ok: bool, what: &str) {
        if ok {
            self.out(&format!(
                "  {} {what}\n",
                self.printer.style(Style::Ok, "✓")
            ));
        } else {
            self.out(&format!(
                "  {} expected: {what}\n",
                self.printer.style(Style::Error, "✗")
            ));
            self.failures.push(what.to_string());
        }
    }
}

/// Wrap `text` at `width` columns: the first line starts with `first`, the others with `rest`.
pub(super) fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out
}

/// The demo's spec: the starter for the sandbox, pointed at the running sandbox.
fn demo_spec(base: &str) -> Result<(String, Spec), CommandError> {
    let text = starter(&StarterValues {
        tenant_id: entra::DEFAULT_TENANT_ID.into(),
        account_id: TEST_ACCOUNT_ID.into(),
        region: TEST_REGION.into(),
        instance_alias: DEMO_ALIAS.into(),
        target: TargetKind::Sandbox,
        admin_username: entra::USER_BOB_UPN.into(),
    });
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
        CommandError::error("the starter spec is not TOML (a bug in connect-sso)").caused_by(&e)
    })?;
    doc["target"]["url"] = toml_edit::value(base);
    let text = doc.to_string();
    let spec = Spec::parse(&text).map_err(|e| {
        CommandError::error("the demo spec does not validate (a bug in connect-sso)").caused_by(&e)
    })?;
    Ok((text, spec))
}

/// The demo's directory, removed when the returned value is dropped, unless `--keep-running`
/// keeps it (and the spec in it) for the commands a person runs next.
pub(super) fn removed_at_the_end(dir: tempfile::TempDir, keep: bool) -> Option<tempfile::TempDir> {
    if keep {
        let _ = dir.keep();
        None
    } else {
        Some(dir)
    }
}

/// Write the spec to a fresh temporary directory.
pub(super) fn write_spec(text: &str) -> Result<(tempfile::TempDir, PathBuf), CommandError> {
    let dir = tempfile::Builder::new()
        .prefix("connect-sso-demo-")
        .tempdir()
        .map_err(|e| CommandError::error("could not create a temporary directory").caused_by(&e))?;
    let path = dir.path().join("connect-sso.toml");
    std::fs::write(&path, text).map_err(|e| {
        CommandError::error(format!("could not write {}", path.display())).caused_by(&e)
    })?;
    Ok((dir, path))
}

async fn demo(args: &DemoArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let started = Instant::now();
    let mut story = Story {
        printer,
        section: 0,
        failures: Vec::new(),
    };
    story.out(&format!(
        "{}\n{}\n",
        printer.style(Style::Key, "connect-sso demo"),
        wrap(
            "Single sign-on from Microsoft Entra ID (where people have their work accounts) into \
             Amazon Connect (the contact centre), set up and tested end to end on this machine. \
             No real cloud is touched: both sides are local emulators that speak the real \
             protocols.",
            92,
            "",
            ""
        )
    ));

    story.section(
        "Start the emulators",
        "Entra ID and AWS (IAM, STS, AWS sign-in and Amazon Connect) are emulated inside this \
         process, on one local port.",
    );
    let sandbox = Sandbox::start(Config {
        bind: args.bind,
        ..Config::default()
    })
    .await
    .map_err(|e| {
        CommandError::error(format!("could not start the sandbox on {}", args.bind))
            .caused_by(e.as_ref())
            .hint("another process may hold the port: pick another with --bind 127.0.0.1:0")
    })?;
    let urls = sandbox.urls().clone();
    sandbox.state.aws.quotas.scale_all(QUOTA_FACTOR);
    story.out(&format!(
        "  sandbox running at {}\n{}\n",
        urls.base(),
        wrap(
            &format!(
                "Amazon Connect allows 2 API calls per second per API (bursts of 5); the \
                 demo raises the emulator's limits {QUOTA_FACTOR}-fold so that it runs in seconds. \
                 connect-sso retries throttled calls either way."
            ),
            92,
            "  note: ",
            "        "
        )
    ));

    let outcome = match args.topology {
        TopologyChoice::Direct => mission(args, printer, &mut story, &urls).await,
        TopologyChoice::Brokered => brokered::mission(args, printer, &mut story, &urls).await,
    };
    let code = match outcome {
        Ok(()) if story.failures.is_empty() => {
            story.out(&format!(
                "\n{} in {:.1} s: everything happened as expected.\n",
                printer.style(Style::Ok, "Demo complete"),
                started.elapsed().as_secs_f64()
            ));
            Ok(ExitCode::Success)
        }
        Ok(()) => {
            let n = story.failures.len();
            let mut err = CommandError::rejected(format!(
                "the demo did not go as expected: {n} outcome{} differ{}",
                if n == 1 { "" } else { "s" },
                if n == 1 { "s" } else { "" }
            ));
            for f in &story.failures {
                err = err.detail(format!("expected: {f}"));
            }
            Err(err)
        }
        Err(e) => Err(e),
    };
    if args.keep_running {
        // Say what went wrong now, while the sandbox stays up to look into it.
        let code = code.map_err(|e| {
            printer.report(&e);
            e.reported()
        });
        let interrupt = Interrupt::listen()?;
        story.out(&format!(
            "\nThe sandbox keeps running at {}; press Ctrl-C to stop it.\n",
            urls.base()
        ));
        let waited = interrupt.wait().await;
        story.out("\nStopping the sandbox.\n");
        sandbox.shutdown().await;
        waited?;
        return code;
    }
    sandbox.shutdown().await;
    code
}

/// Everything after the sandbox is up. An `Err` means the demo could not go on.
async fn mission(
    args: &DemoArgs,
    printer: &Printer,
    story: &mut Story<'_>,
    urls: &Urls,
) -> Result<(), CommandError> {
    // The spec.
    story.section(
        "Write the spec",
        "Everything connect-sso sets up is described in one small file: which Entra groups may \
         sign in and what they become in Connect, which AWS account and Region, what the Connect \
         instance is called.",
    );
    let (text, spec) = demo_spec(urls.base())?;
    let (dir, path) = write_spec(&text)?;
    story.out(&format!(
        "  spec written to {}{}\n",
        path.display(),
        if args.keep_running {
            " (kept after the demo)"
        } else {
            " (removed when the demo ends)"
        }
    ));
    for a in &spec.entra.access {
        story.out(&format!(
            "  members of Entra group {:?} become Connect users with security profile {}\n",
            a.group,
            a.security_profiles.join(", ")
        ));
    }
    if let Some(admin) = &spec.connect.admin {
        story.out(&format!(
            "  {} becomes the first Connect administrator\n",
            admin.username
        ));
    }
    let _dir = removed_at_the_end(dir, args.keep_running);

    let graph = sandbox_graph(urls, &spec.entra.tenant_id)?;
    let aws = sandbox_aws(urls, &spec.aws.region);

    // Plan.
    story.section(
        "Plan",
        "connect-sso first reads both sides and compares them with the spec. Nothing exists yet, \
         so every step creates something; each says why it is needed.",
    );
    let snap = observe(&graph, &aws, &spec)
        .await
        .map_err(|e| engine_error("could not read the sandbox", &e))?;
    let p = plan(&spec, &snap.observed, OffsetDateTime::now_utc());
    for s in &p.steps {
        let sym = match s.action {
            Action::Create => "+",
            Action::Update => "~",
            Action::Adopt => "=",
            Action::Delete => "-",
            Action::Wait => "…",
            Action::Manual => "!",
        };
        story.out(&format!(
            "  {sym} {} {}: {}\n",
            s.resource,
            action_word(s.action),
            s.reason
        ));
    }
    story.out("  (`connect-sso plan` also shows every field and value.)\n");
    story.check(
        p.blockers.is_empty()
            && !p.steps.is_empty()
            && p.steps.iter().all(|s| s.action == Action::Create),
        &format!("a plan of {} creations and nothing blocking", p.steps.len()),
    );

    // Apply.
    story.section(
        "Apply",
        "Now connect-sso makes the changes one step at a time. After each step it reads back what \
         that step changed and plans again, so every step is decided on the world as it is, and \
         a run that is interrupted simply continues the next time.",
    );
    let progress = Progress::new(printer, Sink::Stdout, "  ", p.steps.len());
    let clients = Clients::new(&graph, &aws);
    let report = apply(&clients, &spec, None, &|e| progress.on_event(e)).await;
    progress.finish();
    let report = report.map_err(|e| engine_error("apply failed", &e))?;
    let instance_id = report.instance_id.clone().ok_or_else(|| {
        CommandError::error("apply finished without a Connect instance (a bug in connect-sso)")
    })?;
    let app_id = report.app_id.clone().ok_or_else(|| {
        CommandError::error("apply finished without an Entra app (a bug in connect-sso)")
    })?;
    story.out(&format!(
        "  Connect instance {instance_id}, Entra app {app_id}\n"
    ));
    let again = observe(&graph, &aws, &spec)
        .await
        .map_err(|e| engine_error("could not read the sandbox", &e))?;
    let p2 = plan(&spec, &again.observed, OffsetDateTime::now_utc());
    story.check(
        report.executed.len() == p.steps.len() && p2.is_empty() && p2.blockers.is_empty(),
        "every step applied, and a second plan finds nothing left to change",
    );

    // Users.
    story.section(
        "Create the Connect users",
        "Amazon Connect does not create users by itself: a person can sign in only if a Connect \
         user with exactly their Entra username exists. connect-sso creates one for each member \
         of the assigned groups, and skips people AWS would refuse.",
    );
    sync_users(story, &graph, &aws, &spec).await?;

    // Sign-ins.
    let launch_url = sandbox_launch_url(urls, &spec.entra.tenant_id, &app_id);
    story.section(
        "Sign in",
        "Two people sign in the way a browser would: Entra ID checks the password and sends a \
         signed SAML assertion (who the person is, which AWS role they get) to AWS sign-in; AWS \
         checks the signature and the role, then hands the session to Amazon Connect.",
    );
    let wanted = spec.connect.destination.clone().unwrap_or_default();
    for (upn, who) in [
        (entra::USER_ALICE_UPN, "agent"),
        (entra::USER_BOB_UPN, "supervisor and admin"),
    ] {
        let req = LoginRequest {
            launch_url: launch_url.clone(),
            username: upn.to_string(),
            password: entra::DEMO_PASSWORD.to_string(),
            role_arn: None,
            portal_application: None,
        };
        match login(&req).await {
            Ok(o) => {
                let profiles = security_profiles(&aws, &instance_id, upn).await;
                let dest = destination(o.relay_state.as_deref()).unwrap_or_default();
                story.out(&format!(
                    "  {upn} ({who}) → signed in to Amazon Connect as {}\n",
                    o.signed_in_as
                ));
                story.out(&format!(
                    "      landed on {dest}, where the relay state sends people{}\n",
                    profiles
                        .map(|p| format!("; Connect security profile: {p}"))
                        .unwrap_or_default()
                ));
                if upn == entra::USER_ALICE_UPN {
                    story.chain(&o.trail);
                }
                story.check(
                    o.signed_in_as == upn && o.connect_url.contains(&wanted) && dest == wanted,
                    &format!("{upn} signed in and landed on {wanted}, as the relay state asks"),
                );
            }
            Err(e) => {
                story.out(&format!(
                    "  {upn} could not sign in: stopped at {}: {}\n",
                    e.hop, e.answer
                ));
                if let Some(c) = &e.cause {
                    story.out(&format!("    likely cause: {c}\n"));
                }
                story.check(false, &format!("{upn} signs in"));
            }
        }
    }

    // One failure, explained.
    story.section(
        "A refused sign-in, explained",
        "Carol has an Entra account but is in neither group, so Entra ID refuses to issue an \
         assertion for her. When a sign-in fails, connect-sso says where in the chain it \
         stopped, what the server answered, and the likely cause:",
    );
    let req = LoginRequest {
        launch_url: launch_url.clone(),
        username: entra::USER_CAROL_UPN.to_string(),
        password: entra::DEMO_PASSWORD.to_string(),
        role_arn: None,
        portal_application: None,
    };
    match login(&req).await {
        Ok(o) => {
            story.out(&format!(
                "  {} signed in as {} (unexpected)\n",
                entra::USER_CAROL_UPN,
                o.signed_in_as
            ));
            story.check(false, "carol is refused by Entra ID (AADSTS50105)");
        }
        Err(e) => {
            story.out(&format!(
                "  {} → refused at {}\n{}\n",
                entra::USER_CAROL_UPN,
                e.hop,
                wrap(&e.answer, 92, "      the server answered: ", "        ")
            ));
            if let Some(c) = &e.cause {
                story.out(&format!(
                    "{}\n",
                    wrap(c, 92, "      likely cause: ", "        ")
                ));
            }
            let at_idp = matches!(
                e.hop,
                connect_sso_engine::login::Hop::IdpSignInPage
                    | connect_sso_engine::login::Hop::IdpCredentials
            );
            story.check(
                at_idp && e.answer.contains("AADSTS50105"),
                "carol is refused at the Entra ID hop with AADSTS50105 (not assigned to the app)",
            );
        }
    }

    // What to try next.
    story.section(
        "Try it yourself",
        "These are the places and credentials the demo used:",
    );
    let rows = [
        ("sandbox", urls.base().to_string()),
        ("Entra ID", urls.entra_login()),
        ("Microsoft Graph", urls.graph()),
        ("AWS sign-in", urls.signin()),
        ("sign-in URL", launch_url.clone()),
        (
            "users",
            format!(
                "{} (agent), {} (supervisor), {} (refused)",
                entra::USER_ALICE_UPN,
                entra::USER_BOB_UPN,
                entra::USER_CAROL_UPN
            ),
        ),
        ("password", entra::DEMO_PASSWORD.to_string()),
        ("spec", path.display().to_string()),
    ];
    story.rows(&rows);
    if args.keep_running {
        story.out(&format!(
            "\n{}\n",
            wrap(
                &format!(
                    "Open the sign-in URL in a browser and sign in as alice or bob, or in another \
                     terminal run `connect-sso login -f {} --user {}`; `connect-sso plan -f {}` \
                     shows no changes.",
                    path.display(),
                    entra::USER_ALICE_UPN,
                    path.display()
                ),
                92,
                "",
                ""
            )
        ));
    } else {
        story.out(&format!(
            "\n{}\n",
            wrap(
                "The sandbox stops when the demo ends; `connect-sso demo --keep-running` keeps it \
                 up so that you can open the sign-in URL in a browser.",
                92,
                "",
                ""
            )
        ));
    }
    Ok(())
}

/// `" Agent"`-style names of a Connect user's security profiles, if they can be read.
/// The users section: `sync` itself, its diff told, its outcome checked.
async fn sync_users(
    story: &mut Story<'_>,
    graph: &connect_sso_entra::Graph,
    aws: &Aws,
    spec: &Spec,
) -> Result<(), CommandError> {
    let opts = SyncOptions::default();
    let prepared = prepare(graph, aws, spec, &opts)
        .await
        .map_err(|e| engine_error("could not read the users to sync", &e))?;
    let diff = &prepared.diff;
    for c in &diff.changes {
        let done = match c.kind {
            ChangeKind::Create => "created",
            other => other.word(),
        };
        story.out(&format!("  + {}: {done} ({})\n", c.username, c.reason));
    }
    for s in &diff.skipped {
        let reason = format!("{}; {}", s.problem, s.hint);
        story.out(&format!(
            "  ! {}: skipped\n{}\n",
            s.username,
            wrap(&reason, 92, "      ", "      ")
        ));
    }
    let report = execute(aws, spec, &prepared, &opts, &|_| {})
        .await
        .map_err(|e| engine_error("could not create the Connect users", &e))?;
    let created = |upn: &str| {
        diff.changes
            .iter()
            .any(|c| c.kind == ChangeKind::Create && c.username == upn)
    };
    story.check(
        created(entra::USER_ALICE_UPN) && report.failed.is_empty(),
        "a Connect user for alice (Connect Agents); bob, the first administrator, exists already",
    );
    story.check(
        diff.skipped
            .iter()
            .any(|s| s.username == entra::USER_GUEST_UPN),
        "the guest user skipped: AWS refuses #EXT# in RoleSessionName",
    );
    Ok(())
}

async fn security_profiles(aws: &Aws, instance_id: &str, username: &str) -> Option<String> {
    let user = aws.find_user(instance_id, username).await.ok()??;
    let names = aws.security_profiles(instance_id).await.ok()?;
    let found: Vec<&str> = names
        .iter()
        .filter(|(_, id)| user.security_profile_ids.contains(id))
        .map(|(n, _)| n.as_str())
        .collect();
    (!found.is_empty()).then(|| found.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_spec_points_at_the_sandbox_and_validates() {
        let (text, spec) = demo_spec("http://127.0.0.1:9").expect("a valid spec");
        assert_eq!(spec.target.url.as_deref(), Some("http://127.0.0.1:9"));
        assert!(text.contains("url = \"http://127.0.0.1:9\""), "{text}");
    }

    #[test]
    fn wrap_keeps_words_and_indents_continuations() {
        assert_eq!(wrap("aa bb cc", 5, "", "  "), "aa bb\n  cc");
        assert_eq!(wrap("one", 80, "- ", ""), "- one");
        assert_eq!(wrap("aa bb", 4, "> ", "  "), "> aa\n  bb");
    }
}
