//! `connect-sso destroy`: delete what connect-sso created, after showing it and asking.

use connect_sso_engine::apply::{DestroyItem, destroy, destroy_plan};

use super::mission::{Progress, Sink, confirm, engine_error, render_destroy_plan};
use super::{json_text, runtime};
use crate::cli::DestroyArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;
use crate::spec_file::{self, Severity};
use crate::target;

/// Run the command. What will be deleted is shown first (stdout; stderr with `--json`);
/// then confirmation is asked on a terminal, or `--yes` is required.
pub(crate) fn run(args: &DestroyArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let loaded = spec_file::load(&args.target.file, Severity::Error)?;
    let spec = &loaded.spec;
    let rt = runtime()?;
    let (t, shown) = rt.block_on(async {
        let t = target::resolve(spec, args.target.sandbox_url.as_deref()).await?;
        let snap = t
            .clients()
            .observe(spec)
            .await
            .map_err(|e| engine_error("could not read what exists in Entra ID and AWS", &e))?;
        let shown = destroy_plan(spec, &snap, args.include_instance);
        Ok::<_, CommandError>((t, shown))
    })?;
    let text = render_destroy_plan(printer, &shown);
    if args.json {
        printer.info(text.trim_end());
    } else {
        printer.out(&text);
    }
    if shown.delete.is_empty() {
        if args.json {
            printer.out(&json_text(&DestroySummary::new(&[], &shown.keep))?);
        }
        return Ok(ExitCode::Success);
    }
    if !args.yes {
        let n = shown.delete.len();
        confirm(
            &format!("Delete {n} resource{}?", if n == 1 { "" } else { "s" }),
            "delete",
            "destroy cancelled; nothing was deleted",
        )?;
    }
    let progress = Progress::new(printer, Sink::Stderr, "", 0).with_note_prefix("destroy: ");
    let done = rt.block_on(async {
        let clients = t.clients();
        // Delete only what was shown and confirmed: a changed world refuses with StalePlan.
        destroy(&clients, spec, args.include_instance, Some(&shown), &|e| {
            progress.on_event(e)
        })
        .await
    });
    progress.finish();
    let done = done.map_err(|e| match e {
        connect_sso_engine::Error::StalePlan => CommandError::rejected(
            "Entra ID or AWS changed after the list above was shown; nothing was deleted",
        )
        .hint("run `connect-sso destroy` again and review the new list"),
        e => engine_error(
            "destroy stopped; what it deleted so far is gone, and running it again continues",
            &e,
        ),
    })?;
    if args.json {
        printer.out(&json_text(&DestroySummary::new(&done.delete, &done.keep))?);
    } else {
        let mut s = format!(
            "\nDestroy complete: deleted {} resource{}.\n",
            done.delete.len(),
            if done.delete.len() == 1 { "" } else { "s" }
        );
        if done.delete != shown.delete {
            for d in &done.delete {
                s.push_str(&format!("  - {d}\n"));
            }
        }
        printer.out(&s);
    }
    Ok(ExitCode::Success)
}

/// What `destroy --json` prints.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub(crate) struct DestroySummary {
    /// What was deleted, in order.
    pub(crate) deleted: Vec<DestroyItem>,
    /// What was left in place, with why.
    pub(crate) kept: Vec<Kept>,
}

/// A resource `destroy` left in place.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub(crate) struct Kept {
    /// The resource.
    #[serde(flatten)]
    pub(crate) item: DestroyItem,
    /// Why it stays.
    pub(crate) reason: String,
}

impl DestroySummary {
    fn new(deleted: &[DestroyItem], keep: &[(DestroyItem, String)]) -> Self {
        DestroySummary {
            deleted: deleted.to_vec(),
            kept: keep
                .iter()
                .map(|(item, reason)| Kept {
                    item: item.clone(),
                    reason: reason.clone(),
                })
                .collect(),
        }
    }
}
