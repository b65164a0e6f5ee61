//! The connect-sso engine: observe both sides, and on the planner's steps, apply and destroy
//! (doctor, sync and login come next). The planner itself is the pure crate
//! `connect-sso-planner`, re-exported here.

pub mod apply;
mod certificates;
mod destroy;
mod error;
pub mod identity_center;
pub mod login;
pub mod observe;
mod profiles;
mod resources;
pub mod sync;

pub use connect_sso_planner as planner;
pub use connect_sso_planner::{
    Action, Blocker, Change, Observed, Plan, Resource, Step, observed, plan, render_plan,
};
pub use error::Error;
