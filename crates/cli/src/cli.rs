//! What users type: the clap definitions, kept apart from the command bodies
//! (`commands/<noun>/<verb>.rs`) so that the interface can be read in one place.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Default address of `connect-sso sandbox serve` (and the URL `sandbox env` assumes).
pub(crate) const DEFAULT_SANDBOX_BIND: &str = "127.0.0.1:7341";
/// Default spec file of the mission commands.
pub(crate) const DEFAULT_SPEC_FILE: &str = "connect-sso.toml";

/// Set up, run, check and keep alive single sign-on into Amazon Connect from Microsoft Entra ID.
#[derive(Debug, Parser)]
#[command(name = "connect-sso", version, propagate_version = true)]
#[command(
    after_help = "Start with `connect-sso demo`: the whole mission against local emulators.\n\n\
                  Exit codes: 0 success, 1 the answer is no (a response or spec rejected, a plan \
                  blocked or stale, a sign-in failed), 2 error (bad usage, input that cannot be \
                  read, a cloud or sandbox that cannot be reached), 3 `apply` stopped at a step a \
                  person does in a console. `plan --detailed-exitcode`: \
                  0 no changes, 2 changes, 1 anything else."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

/// Options of every command.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// When to colour output. `auto` colours terminals unless NO_COLOR is set.
    #[arg(
        long,
        value_enum,
        default_value_t = ColorChoice::Auto,
        global = true,
        help_heading = "Global options"
    )]
    pub(crate) color: ColorChoice,
    /// More detail on stderr: -v what connect-sso does (requests retried, waits), -vv debug,
    /// -vvv everything. RUST_LOG, when set, chooses instead (e.g. RUST_LOG=connect_sso_engine=debug).
    #[arg(
        short = 'v',
        long = "verbose",
        action = clap::ArgAction::Count,
        global = true,
        help_heading = "Global options",
        conflicts_with = "quiet"
    )]
    pub(crate) verbose: u8,
    /// Only errors on stderr: no progress, notes or warnings.
    #[arg(short = 'q', long, global = true, help_heading = "Global options")]
    pub(crate) quiet: bool,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The nouns and verbs.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the whole mission against local emulators of Entra ID and AWS, and explain it.
    ///
    /// Starts the sandbox in this process, writes a spec, plans and applies it, creates the
    /// Connect users, signs two people in through the full SAML chain, shows one refused
    /// sign-in explained, and exits 0 only if everything happened as expected.
    Demo(DemoArgs),
    /// Write a commented starter spec (connect-sso.toml).
    Init(InitArgs),
    /// The spec format: JSON Schema, and checking a spec with its derived values.
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Show what `apply` would change in Entra ID and AWS to match the spec.
    Plan(PlanArgs),
    /// Change Entra ID and AWS to match the spec (or exactly a saved plan).
    Apply(ApplyArgs),
    /// Delete what connect-sso created (never the Connect instance without --include-instance).
    Destroy(DestroyArgs),
    /// Sign a user in through the whole chain (sandbox), or print the sign-in URLs (cloud).
    Login(LoginArgs),
    /// Create, update and remove Connect users to match the members of the spec's Entra groups.
    Sync(SyncArgs),
    /// Check and read SAML responses (what Entra ID posts to AWS sign-in).
    #[command(subcommand)]
    Saml(SamlCommand),
    /// Run local emulators of Entra ID and AWS (IAM, STS, sign-in, Amazon Connect).
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Show a plan saved by `plan --out` (as `plan` showed it, or `--json`).
    Show(ShowArgs),
    /// Print a shell completion script (e.g. `connect-sso completions bash > ~/.local/share/bash-completion/completions/connect-sso`).
    Completions(CompletionsArgs),
    /// Print the manual page in roff (e.g. `connect-sso man > connect-sso.1; man ./connect-sso.1`).
    Man,
}

impl Command {
    /// Whether the command was asked for `--json` (its errors are then JSON on stdout too).
    pub(crate) fn json(&self) -> bool {
        match self {
            Command::Plan(a) => a.json,
            Command::Apply(a) => a.json,
            Command::Destroy(a) => a.json,
            Command::Login(a) => a.json,
            Command::Show(a) => a.json,
            Command::Sync(a) => a.json,
            Command::Spec(SpecCommand::Check(a)) => a.json,
            Command::Saml(SamlCommand::Verify(a)) => a.json,
            Command::Saml(SamlCommand::Inspect(a)) => a.json,
            _ => false,
        }
    }
}

/// `connect-sso show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The saved plan.
    #[arg(value_name = "PLAN")]
    pub(crate) plan: PathBuf,
    /// Print the saved plan as JSON (the same document `plan --out` wrote).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Where the spec is and which sandbox to use (mission commands).
#[derive(Debug, Clone, Args)]
pub(crate) struct TargetArgs {
    /// The spec file.
    #[arg(short = 'f', long = "file", value_name = "FILE", default_value = DEFAULT_SPEC_FILE)]
    pub(crate) file: PathBuf,
    /// Base URL of a running sandbox (sandbox target only). Default: the spec's target.url,
    /// else $CONNECT_SSO_SANDBOX_URL, else http://127.0.0.1:7341.
    #[arg(long, value_name = "URL")]
    pub(crate) sandbox_url: Option<String>,
}

/// `connect-sso demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// After the demo, keep the sandbox running (with the demo's state) until Ctrl-C.
    #[arg(long)]
    pub(crate) keep_running: bool,
    /// Address of the in-process sandbox (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub(crate) bind: SocketAddr,
    /// Which set-up to show: Entra straight into the Connect account, or brokered by IAM
    /// Identity Center in a management account.
    #[arg(long, value_enum, default_value_t = TopologyChoice::Direct)]
    pub(crate) topology: TopologyChoice,
}

/// `--target` of `init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TargetChoice {
    /// The local emulators (`connect-sso sandbox serve`).
    Sandbox,
    /// Microsoft Graph and AWS with your credentials.
    Cloud,
}

/// `connect-sso init`.
#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Where to write the spec.
    #[arg(short = 'f', long = "file", value_name = "FILE", default_value = DEFAULT_SPEC_FILE)]
    pub(crate) file: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub(crate) force: bool,
    /// Where the mission runs.
    #[arg(long, value_enum, default_value_t = TargetChoice::Sandbox)]
    pub(crate) target: TargetChoice,
    /// Entra directory (tenant) ID. Sandbox default: the sandbox's tenant; cloud: required
    /// (or $AZURE_TENANT_ID).
    #[arg(long, value_name = "GUID")]
    pub(crate) tenant_id: Option<String>,
    /// AWS account that holds the Connect instance. Sandbox default: the sandbox's account;
    /// cloud: required.
    #[arg(long, value_name = "ID")]
    pub(crate) account_id: Option<String>,
    /// AWS Region of the instance. Default: us-east-1 (cloud: $AWS_REGION when set).
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
    /// Connect instance alias.
    #[arg(long, value_name = "ALIAS", default_value = "demo-contact")]
    pub(crate) alias: String,
    /// The first Connect administrator: their Entra UPN, exactly. Sandbox default:
    /// bob@contoso.com; cloud: required.
    #[arg(long, value_name = "UPN")]
    pub(crate) admin: Option<String>,
    /// How Entra reaches Connect: straight into the Connect account, or brokered by IAM
    /// Identity Center in a management account.
    #[arg(long, value_enum, default_value_t = TopologyChoice::Direct)]
    pub(crate) topology: TopologyChoice,
    /// Brokered: the management account of IAM Identity Center. Sandbox default: the
    /// sandbox's; cloud: required.
    #[arg(long, value_name = "ID")]
    pub(crate) management_account: Option<String>,
    /// Brokered: the Region of the Identity Center instance. Default: the instance's Region
    /// (`--region`).
    #[arg(long, value_name = "REGION")]
    pub(crate) identity_center_region: Option<String>,
}

/// `--topology` of `init` and `demo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TopologyChoice {
    /// Entra ID → IAM in the Connect account → Connect.
    Direct,
    /// Entra ID → IAM Identity Center (management account) → Connect in its own account.
    Brokered,
}

/// `connect-sso spec schema`.
#[derive(Debug, Args)]
pub(crate) struct SpecSchemaArgs {
    /// Which document: the spec, or a `--json` output (also in docs/schemas/).
    #[arg(long = "of", value_enum, default_value_t = SchemaOf::Spec)]
    pub(crate) of: SchemaOf,
}

/// The documents whose JSON Schema connect-sso prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SchemaOf {
    /// The spec file (TOML, as JSON).
    Spec,
    /// `plan --json`.
    Plan,
    /// A plan saved by `plan --out` (and `show --json`).
    SavedPlan,
    /// `apply --json`.
    Apply,
    /// `destroy --json`.
    Destroy,
    /// `login --json`.
    Login,
    /// `sync --json`.
    Sync,
    /// One line of `sync --watch --json`.
    SyncRound,
    /// Any command's failure under `--json`.
    Error,
}

/// `connect-sso spec …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SpecCommand {
    /// Print the JSON Schema of the spec format (for editors and CI), or with `--of` of a
    /// command's `--json` output.
    Schema(SpecSchemaArgs),
    /// Check a spec and print what follows from it: ARNs, the Role claim value, the
    /// identifier and Reply URL, the relay state, the trust policy.
    ///
    /// Exit 0 when the spec is valid, 1 when it is not (every problem is listed with its
    /// line and column), 2 when it cannot be read.
    Check(SpecCheckArgs),
}

/// `connect-sso spec check`.
#[derive(Debug, Args)]
pub(crate) struct SpecCheckArgs {
    /// The spec file.
    #[arg(short = 'f', long = "file", value_name = "FILE", default_value = DEFAULT_SPEC_FILE)]
    pub(crate) file: PathBuf,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Print the plan as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Also save the plan (with a hash of the spec) for `connect-sso apply PLAN`.
    #[arg(long, value_name = "PLAN")]
    pub(crate) out: Option<PathBuf>,
    /// Exit 0 when there is nothing to change, 2 when there are changes, 1 on any error.
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
}

/// `connect-sso apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// A plan saved by `plan --out`: apply exactly it, or nothing if Entra, AWS or the spec
    /// changed since.
    #[arg(value_name = "PLAN")]
    pub(crate) plan: Option<PathBuf>,
    /// Do not show the plan and ask first (required without a saved plan when stdin is not a
    /// terminal; a saved plan was reviewed already and is never asked about).
    #[arg(long)]
    pub(crate) yes: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso destroy`.
#[derive(Debug, Args)]
pub(crate) struct DestroyArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    pub(crate) yes: bool,
    /// Also delete the Connect instance, with its users (only if connect-sso created it).
    #[arg(long)]
    pub(crate) include_instance: bool,
    /// Print what was deleted and kept as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso sync`.
#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Show what would change and change nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Do not ask before changing users (required when stdin is not a terminal).
    #[arg(long)]
    pub(crate) yes: bool,
    /// Remove or disable more users than [sync] max_removals / max_removal_percent allow.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print the whole diff and the result as JSON on stdout (with --watch: one JSON line per
    /// round).
    #[arg(long)]
    pub(crate) json: bool,
    /// Keep running: a Graph delta query on the synced groups each --interval, and a full sync
    /// when it sees a change (and at the start, every --full-every rounds, and when the delta
    /// token is refused). Ctrl-C stops between rounds, never during a change. Needs --yes.
    #[arg(long, requires = "yes", conflicts_with = "dry_run")]
    pub(crate) watch: bool,
    /// Seconds between --watch rounds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) interval: u64,
    /// With --watch, a full sync every this many rounds even without a change (a safety net).
    #[arg(long, default_value_t = 30, value_name = "ROUNDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) full_every: u64,
}

/// `connect-sso login`.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// Who signs in: their Entra user principal name.
    #[arg(long, value_name = "UPN")]
    pub(crate) user: String,
    /// Read the password from the first line of stdin (sandbox only). Without it, the
    /// sandbox's demo password is used.
    #[arg(long)]
    pub(crate) password_stdin: bool,
    /// The role to pick when AWS offers several (its ARN).
    #[arg(long, value_name = "ARN")]
    pub(crate) role: Option<String>,
    /// Write the SAMLResponse (base64, as posted) to FILE, for `connect-sso saml inspect FILE`.
    #[arg(long, value_name = "FILE")]
    pub(crate) save_response: Option<PathBuf>,
    /// Cloud target: open the sign-in URL in a browser (xdg-open).
    #[arg(long)]
    pub(crate) open: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso saml …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SamlCommand {
    /// Verify a SAML response against the IdP's certificate, as AWS sign-in would.
    ///
    /// Exit 0 and print the subject and attributes when the response is accepted; exit 1
    /// and print the reason when it is rejected; exit 2 when the input cannot be read.
    Verify(SamlVerifyArgs),
    /// Show what a SAML response says, without checking its signature (nothing is trusted).
    Inspect(SamlInspectArgs),
}

/// `connect-sso saml verify`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("trust").required(true).args(["idp_metadata", "idp_cert"]))]
pub(crate) struct SamlVerifyArgs {
    /// The response: a file, or `-` for stdin. Raw XML, base64 (the SAMLResponse form field),
    /// a form body or URL with `SAMLResponse=`, a saved HTML page, or a HAR capture (the last
    /// SAMLResponse in it).
    #[arg(value_name = "RESPONSE")]
    pub(crate) response: PathBuf,
    /// IdP federation metadata XML: trusts its signing certificates and expects its entityID
    /// as the Issuer.
    #[arg(long, value_name = "FILE")]
    pub(crate) idp_metadata: Option<PathBuf>,
    /// A PEM file with the IdP's signing certificate (no Issuer is pinned).
    #[arg(long, value_name = "PEM")]
    pub(crate) idp_cert: Option<PathBuf>,
    /// The SP entity ID that must be among the audiences. With --aws: any AWS sign-in audience.
    #[arg(long, value_name = "URI")]
    pub(crate) audience: Option<String>,
    /// The ACS URL that the bearer Recipient and the Destination must equal. With --aws: any
    /// AWS sign-in endpoint.
    #[arg(long, value_name = "URL")]
    pub(crate) recipient: Option<String>,
    /// Judge the response at this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub(crate) now: Option<OffsetDateTime>,
    /// Tolerated clock skew in seconds, applied to every time bound.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub(crate) skew: u32,
    /// Accept RSA-SHA1 signatures and SHA-1 digests.
    #[arg(long)]
    pub(crate) allow_sha1: bool,
    /// Accept a bare signed saml:Assertion (a token) instead of a samlp:Response.
    #[arg(long)]
    pub(crate) allow_bare_assertion: bool,
    /// Also apply AWS sign-in's rules: audience and Recipient are AWS sign-in's, Role pairs
    /// and RoleSessionName are valid, SessionDuration is in range.
    #[arg(long)]
    pub(crate) aws: bool,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso saml inspect`.
#[derive(Debug, Args)]
pub(crate) struct SamlInspectArgs {
    /// The response: a file, or `-` for stdin (same forms as `saml verify`).
    #[arg(value_name = "RESPONSE")]
    pub(crate) response: PathBuf,
    /// Print JSON on stdout instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `connect-sso sandbox …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the emulators until Ctrl-C; print the environment that points clients at them.
    Serve(SandboxServeArgs),
    /// Print `export` lines that point AWS clients and connect-sso at a running sandbox.
    Env(SandboxEnvArgs),
}

/// `connect-sso sandbox serve`.
#[derive(Debug, Args)]
pub(crate) struct SandboxServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_SANDBOX_BIND)]
    pub(crate) bind: SocketAddr,
    /// Keep state in this JSON file (loaded at start, written after each change).
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Extra generated users in the demo tenant.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) users: usize,
    /// Users a Connect instance may have (AWS's "Users per instance" quota, default 500;
    /// raise it as you would ask AWS to). Default: the state file's, else 500.
    #[arg(long, value_name = "N")]
    pub(crate) connect_user_limit: Option<usize>,
    /// Allow listening on an address other than loopback (the sandbox has no real security).
    #[arg(long)]
    pub(crate) allow_non_loopback: bool,
}

/// `connect-sso sandbox env`.
#[derive(Debug, Args)]
pub(crate) struct SandboxEnvArgs {
    /// Base URL of the running sandbox.
    #[arg(long, value_name = "URL", default_value_t = format!("http://{DEFAULT_SANDBOX_BIND}"))]
    pub(crate) url: String,
    /// Print the exports without checking that a sandbox answers at --url.
    #[arg(long)]
    pub(crate) no_check: bool,
}

fn parse_rfc3339(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|e| format!("expected an RFC 3339 instant such as 2024-05-01T12:00:00Z ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
