//! What users type: the clap definitions, kept apart from the command bodies
//! (`commands/<noun>/<verb>.rs`) so that the interface can be read in one place.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Default address of `connect-sso sandbox serve` (and the URL `sandbox env` assumes).
pub(crate) const DEFAULT_SANDBOX_BIND: &str = "127.0.0.1:7341";

/// Set up, run, check and keep alive single sign-on into Amazon Connect from Microsoft Entra ID.
#[derive(Debug, Parser)]
#[command(name = "connect-sso", version, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 success, 1 rejected (the check said no), 2 error \
                        (bad usage or input that cannot be read)."
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

/// The nouns.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check and read SAML responses (what Entra ID posts to AWS sign-in).
    #[command(subcommand)]
    Saml(SamlCommand),
    /// Run local emulators of Entra ID and AWS (IAM, STS, sign-in, Amazon Connect).
    #[command(subcommand)]
    Sandbox(SandboxCommand),
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
