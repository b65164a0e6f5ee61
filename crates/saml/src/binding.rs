//! SAML bindings: how a message travels. HTTP-POST (base64 form field), HTTP-Redirect
//! (deflate + base64 + URL encoding), and HAR captures from a browser's developer tools.
//!
//! Everything here reads untrusted input: sizes are capped and nothing panics on bad bytes.

use std::io::Read;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::Error;

/// Largest message [`decode_redirect`] inflates (1 MiB); a bigger one is refused (deflate bomb).
pub const MAX_INFLATED_BYTES: u64 = 1024 * 1024;

/// Standard alphabet; padding optional (some clients strip it).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decode the `SAMLResponse` form field of the HTTP-POST binding (base64, whitespace tolerated;
/// URL-encoded input such as `%2B` is also accepted).
pub fn decode_post(field: &str) -> Result<Vec<u8>, Error> {
    decode_base64(field).map_err(|detail| Error::Decode {
        what: "SAMLResponse form field",
        detail,
    })
}

/// Base64 as users paste it: percent-encoded or not, line-wrapped, URL-safe alphabet, or with
/// `+` turned into spaces by a form decoder.
fn decode_base64(field: &str) -> Result<Vec<u8>, String> {
    let field = if field.contains('%') {
        percent_decode(field, false).map_err(|e| format!("bad percent-encoding: {e}"))?
    } else {
        field.to_string()
    };
    let trimmed = field.trim();
    if trimmed.is_empty() {
        return Err("the value is empty".into());
    }
    let normalise = |space: Option<char>| -> String {
        trimmed
            .chars()
            .filter_map(|c| match c {
                ' ' => space,
                c if c.is_whitespace() => None,
                '-' => Some('+'),
                '_' => Some('/'),
                c => Some(c),
            })
            .collect()
    };
    // A form decoder turns an unencoded `+` into a space: when spaces are present, try
    // that reading first (base64 is wrapped with line breaks, not spaces).
    if trimmed.contains(' ') {
        if let Ok(bytes) = LENIENT.decode(normalise(Some('+')).as_bytes()) {
            return Ok(bytes);
        }
    }
    LENIENT
        .decode(normalise(None).as_bytes())
        .map_err(|e| format!("not valid base64 ({e})"))
}

/// Encode a message for the HTTP-POST binding (standard base64, no line breaks).
pub fn encode_post(xml: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(xml)
}

/// Decode a `SAMLRequest`/`SAMLResponse` query parameter of the HTTP-Redirect binding
/// (already URL-decoded: base64 of raw DEFLATE). The inflated size is capped at
/// [`MAX_INFLATED_BYTES`].
pub fn decode_redirect(param: &str) -> Result<Vec<u8>, Error> {
    let what = "HTTP-Redirect SAML parameter";
    let compressed = decode_base64(param).map_err(|detail| Error::Decode { what, detail })?;
    inflate(&compressed).map_err(|detail| Error::Decode { what, detail })
}

fn inflate(compressed: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(compressed)
        .take(MAX_INFLATED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not raw DEFLATE data ({e})"))?;
    if out.len() as u64 > MAX_INFLATED_BYTES {
        return Err(format!(
            "the inflated message is larger than {MAX_INFLATED_BYTES} bytes"
        ));
    }
    Ok(out)
}

/// Encode a message for the HTTP-Redirect binding (raw DEFLATE, base64; URL-encode it yourself).
pub fn encode_redirect(xml: &[u8]) -> String {
    use std::io::Write as _;
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let compressed = encoder
        .write_all(xml)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    encode_post(&compressed)
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
///
/// Looks at each entry's request (`postData.params`, else a form-urlencoded `postData.text`)
/// and at HTML pages in responses holding an auto-submitting form with a hidden
/// `SAMLResponse` input (what Entra returns before the browser posts it). A response found in
/// a page and then in the following POST is reported once, as the POST.
pub fn find_in_har(har_json: &str) -> Result<Vec<HarFinding>, Error> {
    let what = "HAR file";
    let har: serde_json::Value = serde_json::from_str(har_json).map_err(|e| Error::Decode {
        what,
        detail: format!("not JSON ({e})"),
    })?;
    let entries = har
        .get("log")
        .and_then(|l| l.get("entries"))
        .and_then(|e| e.as_array())
        .ok_or_else(|| Error::Decode {
            what,
            detail: "no log.entries array (is this a HAR 1.2 export?)".into(),
        })?;
    let mut posted = Vec::new();
    let mut in_pages = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let request = entry.get("request");
        if let Some((value, relay_state)) = request.and_then(posted_saml_response) {
            let url = str_at(request, "url").unwrap_or_default().to_string();
            let xml = decode_post_or_redirect(&value).map_err(|detail| Error::Decode {
                what,
                detail: format!("the SAMLResponse posted to {url} is unreadable: {detail}"),
            })?;
            posted.push((
                index,
                HarFinding {
                    url,
                    xml,
                    relay_state,
                },
            ));
        }
        if let Some(html) = entry.get("response").and_then(response_text) {
            if let Some(form) = find_form(&html) {
                if let Ok(xml) = decode_post_or_redirect(&form.saml_response) {
                    in_pages.push((
                        index,
                        HarFinding {
                            url: form.action,
                            xml,
                            relay_state: form.relay_state,
                        },
                    ));
                }
            }
        }
    }
    in_pages.retain(|(_, page)| !posted.iter().any(|(_, p)| p.xml == page.xml));
    let mut all = posted;
    all.append(&mut in_pages);
    all.sort_by_key(|(index, _)| *index);
    Ok(all.into_iter().map(|(_, f)| f).collect())
}

fn str_at<'a>(value: Option<&'a serde_json::Value>, key: &str) -> Option<&'a str> {
    value?.get(key)?.as_str()
}

/// `SAMLResponse` and `RelayState` from a HAR request's `postData` or query string.
fn posted_saml_response(request: &serde_json::Value) -> Option<(String, Option<String>)> {
    let post = request.get("postData");
    if let Some(params) = post
        .and_then(|p| p.get("params"))
        .and_then(|p| p.as_array())
    {
        let find = |name: &str| {
            params
                .iter()
                .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
                .and_then(|p| p.get("value").and_then(|v| v.as_str()))
                .map(|v| {
                    percent_decode(v, !name.starts_with("SAML")).unwrap_or_else(|_| v.to_string())
                })
        };
        if let Some(value) = find("SAMLResponse") {
            return Some((value, find("RelayState")));
        }
    }
    if let Some(text) = str_at(post, "text") {
        let fields = parse_form(text);
        if let Some(value) = form_field(&fields, "SAMLResponse") {
            return Some((value, form_field(&fields, "RelayState")));
        }
    }
    let query = str_at(Some(request), "url")?.split_once('?')?.1;
    let fields = parse_form(query.split('#').next().unwrap_or(query));
    let value = form_field(&fields, "SAMLResponse")?;
    Some((value, form_field(&fields, "RelayState")))
}

/// The text of a HAR response's content (decoding `encoding: base64`), when it is HTML.
fn response_text(response: &serde_json::Value) -> Option<String> {
    let content = response.get("content")?;
    let text = content.get("text")?.as_str()?;
    let text = if content.get("encoding").and_then(|e| e.as_str()) == Some("base64") {
        String::from_utf8(LENIENT.decode(text.trim()).ok()?).ok()?
    } else {
        text.to_string()
    };
    text.contains("SAMLResponse").then_some(text)
}

/// Base64 that is either a POST-binding message or (when it does not inflate to XML-looking
/// bytes otherwise) a raw-DEFLATE Redirect-binding message.
fn decode_post_or_redirect(value: &str) -> Result<Vec<u8>, String> {
    let bytes = decode_base64(value)?;
    if looks_like_xml(&bytes) {
        return Ok(bytes);
    }
    match inflate(&bytes) {
        Ok(inflated) if looks_like_xml(&inflated) => Ok(inflated),
        Ok(_) | Err(_) => Err("the base64 does not decode to XML".into()),
    }
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
}

/// `application/x-www-form-urlencoded` pairs, names decoded, values still encoded.
fn parse_form(text: &str) -> Vec<(String, &str)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = k.trim();
            (
                percent_decode(k, true).unwrap_or_else(|_| k.to_string()),
                v.trim(),
            )
        })
        .collect()
}

/// The decoded value of a form field. `SAMLRequest`/`SAMLResponse` values are base64, which
/// has no spaces: a literal `+` there is a base64 `+` that the sender did not encode, so it
/// is kept; in other fields `+` is a space.
fn form_field(fields: &[(String, &str)], name: &str) -> Option<String> {
    let plus_is_space = !name.starts_with("SAML");
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| percent_decode(v, plus_is_space).unwrap_or_else(|_| v.to_string()))
}

/// Percent-decode (`plus_is_space`: form encoding). Fails on a bad escape or non-UTF-8.
fn percent_decode(s: &str, plus_is_space: bool) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("bad escape at byte {i}"))?;
                out.push(hex);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the decoded text is not UTF-8".into())
}

/// An HTML form carrying a SAMLResponse (the page an IdP returns to auto-post it).
struct SamlForm {
    action: String,
    saml_response: String,
    relay_state: Option<String>,
}

/// Find `<input … name="SAMLResponse" value="…">` (and RelayState, and the form's action) in
/// HTML. A tolerant scan of tags, not an HTML parser: enough for IdP auto-post pages.
fn find_form(html: &str) -> Option<SamlForm> {
    let mut action = String::new();
    let mut saml_response = None;
    let mut relay_state = None;
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or(tag);
        let name_end = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let element = tag[..name_end].to_ascii_lowercase();
        let attrs = html_attributes(&tag[name_end..]);
        let get = |n: &str| attrs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        match element.as_str() {
            "form" if saml_response.is_none() => action = get("action").unwrap_or_default(),
            "input" => match get("name").as_deref() {
                Some("SAMLResponse") if saml_response.is_none() => saml_response = get("value"),
                Some("RelayState") if relay_state.is_none() => relay_state = get("value"),
                _ => {}
            },
            _ => {}
        }
    }
    Some(SamlForm {
        action,
        saml_response: saml_response?,
        relay_state,
    })
}

/// Attributes of an HTML start tag (names lower-cased, values entity-decoded).
fn html_attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return out;
        }
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let Some(after_eq) = rest.strip_prefix('=') else {
            out.push((name, String::new()));
            continue;
        };
        let after_eq = after_eq.trim_start();
        let (value, remaining) = match after_eq.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &after_eq[1..];
                match body.find(q) {
                    Some(end) => (&body[..end], &body[end + 1..]),
                    None => (body, ""),
                }
            }
            _ => {
                let end = after_eq
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(after_eq.len());
                (&after_eq[..end], &after_eq[end..])
            }
        };
        out.push((name, decode_html_entities(value)));
        rest = remaining;
    }
}

/// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;`, `&#xNN;`; anything else is kept.
fn decode_html_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&i| i <= 10).and_then(|semi| {
            let entity = &after[..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Read a response from whatever a user gives us: raw XML, base64 (POST binding), a
/// URL-encoded form body or query string containing `SAMLResponse=`, or a HAR file (the last
/// SAMLResponse in it). Returns the XML bytes.
///
/// Raw XML is returned byte for byte (the verifier must see exactly what the IdP signed). An
/// HTML page with an auto-post form (saved from the browser) is also accepted.
pub fn decode_any(input: &[u8]) -> Result<Vec<u8>, Error> {
    let what = "response";
    let body = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .ok_or_else(|| Error::Decode {
            what,
            detail: "the input is empty".into(),
        })?;
    let head = &body[start..];
    if head.starts_with(b"<") {
        let lower: Vec<u8> = head.iter().take(64).map(u8::to_ascii_lowercase).collect();
        let is_html = lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html");
        if !is_html {
            return Ok(input.to_vec());
        }
        let html = String::from_utf8_lossy(head);
        let form = find_form(&html).ok_or_else(|| Error::Decode {
            what: "HTML page",
            detail: "it has no SAMLResponse form field".into(),
        })?;
        return decode_post_or_redirect(&form.saml_response).map_err(|detail| Error::Decode {
            what: "SAMLResponse form field",
            detail,
        });
    }
    let text = std::str::from_utf8(head).map_err(|_| Error::Decode {
        what,
        detail: "it is neither XML nor text (base64, form body or HAR)".into(),
    })?;
    if head.starts_with(b"{") {
        let findings = find_in_har(text)?;
        return findings
            .into_iter()
            .next_back()
            .map(|f| f.xml)
            .ok_or_else(|| Error::Decode {
                what: "HAR file",
                detail: "it holds no SAMLResponse (record the sign-in with \"Preserve log\" on)"
                    .into(),
            });
    }
    if text.contains("SAMLResponse=") {
        let query = text.split_once('?').map_or(text, |(_, q)| q);
        let query = query.split('#').next().unwrap_or(query);
        let value = form_field(&parse_form(query.trim()), "SAMLResponse")
            .or_else(|| form_field(&parse_form(text.trim()), "SAMLResponse"))
            .ok_or_else(|| Error::Decode {
                what: "form body",
                detail: "the SAMLResponse field is empty".into(),
            })?;
        return decode_post_or_redirect(&value).map_err(|detail| Error::Decode {
            what: "SAMLResponse form field",
            detail,
        });
    }
    decode_post_or_redirect(text).map_err(|detail| Error::Decode { what, detail })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;

    const XML: &str =
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_1"/>"#;

    #[test]
    fn post_round_trip_and_tolerance() {
        let b64 = encode_post(XML.as_bytes());
        assert_eq!(decode_post(&b64).unwrap(), XML.as_bytes());
        let wrapped: String = b64
            .as_bytes()
            .chunks(20)
            .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(decode_post(&wrapped).unwrap(), XML.as_bytes());
        let pct = b64
            .replace('+', "%2B")
            .replace('=', "%3D")
            .replace('/', "%2F");
        assert_eq!(decode_post(&pct).unwrap(), XML.as_bytes());
        assert_eq!(
            decode_post(b64.trim_end_matches('=')).unwrap(),
            XML.as_bytes()
        );
    }

    #[test]
    fn plus_turned_into_space_by_a_form_decoder_is_repaired() {
        let b64 = "PDw8+++/PDw8";
        let data = decode_post(b64).unwrap();
        assert_eq!(decode_post(&b64.replace('+', " ")).unwrap(), data);
    }

    #[test]
    fn post_refuses_garbage() {
        for bad in ["", "   ", "!!!!", "%zz", "a"] {
            assert!(
                matches!(decode_post(bad), Err(Error::Decode { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn redirect_round_trip() {
        let enc = encode_redirect(XML.as_bytes());
        assert_eq!(decode_redirect(&enc).unwrap(), XML.as_bytes());
    }

    #[test]
    fn redirect_deflate_bomb_is_refused() {
        let zeros = vec![b'<'; (MAX_INFLATED_BYTES as usize) + 10];
        let enc = encode_redirect(&zeros);
        let err = decode_redirect(&enc).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
        let exact = vec![b'<'; MAX_INFLATED_BYTES as usize];
        assert_eq!(
            decode_redirect(&encode_redirect(&exact)).unwrap().len(),
            exact.len()
        );
    }

    #[test]
    fn redirect_refuses_non_deflate() {
        assert!(decode_redirect(&encode_post(b"not deflate at all")).is_err());
    }

    fn har(entries: serde_json::Value) -> String {
        serde_json::json!({"log": {"version": "1.2", "entries": entries}}).to_string()
    }

    #[test]
    fn har_finds_posted_params_and_text_bodies_in_order() {
        let b64 = encode_post(XML.as_bytes());
        let other = encode_post(b"<other/>");
        let text = format!(
            "SAMLResponse={}&RelayState=https%3A%2F%2Fx%2Fy",
            b64.replace('+', "%2B")
                .replace('=', "%3D")
                .replace('/', "%2F")
        );
        let doc = har(serde_json::json!([
            {"request": {"method": "GET", "url": "https://login.microsoftonline.com/x"}},
            {"request": {"method": "POST", "url": "https://signin.aws.amazon.com/saml",
                "postData": {"mimeType": "application/x-www-form-urlencoded",
                    "params": [{"name": "SAMLResponse", "value": other}]}}},
            {"request": {"method": "POST", "url": "https://eu-west-1.signin.aws.amazon.com/saml",
                "postData": {"mimeType": "application/x-www-form-urlencoded", "text": text}}}
        ]));
        let found = find_in_har(&doc).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].xml, b"<other/>");
        assert_eq!(found[1].xml, XML.as_bytes());
        assert_eq!(found[1].url, "https://eu-west-1.signin.aws.amazon.com/saml");
        assert_eq!(found[1].relay_state.as_deref(), Some("https://x/y"));
        assert_eq!(decode_any(doc.as_bytes()).unwrap(), XML.as_bytes());
    }

    #[test]
    fn har_finds_the_auto_post_page_and_does_not_repeat_it() {
        let b64 = encode_post(XML.as_bytes());
        let page = format!(
            "<html><body onload=\"document.forms[0].submit()\"><form method=\"POST\" \
             action=\"https://signin.aws.amazon.com/saml\"><input type=\"hidden\" \
             name=\"SAMLResponse\" value=\"{}\" /><input type=hidden name=RelayState \
             value='a&amp;b'></form></body></html>",
            b64.replace('+', "&#43;")
        );
        let only_page = har(serde_json::json!([
            {"request": {"method": "POST", "url": "https://login.microsoftonline.com/t/saml2"},
             "response": {"status": 200, "content": {"mimeType": "text/html", "text": page}}}
        ]));
        let found = find_in_har(&only_page).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].url, "https://signin.aws.amazon.com/saml");
        assert_eq!(found[0].relay_state.as_deref(), Some("a&b"));
        assert_eq!(found[0].xml, XML.as_bytes());

        let both = har(serde_json::json!([
            {"request": {"method": "POST", "url": "https://login.microsoftonline.com/t/saml2"},
             "response": {"content": {"text": encode_post(page.as_bytes()), "encoding": "base64"}}},
            {"request": {"method": "POST", "url": "https://signin.aws.amazon.com/saml",
                "postData": {"params": [{"name": "SAMLResponse", "value": b64}]}}}
        ]));
        let found = find_in_har(&both).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].url, "https://signin.aws.amazon.com/saml");
        assert_eq!(decode_any(page.as_bytes()).unwrap(), XML.as_bytes());
    }

    #[test]
    fn har_refuses_non_har_json() {
        assert!(find_in_har("{\"a\":1}").is_err());
        assert!(find_in_har("not json").is_err());
        assert!(find_in_har(&har(serde_json::json!([]))).unwrap().is_empty());
        let err = decode_any(har(serde_json::json!([])).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no SAMLResponse"), "{err}");
    }

    #[test]
    fn decode_any_reads_every_shape() {
        let b64 = encode_post(XML.as_bytes());
        // Raw XML: byte for byte, leading whitespace and BOM kept.
        let raw = format!("\n  {XML}\n");
        assert_eq!(decode_any(raw.as_bytes()).unwrap(), raw.as_bytes());
        assert_eq!(decode_any(b64.as_bytes()).unwrap(), XML.as_bytes());
        assert_eq!(
            decode_any(format!("{b64}\n").as_bytes()).unwrap(),
            XML.as_bytes()
        );
        let form = format!(
            "RelayState=x&SAMLResponse={}",
            b64.replace('+', "%2B").replace('=', "%3D")
        );
        assert_eq!(decode_any(form.as_bytes()).unwrap(), XML.as_bytes());
        let redirect = encode_redirect(XML.as_bytes())
            .replace('+', "%2B")
            .replace('=', "%3D")
            .replace('/', "%2F");
        let url = format!("https://sp.example/acs?SAMLResponse={redirect}&SigAlg=x");
        assert_eq!(decode_any(url.as_bytes()).unwrap(), XML.as_bytes());
        assert_eq!(
            decode_any(encode_redirect(XML.as_bytes()).as_bytes()).unwrap(),
            XML.as_bytes()
        );
    }

    #[test]
    fn decode_any_refuses_what_it_cannot_read() {
        for bad in [
            &b""[..],
            b"   \n",
            b"hello world",
            b"\xff\xfe\x00",
            b"SAMLResponse=",
        ] {
            assert!(
                matches!(decode_any(bad), Err(Error::Decode { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unencoded_plus_in_a_form_body_stays_a_plus() {
        // Base64 that starts with '+' (raw DEFLATE of a Redirect message can): a form decoder
        // would turn it into a leading space that trimming then loses.
        let b64 = "+++/PDw8";
        let want = decode_post(b64).unwrap();
        let fields = parse_form("RelayState=a+b&SAMLResponse=+++/PDw8");
        assert_eq!(form_field(&fields, "RelayState").as_deref(), Some("a b"));
        let got = form_field(&fields, "SAMLResponse").unwrap();
        assert_eq!(decode_post(&got).unwrap(), want);
    }

    #[test]
    fn html_entities() {
        assert_eq!(
            decode_html_entities("a&amp;b&#43;c&#x2F;d&bogus;&"),
            "a&b+c/d&bogus;&"
        );
    }
}
