//! Interoperability with independent XML-DSig implementations: `xmlsec1` (C, libxml2 +
//! OpenSSL), Python `signxml` (lxml + cryptography) and node `xml-crypto` (@xmldom/xmldom).
//!
//! Both ways: every peer must verify what we sign (with our certificate pinned), and we must
//! verify what every peer signs (RSA-SHA256 and RSA-SHA1, Assertion and/or Response signed,
//! two document layouts), reporting exactly the signed values. Each direction also has a
//! control (a changed NameID, another pinned certificate) showing the peer really checks.
//! Exclusive c14n is compared byte for byte with lxml on a generated corpus.
//!
//! Peers are found as `peers.rs` describes; a missing peer fails under `CI`, else skips with
//! a notice. Run: `cargo test -p connect-sso-saml --test it interop`.

mod c14n_corpus;
pub(crate) mod fixture;
mod material;
mod matrix;
mod peers;
mod signxml;
mod xml_crypto;
mod xmlsec1;
