//! Insights for HR: calibration, i.e. how well the reference check predicted how the
//! engagements went. One small scatter plot per dimension and one for the alignment score
//! (before hiring across, the first finished pulse up), each with its correlation in words.

use actix_web::{HttpResponse, get, web};
use engine::calibration::{Correlation, MIN_PAIRS_FOR_R, in_words};
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
