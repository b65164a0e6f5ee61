//! The OData query options Graph supports here: `$filter` (the subset below), `$select`,
//! `$top` and `$skiptoken` paging.
//!
//! `$filter` grammar (case-insensitive keywords, string comparison case-insensitive as in
//! Graph's directory objects):
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | "startswith(" prop "," literal ")"
//!          | prop "/any(" var ":" var ("eq" | "startswith") literal ")"
//!          | prop ("eq" | "ne") literal
//! literal := 'text with '' escaped' | true | false | null | number
//! ```

use serde_json::{Map, Value};

/// A parsed `$filter`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both hold.
    And(Box<Filter>, Box<Filter>),
    /// Either holds.
    Or(Box<Filter>, Box<Filter>),
    /// Negation.
    Not(Box<Filter>),
    /// `prop eq literal` (`ne` is `Not(Eq)`).
    Eq {
        /// Property, or a `/`-separated path into nested objects (`web/homePageUrl`).
        prop: String,
        /// Literal.
        value: Value,
    },
    /// `startswith(prop, 'text')`.
    StartsWith {
        /// Property.
        prop: String,
        /// Prefix.
        prefix: String,
    },
    /// `prop/any(x: x eq 'text')` or `prop/any(x: startswith(x, 'text'))` on a string collection.
    Any {
        /// Collection property.
        prop: String,
        /// Value to compare elements with.
        value: String,
        /// Prefix match instead of equality.
        prefix: bool,
    },
}

/// Why a `$filter` could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid filter clause: {0}")]
pub struct FilterError(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
    Colon,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, FilterError> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1;
            }
            '\'' => {
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(FilterError("unterminated string literal".into())),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            text.push(c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(text));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text
                    .parse()
                    .map_err(|_| FilterError(format!("bad number {text}")))?;
                out.push(Tok::Num(n));
            }
            c if c.is_alphanumeric() || c == '_' || c == '@' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '/' | '.' | '@'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(FilterError(format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}

/// Deepest nesting of parentheses / `not` accepted (recursion bound).
const MAX_DEPTH: usize = 32;
/// Most clauses in one filter (`and`/`or` chains build trees that are walked recursively).
const MAX_CLAUSES: usize = 100;

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
    clauses: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }
    fn keyword(&mut self, kw: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, t: Tok) -> Result<(), FilterError> {
        match self.next() {
            Some(x) if x == t => Ok(()),
            other => Err(FilterError(format!("expected {t:?}, found {other:?}"))),
        }
    }
    fn ident(&mut self) -> Result<String, FilterError> {
        match self.next() {
            Some(Tok::Ident(s)) => Ok(s),
            other => Err(FilterError(format!(
                "expected a property name, found {other:?}"
            ))),
        }
    }
    fn string(&mut self) -> Result<String, FilterError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            other => Err(FilterError(format!(
                "expected a string literal, found {other:?}"
            ))),
        }
    }
    fn literal(&mut self) -> Result<Value, FilterError> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Value::String(s)),
            Some(Tok::Num(n)) => {
                Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
            }
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("false") => Ok(Value::Bool(false)),
            Some(Tok::Ident(s)) if s.eq_ignore_ascii_case("null") => Ok(Value::Null),
            other => Err(FilterError(format!("expected a literal, found {other:?}"))),
        }
    }
    fn expr(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }
    fn unary(&mut self) -> Result<Filter, FilterError> {
        self.depth += 1;
        self.clauses += 1;
        if self.clauses > MAX_CLAUSES {
            return Err(FilterError(format!(
                "the filter has more than {MAX_CLAUSES} clauses"
            )));
        }
        if self.depth > MAX_DEPTH {
            return Err(FilterError(format!(
                "the filter nests deeper than {MAX_DEPTH} levels"
            )));
        }
        let result = self.unary_inner();
        self.depth -= 1;
        result
    }
    fn unary_inner(&mut self) -> Result<Filter, FilterError> {
        if self.keyword("not") {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.expr()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        let name = self.ident()?;
        if name.eq_ignore_ascii_case("startswith") {
            self.expect(Tok::LParen)?;
            let prop = self.ident()?;
            self.expect(Tok::Comma)?;
            let prefix = self.string()?;
            self.expect(Tok::RParen)?;
            return Ok(Filter::StartsWith { prop, prefix });
        }
        if let Some(prop) = name
            .strip_suffix("/any")
            .or_else(|| name.strip_suffix("/ANY"))
        {
            self.expect(Tok::LParen)?;
            let var = self.ident()?;
            self.expect(Tok::Colon)?;
            let (value, prefix) = if self.keyword("startswith") {
                self.expect(Tok::LParen)?;
                let v = self.ident()?;
                if v != var {
                    return Err(FilterError(format!("unknown range variable {v}")));
                }
                self.expect(Tok::Comma)?;
                let s = self.string()?;
                self.expect(Tok::RParen)?;
                (s, true)
            } else {
                let v = self.ident()?;
                if v != var {
                    return Err(FilterError(format!("unknown range variable {v}")));
                }
                if !self.keyword("eq") {
                    return Err(FilterError(
                        "only eq and startswith are supported in any()".into(),
                    ));
                }
                (self.string()?, false)
            };
            self.expect(Tok::RParen)?;
            return Ok(Filter::Any {
                prop: prop.to_string(),
                value,
                prefix,
            });
        }
        if self.keyword("eq") {
            let value = self.literal()?;
            return Ok(Filter::Eq { prop: name, value });
        }
        if self.keyword("ne") {
            let value = self.literal()?;
            return Ok(Filter::Not(Box::new(Filter::Eq { prop: name, value })));
        }
        Err(FilterError(format!(
            "unsupported operator after {name} (eq, ne, startswith and any are supported)"
        )))
    }
}

/// Parse a `$filter` expression.
pub fn parse_filter(s: &str) -> Result<Filter, FilterError> {
    let toks = tokenize(s)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        clauses: 0,
    };
    let f = p.expr()?;
    if p.pos != p.toks.len() {
        return Err(FilterError(format!(
            "unexpected trailing input at token {}",
            p.pos
        )));
    }
    Ok(f)
}

fn get_prop<'a>(obj: &'a Map<String, Value>, prop: &str) -> Option<&'a Value> {
    let mut parts = prop.split('/');
    let first = parts.next()?;
    let mut cur = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(first))
        .map(|(_, v)| v)?;
    for p in parts {
        cur = cur
            .as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(p))
            .map(|(_, v)| v)?;
    }
    Some(cur)
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

impl Filter {
    /// Does the Graph JSON object match? Unknown properties compare as null.
    pub fn matches(&self, obj: &Map<String, Value>) -> bool {
        match self {
            Filter::And(a, b) => a.matches(obj) && b.matches(obj),
            Filter::Or(a, b) => a.matches(obj) || b.matches(obj),
            Filter::Not(a) => !a.matches(obj),
            Filter::Eq { prop, value } => {
                values_equal(get_prop(obj, prop).unwrap_or(&Value::Null), value)
            }
            Filter::StartsWith { prop, prefix } => get_prop(obj, prop)
                .and_then(Value::as_str)
                .is_some_and(|s| starts_with_ci(s, prefix)),
            Filter::Any {
                prop,
                value,
                prefix,
            } => get_prop(obj, prop)
                .and_then(Value::as_array)
                .is_some_and(|items| {
                    items.iter().filter_map(Value::as_str).any(|s| {
                        if *prefix {
                            starts_with_ci(s, value)
                        } else {
                            s.eq_ignore_ascii_case(value)
                        }
                    })
                }),
        }
    }
    /// Properties the filter refers to (to check them against what a resource supports).
    pub fn properties(&self) -> Vec<&str> {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => {
                let mut v = a.properties();
                v.extend(b.properties());
                v
            }
            Filter::Not(a) => a.properties(),
            Filter::Eq { prop, .. }
            | Filter::StartsWith { prop, .. }
            | Filter::Any { prop, .. } => {
                vec![prop.as_str()]
            }
        }
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.to_lowercase().starts_with(&prefix.to_lowercase())
}

/// Keep only the selected properties (case-insensitive names; `@odata.*` annotations kept).
pub fn select(obj: Map<String, Value>, props: &[String]) -> Map<String, Value> {
    obj.into_iter()
        .filter(|(k, _)| k.starts_with('@') || props.iter().any(|p| p.eq_ignore_ascii_case(k)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn filters_used_by_connect_sso_parse_and_match() {
        let app = obj(json!({
            "appId": "ABC", "displayName": "Amazon Connect (prod)",
            "identifierUris": ["https://signin.aws.amazon.com/saml#2"]
        }));
        for (f, want) in [
            ("appId eq 'abc'", true),
            ("displayName eq 'Amazon Connect (prod)'", true),
            ("startswith(displayName,'amazon')", true),
            ("startswith(displayName, 'Azure')", false),
            (
                "identifierUris/any(x:x eq 'https://signin.aws.amazon.com/saml#2')",
                true,
            ),
            (
                "identifierUris/any(x: startswith(x, 'https://signin.aws'))",
                true,
            ),
            ("appId eq 'abc' and not (displayName eq 'x')", true),
            ("appId eq 'zzz' or displayName ne 'x'", true),
        ] {
            let parsed = parse_filter(f);
            assert!(parsed.is_ok(), "{f}: {parsed:?}");
            assert_eq!(parsed.map(|p| p.matches(&app)).ok(), Some(want), "{f}");
        }
    }

    #[test]
    fn quotes_are_escaped_by_doubling() {
        let u = obj(json!({"displayName": "Seán O'Brien"}));
        let f = parse_filter("displayName eq 'Seán O''Brien'");
        assert_eq!(f.map(|f| f.matches(&u)).ok(), Some(true));
    }

    #[test]
    fn deeply_nested_filters_are_refused_without_overflowing_the_stack() {
        let deep = format!("{}appId eq 'x'{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse_filter(&deep).is_err());
        let nots = format!("{}appId eq 'x'", "not ".repeat(100_000));
        assert!(parse_filter(&nots).is_err());
        let chain = vec!["appId eq 'x'"; 100_000].join(" and ");
        assert!(parse_filter(&chain).is_err());
        let ok = format!("{}appId eq 'x'{}", "(".repeat(10), ")".repeat(10));
        assert!(parse_filter(&ok).is_ok());
    }

    #[test]
    fn hostile_filters_are_refused_not_panicking() {
        for f in [
            "",
            "appId",
            "appId eq",
            "appId eq 'unterminated",
            "appId gt 'x'",
            "startswith(appId)",
            "((appId eq 'x')",
            "appId eq 'x' )",
            "x/any(y:z eq 'a')",
            "appId eq 'x' ; drop",
        ] {
            assert!(parse_filter(f).is_err(), "{f:?} should be refused");
        }
    }
}
