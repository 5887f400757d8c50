//! Privacy by design (API.md "Privacy", docs/privacy.md). Referees never signed up for
//! anything, so what Vouch holds on them is kept only as long as it serves the decision,
//! shown to them when they ask, and erased when they ask:
//!
//! - [`retention`]: the daily purge of referee identities and free text after a case
//!   ends, and of the logs derived from them;
//! - [`hold`]: a legal hold that keeps one case out of every purge;
//! - [`subject`]: everything stored about one address, for a subject-access request;
//! - [`erase`]: an erasure request, carried out everywhere at once;
//! - [`redact`]: addresses out of logs and stored error texts;
//! - `mail_files`: the file mail transport's old `.eml` copies, deleted with retention.
//!
//! The purges keep what the scores are made of (numeric answers, the organisation key,
//! timings), tied to the pseudonymous reference id, so reports and calibration read the
//! same afterwards.

pub mod erase;
pub mod hold;
mod mail_files;
pub mod redact;
pub mod retention;
pub mod subject;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use uuid::Uuid;

use crate::questionnaire::QuestionKind;
use crate::store::cases::CaseRow;
use crate::store::references::ReferenceRow;
use crate::{Engine, EngineError, organisations, questionnaires};

impl Engine {
    /// The organisation key each reference counts under, as the scores compute it:
    /// written to the reference before its address goes.
    fn organisations_of(&self, references: &[ReferenceRow]) -> Vec<(Uuid, String)> {
        let domains = &self.scoring.public_mail_domains;
        references
            .iter()
            .map(|r| {
                let key = r.organisation.clone().unwrap_or_else(|| {
                    organisations::organisation_key(&r.email, &r.company, domains)
                });
                (r.id, key)
            })
            .collect()
    }

    /// The keys of the free-text questions of each reference's questionnaire version (a
    /// pulse asks a subset of its version's questions; blanking a key it never asked
    /// changes nothing). Read on `conn`, the caller's transaction: on SQLite it holds the
    /// pool's one connection.
    async fn text_keys_of(
        &self,
        conn: &impl store::ConnectionTrait,
        references: &[ReferenceRow],
        cases: &HashMap<Uuid, CaseRow>,
    ) -> Result<Vec<(Uuid, Vec<String>)>, EngineError> {
        let mut by_version: HashMap<Uuid, Vec<String>> = HashMap::new();
        let mut out = Vec::with_capacity(references.len());
        for r in references {
            let Some(case) = cases.get(&r.case_id) else {
                continue;
            };
            let keys = match by_version.entry(case.template_version_id) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => {
                    let version =
                        questionnaires::version_by_id(&self.versions, conn, *slot.key()).await?;
                    let mut keys: Vec<String> = version
                        .questions
                        .iter()
                        .filter(|q| q.kind == QuestionKind::Text)
                        .map(|q| q.key.clone())
                        .collect();
                    keys.sort();
                    slot.insert(keys)
                }
            };
            out.push((r.id, keys.clone()));
        }
        Ok(out)
    }
}
