//! Addresses out of logs and stored error texts: a mail server's answer ("550 5.1.1
//! <rosa@client.example>: no such user") names the recipient, and that text reaches the
//! log, the job's `last_error` and the email log. Each address keeps its first character
//! and its domain, `r***@client.example`: enough for the operator to tell which mailbox
//! or provider failed, not enough to name the person.

use std::borrow::Cow;

fn is_local(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'!#$&*=?^`{|}~".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

/// `text` with every email address in it shortened to `first***@domain`.
pub fn redact_addresses(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0; // byte offset in `text` copied to `out` so far
    let mut i = 0;
    while i < chars.len() {
        if chars[i].1 != '@' {
            i += 1;
            continue;
        }
        // The local part: back from '@' over characters an address may hold, but not
        // into what was already copied.
        let mut start = i;
        while start > 0 && is_local(chars[start - 1].1) && chars[start - 1].0 >= copied {
            start -= 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_domain(chars[end].1) {
            end += 1;
        }
        // A domain ends in a letter or digit, and has a dot ("user@host" alone is not an
        // address one can be found by).
        while end > i + 1 && matches!(chars[end - 1].1, '.' | '-') {
            end -= 1;
        }
        let domain: String = chars[i + 1..end].iter().map(|(_, c)| c).collect();
        if start == i || !domain.contains('.') {
            i += 1;
            continue;
        }
        let (local_at, first) = chars[start];
        out.push_str(&text[copied..local_at]);
        out.push(first);
        out.push_str("***@");
        out.push_str(&domain);
        copied = chars.get(end).map_or(text.len(), |(at, _)| *at);
        i = end;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::redact_addresses;

    #[test]
    fn addresses_keep_their_first_character_and_domain() {
        assert_eq!(
            redact_addresses("550 5.1.1 <rosa@client.example>: no such user"),
            "550 5.1.1 <r***@client.example>: no such user"
        );
        assert_eq!(
            redact_addresses("to a.b+c@x.example and d@y.example."),
            "to a***@x.example and d***@y.example."
        );
        assert_eq!(redact_addresses("Émile.Zola@exemple.fr"), "É***@exemple.fr");
    }

    #[test]
    fn text_without_an_address_is_untouched() {
        for text in [
            "",
            "no at sign",
            "@ alone",
            "user@localhost",
            "a @b.example",
            "x@",
        ] {
            assert_eq!(redact_addresses(text), text);
        }
    }

    #[test]
    fn redacting_twice_changes_nothing_more() {
        let once = redact_addresses("rosa@client.example").into_owned();
        assert_eq!(redact_addresses(&once), once);
    }
}
