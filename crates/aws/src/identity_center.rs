//! IAM Identity Center (`sso-admin`) and its identity store (`identitystore`): what the
//! brokered topology reads and changes. Applications made in the console are found by name;
//! groups are looked up by display name; assignments are made per group.

use crate::error::{Error, sdk};

/// Largest number of pages any listing here walks (a guard against a server that never stops).
const MAX_PAGES: usize = 1_000;

/// The Identity Center instance of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// `arn:aws:sso:::instance/ssoins-…`.
    pub arn: String,
    /// `d-…`.
    pub identity_store_id: String,
}

/// An application of the instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// ARN.
    pub arn: String,
    /// Display name.
    pub name: String,
    /// `ENABLED` / `DISABLED`.
    pub status: String,
}

impl crate::Aws {
    /// The account's Identity Center instance (`None`: Identity Center is not enabled).
    pub async fn ic_instance(&self) -> Result<Option<Instance>, Error> {
        self.pace("sso", "ListInstances").await?;
        let out = self
            .sso_admin
            .list_instances()
            .send()
            .await
            .map_err(|e| sdk("IAM Identity Center", "ListInstances", e))?;
        Ok(out.instances().iter().find_map(|i| {
            Some(Instance {
                arn: i.instance_arn()?.to_string(),
                identity_store_id: i.identity_store_id()?.to_string(),
            })
        }))
    }

    /// The instance's applications named `name`.
    pub async fn ic_applications_named(
        &self,
        instance_arn: &str,
        name: &str,
    ) -> Result<Vec<Application>, Error> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            self.pace("sso", "ListApplications").await?;
            let out = self
                .sso_admin
                .list_applications()
                .instance_arn(instance_arn)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| sdk("IAM Identity Center", "ListApplications", e))?;
            for a in out.applications() {
                if a.name() == Some(name) {
                    found.push(Application {
                        arn: a.application_arn().unwrap_or_default().to_string(),
                        name: name.to_string(),
                        status: a
                            .status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                    });
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(found)
    }

    /// The principal IDs assigned to an application.
    pub async fn ic_application_assignments(
        &self,
        application_arn: &str,
    ) -> Result<Vec<String>, Error> {
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            self.pace("sso", "ListApplicationAssignments").await?;
            let out = self
                .sso_admin
                .list_application_assignments()
                .application_arn(application_arn)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| sdk("IAM Identity Center", "ListApplicationAssignments", e))?;
            ids.extend(
                out.application_assignments()
                    .iter()
                    .map(|a| a.principal_id().to_string()),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(ids)
    }

    /// Assign a group to an application (an existing assignment is not an error).
    pub async fn ic_assign_group(
        &self,
        application_arn: &str,
        group_id: &str,
    ) -> Result<(), Error> {
        self.pace("sso", "CreateApplicationAssignment").await?;
        let r = self
            .sso_admin
            .create_application_assignment()
            .application_arn(application_arn)
            .principal_id(group_id)
            .principal_type(aws_sdk_ssoadmin::types::PrincipalType::Group)
            .send()
            .await
            .map_err(|e| sdk("IAM Identity Center", "CreateApplicationAssignment", e));
        match r {
            Err(e) if e.code() == Some("ConflictException") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// Remove a group's assignment to an application (one already gone is not an error).
    pub async fn ic_unassign_group(
        &self,
        application_arn: &str,
        group_id: &str,
    ) -> Result<(), Error> {
        self.pace("sso", "DeleteApplicationAssignment").await?;
        let r = self
            .sso_admin
            .delete_application_assignment()
            .application_arn(application_arn)
            .principal_id(group_id)
            .principal_type(aws_sdk_ssoadmin::types::PrincipalType::Group)
            .send()
            .await
            .map_err(|e| sdk("IAM Identity Center", "DeleteApplicationAssignment", e));
        match r {
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// The identity store's group whose display name is `name` (`None`: no such group).
    pub async fn ic_group_id(
        &self,
        identity_store_id: &str,
        name: &str,
    ) -> Result<Option<String>, Error> {
        use aws_sdk_identitystore::types::{AlternateIdentifier, UniqueAttribute};
        let attribute = UniqueAttribute::builder()
            .attribute_path("displayName")
            .attribute_value(aws_smithy_types::Document::String(name.to_string()))
            .build()
            .map_err(|e| Error::NotSent {
                service: "IAM Identity Center",
                operation: "GetGroupId",
                detail: e.to_string(),
            })?;
        self.pace("identitystore", "GetGroupId").await?;
        let r = self
            .identitystore
            .get_group_id()
            .identity_store_id(identity_store_id)
            .alternate_identifier(AlternateIdentifier::UniqueAttribute(attribute))
            .send()
            .await
            .map_err(|e| sdk("IAM Identity Center", "GetGroupId", e));
        match r {
            Ok(out) => Ok(Some(out.group_id().to_string())),
            Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
            Err(e) => Err(e),
        }
    }
}
