//! The provider page's chart, laid out on the server: by date (across), the alignment
//! score (0–100, up) of each decided case as a dot and each pulse's alignment as a
//! diamond, every mark labelled with its score, and a dashed line from a case to the
//! pulses of the engagement it opened. `None` when there is nothing to draw yet.

use chrono::{DateTime, Duration, Utc};
use engine::history::ProviderHistory;
use serde::Serialize;

use super::format;

pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 250.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 700.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 206.0;
/// Space kept on each side of the first and last mark, so their labels stay inside.
const PAD: f64 = 48.0;
/// The label's baseline above its mark (or below it, when it would hit its neighbour's).
const LABEL_ABOVE: f64 = 12.0;
const LABEL_BELOW: f64 = 22.0;

#[derive(Debug, Serialize)]
pub struct HistoryChart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    /// 0, 25, 50, 75, 100: `y` of the horizontal grid line.
    pub ticks: Vec<Tick>,
    /// A few dates along the bottom.
    pub dates: Vec<DateTick>,
    pub date_labels_y: f64,
    /// Dashed lines from a case to its engagement's pulses: `x,y x,y …`.
    pub links: Vec<String>,
    pub marks: Vec<Mark>,
    /// The chart in words, for its `<desc>`.
    pub description: String,
}

#[derive(Debug, Serialize)]
pub struct Tick {
    pub value: u32,
    pub y: f64,
}

#[derive(Debug, Serialize)]
pub struct DateTick {
    pub x: f64,
    pub label: String,
}

#[derive(Debug, Serialize)]
pub struct Mark {
    /// `case` (a decided case's alignment score) or `pulse` (a pulse's alignment).
    pub kind: &'static str,
    pub x: f64,
    pub y: f64,
    pub value: f64,
    /// Baseline of the score written next to the mark.
    pub label_y: f64,
    /// What the mark is, in words (its `<title>`).
    pub title: String,
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn y(value: f64) -> f64 {
    round(BOTTOM - (BOTTOM - TOP) * value.clamp(0.0, 100.0) / 100.0)
}

struct Raw {
    kind: &'static str,
    at: DateTime<Utc>,
    value: f64,
    title: String,
    /// The engagement whose line it is on: the case's own, or the pulse's.
    chain: Option<uuid::Uuid>,
}

pub fn layout(history: &ProviderHistory) -> Option<HistoryChart> {
    let raw = raw_marks(history);
    if raw.is_empty() {
        return None;
    }
    let axis = TimeAxis::new(&raw);
    let marks = place_marks(&raw, &axis);
    let links = links(&raw, &marks);
    let dates = (0..4)
        .map(|i| {
            let at = axis.first + Duration::seconds((axis.span * f64::from(i) / 3.0) as i64);
            DateTick {
                x: axis.x(at),
                label: format::date(at),
            }
        })
        .collect();
    Some(HistoryChart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: RIGHT,
        top: TOP,
        bottom: BOTTOM,
        ticks: (0..=4)
            .map(|i| Tick {
                value: i * 25,
                y: y(f64::from(i * 25)),
            })
            .collect(),
        dates,
        date_labels_y: BOTTOM + 20.0,
        links,
        marks,
        description: describe(&raw),
    })
}

/// Every decided case and pulse with an alignment score, in date order.
fn raw_marks(history: &ProviderHistory) -> Vec<Raw> {
    let mut raw = Vec::new();
    for c in &history.cases {
        if let (Some(at), Some(value)) = (c.decided_at, c.alignment_score) {
            let outcome = c
                .outcome
                .map_or("decided", |o| format::outcome_label(o.as_str()));
            raw.push(Raw {
                kind: "case",
                at,
                value,
                title: format!(
                    "{}, case “{}” decided ({outcome}): alignment {value:.1}",
                    format::date(at),
                    c.title
                ),
                chain: history
                    .engagements
                    .iter()
                    .find(|e| e.case_id == c.id)
                    .map(|e| e.id),
            });
        }
    }
    for e in &history.engagements {
        for (i, p) in e.pulses.iter().enumerate() {
            if let Some(value) = p.alignment {
                let collecting = if p.status == engine::domain::PulseStatus::Collecting {
                    ", still collecting"
                } else {
                    ""
                };
                raw.push(Raw {
                    kind: "pulse",
                    at: p.started_at,
                    value,
                    title: format!(
                        "{}, pulse {} ({} of {} answered{collecting}): alignment {value:.1}",
                        format::date(p.started_at),
                        i + 1,
                        p.responses,
                        p.invited
                    ),
                    chain: Some(e.id),
                });
            }
        }
    }
    raw.sort_by_key(|r| r.at);
    raw
}

/// Where a date falls across the chart.
struct TimeAxis {
    first: DateTime<Utc>,
    /// Seconds from the first date to the last.
    span: f64,
}

impl TimeAxis {
    /// `raw` is in date order and not empty.
    fn new(raw: &[Raw]) -> Self {
        let mut first = raw[0].at;
        let mut last = raw[raw.len() - 1].at;
        // A single day (or one mark) is drawn in the middle of a month.
        if last - first < Duration::days(2) {
            first -= Duration::days(15);
            last += Duration::days(15);
        }
        let span = (last - first).num_seconds() as f64;
        TimeAxis { first, span }
    }

    fn x(&self, at: DateTime<Utc>) -> f64 {
        let t = (at - self.first).num_seconds() as f64 / self.span;
        round(LEFT + PAD + (RIGHT - LEFT - 2.0 * PAD) * t)
    }
}

fn place_marks(raw: &[Raw], axis: &TimeAxis) -> Vec<Mark> {
    let mut marks: Vec<Mark> = Vec::with_capacity(raw.len());
    for r in raw {
        let (mx, my) = (axis.x(r.at), y(r.value));
        // A label that would run into the one before it goes below the mark instead.
        let crowded = marks.last().is_some_and(|m| {
            (mx - m.x).abs() < 40.0 && (my - LABEL_ABOVE - m.label_y).abs() < 16.0
        });
        let below = crowded || my - LABEL_ABOVE < TOP - 10.0;
        marks.push(Mark {
            kind: r.kind,
            x: mx,
            y: my,
            value: r.value,
            label_y: if below {
                my + LABEL_BELOW
            } else {
                my - LABEL_ABOVE
            },
            title: r.title.clone(),
        });
    }
    marks
}

/// The dashed lines, one per engagement with more than one mark on it.
fn links(raw: &[Raw], marks: &[Mark]) -> Vec<String> {
    let mut chains: Vec<uuid::Uuid> = raw.iter().filter_map(|r| r.chain).collect();
    chains.sort();
    chains.dedup();
    chains
        .iter()
        .filter_map(|id| {
            let points: Vec<String> = raw
                .iter()
                .zip(marks)
                .filter(|(r, _)| r.chain == Some(*id))
                .map(|(_, m)| format!("{},{}", m.x, m.y))
                .collect();
            (points.len() > 1).then(|| points.join(" "))
        })
        .collect()
}

fn describe(raw: &[Raw]) -> String {
    let cases = raw.iter().filter(|r| r.kind == "case").count();
    let pulses = raw.len() - cases;
    format!(
        "Alignment scores over time, 0 to 100: {cases} decided case{} (dots) and {pulses} pulse{} \
         (diamonds). {}.",
        if cases == 1 { "" } else { "s" },
        if pulses == 1 { "" } else { "s" },
        raw.iter()
            .map(|r| r.title.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use engine::domain::{CaseStatus, Engagement, EngagementStatus, Outcome, Pulse, PulseStatus};
    use engine::history::CaseHistory;
    use uuid::Uuid;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 12, 0, 0).unwrap()
    }

    fn case(id: Uuid, decided: Option<u32>, alignment: Option<f64>) -> CaseHistory {
        CaseHistory {
            id,
            title: "Finance partner".into(),
            status: if decided.is_some() {
                CaseStatus::Decided
            } else {
                CaseStatus::Review
            },
            created_at: day(1),
            decided_at: decided.map(day),
            outcome: decided.map(|_| Outcome::Approved),
            alignment_score: alignment,
        }
    }

    fn pulse(d: u32, alignment: Option<f64>) -> Pulse {
        Pulse {
            id: Uuid::now_v7(),
            started_at: day(d),
            status: PulseStatus::Complete,
            invited: 2,
            responses: 2,
            alignment,
            dimensions: vec![],
        }
    }

    fn engagement(case_id: Uuid, pulses: Vec<Pulse>) -> Engagement {
        Engagement {
            id: Uuid::now_v7(),
            case_id,
            provider_id: Uuid::now_v7(),
            provider_name: "Ledger & Co".into(),
            status: EngagementStatus::Active,
            started_at: day(2),
            next_pulse_at: None,
            ended_at: None,
            end_reason: None,
            demo: false,
            stakeholders: vec![],
            pre_hire_alignment: None,
            pulses,
        }
    }

    #[test]
    fn nothing_decided_and_no_pulse_draws_nothing() {
        let history = ProviderHistory {
            cases: vec![case(Uuid::now_v7(), None, Some(70.0))],
            engagements: vec![],
        };
        assert!(layout(&history).is_none());
    }

    #[test]
    fn a_decided_case_and_its_pulses_are_marks_by_date_joined_by_a_line() {
        let id = Uuid::now_v7();
        let history = ProviderHistory {
            cases: vec![case(id, Some(2), Some(80.0))],
            engagements: vec![engagement(
                id,
                vec![
                    pulse(12, Some(60.0)),
                    pulse(22, None),
                    pulse(30, Some(100.0)),
                ],
            )],
        };
        let chart = layout(&history).unwrap();
        let kinds: Vec<&str> = chart.marks.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            ["case", "pulse", "pulse"],
            "a pulse without data is not drawn"
        );
        // The first and last marks sit inside the padding; time runs left to right.
        assert_eq!(chart.marks[0].x, LEFT + PAD);
        assert_eq!(chart.marks[2].x, RIGHT - PAD);
        assert!(chart.marks[0].x < chart.marks[1].x && chart.marks[1].x < chart.marks[2].x);
        // Higher scores are higher up.
        assert_eq!(chart.marks[0].y, y(80.0));
        assert_eq!(chart.marks[2].y, TOP);
        assert!(chart.marks[1].y > chart.marks[0].y);
        // A label at the very top would leave the chart: it goes below its mark.
        assert_eq!(chart.marks[2].label_y, TOP + LABEL_BELOW);
        assert_eq!(chart.marks[0].label_y, chart.marks[0].y - LABEL_ABOVE);
        assert_eq!(chart.links.len(), 1);
        assert_eq!(chart.links[0].split(' ').count(), 3);
        assert!(
            chart.marks[0]
                .title
                .contains("case “Finance partner” decided (Approved): alignment 80.0")
        );
        assert!(
            chart.marks[1]
                .title
                .contains("pulse 1 (2 of 2 answered): alignment 60.0")
        );
        assert!(chart.description.starts_with(
            "Alignment scores over time, 0 to 100: 1 decided case (dots) and 2 pulses (diamonds)."
        ));
        assert_eq!(chart.dates.len(), 4);
        assert_eq!(chart.dates[0].label, "2 Mar 2026");
        assert_eq!(chart.dates[3].label, "30 Mar 2026");
    }

    #[test]
    fn a_single_mark_is_drawn_in_the_middle() {
        let history = ProviderHistory {
            cases: vec![case(Uuid::now_v7(), Some(5), Some(50.0))],
            engagements: vec![],
        };
        let chart = layout(&history).unwrap();
        assert_eq!(chart.marks.len(), 1);
        assert_eq!(chart.marks[0].x, (LEFT + RIGHT) / 2.0);
        assert!(chart.links.is_empty());
    }
}
