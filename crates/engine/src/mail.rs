//! The engine's port to outgoing mail. The engine decides what is sent and when; the
//! sender only delivers. `mailer::Mailer` is the real implementation; anything else
//! (a recording fake) can stand in.

use async_trait::async_trait;
use mailer::{Email, MailError};
use uuid::Uuid;

#[async_trait]
pub trait MailSender: Send + Sync + 'static {
    /// Delivers `email` with a Message-ID derived from `id`, which names one attempt at
    /// sending it.
    async fn send(&self, email: &Email, id: Uuid) -> Result<SentMail, MailError>;
}

/// What the email log records of a delivered message.
#[derive(Clone, Debug)]
pub struct SentMail {
    pub message_id: String,
    pub subject: String,
}

#[async_trait]
impl MailSender for mailer::Mailer {
    async fn send(&self, email: &Email, id: Uuid) -> Result<SentMail, MailError> {
        self.send_with_id(email, id).await.map(|sent| SentMail {
            message_id: sent.message_id,
            subject: sent.subject,
        })
    }
}
