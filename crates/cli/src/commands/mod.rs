//! Command bodies, one folder per noun and one file per verb. Each verb takes its parsed
//! arguments and the [`Printer`], and returns the exit code or a [`CommandError`].

mod input;
mod saml;
mod sandbox;

use crate::cli::{Command, SamlCommand, SandboxCommand};
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// Run one command.
pub(crate) fn run(command: Command, printer: &Printer) -> Result<ExitCode, CommandError> {
    match command {
        Command::Saml(SamlCommand::Verify(args)) => saml::verify::run(&args, printer),
        Command::Saml(SamlCommand::Inspect(args)) => saml::inspect::run(&args, printer),
        Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve::run(&args, printer),
        Command::Sandbox(SandboxCommand::Env(args)) => sandbox::env::run(&args, printer),
    }
}
