//! Which organisation an address belongs to: the domain of an email address or a website.
//! Used to spot a referee who works at the provider itself, and to give every client
//! organisation one vote in the scores (API.md "Evidence: organisations").

/// Public mailbox providers (API.md "Evidence"): an address at one of these says nothing
/// about where its owner works, so the reference's `company` names the organisation
/// instead. The default of `scoring.public_mail_domains`.
pub const DEFAULT_PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.de",
    "gmx.net",
    "gmx.com",
    "web.de",
    "mail.com",
    "yandex.ru",
    "yandex.com",
    "zoho.com",
    "fastmail.com",
    "hey.com",
];

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

/// A company name as an organisation key: lower-cased, trimmed, every run of inner
/// whitespace collapsed to one space (`"  ACME   Ltd "` → `"acme ltd"`).
pub fn normalise_company(company: &str) -> String {
    let mut out = String::with_capacity(company.len());
    for word in company.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Whether `domain` (already lower-cased) is in `public_mail_domains` (compared
/// lower-cased and trimmed).
fn is_public(domain: &str, public_mail_domains: &[String]) -> bool {
    public_mail_domains.iter().any(|p| {
        p.trim()
            .chars()
            .flat_map(char::to_lowercase)
            .eq(domain.chars())
    })
}

/// The client organisation a reference belongs to (API.md "Evidence"): the domain of the
/// referee's email (lower-cased, without `www.`), unless that domain is a public mailbox
/// provider listed in `public_mail_domains` — then the normalised `company`
/// ([`normalise_company`]). An address without a domain also falls back to the company.
///
/// Two references belong to the same organisation exactly when their keys are equal.
pub fn organisation_key(email: &str, company: &str, public_mail_domains: &[String]) -> String {
    let domain = if email.contains('@') {
        domain_of(email)
    } else {
        None
    };
    match domain {
        Some(d) if !is_public(&d, public_mail_domains) => d,
        _ => normalise_company(company),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public() -> Vec<String> {
        DEFAULT_PUBLIC_MAIL_DOMAINS
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

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

    #[test]
    fn the_default_public_list_is_the_one_in_the_api_contract() {
        assert_eq!(DEFAULT_PUBLIC_MAIL_DOMAINS.len(), 25);
        for d in [
            "gmail.com",
            "proton.me",
            "pm.me",
            "web.de",
            "yandex.ru",
            "hey.com",
        ] {
            assert!(DEFAULT_PUBLIC_MAIL_DOMAINS.contains(&d), "{d}");
        }
    }

    #[test]
    fn a_company_address_is_keyed_by_its_domain() {
        let p = public();
        assert_eq!(
            organisation_key(" Pat@Client.Example ", "Whatever Ltd", &p),
            "client.example"
        );
        // Two people at one domain are one organisation, whatever they wrote as company.
        assert_eq!(
            organisation_key("a@client.example", "Client", &p),
            organisation_key("b@CLIENT.example", "Client Holdings", &p)
        );
        // The last @ counts.
        assert_eq!(
            organisation_key("\"odd@name\"@client.example", "X", &p),
            "client.example"
        );
    }

    #[test]
    fn a_public_mailbox_is_keyed_by_the_normalised_company() {
        let p = public();
        assert_eq!(
            organisation_key("pat@gmail.com", "  Acme \t  Widgets  Ltd ", &p),
            "acme widgets ltd"
        );
        // Case-insensitive on both the address and the configured list.
        assert_eq!(
            organisation_key("pat@GMail.COM", "ACME", &p),
            organisation_key("sam@gmail.com", "acme", &p)
        );
        let shouting = vec![" GMAIL.com ".to_string()];
        assert_eq!(organisation_key("pat@gmail.com", "Acme", &shouting), "acme");
        // Same mailbox provider, different companies: two organisations.
        assert_ne!(
            organisation_key("pat@gmail.com", "Acme", &p),
            organisation_key("sam@gmail.com", "Globex", &p)
        );
        // The list is configurable: outside it, a mailbox provider is just a domain.
        assert_eq!(organisation_key("pat@gmail.com", "Acme", &[]), "gmail.com");
        assert_eq!(
            organisation_key("pat@corp.example", "Acme", &["corp.example".into()]),
            "acme"
        );
    }

    #[test]
    fn an_address_without_a_domain_falls_back_to_the_company() {
        assert_eq!(
            organisation_key("nobody", " Acme  Ltd", &public()),
            "acme ltd"
        );
        assert_eq!(organisation_key("nobody@", "Acme", &public()), "acme");
    }

    #[test]
    fn company_names_are_normalised() {
        assert_eq!(normalise_company("  ACME   Ltd "), "acme ltd");
        assert_eq!(normalise_company("Ümlaut\u{a0}GmbH"), "ümlaut gmbh");
        assert_eq!(normalise_company("   "), "");
    }
}
