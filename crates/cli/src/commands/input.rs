//! Reading what users point commands at: files or stdin, with sizes capped.

use std::io::Read as _;
use std::path::Path;

use connect_sso_saml::binding;

use crate::error::CommandError;
use crate::printer::Printer;

/// Largest input read (a HAR capture of a sign-in is a few MiB).
const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// Read a file, or stdin when `path` is `-`.
pub(crate) fn read(path: &Path, what: &str) -> Result<Vec<u8>, CommandError> {
    let shown = if path == Path::new("-") {
        "standard input".to_string()
    } else {
        format!("{:?}", path.display().to_string())
    };
    let fail = |e: &std::io::Error| {
        CommandError::error(format!("could not read the {what} from {shown}")).caused_by(e)
    };
    let mut bytes = Vec::new();
    let limit = MAX_INPUT_BYTES + 1;
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(&e))?;
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit).read_to_end(&mut bytes))
            .map_err(|e| fail(&e))?;
    }
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(CommandError::error(format!(
            "the {what} in {shown} is larger than {} MiB",
            MAX_INPUT_BYTES / 1024 / 1024
        )));
    }
    Ok(bytes)
}

/// Read a response in any form [`connect_sso_saml::binding::decode_any`] accepts. For a HAR
/// capture, say on stderr which of its responses is used.
pub(crate) fn read_response(path: &Path, printer: &Printer) -> Result<Vec<u8>, CommandError> {
    let bytes = read(path, "SAML response")?;
    let unreadable = |e: connect_sso_saml::Error| {
        CommandError::error("could not find a SAML response in the input")
            .caused_by(&e)
            .hint(
                "give raw XML, the base64 SAMLResponse form field, a form body, \
                 or a HAR file saved from the browser's network panel",
            )
    };
    if bytes.trim_ascii_start().starts_with(b"{") {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let findings = binding::find_in_har(text).map_err(unreadable)?;
            if let Some(last) = findings.last() {
                if findings.len() > 1 {
                    printer.info(&format!(
                        "note: the HAR file holds {} SAML responses; using the last, posted to {}",
                        findings.len(),
                        last.url
                    ));
                }
                return Ok(last.xml.clone());
            }
        }
    }
    binding::decode_any(&bytes).map_err(unreadable)
}
