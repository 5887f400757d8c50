//! The file transport: one `.eml` file per message in `mail.dir`, openable by any mail
//! client. It never talks to the network.

use std::path::{Path, PathBuf};

use crate::error::{MailError, Stage};

#[derive(Debug)]
pub(crate) struct FileTransport {
    dir: PathBuf,
}

impl FileTransport {
    /// Creates `dir` if needed, so a wrong path is reported at start-up rather than at the
    /// first invitation.
    pub(crate) fn new(dir: &Path) -> Result<FileTransport, MailError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            MailError::Config(format!(
                "mail.dir = {}: cannot create the directory: {e}",
                dir.display()
            ))
        })?;
        Ok(FileTransport {
            dir: dir.to_owned(),
        })
    }

    /// Writes `<stem>.eml`. The bytes go to a hidden temporary file first and are renamed
    /// into place, so nobody watching the folder ever opens half a message; writing the same
    /// stem again (a retried job) replaces the file instead of adding a duplicate.
    pub(crate) async fn write(&self, stem: &str, message: &[u8]) -> Result<(), MailError> {
        let path = self.dir.join(format!("{stem}.eml"));
        let partial = self.dir.join(format!(".{stem}.eml.partial"));
        let failed = |e: std::io::Error| MailError::Transient {
            stage: Stage::FileWrite,
            code: None,
            detail: format!("{}: {e}", path.display()),
        };
        tokio::fs::write(&partial, message).await.map_err(failed)?;
        tokio::fs::rename(&partial, &path).await.map_err(failed)?;
        Ok(())
    }
}
