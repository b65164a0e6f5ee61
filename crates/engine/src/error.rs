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
            Error::NoProgress { .. } => {
                Some("run with RUST_LOG=debug and report the output".into())
            }
            Error::Inconsistent(_) => Some("run `connect-sso apply` again".into()),
        }
    }
}
