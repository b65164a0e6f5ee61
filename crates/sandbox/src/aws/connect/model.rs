//! Amazon Connect state and the rules of its operations, free of HTTP: instances, users,
//! security and routing profiles, tags and federation sessions.
//!
//! Every rule cites where it comes from: docs/facts.md §2 or the Connect API reference
//! (`connect-2017-08-08`). Rules marked \[I\] are inferred where the documentation is silent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{ConnectResult, error, invalid_parameter, invalid_request, not_found};
use super::hierarchy::Hierarchy;
use super::validate;
use crate::aws::AwsError;

/// Default time a new instance stays `CREATION_IN_PROGRESS` (docs/facts.md §2: CreateInstance is
/// asynchronous). Real instances take minutes; the sandbox keeps it short.
pub const DEFAULT_CREATION_DELAY_MS: u64 = 2_000;

/// Default number of users an instance may have: AWS's "Users per instance" quota, 500 and
/// adjustable (docs/facts.md §2, Quotas). The admin API and `Config::connect_user_limit` change it.
pub const DEFAULT_USERS_PER_INSTANCE: usize = 500;
/// Security profiles an instance may have (docs/facts.md §2, Quotas: 100).
pub const SECURITY_PROFILES_PER_INSTANCE: usize = 100;
/// Routing profiles an instance may have (docs/facts.md §2, Quotas: 500).
pub const ROUTING_PROFILES_PER_INSTANCE: usize = 500;

/// How long a federation session lasts (docs/facts.md §2: sessions last 12 hours).
pub const FEDERATION_SESSION_MS: i64 = 12 * 3600 * 1000;

/// The security profiles a new instance has (Connect admin guide, "Default security profiles").
pub const DEFAULT_SECURITY_PROFILES: [&str; 4] =
    ["Admin", "Agent", "CallCenterManager", "QualityAnalyst"];
/// The routing profile a new instance has.
pub const DEFAULT_ROUTING_PROFILE: &str = "Basic Routing Profile";
/// The queue a new instance has.
pub const DEFAULT_QUEUE: &str = "BasicQueue";

/// Instance `IdentityManagementType` (docs/facts.md §2); fixed at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityManagementType {
    /// `SAML`: users sign in through an IdP and GetFederationToken.
    #[serde(rename = "SAML")]
    Saml,
    /// `CONNECT_MANAGED`: users have Connect passwords.
    #[serde(rename = "CONNECT_MANAGED")]
    ConnectManaged,
    /// `EXISTING_DIRECTORY`: users come from an AWS Directory Service directory.
    #[serde(rename = "EXISTING_DIRECTORY")]
    ExistingDirectory,
}

impl IdentityManagementType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityManagementType::Saml => "SAML",
            IdentityManagementType::ConnectManaged => "CONNECT_MANAGED",
            IdentityManagementType::ExistingDirectory => "EXISTING_DIRECTORY",
        }
    }
}

/// What CreateUser does with `IdentityInfo.Email` on a SAML instance. docs/facts.md §2: the docs
/// disagree (the CreateUser page says Email is required with SAML; the `UserIdentityInfo.Email`
/// reference says "If you are using SAML for identity management and include this parameter, an
/// error is returned"; a public report saw `InvalidRequestException: Email is not required for
/// this directory type`). The sandbox defaults to [`SamlEmailPolicy::Reject`] (two sources agree),
/// so the tool is built to create SAML users without Email; tests can switch to `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SamlEmailPolicy {
    /// `InvalidRequestException: Email is not required for this directory type`.
    #[default]
    #[serde(rename = "reject", alias = "Reject")]
    Reject,
    /// Store the Email like any other field.
    #[serde(rename = "accept", alias = "Accept")]
    Accept,
}

/// The error code a throttled Connect call carries (always HTTP 429). docs/facts.md §2: the
/// model declares `ThrottlingException` for the user operations; `TooManyRequestsException` has
/// been seen in the field, so clients must treat any 429 as throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThrottleCode {
    /// `ThrottlingException`, as the model declares.
    #[default]
    ThrottlingException,
    /// `TooManyRequestsException`, as seen in the field.
    TooManyRequestsException,
}

impl ThrottleCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ThrottleCode::ThrottlingException => "ThrottlingException",
            ThrottleCode::TooManyRequestsException => "TooManyRequestsException",
        }
    }
}

/// Instance `InstanceStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceStatus {
    /// Still being created.
    CreationInProgress,
    /// Ready.
    Active,
    /// Creation failed (see `StatusReason`).
    CreationFailed,
}

impl InstanceStatus {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::CreationInProgress => "CREATION_IN_PROGRESS",
            InstanceStatus::Active => "ACTIVE",
            InstanceStatus::CreationFailed => "CREATION_FAILED",
        }
    }
}

/// Where and when an operation runs.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The caller's account.
    pub account_id: String,
    /// The region (ARNs).
    pub region: String,
    /// Now, in Unix milliseconds.
    pub now_ms: i64,
}

/// A security profile or routing profile (name + ids).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    /// Id (UUID).
    pub id: String,
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Last change, Unix ms.
    pub last_modified_ms: i64,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `UserIdentityInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityInfo {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Secondary email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_email: Option<String>,
    /// Mobile number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
}

/// `UserPhoneConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PhoneConfig {
    /// `SOFT_PHONE` or `DESK_PHONE`.
    #[serde(default = "soft_phone")]
    pub phone_type: String,
    /// Auto-accept calls.
    #[serde(default)]
    pub auto_accept: bool,
    /// After-contact work limit, seconds.
    #[serde(default)]
    pub after_contact_work_time_limit: i64,
    /// Desk phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desk_phone_number: Option<String>,
    /// Persistent connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_connection: Option<bool>,
}

fn soft_phone() -> String {
    "SOFT_PHONE".to_string()
}

impl Default for PhoneConfig {
    fn default() -> Self {
        Self {
            phone_type: soft_phone(),
            auto_accept: false,
            after_contact_work_time_limit: 0,
            desk_phone_number: None,
            persistent_connection: None,
        }
    }
}

/// Per-channel settings CreateUser accepts and DescribeUser echoes (kept as sent).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChannelConfigs {
    /// `AutoAcceptConfigs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_accept_configs: Option<serde_json::Value>,
    /// `AfterContactWorkConfigs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_contact_work_configs: Option<serde_json::Value>,
    /// `PhoneNumberConfigs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number_configs: Option<serde_json::Value>,
    /// `PersistentConnectionConfigs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_connection_configs: Option<serde_json::Value>,
    /// `VoiceEnhancementConfigs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_enhancement_configs: Option<serde_json::Value>,
}

/// A Connect user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// Order of creation (paging key).
    pub seq: u64,
    /// Id (UUID).
    pub id: String,
    /// ARN (`…:instance/<id>/agent/<user-id>`).
    pub arn: String,
    /// Username; case-sensitive (docs/facts.md §2).
    pub username: String,
    /// Names, email, mobile.
    pub identity_info: IdentityInfo,
    /// Phone settings.
    pub phone_config: PhoneConfig,
    /// Per-channel settings.
    #[serde(default)]
    pub channel_configs: ChannelConfigs,
    /// Directory user (EXISTING_DIRECTORY only).
    pub directory_user_id: Option<String>,
    /// Security profiles (1–10).
    pub security_profile_ids: Vec<String>,
    /// Routing profile.
    pub routing_profile_id: String,
    /// Hierarchy group.
    pub hierarchy_group_id: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Last change, Unix ms.
    pub last_modified_ms: i64,
    /// Whether a password was set (CONNECT_MANAGED); the password itself is not kept.
    pub has_password: bool,
}

/// A Connect instance with everything in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    /// Order of creation (paging key).
    pub seq: u64,
    /// Id (UUID).
    pub id: String,
    /// ARN.
    pub arn: String,
    /// Owner account.
    pub account_id: String,
    /// Alias (unique per account).
    pub alias: Option<String>,
    /// Identity management type (fixed).
    pub identity_management_type: IdentityManagementType,
    /// Directory (EXISTING_DIRECTORY).
    pub directory_id: Option<String>,
    /// Inbound calls.
    pub inbound_calls_enabled: bool,
    /// Outbound calls.
    pub outbound_calls_enabled: bool,
    /// Created, Unix ms.
    pub created_ms: i64,
    /// When `CREATION_IN_PROGRESS` turns `ACTIVE`, Unix ms.
    pub active_at_ms: i64,
    /// Set when creation failed: the `StatusReason` message.
    pub failure: Option<String>,
    /// Service-linked role.
    pub service_role: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Instance attributes set through UpdateInstanceAttribute.
    pub attributes: BTreeMap<String, String>,
    /// Security profiles.
    pub security_profiles: Vec<Profile>,
    /// Routing profiles.
    pub routing_profiles: Vec<Profile>,
    /// Queues.
    pub queues: Vec<Profile>,
    /// Users in creation order.
    pub users: Vec<User>,
    /// The user hierarchy: levels and groups.
    #[serde(default)]
    pub hierarchy: Hierarchy,
}

impl Instance {
    /// Whether the caller sees it: as on AWS, an instance belongs to one account and one
    /// Region (the Region of its ARN), and the caller's Region is that of its request signature.
    pub fn in_scope(&self, ctx: &Ctx) -> bool {
        self.account_id == ctx.account_id && self.arn.split(':').nth(3) == Some(ctx.region.as_str())
    }
}

impl Instance {
    /// Status at `now_ms`.
    pub fn status(&self, now_ms: i64) -> InstanceStatus {
        if self.failure.is_some() {
            InstanceStatus::CreationFailed
        } else if now_ms < self.active_at_ms {
            InstanceStatus::CreationInProgress
        } else {
            InstanceStatus::Active
        }
    }

    /// `InstanceAccessUrl`.
    pub fn access_url(&self) -> String {
        let name = self
            .alias
            .clone()
            .or_else(|| self.directory_id.clone())
            .unwrap_or_else(|| self.id.clone());
        format!("https://{name}.my.connect.aws")
    }

    /// The user with this id or ARN.
    pub fn user(&self, user_id: &str) -> ConnectResult<&User> {
        self.users
            .iter()
            .find(|u| u.id == user_id || u.arn == user_id)
            .ok_or_else(|| user_not_found(user_id))
    }

    fn user_mut(&mut self, user_id: &str) -> ConnectResult<&mut User> {
        self.users
            .iter_mut()
            .find(|u| u.id == user_id || u.arn == user_id)
            .ok_or_else(|| user_not_found(user_id))
    }

    /// The user whose username is exactly `username` (case-sensitive, docs/facts.md §2).
    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }

    /// The profiles exist (how many may be given is the model's).
    fn check_security_profiles(&self, ids: &[String]) -> ConnectResult<()> {
        for id in ids {
            if !self.security_profiles.iter().any(|p| &p.id == id) {
                return Err(invalid_parameter(format!(
                    "Security profile {id} does not exist in instance {}; list them with ListSecurityProfiles.",
                    self.id
                )));
            }
        }
        Ok(())
    }

    fn check_routing_profile(&self, id: &str) -> ConnectResult<()> {
        if self.routing_profiles.iter().any(|p| p.id == id) {
            Ok(())
        } else {
            Err(invalid_parameter(format!(
                "Routing profile {id} does not exist in instance {}; list them with ListRoutingProfiles.",
                self.id
            )))
        }
    }
}

fn user_not_found(user_id: &str) -> AwsError {
    not_found(format!("User not found for UserId: {user_id}"))
}

/// A session opened by GetFederationToken (or the console federate endpoint).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FederationSession {
    /// Instance.
    pub instance_id: String,
    /// User id.
    pub user_id: String,
    /// Ends, Unix ms.
    pub expires_ms: i64,
    /// Role the caller came through.
    pub role_name: String,
}

/// `CreateInstance` request body.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateInstanceInput {
    /// Idempotency token.
    pub client_token: Option<String>,
    /// Required.
    pub identity_management_type: Option<String>,
    /// Alias.
    pub instance_alias: Option<String>,
    /// Directory.
    pub directory_id: Option<String>,
    /// Required.
    pub inbound_calls_enabled: Option<bool>,
    /// Required.
    pub outbound_calls_enabled: Option<bool>,
    /// Tags.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `CreateUser` request body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserInput {
    /// Required.
    pub username: Option<String>,
    /// CONNECT_MANAGED only.
    pub password: Option<String>,
    /// Names and email.
    pub identity_info: Option<IdentityInfo>,
    /// Phone settings.
    pub phone_config: Option<PhoneConfig>,
    /// Per-channel settings.
    #[serde(flatten)]
    pub channel_configs: ChannelConfigs,
    /// EXISTING_DIRECTORY only.
    pub directory_user_id: Option<String>,
    /// Required, 1–10.
    pub security_profile_ids: Option<Vec<String>>,
    /// Required.
    pub routing_profile_id: Option<String>,
    /// Hierarchy group.
    pub hierarchy_group_id: Option<String>,
    /// Tags.
    pub tags: Option<BTreeMap<String, String>>,
}

/// The whole Connect side (all accounts' instances), persisted as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectData {
    /// Instances in creation order.
    pub instances: Vec<Instance>,
    /// Federation sessions by access token.
    pub sessions: BTreeMap<String, FederationSession>,
    /// CreateInstance idempotency: client token → instance id.
    pub client_tokens: BTreeMap<String, String>,
    /// How long new instances stay `CREATION_IN_PROGRESS`.
    pub creation_delay_ms: u64,
    /// What CreateUser does with Email on SAML instances.
    pub saml_email_policy: SamlEmailPolicy,
    /// Next sequence number.
    pub next_seq: u64,
    /// Reasons for the next CreateInstance calls to end in `CREATION_FAILED` (first first).
    pub failing_creations: Vec<String>,
    /// How many users an instance may have (`LimitExceededException` beyond).
    pub users_per_instance: usize,
    /// The code a throttled call carries.
    pub throttle_code: ThrottleCode,
    /// The IAM role ARN each user (by user ID) first federated through: Connect binds a user to
    /// it, and a later federation through another role is refused (docs/facts.md §2).
    pub federation_roles: BTreeMap<String, String>,
}

impl Default for ConnectData {
    fn default() -> Self {
        Self {
            instances: Vec::new(),
            sessions: BTreeMap::new(),
            federation_roles: BTreeMap::new(),
            client_tokens: BTreeMap::new(),
            creation_delay_ms: DEFAULT_CREATION_DELAY_MS,
            saml_email_policy: SamlEmailPolicy::default(),
            next_seq: 1,
            failing_creations: Vec::new(),
            users_per_instance: DEFAULT_USERS_PER_INSTANCE,
            throttle_code: ThrottleCode::default(),
        }
    }
}

/// A new resource id (UUID).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl ConnectData {
    fn seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    /// CreateInstance. Answers `(Id, Arn)`.
    pub fn create_instance(
        &mut self,
        ctx: &Ctx,
        input: CreateInstanceInput,
    ) -> ConnectResult<(String, String)> {
        if let Some(token) = &input.client_token {
            if let Some(id) = self.client_tokens.get(token) {
                if let Some(i) = self.instances.iter().find(|i| &i.id == id) {
                    return Ok((i.id.clone(), i.arn.clone()));
                }
            }
        }
        // IdentityManagementType (an enum) and the two flags are required by the model.
        let kind = match input.identity_management_type.as_deref() {
            Some("CONNECT_MANAGED") => IdentityManagementType::ConnectManaged,
            Some("EXISTING_DIRECTORY") => IdentityManagementType::ExistingDirectory,
            _ => IdentityManagementType::Saml,
        };
        let inbound = input.inbound_calls_enabled.unwrap_or_default();
        let outbound = input.outbound_calls_enabled.unwrap_or_default();
        match kind {
            IdentityManagementType::ExistingDirectory => {
                // Its pattern is the model's; that it is given is the service's rule.
                if input.directory_id.is_none() {
                    return Err(invalid_request(
                        "DirectoryId is required when IdentityManagementType is EXISTING_DIRECTORY.",
                    ));
                }
            }
            _ => {
                if input.directory_id.is_some() {
                    return Err(invalid_request(format!(
                        "DirectoryId is only accepted when IdentityManagementType is EXISTING_DIRECTORY, not {}.",
                        kind.as_str()
                    )));
                }
                if input.instance_alias.is_none() {
                    return Err(invalid_request(format!(
                        "InstanceAlias is required when IdentityManagementType is {}.",
                        kind.as_str()
                    )));
                }
            }
        }
        if let Some(alias) = &input.instance_alias {
            // Terraform provider issue #38115 shows the real answer to a reused alias.
            let taken = self.instances.iter().any(|i| {
                i.alias
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(alias))
            });
            if taken {
                return Err(invalid_request(
                    "Invalid Input. Instance alias is already used.",
                ));
            }
        }
        let tags = input.tags.unwrap_or_default();
        let id = new_id();
        let arn = format!(
            "arn:aws:connect:{}:{}:instance/{id}",
            ctx.region, ctx.account_id
        );
        let role_suffix: String = id.chars().filter(|c| *c != '-').take(10).collect();
        let profile = |kind: &str, name: &str| {
            Profile {
                id: new_id(),
                arn: String::new(),
                name: name.to_string(),
                last_modified_ms: ctx.now_ms,
                tags: BTreeMap::new(),
            }
            .with_arn(&arn, kind)
        };
        let seq = self.seq();
        let instance = Instance {
            seq,
            id: id.clone(),
            arn: arn.clone(),
            account_id: ctx.account_id.clone(),
            alias: input.instance_alias,
            identity_management_type: kind,
            directory_id: input.directory_id,
            inbound_calls_enabled: inbound,
            outbound_calls_enabled: outbound,
            created_ms: ctx.now_ms,
            active_at_ms: ctx
                .now_ms
                .saturating_add(i64::try_from(self.creation_delay_ms).unwrap_or(i64::MAX)),
            failure: (!self.failing_creations.is_empty()).then(|| self.failing_creations.remove(0)),
            service_role: format!(
                "arn:aws:iam::{}:role/aws-service-role/connect.amazonaws.com/AWSServiceRoleForAmazonConnect_{role_suffix}",
                ctx.account_id
            ),
            tags,
            attributes: BTreeMap::new(),
            security_profiles: DEFAULT_SECURITY_PROFILES
                .iter()
                .map(|n| profile("security-profile", n))
                .collect(),
            routing_profiles: vec![profile("routing-profile", DEFAULT_ROUTING_PROFILE)],
            queues: vec![profile("queue", DEFAULT_QUEUE)],
            users: Vec::new(),
            hierarchy: Hierarchy::default(),
        };
        self.instances.push(instance);
        if let Some(token) = input.client_token {
            self.client_tokens.insert(token, id.clone());
        }
        Ok((id, arn))
    }

    /// The caller's instance with this id or ARN (in any state).
    pub fn instance(&self, ctx: &Ctx, instance_id: &str) -> ConnectResult<&Instance> {
        self.instances
            .iter()
            .find(|i| i.in_scope(ctx) && (i.id == instance_id || i.arn == instance_id))
            .ok_or_else(|| instance_not_found(instance_id))
    }

    fn instance_index(&self, ctx: &Ctx, instance_id: &str) -> ConnectResult<usize> {
        self.instances
            .iter()
            .position(|i| i.in_scope(ctx) && (i.id == instance_id || i.arn == instance_id))
            .ok_or_else(|| instance_not_found(instance_id))
    }

    /// The caller's instance, which must be `ACTIVE` \[I: the message is ours\].
    pub fn active_instance(&self, ctx: &Ctx, instance_id: &str) -> ConnectResult<&Instance> {
        let i = self.instance(ctx, instance_id)?;
        ensure_active(i, ctx.now_ms)?;
        Ok(i)
    }

    fn active_instance_mut(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
    ) -> ConnectResult<&mut Instance> {
        let idx = self.instance_index(ctx, instance_id)?;
        let i = &mut self.instances[idx];
        ensure_active(i, ctx.now_ms)?;
        Ok(i)
    }

    /// The caller's instances in creation order.
    pub fn instances_of<'a>(&'a self, ctx: &'a Ctx) -> impl Iterator<Item = &'a Instance> + 'a {
        self.instances.iter().filter(move |i| i.in_scope(ctx))
    }

    /// DeleteInstance: the instance, its users and their sessions go.
    pub fn delete_instance(&mut self, ctx: &Ctx, instance_id: &str) -> ConnectResult<()> {
        let idx = self.instance_index(ctx, instance_id)?;
        let removed = self.instances.remove(idx);
        self.sessions.retain(|_, s| s.instance_id != removed.id);
        self.client_tokens.retain(|_, id| *id != removed.id);
        Ok(())
    }

    /// Make every instance still being created `ACTIVE` at once (tests, the admin API).
    pub fn finish_creations(&mut self) {
        for i in &mut self.instances {
            i.active_at_ms = i.active_at_ms.min(i.created_ms);
        }
    }

    /// UpdateInstanceAttribute (`INBOUND_CALLS`/`OUTBOUND_CALLS` also change the flags).
    pub fn update_instance_attribute(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        attribute: &str,
        value: &str,
    ) -> ConnectResult<()> {
        // AttributeType (enum) and Value (1–100 characters): the model.
        let i = self.active_instance_mut(ctx, instance_id)?;
        let flag = value.eq_ignore_ascii_case("true");
        match attribute {
            "INBOUND_CALLS" => i.inbound_calls_enabled = flag,
            "OUTBOUND_CALLS" => i.outbound_calls_enabled = flag,
            _ => {}
        }
        i.attributes
            .insert(attribute.to_string(), value.to_string());
        Ok(())
    }

    /// CreateUser with the rules of docs/facts.md §2. Answers `(UserId, UserArn)`.
    pub fn create_user(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        input: CreateUserInput,
    ) -> ConnectResult<(String, String)> {
        let (email_policy, limit) = (self.saml_email_policy, self.users_per_instance);
        let seq = self.seq();
        let i = self.active_instance_mut(ctx, instance_id)?;
        let kind = i.identity_management_type;
        // Username, SecurityProfileIds and RoutingProfileId are required by the model.
        let username = input.username.unwrap_or_default();
        validate::username(kind, &username)?;
        let info = input.identity_info.unwrap_or_default();
        check_identity_info(kind, &info, email_policy)?;
        // docs/facts.md §2: a Password only on CONNECT_MANAGED instances (required there), a
        // DirectoryUserId only on EXISTING_DIRECTORY ones. The messages follow the one publicly
        // reported for Email [I].
        let managed = kind == IdentityManagementType::ConnectManaged;
        let needless = |field: &str| {
            invalid_request(format!("{field} is not required for this directory type"))
        };
        if input.password.is_some() && !managed {
            return Err(needless("Password"));
        }
        if input.password.is_none() && managed {
            return Err(invalid_request(
                "Password is required for users of an instance using CONNECT_MANAGED identity management.",
            ));
        }
        if input.directory_user_id.is_some() && kind != IdentityManagementType::ExistingDirectory {
            return Err(needless("DirectoryUserId"));
        }
        let security_profile_ids = input.security_profile_ids.unwrap_or_default();
        i.check_security_profiles(&security_profile_ids)?;
        let routing_profile_id = input.routing_profile_id.unwrap_or_default();
        i.check_routing_profile(&routing_profile_id)?;
        let phone_config = input.phone_config.unwrap_or_default();
        check_phone_config(&phone_config)?;
        let hierarchy_group_id = match input.hierarchy_group_id.as_deref() {
            Some(g) => Some(i.hierarchy.check_group(g)?),
            None => None,
        };
        let tags = input.tags.unwrap_or_default();
        // docs/facts.md §2: usernames are case-sensitive, so "Jane" and "jane" are two users.
        if i.user_by_name(&username).is_some() {
            return Err(error(
                "DuplicateResourceException",
                format!(
                    "User with username {username} already exists in instance {}.",
                    i.id
                ),
            ));
        }
        if i.users.len() >= limit {
            // The quota "Users per instance" (docs/facts.md §2); the message is ours [I].
            return Err(error(
                "LimitExceededException",
                format!(
                    "The allowed limit for the resource has been exceeded: instance {} has {limit} users, its quota of users per instance.",
                    i.id
                ),
            ));
        }
        let id = new_id();
        let arn = format!("{}/agent/{id}", i.arn);
        i.users.push(User {
            seq,
            id: id.clone(),
            arn: arn.clone(),
            username,
            identity_info: info,
            phone_config,
            channel_configs: input.channel_configs,
            directory_user_id: input.directory_user_id,
            security_profile_ids,
            routing_profile_id,
            hierarchy_group_id,
            tags,
            last_modified_ms: ctx.now_ms,
            has_password: input.password.is_some(),
        });
        Ok((id, arn))
    }

    /// DeleteUser: the user and their federation sessions go.
    pub fn delete_user(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        user_id: &str,
    ) -> ConnectResult<()> {
        let i = self.active_instance_mut(ctx, instance_id)?;
        let id = i.user(user_id)?.id.clone();
        i.users.retain(|u| u.id != id);
        self.sessions.retain(|_, s| s.user_id != id);
        Ok(())
    }

    /// UpdateUserIdentityInfo (replaces the whole IdentityInfo).
    pub fn update_user_identity_info(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        user_id: &str,
        info: IdentityInfo,
    ) -> ConnectResult<()> {
        let policy = self.saml_email_policy;
        let i = self.active_instance_mut(ctx, instance_id)?;
        let kind = i.identity_management_type;
        if kind == IdentityManagementType::ExistingDirectory {
            return Err(invalid_request(
                "FirstName, LastName and Email of users of an EXISTING_DIRECTORY instance are managed by the directory and cannot be updated in Amazon Connect.",
            ));
        }
        check_identity_info(kind, &info, policy)?;
        let u = i.user_mut(user_id)?;
        u.identity_info = info;
        u.last_modified_ms = ctx.now_ms;
        Ok(())
    }

    /// UpdateUserSecurityProfiles.
    pub fn update_user_security_profiles(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        user_id: &str,
        ids: Vec<String>,
    ) -> ConnectResult<()> {
        let i = self.active_instance_mut(ctx, instance_id)?;
        i.user(user_id)?;
        i.check_security_profiles(&ids)?;
        let u = i.user_mut(user_id)?;
        u.security_profile_ids = ids;
        u.last_modified_ms = ctx.now_ms;
        Ok(())
    }

    /// UpdateUserRoutingProfile.
    pub fn update_user_routing_profile(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        user_id: &str,
        routing_profile_id: &str,
    ) -> ConnectResult<()> {
        let i = self.active_instance_mut(ctx, instance_id)?;
        i.user(user_id)?;
        i.check_routing_profile(routing_profile_id)?;
        let u = i.user_mut(user_id)?;
        u.routing_profile_id = routing_profile_id.to_string();
        u.last_modified_ms = ctx.now_ms;
        Ok(())
    }

    /// UpdateUserHierarchy: the user joins the group, or leaves the hierarchy without one.
    pub fn update_user_hierarchy(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        user_id: &str,
        group_id: Option<&str>,
    ) -> ConnectResult<()> {
        let i = self.active_instance_mut(ctx, instance_id)?;
        i.user(user_id)?;
        let group = match group_id {
            Some(g) => Some(i.hierarchy.check_group(g)?),
            None => None,
        };
        let u = i.user_mut(user_id)?;
        u.hierarchy_group_id = group;
        u.last_modified_ms = ctx.now_ms;
        Ok(())
    }

    /// The caller's ACTIVE instance, to change.
    pub fn instance_mut(&mut self, ctx: &Ctx, instance_id: &str) -> ConnectResult<&mut Instance> {
        self.active_instance_mut(ctx, instance_id)
    }

    /// The tags of the resource with this ARN (instance, user, security/routing profile, queue,
    /// hierarchy group).
    pub fn tags_mut(
        &mut self,
        ctx: &Ctx,
        resource_arn: &str,
    ) -> ConnectResult<&mut BTreeMap<String, String>> {
        let not_found = || {
            not_found(format!(
                "No Amazon Connect resource has the ARN {resource_arn}."
            ))
        };
        let rest = resource_arn
            .strip_prefix(&format!(
                "arn:aws:connect:{}:{}:instance/",
                ctx.region, ctx.account_id
            ))
            .ok_or_else(|| {
                if resource_arn.starts_with("arn:") {
                    not_found()
                } else {
                    invalid_parameter(format!("resourceArn {resource_arn:?} is not an ARN."))
                }
            })?;
        let mut parts = rest.split('/');
        let instance_id = parts.next().unwrap_or_default().to_string();
        let kind = parts.next();
        let sub_id = parts.next();
        if parts.next().is_some() {
            return Err(not_found());
        }
        let i = self
            .instances
            .iter_mut()
            .find(|i| i.id == instance_id && i.in_scope(ctx))
            .ok_or_else(not_found)?;
        match (kind, sub_id) {
            (None, None) => Ok(&mut i.tags),
            (Some("agent"), Some(id)) => i
                .users
                .iter_mut()
                .find(|u| u.id == id)
                .map(|u| &mut u.tags)
                .ok_or_else(not_found),
            (Some("agent-group"), Some(id)) => i
                .hierarchy
                .groups
                .iter_mut()
                .find(|g| g.id == id)
                .map(|g| &mut g.tags)
                .ok_or_else(not_found),
            (Some(kind), Some(id)) => {
                let list = match kind {
                    "security-profile" => &mut i.security_profiles,
                    "routing-profile" => &mut i.routing_profiles,
                    "queue" => &mut i.queues,
                    _ => return Err(not_found()),
                };
                list.iter_mut()
                    .find(|p| p.id == id)
                    .map(|p| &mut p.tags)
                    .ok_or_else(not_found)
            }
            _ => Err(not_found()),
        }
    }

    /// GetFederationToken's service-side checks once IAM allowed the call: the instance is an
    /// ACTIVE SAML instance and has a user whose username is exactly `session_name`
    /// (docs/facts.md §2, §6.3). Opens a session and answers the user and its access token.
    pub fn open_federation_session(
        &mut self,
        ctx: &Ctx,
        instance_id: &str,
        session_name: &str,
        role_name: &str,
    ) -> ConnectResult<(User, String)> {
        let i = self.active_instance(ctx, instance_id)?;
        if i.identity_management_type != IdentityManagementType::Saml {
            return Err(invalid_request(format!(
                "Instance {} uses {} identity management; federation needs a SAML instance.",
                i.id,
                i.identity_management_type.as_str()
            )));
        }
        let user = i.user_by_name(session_name).cloned().ok_or_else(|| {
            error(
                "UserNotFoundException",
                "No user with the specified credentials was found in the Amazon Connect instance."
                    .to_string(),
            )
        })?;
        let instance_id = i.id.clone();
        let role_arn = format!("arn:aws:iam::{}:role/{role_name}", ctx.account_id);
        self.bind_federation_role(&user, role_arn)?;
        let token = random_token();
        self.sessions.retain(|_, s| s.expires_ms > ctx.now_ms);
        self.sessions.insert(
            token.clone(),
            FederationSession {
                instance_id,
                user_id: user.id.clone(),
                expires_ms: ctx.now_ms + FEDERATION_SESSION_MS,
                role_name: role_name.to_string(),
            },
        );
        Ok((user, token))
    }
}

impl ConnectData {
    /// Bind `user` to the role of its first federation; refuse any other role afterwards
    /// (Connect's "not onboarded" answer, `AccessDeniedException`).
    fn bind_federation_role(&mut self, user: &User, role_arn: String) -> ConnectResult<()> {
        match self.federation_roles.get(&user.id) {
            Some(bound) if *bound != role_arn => Err(AwsError::access_denied_json(format!(
                "The user {} is not onboarded for the role {role_arn}: Amazon Connect bound this user to {bound}, the role of their first sign-in. Sign in through {bound}, or delete and recreate the user.",
                user.username
            ))),
            Some(_) => Ok(()),
            None => {
                self.federation_roles.insert(user.id.clone(), role_arn);
                Ok(())
            }
        }
    }
}

impl Profile {
    fn with_arn(mut self, instance_arn: &str, kind: &str) -> Self {
        self.arn = format!("{instance_arn}/{kind}/{}", self.id);
        self
    }
}

/// A random URL-safe token (access and refresh tokens).
pub fn random_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn instance_not_found(instance_id: &str) -> AwsError {
    not_found(format!("Instance not found: {instance_id}"))
}

fn ensure_active(i: &Instance, now_ms: i64) -> ConnectResult<()> {
    match i.status(now_ms) {
        InstanceStatus::Active => Ok(()),
        status => Err(invalid_request(format!(
            "Instance {} is {}; wait until DescribeInstance reports ACTIVE.",
            i.id,
            status.as_str()
        ))),
    }
}

/// IdentityInfo rules per identity management type (docs/facts.md §2, `UserIdentityInfo` reference).
fn check_identity_info(
    kind: IdentityManagementType,
    info: &IdentityInfo,
    email_policy: SamlEmailPolicy,
) -> ConnectResult<()> {
    if kind != IdentityManagementType::ExistingDirectory {
        // The lengths are the model's, but for a last name off SAML: 256 (UserIdentityInfo).
        for (field, value) in [
            ("FirstName", &info.first_name),
            ("LastName", &info.last_name),
        ] {
            let len = value.as_deref().map_or(0, |v| v.chars().count());
            if len == 0 {
                return Err(invalid_request(format!(
                    "IdentityInfo.{field} is required for users of an instance using {} identity management.",
                    kind.as_str()
                )));
            }
            if len > 256 && kind != IdentityManagementType::Saml {
                return Err(invalid_parameter(format!(
                    "IdentityInfo.{field} must be at most 256 characters."
                )));
            }
        }
    }
    if let Some(email) = &info.email {
        if kind == IdentityManagementType::Saml && email_policy == SamlEmailPolicy::Reject {
            // docs/facts.md §2 (contradictory docs): see `SamlEmailPolicy`.
            return Err(invalid_request(
                "Email is not required for this directory type",
            ));
        }
        validate::email("IdentityInfo.Email", email)?;
    }
    if let Some(email) = &info.secondary_email {
        validate::email("IdentityInfo.SecondaryEmail", email)?;
    }
    Ok(())
}

/// A desk phone needs its number (its form, PhoneType's values and AfterContactWorkTimeLimit's
/// minimum are the model's).
fn check_phone_config(p: &PhoneConfig) -> ConnectResult<()> {
    if p.phone_type == "DESK_PHONE" && p.desk_phone_number.is_none() {
        return Err(invalid_parameter(
            "PhoneConfig.DeskPhoneNumber is required when PhoneType is DESK_PHONE.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(now_ms: i64) -> Ctx {
        Ctx {
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            now_ms,
        }
    }

    fn saml_instance(data: &mut ConnectData, alias: &str) -> String {
        let (id, _) = data
            .create_instance(
                &ctx(0),
                CreateInstanceInput {
                    client_token: None,
                    identity_management_type: Some("SAML".into()),
                    instance_alias: Some(alias.into()),
                    directory_id: None,
                    inbound_calls_enabled: Some(true),
                    outbound_calls_enabled: Some(true),
                    tags: None,
                },
            )
            .expect("create instance");
        id
    }

    fn user_input(data: &ConnectData, instance: &str, name: &str) -> CreateUserInput {
        let i = data.instance(&ctx(0), instance).expect("instance");
        CreateUserInput {
            username: Some(name.into()),
            identity_info: Some(IdentityInfo {
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                ..IdentityInfo::default()
            }),
            security_profile_ids: Some(vec![i.security_profiles[1].id.clone()]),
            routing_profile_id: Some(i.routing_profiles[0].id.clone()),
            ..CreateUserInput::default()
        }
    }

    const LATER: i64 = 10_000;

    #[test]
    fn new_instance_is_in_progress_then_active_with_default_profiles() {
        let mut d = ConnectData::default();
        let id = saml_instance(&mut d, "demo");
        let i = d.instance(&ctx(1), &id).expect("instance");
        assert_eq!(i.status(1), InstanceStatus::CreationInProgress);
        assert_eq!(i.status(LATER), InstanceStatus::Active);
        let names: Vec<_> = i
            .security_profiles
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, DEFAULT_SECURITY_PROFILES);
        assert_eq!(i.routing_profiles[0].name, "Basic Routing Profile");
        let input = user_input(&d, &id, "jane");
        let err = d
            .create_user(&ctx(1), &id, input)
            .expect_err("not active yet");
        assert_eq!(err.code, "InvalidRequestException");
    }

    #[test]
    fn a_scripted_creation_failure_shows_as_creation_failed() {
        let mut d = ConnectData::default();
        d.failing_creations
            .push("Service-linked role could not be created.".into());
        let failed = saml_instance(&mut d, "broken");
        let fine = saml_instance(&mut d, "fine");
        d.finish_creations();
        let status = |id: &str| d.instance(&ctx(LATER), id).map(|i| i.status(LATER));
        assert_eq!(status(&failed), Ok(InstanceStatus::CreationFailed));
        assert_eq!(status(&fine), Ok(InstanceStatus::Active));
        let input = user_input(&d, &failed, "jane");
        let err = d
            .create_user(&ctx(LATER), &failed, input)
            .expect_err("failed instance");
        assert_eq!(err.code, "InvalidRequestException");
    }

    #[test]
    fn reused_alias_is_rejected_like_aws() {
        let mut d = ConnectData::default();
        saml_instance(&mut d, "demo");
        let err = d
            .create_instance(
                &ctx(0),
                CreateInstanceInput {
                    client_token: None,
                    identity_management_type: Some("CONNECT_MANAGED".into()),
                    instance_alias: Some("Demo".into()),
                    directory_id: None,
                    inbound_calls_enabled: Some(true),
                    outbound_calls_enabled: Some(false),
                    tags: None,
                },
            )
            .expect_err("duplicate alias");
        assert_eq!(err.code, "InvalidRequestException");
        assert!(err.message.contains("alias is already used"));
    }

    #[test]
    fn usernames_are_case_sensitive_for_duplicates_and_federation() {
        let mut d = ConnectData::default();
        let id = saml_instance(&mut d, "demo");
        let input = user_input(&d, &id, "Jane.Doe@example.com");
        d.create_user(&ctx(LATER), &id, input).expect("create");
        let again = user_input(&d, &id, "Jane.Doe@example.com");
        let err = d
            .create_user(&ctx(LATER), &id, again)
            .expect_err("duplicate");
        assert_eq!(err.code, "DuplicateResourceException");
        let lower = user_input(&d, &id, "jane.doe@example.com");
        d.create_user(&ctx(LATER), &id, lower)
            .expect("a different user");

        let err = d
            .open_federation_session(&ctx(LATER), &id, "JANE.DOE@example.com", "r")
            .expect_err("case differs");
        assert_eq!(err.code, "UserNotFoundException");
        let (user, token) = d
            .open_federation_session(&ctx(LATER), &id, "Jane.Doe@example.com", "r")
            .expect("exact match");
        assert_eq!(user.username, "Jane.Doe@example.com");
        assert!(d.sessions.contains_key(&token));
    }

    #[test]
    fn saml_instance_rejects_password_directory_user_and_missing_names() {
        let mut d = ConnectData::default();
        let id = saml_instance(&mut d, "demo");
        let mut with_pw = user_input(&d, &id, "a");
        with_pw.password = Some("Passw0rd!".into());
        let err = d
            .create_user(&ctx(LATER), &id, with_pw)
            .expect_err("password");
        assert_eq!(err.code, "InvalidRequestException");

        let mut with_dir = user_input(&d, &id, "a");
        with_dir.directory_user_id = Some("x".into());
        assert!(d.create_user(&ctx(LATER), &id, with_dir).is_err());

        let mut no_last = user_input(&d, &id, "a");
        if let Some(info) = no_last.identity_info.as_mut() {
            info.last_name = None;
        }
        assert!(d.create_user(&ctx(LATER), &id, no_last).is_err());
    }

    #[test]
    fn saml_email_follows_the_configured_policy() {
        let mut d = ConnectData::default();
        let id = saml_instance(&mut d, "demo");
        let mut input = user_input(&d, &id, "a");
        if let Some(info) = input.identity_info.as_mut() {
            info.email = Some("a@example.com".into());
        }
        let err = d
            .create_user(&ctx(LATER), &id, input.clone())
            .expect_err("reject by default");
        assert_eq!(err.message, "Email is not required for this directory type");
        d.saml_email_policy = SamlEmailPolicy::Accept;
        d.create_user(&ctx(LATER), &id, input).expect("accepted");
    }

    #[test]
    fn deleting_a_user_ends_their_sessions() {
        let mut d = ConnectData::default();
        let id = saml_instance(&mut d, "demo");
        let input = user_input(&d, &id, "jane");
        let (uid, _) = d.create_user(&ctx(LATER), &id, input).expect("create");
        d.open_federation_session(&ctx(LATER), &id, "jane", "r")
            .expect("session");
        d.delete_user(&ctx(LATER), &id, &uid).expect("delete");
        assert!(d.sessions.is_empty());
    }

    #[test]
    fn tags_resolve_instance_and_user_arns_only_in_the_callers_account() {
        let mut d = ConnectData::default();
        let id = saml_instance(&mut d, "demo");
        let input = user_input(&d, &id, "jane");
        let (_, user_arn) = d.create_user(&ctx(LATER), &id, input).expect("create");
        d.tags_mut(&ctx(LATER), &user_arn)
            .expect("user")
            .insert("k".into(), "v".into());
        let arn = d.instance(&ctx(0), &id).expect("i").arn.clone();
        assert!(d.tags_mut(&ctx(0), &arn).is_ok());
        let other = Ctx {
            account_id: "444455556666".into(),
            ..ctx(0)
        };
        assert_eq!(
            d.tags_mut(&other, &arn).map(|_| ()).map_err(|e| e.code),
            Err("ResourceNotFoundException".to_string())
        );
        assert_eq!(
            d.tags_mut(&ctx(0), "nonsense")
                .map(|_| ())
                .map_err(|e| e.code),
            Err("InvalidParameterException".to_string())
        );
    }
}
