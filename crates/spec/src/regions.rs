//! AWS Regions by partition, and the Regions that offer Amazon Connect (docs/facts.md §2.1), so
//! a mistyped Region is refused with the nearest real one instead of planning changes for a
//! Region that does not exist.

/// Every Region of the commercial partition (`aws`).
pub const AWS_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The Regions of AWS GovCloud (US) (`aws-us-gov`).
pub const GOV_REGIONS: &[&str] = &["us-gov-east-1", "us-gov-west-1"];

/// The Regions of AWS in China (`aws-cn`).
pub const CN_REGIONS: &[&str] = &["cn-north-1", "cn-northwest-1"];

/// The Regions where Amazon Connect has an endpoint (docs/facts.md §2.1).
pub const CONNECT_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-2",
    "us-east-1",
    "us-gov-west-1",
    "us-west-2",
];

/// What is wrong with a Region for connect-sso, if anything: (message, hint).
pub fn region_problem(region: &str) -> Option<(String, String)> {
    let known = [AWS_REGIONS, GOV_REGIONS, CN_REGIONS]
        .iter()
        .any(|list| list.contains(&region));
    if !known {
        let all = AWS_REGIONS.iter().chain(GOV_REGIONS).chain(CN_REGIONS);
        return Some((
            format!("{region:?} is not an AWS Region"),
            match nearest(region, all.copied()) {
                Some(n) => format!("did you mean {n:?}? (the Region code, not its display name)"),
                None => {
                    "use the Region code, e.g. us-east-1 or eu-west-2, not the display name".into()
                }
            },
        ));
    }
    if !CONNECT_REGIONS.contains(&region) {
        let near = nearest(region, CONNECT_REGIONS.iter().copied()).unwrap_or("us-east-1");
        return Some((
            format!("Amazon Connect is not offered in {region}"),
            format!(
                "use a Region with Amazon Connect, e.g. {near:?}; all of them: {}",
                CONNECT_REGIONS.join(", ")
            ),
        ));
    }
    None
}

/// The candidate closest to `s` by edit distance, when it is close enough to be a typo.
pub(crate) fn nearest<'a>(s: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (distance(s, c), c))
        .min()
        .filter(|(d, _)| *d <= 3)
        .map(|(_, c)| c)
}

/// Levenshtein distance (inputs here are a few dozen bytes).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
