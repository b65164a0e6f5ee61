//! The `connect-sso` binary: set up, run, check and keep alive single sign-on into Amazon
//! Connect from Microsoft Entra ID.
//!
//! Layout: `cli` holds the clap definitions (what users type), `commands/<noun>/<verb>.rs`
//! the bodies, `printer` how output looks, `error` how failures are reported, `target` how a
//! spec's `[target]` becomes Graph and AWS clients, `spec_file` how specs are read.
//!
//! Output contract: stdout carries data only (tables or `--json`); everything else (errors,
//! hints, warnings, progress) goes to stderr. Exit codes: see [`error::ExitCode`].

mod cli;
mod commands;
mod error;
mod logging;
mod printer;
mod spec_file;
mod target;

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            // With --detailed-exitcode, 2 means "changes": a usage error must not look like one.
            let detailed = std::env::args_os().any(|a| a == "--detailed-exitcode");
            return match err.exit_code() {
                0 => std::process::ExitCode::SUCCESS,
                _ if detailed => std::process::ExitCode::from(1),
                code => std::process::ExitCode::from(u8::try_from(code).unwrap_or(2)),
            };
        }
    };
    let printer = printer::Printer::new(cli.global.color).quiet(cli.global.quiet);
    logging::init(&cli.global, printer.color_stderr(), &cli.command);
    let detailed = matches!(&cli.command, cli::Command::Plan(a) if a.detailed_exitcode);
    let json = cli.command.json();
    match commands::run(cli.command, &printer) {
        Ok(code) => code.into(),
        Err(err) => {
            printer.report(&err);
            // `plan --detailed-exitcode`: 0 no changes, 2 changes, 1 everything else.
            let code = if detailed {
                1
            } else {
                err.exit_code().number()
            };
            if json && !printer.wrote_stdout() {
                // Under --json, stdout always carries a JSON document, failures included.
                if let Ok(text) = serde_json::to_string_pretty(&err.to_json(code)) {
                    printer.out(&format!("{text}\n"));
                }
            }
            std::process::ExitCode::from(code)
        }
    }
}
