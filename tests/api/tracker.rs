//! The dead-unit tracker against a naive per-unit scan.
#![cfg(feature = "alloc")]

use proptest::prelude::*;

use crate::common::Rng;
use rectify::{DeadUnitTracker, TrackerError};

/// Active counts per unit, scanned one row and one unit at a time.
fn naive_counts(batches: &[Vec<f32>], units: usize) -> Vec<u64> {
    let mut counts = vec![0; units];
    for batch in batches {
        for (i, &a) in batch.iter().enumerate() {
            if a > 0.0 {
                counts[i % units] += 1;
            }
        }
    }
    counts
}

#[test]
fn tracker_rejects_bad_input_without_counting() {
    assert_eq!(DeadUnitTracker::new(0), Err(TrackerError::ZeroUnits));
    let mut tracker = DeadUnitTracker::new(3).unwrap();
    tracker.observe(&[1.0_f32, 0.0, 0.0]).unwrap();
    let before = tracker.clone();
    let err = tracker.observe(&[1.0_f32; 7]).unwrap_err();
    assert_eq!(err, TrackerError::RaggedBatch { len: 7, units: 3 });
    assert!(err.to_string().contains("7 activations") && err.to_string().contains("3 units"));
    assert_eq!(tracker, before, "a rejected batch changed the tracker");
    assert!(
        TrackerError::ZeroUnits
            .to_string()
            .contains("at least one unit")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 300 }))]

    #[test]
    fn tracker_matches_naive_scan(
        units in 1usize..40,
        rows in proptest::collection::vec(0usize..6, 0..8),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(seed);
        let batches: Vec<Vec<f32>> = rows.iter().map(|&r| rng.floats(r * units)).collect();
        let mut tracker = DeadUnitTracker::new(units).unwrap();
        for batch in &batches {
            tracker.observe(batch).unwrap();
        }
        let counts = naive_counts(&batches, units);
        let total_rows: usize = rows.iter().sum();
        prop_assert_eq!(tracker.active_counts(), &counts[..]);
        prop_assert_eq!(tracker.rows(), total_rows as u64);
        let dead: Vec<usize> = if total_rows == 0 {
            vec![]
        } else {
            (0..units).filter(|&u| counts[u] == 0).collect()
        };
        prop_assert_eq!(tracker.dead_fraction(), dead.len() as f64 / units as f64);
        prop_assert_eq!(tracker.dead_units(), dead);
        tracker.reset();
        prop_assert_eq!(tracker.rows(), 0);
        prop_assert!(tracker.active_counts().iter().all(|&c| c == 0));
    }
}
