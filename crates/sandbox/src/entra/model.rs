//! The emulated directory: tenants and the objects in them, as plain serialisable data.
//!
//! Graph JSON is produced from these types by [`crate::entra::graph`]; nothing here knows
//! about HTTP.

use std::fmt;

use connect_sso_saml::SigningKey;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Everything the Entra emulation keeps (persisted as one JSON document).
#[derive(Debug, Serialize, Deserialize)]
pub struct Directory {
    /// Tenants, the default one first.
    pub tenants: Vec<Tenant>,
    /// Key that signs the Graph access tokens this sandbox issues (hex; not a real secret).
    pub token_key: String,
    /// Change counter: every change to a user or group (or membership) takes the next value.
    pub seq: u64,
    /// Eventual consistency: objects created through Graph stay invisible to reads for this
    /// many milliseconds (0: off). Set through `PUT /entra/_sandbox/consistency`.
    #[serde(default)]
    pub consistency_delay_ms: u64,
    /// Stale reads: for this many milliseconds after a PATCH to an application or service
    /// principal, Graph reads return the representation from before it (0: off). Set
    /// through `PUT /entra/_sandbox/consistency {"staleReadMs": n}`.
    #[serde(default)]
    pub stale_read_ms: u64,
}

impl Directory {
    /// The tenant with this ID or verified domain (case-insensitive).
    pub fn tenant(&self, id_or_domain: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.matches(id_or_domain))
    }
    /// Mutable [`Directory::tenant`].
    pub fn tenant_mut(&mut self, id_or_domain: &str) -> Option<&mut Tenant> {
        self.tenants.iter_mut().find(|t| t.matches(id_or_domain))
    }
    /// Take the next change number.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
    /// When an object created now becomes visible (eventual consistency), if delayed.
    pub fn visible_after(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        (self.consistency_delay_ms > 0).then(|| {
            now + time::Duration::milliseconds(
                i64::try_from(self.consistency_delay_ms).unwrap_or(i64::MAX),
            )
        })
    }
}

impl Directory {
    /// Until when Graph reads of an object changed now return its previous representation
    /// (stale reads), if that is switched on.
    pub fn stale_until(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        (self.stale_read_ms > 0).then(|| {
            now + time::Duration::milliseconds(
                i64::try_from(self.stale_read_ms).unwrap_or(i64::MAX),
            )
        })
    }
}

/// Stale reads: the representation Graph reads return, until `until`, after a PATCH.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StaleRead<T> {
    /// The object as reads saw it when the PATCH came.
    pub previous: T,
    /// Reads see `previous` before this instant (sandbox clock).
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
}

/// A Graph object that can be read stale after a PATCH (applications, service principals).
pub trait StaleReadable: Clone + Sized {
    /// The open (or expired) stale-read window, if any.
    fn stale_slot(&mut self) -> &mut Option<Box<StaleRead<Self>>>;
    /// The stale-read window, read-only.
    fn stale(&self) -> Option<&StaleRead<Self>>;

    /// What a Graph read at `now` sees: the pre-PATCH representation while a stale-read
    /// window is open, else the object itself.
    fn as_read(&self, now: OffsetDateTime) -> &Self {
        match self.stale() {
            Some(s) if now < s.until => &s.previous,
            _ => self,
        }
    }

    /// Record a change made now: until `until` (if any), reads keep seeing what `seen` shows
    /// now.
    fn set_stale(&mut self, seen: &Self, now: OffsetDateTime, until: Option<OffsetDateTime>) {
        *self.stale_slot() = until.map(|until| {
            let mut previous = seen.as_read(now).clone();
            *previous.stale_slot() = None;
            Box::new(StaleRead { previous, until })
        });
    }
}

/// True when an object with this `visible_after` can be read at `now`.
pub fn is_visible(visible_after: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    visible_after.is_none_or(|t| now >= t)
}

/// One Entra tenant.
#[derive(Debug, Serialize, Deserialize)]
pub struct Tenant {
    /// Tenant ID (GUID).
    pub id: String,
    /// Organisation name.
    pub display_name: String,
    /// Verified domains; the first is the initial `*.onmicrosoft.com` domain.
    pub domains: Vec<String>,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// App registrations.
    pub applications: Vec<Application>,
    /// Enterprise applications.
    pub service_principals: Vec<ServicePrincipal>,
    /// `policies/claimsMappingPolicies`.
    pub claims_mapping_policies: Vec<ClaimsMappingPolicy>,
    /// App role assignments (to users and groups).
    pub app_role_assignments: Vec<AppRoleAssignment>,
    /// Deleted users and groups, for delta queries.
    pub tombstones: Vec<Tombstone>,
    /// Membership changes, for `members@delta` in `groups/delta`.
    pub membership_log: Vec<MembershipChange>,
    /// Provisioning (Graph `synchronization`) of service principals.
    #[serde(default)]
    pub synchronization: Vec<super::graph::synchronization::Synchronization>,
}

impl Tenant {
    /// True when `id_or_domain` names this tenant.
    pub fn matches(&self, id_or_domain: &str) -> bool {
        self.id.eq_ignore_ascii_case(id_or_domain)
            || self
                .domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(id_or_domain))
    }
    /// The initial domain (`contoso.onmicrosoft.com`).
    pub fn initial_domain(&self) -> &str {
        self.domains.first().map_or("", String::as_str)
    }
    /// User by object ID or UPN (case-insensitive), visible or not.
    pub fn user(&self, id_or_upn: &str) -> Option<&User> {
        self.users.iter().find(|u| {
            u.id.eq_ignore_ascii_case(id_or_upn)
                || u.user_principal_name.eq_ignore_ascii_case(id_or_upn)
        })
    }
    /// Group by object ID.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id.eq_ignore_ascii_case(id))
    }
    /// Application by object ID.
    pub fn application(&self, id: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.id.eq_ignore_ascii_case(id))
    }
    /// Application by `appId` (client ID).
    pub fn application_by_app_id(&self, app_id: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.app_id.eq_ignore_ascii_case(app_id))
    }
    /// Service principal by object ID.
    pub fn service_principal(&self, id: &str) -> Option<&ServicePrincipal> {
        self.service_principals
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }
    /// Service principal by `appId`.
    pub fn service_principal_by_app_id(&self, app_id: &str) -> Option<&ServicePrincipal> {
        self.service_principals
            .iter()
            .find(|s| s.app_id.eq_ignore_ascii_case(app_id))
    }
    /// Groups the object is a direct member of.
    pub fn direct_groups_of<'a>(&'a self, member_id: &'a str) -> impl Iterator<Item = &'a Group> {
        self.groups
            .iter()
            .filter(move |g| g.members.iter().any(|m| m == member_id))
    }
    /// Members of a group, nested groups expanded (each object once; the nested groups
    /// themselves included, as Graph's `transitiveMembers` does).
    pub fn transitive_members(&self, group_id: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        // Linear in the members (a 10,000-member group is read page by page).
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![group_id.to_string()];
        let mut seen_groups = vec![group_id.to_string()];
        while let Some(g) = stack.pop() {
            let Some(group) = self.group(&g) else {
                continue;
            };
            for m in &group.members {
                if seen.insert(m.as_str()) {
                    out.push(m.clone());
                }
                if self.group(m).is_some() && !seen_groups.contains(m) {
                    seen_groups.push(m.clone());
                    stack.push(m.clone());
                }
            }
        }
        out
    }
}

/// A user.
#[derive(Clone, Serialize, Deserialize)]
pub struct User {
    /// Object ID.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `givenName`.
    pub given_name: Option<String>,
    /// `surname`.
    pub surname: Option<String>,
    /// `userPrincipalName` (guests: `name_domain#EXT#@tenant.onmicrosoft.com`).
    pub user_principal_name: String,
    /// `mail`.
    pub mail: Option<String>,
    /// `mailNickname`.
    pub mail_nickname: String,
    /// `accountEnabled`.
    pub account_enabled: bool,
    /// `userType`: `Member` or `Guest`.
    pub user_type: String,
    /// `jobTitle`.
    pub job_title: Option<String>,
    /// `employeeId`.
    pub employee_id: Option<String>,
    /// Sign-in password (sandbox only; never returned by Graph).
    pub password: String,
    /// `createdDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Change number of the last change (delta queries).
    pub seq: u64,
    /// Eventual consistency: invisible to reads before this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub visible_after: Option<OffsetDateTime>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("user_principal_name", &self.user_principal_name)
            .field("password", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Object ID.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `description`.
    pub description: Option<String>,
    /// `mailNickname`.
    pub mail_nickname: String,
    /// `securityEnabled`.
    pub security_enabled: bool,
    /// `mailEnabled`.
    pub mail_enabled: bool,
    /// Direct members (user or group object IDs), in the order added.
    pub members: Vec<String>,
    /// `createdDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Change number of the last change.
    pub seq: u64,
    /// Eventual consistency: invisible to reads before this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub visible_after: Option<OffsetDateTime>,
}

/// An app role as Graph represents it (`microsoft.graph.appRole`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    /// `User`, `Application`, or both.
    pub allowed_member_types: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Role ID (GUID).
    pub id: String,
    /// Disabled roles can be removed; enabled ones cannot.
    #[serde(default = "yes")]
    pub is_enabled: bool,
    /// `Application` for roles defined on the app registration.
    #[serde(default)]
    pub origin: Option<String>,
    /// The value emitted in tokens (AWS: `roleArn,providerArn`).
    #[serde(default)]
    pub value: Option<String>,
}

fn yes() -> bool {
    true
}

/// A client secret of an app registration.
#[derive(Clone, Serialize, Deserialize)]
pub struct PasswordCredential {
    /// `keyId`.
    pub key_id: String,
    /// `displayName`.
    pub display_name: Option<String>,
    /// First three characters of the secret (`hint`).
    pub hint: String,
    /// SHA-256 of the secret, hex.
    pub secret_sha256: String,
    /// `startDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    /// `endDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
}

impl fmt::Debug for PasswordCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCredential")
            .field("key_id", &self.key_id)
            .field("hint", &self.hint)
            .finish_non_exhaustive()
    }
}

/// An app registration (`microsoft.graph.application`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Application {
    /// Object ID.
    pub id: String,
    /// Client ID.
    pub app_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `identifierUris` (SAML: the entity IDs; the first is the audience).
    pub identifier_uris: Vec<String>,
    /// `web.redirectUris` (SAML: reply URLs; the first is the default).
    pub redirect_uris: Vec<String>,
    /// `appRoles`.
    pub app_roles: Vec<AppRole>,
    /// `tags` (free strings; connect-sso marks the apps it created or adopted).
    #[serde(default)]
    pub tags: Vec<String>,
    /// `signInAudience`.
    pub sign_in_audience: String,
    /// `passwordCredentials` (client secrets).
    pub password_credentials: Vec<PasswordCredential>,
    /// Microsoft Graph application permissions granted (admin consented), e.g. `User.Read.All`.
    pub graph_permissions: Vec<String>,
    /// `createdDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Eventual consistency: invisible to reads before this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub visible_after: Option<OffsetDateTime>,
    /// Stale reads: what Graph reads return for a while after a PATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Box<StaleRead<Application>>>,
}

impl StaleReadable for Application {
    fn stale_slot(&mut self) -> &mut Option<Box<StaleRead<Self>>> {
        &mut self.stale
    }
    fn stale(&self) -> Option<&StaleRead<Self>> {
        self.stale.as_deref()
    }
}

/// A token signing certificate of a service principal (what `addTokenSigningCertificate` makes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenSigningKey {
    /// `keyId` of the `Verify` key credential (returned by `addTokenSigningCertificate`).
    pub verify_key_id: String,
    /// `keyId` of the `Sign` key credential.
    pub sign_key_id: String,
    /// `keyId` of the matching password credential.
    pub password_key_id: String,
    /// `displayName` (`CN=…`).
    pub display_name: String,
    /// The key and certificate.
    pub key: StoredSigningKey,
}

/// A [`SigningKey`] that serialises as PEM (private key and certificate).
#[derive(Clone)]
pub struct StoredSigningKey(pub SigningKey);

impl fmt::Debug for StoredSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Serialize, Deserialize)]
struct StoredSigningKeyPem {
    private_key_pem: String,
    certificate_pem: String,
}

impl Serialize for StoredSigningKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StoredSigningKeyPem {
            private_key_pem: self.0.private_key_pem(),
            certificate_pem: self.0.certificate().to_pem(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for StoredSigningKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pem = StoredSigningKeyPem::deserialize(d)?;
        SigningKey::from_pem(&pem.private_key_pem, &pem.certificate_pem)
            .map(StoredSigningKey)
            .map_err(serde::de::Error::custom)
    }
}

/// How this sandbox signs SAML responses for a service principal (portal-only settings in
/// Entra; set here through `PUT /entra/_sandbox/servicePrincipals/{id}/signing`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SamlSigningOptions {
    /// RSA-SHA1 instead of RSA-SHA256.
    #[serde(default)]
    pub sha1: bool,
    /// Also sign the Response (Entra's "Sign SAML response and assertion").
    #[serde(default)]
    pub sign_response: bool,
}

/// An enterprise application (`microsoft.graph.servicePrincipal`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServicePrincipal {
    /// Object ID.
    pub id: String,
    /// The application's client ID.
    pub app_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `preferredSingleSignOnMode` (`saml`, `password`, `oidc`, `notSupported`, or null).
    pub preferred_single_sign_on_mode: Option<String>,
    /// `samlSingleSignOnSettings.relayState`.
    pub relay_state: Option<String>,
    /// `preferredTokenSigningKeyThumbprint` (SHA-1, upper-case hex).
    pub preferred_token_signing_key_thumbprint: Option<String>,
    /// `appRoleAssignmentRequired`.
    pub app_role_assignment_required: bool,
    /// `notificationEmailAddresses`.
    pub notification_email_addresses: Vec<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// Token signing certificates, oldest first.
    pub signing_keys: Vec<TokenSigningKey>,
    /// Assigned claims mapping policy IDs (at most one).
    pub claims_mapping_policy_ids: Vec<String>,
    /// Portal-only signing options.
    #[serde(default)]
    pub saml_signing: SamlSigningOptions,
    /// `createdDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Eventual consistency: invisible to reads before this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub visible_after: Option<OffsetDateTime>,
    /// Stale reads: what Graph reads return for a while after a PATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<Box<StaleRead<ServicePrincipal>>>,
}

impl ServicePrincipal {
    /// The key Entra signs with: the one whose thumbprint is preferred, else the oldest.
    pub fn active_key(&self) -> Option<&TokenSigningKey> {
        let preferred = self
            .preferred_token_signing_key_thumbprint
            .as_deref()
            .and_then(|t| {
                self.signing_keys.iter().find(|k| {
                    k.key
                        .0
                        .certificate()
                        .thumbprint_sha1()
                        .eq_ignore_ascii_case(t)
                })
            });
        preferred.or_else(|| self.signing_keys.first())
    }
    /// Keys published after the active one during a rollover: newer than the active key and
    /// not yet expired at `now`.
    pub fn next_keys(&self, now: OffsetDateTime) -> Vec<&TokenSigningKey> {
        let Some(active) = self.active_key() else {
            return Vec::new();
        };
        let active_start = active.key.0.certificate().not_before();
        let active_thumb = active.key.0.certificate().thumbprint_sha1();
        self.signing_keys
            .iter()
            .filter(|k| {
                let c = k.key.0.certificate();
                c.thumbprint_sha1() != active_thumb
                    && c.not_before() >= active_start
                    && c.not_after() > now
            })
            .collect()
    }
}

impl StaleReadable for ServicePrincipal {
    fn stale_slot(&mut self) -> &mut Option<Box<StaleRead<Self>>> {
        &mut self.stale
    }
    fn stale(&self) -> Option<&StaleRead<Self>> {
        self.stale.as_deref()
    }
}

/// A claims mapping policy (`microsoft.graph.claimsMappingPolicy`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimsMappingPolicy {
    /// Object ID.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `definition`: JSON strings, the first holding `{"ClaimsMappingPolicy": …}`.
    pub definition: Vec<String>,
    /// `isOrganizationDefault`.
    pub is_organization_default: bool,
    /// Eventual consistency: invisible to reads before this instant.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub visible_after: Option<OffsetDateTime>,
}

/// An app role assignment (`microsoft.graph.appRoleAssignment`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppRoleAssignment {
    /// Assignment ID.
    pub id: String,
    /// The app role (or the zero GUID for default access).
    pub app_role_id: String,
    /// The user or group assigned.
    pub principal_id: String,
    /// `User` or `Group`.
    pub principal_type: String,
    /// The service principal the role belongs to.
    pub resource_id: String,
    /// `createdDateTime`.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// What kind of object a [`Tombstone`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    /// A user.
    User,
    /// A group.
    Group,
}

/// A deleted user or group, remembered for delta queries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tombstone {
    /// Kind.
    pub kind: ObjectKind,
    /// Object ID.
    pub id: String,
    /// Change number of the deletion.
    pub seq: u64,
}

/// A member added to or removed from a group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MembershipChange {
    /// Group ID.
    pub group_id: String,
    /// Member ID.
    pub member_id: String,
    /// Added (true) or removed.
    pub added: bool,
    /// Change number.
    pub seq: u64,
}
