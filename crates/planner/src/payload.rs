//! The typed payload of each resource's steps: exactly what the executor does, decided once by
//! the resource's planner module (the executor never re-derives or parses display text).

use serde::{Deserialize, Serialize};

use crate::value::Planned;

/// What the executor needs, per resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Payload {
    /// `entra.app`.
    EntraApp(AppSettings),
    /// `entra.signing_certificate`.
    SigningCertificate(CertificateChange),
    /// `aws.saml_provider`.
    SamlProvider(ProviderChange),
    /// `aws.federation_role`.
    FederationRole(RoleChange),
    /// `connect.instance`.
    ConnectInstance(InstanceChange),
    /// `aws.federation_policy`.
    FederationPolicy(PolicyChange),
    /// `connect.admin`.
    ConnectAdmin(AdminChange),
    /// `entra.app_roles`.
    AppRoles(AppRolesChange),
    /// `entra.claims`.
    ClaimsPolicy(ClaimsChange),
    /// `entra.relay_state`.
    RelayState(RelayStateChange),
    /// `entra.assignments`.
    GroupAssignments(AssignmentsChange),
    /// `identity_center.assignments`.
    IcAssignments(IcAssignmentsChange),
    /// `entra.provisioning`.
    EntraProvisioning(ProvisioningChange),
    /// A step a person makes in a console: nothing for the engine to execute.
    Console,
    /// `identity_center.application` when it does not exist: what a person enters in Identity
    /// Center's console (nothing for the engine to execute).
    IcApplication(ApplicationValues),
}

/// Identity Center's "Amazon Connect" application as its console takes it: the values of the
/// manual step, typed (`--json` readers can fill the console, or a sandbox, from them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApplicationValues {
    /// Display name.
    pub name: String,
    /// Application start URL (blank).
    pub start_url: String,
    /// Relay state: the Connect federate URL.
    pub relay_state: Planned<String>,
    /// Application ACS URL: AWS sign-in.
    pub acs_url: String,
    /// Application SAML audience.
    pub audience: String,
    /// Attribute mappings.
    pub attribute_mappings: Vec<connect_sso_spec::AttributeMapping>,
}

impl ApplicationValues {
    /// The values as one JSON object, once every one is known (the shape of the sandbox's
    /// `POST /aws/_admin/identity-center/applications`, which plays the console page).
    pub fn entered(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({
            "name": self.name,
            "start_url": self.start_url,
            "relay_state": self.relay_state.known().ok()?,
            "acs_url": self.acs_url,
            "audience": self.audience,
            "attribute_mappings": self.attribute_mappings,
        }))
    }
}

/// Entra's provisioning job into Identity Center's SCIM endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvisioningChange {
    /// The job to restart (`None`: create one from [`ProvisioningChange::template_id`]).
    pub job_id: Option<String>,
    /// The synchronization template of a new job.
    pub template_id: String,
    /// Identity Center's SCIM endpoint.
    pub scim_endpoint: String,
    /// The environment variable that holds the SCIM token (read when the step runs).
    pub token_env: String,
}

/// Group assignments to Identity Center's application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IcAssignmentsChange {
    /// The application.
    pub application_arn: String,
    /// Groups to assign: (display name, identity-store group ID).
    pub assign: Vec<(String, String)>,
}

/// The enterprise app's SAML basics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AppSettings {
    /// Display name (also how the app is found).
    pub display_name: String,
    /// `identifierUris` (one).
    pub identifier: String,
    /// `web.redirectUris` (one).
    pub reply_url: String,
}

/// The active signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateChange {
    /// Add a certificate and make it the active one.
    New {
        /// Subject, `CN=<app name>`.
        subject: String,
        /// Validity in years.
        years: u32,
    },
    /// Make an existing valid certificate the active one.
    Activate {
        /// Its thumbprint.
        thumbprint: String,
    },
}

/// The IAM SAML provider (its metadata is read from Entra when the step runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProviderChange {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
}

/// The federation role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoleChange {
    /// Role name.
    pub name: String,
    /// Trust policy.
    pub trust_policy: serde_json::Value,
    /// MaxSessionDuration, seconds.
    pub max_session_duration: u32,
    /// Description given at creation.
    pub description: String,
}

/// The Connect instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstanceChange {
    /// Create a SAML instance.
    Create {
        /// Alias.
        alias: String,
        /// Inbound calls.
        inbound_calls: bool,
        /// Outbound calls.
        outbound_calls: bool,
    },
    /// Wait until it is `ACTIVE`.
    WaitActive {
        /// Instance ID.
        id: String,
    },
    /// Change telephony settings (only those given).
    Set {
        /// Instance ID.
        id: String,
        /// Instance ARN (to tag it when adopting).
        arn: String,
        /// New inbound setting.
        inbound_calls: Option<bool>,
        /// New outbound setting.
        outbound_calls: Option<bool>,
    },
}

/// The role's inline `connect:GetFederationToken` policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PolicyChange {
    /// Role name.
    pub role: String,
    /// Inline policy name.
    pub name: String,
    /// The document (it names the instance).
    pub document: Planned<serde_json::Value>,
}

/// The first Connect administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdminChange {
    /// Instance ID.
    pub instance_id: Planned<String>,
    /// The user's ID when it exists.
    pub user_id: Option<String>,
    /// Username (= RoleSessionName).
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Security profile names.
    pub security_profiles: Vec<String>,
    /// Routing profile name.
    pub routing_profile: String,
}

/// The app role that carries the Role claim value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AppRolesChange {
    /// Its display name.
    pub name: String,
    /// Its value, `roleArn,providerArn`.
    pub value: String,
    /// Description for a new role.
    pub description: String,
    /// IDs of other roles of ours to disable and remove.
    pub retire: Vec<String>,
}

/// The claims-mapping policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ClaimsChange {
    /// Display name of ours.
    pub name: String,
    /// Its definition.
    pub definition: serde_json::Value,
    /// IDs of other policies assigned to the service principal (Entra allows one).
    pub unassign: Vec<String>,
}

/// The relay state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RelayStateChange {
    /// `samlSingleSignOnSettings.relayState`.
    pub relay_state: Planned<String>,
}

/// Group assignments to the app role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AssignmentsChange {
    /// The app role's display name.
    pub app_role: String,
    /// Groups to assign: (display name, object ID).
    pub assign: Vec<(String, String)>,
}
