//! Algebraic properties of ReLU, with floats drawn from raw bits so odd values appear.
//!
//! Values only: Miri skips this module. It runs the kernels' address tests and the public
//! entry points (the other modules, and tests/concurrency.rs) instead.
#![cfg(not(miri))]

use approx::assert_relative_eq;
use proptest::prelude::*;

use crate::common::{bits_of, spec_backward};

/// Properties stated once, instantiated for f32 (from `u32` bits) and f64 (from `u64` bits).
macro_rules! properties {
    ($module:ident, $float:ty, $bits:ty) => {
        mod $module {
            use super::*;

            fn float() -> impl Strategy<Value = $float> {
                any::<$bits>().prop_map(<$float>::from_bits)
            }

            fn finite() -> impl Strategy<Value = $float> {
                float().prop_filter("finite", |x| x.is_finite())
            }

            /// Every positive value, subnormals and +inf included.
            fn positive() -> impl Strategy<Value = $float> {
                float().prop_map(<$float>::abs).prop_filter("positive", |h| *h > 0.0)
            }

            /// Values far enough from 0 for a finite difference, and far from overflow.
            fn moderate() -> impl Strategy<Value = $float> {
                (-1.0e6 as $float..1.0e6).prop_filter("nonzero", |x| x.abs() > 1e-3)
            }

            fn vector() -> impl Strategy<Value = (Vec<$float>, Vec<$float>, usize)> {
                (0usize..300).prop_flat_map(|n| {
                    (
                        proptest::collection::vec(float(), n),
                        proptest::collection::vec(float(), n),
                        0..8usize,
                    )
                })
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(2000))]

                #[test]
                fn never_negative(x in float()) {
                    for y in [rectify::relu(x), rectify::relu_derivative(x)] {
                        prop_assert!(y.is_nan() || y.is_sign_positive(), "{x:?} -> {y:?}");
                    }
                }

                #[test]
                fn idempotent(x in float()) {
                    let once = rectify::relu(x);
                    prop_assert_eq!(rectify::relu(once).to_bits(), once.to_bits());
                }

                #[test]
                fn one_sided_derivatives_at_zero(h in positive()) {
                    // For every h > 0, however small, the slope right of 0 is 1 and left of it 0.
                    prop_assert_eq!(rectify::relu_derivative(h), 1.0);
                    prop_assert_eq!(rectify::relu_derivative(-h).to_bits(), 0);
                }

                #[test]
                fn difference_and_sum_of_mirrored(x in finite()) {
                    prop_assert_eq!(rectify::relu(x) - rectify::relu(-x), x);
                    prop_assert_eq!(rectify::relu(x) + rectify::relu(-x), x.abs());
                }

                #[test]
                fn positively_homogeneous(x in finite(), a in 1e-3 as $float..1e3) {
                    let scaled = a * x;
                    prop_assume!(scaled.is_finite());
                    assert_relative_eq!(rectify::relu(scaled), a * rectify::relu(x), max_relative = 1e-6);
                }

                #[test]
                fn derivative_matches_central_difference(x in moderate()) {
                    let h = x.abs() * 1e-3;
                    let slope = (rectify::relu(x + h) - rectify::relu(x - h)) / (2.0 * h);
                    assert_relative_eq!(slope, rectify::relu_derivative(x), epsilon = 1e-3);
                }

                #[test]
                fn backward_is_the_select((forward, grad, start) in vector()) {
                    let (forward, grad) = (&forward[start.min(forward.len())..], &grad[start.min(grad.len())..]);
                    let mut out = vec![1.0; forward.len()];
                    rectify::relu_backward(forward, grad, &mut out);
                    let want: Vec<$float> =
                        forward.iter().zip(grad).map(|(&f, &g)| spec_backward(f, g)).collect();
                    prop_assert_eq!(bits_of(&out), bits_of(&want));
                }

                #[test]
                fn backward_from_output_equals_backward_from_input((input, grad, _s) in vector()) {
                    let mut output = input.clone();
                    rectify::relu_in_place(&mut output);
                    let mut from_input = grad.clone();
                    rectify::relu_backward_in_place(&input, &mut from_input);
                    let mut from_output = vec![0.0; grad.len()];
                    rectify::relu_backward(&output, &grad, &mut from_output);
                    prop_assert_eq!(bits_of(&from_input), bits_of(&from_output));
                }

                #[test]
                fn slices_equal_the_scalar_function((input, _grad, start) in vector()) {
                    let input = &input[start.min(input.len())..];
                    let n = input.len();
                    let relu: Vec<$float> = input.iter().map(|&x| rectify::relu(x)).collect();
                    let derivative: Vec<$float> =
                        input.iter().map(|&x| rectify::relu_derivative(x)).collect();

                    let mut out = vec![0.0; n];
                    rectify::relu_slice(input, &mut out);
                    prop_assert_eq!(bits_of(&out), bits_of(&relu));
                    let mut out = input.to_vec();
                    rectify::relu_in_place(&mut out);
                    prop_assert_eq!(bits_of(&out), bits_of(&relu));
                    let mut out = vec![0.0; n];
                    rectify::relu_derivative_slice(input, &mut out);
                    prop_assert_eq!(bits_of(&out), bits_of(&derivative));
                    let mut out = input.to_vec();
                    rectify::relu_derivative_in_place(&mut out);
                    prop_assert_eq!(bits_of(&out), bits_of(&derivative));
                }
            }
        }
    };
}

properties!(f32_properties, f32, u32);
properties!(f64_properties, f64, u64);
