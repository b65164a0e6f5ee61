//! Values a plan cannot know before apply, as types rather than placeholder strings.

use serde::{Deserialize, Serialize};

/// Something that exists only once an earlier step has run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unknown {
    /// The ID of the Connect instance that the plan creates.
    InstanceId,
    /// The thumbprint of the signing certificate that the plan creates.
    CertificateThumbprint,
}

impl Unknown {
    /// How the value is shown in a rendered plan until it is known.
    pub fn placeholder(self) -> &'static str {
        match self {
            Unknown::InstanceId => "<instance-id: known after apply>",
            Unknown::CertificateThumbprint => "<new certificate: known after apply>",
        }
    }
}

/// A value of a step's payload: known now, or known after an earlier step of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Planned<T> {
    /// Known when planning.
    Known(T),
    /// Known once the step that produces it has run.
    AfterApply(Unknown),
}

impl<T> Planned<T> {
    /// The value, or which unknown it waits for. The engine re-plans after every step, so a
    /// step it executes has only known values; a pending one is an internal inconsistency.
    pub fn known(&self) -> Result<&T, Unknown> {
        match self {
            Planned::Known(v) => Ok(v),
            Planned::AfterApply(u) => Err(*u),
        }
    }

    /// Apply `f` to a known value.
    pub fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Planned<U> {
        match self {
            Planned::Known(v) => Planned::Known(f(v)),
            Planned::AfterApply(u) => Planned::AfterApply(*u),
        }
    }
}

impl Planned<String> {
    /// The value, or its placeholder (for display only; nothing parses it back).
    pub fn shown(&self) -> String {
        match self {
            Planned::Known(v) => v.clone(),
            Planned::AfterApply(u) => u.placeholder().to_string(),
        }
    }
}

/// The value of a field after a change, as shown to people and in JSON: a string, or an object
/// naming what it waits for together with how it reads until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Shown {
    /// Known now.
    Known(String),
    /// Known after apply.
    Pending {
        /// What it waits for.
        known_after_apply: Unknown,
        /// How it reads until then, with the placeholder in place of the unknown part.
        shown: String,
    },
}

impl Shown {
    /// A value that contains `unknown`, rendered by `render` with the unknown's placeholder
    /// (or the known value) in its place.
    pub fn of(value: &Planned<String>, render: impl FnOnce(&str) -> String) -> Shown {
        match value {
            Planned::Known(v) => Shown::Known(render(v)),
            Planned::AfterApply(u) => Shown::Pending {
                known_after_apply: *u,
                shown: render(u.placeholder()),
            },
        }
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Known(s) | Shown::Pending { shown: s, .. } => f.write_str(s),
        }
    }
}

impl From<String> for Shown {
    fn from(s: String) -> Self {
        Shown::Known(s)
    }
}

impl From<&str> for Shown {
    fn from(s: &str) -> Self {
        Shown::Known(s.to_string())
    }
}
