//! What a plan is made of: steps (with a typed payload for the executor), blockers, and the
//! plan itself.

use serde::{Deserialize, Serialize};

use crate::payload::Payload;
use crate::value::{FieldValue, Shown};

/// A managed resource: the address by which plans, apply, destroy and `--json` name it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub enum Resource {
    /// The enterprise app (application + service principal) and its SAML basics.
    #[serde(rename = "entra.app")]
    EntraApp,
    /// The active token signing certificate.
    #[serde(rename = "entra.signing_certificate")]
    SigningCertificate,
    /// The IAM SAML identity provider.
    #[serde(rename = "aws.saml_provider")]
    SamlProvider,
    /// The IAM federation role and its trust policy.
    #[serde(rename = "aws.federation_role")]
    FederationRole,
    /// The Connect instance.
    #[serde(rename = "connect.instance")]
    ConnectInstance,
    /// The role's `connect:GetFederationToken` policy.
    #[serde(rename = "aws.federation_policy")]
    FederationPolicy,
    /// The first Connect administrator.
    #[serde(rename = "connect.admin")]
    ConnectAdmin,
    /// The app role carrying the Role claim value.
    #[serde(rename = "entra.app_roles")]
    AppRoles,
    /// The claims-mapping policy.
    #[serde(rename = "entra.claims")]
    ClaimsPolicy,
    /// The relay state.
    #[serde(rename = "entra.relay_state")]
    RelayState,
    /// The spec's groups' assignments to the app role (a batch: one item per group).
    #[serde(rename = "entra.assignments")]
    GroupAssignments,
    /// Entra's provisioning of the groups into Identity Center (brokered, optional).
    #[serde(rename = "entra.provisioning")]
    EntraProvisioning,
    /// Identity Center's SP metadata, downloaded in its console (brokered).
    #[serde(rename = "identity_center.service_provider")]
    IcServiceProvider,
    /// Identity Center's identity source set to the Entra app (brokered, console only).
    #[serde(rename = "identity_center.identity_source")]
    IcIdentitySource,
    /// The customer-managed SAML application "Amazon Connect" (brokered, console only).
    #[serde(rename = "identity_center.application")]
    IcApplication,
    /// The spec's groups assigned to that application (brokered).
    #[serde(rename = "identity_center.assignments")]
    IcAssignments,
}

impl Resource {
    /// The address, e.g. `entra.app`.
    pub fn address(self) -> &'static str {
        match self {
            Resource::EntraApp => "entra.app",
            Resource::SigningCertificate => "entra.signing_certificate",
            Resource::SamlProvider => "aws.saml_provider",
            Resource::FederationRole => "aws.federation_role",
            Resource::ConnectInstance => "connect.instance",
            Resource::FederationPolicy => "aws.federation_policy",
            Resource::ConnectAdmin => "connect.admin",
            Resource::AppRoles => "entra.app_roles",
            Resource::ClaimsPolicy => "entra.claims",
            Resource::RelayState => "entra.relay_state",
            Resource::GroupAssignments => "entra.assignments",
            Resource::EntraProvisioning => "entra.provisioning",
            Resource::IcServiceProvider => "identity_center.service_provider",
            Resource::IcIdentitySource => "identity_center.identity_source",
            Resource::IcApplication => "identity_center.application",
            Resource::IcAssignments => "identity_center.assignments",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.address())
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create something that does not exist.
    Create,
    /// Change something that exists.
    Update,
    /// Take over something that exists but was not created by the tool (then update it as needed).
    Adopt,
    /// Remove something.
    Delete,
    /// Wait until something the cloud is doing finishes (an instance being created).
    Wait,
    /// A person does it in a console, with the exact values the step carries; the tool then
    /// verifies it (apply stops here and continues on the next run once verification passes).
    Manual,
}

impl Action {
    /// True for actions that change something in Entra or AWS through their APIs.
    pub fn mutates(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Update | Action::Adopt | Action::Delete
        )
    }
}

/// One field that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    /// Field name as users know it (`identifierUris`, `trust policy`, …).
    pub field: String,
    /// Current value (`None`: absent).
    pub before: Option<FieldValue>,
    /// Desired value (`None`: removed); may be known only after apply.
    pub after: Option<Shown>,
    /// For documents (policies): the lines that change, `- path: old` / `+ path: new`;
    /// shown instead of the two documents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diff: Vec<String>,
}

impl Change {
    /// A field that changes from `before` to `after`.
    pub fn new(
        field: impl Into<String>,
        before: Option<impl Into<FieldValue>>,
        after: Option<impl Into<Shown>>,
    ) -> Change {
        Change {
            field: field.into(),
            before: before.map(Into::into),
            after: after.map(Into::into),
            diff: Vec::new(),
        }
    }

    /// A field that is set where it was absent.
    pub fn set(field: impl Into<String>, after: impl Into<Shown>) -> Change {
        Change {
            field: field.into(),
            before: None,
            after: Some(after.into()),
            diff: Vec::new(),
        }
    }

    /// A document that changes, shown as the lines that differ.
    pub fn document(
        field: impl Into<String>,
        before: &serde_json::Value,
        after: &serde_json::Value,
    ) -> Change {
        Change {
            field: field.into(),
            before: Some(before.into()),
            after: Some(after.into()),
            diff: crate::diff::json_diff(before, after),
        }
    }
}

/// One member of a batch step (a step over a collection: group assignments, later users).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Item {
    /// Which member (a group's display name, a username).
    pub key: String,
    /// What happens to it.
    pub action: Action,
    /// Field-level changes.
    pub changes: Vec<Change>,
}

/// What a person does for a `manual` step, and how the tool verifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ManualStep {
    /// The console and the page, e.g. `Microsoft Entra admin center → Enterprise applications →
    /// "Amazon Connect" → Single sign-on → Basic SAML Configuration`.
    pub console: String,
    /// The exact values to enter: field as the console labels it → value.
    pub enter: Vec<(String, String)>,
    /// What the tool reads afterwards to verify it.
    pub verify: String,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    /// What it manages.
    pub resource: Resource,
    /// What it does.
    pub action: Action,
    /// Why, in a sentence.
    pub reason: String,
    /// Field-level changes.
    pub changes: Vec<Change>,
    /// For a batch: the members and what happens to each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Item>,
    /// For a manual step: what a person does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual: Option<ManualStep>,
    /// What a person should know before applying (security-relevant changes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What the executor needs, typed (never parsed back from `changes`).
    pub payload: Payload,
}

impl Step {
    /// A step with no batch members and no manual part.
    pub fn new(
        resource: Resource,
        action: Action,
        reason: impl Into<String>,
        changes: Vec<Change>,
        payload: Payload,
    ) -> Step {
        Step {
            resource,
            action,
            reason: reason.into(),
            changes,
            items: Vec::new(),
            manual: None,
            warnings: Vec::new(),
            payload,
        }
    }
}

/// Something that stops the plan from being applied, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Blocker {
    /// The resource concerned.
    pub resource: Resource,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// The ordered steps that take observed to desired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Plan {
    /// Steps, in execution order.
    pub steps: Vec<Step>,
    /// Problems that must be fixed before applying.
    pub blockers: Vec<Blocker>,
}

/// How many steps of each kind a plan has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Creations.
    pub create: usize,
    /// Updates, including adoptions that change fields (an adoption that rewrites a trust
    /// policy is an update too, and must not read as a mere take-over).
    pub update: usize,
    /// Adoptions.
    pub adopt: usize,
    /// Deletions.
    pub delete: usize,
    /// Waits.
    pub wait: usize,
    /// Steps a person does in a console.
    pub manual: usize,
}

impl Plan {
    /// True when nothing needs doing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// How many steps of each action.
    pub fn counts(&self) -> Counts {
        let n = |a: Action| self.steps.iter().filter(|s| s.action == a).count();
        Counts {
            create: n(Action::Create),
            update: n(Action::Update)
                + self
                    .steps
                    .iter()
                    .filter(|s| s.action == Action::Adopt && !s.changes.is_empty())
                    .count(),
            adopt: n(Action::Adopt),
            delete: n(Action::Delete),
            wait: n(Action::Wait),
            manual: n(Action::Manual),
        }
    }

    /// The first step for `resource`, if any.
    pub fn step_for(&self, resource: Resource) -> Option<&Step> {
        self.steps.iter().find(|s| s.resource == resource)
    }
}
