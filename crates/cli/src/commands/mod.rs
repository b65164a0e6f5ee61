//! Command bodies, one folder per noun and one file per verb. Each verb takes its parsed
//! arguments and the [`Printer`], and returns the exit code or a [`CommandError`].
//!
//! The mission verbs (`init`, `plan`, `apply`, `destroy`, `login`, `demo`) sit at the top
//! level, as users type them; `mission` holds what they share (progress, summaries).

mod apply;
mod conventions;
mod demo;
pub(crate) mod destroy;
mod init;
pub(crate) mod input;
pub(crate) mod login;
mod mission;
mod plan;
mod saml;
mod sandbox;
mod spec;
mod sync;

use crate::cli::{Command, SamlCommand, SandboxCommand, SpecCommand};
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// Run one command.
pub(crate) fn run(command: Command, printer: &Printer) -> Result<ExitCode, CommandError> {
    match command {
        Command::Demo(args) => demo::run(&args, printer),
        Command::Init(args) => init::run(&args, printer),
        Command::Spec(SpecCommand::Schema(args)) => spec::schema::run(&args, printer),
        Command::Spec(SpecCommand::Check(args)) => spec::check::run(&args, printer),
        Command::Plan(args) => plan::run(&args, printer),
        Command::Apply(args) => apply::run(&args, printer),
        Command::Destroy(args) => destroy::run(&args, printer),
        Command::Login(args) => login::run(&args, printer),
        Command::Sync(args) => sync::run(&args, printer),
        Command::Saml(SamlCommand::Verify(args)) => saml::verify::run(&args, printer),
        Command::Saml(SamlCommand::Inspect(args)) => saml::inspect::run(&args, printer),
        Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve::run(&args, printer),
        Command::Sandbox(SandboxCommand::Env(args)) => sandbox::env::run(&args, printer),
        Command::Show(args) => conventions::show(&args, printer),
        Command::Completions(args) => conventions::completions(&args, printer),
        Command::Man => conventions::man(printer),
    }
}

/// A multi-threaded tokio runtime for one command.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CommandError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::error("could not start the async runtime").caused_by(&e))
}

/// Pretty JSON with a final newline, or an error.
pub(crate) fn json_text<T: serde::Serialize>(value: &T) -> Result<String, CommandError> {
    serde_json::to_string_pretty(value)
        .map(|t| format!("{t}\n"))
        .map_err(|e| CommandError::error("could not write JSON").caused_by(&e))
}

/// Ctrl-C, listened for from the moment this is created (so that a Ctrl-C sent right after a
/// "press Ctrl-C" message is not missed).
pub(crate) struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    /// Start listening. Needs a running tokio runtime.
    pub(crate) fn listen() -> Result<Self, CommandError> {
        #[cfg(unix)]
        {
            let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| CommandError::error("could not listen for Ctrl-C").caused_by(&e))?;
            Ok(Self { signal })
        }
        #[cfg(not(unix))]
        {
            Ok(Self {})
        }
    }

    /// Wait for Ctrl-C.
    pub(crate) async fn wait(mut self) -> Result<(), CommandError> {
        #[cfg(unix)]
        {
            self.signal.recv().await;
            Ok(())
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            tokio::signal::ctrl_c()
                .await
                .map_err(|e| CommandError::error("could not wait for Ctrl-C").caused_by(&e))
        }
    }
}
