//! Referee-facing text in the referee's language: a Fluent (`.ftl`) message catalogue per
//! locale, embedded in the binary and extendable from a directory, plus the little
//! locale-aware formatting the pages and emails need (numbers, long dates, text direction)
//! and `Accept-Language` negotiation.
//!
//! A leaf crate: no database, no HTTP. The binary loads one [`Catalogue`] at start-up and
//! hands it (as an `Arc`) to the mailer, the engine and the web pages; templates reach it
//! through the `t()` function installed by [`install`].
//!
//! Staff-facing text (the staff UI, emails to case owners and admins) stays English and
//! does not go through here.

mod catalogue;
mod jinja;
mod negotiate;

pub use catalogue::{Arg, Catalogue, I18nError, SHIPPED};
pub use jinja::install;
pub use negotiate::parse_accept_language;

/// Text direction of a language, by its primary subtag. Scripts written right to left:
/// Arabic, Hebrew, Persian, Urdu, Pashto, Sindhi, Uyghur, Yiddish, Dhivehi, Sorani.
pub fn direction(locale: &str) -> &'static str {
    let primary = locale.split(['-', '_']).next().unwrap_or_default();
    match primary.to_ascii_lowercase().as_str() {
        "ar" | "he" | "fa" | "ur" | "ps" | "sd" | "ug" | "yi" | "dv" | "ckb" => "rtl",
        _ => "ltr",
    }
}
