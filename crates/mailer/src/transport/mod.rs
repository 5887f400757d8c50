//! Transports: where a composed message goes. SMTP for production, files for the embedded
//! default (and for operators without a mail server). Both take the same finished bytes, so
//! what lands in a `.eml` file is exactly what would have gone over the wire.

pub(crate) mod file;
pub(crate) mod smtp;

use lettre::address::Envelope;

use crate::error::MailError;
use crate::settings::{MailSettings, TransportKind};

/// The transport chosen by `mail.transport`.
#[derive(Debug)]
pub(crate) enum Transport {
    File(file::FileTransport),
    Smtp(Box<smtp::SmtpTransport>),
}

impl Transport {
    pub(crate) fn from_settings(settings: &MailSettings) -> Result<Transport, MailError> {
        Ok(match settings.transport {
            TransportKind::File => Transport::File(file::FileTransport::new(&settings.dir)?),
            TransportKind::Smtp => {
                Transport::Smtp(Box::new(smtp::SmtpTransport::new(&settings.smtp)?))
            }
        })
    }

    /// Delivers one message; `file_stem` names the file for the file transport.
    pub(crate) async fn deliver(
        &self,
        envelope: &Envelope,
        message: &[u8],
        file_stem: &str,
    ) -> Result<(), MailError> {
        match self {
            Transport::File(file) => file.write(file_stem, message).await,
            Transport::Smtp(smtp) => smtp.send(envelope, message).await,
        }
    }

    pub(crate) async fn shutdown(&self) {
        if let Transport::Smtp(smtp) = self {
            smtp.shutdown().await;
        }
    }
}
