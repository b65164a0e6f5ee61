//! Benchmark documents for the peers: a signed response, an `xmlsec1 --sign` template with
//! exactly the same layout, the key and certificate, and the Assertion ID. Shared by
//! `benches/saml.rs` and `benches/sign_table.rs` (each includes this file with `#[path]`).

use std::path::Path;

use connect_sso_saml::{ResponseSpec, SignOptions, SigningKey, sign_response};

/// Empty the content of every `<…local>` element (turns a signed document into an
/// `xmlsec1 --sign` template with exactly the same layout).
pub(crate) fn blank_elements(xml: &str, local: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    let needle = format!("{local}>");
    while let Some(at) = rest.find(&needle) {
        let end_of_open = at + needle.len();
        let before = &rest[..at];
        let is_open_tag = before.ends_with('<') || {
            let tag_start = before.rfind('<').unwrap_or(0);
            let tag = &before[tag_start..];
            !tag.starts_with("</") && tag.ends_with(':') && !tag.contains(' ')
        };
        out.push_str(&rest[..end_of_open]);
        rest = &rest[end_of_open..];
        if is_open_tag {
            let close = rest.find("</").unwrap_or(rest.len());
            rest = &rest[close..];
        }
    }
    out.push_str(rest);
    out
}

/// Sign `spec` with `key` and write to `dir`: `response-signed.xml`, `response-template.xml`
/// (the same with `DigestValue`, `SignatureValue` and `X509Certificate` emptied), `key.pem`,
/// `cert.pem` and `assertion-id.txt`. Returns the signed response.
pub(crate) fn write_documents(
    dir: &Path,
    spec: &ResponseSpec,
    key: &SigningKey,
) -> std::io::Result<String> {
    std::fs::create_dir_all(dir)?;
    let signed = sign_response(spec, key, SignOptions::default())
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut template = signed.clone();
    for local in ["DigestValue", "SignatureValue", "X509Certificate"] {
        template = blank_elements(&template, local);
    }
    std::fs::write(dir.join("response-signed.xml"), &signed)?;
    std::fs::write(dir.join("response-template.xml"), &template)?;
    std::fs::write(dir.join("key.pem"), key.private_key_pem())?;
    std::fs::write(dir.join("cert.pem"), key.certificate().to_pem())?;
    std::fs::write(dir.join("assertion-id.txt"), &spec.assertion_id)?;
    Ok(signed)
}
