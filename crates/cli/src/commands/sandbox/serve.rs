//! `connect-sso sandbox serve`: run the emulators until Ctrl-C.

use connect_sso_sandbox::{Config, Sandbox};

use crate::cli::SandboxServeArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// Run the command: data (the environment) on stdout, progress on stderr.
pub(crate) fn run(args: &SandboxServeArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    if !args.bind.ip().is_loopback() && !args.allow_non_loopback {
        return Err(CommandError::error(format!(
            "refusing to listen on {}: the sandbox accepts well-known test credentials",
            args.bind
        ))
        .hint("listen on 127.0.0.1, or pass --allow-non-loopback if you really mean it"));
    }
    let config = Config {
        bind: args.bind,
        state_file: args.state.clone(),
        extra_users: args.users,
        connect_user_limit: args.connect_user_limit,
        ..Config::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CommandError::error("could not start the async runtime").caused_by(&e))?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| start_failure(args, e.as_ref()))?;
        let interrupt = crate::commands::Interrupt::listen()?;
        let base = sandbox.urls().base().to_string();
        printer.out(&format!(
            "# connect-sso sandbox at {base}\n{}",
            super::export_lines(&sandbox.env())
        ));
        printer.info(&format!(
            "sandbox: serving at {base}; AWS sign-in at {}; press Ctrl-C to stop",
            sandbox.urls().signin()
        ));
        let waited = interrupt.wait().await;
        printer.info("sandbox: stopping");
        sandbox.shutdown().await;
        waited
    })?;
    Ok(ExitCode::Success)
}

/// Why the sandbox did not start, with the hint that fits: a port in use, or a state file that
/// cannot be read.
fn start_failure(
    args: &SandboxServeArgs,
    e: &(dyn std::error::Error + Send + Sync + 'static),
) -> CommandError {
    let err =
        CommandError::error(format!("could not start the sandbox on {}", args.bind)).caused_by(e);
    let io_kind = e.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
    match (io_kind, &args.state) {
        (Some(std::io::ErrorKind::AddrInUse), _) => {
            err.hint("another process holds the port: pick another with --bind 127.0.0.1:0")
        }
        (Some(std::io::ErrorKind::AddrNotAvailable), _) => {
            err.hint("this machine has no such address: use --bind 127.0.0.1:PORT")
        }
        (_, Some(state)) => err.hint(format!(
            "the state file {} (and its .entra.json) could not be used: fix it, or move it \
             away to start from a fresh sandbox",
            state.display()
        )),
        _ => err.hint("another process may hold the port: pick another with --bind 127.0.0.1:0"),
    }
}
