//! Domain types returned by the engine: roles, states and the read models of each object.
//! Their string forms are stable API values.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A closed set of states or kinds with stable string forms: the API's JSON value and the
/// value stored in its text column. Reading a row with a value outside the set is a
/// database error, never a panic.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name { $(#[sea_orm(string_value = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Reads as its string form, so `status == "invited"` says what it means.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::domain::UnknownValue(other.to_owned())),
                }
            }
        }
    };
}

/// A string that names no variant of the enum it was parsed as.
#[derive(Debug, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

string_enum!(
    /// What a staff member may do. `admin` may do everything.
    Role { Admin => "admin", Ops => "ops", Hr => "hr" }
);

string_enum!(
    /// Lifecycle of a vetting case.
    CaseStatus {
        Draft => "draft",
        Nominating => "nominating",
        Collecting => "collecting",
        Review => "review",
        Decided => "decided",
        Cancelled => "cancelled",
    }
);

string_enum!(
    /// What a case is for: vetting a provider (`review`), a check-in with the buyer's
    /// own people during an engagement (`pulse`), or the same check-in's provider side,
    /// the provider's people asked about the buyer (`provider_pulse`).
    CaseKind { Review => "review", Pulse => "pulse", ProviderPulse => "provider_pulse" }
);

string_enum!(
    /// Whose people a stakeholder entry is: the buyer's own (`buyer`), or the provider's
    /// contacts asked for the provider side of each pulse (`provider`).
    StakeholderSide { Buyer => "buyer", Provider => "provider" }
);

string_enum!(
    /// Which side of a partnership rates it lower (the `partnership_gap` flag).
    PartnershipSide { Buyer => "buyer", Provider => "provider" }
);

string_enum!(
    /// An engagement with an approved provider.
    EngagementStatus { Active => "active", Ended => "ended" }
);

string_enum!(
    /// Where a pulse is: its stakeholders are answering, or it is over.
    PulseStatus { Collecting => "collecting", Complete => "complete" }
);

string_enum!(
    /// A pulse score against the pre-hire 95% interval on the same dimension.
    Drift { Below => "below", Within => "within", Above => "above" }
);

string_enum!(
    /// Lifecycle of one reference request (one referee).
    ReferenceStatus {
        Pending => "pending",
        Invited => "invited",
        Opened => "opened",
        Completed => "completed",
        Declined => "declined",
        Expired => "expired",
        Bounced => "bounced",
        Withdrawn => "withdrawn",
    }
);

string_enum!(
    /// Who found a referee: the hiring company's staff (`sourced`) or the provider itself,
    /// through its nomination link (`nominated`). The report compares the two.
    ReferenceSource { Sourced => "sourced", Nominated => "nominated" }
);

string_enum!(
    /// A request to the provider to rate itself (the self-assessment): made, its link
    /// emailed, answered, or replaced by a newer request.
    SelfAssessmentStatus {
        Pending => "pending",
        Sent => "sent",
        Submitted => "submitted",
        Superseded => "superseded",
    }
);

string_enum!(
    /// The self-assessment of a case as the case shows it.
    SelfAssessmentState {
        NotRequested => "not_requested",
        Requested => "requested",
        Submitted => "submitted",
    }
);

impl SelfAssessmentStatus {
    /// States in which the provider's link still takes answers.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Sent)
    }
}

string_enum!(
    /// A referee's response row: saved as a draft from the first view, then submitted once.
    ResponseStatus { Draft => "draft", Submitted => "submitted" }
);

string_enum!(
    /// Delivery of one logged email.
    EmailStatus {
        Sending => "sending",
        Retrying => "retrying",
        Sent => "sent",
        Failed => "failed",
    }
);

string_enum!(
    /// A request to the provider to nominate references.
    NominationStatus {
        Pending => "pending",
        Sent => "sent",
        Submitted => "submitted",
        Superseded => "superseded",
    }
);

impl NominationStatus {
    /// States in which the provider's link still takes nominations.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Sent)
    }
}

string_enum!(
    /// Where a job is in its life.
    JobStatus {
        Queued => "queued",
        Running => "running",
        Done => "done",
        Failed => "failed",
        Dead => "dead",
    }
);

string_enum!(
    /// HR's decision on a provider.
    Outcome {
        Approved => "approved",
        ApprovedWithConditions => "approved_with_conditions",
        Rejected => "rejected",
    }
);

/// The state an object was in when an action on it was refused (the API's
/// `current_state`, and what the public pages choose their words by).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Case(CaseStatus),
    Reference(ReferenceStatus),
    Nomination(NominationStatus),
    SelfAssessment(SelfAssessmentStatus),
    Engagement(EngagementStatus),
    Pulse(PulseStatus),
    Job(JobStatus),
}

impl State {
    pub fn entity(self) -> &'static str {
        match self {
            State::Case(_) => "case",
            State::Reference(_) => "reference",
            State::Nomination(_) => "nomination",
            State::SelfAssessment(_) => "self_assessment",
            State::Engagement(_) => "engagement",
            State::Pulse(_) => "pulse",
            State::Job(_) => "job",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Case(s) => s.as_str(),
            State::Reference(s) => s.as_str(),
            State::Nomination(s) => s.as_str(),
            State::SelfAssessment(s) => s.as_str(),
            State::Engagement(s) => s.as_str(),
            State::Pulse(s) => s.as_str(),
            State::Job(s) => s.as_str(),
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} in state `{}`", self.entity(), self.as_str())
    }
}

impl CaseStatus {
    /// States in which references may still be added.
    pub fn accepts_references(self) -> bool {
        matches!(self, Self::Draft | Self::Nominating | Self::Collecting)
    }

    /// States in which the provider may be asked to rate itself, and may answer.
    pub fn accepts_self_assessment(self) -> bool {
        self.accepts_references()
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Provider {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    /// The language its people are written to in; null: the case's, else the default.
    pub locale: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceRequest {
    pub id: Uuid,
    pub case_id: Uuid,
    pub name: String,
    pub email: String,
    pub company: String,
    pub relationship: String,
    /// `user:<id>` or `provider`.
    pub nominated_by: String,
    /// Found by staff (`sourced`) or named by the provider (`nominated`).
    pub source: ReferenceSource,
    /// The client organisation, as the referee gave it (the `company`).
    pub organisation: String,
    pub status: ReferenceStatus,
    /// Why a `withdrawn` reference was withdrawn when no one on the case did it:
    /// `opted_out` (the referee asked never to be asked again). Null otherwise.
    pub withdrawn_reason: Option<String>,
    pub reminders_sent: i32,
    pub invited_at: Option<DateTime<Utc>>,
    pub opened_at: Option<DateTime<Utc>>,
    /// When they answered or declined. Withheld for answered references unless
    /// `report.show_referee_identity` is on (as is the answer's time in `updated_at`).
    pub responded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When retention or an erasure removed the referee's name, address and relationship
    /// (they read empty from then on). Null while they are held.
    pub identity_erased_at: Option<DateTime<Utc>>,
    /// The language this referee is written to in (emails and the form), when staff
    /// chose one; null means negotiated (the link's `?lang=`, the browser, the case).
    pub locale: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VettingCase {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub owner_id: Uuid,
    pub title: String,
    pub template_id: Uuid,
    pub template_version: i32,
    pub min_responses: i32,
    /// Distinct client organisations a recommendation needs.
    pub min_organisations: i32,
    /// Whether the provider was asked to rate itself, and whether it has.
    pub self_assessment: SelfAssessmentState,
    /// The engagement an approval opened (null before, and for other outcomes).
    pub engagement_id: Option<Uuid>,
    pub deadline_days: i32,
    /// Set at launch: `deadline_days` after it.
    pub deadline_at: Option<DateTime<Utc>>,
    pub status: CaseStatus,
    pub launched_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// When the case ended (decided, cancelled, or a pulse scored): the retention clocks
    /// start here.
    pub finished_at: Option<DateTime<Utc>>,
    /// The case's legal hold, if it has one: nothing of it is purged while it lasts.
    pub hold: Option<CaseHold>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The language referees of this case are written to unless one has their own.
    pub locale: String,
    pub references: Vec<ReferenceRequest>,
    /// Number of references in each status (every status is present, zero included).
    pub counts: BTreeMap<String, u64>,
    /// The median of the completed responses' `seconds_to_complete` (first view of the
    /// form to submit, capped at 3,600); null below 3 such responses, so that nobody's own
    /// time can be read from it. A progress figure: shown while collecting too.
    pub median_seconds_to_complete: Option<f64>,
}

/// A job as shown to admins.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An engagement with an approved provider, and its check-ins.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    pub id: Uuid,
    /// The case whose approval opened it.
    pub case_id: Uuid,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub status: EngagementStatus,
    /// The decision's time: pulses are counted from it.
    pub started_at: DateTime<Utc>,
    /// When the next scheduled pulse starts; null when none is left or it ended.
    pub next_pulse_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    /// Seeded by `vouch demo`, not real.
    pub demo: bool,
    pub stakeholders: Vec<Stakeholder>,
    /// The provider's people asked for the provider side of each pulse; its main contact
    /// is added when the engagement opens (or at its first pulse).
    pub provider_contacts: Vec<Stakeholder>,
    /// The approved case's alignment score, which the pulses' alignments are set against.
    pub pre_hire_alignment: Option<f64>,
    /// Oldest first.
    pub pulses: Vec<Pulse>,
}

/// One of the buyer's own people working with the provider, or one of the provider's
/// people working with the buyer (a provider contact).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stakeholder {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
}

/// A check-in with the stakeholders, against what the references predicted.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pulse {
    /// The pulse's own case (kind `pulse`).
    pub id: Uuid,
    pub started_at: DateTime<Utc>,
    pub status: PulseStatus,
    /// Stakeholders asked.
    pub invited: u32,
    /// Stakeholders who answered.
    pub responses: u32,
    /// The profile-weighted mean of the pulse's dimension scores; null without data.
    pub alignment: Option<f64>,
    pub dimensions: Vec<PulseDimension>,
    /// What the provider's people say about the buyer in the same check-in; null for a
    /// pulse started before pulses asked the provider.
    pub provider_side: Option<ProviderSide>,
    /// `partnership_gap` when both sides' alignments are released and differ by at
    /// least `followup.partnership_gap_points`.
    pub flags: Vec<PulseFlag>,
}

/// The provider side of a pulse (API.md "Partnership both ways"): released under
/// Disclosure like the buyer's side (`dimensions` empty and `alignment` null while it is
/// collecting).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSide {
    /// The provider side's own case (kind `provider_pulse`).
    pub id: Uuid,
    pub status: PulseStatus,
    /// Provider contacts asked.
    pub invited: u32,
    /// Provider contacts who answered.
    pub responses: u32,
    pub dimensions: Vec<ProviderSideDimension>,
    /// The plain mean of the dimension scores (every provider-side dimension weighs the
    /// same); null without data.
    pub alignment: Option<f64>,
}

/// One provider-side dimension: 0–100, the plain mean of the provider contacts' means.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderSideDimension {
    pub key: String,
    pub label: String,
    pub score: Option<f64>,
    /// Provider contacts with data on it.
    pub n: u32,
}

/// Something about a pulse worth a person's attention.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PulseFlag {
    /// `partnership_gap`.
    pub kind: String,
    pub detail: String,
    /// The side that rates the partnership lower.
    pub lower_side: PartnershipSide,
    /// The difference between the two alignments, in points (rounded to one decimal).
    pub gap: f64,
}

/// One dimension of a pulse.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PulseDimension {
    pub key: String,
    pub label: String,
    /// 0–100: the plain mean of the stakeholders' means; null without data.
    pub score: Option<f64>,
    /// Stakeholders with data on it.
    pub n: u32,
    /// The case's score before hiring.
    pub pre_hire_score: Option<f64>,
    /// The case's 95% interval before hiring.
    pub pre_hire_ci95: Option<[f64; 2]>,
    /// The unrounded pulse score against the pre-hire interval; null without data.
    pub drift: Option<Drift>,
}

string_enum!(
    /// Where one webhook message is: still being tried, taken by the receiver (a 2xx), or
    /// given up on (retries used up, a 410, or its endpoint disabled or refused).
    WebhookDeliveryStatus {
        Pending => "pending",
        Delivered => "delivered",
        Failed => "failed",
    }
);

/// A registered webhook endpoint. Its secret is never shown again after it is made.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub url: String,
    /// Event types it receives, or `["*"]` for all.
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it was disabled: a 410 from the receiver, continuous failure, or an admin.
    pub disabled_reason: Option<String>,
    /// The first failed delivery since the last success, while it keeps failing.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until then the secret before the last rotation also signs each delivery.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An endpoint with its signing secret: the answer to creating it or rotating its secret,
/// the only time the secret is shown.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_` and the base64 key (Standard Webhooks): keep it; it is not shown again.
    pub secret: String,
}

/// One message to one endpoint, with what became of its last attempt.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// Also the message's `webhook-id` header: the same on every attempt.
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_type: String,
    /// The body sent: `{type, timestamp, data}` with ids and states only.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
    pub status: WebhookDeliveryStatus,
    pub attempts: i32,
    /// The HTTP status of the last attempt, when the receiver answered.
    pub last_status: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    pub last_duration_ms: Option<i32>,
    /// Why the last attempt failed, when it did.
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What decides the language of a page a link leads to (API.md "Languages"): `fixed`
/// (chosen by staff for this person) wins; otherwise the link's `?lang=`, then the
/// browser's `Accept-Language`, then `case`, then the default, each only if in
/// `available`.
#[derive(Clone, Debug, Default)]
pub struct LinkLanguages {
    pub fixed: Option<String>,
    pub case: Option<String>,
    /// The locales the page can be shown in: for a questionnaire, those it has every
    /// wording in.
    pub available: Vec<String>,
}

/// A case's legal hold (`privacy::hold` places and lifts it).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseHold {
    pub case_id: Uuid,
    pub reason: String,
    pub held_at: DateTime<Utc>,
    /// The admin who placed it.
    pub held_by: Option<Uuid>,
}

/// One dimension of the values profile.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub key: String,
    pub label: String,
    /// Relative weight in the alignment score (> 0).
    pub weight: f64,
    /// Scores below this (0–100) are flagged.
    pub min_score: f64,
}

/// One audit event to append (`audit::record_all`), from which the webhook events are
/// derived (`webhooks::events`).
pub struct NewAuditEvent<'a> {
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
    pub actor: String,
    pub kind: &'a str,
    pub data: serde_json::Value,
}

/// One recorded audit event, as the timeline shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: Uuid,
    pub case_id: Option<Uuid>,
    pub reference_id: Option<Uuid>,
    pub actor: String,
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// The HR reviewer's decision on a case.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub outcome: Outcome,
    pub rationale: String,
    pub decided_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// An email address as it is stored and compared: trimmed and lowercased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl ReferenceStatus {
    /// Still waiting for the referee: blocks the early move to review.
    pub fn is_outstanding(self) -> bool {
        matches!(self, Self::Pending | Self::Invited | Self::Opened)
    }
}
