//! Turns a rendered email into the exact bytes that are sent: multipart/alternative (plain
//! text, then HTML), From, To, Reply-To, a Message-ID we choose, `List-Unsubscribe` (the
//! "don't ask me again" link) on mail to a referee, and RFC 2047 / quoted-printable encoding of anything
//! non-ASCII (done by lettre's builder, so the result is 7-bit clean).

use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use uuid::Uuid;

use crate::error::{MailError, Stage};
use crate::message::{Email, Recipient};
use crate::render::RenderedEmail;

/// A message ready for a transport.
#[derive(Clone, Debug)]
pub struct Composed {
    /// The `Message-ID` header value, angle brackets included: `<uuid@domain>`.
    pub message_id: String,
    /// The envelope recipient.
    pub recipient: String,
    /// The subject as rendered (not encoded).
    pub subject: String,
    /// The whole message, CRLF line endings, as it goes over SMTP or into a `.eml` file.
    pub bytes: Vec<u8>,
    pub(crate) envelope: Envelope,
}

/// `Mailbox` for a person; control characters in the display name become spaces so a name
/// can never start a new header line.
fn mailbox(person: &Recipient) -> Result<Mailbox, lettre::address::AddressError> {
    let address = person.email.trim().parse()?;
    let name = person
        .name
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Mailbox::new((!name.is_empty()).then_some(name), address))
}

/// A locale code is a language tag by construction; anything else (an old or hand-edited
/// payload) must not reach a header, so it reads as English.
fn content_language(locale: &str) -> String {
    let ok = !locale.is_empty()
        && locale.len() <= 35
        && locale
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        locale.to_owned()
    } else {
        "en".to_owned()
    }
}

pub(crate) struct Composer<'a> {
    pub(crate) from: &'a Mailbox,
    pub(crate) message_id_domain: &'a str,
    pub(crate) opt_out_link: Option<String>,
}

impl Composer<'_> {
    pub(crate) fn compose(
        &self,
        email: &Email,
        rendered: RenderedEmail,
        id: Uuid,
    ) -> Result<Composed, MailError> {
        let to = email.to();
        let to_mailbox = mailbox(to).map_err(|e| MailError::Permanent {
            recipient: to.email.clone(),
            stage: Stage::Compose,
            code: None,
            reply: format!("not a usable email address: {e}"),
        })?;
        let message_id = format!("<{id}@{}>", self.message_id_domain);
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to_mailbox)
            .subject(rendered.subject.clone())
            .message_id(Some(message_id.clone()))
            // RFC 3834: tells vacation responders not to answer, so the case owner (our
            // Reply-To) does not collect out-of-office replies.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ));
        // RFC 3282: the language of the content, so mail clients offer the right
        // spell-checker and translation, and screen readers the right voice.
        builder = builder.raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            content_language(email.locale()),
        ));
        if let Some(reply_to) = email.reply_to() {
            let reply_to = mailbox(reply_to).map_err(|e| MailError::Render {
                template: email.kind().to_owned(),
                detail: format!("the Reply-To address {:?} is unusable: {e}", reply_to.email),
            })?;
            builder = builder.reply_to(reply_to);
        }
        if let Some(opt_out) = &self.opt_out_link {
            // RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that puts the
            // referee on the opt-out list, and may POST `List-Unsubscribe=One-Click` to the
            // same URL. Unsubscribing means "never ask me again", not "not this provider".
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{opt_out}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                rendered.text,
                rendered.html,
            ))
            .map_err(|e| MailError::Render {
                template: email.kind().to_owned(),
                detail: format!("cannot build the MIME message: {e}"),
            })?;
        Ok(Composed {
            message_id,
            recipient: to.email.trim().to_owned(),
            subject: rendered.subject,
            bytes: message.formatted(),
            envelope: message.envelope().clone(),
        })
    }
}
