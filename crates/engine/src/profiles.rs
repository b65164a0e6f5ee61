//! Connect security and routing profiles, named in the spec, resolved to the instance's IDs.

use std::collections::BTreeMap;

use crate::Error;

/// A profile named in the spec that the instance does not have.
pub(crate) struct MissingProfile {
    message: String,
    hint: String,
}

impl From<MissingProfile> for Error {
    fn from(m: MissingProfile) -> Self {
        Error::Blocked {
            message: m.message,
            hint: m.hint,
        }
    }
}

/// The profiles of one instance: name → ID.
pub(crate) struct Profiles<'a> {
    /// Instance ID (for messages).
    pub(crate) instance: &'a str,
    /// Security profiles.
    pub(crate) security: &'a BTreeMap<String, String>,
    /// Routing profiles.
    pub(crate) routing: &'a BTreeMap<String, String>,
}

impl Profiles<'_> {
    /// The IDs of `security` names and of the `routing` name. A missing name blocks, with a hint
    /// naming `whose` (the spec entry to fix) and the names the instance has.
    pub(crate) fn resolve(
        &self,
        security: &[String],
        routing: &str,
        whose: &str,
    ) -> Result<(Vec<String>, String), MissingProfile> {
        let blocked = |kind: &str, name: &str, have: &BTreeMap<String, String>| MissingProfile {
            message: format!("instance {} has no {kind} profile {name:?}", self.instance),
            hint: format!(
                "fix {whose}; the instance has: {}",
                have.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        let mut ids = Vec::new();
        for name in security {
            ids.push(
                self.security
                    .get(name)
                    .cloned()
                    .ok_or_else(|| blocked("security", name, self.security))?,
            );
        }
        let rp = self
            .routing
            .get(routing)
            .cloned()
            .ok_or_else(|| blocked("routing", routing, self.routing))?;
        Ok((ids, rp))
    }
}
