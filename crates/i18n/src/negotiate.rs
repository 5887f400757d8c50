//! `Accept-Language` (RFC 9110 §12.5.4): the tags a browser lists, best first.

/// The language ranges of an `Accept-Language` header in order of preference: by quality
/// (`q`, default 1), ties in the order given; ranges with `q=0` and the wildcard `*` are
/// left out. Malformed parts are skipped, never an error.
pub fn parse_accept_language(header: &str) -> Vec<String> {
    let mut ranges: Vec<(u16, usize, String)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            if tag.is_empty() || tag == "*" || tag.len() > 35 {
                return None;
            }
            let mut quality = 1000u16;
            for param in pieces {
                let (name, value) = param.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    let q: f32 = value.trim().parse().ok()?;
                    if !(0.0..=1.0).contains(&q) {
                        return None;
                    }
                    quality = (q * 1000.0).round() as u16;
                }
            }
            (quality > 0).then(|| (quality, i, tag.to_owned()))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, tag)| tag).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_come_best_first_without_zero_quality_or_wildcards() {
        assert_eq!(
            parse_accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
            ["fr-CH", "fr", "en", "de"]
        );
        assert_eq!(parse_accept_language("en;q=0.1, ar"), ["ar", "en"]);
        assert_eq!(parse_accept_language("de;q=0, es;q=x, it"), ["it"]);
        assert!(parse_accept_language("").is_empty());
    }
}
