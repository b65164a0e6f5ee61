//! IAM policy documents: validation (as IAM answers `MalformedPolicyDocument`) and evaluation
//! (explicit Deny wins, then any Allow; wildcards `*` and `?`; `${aws:userid}` and other
//! policy variables in resources; condition operators used by SAML trust policies).

use std::collections::BTreeMap;

use serde_json::Value;

/// Which kind of policy a document is (they have different required fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A role trust policy (`AssumeRolePolicyDocument`): needs `Principal`, no `Resource`.
    Trust,
    /// An identity policy (inline or managed): needs `Resource`, no `Principal`.
    Identity,
}

/// A parsed policy statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// True for `"Effect": "Allow"`.
    pub allow: bool,
    /// `Action` values (or `NotAction` when `not_action`).
    pub actions: Vec<String>,
    /// The list in `actions` is a `NotAction`.
    pub not_action: bool,
    /// `Resource` values (or `NotResource`); empty for trust policies.
    pub resources: Vec<String>,
    /// The list in `resources` is a `NotResource`.
    pub not_resource: bool,
    /// `Principal`: `*` is stored as `("*", ["*"])`.
    pub principals: Vec<(String, Vec<String>)>,
    /// `Condition`: operator → key → values.
    pub conditions: Vec<(String, String, Vec<String>)>,
}

/// A parsed, validated policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The statements, in order.
    pub statements: Vec<Statement>,
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .filter(|l| !l.is_empty()),
        Value::Bool(b) => Some(vec![b.to_string()]),
        Value::Number(n) => Some(vec![n.to_string()]),
        _ => None,
    }
}

const SYNTAX: &str = "Syntax errors in policy.";

/// Parse and validate a policy document; the error is IAM's message for `MalformedPolicyDocument`.
pub fn parse(document: &str, kind: PolicyKind) -> Result<Policy, String> {
    if document.trim().is_empty() {
        return Err(SYNTAX.into());
    }
    let v: Value = serde_json::from_str(document).map_err(|_| SYNTAX.to_string())?;
    let obj = v.as_object().ok_or_else(|| SYNTAX.to_string())?;
    if !obj
        .keys()
        .all(|k| matches!(k.as_str(), "Version" | "Id" | "Statement"))
    {
        return Err(SYNTAX.into());
    }
    if let Some(ver) = obj.get("Version") {
        match ver.as_str() {
            Some("2012-10-17" | "2008-10-17") => {}
            _ => return Err("The policy must contain a valid version string".into()),
        }
    }
    let stmts = match obj.get("Statement") {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        _ => return Err(SYNTAX.into()),
    };
    let statements = stmts.iter().map(|s| parse_statement(s, kind));
    Ok(Policy {
        statements: statements.collect::<Result<_, _>>()?,
    })
}

fn parse_statement(s: &Value, kind: PolicyKind) -> Result<Statement, String> {
    let o = s.as_object().ok_or_else(|| SYNTAX.to_string())?;
    const KEYS: &str = "Sid Effect Action NotAction Resource NotResource Principal NotPrincipal";
    if !o
        .keys()
        .all(|k| k == "Condition" || KEYS.split(' ').any(|x| x == k))
    {
        return Err(SYNTAX.into());
    }
    let allow = match o.get("Effect").and_then(Value::as_str) {
        Some("Allow") => true,
        Some("Deny") => false,
        _ => return Err(SYNTAX.into()),
    };
    let (actions, not_action) = match (o.get("Action"), o.get("NotAction")) {
        (Some(a), None) => (strings(a).ok_or_else(|| SYNTAX.to_string())?, false),
        (None, Some(a)) => (strings(a).ok_or_else(|| SYNTAX.to_string())?, true),
        (None, None) => return Err("Policy statement must contain actions.".into()),
        _ => return Err(SYNTAX.into()),
    };
    for a in &actions {
        if a != "*" && !a.contains(':') {
            return Err(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.".into(),
            );
        }
    }
    let res = match (o.get("Resource"), o.get("NotResource")) {
        (Some(r), None) => Some((strings(r).ok_or_else(|| SYNTAX.to_string())?, false)),
        (None, Some(r)) => Some((strings(r).ok_or_else(|| SYNTAX.to_string())?, true)),
        (None, None) => None,
        _ => return Err(SYNTAX.into()),
    };
    let principal = o.get("Principal").or_else(|| o.get("NotPrincipal"));
    let mut principals = Vec::new();
    match kind {
        PolicyKind::Trust => {
            if res.is_some() {
                return Err("Has prohibited field Resource".into());
            }
            let p = principal.ok_or_else(|| "Missing required field Principal".to_string())?;
            match p {
                Value::String(s) if s == "*" => principals.push(("*".into(), vec!["*".into()])),
                Value::Object(m) => {
                    for (k, v) in m {
                        if !matches!(
                            k.as_str(),
                            "AWS" | "Federated" | "Service" | "CanonicalUser"
                        ) {
                            return Err(SYNTAX.into());
                        }
                        let vals = strings(v).ok_or_else(|| SYNTAX.to_string())?;
                        if k == "Federated" {
                            for f in &vals {
                                if !f.starts_with("arn:aws:iam::") && !f.contains('.') && f != "*" {
                                    return Err(format!(
                                        "Invalid principal in policy: \"FEDERATED\":\"{f}\""
                                    ));
                                }
                            }
                        }
                        principals.push((k.clone(), vals));
                    }
                }
                _ => return Err(SYNTAX.into()),
            }
        }
        PolicyKind::Identity => {
            if principal.is_some() {
                return Err("Policy document should not specify a principal.".into());
            }
            if res.is_none() {
                return Err("Policy statement must contain resources.".into());
            }
        }
    }
    let (resources, not_resource) = res.unwrap_or_default();
    let mut conditions = Vec::new();
    if let Some(c) = o.get("Condition") {
        let m = c.as_object().ok_or_else(|| SYNTAX.to_string())?;
        for (op, body) in m {
            let keys = body.as_object().ok_or_else(|| SYNTAX.to_string())?;
            for (key, vals) in keys {
                let vals = strings(vals).ok_or_else(|| SYNTAX.to_string())?;
                conditions.push((op.clone(), key.clone(), vals));
            }
        }
    }
    Ok(Statement {
        allow,
        actions,
        not_action,
        resources,
        not_resource,
        principals,
        conditions,
    })
}

/// Glob match with `*` (any run) and `?` (one character).
pub fn glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = if ignore_case {
        (
            pattern.to_lowercase().chars().collect(),
            text.to_lowercase().chars().collect(),
        )
    } else {
        (pattern.chars().collect(), text.chars().collect())
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Replace `${key}` policy variables from `context` (unknown variables stay, so never match).
pub fn substitute(pattern: &str, context: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = &after[..end];
        match key {
            "*" => out.push('*'),
            "?" => out.push('?'),
            "$" => out.push('$'),
            _ => match lookup(context, key) {
                Some(v) => out.push_str(v),
                None => out.push_str(&rest[start..start + 3 + end]),
            },
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn lookup<'a>(context: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// Evaluate one condition block entry against a context (keys compared case-insensitively).
fn condition_holds(
    op: &str,
    key: &str,
    values: &[String],
    context: &BTreeMap<String, String>,
) -> bool {
    let (op, if_exists) = match op.strip_suffix("IfExists") {
        Some(o) => (o, true),
        None => (op, false),
    };
    let op = op
        .strip_prefix("ForAnyValue:")
        .or_else(|| op.strip_prefix("ForAllValues:"))
        .unwrap_or(op);
    let actual = lookup(context, key);
    if op == "Null" {
        let want_null = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        return actual.is_none() == want_null;
    }
    let Some(actual) = actual else {
        return if_exists || op.contains("Not");
    };
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    match op {
        "StringEquals" => any(&|v| v == actual),
        "StringNotEquals" => !any(&|v| v == actual),
        "StringEqualsIgnoreCase" => any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringNotEqualsIgnoreCase" => !any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringLike" => any(&|v| glob(&substitute(v, context), actual, false)),
        "StringNotLike" => !any(&|v| glob(&substitute(v, context), actual, false)),
        "ArnEquals" | "ArnLike" => any(&|v| glob(v, actual, false)),
        "ArnNotEquals" | "ArnNotLike" => !any(&|v| glob(v, actual, false)),
        "Bool" => any(&|v| v.eq_ignore_ascii_case(actual)),
        _ => false,
    }
}

fn conditions_hold(s: &Statement, context: &BTreeMap<String, String>) -> bool {
    s.conditions
        .iter()
        .all(|(op, key, vals)| condition_holds(op, key, vals, context))
}

fn action_matches(s: &Statement, action: &str) -> bool {
    let m = s.actions.iter().any(|a| glob(a, action, true));
    m != s.not_action
}

/// The result of evaluating policies for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An Allow matched and no Deny did.
    Allow,
    /// An explicit Deny matched.
    ExplicitDeny,
    /// Nothing matched.
    ImplicitDeny,
}

/// Evaluate identity policies for `action` on `resource`; `context` holds condition keys and
/// policy variables (`aws:userid`, …).
pub fn evaluate_identity<'a>(
    policies: impl IntoIterator<Item = &'a Policy>,
    action: &str,
    resource: &str,
    context: &BTreeMap<String, String>,
) -> Decision {
    let statements = policies.into_iter().flat_map(|p| &p.statements);
    combine(statements.filter(|s| {
        let r = s
            .resources
            .iter()
            .any(|r| glob(&substitute(r, context), resource, false));
        action_matches(s, action) && r != s.not_resource && conditions_hold(s, context)
    }))
}

/// The decision of the statements that apply: an explicit Deny wins, else any Allow.
fn combine<'a>(applying: impl Iterator<Item = &'a Statement>) -> Decision {
    let mut allowed = false;
    for s in applying {
        if !s.allow {
            return Decision::ExplicitDeny;
        }
        allowed = true;
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Evaluate a trust policy for `action` by a principal of `principal_type` (`Federated`, `AWS`,
/// `Service`) named `principal`.
pub fn evaluate_trust(
    policy: &Policy,
    principal_type: &str,
    principal: &str,
    action: &str,
    context: &BTreeMap<String, String>,
) -> Decision {
    combine(policy.statements.iter().filter(|s| {
        let p = s.principals.iter().any(|(t, vals)| {
            (t == "*" || t == principal_type) && vals.iter().any(|v| v == "*" || v == principal)
        });
        p && action_matches(s, action) && conditions_hold(s, context)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn federation_permission_is_scoped_to_the_callers_own_connect_user() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"connect:GetFederationToken",
            "Resource":"arn:aws:connect:us-east-1:111122223333:instance/i-1/user/${aws:userid}"}]}"#,
            PolicyKind::Identity,
        )
        .expect("valid");
        let c = ctx(&[("aws:userid", "AROAX:alice")]);
        let own = "arn:aws:connect:us-east-1:111122223333:instance/i-1/user/AROAX:alice";
        let other = "arn:aws:connect:us-east-1:111122223333:instance/i-1/user/AROAX:bob";
        assert_eq!(
            evaluate_identity([&p], "connect:GetFederationToken", own, &c),
            Decision::Allow
        );
        assert_eq!(
            evaluate_identity([&p], "connect:GetFederationToken", other, &c),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate_identity([&p], "connect:ListUsers", own, &c),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn explicit_deny_wins_and_actions_ignore_case() {
        let p = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"connect:*","Resource":"*"},
            {"Effect":"Deny","Action":"Connect:Delete*","Resource":"*"}]}"#,
            PolicyKind::Identity,
        )
        .expect("valid");
        let c = ctx(&[]);
        assert_eq!(
            evaluate_identity([&p], "connect:ListUsers", "x", &c),
            Decision::Allow
        );
        assert_eq!(
            evaluate_identity([&p], "connect:DeleteUser", "x", &c),
            Decision::ExplicitDeny
        );
    }

    #[test]
    fn saml_trust_policy_checks_provider_and_audience_list() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::1:saml-provider/Entra"},
            "Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"SAML:aud":["https://signin.aws.amazon.com/saml","https://eu-west-2.signin.aws.amazon.com/saml"]}}}}"#,
            PolicyKind::Trust,
        )
        .expect("valid");
        let prov = "arn:aws:iam::1:saml-provider/Entra";
        let a = "sts:AssumeRoleWithSAML";
        let good = ctx(&[("saml:aud", "https://eu-west-2.signin.aws.amazon.com/saml")]);
        let bad = ctx(&[("saml:aud", "https://example.com/saml")]);
        assert_eq!(
            evaluate_trust(&p, "Federated", prov, a, &good),
            Decision::Allow
        );
        assert_eq!(
            evaluate_trust(&p, "Federated", prov, a, &bad),
            Decision::ImplicitDeny
        );
        assert_eq!(
            evaluate_trust(
                &p,
                "Federated",
                "arn:aws:iam::1:saml-provider/Other",
                a,
                &good
            ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn malformed_documents_get_iams_messages() {
        assert_eq!(parse("{", PolicyKind::Trust), Err(SYNTAX.to_string()));
        assert_eq!(
            parse(
                r#"{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":"*"}]}"#,
                PolicyKind::Trust
            ),
            Err("Has prohibited field Resource".to_string())
        );
        assert_eq!(
            parse(
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get","Principal":"*","Resource":"*"}]}"#,
                PolicyKind::Identity
            ),
            Err("Policy document should not specify a principal.".to_string())
        );
        assert_eq!(
            parse(
                r#"{"Statement":[{"Effect":"Maybe","Action":"s3:Get","Resource":"*"}]}"#,
                PolicyKind::Identity
            ),
            Err(SYNTAX.to_string())
        );
        assert_eq!(
            parse(
                r#"{"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
                PolicyKind::Identity
            ),
            Err(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                    .to_string()
            )
        );
    }

    #[test]
    fn glob_handles_stars_and_question_marks() {
        assert!(glob("a*c", "abbbc", false));
        assert!(glob("a?c", "abc", false));
        assert!(!glob("a?c", "abbc", false));
        assert!(glob("*", "", false));
        assert!(!glob("A*", "abc", false));
        assert!(glob("A*", "abc", true));
    }
}
