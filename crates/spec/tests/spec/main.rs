//! Tests of the federation spec: parsing, every validation rule, derived values.

use connect_sso_spec::{Spec, StarterValues, TargetKind, json_schema, starter};

fn starter_text() -> String {
    starter(&StarterValues {
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        account_id: "111122223333".into(),
        region: "us-east-1".into(),
        instance_alias: "acme-contact".into(),
        target: TargetKind::Sandbox,
        admin_username: "admin@contoso.com".into(),
    })
}

/// Replace `from` with `to` in the starter (exactly once) and parse.
fn parse_with(from: &str, to: &str) -> Result<Spec, connect_sso_spec::SpecErrors> {
    let text = starter_text();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in the starter"
    );
    Spec::parse(&text.replace(from, to))
}

/// The single error a mutation causes: its path, message, and line.
fn only_error(from: &str, to: &str) -> connect_sso_spec::SpecError {
    let errs = parse_with(from, to)
        .expect_err("mutation must be rejected")
        .errors;
    assert_eq!(errs.len(), 1, "expected one error, got {errs:#?}");
    errs.into_iter().next().expect("one error")
}

#[test]
fn starter_spec_parses_and_validates() {
    let spec = Spec::parse(&starter_text()).expect("starter is valid");
    assert_eq!(spec.entra.access.len(), 2);
    assert_eq!(
        spec.connect.admin.as_ref().map(|a| a.username.as_str()),
        Some("admin@contoso.com")
    );
}

#[test]
fn json_schema_names_every_section() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema()).expect("schema is JSON");
    let text = schema.to_string();
    for key in [
        "tenant_id",
        "account_id",
        "instance_alias",
        "federation_role",
        "destination",
        "access",
    ] {
        assert!(text.contains(key), "schema lacks {key}");
    }
}

mod derived {
    use super::*;

    #[test]
    fn arns_and_role_claim_value() {
        let d = Spec::parse(&starter_text()).expect("valid").derived();
        assert_eq!(
            d.provider_arn,
            "arn:aws:iam::111122223333:saml-provider/EntraID"
        );
        assert_eq!(
            d.role_arn,
            "arn:aws:iam::111122223333:role/ConnectFederation"
        );
        assert_eq!(
            d.role_claim_value,
            "arn:aws:iam::111122223333:role/ConnectFederation,arn:aws:iam::111122223333:saml-provider/EntraID"
        );
        assert_eq!(d.identifier, "https://signin.aws.amazon.com/saml");
        assert_eq!(d.reply_url, "https://signin.aws.amazon.com/saml");
    }

    #[test]
    fn second_app_in_tenant_gets_hash_suffix_in_identifier_only() {
        let spec = parse_with("# app_instance = 2 ", "app_instance = 2 #").expect("valid");
        let d = spec.derived();
        assert_eq!(d.identifier, "https://signin.aws.amazon.com/saml#2");
        // docs/facts.md §4 / §6.9: never put #n in the Reply URL; the audience loses it too.
        assert_eq!(d.reply_url, "https://signin.aws.amazon.com/saml");
        assert_eq!(d.audience, "https://signin.aws.amazon.com/saml");
    }

    #[test]
    fn regional_signin_trust_policy_allows_both_audiences() {
        let spec =
            parse_with("# regional_signin = true ", "regional_signin = true #").expect("valid");
        let d = spec.derived();
        assert_eq!(d.reply_url, "https://us-east-1.signin.aws.amazon.com/saml");
        let trust = d.trust_policy();
        assert_eq!(
            trust["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"],
            serde_json::json!([
                "https://signin.aws.amazon.com/saml",
                "https://us-east-1.signin.aws.amazon.com/saml"
            ])
        );
    }

    #[test]
    fn trust_policy_matches_facts_section_3() {
        let d = Spec::parse(&starter_text()).expect("valid").derived();
        assert_eq!(
            d.trust_policy(),
            serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/EntraID"},
                    "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
                }]
            })
        );
    }

    #[test]
    fn federation_policy_scopes_to_the_signed_in_user() {
        let d = Spec::parse(&starter_text()).expect("valid").derived();
        let p = d.federation_policy("us-east-1", "111122223333", "abcd");
        assert_eq!(p["Statement"][0]["Action"], "connect:GetFederationToken");
        assert_eq!(
            p["Statement"][0]["Resource"],
            "arn:aws:connect:us-east-1:111122223333:instance/abcd/user/${aws:userid}"
        );
    }

    #[test]
    fn relay_state_encodes_destination_and_sets_new_domain() {
        let spec = Spec::parse(&starter_text()).expect("valid");
        assert_eq!(
            connect_sso_spec::Derived::relay_state(&spec, "11111111-2222-3333-4444-555555555555"),
            "https://us-east-1.console.aws.amazon.com/connect/federate/11111111-2222-3333-4444-555555555555?destination=%2Fccp-v2&new_domain=true"
        );
    }

    #[test]
    fn relay_state_without_destination_is_the_bare_federate_url() {
        let spec = parse_with("destination = \"/ccp-v2\"", "").expect("valid");
        assert_eq!(
            connect_sso_spec::Derived::relay_state(&spec, "abc"),
            "https://us-east-1.console.aws.amazon.com/connect/federate/abc"
        );
    }

    #[test]
    fn govcloud_uses_govcloud_partition_signin_and_console() {
        let spec =
            parse_with("region = \"us-east-1\"", "region = \"us-gov-west-1\"").expect("valid");
        let d = spec.derived();
        assert_eq!(
            d.role_arn,
            "arn:aws-us-gov:iam::111122223333:role/ConnectFederation"
        );
        assert_eq!(d.reply_url, "https://signin.amazonaws-us-gov.com/saml");
        assert!(
            connect_sso_spec::Derived::relay_state(&spec, "abc")
                .starts_with("https://console.amazonaws-us-gov.com/connect/federate/abc?")
        );
    }
}

mod validation {
    use super::*;

    #[test]
    fn toml_syntax_error_has_line_and_column() {
        let errs = Spec::parse("version = 1\n[entra\n")
            .expect_err("bad TOML")
            .errors;
        assert_eq!(errs[0].line, Some(2));
        assert!(errs[0].column.is_some());
    }

    #[test]
    fn unknown_field_is_located_and_hinted() {
        let e = Spec::parse(&starter_text().replace("app_name = ", "app_nmae = "))
            .expect_err("typo")
            .errors;
        assert!(
            e[0].message.contains("unknown field `app_nmae`"),
            "{}",
            e[0].message
        );
        assert!(e[0].line.is_some());
        assert_eq!(e[0].hint.as_deref(), Some("did you mean `app_name`?"));
        assert_eq!(
            e.len(),
            1,
            "the missing app_name is the same mistake: {e:?}"
        );
    }

    #[test]
    fn brokered_topology_needs_identity_center() {
        let e = only_error("topology = \"direct\"", "topology = \"brokered\"");
        assert_eq!(e.path, "topology");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("[identity_center]"))
        );
    }

    const IDENTITY_CENTER: &str = "\n[sync]\nusername = \"mail\"\n\n[identity_center]\naccount_id = \"999988887777\"\nregion = \"eu-west-1\"\n";

    fn brokered_text(identity_center: &str) -> String {
        starter_text().replace("topology = \"direct\"", "topology = \"brokered\"") + identity_center
    }

    #[test]
    fn brokered_topology_with_identity_center_is_valid() {
        let spec = Spec::parse(&brokered_text(IDENTITY_CENTER)).expect("valid");
        let ic = spec.identity_center.clone().expect("identity center");
        assert_eq!(ic.application_name, "Amazon Connect");
        assert_eq!(spec.derived().audience, "urn:amazon:webservices");
    }

    #[test]
    fn brokered_connect_usernames_must_be_email_addresses() {
        let text =
            brokered_text(IDENTITY_CENTER).replace("username = \"mail\"", "username = \"upn\"");
        let e = Spec::parse(&text).expect_err("upn usernames").errors;
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].path, "sync.username");
        assert!(e[0].hint.as_deref().is_some_and(|h| h.contains("mail")));
    }

    #[test]
    fn brokered_management_account_must_not_be_the_connect_account() {
        let text = brokered_text(&IDENTITY_CENTER.replace("999988887777", "111122223333"));
        let e = Spec::parse(&text).expect_err("same account").errors;
        assert_eq!(e.len(), 1, "{e:#?}");
        assert_eq!(e[0].path, "identity_center.account_id");
    }

    #[test]
    fn identity_center_is_refused_for_the_direct_topology() {
        let e = Spec::parse(&(starter_text() + IDENTITY_CENTER))
            .expect_err("direct with identity center")
            .errors;
        assert_eq!(e[0].path, "identity_center");
    }

    #[test]
    fn a_profile_and_a_role_together_are_refused() {
        let text = brokered_text(&format!(
            "{IDENTITY_CENTER}credentials = {{ profile = \"mgmt\", role_arn = \"arn:aws:iam::999988887777:role/x\" }}\n"
        ));
        let e = Spec::parse(&text).expect_err("both").errors;
        assert_eq!(e[0].path, "identity_center.credentials");
    }

    #[test]
    fn every_problem_is_reported_in_one_pass() {
        // Two misspelt fields and an unquoted account ID: one round, three problems.
        let text = starter_text()
            .replace("app_name = ", "app_nmae = ")
            .replace("federation_role = ", "federation_rol = ")
            .replace("account_id = \"111122223333\"", "account_id = 111122223333");
        let e = Spec::parse(&text).expect_err("three mistakes").errors;
        let messages: Vec<&str> = e.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(e.len(), 3, "{messages:?}");
        assert!(messages[0].contains("app_nmae") && messages[1].contains("federation_rol"));
        assert!(
            messages[2].contains("invalid type: integer"),
            "{messages:?}"
        );
        assert!(
            e[2].hint
                .as_deref()
                .is_some_and(|h| h.contains("quote the value")),
            "{:?}",
            e[2].hint
        );
        assert!(e.iter().all(|e| e.line.is_some()), "{e:?}");
    }

    #[test]
    fn missing_required_field_is_reported() {
        let e = Spec::parse(&starter_text().replace("account_id = \"111122223333\"\n", ""))
            .expect_err("missing")
            .errors;
        assert!(
            e[0].message.contains("missing field `account_id`"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn version_other_than_1() {
        let e = only_error("version = 1", "version = 2");
        assert_eq!(e.path, "version");
        assert_eq!(e.line, Some(4));
    }

    #[test]
    fn cloud_target_with_url() {
        let e = only_error("kind = \"sandbox\"", "kind = \"cloud\"\nurl = \"http://x\"");
        assert_eq!(e.path, "target.url");
    }

    #[test]
    fn sandbox_url_not_http() {
        let e = only_error(
            "# url = \"http://127.0.0.1:7341\"",
            "url = \"127.0.0.1:7341\"",
        );
        assert_eq!(e.path, "target.url");
    }

    #[test]
    fn tenant_id_not_a_guid() {
        let e = only_error(
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "contoso.onmicrosoft.com",
        );
        assert_eq!(e.path, "entra.tenant_id");
        assert!(e.hint.is_some());
        assert!(e.to_string().starts_with("12:"), "{e}");
    }

    #[test]
    fn empty_app_name() {
        assert_eq!(
            only_error("app_name = \"Amazon Connect\"", "app_name = \" \"").path,
            "entra.app_name"
        );
    }

    #[test]
    fn app_instance_zero() {
        assert_eq!(
            only_error("# app_instance = 2 ", "app_instance = 0 #").path,
            "entra.app_instance"
        );
    }

    #[test]
    fn certificate_years_out_of_range() {
        assert_eq!(
            only_error("# certificate_years = 3", "certificate_years = 5").path,
            "entra.certificate_years"
        );
    }

    #[test]
    fn session_duration_out_of_range() {
        let e = only_error("\nsession_duration = 43200", "\nsession_duration = 60");
        assert_eq!(e.path, "entra.session_duration");
        assert!(e.message.contains("900–43200"));
    }

    #[test]
    fn session_duration_above_role_max() {
        let text = starter_text().replace(
            "max_session_duration = 43200",
            "max_session_duration = 3600",
        );
        let e = Spec::parse(&text).expect_err("over max").errors;
        assert_eq!(e.len(), 1);
        assert!(
            e[0].message
                .contains("exceeds the role's max_session_duration")
        );
    }

    #[test]
    fn duplicate_group() {
        let e = only_error(
            "group = \"Connect Supervisors\"",
            "group = \"connect agents\"",
        );
        assert_eq!(e.path, "entra.access.1.group");
        assert!(e.line.is_some());
    }

    #[test]
    fn empty_group() {
        assert_eq!(
            only_error("group = \"Connect Supervisors\"", "group = \"\"").path,
            "entra.access.1.group"
        );
    }

    #[test]
    fn msiam_access_app_role_is_refused() {
        let e = only_error(
            "app_role = \"Amazon Connect\"",
            "app_role = \"msiam_access\"",
        );
        assert_eq!(e.path, "entra.app_role");
    }

    #[test]
    fn empty_app_role() {
        assert_eq!(
            only_error("app_role = \"Amazon Connect\"", "app_role = \"\"").path,
            "entra.app_role"
        );
    }

    #[test]
    fn group_without_security_profiles() {
        assert_eq!(
            only_error(
                "security_profiles = [\"CallCenterManager\"]",
                "security_profiles = []"
            )
            .path,
            "entra.access.1.security_profiles"
        );
    }

    #[test]
    fn account_id_not_12_digits() {
        let e = only_error(
            "account_id = \"111122223333\"",
            "account_id = \"11112222333\"",
        );
        assert_eq!(e.path, "aws.account_id");
    }

    #[test]
    fn region_display_name() {
        let e = only_error(
            "region = \"us-east-1\"",
            "region = \"US East (N. Virginia)\"",
        );
        assert_eq!(e.path, "aws.region");
        assert!(e.hint.as_deref().is_some_and(|h| h.contains("region code")));
    }

    #[test]
    fn mistyped_region_names_the_nearest_real_one() {
        let e = only_error("region = \"us-east-1\"", "region = \"us-east-9\"");
        assert_eq!(e.path, "aws.region");
        assert_eq!(e.message, "\"us-east-9\" is not an AWS Region");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("\"us-east-1\"")),
            "{:?}",
            e.hint
        );
        let e = only_error("region = \"us-east-1\"", "region = \"xx-yyyy-1\"");
        assert_eq!(e.message, "\"xx-yyyy-1\" is not an AWS Region");
    }

    #[test]
    fn region_without_amazon_connect_is_refused_with_the_ones_that_have_it() {
        let e = only_error("region = \"us-east-1\"", "region = \"eu-west-1\"");
        assert_eq!(e.message, "Amazon Connect is not offered in eu-west-1");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("\"eu-west-2\"")),
            "{:?}",
            e.hint
        );
    }

    #[test]
    fn bad_provider_name() {
        assert_eq!(
            only_error(
                "saml_provider = \"EntraID\"",
                "saml_provider = \"Entra ID\""
            )
            .path,
            "aws.saml_provider"
        );
    }

    #[test]
    fn bad_role_name() {
        assert_eq!(
            only_error(
                "federation_role = \"ConnectFederation\"",
                "federation_role = \"Connect/Federation\""
            )
            .path,
            "aws.federation_role"
        );
    }

    #[test]
    fn role_and_provider_arns_too_long_for_an_app_role_value() {
        let long = "R".repeat(64);
        let text = starter_text()
            .replace(
                "federation_role = \"ConnectFederation\"",
                &format!("federation_role = \"{long}\""),
            )
            .replace(
                "saml_provider = \"EntraID\"",
                &format!("saml_provider = \"{}\"", "P".repeat(120)),
            );
        let e = Spec::parse(&text).expect_err("too long").errors;
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(e[0].message.contains("under 240"));
    }

    #[test]
    fn max_session_duration_out_of_range() {
        let text = starter_text()
            .replace(
                "max_session_duration = 43200",
                "max_session_duration = 100000",
            )
            .replace("session_duration = 43200      #", "#");
        let e = Spec::parse(&text).expect_err("range").errors;
        assert_eq!(e[0].path, "aws.max_session_duration");
    }

    #[test]
    fn regional_signin_in_govcloud() {
        let text = starter_text()
            .replace("region = \"us-east-1\"", "region = \"us-gov-west-1\"")
            .replace("# regional_signin = true ", "regional_signin = true #");
        let e = Spec::parse(&text).expect_err("gov regional").errors;
        assert_eq!(e[0].path, "aws.regional_signin");
    }

    #[test]
    fn bad_instance_alias() {
        assert_eq!(
            only_error(
                "instance_alias = \"acme-contact\"",
                "instance_alias = \"acme-\""
            )
            .path,
            "connect.instance_alias"
        );
        assert_eq!(
            only_error(
                "instance_alias = \"acme-contact\"",
                "instance_alias = \"d-acme\""
            )
            .path,
            "connect.instance_alias"
        );
    }

    #[test]
    fn instance_arn_instead_of_id_is_explained() {
        let e = only_error(
            "# instance_id = \"…\" ",
            "instance_id = \"arn:aws:connect:us-east-1:111122223333:instance/11111111-2222-3333-4444-555555555555\" #",
        );
        assert_eq!(e.path, "connect.instance_id");
        assert!(
            e.hint
                .as_deref()
                .is_some_and(|h| h.contains("\"11111111-2222-3333-4444-555555555555\""))
        );
    }

    #[test]
    fn instance_id_not_a_guid() {
        assert_eq!(
            only_error("# instance_id = \"…\" ", "instance_id = \"acme\" #").path,
            "connect.instance_id"
        );
    }

    #[test]
    fn destination_full_url() {
        let e = only_error(
            "destination = \"/ccp-v2\"",
            "destination = \"https://acme.my.connect.aws/ccp-v2\"",
        );
        assert_eq!(e.path, "connect.destination");
    }

    #[test]
    fn destination_without_slash() {
        assert_eq!(
            only_error("destination = \"/ccp-v2\"", "destination = \"ccp-v2\"").path,
            "connect.destination"
        );
    }

    #[test]
    fn destination_already_encoded() {
        let e = only_error("destination = \"/ccp-v2\"", "destination = \"%2Fccp-v2\"");
        assert!(e.message.contains("URL-encoded"));
    }

    #[test]
    fn guest_upn_admin_username() {
        let e = only_error(
            "username = \"admin@contoso.com\"",
            "username = \"ann_fabrikam.com#EXT#@contoso.onmicrosoft.com\"",
        );
        assert_eq!(e.path, "connect.admin.username");
        assert!(e.message.contains("guest"));
    }

    #[test]
    fn username_with_space() {
        assert_eq!(
            only_error(
                "username = \"admin@contoso.com\"",
                "username = \"admin user\""
            )
            .path,
            "connect.admin.username"
        );
    }

    #[test]
    fn username_with_two_ats() {
        assert_eq!(
            only_error(
                "username = \"admin@contoso.com\"",
                "username = \"a@b@contoso.com\""
            )
            .path,
            "connect.admin.username"
        );
    }

    #[test]
    fn username_too_long() {
        let long = format!("username = \"{}@contoso.com\"", "a".repeat(60));
        assert_eq!(
            only_error("username = \"admin@contoso.com\"", &long).path,
            "connect.admin.username"
        );
    }

    #[test]
    fn empty_first_and_last_name() {
        let text = starter_text()
            .replace("first_name = \"Connect\"", "first_name = \"\"")
            .replace("last_name = \"Administrator\"", "last_name = \"\"");
        let e = Spec::parse(&text).expect_err("names").errors;
        let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            ["connect.admin.first_name", "connect.admin.last_name"]
        );
    }

    #[test]
    fn no_security_profiles() {
        assert_eq!(
            only_error("security_profiles = [\"Admin\"]", "security_profiles = []").path,
            "connect.admin.security_profiles"
        );
    }

    #[test]
    fn all_problems_reported_at_once_in_document_order() {
        let text = starter_text()
            .replace("account_id = \"111122223333\"", "account_id = \"1\"")
            .replace("72f988bf-86f1-41af-91ab-2d7cd011db47", "x");
        let e = Spec::parse(&text).expect_err("two").errors;
        let paths: Vec<&str> = e.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["entra.tenant_id", "aws.account_id"]);
    }

    #[test]
    fn error_report_reads_well() {
        let text = starter_text().replace("region = \"us-east-1\"", "region = \"Frankfurt\"");
        insta::assert_snapshot!(Spec::parse(&text).expect_err("bad").to_string());
    }
}

#[test]
fn the_starters_commented_sync_section_is_valid_once_uncommented() {
    let text = starter_text();
    let start = text.find("# [sync]").expect("the starter documents [sync]");
    let uncommented: String = text[..start].to_string()
        + &text[start..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
    let spec = Spec::parse(&uncommented).expect("the documented [sync] section parses");
    // The values the starter documents are the defaults.
    assert_eq!(spec.sync, Spec::parse(&text).expect("starter").sync);
    assert!(uncommented.contains("\n[sync]\n"), "{uncommented}");
}

#[test]
fn group_tags_hierarchy_grace_and_email_parse_with_values_connect_accepts() {
    let spec = parse_with(
        "routing_profile = \"Basic Routing Profile\"\n\n[[entra.access]]",
        "routing_profile = \"Basic Routing Profile\"\ntags = { cost_centre = \"CC 12 & (north), east\", \"team name\" = \"Blue\" }\nhierarchy_group = \"Team North\"\n\n[[entra.access]]",
    )
    .expect("valid");
    let a = &spec.entra.access[0];
    assert_eq!(a.tags["cost_centre"], "CC 12 & (north), east");
    assert_eq!(a.hierarchy_group.as_deref(), Some("Team North"));
    let with_sync = |sync: &str| Spec::parse(&format!("{}\n[sync]\n{sync}\n", starter_text()));
    let s = with_sync("leaver_grace = \"7d\"\nemail = \"mail\"").expect("valid");
    assert_eq!(s.sync.leaver_grace_seconds(), Some(7 * 86_400));
    assert_eq!(s.sync.email, connect_sso_spec::EmailSource::Mail);
    assert_eq!(
        with_sync("leaver_grace = \"36h\"")
            .expect("valid")
            .sync
            .leaver_grace_seconds(),
        Some(36 * 3_600)
    );
    for bad in [
        "\"7\"", "\"1w\"", "\"-1d\"", "\"d\"", "\"\"", "\"7д\"", "\"+7d\"",
    ] {
        let e = with_sync(&format!("leaver_grace = {bad}")).expect_err(bad);
        assert_eq!(e.errors[0].path, "sync.leaver_grace", "{bad}: {e}");
        assert!(
            e.errors[0]
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("\"7d\""))
        );
    }
}

#[test]
fn group_tag_keys_connect_refuses_are_reported_with_the_rule() {
    for (tags, says) in [
        ("{ \"a,b\" = \"x\" }", "not a Connect tag key"),
        ("{ \"aws:x\" = \"x\" }", "reserved"),
        ("{ \"connect-sso:tags\" = \"x\" }", "reserved"),
    ] {
        let e = only_error(
            "routing_profile = \"Basic Routing Profile\"\n\n[[entra.access]]",
            &format!(
                "routing_profile = \"Basic Routing Profile\"\ntags = {tags}\n\n[[entra.access]]"
            ),
        );
        assert_eq!(e.path, "entra.access.0.tags");
        assert!(e.message.contains(says), "{tags}: {}", e.message);
    }
}

#[test]
fn brokered_starter_spec_parses_and_validates() {
    let v = connect_sso_spec::StarterValues {
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        account_id: "111122223333".into(),
        region: "eu-west-2".into(),
        instance_alias: "acme-contact".into(),
        target: connect_sso_spec::TargetKind::Cloud,
        admin_username: "admin@contoso.com".into(),
    };
    let text = connect_sso_spec::brokered_starter(&v, "999988887777", "eu-west-1");
    let spec = Spec::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(spec.topology, connect_sso_spec::Topology::Brokered);
    assert_eq!(spec.sync.username, connect_sso_spec::UsernameSource::Mail);
    let ic = spec.identity_center.expect("identity center");
    assert_eq!(
        (ic.account_id.as_str(), ic.region.as_str()),
        ("999988887777", "eu-west-1")
    );
}
