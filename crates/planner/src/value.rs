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
    /// The application (client) ID of the Entra app that the plan creates.
    AppId,
    /// The signing certificate of Identity Center's application (made in its console).
    ApplicationCertificate,
}

impl Unknown {
    /// How the value is shown in a rendered plan until it is known.
    pub fn placeholder(self) -> &'static str {
        match self {
            Unknown::InstanceId => "<instance-id: known after apply>",
            Unknown::CertificateThumbprint => "<new certificate: known after apply>",
            Unknown::AppId => "<app-id: known after apply>",
            Unknown::ApplicationCertificate => {
                "<the Identity Center application's certificate: known after its console step>"
            }
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

/// The value of a field in a plan's changes, typed as in JSON: what `--json` prints and what
/// the text rendering shows (strings bare, lists as `["a", "b"]`, documents as one line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum FieldValue {
    /// A flag (`appRoleAssignmentRequired`, inbound calls).
    Bool(bool),
    /// A number (`MaxSessionDuration` in seconds).
    Int(i64),
    /// Text (a URL, an ARN, a thumbprint, a name).
    Text(String),
    /// A list of strings (`identifierUris`, security profiles).
    List(Vec<String>),
    /// A JSON document (an IAM policy, a claims-mapping policy).
    Document(serde_json::Map<String, serde_json::Value>),
}

impl std::fmt::Display for FieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Int(n) => write!(f, "{n}"),
            FieldValue::Text(s) => f.write_str(s),
            FieldValue::List(items) => f.write_str(&crate::context::list(items)),
            FieldValue::Document(m) => {
                let text = serde_json::to_string(m).map_err(|_| std::fmt::Error)?;
                f.write_str(&text)
            }
        }
    }
}

impl From<bool> for FieldValue {
    fn from(b: bool) -> Self {
        FieldValue::Bool(b)
    }
}

impl From<u32> for FieldValue {
    fn from(n: u32) -> Self {
        FieldValue::Int(i64::from(n))
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_string())
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}

impl From<&String> for FieldValue {
    fn from(s: &String) -> Self {
        FieldValue::Text(s.clone())
    }
}

impl From<&[String]> for FieldValue {
    fn from(items: &[String]) -> Self {
        FieldValue::List(items.to_vec())
    }
}

impl From<Vec<String>> for FieldValue {
    fn from(items: Vec<String>) -> Self {
        FieldValue::List(items)
    }
}

/// A JSON value as the closest field value: a document stays a document; what is no field
/// value (`null`, a fraction, a mixed list) is shown as its JSON text.
impl From<serde_json::Value> for FieldValue {
    fn from(v: serde_json::Value) -> Self {
        use serde_json::Value as J;
        match v {
            J::Bool(b) => FieldValue::Bool(b),
            J::String(s) => FieldValue::Text(s),
            J::Object(m) => FieldValue::Document(m),
            J::Number(ref n) if n.is_i64() => FieldValue::Int(n.as_i64().unwrap_or_default()),
            J::Array(ref items) if items.iter().all(J::is_string) => FieldValue::List(
                items
                    .iter()
                    .filter_map(J::as_str)
                    .map(str::to_string)
                    .collect(),
            ),
            other => FieldValue::Text(other.to_string()),
        }
    }
}

impl From<&serde_json::Value> for FieldValue {
    fn from(v: &serde_json::Value) -> Self {
        FieldValue::from(v.clone())
    }
}

/// The value of a field after a change, as shown to people and in JSON: a typed value, or an
/// object naming what it waits for together with how it reads until then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Shown {
    /// Known after apply. (First, so that reading JSON back tries it before a document.)
    Pending {
        /// What it waits for.
        known_after_apply: Unknown,
        /// How it reads until then, with the placeholder in place of the unknown part.
        shown: FieldValue,
    },
    /// Known now.
    Known(FieldValue),
}

impl Shown {
    /// A value that contains `unknown`, rendered by `render` with the unknown's placeholder
    /// (or the known value) in its place.
    pub fn of<V: Into<FieldValue>>(
        value: &Planned<String>,
        render: impl FnOnce(&str) -> V,
    ) -> Shown {
        match value {
            Planned::Known(v) => Shown::Known(render(v).into()),
            Planned::AfterApply(u) => Shown::Pending {
                known_after_apply: *u,
                shown: render(u.placeholder()).into(),
            },
        }
    }
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Known(v) | Shown::Pending { shown: v, .. } => v.fmt(f),
        }
    }
}

impl<V: Into<FieldValue>> From<V> for Shown {
    fn from(v: V) -> Self {
        Shown::Known(v.into())
    }
}
