//! The awsQuery protocol shared by IAM and STS: form-encoded requests
//! (`Action=…&Version=…&Name.member.1=…`) and XML answers
//! (`<{Action}Response xmlns=…><{Action}Result>…</{Action}Result><ResponseMetadata>…`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AwsError;

/// XML namespace of IAM answers.
pub const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
/// XML namespace of STS answers.
pub const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Decoded request parameters (form body, or query string for GET).
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Decode `application/x-www-form-urlencoded` bytes.
    pub fn parse(bytes: &[u8]) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }
    /// Merge in more parameters (the query string of a POST).
    pub fn extend(&mut self, other: Params) {
        self.pairs.extend(other.pairs);
    }
    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// A member the operation's model requires (checked before its handler runs); `""`
    /// if absent.
    pub fn required(&self, name: &str) -> &str {
        self.get(name).unwrap_or_default()
    }
    /// An optional integer member (its type is checked against the model first).
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.parse().ok())
    }
    /// `{prefix}.member.N` values in N order (N from 1 up to the first gap).
    pub fn members(&self, prefix: &str) -> Vec<String> {
        (1..)
            .map_while(|n| {
                self.get(&format!("{prefix}.member.{n}"))
                    .map(str::to_string)
            })
            .collect()
    }
    /// `{prefix}.member.N.Key` / `.Value` pairs.
    pub fn tags(&self, prefix: &str) -> Vec<(String, String)> {
        (1..)
            .map_while(|n| {
                let k = self.get(&format!("{prefix}.member.{n}.Key"))?;
                let v = self
                    .get(&format!("{prefix}.member.{n}.Value"))
                    .unwrap_or("");
                Some((k.to_string(), v.to_string()))
            })
            .collect()
    }
}

/// An awsQuery request read: its head, body and parameters (the form body's, then the query
/// string's) and its `Action`; a body over `limit` bytes is refused.
pub async fn read(
    req: axum::extract::Request,
    limit: usize,
) -> Result<
    (
        axum::http::request::Parts,
        axum::body::Bytes,
        Params,
        String,
    ),
    AwsError,
> {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return Err(super::body_too_large(limit));
    };
    let mut p = Params::parse(&body);
    if let Some(q) = parts.uri.query() {
        p.extend(Params::parse(q.as_bytes()));
    }
    let action = p.get("Action").unwrap_or("").to_string();
    Ok((parts, body, p, action))
}

/// A successful awsQuery answer. `result` is the inner XML of `<{action}Result>`
/// (`None`: the action has no result element, e.g. `DeleteRole`).
pub fn ok(namespace: &str, action: &str, result: Option<&str>) -> Response {
    let result = result.map_or(String::new(), |r| {
        format!("  <{action}Result>\n{r}  </{action}Result>\n")
    });
    xml_answer(StatusCode::OK, |request_id| {
        format!(
            "<{action}Response xmlns=\"{namespace}\">\n{result}  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</{action}Response>\n"
        )
    })
}

/// An XML answer (`text/xml`) with a fresh request ID, in its body and `x-amzn-RequestId`.
pub fn xml_answer(status: StatusCode, body: impl FnOnce(&str) -> String) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut resp = (status, body(&request_id)).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// A small XML writer for result bodies: `el("RoleName", name)` → `<RoleName>…</RoleName>`.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// Start at the indentation of a result body.
    pub fn new() -> Self {
        Self {
            out: String::new(),
            depth: 2,
        }
    }
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
    /// A text element.
    pub fn el(&mut self, name: &str, text: &str) -> &mut Self {
        self.indent();
        self.out.push_str(&format!(
            "<{name}>{}</{name}>\n",
            crate::markup_escape(text)
        ));
        self
    }
    /// A text element when `text` is `Some`.
    pub fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.el(name, t);
        }
        self
    }
    /// Open an element.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.indent();
        self.out.push_str(&format!("<{name}>\n"));
        self.depth += 1;
        self
    }
    /// Close an element.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str(&format!("</{name}>\n"));
        self
    }
    /// `<{name}>` with `<member><Key/><Value/></member>` entries.
    pub fn tags(&mut self, name: &str, tags: &[(String, String)]) -> &mut Self {
        self.open(name);
        for (k, v) in tags {
            self.open("member")
                .el("Key", k)
                .el("Value", v)
                .close("member");
        }
        self.close(name)
    }
    /// The XML written.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_and_tags_are_read_in_order() {
        let p = Params::parse(
            b"Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=1&TagKeys.member.1=x&TagKeys.member.2=y",
        );
        assert_eq!(
            p.tags("Tags"),
            vec![("a".into(), "1".into()), ("b".into(), "".into())]
        );
        assert_eq!(p.members("TagKeys"), vec!["x".to_string(), "y".to_string()]);
    }
}
