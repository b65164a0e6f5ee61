//! IAM: the SAML identity provider and the federation role.

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;

use crate::error::{Error, api};

/// A SAML provider as IAM holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProviderState {
    /// ARN.
    pub arn: String,
    /// The metadata document IAM holds.
    pub metadata: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// A role as IAM holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleState {
    /// ARN.
    pub arn: String,
    /// Role ID (`AROA…`): `aws:userid` of a session is `ROLEID:session-name`.
    pub role_id: String,
    /// Trust policy, decoded.
    pub trust_policy: serde_json::Value,
    /// MaxSessionDuration in seconds.
    pub max_session_duration: u32,
    /// Inline policies: name → document.
    pub inline_policies: BTreeMap<String, serde_json::Value>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// IAM returns policy documents URL-encoded; decode and parse.
fn policy_doc(raw: &str) -> Result<serde_json::Value, Error> {
    let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&decoded).map_err(|e| Error::Document {
        what: "an IAM policy document",
        detail: e.to_string(),
    })
}

fn tag(k: &str, v: &str) -> Result<Tag, Error> {
    Tag::builder()
        .key(k)
        .value(v)
        .build()
        .map_err(|e| Error::Document {
            what: "a tag",
            detail: e.to_string(),
        })
}

/// An IAM deletion whose target may be gone already: `NoSuchEntity` is success.
fn gone_is_fine<O, E>(operation: &'static str, result: Result<O, E>) -> Result<(), Error>
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::fmt::Display,
{
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("NoSuchEntity") => Ok(()),
        Err(e) => Err(api("IAM", operation, e)),
    }
}

impl crate::Aws {
    /// The SAML provider with this ARN, if it exists.
    pub async fn get_saml_provider(&self, arn: &str) -> Result<Option<SamlProviderState>, Error> {
        self.pace("iam", "GetSAMLProvider").await?;
        match self
            .iam
            .get_saml_provider()
            .saml_provider_arn(arn)
            .send()
            .await
        {
            Ok(out) => Ok(Some(SamlProviderState {
                arn: arn.to_string(),
                metadata: out.saml_metadata_document().unwrap_or_default().to_string(),
                tags: out
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            })),
            Err(e) => {
                let e = e.into_service_error();
                if e.is_no_such_entity_exception() {
                    Ok(None)
                } else {
                    Err(api("IAM", "GetSAMLProvider", e))
                }
            }
        }
    }

    /// Create a SAML provider; returns its ARN.
    pub async fn create_saml_provider(
        &self,
        name: &str,
        metadata: &str,
        tags: &[(&str, &str)],
    ) -> Result<String, Error> {
        let mut req = self
            .iam
            .create_saml_provider()
            .name(name)
            .saml_metadata_document(metadata);
        for (k, v) in tags {
            req = req.tags(tag(k, v)?);
        }
        self.pace("iam", "CreateSAMLProvider").await?;
        let out = req
            .send()
            .await
            .map_err(|e| api("IAM", "CreateSAMLProvider", e.into_service_error()))?;
        out.saml_provider_arn()
            .map(str::to_string)
            .ok_or(Error::Incomplete {
                service: "IAM",
                operation: "CreateSAMLProvider",
                what: "an ARN",
            })
    }

    /// Replace a SAML provider's metadata (after an Entra certificate change: docs/facts.md §3).
    pub async fn update_saml_provider(&self, arn: &str, metadata: &str) -> Result<(), Error> {
        self.pace("iam", "UpdateSAMLProvider").await?;
        self.iam
            .update_saml_provider()
            .saml_provider_arn(arn)
            .saml_metadata_document(metadata)
            .send()
            .await
            .map(drop)
            .map_err(|e| api("IAM", "UpdateSAMLProvider", e.into_service_error()))
    }

    /// Tag a SAML provider.
    pub async fn tag_saml_provider(&self, arn: &str, tags: &[(&str, &str)]) -> Result<(), Error> {
        let mut req = self.iam.tag_saml_provider().saml_provider_arn(arn);
        for (k, v) in tags {
            req = req.tags(tag(k, v)?);
        }
        self.pace("iam", "TagSAMLProvider").await?;
        req.send()
            .await
            .map(drop)
            .map_err(|e| api("IAM", "TagSAMLProvider", e.into_service_error()))
    }

    /// Delete a SAML provider (absent is fine).
    pub async fn delete_saml_provider(&self, arn: &str) -> Result<(), Error> {
        self.pace("iam", "DeleteSAMLProvider").await?;
        let result = self
            .iam
            .delete_saml_provider()
            .saml_provider_arn(arn)
            .send()
            .await
            .map_err(|e| e.into_service_error());
        gone_is_fine("DeleteSAMLProvider", result)
    }

    /// The role with this name, with its inline policies, if it exists.
    pub async fn get_role(&self, name: &str) -> Result<Option<RoleState>, Error> {
        self.pace("iam", "GetRole").await?;
        let out = match self.iam.get_role().role_name(name).send().await {
            Ok(out) => out,
            Err(e) => {
                let e = e.into_service_error();
                return if e.is_no_such_entity_exception() {
                    Ok(None)
                } else {
                    Err(api("IAM", "GetRole", e))
                };
            }
        };
        let role = out.role().ok_or(Error::Incomplete {
            service: "IAM",
            operation: "GetRole",
            what: "a role",
        })?;
        let trust = match role.assume_role_policy_document() {
            Some(doc) => policy_doc(doc)?,
            None => serde_json::Value::Null,
        };
        self.pace("iam", "ListRolePolicies").await?;
        let names = self
            .iam
            .list_role_policies()
            .role_name(name)
            .send()
            .await
            .map_err(|e| api("IAM", "ListRolePolicies", e.into_service_error()))?;
        let mut inline_policies = BTreeMap::new();
        for pname in names.policy_names() {
            self.pace("iam", "GetRolePolicy").await?;
            let p = self
                .iam
                .get_role_policy()
                .role_name(name)
                .policy_name(pname)
                .send()
                .await
                .map_err(|e| api("IAM", "GetRolePolicy", e.into_service_error()))?;
            inline_policies.insert(pname.clone(), policy_doc(p.policy_document())?);
        }
        Ok(Some(RoleState {
            arn: role.arn().to_string(),
            role_id: role.role_id().to_string(),
            trust_policy: trust,
            max_session_duration: role.max_session_duration().unwrap_or(3600).max(0) as u32,
            inline_policies,
            tags: role
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
        }))
    }

    /// Create a role; returns its ARN.
    pub async fn create_role(
        &self,
        name: &str,
        trust_policy: &serde_json::Value,
        max_session_duration: u32,
        description: &str,
        tags: &[(&str, &str)],
    ) -> Result<String, Error> {
        let mut req = self
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust_policy.to_string())
            .max_session_duration(max_session_duration as i32)
            .description(description);
        for (k, v) in tags {
            req = req.tags(tag(k, v)?);
        }
        self.pace("iam", "CreateRole").await?;
        let out = req
            .send()
            .await
            .map_err(|e| api("IAM", "CreateRole", e.into_service_error()))?;
        out.role()
            .map(|r| r.arn().to_string())
            .ok_or(Error::Incomplete {
                service: "IAM",
                operation: "CreateRole",
                what: "a role",
            })
    }

    /// Replace a role's trust policy.
    pub async fn update_trust_policy(
        &self,
        name: &str,
        trust_policy: &serde_json::Value,
    ) -> Result<(), Error> {
        self.pace("iam", "UpdateAssumeRolePolicy").await?;
        self.iam
            .update_assume_role_policy()
            .role_name(name)
            .policy_document(trust_policy.to_string())
            .send()
            .await
            .map(drop)
            .map_err(|e| api("IAM", "UpdateAssumeRolePolicy", e.into_service_error()))
    }

    /// Change a role's MaxSessionDuration.
    pub async fn update_max_session_duration(&self, name: &str, seconds: u32) -> Result<(), Error> {
        self.pace("iam", "UpdateRole").await?;
        self.iam
            .update_role()
            .role_name(name)
            .max_session_duration(seconds as i32)
            .send()
            .await
            .map(drop)
            .map_err(|e| api("IAM", "UpdateRole", e.into_service_error()))
    }

    /// Tag a role.
    pub async fn tag_role(&self, name: &str, tags: &[(&str, &str)]) -> Result<(), Error> {
        let mut req = self.iam.tag_role().role_name(name);
        for (k, v) in tags {
            req = req.tags(tag(k, v)?);
        }
        self.pace("iam", "TagRole").await?;
        req.send()
            .await
            .map(drop)
            .map_err(|e| api("IAM", "TagRole", e.into_service_error()))
    }

    /// Put (create or replace) an inline role policy.
    pub async fn put_role_policy(
        &self,
        role: &str,
        policy_name: &str,
        doc: &serde_json::Value,
    ) -> Result<(), Error> {
        self.pace("iam", "PutRolePolicy").await?;
        self.iam
            .put_role_policy()
            .role_name(role)
            .policy_name(policy_name)
            .policy_document(doc.to_string())
            .send()
            .await
            .map(drop)
            .map_err(|e| api("IAM", "PutRolePolicy", e.into_service_error()))
    }

    /// Remove one inline policy from a role (absent already: done).
    pub async fn delete_role_policy(&self, role: &str, policy: &str) -> Result<(), Error> {
        self.pace("iam", "DeleteRolePolicy").await?;
        let result = self
            .iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy)
            .send()
            .await
            .map_err(|e| e.into_service_error());
        gone_is_fine("DeleteRolePolicy", result)
    }

    /// Delete a role and its inline policies (absent is fine).
    pub async fn delete_role(&self, name: &str) -> Result<(), Error> {
        let Some(role) = self.get_role(name).await? else {
            return Ok(());
        };
        for pname in role.inline_policies.keys() {
            self.delete_role_policy(name, pname).await?;
        }
        self.pace("iam", "DeleteRole").await?;
        let result = self
            .iam
            .delete_role()
            .role_name(name)
            .send()
            .await
            .map_err(|e| e.into_service_error());
        gone_is_fine("DeleteRole", result)
    }
}
