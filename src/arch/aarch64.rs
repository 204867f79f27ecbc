//! aarch64 lanes: NEON (the aarch64 baseline, 128-bit) for f32 and f64, and its entry into the
//! generic loop. NEON has no streaming-store intrinsic, so `stream` is a plain store there.

use core::arch::aarch64::*;

use super::{Body, SimdElem, Vector};

/// Runs `body` with the NEON lanes of `T`.
///
/// # Safety
/// The body's own obligations (NEON is part of the aarch64 baseline).
#[inline(never)]
pub(super) unsafe fn neon<T: SimdElem, B: Body<T>>(body: B) -> B::Output {
    // SAFETY: NEON is part of the aarch64 baseline; the rest is the caller's obligation.
    unsafe { body.run::<T::Neon>() }
}

/// Implements [`Vector`] for one NEON register type; masks live in the float register and are
/// reinterpreted as unsigned integers for the bitwise operations.
macro_rules! neon_vector {
    (
        $name:ident, $reg:ty, $elem:ty, $lanes:expr;
        $dup:ident, $ld:ident, $st:ident, $cgt:ident, $cle:ident, $add:ident, $mul:ident,
        $to_u:ident, $from_u:ident, $bic:ident, $bsl:ident,
        $uint:ty, $lane_bits:expr, $ld_u:ident, $dup_u:ident, $and_u:ident, $tst:ident,
        $addv:ident, $sub_u:ident
    ) => {
        /// One register of lanes.
        #[derive(Clone, Copy)]
        pub(crate) struct $name($reg);

        // SAFETY: each method is the intrinsic its name says; loads and stores touch exactly
        // `LANES` elements and need no alignment.
        unsafe impl Vector for $name {
            type Elem = $elem;
            const LANES: usize = $lanes;
            const REGISTERS: usize = 32;

            #[inline(always)]
            unsafe fn splat(x: $elem) -> Self {
                // SAFETY: NEON is the aarch64 baseline.
                Self(unsafe { $dup(x) })
            }
            #[inline(always)]
            unsafe fn load(p: *const $elem) -> Self {
                // SAFETY: the caller proved that `p` holds LANES elements.
                Self(unsafe { $ld(p) })
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut $elem) {
                // SAFETY: the caller proved that `p` has room for LANES elements.
                unsafe { $st(p, self.0) }
            }
            #[inline(always)]
            unsafe fn stream(self, p: *mut $elem) {
                // SAFETY: as for `store`.
                unsafe { $st(p, self.0) }
            }
            #[inline(always)]
            unsafe fn gt(self, other: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline.
                Self(unsafe { $from_u($cgt(self.0, other.0)) })
            }
            #[inline(always)]
            unsafe fn le(self, other: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline.
                Self(unsafe { $from_u($cle(self.0, other.0)) })
            }
            #[inline(always)]
            unsafe fn and_not(self, other: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline. BIC(a, b) is a & !b.
                Self(unsafe { $from_u($bic($to_u(other.0), $to_u(self.0))) })
            }
            #[inline(always)]
            unsafe fn select(self, then: Self, other: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline. BSL takes bits from `then` where the
                // mask has ones.
                Self(unsafe { $bsl($to_u(self.0), then.0, other.0) })
            }
            #[inline(always)]
            unsafe fn add(self, other: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline.
                Self(unsafe { $add(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn mul(self, other: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline.
                Self(unsafe { $mul(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn to_bits(self) -> u64 {
                let lane_bits: [$uint; $lanes] = $lane_bits;
                // SAFETY: NEON is the aarch64 baseline; `lane_bits` holds LANES elements.
                // Each lane keeps its own bit; the horizontal sum of distinct bits is their OR.
                unsafe {
                    let bits = $ld_u(lane_bits.as_ptr());
                    $addv($and_u($to_u(self.0), bits)) as u64
                }
            }
            #[inline(always)]
            unsafe fn from_bits(bits: u64) -> Self {
                let lane_bits: [$uint; $lanes] = $lane_bits;
                // SAFETY: NEON is the aarch64 baseline; `lane_bits` holds LANES elements.
                unsafe {
                    let lanes = $ld_u(lane_bits.as_ptr());
                    Self($from_u($tst($dup_u(bits as $uint), lanes)))
                }
            }
            #[inline(always)]
            unsafe fn tally(self, mask: Self) -> Self {
                // SAFETY: NEON is the aarch64 baseline. All ones is minus one: subtracting the
                // mask adds one where it is set.
                Self(unsafe { $from_u($sub_u($to_u(self.0), $to_u(mask.0))) })
            }
            #[inline(always)]
            unsafe fn tally_sum(self) -> u64 {
                // SAFETY: NEON is the aarch64 baseline.
                unsafe { $addv($to_u(self.0)) as u64 }
            }
        }
    };
}

neon_vector!(
    F32x4, float32x4_t, f32, 4;
    vdupq_n_f32, vld1q_f32, vst1q_f32, vcgtq_f32, vcleq_f32, vaddq_f32, vmulq_f32,
    vreinterpretq_u32_f32, vreinterpretq_f32_u32, vbicq_u32, vbslq_f32,
    u32, [1, 2, 4, 8], vld1q_u32, vdupq_n_u32, vandq_u32, vtstq_u32, vaddvq_u32,
    vsubq_u32
);
neon_vector!(
    F64x2, float64x2_t, f64, 2;
    vdupq_n_f64, vld1q_f64, vst1q_f64, vcgtq_f64, vcleq_f64, vaddq_f64, vmulq_f64,
    vreinterpretq_u64_f64, vreinterpretq_f64_u64, vbicq_u64, vbslq_f64,
    u64, [1, 2], vld1q_u64, vdupq_n_u64, vandq_u64, vtstq_u64, vaddvq_u64,
    vsubq_u64
);

/// Eight lanes of a 16-bit format (`half::f16` or `half::bf16`, feature `half`) as integer
/// patterns (see `half16`): compares order the sign-and-magnitude patterns as integers (the
/// magnitude, negated where the sign is set, so that both zeros are 0) and clear the lanes where
/// either side is NaN; `add` and `mul` run the format's scalar arithmetic lane by lane (NEON's
/// `f16` conversions are not stable Rust).
#[cfg(feature = "half")]
#[derive(Clone, Copy)]
pub(crate) struct H16x8<F>(uint16x8_t, core::marker::PhantomData<F>);

#[cfg(feature = "half")]
impl<F: super::half16::Half16> H16x8<F> {
    #[inline(always)]
    fn new(r: uint16x8_t) -> Self {
        H16x8(r, core::marker::PhantomData)
    }

    /// The order key of each lane and the lane mask of its NaNs.
    ///
    /// # Safety
    /// None beyond NEON, the aarch64 baseline.
    #[inline(always)]
    unsafe fn key(self) -> (int16x8_t, uint16x8_t) {
        // SAFETY: NEON is the aarch64 baseline.
        unsafe {
            let magnitude = vandq_u16(self.0, vdupq_n_u16(0x7fff));
            let negative = vshrq_n_s16::<15>(vreinterpretq_s16_u16(self.0));
            let key = vsubq_s16(
                veorq_s16(vreinterpretq_s16_u16(magnitude), negative),
                negative,
            );
            (key, vcgtq_u16(magnitude, vdupq_n_u16(F::INFINITY_BITS)))
        }
    }

    /// The lane mask of `self > other` (true where ordered) and that of either being NaN.
    ///
    /// # Safety
    /// None beyond NEON, the aarch64 baseline.
    #[inline(always)]
    unsafe fn compare(self, other: Self) -> (uint16x8_t, uint16x8_t) {
        // SAFETY: NEON is the aarch64 baseline.
        unsafe {
            let (a, a_nan) = self.key();
            let (b, b_nan) = other.key();
            (vcgtq_s16(a, b), vorrq_u16(a_nan, b_nan))
        }
    }

    /// The lane mask of the patterns from `-0.0` (the lowest signed pattern) up to `-inf`'s:
    /// the values at most zero but `+0.0`; the negative NaNs follow.
    ///
    /// # Safety
    /// None beyond NEON, the aarch64 baseline.
    #[inline(always)]
    unsafe fn up_to_neg_inf(self) -> uint16x8_t {
        // SAFETY: NEON is the aarch64 baseline.
        unsafe {
            let neg_inf = vdupq_n_s16(F::NEG_INFINITY_BITS as i16);
            vcleq_s16(vreinterpretq_s16_u16(self.0), neg_inf)
        }
    }
}

/// Lane `i`'s bit, for the mask conversions.
#[cfg(feature = "half")]
const LANE_BITS_16: [u16; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

// SAFETY: each method is what its name says on 16-bit patterns; loads and stores touch exactly
// 8 elements and need no alignment.
#[cfg(feature = "half")]
unsafe impl<F: super::half16::Half16> Vector for H16x8<F> {
    type Elem = F;
    const LANES: usize = 8;
    const REGISTERS: usize = 32;

    #[inline(always)]
    unsafe fn splat(x: F) -> Self {
        // SAFETY: NEON is the aarch64 baseline.
        Self::new(unsafe { vdupq_n_u16(x.to_bits16()) })
    }
    #[inline(always)]
    unsafe fn load(p: *const F) -> Self {
        // SAFETY: the caller proved that `p` holds 8 elements of 2 bytes.
        Self::new(unsafe { vld1q_u16(p.cast()) })
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut F) {
        // SAFETY: the caller proved that `p` has room for 8 elements.
        unsafe { vst1q_u16(p.cast(), self.0) }
    }
    #[inline(always)]
    unsafe fn stream(self, p: *mut F) {
        // SAFETY: as for `store`.
        unsafe { vst1q_u16(p.cast(), self.0) }
    }
    #[inline(always)]
    unsafe fn gt(self, other: Self) -> Self {
        // SAFETY: NEON is the aarch64 baseline. BIC(a, b) is a & !b.
        unsafe {
            let (gt, nan) = self.compare(other);
            Self::new(vbicq_u16(gt, nan))
        }
    }
    #[inline(always)]
    unsafe fn le(self, other: Self) -> Self {
        // SAFETY: NEON is the aarch64 baseline.
        unsafe {
            let (gt, nan) = self.compare(other);
            Self::new(vmvnq_u16(vorrq_u16(gt, nan)))
        }
    }
    #[inline(always)]
    unsafe fn gt_zero(self) -> Self {
        // SAFETY: NEON is the aarch64 baseline. As signed integers, the patterns above zero are
        // the positive values, then +inf, then the positive NaNs.
        unsafe {
            let p = vreinterpretq_s16_u16(self.0);
            let positive = vcgtq_s16(p, vdupq_n_s16(0));
            let nan = vcgtq_s16(p, vdupq_n_s16(F::INFINITY_BITS as i16));
            Self::new(vbicq_u16(positive, nan))
        }
    }
    #[inline(always)]
    unsafe fn le_zero(self) -> Self {
        // SAFETY: NEON is the aarch64 baseline. As signed integers, the patterns from -0.0 to
        // -inf are the lowest, up to -inf's, and the negative NaNs come after them.
        unsafe {
            let zero = vceqq_u16(self.0, vdupq_n_u16(0));
            Self::new(vorrq_u16(self.up_to_neg_inf(), zero))
        }
    }
    #[inline(always)]
    unsafe fn lt_zero(self) -> Self {
        // SAFETY: NEON is the aarch64 baseline. As `le_zero`, without -0.0 (the lowest).
        unsafe {
            let negative_zero = vceqq_u16(self.0, vdupq_n_u16(0x8000));
            Self::new(vbicq_u16(self.up_to_neg_inf(), negative_zero))
        }
    }
    #[inline(always)]
    unsafe fn and_not(self, other: Self) -> Self {
        // SAFETY: NEON is the aarch64 baseline.
        Self::new(unsafe { vbicq_u16(other.0, self.0) })
    }
    #[inline(always)]
    unsafe fn select(self, then: Self, other: Self) -> Self {
        // SAFETY: NEON is the aarch64 baseline.
        Self::new(unsafe { vbslq_u16(self.0, then.0, other.0) })
    }
    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        Self::new(super::half16::lanewise::<F, _, 8>(
            self.0,
            other.0,
            |x, y| x + y,
        ))
    }
    #[inline(always)]
    unsafe fn mul(self, other: Self) -> Self {
        Self::new(super::half16::lanewise::<F, _, 8>(
            self.0,
            other.0,
            |x, y| x * y,
        ))
    }
    #[inline(always)]
    unsafe fn mul_plus_zero(self, other: Self) -> Self {
        // SAFETY: NEON is the aarch64 baseline. Clearing the `-0.0` pattern is what adding
        // `+0.0` does, without a second pass through the scalar arithmetic.
        unsafe {
            let product = self.mul(other).0;
            Self::new(vbicq_u16(product, vceqq_u16(product, vdupq_n_u16(0x8000))))
        }
    }
    #[inline(always)]
    unsafe fn to_bits(self) -> u64 {
        // SAFETY: NEON is the aarch64 baseline; the array holds 8 lanes. The horizontal sum of
        // distinct bits is their OR.
        unsafe {
            u64::from(vaddvq_u16(vandq_u16(
                self.0,
                vld1q_u16(LANE_BITS_16.as_ptr()),
            )))
        }
    }
    #[inline(always)]
    unsafe fn from_bits(bits: u64) -> Self {
        // SAFETY: NEON is the aarch64 baseline; the array holds 8 lanes.
        unsafe {
            let lanes = vld1q_u16(LANE_BITS_16.as_ptr());
            Self::new(vtstq_u16(vdupq_n_u16(bits as u16), lanes))
        }
    }
    #[inline(always)]
    unsafe fn tally(self, mask: Self) -> Self {
        // SAFETY: NEON is the aarch64 baseline. All ones is minus one.
        Self::new(unsafe { vsubq_u16(self.0, mask.0) })
    }
    #[inline(always)]
    unsafe fn tally_sum(self) -> u64 {
        // Once per pass: the lanes one by one (Miri does not run the widening sum `vaddlvq`).
        // SAFETY: a register is plain bits, as many as in 8 `u16`.
        let lanes: [u16; 8] = unsafe { core::mem::transmute(self.0) };
        lanes.iter().map(|&n| u64::from(n)).sum()
    }
}
