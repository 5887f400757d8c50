//! Public pages and endpoints, reached with a link token instead of a login: the referee
//! questionnaire (`/r/{token}`), a referee's "don't ask me again" (`/u/{token}`), the
//! provider's nomination form (`/n/{token}`) and self-assessment (`/s/{token}`), and the
//! questionnaire as JSON
//! (`/api/v1/public/forms/{token}`). All are rate-limited per client address and sent
//! with strict security headers.

mod forms_json;
mod nominate;
mod opt_out;
mod questionnaire;
mod referee;
mod self_assessment;

pub(crate) use forms_json::{__path_get_form, __path_post_form};

use std::collections::BTreeMap;

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use engine::domain::{
    LinkLanguages, NominationStatus, ReferenceStatus, SelfAssessmentStatus, State,
};
use engine::workflow::SubmissionMeta;

use crate::AppState;
use crate::error::ApiError;
use crate::pages::{LanguageChoice, PageLanguage};
use crate::{ratelimit, security};

/// Largest form body accepted (the longest answers fit comfortably).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/r")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(referee::show_form)
            .service(referee::post_form)
            .service(referee::done)
            .service(referee::confirm_decline)
            .service(referee::decline)
            .service(referee::declined),
    )
    .service(
        web::scope("/u")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(opt_out::confirm)
            .service(opt_out::opt_out),
    )
    .service(
        web::scope("/s")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(self_assessment::show_form)
            .service(self_assessment::post_form)
            .service(self_assessment::done),
    )
    .service(
        web::scope("/n")
            .wrap(from_fn(ratelimit::limit_public))
            .wrap(from_fn(security::security_headers))
            .app_data(web::PayloadConfig::new(MAX_FORM_BYTES))
            .service(nominate::show)
            .service(nominate::submit),
    )
    .service(
        web::scope("/api/v1/public")
            .wrap(from_fn(ratelimit::limit_public))
            .service(forms_json::get_form)
            .service(forms_json::post_form)
            // Without this, an unknown path here would fall through to the app's empty
            // 404 instead of a problem document like the rest of /api/v1.
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::NotFound("resource"))
            })),
    );
}

/// `?saved=1` after a draft was saved.
#[derive(serde::Deserialize)]
pub(crate) struct ShowQuery {
    saved: Option<String>,
}

impl ShowQuery {
    pub fn saved(&self) -> bool {
        self.saved.is_some()
    }
}

/// Parses an `application/x-www-form-urlencoded` body; repeated names keep the last value.
pub(crate) fn form_fields(body: &[u8]) -> Result<BTreeMap<String, String>, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("the form could not be read".into()))?;
    Ok(pairs.into_iter().collect())
}

/// Where a submission came from (client address, user agent), for the fraud signals, and
/// the language it was made in.
pub(crate) fn submission_meta(
    req: &HttpRequest,
    state: &AppState,
    locale: Option<String>,
) -> SubmissionMeta {
    SubmissionMeta {
        client_ip: security::client_ip(req, &state.trusted_proxies).map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(500).collect()),
        locale,
    }
}

/// The link's own `lang=xx` (from the language switch, or a link an operator shared), to
/// carry over to the next page; empty when there is none.
pub(crate) fn link_query(req: &HttpRequest) -> String {
    lang_param(req)
        .map(|l| format!("lang={l}"))
        .unwrap_or_default()
}

/// `?lang=` when it is a plain language tag (anything else is ignored, never echoed).
fn lang_param(req: &HttpRequest) -> Option<String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 35
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The language of a public page (API.md "Languages"): the person's own locale when
/// staff chose one; else the link's `?lang=`; else the browser's `Accept-Language`
/// (`fr-CH` → `fr`); else the case's; else `server.default_locale` — each only if the page
/// can be shown in it. Unless staff fixed it, the page offers a switch to the others.
pub(crate) fn page_language(
    state: &AppState,
    req: &HttpRequest,
    languages: &LinkLanguages,
) -> PageLanguage {
    let catalogue = state.pages.catalogue();
    let available = |l: &str| languages.available.iter().any(|a| a == l);
    let from_link = lang_param(req)
        .and_then(|l| catalogue.supported(&l).map(str::to_owned))
        .filter(|l| available(l));
    let from_browser = || {
        req.headers()
            .get(actix_web::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|header| catalogue.negotiate(header, &available))
    };
    let default = Some(catalogue.default_locale().to_owned()).filter(|l| available(l));
    let locale = languages
        .fixed
        .clone()
        .or_else(|| from_link.clone())
        .or_else(from_browser)
        .or_else(|| languages.case.clone())
        .or(default)
        .or_else(|| languages.available.first().cloned())
        .unwrap_or_else(|| engine::questionnaire::BASE_LOCALE.to_owned());
    let switch = if languages.fixed.is_some() || languages.available.len() < 2 {
        Vec::new()
    } else {
        languages
            .available
            .iter()
            .map(|code| LanguageChoice {
                name: catalogue.native_name(code),
                dir: catalogue.direction(code),
                current: *code == locale,
                code: code.clone(),
            })
            .collect()
    };
    PageLanguage {
        dir: catalogue.direction(&locale),
        query: if languages.fixed.is_none() && from_link.as_deref() == Some(locale.as_str()) {
            format!("lang={locale}")
        } else {
            String::new()
        },
        switch,
        locale,
    }
}

/// English, without a switch: the provider's nomination form, which is not referee-facing.
pub(crate) fn english() -> PageLanguage {
    PageLanguage {
        locale: "en".to_owned(),
        dir: "ltr",
        query: String::new(),
        switch: Vec::new(),
    }
}

/// For pages that know nothing of a case (a link that cannot be used): every language.
pub(crate) fn any_language(state: &AppState, req: &HttpRequest) -> PageLanguage {
    let languages = LinkLanguages {
        available: state
            .pages
            .catalogue()
            .locales()
            .map(str::to_owned)
            .collect(),
        ..Default::default()
    };
    page_language(state, req, &languages)
}

/// The page for a link that cannot be used. Its status is the error's (`ApiError`); only
/// the words are chosen here, the same whatever the reason a link is unknown.
pub(crate) fn link_problem_page(
    state: &AppState,
    req: &HttpRequest,
    err: impl Into<ApiError>,
) -> HttpResponse {
    let lang = any_language(state, req);
    problem_page_in(state, lang, err.into())
}

/// [`link_problem_page`] for a referee link (`/r/{token}`): a link that is known but can
/// no longer be used (answered, declined, closed) speaks its referee's language, as the
/// form did; an unknown one is the same page whatever the reason.
pub(crate) async fn referee_problem_page(
    state: &AppState,
    req: &HttpRequest,
    token: &str,
    err: impl Into<ApiError>,
) -> HttpResponse {
    let err: ApiError = err.into();
    let known = matches!(
        err,
        ApiError::Conflict { .. } | ApiError::Gone(_) | ApiError::CheckClosed
    );
    // Only on these rare pages is the link looked up a second time.
    let languages = if known {
        state
            .engine
            .links()
            .referee_link(token)
            .await
            .ok()
            .map(|(_, l)| l)
    } else {
        None
    };
    let lang = match languages {
        Some(languages) => page_language(state, req, &languages),
        None => any_language(state, req),
    };
    problem_page_in(state, lang, err)
}

/// The page for a link that cannot be used, in `lang`.
fn problem_page_in(state: &AppState, lang: PageLanguage, err: ApiError) -> HttpResponse {
    let status = err.status_code();
    let (title, lines): (&str, &[&str]) = match &err {
        ApiError::NotFound(_) => (
            "link-unknown-title",
            &["link-unknown-text", "link-unknown-help"],
        ),
        ApiError::Gone(_) => ("link-closed-title", &["link-closed-text"]),
        ApiError::CheckClosed => ("check-closed-title", &["check-closed-text"]),
        ApiError::Conflict {
            current_state: Some(State::Reference(ReferenceStatus::Declined)),
            ..
        } => ("declined-title", &["link-declined-text"]),
        ApiError::Conflict {
            current_state: Some(State::SelfAssessment(SelfAssessmentStatus::Submitted)),
            ..
        } => ("link-self-sent-title", &["link-self-sent-text"]),
        ApiError::Conflict {
            current_state: Some(State::Nomination(NominationStatus::Submitted)),
            ..
        } => (
            "link-nominations-sent-title",
            &["link-nominations-sent-text"],
        ),
        ApiError::Conflict { .. } => ("link-answered-title", &["link-answered-text"]),
        ApiError::Unavailable => ("link-unavailable-title", &["link-unavailable-text"]),
        ApiError::Internal(_) => {
            err.log_if_internal();
            ("link-internal-title", &["link-internal-text"])
        }
        other => {
            let detail = other.to_string();
            let title = state.pages.text(&lang, "link-refused-title");
            let again = state.pages.text(&lang, "link-refused-text");
            return state.pages.message_in(
                status,
                &lang,
                &title,
                &[detail.as_str(), again.as_str()],
            );
        }
    };
    let title = state.pages.text(&lang, title);
    let lines: Vec<String> = lines.iter().map(|k| state.pages.text(&lang, k)).collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    state.pages.message_in(status, &lang, &title, &lines)
}

/// A form body that could not be read (not urlencoded, or no known button pressed);
/// `line` is the message key of what to do.
pub(crate) fn unreadable_form(state: &AppState, req: &HttpRequest, line: &str) -> HttpResponse {
    let status = ApiError::BadRequest(String::new()).status_code();
    let lang = any_language(state, req);
    let title = state.pages.text(&lang, "form-unreadable-title");
    let line = state.pages.text(&lang, line);
    state
        .pages
        .message_in(status, &lang, &title, &[line.as_str()])
}
