//! Signing certificates as Graph lists them (key credentials), in the planner's terms.

use base64::Engine as _;
use connect_sso_entra::model::{KeyCredential, ServicePrincipal};
use connect_sso_planner::observed::SigningCertificate;

/// The service principal's token signing certificates (the `Verify` key credentials).
pub fn signing_certificates(sp: &ServicePrincipal) -> Vec<SigningCertificate> {
    sp.key_credentials
        .iter()
        .filter(|k| k.usage.as_deref() == Some("Verify"))
        .filter_map(|k| {
            Some(SigningCertificate {
                thumbprint: thumbprint(k)?,
                not_after: parse_time(k.end_date_time.as_deref())?,
            })
        })
        .collect()
}

/// Thumbprint of a key credential: from the certificate when Graph returns it, else from the
/// custom key identifier (base64 of the thumbprint bytes, or the hex thumbprint itself).
fn thumbprint(k: &KeyCredential) -> Option<String> {
    if let Some(key) = &k.key {
        if let Ok(c) = connect_sso_saml::Certificate::from_base64(key) {
            return Some(c.thumbprint_sha1());
        }
    }
    let cki = k.custom_key_identifier.as_deref()?;
    if cki.len() == 40 && cki.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(cki.to_ascii_uppercase());
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(cki).ok()?;
    if raw.len() == 20 {
        return Some(raw.iter().map(|b| format!("{b:02X}")).collect());
    }
    let text = String::from_utf8(raw).ok()?;
    (text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_uppercase())
}

fn parse_time(s: Option<&str>) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s?, &time::format_description::well_known::Rfc3339).ok()
}
