//! Exclusive XML Canonicalization 1.0, without comments
//! (<https://www.w3.org/TR/xml-exc-c14n/>), over a `roxmltree` document.
//!
//! The parser has already normalised line endings and attribute values as XML 1.0 requires,
//! and it never expands a DTD (we refuse them), so the input to canonicalisation is exactly
//! the XPath data model c14n is defined on. What this module adds:
//! - namespace declarations: only those *visibly utilised* by an element (its own prefix, the
//!   prefixes of its attributes, the default namespace when the element is unprefixed) plus
//!   the InclusiveNamespaces PrefixList, and only when the nearest output ancestor has not
//!   already rendered the same prefix with the same URI; `xmlns=""` when an unprefixed element
//!   is in no namespace but an output ancestor rendered a default namespace;
//! - namespace declarations first, sorted by prefix (default first), then attributes sorted
//!   by (namespace URI, local name);
//! - escaping of text (`&amp; &lt; &gt; &#xD;`) and attribute values
//!   (`&amp; &lt; &quot; &#x9; &#xA; &#xD;`);
//! - empty elements as start/end tag pairs, no XML declaration, no DTD, no comments;
//! - the enveloped-signature transform: one node (the `ds:Signature` being checked) left out.

use std::collections::{BTreeMap, HashMap};

use roxmltree::{Document, Node, NodeId, NodeType};

use crate::xml::{attribute_qname, element_qname, prefix_of};
use crate::{Error, Rejection, ns};

/// Exclusive XML canonicalisation 1.0 without comments (`http://www.w3.org/2001/10/xml-exc-c14n#`)
/// of the element with the given `ID` attribute value (or the whole document when `None`),
/// optionally leaving out one descendant `ds:Signature` (the enveloped-signature transform),
/// with an InclusiveNamespaces PrefixList.
///
/// The element is found by an `ID`, `Id` or `id` attribute (no namespace). With
/// `exclude_enveloped_signature`, the first `ds:Signature` child of that element (of the root
/// element when `element_id` is `None`) is left out. `#default` in `inclusive_prefixes` stands
/// for the default namespace. DTDs are refused.
pub fn canonicalize_exclusive(
    xml: &str,
    element_id: Option<&str>,
    exclude_enveloped_signature: bool,
    inclusive_prefixes: &[&str],
) -> Result<Vec<u8>, Error> {
    let xml = crate::xml::normalize_newlines(xml);
    let doc = crate::xml::parse(&xml)?;
    let target = match element_id {
        None => doc.root_element(),
        Some(id) => {
            let mut found = doc.descendants().filter(|n| {
                n.is_element()
                    && ["ID", "Id", "id"]
                        .iter()
                        .any(|name| n.attribute(*name) == Some(id))
            });
            let first = found
                .next()
                .ok_or_else(|| Rejection::BadReference(format!("no element has the ID {id:?}")))?;
            if found.next().is_some() {
                return Err(Rejection::DuplicateId(id.to_string()).into());
            }
            first
        }
    };
    let exclude = if exclude_enveloped_signature {
        crate::xml::child(target, ns::DSIG, "Signature").map(|n| n.id())
    } else {
        None
    };
    let prefixes = PrefixList::new(inclusive_prefixes.iter().copied());
    Ok(match element_id {
        None => canonicalize_document(&doc, exclude, &prefixes),
        Some(_) => canonicalize_element(target, exclude, &prefixes),
    })
}

/// An InclusiveNamespaces PrefixList; `""` is the default namespace (`#default`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PrefixList(Vec<String>);

impl PrefixList {
    /// From the whitespace-separated tokens of a `PrefixList` attribute (or a list of them).
    pub(crate) fn new<'s>(tokens: impl IntoIterator<Item = &'s str>) -> Self {
        let mut list: Vec<String> = tokens
            .into_iter()
            .flat_map(str::split_ascii_whitespace)
            .map(|t| {
                if t == "#default" {
                    String::new()
                } else {
                    t.to_string()
                }
            })
            .filter(|t| t != "xml" && t != "xmlns")
            .collect();
        list.sort();
        list.dedup();
        Self(list)
    }

    fn contains(&self, prefix: &str) -> bool {
        self.0.binary_search_by(|p| p.as_str().cmp(prefix)).is_ok()
    }
}

/// Canonical form of the subtree rooted at `element`, leaving out `exclude` (and its subtree).
pub(crate) fn canonicalize_element(
    element: Node<'_, '_>,
    exclude: Option<NodeId>,
    prefixes: &PrefixList,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let mut c = Canonicaliser {
        exclude,
        prefixes,
        rendered: Rendered::default(),
        out: &mut out,
    };
    c.element(element);
    out
}

/// Canonical form of a whole document (a same-document reference `URI=""`), comments
/// removed: the document element plus processing instructions outside it, separated by
/// line feeds as c14n requires.
pub(crate) fn canonicalize_document(
    doc: &Document<'_>,
    exclude: Option<NodeId>,
    prefixes: &PrefixList,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(4096);
    let mut seen_root = false;
    for node in doc.root().children() {
        match node.node_type() {
            NodeType::Element => {
                let mut c = Canonicaliser {
                    exclude,
                    prefixes,
                    rendered: Rendered::default(),
                    out: &mut out,
                };
                c.element(node);
                seen_root = true;
            }
            NodeType::PI => {
                if seen_root {
                    out.push(b'\n');
                }
                write_pi(node, &mut out);
                if !seen_root {
                    out.push(b'\n');
                }
            }
            _ => {}
        }
    }
    out
}

struct Canonicaliser<'a, 'p, 'o> {
    exclude: Option<NodeId>,
    prefixes: &'p PrefixList,
    /// Namespace declarations rendered by output ancestors.
    rendered: Rendered<'a>,
    out: &'o mut Vec<u8>,
}

/// The namespace declarations output ancestors rendered: for each prefix, its URIs from the
/// outermost to the innermost, and the order they were pushed in (to undo an element's). A
/// lookup costs the same however deep the document and however many prefixes it uses.
#[derive(Default)]
struct Rendered<'a> {
    by_prefix: HashMap<&'a str, Vec<&'a str>>,
    pushed: Vec<&'a str>,
}

impl<'a> Rendered<'a> {
    fn uri(&self, prefix: &str) -> Option<&'a str> {
        self.by_prefix
            .get(prefix)
            .and_then(|uris| uris.last().copied())
    }

    fn mark(&self) -> usize {
        self.pushed.len()
    }

    fn push(&mut self, prefix: &'a str, uri: &'a str) {
        self.by_prefix.entry(prefix).or_default().push(uri);
        self.pushed.push(prefix);
    }

    /// Forget every declaration pushed since `mark`.
    fn undo(&mut self, mark: usize) {
        for prefix in self.pushed.drain(mark..) {
            if let Some(uris) = self.by_prefix.get_mut(prefix) {
                uris.pop();
            }
        }
    }
}

impl<'a> Canonicaliser<'a, '_, '_> {
    fn rendered_uri(&self, prefix: &str) -> Option<&'a str> {
        self.rendered.uri(prefix)
    }

    /// Add `prefix → uri` to `decls` unless the output ancestors already rendered exactly it.
    fn consider(&self, decls: &mut BTreeMap<&'a str, &'a str>, prefix: &'a str, uri: &'a str) {
        if prefix == "xml" || prefix == "xmlns" {
            return;
        }
        let already = if prefix.is_empty() {
            self.rendered_uri("").unwrap_or("") == uri
        } else {
            self.rendered_uri(prefix) == Some(uri)
        };
        if !already {
            decls.insert(prefix, uri);
        }
    }

    fn element<'i: 'a>(&mut self, node: Node<'a, 'i>) {
        let qname: &'a str = element_qname(node);
        let mut decls: BTreeMap<&'a str, &'a str> = BTreeMap::new();

        // Visibly utilised: the element's own prefix (or the default namespace) ...
        let uri: &'a str = node.tag_name().namespace().unwrap_or("");
        self.consider(&mut decls, prefix_of(qname), uri);
        // ... and the prefixes of its attributes (unprefixed attributes use no namespace).
        let mut attrs = Vec::new();
        for attr in node.attributes() {
            let aq: &'a str = attribute_qname(node, &attr);
            let ap = prefix_of(aq);
            let a_ns: &'a str = attr.namespace().unwrap_or("");
            if !ap.is_empty() {
                self.consider(&mut decls, ap, a_ns);
            }
            attrs.push((a_ns, attr.name(), aq, attr.value()));
        }
        // The InclusiveNamespaces PrefixList, handled as inclusive c14n does: every in-scope
        // namespace whose prefix is listed (one pass over the namespaces, so a long hostile
        // list costs a binary search per namespace, not a scan per token).
        if !self.prefixes.0.is_empty() {
            let mut default_in_scope = false;
            for n in node.namespaces() {
                let prefix = n.name().unwrap_or("");
                default_in_scope |= prefix.is_empty();
                if self.prefixes.contains(prefix) {
                    self.consider(&mut decls, prefix, n.uri());
                }
            }
            if !default_in_scope && self.prefixes.contains("") {
                self.consider(&mut decls, "", "");
            }
        }

        self.out.push(b'<');
        self.out.extend_from_slice(qname.as_bytes());
        for (prefix, uri) in &decls {
            if prefix.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(prefix.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            escape_attr(uri, self.out);
            self.out.push(b'"');
        }
        attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, aq, value) in &attrs {
            self.out.push(b' ');
            self.out.extend_from_slice(aq.as_bytes());
            self.out.extend_from_slice(b"=\"");
            escape_attr(value, self.out);
            self.out.push(b'"');
        }
        self.out.push(b'>');

        let mark = self.rendered.mark();
        for (prefix, uri) in decls {
            self.rendered.push(prefix, uri);
        }
        for child in node.children() {
            match child.node_type() {
                NodeType::Element if Some(child.id()) != self.exclude => self.element(child),
                NodeType::Text => escape_text(child.text().unwrap_or(""), self.out),
                NodeType::PI => write_pi(child, self.out),
                _ => {}
            }
        }
        self.rendered.undo(mark);

        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(qname.as_bytes());
        self.out.push(b'>');
    }
}

fn write_pi(node: Node<'_, '_>, out: &mut Vec<u8>) {
    if let Some(pi) = node.pi() {
        out.extend_from_slice(b"<?");
        out.extend_from_slice(pi.target.as_bytes());
        if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
            out.push(b' ');
            out.extend_from_slice(value.as_bytes());
        }
        out.extend_from_slice(b"?>");
    }
}

/// Escape character data as canonical XML writes it.
pub(crate) fn escape_text(s: &str, out: &mut Vec<u8>) {
    for b in s.bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'\r' => out.extend_from_slice(b"&#xD;"),
            b => out.push(b),
        }
    }
}

/// Escape an attribute value as canonical XML writes it (also valid XML to parse back).
pub(crate) fn escape_attr(s: &str, out: &mut Vec<u8>) {
    for b in s.bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\t' => out.extend_from_slice(b"&#x9;"),
            b'\n' => out.extend_from_slice(b"&#xA;"),
            b'\r' => out.extend_from_slice(b"&#xD;"),
            b => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n(xml: &str, id: Option<&str>, prefixes: &[&str]) -> String {
        String::from_utf8(canonicalize_exclusive(xml, id, false, prefixes).expect("c14n"))
            .expect("utf8")
    }

    #[test]
    fn only_visibly_utilised_namespaces_are_rendered() {
        let xml = r#"<p:a xmlns:p="urn:p" xmlns:q="urn:q" xmlns="urn:d"><p:b ID="x" q:at="1" z="2"><c/></p:b></p:a>"#;
        assert_eq!(
            c14n(xml, Some("x"), &[]),
            r#"<p:b xmlns:p="urn:p" xmlns:q="urn:q" ID="x" z="2" q:at="1"><c xmlns="urn:d"></c></p:b>"#
        );
    }

    #[test]
    fn default_namespace_is_undeclared_when_needed() {
        let xml = r#"<a xmlns="urn:d"><b xmlns=""><c/></b></a>"#;
        assert_eq!(
            c14n(xml, None, &[]),
            r#"<a xmlns="urn:d"><b xmlns=""><c></c></b></a>"#
        );
        // At the apex, no default namespace was rendered, so no xmlns="" either.
        let xml = r#"<a xmlns="urn:d"><b xmlns="" ID="x"/></a>"#;
        assert_eq!(c14n(xml, Some("x"), &[]), r#"<b ID="x"></b>"#);
    }

    #[test]
    fn inclusive_prefixes_are_rendered_when_in_scope() {
        let xml = r#"<a xmlns:xs="urn:xs" xmlns:u="urn:u"><b ID="x"><c/></b></a>"#;
        assert_eq!(
            c14n(xml, Some("x"), &["xs", "missing"]),
            r#"<b xmlns:xs="urn:xs" ID="x"><c></c></b>"#
        );
    }

    #[test]
    fn attributes_are_sorted_by_namespace_then_local_name() {
        let xml = r#"<a xmlns:z="urn:a" xmlns:b="urn:b" b:y="1" z:y="2" x="3" a="4"/>"#;
        assert_eq!(
            c14n(xml, None, &[]),
            r#"<a xmlns:b="urn:b" xmlns:z="urn:a" a="4" x="3" z:y="2" b:y="1"></a>"#
        );
    }

    #[test]
    fn escaping_follows_c14n() {
        let xml = "<a t=\"&lt;&amp;&gt;&quot;&#9;&#10;&#13;'\">&lt;&amp;&gt;\"&#13;\r\n<![CDATA[<x>]]></a>";
        assert_eq!(
            c14n(xml, None, &[]),
            "<a t=\"&lt;&amp;>&quot;&#x9;&#xA;&#xD;'\">&lt;&amp;&gt;\"&#xD;\n&lt;x&gt;</a>"
        );
    }

    #[test]
    fn comments_and_declaration_are_dropped_pis_kept() {
        let xml =
            "<?xml version=\"1.0\"?>\n<?pi one?><!-- c --><a><!-- x --><?pi  two ?>t</a><?end?>";
        assert_eq!(
            c14n(xml, None, &[]),
            "<?pi one?>\n<a><?pi two ?>t</a>\n<?end?>"
        );
    }

    #[test]
    fn enveloped_signature_is_left_out() {
        let xml = r#"<a ID="x"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X/></ds:Signature><b/></a>"#;
        let out = canonicalize_exclusive(xml, Some("x"), true, &[]).expect("c14n");
        assert_eq!(out, br#"<a ID="x"><b></b></a>"#);
    }
}
