//! What users see, pinned with insta. Review changes with `cargo insta review`.

use crate::common::{run, run_with_stdin};
use crate::examples::EXAMPLE_NOW;

fn snapshot(name: &str, args: &[&str]) {
    let out = run(args);
    insta::assert_snapshot!(name, out.transcript(args));
}

#[test]
fn verify_success_with_aws() {
    snapshot(
        "verify_success_aws",
        &[
            "saml",
            "verify",
            "examples/entra-response.xml",
            "--idp-metadata",
            "examples/entra-metadata.xml",
            "--now",
            EXAMPLE_NOW,
            "--aws",
        ],
    );
}

#[test]
fn verify_rejection_expired() {
    snapshot(
        "verify_rejected_expired",
        &[
            "saml",
            "verify",
            "examples/entra-response.xml",
            "--idp-metadata",
            "examples/entra-metadata.xml",
            "--now",
            "2025-06-02T12:00:00Z",
        ],
    );
}

#[test]
fn verify_rejection_by_aws_rules_guest_upn() {
    snapshot(
        "verify_rejected_aws_guest",
        &[
            "saml",
            "verify",
            "examples/guest-response.xml",
            "--idp-metadata",
            "examples/entra-metadata.xml",
            "--now",
            EXAMPLE_NOW,
            "--aws",
        ],
    );
}

#[test]
fn verify_usage_error_without_a_certificate() {
    snapshot(
        "verify_usage_no_trust",
        &["saml", "verify", "examples/entra-response.xml"],
    );
}

#[test]
fn verify_unreadable_input() {
    snapshot(
        "verify_missing_file",
        &[
            "saml",
            "verify",
            "examples/no-such-response.xml",
            "--idp-cert",
            "examples/entra-cert.pem",
        ],
    );
}

#[test]
fn verify_json() {
    snapshot(
        "verify_json_aws",
        &[
            "saml",
            "verify",
            "examples/entra-response.xml",
            "--idp-metadata",
            "examples/entra-metadata.xml",
            "--now",
            EXAMPLE_NOW,
            "--aws",
            "--json",
        ],
    );
}

#[test]
fn inspect_example() {
    snapshot(
        "inspect_mistyped_role",
        &["saml", "inspect", "examples/mistyped-role-response.xml"],
    );
}

#[test]
fn inspect_json_of_base64_from_stdin() {
    let xml = std::fs::read(crate::common::workspace_root().join("examples/guest-response.xml"))
        .expect("example exists");
    let b64 = connect_sso_saml::binding::encode_post(&xml);
    let args = ["saml", "inspect", "-", "--json"];
    let out = run_with_stdin(&args, b64.as_bytes());
    insta::assert_snapshot!("inspect_json_stdin_guest", out.transcript(&args));
}

#[test]
fn sandbox_env() {
    snapshot(
        "sandbox_env",
        &[
            "sandbox",
            "env",
            "--url",
            "http://127.0.0.1:7341",
            "--no-check",
        ],
    );
}

/// The shipped Entra example with `what` inserted right after `anchor`.
fn example_with(anchor: &str, what: &str) -> Vec<u8> {
    let xml = std::fs::read_to_string(
        crate::common::workspace_root().join("examples/entra-response.xml"),
    )
    .expect("example exists");
    let at = xml.find(anchor).expect("anchor") + anchor.len();
    format!("{}{what}{}", &xml[..at], &xml[at..]).into_bytes()
}

fn snapshot_stdin(name: &str, args: &[&str], stdin: &[u8]) {
    let out = run_with_stdin(args, stdin);
    insta::assert_snapshot!(name, out.transcript(args));
}

const VERIFY_STDIN_AWS: &[&str] = &[
    "saml",
    "verify",
    "-",
    "--idp-metadata",
    "examples/entra-metadata.xml",
    "--now",
    EXAMPLE_NOW,
    "--aws",
];

#[test]
fn verify_refuses_deep_nesting_before_parsing() {
    // Without --aws, which would refuse it first for its length.
    let deep = "<e>".repeat(100_000);
    let args = &VERIFY_STDIN_AWS[..VERIFY_STDIN_AWS.len() - 1];
    snapshot_stdin(
        "verify_rejected_deep_nesting",
        args,
        &example_with("<AttributeValue>", &deep),
    );
}

#[test]
fn verify_refuses_a_latin1_declaration() {
    let xml = example_with("", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>");
    let mut args = VERIFY_STDIN_AWS.to_vec();
    args.push("--json");
    snapshot_stdin("verify_rejected_latin1_json", &args, &xml);
}

#[test]
fn verify_aws_refuses_a_response_over_100000_characters() {
    let padding = "x".repeat(80_000);
    let xml = example_with("<AttributeValue>", &padding);
    snapshot_stdin("verify_rejected_aws_too_long", VERIFY_STDIN_AWS, &xml);
    let mut args = VERIFY_STDIN_AWS.to_vec();
    args.push("--json");
    snapshot_stdin("verify_rejected_aws_too_long_json", &args, &xml);
}

/// Every timestamp in `text` (`YYYY-MM-DDTHH:MM:SS…`, up to the next `Z`).
fn timestamps(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let at = |i: usize, p: usize| bytes.get(i + p).copied();
    (0..bytes.len())
        .filter(|&i| {
            at(i, 4) == Some(b'-')
                && at(i, 10) == Some(b'T')
                && at(i, 13) == Some(b':')
                && (0..4).all(|k| at(i, k).is_some_and(|b| b.is_ascii_digit()))
                && (i == 0 || !bytes[i - 1].is_ascii_digit())
        })
        .filter_map(|i| Some(&text[i..=i + text[i..].find('Z')?]))
        .collect()
}

/// The issue saw `.1Z` (RFC 3339 with the fewest digits) next to `.100Z` (as SAML writes
/// them): every time connect-sso shows, in text and in JSON, reads one way, with milliseconds.
#[test]
fn times_print_one_way_not_dot_1z_and_dot_100z() {
    let mut spec = crate::common::aws_spec(crate::common::aws_attributes("alice@example.com"));
    let ms = time::Duration::milliseconds(100);
    spec.not_before += ms;
    spec.not_on_or_after += ms;
    spec.issue_instant += ms;
    let fixture = crate::common::SignedFixture::new(&spec);
    let response = fixture.response.to_string_lossy().to_string();
    let outputs = [
        fixture.verify_aws(&[]).stdout,
        fixture.verify_aws(&["--json"]).stdout,
        run(&["saml", "inspect", &response]).stdout,
        run(&["saml", "inspect", &response, "--json"]).stdout,
    ];
    for out in &outputs {
        let times = timestamps(out);
        assert!(!times.is_empty(), "{out}");
        for t in times {
            assert!(
                t.len() == 24 && t.as_bytes()[19] == b'.',
                "{t:?} is not YYYY-MM-DDTHH:MM:SS.mmmZ in:\n{out}"
            );
        }
    }
    assert!(outputs[0].contains("2025-06-02T08:55:00.100Z to 2025-06-02T10:00:00.100Z"));
    assert!(outputs[1].contains(r#""not_before": "2025-06-02T08:55:00.100Z""#));
}

#[test]
fn timestamps_finds_each_time() {
    assert_eq!(
        timestamps("a 2025-06-02T08:55:00.1Z b 2025-06-02T10:00:00Z"),
        ["2025-06-02T08:55:00.1Z", "2025-06-02T10:00:00Z"]
    );
}
