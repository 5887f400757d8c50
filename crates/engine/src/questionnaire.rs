//! Questionnaire content: question types, their validation, and the default template that
//! ships with the binary.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::EngineError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 1–5, with "not observed".
    Likert,
    /// yes / no / unsure.
    YesNo,
    /// One of `options`.
    Choice,
    /// Free text.
    Text,
    /// Where the provider stands among others of its kind the person has worked with (the
    /// Relative Percentile Method): one of `PERCENTILE_BANDS`. Rating against peers
    /// resists the leniency that piles absolute ratings up at the top.
    Percentile,
}

/// The bands of a `percentile` question, lowest first, each with its midpoint on 0–100.
/// The keys are what a form sends and what is stored, whatever the language.
pub const PERCENTILE_BANDS: [(&str, f64); 5] = [
    ("bottom_half", 25.0),
    ("top_half", 62.5),
    ("top_quarter", 82.5),
    ("top_10", 92.5),
    ("top_5", 97.5),
];

/// The midpoint (0–100) of a percentile band; `None` for anything that is not a band.
pub fn percentile_midpoint(band: &str) -> Option<f64> {
    PERCENTILE_BANDS
        .iter()
        .find(|(key, _)| *key == band)
        .map(|&(_, p)| p)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable key: lowercase letters, digits and `_`.
    pub key: String,
    pub prompt: String,
    pub kind: QuestionKind,
    /// Values-profile dimension this question measures, if any.
    #[serde(default)]
    pub dimension: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub reverse_scored: bool,
    /// The allowed answers of a `choice` question.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The same statement in the provider's own voice ("We …"), for its self-assessment.
    /// Only likert questions with a dimension have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_prompt: Option<String>,
    /// The same statement about the buyer's own experience since the provider started,
    /// for its stakeholders' pulses. Only likert questions with a dimension have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_prompt: Option<String>,
    /// The question in other languages, by locale code (`de`, `ar`, …). The wordings
    /// above are the English ones; answers stay the same whatever the language (likert
    /// numbers, `yes`/`no`/`unsure`, and a choice question's English `options`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, QuestionText>,
}

/// A question's wording in one language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuestionText {
    pub prompt: String,
    /// The first-person wording, when the question has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_prompt: Option<String>,
    /// The pulse wording, when the question has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_prompt: Option<String>,
    /// Labels of a choice question's options, in the order of `options`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// The language the untranslated wordings of a question are in.
pub const BASE_LOCALE: &str = "en";

impl Question {
    /// The wording in `locale`: its own translation, else the shipped one of the default
    /// questionnaire when this is the same, unchanged question (templates seeded before
    /// translations existed). `None` for a locale it lacks; English is always there.
    pub fn text_in(&self, locale: &str) -> Option<QuestionText> {
        if locale == BASE_LOCALE {
            return Some(QuestionText {
                prompt: self.prompt.clone(),
                self_prompt: self.self_prompt.clone(),
                pulse_prompt: self.pulse_prompt.clone(),
                options: self.options.clone(),
            });
        }
        if let Some(text) = self.translations.get(locale) {
            return Some(text.clone());
        }
        // Parsed once: this runs for every question of every page shown.
        static DEFAULTS: std::sync::LazyLock<Vec<Question>> =
            std::sync::LazyLock::new(default_questions);
        DEFAULTS
            .iter()
            .find(|d| d.key == self.key && d.prompt == self.prompt && d.kind == self.kind)
            .and_then(|d| d.translations.get(locale).cloned())
    }

    /// What is missing for `locale`, as field names (`values_shared`,
    /// `values_shared.self_prompt`, `rehire.options`); empty when it is complete.
    fn missing_in(&self, locale: &str) -> Vec<String> {
        let Some(text) = self.text_in(locale) else {
            return vec![self.key.clone()];
        };
        let mut missing = Vec::new();
        if self.self_prompt.is_some() && text.self_prompt.is_none() {
            missing.push(format!("{}.self_prompt", self.key));
        }
        if self.pulse_prompt.is_some() && text.pulse_prompt.is_none() {
            missing.push(format!("{}.pulse_prompt", self.key));
        }
        if text.options.len() != self.options.len() {
            missing.push(format!("{}.options", self.key));
        }
        missing
    }

    /// The labels of a choice question's options in `locale` (the values stay `options`).
    pub fn option_labels(&self, locale: &str) -> Vec<String> {
        self.text_in(locale)
            .map(|t| t.options)
            .filter(|labels| labels.len() == self.options.len())
            .unwrap_or_else(|| self.options.clone())
    }
}

/// The wordings a questionnaire lacks to be shown in `locale`; empty when it can be.
pub fn missing_translations(questions: &[Question], locale: &str) -> Vec<String> {
    questions
        .iter()
        .flat_map(|q| q.missing_in(locale))
        .collect()
}

/// The questions worded in `locale` where they have that wording (translations kept, so
/// option labels can still be looked up).
pub fn localized(questions: &[Question], locale: &str) -> Vec<Question> {
    questions
        .iter()
        .map(|q| match q.text_in(locale) {
            Some(text) => Question {
                prompt: text.prompt,
                self_prompt: text.self_prompt.or_else(|| q.self_prompt.clone()),
                pulse_prompt: text.pulse_prompt.or_else(|| q.pulse_prompt.clone()),
                ..q.clone()
            },
            None => q.clone(),
        })
        .collect()
}

impl Question {
    /// Whether the provider rates itself on this question: a likert or percentile
    /// question with a dimension (the ones the report scores).
    pub fn is_self_assessed(&self) -> bool {
        self.is_scored()
    }

    /// Whether the report counts this question's answers: a likert or percentile question
    /// with a dimension (DESIGN.md "Scoring").
    pub fn is_scored(&self) -> bool {
        matches!(self.kind, QuestionKind::Likert | QuestionKind::Percentile)
            && self.dimension.is_some()
    }
}

/// Which wording of the scored statements a questionnaire uses besides the referee's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Voice {
    /// The provider about itself ("We …").
    Provider,
    /// The buyer's own people about their experience so far.
    Stakeholder,
}

impl Voice {
    fn prompt(self, q: &Question) -> Option<&String> {
        match self {
            Voice::Provider => q.self_prompt.as_ref(),
            Voice::Stakeholder => q.pulse_prompt.as_ref(),
        }
    }
}

/// The scored statements in `voice`: each with its own wording for it, else the default
/// questionnaire's for the same unchanged question (templates seeded before the wording
/// existed), else the referee wording.
fn scored_questions_in(questions: &[Question], voice: Voice) -> Vec<Question> {
    let defaults = default_questions();
    questions
        .iter()
        .filter(|q| q.is_self_assessed())
        .map(|q| {
            let prompt = voice
                .prompt(q)
                .cloned()
                .or_else(|| {
                    defaults
                        .iter()
                        .find(|d| d.key == q.key && d.prompt == q.prompt)
                        .and_then(|d| voice.prompt(d).cloned())
                })
                .unwrap_or_else(|| q.prompt.clone());
            // Each language's wording in the same voice, found the same way.
            let translations = defaults
                .iter()
                .find(|d| d.key == q.key && d.prompt == q.prompt)
                .map(|d| d.translations.clone())
                .unwrap_or_default()
                .into_iter()
                .chain(q.translations.clone())
                .map(|(locale, text)| {
                    let voiced = match voice {
                        Voice::Provider => text.self_prompt.clone(),
                        Voice::Stakeholder => text.pulse_prompt.clone(),
                    };
                    let text = QuestionText {
                        prompt: voiced.unwrap_or(text.prompt),
                        self_prompt: None,
                        pulse_prompt: None,
                        options: text.options,
                    };
                    (locale, text)
                })
                .collect();
            Question {
                prompt,
                self_prompt: None,
                pulse_prompt: None,
                translations,
                ..q.clone()
            }
        })
        .collect()
}

/// The questions of a self-assessment, worded in the first person.
pub fn self_assessment_questions(questions: &[Question]) -> Vec<Question> {
    scored_questions_in(questions, Voice::Provider)
}

/// The questions of a pulse: the same scored statements (same keys), about the buyer's own
/// experience with the provider.
pub fn pulse_questions(questions: &[Question]) -> Vec<Question> {
    scored_questions_in(questions, Voice::Stakeholder)
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks a question list against the rules of a publishable template. Field names in
/// errors point into the request (`questions[3].key`).
pub fn validate_questions(
    questions: &[Question],
    dimensions: &[String],
) -> Result<(), EngineError> {
    if questions.is_empty() {
        return Err(EngineError::validation(
            "questions",
            "at least one question is required",
        ));
    }
    if questions.len() > 100 {
        return Err(EngineError::validation(
            "questions",
            "at most 100 questions",
        ));
    }
    let mut seen = HashSet::new();
    for (i, q) in questions.iter().enumerate() {
        let field = |name: &str| format!("questions[{i}].{name}");
        if !is_key(&q.key) {
            return Err(EngineError::validation(
                field("key"),
                "must be 1-64 lowercase letters, digits or _, starting with a letter",
            ));
        }
        if !seen.insert(q.key.as_str()) {
            return Err(EngineError::validation(
                field("key"),
                format!("duplicate key `{}`", q.key),
            ));
        }
        validate_question(i, q, dimensions)?;
    }
    Ok(())
}

/// A wording must say something, in at most 1000 bytes.
fn bad_wording(p: &str) -> bool {
    p.trim().is_empty() || p.len() > 1000
}

/// One question's own rules (its key is checked with the list's).
fn validate_question(i: usize, q: &Question, dimensions: &[String]) -> Result<(), EngineError> {
    let field = |name: &str| format!("questions[{i}].{name}");
    if bad_wording(&q.prompt) {
        return Err(EngineError::validation(
            field("prompt"),
            "must be 1-1000 characters",
        ));
    }
    if let Some(d) = &q.dimension
        && !dimensions.contains(d)
    {
        return Err(EngineError::validation(
            field("dimension"),
            format!("`{d}` is not a dimension of the values profile"),
        ));
    }
    for (name, wording) in [
        ("self_prompt", &q.self_prompt),
        ("pulse_prompt", &q.pulse_prompt),
    ] {
        let Some(p) = wording else { continue };
        if !q.is_self_assessed() {
            return Err(EngineError::validation(
                field(name),
                "only likert and percentile questions with a dimension have another wording",
            ));
        }
        if bad_wording(p) {
            return Err(EngineError::validation(
                field(name),
                "must be 1-1000 characters",
            ));
        }
    }
    validate_translations(i, q)?;
    if q.reverse_scored && q.kind != QuestionKind::Likert {
        return Err(EngineError::validation(
            field("reverse_scored"),
            "only likert questions can be reverse scored",
        ));
    }
    validate_options(i, q)
}

fn validate_translations(i: usize, q: &Question) -> Result<(), EngineError> {
    for (locale, text) in &q.translations {
        let field = |name: &str| format!("questions[{i}].translations.{locale}.{name}");
        let tag_ok = !locale.is_empty()
            && locale.len() <= 35
            && locale
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !tag_ok || locale == BASE_LOCALE {
            return Err(EngineError::validation(
                format!("questions[{i}].translations"),
                format!("`{locale}` is not a language tag other than `en` (the base wording)"),
            ));
        }
        for (name, wording) in [
            ("prompt", Some(&text.prompt)),
            ("self_prompt", text.self_prompt.as_ref()),
            ("pulse_prompt", text.pulse_prompt.as_ref()),
        ] {
            if wording.is_some_and(|p| bad_wording(p)) {
                return Err(EngineError::validation(
                    field(name),
                    "must be 1-1000 characters",
                ));
            }
        }
        if !text.options.is_empty() && text.options.len() != q.options.len() {
            return Err(EngineError::validation(
                field("options"),
                "needs one label per option, in the same order",
            ));
        }
    }
    Ok(())
}

/// Only choice questions have options, and they need at least two.
fn validate_options(i: usize, q: &Question) -> Result<(), EngineError> {
    let field = || format!("questions[{i}].options");
    match q.kind {
        QuestionKind::Choice if q.options.len() < 2 => Err(EngineError::validation(
            field(),
            "a choice question needs at least two options",
        )),
        // A percentile question's bands are fixed (`PERCENTILE_BANDS`): they are what
        // makes its answers comparable across templates and installations.
        QuestionKind::Likert
        | QuestionKind::YesNo
        | QuestionKind::Text
        | QuestionKind::Percentile
            if !q.options.is_empty() =>
        {
            Err(EngineError::validation(
                field(),
                "only choice questions have options",
            ))
        }
        _ => Ok(()),
    }
}

/// The shipped questionnaire's questions in English, as data: what a template holds.
const DEFAULT_QUESTIONS: &str = include_str!("default_questions.json");

/// The questionnaire every installation starts with: two or three questions per
/// dimension (a few reverse-scored to catch straight-lining), free-text strengths and
/// concerns, and "would you hire them again?"; in English from `default_questions.json`,
/// with the other shipped languages from `default_translations.json`.
pub fn default_questions() -> Vec<Question> {
    let mut q: Vec<Question> =
        serde_json::from_str(DEFAULT_QUESTIONS).expect("default_questions.json is valid");
    add_default_translations(&mut q);
    q
}

/// Reading speed for the intro, in words per minute.
const INTRO_WORDS_PER_MINUTE: u32 = 200;

/// Seconds a person needs for one question of `kind`: a click for the closed kinds (the
/// more options to weigh, the longer), a few sentences for text. A choice question is a
/// click among a few options, like a likert one.
pub fn seconds_for(kind: QuestionKind) -> u32 {
    match kind {
        QuestionKind::YesNo => 8,
        QuestionKind::Likert | QuestionKind::Choice => 10,
        QuestionKind::Percentile => 12,
        QuestionKind::Text => 45,
    }
}

/// The messages that make up a questionnaire's intro. Templates have no intro text of
/// their own: what a referee reads besides the questions is the form page's fixed text,
/// the lead ("… is considering … and would value your honest view"), who sees the answers,
/// the explanation of each scale the questionnaire uses, and the consent sentence. The
/// estimate counts these in English, the base wording, with each name counted as one word.
fn intro_messages(questions: &[Question]) -> Vec<&'static str> {
    let mut keys = vec![
        "form-lead",
        "form-who-sees-reference",
        "form-identity-hidden",
        "form-provider-blind",
    ];
    if questions.iter().any(|q| q.kind == QuestionKind::Likert) {
        keys.push("form-scale-hint");
    }
    if questions.iter().any(|q| q.kind == QuestionKind::Percentile) {
        keys.push("form-percentile-hint");
    }
    keys.push("form-consent");
    keys
}

/// The number of words in the intro of a form with `questions` (see `intro_messages`).
pub fn intro_words(questions: &[Question]) -> u32 {
    // The shipped catalogue, not the operator's: an estimate belongs to a template version
    // and must not change when someone rewords a message.
    static SHIPPED: std::sync::LazyLock<i18n::Catalogue> =
        std::sync::LazyLock::new(i18n::Catalogue::embedded);
    let name = i18n::Arg::from("Name");
    let args = [
        ("requested_by", name.clone()),
        ("provider", name.clone()),
        ("name", name),
    ];
    intro_messages(questions)
        .into_iter()
        .map(|key| {
            SHIPPED
                .text(BASE_LOCALE, key, &args)
                .split_whitespace()
                .count() as u32
        })
        .sum()
}

/// How long a questionnaire takes, in seconds (API.md "Referee minutes"): 8 per yes/no,
/// 10 per likert, 12 per percentile and 45 per text question, plus the intro read at 200
/// words a minute, rounded up to the next 10 s.
pub fn estimated_seconds(questions: &[Question]) -> u32 {
    let answering: u32 = questions.iter().map(|q| seconds_for(q.kind)).sum();
    // In 200ths of a second, so that the words' share (0.3 s each) is exact before the
    // rounding up: a total of exactly 180 s stays 180, never 190.
    let fine = answering * INTRO_WORDS_PER_MINUTE + intro_words(questions) * 60;
    fine.div_ceil(10 * INTRO_WORDS_PER_MINUTE) * 10
}

/// "About N minutes" from an estimate in seconds: whole minutes, rounded up, at least 1.
pub fn estimated_minutes(seconds: u32) -> u32 {
    seconds.div_ceil(60).max(1)
}

/// The wordings of the shipped "Quick partner check", by locale: a dimension key (or
/// `rehire`, `working_well`) → [prompt, first-person prompt, pulse prompt].
const QUICK_WORDINGS: &str = include_str!("quick_questions.json");

/// The key of the quick template's open question.
pub const QUICK_OPEN_QUESTION: &str = "working_well";

/// The "Quick partner check": one percentile question per shipped profile dimension, the
/// rehire question and one optional open question, worded in every shipped language. It
/// exists to be finished on a phone in about three minutes: each question a busy referee
/// is asked raises the chance they give up, and ranking against peers gives the
/// leniency of nominated referees less room than "strongly agree" does.
pub fn quick_questions() -> Vec<Question> {
    let wordings = Wordings::parse(QUICK_WORDINGS);
    let mut questions: Vec<Question> = crate::profile::default_dimensions()
        .into_iter()
        .map(|d| {
            let key = format!("{}_percentile", d.key);
            wordings.question(
                &d.key,
                key,
                QuestionKind::Percentile,
                Some(d.key.clone()),
                true,
            )
        })
        .collect();
    for (key, kind, required) in [
        ("rehire", QuestionKind::YesNo, true),
        (QUICK_OPEN_QUESTION, QuestionKind::Text, false),
    ] {
        questions.push(wordings.question(key, key.into(), kind, None, required));
    }
    questions
}

/// A shipped template's wordings by locale, as its JSON file holds them: a wording key →
/// [prompt, first-person prompt, pulse prompt] (the last two optional).
struct Wordings(BTreeMap<String, BTreeMap<String, Vec<String>>>);

impl Wordings {
    fn parse(json: &str) -> Self {
        Self(serde_json::from_str(json).expect("a shipped template's wordings are valid"))
    }

    fn text(&self, key: &str, locale: &str) -> QuestionText {
        let w = &self.0[locale][key];
        QuestionText {
            prompt: w[0].clone(),
            self_prompt: w.get(1).cloned(),
            pulse_prompt: w.get(2).cloned(),
            options: Vec::new(),
        }
    }

    /// Question `key` of `kind` worded as `wording` in English, with every other locale's
    /// wording as its translations.
    fn question(
        &self,
        wording: &str,
        key: String,
        kind: QuestionKind,
        dimension: Option<String>,
        required: bool,
    ) -> Question {
        let base = self.text(wording, BASE_LOCALE);
        Question {
            key,
            prompt: base.prompt,
            kind,
            dimension,
            required,
            reverse_scored: false,
            options: Vec::new(),
            self_prompt: base.self_prompt,
            pulse_prompt: base.pulse_prompt,
            translations: self
                .0
                .keys()
                .filter(|l| l.as_str() != BASE_LOCALE)
                .map(|l| (l.clone(), self.text(wording, l)))
                .collect(),
        }
    }
}

/// The wordings of the shipped provider-side questions, by locale: a dimension key (or
/// `work_better`) → [prompt].
const PROVIDER_SIDE_WORDINGS: &str = include_str!("provider_side_questions.json");

/// The key of the provider side's open question.
pub const PROVIDER_SIDE_OPEN_QUESTION: &str = "work_better";

/// The provider side of a partnership (API.md "Partnership both ways"): what a provider's
/// people are asked about the buyer at each pulse, key → label. Every one weighs the same
/// in the provider side's alignment.
pub const PROVIDER_SIDE_DIMENSIONS: [(&str, &str); 5] = [
    ("inclusion", "Included in plans and strategy"),
    ("advice", "Advice heard and weighed"),
    ("scope_clarity", "Scope clear"),
    ("timely_information", "Information shared in time"),
    ("partner_treatment", "Treated as a partner, not a task list"),
];

/// The provider side's dimensions as a profile (weight 1 each, no minimum): what the
/// provider side of a pulse is scored on, the way a case is scored on its profile.
pub fn provider_side_dimensions() -> Vec<crate::profile::Dimension> {
    PROVIDER_SIDE_DIMENSIONS
        .iter()
        .map(|(key, label)| crate::profile::Dimension {
            key: (*key).to_owned(),
            label: (*label).to_owned(),
            weight: 1.0,
            min_score: 0.0,
        })
        .collect()
}

/// The shipped provider-side questions: one likert statement per provider-side dimension
/// in the provider's voice ("They include us …"), keyed like its dimension, and one
/// optional open question, in every shipped language.
pub fn provider_side_questions() -> Vec<Question> {
    let wordings = Wordings::parse(PROVIDER_SIDE_WORDINGS);
    let mut questions: Vec<Question> = PROVIDER_SIDE_DIMENSIONS
        .iter()
        .map(|(key, _)| {
            let dimension = Some((*key).to_owned());
            wordings.question(
                key,
                (*key).to_owned(),
                QuestionKind::Likert,
                dimension,
                true,
            )
        })
        .collect();
    questions.push(wordings.question(
        PROVIDER_SIDE_OPEN_QUESTION,
        PROVIDER_SIDE_OPEN_QUESTION.into(),
        QuestionKind::Text,
        None,
        false,
    ));
    questions
}

/// The default questionnaire's wordings in the other shipped languages: key → [prompt,
/// first-person prompt, pulse prompt] (one entry for questions without the other two).
const DEFAULT_TRANSLATIONS: &str = include_str!("default_translations.json");

fn add_default_translations(questions: &mut [Question]) {
    let table: BTreeMap<String, BTreeMap<String, Vec<String>>> =
        serde_json::from_str(DEFAULT_TRANSLATIONS).expect("default_translations.json is valid");
    for (locale, wordings) in table {
        for q in questions.iter_mut() {
            let Some(w) = wordings.get(&q.key) else {
                continue;
            };
            q.translations.insert(
                locale.clone(),
                QuestionText {
                    prompt: w[0].clone(),
                    self_prompt: w.get(1).cloned(),
                    pulse_prompt: w.get(2).cloned(),
                    options: Vec::new(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::default_dimensions;

    #[test]
    fn default_template_is_valid_and_covers_every_dimension() {
        let dims: Vec<String> = default_dimensions().into_iter().map(|d| d.key).collect();
        let questions = default_questions();
        validate_questions(&questions, &dims).unwrap();
        assert!((12..=20).contains(&questions.len()));
        for d in &dims {
            assert!(
                questions.iter().any(|q| q.dimension.as_deref() == Some(d)),
                "no question for {d}"
            );
        }
        for key in ["strengths", "concerns", "rehire"] {
            assert!(questions.iter().any(|q| q.key == key));
        }
    }

    #[test]
    fn the_default_questionnaire_is_complete_in_every_shipped_language() {
        let questions = default_questions();
        for locale in ["en", "de", "fr", "es", "ar"] {
            assert_eq!(
                missing_translations(&questions, locale),
                Vec::<String>::new(),
                "{locale}"
            );
        }
        let german = localized(&questions, "de");
        assert!(
            german[0].prompt.starts_with("Der Anbieter teilt"),
            "{}",
            german[0].prompt
        );
        let pulse_ar = localized(&pulse_questions(&questions), "ar");
        assert!(
            pulse_ar[1].prompt.starts_with("حين يكون"),
            "{}",
            pulse_ar[1].prompt
        );
        let self_fr = localized(&self_assessment_questions(&questions), "fr");
        assert!(
            self_fr[0].prompt.starts_with("Nous partageons"),
            "{}",
            self_fr[0].prompt
        );
        assert_eq!(
            missing_translations(&questions, "nl").len(),
            questions.len()
        );
    }

    #[test]
    fn the_provider_side_questions_are_valid_complete_in_every_shipped_language_and_in_the_providers_voice()
     {
        let dims: Vec<String> = provider_side_dimensions()
            .into_iter()
            .map(|d| d.key)
            .collect();
        let questions = provider_side_questions();
        validate_questions(&questions, &dims).unwrap();
        assert_eq!(questions.len(), dims.len() + 1);
        for locale in ["en", "de", "fr", "es", "ar"] {
            assert_eq!(
                missing_translations(&questions, locale),
                Vec::<String>::new(),
                "{locale}"
            );
        }
        assert!(questions[0].prompt.starts_with("They include us"));
        assert_eq!(
            questions
                .iter()
                .filter(|q| q.kind == QuestionKind::Likert && q.required)
                .count(),
            5
        );
        let open = questions.last().unwrap();
        assert_eq!(
            (open.key.as_str(), open.kind, open.required),
            (PROVIDER_SIDE_OPEN_QUESTION, QuestionKind::Text, false)
        );
        assert!(localized(&questions, "de")[4].prompt.contains("Partner"));
    }

    #[test]
    fn the_quick_template_is_valid_complete_in_every_shipped_language_and_short() {
        let dims: Vec<String> = default_dimensions().into_iter().map(|d| d.key).collect();
        let questions = quick_questions();
        validate_questions(&questions, &dims).unwrap();
        assert_eq!(questions.len(), dims.len() + 2);
        for d in &dims {
            let on_d: Vec<&Question> = questions
                .iter()
                .filter(|q| q.dimension.as_deref() == Some(d))
                .collect();
            assert_eq!(on_d.len(), 1, "{d}");
            assert_eq!(on_d[0].kind, QuestionKind::Percentile);
        }
        let rehire = questions.iter().find(|q| q.key == "rehire").unwrap();
        assert_eq!(rehire.kind, QuestionKind::YesNo);
        let open = questions
            .iter()
            .find(|q| q.key == QUICK_OPEN_QUESTION)
            .unwrap();
        assert_eq!(open.prompt, "What should we know to work well with them?");
        assert!(!open.required);
        for locale in ["en", "de", "fr", "es", "ar"] {
            assert_eq!(
                missing_translations(&questions, locale),
                Vec::<String>::new(),
                "{locale}"
            );
            // Every wording differs from the English one in the other languages, and the
            // three voices differ from each other.
            let worded = localized(&questions, locale);
            let selves = localized(&self_assessment_questions(&questions), locale);
            let pulses = localized(&pulse_questions(&questions), locale);
            assert_eq!(selves.len(), dims.len());
            for i in 0..dims.len() {
                assert_ne!(worded[i].prompt, selves[i].prompt, "{locale} {i}");
                assert_ne!(worded[i].prompt, pulses[i].prompt, "{locale} {i}");
                if locale != "en" {
                    assert_ne!(worded[i].prompt, questions[i].prompt, "{locale} {i}");
                }
            }
        }
        assert!(
            localized(&questions, "de")[0]
                .prompt
                .starts_with("Wie schneidet der Anbieter")
        );
        assert!(localized(&questions, "ar")[0].prompt.ends_with('؟'));
    }

    /// The intro's words, counted by hand from en.ftl with each name one word:
    /// form-lead 10 ("Name is considering Name and would value your honest view."),
    /// form-who-sees-reference 6, form-identity-hidden 12, form-provider-blind 5,
    /// form-consent 19; form-scale-hint 15 with likert questions ("1", "=" … count as
    /// words), form-percentile-hint 22 with percentile ones.
    #[test]
    fn the_estimate_counts_each_kind_and_the_intro_and_rounds_up_to_ten_seconds() {
        let one = |kind: QuestionKind| {
            vec![Question {
                key: "q".into(),
                prompt: "Q".into(),
                kind,
                dimension: Some("values".into()),
                required: true,
                reverse_scored: false,
                options: Vec::new(),
                self_prompt: None,
                pulse_prompt: None,
                translations: BTreeMap::new(),
            }]
        };
        // 52 words without a scale hint: 15.6 s.
        assert_eq!(intro_words(&one(QuestionKind::Text)), 52);
        assert_eq!(
            estimated_seconds(&one(QuestionKind::Text)),
            70,
            "45 + 15.6 = 60.6"
        );
        assert_eq!(
            estimated_seconds(&one(QuestionKind::YesNo)),
            30,
            "8 + 15.6 = 23.6"
        );
        // 52 + 15 = 67 words: 20.1 s.
        assert_eq!(intro_words(&one(QuestionKind::Likert)), 67);
        assert_eq!(
            estimated_seconds(&one(QuestionKind::Likert)),
            40,
            "10 + 20.1 = 30.1"
        );
        // 52 + 22 = 74 words: 22.2 s.
        assert_eq!(intro_words(&one(QuestionKind::Percentile)), 74);
        assert_eq!(
            estimated_seconds(&one(QuestionKind::Percentile)),
            40,
            "12 + 22.2 = 34.2"
        );
        // Quick: 8 percentile (96 s), rehire (8 s), one text (45 s) = 149 s + 22.2 s =
        // 171.2 s → 180 s, "about 3 minutes".
        let quick = quick_questions();
        assert_eq!(intro_words(&quick), 74);
        assert_eq!(estimated_seconds(&quick), 180);
        assert_eq!(estimated_minutes(estimated_seconds(&quick)), 3);
        // Standard: 16 likert (160 s), rehire (8 s), two text (90 s) = 258 s + 20.1 s =
        // 278.1 s → 280 s, "about 5 minutes".
        let standard = default_questions();
        assert_eq!(estimated_seconds(&standard), 280);
        assert_eq!(estimated_minutes(280), 5);
        assert_eq!(estimated_minutes(0), 1);
        assert_eq!(estimated_minutes(60), 1);
        assert_eq!(estimated_minutes(61), 2);
    }

    #[test]
    fn a_custom_question_without_a_translation_is_named_as_missing() {
        let mut questions = default_questions();
        questions.push(Question {
            key: "budget".into(),
            prompt: "How big was the budget?".into(),
            kind: QuestionKind::Choice,
            dimension: None,
            required: false,
            reverse_scored: false,
            options: vec!["small".into(), "large".into()],
            self_prompt: None,
            pulse_prompt: None,
            translations: BTreeMap::from([(
                "de".to_owned(),
                QuestionText {
                    prompt: "Wie groß war das Budget?".into(),
                    options: vec!["klein".into(), "groß".into()],
                    ..Default::default()
                },
            )]),
        });
        // A default question as stored before translations existed borrows the shipped
        // wording; once its English is changed, it no longer does.
        questions[0].translations.clear();
        assert_eq!(missing_translations(&questions, "de"), Vec::<String>::new());
        questions[0].prompt = "They share our values.".into();
        assert_eq!(missing_translations(&questions, "de"), ["values_shared"]);
        assert_eq!(
            missing_translations(&questions, "fr"),
            ["values_shared", "budget"]
        );
        assert_eq!(
            questions.last().unwrap().option_labels("de"),
            ["klein", "groß"]
        );
        assert_eq!(
            questions.last().unwrap().option_labels("en"),
            ["small", "large"]
        );
    }

    fn likert(key: &str, dimension: &str, prompt: &str) -> Question {
        Question {
            key: key.into(),
            prompt: prompt.into(),
            self_prompt: None,
            pulse_prompt: None,
            kind: QuestionKind::Likert,
            dimension: Some(dimension.into()),
            required: true,
            reverse_scored: false,
            options: Vec::new(),
            translations: BTreeMap::new(),
        }
    }

    #[test]
    fn duplicate_keys_and_unknown_dimensions_are_rejected_with_the_field_named() {
        let dims = vec!["values".to_string()];
        let mut qs = vec![likert("a", "values", "x"), likert("a", "values", "y")];
        let err = validate_questions(&qs, &dims).unwrap_err();
        assert!(
            matches!(err, EngineError::Validation { ref field, .. } if field == "questions[1].key")
        );
        qs[1].key = "b".into();
        qs[1].dimension = Some("nope".into());
        let err = validate_questions(&qs, &dims).unwrap_err();
        assert!(
            matches!(err, EngineError::Validation { ref field, .. } if field == "questions[1].dimension")
        );
    }
}

/// Longest free-text answer accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 5000;

/// One problem with one answer, keyed by question (or `consent`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerError {
    pub key: String,
    pub message: String,
}

/// Checks raw answers (question key → submitted string) against the questions.
///
/// Every submitted value must be valid for its question and every key must be a question;
/// with `complete` (a submission, not a draft) every required question must be answered.
/// Empty strings count as "not answered". Returns the answers worth storing, in question
/// order, or every problem found.
pub fn validate_answers(
    questions: &[Question],
    raw: &std::collections::BTreeMap<String, String>,
    complete: bool,
) -> Result<Vec<(String, String)>, Vec<AnswerError>> {
    let mut errors = Vec::new();
    for key in raw.keys() {
        if !questions.iter().any(|q| &q.key == key) {
            errors.push(AnswerError {
                key: key.clone(),
                message: "is not a question of this questionnaire".into(),
            });
        }
    }
    let mut answers = Vec::new();
    for q in questions {
        let value = raw.get(&q.key).map(|v| v.trim()).unwrap_or("");
        if value.is_empty() {
            if complete && q.required {
                errors.push(AnswerError {
                    key: q.key.clone(),
                    message: "Please answer this question.".into(),
                });
            }
            continue;
        }
        let problem = match q.kind {
            QuestionKind::Likert => (!matches!(value, "1" | "2" | "3" | "4" | "5" | "na"))
                .then(|| "Choose a rating from 1 to 5, or \"not observed\".".to_owned()),
            QuestionKind::YesNo => (!matches!(value, "yes" | "no" | "unsure"))
                .then(|| "Choose yes, no or unsure.".to_owned()),
            QuestionKind::Choice => (!q.options.iter().any(|o| o == value))
                .then(|| format!("Choose one of: {}.", q.options.join(", "))),
            QuestionKind::Percentile => percentile_midpoint(value).is_none().then(|| {
                format!(
                    "Choose one of: {}.",
                    PERCENTILE_BANDS.map(|(key, _)| key).join(", ")
                )
            }),
            QuestionKind::Text => (value.chars().count() > MAX_TEXT_CHARS).then(|| {
                format!(
                    "Please keep this under {MAX_TEXT_CHARS} characters (it has {}).",
                    value.chars().count()
                )
            }),
        };
        match problem {
            Some(message) => errors.push(AnswerError {
                key: q.key.clone(),
                message,
            }),
            None => answers.push((q.key.clone(), value.to_owned())),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod answer_tests {
    use std::collections::BTreeMap;

    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_submission_needs_every_required_answer_but_a_draft_does_not() {
        let qs = default_questions();
        let partial = raw(&[("values_shared", "4"), ("concerns", "late invoices")]);
        let errs = validate_answers(&qs, &partial, true).unwrap_err();
        assert!(errs.iter().any(|e| e.key == "rehire"));
        assert!(
            !errs
                .iter()
                .any(|e| e.key == "concerns" || e.key == "values_shared")
        );
        let kept = validate_answers(&qs, &partial, false).unwrap();
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn out_of_range_values_unknown_keys_and_long_text_are_named() {
        let qs = default_questions();
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let bad = raw(&[
            ("values_shared", "6"),
            ("rehire", "maybe"),
            ("nope", "1"),
            ("strengths", &long),
        ]);
        let errs = validate_answers(&qs, &bad, false).unwrap_err();
        let keys: Vec<&str> = errs.iter().map(|e| e.key.as_str()).collect();
        for k in ["values_shared", "rehire", "nope", "strengths"] {
            assert!(keys.contains(&k), "{k} in {keys:?}");
        }
        let ok = raw(&[("values_shared", "na"), ("rehire", "unsure")]);
        assert_eq!(validate_answers(&qs, &ok, false).unwrap().len(), 2);
    }

    #[test]
    fn a_percentile_answer_must_be_one_of_the_five_bands() {
        let qs = vec![Question {
            key: "p_values".into(),
            prompt: "Where do they stand on values?".into(),
            kind: QuestionKind::Percentile,
            dimension: Some("values".into()),
            required: true,
            reverse_scored: false,
            options: Vec::new(),
            self_prompt: None,
            pulse_prompt: None,
            translations: BTreeMap::new(),
        }];
        for band in ["bottom_half", "top_half", "top_quarter", "top_10", "top_5"] {
            assert!(validate_answers(&qs, &raw(&[("p_values", band)]), true).is_ok());
        }
        for bad in ["top_1", "5", "na", "Top 5%"] {
            let errs = validate_answers(&qs, &raw(&[("p_values", bad)]), false).unwrap_err();
            assert_eq!(errs.len(), 1, "{bad}");
            assert_eq!(errs[0].key, "p_values");
            assert!(
                errs[0].message.contains("top_quarter"),
                "{}",
                errs[0].message
            );
        }
        // Bands are fixed: a template cannot give a percentile question options of its own.
        let mut custom = qs.clone();
        custom[0].options = vec!["good".into(), "bad".into()];
        let err = validate_questions(&custom, &["values".to_string()]).unwrap_err();
        assert!(
            matches!(err, EngineError::Validation { ref field, .. } if field == "questions[0].options")
        );
        assert!(qs[0].is_self_assessed());
    }
}
