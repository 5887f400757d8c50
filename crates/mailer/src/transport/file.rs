//! The file transport: one `.eml` file per message in `mail.dir`, openable by any mail
//! client. It never talks to the network.
//!
//! Each message holds a live link (a referee's token is their credential), so the
//! files are readable by their owner only: `0600`, in a directory of mode `0700`.

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
        let existed = dir.is_dir();
        std::fs::create_dir_all(dir).map_err(|e| {
            MailError::Config(format!(
                "mail.dir = {}: cannot create the directory: {e}",
                dir.display()
            ))
        })?;
        owner_only_dir(dir, existed).map_err(|e| {
            MailError::Config(format!(
                "mail.dir = {}: cannot make the directory private (mode 0700): {e}",
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
        write_owner_only(&partial, message).await.map_err(failed)?;
        tokio::fs::rename(&partial, &path).await.map_err(failed)?;
        Ok(())
    }
}

/// Mode `0700` for the mail directory. One that already existed is left alone when it is
/// a shared sticky directory such as `/tmp`, or someone else's.
#[cfg(unix)]
fn owner_only_dir(dir: &Path, existed: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 == 0 || (existed && mode & 0o1000 != 0) {
        return Ok(());
    }
    match std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)) {
        Err(e) if existed && e.kind() == std::io::ErrorKind::PermissionDenied => Ok(()),
        other => other,
    }
}

#[cfg(not(unix))]
fn owner_only_dir(_: &Path, _: bool) -> std::io::Result<()> {
    Ok(())
}

/// Writes `bytes` to `path` (replacing it) readable and writable by the owner alone.
async fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await?;
    // `mode` applies only when the file is created: a partial file left by a crash keeps
    // its old mode unless set again.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .await?;
    }
    file.write_all(bytes).await?;
    file.flush().await
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::FileTransport;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn messages_are_written_0600_in_a_0700_directory() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("mail");
        let transport = FileTransport::new(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        transport
            .write("first", b"Subject: hi\r\n\r\nlink")
            .await
            .unwrap();
        assert_eq!(mode(&dir.join("first.eml")), 0o600);
        assert_eq!(
            std::fs::read(dir.join("first.eml")).unwrap(),
            b"Subject: hi\r\n\r\nlink"
        );

        // A directory that exists with wider rights is tightened, and a leftover partial
        // file with wider rights is not kept that way.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let partial = dir.join(".second.eml.partial");
        std::fs::write(&partial, b"old").unwrap();
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o644)).unwrap();
        let transport = FileTransport::new(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        transport.write("second", b"new").await.unwrap();
        assert_eq!(mode(&dir.join("second.eml")), 0o600);
        assert_eq!(std::fs::read(dir.join("second.eml")).unwrap(), b"new");
    }
}
