//! aarch64 lanes: NEON (the aarch64 baseline, 128-bit) for f32 and f64, and its entry into the
//! generic loop. NEON has no streaming-store intrinsic, so `stream` is a plain store there.

use core::arch::aarch64::*;

use super::{generic, Op, SimdElem, Vector};

/// Runs `op` with the NEON lanes of `T`.
///
/// # Safety
/// `x` and `g` are valid for reading and `out` for writing `len` elements; `x` or `g` may be
/// `out` itself, but the buffers do not otherwise overlap.
#[inline(never)]
pub(super) unsafe fn neon<T: SimdElem, O: Op<T>>(
    op: O,
    x: *const T,
    g: *const T,
    out: *mut T,
    len: usize,
    stream: bool,
) {
    // SAFETY: NEON is part of the aarch64 baseline; the pointers are the caller's obligation.
    unsafe { generic::run::<T::Neon, O>(op, x, g, out, len, stream) }
}

/// Implements [`Vector`] for one NEON register type; masks live in the float register and are
/// reinterpreted as unsigned integers for the bitwise operations.
macro_rules! neon_vector {
    (
        $name:ident, $reg:ty, $elem:ty, $lanes:expr;
        $dup:ident, $ld:ident, $st:ident, $cgt:ident, $cle:ident, $add:ident, $mul:ident,
        $to_u:ident, $from_u:ident, $bic:ident, $bsl:ident
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
        }
    };
}

neon_vector!(
    F32x4, float32x4_t, f32, 4;
    vdupq_n_f32, vld1q_f32, vst1q_f32, vcgtq_f32, vcleq_f32, vaddq_f32, vmulq_f32,
    vreinterpretq_u32_f32, vreinterpretq_f32_u32, vbicq_u32, vbslq_f32
);
neon_vector!(
    F64x2, float64x2_t, f64, 2;
    vdupq_n_f64, vld1q_f64, vst1q_f64, vcgtq_f64, vcleq_f64, vaddq_f64, vmulq_f64,
    vreinterpretq_u64_f64, vreinterpretq_f64_u64, vbicq_u64, vbslq_f64
);
