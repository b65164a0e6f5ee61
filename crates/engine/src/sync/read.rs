//! Read both sides at the fewest calls, concurrently, completely or not at all.

use connect_sso_aws::Aws;
use connect_sso_aws::connect::UserRecord;
use connect_sso_entra::Graph;
use connect_sso_planner::users::{ConnectUser, GroupMembers, Member, Named, Profiles, plan_users};
use connect_sso_spec::Spec;
use futures_util::future::try_join_all;

use super::{Prepared, SyncOptions};
use crate::Error;

/// Read the synced groups' members and the instance's users and profiles, and plan the diff.
/// Fails (writing nothing) when any read fails or is incomplete.
pub async fn prepare(
    graph: &Graph,
    aws: &Aws,
    spec: &Spec,
    opts: &SyncOptions,
) -> Result<Prepared, Error> {
    let (groups, connect) = tokio::join!(
        read_groups(graph, spec, opts.graph_page_size),
        read_connect(aws, spec, opts.connect_page_size)
    );
    let (groups, mut group_ids): (Vec<GroupMembers>, Vec<Vec<String>>) =
        groups?.into_iter().unzip();
    let mut group_ids: Vec<String> = group_ids.drain(..).flatten().collect();
    group_ids.sort();
    group_ids.dedup();
    let (instance_id, users, profiles) = connect?;
    let now = opts.now.unwrap_or_else(time::OffsetDateTime::now_utc);
    let diff = plan_users(spec, &groups, &users, &profiles, now).map_err(|e| Error::Blocked {
        message: e.message,
        hint: e.hint,
    })?;
    Ok(Prepared {
        instance_id,
        members_read: groups.iter().map(|g| g.members.len()).sum(),
        users_read: users.len(),
        diff,
        group_ids,
    })
}

/// Every `[[entra.access]]` group's transitive members, in spec order, each with the IDs of
/// the group and of its nested groups.
async fn read_groups(
    graph: &Graph,
    spec: &Spec,
    top: u16,
) -> Result<Vec<(GroupMembers, Vec<String>)>, Error> {
    try_join_all(spec.entra.access.iter().map(|a| async move {
        let id = group_id(graph, &a.group).await?;
        let all = graph.transitive_members(&id, top).await?;
        let members = GroupMembers {
            group: a.group.clone(),
            members: all.users.into_iter().map(member).collect(),
        };
        let ids = std::iter::once(id).chain(all.groups).collect();
        Ok::<_, Error>((members, ids))
    }))
    .await
}

/// The IDs of the `[[entra.access]]` groups (not their nested groups).
pub(crate) async fn synced_group_ids(graph: &Graph, spec: &Spec) -> Result<Vec<String>, Error> {
    let mut ids = try_join_all(spec.entra.access.iter().map(|a| group_id(graph, &a.group))).await?;
    ids.sort();
    Ok(ids)
}

/// The one group of this name: none or several is an error, never "no members".
async fn group_id(graph: &Graph, name: &str) -> Result<String, Error> {
    let mut found = graph.groups_named(name).await?;
    match (found.pop(), found.is_empty()) {
        (Some(g), true) => Ok(g.id),
        (None, _) => Err(Error::Blocked {
            message: format!("the Entra group {name:?} of entra.access does not exist"),
            hint: "create the group in Entra, or correct its name in the spec; sync changes \
                   nothing until every synced group can be read"
                .into(),
        }),
        (Some(_), false) => Err(Error::Blocked {
            message: format!("{} Entra groups are named {name:?}", found.len() + 1),
            hint: "rename all but one: the spec names groups by display name".into(),
        }),
    }
}

fn member(u: connect_sso_entra::model::User) -> Member {
    Member {
        id: u.id,
        user_principal_name: u.user_principal_name,
        mail: u.mail,
        display_name: u.display_name,
        given_name: u.given_name,
        surname: u.surname,
    }
}

/// The instance (active), its users and its profiles: the three lists read concurrently.
async fn read_connect(
    aws: &Aws,
    spec: &Spec,
    page: i32,
) -> Result<(String, Vec<ConnectUser>, Profiles), Error> {
    // Sync needs only the ID and the status: ListInstances has both (DescribeInstance would be
    // one call more than the minimum).
    let instance = match &spec.connect.instance_id {
        Some(id) => aws.describe_instance(id).await?.map(|i| (i.id, i.status)),
        None => {
            aws.instance_status_by_alias(&spec.connect.instance_alias)
                .await?
        }
    };
    let Some((id, _)) = instance.filter(|(_, status)| status == "ACTIVE") else {
        return Err(Error::Blocked {
            message: format!(
                "the Connect instance {:?} does not exist or is not active yet",
                spec.connect.instance_alias
            ),
            hint: "run `connect-sso apply` first: it creates the instance".into(),
        });
    };
    let (users, security, routing, hierarchy) = tokio::join!(
        aws.search_all_users(&id, page),
        aws.security_profiles(&id),
        aws.routing_profiles(&id),
        hierarchy_groups(aws, spec, &id)
    );
    let users = users?.into_iter().map(connect_user).collect();
    let profiles = Profiles {
        security: security?,
        routing: routing?,
        hierarchy: hierarchy?,
    };
    Ok((id, users, profiles))
}

/// The instance's agent hierarchy groups, read (once) only when the spec names one.
async fn hierarchy_groups(aws: &Aws, spec: &Spec, instance: &str) -> Result<Vec<Named>, Error> {
    if spec
        .entra
        .access
        .iter()
        .all(|a| a.hierarchy_group.is_none())
    {
        return Ok(Vec::new());
    }
    let groups = aws.hierarchy_groups(instance).await?;
    Ok(groups
        .into_iter()
        .map(|(name, id)| Named { id, name })
        .collect())
}

fn connect_user(u: UserRecord) -> ConnectUser {
    ConnectUser {
        id: u.id,
        arn: u.arn,
        username: u.username,
        first_name: u.first_name,
        last_name: u.last_name,
        security_profile_ids: u.security_profile_ids,
        routing_profile_id: u.routing_profile_id,
        hierarchy_group_id: u.hierarchy_group_id,
        tags: u.tags,
    }
}
