//! The report's chart, laid out on the server: one row per dimension on a 0–100 axis,
//! with the profile minimum as a tick, the 95% interval as a line, each referee's score as
//! a small dot, the dimension's score as a large one, and the provider's self-assessment
//! as a diamond. The template draws it as inline
//! SVG, so it needs no JavaScript and prints as crisply as the text around it. Each
//! dimension's name (and score) is written above its row, across the plot's width: SVG
//! text does not wrap, and the SVG clips whatever is drawn past its edge.

use engine::scoring::DimensionScore;
use serde::Serialize;

pub const WIDTH: f64 = 720.0;
pub(crate) const PLOT_LEFT: f64 = 20.0;
pub(crate) const PLOT_RIGHT: f64 = 700.0;
pub(crate) const TOP: f64 = 34.0;
pub(crate) const ROW: f64 = 56.0;
pub(crate) const BOTTOM: f64 = 16.0;
/// The label's baseline above the row's track: clear of the minimum tick and the highest
/// referee dot (15 above the track), and of the row above.
pub(crate) const LABEL_ABOVE: f64 = 21.0;

#[derive(Debug, Serialize)]
pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub label_x: f64,
    pub plot_left: f64,
    pub plot_right: f64,
    pub axis: Vec<Tick>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub x: f64,
    pub value: u32,
    pub y1: f64,
    pub y2: f64,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub label: String,
    /// Baseline of the label, above the track at `y`.
    pub label_y: f64,
    pub y: f64,
    pub min_x: f64,
    pub min_score: f64,
    pub below_min: bool,
    /// `None` when no referee rated this dimension.
    pub score: Option<Mark>,
    pub interval: Option<(f64, f64, f64, f64)>,
    pub referees: Vec<Point>,
    /// The provider's own rating, when it sent a self-assessment.
    pub self_mark: Option<Mark>,
}

#[derive(Debug, Serialize)]
pub struct Mark {
    pub x: f64,
    pub value: f64,
}

#[derive(Debug, Serialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub value: f64,
}

/// x of a 0–100 value.
pub(crate) fn x(value: f64) -> f64 {
    let v = value.clamp(0.0, 100.0);
    round(PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * v / 100.0)
}

pub(crate) fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The chart's height for `rows` rows.
pub(crate) fn height(rows: usize) -> f64 {
    TOP + ROW * rows as f64 + BOTTOM
}

/// The track's y of row `i`.
pub(crate) fn row_y(i: usize) -> f64 {
    round(TOP + ROW * i as f64 + ROW / 2.0)
}

/// The 0, 25, 50, 75 and 100 grid lines of a chart `height` tall.
pub(crate) fn axis(height: f64) -> Vec<Tick> {
    (0..=4)
        .map(|i| Tick {
            x: x(f64::from(i * 25)),
            value: i * 25,
            y1: TOP - 6.0,
            y2: height - BOTTOM,
        })
        .collect()
}

pub fn layout(dimensions: &[DimensionScore]) -> Chart {
    let height = height(dimensions.len());
    let axis = axis(height);
    let rows = dimensions
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let y = row_y(i);
            // Referees with equal scores are spread vertically so each dot stays visible.
            let mut seen: Vec<f64> = Vec::new();
            let referees = d
                .referee_scores
                .iter()
                .map(|&v| {
                    let same = seen.iter().filter(|s| (**s - v).abs() < 1.5).count();
                    seen.push(v);
                    let offset = [0.0, -6.0, 6.0, -11.0, 11.0][same % 5];
                    Point {
                        x: x(v),
                        y: y + offset,
                        value: v,
                    }
                })
                .collect();
            Row {
                label: d.label.clone(),
                label_y: round(y - LABEL_ABOVE),
                y,
                min_x: x(d.min_score),
                min_score: d.min_score,
                below_min: d.below_min,
                score: d.score.map(|v| Mark { x: x(v), value: v }),
                interval: d.ci95.map(|[lo, hi]| (x(lo), x(hi), lo, hi)),
                referees,
                self_mark: d.self_score.map(|v| Mark { x: x(v), value: v }),
            }
        })
        .collect();
    Chart {
        width: WIDTH,
        height,
        label_x: PLOT_LEFT,
        plot_left: PLOT_LEFT,
        plot_right: PLOT_RIGHT,
        axis,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(score: Option<f64>, referees: Vec<f64>) -> DimensionScore {
        DimensionScore {
            key: "values".into(),
            label: "Values".into(),
            weight: 3.0,
            min_score: 60.0,
            score,
            n: referees.len() as u32,
            stddev: None,
            ci95: score.map(|s| [s - 10.0, (s + 10.0).min(100.0)]),
            agreement: None,
            below_min: score.is_some_and(|s| s < 60.0),
            referee_scores: referees,
            ..DimensionScore::default()
        }
    }

    #[test]
    fn values_map_onto_the_plot_and_equal_scores_do_not_overlap() {
        let chart = layout(&[dim(Some(75.0), vec![75.0, 75.0, 50.0]), dim(None, vec![])]);
        assert_eq!(chart.rows.len(), 2);
        let row = &chart.rows[0];
        assert_eq!(row.score.as_ref().unwrap().x, 530.0);
        assert_eq!(row.min_x, 428.0);
        assert_eq!(row.referees[0].x, row.referees[1].x);
        assert_ne!(row.referees[0].y, row.referees[1].y);
        assert_eq!(row.interval.unwrap().0, 462.0);
        assert_eq!(row.label_y, row.y - LABEL_ABOVE);
        assert!(chart.rows[1].score.is_none() && chart.rows[1].interval.is_none());
        assert!(row.self_mark.is_none(), "no self-assessment, no diamond");
        let mut with_self = dim(Some(75.0), vec![75.0]);
        with_self.self_score = Some(100.0);
        let chart = layout(&[with_self]);
        let mark = chart.rows[0].self_mark.as_ref().unwrap();
        assert_eq!((mark.x, mark.value), (PLOT_RIGHT, 100.0));
        assert_eq!(chart.axis.first().unwrap().x, PLOT_LEFT);
        assert_eq!(chart.axis.last().unwrap().x, PLOT_RIGHT);
    }
}
