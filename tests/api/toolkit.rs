//! Activation statistics and sparsity against naive counts.

use proptest::prelude::*;

use crate::common::{Rng, TestFloat, assert_same_bits};
use rectify::{Activation, ActivationStats, Clip, ClippedRelu, LeakyRelu, Relu, ThresholdedRelu};

/// The statistics of `output`, counted one element at a time.
fn naive_stats<F: TestFloat>(output: &[F]) -> ActivationStats {
    ActivationStats {
        active: output.iter().filter(|&&y| y > F::zero()).count(),
        zeros: output.iter().filter(|&&y| y == F::zero()).count(),
        nans: output.iter().filter(|y| y.is_nan()).count(),
        len: output.len(),
    }
}

/// A forward-with-stats function, slice and in place, writes what the plain one writes, and
/// counts it.
fn check_one<F: TestFloat>(
    name: &str,
    x: &[F],
    plain: impl Fn(&[F], &mut [F]),
    with_stats: impl Fn(&[F], &mut [F]) -> ActivationStats,
    in_place_with_stats: impl Fn(&mut [F]) -> ActivationStats,
) {
    let n = x.len();
    let mut want = vec![F::zero(); n];
    plain(x, &mut want);
    let mut out = vec![F::zero(); n];
    let stats = with_stats(x, &mut out);
    assert_same_bits(&out, &want, &format!("{name}_slice_with_stats, length {n}"));
    assert_eq!(
        stats,
        naive_stats(&want),
        "{name}_slice_with_stats, length {n}"
    );
    let mut values = x.to_vec();
    let stats = in_place_with_stats(&mut values);
    assert_same_bits(
        &values,
        &want,
        &format!("{name}_in_place_with_stats, length {n}"),
    );
    assert_eq!(
        stats,
        naive_stats(&want),
        "{name}_in_place_with_stats, length {n}"
    );
}

/// The forward-with-stats methods of every member over `x`, with the clip bounds `(lo, hi)`.
fn check_stats<F: TestFloat>(x: &[F], slope: F, ceiling: F, (lo, hi): (F, F)) {
    let leaky = LeakyRelu::new(slope).unwrap();
    let clipped = ClippedRelu::new(ceiling).unwrap();
    let clip = Clip::new(lo, hi).unwrap();
    let thresholded = ThresholdedRelu::new(slope).unwrap();
    let acts: [(&str, &dyn Activation<F>); 5] = [
        ("relu", &Relu),
        ("leaky_relu", &leaky),
        ("clipped_relu", &clipped),
        ("clip", &clip),
        ("thresholded_relu", &thresholded),
    ];
    for (name, act) in acts {
        check_one(
            name,
            x,
            |x, o| act.forward(x, o),
            |x, o| act.forward_with_stats(x, o),
            |v| act.forward_in_place_with_stats(v),
        );
    }
}

#[test]
fn stats_across_block_boundaries() {
    // Lengths around the 64-element short path, the vector loop and the aligned head (from
    // 512 f32 elements on AVX2).
    let mut rng = Rng::new(0x57a7);
    let lengths: &[usize] = if cfg!(miri) {
        &[0, 1, 65, 600]
    } else {
        &[0, 1, 63, 64, 65, 2047, 2048, 2049, 4096 + 17, 10_000]
    };
    for &n in lengths {
        let x: Vec<f32> = rng.floats(n);
        check_stats(&x, 0.01, 6.0, (-1.0, 1.0));
        // The other parameters only natively: they change values, not addresses.
        if !cfg!(miri) {
            check_stats(&x, -0.5, 1.0, (-2.0, 0.5));
            check_stats(&x, 0.0, f32::INFINITY, (0.0, f32::INFINITY));
        }
        // f64 at the short lengths only under Miri, whose interpreter is slow.
        if !cfg!(miri) || n < 100 {
            let x: Vec<f64> = rng.floats(n);
            check_stats(&x, 0.01, 6.0, (-1.0, 1.0));
            check_stats(&x, 0.0, f64::INFINITY, (f64::NEG_INFINITY, 0.0));
        }
    }
}

#[test]
fn stats_fractions() {
    let mut values = [-1.0_f32, 0.0, 2.0, f32::NAN, 5.0, -0.0, 1.0, -3.0];
    let stats = Relu.forward_in_place_with_stats(&mut values);
    assert_eq!(
        stats,
        ActivationStats {
            active: 3,
            zeros: 4,
            nans: 1,
            len: 8
        }
    );
    assert_eq!(stats.sparsity(), 0.5);
    assert_eq!(stats.active_fraction(), 0.375);
    assert_eq!(ActivationStats::default().sparsity(), 0.0);
    let mut total = stats;
    total += stats;
    assert_eq!(
        total,
        ActivationStats {
            active: 6,
            zeros: 8,
            nans: 2,
            len: 16
        }
    );
}

#[test]
fn stats_panic_before_writing() {
    let mut out = [7.0_f32; 3];
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = Relu.forward_with_stats(&[1.0_f32; 4], &mut out);
    }));
    assert!(result.is_err());
    assert_eq!(out, [7.0; 3]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 1 } else { 300 }))]

    #[test]
    fn stats_match_naive_counts(bits in proptest::collection::vec(any::<u32>(), 0..300),
                                slope in -2.0_f32..2.0, ceiling in 0.001_f32..100.0) {
        let x: Vec<f32> = bits.into_iter().map(f32::from_bits).collect();
        check_stats(&x, slope, ceiling, (-slope, ceiling));
    }

    #[test]
    fn stats_match_naive_counts_f64(bits in proptest::collection::vec(any::<u64>(), 0..300),
                                    slope in -2.0_f64..2.0, ceiling in 0.001_f64..100.0) {
        let x: Vec<f64> = bits.into_iter().map(f64::from_bits).collect();
        check_stats(&x, slope, ceiling, (-slope, ceiling));
    }

    #[test]
    fn sparsity_matches_naive(bits in proptest::collection::vec(any::<u64>(), 0..300)) {
        let x: Vec<f64> = bits.into_iter().map(f64::from_bits).collect();
        let zeros = x.iter().filter(|&&v| v == 0.0).count();
        let want = if x.is_empty() { 0.0 } else { zeros as f64 / x.len() as f64 };
        prop_assert_eq!(rectify::sparsity(&x), want);
    }
}
