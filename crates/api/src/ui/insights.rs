//! Insights. For HR: calibration, i.e. how well the reference check predicted how the
//! engagements went. One small scatter plot per dimension and one for the alignment score
//! (before hiring across, the first finished pulse up), each with its correlation in words.
//! For ops and HR: how referees respond (the funnel, hours to quorum, per template).

use actix_web::{HttpResponse, get, web};
use engine::calibration::{Correlation, MIN_PAIRS_FOR_R, in_words, partnership_in_words};
use engine::engagements::CalibrationPoint;
use serde_json::{Value, json};

use engine::insights::ResponseInsights;

use super::session::UiSession;
use super::{bars, page, scatter};
use crate::AppState;
use crate::auth::{Hr, Staff};
use crate::error::ApiError;
use crate::extract::ValidQuery;
use crate::routes::InsightsQuery;

/// How the provider felt when its provider-side score on `key` was low, for the reading.
fn provider_felt_low(key: &str) -> &'static str {
    match key {
        "inclusion" => "excluded from plans and strategy",
        "advice" => "its advice went unheard",
        "scope_clarity" => "unclear about its scope",
        "timely_information" => "kept short of information",
        "partner_treatment" => "treated as a task list",
        _ => "less of a partner",
    }
}

/// What `in_words` calls the alignment score.
const ALIGNMENT: &str = "alignment";

#[get("/insights/calibration")]
pub async fn calibration(
    state: web::Data<AppState>,
    session: UiSession,
    _: Hr,
) -> Result<HttpResponse, ApiError> {
    let engine = &state.engine;
    let calibration = engine.engagements().calibration().await?;

    let mut plots = vec![plot(
        ALIGNMENT,
        "Alignment score",
        ALIGNMENT,
        "the alignment score",
        &calibration.alignment.correlation,
        &calibration.alignment.points,
    )];
    for d in &calibration.dimensions {
        let measure = format!("\u{201c}{}\u{201d}", d.label);
        // Prefixed, so that no dimension's key can take the alignment plot's element ids.
        plots.push(plot(
            &format!("dim-{}", d.key),
            &d.label,
            &d.label,
            &measure,
            &d.correlation,
            &d.points,
        ));
    }
    let missing = MIN_PAIRS_FOR_R.saturating_sub(calibration.engagements);
    // Both sides of the partnership, once enough engagements have both (issue 32).
    let partnership = &calibration.partnership;
    let mut readings: Vec<String> = partnership
        .dimensions
        .iter()
        .filter_map(|d| partnership_in_words(provider_felt_low(&d.key), &d.correlation))
        .collect();
    readings.extend(partnership_in_words(
        "the partnership was going badly",
        &partnership.correlation,
    ));
    Ok(page(
        &state,
        &session,
        "ui/calibration.html",
        json!({
            "title": "Calibration",
            "nav": "calibration",
            "engagements": calibration.engagements,
            "missing": missing,
            "needed": MIN_PAIRS_FOR_R,
            "demo": calibration.includes_demo,
            "alignment": plots.remove(0),
            "dimensions": plots,
            "partnership_pairs": partnership.correlation.pairs,
            "partnership_readings": readings,
        }),
    ))
}

/// One plot: its layout, its description and its sentence. `label` is what `in_words`
/// quotes, `measure` what the description calls it (see `scatter::describe`).
fn plot(
    key: &str,
    title: &str,
    label: &str,
    measure: &str,
    correlation: &Correlation,
    points: &[CalibrationPoint],
) -> Value {
    json!({
        "key": key,
        "title": title,
        "pairs": correlation.pairs,
        "r": correlation.r.map(|r| format!("{r:.2}")),
        "ci95": correlation.ci95.map(|[lo, hi]| format!("{lo:.2} to {hi:.2}")),
        "words": in_words(label, correlation),
        "description": scatter::describe(measure, points),
        "chart": scatter::layout(points),
    })
}

/// "3 in 10" for a rate, or "fewer than 1 in 10" when it rounds to nothing.
fn in_ten(rate: f64) -> String {
    match (rate * 10.0).round() as u32 {
        0 if rate > 0.0 => "fewer than 1 in 10".to_owned(),
        n => format!("{n} in 10"),
    }
}

/// A rate as a percentage with one decimal, or a dash when there is none.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// The insights in a few sentences, the most telling first.
fn reading(i: &ResponseInsights) -> Vec<String> {
    let mut lines = Vec::new();
    if i.invited == 0 {
        lines.push("Nobody was invited in this period.".to_owned());
        return lines;
    }
    if let Some(r) = i.response_rate {
        lines.push(format!(
            "{} referees who could be reached (bounced and withdrawn ones aside) answered.",
            capitalised(&in_ten(r))
        ));
    }
    if let Some(b) = i.breakoff_rate {
        lines.push(format!(
            "{} referees who open the form leave without answering.",
            capitalised(&in_ten(b))
        ));
    }
    let after = &i.completions_after;
    let reminded = after.reminder_1 + after.reminder_2;
    if i.completed > 0 {
        lines.push(format!(
            "{reminded} of the {} answers came after a reminder.",
            i.completed
        ));
    }
    if let Some(h) = i.median_hours_to_quorum {
        lines.push(format!(
            "Half the cases that reached quorum did so within {h} hours of launch."
        ));
    }
    lines
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Labels of the hours-to-quorum bins, by their upper bound.
fn bin_label(up_to: Option<u32>, below: u32) -> String {
    match up_to {
        Some(24) => "Within a day".to_owned(),
        Some(168) => "3 to 7 days".to_owned(),
        Some(h) => format!("{below} to {h} hours"),
        None => "Longer than a week".to_owned(),
    }
}

/// The response insights as a page: the funnel, the hours to quorum, per template, and a
/// reading in words. The same window and figures as `GET /api/v1/insights/responses`.
#[get("/insights/responses")]
pub async fn responses(
    state: web::Data<AppState>,
    session: UiSession,
    _: Staff,
    ValidQuery(query): ValidQuery<InsightsQuery>,
) -> Result<HttpResponse, ApiError> {
    let engine = &state.engine;
    let window = query.window(engine.now())?;
    let i = engine.reports().response_insights(window).await?;
    let funnel = bars::layout(&[
        ("Invited".into(), "step", i.invited),
        ("Opened the form".into(), "step", i.opened),
        ("Started (saved a draft or sent)".into(), "step", i.started),
        ("Completed".into(), "done", i.completed),
        ("Declined".into(), "aside", i.declined),
        ("Bounced".into(), "aside", i.bounced),
        ("Expired".into(), "aside", i.expired),
    ]);
    let mut below = 0;
    let bins: Vec<(String, &'static str, u64)> = i
        .hours_to_quorum
        .iter()
        .map(|b| {
            let label = bin_label(b.up_to_hours, below);
            below = b.up_to_hours.unwrap_or(below);
            (label, "step", b.cases)
        })
        .collect();
    let quorum = bars::layout(&bins);
    let templates: Vec<Value> = i
        .templates
        .iter()
        .map(|t| {
            json!({
                "name": t.name,
                "version": t.version,
                "completed": t.completed,
                "median_seconds": t.median_seconds_to_complete.map(|s| format!("{s:.0} s")),
                "breakoff": percent(t.breakoff_rate),
            })
        })
        .collect();
    Ok(page(
        &state,
        &session,
        "ui/insights_responses.html",
        json!({
            "title": "Response insights",
            "nav": "responses",
            "from": i.from.date_naive().to_string(),
            // The form's `to` is a whole day; the window ends at the start of the next.
            "to": (i.to - chrono::Duration::seconds(1)).date_naive().to_string(),
            "i": i,
            "response_rate": percent(i.response_rate),
            "breakoff_rate": percent(i.breakoff_rate),
            "reading": reading(&i),
            "funnel": funnel,
            "quorum": quorum,
            "templates": templates,
        }),
    ))
}
