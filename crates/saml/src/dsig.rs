//! Enveloped XML signatures: create and check `ds:Signature` elements.
//!
//! Only the profile SAML IdPs use is supported, and everything else is refused:
//! one `Reference` to the element the signature sits in (`#<ID>`, or `""` for the document
//! when the signature is a child of the root), transforms enveloped-signature then exclusive
//! c14n, exclusive c14n of `SignedInfo`, RSA PKCS#1 v1.5 with SHA-256 (SHA-1 only when
//! allowed). Keys come from pinned certificates only; `KeyInfo` is never read.

use aws_lc_rs::digest;
use base64::Engine as _;
use roxmltree::{Document, Node};

use crate::c14n::{
    PrefixList, canonicalize_document, canonicalize_element, escape_attr, escape_text,
};
use crate::xml::{self, child, children, is};
use crate::{Certificate, Error, Rejection, SignatureAlgorithm, SigningKey, ns};

/// Namespace of `ec:InclusiveNamespaces`.
const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Exclusive c14n with comments (refused: comments must not be signed content we read around).
const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// Where a new signature goes inside the signed element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Right after the element's `saml:Issuer` child (SAML's schema order).
    AfterIssuer,
    /// As the element's first child (signed metadata, as Entra publishes it).
    FirstChild,
}

/// Sign the element whose `ID` is `target_id` with an enveloped signature: exclusive c14n,
/// transforms enveloped-signature + exc-c14n, RSA-SHA256/SHA-256 (or the SHA-1 pair).
/// Returns the whole document with the `ds:Signature` inserted.
pub(crate) fn sign_enveloped(
    xml: &str,
    target_id: &str,
    placement: Placement,
    key: &SigningKey,
    sha1: bool,
    include_key_info: bool,
) -> Result<String, Error> {
    let build = |what: &str, e: Rejection| Error::Build(format!("{what}: {e}"));
    let xml: &str = &xml::normalize_newlines(xml);
    let doc = xml::parse(xml).map_err(|e| build("the document to sign is not usable XML", e))?;
    let target = find_by_id(&doc, target_id)?;
    if child(target, ns::DSIG, "Signature").is_some() {
        return Err(Error::Build(format!(
            "the element with ID {target_id:?} is already signed"
        )));
    }
    let canonical = canonicalize_element(target, None, &PrefixList::default());
    let digest_alg = if sha1 {
        &digest::SHA1_FOR_LEGACY_USE_ONLY
    } else {
        &digest::SHA256
    };
    let digest_value = B64.encode(digest::digest(digest_alg, &canonical));

    let insert_at = match placement {
        Placement::AfterIssuer => child(target, ns::ASSERTION, "Issuer").map(|n| n.range().end),
        Placement::FirstChild => None,
    };
    let insert_at = match insert_at {
        Some(at) => at,
        None => target
            .first_child()
            .map(|n| n.range().start)
            .ok_or_else(|| {
                Error::Build(format!(
                    "the element with ID {target_id:?} has no content to put a signature in"
                ))
            })?,
    };

    let signed_info = signed_info_markup(target_id, &digest_value, sha1);
    // SignedInfo is written in canonical form, and its only namespace is the default one
    // declared on Signature, so its exclusive canonicalisation is the same markup with that
    // declaration moved onto it: no second parse is needed to know what to sign.
    let mut canonical = Vec::with_capacity(signed_info.len() + 48);
    canonical.extend_from_slice(b"<SignedInfo xmlns=\"");
    canonical.extend_from_slice(ns::DSIG.as_bytes());
    canonical.extend_from_slice(b"\">");
    canonical.extend_from_slice(signed_info.inner.as_bytes());
    canonical.extend_from_slice(b"</SignedInfo>");
    let signature_value = B64.encode(key.sign(&canonical, sha1)?);

    let mut signed = String::with_capacity(xml.len() + signed_info.len() + 2_000);
    signed.push_str(&xml[..insert_at]);
    signed.push_str("<Signature xmlns=\"");
    signed.push_str(ns::DSIG);
    signed.push_str("\"><SignedInfo>");
    signed.push_str(&signed_info.inner);
    signed.push_str("</SignedInfo><SignatureValue>");
    signed.push_str(&signature_value);
    signed.push_str("</SignatureValue>");
    if include_key_info {
        signed.push_str("<KeyInfo><X509Data><X509Certificate>");
        signed.push_str(&key.certificate().to_base64());
        signed.push_str("</X509Certificate></X509Data></KeyInfo>");
    }
    signed.push_str("</Signature>");
    signed.push_str(&xml[insert_at..]);
    Ok(signed)
}

/// The children of `ds:SignedInfo`, written in canonical form (no empty-element tags,
/// canonical escaping), for a signature over `#target_id`.
struct SignedInfoMarkup {
    inner: String,
}

impl SignedInfoMarkup {
    fn len(&self) -> usize {
        self.inner.len()
    }
}

fn signed_info_markup(target_id: &str, digest_value: &str, sha1: bool) -> SignedInfoMarkup {
    let (sig_alg, digest_alg) = if sha1 {
        (ns::RSA_SHA1, ns::SHA1)
    } else {
        (ns::RSA_SHA256, ns::SHA256)
    };
    let mut out = Vec::with_capacity(640);
    let algorithm = |out: &mut Vec<u8>, name: &str, uri: &str| {
        out.extend_from_slice(format!("<{name} Algorithm=\"").as_bytes());
        escape_attr(uri, out);
        out.extend_from_slice(format!("\"></{name}>").as_bytes());
    };
    algorithm(&mut out, "CanonicalizationMethod", ns::EXC_C14N);
    algorithm(&mut out, "SignatureMethod", sig_alg);
    out.extend_from_slice(b"<Reference URI=\"#");
    escape_attr(target_id, &mut out);
    out.extend_from_slice(b"\"><Transforms>");
    algorithm(&mut out, "Transform", ns::ENVELOPED);
    algorithm(&mut out, "Transform", ns::EXC_C14N);
    out.extend_from_slice(b"</Transforms>");
    algorithm(&mut out, "DigestMethod", digest_alg);
    out.extend_from_slice(b"<DigestValue>");
    escape_text(digest_value, &mut out);
    out.extend_from_slice(b"</DigestValue></Reference>");
    SignedInfoMarkup {
        inner: String::from_utf8_lossy(&out).into_owned(),
    }
}

fn find_by_id<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Result<Node<'a, 'i>, Error> {
    let mut found = doc
        .descendants()
        .filter(|n| n.is_element() && n.attribute("ID") == Some(id));
    let first = found
        .next()
        .ok_or_else(|| Error::Build(format!("no element has the ID {id:?}")))?;
    if found.next().is_some() {
        return Err(Error::Build(format!("the ID {id:?} is not unique")));
    }
    Ok(first)
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Why no trusted certificate verified a signature: when every one of them has a key too small
/// to be used, that is the reason, not the signature.
fn unverified_reason(trusted: &[Certificate]) -> Rejection {
    let usable = trusted
        .iter()
        .any(|c| c.key_bits() >= crate::cert::MIN_RSA_BITS);
    match trusted.iter().map(Certificate::key_bits).max() {
        Some(bits) if !usable => Rejection::WeakKey { bits },
        _ => Rejection::BadSignature,
    }
}

/// What a signature that verified was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedSignature {
    /// The signature method.
    pub(crate) algorithm: SignatureAlgorithm,
    /// True when the signature method or the digest is SHA-1.
    pub(crate) sha1: bool,
    /// SHA-1 thumbprint of the pinned certificate that verified it.
    pub(crate) thumbprint: String,
}

/// Check one enveloped signature: `signature` must be a `ds:Signature` child of `parent`,
/// and its only Reference must point at `parent`. The digest is computed over `parent` (this
/// very node, not one looked up by ID) and the signature value with the pinned certificates.
pub(crate) fn verify_enveloped(
    doc: &Document<'_>,
    signature: Node<'_, '_>,
    parent: Node<'_, '_>,
    trusted: &[Certificate],
    allow_sha1: bool,
) -> Result<CheckedSignature, Rejection> {
    if signature.parent() != Some(parent) || !is(signature, ns::DSIG, "Signature") {
        return Err(Rejection::BadReference(
            "the signature is not a child of the element it signs".to_string(),
        ));
    }
    let incomplete = |what: &str| Rejection::MalformedSignature(what.to_string());

    // Signature: SignedInfo, SignatureValue, optional KeyInfo (ignored); nothing else.
    let mut signed_info = None;
    let mut signature_value = None;
    for c in signature.children().filter(|c| c.is_element()) {
        match (c.tag_name().namespace(), c.tag_name().name()) {
            (Some(ns::DSIG), "SignedInfo") if signed_info.is_none() => signed_info = Some(c),
            (Some(ns::DSIG), "SignatureValue") if signature_value.is_none() => {
                signature_value = Some(c)
            }
            (Some(ns::DSIG), "KeyInfo") => {}
            _ => return Err(incomplete("unexpected element in Signature")),
        }
    }
    let signed_info = signed_info.ok_or_else(|| incomplete("no SignedInfo"))?;
    let signature_value = signature_value.ok_or_else(|| incomplete("no SignatureValue"))?;

    // SignedInfo: CanonicalizationMethod, SignatureMethod, exactly one Reference.
    let mut c14n_method = None;
    let mut sig_method = None;
    let mut references = Vec::new();
    for c in signed_info.children().filter(|c| c.is_element()) {
        match (c.tag_name().namespace(), c.tag_name().name()) {
            (Some(ns::DSIG), "CanonicalizationMethod") if c14n_method.is_none() => {
                c14n_method = Some(c)
            }
            (Some(ns::DSIG), "SignatureMethod") if sig_method.is_none() => sig_method = Some(c),
            (Some(ns::DSIG), "Reference") => references.push(c),
            _ => return Err(incomplete("unexpected element in SignedInfo")),
        }
    }
    let c14n_method = c14n_method.ok_or_else(|| incomplete("no CanonicalizationMethod"))?;
    let sig_method = sig_method.ok_or_else(|| incomplete("no SignatureMethod"))?;
    let signed_info_prefixes = exc_c14n_prefixes(c14n_method)?;

    let sig_alg = sig_method.attribute("Algorithm").unwrap_or("");
    let (algorithm, sig_sha1) = match sig_alg {
        ns::RSA_SHA256 => (SignatureAlgorithm::RsaSha256, false),
        ns::RSA_SHA1 if allow_sha1 => (SignatureAlgorithm::RsaSha1, true),
        ns::RSA_SHA1 => return Err(Rejection::Sha1NotAllowed(sig_alg.to_string())),
        other => return Err(Rejection::Algorithm(other.to_string())),
    };

    let [reference] = references.as_slice() else {
        return Err(Rejection::BadReference(format!(
            "a signature must hold exactly one Reference, this one holds {}",
            references.len()
        )));
    };
    let reference = *reference;

    // The Reference must point at the parent: "#<parent ID>", or "" when the parent is the
    // document element.
    let uri = reference
        .attribute("URI")
        .ok_or_else(|| Rejection::BadReference("the Reference has no URI".to_string()))?;
    let parent_id = parent.attribute("ID");
    let whole_document = if uri.is_empty() {
        if doc.root_element() != parent {
            return Err(Rejection::BadReference(
                "URI=\"\" (the whole document) on a signature that is not on the root element"
                    .to_string(),
            ));
        }
        true
    } else {
        match (uri.strip_prefix('#'), parent_id) {
            (Some(id), Some(pid)) if !id.is_empty() && id == pid => false,
            _ => {
                return Err(Rejection::BadReference(format!(
                    "the Reference URI {uri:?} does not point at the signed element (ID {:?})",
                    parent_id.unwrap_or("")
                )));
            }
        }
    };

    // Transforms: exactly enveloped-signature, then exclusive c14n.
    let mut reference_children = reference.children().filter(|c| c.is_element());
    let mut next = reference_children.next();
    let mut transforms = Vec::new();
    if let Some(t) = next.filter(|t| is(*t, ns::DSIG, "Transforms")) {
        for c in t.children().filter(|c| c.is_element()) {
            if !is(c, ns::DSIG, "Transform") {
                return Err(incomplete("unexpected element in Transforms"));
            }
            transforms.push(c);
        }
        next = reference_children.next();
    }
    let algorithms: Vec<&str> = transforms
        .iter()
        .map(|t| t.attribute("Algorithm").unwrap_or(""))
        .collect();
    let reference_prefixes = match (algorithms.as_slice(), transforms.as_slice()) {
        ([ns::ENVELOPED, ns::EXC_C14N], [_, exc]) => exc_c14n_prefixes(*exc)?,
        _ => {
            let shown = if algorithms.is_empty() {
                "no transforms".to_string()
            } else {
                algorithms.join(" + ")
            };
            return Err(Rejection::Algorithm(format!(
                "{shown} (only enveloped-signature followed by exclusive c14n is accepted)"
            )));
        }
    };

    let digest_method = next
        .filter(|n| is(*n, ns::DSIG, "DigestMethod"))
        .ok_or_else(|| incomplete("no DigestMethod"))?;
    let digest_value = reference_children
        .next()
        .filter(|n| is(*n, ns::DSIG, "DigestValue"))
        .ok_or_else(|| incomplete("no DigestValue"))?;
    if reference_children.next().is_some() {
        return Err(incomplete("unexpected content after DigestValue"));
    }
    let digest_uri = digest_method.attribute("Algorithm").unwrap_or("");
    let (digest_alg, digest_sha1) = match digest_uri {
        ns::SHA256 => (&digest::SHA256, false),
        ns::SHA1 if allow_sha1 => (&digest::SHA1_FOR_LEGACY_USE_ONLY, true),
        ns::SHA1 => return Err(Rejection::Sha1NotAllowed(digest_uri.to_string())),
        other => return Err(Rejection::Algorithm(other.to_string())),
    };

    // Digest over this very parent node, the signature left out.
    let canonical = if whole_document {
        canonicalize_document(doc, Some(signature.id()), &reference_prefixes)
    } else {
        canonicalize_element(parent, Some(signature.id()), &reference_prefixes)
    };
    let expected = decode_b64(&xml::text_content(digest_value));
    let actual = digest::digest(digest_alg, &canonical);
    if expected.as_deref() != Some(actual.as_ref()) {
        let what = match parent_id {
            Some(id) => format!("{} {id}", parent.tag_name().name()),
            None => parent.tag_name().name().to_string(),
        };
        return Err(Rejection::DigestMismatch(what));
    }

    // SignatureValue over canonical SignedInfo, with pinned keys only.
    let value = decode_b64(&xml::text_content(signature_value)).ok_or(Rejection::BadSignature)?;
    let signed_info_canonical = canonicalize_element(signed_info, None, &signed_info_prefixes);
    let cert = trusted
        .iter()
        .find(|c| c.verify_rsa(&signed_info_canonical, &value, sig_sha1))
        .ok_or_else(|| unverified_reason(trusted))?;
    Ok(CheckedSignature {
        algorithm,
        sha1: sig_sha1 || digest_sha1,
        thumbprint: cert.thumbprint_sha1(),
    })
}

/// The InclusiveNamespaces PrefixList of an exclusive c14n `CanonicalizationMethod` or
/// `Transform`; anything but exclusive c14n without comments is refused.
fn exc_c14n_prefixes(method: Node<'_, '_>) -> Result<PrefixList, Rejection> {
    match method.attribute("Algorithm").unwrap_or("") {
        ns::EXC_C14N => {}
        EXC_C14N_WITH_COMMENTS => {
            return Err(Rejection::Algorithm(format!(
                "{EXC_C14N_WITH_COMMENTS} (comments must not be signed)"
            )));
        }
        other => return Err(Rejection::Algorithm(other.to_string())),
    }
    let lists: Vec<&str> = children(method, NS_EXC_C14N, "InclusiveNamespaces")
        .filter_map(|n| n.attribute("PrefixList"))
        .collect();
    Ok(PrefixList::new(lists))
}

fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(compact.as_bytes()).ok()
}
