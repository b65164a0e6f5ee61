//! Sign and verify side by side: connect-sso, the bare aws-lc-rs RSA operation it is built on,
//! and libxmlsec1 (in-process through python-xmlsec), on the same documents and RSA-2048 key.
//!
//! The whole comparison is `scripts/bench-sign.sh`, which uses this binary in four modes:
//!
//! - `--write-fixtures DIR`: generate an RSA-2048 key and write two document sets,
//!   `DIR/entra` (the Entra-sized response of `benches/saml.rs`, about 6 kB) and `DIR/large`
//!   (the same with many more attributes, about 62 kB), each as `common/documents.rs` writes
//!   them: signed response, template, key, certificate, Assertion ID.
//! - `--measure DIR --round N --seconds S`: one round of our rows on those documents (key read
//!   back from `key.pem`), about `S` seconds each, as JSON lines on stdout.
//! - `--table FILE…`: read the JSON lines of all rounds, ours and the peers'
//!   (`tests/python/bench_xmlsec_inprocess.py`), and print a Markdown table of the medians
//!   per row and the ratios that matter.
//! - no mode (`cargo bench -p connect-sso-saml --bench sign_table`): our rows and the aws-lc-rs
//!   floor only, three rounds on fresh documents in a temporary directory. Run as a test
//!   (no `--bench` argument) it does one very short round, as a smoke test.
//!
//! A JSON line is either a measurement,
//! `{"kind":"op","group":"entra","op":"ours_sign","label":"…","round":0,"us":612.3,"iters":650}`,
//! or a fact to print above the table, `{"kind":"meta","key":"lxml","value":"6.1.3"}`.
//! Groups: `entra`, `large` (per document) and `rsa` (the bare RSA operations on a 1 kB message).

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    KeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use base64::Engine as _;
use connect_sso_saml::{
    Attribute, ResponseSpec, SignOptions, SigningKey, sign_response, verify_response,
};
use serde_json::{Value, json};

#[path = "common/documents.rs"]
mod documents;
#[path = "../tests/it/interop/fixture.rs"]
mod fixture;

/// Extra attributes of the large response (on top of Entra's claim set and 150 groups):
/// chosen so that the signed response is about 62 kB.
const LARGE_EXTRA_ATTRIBUTES: usize = 204;

/// Size of the message the bare RSA rows sign (a canonical `SignedInfo` is somewhat smaller).
const RSA_MESSAGE_BYTES: usize = 1024;

/// The document groups, in table order: directory name and caption.
const DOCUMENTS: [(&str, &str); 2] = [
    ("entra", "Entra-sized response"),
    ("large", "large response (many attributes)"),
];

/// A deterministic GUID-shaped string (splitmix64 of `seed`).
fn guid(seed: u64) -> String {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut x = z;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    let (a, b) = (next(), next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// Entra's claim set plus a `groups` claim with 150 object IDs (Entra's cap for SAML) and
/// [`LARGE_EXTRA_ATTRIBUTES`] directory extension attributes of two values each.
fn large_spec() -> ResponseSpec {
    let mut spec = fixture::entra_spec();
    spec.attributes.push(Attribute {
        name: "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups".to_owned(),
        values: (0..150).map(guid).collect(),
    });
    for i in 0..LARGE_EXTRA_ATTRIBUTES {
        spec.attributes.push(Attribute {
            name: format!("http://schemas.contoso.example/claims/extension_{i:03}"),
            values: vec![
                format!("Contoso Ltd, cost centre {}, building {}", 4000 + i, i % 7),
                guid(1000 + i as u64),
            ],
        });
    }
    spec
}

/// The spec of document group `name`.
fn spec_for(name: &str) -> ResponseSpec {
    match name {
        "large" => large_spec(),
        _ => fixture::entra_spec(),
    }
}

/// Run `op` for about `seconds` (after a short warm-up) and return µs per call and the count.
fn time_op(seconds: f64, mut op: impl FnMut()) -> (f64, u64) {
    let warm_up = Duration::from_secs_f64(seconds * 0.05);
    let start = Instant::now();
    let mut calls = 0u32;
    while calls < 3 || start.elapsed() < warm_up {
        op();
        calls += 1;
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut iters = 0u64;
    loop {
        op();
        iters += 1;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            return (elapsed.as_secs_f64() * 1e6 / iters as f64, iters);
        }
    }
}

/// Read a file of a fixture directory.
fn read(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The DER inside the first PEM block of `pem`.
fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .expect("key.pem holds base64 between its PEM lines")
}

/// Measure our rows for one round and hand each to `emit`.
fn measure(fixtures: &Path, round: u32, seconds: f64, emit: &mut dyn FnMut(Value)) {
    let row = |group: &str, op: &str, label: &str, (us, iters): (f64, u64)| {
        json!({"kind": "op", "group": group, "op": op, "label": label,
               "round": round, "us": us, "iters": iters})
    };
    for (name, _) in DOCUMENTS {
        let dir = fixtures.join(name);
        let key = SigningKey::from_pem(&read(&dir, "key.pem"), &read(&dir, "cert.pem"))
            .expect("the fixture key and certificate load");
        let spec = spec_for(name);
        let options = SignOptions::default();
        let signed = read(&dir, "response-signed.xml");
        let again = sign_response(&spec, &key, options).expect("signing");
        assert!(
            again == signed,
            "signing {name} again does not give response-signed.xml: were the fixtures written by another build?"
        );
        let verify_options = fixture::aws_verify_options(key.certificate().clone(), false);
        verify_response(signed.as_bytes(), &verify_options).expect("the fixture verifies");
        emit(json!({"kind": "meta", "key": format!("bytes.{name}"), "value": signed.len()}));

        let sign = time_op(seconds, || {
            black_box(sign_response(black_box(&spec), &key, options).expect("signing"));
        });
        emit(row(
            name,
            "ours_sign",
            "connect-sso `sign_response` (spec → signed XML)",
            sign,
        ));
        let verify = time_op(seconds, || {
            black_box(
                verify_response(black_box(signed.as_bytes()), &verify_options).expect("verifying"),
            );
        });
        emit(row(
            name,
            "ours_verify",
            "connect-sso `verify_response` (bytes → checked assertion)",
            verify,
        ));
    }

    let pkcs8 = pem_der(&read(&fixtures.join("entra"), "key.pem"));
    let key = RsaKeyPair::from_pkcs8(&pkcs8).expect("key.pem is an RSA PKCS#8 key");
    let rng = SystemRandom::new();
    let message: Vec<u8> = (0..RSA_MESSAGE_BYTES)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    let mut signature = vec![0u8; key.public_modulus_len()];
    let sign = time_op(seconds, || {
        key.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut signature)
            .expect("RSA signing");
        black_box(&signature);
    });
    emit(row(
        "rsa",
        "awslc_sign",
        "aws-lc-rs `RsaKeyPair::sign` (key parsed once)",
        sign,
    ));
    let parse_and_sign = time_op(seconds, || {
        let key = RsaKeyPair::from_pkcs8(black_box(&pkcs8)).expect("parsing the key");
        key.sign(&RSA_PKCS1_SHA256, &rng, black_box(&message), &mut signature)
            .expect("RSA signing");
        black_box(&signature);
    });
    emit(row(
        "rsa",
        "awslc_parse_sign",
        "aws-lc-rs `RsaKeyPair::from_pkcs8` + `sign` (key parsed every time)",
        parse_and_sign,
    ));
    let public = key.public_key().as_ref().to_vec();
    let verify = time_op(seconds, || {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, black_box(&public))
            .verify(black_box(&message), &signature)
            .expect("RSA verifying");
    });
    emit(row(
        "rsa",
        "awslc_verify",
        "aws-lc-rs `UnparsedPublicKey::verify`",
        verify,
    ));
}

/// Generate a key and write both document sets under `dir`.
fn write_fixtures(dir: &Path) -> std::io::Result<()> {
    let key = SigningKey::generate(
        "Microsoft Azure Federated SSO Certificate",
        fixture::issued() - time::Duration::days(1),
        fixture::issued() + time::Duration::days(3 * 365),
    )
    .map_err(|e| std::io::Error::other(e.to_string()))?;
    for (name, _) in DOCUMENTS {
        let signed = documents::write_documents(&dir.join(name), &spec_for(name), &key)?;
        eprintln!(
            "wrote the {name} documents ({} bytes signed) to {}",
            signed.len(),
            dir.join(name).display()
        );
    }
    Ok(())
}

/// All rounds of one row.
#[derive(Default)]
struct Row {
    /// What the row measures, as the measuring process describes it.
    label: String,
    /// µs per operation, one value per round.
    us: Vec<f64>,
}

impl Row {
    /// The median over rounds.
    fn median(&self) -> Option<f64> {
        let mut v = self.us.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => None,
            n if n % 2 == 1 => Some(v[n / 2]),
            n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
        }
    }
}

/// Measurements and facts read from JSON lines.
#[derive(Default)]
struct Results {
    /// Rows by (group, operation).
    rows: BTreeMap<(String, String), Row>,
    /// Facts to print above the table (versions, checks, document sizes as `bytes.GROUP`).
    meta: BTreeMap<String, String>,
    /// The rounds seen.
    rounds: BTreeSet<u64>,
}

impl Results {
    /// Take in one JSON line; lines of another kind are ignored.
    fn add(&mut self, v: &Value) {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
        match s("kind") {
            "op" => {
                let Some(us) = v.get("us").and_then(Value::as_f64) else {
                    return;
                };
                let row = self
                    .rows
                    .entry((s("group").to_owned(), s("op").to_owned()))
                    .or_default();
                row.label = s("label").to_owned();
                row.us.push(us);
                if let Some(r) = v.get("round").and_then(Value::as_u64) {
                    self.rounds.insert(r);
                }
            }
            "meta" => {
                let value = match v.get("value") {
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                self.meta.insert(s("key").to_owned(), value);
            }
            _ => {}
        }
    }

    /// The median of a row, if it was measured.
    fn median(&self, group: &str, op: &str) -> Option<f64> {
        self.rows
            .get(&(group.to_owned(), op.to_owned()))
            .and_then(Row::median)
    }
}

/// µs with a precision that suits the magnitude.
fn us(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Row order within a group; rows not listed follow in name order.
const ORDER: [&str; 11] = [
    "ours_sign",
    "xmlsec_sign",
    "signxml_sign",
    "ours_verify",
    "xmlsec_verify",
    "signxml_verify",
    "awslc_sign",
    "awslc_parse_sign",
    "openssl_sign",
    "awslc_verify",
    "openssl_verify",
];

/// The Markdown report: facts, one row per (group, operation), then the ratios.
fn table(results: &Results) -> String {
    let mut out = String::new();
    let rounds = results.rounds.len();
    out.push_str(&format!(
        "RSA-2048, PKCS#1 v1.5, SHA-256, exclusive c14n; µs per operation, median of {rounds} \
         round(s) (Rust and Python rounds interleaved); range = fastest–slowest round.\n"
    ));
    let facts: Vec<String> = results
        .meta
        .iter()
        .filter(|(k, _)| !k.starts_with("bytes."))
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    if !facts.is_empty() {
        out.push_str(&format!("Versions and checks: {}.\n", facts.join("; ")));
    }
    out.push_str("\n| document | operation | µs/op | range | ops/s |\n|---|---|---:|---:|---:|\n");
    let mut groups: Vec<(String, String)> = DOCUMENTS
        .iter()
        .map(|(name, caption)| {
            let bytes = results
                .meta
                .get(&format!("bytes.{name}"))
                .map(|b| format!(", {b} B"))
                .unwrap_or_default();
            ((*name).to_owned(), format!("{caption}{bytes}"))
        })
        .collect();
    groups.push((
        "rsa".to_owned(),
        format!("RSA alone, {RSA_MESSAGE_BYTES} B message"),
    ));
    for (group, caption) in &groups {
        let mut rows: Vec<(&String, &Row)> = results
            .rows
            .iter()
            .filter(|((g, _), _)| g == group)
            .map(|((_, op), row)| (op, row))
            .collect();
        rows.sort_by_key(|(op, _)| {
            (
                ORDER.iter().position(|o| o == op).unwrap_or(ORDER.len()),
                (*op).clone(),
            )
        });
        for (_, row) in rows {
            let Some(median) = row.median() else { continue };
            let lo = row.us.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = row.us.iter().copied().fold(0.0, f64::max);
            out.push_str(&format!(
                "| {caption} | {} | {} | {}–{} | {:.0} |\n",
                row.label,
                us(median),
                us(lo),
                us(hi),
                1e6 / median
            ));
        }
    }

    out.push_str("\n| ratio (medians) | target |");
    for (_, caption) in DOCUMENTS {
        out.push_str(&format!(" {caption} |"));
    }
    out.push_str("\n|---|---|");
    out.push_str(&"---:|".repeat(DOCUMENTS.len()));
    out.push('\n');
    type Ratio = (
        &'static str,
        &'static str,
        fn(&Results, &str) -> Option<f64>,
        f64,
    );
    let ratios: [Ratio; 4] = [
        (
            "our sign rate ÷ aws-lc-rs RSA sign rate (key parsed once)",
            "≥ 0.8",
            |r, g| Some(r.median("rsa", "awslc_sign")? / r.median(g, "ours_sign")?),
            0.8,
        ),
        (
            "libxmlsec1 sign time ÷ our sign time",
            "≥ 1 (ours ≤ theirs)",
            |r, g| Some(r.median(g, "xmlsec_sign")? / r.median(g, "ours_sign")?),
            1.0,
        ),
        (
            "libxmlsec1 verify time ÷ our verify time",
            "≥ 1 (ours ≤ theirs)",
            |r, g| Some(r.median(g, "xmlsec_verify")? / r.median(g, "ours_verify")?),
            1.0,
        ),
        (
            "our verify time ÷ aws-lc-rs RSA verify time (the rest is XML)",
            "(information)",
            |r, g| Some(r.median(g, "ours_verify")? / r.median("rsa", "awslc_verify")?),
            f64::NAN,
        ),
    ];
    for (what, target, ratio, floor) in ratios {
        out.push_str(&format!("| {what} | {target} |"));
        for (group, _) in DOCUMENTS {
            match ratio(results, group) {
                Some(v) if floor.is_nan() => out.push_str(&format!(" {v:.2} |")),
                Some(v) => {
                    let mark = if v >= floor { "✓" } else { "✗" };
                    out.push_str(&format!(" {v:.2} {mark} |"));
                }
                None => out.push_str(" n/a |"),
            }
        }
        out.push('\n');
    }
    out
}

/// Read JSON lines from `files` (lines that are not JSON objects are skipped with a warning).
fn read_results(files: &[PathBuf]) -> std::io::Result<Results> {
    let mut results = Results::default();
    for file in files {
        for (n, line) in std::fs::read_to_string(file)?.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) if v.is_object() => results.add(&v),
                _ => eprintln!("{}:{}: not a JSON object, skipped", file.display(), n + 1),
            }
        }
    }
    Ok(results)
}

/// Our rows only, `rounds` rounds on fresh documents in a temporary directory.
fn standalone(rounds: u32, seconds: f64) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write_fixtures(dir.path()).expect("writing the documents");
    let mut results = Results::default();
    for round in 0..rounds {
        measure(dir.path(), round, seconds, &mut |v| results.add(&v));
    }
    print!("{}", table(&results));
}

/// Print how to call this binary and exit with status 2.
fn usage() -> ! {
    eprintln!(
        "usage: sign_table [--write-fixtures DIR | --measure DIR [--round N] [--seconds S] | --table FILE…]\n\
         (normally run by scripts/bench-sign.sh)"
    );
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let is_bench = args.iter().any(|a| a == "--bench");
    let args: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--bench")
        .collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| *a == flag)
            .map(|i| args.get(i + 1).copied().unwrap_or_else(|| usage()))
    };
    if let Some(dir) = value("--write-fixtures") {
        if let Err(e) = write_fixtures(Path::new(dir)) {
            eprintln!("cannot write the benchmark documents: {e}");
            std::process::exit(1);
        }
    } else if let Some(dir) = value("--measure") {
        let round = value("--round").map_or(0, |r| r.parse().unwrap_or_else(|_| usage()));
        let seconds = value("--seconds").map_or(0.5, |s| s.parse().unwrap_or_else(|_| usage()));
        measure(Path::new(dir), round, seconds, &mut |v| println!("{v}"));
    } else if let Some(i) = args.iter().position(|a| *a == "--table") {
        let files: Vec<PathBuf> = args[i + 1..].iter().map(PathBuf::from).collect();
        if files.is_empty() {
            usage();
        }
        match read_results(&files) {
            Ok(results) => print!("{}", table(&results)),
            Err(e) => {
                eprintln!("cannot read the results: {e}");
                std::process::exit(1);
            }
        }
    } else if is_bench {
        standalone(3, 0.3);
    } else {
        standalone(1, 0.01);
    }
}
