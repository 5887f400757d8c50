//! Horizontal bar charts laid out on the server, for the response insights: one row per
//! figure, its name written above the bar across the plot's width (SVG text does not
//! wrap), the bar scaled to the largest value of the chart, and the figure itself at the
//! bar's end. Drawn as inline SVG like the report's chart: no JavaScript, crisp in print.

use serde::Serialize;

pub const WIDTH: f64 = 720.0;
const LEFT: f64 = 20.0;
/// Room right of the longest bar for its figure.
const RIGHT: f64 = 640.0;
const TOP: f64 = 24.0;
const ROW: f64 = 46.0;
const BAR: f64 = 18.0;
const BOTTOM: f64 = 8.0;

#[derive(Debug, Serialize)]
pub struct Bars {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub rows: Vec<BarRow>,
}

#[derive(Debug, Serialize)]
pub struct BarRow {
    pub label: String,
    /// The CSS class suffix (`bar-<kind>`): the funnel's steps and what falls beside it.
    pub kind: &'static str,
    pub value: u64,
    /// Baseline of the label, above the bar.
    pub label_y: f64,
    pub y: f64,
    pub height: f64,
    pub width: f64,
    /// Where the figure is written: just past the bar's end.
    pub value_x: f64,
    pub value_y: f64,
}

/// One row per `(label, kind, value)`, in order.
pub fn layout(rows: &[(String, &'static str, u64)]) -> Bars {
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1) as f64;
    let rows: Vec<BarRow> = rows
        .iter()
        .enumerate()
        .map(|(i, (label, kind, value))| {
            let y = TOP + ROW * i as f64;
            let width = round((RIGHT - LEFT) * *value as f64 / max);
            BarRow {
                label: label.clone(),
                kind,
                value: *value,
                label_y: y - 6.0,
                y,
                height: BAR,
                width,
                value_x: round(LEFT + width + 6.0),
                value_y: y + BAR - 4.0,
            }
        })
        .collect();
    Bars {
        width: WIDTH,
        height: TOP + ROW * rows.len() as f64 - (ROW - BAR) + BOTTOM,
        left: LEFT,
        rows,
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_an_empty_chart_draws_no_bar() {
        let b = layout(&[("a".into(), "step", 10), ("b".into(), "step", 5)]);
        assert_eq!(b.rows[0].width, RIGHT - LEFT);
        assert_eq!(b.rows[1].width, (RIGHT - LEFT) / 2.0);
        let empty = layout(&[("a".into(), "step", 0)]);
        assert_eq!(empty.rows[0].width, 0.0);
    }
}
