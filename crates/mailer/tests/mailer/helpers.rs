//! Fixtures shared by the tests: settings pointing at a sink, sample emails, MIME parsing.

use std::path::Path;

use mail_parser::{ContentType, MessageParser, MessagePart, MimeHeaders, PartType};
use mailer::{
    Email, Invitation, MailSettings, Mailer, NominationRequest, OwnerNotice, OwnerNotification,
    Purpose, Recipient, Reminder, SelfAssessmentRequest, SmtpSettings, SubmissionConfirmation, Tls,
    TransportKind,
};
use smtp_sink::SmtpSink;
use uuid::Uuid;

pub const PUBLIC_URL: &str = "https://vouch.example.com";
pub const TOKEN: &str = "tok_3xAmple-Token";

pub fn smtp_settings(sink: &SmtpSink, pool_size: u32) -> MailSettings {
    MailSettings {
        transport: TransportKind::Smtp,
        from: "Vouch Reference Checks <vouch@vouch.example.com>".to_owned(),
        smtp: SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: Some(sink.port()),
            tls: Tls::None,
            pool_size: Some(pool_size),
            timeout_seconds: 5,
            ..SmtpSettings::default()
        },
        ..MailSettings::default()
    }
}

pub fn smtp_mailer(sink: &SmtpSink, pool_size: u32) -> Mailer {
    Mailer::from_settings(&smtp_settings(sink, pool_size), PUBLIC_URL).expect("mailer")
}

pub fn file_mailer(dir: &Path) -> Mailer {
    let settings = MailSettings {
        dir: dir.to_owned(),
        from: "Vouch <vouch@vouch.example.com>".to_owned(),
        ..MailSettings::default()
    };
    Mailer::from_settings(&settings, PUBLIC_URL).expect("mailer")
}

pub fn owner() -> Recipient {
    Recipient::new("Olivia Owner", "olivia@hiring.example.com")
}

pub fn invitation() -> Invitation {
    Invitation {
        to: Recipient::new("Sam Referee", "sam@client.example.org"),
        reply_to: owner(),
        provider_name: "Acme Books".to_owned(),
        requested_by: "Olivia Owner".to_owned(),
        company_name: Some("Hiring Co".to_owned()),
        token: TOKEN.to_owned(),
        deadline: "5 December 2026".to_owned(),
        questions_count: 14,
        minutes: 7,
        purpose: Purpose::Reference,
        locale: "en".to_owned(),
    }
}

/// A pulse check-in to one of the hiring company's own people who work with the provider.
pub fn pulse_invitation() -> Invitation {
    Invitation {
        to: Recipient::new("Kim Colleague", "kim@hiring.example.com"),
        purpose: Purpose::Pulse,
        ..invitation()
    }
}

pub fn self_assessment_request() -> SelfAssessmentRequest {
    SelfAssessmentRequest {
        to: Recipient::new("Pat Provider", "pat@acme-books.example"),
        reply_to: owner(),
        provider_name: "Acme Books".to_owned(),
        requested_by: "Olivia Owner".to_owned(),
        company_name: Some("Hiring Co".to_owned()),
        token: TOKEN.to_owned(),
        deadline: "5 December 2026".to_owned(),
        questions_count: 9,
        minutes: 5,
        locale: "en".to_owned(),
    }
}

pub fn invitation_to(email: &str) -> Email {
    Email::from(Invitation {
        to: Recipient::new("Someone", email),
        ..invitation()
    })
}

/// One email of every kind (and both reminder wordings, for references and pulses).
pub fn every_kind() -> Vec<Email> {
    let notification = |kind| OwnerNotification {
        to: owner(),
        kind,
        case_id: Uuid::nil(),
        case_title: "Bookkeeping partner 2027".to_owned(),
        provider_name: "Acme Books".to_owned(),
        responses: 3,
        min_responses: 3,
    };
    vec![
        Email::from(invitation()),
        Email::from(Reminder {
            invitation: invitation(),
            sequence: 1,
        }),
        Email::from(Reminder {
            invitation: invitation(),
            sequence: 2,
        }),
        Email::from(pulse_invitation()),
        Email::from(Reminder {
            invitation: pulse_invitation(),
            sequence: 1,
        }),
        Email::from(Reminder {
            invitation: pulse_invitation(),
            sequence: 2,
        }),
        Email::from(NominationRequest {
            to: Recipient::new("Pat Provider", "pat@acme-books.example"),
            reply_to: owner(),
            provider_name: "Acme Books".to_owned(),
            requested_by: "Olivia Owner".to_owned(),
            company_name: None,
            token: TOKEN.to_owned(),
            count: 3,
            deadline: "5 December 2026".to_owned(),
            locale: "en".to_owned(),
        }),
        Email::from(self_assessment_request()),
        Email::from(notification(OwnerNotice::QuorumReached)),
        Email::from(notification(OwnerNotice::ReadyForReview)),
        Email::from(notification(OwnerNotice::NominationsReceived { count: 2 })),
        Email::from(notification(OwnerNotice::Decided {
            outcome: "rejected".to_owned(),
            rationale: "Two referees report missed deadlines.".to_owned(),
            decided_by: "Hana HR".to_owned(),
        })),
        Email::from(notification(OwnerNotice::Bounce {
            referee: Recipient::new("Sam Referee", "sam@client.example.org"),
            reason: "550 5.1.1 No such user".to_owned(),
        })),
        Email::from(notification(OwnerNotice::OptedOut {
            referee: Recipient::new("Sam Referee", "sam@client.example.org"),
        })),
        Email::from(notification(OwnerNotice::PartnershipGap {
            detail: "The provider's people rate the partnership 25 points lower than the buyer's stakeholders (50 against 75).".to_owned(),
        })),
        Email::from(notification(OwnerNotice::PulseBelow {
            dimensions: vec![
                "Stakeholders rate “Dedication” at 35, below what references predicted (62–88)."
                    .to_owned(),
                "Stakeholders rate “Values” at 41, below what references predicted (55–80)."
                    .to_owned(),
            ],
        })),
        Email::from(SubmissionConfirmation {
            to: Recipient::new("Sam Referee", "sam@client.example.org"),
            reply_to: owner(),
            provider_name: "Acme Books".to_owned(),
            requested_by: "Olivia Owner".to_owned(),
            company_name: Some("Hiring Co".to_owned()),
            token: TOKEN.to_owned(),
            locale: "en".to_owned(),
        }),
    ]
}

/// A message taken apart by an independent MIME parser.
#[derive(Debug)]
pub struct Parsed {
    pub subject: String,
    pub message_id: String,
    pub content_type: String,
    pub text: String,
    pub html: String,
    pub to_name: Option<String>,
    pub to_address: Option<String>,
}

/// Parses `raw` and checks the structure every Vouch email must have: a top-level
/// multipart/alternative with exactly a text/plain and a text/html part, both UTF-8, both
/// decoding without problems.
pub fn parse(raw: &[u8]) -> Parsed {
    let message = MessageParser::default()
        .parse(raw)
        .expect("parses as a message");
    let content_type = mime_type(message.content_type());
    assert_eq!(content_type, "multipart/alternative");
    let leaves: Vec<&MessagePart<'_>> = message
        .parts
        .iter()
        .filter(|part| !matches!(part.body, PartType::Multipart(_)))
        .collect();
    assert_eq!(leaves.len(), 2, "exactly two parts");
    let kinds: Vec<String> = leaves
        .iter()
        .map(|part| mime_type(part.content_type()))
        .collect();
    assert_eq!(
        kinds,
        ["text/plain", "text/html"],
        "plain text first, then HTML"
    );
    for part in &leaves {
        assert!(!part.is_encoding_problem, "a part does not decode cleanly");
        let charset = part.content_type().and_then(|ct| ct.attribute("charset"));
        assert_eq!(
            charset.map(str::to_ascii_lowercase).as_deref(),
            Some("utf-8")
        );
    }
    let text = match &leaves[0].body {
        PartType::Text(text) => text.to_string(),
        other => panic!("first part is not text: {other:?}"),
    };
    let html = match &leaves[1].body {
        PartType::Html(html) => html.to_string(),
        other => panic!("second part is not HTML: {other:?}"),
    };
    let to = message.to().and_then(|to| to.first());
    Parsed {
        subject: message.subject().expect("subject").to_owned(),
        message_id: message.message_id().expect("Message-ID").to_owned(),
        content_type,
        text,
        html,
        to_name: to.and_then(|a| a.name.as_deref().map(str::to_owned)),
        to_address: to.and_then(|a| a.address.as_deref().map(str::to_owned)),
    }
}

fn mime_type(ct: Option<&ContentType<'_>>) -> String {
    let ct = ct.expect("has a Content-Type");
    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default())
}

/// The header block of a raw message, for byte-level assertions on header lines.
pub fn head(raw: &[u8]) -> String {
    let text = String::from_utf8(raw.to_vec()).expect("messages are ASCII");
    text.split("\r\n\r\n").next().expect("head").to_owned()
}

/// The unfolded value of header `name` in `raw`.
pub fn header(raw: &[u8], name: &str) -> String {
    let head = head(raw);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .split("\r\n")
        .find_map(|line| {
            let (field, value) = line.split_once(": ")?;
            field.eq_ignore_ascii_case(name).then(|| value.to_owned())
        })
        .unwrap_or_else(|| panic!("no {name} header in:\n{head}"))
}
