//! Number normalisation (digits + nature of address -> digits) and denormalisation (digits ->
//! digits + nature of address), platform-notes §5.6. The first rule that matches wins; with
//! no match, normalisation keeps the digits and denormalisation uses the default NoA.

use crate::config::{DenormRule, NormRule};

fn fits(prefix: &str, min: Option<usize>, max: Option<usize>, digits: &str) -> bool {
    digits.starts_with(prefix)
        && min.is_none_or(|m| digits.len() >= m)
        && max.is_none_or(|m| digits.len() <= m)
}

fn rewrite(strip: usize, prepend: &str, digits: &str) -> String {
    let kept = digits.get(strip.min(digits.len())..).unwrap_or("");
    let mut out = String::with_capacity(prepend.len() + kept.len());
    out.push_str(prepend);
    out.push_str(kept);
    out
}

/// Normalises `digits` received with nature of address `noa`.
pub fn normalise(rules: &[NormRule], noa: u8, digits: &str) -> String {
    rules
        .iter()
        .find(|r| {
            r.noa.is_none_or(|n| n == noa) && fits(&r.match_prefix, r.min_len, r.max_len, digits)
        })
        .map_or_else(
            || digits.to_string(),
            |r| rewrite(r.strip, &r.prepend, digits),
        )
}

/// Denormalises `digits` for sending: the digits and their nature of address.
pub fn denormalise(rules: &[DenormRule], default_noa: u8, digits: &str) -> (String, u8) {
    rules
        .iter()
        .find(|r| fits(&r.match_prefix, r.min_len, r.max_len, digits))
        .map_or_else(
            || (digits.to_string(), default_noa),
            |r| (rewrite(r.strip, &r.prepend, digits), r.noa),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn international() -> Vec<DenormRule> {
        vec![
            DenormRule {
                match_prefix: "00".into(),
                strip: 2,
                noa: 4,
                ..Default::default()
            },
            DenormRule {
                match_prefix: "0".into(),
                min_len: Some(5),
                strip: 1,
                noa: 3,
                ..Default::default()
            },
        ]
    }

    #[test]
    fn denormalise_first_match_wins() {
        let rules = international();
        assert_eq!(
            denormalise(&rules, 2, "0049301234567"),
            ("49301234567".into(), 4)
        );
        assert_eq!(denormalise(&rules, 2, "0301234"), ("301234".into(), 3));
        // Too short for the second rule: default NoA, digits kept.
        assert_eq!(denormalise(&rules, 2, "0123"), ("0123".into(), 2));
    }

    #[test]
    fn normalise_by_nature_of_address() {
        let rules = vec![
            NormRule {
                noa: Some(4),
                prepend: "00".into(),
                ..Default::default()
            },
            NormRule {
                noa: Some(3),
                prepend: "0".into(),
                ..Default::default()
            },
        ];
        assert_eq!(normalise(&rules, 4, "4930123"), "004930123");
        assert_eq!(normalise(&rules, 3, "30123"), "030123");
        assert_eq!(normalise(&rules, 1, "30123"), "30123");
    }

    #[test]
    fn strip_longer_than_digits_leaves_only_the_prefix() {
        let rules = vec![DenormRule {
            strip: 9,
            prepend: "1".into(),
            noa: 3,
            ..Default::default()
        }];
        assert_eq!(denormalise(&rules, 2, "12"), ("1".into(), 3));
    }
}
