//! The public forms that come by email, by flow: the referee questionnaire (`referee`),
//! what unusable or overused links answer (`tokens`), the provider's nomination form
//! (`nomination`), and a referee's "don't ask me again" (`opt_out`). This module holds the
//! referee-form helpers they share.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use store::entity::{answer, reference_request, response};
use testkit::TestApp;
use uuid::Uuid;

use crate::helpers::LIKERT_KEYS;

mod languages;
mod nomination;
mod opt_out;
mod referee;
mod tokens;

/// A full, valid HTML submission of the default questionnaire.
fn complete_form() -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = LIKERT_KEYS
        .iter()
        .map(|k| (format!("q_{k}"), "4".to_owned()))
        .collect();
    f.push(("q_rehire".into(), "yes".into()));
    f.push(("q_strengths".into(), "Always on time".into()));
    f.push(("q_concerns".into(), String::new()));
    f.push(("consent".into(), "on".into()));
    f.push(("action".into(), "submit".into()));
    f
}

fn without(form: &[(String, String)], name: &str) -> Vec<(String, String)> {
    form.iter().filter(|(k, _)| k != name).cloned().collect()
}

fn with(form: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut f = without(form, name);
    f.push((name.to_owned(), value.to_owned()));
    f
}

async fn status_of(app: &TestApp, id: Uuid) -> String {
    reference_request::Entity::find_by_id(id)
        .one(app.engine.db())
        .await
        .unwrap()
        .unwrap()
        .status
        .to_string()
}

async fn stored_answers(app: &TestApp, reference_id: Uuid) -> Vec<answer::Model> {
    let Some(resp) = response::Entity::find()
        .filter(response::Column::ReferenceId.eq(reference_id))
        .one(app.engine.db())
        .await
        .unwrap()
    else {
        return Vec::new();
    };
    answer::Entity::find()
        .filter(answer::Column::ResponseId.eq(resp.id))
        .all(app.engine.db())
        .await
        .unwrap()
}
