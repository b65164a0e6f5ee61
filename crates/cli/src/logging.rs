//! Diagnostics on stderr through `tracing`: what the adapters and the engine log (retries,
//! waits, each step's read-backs), filtered by `-v`/`-q` or `RUST_LOG`.

use tracing_subscriber::EnvFilter;

use crate::cli::{Command, GlobalArgs, SandboxCommand};

/// The filter for a verbosity: by default, warnings, plus the retries and waits of connect-sso's
/// own crates (a person should see why a command pauses); `-v` everything connect-sso does,
/// `-vv` debug, `-vvv` every crate's trace; `-q` errors only. `sandbox serve` also logs each
/// request it answers.
fn directives(global: &GlobalArgs, command: &Command) -> String {
    let serving = matches!(command, Command::Sandbox(SandboxCommand::Serve(_)));
    match (global.quiet, global.verbose) {
        (true, _) => "error".into(),
        (false, 0) if serving => "warn,connect_sso_sandbox=info".into(),
        (false, 0) => "warn,connect_sso_entra=info,connect_sso_aws=info".into(),
        (false, 1) => "warn,connect_sso=info,connect_sso_entra=info,connect_sso_aws=info,\
                       connect_sso_engine=info,connect_sso_sandbox=info"
            .into(),
        (false, 2) => "info,connect_sso=debug,connect_sso_entra=debug,connect_sso_aws=debug,\
                       connect_sso_engine=debug,connect_sso_sandbox=debug"
            .into(),
        (false, _) => "trace".into(),
    }
}

/// Install the subscriber (once, at start). `RUST_LOG`, when set and valid, wins over the flags.
pub(crate) fn init(global: &GlobalArgs, color: bool, command: &Command) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(directives(global, command)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(global.verbose >= 2)
        .without_time()
        .try_init();
}
