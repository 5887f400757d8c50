//! Templates and rendering: each email kind has `<kind>.subject`, `<kind>.txt` and
//! `<kind>.html`, embedded in the binary and replaceable file by file from
//! `mail.templates_dir`, so an operator can rebrand or translate without rebuilding.
//!
//! Rendering is strict: an undefined variable, a syntax error or an empty subject or body is
//! an error, never a blank or half-filled email. User data (names, titles, reasons) is
//! HTML-escaped in `.html` templates; links are built here from validated parts and are the
//! only values marked safe. Every template set is test-rendered with sample data when it is
//! loaded, so a broken override fails at start-up (and in `vouch doctor`), not at the first
//! invitation.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use i18n::Catalogue;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, context};
use uuid::Uuid;

use crate::error::MailError;
use crate::message::{
    Email, Invitation, NominationRequest, OwnerNotice, OwnerNotification, Purpose, Recipient,
    Reminder, SelfAssessmentRequest, SubmissionConfirmation, WebhookDisabled,
};

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/", $name)))),*]
    };
}

/// The default templates, compiled into the binary.
const EMBEDDED: &[(&str, &str)] = embedded![
    "layout.html",
    "invitation.subject",
    "invitation.txt",
    "invitation.html",
    "reminder.subject",
    "reminder.txt",
    "reminder.html",
    "nomination_request.subject",
    "nomination_request.txt",
    "nomination_request.html",
    "self_assessment_request.subject",
    "self_assessment_request.txt",
    "self_assessment_request.html",
    "owner_quorum_reached.subject",
    "owner_quorum_reached.txt",
    "owner_quorum_reached.html",
    "owner_ready_for_review.subject",
    "owner_ready_for_review.txt",
    "owner_ready_for_review.html",
    "owner_bounce.subject",
    "owner_bounce.txt",
    "owner_bounce.html",
    "owner_nominations_received.subject",
    "owner_nominations_received.txt",
    "owner_nominations_received.html",
    "owner_decided.subject",
    "owner_decided.txt",
    "owner_decided.html",
    "owner_opted_out.subject",
    "owner_opted_out.txt",
    "owner_opted_out.html",
    "owner_pulse_below.subject",
    "owner_pulse_below.txt",
    "owner_pulse_below.html",
    "owner_partnership_gap.subject",
    "owner_partnership_gap.txt",
    "owner_partnership_gap.html",
    "submission_confirmation.subject",
    "submission_confirmation.txt",
    "submission_confirmation.html",
    "webhook_disabled.subject",
    "webhook_disabled.txt",
    "webhook_disabled.html",
];

/// One email rendered: the three parts before they become a MIME message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedEmail {
    /// One line; whitespace runs (including newlines from the template) become one space.
    pub subject: String,
    /// The `text/plain` part.
    pub text: String,
    /// The `text/html` part.
    pub html: String,
}

/// The link builder: `server.public_url` without its trailing slash, checked once.
#[derive(Clone, Debug)]
pub(crate) struct Links {
    base: String,
}

impl Links {
    /// Accepts an absolute `http(s)://` URL containing nothing that would need escaping in
    /// an HTML attribute or a header, since links are inserted unescaped.
    pub(crate) fn new(public_url: &str) -> Result<Links, MailError> {
        let base = public_url.trim().trim_end_matches('/');
        let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
        let chars_ok = !base
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c));
        if !scheme_ok || !chars_ok || base.len() <= "https://".len() {
            return Err(MailError::Config(format!(
                "server.public_url = {public_url:?} must be an absolute http:// or https:// URL \
                 (it is the start of every link in every email)"
            )));
        }
        Ok(Links {
            base: base.to_owned(),
        })
    }

    pub(crate) fn questionnaire(&self, token: &str) -> Result<String, MailError> {
        Ok(format!("{}/r/{}", self.base, checked_token(token)?))
    }

    pub(crate) fn decline(&self, token: &str) -> Result<String, MailError> {
        Ok(format!("{}/r/{}/decline", self.base, checked_token(token)?))
    }

    /// "Don't ask me again": puts the referee's address on the opt-out list.
    pub(crate) fn opt_out(&self, token: &str) -> Result<String, MailError> {
        Ok(format!("{}/u/{}", self.base, checked_token(token)?))
    }

    pub(crate) fn nomination(&self, token: &str) -> Result<String, MailError> {
        Ok(format!("{}/n/{}", self.base, checked_token(token)?))
    }

    pub(crate) fn self_assessment(&self, token: &str) -> Result<String, MailError> {
        Ok(format!("{}/s/{}", self.base, checked_token(token)?))
    }

    pub(crate) fn webhooks(&self) -> String {
        format!("{}/ui/admin/webhooks", self.base)
    }

    pub(crate) fn case(&self, case_id: Uuid) -> String {
        format!("{}/ui/cases/{case_id}", self.base)
    }
}

/// Tokens are URL-safe by construction; refusing anything else keeps links unescaped-safe
/// in HTML and in the `List-Unsubscribe` header.
fn checked_token(token: &str) -> Result<&str, MailError> {
    let ok = !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(token)
    } else {
        Err(MailError::Render {
            template: "link".to_owned(),
            detail: "a link token must be non-empty and URL-safe (A-Z a-z 0-9 - _)".to_owned(),
        })
    }
}

/// The loaded template set.
pub(crate) struct Templates {
    env: Environment<'static>,
    catalogue: Arc<Catalogue>,
}

impl std::fmt::Debug for Templates {
    // The environment's own Debug prints every template source; a name list is enough.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.env.templates().map(|(name, _)| name))
            .finish()
    }
}

impl Templates {
    /// Embedded templates, with any same-named file from `override_dir` in their place.
    /// Test-renders every kind before returning.
    pub(crate) fn load(
        override_dir: Option<&Path>,
        links: &Links,
        sender_name: &str,
        catalogue: Arc<Catalogue>,
    ) -> Result<Templates, MailError> {
        let mut sources: BTreeMap<&'static str, String> = EMBEDDED
            .iter()
            .map(|(name, source)| (*name, (*source).to_owned()))
            .collect();
        if let Some(dir) = override_dir {
            read_overrides(dir, &mut sources)?;
        }

        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Only the HTML part is escaped: escaping the text part or the subject would put
        // `&amp;` in front of people.
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        // Block tags on their own line leave no blank lines behind, which matters in the
        // plain-text part.
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| render_error("syntax", &e))?;
        env.set_syntax(syntax);
        env.add_global("sender_name", sender_name.to_owned());
        i18n::install(&mut env, Arc::clone(&catalogue));
        for (name, source) in sources {
            env.add_template_owned(name, source)
                .map_err(|e| render_error(name, &e))?;
        }

        let locales: Vec<String> = catalogue.locales().map(str::to_owned).collect();
        let templates = Templates { env, catalogue };
        // Every kind in every language: a message that breaks a template in one locale
        // fails here, at start-up.
        for email in samples() {
            for locale in &locales {
                templates.render(&email.in_locale(locale), links)?;
            }
        }
        Ok(templates)
    }

    /// Renders the subject, text and HTML of `email`.
    pub(crate) fn render(&self, email: &Email, links: &Links) -> Result<RenderedEmail, MailError> {
        let kind = email.kind();
        let locale = self
            .catalogue
            .supported(email.locale())
            .unwrap_or(self.catalogue.default_locale());
        let ctx = context! {
            locale => locale,
            dir => self.catalogue.direction(locale),
            ..context_for(email, links)?
        };
        let subject = self.render_one(&format!("{kind}.subject"), ctx.clone())?;
        // ASCII only: a no-break space (French "référence\u{a0}:") is meant to stay.
        let subject = subject
            .split_ascii_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let ctx = context! { subject => subject.clone(), ..ctx };
        let text = self.render_one(&format!("{kind}.txt"), ctx.clone())?;
        let html = self.render_one(&format!("{kind}.html"), ctx)?;
        for (part, content) in [("subject", &subject), ("txt", &text), ("html", &html)] {
            if content.trim().is_empty() {
                return Err(MailError::Render {
                    template: format!("{kind}.{part}"),
                    detail: "rendered empty".to_owned(),
                });
            }
        }
        Ok(RenderedEmail {
            subject,
            text,
            html,
        })
    }

    fn render_one(&self, name: &str, ctx: Value) -> Result<String, MailError> {
        self.env
            .get_template(name)
            .and_then(|template| template.render(ctx))
            .map_err(|e| render_error(name, &e))
    }
}

fn render_error(template: &str, error: &minijinja::Error) -> MailError {
    // The source chain holds the detail for errors raised inside filters or includes.
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        detail.push_str(": ");
        detail.push_str(&cause.to_string());
        source = cause.source();
    }
    MailError::Render {
        template: template.to_owned(),
        detail,
    }
}

/// Reads `<kind>.subject|txt|html` and `layout.html` from `dir`. A file with any other name
/// is probably a typo, so it is reported, not silently ignored.
fn read_overrides(
    dir: &Path,
    sources: &mut BTreeMap<&'static str, String>,
) -> Result<(), MailError> {
    let unreadable = |e: std::io::Error| {
        MailError::Config(format!(
            "mail.templates_dir = {}: cannot read the directory: {e}",
            dir.display()
        ))
    };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // Hidden files (editor swap files) and notes such as a copied README are not
        // templates.
        if file_name.starts_with('.') || file_name.ends_with(".md") || !path.is_file() {
            continue;
        }
        let Some((name, _)) = EMBEDDED.iter().find(|(name, _)| *name == file_name) else {
            tracing::warn!(
                file = %path.display(),
                "ignoring a file in mail.templates_dir that is not a known template name"
            );
            continue;
        };
        let source = std::fs::read_to_string(&path).map_err(|e| {
            MailError::Config(format!("cannot read template {}: {e}", path.display()))
        })?;
        tracing::info!(template = name, file = %path.display(), "using an overridden email template");
        sources.insert(name, source);
    }
    Ok(())
}

/// The variables each kind's templates receive; `templates/README.md` lists them for
/// operators. `sender_name` (the display name of `mail.from`) and `subject` (in the text
/// and HTML parts) come on top.
fn context_for(email: &Email, links: &Links) -> Result<Value, MailError> {
    let safe = Value::from_safe_string;
    Ok(match email {
        Email::Invitation(m) => invitation_context(m, links)?,
        Email::Reminder(m) => context! {
            sequence => m.sequence,
            ..invitation_context(&m.invitation, links)?
        },
        Email::NominationRequest(m) => context! {
            to_name => &m.to.name,
            reply_to_name => &m.reply_to.name,
            reply_to_email => &m.reply_to.email,
            provider_name => &m.provider_name,
            requested_by => &m.requested_by,
            company_name => m.company_name.as_deref(),
            deadline => &m.deadline,
            count => m.count,
            link => safe(links.nomination(&m.token)?),
        },
        Email::SelfAssessmentRequest(m) => context! {
            to_name => &m.to.name,
            reply_to_name => &m.reply_to.name,
            reply_to_email => &m.reply_to.email,
            provider_name => &m.provider_name,
            requested_by => &m.requested_by,
            company_name => m.company_name.as_deref(),
            deadline => &m.deadline,
            questions_count => m.questions_count,
            minutes => m.minutes,
            link => safe(links.self_assessment(&m.token)?),
        },
        Email::OwnerNotification(m) => {
            let base = context! {
                to_name => &m.to.name,
                case_title => &m.case_title,
                provider_name => &m.provider_name,
                responses => m.responses,
                min_responses => m.min_responses,
                case_link => safe(links.case(m.case_id)),
            };
            match &m.kind {
                OwnerNotice::Bounce { referee, reason } => context! {
                    referee_name => &referee.name,
                    referee_email => &referee.email,
                    reason => reason,
                    ..base
                },
                OwnerNotice::OptedOut { referee } => context! {
                    referee_name => &referee.name,
                    referee_email => &referee.email,
                    ..base
                },
                OwnerNotice::Decided {
                    outcome,
                    rationale,
                    decided_by,
                } => context! {
                    outcome => outcome.replace('_', " "),
                    rationale => rationale,
                    decided_by => decided_by,
                    ..base
                },
                OwnerNotice::NominationsReceived { count } => context! {
                    count => count,
                    ..base
                },
                OwnerNotice::PulseBelow { dimensions } => context! {
                    dimensions => dimensions,
                    ..base
                },
                OwnerNotice::PartnershipGap { detail } => context! {
                    detail => detail,
                    ..base
                },
                OwnerNotice::QuorumReached | OwnerNotice::ReadyForReview => base,
            }
        }
        Email::SubmissionConfirmation(m) => context! {
            to_name => &m.to.name,
            reply_to_name => &m.reply_to.name,
            reply_to_email => &m.reply_to.email,
            provider_name => &m.provider_name,
            requested_by => &m.requested_by,
            company_name => m.company_name.as_deref(),
            opt_out_link => safe(links.opt_out(&m.token)?),
        },
        Email::WebhookDisabled(m) => context! {
            to_name => &m.to.name,
            url => &m.url,
            reason => &m.reason,
            webhooks_link => safe(links.webhooks()),
        },
    })
}

fn invitation_context(m: &Invitation, links: &Links) -> Result<Value, MailError> {
    Ok(context! {
        to_name => &m.to.name,
        reply_to_name => &m.reply_to.name,
        reply_to_email => &m.reply_to.email,
        provider_name => &m.provider_name,
        requested_by => &m.requested_by,
        company_name => m.company_name.as_deref(),
        deadline => &m.deadline,
        questions_count => m.questions_count,
        minutes => m.minutes,
        purpose => m.purpose.as_str(),
        link => Value::from_safe_string(links.questionnaire(&m.token)?),
        decline_link => Value::from_safe_string(links.decline(&m.token)?),
        opt_out_link => Value::from_safe_string(links.opt_out(&m.token)?),
    })
}

/// One example of every kind (and both reminder wordings, for both purposes), used to check
/// a template set when it is loaded. Optional values are absent here so that templates are proven to
/// cope with them.
fn samples() -> Vec<Email> {
    let referee = Recipient::new("Sam Sample", "sam@example.org");
    let owner = Recipient::new("Olive Owner", "olive@example.com");
    let invitation = Invitation {
        to: referee.clone(),
        reply_to: owner.clone(),
        provider_name: "Sample Provider".to_owned(),
        requested_by: "Olive Owner".to_owned(),
        company_name: None,
        token: "sample-token".to_owned(),
        deadline: "1 January 2030".to_owned(),
        questions_count: 12,
        minutes: 6,
        purpose: Purpose::Reference,
        locale: "en".to_owned(),
    };
    let pulse = Invitation {
        purpose: Purpose::Pulse,
        ..invitation.clone()
    };
    let provider_pulse = Invitation {
        purpose: Purpose::ProviderPulse,
        company_name: Some("Sample Buyer".to_owned()),
        ..invitation.clone()
    };
    let notification = |kind| OwnerNotification {
        to: owner.clone(),
        kind,
        case_id: Uuid::nil(),
        case_title: "Sample case".to_owned(),
        provider_name: "Sample Provider".to_owned(),
        responses: 3,
        min_responses: 3,
    };
    vec![
        Email::Invitation(invitation.clone()),
        Email::Reminder(Reminder {
            invitation: invitation.clone(),
            sequence: 1,
        }),
        Email::Reminder(Reminder {
            invitation,
            sequence: 2,
        }),
        Email::Invitation(pulse.clone()),
        Email::Reminder(Reminder {
            invitation: pulse.clone(),
            sequence: 1,
        }),
        Email::Reminder(Reminder {
            invitation: pulse,
            sequence: 2,
        }),
        Email::Invitation(provider_pulse.clone()),
        Email::Reminder(Reminder {
            invitation: provider_pulse.clone(),
            sequence: 1,
        }),
        Email::Reminder(Reminder {
            invitation: provider_pulse,
            sequence: 2,
        }),
        Email::NominationRequest(NominationRequest {
            to: Recipient::new("Pat Provider", "pat@provider.example"),
            reply_to: owner.clone(),
            provider_name: "Sample Provider".to_owned(),
            requested_by: "Olive Owner".to_owned(),
            company_name: None,
            token: "sample-token".to_owned(),
            count: 3,
            deadline: "1 January 2030".to_owned(),
            locale: "en".to_owned(),
        }),
        Email::SelfAssessmentRequest(SelfAssessmentRequest {
            to: Recipient::new("Pat Provider", "pat@provider.example"),
            reply_to: owner.clone(),
            provider_name: "Sample Provider".to_owned(),
            requested_by: "Olive Owner".to_owned(),
            company_name: None,
            token: "sample-token".to_owned(),
            deadline: "1 January 2030".to_owned(),
            questions_count: 8,
            minutes: 4,
            locale: "en".to_owned(),
        }),
        Email::OwnerNotification(notification(OwnerNotice::QuorumReached)),
        Email::OwnerNotification(notification(OwnerNotice::ReadyForReview)),
        Email::OwnerNotification(notification(OwnerNotice::NominationsReceived { count: 3 })),
        Email::OwnerNotification(notification(OwnerNotice::Decided {
            outcome: "approved_with_conditions".to_owned(),
            rationale: "Strong references; agree a data-handling addendum first.".to_owned(),
            decided_by: "Hana HR".to_owned(),
        })),
        Email::OwnerNotification(notification(OwnerNotice::Bounce {
            referee: referee.clone(),
            reason: "550 5.1.1 No such user".to_owned(),
        })),
        Email::OwnerNotification(notification(OwnerNotice::OptedOut {
            referee: referee.clone(),
        })),
        Email::OwnerNotification(notification(OwnerNotice::PartnershipGap {
            detail: "The provider's people rate the partnership 25 points lower than the buyer's stakeholders (50 against 75).".to_owned(),
        })),
        Email::OwnerNotification(notification(OwnerNotice::PulseBelow {
            dimensions: vec![
                "Stakeholders rate “Dedication” at 35, below what references predicted (62–88)."
                    .to_owned(),
            ],
        })),
        Email::WebhookDisabled(WebhookDisabled {
            to: owner.clone(),
            url: "https://hooks.example.com/vouch".to_owned(),
            reason: "it failed continuously for 120 hours".to_owned(),
        }),
        Email::SubmissionConfirmation(SubmissionConfirmation {
            to: referee,
            reply_to: owner,
            provider_name: "Sample Provider".to_owned(),
            requested_by: "Olive Owner".to_owned(),
            company_name: None,
            token: "sample-token".to_owned(),
            locale: "en".to_owned(),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kinds of email, i.e. the template base names.
    const KINDS: &[&str] = &[
        "invitation",
        "reminder",
        "nomination_request",
        "self_assessment_request",
        "owner_quorum_reached",
        "owner_ready_for_review",
        "owner_bounce",
        "owner_nominations_received",
        "owner_decided",
        "owner_opted_out",
        "owner_pulse_below",
        "owner_partnership_gap",
        "submission_confirmation",
        "webhook_disabled",
    ];

    fn links() -> Links {
        Links::new("https://vouch.example/").expect("valid url")
    }

    #[test]
    fn every_kind_has_its_three_embedded_templates() {
        for kind in KINDS {
            for ext in ["subject", "txt", "html"] {
                let name = format!("{kind}.{ext}");
                assert!(
                    EMBEDDED.iter().any(|(n, _)| *n == name),
                    "missing embedded template {name}"
                );
            }
        }
        let kinds: Vec<&str> = samples().iter().map(Email::kind).collect();
        for kind in KINDS {
            assert!(kinds.contains(kind), "no sample for {kind}");
        }
    }

    #[test]
    fn links_are_built_from_the_public_url_without_a_double_slash() {
        let links = links();
        assert_eq!(
            links.questionnaire("abc_DEF-1").unwrap(),
            "https://vouch.example/r/abc_DEF-1"
        );
        assert_eq!(
            links.decline("abc").unwrap(),
            "https://vouch.example/r/abc/decline"
        );
        assert_eq!(links.opt_out("abc").unwrap(), "https://vouch.example/u/abc");
        assert_eq!(
            links.nomination("xyz").unwrap(),
            "https://vouch.example/n/xyz"
        );
        assert_eq!(
            links.self_assessment("s3lf_T-k").unwrap(),
            "https://vouch.example/s/s3lf_T-k"
        );
        assert_eq!(
            links.case(Uuid::nil()),
            "https://vouch.example/ui/cases/00000000-0000-0000-0000-000000000000"
        );
    }

    #[test]
    fn a_self_assessment_request_has_its_link_and_minutes_in_both_bodies() {
        let links = links();
        let templates = Templates::load(None, &links, "Vouch", Arc::new(Catalogue::embedded()))
            .expect("templates");
        let email = Email::from(SelfAssessmentRequest {
            to: Recipient::new("Pat Provider", "pat@provider.example"),
            reply_to: Recipient::new("Olive Owner", "olive@example.com"),
            provider_name: "Acme Books".to_owned(),
            requested_by: "Olive Owner".to_owned(),
            company_name: Some("Example Corp".to_owned()),
            token: "s3lf-Token_1".to_owned(),
            deadline: "5 December 2026".to_owned(),
            questions_count: 9,
            minutes: 5,
            locale: "en".to_owned(),
        });

        let rendered = templates.render(&email, &links).expect("renders");

        let link = "https://vouch.example/s/s3lf-Token_1";
        assert!(
            rendered.text.contains(&format!("\n{link}\n")),
            "{}",
            rendered.text
        );
        assert!(
            rendered.html.contains(&format!("href=\"{link}\"")),
            "{}",
            rendered.html
        );
        for body in [&rendered.text, &rendered.html] {
            assert!(body.contains("about 5 minutes for 9 statements"), "{body}");
            assert!(body.contains("5 December 2026"), "{body}");
            assert!(body.contains("never counted in the score"), "{body}");
        }
        assert_eq!(rendered.subject, "A short self-assessment for Acme Books");
    }

    fn pulse(sequence: Option<u32>) -> Email {
        let invitation = Invitation {
            to: Recipient::new("Kim Colleague", "kim@example.com"),
            reply_to: Recipient::new("Olive Owner", "olive@example.com"),
            provider_name: "Acme Books".to_owned(),
            requested_by: "Olive Owner".to_owned(),
            company_name: Some("Example Corp".to_owned()),
            token: "pu1se-Token_1".to_owned(),
            deadline: "5 March 2027".to_owned(),
            questions_count: 10,
            minutes: 4,
            purpose: Purpose::Pulse,
            locale: "en".to_owned(),
        };
        match sequence {
            None => Email::from(invitation),
            Some(sequence) => Email::from(Reminder {
                invitation,
                sequence,
            }),
        }
    }

    #[test]
    fn a_pulse_invitation_asks_the_staff_member_how_it_is_going_in_both_bodies() {
        let links = links();
        let templates = Templates::load(None, &links, "Vouch", Arc::new(Catalogue::embedded()))
            .expect("templates");

        let rendered = templates.render(&pulse(None), &links).expect("renders");

        assert_eq!(rendered.subject, "How is it going with Acme Books?");
        let link = "https://vouch.example/r/pu1se-Token_1";
        assert!(
            rendered.text.contains(&format!("\n{link}\n")),
            "{}",
            rendered.text
        );
        assert!(rendered.text.contains(&format!("\n{link}/decline\n")));
        assert!(
            rendered
                .text
                .contains("Don't ask me again:\n\nhttps://vouch.example/u/pu1se-Token_1\n")
        );
        assert!(rendered.html.contains(&format!("href=\"{link}\"")));
        assert!(rendered.html.contains(&format!("href=\"{link}/decline\"")));
        assert!(
            rendered.html.contains(
                "<a href=\"https://vouch.example/u/pu1se-Token_1\">Don't ask me again</a>"
            )
        );
        assert!(
            rendered
                .text
                .contains("How is it going with Acme Books? Olive Owner would like to hear"),
            "{}",
            rendered.text
        );
        assert!(
            rendered
                .html
                .contains("How is it going with <strong>Acme Books</strong>? Olive Owner"),
            "{}",
            rendered.html
        );
        for body in [&rendered.text, &rendered.html] {
            assert!(
                body.contains(
                    "your own experience of working with them since they started at Example Corp"
                ),
                "{body}"
            );
            assert!(body.contains("short check-in, not a reference"), "{body}");
            assert!(
                body.contains("10 questions and takes about 4 minutes"),
                "{body}"
            );
            assert!(body.contains("5 March 2027"), "{body}");
            assert!(
                body.contains("contacted about this check-in again"),
                "{body}"
            );
            // Nothing of the referee's wording: they are not one of the provider's clients.
            assert!(!body.contains("one of their clients"), "{body}");
            assert!(!body.contains("is considering working with"), "{body}");
            assert!(!body.contains("asked for a reference"), "{body}");
        }
        assert!(rendered.html.contains(">Answer the check-in</a>"));
    }

    #[test]
    fn pulse_reminders_keep_the_check_in_wording_and_the_deadline() {
        let links = links();
        let templates = Templates::load(None, &links, "Vouch", Arc::new(Catalogue::embedded()))
            .expect("templates");

        let first = templates.render(&pulse(Some(1)), &links).expect("renders");
        let second = templates.render(&pulse(Some(2)), &links).expect("renders");

        assert_eq!(first.subject, "Reminder: how is it going with Acme Books?");
        assert_eq!(
            second.subject,
            "Last call before 5 March 2027: how is it going with Acme Books?"
        );
        assert!(
            first.text.contains(
                "\nA short reminder: Olive Owner asked how it is going with Acme Books, from \
                 your own experience since they started at Example Corp."
            ),
            "{}",
            first.text
        );
        assert!(
            second
                .text
                .contains("\nThe check-in on Acme Books closes on 5 March 2027,"),
            "{}",
            second.text
        );
        assert!(second.html.contains(
            "The check-in on <strong>Acme Books</strong> closes on <strong>5 March 2027</strong>,"
        ));
        for reminder in [&first, &second] {
            for body in [&reminder.text, &reminder.html] {
                assert!(!body.contains("reference"), "{body}");
                assert!(body.contains("https://vouch.example/r/pu1se-Token_1"));
                assert!(body.contains("https://vouch.example/r/pu1se-Token_1/decline"));
                assert!(body.contains("https://vouch.example/u/pu1se-Token_1"));
            }
        }
    }

    #[test]
    fn a_pulse_below_notice_lists_every_sentence_and_escapes_html() {
        let links = links();
        let templates = Templates::load(None, &links, "Vouch", Arc::new(Catalogue::embedded()))
            .expect("templates");
        let sentences = [
            "Stakeholders rate “Dedication” at 35, below what references predicted (62–88).",
            "Stakeholders rate “Values” at 41, below what references predicted (55–80).",
            "Stakeholders rate “<b>Care</b> & rigour” at 20, below what references predicted (50–70).",
        ];
        let email = Email::from(OwnerNotification {
            to: Recipient::new("Olive Owner", "olive@example.com"),
            kind: OwnerNotice::PulseBelow {
                dimensions: sentences.iter().map(|s| (*s).to_owned()).collect(),
            },
            case_id: Uuid::nil(),
            case_title: "Bookkeeping <2027>".to_owned(),
            provider_name: "Acme & Sons".to_owned(),
            responses: 0,
            min_responses: 0,
        });

        let rendered = templates.render(&email, &links).expect("renders");

        assert_eq!(email.kind(), "owner_pulse_below");
        assert_eq!(
            rendered.subject,
            "A check-in on Acme & Sons is below what references predicted"
        );
        for sentence in sentences {
            assert!(
                rendered.text.contains(&format!("\n- {sentence}\n")),
                "{}",
                rendered.text
            );
        }
        assert!(rendered.text.contains("\"Bookkeeping <2027>\""));
        for sentence in &sentences[..2] {
            assert!(
                rendered.html.contains(&format!("<li>{sentence}</li>")),
                "{}",
                rendered.html
            );
        }
        assert!(
            rendered.html.contains(
                "<li>Stakeholders rate “&lt;b&gt;Care&lt;&#x2f;b&gt; &amp; rigour” at 20, below \
                 what references predicted (50–70).</li>"
            ),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("<b>"), "{}", rendered.html);
        assert!(rendered.html.contains("<strong>Acme &amp; Sons</strong>"));
        assert!(
            rendered
                .html
                .contains("<strong>Bookkeeping &lt;2027&gt;</strong>")
        );
        assert_eq!(rendered.html.matches("<li>").count(), 3);
        let case = "https://vouch.example/ui/cases/00000000-0000-0000-0000-000000000000";
        assert!(rendered.text.contains(&format!("\n{case}\n")));
        assert!(rendered.html.contains(&format!("href=\"{case}\"")));
    }

    #[test]
    fn an_invitation_payload_without_a_purpose_is_a_reference_request() {
        let pulse = pulse(None);
        let mut json = serde_json::to_value(&pulse).expect("serialises");
        assert_eq!(json["purpose"], "pulse");
        assert_eq!(
            serde_json::from_value::<Email>(json.clone()).expect("round trip"),
            pulse
        );
        json.as_object_mut().expect("object").remove("purpose");

        let older = serde_json::from_value::<Email>(json).expect("deserialises");

        let Email::Invitation(invitation) = older else {
            panic!("{older:?}")
        };
        assert_eq!(invitation.purpose, Purpose::Reference);
        assert_eq!(Purpose::default(), Purpose::Reference);
    }

    #[test]
    fn a_token_that_is_not_url_safe_is_refused() {
        for token in ["", "a b", "a/b", "a\"b", "é"] {
            assert!(links().questionnaire(token).is_err(), "{token:?}");
            assert!(links().opt_out(token).is_err(), "{token:?}");
            assert!(links().nomination(token).is_err(), "{token:?}");
            assert!(links().self_assessment(token).is_err(), "{token:?}");
        }
    }

    #[test]
    fn a_public_url_that_is_not_absolute_http_is_a_config_error() {
        for url in [
            "",
            "vouch.example",
            "ftp://vouch.example",
            "https://",
            "https://a b",
        ] {
            assert!(
                matches!(Links::new(url), Err(MailError::Config(_))),
                "{url:?}"
            );
        }
    }
}
