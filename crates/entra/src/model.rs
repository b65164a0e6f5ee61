//! Graph v1.0 resources, with the properties connect-sso reads or writes. Unknown properties
//! are ignored; absent ones take their defaults.

use serde::{Deserialize, Serialize};

/// `microsoft.graph.application`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Application {
    /// Object ID.
    pub id: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Display name.
    pub display_name: String,
    /// Identifier (entity ID) URIs.
    pub identifier_uris: Vec<String>,
    /// Web platform settings (reply URLs).
    pub web: Web,
    /// App roles.
    pub app_roles: Vec<AppRole>,
    /// Tags.
    pub tags: Vec<String>,
}

/// `microsoft.graph.webApplication`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Web {
    /// Reply URLs (ACS).
    pub redirect_uris: Vec<String>,
}

/// `microsoft.graph.appRole`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppRole {
    /// Role ID (a GUID chosen by the client).
    pub id: String,
    /// `["User"]` for roles assignable to users and groups.
    pub allowed_member_types: Vec<String>,
    /// Description.
    pub description: String,
    /// Display name.
    pub display_name: String,
    /// Enabled; a role must be disabled before it can be removed.
    pub is_enabled: bool,
    /// The value sent in `user.assignedroles` (for AWS: `roleArn,providerArn`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// `microsoft.graph.servicePrincipal`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServicePrincipal {
    /// Object ID.
    pub id: String,
    /// Application (client) ID.
    pub app_id: String,
    /// Display name.
    pub display_name: String,
    /// `saml`, `password`, `oidc`, `notSupported`, or absent.
    pub preferred_single_sign_on_mode: Option<String>,
    /// SAML settings (relay state).
    pub saml_single_sign_on_settings: Option<SamlSingleSignOnSettings>,
    /// Thumbprint of the active signing certificate.
    pub preferred_token_signing_key_thumbprint: Option<String>,
    /// Only assigned users and groups may sign in.
    pub app_role_assignment_required: bool,
    /// Key credentials (signing certificates: `Sign` and `Verify` halves).
    pub key_credentials: Vec<KeyCredential>,
    /// App roles (copied from the application).
    pub app_roles: Vec<AppRole>,
    /// Tags.
    pub tags: Vec<String>,
}

/// `microsoft.graph.samlSingleSignOnSettings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SamlSingleSignOnSettings {
    /// Relay state sent with IdP-initiated sign-in.
    pub relay_state: Option<String>,
}

/// `microsoft.graph.keyCredential`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyCredential {
    /// Key ID.
    pub key_id: String,
    /// Custom key identifier (base64 of the certificate thumbprint for token signing certs).
    pub custom_key_identifier: Option<String>,
    /// Display name, e.g. `CN=Amazon Connect`.
    pub display_name: Option<String>,
    /// Start of validity (ISO 8601).
    pub start_date_time: Option<String>,
    /// End of validity (ISO 8601).
    pub end_date_time: Option<String>,
    /// `AsymmetricX509Cert`.
    #[serde(rename = "type")]
    pub key_type: Option<String>,
    /// `Sign` or `Verify`.
    pub usage: Option<String>,
    /// Base64 DER of the certificate (only when selected with `$select=keyCredentials`).
    pub key: Option<String>,
}

/// `microsoft.graph.selfSignedCertificate`: the answer of `addTokenSigningCertificate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SelfSignedCertificate {
    /// Custom key identifier.
    pub custom_key_identifier: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// End of validity.
    pub end_date_time: Option<String>,
    /// Base64 DER of the certificate.
    pub key: Option<String>,
    /// Key ID.
    pub key_id: String,
    /// Start of validity.
    pub start_date_time: Option<String>,
    /// Thumbprint (hex) — the value for `preferredTokenSigningKeyThumbprint`.
    pub thumbprint: String,
    /// `AsymmetricX509Cert`.
    #[serde(rename = "type")]
    pub key_type: Option<String>,
    /// `Verify`.
    pub usage: Option<String>,
}

/// `microsoft.graph.applicationServicePrincipal`: the answer of `instantiate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationServicePrincipal {
    /// The application.
    pub application: Application,
    /// Its service principal (the enterprise app).
    pub service_principal: ServicePrincipal,
}

/// `microsoft.graph.claimsMappingPolicy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClaimsMappingPolicy {
    /// Object ID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// One JSON string holding `{"ClaimsMappingPolicy": {...}}`.
    pub definition: Vec<String>,
    /// Applies to the whole tenant (never, for ours).
    pub is_organization_default: bool,
}

/// `microsoft.graph.appRoleAssignment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AppRoleAssignment {
    /// Object ID.
    pub id: String,
    /// The app role.
    pub app_role_id: String,
    /// User or group ID.
    pub principal_id: String,
    /// `User` or `Group`.
    pub principal_type: Option<String>,
    /// Display name of the principal.
    pub principal_display_name: Option<String>,
    /// Service principal ID.
    pub resource_id: String,
}

/// `microsoft.graph.group`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    /// Object ID.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

/// `microsoft.graph.user`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    /// Object ID.
    pub id: String,
    /// UPN: what Entra sends as RoleSessionName by default.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Mail.
    pub mail: Option<String>,
    /// Enabled.
    pub account_enabled: Option<bool>,
}

/// A page of a Graph collection.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub(crate) value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub(crate) next_link: Option<String>,
}

/// A provisioning (synchronization) job of a service principal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationJob {
    /// Job ID.
    pub id: String,
    /// The synchronization template it was made from.
    #[serde(default)]
    pub template_id: String,
    /// Its status.
    #[serde(default)]
    pub status: SynchronizationStatus,
}

/// A synchronization job's status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationStatus {
    /// `NotConfigured`, `NotRun`, `Active`, `Paused`, `Quarantine`.
    #[serde(default)]
    pub code: String,
    /// The last run.
    #[serde(default)]
    pub last_execution: Option<SynchronizationExecution>,
}

/// One run of a synchronization job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationExecution {
    /// `Succeeded`, `Failed`, …
    #[serde(default)]
    pub state: Option<String>,
    /// Its error, if it failed.
    #[serde(default)]
    pub error: Option<SynchronizationError>,
}

/// A synchronization error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationError {
    /// Error code.
    #[serde(default)]
    pub code: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
}
