//! The spec as written in TOML. Every field is documented here; the documentation is what
//! `connect-sso spec schema` emits and what `connect-sso init` comments on.

use schemars::JsonSchema;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A federation spec: one Entra enterprise app signing users into one Amazon Connect instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec format version. Only `1` exists.
    pub version: u32,
    /// How Entra reaches Connect: `direct` (Entra → IAM in the Connect account) or `brokered`
    /// (Entra → IAM Identity Center → Connect in another account).
    #[serde(default)]
    pub topology: Topology,
    /// Where the tool acts: the real clouds or a local sandbox.
    #[serde(default)]
    pub target: Target,
    /// The Microsoft Entra ID side.
    pub entra: Entra,
    /// The AWS account side (IAM).
    pub aws: Aws,
    /// IAM Identity Center, the broker of the `brokered` topology (in the management
    /// account). Required for `brokered`, refused for `direct`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_center: Option<IdentityCenter>,
    /// The Amazon Connect instance.
    pub connect: Connect,
    /// How `connect-sso sync` turns the members of the `[[entra.access]]` groups into Connect
    /// users (docs/spec.md, "User sync").
    #[serde(default, skip_serializing_if = "UserSync::is_default")]
    pub sync: UserSync,
}

/// `connect-sso sync`: Entra group members → Amazon Connect users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSync {
    /// Which Entra property becomes the Connect username: `upn` (userPrincipalName, what the
    /// RoleSessionName claim sends by default) or `mail` (only if the claim maps `user.mail`).
    /// The value is trimmed and otherwise kept exactly, case included: Connect compares
    /// usernames with the RoleSessionName exactly (docs/facts.md §2).
    #[serde(default)]
    pub username: UsernameSource,
    /// What happens to a Connect user the tool manages when its person is in no synced group
    /// any more: `disable` (keep the user, give it only `disabled_security_profile` and tag it
    /// `connect-sso:disabled`, since Connect has no disabled state) or `delete`.
    #[serde(default)]
    pub leavers: LeaverPolicy,
    /// The security profile a disabled leaver keeps: create it with no permissions in the
    /// Connect admin website. Needed only when a leaver is disabled.
    #[serde(default = "default_disabled_profile")]
    pub disabled_security_profile: String,
    /// Refuse (without `--force`) a sync that would remove or disable more users than this.
    #[serde(default = "default_max_removals")]
    pub max_removals: u32,
    /// Refuse (without `--force`) a sync that would remove or disable more than this share of
    /// the managed users, in percent (checked once at least 20 users are managed).
    #[serde(default = "default_max_removal_percent")]
    pub max_removal_percent: u32,
    /// Take over a Connect user that someone made by hand when its username is a member's
    /// (tag it and manage it from then on). Off: such a member is reported and skipped.
    #[serde(default)]
    pub adopt_existing: bool,
    /// How long a leaver keeps their access before `leavers` applies: `"<n>d"` (days) or
    /// `"<n>h"` (hours), e.g. `"7d"`. The first sync that sees a leaver only tags them
    /// `connect-sso:left-at` with the time; a sync after the grace period applies the policy; a
    /// person who is a member again within it loses the tag. Absent: the policy applies at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaver_grace: Option<String>,
    /// Whether CreateUser sends the member's e-mail address: `never` (the default: some SAML
    /// instances refuse it, docs/facts.md §2) or `mail` (Entra's `mail`). An instance that
    /// refuses it is reported once, with the fix, and its users are created without it.
    #[serde(default, skip_serializing_if = "EmailSource::is_default")]
    pub email: EmailSource,
}

/// Whether sync gives Connect users an e-mail address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EmailSource {
    /// No e-mail address (Connect does not need one for SAML users).
    #[default]
    Never,
    /// The member's `mail`, when they have one.
    Mail,
}

impl EmailSource {
    fn is_default(&self) -> bool {
        *self == EmailSource::Never
    }
}

impl Default for UserSync {
    fn default() -> Self {
        Self {
            username: UsernameSource::default(),
            leavers: LeaverPolicy::default(),
            disabled_security_profile: default_disabled_profile(),
            max_removals: default_max_removals(),
            max_removal_percent: default_max_removal_percent(),
            adopt_existing: false,
            leaver_grace: None,
            email: EmailSource::Never,
        }
    }
}

impl UserSync {
    fn is_default(&self) -> bool {
        *self == UserSync::default()
    }

    /// `leaver_grace` in seconds (`None`: no grace period, or a value that does not parse,
    /// which validation reports).
    pub fn leaver_grace_seconds(&self) -> Option<i64> {
        self.leaver_grace.as_deref().and_then(grace_seconds)
    }
}

/// `"<n>d"` or `"<n>h"` in seconds; `None` when it is neither.
pub fn grace_seconds(text: &str) -> Option<i64> {
    let t = text.trim();
    let (n, unit) = if let Some(n) = t.strip_suffix('d') {
        (n, 86_400)
    } else {
        (t.strip_suffix('h')?, 3_600)
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = n.parse().ok().filter(|n| (0..=3650 * 24).contains(n))?;
    Some(n * unit)
}

/// Where a Connect username comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UsernameSource {
    /// `userPrincipalName` (the default RoleSessionName claim, docs/facts.md §4).
    #[default]
    Upn,
    /// `mail` (the claims-mapping policy must then send `user.mail` as RoleSessionName).
    Mail,
}

/// What happens to leavers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeaverPolicy {
    /// Keep the user with only the no-permission profile, tagged `connect-sso:disabled`.
    #[default]
    Disable,
    /// Delete the Connect user.
    Delete,
}

fn default_disabled_profile() -> String {
    "connect-sso-disabled".to_string()
}

fn default_max_removals() -> u32 {
    50
}

fn default_max_removal_percent() -> u32 {
    20
}

/// The two topologies (docs/facts.md §1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    /// Entra ID → IAM SAML provider in the Connect account → federation role → Connect.
    #[default]
    Direct,
    /// Entra ID → IAM Identity Center → Connect in another account.
    Brokered,
}

/// IAM Identity Center (the `brokered` topology, docs/design/brokered.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityCenter {
    /// The management account that holds the Identity Center instance (12 digits): not the
    /// Connect account of `[aws]`.
    pub account_id: String,
    /// The Region of the Identity Center instance.
    pub region: String,
    /// Display name of the customer-managed SAML application that signs people into the
    /// Connect account (made in the console: the API cannot make SAML applications).
    #[serde(default = "default_ic_application_name")]
    pub application_name: String,
    /// How the tool reaches the management account.
    #[serde(default, skip_serializing_if = "Credentials::is_default")]
    pub credentials: Credentials,
    /// Identity Center's service provider metadata, downloaded from the console's identity
    /// source page: a file (relative to the spec) or an http(s) URL. Given after the console
    /// step that asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_metadata: Option<String>,
    /// The "Amazon Connect" application's SAML metadata (IdP metadata, its "IAM Identity
    /// Center SAML metadata file"): a file (relative to the spec) or its metadata URL. Given
    /// after the console step that makes the application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_metadata: Option<String>,
    /// Entra's automatic provisioning of the `[[entra.access]]` groups and their members into
    /// Identity Center (SCIM). Absent: the identity store is filled some other way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning: Option<Provisioning>,
}

/// Entra's automatic provisioning into Identity Center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Provisioning {
    /// Identity Center's SCIM endpoint (console: Settings → Automatic provisioning), e.g.
    /// `https://scim.eu-west-1.amazonaws.com/<id>/scim/v2`.
    pub scim_endpoint: String,
    /// The environment variable holding the SCIM access token the console showed (the token
    /// never goes in the spec).
    pub token_env: String,
}

/// How the tool reaches an AWS account: the default credential chain, a named profile, or a
/// role assumed from the default credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// A profile of `~/.aws/config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// A role to assume (`arn:aws:iam::<account>:role/<name>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

impl Credentials {
    fn is_default(&self) -> bool {
        *self == Credentials::default()
    }
}

fn default_ic_application_name() -> String {
    "Amazon Connect".into()
}

/// Where the tool acts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// `cloud` (Microsoft Graph and AWS, with the usual credentials) or `sandbox`.
    #[serde(default)]
    pub kind: TargetKind,
    /// Base URL of a running sandbox (`connect-sso sandbox serve`), e.g. `http://127.0.0.1:7341`.
    /// Only for `kind = "sandbox"`. The CLI takes, in order: `--sandbox-url`, this,
    /// `$CONNECT_SSO_SANDBOX_URL`, then `http://127.0.0.1:7341` (the `serve` default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The kind of target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    /// Microsoft Graph and AWS, reached with the standard credential chains.
    Cloud,
    /// The local emulator.
    #[default]
    Sandbox,
}

/// The Entra ID enterprise application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entra {
    /// Directory (tenant) ID, a GUID.
    pub tenant_id: String,
    /// Display name of the enterprise application, e.g. `Amazon Connect (production)`.
    pub app_name: String,
    /// Which AWS app this is in the tenant: 1 for the first (identifier
    /// `https://signin.aws.amazon.com/saml`), 2 for a second (`…/saml#2`), and so on.
    /// Entra needs distinct identifiers; the `#n` never goes in the Reply URL (docs/facts.md §4).
    #[serde(default = "default_app_instance")]
    pub app_instance: u32,
    /// Signature algorithm of the SAML response.
    #[serde(default)]
    pub signing_algorithm: SigningAlgorithm,
    /// Validity of a new signing certificate, in years (Entra's default is 3).
    #[serde(default = "default_certificate_years")]
    pub certificate_years: u32,
    /// Value of the `SessionDuration` claim in seconds (900–43200); absent: no claim (1 hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_duration: Option<u32>,
    /// Display name of the app role that carries the Role claim value (`roleArn,providerArn`).
    /// There is one: Entra requires app role values to be unique, and one federation role
    /// serves one instance (docs/facts.md §2, §4). Every group below is assigned to it.
    #[serde(default = "default_app_role")]
    pub app_role: String,
    /// Which Entra groups get access.
    #[serde(default)]
    pub access: Vec<Access>,
    /// Who enters the app's Basic SAML Configuration (Identifier, Reply URL, Relay State):
    /// `connect-sso` through Microsoft Graph (the default), or a person in the Entra admin
    /// center (`console`), for tenants where only the identity team changes an app's SAML
    /// settings. With `console`, apply stops at those steps with the exact values (exit code 3)
    /// and verifies them through Graph on the next run.
    #[serde(default, skip_serializing_if = "SettingsBy::is_default")]
    pub basic_saml_configuration: SettingsBy,
}

/// Who makes a resource's changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SettingsBy {
    /// connect-sso, through the API.
    #[default]
    ConnectSso,
    /// A person, in the console; connect-sso prints the exact values and verifies them.
    Console,
}

impl SettingsBy {
    fn is_default(&self) -> bool {
        *self == SettingsBy::ConnectSso
    }
}

fn default_app_instance() -> u32 {
    1
}

fn default_certificate_years() -> u32 {
    3
}

/// The response signature algorithm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SigningAlgorithm {
    /// RSA with SHA-256 (Entra's default; recommended).
    #[default]
    RsaSha256,
    /// RSA with SHA-1 (legacy; avoid).
    RsaSha1,
}

/// One Entra group assigned to the app, and what its members become in Connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// Display name of the Entra group (must exist; the tool does not create groups). Members,
    /// nested groups included, may sign in.
    pub group: String,
    /// Connect security profiles given to the group's members when their users are created.
    #[serde(default = "agent_profiles")]
    pub security_profiles: Vec<String>,
    /// Connect routing profile given to the group's members.
    #[serde(default = "basic_routing")]
    pub routing_profile: String,
    /// Tags `connect-sso sync` puts on its members' Connect users, e.g.
    /// `{ cost_centre = "CC 12" }`. sync remembers which keys are its own (in the tag
    /// `connect-sso:tags`) and changes or removes only those; other tags are left alone.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The agent hierarchy group of the group's members: the group's name as the Connect admin
    /// website shows it (unique in the instance). Absent: sync leaves the hierarchy group alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hierarchy_group: Option<String>,
}

fn default_app_role() -> String {
    "Amazon Connect".to_string()
}

fn agent_profiles() -> Vec<String> {
    vec!["Agent".to_string()]
}

/// The AWS account that holds the IAM SAML provider and the federation role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Aws {
    /// 12-digit account ID.
    pub account_id: String,
    /// Region of the Connect instance, e.g. `us-east-1`, `eu-west-2`, `us-gov-west-1`.
    pub region: String,
    /// Name of the IAM SAML identity provider.
    #[serde(default = "default_provider")]
    pub saml_provider: String,
    /// Name of the federation role users assume. Keep it stable: changing it breaks users who
    /// already federated (docs/facts.md §2, §6.8).
    #[serde(default = "default_role")]
    pub federation_role: String,
    /// The role's MaxSessionDuration in seconds (3600–43200). Connect sessions last 12 h.
    #[serde(default = "default_max_session")]
    pub max_session_duration: u32,
    /// Send users to the regional sign-in endpoint (`https://<region>.signin.aws.amazon.com/saml`)
    /// instead of the global one. The trust policy then allows both audiences.
    #[serde(default)]
    pub regional_signin: bool,
    /// Raised API quotas of this account and Region, by `service:Operation`
    /// (`"connect:CreateUser" = { rate = 10, burst = 15 }`). Every call connect-sso makes is
    /// paced to the documented defaults (docs/facts.md §2) unless raised here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rate_limits: BTreeMap<String, RateLimit>,
    /// How the tool reaches this account (default: the standard credential chain).
    #[serde(default, skip_serializing_if = "Credentials::is_default")]
    pub credentials: Credentials,
}

/// An API quota: sustained calls per second, and the burst allowed above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Calls per second (at least 1).
    pub rate: u32,
    /// Burst (at least `rate`; defaults to `rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
}

fn default_provider() -> String {
    "EntraID".to_string()
}

fn default_role() -> String {
    "ConnectFederation".to_string()
}

fn default_max_session() -> u32 {
    43200
}

/// The Amazon Connect instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connect {
    /// Instance alias (the `<alias>.my.connect.aws` name): 1–45 of letters, digits and `-`,
    /// not starting or ending with `-`.
    pub instance_alias: String,
    /// Adopt this existing instance instead of creating one (its identity management must be SAML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Allow inbound calls.
    #[serde(default = "yes")]
    pub inbound_calls: bool,
    /// Allow outbound calls.
    #[serde(default = "yes")]
    pub outbound_calls: bool,
    /// Where users land after federation, as a path of the Connect app, e.g. `/ccp-v2` or
    /// `/agent-app-v2`. Absent: the Connect home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// The first administrator, created as a Connect user whose username equals their Entra UPN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<ConnectUser>,
}

fn yes() -> bool {
    true
}

/// A Connect user to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectUser {
    /// Username: must equal the RoleSessionName the IdP sends (the Entra UPN), case included.
    pub username: String,
    /// First name (required by Connect for SAML instances).
    pub first_name: String,
    /// Last name (required by Connect for SAML instances).
    pub last_name: String,
    /// Security profile names.
    #[serde(default = "admin_profiles")]
    pub security_profiles: Vec<String>,
    /// Routing profile name.
    #[serde(default = "basic_routing")]
    pub routing_profile: String,
}

fn admin_profiles() -> Vec<String> {
    vec!["Admin".to_string()]
}

fn basic_routing() -> String {
    "Basic Routing Profile".to_string()
}
