//! Which organisation an address belongs to: the domain of an email address or a website.
//! Used to spot a referee who works at the provider itself.

/// The host of a URL or the domain of an email address, lowercased, without `www.`.
pub fn domain_of(url_or_email: &str) -> Option<String> {
    let s = url_or_email.trim().to_lowercase();
    let host = match s.rsplit_once('@') {
        Some((_, domain)) => domain.to_owned(),
        None => {
            let rest = s.split_once("://").map(|(_, r)| r).unwrap_or(&s);
            rest.split(['/', ':', '?', '#'])
                .next()
                .unwrap_or("")
                .to_owned()
        }
    };
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_read_from_urls_and_emails() {
        assert_eq!(
            domain_of("https://www.Ledger.example/about").as_deref(),
            Some("ledger.example")
        );
        assert_eq!(
            domain_of("pat@Ledger.Example").as_deref(),
            Some("ledger.example")
        );
        assert_eq!(
            domain_of("ledger.example:8080").as_deref(),
            Some("ledger.example")
        );
        assert_eq!(domain_of("  ").as_deref(), None);
    }
}
