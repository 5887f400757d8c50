//! What can be sent: one plain struct per kind of email, and [`Email`] over them.
//!
//! These types carry data only; the wording lives in the templates and the links are built
//! by the mailer from `server.public_url`, so the engine never formats a URL or a sentence.
//! They are serde types so that a job payload may carry them as JSON.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A person with an address, e.g. `Zoë Ångström-Núñez <zoe@example.org>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// Display name; may be empty.
    pub name: String,
    /// Email address.
    pub email: String,
}

impl Recipient {
    /// Shorthand for tests and call sites that have both at hand.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
        }
    }
}

/// Why a questionnaire link is being sent: the wording of [`Invitation`] and [`Reminder`]
/// depends on it; the links, the deadline and the opt-out are the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A reference request to one of the provider's clients, before the decision.
    #[default]
    Reference,
    /// A pulse check-in after the decision: the hiring company's own staff member who works
    /// with the provider is asked how it is going, from their own experience since the
    /// provider started.
    Pulse,
    /// The provider side of the same check-in: one of the provider's people is asked how
    /// the partnership is going from their side (included, heard, informed, treated as a
    /// partner), in the provider's language.
    ProviderPulse,
}

impl Purpose {
    /// The value templates receive as `purpose`: `reference`, `pulse` or `provider_pulse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reference => "reference",
            Purpose::Pulse => "pulse",
            Purpose::ProviderPulse => "provider_pulse",
        }
    }
}

/// The first email to a referee (or, for a [`Purpose::Pulse`], to a stakeholder), with the
/// questionnaire link `{public_url}/r/{token}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The referee.
    pub to: Recipient,
    /// The case owner; replies go to them, not to the no-reply sender.
    pub reply_to: Recipient,
    /// The provider being vetted.
    pub provider_name: String,
    /// Who is asking, as the referee should read it (usually the owner's name).
    pub requested_by: String,
    /// The hiring company, when it should be named.
    pub company_name: Option<String>,
    /// The referee's link token (URL-safe: letters, digits, `-`, `_`).
    pub token: String,
    /// The deadline, already formatted for people (e.g. `5 December 2026`).
    pub deadline: String,
    /// Number of questions in the questionnaire.
    pub questions_count: u32,
    /// Estimated minutes to answer.
    pub minutes: u32,
    /// A reference request (the default, also for payloads written before pulses existed)
    /// or a pulse check-in to the hiring company's own staff.
    #[serde(default)]
    pub purpose: Purpose,
    /// The language of the email: a locale code of the message catalogue (`en`, `de`, `ar`,
    /// …). Payloads written before languages existed read as English.
    #[serde(default = "english")]
    pub locale: String,
}

/// A reminder to a referee who has not answered yet. `sequence` 1 is the first (gentle)
/// reminder; 2 and later use the "deadline is close" wording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    /// The invitation being recalled (same link, same deadline).
    pub invitation: Invitation,
    /// 1 for the first reminder, 2 for the second, …
    pub sequence: u32,
}

/// Asks the provider's contact to nominate `count` client references at
/// `{public_url}/n/{token}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NominationRequest {
    /// The provider's contact person.
    pub to: Recipient,
    /// The case owner.
    pub reply_to: Recipient,
    /// The provider being vetted.
    pub provider_name: String,
    /// Who is asking.
    pub requested_by: String,
    /// The hiring company, when it should be named.
    pub company_name: Option<String>,
    /// The nomination link token.
    pub token: String,
    /// How many references are asked for.
    pub count: u32,
    /// The deadline, already formatted for people.
    pub deadline: String,
    /// The language of the email, the provider's (API.md "Partnership both ways").
    /// Payloads written before read as English.
    #[serde(default = "english")]
    pub locale: String,
}

/// Asks the provider's contact to rate their own firm, in the first person, on the same
/// dimensions as the client references, at `{public_url}/s/{token}`. The answers are shown
/// to the hiring company's reviewers beside the references and never count in the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfAssessmentRequest {
    /// The provider's contact person.
    pub to: Recipient,
    /// The case owner.
    pub reply_to: Recipient,
    /// The provider being vetted.
    pub provider_name: String,
    /// Who is asking.
    pub requested_by: String,
    /// The hiring company, when it should be named.
    pub company_name: Option<String>,
    /// The self-assessment link token.
    pub token: String,
    /// The deadline, already formatted for people.
    pub deadline: String,
    /// Number of statements to rate.
    pub questions_count: u32,
    /// Estimated minutes to answer.
    pub minutes: u32,
    /// The language of the email, the provider's (API.md "Partnership both ways").
    /// Payloads written before read as English.
    #[serde(default = "english")]
    pub locale: String,
}

/// A notice to the case owner, with a link to the case `{public_url}/ui/cases/{case_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerNotification {
    /// The case owner.
    pub to: Recipient,
    /// What happened.
    pub kind: OwnerNotice,
    /// The case.
    pub case_id: Uuid,
    /// The case title.
    pub case_title: String,
    /// The provider being vetted.
    pub provider_name: String,
    /// Completed responses so far.
    pub responses: u32,
    /// The case's quorum.
    pub min_responses: u32,
}

/// The events a case owner is told about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OwnerNotice {
    /// Enough responses have come in.
    QuorumReached,
    /// Collecting is over; the report is ready for HR.
    ReadyForReview,
    /// HR recorded a decision on the case.
    Decided {
        /// `approved`, `approved_with_conditions` or `rejected`.
        outcome: String,
        /// HR's reasons.
        rationale: String,
        /// Who decided.
        decided_by: String,
    },
    /// The provider's contact nominated references, who now wait to be invited.
    NominationsReceived {
        /// How many references were nominated.
        count: u32,
    },
    /// A referee's address refused our mail for good.
    Bounce {
        /// The referee whose address bounced.
        referee: Recipient,
        /// The server's reply, so the owner can judge (typo, left the company, …).
        reason: String,
    },
    /// A referee asked never to be asked for references again, and was withdrawn from the
    /// case.
    OptedOut {
        /// The referee who opted out.
        referee: Recipient,
    },
    /// A pulse after the decision scored below what the references predicted (below the
    /// case's 95% interval) on at least one dimension.
    PulseBelow {
        /// One full plain sentence per dimension below, e.g. "Stakeholders rate
        /// “Dedication” at 35, below what references predicted (62–88)."
        dimensions: Vec<String>,
    },
    /// Both sides of a pulse are in, and their alignments differ by the configured gap
    /// (`followup.partnership_gap_points`) or more: one side rates the partnership lower.
    PartnershipGap {
        /// One plain sentence naming the lower side and both figures.
        detail: String,
    },
}

/// Thanks the referee after they submitted. The questionnaire is closed, so there is
/// nothing left to answer or decline; its one link is "don't ask me again"
/// (`{public_url}/u/{token}`, also in `List-Unsubscribe`), which every email to a referee
/// carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionConfirmation {
    /// The referee.
    pub to: Recipient,
    /// The case owner.
    pub reply_to: Recipient,
    /// The provider the referee answered about.
    pub provider_name: String,
    /// Who asked.
    pub requested_by: String,
    /// The hiring company, when it should be named.
    pub company_name: Option<String>,
    /// A link token of the referee, for the opt-out link.
    pub token: String,
    /// The language of the email: a locale code of the message catalogue (`en`, `de`, `ar`,
    /// …). Payloads written before languages existed read as English.
    #[serde(default = "english")]
    pub locale: String,
}

/// Tells an admin that Vouch stopped sending to a webhook endpoint, with a link to the
/// webhooks page (`{public_url}/ui/admin/webhooks`) where it can be enabled again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDisabled {
    /// An admin.
    pub to: Recipient,
    /// The endpoint's URL.
    pub url: String,
    /// Why it was disabled, in words.
    pub reason: String,
}

/// Any email the mailer can render and send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Email {
    /// See [`Invitation`].
    Invitation(Invitation),
    /// See [`Reminder`].
    Reminder(Reminder),
    /// See [`NominationRequest`].
    NominationRequest(NominationRequest),
    /// See [`SelfAssessmentRequest`].
    SelfAssessmentRequest(SelfAssessmentRequest),
    /// See [`OwnerNotification`].
    OwnerNotification(OwnerNotification),
    /// See [`SubmissionConfirmation`].
    SubmissionConfirmation(SubmissionConfirmation),
    /// See [`WebhookDisabled`].
    WebhookDisabled(WebhookDisabled),
}

impl Email {
    /// A stable name for the kind of email, for logs and the email log's `kind` column;
    /// also the base name of its templates.
    pub fn kind(&self) -> &'static str {
        match self {
            Email::Invitation(_) => "invitation",
            Email::Reminder(_) => "reminder",
            Email::NominationRequest(_) => "nomination_request",
            Email::SelfAssessmentRequest(_) => "self_assessment_request",
            Email::OwnerNotification(n) => match n.kind {
                OwnerNotice::QuorumReached => "owner_quorum_reached",
                OwnerNotice::ReadyForReview => "owner_ready_for_review",
                OwnerNotice::Bounce { .. } => "owner_bounce",
                OwnerNotice::NominationsReceived { .. } => "owner_nominations_received",
                OwnerNotice::Decided { .. } => "owner_decided",
                OwnerNotice::OptedOut { .. } => "owner_opted_out",
                OwnerNotice::PulseBelow { .. } => "owner_pulse_below",
                OwnerNotice::PartnershipGap { .. } => "owner_partnership_gap",
            },
            Email::SubmissionConfirmation(_) => "submission_confirmation",
            Email::WebhookDisabled(_) => "webhook_disabled",
        }
    }

    /// Who receives it.
    pub fn to(&self) -> &Recipient {
        match self {
            Email::Invitation(m) => &m.to,
            Email::Reminder(m) => &m.invitation.to,
            Email::NominationRequest(m) => &m.to,
            Email::SelfAssessmentRequest(m) => &m.to,
            Email::OwnerNotification(m) => &m.to,
            Email::SubmissionConfirmation(m) => &m.to,
            Email::WebhookDisabled(m) => &m.to,
        }
    }

    /// Who replies go to: the case owner for mail to referees and providers; none for
    /// mail to the owner.
    pub fn reply_to(&self) -> Option<&Recipient> {
        match self {
            Email::Invitation(m) => Some(&m.reply_to),
            Email::Reminder(m) => Some(&m.invitation.reply_to),
            Email::NominationRequest(m) => Some(&m.reply_to),
            Email::SelfAssessmentRequest(m) => Some(&m.reply_to),
            Email::OwnerNotification(_) | Email::WebhookDisabled(_) => None,
            Email::SubmissionConfirmation(m) => Some(&m.reply_to),
        }
    }

    /// The language it is written in: the referee's for mail to referees and pulse
    /// stakeholders, English for everything else (staff and providers).
    pub fn locale(&self) -> &str {
        match self {
            Email::Invitation(m) => &m.locale,
            Email::Reminder(m) => &m.invitation.locale,
            Email::SubmissionConfirmation(m) => &m.locale,
            Email::NominationRequest(m) => &m.locale,
            Email::SelfAssessmentRequest(m) => &m.locale,
            _ => "en",
        }
    }

    /// The same email in `locale`; kinds that are always English stay as they are.
    pub(crate) fn in_locale(&self, locale: &str) -> Email {
        let mut email = self.clone();
        match &mut email {
            Email::Invitation(m) => m.locale = locale.to_owned(),
            Email::Reminder(m) => m.invitation.locale = locale.to_owned(),
            Email::SubmissionConfirmation(m) => m.locale = locale.to_owned(),
            Email::NominationRequest(m) => m.locale = locale.to_owned(),
            Email::SelfAssessmentRequest(m) => m.locale = locale.to_owned(),
            _ => {}
        }
        email
    }

    /// The referee token whose opt-out link goes into `List-Unsubscribe`: every email to
    /// a referee carries one (RFC 8058), so a person who never wants to be asked again can
    /// say so from any of them. Providers and owners are not referees.
    pub(crate) fn opt_out_token(&self) -> Option<&str> {
        match self {
            Email::Invitation(m) => Some(&m.token),
            Email::Reminder(m) => Some(&m.invitation.token),
            Email::SubmissionConfirmation(m) => Some(&m.token),
            _ => None,
        }
    }
}

fn english() -> String {
    "en".to_owned()
}

impl From<Invitation> for Email {
    fn from(m: Invitation) -> Self {
        Email::Invitation(m)
    }
}

impl From<Reminder> for Email {
    fn from(m: Reminder) -> Self {
        Email::Reminder(m)
    }
}

impl From<NominationRequest> for Email {
    fn from(m: NominationRequest) -> Self {
        Email::NominationRequest(m)
    }
}

impl From<SelfAssessmentRequest> for Email {
    fn from(m: SelfAssessmentRequest) -> Self {
        Email::SelfAssessmentRequest(m)
    }
}

impl From<OwnerNotification> for Email {
    fn from(m: OwnerNotification) -> Self {
        Email::OwnerNotification(m)
    }
}

impl From<SubmissionConfirmation> for Email {
    fn from(m: SubmissionConfirmation) -> Self {
        Email::SubmissionConfirmation(m)
    }
}
