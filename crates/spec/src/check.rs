//! One pass over a spec's text, so that `spec check` lists every problem at once: a syntax
//! error (the only one that stops everything), then every unknown field (with the nearest
//! known name), then the first type or missing-field error serde meets once the unknown
//! fields are set aside, then — when the spec deserialises — every rule.

use serde_json::Value;

use crate::Spec;
use crate::validate::{Locator, SpecError};

/// Known field names at one level of the spec, from its JSON Schema.
struct Level<'a> {
    root: &'a Value,
    node: &'a Value,
}

impl<'a> Level<'a> {
    /// Follow `$ref`, and take the object branch of `anyOf`/`oneOf` (an `Option`).
    fn resolve(root: &'a Value, mut node: &'a Value) -> &'a Value {
        for _ in 0..8 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                let name = r.trim_start_matches("#/$defs/");
                match root.get("$defs").and_then(|d| d.get(name)) {
                    Some(next) => node = next,
                    None => return node,
                }
            } else if let Some(branches) = node
                .get("anyOf")
                .or_else(|| node.get("oneOf"))
                .and_then(Value::as_array)
            {
                match branches
                    .iter()
                    .find(|b| b.get("type") != Some(&Value::from("null")))
                {
                    Some(next) => node = next,
                    None => return node,
                }
            } else {
                return node;
            }
        }
        node
    }

    fn of(root: &'a Value, node: &'a Value) -> Self {
        Level {
            root,
            node: Self::resolve(root, node),
        }
    }

    fn properties(&self) -> Option<&'a serde_json::Map<String, Value>> {
        self.node.get("properties").and_then(Value::as_object)
    }
}

/// Every key of `table` the schema does not know, as (dotted path for the locator, key,
/// nearest known key), recursing into known tables, arrays of tables and maps.
fn unknown_keys(
    table: &toml::Table,
    level: &Level<'_>,
    path: &str,
    out: &mut Vec<(String, String, Option<String>)>,
) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    let Some(props) = level.properties() else {
        // A map (e.g. aws.rate_limits): any key; check the values' fields.
        if let Some(values) = level.node.get("additionalProperties") {
            let inner = Level::of(level.root, values);
            for (k, v) in table {
                if let toml::Value::Table(t) = v {
                    unknown_keys(t, &inner, &join(k), out);
                }
            }
        }
        return;
    };
    for (k, v) in table {
        let Some(schema) = props.get(k) else {
            let near = crate::regions::nearest(k, props.keys().map(String::as_str));
            out.push((join(k), k.clone(), near.map(str::to_string)));
            continue;
        };
        let child = Level::of(level.root, schema);
        match v {
            toml::Value::Table(t) => unknown_keys(t, &child, &join(k), out),
            toml::Value::Array(items) => {
                let item_level = child.node.get("items").map(|i| Level::of(level.root, i));
                for (i, item) in items.iter().enumerate() {
                    if let (toml::Value::Table(t), Some(il)) = (item, &item_level) {
                        unknown_keys(t, il, &format!("{}.{i}", join(k)), out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Set unknown keys aside so that serde can go on to the next kind of problem: a key with a
/// likely meaning is read under the name it was meant to have (so that a misspelt required
/// field does not also come back as missing), any other is commented out. Lines are kept, so
/// line numbers stay right. `fixes` holds (line, key, meant).
fn set_aside(text: &str, fixes: &[(usize, &str, Option<&str>)]) -> String {
    text.lines()
        .enumerate()
        .map(
            |(i, l)| match fixes.iter().find(|(line, _, _)| *line == i + 1) {
                Some((_, key, Some(meant))) if l.trim_start().starts_with(key) => {
                    l.replacen(key, meant, 1)
                }
                Some(_) => format!("# {l}"),
                None => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// A hint for a serde message.
fn serde_hint(message: &str) -> Option<String> {
    if message.contains("invalid type: integer") && message.contains("expected a string") {
        Some(
            "quote the value: TOML reads digits as a number (and an account ID loses its \
             leading zeros), e.g. account_id = \"012345678901\""
                .into(),
        )
    } else if message.contains("missing field") {
        Some("`connect-sso init` writes a spec with every required field".into())
    } else if message.contains("unknown variant") {
        Some("`connect-sso spec schema` lists the allowed values".into())
    } else {
        None
    }
}

/// Parse and check `text`: the spec, or every problem found.
pub(crate) fn parse(text: &str) -> Result<Spec, Vec<SpecError>> {
    let loc = Locator::new(text);
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => return Err(vec![serde_error(&loc, &e, "")]),
    };
    let schema = serde_json::to_value(schemars::schema_for!(Spec)).unwrap_or_default();
    let mut unknown = Vec::new();
    unknown_keys(&table, &Level::of(&schema, &schema), "", &mut unknown);
    unknown.sort_by_key(|(path, _, _)| loc.line_of(path));
    let mut errors: Vec<SpecError> = unknown
        .iter()
        .map(|(path, key, near)| {
            let hint = match near {
                Some(n) => format!("did you mean `{n}`?"),
                None => "check the spelling against `connect-sso spec schema` or a fresh \
                         `connect-sso init`"
                    .into(),
            };
            loc.error(path, format!("unknown field `{key}`"), Some(hint))
        })
        .collect();
    let fixes: Vec<(usize, &str, Option<&str>)> = errors
        .iter()
        .zip(&unknown)
        .filter_map(|(e, (_, key, near))| Some((e.line?, key.as_str(), near.as_deref())))
        .collect();
    let cleaned = set_aside(text, &fixes);
    // A value over several lines cannot be set aside line by line: then read the text as is.
    let readable = if cleaned.parse::<toml::Table>().is_ok() {
        cleaned.as_str()
    } else {
        text
    };
    let parsed = toml::from_str::<Spec>(readable);
    match parsed {
        Ok(spec) => {
            errors.extend(crate::validate::validate(&spec, &loc));
            errors.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
            if errors.is_empty() {
                Ok(spec)
            } else {
                Err(errors)
            }
        }
        Err(e) => {
            let err = serde_error(&loc, &e, text);
            // Already said: the unknown field itself, or the field it was meant to be.
            let repeated = unknown.iter().any(|(_, key, near)| {
                err.message.contains(&format!("unknown field `{key}`"))
                    || near
                        .as_ref()
                        .is_some_and(|n| err.message.contains(&format!("missing field `{n}`")))
            });
            if !repeated {
                errors.push(err);
            }
            Err(errors)
        }
    }
}

fn serde_error(loc: &Locator<'_>, e: &toml::de::Error, _text: &str) -> SpecError {
    let pos = e.span().map(|s| loc.position(s.start));
    let message = e.message().trim().to_string();
    SpecError {
        path: String::new(),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        hint: serde_hint(&message),
        message,
    }
}
