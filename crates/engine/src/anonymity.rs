//! The labels of an anonymised report: `Referee 1..n` and `Organisation A..`, numbered in
//! a random order fixed per case. The order is the rank of SHA-256(case seed, item): the
//! seed is random and stored with the case, so repeated downloads agree, while the order
//! says nothing about when each referee answered, when they were added, or their names.

use std::collections::HashMap;
use std::hash::Hash;

use crate::credentials::sha256_hex;

/// Where `item` falls in the case's random order.
fn rank_key(seed: &str, item: &str) -> String {
    // The separator keeps (seed, item) pairs from running into each other.
    sha256_hex(format!("{seed}\u{0}{item}").as_bytes())
}

/// Each item's 0-based position in the case's random order.
pub fn positions<T: Eq + Hash + Clone + ToString>(seed: &str, items: &[T]) -> HashMap<T, usize> {
    let mut keyed: Vec<(String, &T)> = items
        .iter()
        .map(|item| (rank_key(seed, &item.to_string()), item))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.dedup_by(|a, b| a.1 == b.1);
    keyed
        .into_iter()
        .enumerate()
        .map(|(i, (_, item))| (item.clone(), i))
        .collect()
}

/// `Organisation A`, `B`, … `Z`, `AA`, `AB`, … for positions 0, 1, …
pub fn organisation_label(position: usize) -> String {
    let mut letters = Vec::new();
    let mut n = position + 1;
    while n > 0 {
        n -= 1;
        letters.push(char::from(b'A' + (n % 26) as u8));
        n /= 26;
    }
    letters.reverse();
    format!("Organisation {}", letters.into_iter().collect::<String>())
}

/// `Referee 1`, `Referee 2`, … for positions 0, 1, …
pub fn referee_label(position: usize) -> String {
    format!("Referee {}", position + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_letters_run_past_z() {
        let labels: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(organisation_label)
            .collect();
        assert_eq!(
            labels,
            [
                "Organisation A",
                "Organisation B",
                "Organisation Z",
                "Organisation AA",
                "Organisation AB",
                "Organisation AZ",
                "Organisation BA",
                "Organisation ZZ",
                "Organisation AAA"
            ]
        );
    }

    #[test]
    fn the_order_depends_on_the_seed_not_on_the_input_order() {
        let items: Vec<String> = (0..20).map(|i| format!("item-{i}")).collect();
        let mut reversed = items.clone();
        reversed.reverse();
        let a = positions("seed-one", &items);
        assert_eq!(
            a,
            positions("seed-one", &reversed),
            "input order is ignored"
        );
        let mut got: Vec<usize> = a.values().copied().collect();
        got.sort_unstable();
        assert_eq!(got, (0..20).collect::<Vec<_>>(), "a permutation");
        assert_ne!(
            a,
            positions("seed-two", &items),
            "another case, another order"
        );
        let identity: HashMap<String, usize> = items
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, s)| (s, i))
            .collect();
        assert_ne!(a, identity, "not the input order");
    }
}
