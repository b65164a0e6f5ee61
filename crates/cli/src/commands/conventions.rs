//! The conventions of a command-line tool: `show PLAN`, `completions SHELL`, `man`.

use clap::CommandFactory as _;
use connect_sso_engine::render_plan;

use super::json_text;
use super::mission::read_saved;
use crate::cli::{Cli, CompletionsArgs, ShowArgs};
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// `show PLAN`: the saved plan as `plan` showed it (stdout), with where it came from (stderr).
pub(crate) fn show(args: &ShowArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let saved = read_saved(&args.plan)?;
    if args.json {
        printer.out(&json_text(&saved)?);
        return Ok(ExitCode::Success);
    }
    printer.info(&format!(
        "plan saved {} from {} (spec SHA-256 {})",
        saved.created_at,
        saved.spec_file,
        saved.spec_sha256.get(..12).unwrap_or(&saved.spec_sha256)
    ));
    printer.out(&render_plan(&saved.plan, printer.color_stdout()));
    Ok(ExitCode::Success)
}

/// `completions SHELL`: the completion script on stdout.
pub(crate) fn completions(
    args: &CompletionsArgs,
    printer: &Printer,
) -> Result<ExitCode, CommandError> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "connect-sso", &mut out);
    printer.out(&String::from_utf8_lossy(&out));
    Ok(ExitCode::Success)
}

/// `man`: the manual page (roff) on stdout.
pub(crate) fn man(printer: &Printer) -> Result<ExitCode, CommandError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CommandError::error("could not render the manual page").caused_by(&e))?;
    printer.out(&String::from_utf8_lossy(&out));
    Ok(ExitCode::Success)
}
