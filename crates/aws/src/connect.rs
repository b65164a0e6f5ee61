//! Amazon Connect: the instance and its users.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_connect::types::{
    DirectoryType, InstanceAttributeType, PhoneType, StringComparisonType, StringCondition,
    UserIdentityInfo, UserPhoneConfig, UserSearchCriteria,
};

use crate::error::{Error, api};

/// One page of a list call: its (name, ID) pairs and the token of the next page.
type NamedPage = (Vec<(String, String)>, Option<String>);

/// An instance as Connect describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceState {
    /// Instance ID.
    pub id: String,
    /// ARN.
    pub arn: String,
    /// Alias.
    pub alias: String,
    /// `SAML`, `CONNECT_MANAGED`, `EXISTING_DIRECTORY`.
    pub identity_management_type: String,
    /// `CREATION_IN_PROGRESS`, `ACTIVE`, `CREATION_FAILED`.
    pub status: String,
    /// Inbound calls.
    pub inbound_calls: bool,
    /// Outbound calls.
    pub outbound_calls: bool,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// A user as Connect describes it (profile IDs resolved to names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserState {
    /// User ID.
    pub id: String,
    /// Username.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Security profile IDs.
    pub security_profile_ids: Vec<String>,
    /// Routing profile ID.
    pub routing_profile_id: String,
}

/// A user as SearchUsers returns it: everything user sync compares, in one call per page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserRecord {
    /// User ID.
    pub id: String,
    /// ARN (for tagging).
    pub arn: String,
    /// Username.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Security profile IDs.
    pub security_profile_ids: Vec<String>,
    /// Routing profile ID.
    pub routing_profile_id: String,
    /// Agent hierarchy group ID.
    pub hierarchy_group_id: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// The largest SearchUsers page (`MaxResults` 1–500 in the model, docs/facts.md §2).
pub const SEARCH_USERS_MAX_PAGE: i32 = 500;

/// What a new SAML user needs (no password, no directory user ID: docs/facts.md §2).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Username (= RoleSessionName).
    pub username: &'a str,
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Security profile IDs.
    pub security_profile_ids: Vec<String>,
    /// Routing profile ID.
    pub routing_profile_id: &'a str,
    /// Agent hierarchy group ID.
    pub hierarchy_group_id: Option<&'a str>,
    /// E-mail address (`IdentityInfo.Email`; some SAML instances refuse it, docs/facts.md §2:
    /// see [`Error::is_email_refused`]).
    pub email: Option<&'a str>,
}

impl crate::Aws {
    /// Describe one instance (absent → `None`).
    pub async fn describe_instance(&self, id: &str) -> Result<Option<InstanceState>, Error> {
        self.pace("connect", "DescribeInstance").await?;
        let out = match self
            .connect
            .describe_instance()
            .instance_id(id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let e = e.into_service_error();
                return if e.is_resource_not_found_exception() {
                    Ok(None)
                } else {
                    Err(api("Connect", "DescribeInstance", e))
                };
            }
        };
        let Some(i) = out.instance() else {
            return Ok(None);
        };
        Ok(Some(InstanceState {
            id: i.id().unwrap_or(id).to_string(),
            arn: i.arn().unwrap_or_default().to_string(),
            alias: i.instance_alias().unwrap_or_default().to_string(),
            identity_management_type: i
                .identity_management_type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            status: i
                .instance_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            inbound_calls: i.inbound_calls_enabled().unwrap_or(false),
            outbound_calls: i.outbound_calls_enabled().unwrap_or(false),
            tags: i
                .tags()
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }))
    }

    /// The instance with this alias (aliases are unique per account and Region), described
    /// (tags and settings included), or `None`.
    pub async fn find_instance_by_alias(
        &self,
        alias: &str,
    ) -> Result<Option<InstanceState>, Error> {
        match self.instance_summary_by_alias(alias).await? {
            Some(s) => match s.id() {
                Some(id) => self.describe_instance(id).await,
                None => Ok(None),
            },
            None => Ok(None),
        }
    }

    /// The ID and status of the instance with this alias, from ListInstances alone (no
    /// DescribeInstance: for callers that need neither its tags nor its settings, such as sync).
    pub async fn instance_status_by_alias(
        &self,
        alias: &str,
    ) -> Result<Option<(String, String)>, Error> {
        Ok(self.instance_summary_by_alias(alias).await?.map(|s| {
            let id = s.id().unwrap_or_default().to_string();
            let status = s.instance_status().map_or("", |v| v.as_str()).to_string();
            (id, status)
        }))
    }

    /// ListInstances, every page until the alias is found.
    async fn instance_summary_by_alias(
        &self,
        alias: &str,
    ) -> Result<Option<aws_sdk_connect::types::InstanceSummary>, Error> {
        let mut token = None;
        loop {
            self.pace("connect", "ListInstances").await?;
            let page = self
                .connect
                .list_instances()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api("Connect", "ListInstances", e.into_service_error()))?;
            let found = page
                .instance_summary_list()
                .iter()
                .find(|s| s.instance_alias() == Some(alias));
            if let Some(s) = found {
                return Ok(Some(s.clone()));
            }
            token = match page.next_token() {
                Some(t) if !t.is_empty() => Some(t.to_string()),
                _ => return Ok(None),
            };
        }
    }

    /// Create a SAML instance; returns its ID. Creation continues asynchronously: see [`wait_active`].
    pub async fn create_instance(
        &self,
        alias: &str,
        inbound: bool,
        outbound: bool,
        tags: &[(&str, &str)],
    ) -> Result<String, Error> {
        let mut req = self
            .connect
            .create_instance()
            .identity_management_type(DirectoryType::Saml)
            .instance_alias(alias)
            .inbound_calls_enabled(inbound)
            .outbound_calls_enabled(outbound);
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        self.pace("connect", "CreateInstance").await?;
        let out = req
            .send()
            .await
            .map_err(|e| api("Connect", "CreateInstance", e.into_service_error()))?;
        out.id().map(str::to_string).ok_or(Error::Incomplete {
            service: "Connect",
            operation: "CreateInstance",
            what: "an instance ID",
        })
    }

    /// Wait until an instance is ACTIVE, calling `progress` with the status and elapsed time.
    /// Fails on CREATION_FAILED or after `timeout`.
    pub async fn wait_active(
        &self,
        id: &str,
        timeout: Duration,
        mut progress: impl FnMut(&str, Duration),
    ) -> Result<InstanceState, Error> {
        let start = Instant::now();
        let mut delay = Duration::from_millis(200);
        loop {
            if let Some(i) = self.describe_instance(id).await? {
                progress(&i.status, start.elapsed());
                match i.status.as_str() {
                    "ACTIVE" => return Ok(i),
                    "CREATION_FAILED" => {
                        return Err(Error::Api {
                            service: "Connect",
                            operation: "CreateInstance",
                            code: "CREATION_FAILED".into(),
                            message: format!("instance {id} failed to create"),
                        });
                    }
                    _ => {}
                }
            }
            if start.elapsed() >= timeout {
                return Err(Error::Timeout {
                    what: format!("Connect instance {id}"),
                    seconds: timeout.as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = delay.mul_f32(1.5).min(Duration::from_secs(10));
        }
    }

    /// Turn inbound or outbound calling on or off.
    pub async fn set_calls(
        &self,
        id: &str,
        inbound: Option<bool>,
        outbound: Option<bool>,
    ) -> Result<(), Error> {
        for (attr, value) in [
            (InstanceAttributeType::InboundCalls, inbound),
            (InstanceAttributeType::OutboundCalls, outbound),
        ] {
            if let Some(v) = value {
                self.pace("connect", "UpdateInstanceAttribute").await?;
                self.connect
                    .update_instance_attribute()
                    .instance_id(id)
                    .attribute_type(attr)
                    .value(v.to_string())
                    .send()
                    .await
                    .map_err(|e| {
                        api("Connect", "UpdateInstanceAttribute", e.into_service_error())
                    })?;
            }
        }
        Ok(())
    }

    /// Tag a resource (instance or user ARN).
    pub async fn tag_connect_resource(
        &self,
        arn: &str,
        tags: &[(&str, &str)],
    ) -> Result<(), Error> {
        let mut req = self.connect.tag_resource().resource_arn(arn);
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        self.pace("connect", "TagResource").await?;
        req.send()
            .await
            .map(drop)
            .map_err(|e| api("Connect", "TagResource", e.into_service_error()))
    }

    /// Delete an instance (absent is fine).
    pub async fn delete_instance(&self, id: &str) -> Result<(), Error> {
        self.pace("connect", "DeleteInstance").await?;
        match self.connect.delete_instance().instance_id(id).send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                if e.is_resource_not_found_exception() {
                    Ok(())
                } else {
                    Err(api("Connect", "DeleteInstance", e))
                }
            }
        }
    }

    /// Security profiles of an instance: name → ID.
    pub async fn security_profiles(
        &self,
        instance: &str,
    ) -> Result<BTreeMap<String, String>, Error> {
        const OP: &str = "ListSecurityProfiles";
        let connect = &self.connect;
        self.names_to_ids(OP, |token| async move {
            let page = connect
                .list_security_profiles()
                .instance_id(instance)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api("Connect", OP, e.into_service_error()))?;
            let items = page
                .security_profile_summary_list()
                .iter()
                .filter_map(|p| Some((p.name()?.to_string(), p.id()?.to_string())))
                .collect();
            Ok((items, page.next_token().map(str::to_string)))
        })
        .await
    }

    /// Routing profiles of an instance: name → ID.
    pub async fn routing_profiles(
        &self,
        instance: &str,
    ) -> Result<BTreeMap<String, String>, Error> {
        const OP: &str = "ListRoutingProfiles";
        let connect = &self.connect;
        self.names_to_ids(OP, |token| async move {
            let page = connect
                .list_routing_profiles()
                .instance_id(instance)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api("Connect", OP, e.into_service_error()))?;
            let items = page
                .routing_profile_summary_list()
                .iter()
                .filter_map(|p| Some((p.name()?.to_string(), p.id()?.to_string())))
                .collect();
            Ok((items, page.next_token().map(str::to_string)))
        })
        .await
    }

    /// Page through a Connect list operation, each page paced: `fetch` takes the next token
    /// and returns the page's (name, ID) pairs and its own next token.
    async fn names_to_ids<F, Fut>(
        &self,
        operation: &'static str,
        mut fetch: F,
    ) -> Result<BTreeMap<String, String>, Error>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<NamedPage, Error>>,
    {
        let mut out = BTreeMap::new();
        let mut token = None;
        loop {
            self.pace("connect", operation).await?;
            let (items, next) = fetch(token).await?;
            out.extend(items);
            token = match next {
                Some(t) if !t.is_empty() => Some(t),
                _ => return Ok(out),
            };
        }
    }

    /// The user with exactly this username (case-sensitive, as Connect matches RoleSessionName).
    pub async fn find_user(
        &self,
        instance: &str,
        username: &str,
    ) -> Result<Option<UserState>, Error> {
        let criteria = UserSearchCriteria::builder()
            .string_condition(
                StringCondition::builder()
                    .field_name("Username")
                    .value(username)
                    .comparison_type(StringComparisonType::Exact)
                    .build(),
            )
            .build();
        self.pace("connect", "SearchUsers").await?;
        let out = self
            .connect
            .search_users()
            .instance_id(instance)
            .search_criteria(criteria)
            .send()
            .await
            .map_err(|e| api("Connect", "SearchUsers", e.into_service_error()))?;
        Ok(out
            .users()
            .iter()
            .find(|u| u.username() == Some(username))
            .map(|u| UserState {
                id: u.id().unwrap_or_default().to_string(),
                username: username.to_string(),
                first_name: u
                    .identity_info()
                    .and_then(|i| i.first_name())
                    .unwrap_or_default()
                    .to_string(),
                last_name: u
                    .identity_info()
                    .and_then(|i| i.last_name())
                    .unwrap_or_default()
                    .to_string(),
                security_profile_ids: u.security_profile_ids().to_vec(),
                routing_profile_id: u.routing_profile_id().unwrap_or_default().to_string(),
            }))
    }

    /// Every user of an instance, in full (profiles, names, tags), through SearchUsers pages
    /// of `page_size` (at most [`SEARCH_USERS_MAX_PAGE`]): one call per page, never one per
    /// user. Every page is read, or the call fails.
    pub async fn search_all_users(
        &self,
        instance: &str,
        page_size: i32,
    ) -> Result<Vec<UserRecord>, Error> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            self.pace("connect", "SearchUsers").await?;
            let page = self
                .connect
                .search_users()
                .instance_id(instance)
                .max_results(page_size.clamp(1, SEARCH_USERS_MAX_PAGE))
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api("Connect", "SearchUsers", e.into_service_error()))?;
            out.extend(page.users().iter().map(user_record));
            token = match page.next_token() {
                Some(t) if !t.is_empty() => Some(t.to_string()),
                _ => return Ok(out),
            };
        }
    }

    /// Remove tags from a resource (instance or user ARN).
    pub async fn untag_connect_resource(&self, arn: &str, keys: &[String]) -> Result<(), Error> {
        self.pace("connect", "UntagResource").await?;
        self.connect
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map(drop)
            .map_err(|e| api("Connect", "UntagResource", e.into_service_error()))
    }

    /// Create a user on a SAML instance; returns its ID.
    pub async fn create_user(
        &self,
        instance: &str,
        user: &NewUser<'_>,
        tags: &[(&str, &str)],
    ) -> Result<String, Error> {
        let phone = UserPhoneConfig::builder()
            .phone_type(PhoneType::SoftPhone)
            .build()
            .map_err(|e| Error::Document {
                what: "a phone config",
                detail: e.to_string(),
            })?;
        let mut req = self
            .connect
            .create_user()
            .instance_id(instance)
            .username(user.username)
            .identity_info(
                UserIdentityInfo::builder()
                    .first_name(user.first_name)
                    .last_name(user.last_name)
                    .set_email(user.email.map(str::to_string))
                    .build(),
            )
            .phone_config(phone)
            .routing_profile_id(user.routing_profile_id)
            .set_hierarchy_group_id(user.hierarchy_group_id.map(str::to_string));
        for id in &user.security_profile_ids {
            req = req.security_profile_ids(id);
        }
        for (k, v) in tags {
            req = req.tags(*k, *v);
        }
        self.pace("connect", "CreateUser").await?;
        let out = req
            .customize()
            .config_override(
                aws_sdk_connect::config::Builder::default().retry_classifier(QuotaIsNotARate),
            )
            .send()
            .await
            .map_err(|e| api("Connect", "CreateUser", e.into_service_error()))?;
        out.user_id().map(str::to_string).ok_or(Error::Incomplete {
            service: "Connect",
            operation: "CreateUser",
            what: "a user ID",
        })
    }

    /// Replace a user's security profiles.
    pub async fn set_security_profiles(
        &self,
        instance: &str,
        user_id: &str,
        ids: &[String],
    ) -> Result<(), Error> {
        self.pace("connect", "UpdateUserSecurityProfiles").await?;
        self.connect
            .update_user_security_profiles()
            .instance_id(instance)
            .user_id(user_id)
            .set_security_profile_ids(Some(ids.to_vec()))
            .send()
            .await
            .map(drop)
            .map_err(|e| {
                api(
                    "Connect",
                    "UpdateUserSecurityProfiles",
                    e.into_service_error(),
                )
            })
    }

    /// Change a user's routing profile.
    pub async fn set_routing_profile(
        &self,
        instance: &str,
        user_id: &str,
        id: &str,
    ) -> Result<(), Error> {
        self.pace("connect", "UpdateUserRoutingProfile").await?;
        self.connect
            .update_user_routing_profile()
            .instance_id(instance)
            .user_id(user_id)
            .routing_profile_id(id)
            .send()
            .await
            .map(drop)
            .map_err(|e| {
                api(
                    "Connect",
                    "UpdateUserRoutingProfile",
                    e.into_service_error(),
                )
            })
    }

    /// Change a user's names (and e-mail address, when given: the call replaces the identity
    /// info, so a user's address is sent again with its names).
    pub async fn set_names(
        &self,
        instance: &str,
        user_id: &str,
        (first, last): (&str, &str),
        email: Option<&str>,
    ) -> Result<(), Error> {
        self.pace("connect", "UpdateUserIdentityInfo").await?;
        self.connect
            .update_user_identity_info()
            .instance_id(instance)
            .user_id(user_id)
            .identity_info(
                UserIdentityInfo::builder()
                    .first_name(first)
                    .last_name(last)
                    .set_email(email.map(str::to_string))
                    .build(),
            )
            .send()
            .await
            .map(drop)
            .map_err(|e| api("Connect", "UpdateUserIdentityInfo", e.into_service_error()))
    }

    /// Every agent hierarchy group of an instance as (name, ID), through
    /// ListUserHierarchyGroups pages (names need not be unique, so a list).
    pub async fn hierarchy_groups(&self, instance: &str) -> Result<Vec<(String, String)>, Error> {
        const OP: &str = "ListUserHierarchyGroups";
        let mut out = Vec::new();
        let mut token = None;
        loop {
            self.pace("connect", OP).await?;
            let page = self
                .connect
                .list_user_hierarchy_groups()
                .instance_id(instance)
                .max_results(1000)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| api("Connect", OP, e.into_service_error()))?;
            out.extend(
                page.user_hierarchy_group_summary_list()
                    .iter()
                    .filter_map(|g| Some((g.name()?.to_string(), g.id()?.to_string()))),
            );
            token = match page.next_token() {
                Some(t) if !t.is_empty() => Some(t.to_string()),
                _ => return Ok(out),
            };
        }
    }

    /// Name the hierarchy's first level (a group can only be created under a defined level).
    /// For setting up an instance, and for tests.
    pub async fn define_hierarchy_level_one(
        &self,
        instance: &str,
        name: &str,
    ) -> Result<(), Error> {
        const OP: &str = "UpdateUserHierarchyStructure";
        self.pace("connect", OP).await?;
        let level = aws_sdk_connect::types::HierarchyLevelUpdate::builder()
            .name(name)
            .build()
            .map_err(|e| Error::NotSent {
                service: "Connect",
                operation: OP,
                detail: e.to_string(),
            })?;
        let structure = aws_sdk_connect::types::HierarchyStructureUpdate::builder()
            .level_one(level)
            .build();
        self.connect
            .update_user_hierarchy_structure()
            .instance_id(instance)
            .hierarchy_structure(structure)
            .send()
            .await
            .map_err(|e| api("Connect", OP, e.into_service_error()))?;
        Ok(())
    }

    /// Create a top-level agent hierarchy group; returns its ID. (sync only names existing
    /// groups; this is for setting up an instance, and for tests.)
    pub async fn create_hierarchy_group(
        &self,
        instance: &str,
        name: &str,
    ) -> Result<String, Error> {
        const OP: &str = "CreateUserHierarchyGroup";
        self.pace("connect", OP).await?;
        let out = self
            .connect
            .create_user_hierarchy_group()
            .instance_id(instance)
            .name(name)
            .send()
            .await
            .map_err(|e| api("Connect", OP, e.into_service_error()))?;
        out.hierarchy_group_id()
            .map(str::to_string)
            .ok_or(Error::Incomplete {
                service: "Connect",
                operation: OP,
                what: "a hierarchy group ID",
            })
    }

    /// Put a user in an agent hierarchy group.
    pub async fn set_hierarchy_group(
        &self,
        instance: &str,
        user_id: &str,
        group_id: &str,
    ) -> Result<(), Error> {
        const OP: &str = "UpdateUserHierarchy";
        self.pace("connect", OP).await?;
        self.connect
            .update_user_hierarchy()
            .instance_id(instance)
            .user_id(user_id)
            .hierarchy_group_id(group_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| api("Connect", OP, e.into_service_error()))
    }

    /// Delete a user (absent is fine).
    pub async fn delete_user(&self, instance: &str, user_id: &str) -> Result<(), Error> {
        self.pace("connect", "DeleteUser").await?;
        match self
            .connect
            .delete_user()
            .instance_id(instance)
            .user_id(user_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = e.into_service_error();
                if e.is_resource_not_found_exception() {
                    Ok(())
                } else {
                    Err(api("Connect", "DeleteUser", e))
                }
            }
        }
    }
}

/// One SearchUsers entry as a [`UserRecord`].
fn user_record(u: &aws_sdk_connect::types::UserSearchSummary) -> UserRecord {
    let info = u.identity_info();
    UserRecord {
        id: u.id().unwrap_or_default().to_string(),
        arn: u.arn().unwrap_or_default().to_string(),
        username: u.username().unwrap_or_default().to_string(),
        first_name: info
            .and_then(|i| i.first_name())
            .unwrap_or_default()
            .to_string(),
        last_name: info
            .and_then(|i| i.last_name())
            .unwrap_or_default()
            .to_string(),
        security_profile_ids: u.security_profile_ids().to_vec(),
        routing_profile_id: u.routing_profile_id().unwrap_or_default().to_string(),
        hierarchy_group_id: u
            .hierarchy_group_id()
            .filter(|id| !id.is_empty())
            .map(str::to_string),
        tags: u
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
    }
}

impl Error {
    /// Did Connect refuse an e-mail address in a user's identity info? Some SAML instances
    /// answer `InvalidRequestException: Email is not required for this directory type`
    /// (docs/facts.md §2).
    pub fn is_email_refused(&self) -> bool {
        matches!(self, Error::Api { service: "Connect", code, message, .. }
            if code.contains("InvalidRequest") && message.to_ascii_lowercase().contains("email"))
    }

    /// Did Connect refuse because a quota of the instance is used up (CreateUser at the
    /// "Users per instance" limit answers `LimitExceededException`, docs/facts.md §2)?
    pub fn is_limit_exceeded(&self) -> bool {
        matches!(self, Error::Api { service: "Connect", code, .. } if code == "LimitExceededException")
    }
}

/// CreateUser at the instance's user quota answers `LimitExceededException` with HTTP 429,
/// which the SDK retries as throttling (up to 8 attempts with adaptive back-off, slowing every
/// later call). A quota is not a rate: waiting does not help, so this classifier, run after
/// the SDK's own, forbids the retry. (docs/facts.md §2)
#[derive(Debug)]
struct QuotaIsNotARate;

impl aws_sdk_connect::config::retry::ClassifyRetry for QuotaIsNotARate {
    fn classify_retry(
        &self,
        ctx: &aws_sdk_connect::config::interceptors::InterceptorContext,
    ) -> aws_sdk_connect::config::retry::RetryAction {
        use aws_sdk_connect::config::retry::RetryAction;
        use aws_sdk_connect::operation::create_user::CreateUserError;
        let quota = matches!(ctx.output_or_error(), Some(Err(e))
            if e.as_operation_error()
                .and_then(|e| e.downcast_ref::<CreateUserError>())
                .is_some_and(CreateUserError::is_limit_exceeded_exception));
        if quota {
            RetryAction::RetryForbidden
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "QuotaIsNotARate"
    }

    fn priority(
        &self,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryClassifierPriority;
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}
