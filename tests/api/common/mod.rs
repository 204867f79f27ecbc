//! Test support: the floats under test, their edge values, and the contract written as a spec.
#![allow(dead_code)]

// Also compiled into the crate's own (no_std) unit tests, which lack the std prelude.
extern crate std;

use core::fmt::Debug;
use std::string::String;
use std::vec;
use std::vec::Vec;

use num_traits::Float;

/// A float whose bits the tests compare.
pub trait TestFloat: Float + Debug + 'static {
    type Bits: Copy + Eq + Debug;
    fn bits(self) -> Self::Bits;
    fn from_raw(bits: u64) -> Self;
    /// ±0, the smallest and largest subnormals, MIN_POSITIVE, MAX, MIN, ±inf, ordinary values,
    /// and quiet and signalling NaNs with payloads and both signs.
    fn edge_values() -> Vec<Self>;
}

impl TestFloat for f32 {
    type Bits = u32;
    fn bits(self) -> u32 {
        self.to_bits()
    }
    fn from_raw(bits: u64) -> f32 {
        f32::from_bits(bits as u32)
    }
    fn edge_values() -> Vec<f32> {
        let mut v = vec![
            0.0,
            -0.0,
            f32::from_bits(1), // smallest subnormal
            -f32::from_bits(1),
            f32::from_bits(0x007f_ffff), // largest subnormal
            -f32::from_bits(0x007f_ffff),
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::EPSILON,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            1.0,
            -1.0,
            0.5,
            -0.5,
            6.0,
            -1e-30,
            1e30,
        ];
        for bits in [
            0x7fc0_0000_u32, // quiet NaN
            0x7fc0_1234,     // quiet NaN with payload
            0xffc0_0001,     // negative quiet NaN with payload
            0x7f80_0001,     // signalling NaN
            0x7fa5_a5a5,     // signalling NaN with payload
            0xff80_0123,     // negative signalling NaN
            0xffff_ffff,     // all ones
        ] {
            v.push(f32::from_bits(bits));
        }
        v
    }
}

impl TestFloat for f64 {
    type Bits = u64;
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn from_raw(bits: u64) -> f64 {
        f64::from_bits(bits)
    }
    fn edge_values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            -f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            f64::EPSILON,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.0,
            -1.0,
            0.5,
            -0.5,
            6.0,
            -1e-300,
            1e300,
        ];
        for bits in [
            0x7ff8_0000_0000_0000_u64,
            0x7ff8_0000_0000_1234,
            0xfff8_0000_0000_0001,
            0x7ff0_0000_0000_0001,
            0x7ff5_a5a5_a5a5_a5a5,
            0xfff0_0000_0000_0123,
            0xffff_ffff_ffff_ffff,
        ] {
            v.push(f64::from_bits(bits));
        }
        v
    }
}

/// The edge values of a 16-bit format from their patterns: ±0, the smallest and largest
/// subnormals, the smallest normal, the largest finite, ±inf, ordinary values, and quiet and
/// signalling NaNs with payloads and both signs, for a format whose exponent field is
/// `exponent` (all ones) and whose quiet bit is `quiet`.
#[cfg(feature = "half")]
fn edge_patterns16(exponent: u16, quiet: u16) -> Vec<u16> {
    let mantissa = exponent.trailing_zeros();
    let max_mantissa = (1 << mantissa) - 1;
    let mut v = vec![
        0,
        0x8000,
        1,
        0x8001,
        max_mantissa,
        0x8000 | max_mantissa,
        1 << mantissa,
        0x8000 | (1 << mantissa),
        exponent - 1,            // the largest finite
        0x8000 | (exponent - 1), // the most negative finite
        exponent,
        0x8000 | exponent,
    ];
    for value in [1.0_f32, -1.0, 0.5, -0.5, 6.0, 3.0e-3, -3.0e-3, 100.0] {
        let bits = value.to_bits();
        // Rounded to the format (bf16 by truncation: any value will do).
        v.push(if mantissa == 10 {
            half::f16::from_f32(value).to_bits()
        } else {
            (bits >> 16) as u16
        });
    }
    for nan in [
        exponent | quiet,
        exponent | quiet | 0x12,
        0x8000 | exponent | quiet | 1,
        exponent | 1,
        exponent | (quiet >> 1) | 0x5,
        0x8000 | exponent | 0x23,
        0xffff,
    ] {
        v.push(nan);
    }
    v
}

#[cfg(feature = "half")]
impl TestFloat for half::f16 {
    type Bits = u16;
    fn bits(self) -> u16 {
        self.to_bits()
    }
    fn from_raw(bits: u64) -> half::f16 {
        half::f16::from_bits(bits as u16)
    }
    fn edge_values() -> Vec<half::f16> {
        let patterns = edge_patterns16(0x7c00, 0x0200);
        patterns.into_iter().map(half::f16::from_bits).collect()
    }
}

#[cfg(feature = "half")]
impl TestFloat for half::bf16 {
    type Bits = u16;
    fn bits(self) -> u16 {
        self.to_bits()
    }
    fn from_raw(bits: u64) -> half::bf16 {
        half::bf16::from_bits(bits as u16)
    }
    fn edge_values() -> Vec<half::bf16> {
        let patterns = edge_patterns16(0x7f80, 0x0040);
        patterns.into_iter().map(half::bf16::from_bits).collect()
    }
}

/// Every bit pattern of a 16-bit format, in order.
#[cfg(feature = "half")]
pub fn all_patterns<F: TestFloat>() -> Vec<F> {
    (0..=u16::MAX).map(|b| F::from_raw(b.into())).collect()
}

/// Every bit pattern of a 16-bit format in the order `i * step` (an odd `step` visits each
/// once): a second input that meets each pattern of the first with another.
#[cfg(feature = "half")]
pub fn all_patterns_by<F: TestFloat>(step: u16) -> Vec<F> {
    assert!(step % 2 == 1, "an odd step visits every pattern");
    (0..=u16::MAX)
        .map(|i| F::from_raw(i.wrapping_mul(step).into()))
        .collect()
}

/// Every pair of edge values: `x[i]` and `g[i]` run through all combinations, long enough to
/// reach the SIMD loops.
pub fn edge_pairs<F: TestFloat>() -> (Vec<F>, Vec<F>) {
    let edges = F::edge_values();
    let x = edges
        .iter()
        .flat_map(|&a| edges.iter().map(move |_| a))
        .collect();
    let g = edges.iter().flat_map(|_| edges.iter().copied()).collect();
    (x, g)
}

/// The contract's `relu` column, written from the table rather than from the implementation.
pub fn spec_relu<F: TestFloat>(x: F) -> F {
    if x.is_nan() || x > F::zero() {
        x
    } else {
        F::zero()
    }
}

/// The contract's derivative column.
pub fn spec_derivative<F: TestFloat>(x: F) -> F {
    if x.is_nan() {
        x
    } else if x > F::zero() {
        F::one()
    } else {
        F::zero()
    }
}

/// The contract's backward column.
pub fn spec_backward<F: TestFloat>(forward: F, grad: F) -> F {
    if forward.is_nan() {
        forward
    } else if forward > F::zero() {
        grad
    } else {
        F::zero()
    }
}

/// The addition of the bias gradient's sums, as the docs give it: `a + b`, except that a NaN
/// keeps its bits (`b` where `b` is NaN, otherwise `a` where `a` is NaN).
pub fn spec_sum_add<F: TestFloat>(a: F, b: F) -> F {
    if b.is_nan() {
        b
    } else if a.is_nan() {
        a
    } else {
        a + b
    }
}

/// Whether two results are the same: the same bits. Under Miri, any two NaNs: Rust leaves the
/// payload of a NaN computed by arithmetic (a NaN gradient times a slope, a NaN gradient plus a
/// value) unspecified, and Miri picks it at random, where hardware propagates the operand's.
fn same<F: TestFloat>(a: F, b: F) -> bool {
    a.bits() == b.bits() || (cfg!(miri) && a.is_nan() && b.is_nan())
}

/// Panics unless `got` and `want` are the [`same`], naming the first element that differs.
#[track_caller]
pub fn assert_same_bits<F: TestFloat>(got: &[F], want: &[F], context: &str) {
    assert_same_bits_at(got, want, || String::from(context));
}

/// [`assert_same_bits`] with the context built only on a failure: Miri, whose interpreter is
/// slow, spends much of the address tests' time formatting and comparing.
#[track_caller]
pub fn assert_same_bits_at<F: TestFloat>(got: &[F], want: &[F], at: impl Fn() -> String) {
    assert_eq!(got.len(), want.len(), "{}: lengths differ", at());
    if let Some(i) = (0..got.len()).find(|&i| !same(got[i], want[i])) {
        let differ = got.iter().zip(want).filter(|&(&a, &b)| !same(a, b)).count();
        panic!(
            "{}: {differ} of {} elements differ; first at {i}: got {:?} ({:?}), want {:?} ({:?})",
            at(),
            got.len(),
            got[i],
            got[i].bits(),
            want[i],
            want[i].bits()
        );
    }
}

/// Panics unless `got` and `want` hold the same values: the same bits, or NaN where the other
/// is NaN (for results whose NaN bits Rust leaves open).
#[track_caller]
pub fn assert_same_values<F: TestFloat>(got: &[F], want: &[F], context: &str) {
    assert_eq!(got.len(), want.len(), "{context}: lengths differ");
    let same = |a: F, b: F| a.bits() == b.bits() || (a.is_nan() && b.is_nan());
    if let Some(i) = (0..got.len()).find(|&i| !same(got[i], want[i])) {
        panic!(
            "{context}: first difference at {i}: got {:?} ({:?}), want {:?} ({:?})",
            got[i],
            got[i].bits(),
            want[i],
            want[i].bits()
        );
    }
}

/// Bits of every element, for whole-slice comparisons.
pub fn bits_of<F: TestFloat>(values: &[F]) -> Vec<F::Bits> {
    values.iter().map(|v| v.bits()).collect()
}

/// A small deterministic generator (xorshift64*), so tests need no seed handling.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// `n` floats from raw bits, with edge values mixed in one time in four.
    pub fn floats<F: TestFloat>(&mut self, n: usize) -> Vec<F> {
        let edges = F::edge_values();
        (0..n)
            .map(|_| {
                let r = self.next_u64();
                if r.is_multiple_of(4) {
                    edges[(r >> 8) as usize % edges.len()]
                } else {
                    F::from_raw(r)
                }
            })
            .collect()
    }
}
