//! Every activation type through every method of `Activation` and `MaskedActivation`, against
//! the contract tables written out here as a spec (not from the implementation), statically,
//! through `&dyn` and through `Rectifier`; a user's own types through the provided methods;
//! the properties the docs promise; the parameter checks and the text form of `Rectifier`.
//!
//! Under Miri one short case per type runs (the public entry points) with the checks that
//! need no values; the tables and the property tests are values, which the native runs cover.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use rectify::{
    Activation, ActivationStats, Clip, ClippedRelu, LeakyRelu, MaskedActivation, ParamError,
    ParseRectifierError, Rectifier, Relu, ThresholdedRelu, mask_words,
};

use crate::common::{Rng, TestFloat, assert_same_bits, assert_same_values, edge_pairs};

/// A member of the family as its table defines it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Spec<F> {
    Relu,
    Leaky(F),
    Clipped(F),
    Clip(F, F),
    Thresholded(F),
}

impl<F: TestFloat> Spec<F> {
    /// Whether `x` (not NaN) is where the gradient passes.
    fn passes(self, x: F) -> bool {
        match self {
            Spec::Relu | Spec::Leaky(_) => x > F::zero(),
            // An infinite bound is no bound: the value at it is inside.
            Spec::Clipped(c) => x > F::zero() && (x < c || c == F::infinity()),
            Spec::Clip(lo, hi) => {
                (x > lo || lo == F::neg_infinity()) && (x < hi || hi == F::infinity())
            }
            Spec::Thresholded(alpha) => x > alpha,
        }
    }

    pub(crate) fn at(self, x: F) -> F {
        if x.is_nan() {
            return x;
        }
        match self {
            Spec::Relu => self.relu(x),
            Spec::Leaky(a) => {
                if x > F::zero() {
                    x
                } else if a == F::zero() || a * x == F::zero() {
                    F::zero()
                } else {
                    a * x
                }
            }
            Spec::Clipped(c) => {
                if x <= F::zero() {
                    F::zero()
                } else if x >= c {
                    c
                } else {
                    x
                }
            }
            Spec::Clip(lo, hi) => {
                // ONNX: min(max(x, lo), hi), with the bound itself where it clips.
                let y = if x <= lo { lo } else { x };
                if y >= hi { hi } else { y }
            }
            Spec::Thresholded(alpha) => {
                if x > alpha {
                    x
                } else {
                    F::zero()
                }
            }
        }
    }

    fn relu(self, x: F) -> F {
        if x > F::zero() { x } else { F::zero() }
    }

    fn derivative_at(self, x: F) -> F {
        if x.is_nan() {
            return x;
        }
        match self {
            Spec::Leaky(a) if !self.passes(x) => {
                if a == F::zero() {
                    F::zero()
                } else {
                    a
                }
            }
            _ if self.passes(x) => F::one(),
            _ => F::zero(),
        }
    }

    pub(crate) fn backward_at(self, x: F, g: F) -> F {
        if x.is_nan() {
            x
        } else {
            self.backward_from_bit(self.passes(x), g)
        }
    }

    fn is_active(self, x: F) -> bool {
        x.is_nan() || self.passes(x)
    }

    fn backward_from_bit(self, bit: bool, g: F) -> F {
        match self {
            _ if bit => g,
            Spec::Leaky(a) if a != F::zero() => a * g,
            _ => F::zero(),
        }
    }

    /// The crate's value for this spec.
    pub(crate) fn value(self) -> Rectifier<F> {
        match self {
            Spec::Relu => Rectifier::Relu,
            Spec::Leaky(a) => LeakyRelu::new(a).unwrap().into(),
            Spec::Clipped(c) => ClippedRelu::new(c).unwrap().into(),
            Spec::Clip(lo, hi) => Clip::new(lo, hi).unwrap().into(),
            Spec::Thresholded(alpha) => ThresholdedRelu::new(alpha).unwrap().into(),
        }
    }
}

/// Every member with the parameters under test: zeros of both signs, tiny and huge values,
/// infinite bounds, `min > max`.
pub(crate) fn members<F: TestFloat>() -> Vec<Spec<F>> {
    let f = |x: f64| F::from(x).unwrap();
    let mut specs = vec![Spec::Relu];
    for a in [0.0, -0.0, 0.01, 1.0, -0.5, 3.0, 1e-30] {
        specs.push(Spec::Leaky(f(a)));
    }
    for c in [6.0, 1.0, 1e-3, 1e30, f64::INFINITY] {
        specs.push(Spec::Clipped(f(c)));
    }
    specs.push(Spec::Clipped(F::min_positive_value()));
    specs.push(Spec::Clipped(F::max_value()));
    let inf = f64::INFINITY;
    for (lo, hi) in [
        (0.0, 6.0),
        (-1.0, 1.0),
        (0.0, inf),
        (-inf, inf),
        (-inf, 0.5),
        (0.5, inf),
        (2.0, -2.0),
        (1.0, 1.0),
        (-0.0, 1.0),
        (-3.0, -1.0),
    ] {
        specs.push(Spec::Clip(f(lo), f(hi)));
    }
    for alpha in [0.0, -0.0, 1.0, -0.5, 1e-30, -1e30] {
        // -1e30 is the most negative finite value in the 16-bit formats.
        specs.push(Spec::Thresholded(f(alpha).max(F::min_value())));
    }
    specs
}

fn map<F: TestFloat>(x: &[F], f: impl Fn(F) -> F) -> Vec<F> {
    x.iter().map(|&x| f(x)).collect()
}

fn zip<F: TestFloat>(x: &[F], g: &[F], f: impl Fn(F, F) -> F) -> Vec<F> {
    x.iter().zip(g).map(|(&x, &g)| f(x, g)).collect()
}

fn accumulate<F: TestFloat>(old: &[F], value: &[F]) -> Vec<F> {
    zip(old, value, |o, v| if v.is_nan() { v } else { o + v })
}

fn stats_of<F: TestFloat>(y: &[F]) -> ActivationStats {
    ActivationStats {
        active: y.iter().filter(|&&v| v > F::zero()).count(),
        zeros: y.iter().filter(|&&v| v == F::zero()).count(),
        nans: y.iter().filter(|v| v.is_nan()).count(),
        len: y.len(),
    }
}

fn mask_of<F: TestFloat>(x: &[F], active: impl Fn(F) -> bool) -> Vec<u64> {
    let mut words = vec![0_u64; mask_words(x.len())];
    for (i, &v) in x.iter().enumerate() {
        words[i / 64] |= u64::from(active(v)) << (i % 64);
    }
    words
}

/// What every slice method of an activation should write, from its scalar methods (`want`)
/// or from the spec.
struct Expected<F> {
    forward: Vec<F>,
    derivative: Vec<F>,
    backward: Vec<F>,
}

/// Every slice method of `act` over `x` (backward with `g`, accumulating onto `old`) against
/// `want`, the results the scalar methods or the spec give, compared by `same`.
fn check_slices<F: TestFloat>(
    act: &dyn Activation<F>,
    x: &[F],
    g: &[F],
    old: &[F],
    want: &Expected<F>,
    at: &str,
    same: fn(&[F], &[F], &str),
) {
    let n = x.len();
    let mut out = vec![F::one(); n];
    act.forward(x, &mut out);
    same(&out, &want.forward, &format!("{at}: forward"));
    let mut values = x.to_vec();
    act.forward_in_place(&mut values);
    same(&values, &want.forward, &format!("{at}: forward_in_place"));
    let stats = act.forward_with_stats(x, &mut out);
    same(&out, &want.forward, &format!("{at}: forward_with_stats"));
    assert_eq!(stats, stats_of(&want.forward), "{at}: forward_with_stats");
    let mut values = x.to_vec();
    let stats = act.forward_in_place_with_stats(&mut values);
    same(
        &values,
        &want.forward,
        &format!("{at}: in place with stats"),
    );
    assert_eq!(stats, stats_of(&want.forward), "{at}: in place with stats");

    act.derivative(x, &mut out);
    same(&out, &want.derivative, &format!("{at}: derivative"));
    let mut values = x.to_vec();
    act.derivative_in_place(&mut values);
    same(
        &values,
        &want.derivative,
        &format!("{at}: derivative_in_place"),
    );

    act.backward(x, g, &mut out);
    same(&out, &want.backward, &format!("{at}: backward"));
    let mut grad = g.to_vec();
    act.backward_in_place(x, &mut grad);
    same(&grad, &want.backward, &format!("{at}: backward_in_place"));
    let mut acc = old.to_vec();
    act.backward_accumulate(x, g, &mut acc);
    let summed = accumulate(old, &want.backward);
    same(&acc, &summed, &format!("{at}: backward_accumulate"));
}

/// Every mask method of `act` against the mask `words`, the NaN count, and the backward
/// results `backward` that the bits give.
fn check_masks<F: TestFloat>(
    act: &dyn MaskedActivation<F>,
    x: &[F],
    g: &[F],
    old: &[F],
    (forward, words, backward): (&[F], &[u64], &[F]),
    at: &str,
) {
    let n = x.len();
    let nans = x.iter().filter(|v| v.is_nan()).count();
    let mut out = vec![F::one(); n];
    let mut mask = vec![u64::MAX; mask_words(n)];
    let got = act.forward_masked(x, &mut out, &mut mask);
    assert_same_bits(&out, forward, &format!("{at}: forward_masked"));
    assert_eq!(mask, words, "{at}: forward_masked bits");
    assert_eq!(got, nans, "{at}: forward_masked NaN count");
    let mut values = x.to_vec();
    mask.fill(u64::MAX);
    let got = act.forward_in_place_masked(&mut values, &mut mask);
    assert_same_bits(&values, forward, &format!("{at}: forward_in_place_masked"));
    assert_eq!(mask, words, "{at}: forward_in_place_masked bits");
    assert_eq!(got, nans, "{at}: forward_in_place_masked NaN count");

    act.backward_masked(words, g, &mut out);
    assert_same_bits(&out, backward, &format!("{at}: backward_masked"));
    let mut grad = g.to_vec();
    act.backward_masked_in_place(words, &mut grad);
    assert_same_bits(&grad, backward, &format!("{at}: backward_masked_in_place"));
    let mut acc = old.to_vec();
    act.backward_masked_accumulate(words, g, &mut acc);
    let summed = accumulate(old, backward);
    assert_same_bits(&acc, &summed, &format!("{at}: backward_masked_accumulate"));

    #[cfg(feature = "alloc")]
    {
        let mut owned = rectify::ActivationMask::new(act);
        let got = owned.forward(x, &mut out);
        assert_eq!(
            (owned.words(), owned.len(), got),
            (words, n, nans),
            "{at}: owned"
        );
        owned.backward(g, &mut out);
        assert_same_bits(&out, backward, &format!("{at}: ActivationMask::backward"));
        for i in 0..n {
            assert_eq!(owned.is_active(i), words[i / 64] >> (i % 64) & 1 == 1);
        }
    }
}

/// The slice methods of `act` equal its scalar methods, compared by `same`: bit for bit
/// ([`assert_same_bits`]) for the crate's types (kernels). The user's types get
/// [`assert_same_values`], NaN for NaN: their provided `backward_at` is
/// `derivative_at(x) * grad`, arithmetic on two NaNs where both are NaN, whose NaN Rust leaves
/// open, and the compiler swaps the operands where it vectorises the provided loop (it does at
/// opt-level 3).
fn slices_equal_scalars<F: TestFloat>(
    act: &dyn Activation<F>,
    x: &[F],
    g: &[F],
    old: &[F],
    same: fn(&[F], &[F], &str),
) {
    let want = Expected {
        forward: map(x, |x| act.at(x)),
        derivative: map(x, |x| act.derivative_at(x)),
        backward: zip(x, g, |x, g| act.backward_at(x, g)),
    };
    check_slices(act, x, g, old, &want, "slices vs scalars", same);
}

/// As [`slices_equal_scalars`] for the mask methods.
fn masks_equal_scalars<F: TestFloat>(act: &dyn MaskedActivation<F>, x: &[F], g: &[F], old: &[F]) {
    let words = mask_of(x, |x| act.is_active(x));
    let backward: Vec<F> = (0..x.len())
        .map(|i| act.backward_from_bit(words[i / 64] >> (i % 64) & 1 == 1, g[i]))
        .collect();
    let forward = map(x, |x| act.at(x));
    let want = (&forward[..], &words[..], &backward[..]);
    check_masks(act, x, g, old, want, "masks vs scalars");
}

/// Every method of `spec`'s value, statically typed, through `&dyn` and as a `Rectifier`,
/// against the spec.
fn check_member<F: TestFloat>(spec: Spec<F>, x: &[F], g: &[F], old: &[F]) {
    let want = Expected {
        forward: map(x, |x| spec.at(x)),
        derivative: map(x, |x| spec.derivative_at(x)),
        backward: zip(x, g, |x, g| spec.backward_at(x, g)),
    };
    let words = mask_of(x, |x| spec.is_active(x));
    let masked_backward: Vec<F> = (0..x.len())
        .map(|i| spec.backward_from_bit(words[i / 64] >> (i % 64) & 1 == 1, g[i]))
        .collect();
    let masks = (&want.forward[..], &words[..], &masked_backward[..]);
    let check = |act: &dyn MaskedActivation<F>, how: &str| {
        let at = format!("{spec:?} {how}");
        assert_same_bits(&map(x, |x| act.at(x)), &want.forward, &format!("{at}: at"));
        let d = map(x, |x| act.derivative_at(x));
        assert_same_bits(&d, &want.derivative, &format!("{at}: derivative_at"));
        let b = zip(x, g, |x, g| act.backward_at(x, g));
        assert_same_bits(&b, &want.backward, &format!("{at}: backward_at"));
        for &v in x {
            assert_eq!(
                act.is_active(v),
                spec.is_active(v),
                "{at}: is_active({v:?})"
            );
        }
        check_slices(act, x, g, old, &want, &at, assert_same_bits);
        check_masks(act, x, g, old, masks, &at);
    };
    let rectifier = spec.value();
    check(&rectifier, "as Rectifier");
    match rectifier {
        Rectifier::Relu => check(&Relu, "as Relu"),
        Rectifier::LeakyRelu(a) => check(&a, "as LeakyRelu"),
        Rectifier::ClippedRelu(a) => check(&a, "as ClippedRelu"),
        Rectifier::Clip(a) => check(&a, "as Clip"),
        Rectifier::ThresholdedRelu(a) => check(&a, "as ThresholdedRelu"),
        _ => unreachable!(),
    }
}

/// ReLU written by a user: only the two required methods, so every slice method is provided.
pub(crate) struct UserRelu;

impl<F: TestFloat> Activation<F> for UserRelu {
    fn at(&self, x: F) -> F {
        if x > F::zero() || x.is_nan() {
            x
        } else {
            F::zero()
        }
    }
    fn derivative_at(&self, x: F) -> F {
        if x.is_nan() {
            x
        } else if x > F::zero() {
            F::one()
        } else {
            F::zero()
        }
    }
}

impl<F: TestFloat> MaskedActivation<F> for UserRelu {
    fn is_active(&self, x: F) -> bool {
        x > F::zero() || x.is_nan()
    }
    fn backward_from_bit(&self, active: bool, grad: F) -> F {
        if active { grad } else { F::zero() }
    }
}

/// A user's smooth activation: `x / (1 + |x|)` (softsign), with the provided `backward_at`.
struct Softsign;

impl<F: TestFloat> Activation<F> for Softsign {
    fn at(&self, x: F) -> F {
        x / (F::one() + x.abs())
    }
    fn derivative_at(&self, x: F) -> F {
        let d = F::one() + x.abs();
        F::one() / (d * d)
    }
}

/// Everything above over `x`, `g` and `old`.
fn check_all<F: TestFloat>(x: &[F], g: &[F], old: &[F]) {
    for spec in members::<F>() {
        check_member(spec, x, g, old);
        slices_equal_scalars(&spec.value(), x, g, old, assert_same_bits);
        masks_equal_scalars(&spec.value(), x, g, old);
    }
    slices_equal_scalars(&UserRelu, x, g, old, assert_same_values);
    masks_equal_scalars(&UserRelu, x, g, old);
    slices_equal_scalars(&Softsign, x, g, old, assert_same_values);
}

/// The edge table: every pair of edge values, long enough to reach the SIMD kernels.
fn edge_table<F: TestFloat>() {
    let (x, g) = edge_pairs::<F>();
    let old: Vec<F> = g.iter().rev().copied().collect();
    check_all(&x, &g, &old);
}

#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn edge_table_f32() {
    edge_table::<f32>();
}

#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn edge_table_f64() {
    edge_table::<f64>();
}

/// Every pattern of a 16-bit format as `x`, meeting every pattern as `g` and as `old` in other
/// orders, through every type and method; then the edge table.
#[cfg(feature = "half")]
fn all_patterns_16<F: TestFloat>() {
    use crate::common::{all_patterns, all_patterns_by};
    let x = all_patterns::<F>();
    check_all(&x, &all_patterns_by(40_503), &all_patterns_by(0x9e37));
    edge_table::<F>();
}

#[test]
#[cfg(feature = "half")]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn all_patterns_f16() {
    all_patterns_16::<half::f16>();
}

#[test]
#[cfg(feature = "half")]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn all_patterns_bf16() {
    all_patterns_16::<half::bf16>();
}

/// The public entry points of every type at a length that reaches the vector loop and its
/// tail, from a misaligned start: what Miri checks.
#[test]
fn every_type_every_method_misaligned() {
    let mut rng = Rng::new(12);
    let n = if cfg!(miri) { 71 } else { 1031 };
    let (x, g, old) = (
        rng.floats::<f32>(n + 1),
        rng.floats::<f32>(n + 1),
        rng.floats::<f32>(n + 1),
    );
    let specs = [
        Spec::Relu,
        Spec::Leaky(0.01),
        Spec::Clipped(6.0),
        Spec::Clip(-1.0, 1.0),
        Spec::Thresholded(1.0),
    ];
    for spec in specs {
        check_member(spec, &x[1..], &g[1..], &old[1..]);
    }
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

            fn bound() -> impl Strategy<Value = $float> {
                prop_oneof![
                    Just(0.0),
                    Just(<$float>::INFINITY),
                    Just(<$float>::NEG_INFINITY),
                    -10.0 as $float..10.0,
                    not_nan(),
                ]
            }

            fn spec() -> impl Strategy<Value = Spec<$float>> {
                prop_oneof![
                    Just(Spec::Relu),
                    prop_oneof![Just(0.0), Just(0.01), -2.0 as $float..2.0].prop_map(Spec::Leaky),
                    prop_oneof![Just(6.0), Just(<$float>::INFINITY), 1e-3 as $float..1e3]
                        .prop_map(Spec::Clipped),
                    (bound(), bound()).prop_map(|(lo, hi)| Spec::Clip(lo, hi)),
                    prop_oneof![Just(0.0), Just(1.0), -2.0 as $float..2.0]
                        .prop_map(Spec::Thresholded),
                ]
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

            /// Whether the docs say backward may take the forward output.
            fn backward_from_output_holds(spec: Spec<$float>) -> bool {
                match spec {
                    Spec::Leaky(a) => a >= 0.0,
                    Spec::Clip(lo, hi) => lo <= hi,
                    Spec::Thresholded(alpha) => alpha >= 0.0,
                    Spec::Relu | Spec::Clipped(_) => true,
                }
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 2 } else { 300 }))]

                #[test]
                fn every_method_matches_the_spec((x, g, old) in vectors(), spec in spec()) {
                    check_member(spec, &x, &g, &old);
                }

                #[test]
                fn user_types_slices_equal_scalars((x, g, old) in vectors()) {
                    slices_equal_scalars(&UserRelu, &x, &g, &old, assert_same_values);
                    masks_equal_scalars(&UserRelu, &x, &g, &old);
                    slices_equal_scalars(&Softsign, &x, &g, &old, assert_same_values);
                }

                #[test]
                fn non_negative_and_idempotent(x in float(), spec in spec()) {
                    let act = spec.value();
                    let y = act.at(x);
                    let never_negative = match spec {
                        Spec::Relu | Spec::Clipped(_) => true,
                        Spec::Leaky(a) => a == 0.0,
                        Spec::Clip(lo, hi) => lo.is_sign_positive() && lo <= hi,
                        Spec::Thresholded(alpha) => alpha >= 0.0,
                    };
                    if never_negative && !y.is_nan() {
                        prop_assert!(y.is_sign_positive(), "{:?}({:?}) = {:?}", spec, x, y);
                    }
                    // Every member but leaky ReLU (with a nonzero slope) is idempotent.
                    if !matches!(spec, Spec::Leaky(a) if a != 0.0) {
                        prop_assert_eq!(act.at(y).to_bits(), y.to_bits());
                    }
                }

                #[test]
                fn monotone(x in not_nan(), y in not_nan(), spec in spec()) {
                    let act = spec.value();
                    let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
                    let increasing = match spec {
                        Spec::Leaky(a) => a >= 0.0,
                        Spec::Thresholded(alpha) => alpha >= 0.0,
                        _ => true,
                    };
                    if increasing {
                        prop_assert!(act.at(lo) <= act.at(hi), "{:?}: {:?} {:?}", spec, lo, hi);
                    }
                }

                #[test]
                fn backward_from_output_equals_backward_from_input(
                    (x, g, _old) in vectors(),
                    spec in spec(),
                ) {
                    prop_assume!(backward_from_output_holds(spec));
                    let act = spec.value();
                    let n = x.len();
                    let (mut y, mut a, mut b) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
                    act.forward(&x, &mut y);
                    act.backward(&x, &g, &mut a);
                    act.backward(&y, &g, &mut b);
                    assert_same_bits(&b, &a, &format!("{spec:?}"));
                }

                #[test]
                fn derivatives_match_central_differences(x in -1.0e3 as $float..1.0e3, spec in spec()) {
                    let kinks: Vec<$float> = match spec {
                        Spec::Relu | Spec::Leaky(_) => vec![0.0],
                        Spec::Clipped(c) => vec![0.0, c],
                        Spec::Clip(lo, hi) => vec![lo, hi],
                        Spec::Thresholded(alpha) => vec![alpha],
                    };
                    let h = x.abs().max(1.0) * 1e-3;
                    prop_assume!(kinks.iter().all(|k| (x - k).abs() > 10.0 * h));
                    let act = spec.value();
                    let (above, below) = (act.at(x + h), act.at(x - h));
                    // A clip to an infinite bound is constant there, and inf - inf is NaN.
                    prop_assume!(above.is_finite() && below.is_finite());
                    let slope = (above - below) / (2.0 * h);
                    let d = act.derivative_at(x);
                    prop_assert!((slope - d).abs() <= 1e-2 * d.abs().max(1.0), "{:?} at {:?}: {:?} vs {:?}", spec, x, slope, d);
                }

                #[test]
                fn text_round_trips(spec in spec()) {
                    let act = spec.value();
                    let text = act.to_string();
                    let back: Rectifier<$float> = text.parse().unwrap();
                    prop_assert_eq!(back, act, "{}", text);
                }
            }
        }
    };
}

// Values only: Miri runs `every_type_every_method_misaligned` instead.
#[cfg(not(miri))]
properties!(f32_properties, f32, u32);
#[cfg(not(miri))]
properties!(f64_properties, f64, u64);

#[test]
fn subgradients_at_the_kinks() {
    let leaky = LeakyRelu::new(0.1_f32).unwrap();
    assert_eq!(leaky.derivative_at(0.0), 0.1);
    assert_eq!(leaky.derivative_at(-0.0), 0.1);
    let relu6 = ClippedRelu::<f32>::RELU6;
    assert_eq!(relu6.derivative_at(0.0).to_bits(), 0);
    assert_eq!(relu6.derivative_at(6.0).to_bits(), 0);
    let clip = Clip::new(-1.0_f32, 1.0).unwrap();
    assert_eq!(clip.derivative_at(-1.0).to_bits(), 0);
    assert_eq!(clip.derivative_at(1.0).to_bits(), 0);
    assert_eq!(clip.derivative_at(-0.0), 1.0);
    let thresholded = ThresholdedRelu::new(1.0_f32).unwrap();
    assert_eq!(thresholded.derivative_at(1.0).to_bits(), 0);
    assert_eq!(Relu.derivative_at(0.0_f32).to_bits(), 0);
    // Inside Clip's interval -0.0 stays; thresholded with alpha < 0 passes it.
    assert_eq!(clip.at(-0.0).to_bits(), (-0.0_f32).to_bits());
    let below = ThresholdedRelu::new(-1.0_f32).unwrap();
    assert_eq!(below.at(-0.0).to_bits(), (-0.0_f32).to_bits());
    assert_eq!(below.at(-0.5), -0.5);
    // min > max gives max everywhere.
    let empty = Clip::new(2.0_f32, -2.0).unwrap();
    assert!([-5.0, 0.0, 5.0].iter().all(|&x| empty.at(x) == -2.0));
}

#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn degenerate_parameters_are_relu() {
    let mut rng = Rng::new(3);
    let x = rng.floats::<f32>(300);
    let g = rng.floats::<f32>(300);
    let old = rng.floats::<f32>(300);
    let relu = Expected {
        forward: map(&x, |x| Spec::Relu.at(x)),
        derivative: map(&x, |x| Spec::Relu.derivative_at(x)),
        backward: zip(&x, &g, |x, g| Spec::Relu.backward_at(x, g)),
    };
    let members: [(&str, &dyn Activation<f32>); 6] = [
        ("LeakyRelu(0)", &LeakyRelu::new(0.0).unwrap()),
        ("LeakyRelu(-0)", &LeakyRelu::new(-0.0).unwrap()),
        (
            "ClippedRelu(inf)",
            &ClippedRelu::new(f32::INFINITY).unwrap(),
        ),
        ("Clip(0, inf)", &Clip::new(0.0, f32::INFINITY).unwrap()),
        ("ThresholdedRelu(0)", &ThresholdedRelu::new(0.0).unwrap()),
        ("ThresholdedRelu(-0)", &ThresholdedRelu::new(-0.0).unwrap()),
    ];
    for (name, act) in members {
        check_slices(act, &x, &g, &old, &relu, name, assert_same_bits);
    }
    // A finite ceiling is the clip from zero.
    let c = 2.5_f32;
    let clipped = ClippedRelu::new(c).unwrap();
    let clip = Clip::new(0.0, c).unwrap();
    let want = Expected {
        forward: map(&x, |x| clip.at(x)),
        derivative: map(&x, |x| clip.derivative_at(x)),
        backward: zip(&x, &g, |x, g| clip.backward_at(x, g)),
    };
    check_slices(
        &clipped,
        &x,
        &g,
        &old,
        &want,
        "ClippedRelu(c) vs Clip(0, c)",
        assert_same_bits,
    );
}

#[test]
fn constructors_check_their_parameters() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    for slope in [nan, inf, -inf] {
        let err = LeakyRelu::new(slope).unwrap_err();
        assert!(matches!(err, ParamError::NotFinite { name: "slope", .. }));
        assert!(err.to_string().contains("slope must be finite"), "{err}");
    }
    for alpha in [nan, inf, -inf] {
        let err = ThresholdedRelu::new(alpha).unwrap_err();
        assert!(matches!(err, ParamError::NotFinite { name: "alpha", .. }));
    }
    for ceiling in [nan, 0.0, -0.0, -1.0, -inf] {
        let err = ClippedRelu::new(ceiling).unwrap_err();
        assert!(matches!(
            err,
            ParamError::NotPositive {
                name: "ceiling",
                ..
            }
        ));
        assert!(
            err.to_string()
                .contains(&format!("{:?}", f64::from(ceiling)))
        );
    }
    assert_eq!(Clip::new(nan, 1.0), Err(ParamError::Nan { name: "min" }));
    assert_eq!(Clip::new(0.0, nan), Err(ParamError::Nan { name: "max" }));
    assert!(Clip::new(-inf, inf).is_ok() && Clip::new(3.0, -3.0).is_ok());
    let boxed: Box<dyn std::error::Error> = Box::new(Clip::new(nan, 1.0).unwrap_err());
    assert_eq!(boxed.to_string(), "the min must not be NaN");
}

#[test]
fn rectifier_parses_its_names() {
    let parse = |s: &str| s.parse::<Rectifier<f32>>();
    assert_eq!(parse("relu"), Ok(Rectifier::Relu));
    assert_eq!(parse(" relu "), Ok(Rectifier::Relu));
    let leaky = |a| Ok(LeakyRelu::new(a).unwrap().into());
    assert_eq!(parse("leaky_relu"), leaky(0.01));
    assert_eq!(parse("leaky_relu(0.2)"), leaky(0.2));
    assert_eq!(parse("leaky_relu( -1e-3 )"), leaky(-1e-3));
    assert_eq!(parse("relu6"), Ok(ClippedRelu::<f32>::RELU6.into()));
    assert_eq!(
        parse("clipped_relu(inf)"),
        Ok(ClippedRelu::new(f32::INFINITY).unwrap().into())
    );
    assert_eq!(
        parse("clip(-1, 1)"),
        Ok(Clip::new(-1.0, 1.0).unwrap().into())
    );
    assert_eq!(
        parse("clip(-inf,0.5)"),
        Ok(Clip::new(f32::NEG_INFINITY, 0.5).unwrap().into())
    );
    assert_eq!(
        parse("thresholded_relu"),
        Ok(ThresholdedRelu::new(1.0).unwrap().into())
    );
    assert_eq!(
        parse("thresholded_relu(0.5)"),
        Ok(ThresholdedRelu::new(0.5).unwrap().into())
    );
    use ParseRectifierError::*;
    for (text, err) in [
        ("gelu", UnknownName),
        ("", UnknownName),
        ("Relu", UnknownName),
        ("relu(1)", BadSyntax),
        ("relu6(6)", BadSyntax),
        ("clip(1)", BadSyntax),
        ("clip(1, 2, 3)", BadSyntax),
        ("leaky_relu(0.1", BadSyntax),
        ("leaky_relu(x)", BadNumber),
        ("leaky_relu()", BadNumber),
    ] {
        assert_eq!(parse(text), Err(err), "{text:?}");
    }
    let err = parse("clipped_relu(0)").unwrap_err();
    assert!(matches!(err, Param(ParamError::NotPositive { .. })));
    assert!(std::error::Error::source(&err).is_some());
    assert!(matches!(parse("leaky_relu(inf)"), Err(Param(_))));
    assert!(matches!(parse("clip(nan, 1)"), Err(Param(_))));
    // Display writes what FromStr reads back, bit for bit: a -0.0 bound and a tiny one.
    let clip = Rectifier::from(Clip::new(-0.0_f64, 1e-300).unwrap());
    let back: Rectifier<f64> = clip.to_string().parse().unwrap();
    let Rectifier::Clip(back) = back else {
        panic!("{clip} parsed as {back:?}")
    };
    assert_eq!(
        (back.min().to_bits(), back.max()),
        ((-0.0_f64).to_bits(), 1e-300)
    );
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
#[cfg_attr(miri, ignore = "unwinding through many panics is slow under Miri")]
fn mismatched_lengths_panic_before_writing() {
    let five = [1.0_f32; 5];
    let four = [1.0_f32; 4];
    let mut out = [7.0_f32; 4];
    let leaky = LeakyRelu::new(0.1_f32).unwrap();
    let user = UserRelu;
    let acts: [&dyn MaskedActivation<f32>; 3] = [&Relu, &leaky, &user];
    for act in acts {
        let p = |name: &'static str| [name, "5 elements", "4"];
        expect_panic(&p("forward"), &mut out, |o| act.forward(&five, o));
        expect_panic(&p("derivative"), &mut out, |o| act.derivative(&five, o));
        expect_panic(&p("backward"), &mut out, |o| act.backward(&five, &five, o));
        expect_panic(&p("backward"), &mut out, |o| act.backward(&five, &four, o));
        expect_panic(&p("backward_in_place"), &mut out, |o| {
            act.backward_in_place(&five, o)
        });
        expect_panic(&p("backward_accumulate"), &mut out, |o| {
            act.backward_accumulate(&five, &five, o)
        });
        expect_panic(&p("forward_with_stats"), &mut out, |o| {
            let _ = act.forward_with_stats(&five, o);
        });
        let mut mask = [0_u64; 1];
        expect_panic(&p("forward_masked"), &mut out, |o| {
            let _ = act.forward_masked(&five, o, &mut mask);
        });
        expect_panic(&p("backward_masked"), &mut out, |o| {
            act.backward_masked(&[0], &five, o)
        });
        let wrong = ["the mask has 2 words", "4 elements need 1"];
        expect_panic(&wrong, &mut out, |o| {
            let _ = act.forward_in_place_masked(o, &mut [0, 0]);
        });
        expect_panic(&wrong, &mut out, |o| {
            act.backward_masked_in_place(&[0, 0], o)
        });
        expect_panic(&wrong, &mut out, |o| {
            act.backward_masked_accumulate(&[0, 0], &four, o)
        });
    }
}
