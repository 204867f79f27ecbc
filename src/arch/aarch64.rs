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
            unsafe fn fence() {}
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
