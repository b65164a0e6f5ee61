//! Small XML helpers shared by the reader, the canonicaliser and the writer: hardened parsing,
//! qualified names from the source text, text content without comments, escaping, instants.

use roxmltree::{Document, Node, NodeType, ParsingOptions};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Rejection;
use crate::limits::{self, XmlLimits};

/// True when the text holds a document type or entity declaration (XXE, billion laughs).
/// Checked on the raw text before parsing, so no parser setting can let one through.
pub(crate) fn has_dtd(text: &str) -> bool {
    text.contains("<!DOCTYPE") || text.contains("<!ENTITY") || text.contains("<!doctype")
}

/// XML end-of-line handling (XML 1.0 §2.11): `\r\n` and lone `\r` become `\n` before parsing.
///
/// roxmltree does this itself, except for a literal CR right after a character or entity
/// reference, which it keeps; canonicalisation would then write `&#xD;` where libxml2 writes a
/// line feed. Normalising first gives exactly the data model the spec defines (CRs written as
/// `&#xD;` are references, not literal CRs, so they are kept).
pub(crate) fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Parse untrusted XML: scanned first against [`XmlLimits::DEFAULT`] (size, depth, attributes,
/// namespaces, nodes, declared encoding; DTDs refused), so that the tree parser only ever sees
/// documents on which its work is linear and its recursion shallow.
///
/// Pass text through [`normalize_newlines`] first wherever the exact character data matters
/// (canonicalisation, reading values).
pub(crate) fn parse(text: &str) -> Result<Document<'_>, Rejection> {
    if has_dtd(text) {
        return Err(Rejection::Dtd);
    }
    let limits = XmlLimits::DEFAULT;
    limits::scan(text, &limits)?;
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: u32::try_from(limits.max_nodes).unwrap_or(u32::MAX),
    };
    Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => Rejection::Dtd,
        other => Rejection::Malformed(other.to_string()),
    })
}

/// Decode message bytes as UTF-8 (a leading byte order mark is skipped).
pub(crate) fn decode_utf8(bytes: &[u8]) -> Result<&str, Rejection> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes)
        .map_err(|e| Rejection::Malformed(format!("the message is not UTF-8 ({e})")))
}

/// The qualified name of an element as written in the source (`saml:Assertion`).
pub(crate) fn element_qname<'i>(node: Node<'_, 'i>) -> &'i str {
    let text = node.document().input_text();
    let start = node.range().start;
    let rest = text.get(start..).unwrap_or("");
    let rest = rest.strip_prefix('<').unwrap_or(rest);
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// The prefix of a qualified name (`""` when unprefixed).
pub(crate) fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(p, _)| p)
}

/// The qualified name of an attribute as written in the source.
pub(crate) fn attribute_qname<'i>(
    node: Node<'_, 'i>,
    attr: &roxmltree::Attribute<'_, 'i>,
) -> &'i str {
    let text = node.document().input_text();
    text.get(attr.range_qname()).unwrap_or_else(|| attr.name())
}

/// True when `node` is an element with this namespace and local name.
pub(crate) fn is(node: Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// Child elements with this namespace and local name, in document order.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is(*c, ns, local))
}

/// The first child element with this namespace and local name.
pub(crate) fn child<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> Option<Node<'a, 'i>> {
    children(node, ns, local).next()
}

/// The character content of an element: its descendant text nodes (CDATA included) joined,
/// comments and processing instructions excluded, nothing trimmed. A comment inside the text
/// therefore cannot truncate it.
pub(crate) fn text_content(node: Node<'_, '_>) -> String {
    let mut out = String::new();
    for d in node.descendants() {
        if d.node_type() == NodeType::Text {
            out.push_str(d.text().unwrap_or(""));
        }
    }
    out
}

/// Escape character data for writing (`&`, `<`, `>`, and CR so that it survives parsing).
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Escape an attribute value for writing inside double quotes; whitespace other than space
/// is written as character references so that attribute normalisation keeps it.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// True when every character may appear in an XML 1.0 document.
pub(crate) fn is_xml_chars(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    })
}

/// True when `s` is an XML NCName (what an `ID` attribute must be). ASCII letters, digits,
/// `_`, `-`, `.` and any non-ASCII letter are accepted; the first character must not be a
/// digit, `-` or `.`.
pub(crate) fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let start_ok =
        |c: char| c == '_' || c.is_ascii_alphabetic() || (!c.is_ascii() && c.is_alphabetic());
    start_ok(first)
        && chars.all(|c| {
            start_ok(c)
                || c.is_ascii_digit()
                || c == '-'
                || c == '.'
                || (!c.is_ascii() && c.is_alphanumeric())
        })
}

/// Format an instant as SAML writes it: UTC, milliseconds, `Z` (Entra's form). The one form
/// connect-sso shows times in, to people and in JSON (`2025-06-02T09:00:00.100Z`).
pub fn format_instant(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Serialise an optional instant with [`format_instant`] (`null` when absent).
pub(crate) fn serialize_instant<S: serde::Serializer>(
    t: &Option<OffsetDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_instant(*t)),
        None => s.serialize_none(),
    }
}

/// Parse an `xs:dateTime` as SAML uses it (RFC 3339; a missing zone is read as UTC).
pub(crate) fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let has_zone = s.ends_with('Z')
        || s.ends_with('z')
        || s.get(s.len().saturating_sub(6)..).is_some_and(|tail| {
            tail.starts_with(['+', '-']) && tail.as_bytes().get(3) == Some(&b':')
        });
    if has_zone {
        None
    } else {
        OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
    }
}

/// A small element writer over `quick-xml`, with our own escaping (attribute whitespace as
/// character references, CR in text as `&#xD;`) so that what we write parses back to exactly
/// the values we were given. No indentation: like Entra, no whitespace between elements.
pub(crate) struct XmlWriter {
    inner: quick_xml::Writer<Vec<u8>>,
    invalid: Option<String>,
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        Self {
            inner: quick_xml::Writer::new(Vec::new()),
            invalid: None,
        }
    }

    fn check(&mut self, s: &str) {
        if self.invalid.is_none() && !is_xml_chars(s) {
            self.invalid = Some(format!("{s:?} holds characters XML cannot carry"));
        }
    }

    fn tag<'t>(
        &mut self,
        name: &'t str,
        attrs: &[(&str, &str)],
    ) -> quick_xml::events::BytesStart<'t> {
        let mut start = quick_xml::events::BytesStart::new(name);
        for (k, v) in attrs {
            self.check(v);
            start.push_attribute(quick_xml::events::attributes::Attribute {
                key: quick_xml::name::QName(k.as_bytes()),
                value: std::borrow::Cow::Owned(escape_attr(v).into_bytes()),
            });
        }
        start
    }

    fn write(&mut self, event: quick_xml::events::Event<'_>) {
        if let Err(e) = self.inner.write_event(event) {
            if self.invalid.is_none() {
                self.invalid = Some(e.to_string());
            }
        }
    }

    /// `<name attrs>`.
    pub(crate) fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let tag = self.tag(name, attrs);
        self.write(quick_xml::events::Event::Start(tag));
    }

    /// `</name>`.
    pub(crate) fn end(&mut self, name: &str) {
        self.write(quick_xml::events::Event::End(
            quick_xml::events::BytesEnd::new(name),
        ));
    }

    /// `<name attrs/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let tag = self.tag(name, attrs);
        self.write(quick_xml::events::Event::Empty(tag));
    }

    /// Character data.
    pub(crate) fn text(&mut self, text: &str) {
        self.check(text);
        let escaped = escape_text(text);
        self.write(quick_xml::events::Event::Text(
            quick_xml::events::BytesText::from_escaped(escaped),
        ));
    }

    /// `<name attrs>text</name>`.
    pub(crate) fn text_element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.start(name, attrs);
        self.text(text);
        self.end(name);
    }

    /// The document as written, even if a value held characters XML cannot carry.
    pub(crate) fn finish_lossy(self) -> String {
        String::from_utf8_lossy(&self.inner.into_inner()).into_owned()
    }

    /// The document, or an error naming a value XML cannot carry.
    pub(crate) fn finish(self) -> Result<String, crate::Error> {
        if let Some(problem) = self.invalid {
            return Err(crate::Error::Build(problem));
        }
        String::from_utf8(self.inner.into_inner())
            .map_err(|e| crate::Error::Build(format!("generated XML is not UTF-8 ({e})")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qnames_come_from_the_source_text() {
        let text =
            "<a:root xmlns:a='urn:a' xmlns:b='urn:b'><b:child b:x='1' y='2'/>\n<plain/></a:root>";
        let doc = parse(text).expect("parse");
        let root = doc.root_element();
        assert_eq!(element_qname(root), "a:root");
        let child = root.first_element_child().expect("child");
        assert_eq!(element_qname(child), "b:child");
        let names: Vec<_> = child
            .attributes()
            .map(|a| attribute_qname(child, &a))
            .collect();
        assert_eq!(names, ["b:x", "y"]);
        assert_eq!(
            element_qname(root.last_element_child().expect("plain")),
            "plain"
        );
    }

    #[test]
    fn comment_does_not_truncate_text_content() {
        let doc = parse("<n>ross@<!-- x -->octolabs.io</n>").expect("parse");
        assert_eq!(text_content(doc.root_element()), "ross@octolabs.io");
    }

    #[test]
    fn dtd_is_refused_before_parsing() {
        assert_eq!(
            parse("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>").err(),
            Some(Rejection::Dtd)
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_recurses() {
        let depth = XmlLimits::DEFAULT.max_depth + 5;
        let text = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(matches!(
            parse(&text),
            Err(Rejection::Limit(crate::XmlLimit::Depth { .. }))
        ));
    }

    #[test]
    fn instants_round_trip() {
        let t = parse_instant("2017-03-20T15:52:31.957Z").expect("instant");
        assert_eq!(format_instant(t), "2017-03-20T15:52:31.957Z");
        assert!(parse_instant("2017-03-20T15:52:31").is_some());
        assert!(parse_instant("yesterday").is_none());
    }

    #[test]
    fn ncnames() {
        assert!(is_ncname("_abc-1.2"));
        assert!(!is_ncname("1abc"));
        assert!(!is_ncname("a:b"));
        assert!(!is_ncname(""));
    }
}
