//! The hiring company's values profile: dimensions with a weight and a minimum score.

use std::collections::HashSet;

use chrono::Utc;
use store::{ConnectionTrait, DatabaseConnection, TransactionTrait};

use crate::EngineError;
use crate::audit::{self, Actor};
use crate::store;

pub use crate::domain::Dimension;

/// Values and dedication weigh most: a skilled partner that does not share them is the
/// failure this product exists to prevent.
pub fn default_dimensions() -> Vec<Dimension> {
    [
        ("values", "Shares our values", 3.0, 60.0),
        (
            "dedication",
            "Cares about our success as much as its own",
            3.0,
            60.0,
        ),
        (
            "accountability",
            "Owns mistakes, delivers what it promised",
            2.0,
            60.0,
        ),
        (
            "communication",
            "Transparent, proactive, responsive",
            2.0,
            50.0,
        ),
        (
            "partnership",
            "Brings advice and initiative, one team with our staff",
            2.0,
            50.0,
        ),
        (
            "confidentiality",
            "Trusted with sensitive information",
            2.0,
            70.0,
        ),
        (
            "scope",
            "Clear about what it does and does not do",
            1.0,
            50.0,
        ),
        ("expertise", "Technical quality", 1.0, 50.0),
    ]
    .into_iter()
    .map(|(key, label, weight, min_score)| Dimension {
        key: key.into(),
        label: label.into(),
        weight,
        min_score,
    })
    .collect()
}

pub(crate) async fn seed_default(db: &DatabaseConnection) -> Result<(), EngineError> {
    if store::profile::is_empty(db).await? {
        store::profile::insert(db, &default_dimensions(), Utc::now()).await?;
    }
    Ok(())
}

pub(crate) async fn load(conn: &impl ConnectionTrait) -> Result<Vec<Dimension>, EngineError> {
    store::profile::load(conn).await.map_err(Into::into)
}

fn validate(dims: &[Dimension]) -> Result<(), EngineError> {
    if dims.is_empty() {
        return Err(EngineError::validation(
            "dimensions",
            "at least one dimension is required",
        ));
    }
    let mut seen = HashSet::new();
    for (i, d) in dims.iter().enumerate() {
        let field = |name: &str| format!("dimensions[{i}].{name}");
        let key_ok = !d.key.is_empty()
            && d.key.len() <= 64
            && d.key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(EngineError::validation(
                field("key"),
                "must be 1-64 lowercase letters, digits or _",
            ));
        }
        if !seen.insert(d.key.as_str()) {
            return Err(EngineError::validation(
                field("key"),
                format!("duplicate key `{}`", d.key),
            ));
        }
        if d.label.trim().is_empty() || d.label.len() > 200 {
            return Err(EngineError::validation(
                field("label"),
                "must be 1-200 characters",
            ));
        }
        if !(d.weight.is_finite() && d.weight > 0.0 && d.weight <= 100.0) {
            return Err(EngineError::validation(
                field("weight"),
                "must be greater than 0 and at most 100",
            ));
        }
        if !(0.0..=100.0).contains(&d.min_score) {
            return Err(EngineError::validation(
                field("min_score"),
                "must be between 0 and 100",
            ));
        }
    }
    Ok(())
}

impl crate::services::Questionnaires<'_> {
    #[tracing::instrument(skip_all)]
    pub async fn profile(&self) -> Result<Vec<Dimension>, EngineError> {
        load(&self.db).await
    }

    /// Replaces the whole profile. Cases already launched keep the snapshot they took.
    #[tracing::instrument(skip_all, err)]
    pub async fn replace_profile(
        &self,
        dims: Vec<Dimension>,
        actor: &Actor,
    ) -> Result<Vec<Dimension>, EngineError> {
        validate(&dims)?;
        let now = self.now();
        let txn = self.db.begin().await?;
        store::profile::replace(&txn, &dims, now).await?;
        audit::record(
            &txn,
            None,
            None,
            actor,
            "profile.updated",
            serde_json::json!({ "dimensions": dims }),
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_favours_values_and_dedication_over_expertise() {
        let dims = default_dimensions();
        validate(&dims).unwrap();
        let w = |k: &str| dims.iter().find(|d| d.key == k).unwrap().weight;
        assert!(w("values") > w("expertise"));
        assert!(w("dedication") > w("expertise"));
        assert_eq!(dims.len(), 8);
    }

    #[test]
    fn negative_weight_is_rejected_naming_the_field() {
        let mut dims = default_dimensions();
        dims[2].weight = -1.0;
        let err = validate(&dims).unwrap_err();
        assert!(
            matches!(err, EngineError::Validation { ref field, .. } if field == "dimensions[2].weight")
        );
    }
}
