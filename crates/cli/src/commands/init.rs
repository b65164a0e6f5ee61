//! `connect-sso init`: write a commented starter spec.

use std::io::Write as _;

use connect_sso_sandbox::{MANAGEMENT_ACCOUNT_ID, TEST_ACCOUNT_ID, TEST_REGION, entra};
use connect_sso_spec::{Spec, StarterValues, TargetKind, brokered_starter, starter};

use crate::cli::{InitArgs, TargetChoice, TopologyChoice};
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;
use crate::spec_file::{Severity, invalid};

/// Run the command: the file is the output; next steps go to stderr.
pub(crate) fn run(args: &InitArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let values = values(args)?;
    let text = match args.topology {
        TopologyChoice::Direct => starter(&values),
        TopologyChoice::Brokered => {
            let management = match (&args.management_account, values.target) {
                (Some(a), _) => a.clone(),
                (None, TargetKind::Sandbox) => MANAGEMENT_ACCOUNT_ID.to_string(),
                (None, TargetKind::Cloud) => {
                    return Err(CommandError::error(
                        "a brokered cloud spec needs the management account of IAM Identity Center",
                    )
                    .hint("pass --management-account <12-digit ID>"));
                }
            };
            let region = args
                .identity_center_region
                .clone()
                .unwrap_or_else(|| values.region.clone());
            brokered_starter(&values, &management, &region)
        }
    };
    // The starter always validates, but the values given on the command line may not.
    Spec::parse(&text).map_err(|e| {
        invalid(&args.file, &e, Severity::Error).hint(
            "fix the value given with --tenant-id, --account-id, --region, --alias or --admin",
        )
    })?;
    write(args, &text)?;
    let shown = args.file.display().to_string();
    let f = if args.file == std::path::Path::new(crate::cli::DEFAULT_SPEC_FILE) {
        String::new()
    } else {
        format!(" -f {shown}")
    };
    let steps: Vec<(String, &str)> = match values.target {
        TargetKind::Sandbox => vec![
            (
                "connect-sso sandbox serve".into(),
                "in another terminal: local Entra ID and AWS",
            ),
            (format!("connect-sso plan{f}"), "what would change"),
            (format!("connect-sso apply{f}"), "make it so"),
            (
                format!("connect-sso login{f} --user {}", values.admin_username),
                "sign in through the whole chain",
            ),
        ],
        TargetKind::Cloud => vec![
            (
                "export AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=…".into(),
                "a Graph app registration (see the README)",
            ),
            (
                "export AWS_PROFILE=…".into(),
                "credentials for the spec's AWS account",
            ),
            (format!("connect-sso plan{f}"), "what would change"),
            (format!("connect-sso apply{f}"), "make it so"),
            (
                format!("connect-sso login{f} --user {}", values.admin_username),
                "the URLs to sign in with",
            ),
        ],
    };
    let w = steps
        .iter()
        .map(|(c, _)| c.chars().count())
        .max()
        .unwrap_or(0);
    let mut next = format!(
        "wrote {shown}: Entra tenant {}, AWS account {} in {}, Connect instance {:?}\nNext:\n",
        values.tenant_id, values.account_id, values.region, values.instance_alias
    );
    for (cmd, why) in &steps {
        let pad = " ".repeat(w - cmd.chars().count());
        next.push_str(&format!("  {cmd}{pad}   # {why}\n"));
    }
    printer.info(next.trim_end());
    Ok(ExitCode::Success)
}

/// The starter values: sandbox defaults, or what the cloud needs (no guessing there).
fn values(args: &InitArgs) -> Result<StarterValues, CommandError> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    match args.target {
        TargetChoice::Sandbox => Ok(StarterValues {
            tenant_id: args
                .tenant_id
                .clone()
                .unwrap_or_else(|| entra::DEFAULT_TENANT_ID.into()),
            account_id: args
                .account_id
                .clone()
                .unwrap_or_else(|| TEST_ACCOUNT_ID.into()),
            region: args.region.clone().unwrap_or_else(|| TEST_REGION.into()),
            instance_alias: args.alias.clone(),
            target: TargetKind::Sandbox,
            admin_username: args
                .admin
                .clone()
                .unwrap_or_else(|| entra::USER_BOB_UPN.into()),
        }),
        TargetChoice::Cloud => {
            let mut missing = Vec::new();
            let tenant = args
                .tenant_id
                .clone()
                .or_else(|| env("AZURE_TENANT_ID"))
                .or_else(|| ask("Entra directory (tenant) ID"));
            if tenant.is_none() {
                missing.push("--tenant-id (your Entra directory ID; or set AZURE_TENANT_ID)");
            }
            let account = args
                .account_id
                .clone()
                .or_else(|| ask("AWS account ID of the Connect instance (12 digits)"));
            if account.is_none() {
                missing.push("--account-id (the 12-digit AWS account of the Connect instance)");
            }
            let admin = args
                .admin
                .clone()
                .or_else(|| ask("Entra UPN of the first Connect administrator"));
            if admin.is_none() {
                missing.push("--admin (the Entra UPN of the first Connect administrator)");
            }
            if !missing.is_empty() {
                let mut err = CommandError::error("a cloud spec needs values only you know");
                for m in missing {
                    err = err.detail(format!("missing {m}"));
                }
                return Err(err.hint(
                    "e.g. connect-sso init --target cloud --tenant-id <GUID> --account-id \
                     <ID> --region eu-west-2 --alias acme-contact --admin admin@acme.com",
                ));
            }
            Ok(StarterValues {
                tenant_id: tenant.unwrap_or_default(),
                account_id: account.unwrap_or_default(),
                region: args
                    .region
                    .clone()
                    .or_else(|| env("AWS_REGION"))
                    .or_else(|| env("AWS_DEFAULT_REGION"))
                    .unwrap_or_else(|| "us-east-1".into()),
                instance_alias: args.alias.clone(),
                target: TargetKind::Cloud,
                admin_username: admin.unwrap_or_default(),
            })
        }
    }
}

/// Ask for a value on a terminal (stdin and stderr are terminals); `None` when nobody can
/// answer or the answer is empty.
fn ask(question: &str) -> Option<String> {
    use std::io::{BufRead as _, IsTerminal as _};
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return None;
    }
    eprint!("{question}: ");
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).ok()?;
    Some(answer.trim().to_string()).filter(|a| !a.is_empty())
}

/// Write the file, refusing to overwrite one unless `--force`.
fn write(args: &InitArgs, text: &str) -> Result<(), CommandError> {
    let shown = args.file.display().to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(&args.file).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            CommandError::error(format!("{shown} already exists"))
                .hint("pass --force to overwrite it, or -f OTHER.toml to write elsewhere")
        } else {
            CommandError::error(format!("could not write {shown}")).caused_by(&e)
        }
    })?;
    file.write_all(text.as_bytes())
        .map_err(|e| CommandError::error(format!("could not write {shown}")).caused_by(&e))
}
