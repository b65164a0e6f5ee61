//! `connect.instance`: create a SAML instance and wait for it, wait for one being created, or
//! change its telephony settings (tagging an adopted one).

use std::time::{Duration, Instant};

use connect_sso_planner::Action;
use connect_sso_planner::payload::InstanceChange;

use super::Io;
use crate::Error;
use crate::observe::{Handles, read_instance, read_instance_contents};

/// How long to wait for a new Connect instance.
const INSTANCE_TIMEOUT: Duration = Duration::from_secs(15 * 60);

pub(super) async fn execute(io: &Io<'_>, action: Action, p: &InstanceChange) -> Result<(), Error> {
    match p {
        InstanceChange::Create {
            alias,
            inbound_calls,
            outbound_calls,
        } => {
            let id = io
                .aws
                .create_instance(alias, *inbound_calls, *outbound_calls, &io.created_tag())
                .await?;
            io.note(format!(
                "Connect instance {id} is being created; this takes a few minutes"
            ));
            wait_active(io, &id).await
        }
        InstanceChange::WaitActive { id } => {
            io.note(format!(
                "waiting for Connect instance {id} to become ACTIVE"
            ));
            wait_active(io, id).await
        }
        InstanceChange::Set {
            id,
            arn,
            inbound_calls,
            outbound_calls,
        } => {
            io.aws
                .set_calls(id, *inbound_calls, *outbound_calls)
                .await?;
            if action == Action::Adopt {
                io.aws.tag_connect_resource(arn, &io.adopted_tag()).await?;
            }
            Ok(())
        }
    }
}

async fn wait_active(io: &Io<'_>, id: &str) -> Result<(), Error> {
    let mut last_note = Instant::now();
    io.aws
        .wait_active(id, INSTANCE_TIMEOUT, |status, elapsed| {
            if last_note.elapsed() >= Duration::from_secs(10) {
                io.note(format!(
                    "instance {id}: {status} after {} s",
                    elapsed.as_secs()
                ));
                last_note = Instant::now();
            }
        })
        .await?;
    Ok(())
}

/// Read the instance again, and once it is active, its profiles and the administrator.
pub(super) async fn read_back(io: &Io<'_>, h: &mut Handles) -> Result<(), Error> {
    h.instance = read_instance(io.aws, io.spec).await?;
    read_instance_contents(io.aws, io.spec, h).await
}
