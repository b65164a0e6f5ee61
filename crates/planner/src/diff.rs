//! Structural diffs of JSON documents (IAM policies, claims-mapping policies), so a changed
//! policy reads as the lines that change instead of two one-line documents, and the principals
//! a trust policy lets in, for security warnings.

use std::collections::BTreeSet;

use serde_json::Value;

/// `path: value` for every leaf of `v` (`Statement[0].Principal.Federated: arn:…`).
fn leaves(v: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                leaves(child, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                leaves(child, &format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => out.push((path.to_string(), s.clone())),
        other => out.push((path.to_string(), other.to_string())),
    }
}

/// The lines that differ between two documents: `- path: old` and `+ path: new`, in path
/// order. Empty when they are equal.
pub fn json_diff(before: &Value, after: &Value) -> Vec<String> {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    leaves(before, "", &mut a);
    leaves(after, "", &mut b);
    let a: BTreeSet<(String, String)> = a.into_iter().collect();
    let b: BTreeSet<(String, String)> = b.into_iter().collect();
    let mut lines: Vec<(String, char, String)> = a
        .difference(&b)
        .map(|(p, v)| (p.clone(), '-', v.clone()))
        .chain(b.difference(&a).map(|(p, v)| (p.clone(), '+', v.clone())))
        .collect();
    lines.sort();
    lines
        .into_iter()
        .map(|(p, sign, v)| format!("{sign} {p}: {v}"))
        .collect()
}

/// The principals an IAM trust policy allows (`Federated arn:…`, `AWS arn:…`, `Service …`),
/// from its `Allow` statements.
pub fn trust_principals(policy: &Value) -> BTreeSet<String> {
    let statements = match &policy["Statement"] {
        Value::Array(items) => items.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    };
    let mut out = BTreeSet::new();
    for st in statements.into_iter().filter(|s| s["Effect"] == "Allow") {
        match &st["Principal"] {
            Value::Object(kinds) => {
                for (kind, ids) in kinds {
                    let ids = match ids {
                        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
                        Value::String(one) => vec![one.as_str()],
                        _ => Vec::new(),
                    };
                    out.extend(ids.into_iter().map(|id| format!("{kind} {id}")));
                }
            }
            Value::String(any) => {
                out.insert(format!("AWS {any}"));
            }
            _ => {}
        }
    }
    out
}
