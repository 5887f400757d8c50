//! How much evidence is enough (DESIGN.md "Sufficiency"). Pure functions: the engine
//! hands in the organisation-level alignment scores of the released cases.
//!
//! - r1, the reliability of one client organisation's rating of a provider, is ICC(1), the
//!   one-way random-effects intraclass correlation (Shrout & Fleiss 1979, case 1), with
//!   cases as targets and their organisations as the raters:
//!   MSB = Σ nᵢ(ȳᵢ − ȳ)² ÷ (g − 1), MSW = ΣΣ(yᵢⱼ − ȳᵢ)² ÷ (N − g),
//!   n₀ = (N − Σ nᵢ² ÷ N) ÷ (g − 1) (the mean group size, corrected for unequal groups),
//!   ICC(1) = (MSB − MSW) ÷ (MSB + (n₀ − 1)·MSW),
//!   over g cases with nᵢ ≥ 2 organisations each, N organisations in all.
//! - It is used once there are [`MIN_CASES`] such cases and the estimate is in (0, 1): with
//!   fewer, or with an estimate at or beyond a bound (no between-case variance, or none
//!   within), the published default stands.
//! - Reliability with k organisations is Spearman–Brown: k·r1 ÷ (1 + (k − 1)·r1), and the
//!   organisations needed for [`TARGET_RELIABILITY`] are ⌈0.7·(1 − r1) ÷ (0.3·r1)⌉ − k.

use serde::Serialize;

/// Released cases with ≥ 2 organisations needed before r1 is estimated from them.
pub const MIN_CASES: usize = 10;

/// The reliability a case should reach.
pub const TARGET_RELIABILITY: f64 = 0.7;

/// Where r1 came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum R1Source {
    /// Estimated from this installation's released cases.
    Installation,
    /// `scoring.default_single_organisation_reliability`.
    Default,
}

/// The report's `sufficiency`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sufficiency {
    /// The reliability of one client organisation's rating (three decimals).
    pub r1: f64,
    pub r1_source: R1Source,
    /// Spearman–Brown reliability of this case's organisations (three decimals).
    pub reliability: f64,
    /// More organisations needed to reach a reliability of 0.70; 0 when it is there.
    pub organisations_needed: u32,
}

/// ICC(1) of `groups` (each a case's organisation-level scores). Groups with fewer than
/// two scores are left out; `None` with fewer than two groups left or no spread at all.
pub fn icc1(groups: &[Vec<f64>]) -> Option<f64> {
    let groups: Vec<&Vec<f64>> = groups.iter().filter(|g| g.len() >= 2).collect();
    let g = groups.len();
    if g < 2 {
        return None;
    }
    let n: usize = groups.iter().map(|x| x.len()).sum();
    let grand = groups.iter().flat_map(|x| x.iter()).sum::<f64>() / n as f64;
    let (mut ssb, mut ssw) = (0.0, 0.0);
    for x in &groups {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        ssb += x.len() as f64 * (mean - grand).powi(2);
        ssw += x.iter().map(|y| (y - mean).powi(2)).sum::<f64>();
    }
    let msb = ssb / (g - 1) as f64;
    let msw = ssw / (n - g) as f64;
    let sum_sq: f64 = groups.iter().map(|x| (x.len() * x.len()) as f64).sum();
    let n0 = (n as f64 - sum_sq / n as f64) / (g - 1) as f64;
    let denominator = msb + (n0 - 1.0) * msw;
    (denominator > 0.0).then(|| (msb - msw) / denominator)
}

/// r1 from the released cases' organisation-level scores, or `default`.
pub fn single_organisation_reliability(groups: &[Vec<f64>], default: f64) -> (f64, R1Source) {
    let usable = groups.iter().filter(|g| g.len() >= 2).count();
    match icc1(groups) {
        Some(r) if usable >= MIN_CASES && r > 0.0 && r < 1.0 => (r, R1Source::Installation),
        _ => (default, R1Source::Default),
    }
}

/// The sufficiency of a case with `organisations` answering, given r1.
pub fn of(r1: f64, source: R1Source, organisations: u32) -> Sufficiency {
    let k = f64::from(organisations);
    let reliability = if organisations == 0 {
        0.0
    } else {
        k * r1 / (1.0 + (k - 1.0) * r1)
    };
    let target = TARGET_RELIABILITY;
    // A hair below the quotient first, so that a whole number computed with a rounding
    // error above it (4.000000000001) is not taken as one more organisation.
    let total = (target * (1.0 - r1) / ((1.0 - target) * r1) - 1e-9).ceil();
    let needed = (total - k).max(0.0);
    Sufficiency {
        r1: round3(r1),
        r1_source: source,
        reliability: round3(reliability),
        organisations_needed: needed as u32,
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_asks_for_four_organisations_in_all() {
        let two = of(0.4, R1Source::Default, 2);
        assert_eq!(two.reliability, 0.571);
        assert_eq!(two.organisations_needed, 2);
        let four = of(0.4, R1Source::Default, 4);
        assert_eq!(four.reliability, 0.727);
        assert_eq!(four.organisations_needed, 0);
        assert_eq!(of(0.4, R1Source::Default, 0).organisations_needed, 4);
    }

    #[test]
    fn icc1_matches_a_hand_computed_balanced_example() {
        // Three cases, two organisations each: means 15, 35, 55, grand mean 35.
        // SSB = 2·(400 + 0 + 400) = 1600, MSB = 800; SSW = 3·(25 + 25) = 150, MSW = 50;
        // n₀ = 2: ICC(1) = (800 − 50) ÷ (800 + 50) = 0.88235…
        let groups = vec![vec![10.0, 20.0], vec![30.0, 40.0], vec![50.0, 60.0]];
        let r = icc1(&groups).unwrap();
        assert!((r - 750.0 / 850.0).abs() < 1e-12, "{r}");
    }

    #[test]
    fn icc1_corrects_the_group_size_of_unequal_groups() {
        // g = 2, N = 5, sizes 2 and 3: n₀ = (5 − 13/5) ÷ 1 = 2.4. Means 2 and 7, grand 5.
        // SSB = 2·9 + 3·4 = 30 = MSB; SSW = 2 + 2 = 4, MSW = 4/3.
        let groups = vec![vec![1.0, 3.0], vec![6.0, 7.0, 8.0]];
        let expected = (30.0 - 4.0 / 3.0) / (30.0 + 1.4 * 4.0 / 3.0);
        assert!((icc1(&groups).unwrap() - expected).abs() < 1e-12);
    }

    #[test]
    fn fewer_than_ten_cases_or_an_estimate_out_of_bounds_keeps_the_default() {
        let nine: Vec<Vec<f64>> = (0..9).map(|i| vec![i as f64, i as f64 + 1.0]).collect();
        assert_eq!(
            single_organisation_reliability(&nine, 0.4),
            (0.4, R1Source::Default)
        );
        // Every case alike: no between-case variance, ICC(1) ≤ 0.
        let alike: Vec<Vec<f64>> = (0..12).map(|_| vec![40.0, 60.0]).collect();
        assert_eq!(
            single_organisation_reliability(&alike, 0.4),
            (0.4, R1Source::Default)
        );
        let spread: Vec<Vec<f64>> = (0..12)
            .map(|i| vec![i as f64 * 5.0, i as f64 * 5.0 + 10.0])
            .collect();
        let (r, source) = single_organisation_reliability(&spread, 0.4);
        assert_eq!(source, R1Source::Installation);
        assert!(r > 0.0 && r < 1.0);
    }
}
