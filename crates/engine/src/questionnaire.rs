//! Questionnaire content: question types, their validation, and the default template that
//! ships with the binary.

use std::collections::HashSet;

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
}

impl Question {
    /// Whether the provider rates itself on this question: a likert question with a
    /// dimension (the ones the report scores).
    pub fn is_self_assessed(&self) -> bool {
        self.kind == QuestionKind::Likert && self.dimension.is_some()
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
            Question {
                prompt,
                self_prompt: None,
                pulse_prompt: None,
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
        if q.prompt.trim().is_empty() || q.prompt.len() > 1000 {
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
                    "only likert questions with a dimension have another wording",
                ));
            }
            if p.trim().is_empty() || p.len() > 1000 {
                return Err(EngineError::validation(
                    field(name),
                    "must be 1-1000 characters",
                ));
            }
        }
        if q.reverse_scored && q.kind != QuestionKind::Likert {
            return Err(EngineError::validation(
                field("reverse_scored"),
                "only likert questions can be reverse scored",
            ));
        }
        match q.kind {
            QuestionKind::Choice if q.options.len() < 2 => {
                return Err(EngineError::validation(
                    field("options"),
                    "a choice question needs at least two options",
                ));
            }
            QuestionKind::Likert | QuestionKind::YesNo | QuestionKind::Text
                if !q.options.is_empty() =>
            {
                return Err(EngineError::validation(
                    field("options"),
                    "only choice questions have options",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn likert(
    key: &str,
    dimension: &str,
    [prompt, self_prompt, pulse_prompt]: [&str; 3],
    reverse: bool,
) -> Question {
    Question {
        key: key.into(),
        prompt: prompt.into(),
        self_prompt: Some(self_prompt.into()),
        pulse_prompt: Some(pulse_prompt.into()),
        kind: QuestionKind::Likert,
        dimension: Some(dimension.into()),
        required: true,
        reverse_scored: reverse,
        options: Vec::new(),
    }
}

/// The questionnaire every installation starts with: two or three questions per
/// dimension (a few reverse-scored to catch straight-lining), free-text strengths and
/// concerns, and "would you hire them again?".
pub fn default_questions() -> Vec<Question> {
    let mut q = vec![
        likert(
            "values_shared",
            "values",
            [
                "They share our way of working: honesty, care for quality and respect for people.",
                "We share our clients' way of working: honesty, care for quality and respect for people.",
                "They share our way of working: honesty, care for quality and respect for people.",
            ],
            false,
        ),
        likert(
            "values_tradeoffs",
            "values",
            [
                "When a shortcut would have helped them but hurt us, they did the right thing.",
                "When a shortcut would have helped us but hurt a client, we did the right thing.",
                "When a shortcut would help them but hurt us, they do the right thing.",
            ],
            false,
        ),
        likert(
            "dedication_success",
            "dedication",
            [
                "They care about our success as much as their own.",
                "We care about our clients' success as much as our own.",
                "They care about our success as much as their own.",
            ],
            false,
        ),
        likert(
            "dedication_extra_mile",
            "dedication",
            [
                "They went beyond the letter of the contract when it mattered to us.",
                "We go beyond the letter of the contract when it matters to a client.",
                "They go beyond the letter of the contract when it matters to us.",
            ],
            false,
        ),
        likert(
            "dedication_minimum",
            "dedication",
            [
                "They did the minimum the contract required and no more.",
                "We do the minimum the contract requires and no more.",
                "They do the minimum the contract requires and no more.",
            ],
            true,
        ),
        likert(
            "accountability_mistakes",
            "accountability",
            [
                "When something went wrong, they owned it and fixed it without being pushed.",
                "When something goes wrong, we own it and fix it without being pushed.",
                "When something goes wrong, they own it and fix it without being pushed.",
            ],
            false,
        ),
        likert(
            "accountability_delivery",
            "accountability",
            [
                "They delivered what they promised, when they promised it.",
                "We deliver what we promise, when we promise it.",
                "They deliver what they promise, when they promise it.",
            ],
            false,
        ),
        likert(
            "communication_proactive",
            "communication",
            [
                "They told us about problems early, before we had to ask.",
                "We tell clients about problems early, before they have to ask.",
                "They tell us about problems early, before we have to ask.",
            ],
            false,
        ),
        likert(
            "communication_responsive",
            "communication",
            [
                "They answered questions promptly and clearly.",
                "We answer questions promptly and clearly.",
                "They answer our questions promptly and clearly.",
            ],
            false,
        ),
        likert(
            "partnership_initiative",
            "partnership",
            [
                "They brought advice and ideas, not only the tasks we gave them.",
                "We bring advice and ideas, not only the tasks a client gives us.",
                "They bring us advice and ideas, not only the tasks we give them.",
            ],
            false,
        ),
        likert(
            "partnership_team",
            "partnership",
            [
                "They worked as one team with our in-house staff.",
                "We work as one team with our clients' in-house staff.",
                "They work as one team with our staff.",
            ],
            false,
        ),
        likert(
            "confidentiality_trust",
            "confidentiality",
            [
                "We could trust them with sensitive information.",
                "Clients can trust us with sensitive information.",
                "We can trust them with sensitive information.",
            ],
            false,
        ),
        likert(
            "scope_clarity",
            "scope",
            [
                "They were clear about what they do and do not do.",
                "We are clear about what we do and do not do.",
                "They are clear about what they do and do not do for us.",
            ],
            false,
        ),
        likert(
            "scope_surprises",
            "scope",
            [
                "We were surprised by extra charges or work they expected us to do.",
                "Our clients are surprised by extra charges or work we expect them to do.",
                "We are surprised by extra charges or work they expect us to do.",
            ],
            true,
        ),
        likert(
            "expertise_quality",
            "expertise",
            [
                "Their technical work was of high quality.",
                "Our technical work is of high quality.",
                "Their work for us is of high quality.",
            ],
            false,
        ),
        likert(
            "expertise_current",
            "expertise",
            [
                "They kept up with their field and applied it to our situation.",
                "We keep up with our field and apply it to each client's situation.",
                "They keep up with their field and apply it to our situation.",
            ],
            false,
        ),
    ];
    q.push(Question {
        key: "rehire".into(),
        prompt: "Would you hire them again?".into(),
        kind: QuestionKind::YesNo,
        dimension: None,
        required: true,
        reverse_scored: false,
        options: Vec::new(),
        self_prompt: None,
        pulse_prompt: None,
    });
    for (key, prompt) in [
        ("strengths", "What do they do especially well?"),
        ("concerns", "Is there anything we should watch out for?"),
    ] {
        q.push(Question {
            key: key.into(),
            prompt: prompt.into(),
            kind: QuestionKind::Text,
            dimension: None,
            required: false,
            reverse_scored: false,
            options: Vec::new(),
            self_prompt: None,
            pulse_prompt: None,
        });
    }
    q
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
    fn duplicate_keys_and_unknown_dimensions_are_rejected_with_the_field_named() {
        let dims = vec!["values".to_string()];
        let mut qs = vec![
            likert("a", "values", ["x", "We x", "Now x"], false),
            likert("a", "values", ["y", "We y", "Now y"], false),
        ];
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
}
