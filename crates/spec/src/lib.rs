//! The connect-sso federation spec: what a user writes in TOML to describe one Entra
//! enterprise application signing people into one Amazon Connect instance.
//!
//! - [`Spec::parse`] reads and validates a spec, returning every problem at once, each with
//!   line, column and a hint ([`SpecErrors`]).
//! - [`Derived`] computes, in one place, everything that follows from a spec: ARNs, the Role
//!   claim value, identifier and Reply URL, audience, relay state, trust and permission policies.
//! - [`json_schema`] is the JSON Schema of the format; [`starter`] writes a commented spec.

mod check;
mod derive;
mod model;
pub mod regions;
mod validate;

pub use derive::{
    AWS_GOV_SIGNIN_URL, AWS_SIGNIN_URL, AttributeMapping, CLAIM_ROLE, CLAIM_ROLE_SESSION_NAME,
    CLAIM_SESSION_DURATION, Derived, FORMAT_UNSPECIFIED, IC_APPLICATION_AUDIENCE, IC_USER_EMAIL,
    MANAGED_TAG, NAMEID_EMAIL, Partition,
};
pub use model::{
    Access, Aws, Connect, ConnectUser, Credentials, EmailSource, Entra, IdentityCenter,
    LeaverPolicy, Provisioning, RateLimit, SettingsBy, SigningAlgorithm, Spec, Target, TargetKind,
    Topology, UserSync, UsernameSource, grace_seconds,
};
pub use validate::{SpecError, SpecErrors, is_guid, username_problem};

impl Spec {
    /// Parse and validate a spec. Every problem is reported together: a syntax error alone
    /// (nothing else can be read), else every unknown field, the first type error, and, when
    /// the spec can be read, every rule.
    pub fn parse(text: &str) -> Result<Spec, SpecErrors> {
        check::parse(text).map_err(|errors| SpecErrors { errors })
    }

    /// The derived values of this spec.
    pub fn derived(&self) -> Derived {
        Derived::from_spec(self)
    }
}

/// The JSON Schema of the spec format (draft 2020-12), pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Spec);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// Values for a starter spec.
#[derive(Debug, Clone)]
pub struct StarterValues {
    /// Tenant ID.
    pub tenant_id: String,
    /// AWS account ID.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Instance alias.
    pub instance_alias: String,
    /// Target kind.
    pub target: TargetKind,
    /// Admin username (the admin's Entra UPN).
    pub admin_username: String,
}

/// A commented starter spec. It always parses and validates (tested).
pub fn starter(v: &StarterValues) -> String {
    let target = match v.target {
        TargetKind::Sandbox => "sandbox",
        TargetKind::Cloud => "cloud",
    };
    format!(
        r#"# connect-sso federation spec: Entra ID → Amazon Connect single sign-on over SAML 2.0.
# `connect-sso plan` shows what would change; `connect-sso apply` makes it so.
# JSON Schema: `connect-sso spec schema`.
version = 1
topology = "direct"          # Entra → IAM in the Connect account ("brokered": via IAM Identity Center)

[target]
kind = "{target}"             # "cloud" (Graph + AWS credentials) or "sandbox" (local emulator)
# url = "http://127.0.0.1:7341"   # a running `connect-sso sandbox serve` (also: --sandbox-url, $CONNECT_SSO_SANDBOX_URL)

[entra]
tenant_id = "{tenant}"
app_name = "Amazon Connect"
# app_instance = 2            # the 2nd AWS app in this tenant gets identifier …/saml#2
# signing_algorithm = "rsa-sha256"
# certificate_years = 3
session_duration = 43200      # SessionDuration claim, seconds (900–43200)
app_role = "Amazon Connect"   # the one app role carrying the Role claim; every group is assigned to it

[[entra.access]]
group = "Connect Agents"      # Entra group whose members may sign in
security_profiles = ["Agent"] # what its members get in Connect
routing_profile = "Basic Routing Profile"

[[entra.access]]
group = "Connect Supervisors"
security_profiles = ["CallCenterManager"]

[aws]
account_id = "{account}"
region = "{region}"
saml_provider = "EntraID"
federation_role = "ConnectFederation"   # keep stable: changing it breaks users who already signed in
max_session_duration = 43200
# regional_signin = true      # use https://<region>.signin.aws.amazon.com/saml

[connect]
instance_alias = "{alias}"
# instance_id = "…"           # adopt an existing SAML instance instead of creating one
inbound_calls = true
outbound_calls = true
destination = "/ccp-v2"       # where agents land after sign-in

[connect.admin]
username = "{admin}"          # must equal the user's Entra UPN exactly (case-sensitive)
first_name = "Connect"
last_name = "Administrator"
security_profiles = ["Admin"]
routing_profile = "Basic Routing Profile"

# `connect-sso sync` creates a Connect user for each member of the groups above (docs/spec.md).
# [sync]
# username = "upn"              # or "mail": what the RoleSessionName claim sends
# leavers = "disable"           # or "delete"; disable strips to disabled_security_profile
# disabled_security_profile = "connect-sso-disabled"
# max_removals = 50             # refuse more removals than this without --force
# max_removal_percent = 20
# adopt_existing = false        # take over hand-made Connect users of the same name
# email = "never"               # or "mail": send the member's mail (some SAML instances refuse it)
## Also: leaver_grace = "7d" (a leaver keeps access this long before the policy applies),
## and per [[entra.access]] group: tags = {{ cost_centre = "CC 12" }}, hierarchy_group = "Team North".
"#,
        tenant = v.tenant_id,
        account = v.account_id,
        region = v.region,
        alias = v.instance_alias,
        admin = v.admin_username,
    )
}

/// A commented starter spec for the brokered topology: [`starter`] with Identity Center in
/// `management_account` (`ic_region`), Connect usernames from `mail`, and the console steps'
/// documents left for `plan`/`apply` to ask for. It always parses and validates (tested).
pub fn brokered_starter(v: &StarterValues, management_account: &str, ic_region: &str) -> String {
    let text = starter(v)
        .replacen(
            "topology = \"direct\"          # Entra → IAM in the Connect account (\"brokered\": via IAM Identity Center)",
            "topology = \"brokered\"        # Entra → IAM Identity Center (management account) → Connect (the account below)",
            1,
        )
        .replacen(
            "# must equal the user's Entra UPN exactly (case-sensitive)",
            "# must equal the user's e-mail address exactly (the application's RoleSessionName)",
            1,
        )
        .replacen(
            "# [sync]\n# username = \"upn\"              # or \"mail\": what the RoleSessionName claim sends",
            "[sync]\nusername = \"mail\"              # Identity Center's application sends the e-mail address as RoleSessionName",
            1,
        );
    format!(
        r#"{text}
# IAM Identity Center brokers the sign-in (docs/design/brokered.md). `connect-sso apply` stops at
# each step only its console can do, with the exact values to enter, and goes on once it is done.
[identity_center]
account_id = "{management_account}"   # the management account (not the Connect account above)
region = "{ic_region}"
application_name = "Amazon Connect"   # the customer-managed SAML application apply asks for
# credentials = {{ profile = "management" }}        # or {{ role_arn = "arn:aws:iam::…:role/…" }}
# sp_metadata = "ic-sp-metadata.xml"               # Identity Center's SP metadata (a console step)
# application_metadata = "ic-connect-app.xml"      # the application's SAML metadata (a console step)
# provisioning = {{ scim_endpoint = "https://scim.{ic_region}.amazonaws.com/…/scim/v2", token_env = "IC_SCIM_TOKEN" }}
"#
    )
}
