//! What exists now, on both sides, as the planner sees it. The adapters fill this in
//! (observe); the planner only reads it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A snapshot of both sides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    /// Entra ID.
    pub entra: EntraObserved,
    /// AWS (IAM and Connect).
    pub aws: AwsObserved,
    /// IAM Identity Center (the `brokered` topology only; empty otherwise).
    #[serde(default)]
    pub identity_center: IdentityCenterObserved,
}

/// A document the spec points at (a file or URL), as read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "read")]
pub enum Document<T> {
    /// The spec does not name one yet.
    #[default]
    Absent,
    /// Named, but it could not be read or parsed: why.
    Unreadable {
        /// What went wrong.
        reason: String,
    },
    /// Read and parsed.
    Read {
        /// What it says.
        value: T,
    },
}

impl<T> Document<T> {
    /// The parsed value, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Document::Read { value } => Some(value),
            _ => None,
        }
    }
}

/// IAM Identity Center in the management account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityCenterObserved {
    /// The instance (`None`: Identity Center is not enabled, or was not read).
    pub instance: Option<IcInstance>,
    /// Identity Center's SP metadata (`identity_center.sp_metadata`).
    pub service_provider: Document<IcServiceProvider>,
    /// Where the access portal sends a visitor who is not signed in: the external IdP's
    /// sign-in URL (`None`: to Identity Center's own sign-in, or not read).
    pub portal_idp: Option<String>,
    /// Customer-managed applications whose name is the spec's `application_name`.
    pub applications: Vec<IcApplication>,
    /// The application's SAML metadata (`identity_center.application_metadata`).
    pub application_metadata: Document<IcApplicationMetadata>,
    /// The spec's groups in the identity store: display name → group ID (`None`: not there).
    pub groups: BTreeMap<String, Option<String>>,
    /// The application's assignments: principal IDs (users and groups).
    pub assignments: Vec<String>,
}

/// An Identity Center instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcInstance {
    /// `arn:aws:sso:::instance/ssoins-…`.
    pub arn: String,
    /// `d-…`.
    pub identity_store_id: String,
}

/// Identity Center as a SAML service provider (towards Entra).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcServiceProvider {
    /// Entity ID (the Entra app's identifier).
    pub entity_id: String,
    /// ACS URL (the Entra app's Reply URL).
    pub acs_url: String,
}

/// A customer-managed application of Identity Center.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcApplication {
    /// ARN.
    pub arn: String,
    /// Display name.
    pub name: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// The application as a SAML IdP (its metadata).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcApplicationMetadata {
    /// Entity ID (the issuer of its assertions).
    pub entity_id: String,
    /// Thumbprints of its signing certificates.
    pub certificate_thumbprints: Vec<String>,
}

/// The Entra side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntraObserved {
    /// Enterprise apps whose display name equals the spec's `app_name` (normally 0 or 1).
    pub apps: Vec<EntraApp>,
    /// The spec's groups: display name → object IDs found (empty: no such group).
    pub groups: BTreeMap<String, Vec<String>>,
    /// Users the spec names (the first administrator), looked up in Entra: name as the spec
    /// writes it → the user's exact UPN (`None`: no such user). A name not in the map was not
    /// looked up, and is not judged.
    #[serde(default)]
    pub users: BTreeMap<String, Option<String>>,
    /// The app's provisioning jobs (brokered: Entra's provisioning into Identity Center).
    #[serde(default)]
    pub provisioning_jobs: Vec<ProvisioningJob>,
}

/// A provisioning job of the app.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProvisioningJob {
    /// Job ID.
    pub id: String,
    /// `NotRun`, `Active`, `Quarantine`, …
    pub status: String,
    /// The last run's error.
    pub error: Option<String>,
}

/// An enterprise app: the application object and its service principal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntraApp {
    /// Application object ID.
    pub object_id: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Service principal object ID (absent right after creation, before replication).
    pub sp_id: Option<String>,
    /// Carries the tool's tag.
    pub managed: bool,
    /// `identifierUris`.
    pub identifier_uris: Vec<String>,
    /// `web.redirectUris`.
    pub redirect_uris: Vec<String>,
    /// `preferredSingleSignOnMode`.
    pub sso_mode: Option<String>,
    /// `samlSingleSignOnSettings.relayState`.
    pub relay_state: Option<String>,
    /// `appRoleAssignmentRequired`.
    pub assignment_required: bool,
    /// App roles.
    pub app_roles: Vec<AppRole>,
    /// Signing certificates (the `Verify` key credentials).
    pub signing_certificates: Vec<SigningCertificate>,
    /// `preferredTokenSigningKeyThumbprint`.
    pub preferred_thumbprint: Option<String>,
    /// Claims-mapping policies assigned to the service principal.
    pub claims_policies: Vec<ClaimsPolicy>,
    /// App role assignments (users and groups).
    pub assignments: Vec<Assignment>,
}

/// An app role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppRole {
    /// Role ID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Value (`roleArn,providerArn` for ours).
    pub value: Option<String>,
    /// Enabled.
    pub enabled: bool,
}

/// A token signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningCertificate {
    /// SHA-1 thumbprint, upper-case hex.
    pub thumbprint: String,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: time::OffsetDateTime,
}

/// A claims-mapping policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClaimsPolicy {
    /// Object ID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// The parsed definition.
    pub definition: serde_json::Value,
}

/// An app role assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// Assignment ID.
    pub id: String,
    /// User or group ID.
    pub principal_id: String,
    /// App role ID.
    pub app_role_id: String,
}

/// The AWS side.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsObserved {
    /// The IAM SAML provider with the spec's name.
    pub saml_provider: Option<SamlProvider>,
    /// The federation role with the spec's name.
    pub role: Option<FederationRole>,
    /// The Connect instance (by `instance_id`, else by alias).
    pub instance: Option<ConnectInstance>,
    /// The admin user, looked up by username in that instance.
    pub admin_user: Option<ConnectUser>,
}

/// An IAM SAML provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlProvider {
    /// ARN.
    pub arn: String,
    /// Thumbprints of the signing certificates in its metadata.
    pub certificate_thumbprints: Vec<String>,
    /// Issuer (entityID) of its metadata.
    pub entity_id: Option<String>,
    /// Carries the tool's tag.
    pub managed: bool,
}

/// The federation role.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FederationRole {
    /// ARN.
    pub arn: String,
    /// Trust policy (parsed).
    pub trust_policy: serde_json::Value,
    /// MaxSessionDuration.
    pub max_session_duration: u32,
    /// Inline policies: name → document (parsed).
    pub inline_policies: BTreeMap<String, serde_json::Value>,
    /// Carries the tool's tag.
    pub managed: bool,
}

/// A Connect instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectInstance {
    /// Instance ID.
    pub id: String,
    /// Instance ARN.
    pub arn: String,
    /// Alias.
    pub alias: String,
    /// `SAML`, `CONNECT_MANAGED`, `EXISTING_DIRECTORY`.
    pub identity_management_type: String,
    /// `CREATION_IN_PROGRESS`, `ACTIVE`, `CREATION_FAILED`.
    pub status: String,
    /// Inbound calls enabled.
    pub inbound_calls: bool,
    /// Outbound calls enabled.
    pub outbound_calls: bool,
    /// Carries the tool's tag.
    pub managed: bool,
}

/// A Connect user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectUser {
    /// User ID.
    pub id: String,
    /// Username.
    pub username: String,
    /// Security profile names.
    pub security_profiles: Vec<String>,
    /// Routing profile name.
    pub routing_profile: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
}
