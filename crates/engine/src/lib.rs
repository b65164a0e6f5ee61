//! The connect-sso engine: plan (a pure function of desired × observed), and, built on the
//! adapters, apply, doctor, sync and login.

pub mod observed;
pub mod plan;
mod render;

pub use observed::Observed;
pub use plan::{Action, Blocker, Change, Plan, Resource, Step, plan};
pub use render::render_plan;
