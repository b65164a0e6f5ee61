//! Microsoft Entra ID emulation: token endpoint, Graph subset, federation metadata, SAML IdP.

use std::sync::Arc;

use crate::{Config, State};

/// Entra-side state.
pub struct EntraState {}

impl EntraState {
    /// Fresh state (seeded per `config`, or loaded from `config.state_file`).
    pub fn new(_config: &Config) -> anyhow::Result<Self> {
        Ok(Self {})
    }
}

/// Routes under `/entra`.
pub fn router(state: Arc<State>) -> axum::Router {
    axum::Router::new().with_state(state)
}
