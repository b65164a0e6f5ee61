//! Persisting AWS state to `Config::state_file` (JSON). The file may be shared with other
//! parts of the sandbox: each part owns one top-level key (`"aws"` here) and
//! [`update_section`] rewrites only that key, atomically (temporary file + rename).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{iam::Iam, sts::Sts};

/// The top-level key of the AWS part.
pub const SECTION: &str = "aws";

/// What the AWS part saves.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// IAM.
    pub iam: Iam,
    /// STS issued sessions.
    pub sts: Sts,
    /// Amazon Connect (instances, users, profiles, federation sessions).
    pub connect: Option<super::connect::ConnectData>,
    /// IAM Identity Center (identity source, applications and their keys, assignments, the
    /// identity store and SCIM token digests; not the portal sessions). Absent from state
    /// files written before it was saved.
    #[serde(default)]
    pub identity_center: super::identity_center::IdentityCenter,
}

/// The state file.
#[derive(Debug, Clone)]
pub struct StateFile {
    path: PathBuf,
}

/// Serialises writers of state files in this process (every part of the sandbox).
static WRITE_LOCK: Mutex<()> = Mutex::new(());

/// Replace the top-level `key` of the JSON object in `path` with `value`, keeping the other
/// keys, atomically (write a temporary file beside it, then rename over it).
pub fn update_section(path: &Path, key: &str, value: serde_json::Value) -> std::io::Result<()> {
    let _guard = WRITE_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut doc = match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .filter(serde_json::Value::is_object)
            .unwrap_or_else(|| serde_json::json!({})),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::json!({}),
        Err(e) => return Err(e),
    };
    if let Some(obj) = doc.as_object_mut() {
        obj.insert(key.to_string(), value);
    }
    let bytes = serde_json::to_vec_pretty(&doc).map_err(std::io::Error::other)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state.json".into());
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Read the top-level `key` of the JSON object in `path` (`None` if the file or key is absent).
pub fn read_section(path: &Path, key: &str) -> anyhow::Result<Option<serde_json::Value>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(anyhow::anyhow!(
                "cannot read the sandbox state file {}: {e}",
                path.display()
            ));
        }
    };
    let doc: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "the sandbox state file {} is not valid JSON ({e}); fix or delete it",
            path.display()
        )
    })?;
    Ok(doc.get(key).cloned())
}

impl StateFile {
    /// A state file at `path`.
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
    /// Load the AWS part, if the file and the key exist.
    pub fn load(&self) -> anyhow::Result<Option<Snapshot>> {
        match read_section(&self.path, SECTION)? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v).map(Some).map_err(|e| {
                anyhow::anyhow!(
                    "the \"aws\" part of the sandbox state file {} is not readable ({e}); fix or delete it",
                    self.path.display()
                )
            }),
        }
    }
    /// Save the AWS part.
    pub fn save(&self, snapshot: &Snapshot) -> std::io::Result<()> {
        let v = serde_json::to_value(snapshot).map_err(std::io::Error::other)?;
        update_section(&self.path, SECTION, v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_of_other_parts_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        update_section(&path, "entra", serde_json::json!({"tenants": 1})).expect("write");
        let f = StateFile::new(path.clone());
        f.save(&Snapshot::default()).expect("save");
        assert_eq!(
            read_section(&path, "entra").expect("read"),
            Some(serde_json::json!({"tenants": 1}))
        );
        assert!(f.load().expect("load").is_some());
    }

    #[test]
    fn a_state_file_from_before_identity_center_was_saved_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        let mut old = serde_json::to_value(Snapshot::default()).expect("snapshot");
        old.as_object_mut()
            .expect("object")
            .remove("identity_center");
        update_section(&path, SECTION, old).expect("write");
        let loaded = StateFile::new(path)
            .load()
            .expect("load")
            .expect("aws part");
        assert!(loaded.identity_center.applications.is_empty());
        assert!(loaded.identity_center.identity_source.is_none());
    }

    #[test]
    fn a_corrupt_state_file_is_reported_not_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{not json").expect("write");
        let err = StateFile::new(path).load().expect_err("corrupt");
        assert!(err.to_string().contains("not valid JSON"));
    }
}
