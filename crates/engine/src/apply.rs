//! Apply: take the world to the spec, one step at a time.
//!
//! Apply observes once and plans. Then for each step it runs the step, reads back only what
//! that step changed (through the resource's I/O module), and plans again from the updated
//! snapshot: the step's postcondition is that the new plan no longer has a step for that
//! resource. A postcondition that fails is read back again with a growing pause (eventual
//! consistency, stale reads), and only when that runs out does apply observe everything again;
//! if the step still comes back, apply stops with [`Error::NoProgress`].
//!
//! Every step is therefore decided on the current state, so an apply that was killed at any
//! point simply continues where the world is (nothing is created twice: everything is found by
//! name or tag before it is created), and a second apply makes no mutating call at all.
//! A `manual` step stops apply with [`Error::Manual`]; the next run continues once the
//! observation shows it done.

use std::time::{Duration, Instant};

use connect_sso_aws::Aws;
use connect_sso_entra::Graph;
use connect_sso_planner::{Action, Plan, Resource, Step, plan};
use connect_sso_spec::Spec;
use time::OffsetDateTime;

use crate::Error;
use crate::identity_center::{UrlMap, observe_identity_center};
use crate::observe::{Snapshot, observe};
use crate::resources::{self, Io};

pub use crate::destroy::{DestroyItem, DestroyPlan, destroy, destroy_plan};

/// Progress events, for the CLI to show on stderr.
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A step starts.
    StepStarted(&'a Step),
    /// A step finished (the time includes reading back what it changed).
    StepDone(&'a Step, Duration),
    /// Something worth telling while a step runs (waiting for an instance, …).
    Note(String),
}

/// What an apply did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ApplyReport {
    /// Steps executed, in order.
    pub executed: Vec<Step>,
    /// The Connect instance ID at the end.
    pub instance_id: Option<String>,
    /// The Entra application (client) ID at the end.
    pub app_id: Option<String>,
}

/// The clock the engine judges certificate validity by.
pub type Clock = dyn Fn() -> OffsetDateTime + Send + Sync;

fn system_clock() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The two sides the engine acts on, and its clock.
pub struct Clients<'a> {
    /// Microsoft Graph.
    pub graph: &'a Graph,
    /// AWS.
    pub aws: &'a Aws,
    /// What time it is (the system clock, or a test's).
    pub clock: &'a Clock,
    /// How long a step's postcondition is read back before apply observes everything again.
    pub settle_timeout: Duration,
    /// The management account's IAM Identity Center (brokered topology).
    pub identity_center: Option<&'a Aws>,
    /// Where a real URL is fetched (the sandbox maps cloud URLs to its own).
    pub url_map: &'a UrlMap,
    /// Reads an environment variable (a secret the spec names by variable, such as the SCIM
    /// token); tests give their own.
    pub env: &'a Env,
}

/// Reads an environment variable.
pub type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn same_url(url: &str) -> String {
    url.to_string()
}

/// How long Graph may take to show a change (replication, stale reads).
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(120);

impl<'a> Clients<'a> {
    /// Both sides, with the system clock.
    pub fn new(graph: &'a Graph, aws: &'a Aws) -> Self {
        Clients {
            graph,
            aws,
            clock: &system_clock,
            settle_timeout: SETTLE_TIMEOUT,
            identity_center: None,
            url_map: &same_url,
            env: &process_env,
        }
    }

    /// Reach IAM Identity Center (the brokered topology's management account) through `ic`,
    /// fetching real URLs where `url_map` says.
    pub fn with_identity_center(mut self, ic: &'a Aws, url_map: &'a UrlMap) -> Self {
        self.identity_center = Some(ic);
        self.url_map = url_map;
        self
    }

    /// Read and plan with `clock` instead of the system's.
    pub fn with_clock(mut self, clock: &'a Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Read environment variables through `env` instead of the process's.
    pub fn with_env(mut self, env: &'a Env) -> Self {
        self.env = env;
        self
    }

    /// Give up on a postcondition after `timeout` (tests of a change that never shows).
    pub fn with_settle_timeout(mut self, timeout: Duration) -> Self {
        self.settle_timeout = timeout;
        self
    }

    /// Observe both sides.
    pub async fn observe(&self, spec: &Spec) -> Result<Snapshot, Error> {
        let mut snap = observe(self.graph, self.aws, spec).await?;
        if let (Some(ic), Some(_)) = (self.identity_center, &spec.identity_center) {
            snap.handles.ic = observe_identity_center(ic, spec, self.url_map).await?;
            snap.handles.provisioning_jobs =
                crate::identity_center::read_provisioning_jobs(self.graph, spec, &snap.handles)
                    .await?;
            snap.refresh();
        }
        Ok(snap)
    }

    /// The plan for `snap` now.
    pub fn plan(&self, spec: &Spec, snap: &Snapshot) -> Plan {
        plan(spec, &snap.observed, (self.clock)())
    }
}

/// Apply `spec`. When `expected` is given (a saved plan), the fresh plan must equal it, or
/// nothing is done ([`Error::StalePlan`]).
pub async fn apply(
    clients: &Clients<'_>,
    spec: &Spec,
    expected: Option<&Plan>,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<ApplyReport, Error> {
    let snap = clients.observe(spec).await?;
    apply_observed(clients, spec, snap, expected, on_event).await
}

/// [`apply`] from a snapshot the caller has just observed (to show the plan first without
/// reading everything twice).
pub async fn apply_observed(
    clients: &Clients<'_>,
    spec: &Spec,
    mut snap: Snapshot,
    expected: Option<&Plan>,
    on_event: &(dyn Fn(Event<'_>) + Sync),
) -> Result<ApplyReport, Error> {
    let io = Io {
        graph: clients.graph,
        aws: clients.aws,
        identity_center: clients.identity_center,
        url_map: clients.url_map,
        env: clients.env,
        spec,
        on_event,
    };
    let mut p = clients.plan(spec, &snap);
    if expected.is_some_and(|saved| saved != &p) {
        return Err(Error::StalePlan);
    }
    let mut report = ApplyReport::default();
    loop {
        if let Some(b) = p.blockers.first() {
            return Err(Error::Blocked {
                message: format!("{}: {}", b.resource, b.message),
                hint: b.hint.clone(),
            });
        }
        let Some(step) = p.steps.first().cloned() else {
            report.instance_id = snap.handles.instance.as_ref().map(|i| i.id.clone());
            report.app_id = snap.handles.app().map(|a| a.app.app_id.clone());
            return Ok(report);
        };
        if step.action == Action::Manual {
            return Err(Error::Manual {
                step: Box::new(step),
                done: report.executed.len(),
            });
        }
        on_event(Event::StepStarted(&step));
        tracing::info!(resource = %step.resource, action = ?step.action, "step: {}", step.reason);
        let started = Instant::now();
        resources::execute(&io, &snap.handles, &step).await?;
        p = settle(clients, &io, &mut snap, &step).await?;
        on_event(Event::StepDone(&step, started.elapsed()));
        report.executed.push(step);
    }
}

/// Does `p` still want to change `resource` (the postcondition of a step on it failed)?
fn still_wants(p: &Plan, resource: Resource) -> bool {
    p.steps
        .iter()
        .any(|s| s.resource == resource && s.action != Action::Manual)
}

/// Read back what `step` changed until the plan no longer wants to change its resource; then
/// (only if that never happens) observe everything once more.
async fn settle(
    clients: &Clients<'_>,
    io: &Io<'_>,
    snap: &mut Snapshot,
    step: &Step,
) -> Result<Plan, Error> {
    let deadline = Instant::now() + clients.settle_timeout;
    let mut pause = Duration::from_millis(250);
    let mut told = false;
    loop {
        resources::read_back(io, &mut snap.handles, step.resource).await?;
        snap.refresh();
        let p = clients.plan(io.spec, snap);
        if !still_wants(&p, step.resource) {
            tracing::debug!(resource = %step.resource, "read back: the change shows");
            return Ok(p);
        }
        tracing::debug!(resource = %step.resource, pause_ms = pause.as_millis() as u64, "read back: the change does not show yet");
        if Instant::now() + pause > deadline {
            break;
        }
        if !told {
            io.note(format!(
                "{} does not show the change yet; reading it again (replication can take a \
                 while)",
                step.resource
            ));
            told = true;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
    tracing::info!(resource = %step.resource, "the change still does not show; reading everything again");
    *snap = clients.observe(io.spec).await?;
    let p = clients.plan(io.spec, snap);
    if still_wants(&p, step.resource) {
        return Err(Error::NoProgress {
            step: step.resource.to_string(),
            reason: step.reason.clone(),
        });
    }
    Ok(p)
}
