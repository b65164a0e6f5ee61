//! The AWS service models the sandbox speaks (botocore's JSON, trimmed to the emulated
//! operations: `crates/sandbox/models/`, see its NOTICE) and the checks made with them: every
//! request is validated against its operation's input shape (required members, types, lengths,
//! ranges, patterns, enums) before the operation's own logic runs, an operation's declared
//! errors decide which code an answer may carry, and in debug builds (every test) each answer
//! is checked against the output shape and the declared errors ([`debug_check`]).
//!
//! Patterns are read as Java reads them: leading look-aheads (`(?!aws:)`, `(?=.*\d)`, which
//! Rust's `regex` lacks) are matched on their own, `/…/` delimiters (Connect's `Password`) and
//! double escapes (`PhoneNumber`) are dropped; [`Model::unenforced_patterns`] lists any pattern
//! still not compiled, whose rule the operation's handler then checks by hand.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use serde_json::{Map, Value};

/// One service model.
pub struct Model {
    json: Value,
    patterns: Mutex<HashMap<String, Option<Pattern>>>,
}

fn load(text: &str) -> Model {
    // The models are committed files checked by this crate's tests: a parse failure is a build
    // defect, and an empty model then refuses every operation as unknown.
    let json = serde_json::from_str(text).unwrap_or(Value::Null);
    Model {
        json,
        patterns: Mutex::new(HashMap::new()),
    }
}

static CONNECT: LazyLock<Model> = LazyLock::new(|| load(include_str!("../../models/connect.json")));
static IAM: LazyLock<Model> = LazyLock::new(|| load(include_str!("../../models/iam.json")));
static STS: LazyLock<Model> = LazyLock::new(|| load(include_str!("../../models/sts.json")));
static SSO_ADMIN: LazyLock<Model> =
    LazyLock::new(|| load(include_str!("../../models/sso-admin.json")));
static IDENTITYSTORE: LazyLock<Model> =
    LazyLock::new(|| load(include_str!("../../models/identitystore.json")));

/// The services whose models the sandbox carries, in the order OPERATIONS.md lists them.
pub const SERVICES: [&str; 5] = ["connect", "iam", "sts", "sso-admin", "identitystore"];

/// The model of `service` (`connect`, `iam`, `sts`, `sso-admin`, `identitystore`); `None`
/// for any other.
pub fn of(service: &str) -> Option<&'static Model> {
    match service {
        "connect" => Some(&CONNECT),
        "iam" => Some(&IAM),
        "sts" => Some(&STS),
        "sso-admin" => Some(&SSO_ADMIN),
        "identitystore" => Some(&IDENTITYSTORE),
        _ => None,
    }
}

/// Lower-case the first letter, as AWS names members in validation messages (`roleName`).
pub(crate) fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

impl Model {
    /// The operation's definition (`http`, `input`, `output`, `errors`).
    pub fn operation(&self, name: &str) -> Option<&Value> {
        self.json["operations"].get(name)
    }

    /// Names of the operations in the model, sorted.
    pub fn operation_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.json["operations"]
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        names.sort_unstable();
        names
    }

    /// A shape by name.
    pub fn shape(&self, name: &str) -> Option<&Value> {
        self.json["shapes"].get(name)
    }

    /// The protocol (`rest-json`, `query`, `json`).
    pub fn protocol(&self) -> &str {
        self.json["metadata"]["protocol"].as_str().unwrap_or("")
    }

    /// The awsJson `X-Amz-Target` prefix (`SWBExternalService`, `AWSIdentityStore`).
    pub fn target_prefix(&self) -> &str {
        self.json["metadata"]["targetPrefix"].as_str().unwrap_or("")
    }

    /// Does `op` declare the error `code` (its shape's name, or the code the shape names)?
    pub fn declares_error(&self, op: &str, code: &str) -> bool {
        self.errors(op)
            .any(|e| e == code || self.shape(e).is_some_and(|s| s["error"]["code"] == code))
    }

    /// An answer's deviations from `op`'s model, in words: a JSON output (`Ok(Some)`) with a
    /// member the output shape does not declare or without a required one; an error code
    /// (`Err`) neither declared by `op` nor one of the protocol's common errors.
    pub fn check_answer(&self, op: &str, answer: Result<Option<&Value>, &str>) -> Vec<String> {
        let mut out = Vec::new();
        match answer {
            Ok(Some(body)) => {
                let shape = self
                    .operation(op)
                    .and_then(|o| o["output"]["shape"].as_str());
                self.check_output(shape.unwrap_or(""), body, op, &mut out);
            }
            Ok(None) => {}
            Err(code) => {
                let common = if self.protocol() == "query" {
                    COMMON_QUERY
                } else {
                    COMMON_JSON
                };
                if !self.declares_error(op, code) && !common.split_whitespace().any(|c| c == code) {
                    out.push(format!("{op}: error {code} is neither declared nor common"));
                }
            }
        }
        out
    }

    fn check_output(&self, name: &str, value: &Value, path: &str, out: &mut Vec<String>) {
        let Some(shape) = self.shape(name) else {
            return;
        };
        match (shape["type"].as_str().unwrap_or(""), value) {
            ("structure", Value::Object(obj)) => {
                for (k, v) in obj {
                    match shape["members"].get(k) {
                        Some(m) if m.get("location").is_none() => {
                            self.check_output(member_shape(m), v, &format!("{path}.{k}"), out);
                        }
                        _ => out.push(format!("{path}: undeclared member {k}")),
                    }
                }
                let required = shape["required"].as_array().into_iter().flatten();
                for r in required.filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        out.push(format!("{path}: required member {r} missing"));
                    }
                }
            }
            ("list", Value::Array(items)) => {
                for v in items {
                    self.check_output(member_shape(&shape["member"]), v, &format!("{path}[]"), out);
                }
            }
            ("map", Value::Object(obj)) => {
                for (k, v) in obj {
                    self.check_output(
                        member_shape(&shape["value"]),
                        v,
                        &format!("{path}.{k}"),
                        out,
                    );
                }
            }
            _ => {}
        }
    }

    /// The error shapes `op` declares.
    pub fn errors<'a>(&'a self, op: &str) -> impl Iterator<Item = &'a str> + 'a {
        self.operation(op)
            .and_then(|o| o["errors"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|e| e["shape"].as_str())
    }

    /// The input shape's name of `op`, if it takes one.
    pub fn input_shape(&self, op: &str) -> Option<&str> {
        self.operation(op)?["input"]["shape"].as_str()
    }

    /// Validate `input` (the request's members, by their model names) against `op`'s input
    /// shape. The answer lists every violation in AWS's words
    /// (`Value '…' at '…' failed to satisfy constraint: …`).
    pub fn validate(&self, op: &str, input: &Value) -> Result<(), Vec<String>> {
        let mut out = Vec::new();
        if let Some(shape) = self.input_shape(op) {
            self.check(shape, input, "", &mut out);
        }
        if out.is_empty() { Ok(()) } else { Err(out) }
    }

    fn check(&self, name: &str, value: &Value, path: &str, out: &mut Vec<String>) {
        let Some(shape) = self.shape(name) else {
            return;
        };
        let fail = |out: &mut Vec<String>, what: String| {
            // Sensitive and long values are not repeated (as AWS: `Value at '…'`).
            let shown = match value {
                Value::String(s) if shape.get("sensitive").is_some() || s.len() > 256 => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            let value = shown.map_or(String::new(), |v| format!(" '{v}'"));
            out.push(format!(
                "Value{value} at '{path}' failed to satisfy constraint: Member must {what}"
            ));
        };
        if shape["document"] == true {
            return; // A document type: any JSON value.
        }
        match (shape["type"].as_str().unwrap_or(""), value) {
            ("structure", Value::Object(obj)) => self.check_structure(shape, obj, path, out),
            ("list", Value::Array(items)) => {
                bounds(shape, items.len(), "have length", &mut |w| fail(out, w));
                for item in items {
                    self.check(member_shape(&shape["member"]), item, path, out);
                }
            }
            ("map", Value::Object(obj)) => {
                bounds(shape, obj.len(), "have length", &mut |w| fail(out, w));
                for (k, v) in obj {
                    let key = Value::String(k.clone());
                    self.check(member_shape(&shape["key"]), &key, path, out);
                    self.check(member_shape(&shape["value"]), v, path, out);
                }
            }
            ("string", Value::String(s)) => self.check_string(shape, s, &mut |w| fail(out, w)),
            ("integer" | "long", Value::Number(n)) if n.is_i64() => {
                let v = n.as_i64().unwrap_or_default();
                let mut f = |w| fail(out, w);
                if shape["min"].as_i64().is_some_and(|m| v < m) {
                    f(format!(
                        "have value greater than or equal to {}",
                        shape["min"]
                    ));
                }
                if shape["max"].as_i64().is_some_and(|m| v > m) {
                    f(format!("have value less than or equal to {}", shape["max"]));
                }
            }
            ("boolean", Value::Bool(_))
            | ("double" | "float", Value::Number(_))
            | ("timestamp", Value::Number(_) | Value::String(_))
            | ("blob", Value::String(_)) => {}
            (kind, _) => fail(out, format!("be of type {kind}")),
        }
    }

    fn check_structure(
        &self,
        shape: &Value,
        obj: &Map<String, Value>,
        path: &str,
        out: &mut Vec<String>,
    ) {
        let join = |m: &str| {
            let m = lower_first(m);
            if path.is_empty() {
                m
            } else {
                format!("{path}.{m}")
            }
        };
        for req in shape["required"].as_array().into_iter().flatten() {
            let req = req.as_str().unwrap_or("");
            if obj.get(req).is_none_or(Value::is_null) {
                out.push(format!(
                    "Value null at '{}' failed to satisfy constraint: Member must not be null",
                    join(req)
                ));
            }
        }
        for (member, v) in obj {
            if let (Some(m), false) = (shape["members"].get(member), v.is_null()) {
                self.check(member_shape(m), v, &join(member), out);
            }
        }
    }

    fn check_string(&self, shape: &Value, s: &str, fail: &mut dyn FnMut(String)) {
        bounds(shape, s.chars().count(), "have length", fail);
        if let Some(values) = shape["enum"].as_array()
            && !values.iter().any(|v| v.as_str() == Some(s))
        {
            let list: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            fail(format!("satisfy enum value set: [{}]", list.join(", ")));
        }
        if let Some(p) = shape["pattern"].as_str()
            && self.regex(p).is_some_and(|re| !re.matches(s))
        {
            fail(format!("satisfy regular expression pattern: {p}"));
        }
    }

    /// The compiled form of a model pattern, matched against the whole value (as Java's
    /// `Pattern.matches`, which AWS uses); `None` when it is not enforced (see the module doc).
    fn regex(&self, pattern: &str) -> Option<Pattern> {
        let mut cache = self.patterns.lock().unwrap_or_else(PoisonError::into_inner);
        cache
            .entry(pattern.to_string())
            .or_insert_with(|| compile(pattern))
            .clone()
    }

    /// The members of an awsQuery request read through `shape` (`Name`, `Ids.member.N`,
    /// `Tags.member.N.Key`): numbers and booleans typed when they parse, else left as text
    /// for [`Model::validate`] to refuse.
    pub fn query_input(
        &self,
        shape: &str,
        key: &str,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Value> {
        let s = self.shape(shape)?;
        let join = |m: &str| {
            if key.is_empty() {
                m.to_string()
            } else {
                format!("{key}.{m}")
            }
        };
        match s["type"].as_str().unwrap_or("") {
            "structure" => {
                let obj: Map<String, Value> = s["members"]
                    .as_object()?
                    .iter()
                    .filter_map(|(m, r)| {
                        Some((m.clone(), self.query_input(member_shape(r), &join(m), get)?))
                    })
                    .collect();
                (key.is_empty() || !obj.is_empty()).then_some(Value::Object(obj))
            }
            "list" => {
                let items: Vec<Value> = (1..)
                    .map_while(|n| {
                        self.query_input(
                            member_shape(&s["member"]),
                            &format!("{key}.member.{n}"),
                            get,
                        )
                    })
                    .collect();
                let empty = get(key).is_some_and(|v| v.is_empty());
                (!items.is_empty() || empty).then_some(Value::Array(items))
            }
            kind => get(key).map(|v| match kind {
                "integer" | "long" => v.parse::<i64>().map_or(Value::String(v), Value::from),
                "boolean" => v.parse::<bool>().map_or(Value::String(v), Value::Bool),
                _ => Value::String(v),
            }),
        }
    }

    /// Model patterns the validator does not enforce, sorted.
    pub fn unenforced_patterns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.json["shapes"]
            .as_object()
            .into_iter()
            .flat_map(|s| s.values())
            .filter_map(|s| s["pattern"].as_str())
            .filter(|p| compile(p).is_none())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A compiled model pattern: each regex must (`true`) or must not match; leading look-aheads
/// are matched at the start of the value, the rest against the whole value.
#[derive(Clone)]
struct Pattern(Vec<(bool, regex::Regex)>);

impl Pattern {
    fn matches(&self, s: &str) -> bool {
        self.0.iter().all(|(want, re)| re.is_match(s) == *want)
    }
}

/// Compile a Java-flavoured model pattern (see the module doc); `\w` means ASCII word
/// characters there (Rust's is Unicode).
fn compile(pattern: &str) -> Option<Pattern> {
    let p = pattern.strip_prefix('/').and_then(|p| p.strip_suffix('/'));
    let p = p
        .unwrap_or(pattern)
        .replace(r"\\", r"\")
        .replace(r"\w", "0-9A-Za-z_");
    let mut rest = p.strip_prefix('^').unwrap_or(&p);
    let mut parts = Vec::new();
    while let Some(want) = ["(?!", "(?="].iter().position(|a| rest.starts_with(a)) {
        let end = group_end(rest)?;
        let ahead = regex::Regex::new(&format!("^(?:{})", &rest[3..end])).ok()?;
        parts.push((want == 1, ahead));
        rest = &rest[end + 1..];
    }
    let whole = rest.strip_suffix('$').unwrap_or(rest);
    parts.push((true, regex::Regex::new(&format!("^(?:{whole})$")).ok()?));
    Some(Pattern(parts))
}

/// Where the group that opens `s` closes (escapes skipped).
fn group_end(s: &str) -> Option<usize> {
    let (mut depth, mut escaped) = (0usize, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' if depth == 1 => return Some(i),
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn member_shape(reference: &Value) -> &str {
    reference["shape"].as_str().unwrap_or("")
}

/// `min`/`max` of a shape applied to a length: the side violated, in AWS's words.
fn bounds(shape: &Value, len: usize, what: &str, fail: &mut dyn FnMut(String)) {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    if let Some(lo) = shape["min"].as_i64().filter(|m| len < *m) {
        fail(format!("{what} greater than or equal to {lo}"));
    }
    if let Some(hi) = shape["max"].as_i64().filter(|m| len > *m) {
        fail(format!("{what} less than or equal to {hi}"));
    }
}

/// Errors any operation may answer (the services' "Common Errors" pages), by protocol.
const COMMON_JSON: &str = "AccessDeniedException IncompleteSignatureException InternalFailure \
    InvalidSignatureException MissingAuthenticationTokenException UnrecognizedClientException \
    ExpiredTokenException ThrottlingException ServiceUnavailable ValidationError \
    UnknownOperationException";
const COMMON_QUERY: &str = "AccessDenied IncompleteSignature InternalFailure InvalidAction \
    InvalidClientTokenId MissingAction MissingAuthenticationToken SignatureDoesNotMatch \
    Throttling ValidationError ExpiredToken";

/// In debug builds (every test), a handler's answer to `op` (validation included) checked
/// against `service`'s model ([`Model::check_answer`]): a deviation is a defect of the
/// sandbox, and fails the test that met it.
pub fn debug_check(service: &str, op: &str, answer: Result<Option<&Value>, &str>) {
    if cfg!(debug_assertions) {
        let deviations = of(service).map(|m| m.check_answer(op, answer));
        let deviations = deviations.unwrap_or_default();
        assert!(
            deviations.is_empty(),
            "the sandbox's {service} answer deviates from the AWS model: {}",
            deviations.join("; ")
        );
    }
}

/// AWS's validation message for a list of violations.
pub fn message(violations: &[String]) -> String {
    let n = violations.len();
    let s = if n == 1 { "" } else { "s" };
    format!(
        "{n} validation error{s} detected: {}",
        violations.join("; ")
    )
}

/// The code a protocol's validation failure carries for `op`: awsQuery `ValidationError`,
/// awsJson `ValidationException`; Connect `InvalidParameterException` where the operation
/// declares it, else `InvalidRequestException`.
fn validation_code(service: &str, op: &str) -> &'static str {
    match service {
        "iam" | "sts" => "ValidationError",
        "sso-admin" | "identitystore" => "ValidationException",
        _ if CONNECT.declares_error(op, "InvalidParameterException") => "InvalidParameterException",
        _ => "InvalidRequestException",
    }
}

/// Validate a request's members (`input`, by model member names) against `service`'s model
/// for `op`, before the operation's own logic runs. An operation the sandbox has no model for
/// passes (its handler refuses it).
pub fn validate_request(service: &str, op: &str, input: &Value) -> Result<(), super::AwsError> {
    let Some(model) = of(service) else {
        return Ok(());
    };
    model
        .validate(op, input)
        .map_err(|v| super::AwsError::bad_request(validation_code(service, op), message(&v)))
}

/// Validate an awsQuery request (IAM, STS): its parameters read through the operation's input
/// shape, then [`validate_request`].
pub fn validate_query(
    service: &str,
    op: &str,
    p: &super::query::Params,
) -> Result<(), super::AwsError> {
    let Some(shape) = of(service).and_then(|m| m.input_shape(op)) else {
        return Ok(());
    };
    let get = |k: &str| p.get(k).map(str::to_string);
    let input = of(service)
        .and_then(|m| m.query_input(shape, "", &get))
        .unwrap_or_default();
    validate_request(service, op, &input)
}

impl Model {
    /// The members of a restJson1 request to `op`: URI labels (`labels`, by location name),
    /// query-string members (repeated keys make a list; numbers typed when they parse) and the
    /// JSON body's members, by model member names. A body that is not a JSON object is `None`.
    pub fn rest_input(
        &self,
        op: &str,
        labels: &std::collections::HashMap<String, String>,
        query: &[(String, String)],
        body: &[u8],
    ) -> Option<Value> {
        let mut obj: Map<String, Value> = if body.is_empty() {
            Map::new()
        } else {
            serde_json::from_slice(body).ok()?
        };
        let members = self
            .input_shape(op)
            .and_then(|s| self.shape(s))
            .and_then(|s| s["members"].as_object());
        for (name, m) in members.into_iter().flatten() {
            let at = m["locationName"].as_str().unwrap_or(name);
            let value = match m["location"].as_str() {
                Some("uri") => labels.get(at).cloned().map(Value::String),
                Some("querystring") => {
                    let vals: Vec<Value> = query
                        .iter()
                        .filter(|(k, _)| k == at)
                        .map(|(_, v)| Value::String(v.clone()))
                        .collect();
                    let kind = self.shape(member_shape(m)).map(|s| &s["type"]);
                    match kind.and_then(Value::as_str) {
                        _ if vals.is_empty() => None,
                        Some("list") => Some(Value::Array(vals)),
                        Some("integer" | "long") => vals[0]
                            .as_str()
                            .and_then(|v| v.parse::<i64>().ok())
                            .map(Value::from)
                            .or_else(|| vals.into_iter().next()),
                        _ => vals.into_iter().next(),
                    }
                }
                _ => continue,
            };
            if let Some(v) = value {
                obj.insert(name.clone(), v);
            }
        }
        Some(Value::Object(obj))
    }
}
