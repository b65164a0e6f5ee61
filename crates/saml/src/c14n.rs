use crate::Error;

/// Exclusive XML canonicalisation 1.0 without comments (`http://www.w3.org/2001/10/xml-exc-c14n#`)
/// of the element with the given `ID` attribute value (or the whole document when `None`),
/// optionally leaving out one descendant `ds:Signature` (the enveloped-signature transform),
/// with an InclusiveNamespaces PrefixList.
pub fn canonicalize_exclusive(
    xml: &str,
    element_id: Option<&str>,
    exclude_enveloped_signature: bool,
    inclusive_prefixes: &[&str],
) -> Result<Vec<u8>, Error> {
    todo!("{xml} {element_id:?} {exclude_enveloped_signature} {inclusive_prefixes:?}")
}
