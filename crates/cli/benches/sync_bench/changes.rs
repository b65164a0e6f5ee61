//! The 5 % run's changes, made through Graph as people would make them: joiners (new users
//! added to "Connect Agents"), movers (from "Connect Agents" to "Connect Supervisors", so
//! another security profile) and leavers (taken out of "Connect Agents"; the spec deletes
//! leavers).

use std::collections::BTreeSet;

use super::world::{BenchWorld, GROUPS};

/// What was changed in Entra.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    /// New members.
    pub joiners: usize,
    /// Members moved to the other synced group.
    pub movers: usize,
    /// Members taken out of every synced group.
    pub leavers: usize,
}

impl Changes {
    /// All of them.
    pub fn total(&self) -> usize {
        self.joiners + self.movers + self.leavers
    }
}

/// Change `percent` % of the `created` users (what the first run created), about a third
/// each joiners, movers and leavers, picked evenly among the direct members of the first
/// synced group (members through a nested group are left alone).
pub fn make(w: &BenchWorld, created: &BTreeSet<String>, percent: usize) -> Result<Changes, String> {
    let k = (created.len() * percent).div_ceil(100).max(3);
    let plan = Changes {
        joiners: k / 3,
        movers: k / 3,
        leavers: k - 2 * (k / 3),
    };
    let g = w.graph()?;
    let agents = g.group_id(GROUPS[0])?;
    let supervisors = g.group_id(GROUPS[1])?;
    let path = format!("/groups/{agents}/members?$select=id,userPrincipalName&$top=999");
    let (members, _) = g.list(&path)?;
    let mut candidates: Vec<(String, String)> = members
        .iter()
        .filter_map(|m| Some((m["userPrincipalName"].as_str()?, m["id"].as_str()?)))
        .filter(|(upn, _)| created.contains(*upn))
        .map(|(upn, id)| (upn.to_string(), id.to_string()))
        .collect();
    candidates.sort();
    let picks = plan.movers + plan.leavers;
    if candidates.len() < picks {
        return Err(format!("only {} members to change", candidates.len()));
    }
    let step = candidates.len() / picks;
    for (i, (_, id)) in candidates.iter().step_by(step).take(picks).enumerate() {
        if i < plan.movers {
            g.add_member(&supervisors, id)?;
        }
        g.remove_member(&agents, id)?;
    }
    for n in 1..=plan.joiners {
        let upn = format!("joiner{n:05}@contoso.com");
        let id = g.create_user(&upn, "Joiner", &format!("{n:05}"))?;
        g.add_member(&agents, &id)?;
    }
    Ok(plan)
}
