//! `connect-sso saml verify`: verify a response against pinned certificates, as AWS sign-in
//! would, and optionally apply AWS's attribute rules (docs/facts.md §3).

use connect_sso_saml::aws::{self, AwsRejection, AwsSignIn};
use connect_sso_saml::{
    Certificate, Error, IdpMetadata, Rejection, SignatureAlgorithm, SignedPart, VerifiedAssertion,
    VerifyOptions, verify_response,
};
use time::OffsetDateTime;

use crate::cli::SamlVerifyArgs;
use crate::commands::input;
use crate::error::{CommandError, ExitCode};
use crate::printer::{Printer, Style, row};

/// Run the command.
pub(crate) fn run(args: &SamlVerifyArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let xml = input::read_response(&args.response, printer)?;
    let (trusted, expected_issuer) = trust(args, printer)?;
    let now = args.now.unwrap_or_else(OffsetDateTime::now_utc);
    let mut options = VerifyOptions::new(trusted, now);
    options.expected_issuer = expected_issuer;
    // With --aws and no explicit value, aws::check applies AWS's own audience and Recipient
    // rules (any sign-in endpoint, regional ones and urn:amazon:webservices included).
    options.audience = args.audience.clone().filter(|a| !a.is_empty());
    options.recipient = args.recipient.clone().filter(|r| !r.is_empty());
    options.skew = time::Duration::seconds(i64::from(args.skew));
    options.allow_sha1 = args.allow_sha1;
    options.allow_bare_assertion = args.allow_bare_assertion;

    if args.aws {
        // AWS counts the base64 form field; measure what this response would be posted as.
        if let Err(rejection) = aws::check_saml_response_len(aws::encoded_len(xml.len())) {
            return Err(aws_refusal(printer, args, &rejection));
        }
    }
    let verified = match verify_response(&xml, &options) {
        Ok(v) => v,
        Err(Error::Rejected(rejection)) => {
            if args.json {
                print_rejection_json(printer, rejection_kind(&rejection), &rejection.to_string());
            }
            return Err(explain_rejection(&rejection, args));
        }
        Err(other) => {
            return Err(CommandError::error("could not verify the response").caused_by(&other));
        }
    };
    let aws_sign_in = if args.aws {
        match aws::check(&verified) {
            Ok(sign_in) => Some(sign_in),
            Err(rejection) => return Err(aws_refusal(printer, args, &rejection)),
        }
    } else {
        None
    };
    if args.json {
        let doc = Accepted {
            verdict: "accepted",
            assertion: &verified,
            aws: aws_sign_in.as_ref(),
        };
        let text = serde_json::to_string_pretty(&doc)
            .map_err(|e| CommandError::error("could not write JSON").caused_by(&e))?;
        printer.out(&format!("{text}\n"));
    } else {
        printer.out(&render(printer, &verified, aws_sign_in.as_ref()));
    }
    if verified.sha1_used {
        printer.warn(
            "the response is signed with SHA-1; set the Entra app's signing algorithm to SHA-256",
        );
    }
    Ok(ExitCode::Success)
}

/// Print the `--json` verdict of an AWS refusal (when asked) and return the error to show.
fn aws_refusal(printer: &Printer, args: &SamlVerifyArgs, rejection: &AwsRejection) -> CommandError {
    if args.json {
        print_rejection_json(
            printer,
            aws_rejection_kind(rejection),
            &rejection.to_string(),
        );
    }
    explain_aws_rejection(rejection)
}

/// `--json` output of an accepted response (fields in this order).
#[derive(serde::Serialize)]
struct Accepted<'a> {
    verdict: &'static str,
    assertion: &'a VerifiedAssertion,
    aws: Option<&'a AwsSignIn>,
}

/// The pinned certificates and, with metadata, the Issuer to expect.
fn trust(
    args: &SamlVerifyArgs,
    printer: &Printer,
) -> Result<(Vec<Certificate>, Option<String>), CommandError> {
    if let Some(path) = &args.idp_metadata {
        let bytes = input::read(path, "IdP metadata")?;
        let shown = path.display();
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            CommandError::error(format!("the IdP metadata in {shown} is not UTF-8")).caused_by(&e)
        })?;
        // Entra's download can start with a byte order mark; verifying does not mind, but
        // IAM refuses such metadata (docs/facts.md §3), so say so.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => {
                printer.warn(&format!(
                    "{shown} starts with a UTF-8 byte order mark; IAM refuses such metadata, \
                     remove it before uploading the file to IAM"
                ));
                rest
            }
            None => text,
        };
        let metadata = IdpMetadata::parse(text).map_err(|e| {
            let err = CommandError::error(format!("could not use the IdP metadata in {shown}"))
                .caused_by(&e);
            if text.contains("-----BEGIN CERTIFICATE-----") {
                err.hint("this file is a PEM certificate: pass it with --idp-cert instead")
            } else {
                err.hint(
                    "download it again from the Entra app's SAML page (Federation Metadata XML)",
                )
            }
        })?;
        if metadata.signing_certificates.is_empty() {
            return Err(CommandError::error(format!(
                "the IdP metadata in {shown} lists no signing certificate"
            )));
        }
        return Ok((metadata.signing_certificates, Some(metadata.entity_id)));
    }
    let Some(path) = &args.idp_cert else {
        // clap's "trust" group makes one of the two required.
        return Err(CommandError::error(
            "give the IdP's certificate with --idp-metadata FILE or --idp-cert PEM",
        ));
    };
    let bytes = input::read(path, "IdP certificate")?;
    let shown = path.display();
    let text = String::from_utf8_lossy(&bytes);
    let cert = Certificate::from_pem(&text).map_err(|e| {
        let err =
            CommandError::error(format!("could not read a certificate from {shown}")).caused_by(&e);
        if text.contains("EntityDescriptor") {
            err.hint("this file is SAML metadata: pass it with --idp-metadata instead")
        } else {
            err.hint(
                "--idp-cert takes a PEM file (-----BEGIN CERTIFICATE-----); Entra's \
                 \"Certificate (Base64)\" download is one",
            )
        }
    })?;
    Ok((vec![cert], None))
}

/// A stable, short name for each class of rejection (for `--json`).
fn rejection_kind(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::Malformed(_) => "malformed",
        Rejection::Dtd => "dtd",
        Rejection::NotAResponse { .. } => "not-a-response",
        Rejection::StatusNotSuccess(_) => "status-not-success",
        Rejection::AssertionCount { .. } => "assertion-count",
        Rejection::Encrypted => "encrypted",
        Rejection::DuplicateId(_) => "duplicate-id",
        Rejection::Unsigned => "unsigned",
        Rejection::BadReference(_) => "bad-reference",
        Rejection::DigestMismatch(_) => "digest-mismatch",
        Rejection::BadSignature => "bad-signature",
        Rejection::Algorithm(_) => "algorithm",
        Rejection::Sha1NotAllowed(_) => "sha1-not-allowed",
        Rejection::Missing(_) => "missing",
        Rejection::Issuer { .. } => "issuer",
        Rejection::NotYetValid { .. } => "not-yet-valid",
        Rejection::Expired { .. } => "expired",
        Rejection::Audience { .. } => "audience",
        Rejection::Recipient { .. } => "recipient",
        Rejection::EmptyNameId => "empty-name-id",
        Rejection::MalformedSignature(_) => "malformed-signature",
        Rejection::Limit(_) => "limit",
        Rejection::Encoding(_) => "encoding",
        Rejection::WeakKey { .. } => "weak-key",
        Rejection::AssertionMisplaced { .. } => "assertion-misplaced",
        _ => "other",
    }
}

/// A stable, short name for each AWS rule (for `--json`).
fn aws_rejection_kind(rejection: &AwsRejection) -> &'static str {
    match rejection {
        AwsRejection::InvalidRole { .. } => "aws-invalid-role",
        AwsRejection::RoleSessionNameMissing => "aws-role-session-name-missing",
        AwsRejection::RoleSessionNameMistyped(_) => "aws-role-session-name-mistyped",
        AwsRejection::RoleSessionNameInvalid(_) => "aws-role-session-name-invalid",
        AwsRejection::SessionDurationInvalid(_) => "aws-session-duration-invalid",
        AwsRejection::Audience(_) => "aws-audience",
        AwsRejection::Recipient(_) => "aws-recipient",
        AwsRejection::ResponseTooLong { .. } => "aws-response-too-long",
        AwsRejection::SubjectConfirmationCount(_) => "aws-subject-confirmation-count",
        _ => "aws-other",
    }
}

fn print_rejection_json(printer: &Printer, kind: &str, reason: &str) {
    let doc = serde_json::json!({"verdict": "rejected", "kind": kind, "reason": reason});
    printer.out(&format!("{}\n", to_json(&doc)));
}

fn to_json(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The error users see for a rejected response, with what to do about it.
fn explain_rejection(rejection: &Rejection, args: &SamlVerifyArgs) -> CommandError {
    let err = CommandError::rejected("the SAML response was rejected").cause(rejection.to_string());
    match rejection {
        Rejection::BadSignature => err.hint(
            "the response was signed by another key: check that the metadata or certificate is \
             the app's current one (Entra rolls signing certificates over, and IAM must be given \
             the new metadata)",
        ),
        Rejection::Issuer { .. } => err.hint(
            "the metadata belongs to another IdP or tenant; use the federation metadata of the \
             Entra app that signed this response",
        ),
        Rejection::Expired { .. } | Rejection::NotYetValid { .. } => {
            let hint = if args.now.is_none() {
                "a SAML response is valid for minutes only: capture a fresh one, or pass --now \
                 with the time it was captured; if the IdP's clock is off, raise --skew"
            } else {
                "check --now: it must fall inside the response's validity window"
            };
            err.hint(hint)
        }
        Rejection::Audience { .. } => err.hint(if args.aws {
            "AWS sign-in expects the audience https://signin.aws.amazon.com/saml: set the Entra \
             app's Identifier (Entity ID) to it"
        } else {
            "pass --audience with the entity ID the IdP uses for this app (its Identifier)"
        }),
        Rejection::Recipient { .. } => err.hint(
            "the Recipient comes from the Entra app's Reply URL (ACS URL); for AWS it is \
             https://signin.aws.amazon.com/saml (or a regional sign-in URL), never with a #n suffix",
        ),
        Rejection::Sha1NotAllowed(_) => err.hint(
            "better: set the Entra app's signing algorithm to SHA-256 (Single sign-on > SAML \
             Certificates > Signing Algorithm)",
        ),
        Rejection::NotAResponse { .. } => err.hint(if args.allow_bare_assertion {
            "give a samlp:Response or a saml:Assertion"
        } else {
            "give the samlp:Response the IdP posted (pass --allow-bare-assertion for a bare token)"
        }),
        Rejection::Unsigned => err.hint(
            "Entra signs the assertion by default; check the app's Signing Option (Sign SAML \
             assertion)",
        ),
        Rejection::Limit(_) => err.hint(
            "no IdP sends such a message (an Entra response is about 6 kB and nests about ten \
             levels): check that this is the SAMLResponse you meant to verify",
        ),
        Rejection::Encoding(_) => err.hint(
            "SAML messages are UTF-8: if this file was re-saved in another encoding, capture the \
             response again (e.g. connect-sso login --save-response, or a HAR file)",
        ),
        Rejection::WeakKey { .. } => err.hint(
            "create a new signing certificate for the Entra app (2048-bit RSA, the default), make \
             it active, and give IAM the new federation metadata",
        ),
        Rejection::AssertionMisplaced { .. } => err.hint(
            "the assertion must be <saml:Assertion \
             xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"> directly inside the \
             samlp:Response; a look-alike namespace or position is how signature-wrapping \
             attacks hide an assertion",
        ),
        _ => err,
    }
}

/// The error users see when AWS's rules refuse a valid response (docs/facts.md §3, §6).
fn explain_aws_rejection(rejection: &AwsRejection) -> CommandError {
    let err = CommandError::rejected("AWS sign-in would refuse this SAML response")
        .cause(rejection.to_string());
    match rejection {
        AwsRejection::InvalidRole { .. } => err.hint(
            "in Entra, assign the user (or a group they are in) to an app role whose value is \
             `arn:aws:iam::<account>:role/<role>,arn:aws:iam::<account>:saml-provider/<provider>`, \
             and map the claim https://aws.amazon.com/SAML/Attributes/Role from user.assignedroles",
        ),
        AwsRejection::RoleSessionNameMissing | AwsRejection::RoleSessionNameMistyped(_) => err
            .hint(
                "add the claim https://aws.amazon.com/SAML/Attributes/RoleSessionName (exactly \
                 this name) from user.userprincipalname",
            ),
        AwsRejection::RoleSessionNameInvalid(name) if name.contains("#EXT#") => err.hint(
            "this is an Entra guest user: guest UPNs contain #EXT#, which AWS refuses; map \
             RoleSessionName from user.mail (or another attribute without #) for guests",
        ),
        AwsRejection::RoleSessionNameInvalid(_) => err.hint(
            "RoleSessionName becomes the Amazon Connect username: use 2-64 characters of \
             letters, digits and _+=,.@- (no spaces)",
        ),
        AwsRejection::SessionDurationInvalid(_) => {
            err.hint("send SessionDuration as whole seconds between 900 and 43200, or leave it out")
        }
        AwsRejection::Audience(_) => err.hint(
            "set the Entra app's Identifier (Entity ID) to https://signin.aws.amazon.com/saml",
        ),
        AwsRejection::Recipient(found) if found.contains('#') => err.hint(
            "the #n suffix belongs in the Identifier only, never in the Reply URL: set the \
             Reply URL to https://signin.aws.amazon.com/saml",
        ),
        AwsRejection::Recipient(_) => err.hint(
            "set the Entra app's Reply URL to https://signin.aws.amazon.com/saml (or \
             https://<region>.signin.aws.amazon.com/saml)",
        ),
        AwsRejection::ResponseTooLong { .. } => err.hint(
            "the response carries too much: usually group claims or many attributes; in Entra, \
             emit only the Role, RoleSessionName and SessionDuration claims AWS needs",
        ),
        AwsRejection::SubjectConfirmationCount(_) => err.hint(
            "AWS takes exactly one bearer SubjectConfirmation whose Recipient is the sign-in \
             endpoint; configure the IdP to send one",
        ),
        _ => err,
    }
}

fn instant(t: Option<OffsetDateTime>) -> String {
    t.map_or_else(|| "-".to_string(), connect_sso_saml::format_instant)
}

/// The human table of an accepted response.
fn render(printer: &Printer, v: &VerifiedAssertion, aws: Option<&AwsSignIn>) -> String {
    const W: usize = 13;
    let mut s = format!(
        "{} the response is signed by a trusted certificate and valid at the given time\n",
        printer.style(Style::Ok, "accepted:")
    );
    s.push_str(&row(printer, W, "subject", [&v.subject]));
    if let Some(format) = &v.name_id_format {
        s.push_str(&row(printer, W, "format", [format]));
    }
    s.push_str(&row(printer, W, "issuer", [&v.issuer]));
    s.push_str(&row(printer, W, "audiences", &v.audiences));
    if let Some(r) = &v.recipient {
        s.push_str(&row(printer, W, "recipient", [r]));
    }
    if let Some(d) = &v.destination {
        s.push_str(&row(printer, W, "destination", [d]));
    }
    s.push_str(&row(
        printer,
        W,
        "valid",
        &[format!(
            "{} to {}",
            instant(v.not_before),
            instant(v.not_on_or_after)
        )],
    ));
    let parts: Vec<&str> = v
        .signed_parts
        .iter()
        .map(|p| match p {
            SignedPart::Response => "response",
            SignedPart::Assertion => "assertion",
        })
        .collect();
    let algorithm = match v.algorithm {
        SignatureAlgorithm::RsaSha256 => "rsa-sha256",
        SignatureAlgorithm::RsaSha1 => "rsa-sha1",
    };
    s.push_str(&row(
        printer,
        W,
        "signed",
        &[format!(
            "{} ({algorithm}, certificate {})",
            parts.join(" and "),
            v.signing_certificate_thumbprint
        )],
    ));
    if let Some(index) = &v.session_index {
        s.push_str(&row(printer, W, "session index", [index]));
    }
    if !v.attributes.is_empty() {
        s.push_str(&format!("{}\n", printer.style(Style::Key, "attributes")));
        for a in &v.attributes {
            s.push_str(&format!("  {}\n", a.name));
            if a.values.is_empty() {
                s.push_str("    (no values)\n");
            }
            for value in &a.values {
                s.push_str(&format!("    {value}\n"));
            }
        }
    }
    if let Some(aws) = aws {
        s.push_str(&format!("{}\n", printer.style(Style::Key, "aws")));
        for pair in &aws.roles {
            s.push_str(&format!(
                "  role      {}\n            via {}\n",
                pair.role_arn, pair.provider_arn
            ));
        }
        s.push_str(&format!(
            "  username  {} (RoleSessionName; the Amazon Connect username must equal it, case included)\n",
            aws.role_session_name
        ));
        if let Some(d) = aws.session_duration {
            s.push_str(&format!("  duration  {d} s\n"));
        }
    }
    s
}
