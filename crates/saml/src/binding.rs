//! SAML bindings: how a message travels. HTTP-POST (base64 form field), HTTP-Redirect
//! (deflate + base64 + URL encoding), and HAR captures from a browser's developer tools.

use crate::Error;

/// Decode the `SAMLResponse` form field of the HTTP-POST binding (base64, whitespace tolerated;
/// URL-encoded input such as `%2B` is also accepted).
pub fn decode_post(field: &str) -> Result<Vec<u8>, Error> {
    todo!("{field}")
}

/// Encode a message for the HTTP-POST binding (standard base64, no line breaks).
pub fn encode_post(xml: &[u8]) -> String {
    todo!("{}", xml.len())
}

/// Decode a `SAMLRequest`/`SAMLResponse` query parameter of the HTTP-Redirect binding
/// (already URL-decoded: base64 of raw DEFLATE). The inflated size is capped.
pub fn decode_redirect(param: &str) -> Result<Vec<u8>, Error> {
    todo!("{param}")
}

/// Encode a message for the HTTP-Redirect binding (raw DEFLATE, base64; URL-encode it yourself).
pub fn encode_redirect(xml: &[u8]) -> String {
    todo!("{}", xml.len())
}

/// A SAMLResponse found in a HAR capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarFinding {
    /// The URL it was posted to.
    pub url: String,
    /// The decoded XML.
    pub xml: Vec<u8>,
    /// The RelayState posted with it, if any.
    pub relay_state: Option<String>,
}

/// Find every SAMLResponse posted in a HAR file (JSON), in order.
pub fn find_in_har(har_json: &str) -> Result<Vec<HarFinding>, Error> {
    todo!("{har_json}")
}

/// Read a response from whatever a user gives us: raw XML, base64 (POST binding), a
/// URL-encoded form body or query string containing `SAMLResponse=`, or a HAR file (the last
/// SAMLResponse in it). Returns the XML bytes.
pub fn decode_any(input: &[u8]) -> Result<Vec<u8>, Error> {
    todo!("{}", input.len())
}
