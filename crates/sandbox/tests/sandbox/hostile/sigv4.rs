//! A minimal SigV4 signer for raw awsQuery requests with the sandbox's test credentials
//! (written from the SigV4 documentation, independently of the sandbox's verifier): the
//! hostile-input test needs to send IAM bodies no SDK would build, and the Connect tests sign
//! restJson1 requests in any Region.

use aws_lc_rs::{digest, hmac};
use connect_sso_sandbox::{TEST_ACCESS_KEY_ID, TEST_REGION, TEST_SECRET_ACCESS_KEY};
use time::OffsetDateTime;
use time::macros::format_description;

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// The headers that sign a request without a query string: `x-amz-date` and `authorization`
/// (`host` is signed as sent, `host:port`). `path` must need no URI encoding.
pub fn sign(
    method: &str,
    host: &str,
    path: &str,
    body: &[u8],
    service: &str,
    now: OffsetDateTime,
) -> Vec<(&'static str, String)> {
    sign_in_region(method, host, (path, ""), body, service, TEST_REGION, now)
}

/// [`sign`] for a request in `region` whose `target` is `(path, canonical query)`: the query
/// already sorted by name and URI-encoded, as sent.
pub fn sign_in_region(
    method: &str,
    host: &str,
    target: (&str, &str),
    body: &[u8],
    service: &str,
    region: &str,
    now: OffsetDateTime,
) -> Vec<(&'static str, String)> {
    let (path, query) = target;
    let amz_date = now
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("format the date");
    let date = &amz_date[..8];
    let signed_headers = "host;x-amz-date";
    let canonical = format!(
        "{method}\n{path}\n{query}\nhost:{host}\nx-amz-date:{amz_date}\n\n{signed_headers}\n{}",
        sha256_hex(body)
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let k_date = hmac_sha256(
        format!("AWS4{TEST_SECRET_ACCESS_KEY}").as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"aws4_request");
    let signature = hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes()));
    vec![
        ("x-amz-date", amz_date.clone()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={TEST_ACCESS_KEY_ID}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
            ),
        ),
    ]
}
