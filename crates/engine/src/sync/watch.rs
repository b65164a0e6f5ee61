//! `sync --watch`: keep the Connect users in step with the groups. A Graph delta query on the
//! synced groups and their nested groups (`GET /groups/delta?$filter=id eq '…'&$select=members`)
//! is the cheap trigger; a full sync ([`prepare`] + [`execute`]) runs when it reports a change,
//! when its token is refused or expired, at the start, and every `full_every` rounds as a
//! safety net. The full read stays the only source of leavers: the delta never removes anyone.
//! The caller's `pause` runs between rounds, never inside one, so a stop there (Ctrl-C) never
//! interrupts a change.

use std::collections::BTreeMap;

use connect_sso_aws::Aws;
use connect_sso_entra::Graph;
use connect_sso_spec::Spec;
use serde::Serialize;

use super::read::synced_group_ids;
use super::{ChangeKind, Prepared, SyncEvent, SyncOptions, SyncReport, execute, prepare};
use crate::Error;

/// How `--watch` runs.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Run a full sync every this many rounds even if the delta query saw no change (at least 1).
    pub full_every: u64,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self { full_every: 30 }
    }
}

/// Why a round ran a full sync, or that it did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(tag = "trigger", rename_all = "kebab-case")]
pub enum Trigger {
    /// The first round.
    Start,
    /// The delta query saw changes in this many groups.
    Changes {
        /// Groups changed.
        groups: usize,
    },
    /// The delta query failed (an expired or refused token, or Graph unavailable).
    DeltaFailed {
        /// Why.
        delta_error: String,
    },
    /// Every `full_every` rounds.
    SafetyNet,
    /// The last full sync did not finish: try again.
    Retry,
    /// No change: no full sync.
    NoChange,
}

/// One round, as `--watch` reports it (one JSON line each with `--json`).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Round {
    /// Round number, from 1.
    pub round: u64,
    /// Why it ran a full sync, or not.
    #[serde(flatten)]
    pub trigger: Trigger,
    /// Changes planned, per kind (a full sync only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned: Option<BTreeMap<ChangeKind, usize>>,
    /// Members already right (a full sync only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<usize>,
    /// Members skipped (a full sync only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<usize>,
    /// What the changes did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<SyncReport>,
    /// Why the full sync did not run or stopped (read failure, removal guard); the watch goes on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Round {
    fn new(round: u64, trigger: Trigger) -> Self {
        Self {
            round,
            trigger,
            planned: None,
            unchanged: None,
            skipped: None,
            result: None,
            error: None,
        }
    }
}

/// What the watch keeps between rounds.
#[derive(Default)]
struct Tracking {
    /// Groups tracked (synced and nested).
    ids: Vec<String>,
    /// The delta links of the last round (`None`: a full sync is due).
    links: Option<Vec<String>>,
}

/// What the watch tells its caller.
pub struct WatchHooks<'a> {
    /// Progress of each change (as [`execute`]).
    pub on_event: &'a (dyn Fn(SyncEvent<'_>) + Sync),
    /// Each round, when it is over.
    pub on_round: &'a (dyn Fn(&Round) + Sync),
}

/// Run rounds until `pause` (called after each round with its number) returns `false`.
/// A round's failure is reported in its [`Round`] and the watch goes on.
pub async fn watch<P, F>(
    graph: &Graph,
    aws: &Aws,
    spec: &Spec,
    opts: &SyncOptions,
    w: &WatchOptions,
    hooks: WatchHooks<'_>,
    mut pause: P,
) -> Result<(), Error>
where
    P: FnMut(u64) -> F,
    F: std::future::Future<Output = bool>,
{
    let mut t = Tracking::default();
    let mut n = 0u64;
    loop {
        n += 1;
        let trigger = trigger(graph, &mut t, n, w).await;
        let mut round = Round::new(n, trigger);
        if round.trigger != Trigger::NoChange {
            full_sync(graph, aws, spec, opts, &mut t, &mut round, hooks.on_event).await;
        }
        (hooks.on_round)(&round);
        if !pause(n).await {
            return Ok(());
        }
    }
}

/// Ask the delta query whether anything changed since the last round.
async fn trigger(graph: &Graph, t: &mut Tracking, n: u64, w: &WatchOptions) -> Trigger {
    let Some(links) = t.links.take() else {
        return if n == 1 {
            Trigger::Start
        } else {
            Trigger::Retry
        };
    };
    match graph.group_changes(&links).await {
        Ok(c) => {
            t.links = Some(c.delta_links);
            if c.changed > 0 {
                Trigger::Changes { groups: c.changed }
            } else if n % w.full_every.max(1) == 0 {
                Trigger::SafetyNet
            } else {
                Trigger::NoChange
            }
        }
        Err(e) => Trigger::DeltaFailed {
            delta_error: e.to_string(),
        },
    }
}

/// Track the groups first (a change during the read shows in the next round), then read
/// everything and apply the diff.
async fn full_sync(
    graph: &Graph,
    aws: &Aws,
    spec: &Spec,
    opts: &SyncOptions,
    t: &mut Tracking,
    round: &mut Round,
    on_event: &(dyn Fn(SyncEvent<'_>) + Sync),
) {
    if let Err(e) = track(graph, spec, t).await {
        round.error = Some(e.to_string());
        return;
    }
    let prepared = match prepare(graph, aws, spec, opts).await {
        Ok(p) => p,
        Err(e) => {
            t.links = None;
            round.error = Some(e.to_string());
            return;
        }
    };
    if prepared.group_ids != t.ids {
        // Nested groups came or went: track the new set.
        t.ids.clone_from(&prepared.group_ids);
        if let Err(e) = track(graph, spec, t).await {
            round.error = Some(e.to_string());
        }
    }
    summarize(&prepared, round);
    if prepared.diff.is_empty() {
        return;
    }
    match execute(aws, spec, &prepared, opts, on_event).await {
        Ok(r) => round.result = Some(r),
        Err(e) => round.error = Some(e.to_string()),
    }
}

/// Start a delta query on the tracked groups (the synced ones when none are known yet).
async fn track(graph: &Graph, spec: &Spec, t: &mut Tracking) -> Result<(), Error> {
    t.links = None;
    if t.ids.is_empty() {
        t.ids = synced_group_ids(graph, spec).await?;
    }
    t.links = Some(graph.track_groups(&t.ids).await?);
    Ok(())
}

fn summarize(p: &Prepared, round: &mut Round) {
    round.planned = Some(p.diff.counts());
    round.unchanged = Some(p.diff.unchanged);
    round.skipped = Some(p.diff.skipped.len());
}
