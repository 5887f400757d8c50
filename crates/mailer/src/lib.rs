//! Outgoing email: templates, rendering, MIME composition and delivery over SMTP or into
//! `.eml` files. A leaf crate: no database, no HTTP, no retries — the engine's durable jobs
//! decide what to do with a failure, using the classification in [`MailError`].
//!
//! # Use
//!
//! ```no_run
//! # async fn demo(settings: mailer::MailSettings) -> Result<(), mailer::MailError> {
//! use mailer::{Email, Invitation, Mailer, Purpose, Recipient};
//!
//! // Once at start-up: checks the settings and the templates, holds the SMTP pool.
//! let mailer = Mailer::from_settings(&settings, "https://vouch.example.com")?;
//!
//! let email = Email::from(Invitation {
//!     to: Recipient::new("Zoë Ångström-Núñez", "zoe@example.org"),
//!     reply_to: Recipient::new("Olive Owner", "olive@example.com"),
//!     provider_name: "Acme Books".into(),
//!     requested_by: "Olive Owner".into(),
//!     company_name: Some("Example Corp".into()),
//!     token: "k3Jx-token".into(),
//!     deadline: "5 December 2026".into(),
//!     questions_count: 14,
//!     minutes: 7,
//!     purpose: Purpose::Reference, // or Purpose::Pulse for a check-in after the decision
//!     locale: "de".into(),          // written in German, with `Content-Language: de`
//! });
//! match mailer.send(&email).await {
//!     Ok(sent) => println!("sent {}", sent.message_id),
//!     Err(e) if e.is_permanent() => println!("bounced: {e}"), // mark the reference bounced
//!     Err(e) => println!("retry later: {e}"),
//! }
//! # Ok(()) }
//! ```
//!
//! - [`Mailer::from_settings`]`(&MailSettings, public_url)` — build once; the `Mailer` is
//!   cheap to clone and shares its connection pool.
//! - [`Mailer::send`] / [`Mailer::send_with_id`] — render, compose and deliver; returns
//!   [`Sent`] with the Message-ID. `send_with_id` lets a job reuse its own UUID, so a retried
//!   job produces the same Message-ID (and, with the file transport, the same file).
//! - [`Mailer::render`] / [`Mailer::compose`] — the same steps without delivering (previews,
//!   tests).
//! - [`check_smtp`] — for `vouch doctor`: building the `Mailer` already checks the settings,
//!   the templates and `mail.dir`; `check_smtp(&settings.smtp)` then tests the server when
//!   `mail.transport = "smtp"`.
//! - [`Mailer::shutdown`] — closes pooled connections politely.
//!
//! Failures ([`MailError`]): `is_permanent()` → the recipient will never get it (mark the
//! reference bounced, tell the owner); `is_transient()` → retry with back-off; `Render` and
//! `Config` → a bug or misconfiguration, dead-letter it for an admin. Delivery is
//! at-least-once: a connection lost after the message was transferred is transient, so a
//! retry may deliver it twice (with the same Message-ID when `send_with_id` is used).
//!
//! Links come from `server.public_url`: `{public_url}/r/{token}` (questionnaire),
//! `{public_url}/r/{token}/decline` (decline this request), `{public_url}/u/{token}` ("don't
//! ask me again", in every email to a referee and in its `List-Unsubscribe`),
//! `{public_url}/n/{token}` (nomination), `{public_url}/s/{token}` (self-assessment) and
//! `{public_url}/ui/cases/{case_id}` (staff).

mod check;
mod compose;
mod error;
mod message;
mod render;
mod settings;
mod transport;

use std::sync::Arc;

use i18n::Catalogue;
use lettre::message::Mailbox;
use uuid::Uuid;

pub use check::{CheckStep, SmtpReport, check_smtp};
pub use compose::Composed;
pub use error::{MailError, Stage};
pub use message::{
    Email, Invitation, NominationRequest, OwnerNotice, OwnerNotification, Purpose, Recipient,
    Reminder, SelfAssessmentRequest, SubmissionConfirmation, WebhookDisabled,
};
pub use render::RenderedEmail;
pub use settings::{MailSettings, SmtpSettings, Tls, TransportKind};

use compose::Composer;
use render::{Links, Templates};
use transport::Transport;

/// What a successful delivery returns, for the email log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The `Message-ID` header value, angle brackets included: `<uuid@domain>`.
    pub message_id: String,
    /// The envelope recipient.
    pub recipient: String,
    /// The subject as rendered.
    pub subject: String,
}

/// Renders and delivers Vouch's emails. Build it once with [`Mailer::from_settings`] and
/// clone it freely: clones share the templates and the SMTP connection pool.
#[derive(Clone, Debug)]
pub struct Mailer {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    from: Mailbox,
    message_id_domain: String,
    links: Links,
    templates: Templates,
    transport: Transport,
}

impl Mailer {
    /// Checks the settings, loads (and test-renders) the templates, prepares the transport.
    /// No network I/O happens here: the first SMTP connection is opened by the first send,
    /// and [`check_smtp`] is the way to test the server.
    ///
    /// `public_url` is `server.public_url`, the start of every link.
    pub fn from_settings(settings: &MailSettings, public_url: &str) -> Result<Mailer, MailError> {
        Mailer::with_catalogue(settings, public_url, Arc::new(Catalogue::embedded()))
    }

    /// Like [`Mailer::from_settings`], with the message catalogue the rest of Vouch uses
    /// (the shipped locales plus an operator's `server.locales_dir`). Mail to referees is
    /// written in the email's `locale`; everything is test-rendered in every locale here.
    pub fn with_catalogue(
        settings: &MailSettings,
        public_url: &str,
        catalogue: Arc<Catalogue>,
    ) -> Result<Mailer, MailError> {
        let from: Mailbox = settings.from.trim().parse().map_err(|e| {
            MailError::Config(format!(
                "mail.from = {:?} is not an address like \"Vouch <vouch@example.com>\": {e}",
                settings.from
            ))
        })?;
        let message_id_domain = from.email.domain().to_owned();
        let links = Links::new(public_url)?;
        let sender_name = from.name.clone().unwrap_or_else(|| "Vouch".to_owned());
        let templates = Templates::load(
            settings.templates_dir.as_deref(),
            &links,
            &sender_name,
            catalogue,
        )?;
        let transport = Transport::from_settings(settings)?;
        Ok(Mailer {
            inner: Arc::new(Inner {
                from,
                message_id_domain,
                links,
                templates,
                transport,
            }),
        })
    }

    /// Subject, plain text and HTML of `email`, without sending anything.
    pub fn render(&self, email: &Email) -> Result<RenderedEmail, MailError> {
        self.inner.templates.render(email, &self.inner.links)
    }

    /// The complete message as it would be sent, with Message-ID `<{id}@{domain of
    /// mail.from}>`.
    pub fn compose(&self, email: &Email, id: Uuid) -> Result<Composed, MailError> {
        let rendered = self.render(email)?;
        let opt_out_link = email
            .opt_out_token()
            .map(|token| self.inner.links.opt_out(token))
            .transpose()?;
        Composer {
            from: &self.inner.from,
            message_id_domain: &self.inner.message_id_domain,
            opt_out_link,
        }
        .compose(email, rendered, id)
    }

    /// Renders, composes and delivers `email` with a fresh Message-ID.
    pub async fn send(&self, email: &Email) -> Result<Sent, MailError> {
        self.send_with_id(email, Uuid::now_v7()).await
    }

    /// Like [`Mailer::send`], with the Message-ID built from `id` (e.g. the email log row's
    /// id), so that running the same job twice sends the same Message-ID.
    #[tracing::instrument(skip_all, fields(kind = email.kind(), %id), err)]
    pub async fn send_with_id(&self, email: &Email, id: Uuid) -> Result<Sent, MailError> {
        let composed = self.compose(email, id)?;
        self.inner
            .transport
            .deliver(&composed.envelope, &composed.bytes, &id.to_string())
            .await?;
        tracing::info!(message_id = %composed.message_id, "email delivered");
        Ok(Sent {
            message_id: composed.message_id,
            recipient: composed.recipient,
            subject: composed.subject,
        })
    }

    /// Stops accepting sends and closes idle SMTP connections with `QUIT`. Call it once when
    /// the process stops; sends after it fail as transient.
    pub async fn shutdown(&self) {
        self.inner.transport.shutdown().await;
    }
}
