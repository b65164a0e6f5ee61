//! `NextToken` / `MaxResults` paging. Tokens are opaque to clients: base64url of
//! `<list>:<sequence number of the next item>`, so items created or deleted between pages neither
//! repeat nor shift the rest.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::{ConnectResult, invalid_parameter};

/// A page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// First sequence number to return.
    pub from_seq: u64,
    /// Page size.
    pub max: usize,
}

/// Parse `NextToken` and `MaxResults` for the list called `list` (`users`, `instances`, …);
/// `MaxResults`' bounds are the model's, missing means `default`.
pub fn page_request(
    list: &str,
    next_token: Option<&str>,
    max_results: Option<i64>,
    default: usize,
) -> ConnectResult<PageRequest> {
    let max = max_results
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(default);
    let from_seq = match next_token {
        None => 0,
        Some(token) => decode(list, token)?,
    };
    Ok(PageRequest { from_seq, max })
}

fn decode(list: &str, token: &str) -> ConnectResult<u64> {
    let bad = || {
        invalid_parameter(
            "The NextToken is not valid; pass the NextToken of the previous page unchanged.",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, seq) = text.split_once(':').ok_or_else(bad)?;
    if name != list {
        return Err(bad());
    }
    seq.parse().map_err(|_| bad())
}

/// The token that continues `list` at sequence number `seq`.
pub fn token(list: &str, seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}:{seq}"))
}

/// One page of `items` (in ascending sequence order, `seq` gives each item's number) and the
/// token for the next page, if any.
pub fn page<'a, T>(
    list: &str,
    items: impl Iterator<Item = &'a T>,
    seq: impl Fn(&T) -> u64,
    req: PageRequest,
) -> (Vec<&'a T>, Option<String>)
where
    T: 'a,
{
    let mut out = Vec::new();
    let mut next = None;
    for item in items.filter(|i| seq(i) >= req.from_seq) {
        if out.len() == req.max {
            next = Some(token(list, seq(item)));
            break;
        }
        out.push(item);
    }
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once() {
        let items: Vec<u64> = (1..=25).collect();
        let mut seen = Vec::new();
        let mut token_now: Option<String> = None;
        loop {
            let req = page_request("users", token_now.as_deref(), Some(10), 100).expect("request");
            let (got, next) = page("users", items.iter(), |i| *i, req);
            seen.extend(got.into_iter().copied());
            match next {
                Some(t) => token_now = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, items);
    }

    #[test]
    fn hostile_tokens_are_invalid_parameters() {
        for bad in ["", "!!!", "dXNlcnM6eA", &token("instances", 3)] {
            assert_eq!(
                page_request("users", Some(bad), None, 100).map_err(|e| e.code),
                Err("InvalidParameterException".to_string()),
                "{bad}"
            );
        }
    }
}
