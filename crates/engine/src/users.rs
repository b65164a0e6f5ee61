//! Connect users for the members of the spec's Entra groups: the kernel of `sync`.
//! Connect has no user provisioning of its own (docs/facts.md §6.10); a user can only federate
//! when a Connect user whose username equals their RoleSessionName (the UPN) exists.

use connect_sso_aws::Aws;
use connect_sso_entra::Graph;
use connect_sso_spec::{MANAGED_TAG, Spec, username_problem};

use crate::Error;

/// What happened to one member.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum UserOutcome {
    /// A Connect user was created.
    Created {
        /// Username (= UPN).
        username: String,
        /// Entra group it came from.
        group: String,
    },
    /// The Connect user already existed.
    Exists {
        /// Username.
        username: String,
    },
    /// The member cannot sign in through AWS, so no user was created.
    Skipped {
        /// The UPN.
        username: String,
        /// Why, and what to do.
        reason: String,
    },
}

/// Create a Connect user for every member (nested groups included) of the spec's groups, with
/// the security and routing profiles of the group (the first group a user is found in wins).
pub async fn provision_group_members(
    graph: &Graph,
    aws: &Aws,
    spec: &Spec,
    instance_id: &str,
) -> Result<Vec<UserOutcome>, Error> {
    let security = aws.security_profiles(instance_id).await?;
    let routing = aws.routing_profiles(instance_id).await?;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for access in &spec.entra.access {
        let (sp_ids, rp) = crate::profiles::Profiles {
            instance: instance_id,
            security: &security,
            routing: &routing,
        }
        .resolve(
            &access.security_profiles,
            &access.routing_profile,
            &format!("entra.access for {:?}", access.group),
        )?;
        let Some(group) = graph.groups_named(&access.group).await?.into_iter().next() else {
            continue;
        };
        for member in graph.group_users(&group.id).await? {
            let upn = member.user_principal_name.clone();
            if !seen.insert(upn.clone()) {
                continue;
            }
            if let Some((why, hint)) = username_problem(&upn) {
                out.push(UserOutcome::Skipped {
                    username: upn,
                    reason: format!("{why}; {hint}"),
                });
                continue;
            }
            if aws.find_user(instance_id, &upn).await?.is_some() {
                out.push(UserOutcome::Exists { username: upn });
                continue;
            }
            let (first, last) = names(&member);
            aws.create_user(
                instance_id,
                &connect_sso_aws::connect::NewUser {
                    username: &upn,
                    first_name: &first,
                    last_name: &last,
                    security_profile_ids: sp_ids.clone(),
                    routing_profile_id: &rp,
                },
                &[(MANAGED_TAG, spec.entra.app_name.as_str())],
            )
            .await?;
            out.push(UserOutcome::Created {
                username: upn,
                group: access.group.clone(),
            });
        }
    }
    Ok(out)
}

/// First and last name: Entra's givenName/surname, else the display name split, else the UPN.
fn names(u: &connect_sso_entra::model::User) -> (String, String) {
    let nonempty = |s: &Option<String>| s.as_ref().filter(|s| !s.trim().is_empty()).cloned();
    match (nonempty(&u.given_name), nonempty(&u.surname)) {
        (Some(f), Some(l)) => (f, l),
        _ => {
            let display =
                nonempty(&u.display_name).unwrap_or_else(|| u.user_principal_name.clone());
            match display.split_once(' ') {
                Some((f, l)) => (f.to_string(), l.to_string()),
                None => (display.clone(), display),
            }
        }
    }
}
