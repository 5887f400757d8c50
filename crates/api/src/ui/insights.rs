//! Insights for HR: calibration, i.e. how well the reference check predicted how the
//! engagements went. One small scatter plot per dimension and one for the alignment score
//! (before hiring across, the first finished pulse up), each with its correlation in words.

use actix_web::{HttpResponse, get, web};
use engine::Engine;
use engine::calibration::{Correlation, MIN_PAIRS_FOR_R, in_words};
use engine::domain::{Engagement, PulseStatus};
use engine::engagements::CalibrationPoint;
use serde_json::{Value, json};

use super::session::UiSession;
use super::{page, scatter};
use crate::AppState;
use crate::auth::Hr;
use crate::error::ApiError;

/// What `in_words` calls the alignment score.
const ALIGNMENT: &str = "alignment";

#[get("/insights/calibration")]
pub async fn calibration(
    state: web::Data<AppState>,
    session: UiSession,
    _: Hr,
) -> Result<HttpResponse, ApiError> {
    let engine = &state.engine;
    let calibration = engine.calibration().await?;
    // The engagements behind it: whether any is `vouch demo`'s, and the alignment pairs
    // (the engine gives their correlation; the plot needs the points).
    let counted: Vec<Engagement> = engine
        .engagements(None)
        .await?
        .into_iter()
        .filter(|e| first_finished_pulse(e).is_some())
        .collect();
    let demo = counted.iter().any(|e| e.demo);
    let alignment_points = alignment_points(engine, &counted).await?;

    let mut plots = vec![plot(
        ALIGNMENT,
        "Alignment score",
        ALIGNMENT,
        "the alignment score",
        &calibration.alignment,
        &alignment_points,
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
            "demo": demo,
            "alignment": plots.remove(0),
            "dimensions": plots,
        }),
    ))
}

fn first_finished_pulse(e: &Engagement) -> Option<&engine::domain::Pulse> {
    e.pulses.iter().find(|p| p.status == PulseStatus::Complete)
}

/// The (pre-hire alignment score, first finished pulse's alignment) of each engagement
/// that has both: the pairs `Engine::calibration` correlates for `alignment`.
async fn alignment_points(
    engine: &Engine,
    counted: &[Engagement],
) -> Result<Vec<CalibrationPoint>, ApiError> {
    let mut points = Vec::new();
    for e in counted {
        let Some(pulse) = first_finished_pulse(e).and_then(|p| p.alignment) else {
            continue;
        };
        if let Some(pre_hire) = engine.case_report(e.case_id).await?.alignment_score {
            points.push(CalibrationPoint { pre_hire, pulse });
        }
    }
    Ok(points)
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
