//! `connect-sso login` against an in-process sandbox: who lands where, and failures explained.

use crate::common::run_in;
use crate::world::World;

#[test]
fn login_success_and_failure_are_explained() {
    let w = World::start();
    let (app_id, instance_id) = w.init_and_apply();
    let settings = w.redactions(&[(&instance_id, "[instance-id]"), (&app_id, "[app-id]")]);

    // bob is the spec's admin: apply created his Connect user, so he gets all the way in.
    let args = ["login", "--user", "bob@contoso.com"];
    let bob = w.run(&args);
    assert_eq!(bob.code, 0, "{}", bob.stderr);
    settings.bind(|| {
        insta::assert_snapshot!(
            "login_success_bob",
            bob.transcript(&[&args[..], &["--sandbox-url", "URL"]].concat())
        )
    });

    // carol is in no assigned group: Entra refuses her (AADSTS50105), exit 1.
    let args = ["login", "--user", "carol@contoso.com"];
    let carol = w.run(&args);
    assert_eq!(carol.code, 1, "{}", carol.stderr);
    settings.bind(|| {
        insta::assert_snapshot!(
            "login_failure_carol",
            carol.transcript(&[&args[..], &["--sandbox-url", "URL"]].concat())
        )
    });

    // A wrong password read from stdin is refused at the IdP.
    let wrong = run_in(
        w.path(),
        &[
            "login",
            "--user",
            "bob@contoso.com",
            "--password-stdin",
            "--sandbox-url",
            &w.base,
        ],
        &[],
        b"not-the-password\n",
    );
    assert_eq!(wrong.code, 1, "{}", wrong.stderr);
    assert!(
        wrong.stderr.contains("the chain stopped at IdP"),
        "{}",
        wrong.stderr
    );
    assert!(
        !wrong.stderr.contains("not-the-password"),
        "{}",
        wrong.stderr
    );

    // --save-response writes what `saml inspect` reads.
    let saved = w.run(&[
        "login",
        "--user",
        "bob@contoso.com",
        "--save-response",
        "bob.saml",
        "--json",
    ]);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let json: serde_json::Value = serde_json::from_str(&saved.stdout).expect("JSON");
    assert_eq!(json["signed_in"], true);
    assert_eq!(json["destination"], "/ccp-v2");
    // Each request of the trail is an object with named fields (not a positional array).
    let first = &json["outcome"]["trail"][0];
    assert_eq!(first["method"], "GET", "{first}");
    assert!(first["status"].is_u64() && first["url"].is_string() && first["hop"].is_string());
    let inspect = w.run_plain(&["saml", "inspect", "bob.saml"]);
    assert_eq!(inspect.code, 0, "{}", inspect.stderr);
    assert!(
        inspect.stdout.contains("bob@contoso.com"),
        "{}",
        inspect.stdout
    );
    assert!(
        inspect
            .stdout
            .contains("https://aws.amazon.com/SAML/Attributes/Role"),
        "{}",
        inspect.stdout
    );
}

#[test]
fn login_before_apply_says_to_apply_first() {
    let w = World::start();
    assert_eq!(w.run_plain(&["init"]).code, 0);
    let out = w.run(&["login", "--user", "bob@contoso.com"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("run `connect-sso apply` first"),
        "{}",
        out.stderr
    );
}
