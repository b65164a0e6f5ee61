//! `connect-sso demo`: placeholder.

use crate::cli::DemoArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// Run the command.
pub(crate) fn run(_args: &DemoArgs, _printer: &Printer) -> Result<ExitCode, CommandError> {
    Err(CommandError::error("not yet"))
}
