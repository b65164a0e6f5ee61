//! The output contract: every `--json` document has a JSON Schema generated from its type and
//! checked into docs/schemas/, the checked-in schemas are current, and real outputs validate
//! against them (checked by Python's `jsonschema`, an independent validator).

use std::path::Path;

use connect_sso_testkit::{peer, skip_unless_peer};

use crate::common::{run, workspace_root};
use crate::world::World;

/// (`spec schema --of` name, file under docs/schemas/).
const SCHEMAS: &[(&str, &str)] = &[
    ("spec", "spec.schema.json"),
    ("plan", "plan.schema.json"),
    ("saved-plan", "saved-plan.schema.json"),
    ("apply", "apply.schema.json"),
    ("destroy", "destroy.schema.json"),
    ("login", "login.schema.json"),
    ("sync", "sync.schema.json"),
    ("sync-round", "sync-round.schema.json"),
    ("error", "error.schema.json"),
];

#[test]
fn checked_in_schemas_are_current() {
    let dir = workspace_root().join("docs/schemas");
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    for (of, file) in SCHEMAS {
        let out = run(&["spec", "schema", "--of", of]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let path = dir.join(file);
        if update {
            std::fs::write(&path, &out.stdout).expect("write schema");
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == out.stdout,
            "docs/schemas/{file} is not current: run `UPDATE_SCHEMAS=1 cargo test -p connect-sso \
             --test cli output_schemas` and commit the result"
        );
    }
}

/// Validate `doc` against docs/schemas/`schema` with the venv's `jsonschema`.
pub(crate) fn assert_valid(python: &Path, doc: &str, schema: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let instance = dir.path().join("doc.json");
    std::fs::write(&instance, doc).expect("write doc");
    let schema_path = workspace_root().join("docs/schemas").join(schema);
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             doc = json.load(open(sys.argv[1])); schema = json.load(open(sys.argv[2]))\n\
             jsonschema.validate(doc, schema)",
        )
        .arg(&instance)
        .arg(&schema_path)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{schema}: {}\n{doc}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_json_output_validates_against_its_checked_in_schema() {
    let python = skip_unless_peer!(peer::venv_python(&["jsonschema"]));
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let plan = w.run(&["plan", "--json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_valid(&python, &plan.stdout, "plan.schema.json");
    assert_eq!(w.run(&["plan", "--out", "saved.json"]).code, 0);
    let saved = std::fs::read_to_string(w.path().join("saved.json")).expect("saved plan");
    assert_valid(&python, &saved, "saved-plan.schema.json");
    let shown = w.run_plain(&["show", "saved.json", "--json"]);
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    assert_valid(&python, &shown.stdout, "saved-plan.schema.json");
    let applied = w.run(&["apply", "--yes", "--json"]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert_valid(&python, &applied.stdout, "apply.schema.json");
    // A failure under --json (the saved plan is stale now).
    let stale = w.run(&["apply", "saved.json", "--json"]);
    assert_eq!(stale.code, 1, "{}", stale.stderr);
    assert_valid(&python, &stale.stdout, "error.schema.json");
    let destroyed = w.run(&["destroy", "--yes", "--json"]);
    assert_eq!(destroyed.code, 0, "{}", destroyed.stderr);
    assert_valid(&python, &destroyed.stdout, "destroy.schema.json");
    // Resources are named by address, as in plans; which one is a separate field.
    let destroyed: serde_json::Value = serde_json::from_str(&destroyed.stdout).expect("JSON");
    assert_eq!(
        destroyed["deleted"][0]["resource"], "entra.app",
        "{destroyed}"
    );
    assert_eq!(
        destroyed["kept"][0]["resource"], "connect.admin",
        "{destroyed}"
    );
    let spec = std::fs::read_to_string(w.path().join("connect-sso.toml")).expect("spec");
    let spec: toml::Value = toml::from_str(&spec).expect("TOML");
    let spec = serde_json::to_string(&spec).expect("as JSON");
    assert_valid(&python, &spec, "spec.schema.json");
}

#[test]
fn login_json_validates_signed_in_and_refused() {
    let python = skip_unless_peer!(peer::venv_python(&["jsonschema"]));
    let w = World::start();
    w.init_and_apply();
    let bob = w.run(&["login", "--user", "bob@contoso.com", "--json"]);
    assert_eq!(bob.code, 0, "{}", bob.stderr);
    assert_valid(&python, &bob.stdout, "login.schema.json");
    // carol is in no assigned group: Entra refuses her; still one JSON document on stdout.
    let carol = w.run(&["login", "--user", "carol@contoso.com", "--json"]);
    assert_eq!(carol.code, 1, "{}", carol.stderr);
    assert_valid(&python, &carol.stdout, "login.schema.json");
    let refused: serde_json::Value = serde_json::from_str(&carol.stdout).expect("one document");
    assert_eq!(refused["signed_in"], false, "{refused}");
    assert_eq!(refused["error"]["hop"], "idp-credentials", "{refused}");
}

#[test]
fn apply_json_stopped_at_a_manual_step_validates() {
    let python = skip_unless_peer!(peer::venv_python(&["jsonschema"]));
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let spec = w.path().join("connect-sso.toml");
    let text = std::fs::read_to_string(&spec).expect("spec");
    let text = text.replacen(
        "[entra]\n",
        "[entra]\nbasic_saml_configuration = \"console\"\n",
        1,
    );
    std::fs::write(&spec, text).expect("write spec");
    let stopped = w.run(&["apply", "--yes", "--json"]);
    assert_eq!(stopped.code, 3, "{}", stopped.stderr);
    assert_valid(&python, &stopped.stdout, "apply.schema.json");
    let doc: serde_json::Value = serde_json::from_str(&stopped.stdout).expect("JSON");
    assert_eq!(doc["status"], "manual", "{doc}");
    assert_eq!(doc["step"]["action"], "manual", "{doc}");
}

#[test]
fn sync_json_validates_dry_run_and_applied() {
    let python = skip_unless_peer!(peer::venv_python(&["jsonschema"]));
    let w = World::start();
    w.init_and_apply();
    let dry = w.run(&["sync", "--dry-run", "--json"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert_valid(&python, &dry.stdout, "sync.schema.json");
    let synced = w.run(&["sync", "--yes", "--json"]);
    assert_eq!(synced.code, 0, "{}", synced.stderr);
    assert_valid(&python, &synced.stdout, "sync.schema.json");
    let synced: serde_json::Value = serde_json::from_str(&synced.stdout).expect("one document");
    assert!(synced["result"]["applied"].as_u64() > Some(0), "{synced}");
}
