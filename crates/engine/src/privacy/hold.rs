//! Legal hold: a case under hold is left out of every purge, retention and erasure alike
//! (GDPR Art. 17(3)(e): data needed for legal claims). Placing and lifting one is an
//! admin's act, with a reason, on the case's audit trail.

use serde_json::json;
use store::TransactionTrait;
use uuid::Uuid;

use crate::EngineError;
use crate::audit::{self, Actor};
use crate::store::cases;
use crate::store::privacy;

/// Longest hold reason accepted.
pub const MAX_REASON_CHARS: usize = 2000;

pub use crate::domain::CaseHold;

/// A hold reason: trimmed, not empty, not too long, one line or several but no control
/// characters other than line breaks.
pub fn checked_reason(reason: &str) -> Result<String, EngineError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(EngineError::validation(
            "reason",
            "Say why the data is kept.",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(EngineError::validation(
            "reason",
            format!("At most {MAX_REASON_CHARS} characters."),
        ));
    }
    if reason
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(EngineError::validation(
            "reason",
            "Control characters are not allowed.",
        ));
    }
    Ok(reason.to_owned())
}

impl crate::services::Privacy<'_> {
    /// Places a legal hold on a case (or replaces the reason of the one it has).
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn place_hold(
        &self,
        case_id: Uuid,
        admin: Uuid,
        reason: &str,
    ) -> Result<CaseHold, EngineError> {
        let reason = checked_reason(reason)?;
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        let case = privacy::set_hold(&txn, case, Some((&reason, admin)), now).await?;
        audit::record(
            &txn,
            Some(case_id),
            None,
            &Actor::User(admin),
            "case.hold_placed",
            json!({ "reason": reason }),
            now,
        )
        .await?;
        txn.commit().await?;
        CaseHold::of(&case).ok_or_else(|| EngineError::Corrupt("hold not stored".into()))
    }

    /// Lifts a case's legal hold; true when there was one. Purges due meanwhile happen at
    /// the next retention run.
    #[tracing::instrument(skip_all, fields(case_id = %case_id), err)]
    pub async fn release_hold(&self, case_id: Uuid, admin: Uuid) -> Result<bool, EngineError> {
        let now = self.now();
        let txn = self.db.begin().await?;
        let case = cases::lock(&txn, case_id).await?;
        if case.hold_reason.is_none() {
            return Ok(false);
        }
        privacy::set_hold(&txn, case, None, now).await?;
        audit::record(
            &txn,
            Some(case_id),
            None,
            &Actor::User(admin),
            "case.hold_released",
            json!({}),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// The legal hold of a case, if it has one.
    pub async fn case_hold(&self, case_id: Uuid) -> Result<Option<CaseHold>, EngineError> {
        Ok(CaseHold::of(&cases::get(&self.db, case_id).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::checked_reason;

    #[test]
    fn a_reason_is_trimmed_and_must_say_something() {
        assert_eq!(
            checked_reason("  litigation 2026-114 ").unwrap(),
            "litigation 2026-114"
        );
        for bad in ["", "   ", "a\u{0}b"] {
            assert!(checked_reason(bad).is_err(), "{bad:?}");
        }
        assert!(checked_reason(&"x".repeat(2001)).is_err());
        assert!(checked_reason("line one\nline two").is_ok());
    }
}
