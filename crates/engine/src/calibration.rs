//! Calibration: did the references predict how the engagement went? Pure statistics over
//! pairs of scores (the pre-hire score of a dimension, or the alignment, against the first
//! complete pulse's score on the same thing), and a plain-English sentence for HR.
//!
//! Rules (API.md "Engagements (after the decision)", **Calibration**):
//! - `r` is Pearson's sample correlation, rounded to 2 decimals; null with fewer than 3
//!   pairs, and also null when every pair has the same pre-hire score or the same pulse
//!   score (zero variance: the correlation is undefined, not 0).
//! - `ci95` is the 95% interval by Fisher's z, `tanh(atanh r ± 1.959964 / √(pairs − 3))`,
//!   computed from the unrounded r and rounded to 2 decimals; null with fewer than 4 pairs
//!   (or when `r` is null). r is clamped to ±0.999999 before `atanh`, so a perfect
//!   correlation (r = ±1, where `atanh` is infinite) still gets a finite interval, which
//!   rounds to [1.0, 1.0] (or [-1.0, -1.0]).

use serde::Serialize;

use crate::scoring::round;

/// The 0.975 quantile of the standard normal distribution.
const Z_975: f64 = 1.959964;
/// |r| is clamped to this before `atanh`, which is infinite at ±1.
const R_CLAMP: f64 = 0.999_999;
/// Pairs needed for `r`.
pub const MIN_PAIRS_FOR_R: u32 = 3;
/// Pairs needed for `ci95` (Fisher's z needs pairs − 3 > 0).
pub const MIN_PAIRS_FOR_CI: u32 = 4;

/// One engagement's two scores on the same dimension (or on the alignment), both 0–100.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    /// The score the references gave before the decision.
    pub pre_hire: f64,
    /// The score of the engagement's first complete pulse.
    pub pulse: f64,
}

/// How well pre-hire scores predicted pulse scores over a set of engagements.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Correlation {
    /// Engagements with both a pre-hire score and a complete pulse score on this measure.
    pub pairs: u32,
    /// Pearson's correlation (sample) between the pre-hire and the pulse scores, −1 to 1,
    /// rounded to 2 decimals. Null with fewer than 3 pairs, or when all pre-hire scores
    /// (or all pulse scores) are equal, so that no correlation can be computed.
    pub r: Option<f64>,
    /// 95% confidence interval of r by Fisher's z transformation,
    /// `tanh(atanh r ± 1.959964 / √(pairs − 3))`, from the unrounded r (clamped to
    /// ±0.999999 so that r = ±1 gives a finite interval), rounded to 2 decimals. Null with
    /// fewer than 4 pairs or when `r` is null.
    pub ci95: Option<[f64; 2]>,
}

/// Pearson's r between `pre_hire` and `pulse` over `pairs`, with its Fisher-z interval.
/// See the module documentation for when `r` and `ci95` are null.
pub fn correlate(pairs: &[Pair]) -> Correlation {
    let count = u32::try_from(pairs.len()).unwrap_or(u32::MAX);
    let r = if count < MIN_PAIRS_FOR_R {
        None
    } else {
        pearson(pairs)
    };
    let ci95 = match r {
        Some(r) if count >= MIN_PAIRS_FOR_CI => Some(fisher_ci95(r, count)),
        _ => None,
    };
    Correlation {
        pairs: count,
        r: r.map(round2),
        ci95,
    }
}

/// The unrounded sample correlation; `None` when either side has zero variance (or the
/// input is not finite).
fn pearson(pairs: &[Pair]) -> Option<f64> {
    let n = pairs.len() as f64;
    let mean_x = pairs.iter().map(|p| p.pre_hire).sum::<f64>() / n;
    let mean_y = pairs.iter().map(|p| p.pulse).sum::<f64>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for p in pairs {
        let (dx, dy) = (p.pre_hire - mean_x, p.pulse - mean_y);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    // The (n − 1) of the sample covariance and standard deviations cancels out.
    if !(sxx > 0.0 && syy > 0.0) {
        return None;
    }
    let r = sxy / (sxx * syy).sqrt();
    // Rounding can push |r| a hair past 1 for perfectly collinear data.
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// `tanh(atanh r ± z / √(pairs − 3))`, rounded; `pairs` ≥ 4.
fn fisher_ci95(r: f64, pairs: u32) -> [f64; 2] {
    let z = r.clamp(-R_CLAMP, R_CLAMP).atanh();
    let half = Z_975 / f64::from(pairs - 3).sqrt();
    [round2((z - half).tanh()), round2((z + half).tanh())]
}

/// Two decimals, without a negative zero (which would print as `-0.00`).
fn round2(x: f64) -> f64 {
    round(x, 2) + 0.0
}

/// One sentence for HR about `c`, measured on `label` (a dimension's name, or
/// "alignment"), e.g. "With 12 engagements, references predicted “Dedication” well:
/// r = 0.71 (0.22 to 0.91)."
///
/// Strength from |r| as published: ≥ 0.7 "well", ≥ 0.4 "moderately", ≥ 0.2 "weakly",
/// else "not at all"; a negative r (from "weakly" up) adds "but the opposite way".
pub fn in_words(label: &str, c: &Correlation) -> String {
    if c.pairs < MIN_PAIRS_FOR_R {
        let missing = MIN_PAIRS_FOR_R - c.pairs;
        return format!(
            "Not enough data yet: {} engagement{} with a finished pulse; {} more {} needed.",
            c.pairs,
            plural(c.pairs),
            missing,
            if missing == 1 { "is" } else { "are" },
        );
    }
    let Some(r) = c.r else {
        return format!(
            "With {} engagements, it cannot be told yet whether references predicted \
             “{label}”: every engagement has the same pre-hire score or the same pulse score.",
            c.pairs
        );
    };
    let strength = r.abs();
    let how = if strength >= 0.7 {
        "well"
    } else if strength >= 0.4 {
        "moderately"
    } else if strength >= 0.2 {
        "weakly"
    } else {
        "not at all"
    };
    let how = if r < 0.0 && strength >= 0.2 {
        format!("{how}, but the opposite way")
    } else {
        how.to_owned()
    };
    let interval = match c.ci95 {
        Some([lo, hi]) => format!("{lo:.2} to {hi:.2}"),
        None => format!("a 95% interval needs at least {MIN_PAIRS_FOR_CI} engagements"),
    };
    format!(
        "With {} engagements, references predicted “{label}” {how}: r = {r:.2} ({interval}).",
        c.pairs
    )
}

/// The calibration page's reading of how the provider side went with the buyer's side:
/// `low` says how the provider felt when its score on the measure was low ("excluded from
/// plans and strategy"). `None` below `MIN_PAIRS_FOR_R` pairs or without an `r`: too few
/// engagements to say anything.
pub fn partnership_in_words(low: &str, c: &Correlation) -> Option<String> {
    let r = c.r.filter(|_| c.pairs >= MIN_PAIRS_FOR_R)?;
    let over = match c.ci95 {
        Some([lo, hi]) => format!(
            "r = {r:.2} over {} engagements, 95% interval {lo:.2} to {hi:.2}",
            c.pairs
        ),
        None => format!("r = {r:.2} over {} engagements", c.pairs),
    };
    Some(if r >= 0.3 {
        format!("When the provider felt {low}, the buyer's scores fell too ({over}).")
    } else if r <= -0.3 {
        format!("When the provider felt {low}, the buyer's scores were higher, not lower ({over}).")
    } else {
        format!(
            "Whether the provider felt {low} went with the buyer's scores hardly at all ({over})."
        )
    })
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(pre_hire: &[f64], pulse: &[f64]) -> Vec<Pair> {
        assert_eq!(pre_hire.len(), pulse.len());
        pre_hire
            .iter()
            .zip(pulse)
            .map(|(&pre_hire, &pulse)| Pair { pre_hire, pulse })
            .collect()
    }

    #[test]
    fn the_partnership_reading_says_nothing_below_three_pairs_and_reads_r_above() {
        let low = "excluded from plans and strategy";
        let two = correlate(&pairs(&[20.0, 80.0], &[40.0, 90.0]));
        assert_eq!(partnership_in_words(low, &two), None);
        let four = correlate(&pairs(&[20.0, 40.0, 60.0, 80.0], &[30.0, 50.0, 55.0, 90.0]));
        let words = partnership_in_words(low, &four).unwrap();
        assert!(
            words.starts_with(
                "When the provider felt excluded from plans and strategy, the buyer's scores fell too (r = 0.96 over 4 engagements, 95% interval"
            ),
            "{words}"
        );
        let opposite = correlate(&pairs(&[20.0, 40.0, 60.0], &[90.0, 50.0, 30.0]));
        assert!(
            partnership_in_words(low, &opposite)
                .unwrap()
                .contains("higher, not lower")
        );
    }

    #[test]
    fn no_pair_one_pair_and_two_pairs_have_neither_r_nor_an_interval() {
        for n in 0..3 {
            let data = pairs(&[10.0, 50.0, 90.0][..n], &[20.0, 40.0, 95.0][..n]);
            assert_eq!(
                correlate(&data),
                Correlation {
                    pairs: n as u32,
                    r: None,
                    ci95: None
                }
            );
        }
    }

    #[test]
    fn three_pairs_have_r_but_no_interval() {
        // x = 50, 60, 70 (mean 60); y = 40, 65, 60 (mean 55).
        // dx = -10, 0, 10; dy = -15, 10, 5.
        // Sxx = 100 + 0 + 100 = 200; Syy = 225 + 100 + 25 = 350;
        // Sxy = 150 + 0 + 50 = 200.
        // r = 200 / √(200 × 350) = 200 / 264.575 = 0.75593 → 0.76.
        let c = correlate(&pairs(&[50.0, 60.0, 70.0], &[40.0, 65.0, 60.0]));
        assert_eq!(
            c,
            Correlation {
                pairs: 3,
                r: Some(0.76),
                ci95: None
            }
        );
    }

    #[test]
    fn four_pairs_have_a_wide_fisher_interval() {
        // x = 40, 55, 70, 85 (mean 62.5); y = 50, 45, 80, 75 (mean 62.5).
        // dx = -22.5, -7.5, 7.5, 22.5; dy = -12.5, -17.5, 17.5, 12.5.
        // Sxx = 2 × (506.25 + 56.25) = 1125; Syy = 2 × (156.25 + 306.25) = 925;
        // Sxy = 281.25 + 131.25 + 131.25 + 281.25 = 825.
        // r = 825 / √(1125 × 925) = 825 / 1020.11 = 0.80874 → 0.81.
        // z = atanh 0.80874 = 1.12336; half-width = 1.959964 / √1 = 1.959964;
        // tanh(1.12336 − 1.95996) = tanh(-0.83660) = -0.68400 → -0.68;
        // tanh(1.12336 + 1.95996) = tanh(3.08333) = 0.99581 → 1.0.
        let c = correlate(&pairs(&[40.0, 55.0, 70.0, 85.0], &[50.0, 45.0, 80.0, 75.0]));
        assert_eq!(
            c,
            Correlation {
                pairs: 4,
                r: Some(0.81),
                ci95: Some([-0.68, 1.0])
            }
        );
    }

    #[test]
    fn ten_pairs_use_the_unrounded_r_for_the_interval() {
        // x = 30 45 50 55 60 65 70 75 80 90 (mean 62);
        // y = 35 50 40 60 55 75 60 80 70 85 (mean 61).
        // Sxx = 2860; Syy = 2490; Sxy = 2405.
        // r = 2405 / √(2860 × 2490) = 2405 / 2668.60 = 0.901223 → 0.90.
        // z = atanh 0.901223 = 1.478695; half-width = 1.959964 / √7 = 0.740797;
        // tanh(0.737898) = 0.627874 → 0.63; tanh(2.219492) = 0.976660 → 0.98.
        // (From the rounded r = 0.90 the lower end would be tanh(0.731422) = 0.6238 → 0.62.)
        let c = correlate(&pairs(
            &[30.0, 45.0, 50.0, 55.0, 60.0, 65.0, 70.0, 75.0, 80.0, 90.0],
            &[35.0, 50.0, 40.0, 60.0, 55.0, 75.0, 60.0, 80.0, 70.0, 85.0],
        ));
        assert_eq!(
            c,
            Correlation {
                pairs: 10,
                r: Some(0.9),
                ci95: Some([0.63, 0.98])
            }
        );
    }

    #[test]
    fn a_negative_correlation_has_a_negative_r_and_interval() {
        // x = 40 50 60 70 80 (mean 60); y = 70 50 65 45 40 (mean 54).
        // dx = -20 -10 0 10 20; dy = 16 -4 11 -9 -14.
        // Sxx = 1000; Syy = 256 + 16 + 121 + 81 + 196 = 670;
        // Sxy = -320 + 40 + 0 - 90 - 280 = -650.
        // r = -650 / √(670 000) = -650 / 818.535 = -0.794101 → -0.79.
        // z = -1.082438; half-width = 1.959964 / √2 = 1.385904;
        // tanh(-2.468342) = -0.985746 → -0.99; tanh(0.303466) = 0.294481 → 0.29.
        let c = correlate(&pairs(
            &[40.0, 50.0, 60.0, 70.0, 80.0],
            &[70.0, 50.0, 65.0, 45.0, 40.0],
        ));
        assert_eq!(
            c,
            Correlation {
                pairs: 5,
                r: Some(-0.79),
                ci95: Some([-0.99, 0.29])
            }
        );
    }

    #[test]
    fn a_perfect_correlation_gets_a_finite_interval_from_the_clamped_r() {
        // y = x: r = 1 exactly. Clamped to 0.999999, z = atanh 0.999999 = 7.254329;
        // half-width 1.959964 (4 pairs): tanh(5.294365) = 0.999950 → 1.0,
        // tanh(9.214293) = 0.99999998 → 1.0.
        let up = correlate(&pairs(&[20.0, 40.0, 60.0, 80.0], &[20.0, 40.0, 60.0, 80.0]));
        assert_eq!(up.r, Some(1.0));
        assert_eq!(up.ci95, Some([1.0, 1.0]));
        // y = 100 − x: r = -1, the mirror image.
        let down = correlate(&pairs(&[20.0, 40.0, 60.0, 80.0], &[80.0, 60.0, 40.0, 20.0]));
        assert_eq!(down.r, Some(-1.0));
        assert_eq!(down.ci95, Some([-1.0, -1.0]));
        for c in [&up, &down] {
            let [lo, hi] = c.ci95.unwrap();
            assert!(lo.is_finite() && hi.is_finite() && lo <= hi);
        }
    }

    #[test]
    fn zero_variance_on_either_side_leaves_r_and_the_interval_null() {
        let flat_pulse = correlate(&pairs(&[20.0, 40.0, 60.0, 80.0], &[50.0; 4]));
        assert_eq!(
            flat_pulse,
            Correlation {
                pairs: 4,
                r: None,
                ci95: None
            }
        );
        let flat_pre_hire = correlate(&pairs(&[75.0; 5], &[10.0, 30.0, 50.0, 70.0, 90.0]));
        assert_eq!(flat_pre_hire.pairs, 5);
        assert_eq!(flat_pre_hire.r, None);
        assert_eq!(flat_pre_hire.ci95, None);
    }

    #[test]
    fn r_and_the_interval_serialise_as_json_numbers_or_null() {
        let c = Correlation {
            pairs: 4,
            r: Some(0.81),
            ci95: Some([-0.68, 1.0]),
        };
        assert_eq!(
            serde_json::to_value(&c).unwrap(),
            serde_json::json!({"pairs": 4, "r": 0.81, "ci95": [-0.68, 1.0]})
        );
        let none = correlate(&[]);
        assert_eq!(
            serde_json::to_value(&none).unwrap(),
            serde_json::json!({"pairs": 0, "r": null, "ci95": null})
        );
    }

    #[test]
    fn a_rounded_r_of_zero_is_not_negative_zero() {
        assert_eq!(round2(-0.001).to_string(), "0");
        assert_eq!(format!("{:.2}", round2(-0.004)), "0.00");
    }

    fn c(pairs: u32, r: Option<f64>, ci95: Option<[f64; 2]>) -> Correlation {
        Correlation { pairs, r, ci95 }
    }

    #[test]
    fn in_words_counts_what_is_missing_below_three_pairs() {
        assert_eq!(
            in_words("Dedication", &c(0, None, None)),
            "Not enough data yet: 0 engagements with a finished pulse; 3 more are needed."
        );
        assert_eq!(
            in_words("Dedication", &c(1, None, None)),
            "Not enough data yet: 1 engagement with a finished pulse; 2 more are needed."
        );
        assert_eq!(
            in_words("Dedication", &c(2, None, None)),
            "Not enough data yet: 2 engagements with a finished pulse; 1 more is needed."
        );
    }

    #[test]
    fn in_words_gives_r_with_its_interval_and_a_strength_word() {
        assert_eq!(
            in_words("Dedication", &c(12, Some(0.71), Some([0.22, 0.91]))),
            "With 12 engagements, references predicted “Dedication” well: r = 0.71 (0.22 to 0.91)."
        );
        assert_eq!(
            in_words("Values", &c(8, Some(0.4), Some([-0.42, 0.86]))),
            "With 8 engagements, references predicted “Values” moderately: r = 0.40 (-0.42 to 0.86)."
        );
        assert_eq!(
            in_words("Expertise", &c(8, Some(0.39), Some([-0.43, 0.86]))),
            "With 8 engagements, references predicted “Expertise” weakly: r = 0.39 (-0.43 to 0.86)."
        );
        // From the 5-pair example above with 0.18 (y = 60 40 70 45 65): r = 150 / 818.535.
        let weak = correlate(&pairs(
            &[40.0, 50.0, 60.0, 70.0, 80.0],
            &[60.0, 40.0, 70.0, 45.0, 65.0],
        ));
        assert_eq!(
            in_words("alignment", &weak),
            "With 5 engagements, references predicted “alignment” not at all: r = 0.18 (-0.83 to 0.92)."
        );
    }

    #[test]
    fn in_words_says_a_negative_r_goes_the_opposite_way() {
        let negative = correlate(&pairs(
            &[40.0, 50.0, 60.0, 70.0, 80.0],
            &[70.0, 50.0, 65.0, 45.0, 40.0],
        ));
        assert_eq!(
            in_words("Dedication", &negative),
            "With 5 engagements, references predicted “Dedication” well, but the opposite way: \
             r = -0.79 (-0.99 to 0.29)."
        );
        assert_eq!(
            in_words("Values", &c(20, Some(-0.45), Some([-0.74, -0.01]))),
            "With 20 engagements, references predicted “Values” moderately, but the opposite \
             way: r = -0.45 (-0.74 to -0.01)."
        );
        // Too weak to have a direction.
        assert_eq!(
            in_words("Values", &c(20, Some(-0.1), Some([-0.52, 0.36]))),
            "With 20 engagements, references predicted “Values” not at all: r = -0.10 (-0.52 to 0.36)."
        );
    }

    #[test]
    fn in_words_with_three_pairs_says_the_interval_needs_four() {
        let three = correlate(&pairs(&[50.0, 60.0, 70.0], &[40.0, 65.0, 60.0]));
        assert_eq!(
            in_words("Dedication", &three),
            "With 3 engagements, references predicted “Dedication” well: r = 0.76 \
             (a 95% interval needs at least 4 engagements)."
        );
    }

    #[test]
    fn in_words_explains_a_null_r_from_equal_scores() {
        let flat = correlate(&pairs(&[20.0, 40.0, 60.0, 80.0], &[50.0; 4]));
        assert_eq!(
            in_words("Dedication", &flat),
            "With 4 engagements, it cannot be told yet whether references predicted \
             “Dedication”: every engagement has the same pre-hire score or the same pulse score."
        );
    }
}
