//! The questionnaire page shared by the referee (`/r/{token}`) and the provider's
//! self-assessment (`/s/{token}`): the same questions, grouped by dimension, with the same
//! save/resume, consent and error summary; only the wording around them differs.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{DateTime, Datelike, Utc};
use engine::EngineError;
use engine::domain::LinkLanguages;
use engine::questionnaire::{
    AnswerError, MAX_TEXT_CHARS, PERCENTILE_BANDS, Question, QuestionKind, estimated_minutes,
    estimated_seconds, localized,
};
use serde::Serialize;

use crate::AppState;
use crate::error::INVALID_INPUT;
use crate::pages::{PageLanguage, Pages};

/// Who answers, which decides the page's wording and its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Respondent {
    Referee,
    /// The provider rating itself.
    Provider,
    /// One of the buyer's own people, in a pulse of an engagement.
    Stakeholder,
    /// One of the provider's people, in the provider side of a pulse: asked about the
    /// buyer, in the provider's voice.
    ProviderContact,
}

impl Respondent {
    fn path(self) -> &'static str {
        match self {
            Respondent::Referee | Respondent::Stakeholder | Respondent::ProviderContact => "r",
            Respondent::Provider => "s",
        }
    }
}

/// What a questionnaire page shows, whoever answers it.
pub(super) struct Questionnaire<'a> {
    pub respondent: Respondent,
    pub provider_name: &'a str,
    pub requested_by: &'a str,
    /// The person addressed by name.
    pub addressee: &'a str,
    pub deadline: Option<DateTime<Utc>>,
    pub questions: &'a [Question],
    pub dimensions: &'a [(String, String)],
    pub languages: &'a LinkLanguages,
}

impl<'a> From<&'a engine::referee::RefereeForm> for Questionnaire<'a> {
    fn from(f: &'a engine::referee::RefereeForm) -> Self {
        Questionnaire {
            respondent: match f.kind {
                engine::domain::CaseKind::Review => Respondent::Referee,
                engine::domain::CaseKind::Pulse => Respondent::Stakeholder,
                engine::domain::CaseKind::ProviderPulse => Respondent::ProviderContact,
            },
            provider_name: &f.provider_name,
            requested_by: &f.requested_by,
            addressee: &f.referee_name,
            deadline: f.deadline,
            questions: &f.questions,
            dimensions: &f.dimensions,
            languages: &f.languages,
        }
    }
}

impl<'a> From<&'a engine::self_assessment::SelfAssessmentForm> for Questionnaire<'a> {
    fn from(f: &'a engine::self_assessment::SelfAssessmentForm) -> Self {
        Questionnaire {
            respondent: Respondent::Provider,
            provider_name: &f.provider_name,
            requested_by: &f.requested_by,
            addressee: &f.contact_name,
            deadline: f.deadline,
            questions: &f.questions,
            dimensions: &f.dimensions,
            languages: &f.languages,
        }
    }
}

/// A posted questionnaire: the answers (`q_<key>` fields), consent, and the button.
pub(super) struct Posted {
    pub answers: BTreeMap<String, String>,
    pub consent: bool,
    pub action: Action,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    Save,
    Submit,
}

impl Filled {
    /// The form as first shown: the saved draft, and whether it was just saved.
    pub fn draft(values: BTreeMap<String, String>, saved: bool) -> Self {
        Filled {
            values,
            saved,
            ..Default::default()
        }
    }

    /// A refused post: what was typed, and what is wrong with it.
    pub fn rejected(posted: Posted, errors: Vec<AnswerError>) -> Self {
        Filled {
            values: posted.answers,
            errors,
            consent: posted.consent,
            saved: false,
        }
    }
}

/// The answer to a posted questionnaire once the engine has `result`: the redirect after a
/// save or a submission, the form again with its problems and everything typed kept (the
/// form is only loaded then: the common, valid post never reads it), or the link's
/// problem page. `path` is the form's (`r` or `s`).
pub(super) async fn answer_post<F>(
    state: &AppState,
    req: &actix_web::HttpRequest,
    path: &str,
    token: &str,
    posted: Posted,
    result: Result<(), EngineError>,
    form: impl AsyncFnOnce() -> Result<F, EngineError>,
) -> HttpResponse
where
    for<'a> Questionnaire<'a>: From<&'a F>,
{
    let kept = super::link_query(req);
    match result {
        Ok(()) => posted.action.redirect(path, token, &kept),
        Err(EngineError::InvalidAnswers { fields }) => match form().await {
            Ok(form) => {
                let form: Questionnaire<'_> = (&form).into();
                let lang = super::page_language(state, req, form.languages);
                let filled = Filled::rejected(posted, fields);
                render(state, INVALID_INPUT, token, &form, filled, &lang)
            }
            Err(e) => super::link_problem_page(state, req, e),
        },
        Err(e) => super::link_problem_page(state, req, e),
    }
}

impl Action {
    /// Where a successful post leads: back to the form, saved, or to the thank-you page,
    /// keeping the link's `lang=` (`kept`) so the next page speaks the same language.
    fn redirect(self, path: &str, token: &str, kept: &str) -> HttpResponse {
        let location = match (self, kept.is_empty()) {
            (Action::Save, true) => format!("/{path}/{token}?saved=1"),
            (Action::Save, false) => format!("/{path}/{token}?saved=1&{kept}"),
            (Action::Submit, true) => format!("/{path}/{token}/done"),
            (Action::Submit, false) => format!("/{path}/{token}/done?{kept}"),
        };
        HttpResponse::SeeOther()
            .insert_header(("Location", location))
            .finish()
    }
}

impl Posted {
    /// The posted form, or the message key of what to tell the person when it cannot be
    /// read (not urlencoded, or no known button pressed).
    pub fn from_body(body: &[u8]) -> Result<Self, &'static str> {
        let fields = super::form_fields(body).map_err(|_| "form-unreadable-resend")?;
        Self::read(&fields).ok_or("form-unreadable-button")
    }

    /// `None` when no known button was pressed.
    fn read(fields: &BTreeMap<String, String>) -> Option<Self> {
        let action = match fields.get("action").map(String::as_str).unwrap_or("submit") {
            "save" => Action::Save,
            "submit" => Action::Submit,
            _ => return None,
        };
        Some(Posted {
            answers: fields
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("q_").map(|k| (k.to_owned(), v.clone())))
                .collect(),
            consent: fields.get("consent").is_some_and(|v| v == "on"),
            action,
        })
    }
}

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    /// The number as the locale writes it (`٣` in Arabic).
    shown: String,
    label: String,
    number: bool,
    class: &'static str,
}

/// The likert scale in `lang`; "not observed" is "does not apply" when the provider rates
/// itself. In a right-to-left page the row runs from the right, so 1 sits at the start
/// of the reading direction either way.
fn likert_choices(pages: &Pages, lang: &PageLanguage, respondent: Respondent) -> Vec<Choice> {
    let catalogue = pages.catalogue();
    let mut out: Vec<Choice> = (1..=5)
        .map(|n| Choice {
            value: ["1", "2", "3", "4", "5"][n as usize - 1],
            shown: catalogue.number(&lang.locale, n),
            label: pages.text(lang, &format!("likert-{n}")),
            number: true,
            class: "",
        })
        .collect();
    out.push(Choice {
        value: "na",
        shown: String::new(),
        label: pages.text(
            lang,
            match respondent {
                Respondent::Provider => "likert-na-self",
                _ => "likert-na",
            },
        ),
        number: false,
        class: "na",
    });
    out
}

fn yes_no_choices(pages: &Pages, lang: &PageLanguage) -> Vec<Choice> {
    [
        ("yes", "answer-yes"),
        ("no", "answer-no"),
        ("unsure", "answer-unsure"),
    ]
    .into_iter()
    .map(|(value, key)| Choice {
        value,
        shown: String::new(),
        label: pages.text(lang, key),
        number: false,
        class: "",
    })
    .collect()
}

#[derive(Serialize)]
struct OptionView {
    /// What is stored: the option as the template defines it, whatever the language.
    value: String,
    label: String,
}

#[derive(Serialize)]
struct QuestionView {
    key: String,
    prompt: String,
    kind: &'static str,
    required: bool,
    options: Vec<OptionView>,
}

#[derive(Serialize)]
struct Group {
    title: String,
    hint: Option<String>,
    questions: Vec<QuestionView>,
}

#[derive(Serialize)]
struct SummaryError {
    anchor: String,
    label: String,
    message: String,
}

/// What the person typed (or had saved), and what is wrong with it.
#[derive(Default)]
pub(super) struct Filled {
    pub values: BTreeMap<String, String>,
    pub errors: Vec<AnswerError>,
    pub consent: bool,
    pub saved: bool,
}

/// `q` as shown in `locale` (already worded in it by `localized`).
fn view(q: &Question, locale: &str) -> QuestionView {
    QuestionView {
        key: q.key.clone(),
        prompt: q.prompt.clone(),
        kind: match q.kind {
            QuestionKind::Likert => "likert",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Choice => "choice",
            QuestionKind::Text => "text",
            QuestionKind::Percentile => "percentile",
        },
        required: q.required,
        options: q
            .options
            .iter()
            .zip(q.option_labels(locale))
            .map(|(value, label)| OptionView {
                value: value.clone(),
                label,
            })
            .collect(),
    }
}

/// The bands of a percentile question in `lang`, lowest first like the likert scale.
fn percentile_choices(pages: &Pages, lang: &PageLanguage) -> Vec<Choice> {
    PERCENTILE_BANDS
        .iter()
        .map(|&(value, _)| Choice {
            value,
            shown: String::new(),
            label: pages.text(lang, &format!("percentile-{}", value.replace('_', "-"))),
            number: false,
            class: "",
        })
        .collect()
}

/// A dimension's heading. The profile's labels speak for the hiring company ("Shares our
/// values"), which would read as the provider's own "our" on its self-assessment; there
/// the dimension's key names it instead ("Values"). A label of the shipped profile, left
/// as shipped, is the product's own wording and comes from the catalogue in the page's
/// language; one the company wrote itself is shown as written.
fn group_title(
    respondent: Respondent,
    (key, label): (&str, &str),
    shipped: &[engine::profile::Dimension],
    pages: &Pages,
    lang: &PageLanguage,
) -> String {
    match respondent {
        Respondent::Referee | Respondent::Stakeholder => {
            if shipped.iter().any(|d| d.key == key && d.label == label) {
                pages.text(lang, &format!("dimension-{key}"))
            } else {
                label.to_owned()
            }
        }
        // The provider side's own dimensions: the product's wording, from the catalogue.
        Respondent::ProviderContact => {
            if engine::questionnaire::PROVIDER_SIDE_DIMENSIONS
                .iter()
                .any(|(k, l)| *k == key && *l == label)
            {
                pages.text(lang, &format!("dimension-{key}"))
            } else {
                label.to_owned()
            }
        }
        Respondent::Provider => {
            let words = key.replace('_', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

fn groups(
    form: &Questionnaire<'_>,
    questions: &[Question],
    pages: &Pages,
    lang: &PageLanguage,
) -> Vec<Group> {
    let locale = lang.locale.as_str();
    let shipped = engine::profile::default_dimensions();
    let mut out: Vec<Group> = form
        .dimensions
        .iter()
        .map(|(key, label)| Group {
            title: group_title(form.respondent, (key, label), &shipped, pages, lang),
            hint: None,
            questions: questions
                .iter()
                .filter(|q| q.dimension.as_deref() == Some(key))
                .map(|q| view(q, locale))
                .collect(),
        })
        .filter(|g| !g.questions.is_empty())
        .collect();
    // Each scale is explained once, above the first group that uses it: a quick form of
    // percentile questions only must not explain a 1–5 scale it does not show.
    let self_rated = form.respondent == Respondent::Provider;
    for (kind, hint) in [
        (
            "likert",
            if self_rated {
                "form-scale-hint-self"
            } else {
                "form-scale-hint"
            },
        ),
        (
            "percentile",
            if self_rated {
                "form-percentile-hint-self"
            } else {
                "form-percentile-hint"
            },
        ),
    ] {
        if let Some(group) = out
            .iter_mut()
            .find(|g| g.questions.iter().any(|q| q.kind == kind))
        {
            let text = pages.text(lang, hint);
            group.hint = Some(match group.hint.take() {
                Some(before) => format!("{before} {text}"),
                None => text,
            });
        }
    }
    let known: Vec<&str> = form.dimensions.iter().map(|(k, _)| k.as_str()).collect();
    let rest: Vec<QuestionView> = questions
        .iter()
        .filter(|q| q.dimension.as_deref().is_none_or(|d| !known.contains(&d)))
        .map(|q| view(q, locale))
        .collect();
    if !rest.is_empty() {
        out.push(Group {
            title: pages.text(lang, "form-own-words"),
            hint: None,
            questions: rest,
        });
    }
    out
}

/// An answer's problem in `lang`. The engine words problems in English for the JSON API;
/// the page says the same in the person's language, from the question and what was sent.
fn problem_in(
    pages: &Pages,
    lang: &PageLanguage,
    question: Option<&Question>,
    problem: &AnswerError,
    value: Option<&str>,
) -> String {
    use i18n::Arg;
    let catalogue = pages.catalogue();
    let locale = lang.locale.as_str();
    if problem.key == engine::referee::CONSENT {
        return pages.text(lang, "error-consent");
    }
    let Some(q) = question else {
        return problem.message.clone();
    };
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return pages.text(lang, "error-required");
    }
    match q.kind {
        QuestionKind::Likert => pages.text(lang, "error-likert"),
        QuestionKind::YesNo => pages.text(lang, "error-yes-no"),
        QuestionKind::Percentile => pages.text(lang, "error-percentile"),
        QuestionKind::Choice => catalogue.text(
            locale,
            "error-choice",
            &[("options", Arg::from(q.option_labels(locale).join(", ")))],
        ),
        QuestionKind::Text => catalogue.text(
            locale,
            "error-too-long",
            &[
                ("max", Arg::from(MAX_TEXT_CHARS as i64)),
                ("count", Arg::from(value.chars().count() as i64)),
            ],
        ),
    }
}

/// The page of a questionnaire with what was `filled` in, at `status`, in `lang`.
pub(super) fn render(
    state: &AppState,
    status: StatusCode,
    token: &str,
    form: &Questionnaire<'_>,
    filled: Filled,
    lang: &PageLanguage,
) -> HttpResponse {
    let pages = &state.pages;
    let questions = localized(form.questions, &lang.locale);
    let messages: Vec<(String, String)> = filled
        .errors
        .iter()
        .map(|e| {
            let q = questions.iter().find(|q| q.key == e.key);
            let value = filled.values.get(&e.key).map(String::as_str);
            (e.key.clone(), problem_in(pages, lang, q, e, value))
        })
        .collect();
    let field_errors: BTreeMap<&str, &str> = messages
        .iter()
        .map(|(k, m)| (k.as_str(), m.as_str()))
        .collect();
    let summary: Vec<SummaryError> = messages
        .iter()
        .map(|(key, message)| {
            let label = questions
                .iter()
                .find(|q| &q.key == key)
                .map(|q| {
                    q.prompt
                        .trim_end_matches(['.', '?', '؟', '\u{202f}'])
                        .to_owned()
                })
                .unwrap_or_else(|| pages.text(lang, "form-consent-label"));
            SummaryError {
                anchor: format!("field-{key}"),
                label,
                message: message.clone(),
            }
        })
        .collect();
    let count = form.questions.len();
    let deadline = form.deadline.map(|d| {
        pages
            .catalogue()
            .long_date(&lang.locale, d.year(), d.month(), d.day())
    });
    pages.render_in(
        status,
        "questionnaire.html",
        lang,
        serde_json::json!({
            "token": token,
            "form": serde_json::json!({
                "provider_name": form.provider_name,
                "requested_by": form.requested_by,
                "addressee": form.addressee,
            }),
            "path": form.respondent.path(),
            "self_assessment": form.respondent == Respondent::Provider,
            "pulse": form.respondent == Respondent::Stakeholder,
            "partner": form.respondent == Respondent::ProviderContact,
            "voice": match form.respondent {
                Respondent::Provider => "-self",
                Respondent::Stakeholder => "-pulse",
                Respondent::ProviderContact => "-partner",
                Respondent::Referee => "",
            },
            "named": if form.addressee.is_empty() { "" } else { "-name" },
            "q_lang": if lang.query.is_empty() { String::new() } else { format!("?{}", lang.query) },
            "groups": groups(form, &questions, pages, lang),
            "values": filled.values,
            "field_errors": field_errors,
            "errors": summary,
            "consent": filled.consent,
            "saved": filled.saved,
            "likert": likert_choices(pages, lang, form.respondent),
            "yes_no": yes_no_choices(pages, lang),
            "percentile": percentile_choices(pages, lang),
            "question_count": count,
            // The published estimate (API.md "Referee minutes") of the questions shown.
            "minutes": estimated_minutes(estimated_seconds(form.questions)),
            "deadline": deadline,
            "show_identity": state.show_referee_identity,
            "max_text": MAX_TEXT_CHARS,
        }),
    )
}
