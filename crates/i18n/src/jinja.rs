//! The catalogue in MiniJinja templates: `t("key", name=value, …)`, the `num` filter
//! (a number in the locale's digits), and `strong` / `anchor()` to pass bold text or a link
//! as a message argument.
//!
//! Both read the locale from the template's `locale` variable (the catalogue's default when
//! it is absent). In an HTML template `t()` escapes the message text and every text
//! argument and returns markup-safe output, so an argument may be pre-built markup
//! (`provider=provider_name|strong`) without the translator ever writing HTML; in plain-text
//! templates (`.txt`, `.subject`) nothing is escaped.

use std::sync::Arc;

use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State};

use crate::{Arg, Catalogue};

/// Marks where a text argument goes while the message is escaped; private-use characters
/// that no message or argument contains.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

fn locale_of(state: &State, catalogue: &Catalogue) -> String {
    state
        .lookup("locale")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| catalogue.default_locale().to_owned())
}

/// The message's own words: enough escaping for element content and double-quoted
/// attributes, leaving apostrophes readable in the HTML source ("Don't ask me again").
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Arguments (names, companies): escaped like MiniJinja escapes `{{ value }}`.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '/' => out.push_str("&#x2f;"),
            _ => out.push(c),
        }
    }
    out
}

/// Adds `t()`, `anchor()`, and the `num` and `strong` filters to `env`.
pub fn install(env: &mut Environment<'static>, catalogue: Arc<Catalogue>) {
    let for_t = Arc::clone(&catalogue);
    env.add_function(
        "t",
        move |state: &State, key: &str, kwargs: Kwargs| -> Result<Value, Error> {
            let locale = locale_of(state, &for_t);
            let html = matches!(state.auto_escape(), AutoEscape::Html);
            let mut args: Vec<(String, Arg<'static>)> = Vec::new();
            let mut inserts: Vec<String> = Vec::new();
            let names: Vec<String> = kwargs.args().map(str::to_owned).collect();
            for name in names {
                let value: Value = kwargs.get(&name)?;
                let arg = if value.is_number() {
                    let n = f64::try_from(value.clone()).map_err(|_| {
                        Error::new(
                            ErrorKind::InvalidOperation,
                            format!("{name} is not a number"),
                        )
                    })?;
                    Arg::Num(n)
                } else if value.is_undefined() || value.is_none() {
                    Arg::Str("".into())
                } else if html {
                    let text = value.to_string();
                    inserts.push(if value.is_safe() {
                        text
                    } else {
                        escape_html(&text)
                    });
                    Arg::Str(format!("{OPEN}{}{CLOSE}", inserts.len() - 1).into())
                } else {
                    Arg::Str(value.to_string().into())
                };
                args.push((name, arg));
            }
            kwargs.assert_all_used()?;
            let borrowed: Vec<(&str, Arg<'_>)> =
                args.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
            let text = for_t.text(&locale, key, &borrowed);
            if !html {
                return Ok(Value::from(text));
            }
            let mut out = String::with_capacity(text.len());
            let escaped = escape_text(&text);
            let mut rest = escaped.as_str();
            while let Some(start) = rest.find(OPEN) {
                out.push_str(&rest[..start]);
                let after = &rest[start + OPEN.len_utf8()..];
                let Some(end) = after.find(CLOSE) else {
                    break;
                };
                let index: usize = after[..end].parse().unwrap_or(usize::MAX);
                out.push_str(inserts.get(index).map(String::as_str).unwrap_or_default());
                rest = &after[end + CLOSE.len_utf8()..];
            }
            out.push_str(rest);
            Ok(Value::from_safe_string(out))
        },
    );
    let for_num = Arc::clone(&catalogue);
    env.add_filter("num", move |state: &State, n: i64| -> String {
        for_num.number(&locale_of(state, &for_num), n)
    });
    // A link around translated words: `anchor(decline_link, t("email-decline-here"))`,
    // passed whole as an argument so the translation decides where it goes.
    env.add_function(
        "anchor",
        |state: &State, href: Value, text: Value| -> Value {
            let piece = |v: &Value| {
                let s = v.to_string();
                if v.is_safe() { s } else { escape_html(&s) }
            };
            if matches!(state.auto_escape(), AutoEscape::Html) {
                // A double-quoted attribute needs `&`, `<`, `>` and `"` escaped; leaving
                // `/` keeps the link readable in the source.
                let href = escape_text(&href.to_string());
                Value::from_safe_string(format!("<a href=\"{href}\">{}</a>", piece(&text)))
            } else {
                Value::from(text.to_string())
            }
        },
    );
    env.add_filter("strong", |state: &State, value: Value| -> Value {
        let text = value.to_string();
        if matches!(state.auto_escape(), AutoEscape::Html) {
            let inner = if value.is_safe() {
                text
            } else {
                escape_html(&text)
            };
            Value::from_safe_string(format!("<strong>{inner}</strong>"))
        } else {
            Value::from(text)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment<'static> {
        let mut env = Environment::new();
        install(&mut env, Arc::new(Catalogue::embedded()));
        env.add_template(
            "a.html",
            "{{ t('test-greeting', name=name|strong) }}|{{ t('test-minutes', n=n) }}|{{ 5|num }}",
        )
        .unwrap();
        env.add_template("a.txt", "{{ t('test-greeting', name=name) }}")
            .unwrap();
        env
    }

    #[test]
    fn html_output_escapes_arguments_and_keeps_pre_built_markup() {
        let env = env();
        let html = env
            .get_template("a.html")
            .unwrap()
            .render(minijinja::context! { locale => "ar", name => "<b>A&B</b>", n => 3 })
            .unwrap();
        assert!(
            html.contains("<strong>&lt;b&gt;A&amp;B&lt;&#x2f;b&gt;</strong>"),
            "{html}"
        );
        assert!(html.contains("|٣ دقائق|٥"), "{html}");
        let text = env
            .get_template("a.txt")
            .unwrap()
            .render(minijinja::context! { locale => "en", name => "<b>A&B</b>" })
            .unwrap();
        assert_eq!(text, "Hello <b>A&B</b>");
    }
}
