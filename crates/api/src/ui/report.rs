//! The HR reviewer's pages: cases waiting for review, the report (alignment,
//! recommendation, chart, agreement, flags in plain words, comments, rehire tally), the
//! decision form and the CSV download.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use engine::domain::CaseStatus;
use engine::report::{Outcome, Report};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::cases::case_row;
use super::session::{UiForm, UiSession};
use super::{chart, check, errors_by_field, flash_redirect, format, page, render};
use crate::AppState;
use crate::auth::{Hr, Staff};
use crate::error::{ApiError, FieldError};
use crate::requests::DecisionRequest;

#[get("/review")]
pub async fn review(
    state: web::Data<AppState>,
    session: UiSession,
    _: Hr,
) -> Result<HttpResponse, ApiError> {
    let engine = &state.engine;
    let now = engine.now();
    let page_of = |n| engine::PageRequest::parse(Some(n), None);
    let waiting = engine
        .cases()
        .list_cases(Some(CaseStatus::Review), page_of(200)?)
        .await?;
    let collecting = engine
        .cases()
        .list_cases(Some(CaseStatus::Collecting), page_of(200)?)
        .await?;
    let decided = engine
        .cases()
        .list_cases(Some(CaseStatus::Decided), page_of(10)?)
        .await?;
    // Oldest first: whoever has waited longest is next.
    let waiting: Vec<Value> = waiting
        .items
        .iter()
        .rev()
        .map(|c| {
            let mut row = case_row(c, now);
            if let Some(t) = c.closed_at {
                row["waiting"] = json!(format!("in review since {}", format::date(t)));
            }
            row
        })
        .collect();
    Ok(page(
        &state,
        &session,
        "ui/review.html",
        json!({
            "title": "Review",
            "nav": "review",
            "waiting": waiting,
            "collecting": collecting.items.iter().map(|c| case_row(c, now)).collect::<Vec<_>>(),
            "decided": decided.items.iter().map(|c| case_row(c, now)).collect::<Vec<_>>(),
        }),
    ))
}

#[get("/cases/{id}/report.csv")]
pub async fn csv(
    state: web::Data<AppState>,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    crate::downloads::csv_download(&state, *id).await
}

/// Agreement in words (r_wg: 0.7 and up is conventionally strong).
fn agreement_words(a: Option<f64>) -> &'static str {
    match a {
        None => "—",
        Some(a) if a >= 0.7 => "strong",
        Some(a) if a >= 0.5 => "moderate",
        Some(_) => "weak",
    }
}

async fn report_page(
    state: &AppState,
    session: &UiSession,
    id: Uuid,
    status: StatusCode,
    decision_form: Option<(Value, &[FieldError])>,
) -> Result<HttpResponse, ApiError> {
    let engine = &state.engine;
    let report = engine.reports().case_report(id).await?;
    let questions = engine.cases().case_questions(id).await?.questions;
    // Percentile scores read differently from agreement scores: say how, once.
    let percentile = questions
        .iter()
        .any(|q| q.kind == engine::questionnaire::QuestionKind::Percentile);
    let prompts: BTreeMap<String, String> =
        questions.into_iter().map(|q| (q.key, q.prompt)).collect();
    let decision = engine.reports().case_decision(id).await?;
    let decided_by = match &decision {
        Some(d) => engine
            .accounts()
            .list_accounts()
            .await?
            .into_iter()
            .find(|a| a.user.id == d.decided_by)
            .map(|a| a.user.name),
        None => None,
    };
    let (rec_label, rec_tone, rec_text) = format::recommendation(report.recommendation);
    let dimensions = dimension_rows(&report);
    // Where both groups rated a dimension, how the provider's picks compare with yours.
    let source_comparison: Vec<String> = report
        .dimensions
        .iter()
        .filter_map(engine::scoring::source_gap_sentence)
        .collect();
    let flags: Vec<Value> = report
        .flags
        .iter()
        .map(|f| {
            let (title, meaning) = format::flag(f.kind);
            json!({ "kind": f.kind, "title": title, "meaning": meaning, "detail": f.detail })
        })
        .collect();
    let comments = comments_by_prompt(state, &report, &prompts);
    let (form, errors) = decision_form.unwrap_or((json!({}), &[]));
    Ok(render(
        state,
        Some(session),
        status,
        "ui/report.html",
        json!({
            "title": format!("Report: {}", report.provider_name),
            "nav": if report.status == CaseStatus::Review { "review" } else { "cases" },
            "report": report,
            "status_label": format::case_label(report.status),
            "recommendation": { "label": rec_label, "tone": rec_tone, "text": rec_text },
            "dimensions": dimensions,
            "percentile": percentile,
            "chart": chart::layout(&report.dimensions),
            "source_comparison": source_comparison,
            "self_submitted": report.self_assessment.as_ref().map(|s| format::datetime(s.submitted_at)),
            "flags": flags,
            "comments": comments,
            "decision": decision.map(|d| json!({
                "outcome": format::outcome_label(d.outcome.as_str()),
                "rationale": d.rationale,
                "by": decided_by,
                "at": format::datetime(d.created_at),
            })),
            "can_decide": report.status == CaseStatus::Review,
            "generated": format::datetime(report.generated_at),
            "deadline": report.deadline_at.map(format::datetime),
            "min_detail": state.engine.report_settings().min_responses_for_detail,
            "outcomes": Outcome::ALL.iter().map(|o| json!({ "value": o, "label": format::outcome_label(o.as_str()) })).collect::<Vec<_>>(),
            "form": form,
            "max_rationale": engine::report::MAX_RATIONALE_CHARS,
            "errors": errors_by_field(errors),
        }),
    ))
}

fn dimension_rows(report: &Report) -> Vec<Value> {
    report
        .dimensions
        .iter()
        .map(|d| {
            json!({
                "label": d.label,
                "weight": d.weight,
                "min_score": d.min_score,
                "score": d.score,
                "ci95": d.ci95,
                "n": d.n,
                "referees": d.referees,
                "person_score": d.person_score,
                "sourced_score": d.sourced_score,
                "nominated_score": d.nominated_score,
                "self_score": d.self_score,
                "self_gap": d.self_gap.map(format::signed),
                "agreement": d.agreement.map(|a| format!("{a:.2}")),
                "agreement_words": agreement_words(d.agreement),
                "below_min": d.below_min,
            })
        })
        .collect()
}

/// The comments grouped under their question's prompt, in the order they come.
fn comments_by_prompt(
    state: &AppState,
    report: &Report,
    prompts: &BTreeMap<String, String>,
) -> Vec<Value> {
    let mut comments: Vec<(String, Vec<Value>)> = Vec::new();
    for c in &report.comments {
        let prompt = prompts
            .get(&c.question_key)
            .cloned()
            .unwrap_or_else(|| c.question_key.clone());
        // The quote keeps its language (and its direction, for Arabic) and says which it is.
        let catalogue = state.pages.catalogue();
        let item = json!({
            "text": c.text,
            "referee": c.referee,
            "locale": c.locale,
            "dir": c.locale.as_deref().map(|l| catalogue.direction(l)),
            "language": c.locale.as_deref().map(|l| format!("{} ({l})", catalogue.native_name(l))),
        });
        match comments.iter_mut().find(|(p, _)| *p == prompt) {
            Some((_, items)) => items.push(item),
            None => comments.push((prompt, vec![item])),
        }
    }
    comments
        .into_iter()
        .map(|(prompt, items)| json!({ "prompt": prompt, "items": items }))
        .collect()
}

#[get("/cases/{id}/report")]
pub async fn show(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    report_page(&state, &session, *id, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    outcome: String,
    rationale: String,
}

#[post("/cases/{id}/decision")]
pub async fn decide(
    state: web::Data<AppState>,
    session: UiSession,
    Hr(user): Hr,
    id: web::Path<Uuid>,
    UiForm(mut form): UiForm<DecisionForm>,
) -> Result<HttpResponse, ApiError> {
    // Browsers send line breaks as CRLF; store them as the API would receive them, so the
    // 5,000-character limit counts what the person typed.
    form.rationale = form.rationale.replace("\r\n", "\n");
    let kept = json!({ "outcome": form.outcome, "rationale": form.rationale });
    let outcome = form.outcome.parse::<Outcome>().ok();
    let mut errors = Vec::new();
    if outcome.is_none() {
        errors.push(FieldError {
            field: "outcome".into(),
            message: "choose approved, approved with conditions or rejected".into(),
        });
    }
    if let Some(outcome) = outcome {
        errors.extend(check(&DecisionRequest {
            outcome,
            rationale: form.rationale.clone(),
        }));
    } else if form.rationale.trim().is_empty() {
        errors.push(FieldError {
            field: "rationale".into(),
            message: "must not be blank".into(),
        });
    }
    let (Some(outcome), true) = (outcome, errors.is_empty()) else {
        return report_page(
            &state,
            &session,
            *id,
            crate::error::INVALID_INPUT,
            Some((kept, &errors)),
        )
        .await;
    };
    match state
        .engine
        .reports()
        .record_decision(*id, outcome, &form.rationale, user.id)
        .await
    {
        Ok(_) => {
            flash_redirect(
                &state,
                &session,
                true,
                &format!(
                    "Decision recorded: {}. The case owner has been told.",
                    format::outcome_label(outcome.as_str())
                ),
                &format!("/ui/cases/{id}"),
            )
            .await
        }
        Err(e @ engine::EngineError::InvalidState { .. }) => {
            super::after_action(
                &state,
                &session,
                Err::<(), _>(e),
                |_| String::new(),
                &format!("/ui/cases/{id}/report"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
