/// What can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Talking to Entra failed.
    #[error(transparent)]
    Entra(#[from] connect_sso_entra::Error),
    /// Talking to AWS failed.
    #[error(transparent)]
    Aws(#[from] connect_sso_aws::Error),
    /// The world changed since the saved plan was made.
    #[error("the saved plan is stale: Entra or AWS changed since it was made")]
    StalePlan,
    /// Something must be fixed by a person first.
    #[error("{message}")]
    Blocked {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: String,
    },
    /// A step ran but the next observation shows it again (an API accepted a change it did not make).
    #[error("{step} did not take effect: {reason}")]
    NoProgress {
        /// The step.
        step: String,
        /// Its reason.
        reason: String,
    },
    /// Apply reached a step a person does in a console (exit code 3 in the CLI): it carries the
    /// console and the exact values; the next apply verifies it and continues.
    #[error("{} needs a person: {}", step.resource, step.reason)]
    Manual {
        /// The manual step.
        step: Box<connect_sso_planner::Step>,
        /// How many steps this run executed before it.
        done: usize,
    },
    /// The observed state contradicts the plan (changed under our feet).
    #[error("{0}")]
    Inconsistent(String),
}

impl Error {
    /// A hint for a person.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Entra(e) => e.hint().map(str::to_string),
            Error::Aws(e) => e.hint().map(str::to_string),
            Error::StalePlan => Some("run `connect-sso plan` again and review the new plan".into()),
            Error::Blocked { hint, .. } => Some(hint.clone()),
            Error::NoProgress { .. } => Some(
                "another process may be changing the same resource; run `connect-sso plan` to \
                 see what differs"
                    .into(),
            ),
            Error::Inconsistent(_) => Some("run `connect-sso apply` again".into()),
            Error::Manual { .. } => Some(
                "do it in the console with the values above, then run `connect-sso apply` again: \
                 it verifies the step and continues"
                    .into(),
            ),
        }
    }
}
