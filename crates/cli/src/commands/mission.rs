//! What the mission verbs share: engine errors as command errors, step progress, and the
//! apply and destroy summaries.

use std::io::{BufRead as _, IsTerminal as _};
use std::path::Path;
use std::sync::Mutex;

use connect_sso_engine::apply::{ApplyReport, DestroyPlan, Event};
use connect_sso_engine::{Action, Resource, Step};
use connect_sso_spec::{Derived, Spec};
use serde::Serialize;

use super::input;
use crate::error::CommandError;
use crate::printer::{Printer, Style, row};
use crate::target::{Place, sign_in_url};

/// An engine failure as a command error: `context` first, the engine's message as the cause,
/// its hint as the hint. Plans that are blocked or stale are a "no" (exit 1); failures to
/// talk to a cloud are errors (exit 2).
pub(crate) fn engine_error(context: &str, e: &connect_sso_engine::Error) -> CommandError {
    use connect_sso_engine::Error as E;
    let err = match e {
        E::Blocked { .. } | E::StalePlan => CommandError::rejected(context),
        _ => CommandError::error(context),
    };
    let err = err.caused_by(e);
    match e.hint() {
        Some(h) => err.hint(h),
        None => err,
    }
}

/// Ask `question` on a terminal and go on only on `yes`; refuse when nobody can answer
/// (standard input is not a terminal): `verb` says what would have been done.
pub(crate) fn confirm(question: &str, verb: &str, cancelled: &str) -> Result<(), CommandError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CommandError::error(format!(
            "refusing to {verb} without confirmation: standard input is not a terminal"
        ))
        .hint("pass --yes to confirm"));
    }
    eprint!("{question} Only `yes` is accepted: ");
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CommandError::error("could not read the answer").caused_by(&e))?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CommandError::rejected(cancelled))
    }
}

/// The word for an action.
pub(crate) fn action_word(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Adopt => "adopt",
        Action::Delete => "delete",
        Action::Wait => "wait for",
        Action::Manual => "do by hand",
    }
}

/// Where progress lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sink {
    /// stderr (`apply`, `destroy`: stdout is for the summary).
    Stderr,
    /// stdout (`demo`: the story is the output).
    Stdout,
}

#[derive(Debug, Default)]
struct ProgressState {
    /// Steps started so far (a step that repeats, like waiting for an instance, counts once).
    n: usize,
    /// Expected number of steps (grows if apply finds more to do).
    total: usize,
    /// The line of the running step, if printed without its end yet.
    open: Option<String>,
    /// A note interrupted the open line.
    broken: bool,
    /// Resource and action of the last step started.
    last: Option<String>,
}

/// Prints `[3/12] aws.saml_provider create … done in 0.4 s` lines from engine events, with
/// notes (`Event::Note`) indented under the step they belong to.
pub(crate) struct Progress<'p> {
    printer: &'p Printer,
    sink: Sink,
    indent: &'static str,
    note_prefix: &'static str,
    state: Mutex<ProgressState>,
}

impl<'p> Progress<'p> {
    /// Progress for about `total` steps.
    pub(crate) fn new(
        printer: &'p Printer,
        sink: Sink,
        indent: &'static str,
        total: usize,
    ) -> Self {
        Self {
            printer,
            sink,
            indent,
            note_prefix: "      ",
            state: Mutex::new(ProgressState {
                total,
                ..ProgressState::default()
            }),
        }
    }

    /// Put `prefix` before notes instead of the indentation under a step (for `destroy`,
    /// whose progress is notes only).
    pub(crate) fn with_note_prefix(mut self, prefix: &'static str) -> Self {
        self.note_prefix = prefix;
        self
    }

    /// How many steps started so far.
    pub(crate) fn steps_started(&self) -> usize {
        self.state.lock().map_or(0, |st| st.n)
    }

    fn write(&self, text: &str) {
        match self.sink {
            Sink::Stderr => self.printer.info_partial(text),
            Sink::Stdout => self.printer.out(text),
        }
    }

    /// End the output: a step line left open (the step failed) is closed.
    pub(crate) fn finish(&self) {
        if let Ok(mut st) = self.state.lock() {
            if st.open.take().is_some() {
                self.write(if st.broken { "" } else { " stopped\n" });
            }
        }
    }

    /// Show one engine event.
    pub(crate) fn on_event(&self, event: Event<'_>) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        match event {
            Event::StepStarted(step) => {
                let key = format!("{} {}", step.resource, action_word(step.action));
                if st.last.as_deref() != Some(key.as_str()) {
                    st.n += 1;
                }
                st.total = st.total.max(st.n);
                let line = format!("{}[{}/{}] {key} …", self.indent, st.n, st.total);
                self.write(&line);
                st.open = Some(line);
                st.broken = false;
                st.last = Some(key);
            }
            Event::Note(text) => {
                if st.open.is_some() && !st.broken {
                    self.write("\n");
                    st.broken = true;
                }
                self.write(&format!("{}{}{text}\n", self.indent, self.note_prefix));
            }
            Event::StepDone(step, took) => {
                let done = format!(" done in {:.1} s\n", took.as_secs_f64());
                match st.open.take() {
                    Some(_) if !st.broken => self.write(&done),
                    Some(line) => self.write(&format!("{line}{done}")),
                    None => self.write(&format!(
                        "{}{} {}{done}",
                        self.indent,
                        step.resource,
                        action_word(step.action)
                    )),
                }
                st.broken = false;
            }
        }
    }
}

/// One executed step, for summaries: the resource and action as `plan --json` names them.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct StepSummary {
    /// `aws.saml_provider`, …
    pub(crate) resource: Resource,
    /// `create`, `update`, `adopt`, `delete`, `wait`.
    pub(crate) action: Action,
    /// Why.
    pub(crate) reason: String,
}

/// What `apply --json` prints on stdout, told apart by `status`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum ApplyOutput {
    /// Everything is applied.
    Applied(ApplySummary),
    /// Apply stopped at a step a person does in a console (exit code 3).
    Manual {
        /// Steps this run executed before it.
        steps_done: usize,
        /// The step: the console page and the exact values to enter.
        step: Box<Step>,
    },
}

/// What `apply` did and what a person needs next.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub(crate) struct ApplySummary {
    /// Steps executed, in order.
    pub(crate) changed: Vec<StepSummary>,
    /// The Connect instance ID.
    pub(crate) instance_id: Option<String>,
    /// The Entra application (client) ID.
    pub(crate) app_id: Option<String>,
    /// The URL a person opens to sign in (IdP-initiated).
    pub(crate) sign_in_url: Option<String>,
    /// The relay state Entra sends (where AWS sends the person after sign-in).
    pub(crate) relay_state: Option<String>,
}

impl ApplySummary {
    /// From an engine report.
    pub(crate) fn new(report: &ApplyReport, spec: &Spec, place: &Place) -> Self {
        Self {
            changed: report.executed.iter().map(step_summary).collect(),
            instance_id: report.instance_id.clone(),
            app_id: report.app_id.clone(),
            sign_in_url: report
                .app_id
                .as_ref()
                .map(|a| sign_in_url(place, &spec.entra.tenant_id, a)),
            relay_state: report
                .instance_id
                .as_ref()
                .map(|i| Derived::relay_state(spec, i)),
        }
    }

    /// The summary for people.
    pub(crate) fn render(&self, printer: &Printer) -> String {
        let mut s = String::new();
        if self.changed.is_empty() {
            s.push_str("No changes. Entra ID and AWS match the spec.\n");
        } else {
            let n = |a: Action| self.changed.iter().filter(|c| c.action == a).count();
            s.push_str(&format!(
                "{} {} change{} ({} created, {} updated, {} adopted, {} deleted).\n",
                printer.style(Style::Ok, "Apply complete:"),
                self.changed.len(),
                if self.changed.len() == 1 { "" } else { "s" },
                n(Action::Create),
                n(Action::Update),
                n(Action::Adopt),
                n(Action::Delete),
            ));
            let w = self
                .changed
                .iter()
                .map(|c| c.resource.address().len())
                .max()
                .unwrap_or(0);
            for c in &self.changed {
                let sym = match c.action {
                    Action::Create => "+",
                    Action::Update => "~",
                    Action::Adopt => "=",
                    _ => "-",
                };
                let (resource, word) = (c.resource.address(), action_word(c.action));
                s.push_str(&format!("  {sym} {resource:w$}  {word}\n"));
            }
        }
        s.push('\n');
        const W: usize = 11;
        s.push_str(&row(printer, W, "instance ID", &self.instance_id));
        s.push_str(&row(printer, W, "app ID", &self.app_id));
        s.push_str(&row(printer, W, "sign-in URL", &self.sign_in_url));
        s.push_str(&row(printer, W, "relay state", &self.relay_state));
        s
    }
}

/// A step as a summary line.
pub(crate) fn step_summary(step: &Step) -> StepSummary {
    StepSummary {
        resource: step.resource,
        action: step.action,
        reason: step.reason.clone(),
    }
}

/// What `destroy` deletes and keeps, for people.
pub(crate) fn render_destroy_plan(printer: &Printer, plan: &DestroyPlan) -> String {
    let mut s = String::new();
    if plan.delete.is_empty() {
        s.push_str("Nothing to delete: connect-sso created nothing that still exists.\n");
    } else {
        s.push_str(&format!(
            "{}\n",
            printer.style(Style::Key, "connect-sso destroy deletes:")
        ));
        for d in &plan.delete {
            s.push_str(&format!("  - {d}\n"));
        }
    }
    if !plan.keep.is_empty() {
        let heading = if plan.delete.is_empty() {
            "It keeps:"
        } else {
            "and keeps:"
        };
        s.push_str(&format!("{}\n", printer.style(Style::Key, heading)));
        for (what, why) in &plan.keep {
            s.push_str(&format!("  = {what}: {why}\n"));
        }
    }
    s
}

/// A plan saved by `plan --out`, applied by `apply PLAN`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct SavedPlan {
    /// Format of this file ([`SAVED_PLAN_FORMAT`]).
    pub(crate) format: u32,
    /// [`crate::spec_file::spec_hash`] of the spec the plan was made from.
    pub(crate) spec_sha256: String,
    /// The spec file it was made from (for messages).
    pub(crate) spec_file: String,
    /// When it was made (RFC 3339, UTC, milliseconds: `2026-01-05T10:00:00.100Z`).
    pub(crate) created_at: String,
    /// The plan.
    pub(crate) plan: connect_sso_engine::Plan,
}

/// Format version of [`SavedPlan`]: 3 since the values of `changes` are typed JSON (format 2
/// had them as strings); a plan of another format is refused with a hint to save it again.
pub(crate) const SAVED_PLAN_FORMAT: u32 = 3;

/// Read a plan saved by `plan --out`.
pub(crate) fn read_saved(path: &Path) -> Result<SavedPlan, CommandError> {
    let bytes = input::read(path, "saved plan")?;
    // The format first, so that a plan of another version is named as such.
    let format = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("format")?.as_u64());
    if let Some(format) = format.filter(|f| *f != u64::from(SAVED_PLAN_FORMAT)) {
        return Err(other_format(path, format));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        CommandError::error(format!(
            "{} is not a plan saved by connect-sso",
            path.display()
        ))
        .caused_by(&e)
        .hint("save one with `connect-sso plan --out PLAN`")
    })
}

/// A saved plan of another format: which, and how to get one this version reads.
fn other_format(path: &Path, format: u64) -> CommandError {
    CommandError::error(format!(
        "{} was saved by another version of connect-sso (plan format {format}; this version \
         reads format {SAVED_PLAN_FORMAT})",
        path.display()
    ))
    .hint(format!(
        "run `connect-sso plan --out {}` again with this version and review the new plan",
        path.display()
    ))
}
