//! The bounded front door for XML from outside: every document this crate parses (responses,
//! metadata, AuthnRequests) is first scanned here, in one linear pass that keeps no more than
//! one counter per open element, and refused as soon as it crosses a limit — before the tree
//! parser sees it.
//!
//! Why a separate pass: the tree parser (`roxmltree`) recurses once per nested element, and
//! checks attribute and namespace duplicates with a linear scan per attribute. On hostile
//! input that is a stack overflow (about 1,500 nested elements abort the process) or quadratic
//! time (40,000 attributes on one element take 25 s). With the limits below, the parser only
//! ever sees documents on which its work per element is bounded by a constant, so the whole
//! pipeline is linear in the input ([`XmlStats::parser_work`] counts that work).
//!
//! The scanner follows the same grammar as the parser for everything that decides structure
//! (comments, CDATA sections, processing instructions, start tags with quoted attribute
//! values, end tags), and is never more lenient where it matters: whatever it reads as
//! character data or markup the parser either reads the same way or refuses.

use std::collections::HashSet;
use std::fmt;

use crate::Rejection;

/// The limits applied to every XML document read from outside.
///
/// The defaults ([`XmlLimits::DEFAULT`]) are far above what any SAML message or IdP metadata
/// needs (an Entra response is about 6 kB, nests about ten levels and has under 200 nodes) and
/// far below what would make parsing slow or deep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XmlLimits {
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting.
    pub max_depth: usize,
    /// Most attributes on one element, namespace declarations not counted.
    pub max_attributes: usize,
    /// Most namespace declarations (`xmlns`, `xmlns:p`) on one element.
    pub max_namespace_declarations: usize,
    /// Most distinct namespace bindings (prefix and URI) in the whole document.
    pub max_namespaces: usize,
    /// Most attributes in the whole document, namespace declarations included.
    pub max_total_attributes: usize,
    /// Most nodes (elements, text runs, comments, CDATA sections, processing instructions).
    pub max_nodes: usize,
}

impl XmlLimits {
    /// The limits this crate applies.
    pub const DEFAULT: Self = Self {
        max_bytes: 1024 * 1024,
        max_depth: 64,
        max_attributes: 32,
        max_namespace_declarations: 32,
        max_namespaces: 128,
        max_total_attributes: 10_000,
        max_nodes: 50_000,
    };
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A place in the document: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1, counted in characters.
    pub column: usize,
}

impl Position {
    fn at(text: &str, offset: usize) -> Self {
        let before = text.get(..offset).unwrap_or(text);
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Self { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Which limit a document crossed, and where. Each is a reason to refuse the document without
/// reading further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlLimit {
    /// The document is larger than [`XmlLimits::max_bytes`].
    #[error("the document is {found} bytes; at most {limit} are accepted")]
    InputSize {
        /// The limit.
        limit: usize,
        /// The document's size.
        found: usize,
    },
    /// Elements nest deeper than [`XmlLimits::max_depth`].
    #[error("elements are nested more than {limit} levels deep (at {at})")]
    Depth {
        /// The limit.
        limit: usize,
        /// Where the element that crossed it starts.
        at: Position,
    },
    /// One element has more than [`XmlLimits::max_attributes`] attributes.
    #[error("an element has more than {limit} attributes (at {at})")]
    Attributes {
        /// The limit.
        limit: usize,
        /// Where the attribute that crossed it starts.
        at: Position,
    },
    /// One element declares more than [`XmlLimits::max_namespace_declarations`] namespaces.
    #[error("an element declares more than {limit} namespaces (at {at})")]
    NamespaceDeclarations {
        /// The limit.
        limit: usize,
        /// Where the declaration that crossed it starts.
        at: Position,
    },
    /// The document binds more than [`XmlLimits::max_namespaces`] distinct namespaces.
    #[error("the document binds more than {limit} distinct namespaces (at {at})")]
    Namespaces {
        /// The limit.
        limit: usize,
        /// Where the declaration that crossed it starts.
        at: Position,
    },
    /// The document has more than [`XmlLimits::max_total_attributes`] attributes.
    #[error("the document has more than {limit} attributes (at {at})")]
    TotalAttributes {
        /// The limit.
        limit: usize,
        /// Where the attribute that crossed it starts.
        at: Position,
    },
    /// The document has more than [`XmlLimits::max_nodes`] nodes.
    #[error("the document has more than {limit} nodes (at {at})")]
    Nodes {
        /// The limit.
        limit: usize,
        /// Where the node that crossed it starts.
        at: Position,
    },
}

/// What the scan saw: sizes, and the work the tree parser will do on this document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct XmlStats {
    /// Bytes scanned.
    pub bytes: usize,
    /// Nodes (elements, text runs, comments, CDATA sections, processing instructions).
    pub nodes: usize,
    /// Elements.
    pub elements: usize,
    /// Deepest nesting seen.
    pub max_depth: usize,
    /// Attributes, namespace declarations not counted.
    pub attributes: usize,
    /// Namespace declarations.
    pub namespace_declarations: usize,
    /// An upper bound on the comparisons the tree parser makes on this document beyond one
    /// pass over its bytes: per element, the pairwise duplicate check of its attributes, the
    /// copy and duplicate check of in-scope namespaces when it declares any, and the lookup of
    /// its own prefix and its attributes' prefixes among the namespaces in scope. Under the
    /// limits this grows linearly with the document.
    pub parser_work: u64,
}

/// Scan `text` against `limits`: the declared encoding must be UTF-8, DTDs are refused, and the
/// first limit crossed is reported. Linear in `text.len()`.
pub fn scan(text: &str, limits: &XmlLimits) -> Result<XmlStats, Rejection> {
    if text.len() > limits.max_bytes {
        return Err(Rejection::Limit(XmlLimit::InputSize {
            limit: limits.max_bytes,
            found: text.len(),
        }));
    }
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        limits,
        stats: XmlStats {
            bytes: text.len(),
            ..XmlStats::default()
        },
        in_scope: Vec::new(),
        namespaces: HashSet::new(),
    };
    scanner.declaration()?;
    scanner.run()?;
    Ok(scanner.stats)
}

struct Scanner<'t, 'l> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    limits: &'l XmlLimits,
    stats: XmlStats,
    /// Namespaces in scope (an upper bound) for each open element, innermost last.
    in_scope: Vec<usize>,
    /// Distinct (prefix, URI) bindings declared so far.
    namespaces: HashSet<(&'t str, &'t str)>,
}

impl<'t> Scanner<'t, '_> {
    fn position(&self, offset: usize) -> Position {
        Position::at(self.text, offset)
    }

    fn malformed(&self, offset: usize, what: &str) -> Rejection {
        Rejection::Malformed(format!("{what} at {}", self.position(offset)))
    }

    fn limit(&self, offset: usize, make: impl FnOnce(Position) -> XmlLimit) -> Rejection {
        Rejection::Limit(make(self.position(offset)))
    }

    /// Offset of the next `needle` at or after `from`, or an error naming the open construct.
    fn find(&self, from: usize, needle: &str, what: &str) -> Result<usize, Rejection> {
        self.text
            .get(from..)
            .and_then(|rest| rest.find(needle))
            .map(|i| from + i)
            .ok_or_else(|| self.malformed(self.pos, what))
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    /// The XML declaration, if any: a declared encoding other than UTF-8 is refused, since the
    /// message is read as UTF-8 and a conforming parser would read other characters.
    fn declaration(&mut self) -> Result<(), Rejection> {
        let is_decl = self.starts_with("<?xml")
            && self
                .bytes
                .get(5)
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b'?');
        if !is_decl {
            return Ok(());
        }
        let end = self.find(5, "?>", "unclosed XML declaration")?;
        let decl = self.text.get(5..end).unwrap_or("");
        if let Some(encoding) = pseudo_attribute(decl, "encoding") {
            if !encoding.eq_ignore_ascii_case("UTF-8") {
                return Err(Rejection::Encoding(encoding.to_string()));
            }
        }
        self.pos = end + 2;
        self.count_node(0)?;
        Ok(())
    }

    fn count_node(&mut self, at: usize) -> Result<(), Rejection> {
        self.stats.nodes += 1;
        if self.stats.nodes > self.limits.max_nodes {
            let limit = self.limits.max_nodes;
            return Err(self.limit(at, |at| XmlLimit::Nodes { limit, at }));
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), Rejection> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            if self.bytes.get(start) != Some(&b'<') {
                let next = self.text.get(start..).and_then(|r| r.find('<'));
                self.pos = next.map_or(self.bytes.len(), |i| start + i);
                self.count_node(start)?;
            } else if self.starts_with("<!--") {
                self.pos = self.find(start + 4, "-->", "unclosed comment")? + 3;
                self.count_node(start)?;
            } else if self.starts_with("<![CDATA[") {
                self.pos = self.find(start + 9, "]]>", "unclosed CDATA section")? + 3;
                self.count_node(start)?;
            } else if self.starts_with("<!") {
                return Err(Rejection::Dtd);
            } else if self.starts_with("<?") {
                self.pos = self.find(start + 2, "?>", "unclosed processing instruction")? + 2;
                self.count_node(start)?;
            } else if self.starts_with("</") {
                self.pos = self.find(start + 2, ">", "unclosed end tag")? + 1;
                self.in_scope.pop();
            } else {
                self.start_tag(start)?;
            }
        }
        Ok(())
    }

    fn skip_spaces(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(u8::is_ascii_whitespace)
        {
            self.pos += 1;
        }
    }

    /// Skip a name: everything up to white space, `=`, `/`, `>` or a quote.
    fn name(&mut self) -> &'t str {
        let start = self.pos;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace() && !b"=/>\"'<".contains(b))
        {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// A start tag, from its `<` to its `>` (or `/>`), with the limits on its attributes.
    fn start_tag(&mut self, start: usize) -> Result<(), Rejection> {
        self.count_node(start)?;
        self.stats.elements += 1;
        let depth = self.in_scope.len() + 1;
        if depth > self.limits.max_depth {
            let limit = self.limits.max_depth;
            return Err(self.limit(start, |at| XmlLimit::Depth { limit, at }));
        }
        self.stats.max_depth = self.stats.max_depth.max(depth);
        self.pos = start + 1;
        let element_name = self.name();
        if element_name.is_empty() {
            return Err(self.malformed(start, "a '<' that starts no element"));
        }
        let mut tag = Tag::default();
        tag.prefixed(element_name);
        let empty = loop {
            self.skip_spaces();
            match self.bytes.get(self.pos) {
                None => return Err(self.malformed(start, "unclosed start tag")),
                Some(b'>') => break false,
                Some(b'/') if self.bytes.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 1;
                    break true;
                }
                Some(_) => self.attribute(&mut tag)?,
            }
        };
        self.pos += 1;
        self.finish_tag(&tag, empty);
        Ok(())
    }

    /// One `name="value"` inside a start tag.
    fn attribute(&mut self, tag: &mut Tag) -> Result<(), Rejection> {
        let at = self.pos;
        let name = self.name();
        self.skip_spaces();
        if name.is_empty() || self.bytes.get(self.pos) != Some(&b'=') {
            return Err(self.malformed(at, "expected an attribute name followed by '='"));
        }
        self.pos += 1;
        self.skip_spaces();
        let quote = match self.bytes.get(self.pos) {
            Some(&q @ (b'"' | b'\'')) => q as char,
            _ => return Err(self.malformed(self.pos, "expected a quoted attribute value")),
        };
        let value_start = self.pos + 1;
        let mut buf = [0u8; 4];
        let value_end = self.find(
            value_start,
            quote.encode_utf8(&mut buf),
            "unclosed attribute value",
        )?;
        let value = self.text.get(value_start..value_end).unwrap_or("");
        self.pos = value_end + 1;
        if self.stats.attributes + self.stats.namespace_declarations
            >= self.limits.max_total_attributes
        {
            let limit = self.limits.max_total_attributes;
            return Err(self.limit(at, |at| XmlLimit::TotalAttributes { limit, at }));
        }
        if let Some(prefix) = namespace_prefix(name) {
            tag.declarations += 1;
            self.stats.namespace_declarations += 1;
            if tag.declarations > self.limits.max_namespace_declarations {
                let limit = self.limits.max_namespace_declarations;
                return Err(self.limit(at, |at| XmlLimit::NamespaceDeclarations { limit, at }));
            }
            self.namespaces.insert((prefix, value));
            if self.namespaces.len() > self.limits.max_namespaces {
                let limit = self.limits.max_namespaces;
                return Err(self.limit(at, |at| XmlLimit::Namespaces { limit, at }));
            }
        } else {
            tag.attributes += 1;
            self.stats.attributes += 1;
            if tag.attributes > self.limits.max_attributes {
                let limit = self.limits.max_attributes;
                return Err(self.limit(at, |at| XmlLimit::Attributes { limit, at }));
            }
            tag.prefixed(name);
        }
        Ok(())
    }

    /// Account for the parser's work on this element and open its scope.
    fn finish_tag(&mut self, tag: &Tag, empty: bool) {
        let parent = self.in_scope.last().copied().unwrap_or(0);
        let in_scope = (parent + tag.declarations).min(self.namespaces.len());
        let (attributes, declarations) = (tag.attributes as u64, tag.declarations as u64);
        self.stats.parser_work += attributes * attributes.saturating_sub(1) / 2
            + declarations * (parent as u64 + declarations)
            + tag.prefixed_names * in_scope as u64
            + 1;
        if !empty {
            self.in_scope.push(in_scope);
        }
    }
}

/// Counts for one start tag.
#[derive(Default)]
struct Tag {
    attributes: usize,
    declarations: usize,
    /// The element's name and attribute names that carry a prefix (each is looked up among
    /// the namespaces in scope).
    prefixed_names: u64,
}

impl Tag {
    fn prefixed(&mut self, name: &str) {
        if name.contains(':') {
            self.prefixed_names += 1;
        }
    }
}

/// `Some(prefix)` when `name` declares a namespace (`""` for the default namespace).
fn namespace_prefix(name: &str) -> Option<&str> {
    if name == "xmlns" {
        Some("")
    } else {
        name.strip_prefix("xmlns:")
    }
}

/// The value of a pseudo-attribute (`encoding="…"`) in an XML declaration.
fn pseudo_attribute<'d>(decl: &'d str, name: &str) -> Option<&'d str> {
    let mut rest = decl;
    while let Some(i) = rest.find(name) {
        let before_ok = i == 0
            || rest
                .as_bytes()
                .get(i - 1)
                .is_some_and(u8::is_ascii_whitespace);
        let after = rest.get(i + name.len()..).unwrap_or("").trim_start();
        if let (true, Some(after_eq)) = (before_ok, after.strip_prefix('=')) {
            let after_eq = after_eq.trim_start();
            let quote = after_eq
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')?;
            let value = after_eq.get(1..)?;
            return value.find(quote).and_then(|end| value.get(..end));
        }
        rest = rest.get(i + name.len()..).unwrap_or("");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_default(text: &str) -> Result<XmlStats, Rejection> {
        scan(text, &XmlLimits::DEFAULT)
    }

    #[test]
    fn counts_a_small_document() {
        let stats = scan_default(
            "<?xml version='1.0' encoding='utf-8'?><a:r xmlns:a='urn:a' x='1'><!-- c --><b>t</b><![CDATA[d]]><?pi x?></a:r>",
        )
        .expect("scan");
        assert_eq!(stats.elements, 2);
        assert_eq!(stats.max_depth, 2);
        assert_eq!(stats.attributes, 1);
        assert_eq!(stats.namespace_declarations, 1);
        // declaration, a:r, comment, b, text, CDATA, PI
        assert_eq!(stats.nodes, 7);
    }

    #[test]
    fn encoding_other_than_utf8_is_refused() {
        assert_eq!(
            scan_default("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"),
            Err(Rejection::Encoding("ISO-8859-1".to_string()))
        );
        assert!(scan_default("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>").is_ok());
        assert!(scan_default("<?xml version=\"1.0\"?><a/>").is_ok());
    }

    #[test]
    fn markup_inside_comments_cdata_and_values_is_not_structure() {
        let text = format!(
            "<r a='{}'><!--{}--><![CDATA[{}]]></r>",
            "&lt;x>".repeat(10),
            "<x>".repeat(1000),
            "<y>".repeat(1000)
        );
        let stats = scan_default(&text).expect("scan");
        assert_eq!(stats.max_depth, 1);
    }

    #[test]
    fn each_limit_names_itself() {
        let limits = XmlLimits::DEFAULT;
        let deep = "<a>".repeat(limits.max_depth + 1);
        assert!(matches!(
            scan_default(&deep),
            Err(Rejection::Limit(XmlLimit::Depth { .. }))
        ));
        let attrs: String = (0..=limits.max_attributes)
            .map(|i| format!(" a{i}='1'"))
            .collect();
        assert!(matches!(
            scan_default(&format!("<a{attrs}/>")),
            Err(Rejection::Limit(XmlLimit::Attributes { .. }))
        ));
        let decls: String = (0..=limits.max_namespace_declarations)
            .map(|i| format!(" xmlns:p{i}='urn:{i}'"))
            .collect();
        assert!(matches!(
            scan_default(&format!("<a{decls}/>")),
            Err(Rejection::Limit(XmlLimit::NamespaceDeclarations { .. }))
        ));
        let spread: String = (0..=limits.max_namespaces)
            .map(|i| format!("<b xmlns:p='urn:{i}'/>"))
            .collect();
        assert!(matches!(
            scan_default(&format!("<a>{spread}</a>")),
            Err(Rejection::Limit(XmlLimit::Namespaces { .. }))
        ));
        let wide = format!("<b{}/>", " a='1' b='2' c='3' d='4'");
        let total = wide.repeat(limits.max_total_attributes / 4 + 1);
        assert!(matches!(
            scan_default(&format!("<a>{total}</a>")),
            Err(Rejection::Limit(XmlLimit::TotalAttributes { .. }))
        ));
        let many = "<b/>".repeat(limits.max_nodes);
        assert!(matches!(
            scan_default(&format!("<a>{many}</a>")),
            Err(Rejection::Limit(XmlLimit::Nodes { .. }))
        ));
        let big = " ".repeat(limits.max_bytes + 1);
        assert!(matches!(
            scan_default(&big),
            Err(Rejection::Limit(XmlLimit::InputSize { .. }))
        ));
    }

    #[test]
    fn limits_say_where() {
        let limit = XmlLimits::DEFAULT.max_depth;
        let text = format!("<a>\n  {}", "<b>".repeat(limit + 10));
        let Err(Rejection::Limit(XmlLimit::Depth { at, .. })) = scan_default(&text) else {
            panic!("expected a depth rejection");
        };
        assert_eq!(at.line, 2);
        assert_eq!(at.column, 3 + 3 * (limit - 1));
    }

    #[test]
    fn redeclaring_the_same_namespace_does_not_count_twice() {
        let text = format!("<a>{}</a>", "<b xmlns:p='urn:p'/>".repeat(1000));
        let stats = scan_default(&text).expect("scan");
        assert_eq!(stats.namespace_declarations, 1000);
    }

    #[test]
    fn dtd_and_unclosed_constructs_are_refused() {
        assert_eq!(scan_default("<!DOCTYPE a><a/>"), Err(Rejection::Dtd));
        for bad in [
            "<a><!-- x",
            "<a><![CDATA[x",
            "<a b='1",
            "<a b>",
            "<a",
            "<?x",
        ] {
            assert!(
                matches!(scan_default(bad), Err(Rejection::Malformed(_))),
                "{bad}"
            );
        }
    }
}
