//! Server-rendered HTML: templates embedded in the binary, rendered with minijinja with
//! HTML auto-escaping on (every template is `.html`), so user data is always escaped.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get};
use std::sync::Arc;

use i18n::Catalogue;
use minijinja::Environment;
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("message.html", include_str!("../templates/message.html")),
    (
        "questionnaire.html",
        include_str!("../templates/questionnaire.html"),
    ),
    ("decline.html", include_str!("../templates/decline.html")),
    ("opt_out.html", include_str!("../templates/opt_out.html")),
    ("nominate.html", include_str!("../templates/nominate.html")),
    ("ui/base.html", include_str!("../templates/ui/base.html")),
    (
        "ui/macros.html",
        include_str!("../templates/ui/macros.html"),
    ),
    ("ui/error.html", include_str!("../templates/ui/error.html")),
    ("ui/login.html", include_str!("../templates/ui/login.html")),
    ("ui/cases.html", include_str!("../templates/ui/cases.html")),
    (
        "ui/case_new.html",
        include_str!("../templates/ui/case_new.html"),
    ),
    ("ui/case.html", include_str!("../templates/ui/case.html")),
    (
        "ui/engagements.html",
        include_str!("../templates/ui/engagements.html"),
    ),
    (
        "ui/engagement.html",
        include_str!("../templates/ui/engagement.html"),
    ),
    (
        "ui/report.html",
        include_str!("../templates/ui/report.html"),
    ),
    (
        "ui/review.html",
        include_str!("../templates/ui/review.html"),
    ),
    (
        "ui/providers.html",
        include_str!("../templates/ui/providers.html"),
    ),
    (
        "ui/provider_new.html",
        include_str!("../templates/ui/provider_new.html"),
    ),
    (
        "ui/provider.html",
        include_str!("../templates/ui/provider.html"),
    ),
    (
        "ui/calibration.html",
        include_str!("../templates/ui/calibration.html"),
    ),
    (
        "ui/insights_responses.html",
        include_str!("../templates/ui/insights_responses.html"),
    ),
    (
        "ui/profile.html",
        include_str!("../templates/ui/profile.html"),
    ),
    (
        "ui/admin_users.html",
        include_str!("../templates/ui/admin_users.html"),
    ),
    (
        "ui/admin_tokens.html",
        include_str!("../templates/ui/admin_tokens.html"),
    ),
    (
        "ui/admin_jobs.html",
        include_str!("../templates/ui/admin_jobs.html"),
    ),
    (
        "ui/admin_templates.html",
        include_str!("../templates/ui/admin_templates.html"),
    ),
    (
        "ui/admin_webhooks.html",
        include_str!("../templates/ui/admin_webhooks.html"),
    ),
    (
        "ui/admin_privacy.html",
        include_str!("../templates/ui/admin_privacy.html"),
    ),
    (
        "ui/admin_webhook_deliveries.html",
        include_str!("../templates/ui/admin_webhook_deliveries.html"),
    ),
    ("ui/setup.html", include_str!("../templates/ui/setup.html")),
    (
        "ui/account_password.html",
        include_str!("../templates/ui/account_password.html"),
    ),
];

pub const STYLESHEET: &str = include_str!("../static/vouch.css");

/// The site icon, 16×16 and 32×32 (made by `assets/make_favicon.py`).
pub const FAVICON: &[u8] = include_bytes!("../assets/favicon.ico");

/// The compiled templates; built once at start-up.
pub struct Pages {
    env: Environment<'static>,
    catalogue: Arc<Catalogue>,
}

/// The language a public page is shown in, and the switch to the others.
#[derive(Clone, Debug, Serialize)]
pub struct PageLanguage {
    pub locale: String,
    pub dir: &'static str,
    /// `lang=xx` when the language came from the link, to keep it on the page's own links
    /// and form; empty otherwise.
    pub query: String,
    /// The languages a person may switch to (the current one marked); empty when staff
    /// fixed the language for this person or there is nothing to switch to.
    pub switch: Vec<LanguageChoice>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LanguageChoice {
    pub code: String,
    /// In its own language ("Deutsch").
    pub name: String,
    pub dir: &'static str,
    pub current: bool,
}

impl Pages {
    pub fn load(catalogue: Arc<Catalogue>) -> Self {
        let mut env = Environment::new();
        i18n::install(&mut env, Arc::clone(&catalogue));
        // Optional parts of a page (`errors.email` on a form shown for the first time) read
        // as empty rather than failing the render.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("embedded template {name} is invalid: {e}"));
        }
        Self { env, catalogue }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    /// The message `key` in `lang` (no arguments), for words chosen in code.
    pub fn text(&self, lang: &PageLanguage, key: &str) -> String {
        self.catalogue.text(&lang.locale, key, &[])
    }

    /// A public page in `lang`: the template gets `locale`, `dir` and `lang` besides `ctx`.
    pub fn render_in(
        &self,
        status: StatusCode,
        template: &str,
        lang: &PageLanguage,
        ctx: impl Serialize,
    ) -> HttpResponse {
        let ctx = minijinja::context! {
            locale => &lang.locale,
            dir => lang.dir,
            lang => minijinja::value::Serde(lang),
            ..minijinja::Value::from(minijinja::value::Serde(&ctx))
        };
        let mut res = self.render(status, template, ctx);
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&lang.locale) {
            res.headers_mut()
                .insert(actix_web::http::header::CONTENT_LANGUAGE, value);
        }
        res
    }

    /// A public page with a title and a few sentences, already in `lang`.
    pub fn message_in(
        &self,
        status: StatusCode,
        lang: &PageLanguage,
        title: &str,
        lines: &[&str],
    ) -> HttpResponse {
        self.render_in(
            status,
            "message.html",
            lang,
            serde_json::json!({ "title": title, "lines": lines }),
        )
    }

    /// Renders `template` into a response with `status`. A rendering failure is a bug in
    /// an embedded template; it is logged and answered with a plain 500 page.
    pub fn render(&self, status: StatusCode, template: &str, ctx: impl Serialize) -> HttpResponse {
        let rendered = self
            .env
            .get_template(template)
            .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&ctx))));
        match rendered {
            Ok(html) => HttpResponse::build(status)
                .content_type(ContentType::html())
                .body(html),
            Err(e) => {
                tracing::error!(template, error = %e, "page failed to render");
                HttpResponse::InternalServerError()
                    .content_type(ContentType::plaintext())
                    .body("Something went wrong on our side. Please try again later.")
            }
        }
    }

    /// A page with a title and a few sentences (errors, confirmations).
    pub fn message(&self, status: StatusCode, title: &str, lines: &[&str]) -> HttpResponse {
        self.render(
            status,
            "message.html",
            serde_json::json!({ "title": title, "lines": lines }),
        )
    }
}

/// The one stylesheet, cached by browsers for an hour.
#[get("/static/vouch.css")]
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The site icon. Browsers ask for it on every site whether or not a page links it; it
/// changes only with a release, so it is cached for a week.
#[get("/favicon.ico")]
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header(("Cache-Control", "public, max-age=604800"))
        .body(FAVICON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_template_compiles_and_escapes_html() {
        let pages = Pages::load(Arc::new(Catalogue::embedded()));
        let res = pages.message(StatusCode::OK, "<script>alert(1)</script>", &["a & b"]);
        assert_eq!(res.status(), StatusCode::OK);
        let html = pages
            .env
            .get_template("message.html")
            .unwrap()
            .render(minijinja::Value::from(minijinja::value::Serde(
                serde_json::json!({ "title": "<b>x</b>", "lines": ["<i>"] }),
            )))
            .unwrap();
        assert!(html.contains("&lt;b&gt;x&lt;&#x2f;b&gt;"), "{html}");
        assert!(!html.contains("<i>"));
    }
}
