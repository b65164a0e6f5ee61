//! IAM Identity Center in the management account (docs/design/brokered.md, "Sandbox wire
//! contract"): the instance, the external identity source (Entra), customer-managed SAML
//! applications acting as IdP towards AWS sign-in, their assignments, the access portal, and
//! the identity store filled through SCIM.
//!
//! Module ownership:
//! - `store`: the identity store's users, groups and memberships; SCIM tokens.
//! - `scim`: the SCIM 2.0 endpoint Entra's provisioning service calls.
//! - `identitystore`: the `identitystore` API (awsJson1.1).
//! - `apps`: customer-managed SAML applications (keys, metadata, the Response they issue).
//! - `portal`: IC as SP (metadata, ACS), the access portal and its tiles, application metadata.
//! - `admin`: `/aws/_admin/identity-center` (the console steps).
//!
//! Everything but the access portal's sessions is written to the state file with the rest of
//! the AWS state (`aws/persist.rs`): whatever changes it calls `state.aws.changed()`.

use std::collections::HashMap;
use std::sync::{MutexGuard, PoisonError};

use connect_sso_saml::{Certificate, IdpMetadata};

use crate::State;

pub mod admin;
pub mod apps;
pub mod identitystore;
pub mod portal;
pub mod scim;
pub mod store;

/// The management account, where Identity Center lives.
pub const MANAGEMENT_ACCOUNT_ID: &str = crate::MANAGEMENT_ACCOUNT_ID;
/// Identity Center's Region.
pub const REGION: &str = "us-east-1";
/// The one instance's ID (`ssoins-` and 16 characters, as the model's pattern requires).
pub const INSTANCE_ID: &str = "ssoins-7223sandbox00001";
/// The one instance's ARN.
pub const INSTANCE_ARN: &str = "arn:aws:sso:::instance/ssoins-7223sandbox00001";
/// The instance's identity store (`d-` and 10 hexadecimal digits, as the model's pattern requires).
pub const IDENTITY_STORE_ID: &str = "d-9067c0ffee";
/// IC's SAML SP entity ID (the issuer/audience the external IdP must use).
pub const SP_ENTITY_ID: &str = "https://us-east-1.signin.aws/platform/saml/d-9067c0ffee";
/// The UUID in IC's ACS URL.
pub const ACS_ID: &str = "4f1c2a57-7223-4d6e-9a0b-5a4d1b0c0001";
/// IC's ACS (the Entra app's reply URL).
pub const ACS_URL: &str =
    "https://us-east-1.signin.aws/platform/saml/acs/4f1c2a57-7223-4d6e-9a0b-5a4d1b0c0001";
/// The AWS access portal.
pub const PORTAL_URL: &str = "https://d-9067c0ffee.awsapps.com/start";
/// Name of the access portal's session cookie.
pub const PORTAL_COOKIE: &str = "ic_portal";

/// The external identity provider Identity Center trusts (from its federation metadata). Saved
/// as its metadata alone, and read back from it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "SavedIdp", into = "SavedIdp")]
pub struct ExternalIdp {
    /// Its entity ID (the Issuer to expect).
    pub entity_id: String,
    /// Its signing certificates.
    pub signing_certificates: Vec<Certificate>,
    /// The metadata as given.
    pub metadata_xml: String,
}

impl ExternalIdp {
    /// Read the external IdP's federation metadata.
    pub fn from_metadata(xml: &str) -> Result<Self, connect_sso_saml::Error> {
        let md = IdpMetadata::parse(xml)?;
        Ok(Self {
            entity_id: md.entity_id,
            signing_certificates: md.signing_certificates,
            metadata_xml: xml.to_string(),
        })
    }
}

/// What the state file keeps of an [`ExternalIdp`]: the metadata it was made from.
#[derive(serde::Serialize, serde::Deserialize)]
struct SavedIdp {
    metadata_xml: String,
}

impl TryFrom<SavedIdp> for ExternalIdp {
    type Error = connect_sso_saml::Error;
    fn try_from(s: SavedIdp) -> Result<Self, Self::Error> {
        Self::from_metadata(&s.metadata_xml)
    }
}

impl From<ExternalIdp> for SavedIdp {
    fn from(idp: ExternalIdp) -> Self {
        Self {
            metadata_xml: idp.metadata_xml,
        }
    }
}

/// `USER` or `GROUP` (sso-admin's `PrincipalType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PrincipalType {
    /// An identity-store user.
    User,
    /// An identity-store group.
    Group,
}

/// An application assignment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Assignment {
    /// The application's ARN.
    pub application_arn: String,
    /// The user or group ID.
    pub principal_id: String,
    /// `USER` or `GROUP`.
    pub principal_type: PrincipalType,
}

/// A signed-in access portal browser.
#[derive(Debug, Clone)]
pub struct PortalSession {
    /// The identity-store user.
    pub user_id: String,
    /// Unix time the session ends.
    pub expires_at: i64,
}

/// Identity Center's state. Serialised (the state file's `identity_center`) without the portal
/// sessions; every field may be absent.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct IdentityCenter {
    /// Users, groups, memberships, SCIM token digests.
    pub store: store::IdentityStore,
    /// `None`: the Identity Center directory; `Some`: an external IdP (Entra).
    pub identity_source: Option<ExternalIdp>,
    /// Customer-managed SAML applications (with their keys).
    pub applications: Vec<apps::Application>,
    /// Application assignments.
    pub assignments: Vec<Assignment>,
    /// Access portal sessions by cookie value (memory only).
    #[serde(skip)]
    pub portal_sessions: HashMap<String, PortalSession>,
}

impl IdentityCenter {
    /// A copy of what the state file keeps (no portal sessions).
    pub fn persisted(&self) -> Self {
        Self {
            store: self.store.clone(),
            identity_source: self.identity_source.clone(),
            applications: self.applications.clone(),
            assignments: self.assignments.clone(),
            portal_sessions: HashMap::new(),
        }
    }

    /// The application whose ID (`apl-…`), ARN or metadata token is `key`.
    pub fn application(&self, key: &str) -> Option<&apps::Application> {
        self.applications
            .iter()
            .find(|a| a.id == key || a.arn == key || a.token == key)
    }

    /// Is `user_id` assigned to `application_arn`, directly or through a group?
    pub fn is_assigned(&self, application_arn: &str, user_id: &str) -> bool {
        let groups = self.store.groups_of(user_id);
        self.assignments.iter().any(|a| {
            a.application_arn == application_arn
                && match a.principal_type {
                    PrincipalType::User => a.principal_id == user_id,
                    PrincipalType::Group => groups.contains(&a.principal_id),
                }
        })
    }

    /// Does the identity store hold this principal?
    pub fn principal_exists(&self, id: &str, kind: PrincipalType) -> bool {
        match kind {
            PrincipalType::User => self.store.users.iter().any(|u| u.id == id),
            PrincipalType::Group => self.store.groups.iter().any(|g| g.id == id),
        }
    }

    /// The live portal session of a cookie value.
    pub fn portal_session(&self, token: &str, now: i64) -> Option<&PortalSession> {
        self.portal_sessions
            .get(token)
            .filter(|s| s.expires_at > now)
    }
}

/// Lock Identity Center's state (a poisoned lock is taken over, as the other services do).
pub fn lock(state: &State) -> MutexGuard<'_, IdentityCenter> {
    state
        .aws
        .identity_center
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}
