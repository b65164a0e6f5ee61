//! Run a diff's changes concurrently; each AWS API is paced on its own.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use connect_sso_aws::Aws;
use connect_sso_aws::connect::NewUser;
use connect_sso_planner::users::{UserChange, UserOp};
use connect_sso_spec::Spec;
use futures_util::StreamExt as _;

use super::{Prepared, SyncEvent, SyncFailure, SyncOptions, SyncReport};
use crate::Error;

/// Apply the prepared diff: refused by the mass-removal guard unless `opts.force`. A change
/// that fails is reported and the others go on (the next run tries it again).
pub async fn execute<'a>(
    aws: &Aws,
    spec: &Spec,
    prepared: &'a Prepared,
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
    let total = prepared.diff.changes.len();
    let done = AtomicUsize::new(0);
    let runner = Runner::new(aws, &prepared.instance_id);
    let (email_said, limit_said) = (AtomicBool::new(false), AtomicBool::new(false));
    let run_one = |c: &'a UserChange| {
        let (done, runner) = (&done, &runner);
        let (email_said, limit_said) = (&email_said, &limit_said);
        async move {
            let r = runner.run_change(c).await;
            if runner.email_refused() && !email_said.swap(true, Ordering::SeqCst) {
                on_event(SyncEvent::EmailRefused);
            }
            if runner.user_limit_reached() && !limit_said.swap(true, Ordering::SeqCst) {
                on_event(SyncEvent::UserLimitReached);
            }
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
    };
    // One lane per API of a change's first call, all lanes at once: creates waiting for
    // CreateUser's quota never hold up deletes or updates, so the slowest API alone sets the
    // pace (each API is paced on its own, crates/aws/src/pacer.rs).
    let lanes = lanes(&prepared.diff.changes).into_values().map(|lane| {
        futures_util::stream::iter(lane)
            .map(run_one)
            .buffer_unordered(opts.concurrency.max(1))
            .collect::<Vec<_>>()
    });
    let results: Vec<_> = futures_util::future::join_all(lanes)
        .await
        .into_iter()
        .flatten()
        .collect();
    let mut report = SyncReport {
        applied: 0,
        calls: 0,
        failed: Vec::new(),
        email_refused: runner.email_refused(),
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

/// The changes by the API of their first call, each lane in the diff's order.
fn lanes(changes: &[UserChange]) -> std::collections::BTreeMap<&'static str, Vec<&UserChange>> {
    let mut out = std::collections::BTreeMap::<_, Vec<_>>::new();
    for c in changes {
        let api = c.ops.first().map_or("", UserOp::api);
        out.entry(api).or_default().push(c);
    }
    out
}

/// Runs changes' calls against one instance. Remembers whether the instance refused an
/// e-mail address: it is then left out of every later call.
pub(crate) struct Runner<'a> {
    aws: &'a Aws,
    instance: &'a str,
    email_off: AtomicBool,
    limit_reached: AtomicBool,
}

impl<'a> Runner<'a> {
    /// A runner for `instance`.
    pub(crate) fn new(aws: &'a Aws, instance: &'a str) -> Self {
        Self {
            aws,
            instance,
            email_off: AtomicBool::new(false),
            limit_reached: AtomicBool::new(false),
        }
    }

    /// Did the instance refuse an e-mail address (and were the users made without)?
    pub(crate) fn email_refused(&self) -> bool {
        self.email_off.load(Ordering::SeqCst)
    }

    /// Did CreateUser meet the instance's user quota (later creates are then not tried)?
    pub(crate) fn user_limit_reached(&self) -> bool {
        self.limit_reached.load(Ordering::SeqCst)
    }

    /// One change's calls, in order.
    pub(crate) async fn run_change(&self, c: &UserChange) -> Result<(), Error> {
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
        for op in &c.ops {
            self.run_op(id, arn, c, op).await?;
        }
        Ok(())
    }

    /// Run `call` with the e-mail address unless the instance refused one; on the refusal,
    /// remember it and run it again without.
    async fn with_email<F, Fut>(&self, email: Option<&str>, call: F) -> Result<(), Error>
    where
        F: Fn(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<(), connect_sso_aws::Error>>,
    {
        let email = email.filter(|_| !self.email_refused());
        match call(email.map(str::to_string)).await {
            Err(e) if email.is_some() && e.is_email_refused() => {
                self.email_off.store(true, Ordering::SeqCst);
                Ok(call(None).await?)
            }
            r => Ok(r?),
        }
    }

    async fn run_op(&self, id: &str, arn: &str, c: &UserChange, op: &UserOp) -> Result<(), Error> {
        let (aws, instance) = (self.aws, self.instance);
        match op {
            UserOp::Create { .. } => self.create(c, op).await?,
            UserOp::SetNames {
                first_name,
                last_name,
                email,
            } => {
                let names = (first_name.as_str(), last_name.as_str());
                self.with_email(email.as_deref(), |email| async move {
                    aws.set_names(instance, id, names, email.as_deref()).await
                })
                .await?;
            }
            UserOp::SetSecurityProfiles { profiles } => {
                let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
                aws.set_security_profiles(instance, id, &ids).await?;
            }
            UserOp::SetRoutingProfile { profile } => {
                aws.set_routing_profile(instance, id, &profile.id).await?;
            }
            UserOp::SetHierarchyGroup { group } => {
                aws.set_hierarchy_group(instance, id, &group.id).await?;
            }
            UserOp::Tag { tags } => aws.tag_connect_resource(arn, &pairs(tags)).await?,
            UserOp::Untag { keys } => aws.untag_connect_resource(arn, keys).await?,
            UserOp::Delete => aws.delete_user(instance, id).await?,
        }
        Ok(())
    }

    /// CreateUser with everything, tags included (a created user is managed from its first
    /// moment).
    async fn create(&self, c: &UserChange, op: &UserOp) -> Result<(), Error> {
        let UserOp::Create {
            first_name,
            last_name,
            security_profiles,
            routing_profile,
            hierarchy_group,
            email,
            tags,
        } = op
        else {
            return Ok(());
        };
        if self.user_limit_reached() {
            return Err(Error::Blocked {
                message: format!(
                    "{} was not created: the instance is at its user quota",
                    c.username
                ),
                hint: super::USER_LIMIT_HINT.into(),
            });
        }
        let tags = pairs(tags);
        let (aws, instance, tags) = (self.aws, self.instance, &tags);
        let made = self
            .with_email(email.as_deref(), |email| async move {
                let user = NewUser {
                    username: &c.username,
                    first_name,
                    last_name,
                    security_profile_ids: security_profiles.iter().map(|p| p.id.clone()).collect(),
                    routing_profile_id: &routing_profile.id,
                    hierarchy_group_id: hierarchy_group.as_ref().map(|h| h.id.as_str()),
                    email: email.as_deref(),
                };
                aws.create_user(instance, &user, tags).await.map(drop)
            })
            .await;
        if let Err(Error::Aws(e)) = &made
            && e.is_limit_exceeded()
        {
            self.limit_reached.store(true, Ordering::SeqCst);
        }
        made
    }
}

/// Tags as the adapter takes them.
fn pairs(tags: &std::collections::BTreeMap<String, String>) -> Vec<(&str, &str)> {
    tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
