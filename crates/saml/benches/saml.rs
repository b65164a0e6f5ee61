//! Benchmarks of signing, verifying and canonicalising an Entra-sized SAML Response
//! (RSA-2048, SHA-256, the AWS app's claim set with two roles; about 7 KB).
//!
//! Run: `cargo bench -p connect-sso-saml --bench saml`.
//! `scripts/bench-xmlsec1.sh` measures the same operations with `xmlsec1` for comparison;
//! it gets the very same documents and key by running this binary with
//! `SAML_BENCH_FIXTURES=<dir>`, which writes them to `<dir>` and exits without benchmarking.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use connect_sso_saml::{
    SignOptions, SigningKey, canonicalize_exclusive, sign_response, verify_response,
};
use criterion::Criterion;

#[path = "common/documents.rs"]
mod documents;
#[path = "../tests/it/interop/fixture.rs"]
mod fixture;

fn key() -> SigningKey {
    SigningKey::generate(
        "Microsoft Azure Federated SSO Certificate",
        fixture::issued() - time::Duration::days(1),
        fixture::issued() + time::Duration::days(3 * 365),
    )
    .expect("generating an RSA-2048 key")
}

fn benches(c: &mut Criterion, key: &SigningKey) {
    let spec = fixture::entra_spec();
    let options = SignOptions::default();
    let signed = sign_response(&spec, key, options).expect("signing");
    let verify_options = fixture::aws_verify_options(key.certificate().clone(), false);
    verify_response(signed.as_bytes(), &verify_options).expect("the fixture verifies");
    eprintln!("signed Entra-shaped response: {} bytes", signed.len());

    let mut group = c.benchmark_group("entra_response_rsa2048_sha256");
    group.bench_function("sign", |b| {
        b.iter(|| sign_response(black_box(&spec), key, options).expect("signing"))
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            verify_response(black_box(signed.as_bytes()), &verify_options).expect("verifying")
        })
    });
    group.bench_function("c14n_assertion", |b| {
        b.iter(|| {
            canonicalize_exclusive(black_box(&signed), Some(&spec.assertion_id), true, &[])
                .expect("canonicalising")
        })
    });
    group.bench_function("c14n_whole_response", |b| {
        b.iter(|| {
            canonicalize_exclusive(black_box(&signed), None, false, &[]).expect("canonicalising")
        })
    });
    group.finish();
}

/// Write the benchmark documents and key for `scripts/bench-xmlsec1.sh`.
fn write_fixtures(dir: &Path, key: &SigningKey) -> std::io::Result<()> {
    let signed = documents::write_documents(dir, &fixture::entra_spec(), key)?;
    println!(
        "wrote response-signed.xml ({} bytes) and its template, key and certificate to {}",
        signed.len(),
        dir.display()
    );
    Ok(())
}

fn main() {
    let key = key();
    if let Some(dir) = std::env::var_os("SAML_BENCH_FIXTURES") {
        if let Err(e) = write_fixtures(Path::new(&dir), &key) {
            eprintln!("cannot write the benchmark fixtures: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    benches(&mut c, &key);
    c.final_summary();
}
