//! CreateSecurityProfile and CreateRoutingProfile, with the fields a mapping to a custom profile
//! needs: name (unique in the instance \[I\]), description, tags; a routing profile's queues must
//! exist. The quotas are AWS's defaults (docs/facts.md §2): 100 security profiles and 500
//! routing profiles per instance. Permissions, media concurrencies and the access-control
//! members are validated by the model and kept nowhere (no operation reads them back).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::{ConnectResult, error, invalid_parameter};
use super::model::{
    Ctx, Instance, Profile, ROUTING_PROFILES_PER_INSTANCE, SECURITY_PROFILES_PER_INSTANCE, new_id,
};

/// `CreateSecurityProfile` request members the sandbox reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateSecurityProfileInput {
    /// Required; its pattern and length are the model's.
    pub security_profile_name: String,
    /// Tags.
    pub tags: Option<BTreeMap<String, String>>,
}

/// `RoutingProfileQueueReference`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueReference {
    /// Queue.
    pub queue_id: String,
}

/// `RoutingProfileQueueConfig`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QueueConfig {
    /// The queue and channel.
    pub queue_reference: QueueReference,
}

/// `CreateRoutingProfile` request members the sandbox reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRoutingProfileInput {
    /// Required.
    pub name: String,
    /// Required.
    pub default_outbound_queue_id: String,
    /// Inbound queues.
    pub queue_configs: Option<Vec<QueueConfig>>,
    /// Tags.
    pub tags: Option<BTreeMap<String, String>>,
}

impl Instance {
    /// CreateSecurityProfile: answers `(SecurityProfileId, SecurityProfileArn)`.
    pub fn create_security_profile(
        &mut self,
        ctx: &Ctx,
        input: CreateSecurityProfileInput,
    ) -> ConnectResult<(String, String)> {
        let name = input.security_profile_name;
        check_new(
            &self.security_profiles,
            &name,
            "security profile",
            SECURITY_PROFILES_PER_INSTANCE,
        )?;
        let profile = new_profile(ctx, &self.arn, "security-profile", name, input.tags);
        let answer = (profile.id.clone(), profile.arn.clone());
        self.security_profiles.push(profile);
        Ok(answer)
    }

    /// CreateRoutingProfile: answers `(RoutingProfileId, RoutingProfileArn)`.
    pub fn create_routing_profile(
        &mut self,
        ctx: &Ctx,
        input: CreateRoutingProfileInput,
    ) -> ConnectResult<(String, String)> {
        let name = input.name;
        check_new(
            &self.routing_profiles,
            &name,
            "routing profile",
            ROUTING_PROFILES_PER_INSTANCE,
        )?;
        let configs = input.queue_configs.unwrap_or_default();
        let queues = configs.iter().map(|c| &c.queue_reference.queue_id);
        for queue in std::iter::once(&input.default_outbound_queue_id).chain(queues) {
            if !self
                .queues
                .iter()
                .any(|q| &q.id == queue || &q.arn == queue)
            {
                return Err(invalid_parameter(format!(
                    "Queue {queue} does not exist in instance {}.",
                    self.id
                )));
            }
        }
        let profile = new_profile(ctx, &self.arn, "routing-profile", name, input.tags);
        let answer = (profile.id.clone(), profile.arn.clone());
        self.routing_profiles.push(profile);
        Ok(answer)
    }
}

/// A new profile's name is not taken, and the quota leaves room for it.
fn check_new(existing: &[Profile], name: &str, what: &str, quota: usize) -> ConnectResult<()> {
    if existing.iter().any(|p| p.name == name) {
        return Err(error(
            "DuplicateResourceException",
            format!("A {what} named {name} already exists in this instance."),
        ));
    }
    if existing.len() >= quota {
        return Err(error(
            "LimitExceededException",
            format!(
                "The allowed limit for the resource has been exceeded: an instance has at most {quota} of type {what}."
            ),
        ));
    }
    Ok(())
}

fn new_profile(
    ctx: &Ctx,
    instance_arn: &str,
    kind: &str,
    name: String,
    tags: Option<BTreeMap<String, String>>,
) -> Profile {
    let id = new_id();
    Profile {
        arn: format!("{instance_arn}/{kind}/{id}"),
        id,
        name,
        last_modified_ms: ctx.now_ms,
        tags: tags.unwrap_or_default(),
    }
}
