//! What a referee (or a provider contact) can do with a link token: see the form, save a
//! draft, submit, decline. The token is the only credential; it is looked up by its
//! SHA-256 hash, so the database never compares the secret itself.
//!
//! Outcomes for a token: unknown, revoked (resend, withdraw, cancel) → not found, the same
//! for every reason; already answered or declined → conflict. Once the case stopped
//! collecting (its deadline, its quorum, or `close`): viewing the link → gone; sending
//! answers or a decline → `CheckClosed` (API.md "Disclosure": the results were released
//! and no answer is taken after that; the draft is not kept).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use store::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::audit::Actor;
use crate::credentials::token_hash;
use crate::domain::{CaseKind, CaseStatus, LinkLanguages, ReferenceStatus, State};
use crate::machine::ReferenceEvent;
use crate::questionnaire::{AnswerError, Question, pulse_questions, validate_answers};
use crate::questionnaires::{self, VersionCache};
use crate::store::cases::{self, CaseRow};
use crate::store::references::{self, ReferenceRow};
use crate::store::responses::SubmissionMeta;
use crate::store::{responses, tokens};
use crate::transitions::{require_taking_answers, set_reference_status};
use crate::{Engine, EngineError, metrics};

/// Everything the questionnaire page shows.
#[derive(Clone, Debug)]
pub struct RefereeForm {
    pub reference_id: Uuid,
    pub referee_name: String,
    pub provider_name: String,
    /// A vetting reference, or a stakeholder's pulse (which changes the page's words).
    pub kind: CaseKind,
    /// The case owner, who asks.
    pub requested_by: String,
    pub deadline: Option<DateTime<Utc>>,
    pub questions: Vec<Question>,
    /// The values-profile dimensions the case was launched with: key → label, in order.
    pub dimensions: Vec<(String, String)>,
    /// Saved draft answers, question key → value.
    pub draft: BTreeMap<String, String>,
    /// Which languages the form can be shown in, and who chose one.
    pub languages: LinkLanguages,
}

/// The key of the consent problem in `InvalidAnswers` (question keys are the others).
pub const CONSENT: &str = "consent";

/// The answers worth storing, in question order, checked against the questionnaire the
/// case was launched with; every problem at once as `InvalidAnswers` otherwise. With
/// `complete` (a submission, not a draft) every required question must be answered.
pub(crate) async fn checked_answers(
    versions: &VersionCache,
    conn: &impl ConnectionTrait,
    case: &CaseRow,
    raw: &BTreeMap<String, String>,
    complete: bool,
) -> Result<Vec<(String, String)>, EngineError> {
    let questions = respondent_questions(versions, conn, case).await?;
    validate_answers(&questions, raw, complete)
        .map_err(|fields| EngineError::InvalidAnswers { fields })
}

/// The questions a case's respondents answer: the questionnaire it was launched with (for
/// a pulse's provider side, the provider-side questions), or for a pulse its scored
/// statements about the buyer's own experience.
pub(crate) async fn respondent_questions(
    versions: &VersionCache,
    conn: &impl ConnectionTrait,
    case: &CaseRow,
) -> Result<Vec<Question>, EngineError> {
    let version = questionnaires::version_by_id(versions, conn, case.template_version_id).await?;
    Ok(match case.kind {
        CaseKind::Review | CaseKind::ProviderPulse => version.questions,
        CaseKind::Pulse => pulse_questions(&version.questions),
    })
}

/// The problem of a submission sent without agreeing to how the answers are used.
pub(crate) fn consent_problem() -> AnswerError {
    AnswerError {
        key: CONSENT.into(),
        message: "Please agree to how your answers are used before sending.".into(),
    }
}

fn not_found() -> EngineError {
    EngineError::NotFound { entity: "link" }
}

/// Why a token is being resolved: a view of the form, or answers (or a decline) sent.
#[derive(Clone, Copy)]
enum Purpose {
    View,
    Answer,
}

/// A link whose case stopped collecting: gone for a view; for answers, a conflict with
/// the released results.
fn closed(purpose: Purpose) -> EngineError {
    match purpose {
        Purpose::View => EngineError::Gone("this request has closed".into()),
        Purpose::Answer => EngineError::CheckClosed,
    }
}

impl Engine {
    /// The reference behind a live (not revoked) token.
    async fn live_reference(&self, token: &str) -> Result<ReferenceRow, EngineError> {
        let reference_id = tokens::live_reference(&self.db, &token_hash(token))
            .await?
            .ok_or_else(not_found)?;
        references::get(&self.db, reference_id)
            .await
            .map_err(Into::into)
    }

    /// Resolves a referee token to its reference and case, applying the rules above.
    async fn resolve_referee_token(
        &self,
        token: &str,
        purpose: Purpose,
    ) -> Result<(ReferenceRow, CaseRow), EngineError> {
        let (reference, case) = metrics::stage(
            "token_lookup",
            tokens::live_reference_with_case(&self.db, &token_hash(token)),
        )
        .await?
        .ok_or_else(not_found)?;
        match reference.status {
            ReferenceStatus::Completed | ReferenceStatus::Declined => {
                return Err(EngineError::InvalidState {
                    action: "answer",
                    current: State::Reference(reference.status),
                });
            }
            ReferenceStatus::Withdrawn | ReferenceStatus::Pending | ReferenceStatus::Bounced => {
                return Err(not_found());
            }
            ReferenceStatus::Expired => return Err(closed(purpose)),
            ReferenceStatus::Invited | ReferenceStatus::Opened => {}
        }
        let past_deadline = case.deadline_at.is_some_and(|d| self.now() >= d);
        match case.status {
            CaseStatus::Collecting if !past_deadline => Ok((reference, case)),
            CaseStatus::Cancelled => Err(not_found()),
            _ => Err(closed(purpose)),
        }
    }

    async fn form_for(
        &self,
        reference: &ReferenceRow,
        case: &CaseRow,
    ) -> Result<RefereeForm, EngineError> {
        let (provider, owner) = cases::parties(&self.db, case).await?;
        let questions = respondent_questions(&self.versions, &self.db, case).await?;
        let draft = match responses::of_reference(&self.db, reference.id).await? {
            Some(resp) => responses::answers_of(&self.db, &[resp.id])
                .await?
                .remove(&resp.id)
                .unwrap_or_default(),
            None => BTreeMap::new(),
        };
        // A form still works without its groups' titles.
        let dimensions = cases::profile(case).unwrap_or_default();
        Ok(RefereeForm {
            dimensions: dimensions.into_iter().map(|d| (d.key, d.label)).collect(),
            reference_id: reference.id,
            referee_name: reference.name.clone(),
            provider_name: provider.name,
            requested_by: owner.name,
            deadline: case.deadline_at,
            kind: case.kind,
            languages: self.link_languages(reference.locale.as_deref(), case, Some(&questions)),
            questions,
            draft,
        })
    }

    /// The languages of a page about `case`, for a person with their own `fixed` locale
    /// or none; with `questions`, only those it has every wording in.
    pub(crate) fn link_languages(
        &self,
        fixed: Option<&str>,
        case: &CaseRow,
        questions: Option<&[Question]>,
    ) -> LinkLanguages {
        let available: Vec<String> = self
            .catalogue
            .locales()
            .filter(|l| {
                questions
                    .is_none_or(|q| crate::questionnaire::missing_translations(q, l).is_empty())
            })
            .map(str::to_owned)
            .collect();
        let usable = |l: Option<&str>| {
            l.and_then(|l| self.catalogue.supported(l))
                .filter(|l| available.iter().any(|a| a == l))
                .map(str::to_owned)
        };
        LinkLanguages {
            fixed: usable(fixed),
            case: usable(case.locale.as_deref()),
            available,
        }
    }

    /// The first view of an invited reference: `opened`, with a draft stamped with the
    /// time. Later views change nothing.
    async fn mark_opened(
        &self,
        reference: ReferenceRow,
        case: &CaseRow,
        now: DateTime<Utc>,
    ) -> Result<ReferenceRow, EngineError> {
        if reference.status != ReferenceStatus::Invited {
            return Ok(reference);
        }
        let txn = self.db.begin().await?;
        cases::lock(&txn, case.id).await?;
        let fresh = references::lock(&txn, reference.id).await?;
        let reference = if fresh.status == ReferenceStatus::Invited {
            let opened = set_reference_status(
                &txn,
                fresh,
                ReferenceEvent::Open,
                &Actor::Referee(reference.id),
                json!({}),
                now,
            )
            .await?;
            responses::ensure_draft(&txn, reference.id, Some(now), now).await?;
            opened
        } else {
            fresh
        };
        txn.commit().await?;
        Ok(reference)
    }

    /// Every problem with `raw` for the case's questionnaire; with `submit`, also the
    /// missing required answers and the missing consent.
    async fn answer_problems(
        &self,
        case: &CaseRow,
        raw: &BTreeMap<String, String>,
        submit: bool,
        consent: bool,
    ) -> Result<Vec<AnswerError>, EngineError> {
        let mut problems = match checked_answers(&self.versions, &self.db, case, raw, submit).await
        {
            Ok(_) => Vec::new(),
            Err(EngineError::InvalidAnswers { fields }) => fields,
            Err(e) => return Err(e),
        };
        if submit && !consent {
            problems.push(consent_problem());
        }
        Ok(problems)
    }
}

impl crate::services::Links<'_> {
    /// The state of the reference behind a live (not revoked) token, whatever it is: for
    /// the pages shown after answering or declining.
    #[tracing::instrument(skip_all)]
    pub async fn referee_link_status(&self, token: &str) -> Result<ReferenceStatus, EngineError> {
        Ok(self.live_reference(token).await?.status)
    }

    /// The state of the reference behind a live token and what decides its pages'
    /// language: for the pages shown after answering or declining.
    #[tracing::instrument(skip_all)]
    pub async fn referee_link(
        &self,
        token: &str,
    ) -> Result<(ReferenceStatus, LinkLanguages), EngineError> {
        let (reference, case) = tokens::live_reference_with_case(&self.db, &token_hash(token))
            .await?
            .ok_or_else(not_found)?;
        let languages = self.link_languages(reference.locale.as_deref(), &case, None);
        Ok((reference.status, languages))
    }

    /// The form behind a token, without changing anything.
    #[tracing::instrument(skip_all)]
    pub async fn referee_form(&self, token: &str) -> Result<RefereeForm, EngineError> {
        let (reference, case) = self.resolve_referee_token(token, Purpose::View).await?;
        self.form_for(&reference, &case).await
    }

    /// The form behind a token, as seen by the referee: the first view marks the
    /// reference `opened` and starts the clock used by the "too fast" fraud signal.
    #[tracing::instrument(skip_all, err)]
    pub async fn open_referee_form(&self, token: &str) -> Result<RefereeForm, EngineError> {
        let (reference, case) = self.resolve_referee_token(token, Purpose::View).await?;
        let reference = metrics::stage(
            "mark_opened",
            self.mark_opened(reference, &case, self.now()),
        )
        .await?;
        metrics::stage("form_reads", self.form_for(&reference, &case)).await
    }

    /// Records that a referee saw their questionnaire at `viewed_at`, without going
    /// through its link: for simulated referees (`vouch demo`), whose answers would
    /// otherwise be flagged as posted unseen, or as posted too fast.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn record_referee_view(
        &self,
        reference_id: Uuid,
        viewed_at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let reference = references::get(&self.db, reference_id).await?;
        let case = cases::get(&self.db, reference.case_id).await?;
        self.mark_opened(reference, &case, viewed_at).await?;
        Ok(())
    }

    /// What `save_referee_draft` (`submit` false) or `submit_referee_answers` would find
    /// wrong with these answers, without storing anything: for a front end that reports
    /// them together with its own problems.
    #[tracing::instrument(skip_all)]
    pub async fn check_referee_answers(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
        submit: bool,
        consent: bool,
    ) -> Result<Vec<AnswerError>, EngineError> {
        let (_, case) = self.resolve_referee_token(token, Purpose::Answer).await?;
        self.answer_problems(&case, raw, submit, consent).await
    }

    /// Stores answers as a draft to finish later. Values must be valid; required ones may
    /// be missing (`InvalidAnswers` otherwise, and nothing is stored).
    #[tracing::instrument(skip_all, err)]
    pub async fn save_referee_draft(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
    ) -> Result<(), EngineError> {
        let (reference, case) = self.resolve_referee_token(token, Purpose::Answer).await?;
        let answers = checked_answers(&self.versions, &self.db, &case, raw, false).await?;
        let now = self.now();
        let txn = self.db.begin().await?;
        // Under the case lock, like the release: a draft saved as the check closes is
        // either discarded by the release or refused here, never kept after it.
        let (case, fresh) = references::lock_with_case(&txn, reference.id).await?;
        require_taking_answers(&case, &fresh)?;
        // A draft saved without the form ever being loaded keeps no view time, so its
        // submission is still flagged as unviewed.
        let response_id =
            responses::ensure_draft(&txn, reference.id, reference.opened_at, now).await?;
        // Only a draft may change: a concurrent submission wins.
        if !responses::touch_draft(&txn, response_id, now).await? {
            return Err(EngineError::InvalidState {
                action: "answer",
                current: State::Reference(ReferenceStatus::Completed),
            });
        }
        responses::replace_answers(&txn, response_id, answers).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Submits the referee's answers through their link. The referee must have agreed to
    /// how their answers are used (`consent`); every problem, the missing consent among
    /// them, comes back at once as `InvalidAnswers`, and nothing is stored. `language`
    /// picks the language the answers were given in from the link's languages (the one
    /// the page was shown in), so the token is resolved once and no form is built.
    #[tracing::instrument(skip_all, err)]
    pub async fn submit_referee_answers(
        &self,
        token: &str,
        raw: &BTreeMap<String, String>,
        consent: bool,
        mut meta: SubmissionMeta,
        language: impl FnOnce(&LinkLanguages) -> String,
    ) -> Result<(), EngineError> {
        let (reference, case) = self.resolve_referee_token(token, Purpose::Answer).await?;
        let questions = metrics::stage(
            "questions",
            respondent_questions(&self.versions, &self.db, &case),
        )
        .await?;
        let languages = self.link_languages(reference.locale.as_deref(), &case, Some(&questions));
        meta.locale = Some(language(&languages));
        if !consent {
            let fields = self.answer_problems(&case, raw, true, false).await?;
            return Err(EngineError::InvalidAnswers { fields });
        }
        let answers = raw.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        self.cases()
            .submit_response(reference.id, answers, meta)
            .await?;
        Ok(())
    }

    /// The referee declines through their link.
    #[tracing::instrument(skip_all, err)]
    pub async fn decline_by_token(
        &self,
        token: &str,
        reason: Option<String>,
    ) -> Result<(), EngineError> {
        let (reference, _) = self.resolve_referee_token(token, Purpose::Answer).await?;
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        self.cases().decline_reference(reference.id, reason).await?;
        Ok(())
    }
}
