//! The `.eml` files of the file mail transport (`mail.dir`). Each is a whole message to a
//! referee — name, address, the provider asked about — so the database's retention would
//! mean little while a copy of every invitation sat on disk for ever. Retention deletes
//! the ones older than `retention.referee_identity_days`, judged by the file's
//! modification time (when it was written). Only `*.eml` files directly in the directory
//! are touched; anything else there is not ours.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, Utc};

use crate::EngineError;

/// Deletes (or, in a dry run, counts) the `.eml` files in `dir` last modified before
/// `cutoff`; returns how many. A directory that does not exist has none.
pub(crate) async fn purge(
    dir: PathBuf,
    cutoff: DateTime<Utc>,
    dry_run: bool,
) -> Result<u64, EngineError> {
    let cutoff = SystemTime::from(cutoff);
    tokio::task::spawn_blocking(move || purge_blocking(&dir, cutoff, dry_run))
        .await
        .map_err(|e| EngineError::Internal(format!("the mail file purge stopped: {e}")))?
}

fn purge_blocking(dir: &Path, cutoff: SystemTime, dry_run: bool) -> Result<u64, EngineError> {
    let unreadable = |e: io::Error| {
        EngineError::Internal(format!("mail.dir {}: cannot read it: {e}", dir.display()))
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(unreadable(e)),
    };
    let mut purged = 0;
    for entry in entries {
        let entry = entry.map_err(unreadable)?;
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "eml") {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta.is_file() && meta.modified().is_ok_and(|t| t < cutoff);
        if !old {
            continue;
        }
        if dry_run {
            purged += 1;
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => purged += 1,
            // Gone already (another worker's run): nothing left to keep.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            // Logged and left for the next run rather than stopping this one; the path
            // is a message id, no address.
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot delete an old mail file")
            }
        }
    }
    Ok(purged)
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::time::Duration;

    use super::*;

    fn file_aged(dir: &Path, name: &str, age_days: u64) -> PathBuf {
        let path = dir.join(name);
        let file = File::create(&path).unwrap();
        file.set_modified(SystemTime::now() - Duration::from_secs(age_days * 86_400))
            .unwrap();
        path
    }

    #[test]
    fn only_old_eml_files_go_and_a_dry_run_only_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let old = file_aged(dir.path(), "old.eml", 200);
        let new = file_aged(dir.path(), "new.eml", 10);
        let other = file_aged(dir.path(), "notes.txt", 400);
        let cutoff = SystemTime::now() - Duration::from_secs(180 * 86_400);

        assert_eq!(purge_blocking(dir.path(), cutoff, true).unwrap(), 1);
        assert!(old.exists(), "a dry run deletes nothing");
        assert_eq!(purge_blocking(dir.path(), cutoff, false).unwrap(), 1);
        assert!(!old.exists() && new.exists() && other.exists());
        assert_eq!(
            purge_blocking(&dir.path().join("absent"), cutoff, false).unwrap(),
            0
        );
    }
}
