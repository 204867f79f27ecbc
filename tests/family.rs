//! Leaky and clipped ReLU, ReLU6 and the accumulating backward passes against the contract,
//! written here from the table rather than from the implementation.
//!
//! Values and argument checks in safe code only: Miri skips this file. It runs the kernels'
//! address tests and the public entry points (tests/edge.rs, tests/mask.rs, tests/slices.rs,
//! tests/toolkit.rs, tests/concurrency.rs) instead.
#![cfg(not(miri))]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use approx::assert_relative_eq;
use proptest::prelude::*;

use common::{assert_same_bits, edge_pairs, TestFloat};

fn spec_leaky<F: TestFloat>(x: F, a: F) -> F {
    if x.is_nan() || x > F::zero() {
        x
    } else if a == F::zero() || a * x == F::zero() {
        F::zero()
    } else {
        a * x
    }
}

fn spec_leaky_derivative<F: TestFloat>(x: F, a: F) -> F {
    if x.is_nan() {
        x
    } else if x > F::zero() {
        F::one()
    } else if a == F::zero() {
        F::zero()
    } else {
        a
    }
}

fn spec_leaky_backward<F: TestFloat>(x: F, a: F, g: F) -> F {
    if x.is_nan() {
        x
    } else if x > F::zero() {
        g
    } else if a == F::zero() {
        F::zero()
    } else {
        a * g
    }
}

/// Whether `x` lies where the clipped derivative is 1: `(0, c)`, or `x = +inf` when `c = +inf`
/// (where clipped ReLU is ReLU).
fn clipped_passes<F: TestFloat>(x: F, c: F) -> bool {
    x > F::zero() && (x < c || c == F::infinity())
}

fn spec_clipped<F: TestFloat>(x: F, c: F) -> F {
    if x.is_nan() {
        x
    } else if x <= F::zero() {
        F::zero()
    } else if x >= c {
        c
    } else {
        x
    }
}

fn spec_clipped_derivative<F: TestFloat>(x: F, c: F) -> F {
    if x.is_nan() {
        x
    } else if clipped_passes(x, c) {
        F::one()
    } else {
        F::zero()
    }
}

fn spec_clipped_backward<F: TestFloat>(x: F, c: F, g: F) -> F {
    if x.is_nan() {
        x
    } else if clipped_passes(x, c) {
        g
    } else {
        F::zero()
    }
}

fn spec_accumulate<F: TestFloat>(old: F, value: F) -> F {
    if value.is_nan() {
        value
    } else {
        old + value
    }
}

fn map<F: TestFloat>(x: &[F], f: impl Fn(F) -> F) -> Vec<F> {
    x.iter().map(|&x| f(x)).collect()
}

fn zip<F: TestFloat>(x: &[F], g: &[F], f: impl Fn(F, F) -> F) -> Vec<F> {
    x.iter().zip(g).map(|(&x, &g)| f(x, g)).collect()
}

/// Every forward and derivative function of the family over `x`, against the spec.
fn check_unary<F: TestFloat>(x: &[F], slope: F, ceiling: F) {
    let n = x.len();
    let context = |name: &str| format!("{name}, slope {slope:?}, ceiling {ceiling:?}");
    let scalar_and_slices = |name: &str,
                             want: Vec<F>,
                             scalar: &dyn Fn(F) -> F,
                             slice: &dyn Fn(&[F], &mut [F]),
                             in_place: &dyn Fn(&mut [F])| {
        assert_same_bits(&map(x, scalar), &want, &context(name));
        let mut out = vec![F::one(); n];
        slice(x, &mut out);
        assert_same_bits(&out, &want, &context(&format!("{name}_slice")));
        let mut values = x.to_vec();
        in_place(&mut values);
        assert_same_bits(&values, &want, &context(&format!("{name}_in_place")));
    };
    scalar_and_slices(
        "leaky_relu",
        map(x, |x| spec_leaky(x, slope)),
        &|x| rectify::leaky_relu(x, slope),
        &|x, o| rectify::leaky_relu_slice(x, slope, o),
        &|v| rectify::leaky_relu_in_place(v, slope),
    );
    scalar_and_slices(
        "leaky_relu_derivative",
        map(x, |x| spec_leaky_derivative(x, slope)),
        &|x| rectify::leaky_relu_derivative(x, slope),
        &|x, o| rectify::leaky_relu_derivative_slice(x, slope, o),
        &|v| rectify::leaky_relu_derivative_in_place(v, slope),
    );
    scalar_and_slices(
        "clipped_relu",
        map(x, |x| spec_clipped(x, ceiling)),
        &|x| rectify::clipped_relu(x, ceiling),
        &|x, o| rectify::clipped_relu_slice(x, ceiling, o),
        &|v| rectify::clipped_relu_in_place(v, ceiling),
    );
    scalar_and_slices(
        "clipped_relu_derivative",
        map(x, |x| spec_clipped_derivative(x, ceiling)),
        &|x| rectify::clipped_relu_derivative(x, ceiling),
        &|x, o| rectify::clipped_relu_derivative_slice(x, ceiling, o),
        &|v| rectify::clipped_relu_derivative_in_place(v, ceiling),
    );
    let six = F::from(6.0).unwrap();
    scalar_and_slices(
        "relu6",
        map(x, |x| spec_clipped(x, six)),
        &rectify::relu6,
        &rectify::relu6_slice,
        &rectify::relu6_in_place,
    );
}

/// A backward function: forward values, output gradient, input gradient.
type BackwardFn<'a, F> = dyn Fn(&[F], &[F], &mut [F]) + 'a;

/// Every backward function of the family over `(x, g)`, with `old` as the accumulated
/// gradient, against the spec.
fn check_binary<F: TestFloat>(x: &[F], g: &[F], old: &[F], slope: F, ceiling: F) {
    let context = |name: &str| format!("{name}, slope {slope:?}, ceiling {ceiling:?}");
    let backward_all = |name: &str,
                        want: Vec<F>,
                        plain: &BackwardFn<'_, F>,
                        in_place: &dyn Fn(&[F], &mut [F]),
                        accumulate: &BackwardFn<'_, F>| {
        let mut out = vec![F::one(); x.len()];
        plain(x, g, &mut out);
        assert_same_bits(&out, &want, &context(name));
        let mut grad = g.to_vec();
        in_place(x, &mut grad);
        assert_same_bits(&grad, &want, &context(&format!("{name}_in_place")));
        let mut acc = old.to_vec();
        accumulate(x, g, &mut acc);
        let summed = zip(old, &want, spec_accumulate);
        assert_same_bits(&acc, &summed, &context(&format!("{name}_accumulate")));
    };
    backward_all(
        "relu_backward",
        zip(x, g, |x, g| spec_leaky_backward(x, F::zero(), g)),
        &|x, g, o| rectify::relu_backward(x, g, o),
        &|x, g| rectify::relu_backward_in_place(x, g),
        &|x, g, o| rectify::relu_backward_accumulate(x, g, o),
    );
    backward_all(
        "leaky_relu_backward",
        zip(x, g, |x, g| spec_leaky_backward(x, slope, g)),
        &|x, g, o| rectify::leaky_relu_backward(x, slope, g, o),
        &|x, g| rectify::leaky_relu_backward_in_place(x, slope, g),
        &|x, g, o| rectify::leaky_relu_backward_accumulate(x, slope, g, o),
    );
    backward_all(
        "clipped_relu_backward",
        zip(x, g, |x, g| spec_clipped_backward(x, ceiling, g)),
        &|x, g, o| rectify::clipped_relu_backward(x, ceiling, g, o),
        &|x, g| rectify::clipped_relu_backward_in_place(x, ceiling, g),
        &|x, g, o| rectify::clipped_relu_backward_accumulate(x, ceiling, g, o),
    );
}

fn slopes<F: TestFloat>() -> Vec<F> {
    [0.0, -0.0, 0.01, 1.0, -0.5, 3.0, 1e-30]
        .iter()
        .map(|&s| F::from(s).unwrap())
        .collect()
}

fn ceilings<F: TestFloat>() -> Vec<F> {
    [6.0, 1.0, 1e-3, 1e30, f64::INFINITY]
        .iter()
        .map(|&c| F::from(c).unwrap())
        .chain([F::min_positive_value(), F::max_value()])
        .collect()
}

/// The edge table, and every pair of edge values for the backward passes; long enough to
/// reach the SIMD kernels.
fn edge_table<F: TestFloat>() {
    let (x, g) = edge_pairs::<F>();
    let old: Vec<F> = g.iter().rev().copied().collect();
    let pairs = slopes::<F>()
        .into_iter()
        .zip(ceilings::<F>().into_iter().cycle());
    for (slope, ceiling) in pairs {
        check_unary(&x, slope, ceiling);
        check_binary(&x, &g, &old, slope, ceiling);
    }
    for &ceiling in &ceilings::<F>() {
        check_unary(&x, F::zero(), ceiling);
        check_binary(&x, &g, &old, F::zero(), ceiling);
    }
}

#[test]
fn edge_table_f32() {
    edge_table::<f32>();
}

#[test]
fn edge_table_f64() {
    edge_table::<f64>();
}

/// Calls `f`, expects a panic whose message contains every piece, and `out` untouched.
fn expect_panic(pieces: &[&str], out: &mut [f32], f: impl FnOnce(&mut [f32])) {
    let before: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
    let err = catch_unwind(AssertUnwindSafe(|| f(out))).expect_err("bad input must panic");
    let message = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    for piece in pieces {
        assert!(
            message.contains(piece),
            "message {message:?} should mention {piece:?}"
        );
    }
    let after: Vec<u32> = out.iter().map(|v| v.to_bits()).collect();
    assert_eq!(after, before, "{pieces:?}: wrote before panicking");
}

#[test]
fn bad_parameters_panic_before_writing() {
    let x = [-1.0_f32, 0.5, 2.0, f32::NAN];
    let g = [1.0_f32; 4];
    let mut out = [7.0_f32; 4];
    for slope in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let value = format!("{:?}", f64::from(slope));
        let p = |name: &'static str| [name, "slope", "finite"];
        expect_panic(&[&value], &mut out, |o| {
            rectify::leaky_relu_slice(&x, slope, o)
        });
        expect_panic(&p("leaky_relu_slice"), &mut out, |o| {
            rectify::leaky_relu_slice(&x, slope, o)
        });
        expect_panic(&p("leaky_relu_in_place"), &mut out, |o| {
            rectify::leaky_relu_in_place(o, slope)
        });
        expect_panic(&p("leaky_relu_derivative_slice"), &mut out, |o| {
            rectify::leaky_relu_derivative_slice(&x, slope, o)
        });
        expect_panic(&p("leaky_relu_derivative_in_place"), &mut out, |o| {
            rectify::leaky_relu_derivative_in_place(o, slope)
        });
        expect_panic(&p("leaky_relu_backward"), &mut out, |o| {
            rectify::leaky_relu_backward(&x, slope, &g, o)
        });
        expect_panic(&p("leaky_relu_backward_in_place"), &mut out, |o| {
            rectify::leaky_relu_backward_in_place(&x, slope, o)
        });
        expect_panic(&p("leaky_relu_backward_accumulate"), &mut out, |o| {
            rectify::leaky_relu_backward_accumulate(&x, slope, &g, o)
        });
    }
    for ceiling in [f32::NAN, 0.0, -0.0, -1.0, f32::NEG_INFINITY] {
        let value = format!("{:?}", f64::from(ceiling));
        let p = |name: &'static str| [name, "ceiling", "positive"];
        expect_panic(&[&value], &mut out, |o| {
            rectify::clipped_relu_slice(&x, ceiling, o)
        });
        expect_panic(&p("clipped_relu_slice"), &mut out, |o| {
            rectify::clipped_relu_slice(&x, ceiling, o)
        });
        expect_panic(&p("clipped_relu_in_place"), &mut out, |o| {
            rectify::clipped_relu_in_place(o, ceiling)
        });
        expect_panic(&p("clipped_relu_derivative_slice"), &mut out, |o| {
            rectify::clipped_relu_derivative_slice(&x, ceiling, o)
        });
        expect_panic(&p("clipped_relu_derivative_in_place"), &mut out, |o| {
            rectify::clipped_relu_derivative_in_place(o, ceiling)
        });
        expect_panic(&p("clipped_relu_backward"), &mut out, |o| {
            rectify::clipped_relu_backward(&x, ceiling, &g, o)
        });
        expect_panic(&p("clipped_relu_backward_in_place"), &mut out, |o| {
            rectify::clipped_relu_backward_in_place(&x, ceiling, o)
        });
        expect_panic(&p("clipped_relu_backward_accumulate"), &mut out, |o| {
            rectify::clipped_relu_backward_accumulate(&x, ceiling, &g, o)
        });
    }
}

#[test]
fn mismatched_lengths_panic_before_writing() {
    let five = [1.0_f32; 5];
    let four = [1.0_f32; 4];
    let mut out = [7.0_f32; 4];
    let p = |name: &'static str| [name, "5 elements", "4"];
    expect_panic(&p("leaky_relu_slice"), &mut out, |o| {
        rectify::leaky_relu_slice(&five, 0.1, o)
    });
    expect_panic(&p("clipped_relu_slice"), &mut out, |o| {
        rectify::clipped_relu_slice(&five, 6.0, o)
    });
    expect_panic(&p("relu6_slice"), &mut out, |o| {
        rectify::relu6_slice(&five, o)
    });
    expect_panic(&p("relu_backward_accumulate"), &mut out, |o| {
        rectify::relu_backward_accumulate(&five, &five, o)
    });
    expect_panic(&p("leaky_relu_backward_accumulate"), &mut out, |o| {
        rectify::leaky_relu_backward_accumulate(&five, 0.1, &five, o)
    });
    expect_panic(&p("clipped_relu_backward"), &mut out, |o| {
        rectify::clipped_relu_backward(&five, 6.0, &four, o)
    });
    expect_panic(&p("clipped_relu_backward_in_place"), &mut out, |o| {
        rectify::clipped_relu_backward_in_place(&five, 6.0, o)
    });
}

/// Properties stated once, instantiated for f32 (from `u32` bits) and f64 (from `u64` bits).
macro_rules! properties {
    ($module:ident, $float:ty, $bits:ty) => {
        mod $module {
            use super::*;

            fn float() -> impl Strategy<Value = $float> {
                any::<$bits>().prop_map(<$float>::from_bits)
            }

            fn not_nan() -> impl Strategy<Value = $float> {
                float().prop_filter("not NaN", |x| !x.is_nan())
            }

            fn slope() -> impl Strategy<Value = $float> {
                prop_oneof![Just(0.0), Just(0.01), -2.0 as $float..2.0]
            }

            fn ceiling() -> impl Strategy<Value = $float> {
                prop_oneof![Just(6.0), Just(<$float>::INFINITY), 1e-3 as $float..1e3]
            }

            fn vectors() -> impl Strategy<Value = (Vec<$float>, Vec<$float>, Vec<$float>)> {
                (0usize..200).prop_flat_map(|n| {
                    (
                        proptest::collection::vec(float(), n),
                        proptest::collection::vec(float(), n),
                        proptest::collection::vec(float(), n),
                    )
                })
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(500))]

                #[test]
                fn matches_the_spec((x, g, old) in vectors(), slope in slope(), ceiling in ceiling()) {
                    check_unary(&x, slope, ceiling);
                    check_binary(&x, &g, &old, slope, ceiling);
                }

                #[test]
                fn zero_slope_is_relu((x, g, old) in vectors()) {
                    let n = x.len();
                    let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
                    rectify::leaky_relu_slice(&x, 0.0, &mut a);
                    rectify::relu_slice(&x, &mut b);
                    assert_same_bits(&a, &b, "forward");
                    rectify::leaky_relu_derivative_slice(&x, -0.0, &mut a);
                    rectify::relu_derivative_slice(&x, &mut b);
                    assert_same_bits(&a, &b, "derivative");
                    rectify::leaky_relu_backward(&x, 0.0, &g, &mut a);
                    rectify::relu_backward(&x, &g, &mut b);
                    assert_same_bits(&a, &b, "backward");
                    let (mut a, mut b) = (old.clone(), old.clone());
                    rectify::leaky_relu_backward_accumulate(&x, 0.0, &g, &mut a);
                    rectify::relu_backward_accumulate(&x, &g, &mut b);
                    assert_same_bits(&a, &b, "accumulate");
                }

                #[test]
                fn leaky_is_monotone(x in not_nan(), y in not_nan(), slope in 0.0 as $float..2.0) {
                    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
                    prop_assert!(rectify::leaky_relu(lo, slope) <= rectify::leaky_relu(hi, slope));
                }

                #[test]
                fn clipped_stays_in_range_and_is_idempotent(x in float(), ceiling in ceiling()) {
                    let y = rectify::clipped_relu(x, ceiling);
                    if !x.is_nan() {
                        prop_assert!(y >= 0.0 && y <= ceiling && y.is_sign_positive());
                    }
                    prop_assert_eq!(rectify::clipped_relu(y, ceiling).to_bits(), y.to_bits());
                }

                #[test]
                fn derivatives_match_central_differences(
                    x in (-1.0e3 as $float..1.0e3).prop_filter("off the kinks", |x| {
                        x.abs() > 0.1 && (x - 6.0).abs() > 0.1
                    }),
                    slope in -2.0 as $float..2.0,
                ) {
                    // A step relative to x, far smaller than the distance to a kink.
                    let h = x.abs().max(1.0) * 1e-3;
                    let leaky = (rectify::leaky_relu(x + h, slope) - rectify::leaky_relu(x - h, slope)) / (2.0 * h);
                    assert_relative_eq!(leaky, rectify::leaky_relu_derivative(x, slope), epsilon = 1e-2);
                    let clipped = (rectify::relu6(x + h) - rectify::relu6(x - h)) / (2.0 * h);
                    assert_relative_eq!(clipped, rectify::clipped_relu_derivative(x, 6.0), epsilon = 1e-2);
                }

                #[test]
                fn backward_from_output_equals_backward_from_input(
                    (x, g, _old) in vectors(),
                    slope in 0.0 as $float..2.0,
                    ceiling in ceiling(),
                ) {
                    let n = x.len();
                    let (mut y, mut a, mut b) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                    rectify::leaky_relu_slice(&x, slope, &mut y);
                    rectify::leaky_relu_backward(&x, slope, &g, &mut a);
                    rectify::leaky_relu_backward(&y, slope, &g, &mut b);
                    assert_same_bits(&b, &a, "leaky");
                    rectify::clipped_relu_slice(&x, ceiling, &mut y);
                    rectify::clipped_relu_backward(&x, ceiling, &g, &mut a);
                    rectify::clipped_relu_backward(&y, ceiling, &g, &mut b);
                    assert_same_bits(&b, &a, "clipped");
                }
            }
        }
    };
}

properties!(f32_properties, f32, u32);
properties!(f64_properties, f64, u64);
