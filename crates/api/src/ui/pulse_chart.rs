//! A pulse's chart, laid out on the server in the report chart's style (`chart.rs`): one
//! row per dimension on the same 0–100 axis, with what the references predicted before
//! hiring (the 95% interval as a line, the pre-hire score as a large muted dot) and what
//! the stakeholders say now (a square, coloured when it falls outside the interval). The
//! template draws it as inline SVG; each dimension's name and score now are written above
//! its row (as in the report), and a drift outside the interval in words under it, in a
//! row made taller for it.

use engine::domain::{Drift, PulseDimension};
use serde::Serialize;

use super::chart::{self, BOTTOM, LABEL_ABOVE, Mark, PLOT_LEFT, PLOT_RIGHT, ROW, TOP, Tick, WIDTH};

#[derive(Debug, Serialize)]
pub struct PulseChart {
    pub width: f64,
    pub height: f64,
    pub label_x: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub axis: Vec<Tick>,
    pub rows: Vec<PulseRow>,
}

#[derive(Debug, Serialize)]
pub struct PulseRow {
    pub label: String,
    /// Baseline of the label, above the track at `y`.
    pub label_y: f64,
    pub y: f64,
    /// Baseline of the drift in words, under the track: between the marks and the next
    /// row's label.
    pub drift_y: f64,
    /// The pre-hire 95% interval: x from, x to, and the values.
    pub interval: Option<(f64, f64, f64, f64)>,
    /// The score the references gave before hiring.
    pub pre_hire: Option<Mark>,
    /// The stakeholders' score now; `None` when none of them rated this dimension.
    pub pulse: Option<Mark>,
    /// `below`, `within` or `above` the interval; `None` without a pulse score (or without
    /// an interval to set it against).
    pub drift: Option<Drift>,
    /// Stakeholders with data on it.
    pub n: u32,
}

/// The drift's baseline under the track: clear of the marks (8 under it).
const DRIFT_UNDER: f64 = 23.0;
/// What a row with a drift in words grows by, so the words keep clear of the next row's
/// label.
const DRIFT_ROW: f64 = 18.0;

/// Whether the row says its drift in words (the interval's inside needs no words).
fn says_drift(d: &PulseDimension) -> bool {
    matches!(d.drift, Some(Drift::Below | Drift::Above))
}

pub fn pulse_layout(dimensions: &[PulseDimension]) -> PulseChart {
    let mut top = TOP;
    let rows: Vec<PulseRow> = dimensions
        .iter()
        .map(|d| {
            let y = chart::round(top + ROW / 2.0);
            top += ROW + if says_drift(d) { DRIFT_ROW } else { 0.0 };
            PulseRow {
                label: d.label.clone(),
                label_y: chart::round(y - LABEL_ABOVE),
                y,
                drift_y: chart::round(y + DRIFT_UNDER),
                interval: d
                    .pre_hire_ci95
                    .map(|[lo, hi]| (chart::x(lo), chart::x(hi), lo, hi)),
                pre_hire: d.pre_hire_score.map(|v| Mark {
                    x: chart::x(v),
                    value: v,
                }),
                pulse: d.score.map(|v| Mark {
                    x: chart::x(v),
                    value: v,
                }),
                drift: d.drift,
                n: d.n,
            }
        })
        .collect();
    let height = chart::round(top + BOTTOM);
    PulseChart {
        width: WIDTH,
        height,
        label_x: PLOT_LEFT,
        plot_left: PLOT_LEFT,
        plot_right: PLOT_RIGHT,
        axis: chart::axis(height),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(score: Option<f64>, pre_hire: Option<f64>, drift: Option<Drift>) -> PulseDimension {
        PulseDimension {
            key: "values".into(),
            label: "Values".into(),
            score,
            n: u32::from(score.is_some()),
            pre_hire_score: pre_hire,
            pre_hire_ci95: pre_hire.map(|p| [p - 10.0, (p + 10.0).min(100.0)]),
            drift,
        }
    }

    #[test]
    fn the_pulse_sits_on_the_report_charts_axis_beside_the_pre_hire_interval() {
        let chart = pulse_layout(&[
            dim(Some(25.0), Some(75.0), Some(Drift::Below)),
            dim(None, Some(50.0), None),
            dim(Some(100.0), None, None),
        ]);
        assert_eq!(chart.rows.len(), 3);
        // One row says its drift in words, and is taller for it.
        assert_eq!(chart.height, chart::height(3) + DRIFT_ROW);
        assert_eq!(chart.width, WIDTH);

        let below = &chart.rows[0];
        assert_eq!(below.pulse.as_ref().unwrap().x, 190.0);
        assert_eq!(below.pre_hire.as_ref().unwrap().x, 530.0);
        assert_eq!(below.interval.unwrap(), (462.0, 598.0, 65.0, 85.0));
        assert_eq!(below.drift, Some(Drift::Below));
        assert_eq!(below.label_y, below.y - LABEL_ABOVE);
        assert_eq!(below.drift_y, below.y + DRIFT_UNDER);
        assert!(
            below.drift_y < chart.rows[1].label_y - 14.0,
            "clear of the next label"
        );

        // Other rows are the report's distance apart, and a missing pulse score draws no
        // mark.
        let empty = &chart.rows[1];
        assert_eq!(empty.y - below.y, ROW + DRIFT_ROW);
        assert_eq!(chart.rows[2].y - empty.y, ROW);
        assert!(empty.pulse.is_none() && empty.drift.is_none());
        assert!(empty.pre_hire.is_some() && empty.interval.is_some());

        // No pre-hire score: only the pulse, at the plot's right edge for 100.
        let alone = &chart.rows[2];
        assert!(alone.pre_hire.is_none() && alone.interval.is_none());
        assert_eq!(alone.pulse.as_ref().unwrap().x, PLOT_RIGHT);

        // The same grid as the report's.
        assert_eq!(chart.axis.len(), 5);
        assert_eq!(chart.axis.first().unwrap().x, PLOT_LEFT);
        assert_eq!(chart.axis.last().unwrap().x, PLOT_RIGHT);
        assert_eq!(chart.axis[0].y2, chart.height - BOTTOM);
    }
}
