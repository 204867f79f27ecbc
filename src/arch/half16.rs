//! The 16-bit formats of the `half` crate, `f16` and `bf16` (feature `half`): what their lanes
//! need to know of each format, and the lane arithmetic shared by every ISA.
//!
//! Their lanes hold the 16-bit patterns in integer lanes. Everything but arithmetic works on the
//! pattern itself, exactly: a compare orders sign-and-magnitude patterns as integers and rules
//! NaN out by its magnitude, and selects, masks and counters are bitwise. Only `add` and `mul`
//! (leaky ReLU's slope, the bias, the accumulating passes) widen to `f32`, compute there and
//! round once back to the format: the format's own scalar arithmetic, bit for bit, since the
//! `f32` result of one operation on two 16-bit values rounds correctly through `f32` (24 bits
//! of precision are at least twice the format's 11 or 8, plus two).

use half::{bf16, f16};
use num_traits::Float;

use super::SimdElem;

/// `half::f16` or `half::bf16`.
pub(crate) trait Half16: Float + 'static {
    /// The pattern of `+inf`: a pattern whose magnitude (the bits below the sign) is greater is
    /// NaN.
    const INFINITY_BITS: u16;
    /// The pattern of `-inf`, the highest of the negative non-NaN patterns: as signed integers
    /// the patterns from `-0.0` (the lowest) up to it are the values below zero and `-0.0`.
    const NEG_INFINITY_BITS: u16 = 0x8000 | Self::INFINITY_BITS;
    /// The value's bit pattern.
    fn to_bits16(self) -> u16;
    /// The value with this bit pattern.
    fn from_bits16(bits: u16) -> Self;
}

impl Half16 for f16 {
    const INFINITY_BITS: u16 = 0x7c00;
    #[inline(always)]
    fn to_bits16(self) -> u16 {
        self.to_bits()
    }
    #[inline(always)]
    fn from_bits16(bits: u16) -> Self {
        f16::from_bits(bits)
    }
}

impl Half16 for bf16 {
    const INFINITY_BITS: u16 = 0x7f80;
    #[inline(always)]
    fn to_bits16(self) -> u16 {
        self.to_bits()
    }
    #[inline(always)]
    fn from_bits16(bits: u16) -> Self {
        bf16::from_bits(bits)
    }
}

/// `f(a[i], b[i])` for each of the `N` lanes of two registers `R` of 16-bit patterns, one lane
/// at a time with the format's own scalar arithmetic: the lane arithmetic of ISAs without a
/// conversion this crate can use (SSE2; NEON, whose `f16` conversions are not stable Rust), and
/// of every ISA under Miri.
#[inline(always)]
pub(super) fn lanewise<F: Half16, R: Copy, const N: usize>(a: R, b: R, f: impl Fn(F, F) -> F) -> R {
    use core::mem::{size_of, transmute_copy};
    assert!(size_of::<R>() == size_of::<[u16; N]>());
    // SAFETY: `R` is a register of `N` 16-bit lanes (the sizes agree), plain bits either way.
    let (a, b): ([u16; N], [u16; N]) = unsafe { (transmute_copy(&a), transmute_copy(&b)) };
    let lanes: [u16; N] =
        core::array::from_fn(|i| f(F::from_bits16(a[i]), F::from_bits16(b[i])).to_bits16());
    // SAFETY: as above.
    unsafe { transmute_copy(&lanes) }
}

impl SimdElem for f16 {
    #[cfg(target_arch = "x86_64")]
    type Sse2 = super::x86_64::H16x8<f16>;
    #[cfg(target_arch = "x86_64")]
    type Avx2 = super::x86_64::H16x16<f16>;
    // Sixteen-bit lanes are memory-bound at 256 bits already; AVX-512F (which implies AVX2 and
    // F16C) runs the AVX2 lanes.
    #[cfg(target_arch = "x86_64")]
    type Avx512 = super::x86_64::H16x16<f16>;
    #[cfg(target_arch = "aarch64")]
    type Neon = super::aarch64::H16x8<f16>;
}

impl SimdElem for bf16 {
    #[cfg(target_arch = "x86_64")]
    type Sse2 = super::x86_64::H16x8<bf16>;
    #[cfg(target_arch = "x86_64")]
    type Avx2 = super::x86_64::H16x16<bf16>;
    #[cfg(target_arch = "x86_64")]
    type Avx512 = super::x86_64::H16x16<bf16>;
    #[cfg(target_arch = "aarch64")]
    type Neon = super::aarch64::H16x8<bf16>;
}
