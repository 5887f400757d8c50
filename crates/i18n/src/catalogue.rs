//! The message catalogue: one Fluent bundle per locale.
//!
//! Shipped locales are embedded (`locales/<code>.ftl`). An operator's directory may hold
//! `<code>.ftl` files: for a shipped locale its messages replace the embedded ones of the
//! same name (a partial file is fine); any other valid language tag adds a locale, which
//! must then define every message the default English catalogue has, so that no page or
//! email can come out half translated. Problems are reported at start-up, not at the first
//! invitation.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_syntax::ast;
use unic_langid::LanguageIdentifier;

/// The locales that ship with Vouch, in the order a language switch lists them.
pub const SHIPPED: &[(&str, &str)] = &[
    ("en", include_str!("../locales/en.ftl")),
    ("de", include_str!("../locales/de.ftl")),
    ("fr", include_str!("../locales/fr.ftl")),
    ("es", include_str!("../locales/es.ftl")),
    ("ar", include_str!("../locales/ar.ftl")),
];

/// The reference locale: every other locale is checked against its messages.
const REFERENCE: &str = "en";

#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    #[error("{0}")]
    Config(String),
    #[error("{file}: {detail}")]
    Catalogue { file: String, detail: String },
}

/// A value for a message argument: text, or a number (which also selects plural forms).
#[derive(Clone, Debug)]
pub enum Arg<'a> {
    Str(Cow<'a, str>),
    Num(f64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Str(Cow::Owned(s))
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        // Counts shown to people are far below 2^53.
        Arg::Num(n as f64)
    }
}

struct Locale {
    bundle: FluentBundle<FluentResource>,
    /// Message id → the variables it uses (value and attributes), for the parity check.
    signatures: BTreeMap<String, BTreeSet<String>>,
    /// The ten digits, when the locale does not write numbers with 0–9.
    digits: Option<[char; 10]>,
}

/// Every locale's messages. Cheap to share behind an `Arc`.
pub struct Catalogue {
    locales: BTreeMap<String, Locale>,
    /// Display order: shipped first, then added ones alphabetically.
    order: Vec<String>,
    default: String,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalogue")
            .field("locales", &self.order)
            .field("default", &self.default)
            .finish()
    }
}

const ARABIC_INDIC: [char; 10] = ['٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨', '٩'];
const EXTENDED_ARABIC_INDIC: [char; 10] = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];

/// The digits CLDR gives as a language's default numbering system, where it is not 0–9.
fn digits_for(locale: &str) -> Option<[char; 10]> {
    match locale.split('-').next().unwrap_or_default() {
        "ar" => Some(ARABIC_INDIC),
        "fa" | "ur" => Some(EXTENDED_ARABIC_INDIC),
        _ => None,
    }
}

fn map_digits(text: &str, digits: [char; 10]) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) if c.is_ascii_digit() => digits[d as usize],
            _ => c,
        })
        .collect()
}

// Fluent formats numbers with ASCII digits; these formatters give a locale its own digits
// inside messages (counts, dates). Bundles take a plain `fn`, hence one per digit set.
fn format_arabic_indic<M>(value: &FluentValue, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(map_digits(&n.as_string(), ARABIC_INDIC)),
        _ => None,
    }
}

fn format_extended_arabic_indic<M>(value: &FluentValue, _: &M) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(map_digits(&n.as_string(), EXTENDED_ARABIC_INDIC)),
        _ => None,
    }
}

/// A locale code as Vouch stores it: lower-case language, `-`, upper-case region
/// (`pt-BR`), checked to be a well-formed language tag.
fn canonical(tag: &str) -> Option<String> {
    let id: LanguageIdentifier = tag.trim().replace('_', "-").parse().ok()?;
    let code = id.to_string();
    (!code.is_empty() && code != "und").then_some(code)
}

fn variables_in(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            variables_in_expression(expression, out);
        }
    }
}

fn variables_in_expression(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            variables_in_inline(selector, out);
            for variant in variants {
                variables_in(&variant.value, out);
            }
        }
        ast::Expression::Inline(inline) => variables_in_inline(inline, out),
    }
}

fn variables_in_inline(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for arg in &arguments.positional {
                variables_in_inline(arg, out);
            }
            for arg in &arguments.named {
                variables_in_inline(&arg.value, out);
            }
        }
        ast::InlineExpression::Placeable { expression } => {
            variables_in_expression(expression, out);
        }
        _ => {}
    }
}

/// Parses one `.ftl` source, refusing syntax errors (Fluent would otherwise skip the
/// broken entry silently).
fn parse(file: &str, source: String) -> Result<FluentResource, I18nError> {
    let resource = FluentResource::try_new(source).map_err(|(_, errors)| I18nError::Catalogue {
        file: file.to_owned(),
        detail: format!(
            "syntax error: {}",
            errors
                .iter()
                .map(|e| format!("{:?} at bytes {:?}", e.kind, e.pos))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    })?;
    Ok(resource)
}

fn signatures_of(resource: &FluentResource) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for entry in resource.entries() {
        if let ast::Entry::Message(message) = entry {
            let mut vars = BTreeSet::new();
            if let Some(value) = &message.value {
                variables_in(value, &mut vars);
            }
            for attribute in &message.attributes {
                variables_in(&attribute.value, &mut vars);
            }
            out.insert(message.id.name.to_owned(), vars);
        }
    }
    out
}

impl Locale {
    fn new(code: &str) -> Result<Locale, I18nError> {
        let id: LanguageIdentifier = code.parse().map_err(|_| {
            I18nError::Config(format!(
                "{code:?} is not a language tag such as \"nl\" or \"pt-BR\""
            ))
        })?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Fluent's bidi isolation marks would land inside plain-text emails and subjects;
        // the pages isolate inserted names with markup (`<bdi>`) where it matters.
        bundle.set_use_isolating(false);
        let digits = digits_for(code);
        match digits {
            Some(ARABIC_INDIC) => bundle.set_formatter(Some(format_arabic_indic)),
            Some(_) => bundle.set_formatter(Some(format_extended_arabic_indic)),
            None => {}
        }
        Ok(Locale {
            bundle,
            signatures: BTreeMap::new(),
            digits,
        })
    }

    fn add(&mut self, file: &str, source: String, overriding: bool) -> Result<(), I18nError> {
        let resource = parse(file, source)?;
        let signatures = signatures_of(&resource);
        if overriding {
            self.bundle.add_resource_overriding(resource);
        } else {
            self.bundle
                .add_resource(resource)
                .map_err(|errors| I18nError::Catalogue {
                    file: file.to_owned(),
                    detail: format!("{errors:?}"),
                })?;
        }
        self.signatures.extend(signatures);
        Ok(())
    }
}

impl Catalogue {
    /// The shipped locales only, with `en` as the default.
    pub fn embedded() -> Catalogue {
        // The embedded files are checked by this crate's tests.
        Catalogue::load(None, REFERENCE).expect("the embedded message catalogue is valid")
    }

    /// The shipped locales, overridden or extended by `<code>.ftl` files in `dir`, with
    /// `default_locale` (`server.default_locale`) as the last resort of negotiation.
    pub fn load(dir: Option<&Path>, default_locale: &str) -> Result<Catalogue, I18nError> {
        let mut locales = BTreeMap::new();
        let mut order = Vec::new();
        for (code, source) in SHIPPED {
            let mut locale = Locale::new(code)?;
            locale.add(&format!("{code}.ftl"), (*source).to_owned(), false)?;
            locales.insert((*code).to_owned(), locale);
            order.push((*code).to_owned());
        }
        if let Some(dir) = dir {
            read_directory(dir, &mut locales, &mut order)?;
        }
        let reference: BTreeSet<String> = locales[REFERENCE].signatures.keys().cloned().collect();
        for code in &order {
            let missing: Vec<&String> = reference
                .iter()
                .filter(|key| !locales[code].signatures.contains_key(*key))
                .collect();
            if !missing.is_empty() {
                return Err(I18nError::Catalogue {
                    file: format!("{code}.ftl"),
                    detail: format!(
                        "missing {} message(s) that English has: {}",
                        missing.len(),
                        missing
                            .iter()
                            .take(12)
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        let default = canonical(default_locale)
            .filter(|code| locales.contains_key(code))
            .ok_or_else(|| {
                I18nError::Config(format!(
                    "server.default_locale = {default_locale:?} is not one of the available \
                     locales ({})",
                    order.join(", ")
                ))
            })?;
        Ok(Catalogue {
            locales,
            order,
            default,
        })
    }

    /// The locale used when nothing else decides (`server.default_locale`).
    pub fn default_locale(&self) -> &str {
        &self.default
    }

    /// Every available locale code, shipped ones first.
    pub fn locales(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }

    /// The stored form of `tag` when it names an available locale exactly (`"DE"` → `de`),
    /// else `None`.
    pub fn supported(&self, tag: &str) -> Option<&str> {
        let code = canonical(tag)?;
        self.order.iter().find(|c| **c == code).map(String::as_str)
    }

    /// The first locale in an `Accept-Language` header that is available and accepted by
    /// `allowed` (e.g. the questionnaire has it), trying each tag, then its language alone
    /// (`fr-CH` → `fr`).
    pub fn negotiate(&self, header: &str, allowed: &dyn Fn(&str) -> bool) -> Option<String> {
        for tag in crate::parse_accept_language(header) {
            let Some(code) = canonical(&tag) else {
                continue;
            };
            let language = code.split('-').next().unwrap_or_default().to_owned();
            for candidate in [code, language] {
                if let Some(found) = self.supported(&candidate)
                    && allowed(found)
                {
                    return Some(found.to_owned());
                }
            }
        }
        None
    }

    /// The name of a locale in its own language (`"Deutsch"`), for a language switch.
    pub fn native_name(&self, locale: &str) -> String {
        self.text(locale, "language-name", &[])
    }

    /// `ltr` or `rtl`.
    pub fn direction(&self, locale: &str) -> &'static str {
        crate::direction(locale)
    }

    /// The message `key` in `locale` with `args`. A message missing from an added locale
    /// falls back to the default locale, then to English; an unknown key comes back as
    /// itself (and is logged), so a typo shows rather than blanking a sentence.
    pub fn text(&self, locale: &str, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let chain = [locale, self.default.as_str(), REFERENCE];
        for code in chain {
            let Some(entry) = self.locales.get(code) else {
                continue;
            };
            let Some(pattern) = entry.bundle.get_message(key).and_then(|m| m.value()) else {
                continue;
            };
            let mut fluent_args = FluentArgs::new();
            for (name, value) in args {
                match value {
                    Arg::Str(s) => fluent_args.set(*name, FluentValue::from(s.as_ref())),
                    Arg::Num(n) => fluent_args.set(*name, FluentValue::from(*n)),
                }
            }
            let mut errors = Vec::new();
            let text = entry
                .bundle
                .format_pattern(pattern, Some(&fluent_args), &mut errors)
                .into_owned();
            if !errors.is_empty() {
                tracing::warn!(
                    locale = code,
                    key,
                    ?errors,
                    "a message was formatted with errors"
                );
            }
            return text;
        }
        tracing::warn!(locale, key, "no such message in the catalogue");
        key.to_owned()
    }

    /// `n` written with the locale's digits.
    pub fn number(&self, locale: &str, n: i64) -> String {
        match self.locales.get(locale).and_then(|l| l.digits) {
            Some(digits) => map_digits(&n.to_string(), digits),
            None => n.to_string(),
        }
    }

    /// A date the way the locale writes it in running text ("5 December 2026",
    /// "5. Dezember 2026", "5 de diciembre de 2026").
    pub fn long_date(&self, locale: &str, year: i32, month: u32, day: u32) -> String {
        self.text(
            locale,
            "date-long",
            &[
                ("day", Arg::Num(f64::from(day))),
                ("month", Arg::Num(f64::from(month))),
                ("year", Arg::Num(f64::from(year))),
            ],
        )
    }

    /// Message id → the variables it uses, for `locale`; `None` for an unknown locale.
    pub fn signatures(&self, locale: &str) -> Option<&BTreeMap<String, BTreeSet<String>>> {
        self.locales.get(locale).map(|l| &l.signatures)
    }
}

/// Reads `<code>.ftl` files from the operator's directory.
fn read_directory(
    dir: &Path,
    locales: &mut BTreeMap<String, Locale>,
    order: &mut Vec<String>,
) -> Result<(), I18nError> {
    let unreadable = |e: std::io::Error| {
        I18nError::Config(format!(
            "server.locales_dir = {}: cannot read the directory: {e}",
            dir.display()
        ))
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("ftl") && path.is_file() {
            files.push(path);
        } else if !path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || n.ends_with(".md"))
        {
            tracing::warn!(file = %path.display(), "ignoring a file in server.locales_dir that is not <locale>.ftl");
        }
    }
    files.sort();
    let mut added = Vec::new();
    for path in files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let code = canonical(stem).ok_or_else(|| {
            I18nError::Config(format!(
                "{}: the file name must be a language tag such as nl.ftl or pt-BR.ftl",
                path.display()
            ))
        })?;
        let source = std::fs::read_to_string(&path)
            .map_err(|e| I18nError::Config(format!("cannot read {}: {e}", path.display())))?;
        let file = path.display().to_string();
        if let Some(locale) = locales.get_mut(&code) {
            locale.add(&file, source, true)?;
            tracing::info!(locale = %code, file, "using overridden messages");
        } else {
            let mut locale = Locale::new(&code)?;
            locale.add(&file, source, false)?;
            locales.insert(code.clone(), locale);
            added.push(code.clone());
            tracing::info!(locale = %code, file, "added a locale");
        }
    }
    added.sort();
    order.extend(added);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_locale_has_exactly_the_english_messages_with_the_same_arguments() {
        let catalogue = Catalogue::embedded();
        let english = catalogue.signatures("en").expect("en");
        assert!(english.len() > 50, "{}", english.len());
        for (code, _) in SHIPPED {
            let messages = catalogue.signatures(code).expect("shipped");
            let missing: Vec<_> = english
                .keys()
                .filter(|k| !messages.contains_key(*k))
                .collect();
            let extra: Vec<_> = messages
                .keys()
                .filter(|k| !english.contains_key(*k))
                .collect();
            assert!(missing.is_empty(), "{code} lacks {missing:?}");
            assert!(extra.is_empty(), "{code} has keys English lacks: {extra:?}");
            for (key, vars) in english {
                assert_eq!(&messages[key], vars, "{code}: {key} uses other arguments");
            }
        }
    }

    #[test]
    fn a_missing_or_extra_key_or_argument_is_noticed_by_the_parity_check() {
        // The check above compares signatures; prove that they see each kind of drift.
        let a = signatures_of(&parse("a", "x = { $n } item\ny = y\n".into()).unwrap());
        let b =
            signatures_of(&parse("b", "x = { $m ->\n   *[one] z\n  }\nz = z\n".into()).unwrap());
        assert_ne!(a["x"], b["x"]);
        assert!(!b.contains_key("y"));
        assert!(!a.contains_key("z"));
        assert_eq!(a["x"], BTreeSet::from(["n".to_owned()]));
        assert_eq!(b["x"], BTreeSet::from(["m".to_owned()]));
    }

    #[test]
    fn plurals_follow_each_language() {
        let catalogue = Catalogue::embedded();
        let minutes =
            |locale: &str, n: i64| catalogue.text(locale, "test-minutes", &[("n", Arg::from(n))]);
        assert_eq!(minutes("en", 1), "1 minute");
        assert_eq!(minutes("en", 5), "5 minutes");
        assert_eq!(minutes("de", 1), "1 Minute");
        assert_eq!(minutes("fr", 0), "0 minute");
        assert_eq!(minutes("es", 2), "2 minutos");
        assert_eq!(minutes("ar", 1), "دقيقة واحدة");
        assert_eq!(minutes("ar", 2), "دقيقتان");
        assert_eq!(minutes("ar", 3), "٣ دقائق");
        assert_eq!(minutes("ar", 11), "١١ دقيقة");
    }

    #[test]
    fn dates_and_numbers_are_written_per_locale() {
        let catalogue = Catalogue::embedded();
        assert_eq!(catalogue.long_date("en", 2026, 12, 5), "5 December 2026");
        assert_eq!(catalogue.long_date("de", 2026, 12, 5), "5. Dezember 2026");
        assert_eq!(catalogue.long_date("fr", 2026, 12, 1), "1er décembre 2026");
        assert_eq!(catalogue.long_date("fr", 2026, 3, 5), "5 mars 2026");
        assert_eq!(
            catalogue.long_date("es", 2026, 12, 5),
            "5 de diciembre de 2026"
        );
        assert_eq!(catalogue.long_date("ar", 2026, 12, 5), "٥ ديسمبر ٢٠٢٦");
        assert_eq!(catalogue.number("ar", 35), "٣٥");
        assert_eq!(catalogue.number("de", 35), "35");
    }

    #[test]
    fn accept_language_is_negotiated_by_quality_then_language() {
        let catalogue = Catalogue::embedded();
        let any = |_: &str| true;
        assert_eq!(
            catalogue.negotiate("fr-CH, en;q=0.5", &any).as_deref(),
            Some("fr")
        );
        assert_eq!(
            catalogue.negotiate("nl, de;q=0.9", &any).as_deref(),
            Some("de")
        );
        assert_eq!(
            catalogue.negotiate("en;q=0.2, ar;q=0.8", &any).as_deref(),
            Some("ar")
        );
        assert_eq!(
            catalogue.negotiate("de;q=0, es", &any).as_deref(),
            Some("es")
        );
        assert_eq!(catalogue.negotiate("nl, *", &any), None);
        assert_eq!(catalogue.negotiate("", &any), None);
        let not_german = |l: &str| l != "de";
        assert_eq!(
            catalogue.negotiate("de, es;q=0.1", &not_german).as_deref(),
            Some("es")
        );
    }

    #[test]
    fn locale_codes_are_checked_and_canonical() {
        let catalogue = Catalogue::embedded();
        assert_eq!(catalogue.supported("DE"), Some("de"));
        assert_eq!(catalogue.supported("ar"), Some("ar"));
        assert_eq!(catalogue.supported("nl"), None);
        assert_eq!(catalogue.supported("de-CH"), None);
        assert_eq!(catalogue.supported("<script>"), None);
        assert_eq!(catalogue.direction("ar"), "rtl");
        assert_eq!(catalogue.direction("fr"), "ltr");
    }

    #[test]
    fn an_operator_can_override_a_message_and_add_a_complete_locale() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("de.ftl"),
            "language-name = Deutsch (Firma)\n",
        )
        .unwrap();
        let mut dutch = SHIPPED[0]
            .1
            .replace("language-name = English", "language-name = Nederlands");
        dutch.push('\n');
        std::fs::write(dir.path().join("nl.ftl"), dutch).unwrap();

        let catalogue = Catalogue::load(Some(dir.path()), "nl").unwrap();

        assert_eq!(catalogue.native_name("de"), "Deutsch (Firma)");
        assert_eq!(catalogue.native_name("nl"), "Nederlands");
        assert_eq!(catalogue.default_locale(), "nl");
        assert_eq!(
            catalogue.locales().collect::<Vec<_>>(),
            ["en", "de", "fr", "es", "ar", "nl"]
        );
        // The untouched German messages are still there.
        assert_eq!(catalogue.long_date("de", 2026, 12, 5), "5. Dezember 2026");
    }

    #[test]
    fn an_added_locale_missing_messages_or_a_broken_file_fails_at_load() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("nl.ftl"), "language-name = Nederlands\n").unwrap();
        let err = Catalogue::load(Some(dir.path()), "en")
            .unwrap_err()
            .to_string();
        assert!(err.contains("nl.ftl") && err.contains("missing"), "{err}");

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("de.ftl"), "broken = { $\n").unwrap();
        let err = Catalogue::load(Some(dir.path()), "en")
            .unwrap_err()
            .to_string();
        assert!(err.contains("syntax error"), "{err}");

        let err = Catalogue::load(None, "nl").unwrap_err().to_string();
        assert!(err.contains("server.default_locale"), "{err}");
    }
}
