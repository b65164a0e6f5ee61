//! The `connect-sso` binary: set up, run, check and keep alive single sign-on into Amazon
//! Connect from Microsoft Entra ID.
//!
//! Layout: `cli` holds the clap definitions (what users type), `commands/<noun>/<verb>.rs`
//! the bodies, `printer` how output looks, `error` how failures are reported.
//!
//! Output contract: stdout carries data only (tables or `--json`); everything else (errors,
//! hints, warnings, progress) goes to stderr. Exit codes: see [`error::ExitCode`].

mod cli;
mod commands;
mod error;
mod printer;

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let printer = printer::Printer::new(cli.global.color);
    match commands::run(cli.command, &printer) {
        Ok(code) => code.into(),
        Err(err) => {
            printer.report(&err);
            err.exit_code().into()
        }
    }
}
