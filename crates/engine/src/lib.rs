//! The connect-sso engine: plan (a pure function of desired × observed), and, built on the
//! adapters, observe, apply and destroy (doctor, sync and login come next).

pub mod apply;
mod error;
pub mod login;
pub mod observe;
pub mod observed;
pub mod plan;
mod profiles;
mod render;
pub mod users;

pub use error::Error;
pub use observed::Observed;
pub use plan::{Action, Blocker, Change, Plan, Resource, Step, plan};
pub use render::render_plan;
