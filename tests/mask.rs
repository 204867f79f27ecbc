//! The 1-bit backward mask through the public API: backward from the mask equals the plain
//! backward pass on every non-NaN input, bits past the length are zero, NaNs are counted.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::prelude::*;

use common::{assert_same_bits, edge_pairs, TestFloat};

/// The forward input with NaNs replaced, where the plain backward pass would return the NaN
/// and the mask passes the gradient: what the mask's backward equals.
fn nan_as_active<F: TestFloat>(x: &[F]) -> Vec<F> {
    x.iter()
        .map(|&v| if v.is_nan() { F::one() } else { v })
        .collect()
}

fn check<F: TestFloat>(x: &[F], g: &[F], old: &[F], slope: F) {
    let n = x.len();
    let words = rectify::mask_words(n);
    let nans = x.iter().filter(|v| v.is_nan()).count();
    let active = nan_as_active(x);

    // Forward passes: the same outputs as the plain ones, the NaN count, no stray bits.
    let mut want = vec![F::zero(); n];
    rectify::leaky_relu_slice(x, slope, &mut want);
    let mut out = vec![F::one(); n];
    let mut mask = vec![u64::MAX; words];
    assert_eq!(
        rectify::leaky_relu_slice_masked(x, slope, &mut out, &mut mask),
        nans
    );
    assert_same_bits(&out, &want, "leaky_relu_slice_masked");
    if !n.is_multiple_of(64) {
        assert_eq!(mask[words - 1] >> (n % 64), 0, "bits past the length");
    }
    let mut values = x.to_vec();
    let mut mask2 = vec![0; words];
    assert_eq!(
        rectify::leaky_relu_in_place_masked(&mut values, slope, &mut mask2),
        nans
    );
    assert_same_bits(&values, &want, "leaky_relu_in_place_masked");
    assert_eq!(mask2, mask);
    let mut relu_mask = vec![0; words];
    let mut relu_out = vec![F::zero(); n];
    assert_eq!(
        rectify::relu_slice_masked(x, &mut relu_out, &mut relu_mask),
        nans
    );
    assert_eq!(relu_mask, mask, "the mask does not depend on the slope");

    // Backward passes from the mask equal the plain ones from the (NaN-free) forward input.
    let mut want = vec![F::zero(); n];
    rectify::leaky_relu_backward(&active, slope, g, &mut want);
    let mut out = vec![F::one(); n];
    rectify::leaky_relu_backward_masked(&mask, slope, g, &mut out);
    assert_same_bits(&out, &want, "leaky_relu_backward_masked");
    let mut grad = g.to_vec();
    rectify::leaky_relu_backward_masked_in_place(&mask, slope, &mut grad);
    assert_same_bits(&grad, &want, "leaky_relu_backward_masked_in_place");
    let mut acc_want = old.to_vec();
    rectify::leaky_relu_backward_accumulate(&active, slope, g, &mut acc_want);
    let mut acc = old.to_vec();
    rectify::leaky_relu_backward_masked_accumulate(&mask, slope, g, &mut acc);
    assert_same_bits(&acc, &acc_want, "leaky_relu_backward_masked_accumulate");

    rectify::relu_backward(&active, g, &mut want);
    rectify::relu_backward_masked(&mask, g, &mut out);
    assert_same_bits(&out, &want, "relu_backward_masked");
    let mut grad = g.to_vec();
    rectify::relu_backward_masked_in_place(&mask, &mut grad);
    assert_same_bits(&grad, &want, "relu_backward_masked_in_place");
    let mut acc_want = old.to_vec();
    rectify::relu_backward_accumulate(&active, g, &mut acc_want);
    let mut acc = old.to_vec();
    rectify::relu_backward_masked_accumulate(&mask, g, &mut acc);
    assert_same_bits(&acc, &acc_want, "relu_backward_masked_accumulate");

    // The owning mask does the same.
    #[cfg(feature = "alloc")]
    {
        let mut owned = rectify::ReluMask::new();
        let mut values = x.to_vec();
        assert_eq!(owned.leaky_relu_in_place(&mut values, slope), nans);
        assert_eq!(owned.words(), &mask[..]);
        assert_eq!(owned.len(), n);
        rectify::leaky_relu_backward(&active, slope, g, &mut want);
        owned.backward(g, &mut out);
        assert_same_bits(&out, &want, "ReluMask::backward");
        for (i, v) in x.iter().enumerate() {
            assert_eq!(owned.is_active(i), *v > F::zero() || v.is_nan());
        }
    }
}

macro_rules! properties {
    ($module:ident, $float:ty, $bits:ty) => {
        mod $module {
            use super::*;

            fn floats(n: usize) -> impl Strategy<Value = Vec<$float>> {
                proptest::collection::vec(any::<$bits>().prop_map(<$float>::from_bits), n)
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 400 }))]

                #[test]
                fn mask_passes_match_the_plain_ones(
                    (x, g, old, start) in (0usize..=300).prop_flat_map(|n| {
                        (floats(n + 8), floats(n + 8), floats(n + 8), 0usize..8)
                    }),
                    slope in prop_oneof![Just(0.0 as $float), Just(0.01), -1.0 as $float..1.0],
                ) {
                    let n = x.len() - 8;
                    let r = start..start + n;
                    check(&x[r.clone()], &g[r.clone()], &old[r], slope);
                }
            }
        }
    };
}

properties!(f32_properties, f32, u32);
properties!(f64_properties, f64, u64);

#[test]
fn edge_values() {
    let (x, g) = edge_pairs::<f32>();
    for slope in [0.0, 0.01, -0.5] {
        check(&x, &g, &g, slope);
    }
}

#[test]
fn wrong_mask_length_panics_before_writing() {
    let x = [1.0_f32; 65];
    let mut out = [7.0_f32; 65];
    let mut short = [0_u64; 1];
    let result = catch_unwind(AssertUnwindSafe(|| {
        rectify::relu_slice_masked(&x, &mut out, &mut short)
    }));
    let message = result.expect_err("a short mask must panic");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("relu_slice_masked")
            && message.contains("1 words")
            && message.contains("65 elements need 2"),
        "{message}"
    );
    assert_eq!(out, [7.0; 65]);
    assert_eq!(short, [0]);
    let result = catch_unwind(AssertUnwindSafe(|| {
        rectify::relu_backward_masked(&[0, 0, 0], &x, &mut out)
    }));
    assert!(result.is_err());
    assert_eq!(out, [7.0; 65]);
}
