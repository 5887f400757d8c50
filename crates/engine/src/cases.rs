//! Vetting cases and their reference requests: creation, reading and adding referees.
//! Launching and the later lifecycle live with the workflow.

use std::collections::BTreeMap;

use store::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::audit::{self, Actor};
use crate::credentials::new_token;
use crate::domain::{
    CaseKind, CaseStatus, ReferenceRequest, ReferenceSource, ReferenceStatus, SelfAssessmentState,
    State, VettingCase,
};
use crate::organisations::organisation_key;
use crate::store::cases::{self, CaseRow};
use crate::store::opt_outs;
use crate::store::references::{self, ReferenceRow};
use crate::store::self_assessments;
use crate::users::normalize_email;
use crate::{Engine, EngineError, Page, PageRequest, profile, questionnaires, store};

/// A case to open. Unset numbers take their `Limits::default`.
pub struct NewCase {
    pub provider_id: Uuid,
    pub title: Option<String>,
    pub template_id: Option<Uuid>,
    pub min_responses: Option<i32>,
    /// Distinct client organisations a recommendation needs: 1..=`min_responses`,
    /// default `min(2, min_responses)`.
    pub min_organisations: Option<i32>,
    pub deadline_days: Option<i32>,
    /// The referees' language unless one has their own; default `server.default_locale`.
    pub locale: Option<String>,
}

/// The allowed range and the default of a whole-number setting of a case.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub min: i32,
    pub max: i32,
    pub default: i32,
}

impl Limits {
    /// `value`, or the default when unset; an error naming `field` when out of range.
    pub fn check(&self, field: &str, value: Option<i32>) -> Result<i32, EngineError> {
        match value {
            None => Ok(self.default),
            Some(v) if (self.min..=self.max).contains(&v) => Ok(v),
            Some(_) => Err(EngineError::validation(
                field,
                format!("must be between {} and {}", self.min, self.max),
            )),
        }
    }
}

/// Quorum: completed responses a recommendation needs.
pub const MIN_RESPONSES: Limits = Limits {
    min: 1,
    max: 20,
    default: 3,
};

/// The organisations quorum of a case with this response quorum.
pub fn min_organisations_limits(min_responses: i32) -> Limits {
    Limits {
        min: 1,
        max: min_responses,
        default: min_responses.min(2),
    }
}

/// Days from launch to the deadline.
pub const DEADLINE_DAYS: Limits = Limits {
    min: 1,
    max: 90,
    default: 14,
};

/// Longest case title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

pub struct NewReference {
    pub name: String,
    pub email: String,
    pub company: String,
    pub relationship: String,
    /// Why this person may be asked although they were asked often lately (the fatigue
    /// limit); kept in the audit trail. Staff only.
    pub override_reason: Option<String>,
    /// The language to write to this referee in; `None` leaves it to negotiation.
    pub locale: Option<String>,
}

/// What is wrong with one field of a `NewReference`; each front end words it its own way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceProblem {
    Blank,
    /// Longer than this many characters.
    TooLong(u64),
    NotAnEmail,
    /// Tabs, line breaks or other control characters, which have no place in a name and
    /// could forge lines in emails and exports.
    ControlCharacters,
}

impl std::fmt::Display for ReferenceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReferenceProblem::Blank => f.write_str("must not be blank"),
            ReferenceProblem::TooLong(max) => write!(f, "must be at most {max} characters"),
            ReferenceProblem::NotAnEmail => f.write_str("must be a valid email address"),
            ReferenceProblem::ControlCharacters => {
                f.write_str("must not contain control characters")
            }
        }
    }
}

impl NewReference {
    // u64: the type validator's `length(max = …)` takes, so the API's shape checks use
    // these very numbers.
    pub const MAX_NAME: u64 = 200;
    pub const MAX_EMAIL: u64 = 320;
    pub const MAX_COMPANY: u64 = 200;
    pub const MAX_RELATIONSHIP: u64 = 500;
    pub const MAX_OVERRIDE_REASON: u64 = 500;

    /// Every problem, by field (`name`, `email`, `company`, `relationship`), in that order.
    pub fn problems(&self) -> Vec<(&'static str, ReferenceProblem)> {
        use validator::ValidateEmail;
        let mut out = Vec::new();
        for (field, value, max) in [
            ("name", &self.name, Self::MAX_NAME),
            ("email", &self.email, Self::MAX_EMAIL),
            ("company", &self.company, Self::MAX_COMPANY),
            ("relationship", &self.relationship, Self::MAX_RELATIONSHIP),
        ] {
            let value = value.trim();
            if value.is_empty() {
                out.push((field, ReferenceProblem::Blank));
            } else if value.chars().any(char::is_control) {
                out.push((field, ReferenceProblem::ControlCharacters));
            } else if value.chars().count() as u64 > max {
                out.push((field, ReferenceProblem::TooLong(max)));
            } else if field == "email" && !value.validate_email() {
                out.push((field, ReferenceProblem::NotAnEmail));
            }
        }
        out
    }
}

/// A 422 on `field` naming what the questionnaire lacks to be shown in `locale`.
fn questionnaire_speaks(
    field: &str,
    questions: &[crate::questionnaire::Question],
    locale: &str,
) -> Result<(), EngineError> {
    let missing = crate::questionnaire::missing_translations(questions, locale);
    if missing.is_empty() {
        return Ok(());
    }
    Err(EngineError::validation(
        field,
        format!(
            "the case's questionnaire has no `{locale}` wording for: {}",
            missing.join(", ")
        ),
    ))
}

fn counts(refs: &[ReferenceRequest]) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> = ReferenceStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    for r in refs {
        *counts.entry(r.status.as_str().to_owned()).or_default() += 1;
    }
    counts
}

/// Assembles case read models with their provider names, template versions and references,
/// in four queries whatever the number of cases.
async fn assemble(
    conn: &impl ConnectionTrait,
    cases: Vec<CaseRow>,
    default_locale: &str,
) -> Result<Vec<VettingCase>, EngineError> {
    let ids: Vec<Uuid> = cases.iter().map(|c| c.id).collect();
    let provider_ids: Vec<Uuid> = cases.iter().map(|c| c.provider_id).collect();
    let version_ids: Vec<Uuid> = cases.iter().map(|c| c.template_version_id).collect();
    let providers: BTreeMap<Uuid, String> = store::providers::many(conn, provider_ids)
        .await?
        .into_values()
        .map(|p| (p.id, p.name))
        .collect();
    let versions: BTreeMap<Uuid, (Uuid, i32)> =
        store::templates::version_numbers(conn, version_ids)
            .await?
            .into_iter()
            .map(|(id, template_id, version)| (id, (template_id, version)))
            .collect();
    let mut self_assessments = self_assessments::states_of_cases(conn, &ids).await?;
    let mut refs: BTreeMap<Uuid, Vec<ReferenceRequest>> = BTreeMap::new();
    for r in references::of_cases(conn, &ids).await? {
        refs.entry(r.case_id).or_default().push(r.into());
    }
    let ref_ids: Vec<Uuid> = refs.values().flatten().map(|r| r.id).collect();
    let seconds = crate::store::responses::seconds_to_complete_of(conn, &ref_ids).await?;
    cases
        .into_iter()
        .map(|c| {
            let references = refs.remove(&c.id).unwrap_or_default();
            let (template_id, template_version) = versions
                .get(&c.template_version_id)
                .copied()
                .ok_or_else(|| {
                    EngineError::Corrupt(format!("case {} has no template version", c.id))
                })?;
            let hold = crate::privacy::hold::CaseHold::of(&c);
            let median_seconds_to_complete = median_seconds(&references, &seconds);
            Ok(VettingCase {
                id: c.id,
                provider_id: c.provider_id,
                provider_name: providers.get(&c.provider_id).cloned().unwrap_or_default(),
                owner_id: c.owner_id,
                title: c.title,
                template_id,
                template_version,
                min_responses: c.min_responses,
                min_organisations: c.min_organisations,
                engagement_id: c.engagement_id,
                self_assessment: self_assessments
                    .remove(&c.id)
                    .unwrap_or(SelfAssessmentState::NotRequested),
                deadline_days: c.deadline_days,
                deadline_at: c.deadline_at,
                status: c.status,
                launched_at: c.launched_at,
                closed_at: c.closed_at,
                finished_at: c.finished_at,
                hold,
                created_at: c.created_at,
                updated_at: c.updated_at,
                counts: counts(&references),
                median_seconds_to_complete,
                locale: c.locale.unwrap_or_else(|| default_locale.to_owned()),
                references,
            })
        })
        .collect()
}

/// Fewest timed responses a median is shown over: below it, the median is one or two
/// people's own times.
const MIN_TIMED_RESPONSES: usize = 3;

/// The median `seconds_to_complete` of the completed references among `references`
/// (withdrawn ones are not completed), or `None` below `MIN_TIMED_RESPONSES` of them.
fn median_seconds(references: &[ReferenceRequest], seconds: &BTreeMap<Uuid, i32>) -> Option<f64> {
    let mut times: Vec<i32> = references
        .iter()
        .filter(|r| r.status == ReferenceStatus::Completed)
        .filter_map(|r| seconds.get(&r.id).copied())
        .collect();
    if times.len() < MIN_TIMED_RESPONSES {
        return None;
    }
    times.sort_unstable();
    let mid = times.len() / 2;
    Some(if times.len() % 2 == 1 {
        f64::from(times[mid])
    } else {
        (f64::from(times[mid - 1]) + f64::from(times[mid])) / 2.0
    })
}

impl Engine {
    /// Unless identities are shown, an answered reference does not say when it answered
    /// (`responded_at`, and `updated_at` which would give it away): set beside the report,
    /// the time could say whose answers are whose. Who has answered stays visible.
    fn without_answer_times(&self, mut case: VettingCase) -> VettingCase {
        if !self.report.show_referee_identity {
            for r in &mut case.references {
                if r.status == ReferenceStatus::Completed {
                    r.responded_at = None;
                    r.updated_at = r.opened_at.or(r.invited_at).unwrap_or(r.created_at);
                }
            }
        }
        case
    }

    /// Inserts a pending reference into a case that accepts references (checked by the
    /// caller), within the case's limit; invites it at once if the case is collecting.
    pub(crate) async fn insert_reference(
        &self,
        txn: &store::DatabaseTransaction,
        case: &CaseRow,
        new: NewReference,
        actor: &Actor,
    ) -> Result<ReferenceRow, EngineError> {
        if let Some((field, problem)) = new.problems().into_iter().next() {
            return Err(EngineError::validation(field, problem.to_string()));
        }
        let locale = match &new.locale {
            Some(l) => {
                let locale = self.checked_locale("locale", l)?;
                let version =
                    questionnaires::version_by_id(&self.versions, txn, case.template_version_id)
                        .await?;
                questionnaire_speaks("locale", &version.questions, &locale)?;
                Some(locale)
            }
            None => None,
        };
        let override_reason = self.check_referee_may_be_asked(txn, &new).await?;
        let case_id = case.id;
        let existing = references::count_of_case(txn, case_id).await?;
        let max = u64::from(self.settings.max_references_per_case);
        if existing >= max {
            return Err(EngineError::validation(
                "references",
                format!("a case can have at most {max} references"),
            ));
        }
        let now = self.now();
        let email = normalize_email(&new.email);
        let company = new.company.trim().to_owned();
        // Fixed now, so that erasing the address later moves nobody between organisations.
        let organisation = organisation_key(&email, &company, &self.scoring.public_mail_domains);
        let m = references::insert(
            txn,
            ReferenceRow {
                id: Uuid::now_v7(),
                case_id,
                name: new.name.trim().to_owned(),
                email,
                company,
                relationship: new.relationship.trim().to_owned(),
                nominated_by: actor.to_string(),
                source: match actor {
                    Actor::Provider => ReferenceSource::Nominated,
                    _ => ReferenceSource::Sourced,
                },
                status: ReferenceStatus::Pending,
                invitations_sent: 0,
                generation: 0,
                reminders_sent: 0,
                invited_at: None,
                opened_at: None,
                responded_at: None,
                decline_reason: None,
                withdrawn_reason: None,
                created_at: now,
                updated_at: now,
                identity_erased_at: None,
                comments_erased_at: None,
                organisation: Some(organisation),
                locale,
            },
        )
        .await?;
        audit::record(
            txn,
            Some(case_id),
            Some(m.id),
            actor,
            "reference.added",
            serde_json::json!({ "name": m.name, "company": m.company }),
            now,
        )
        .await?;
        if let Some(reason) = override_reason {
            audit::record(
                txn,
                Some(case_id),
                Some(m.id),
                actor,
                "reference.fatigue_overridden",
                serde_json::json!({ "reason": reason }),
                now,
            )
            .await?;
        }
        // Added by staff while collecting: invite at once, like the ones invited at launch.
        // The provider's nominees wait for ops to launch or invite them.
        if case.status == CaseStatus::Collecting && m.source == ReferenceSource::Sourced {
            self.enqueue_invitation(txn, &m).await?;
        }
        Ok(m)
    }

    /// Refuses an address that opted out (no override), or one asked for references
    /// `referee_requests_per_90_days` times or more in the last 90 days unless staff gave
    /// an override reason, which is returned to be audited.
    pub(crate) async fn check_referee_may_be_asked(
        &self,
        txn: &store::DatabaseTransaction,
        new: &NewReference,
    ) -> Result<Option<String>, EngineError> {
        let now = self.now();
        if opt_outs::contains(txn, &new.email, now).await? {
            return Err(EngineError::RefereeOptedOut);
        }
        let window = chrono::Duration::days(90);
        let asked =
            references::first_invitations_since(txn, &normalize_email(&new.email), now - window)
                .await?;
        let limit = self.settings.referee_requests_per_90_days;
        // 0 switches the limit off.
        if limit == 0 || (asked.len() as u64) < u64::from(limit) {
            return Ok(None);
        }
        let reason = new
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        match reason {
            Some(reason) => Ok(Some(reason.to_owned())),
            None => {
                // Allowed again once the count drops below the limit: when the request
                // that many places from the newest leaves the window.
                let oldest_to_expire = asked.len() - limit as usize;
                Err(EngineError::RefereeFatigue {
                    requests: asked.len() as u64,
                    limit,
                    next_allowed: asked[oldest_to_expire] + window,
                })
            }
        }
    }
}

impl crate::services::Cases<'_> {
    /// Opens a case in `draft`, snapshotting the current values profile and the template
    /// version it will be launched with.
    #[tracing::instrument(skip_all, err)]
    pub async fn create_case(&self, new: NewCase, owner: Uuid) -> Result<VettingCase, EngineError> {
        let min_responses = MIN_RESPONSES.check("min_responses", new.min_responses)?;
        let min_organisations = min_organisations_limits(min_responses)
            .check("min_organisations", new.min_organisations)?;
        let deadline_days = DEADLINE_DAYS.check("deadline_days", new.deadline_days)?;
        let title = new
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if title
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TITLE_CHARS)
        {
            return Err(EngineError::validation(
                "title",
                format!("must be at most {MAX_TITLE_CHARS} characters"),
            ));
        }
        let locale = match &new.locale {
            Some(l) => self.checked_locale("locale", l)?,
            None => self.catalogue.default_locale().to_owned(),
        };
        let txn = self.db.begin().await?;
        let provider = store::providers::find(&txn, new.provider_id)
            .await?
            .ok_or_else(|| EngineError::validation("provider_id", "no provider with this id"))?;
        let version = match questionnaires::current_version(&txn, new.template_id).await {
            Err(EngineError::NotFound { .. }) if new.template_id.is_some() => {
                return Err(EngineError::validation(
                    "template_id",
                    "no published template with this id",
                ));
            }
            other => other?,
        };
        if questionnaires::is_provider_side(&txn, version.template_id).await? {
            return Err(EngineError::validation(
                "template_id",
                "is the provider side of pulses, not a questionnaire for cases",
            ));
        }
        let questions = questionnaires::to_version(version.clone())?.questions;
        questionnaire_speaks("locale", &questions, &locale)?;
        let profile = profile::load(&txn).await?;
        let now = self.now();
        let title = title.unwrap_or_else(|| format!("Reference check: {}", provider.name));
        let m = cases::insert(
            &txn,
            CaseRow {
                id: Uuid::now_v7(),
                provider_id: provider.id,
                owner_id: owner,
                title,
                template_version_id: version.id,
                profile_snapshot: serde_json::to_value(&profile)
                    .map_err(|e| EngineError::Corrupt(e.to_string()))?,
                min_responses,
                min_organisations,
                // Orders the anonymised report's labels (store::cases docs).
                anonymity_seed: new_token(),
                kind: CaseKind::Review,
                demo: false,
                engagement_id: None,
                deadline_days,
                deadline_at: None,
                status: CaseStatus::Draft,
                launched_at: None,
                closed_at: None,
                finished_at: None,
                released_at: None,
                hold_reason: None,
                held_at: None,
                held_by: None,
                created_at: now,
                updated_at: now,
                locale: Some(locale),
                pulse_id: None,
            },
        )
        .await?;
        audit::record(
            &txn,
            Some(m.id),
            None,
            &Actor::User(owner),
            "case.created",
            serde_json::json!({ "provider_id": provider.id, "template_version": version.version }),
            now,
        )
        .await?;
        let case = assemble(&txn, vec![m], self.catalogue.default_locale())
            .await?
            .remove(0);
        txn.commit().await?;
        Ok(case)
    }

    #[tracing::instrument(skip_all, fields(id = %id))]
    pub async fn case(&self, id: Uuid) -> Result<VettingCase, EngineError> {
        let m = cases::get(&self.db, id).await?;
        let case = assemble(&self.db, vec![m], self.catalogue.default_locale())
            .await?
            .remove(0);
        Ok(self.without_answer_times(case))
    }

    #[tracing::instrument(skip_all)]
    pub async fn list_cases(
        &self,
        status: Option<CaseStatus>,
        page: PageRequest,
    ) -> Result<Page<VettingCase>, EngineError> {
        let rows = cases::page(&self.db, status, page.cursor, page.limit() + 1).await?;
        let page = Page::from_rows(rows, page.limit(), |m| m.id);
        let items = assemble(&self.db, page.items, self.catalogue.default_locale()).await?;
        Ok(Page {
            items: items
                .into_iter()
                .map(|c| self.without_answer_times(c))
                .collect(),
            next_cursor: page.next_cursor,
        })
    }

    /// How many cases are in each status (every status present, zero included).
    #[tracing::instrument(skip_all)]
    pub async fn case_counts(&self) -> Result<BTreeMap<CaseStatus, u64>, EngineError> {
        let rows = cases::count_by_status(&self.db).await?;
        let mut counts: BTreeMap<CaseStatus, u64> =
            CaseStatus::ALL.iter().map(|s| (*s, 0)).collect();
        for (status, n) in rows {
            counts.insert(status, u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// The questionnaire a case was (or will be) launched with.
    #[tracing::instrument(skip_all, fields(case_id = %case_id))]
    pub async fn case_questions(
        &self,
        case_id: Uuid,
    ) -> Result<questionnaires::TemplateVersion, EngineError> {
        let m = cases::get(&self.db, case_id).await?;
        questionnaires::version_by_id(&self.versions, &self.db, m.template_version_id).await
    }

    /// Adds a referee to a case that is still open for references.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn add_reference(
        &self,
        case_id: Uuid,
        new: NewReference,
        actor: &Actor,
    ) -> Result<ReferenceRequest, EngineError> {
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        if !case.status.accepts_references() {
            return Err(EngineError::InvalidState {
                action: "add a reference to",
                current: State::Case(case.status),
            });
        }
        let m = self.insert_reference(&txn, &case, new, actor).await?;
        txn.commit().await?;
        Ok(m.into())
    }
}

impl crate::services::Cases<'_> {
    /// Invites a reference that waits in `pending` on a collecting case: a nominee, whom
    /// the provider's nomination never invites by itself. Asking twice queues one email.
    #[tracing::instrument(skip_all, fields(reference_id = %reference_id), err)]
    pub async fn invite_reference(
        &self,
        reference_id: Uuid,
        actor: &Actor,
    ) -> Result<ReferenceRequest, EngineError> {
        let txn = self.db.begin().await?;
        let (case, reference) = references::lock_with_case(&txn, reference_id).await?;
        if case.status != CaseStatus::Collecting {
            return Err(EngineError::InvalidState {
                action: "invite a reference of",
                current: State::Case(case.status),
            });
        }
        if reference.status != ReferenceStatus::Pending {
            return Err(EngineError::InvalidState {
                action: "invite",
                current: State::Reference(reference.status),
            });
        }
        self.enqueue_invitation(&txn, &reference).await?;
        audit::record(
            &txn,
            Some(case.id),
            Some(reference.id),
            actor,
            "reference.invite_requested",
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        txn.commit().await?;
        Ok(reference.into())
    }
}
