//! AWS Signature Version 4 verification of incoming requests (header form:
//! `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`).
//!
//! The canonical request is rebuilt from what arrived, as the signer built it
//! (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html): the path as sent,
//! URI-encoded once more (every service but S3), query parameters sorted and encoded, the
//! signed headers lower-cased with whitespace collapsed, and the payload hash.

use aws_lc_rs::{digest, hmac};
use axum::http::request::Parts;
use time::OffsetDateTime;
use time::macros::format_description;

/// The algorithm we accept.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far `x-amz-date` may be from our clock (AWS: 15 minutes).
pub const MAX_SKEW: time::Duration = time::Duration::minutes(15);

/// The parts of an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Access key ID.
    pub access_key_id: String,
    /// Scope date `YYYYMMDD`.
    pub date: String,
    /// Scope region.
    pub region: String,
    /// Scope service.
    pub service: String,
    /// Signed header names, lower-case, in the order given.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigV4Error {
    /// No Authorization header (or not SigV4).
    #[error("Request is missing Authentication Token")]
    Missing,
    /// The header could not be parsed.
    #[error(
        "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. {0}"
    )]
    Malformed(String),
    /// The credential scope names another service.
    #[error("Credential should be scoped to correct service: '{0}'. ")]
    WrongService(String),
    /// The credential scope is not well formed.
    #[error("Credential should be scoped to a valid region. ")]
    BadScope,
    /// `x-amz-date` missing or malformed.
    #[error(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
    )]
    MissingDate,
    /// The request time is too far from now.
    #[error("Signature expired: {signed} is now earlier than {earliest} ({now} - 15 min.)")]
    Expired {
        /// `x-amz-date` of the request.
        signed: String,
        /// Earliest accepted.
        earliest: String,
        /// Our clock.
        now: String,
    },
    /// The request is dated in the future by more than the tolerance.
    #[error("Signature not yet current: {signed} is still later than {latest} ({now} + 15 min.)")]
    NotYetCurrent {
        /// `x-amz-date` of the request.
        signed: String,
        /// Latest accepted.
        latest: String,
        /// Our clock.
        now: String,
    },
    /// `x-amz-content-sha256` differs from the body's hash.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    ContentHash,
    /// `host` is not among the signed headers.
    #[error("'Host' must be a signed header.")]
    HostNotSigned,
    /// The signature does not match.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    Mismatch,
}

/// Parse an `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<Authorization, SigV4Error> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .ok_or(SigV4Error::Missing)?
        .trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        let Some((k, v)) = part.split_once('=') else {
            return Err(SigV4Error::Malformed(format!(
                "Invalid parameter {part:?}."
            )));
        };
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(SigV4Error::Malformed(String::new()));
    };
    let scope: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, term] = scope.as_slice() else {
        return Err(SigV4Error::BadScope);
    };
    if *term != "aws4_request"
        || date.len() != 8
        || !date.bytes().all(|b| b.is_ascii_digit())
        || region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(SigV4Error::BadScope);
    }
    Ok(Authorization {
        access_key_id: (*key).to_string(),
        date: (*date).to_string(),
        region: (*region).to_string(),
        service: (*service).to_string(),
        signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
        signature: signature.to_ascii_lowercase(),
    })
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let k = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&k, data).as_ref().to_vec()
}

/// Encode as SigV4 does: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (upper-case);
/// `/` kept when `keep_slash`.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical request for `parts` (with `path_and_query` as the client sent it).
pub fn canonical_request(
    parts: &Parts,
    path_and_query: &str,
    signed_headers: &[String],
    payload_hash: &str,
) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path = if path.is_empty() { "/" } else { path };
    let canonical_uri = uri_encode(path, true);
    let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    params.sort();
    let canonical_query = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for name in signed_headers {
        let values: Vec<String> = parts
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        parts.method.as_str(),
        canonical_uri,
        canonical_query,
        canonical_headers,
        signed_headers.join(";"),
        payload_hash
    )
}

/// The hex signature of `string_to_sign` with the key derived from `secret` and the scope.
pub fn signature(
    secret: &str,
    date: &str,
    region: &str,
    service: &str,
    string_to_sign: &str,
) -> String {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes()))
}

/// Verify a request's signature. `path_and_query` is the request target as the client sent
/// it (before any routing stripped a prefix); `secret` is the secret of the access key named in
/// the header. Returns the parsed header on success.
pub fn verify(
    parts: &Parts,
    path_and_query: &str,
    body: &[u8],
    expected_service: &str,
    secret: &str,
    now: OffsetDateTime,
) -> Result<Authorization, SigV4Error> {
    let header = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or(SigV4Error::Missing)?;
    let auth = parse_authorization(header)?;
    check_scope_and_time(parts, &auth, expected_service, now)?;
    let body_hash = sha256_hex(body);
    let payload_hash = match parts
        .headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
    {
        Some("UNSIGNED-PAYLOAD") => "UNSIGNED-PAYLOAD".to_string(),
        Some(h) if h.eq_ignore_ascii_case(&body_hash) => h.to_ascii_lowercase(),
        Some(_) => return Err(SigV4Error::ContentHash),
        None => body_hash,
    };
    let amz_date = amz_date(parts).ok_or(SigV4Error::MissingDate)?;
    let creq = canonical_request(parts, path_and_query, &auth.signed_headers, &payload_hash);
    let sts = format!(
        "{ALGORITHM}\n{amz_date}\n{}/{}/{}/aws4_request\n{}",
        auth.date,
        auth.region,
        auth.service,
        sha256_hex(creq.as_bytes())
    );
    let expected = signature(secret, &auth.date, &auth.region, &auth.service, &sts);
    if !constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        return Err(SigV4Error::Mismatch);
    }
    Ok(auth)
}

/// Scope service, `host` signed, and `x-amz-date` within [`MAX_SKEW`] of `now`.
pub fn check_scope_and_time(
    parts: &Parts,
    auth: &Authorization,
    expected_service: &str,
    now: OffsetDateTime,
) -> Result<(), SigV4Error> {
    if auth.service != expected_service {
        return Err(SigV4Error::WrongService(expected_service.to_string()));
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(SigV4Error::HostNotSigned);
    }
    let amz = amz_date(parts).ok_or(SigV4Error::MissingDate)?;
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    let signed = time::PrimitiveDateTime::parse(&amz, fmt)
        .map_err(|_| SigV4Error::MissingDate)?
        .assume_utc();
    if !amz.starts_with(&auth.date) {
        return Err(SigV4Error::Mismatch);
    }
    let show = |t: OffsetDateTime| t.format(fmt).unwrap_or_default();
    if signed < now - MAX_SKEW {
        return Err(SigV4Error::Expired {
            signed: amz,
            earliest: show(now - MAX_SKEW),
            now: show(now),
        });
    }
    if signed > now + MAX_SKEW {
        return Err(SigV4Error::NotYetCurrent {
            signed: amz,
            latest: show(now + MAX_SKEW),
            now: show(now),
        });
    }
    Ok(())
}

fn amz_date(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // The worked example of the SigV4 documentation (IAM ListUsers, GET, 2015-08-30).
    #[test]
    fn matches_the_documented_example_signature() {
        let req = axum::http::Request::builder()
            .method("GET")
            .uri("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
            .header("host", "iam.amazonaws.com")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .header("x-amz-date", "20150830T123600Z")
            .body(())
            .expect("request");
        let (parts, ()) = req.into_parts();
        let signed: Vec<String> = ["content-type", "host", "x-amz-date"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let creq = canonical_request(
            &parts,
            "/?Action=ListUsers&Version=2010-05-08",
            &signed,
            &sha256_hex(b""),
        );
        assert_eq!(
            sha256_hex(creq.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        let sts = format!(
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n{}",
            sha256_hex(creq.as_bytes())
        );
        assert_eq!(
            signature(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "20150830",
                "us-east-1",
                "iam",
                &sts
            ),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn hostile_authorization_headers_are_refused() {
        for h in [
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=a/b/c",
            "AWS4-HMAC-SHA256 Credential=AK/2015/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 Credential=AK/20150830/US_EAST/iam/aws4_request, SignedHeaders=host, Signature=00",
            "Basic abc",
        ] {
            assert!(parse_authorization(h).is_err(), "{h}");
        }
    }
}
