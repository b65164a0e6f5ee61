//! Run a diff's changes concurrently; each AWS API is paced on its own.

use std::sync::atomic::{AtomicUsize, Ordering};

use connect_sso_aws::Aws;
use connect_sso_aws::connect::NewUser;
use connect_sso_planner::users::{UserChange, UserOp};
use connect_sso_spec::Spec;
use futures_util::StreamExt as _;

use super::{Prepared, SyncEvent, SyncFailure, SyncOptions, SyncReport};
use crate::Error;

/// Apply the prepared diff: refused by the mass-removal guard unless `opts.force`. A change
/// that fails is reported and the others go on (the next run tries it again).
pub async fn execute(
    aws: &Aws,
    spec: &Spec,
    prepared: &Prepared,
    opts: &SyncOptions,
    on_event: &(dyn Fn(SyncEvent<'_>) + Sync),
) -> Result<SyncReport, Error> {
    if let Some(why) = prepared.diff.guard(&spec.sync).filter(|_| !opts.force) {
        return Err(Error::Blocked {
            message: format!("sync refused: {why}"),
            hint: "check that the synced groups are right in Entra; if these leavers are real, \
                   run again with --force, or raise [sync] max_removals / max_removal_percent"
                .into(),
        });
    }
    let changes = &prepared.diff.changes;
    let total = changes.len();
    let done = AtomicUsize::new(0);
    let results: Vec<_> = futures_util::stream::iter(changes)
        .map(|c| {
            let done = &done;
            async move {
                let r = run_change(aws, &prepared.instance_id, c).await;
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                match &r {
                    Ok(()) => on_event(SyncEvent::Done {
                        change: c,
                        done: n,
                        total,
                    }),
                    Err(e) => on_event(SyncEvent::Failed {
                        change: c,
                        error: e,
                    }),
                }
                (c, r)
            }
        })
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut report = SyncReport {
        applied: 0,
        calls: 0,
        failed: Vec::new(),
    };
    for (c, r) in results {
        match r {
            Ok(()) => {
                report.applied += 1;
                report.calls += c.ops.len();
            }
            Err(e) => report.failed.push(SyncFailure {
                username: c.username.clone(),
                kind: c.kind,
                error: e.to_string(),
            }),
        }
    }
    Ok(report)
}

/// One change's calls, in order.
async fn run_change(aws: &Aws, instance: &str, c: &UserChange) -> Result<(), Error> {
    let creates = matches!(c.ops.first(), Some(UserOp::Create { .. }));
    let (id, arn) = match (&c.user_id, &c.arn) {
        (Some(id), Some(arn)) => (id.as_str(), arn.as_str()),
        _ if creates => ("", ""),
        _ => {
            return Err(Error::Inconsistent(format!(
                "the change to {} has no user ID (a bug in connect-sso)",
                c.username
            )));
        }
    };
    let user = Target { instance, id, arn };
    for op in &c.ops {
        run_op(aws, &user, c, op).await?;
    }
    Ok(())
}

/// Where a change's calls go.
struct Target<'a> {
    instance: &'a str,
    id: &'a str,
    arn: &'a str,
}

async fn run_op(aws: &Aws, t: &Target<'_>, c: &UserChange, op: &UserOp) -> Result<(), Error> {
    match op {
        UserOp::Create {
            first_name,
            last_name,
            security_profiles,
            routing_profile,
            tags,
        } => {
            let tags = pairs(tags);
            let user = NewUser {
                username: &c.username,
                first_name,
                last_name,
                security_profile_ids: security_profiles.iter().map(|p| p.id.clone()).collect(),
                routing_profile_id: &routing_profile.id,
            };
            aws.create_user(t.instance, &user, &tags).await.map(drop)?;
        }
        UserOp::SetNames {
            first_name,
            last_name,
        } => {
            aws.set_names(t.instance, t.id, first_name, last_name)
                .await?
        }
        UserOp::SetSecurityProfiles { profiles } => {
            let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
            aws.set_security_profiles(t.instance, t.id, &ids).await?;
        }
        UserOp::SetRoutingProfile { profile } => {
            aws.set_routing_profile(t.instance, t.id, &profile.id)
                .await?;
        }
        UserOp::Tag { tags } => {
            let tags = pairs(tags);
            aws.tag_connect_resource(t.arn, &tags).await?;
        }
        UserOp::Untag { keys } => aws.untag_connect_resource(t.arn, keys).await?,
        UserOp::Delete => aws.delete_user(t.instance, t.id).await?,
    }
    Ok(())
}

/// Tags as the adapter takes them.
fn pairs(tags: &std::collections::BTreeMap<String, String>) -> Vec<(&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
