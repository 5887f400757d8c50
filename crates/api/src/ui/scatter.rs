//! The calibration page's small scatter plots, laid out on the server like the report's
//! chart: one point per engagement, the score the references gave before hiring across
//! (x, 0–100) against the engagement's first finished pulse up (y, 0–100), and the
//! diagonal y = x where the pulse equals the prediction. The template draws it as inline
//! SVG; `describe` says the same in words for the SVG's `<desc>`.

use engine::engagements::CalibrationPoint;
use serde::Serialize;

pub const WIDTH: f64 = 260.0;
pub const HEIGHT: f64 = 258.0;
/// The plot is the square between these: room on the left for the y labels and the y
/// title, below for the x labels and the x title, and a margin around for the points.
const LEFT: f64 = 46.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 214.0;

#[derive(Debug, Serialize)]
pub struct Scatter {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    /// 0, 25, 50, 75, 100 on both axes: `x` of the vertical grid line, `y` of the
    /// horizontal one.
    pub ticks: Vec<Tick>,
    /// Baseline of the x axis's numbers.
    pub x_labels_y: f64,
    /// Right edge of the y axis's numbers.
    pub y_labels_x: f64,
    /// The axis titles' anchors (the y title is turned a quarter left about its anchor).
    pub x_title: (f64, f64),
    pub y_title: (f64, f64),
    /// y = x, from (0, 0) to (100, 100).
    pub diagonal: (f64, f64, f64, f64),
    pub points: Vec<Point>,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub value: u32,
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Serialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub pre_hire: f64,
    pub pulse: f64,
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// x of a 0–100 score.
fn x(value: f64) -> f64 {
    round(LEFT + (RIGHT - LEFT) * value.clamp(0.0, 100.0) / 100.0)
}

/// y of a 0–100 score (SVG's y grows downwards).
fn y(value: f64) -> f64 {
    round(BOTTOM - (BOTTOM - TOP) * value.clamp(0.0, 100.0) / 100.0)
}

pub fn layout(points: &[CalibrationPoint]) -> Scatter {
    Scatter {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: RIGHT,
        top: TOP,
        bottom: BOTTOM,
        ticks: (0..=4)
            .map(|i| {
                let v = f64::from(i * 25);
                Tick {
                    value: i * 25,
                    x: x(v),
                    y: y(v),
                }
            })
            .collect(),
        x_labels_y: BOTTOM + 15.0,
        y_labels_x: LEFT - 6.0,
        x_title: ((LEFT + RIGHT) / 2.0, HEIGHT - 4.0),
        y_title: (13.0, (TOP + BOTTOM) / 2.0),
        diagonal: (x(0.0), y(0.0), x(100.0), y(100.0)),
        points: points
            .iter()
            .map(|p| Point {
                x: x(p.pre_hire),
                y: y(p.pulse),
                pre_hire: p.pre_hire,
                pulse: p.pulse,
            })
            .collect(),
    }
}

/// The plot in words, for its `<desc>`: what a point is, how many fell above and below
/// the diagonal, and every point's two scores (lowest pre-hire score first). `measure` is what was scored, as it reads
/// after "on" ("the alignment score", "“Shares our values”").
pub fn describe(measure: &str, points: &[CalibrationPoint]) -> String {
    if points.is_empty() {
        return format!(
            "No engagement has both a pre-hire score and a finished pulse on {measure} yet, so the plot is empty."
        );
    }
    let n = points.len();
    let better = points.iter().filter(|p| p.pulse > p.pre_hire).count();
    let worse = points.iter().filter(|p| p.pulse < p.pre_hire).count();
    let same = n - better - worse;
    let mut out = format!(
        "{n} engagement{}, one point each: the score the references gave on {measure} before \
         hiring (across, 0 to 100) against the first pulse's (up, 0 to 100). {better} did better \
         in the pulse than predicted (above the diagonal), {worse} worse (below it)",
        if n == 1 { "" } else { "s" }
    );
    if same > 0 {
        out.push_str(&format!(", {same} as predicted (on it)"));
    }
    out.push_str(". Before, then after: ");
    let mut sorted = points.to_vec();
    sorted.sort_by(|a, b| {
        a.pre_hire
            .total_cmp(&b.pre_hire)
            .then(a.pulse.total_cmp(&b.pulse))
    });
    let pairs: Vec<String> = sorted
        .iter()
        .map(|p| format!("{:.1} then {:.1}", p.pre_hire, p.pulse))
        .collect();
    out.push_str(&pairs.join("; "));
    out.push('.');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(pre_hire: f64, pulse: f64) -> CalibrationPoint {
        CalibrationPoint { pre_hire, pulse }
    }

    #[test]
    fn scores_map_onto_a_square_plot_with_the_diagonal_corner_to_corner() {
        let s = layout(&[point(0.0, 0.0), point(100.0, 100.0), point(50.0, 75.0)]);
        assert_eq!(RIGHT - LEFT, BOTTOM - TOP, "the plot is square");
        assert_eq!((s.points[0].x, s.points[0].y), (LEFT, BOTTOM));
        assert_eq!((s.points[1].x, s.points[1].y), (RIGHT, TOP));
        assert_eq!((s.points[2].x, s.points[2].y), (148.0, 61.0));
        assert_eq!(s.diagonal, (LEFT, BOTTOM, RIGHT, TOP));
        // Up is better: a pulse above the prediction is drawn above the diagonal.
        let above = &s.points[2];
        let diagonal_y = BOTTOM - (above.x - LEFT);
        assert!(above.y < diagonal_y);
        // Every point, with its radius, stays inside the drawing.
        for p in &s.points {
            assert!(p.x - 6.0 >= 0.0 && p.x + 6.0 <= s.width);
            assert!(p.y - 6.0 >= 0.0 && p.y + 6.0 <= s.height);
        }
        let values: Vec<u32> = s.ticks.iter().map(|t| t.value).collect();
        assert_eq!(values, [0, 25, 50, 75, 100]);
        assert_eq!((s.ticks[2].x, s.ticks[2].y), (148.0, 112.0));
        // Out-of-range values are drawn at the edge, not outside.
        let clamped = layout(&[point(-5.0, 120.0)]);
        assert_eq!((clamped.points[0].x, clamped.points[0].y), (LEFT, TOP));
        assert_eq!(clamped.points[0].pulse, 120.0, "the value itself is kept");
        assert!(layout(&[]).points.is_empty());
    }

    #[test]
    fn the_description_counts_points_above_and_below_and_lists_them() {
        let text = describe(
            "“Dedication”",
            &[point(70.0, 80.5), point(60.0, 50.0), point(55.0, 55.0)],
        );
        assert!(text.starts_with(
            "3 engagements, one point each: the score the references gave on “Dedication” before hiring"
        ));
        assert!(text.contains("1 did better in the pulse than predicted (above the diagonal), 1 worse (below it), 1 as predicted (on it)."));
        assert!(
            text.ends_with("Before, then after: 55.0 then 55.0; 60.0 then 50.0; 70.0 then 80.5.")
        );
        let one = describe("the alignment score", &[point(70.0, 60.0)]);
        assert!(one.starts_with("1 engagement, one point each"));
        assert!(!one.contains("as predicted"));
        assert!(describe("“Values”", &[]).contains("on “Values” yet, so the plot is empty"));
    }
}
