//! `samlp:AuthnRequest`: what a service provider asks an IdP for (SP-initiated sign-in).

use crate::{Error, Rejection, ns, xml};

/// What an AuthnRequest asks for: the fields an IdP acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// `@ID`, echoed as `InResponseTo` in the response.
    pub id: String,
    /// The requesting SP's entity ID (`saml:Issuer`).
    pub issuer: String,
    /// `@AssertionConsumerServiceURL`, if given.
    pub acs_url: Option<String>,
    /// `@ForceAuthn` is `true` or `1`.
    pub force_authn: bool,
}

impl AuthnRequest {
    /// Read an AuthnRequest (bytes as decoded from the HTTP-POST or HTTP-Redirect binding),
    /// through the same bounded front door as responses ([`crate::limits`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let text = xml::decode_utf8(bytes)?;
        let text = xml::normalize_newlines(text);
        let doc = xml::parse(&text)?;
        let root = doc.root_element();
        if !xml::is(root, ns::PROTOCOL, "AuthnRequest") {
            return Err(Rejection::NotAResponse {
                found: format!(
                    "{{{}}}{} (expected samlp:AuthnRequest)",
                    root.tag_name().namespace().unwrap_or(""),
                    root.tag_name().name()
                ),
            }
            .into());
        }
        let id = root
            .attribute("ID")
            .filter(|s| !s.is_empty())
            .ok_or(Rejection::Missing("AuthnRequest ID"))?
            .to_string();
        let issuer = xml::child(root, ns::ASSERTION, "Issuer")
            .map(|n| xml::text_content(n).trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or(Rejection::Missing("Issuer in the AuthnRequest"))?;
        Ok(Self {
            id,
            issuer,
            acs_url: root
                .attribute("AssertionConsumerServiceURL")
                .map(str::to_string),
            force_authn: root
                .attribute("ForceAuthn")
                .is_some_and(|v| v == "true" || v == "1"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &[u8] = br#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" ForceAuthn="true" AssertionConsumerServiceURL="https://signin.aws.amazon.com/saml"><saml:Issuer> urn:amazon:webservices </saml:Issuer></samlp:AuthnRequest>"#;

    #[test]
    fn reads_what_an_idp_acts_on() {
        let r = AuthnRequest::parse(OK).expect("parse");
        assert_eq!(r.id, "_r1");
        assert_eq!(r.issuer, "urn:amazon:webservices");
        assert_eq!(
            r.acs_url.as_deref(),
            Some("https://signin.aws.amazon.com/saml")
        );
        assert!(r.force_authn);
    }

    #[test]
    fn refuses_what_is_not_an_authn_request() {
        assert!(AuthnRequest::parse(b"<Response/>").is_err());
        assert!(AuthnRequest::parse(b"\xff\xfe").is_err());
        assert!(AuthnRequest::parse(b"<!DOCTYPE a><a/>").is_err());
        let no_issuer =
            br#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x"/>"#;
        assert!(AuthnRequest::parse(no_issuer).is_err());
        let deep = format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x">{}"#,
            "<e>".repeat(100_000)
        );
        assert!(matches!(
            AuthnRequest::parse(deep.as_bytes()),
            Err(Error::Rejected(Rejection::Limit(_)))
        ));
    }
}
