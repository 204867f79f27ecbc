//! x86-64 lanes: SSE2 (the baseline, 128-bit), AVX2 (run-time detected, 256-bit) and
//! AVX-512F (run-time detected, 512-bit), for f32 and f64, and their entries into the generic
//! loop.

use core::arch::x86_64::*;

use super::{Body, Caches, SimdElem, Vector};

/// Whether this CPU has every target feature named: detected at run time with `std`, at compile
/// time without.
macro_rules! has_feature {
    ($($feature:tt),+) => {{
        #[cfg(feature = "std")]
        {
            true $(&& std::is_x86_feature_detected!($feature))+
        }
        #[cfg(not(feature = "std"))]
        {
            cfg!(all($(target_feature = $feature),+))
        }
    }};
}

/// Whether this CPU has AVX2, and F16C for the 16-bit formats' conversions ([`has_feature`];
/// every CPU with AVX2 has F16C).
#[inline]
pub(super) fn has_avx2() -> bool {
    has_feature!("avx2", "f16c")
}

/// Whether this CPU has AVX-512F, the foundation: every instruction the 512-bit lanes use
/// ([`has_feature`]).
#[inline]
pub(super) fn has_avx512() -> bool {
    has_feature!("avx512f")
}

/// Whether this CPU's AVX2 masked stores (`VMASKMOVPS`, `VMASKMOVPD`) run at the speed of the
/// stores around them: not on AMD's (and Hygon's) cores, where each is many micro-ops. Read
/// from CPUID's vendor once, then kept. Under Miri, which cannot run CPUID, true.
///
/// Measured on a Zen 4 VM (AMD EPYC, family 25 model 17), every second column of a square
/// `f32` matrix in place with the AVX2 kernel: 0.17-0.37x ndarray's `mapv_inplace` on the
/// same view (1Ki elements 533-552 ns against 172-194, 4Mi 3.1-3.7 ms against 0.58-0.60),
/// where the AVX-512 kernel's masked stores run it at 2-3x.
#[cfg(feature = "ndarray")]
pub(super) fn avx2_masked_stores_fast() -> bool {
    use core::sync::atomic::{AtomicU8, Ordering};
    // 0: not yet read; 1: fast; 2: slow.
    static FAST: AtomicU8 = AtomicU8::new(0);
    match FAST.load(Ordering::Relaxed) {
        0 => {
            let fast = cfg!(miri) || !slow_masked_stores_vendor();
            FAST.store(if fast { 1 } else { 2 }, Ordering::Relaxed);
            fast
        }
        state => state == 1,
    }
}

/// Whether CPUID names a vendor whose AVX2 masked stores are slow ([`avx2_masked_stores_fast`]).
#[cfg(feature = "ndarray")]
fn slow_masked_stores_vendor() -> bool {
    let [_, ebx, ecx, edx] = cpuid(0, 0);
    // The vendor string, twelve bytes in EBX, EDX, ECX.
    let mut vendor = [0_u8; 12];
    vendor[..4].copy_from_slice(&ebx.to_le_bytes());
    vendor[4..8].copy_from_slice(&edx.to_le_bytes());
    vendor[8..].copy_from_slice(&ecx.to_le_bytes());
    matches!(&vendor, b"AuthenticAMD" | b"HygonGenuine")
}

/// CPUID's `[eax, ebx, ecx, edx]` for `leaf` and subleaf `sub`: leaf 0 and `0x8000_0000`, or
/// a leaf up to the maximum those report. Miri cannot run it.
#[cfg_attr(miri, allow(dead_code))]
fn cpuid(leaf: u32, sub: u32) -> [u32; 4] {
    // `__cpuid_count` became a safe function after this crate's MSRV: the block is needed there
    // and redundant on newer compilers.
    #[allow(unused_unsafe)]
    // SAFETY: CPUID is part of the x86-64 baseline; the callers ask only leaves the CPU reports.
    let r = unsafe { __cpuid_count(leaf, sub) };
    [r.eax, r.ebx, r.ecx, r.edx]
}

/// The data or unified caches that CPUID describes (leaf 4 on Intel, leaf `0x8000_001D` on AMD;
/// the same layout), empty where it describes none.
#[cfg_attr(miri, allow(dead_code))]
pub(super) fn caches() -> Caches {
    let cpuid = |leaf: u32, sub: u32| {
        let [eax, ebx, ecx, _] = cpuid(leaf, sub);
        [eax, ebx, ecx]
    };
    let max_basic = cpuid(0, 0)[0];
    let max_extended = cpuid(0x8000_0000, 0)[0];
    let from_leaf4 = if max_basic >= 4 {
        decode_caches(|sub| cpuid(4, sub))
    } else {
        Caches::default()
    };
    if from_leaf4.last.is_none() && max_extended >= 0x8000_001D {
        decode_caches(|sub| cpuid(0x8000_001D, sub))
    } else {
        from_leaf4
    }
}

/// The level-2 and the highest-level data or unified caches among the subleaves of a
/// deterministic-cache-parameters leaf, given as `[eax, ebx, ecx]` per subleaf: type in eax
/// bits 0-4 (0 ends the list, 2 is an instruction cache), level in bits 5-7; ways, partitions
/// and line size minus one in ebx bits 22-31, 12-21 and 0-11; sets minus one in ecx.
#[cfg_attr(miri, allow(dead_code))]
pub(super) fn decode_caches(subleaf: impl Fn(u32) -> [u32; 3]) -> Caches {
    let mut caches = Caches::default();
    let mut last_level = 0;
    // Real CPUs list at most five or six caches; the bound guards against a hypervisor that
    // never ends the list.
    for sub in 0..16 {
        let [eax, ebx, ecx] = subleaf(sub);
        let kind = eax & 0x1f;
        if kind == 0 {
            break;
        }
        if kind == 2 {
            continue;
        }
        let level = (eax >> 5) & 0x7;
        let ways = (ebx >> 22) as usize + 1;
        let partitions = ((ebx >> 12) & 0x3ff) as usize + 1;
        let line = (ebx & 0xfff) as usize + 1;
        let sets = ecx as usize + 1;
        let bytes = ways * partitions * line * sets;
        if level == 2 {
            caches.level2 = Some(bytes);
        }
        if caches.last.is_none() || level > last_level {
            (caches.last, last_level) = (Some(bytes), level);
        }
    }
    caches
}

/// Runs `body` with the SSE2 lanes of `T`.
///
/// # Safety
/// The body's own obligations (SSE2 is part of the x86-64 baseline).
#[inline(never)]
pub(super) unsafe fn sse2<T: SimdElem, B: Body<T>>(body: B) -> B::Output {
    // SAFETY: SSE2 is part of the x86-64 baseline; the rest is the caller's obligation.
    unsafe { body.run::<T::Sse2>() }
}

/// Runs `body` with the AVX2 lanes of `T`; the whole loop is compiled for AVX2 and F16C.
///
/// # Safety
/// The CPU supports AVX2 and F16C ([`has_avx2`]), and the body's own obligations hold.
#[target_feature(enable = "avx2,f16c")]
pub(super) unsafe fn avx2<T: SimdElem, B: Body<T>>(body: B) -> B::Output {
    // SAFETY: AVX2 and the body's obligations are the caller's.
    unsafe { body.run::<T::Avx2>() }
}

/// Runs `body` with the AVX-512 lanes of `T`; the whole loop is compiled for AVX-512F.
///
/// # Safety
/// The CPU supports AVX-512F ([`has_avx512`]), and the body's own obligations hold.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn avx512<T: SimdElem, B: Body<T>>(body: B) -> B::Output {
    // SAFETY: AVX-512F and the body's obligations are the caller's.
    unsafe { body.run::<T::Avx512>() }
}

/// Implements [`Vector`] for one x86 register type from its intrinsics. Every generated method
/// is a single intrinsic, or a helper named in the arguments; the unsafe ones are those that
/// touch memory or need AVX. The AVX-512 types also name their `load_whole` and
/// `positive_select` (after `avx512`); the others keep the trait's.
macro_rules! x86_vector {
    (
        $name:ident, $reg:ty, $elem:ty, $lanes:expr;
        $set1:ident, $loadu:ident, $storeu:ident, $stream:ident, $cmp:ident,
        $andnot:ident, $select:ident, $add:ident, $mul:ident, $to_bits:ident, $from_bits:ident,
        $tally:ident, $uint:ty, $max:ident, $min:ident
        $(; lanes $load_lanes:ident, $store_lanes:ident)?
        $(; avx512 $load_whole:ident, $positive_select:ident)?
    ) => {
        /// One register of lanes.
        #[derive(Clone, Copy)]
        pub(crate) struct $name($reg);

        // SAFETY: each method is the intrinsic its name says; loads and stores touch exactly
        // `LANES` elements; `stream` requires register alignment, which its contract asks.
        unsafe impl Vector for $name {
            type Elem = $elem;
            const LANES: usize = $lanes;
            // AVX-512 has 32 registers; SSE2 and AVX2 16.
            const REGISTERS: usize = if core::mem::size_of::<$reg>() == 64 {
                32
            } else {
                16
            };

            #[inline(always)]
            unsafe fn splat(x: $elem) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $set1(x) })
            }
            #[inline(always)]
            unsafe fn load(p: *const $elem) -> Self {
                // SAFETY: the caller proved the ISA and that `p` holds LANES elements.
                Self(unsafe { $loadu(p) })
            }
            $(
                #[inline(always)]
                unsafe fn load_whole(p: *const $elem) -> Self {
                    // SAFETY: the caller proved the ISA and that `p` holds LANES elements.
                    Self(unsafe { $load_whole(p) })
                }
                #[inline(always)]
                unsafe fn positive_select(self, then: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self(unsafe { $positive_select(self.0, then.0) })
                }
            )?
            #[inline(always)]
            unsafe fn store(self, p: *mut $elem) {
                // SAFETY: the caller proved the ISA and that `p` has room for LANES elements.
                unsafe { $storeu(p, self.0) }
            }
            #[inline(always)]
            unsafe fn stream(self, p: *mut $elem) {
                debug_assert!(p.align_offset(core::mem::size_of::<Self>()) == 0);
                // Miri cannot run the non-temporal store (inline assembly in core::arch): it
                // checks the same access as an ordinary store.
                #[cfg(miri)]
                // SAFETY: the caller proved the ISA and room at `p`.
                unsafe {
                    $storeu(p, self.0)
                }
                #[cfg(not(miri))]
                // SAFETY: the caller proved the ISA, room and register alignment at `p`.
                unsafe {
                    $stream(p, self.0)
                }
            }
            #[inline(always)]
            unsafe fn gt(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $cmp::<_CMP_GT_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn le(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $cmp::<_CMP_LE_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn and_not(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $andnot(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn select(self, then: Self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $select(self.0, then.0, other.0) })
            }
            #[inline(always)]
            unsafe fn add(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $add(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn max_else(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA. MAXPS/MAXPD return the second operand
                // where either is NaN or both are zero, which is `max_else`'s definition.
                Self(unsafe { $max(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn min_else(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA. MINPS/MINPD, as `max_else`.
                Self(unsafe { $min(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn mul(self, other: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $mul(self.0, other.0) })
            }
            #[inline(always)]
            unsafe fn to_bits(self) -> u64 {
                // SAFETY: the caller proved the ISA.
                unsafe { $to_bits(self.0) as u32 as u64 }
            }
            #[inline(always)]
            unsafe fn from_bits(bits: u64) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $from_bits(bits) })
            }
            #[inline(always)]
            unsafe fn tally(self, mask: Self) -> Self {
                // SAFETY: the caller proved the ISA.
                Self(unsafe { $tally(self.0, mask.0) })
            }
            #[inline(always)]
            unsafe fn tally_sum(self) -> u64 {
                // SAFETY: a register is plain bits, as many as in LANES unsigned integers of
                // the element's width.
                let lanes: [$uint; $lanes] = unsafe { core::mem::transmute(self.0) };
                lanes.iter().map(|&n| n as u64).sum()
            }
            $(
                #[cfg(feature = "ndarray")]
                const MASKED_ACCESS: bool = true;
                #[cfg(feature = "ndarray")]
                #[inline(always)]
                unsafe fn load_lanes(p: *const $elem, bits: u64) -> Self {
                    // SAFETY: the caller proved the ISA and that the lanes of `bits` are valid
                    // at `p`; the masked load reads no other lane.
                    Self(unsafe { $load_lanes(p, bits) })
                }
                #[cfg(feature = "ndarray")]
                #[inline(always)]
                unsafe fn store_lanes(self, p: *mut $elem, bits: u64) {
                    // SAFETY: the caller proved the ISA and that the lanes of `bits` are valid
                    // at `p`; the masked store writes no other lane.
                    unsafe { $store_lanes(p, bits, self.0) }
                }
            )?
        }
    };
}

x86_vector!(
    F32x4, __m128, f32, 4;
    _mm_set1_ps, _mm_loadu_ps, _mm_storeu_ps, _mm_stream_ps, sse_cmp_ps,
    _mm_andnot_ps, sse_select_ps, _mm_add_ps, _mm_mul_ps, _mm_movemask_ps, sse_mask_ps,
    sse_tally_ps, u32, _mm_max_ps, _mm_min_ps
);
x86_vector!(
    F64x2, __m128d, f64, 2;
    _mm_set1_pd, _mm_loadu_pd, _mm_storeu_pd, _mm_stream_pd, sse_cmp_pd,
    _mm_andnot_pd, sse_select_pd, _mm_add_pd, _mm_mul_pd, _mm_movemask_pd, sse_mask_pd,
    sse_tally_pd, u64, _mm_max_pd, _mm_min_pd
);
x86_vector!(
    F32x8, __m256, f32, 8;
    _mm256_set1_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_stream_ps, _mm256_cmp_ps,
    _mm256_andnot_ps, avx_select_ps, _mm256_add_ps, _mm256_mul_ps, _mm256_movemask_ps,
    avx_mask_ps, avx_tally_ps, u32, _mm256_max_ps, _mm256_min_ps;
    lanes avx_load_lanes_ps, avx_store_lanes_ps
);
x86_vector!(
    F64x4, __m256d, f64, 4;
    _mm256_set1_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_stream_pd, _mm256_cmp_pd,
    _mm256_andnot_pd, avx_select_pd, _mm256_add_pd, _mm256_mul_pd, _mm256_movemask_pd,
    avx_mask_pd, avx_tally_pd, u64, _mm256_max_pd, _mm256_min_pd;
    lanes avx_load_lanes_pd, avx_store_lanes_pd
);
x86_vector!(
    F32x16, __m512, f32, 16;
    _mm512_set1_ps, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_stream_ps, avx512_cmp_ps,
    avx512_andnot_ps, avx512_select_ps, _mm512_add_ps, _mm512_mul_ps, avx512_to_bits_ps,
    avx512_mask_ps, avx512_tally_ps, u32, avx512_max_ps, avx512_min_ps;
    lanes avx512_load_lanes_ps, avx512_store_lanes_ps;
    avx512 avx512_load_whole_ps, avx512_positive_select_ps
);
x86_vector!(
    F64x8, __m512d, f64, 8;
    _mm512_set1_pd, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_stream_pd, avx512_cmp_pd,
    avx512_andnot_pd, avx512_select_pd, _mm512_add_pd, _mm512_mul_pd, avx512_to_bits_pd,
    avx512_mask_pd, avx512_tally_pd, u64, avx512_max_pd, avx512_min_pd;
    lanes avx512_load_lanes_pd, avx512_store_lanes_pd;
    avx512 avx512_load_whole_pd, avx512_positive_select_pd
);

/// SSE2 has no predicate-taking compare; these give `_mm256_cmp_ps`'s shape to the two
/// predicates the kernels use (both ordered and quiet: false for NaN, no exception).
///
/// # Safety
/// None beyond SSE2, which every x86-64 CPU has; `unsafe` only to match the AVX compare.
#[inline(always)]
unsafe fn sse_cmp_ps<const P: i32>(a: __m128, b: __m128) -> __m128 {
    // SAFETY: SSE2 is part of the x86-64 baseline.
    unsafe {
        match P {
            _CMP_GT_OQ => _mm_cmpgt_ps(a, b),
            _CMP_LE_OQ => _mm_cmple_ps(a, b),
            _ => unreachable!("only GT and LE are used"),
        }
    }
}

/// [`sse_cmp_ps`] for f64.
///
/// # Safety
/// None beyond SSE2, which every x86-64 CPU has; `unsafe` only to match the AVX compare.
#[inline(always)]
unsafe fn sse_cmp_pd<const P: i32>(a: __m128d, b: __m128d) -> __m128d {
    // SAFETY: SSE2 is part of the x86-64 baseline.
    unsafe {
        match P {
            _CMP_GT_OQ => _mm_cmpgt_pd(a, b),
            _CMP_LE_OQ => _mm_cmple_pd(a, b),
            _ => unreachable!("only GT and LE are used"),
        }
    }
}

// The mask selects, `if mask { then } else { other }` per lane. SSE2 has no blend, so it
// combines the halves with and/andnot/or; AVX's `vblendv` reads only the sign bit of each mask
// lane, which is enough for masks that are all ones or all zeros.

/// Lanewise `if mask { then } else { other }` with SSE2.
///
/// # Safety
/// The CPU supports SSE2.
#[inline(always)]
unsafe fn sse_select_ps(mask: __m128, then: __m128, other: __m128) -> __m128 {
    // SAFETY: the caller proved SSE2.
    unsafe { _mm_or_ps(_mm_and_ps(mask, then), _mm_andnot_ps(mask, other)) }
}

/// Lanewise `if mask { then } else { other }` with SSE2.
///
/// # Safety
/// The CPU supports SSE2.
#[inline(always)]
unsafe fn sse_select_pd(mask: __m128d, then: __m128d, other: __m128d) -> __m128d {
    // SAFETY: the caller proved SSE2.
    unsafe { _mm_or_pd(_mm_and_pd(mask, then), _mm_andnot_pd(mask, other)) }
}

/// Lanewise `if mask { then } else { other }` with AVX.
///
/// # Safety
/// The CPU supports AVX.
#[inline(always)]
unsafe fn avx_select_ps(mask: __m256, then: __m256, other: __m256) -> __m256 {
    // SAFETY: the caller proved AVX.
    unsafe { _mm256_blendv_ps(other, then, mask) }
}

/// Lanewise `if mask { then } else { other }` with AVX.
///
/// # Safety
/// The CPU supports AVX.
#[inline(always)]
unsafe fn avx_select_pd(mask: __m256d, then: __m256d, other: __m256d) -> __m256d {
    // SAFETY: the caller proved AVX.
    unsafe { _mm256_blendv_pd(other, then, mask) }
}

// Lane masks from bits: each 32-bit half of a lane is compared with that lane's bit, so lane
// `i` becomes all ones where bit `i` of `bits` is set (an f64 lane's two halves agree).

/// The lane mask of the low 4 bits, SSE2 f32.
///
/// # Safety
/// The CPU supports SSE2.
#[inline(always)]
unsafe fn sse_mask_ps(bits: u64) -> __m128 {
    // SAFETY: the caller proved SSE2.
    unsafe {
        let lane_bits = _mm_setr_epi32(1, 2, 4, 8);
        let set = _mm_and_si128(_mm_set1_epi32(bits as i32), lane_bits);
        _mm_castsi128_ps(_mm_cmpeq_epi32(set, lane_bits))
    }
}

/// The lane mask of the low 2 bits, SSE2 f64.
///
/// # Safety
/// The CPU supports SSE2.
#[inline(always)]
unsafe fn sse_mask_pd(bits: u64) -> __m128d {
    // SAFETY: the caller proved SSE2.
    unsafe {
        let lane_bits = _mm_setr_epi32(1, 1, 2, 2);
        let set = _mm_and_si128(_mm_set1_epi32(bits as i32), lane_bits);
        _mm_castsi128_pd(_mm_cmpeq_epi32(set, lane_bits))
    }
}

/// The lane mask of the low 8 bits, AVX2 f32.
///
/// # Safety
/// The CPU supports AVX2.
#[inline(always)]
unsafe fn avx_mask_ps(bits: u64) -> __m256 {
    // SAFETY: the caller proved AVX2.
    unsafe {
        let lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        let set = _mm256_and_si256(_mm256_set1_epi32(bits as i32), lane_bits);
        _mm256_castsi256_ps(_mm256_cmpeq_epi32(set, lane_bits))
    }
}

/// The lane mask of the low 4 bits, AVX2 f64.
///
/// # Safety
/// The CPU supports AVX2.
#[inline(always)]
unsafe fn avx_mask_pd(bits: u64) -> __m256d {
    // SAFETY: the caller proved AVX2.
    unsafe {
        let lane_bits = _mm256_setr_epi32(1, 1, 2, 2, 4, 4, 8, 8);
        let set = _mm256_and_si256(_mm256_set1_epi32(bits as i32), lane_bits);
        _mm256_castsi256_pd(_mm256_cmpeq_epi32(set, lane_bits))
    }
}

/// Masked access to the lanes of a bit mask ([`Vector::load_lanes`],
/// [`Vector::store_lanes`]) with one intrinsic each: `$load(p, mask)` reads, `$store(p, mask,
/// v)` writes only the lanes the mask selects, `$mask(bits)` makes that mask.
macro_rules! lane_access {
    ($load_name:ident, $store_name:ident, $reg:ty, $elem:ty, $feature:literal,
     |$bits:ident| $mask:expr, $load:expr, $store:expr) => {
        /// The lanes of `bits` loaded from `p`, `+0.0` elsewhere; reads no other lane.
        ///
        /// # Safety
        #[doc = concat!("The CPU supports ", $feature, ", and every lane of `bits` is valid for reading at `p`.")]
        #[cfg(feature = "ndarray")]
        #[inline(always)]
        unsafe fn $load_name(p: *const $elem, $bits: u64) -> $reg {
            // SAFETY: the caller proved the ISA and the lanes; the others are not read.
            unsafe { $load(p, $mask) }
        }

        /// Stores the lanes of `bits` of `v` to `p`; writes no other lane.
        ///
        /// # Safety
        #[doc = concat!("The CPU supports ", $feature, ", and every lane of `bits` is valid for writing at `p`.")]
        #[cfg(feature = "ndarray")]
        #[inline(always)]
        unsafe fn $store_name(p: *mut $elem, $bits: u64, v: $reg) {
            // SAFETY: the caller proved the ISA and the lanes; the others are not written.
            unsafe { $store(p, $mask, v) }
        }
    };
}

lane_access!(
    avx_load_lanes_ps,
    avx_store_lanes_ps,
    __m256,
    f32,
    "AVX2",
    |bits| _mm256_castps_si256(avx_mask_ps(bits)),
    _mm256_maskload_ps,
    _mm256_maskstore_ps
);
lane_access!(
    avx_load_lanes_pd,
    avx_store_lanes_pd,
    __m256d,
    f64,
    "AVX2",
    |bits| _mm256_castpd_si256(avx_mask_pd(bits)),
    _mm256_maskload_pd,
    _mm256_maskstore_pd
);
lane_access!(
    avx512_load_lanes_ps,
    avx512_store_lanes_ps,
    __m512,
    f32,
    "AVX-512F",
    |bits| bits as u16,
    |p, k| _mm512_maskz_loadu_ps(k, p),
    _mm512_mask_storeu_ps
);
lane_access!(
    avx512_load_lanes_pd,
    avx512_store_lanes_pd,
    __m512d,
    f64,
    "AVX-512F",
    |bits| bits as u8,
    |p, k| _mm512_maskz_loadu_pd(k, p),
    _mm512_mask_storeu_pd
);

// Counters: the integer lanes minus a lane mask (all ones is minus one), which adds one where
// the mask is set.

/// [`Vector::tally`] for SSE2 f32 lanes.
///
/// # Safety
/// The CPU supports SSE2.
#[inline(always)]
unsafe fn sse_tally_ps(counter: __m128, mask: __m128) -> __m128 {
    // SAFETY: the caller proved SSE2.
    unsafe {
        _mm_castsi128_ps(_mm_sub_epi32(
            _mm_castps_si128(counter),
            _mm_castps_si128(mask),
        ))
    }
}

/// [`Vector::tally`] for SSE2 f64 lanes.
///
/// # Safety
/// The CPU supports SSE2.
#[inline(always)]
unsafe fn sse_tally_pd(counter: __m128d, mask: __m128d) -> __m128d {
    // SAFETY: the caller proved SSE2.
    unsafe {
        _mm_castsi128_pd(_mm_sub_epi64(
            _mm_castpd_si128(counter),
            _mm_castpd_si128(mask),
        ))
    }
}

/// [`Vector::tally`] for AVX2 f32 lanes.
///
/// # Safety
/// The CPU supports AVX2.
#[inline(always)]
unsafe fn avx_tally_ps(counter: __m256, mask: __m256) -> __m256 {
    // SAFETY: the caller proved AVX2.
    unsafe {
        _mm256_castsi256_ps(_mm256_sub_epi32(
            _mm256_castps_si256(counter),
            _mm256_castps_si256(mask),
        ))
    }
}

/// [`Vector::tally`] for AVX2 f64 lanes.
///
/// # Safety
/// The CPU supports AVX2.
#[inline(always)]
unsafe fn avx_tally_pd(counter: __m256d, mask: __m256d) -> __m256d {
    // SAFETY: the caller proved AVX2.
    unsafe {
        _mm256_castsi256_pd(_mm256_sub_epi64(
            _mm256_castpd_si256(counter),
            _mm256_castpd_si256(mask),
        ))
    }
}

// AVX-512 compares write mask registers (one bit per lane), and its selects read them. The
// lanes keep `Vector`'s contract of lane masks in the register type: a compare widens its bits
// to all-ones lanes, and a select or `to_bits` narrows them back with a test. The compiler sees
// through the pair (widen, then test) and keeps the bits in a mask register between a compare
// and the select that uses it. Everything here is AVX-512F.

/// `_mm512_cmp_ps_mask` with its bits widened to a lane mask.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_cmp_ps<const P: i32>(a: __m512, b: __m512) -> __m512 {
    #[cfg(not(miri))]
    // SAFETY: the caller proved AVX-512F.
    unsafe {
        avx512_mask_ps(u64::from(_mm512_cmp_ps_mask::<P>(a, b)))
    }
    #[cfg(miri)]
    miri_lanes::<_, f32, 16>(a, b, |x, y| {
        if miri_compare::<P, _>(x, y) {
            f32::from_bits(!0)
        } else {
            0.0
        }
    })
}

/// `_mm512_cmp_pd_mask` with its bits widened to a lane mask.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_cmp_pd<const P: i32>(a: __m512d, b: __m512d) -> __m512d {
    #[cfg(not(miri))]
    // SAFETY: the caller proved AVX-512F.
    unsafe {
        avx512_mask_pd(u64::from(_mm512_cmp_pd_mask::<P>(a, b)))
    }
    #[cfg(miri)]
    miri_lanes::<_, f64, 8>(a, b, |x, y| {
        if miri_compare::<P, _>(x, y) {
            f64::from_bits(!0)
        } else {
            0.0
        }
    })
}

/// Defines `$name`, AVX-512F's `$intrinsic` on `$lanes` lanes of `$elem`: lanewise
/// `if a $op b { a } else { b }` (`max` with `>`, `min` with `<`), lane by lane under Miri.
macro_rules! avx512_max_min {
    ($name:ident, $intrinsic:ident, $reg:ty, $elem:ty, $lanes:expr, $op:tt) => {
        #[doc = concat!("`", stringify!($intrinsic), "`: lanewise `if a ", stringify!($op),
            " b { a } else { b }`.")]
        ///
        /// # Safety
        /// The CPU supports AVX-512F.
        #[inline(always)]
        unsafe fn $name(a: $reg, b: $reg) -> $reg {
            #[cfg(not(miri))]
            // SAFETY: the caller proved AVX-512F.
            unsafe {
                $intrinsic(a, b)
            }
            #[cfg(miri)]
            miri_lanes::<_, $elem, $lanes>(a, b, |x, y| if x $op y { x } else { y })
        }
    };
}

avx512_max_min!(avx512_max_ps, _mm512_max_ps, __m512, f32, 16, >);
avx512_max_min!(avx512_max_pd, _mm512_max_pd, __m512d, f64, 8, >);
avx512_max_min!(avx512_min_ps, _mm512_min_ps, __m512, f32, 16, <);
avx512_max_min!(avx512_min_pd, _mm512_min_pd, __m512d, f64, 8, <);

/// Miri cannot run AVX-512's compares, `max` and `min` (LLVM intrinsics it does not
/// implement): under it they are computed one lane at a time, while the loads, stores,
/// selects and mask conversions it checks stay the intrinsics.
#[cfg(miri)]
fn miri_lanes<R: Copy, E: Copy, const N: usize>(a: R, b: R, f: impl Fn(E, E) -> E) -> R {
    use core::mem::{size_of, transmute_copy};
    assert!(size_of::<R>() == size_of::<[E; N]>());
    // SAFETY: `R` is a register of `N` lanes of `E` (the sizes agree), plain bits either way.
    let (a, b): ([E; N], [E; N]) = unsafe { (transmute_copy(&a), transmute_copy(&b)) };
    let lanes: [E; N] = core::array::from_fn(|i| f(a[i], b[i]));
    // SAFETY: as above.
    unsafe { transmute_copy(&lanes) }
}

/// The predicate `P` (`_CMP_GT_OQ` or `_CMP_LE_OQ`, false for NaN) on one lane, for Miri.
#[cfg(miri)]
fn miri_compare<const P: i32, E: PartialOrd>(x: E, y: E) -> bool {
    match P {
        _CMP_GT_OQ => x > y,
        _CMP_LE_OQ => x <= y,
        _ => unreachable!("only GT and LE are used"),
    }
}

/// `!mask & b` for a lane mask: `b` where the mask is clear, zero where it is set, as one
/// zeroing move under the mask's bits (a bitwise `andnot` would first widen them to a vector).
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_andnot_ps(mask: __m512, b: __m512) -> __m512 {
    // SAFETY: the caller proved AVX-512F.
    unsafe { _mm512_maskz_mov_ps(!avx512_to_bits_ps(mask), b) }
}

/// `!mask & b` for a lane mask, as [`avx512_andnot_ps`].
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_andnot_pd(mask: __m512d, b: __m512d) -> __m512d {
    // SAFETY: the caller proved AVX-512F.
    unsafe { _mm512_maskz_mov_pd(!avx512_to_bits_pd(mask), b) }
}

/// Defines `$name`, AVX-512F's unaligned load `$load` as [`Vector::load_whole`]: the compiler
/// cannot see that its register came from memory, so it cannot fold the load into a masked
/// move or masked arithmetic. Under Miri, which runs no assembly, it is the plain load.
macro_rules! avx512_load {
    ($name:ident, $load:ident, $reg:ty, $elem:ty) => {
        #[doc = concat!("`", stringify!($load), "`, hidden from the optimiser's folds.")]
        ///
        /// # Safety
        /// The CPU supports AVX-512F; `p` is valid for reading a register's elements.
        #[inline]
        #[target_feature(enable = "avx512f")]
        unsafe fn $name(p: *const $elem) -> $reg {
            // SAFETY: the caller proved AVX-512F and the register's elements at `p`.
            let v = unsafe { $load(p) };
            #[cfg(not(miri))]
            {
                let mut v = v;
                // SAFETY: an empty template: the register passes through unchanged; the
                // register class needs AVX-512F, which the caller proved.
                unsafe {
                    core::arch::asm!(
                        "/* {0} */",
                        inout(zmm_reg) v,
                        options(pure, nomem, nostack, preserves_flags)
                    );
                }
                v
            }
            #[cfg(miri)]
            v
        }
    };
}

avx512_load!(avx512_load_whole_ps, _mm512_loadu_ps, __m512, f32);
avx512_load!(avx512_load_whole_pd, _mm512_loadu_pd, __m512d, f64);

/// [`Vector::positive_select`]'s answer for each class of `x` that VFIXUPIMM tells apart, a
/// four-bit token per class (class `j` in bits `4j..4j + 4`): QNaN (0) and SNaN (1) give `x`
/// itself (token 1), zero (2), negative values (6) and `-inf` (4) give `+0.0` (token 8), and
/// one (3), positive values (7) and `+inf` (5) keep the destination, `then` (token 0). Without
/// MXCSR's denormals-are-zero (Rust never sets it) subnormals class as values by their sign.
const POSITIVE_SELECT_TOKENS: i32 = 0x0808_0811;

/// Defines `$name`, [`Vector::positive_select`] on AVX-512F lanes in one instruction (VFIXUPIMM
/// with [`POSITIVE_SELECT_TOKENS`]) where the generic form takes two compares, a zeroing move
/// and a blend. On the Zen 5 VM (family 26 model 2), `relu_derivative_in_place` on `f32`
/// against an AVX-512 negate (the throughput example, two runs each): 0.56-0.63x at 1Ki
/// elements and 0.51-0.60x at 16Ki with the four operations, 0.78-0.89x and 0.86-0.89x with
/// the one (the instructions alone in a loop: 0.57-0.61x and 0.95-0.97x at 1Ki). Under Miri,
/// which does not run VFIXUPIMM, the generic form.
macro_rules! avx512_positive_select {
    ($name:ident, $reg:ty, $cmp:ident, $andnot:ident, $select:ident, $fixup:ident, $set1:ident,
     $zero:ident) => {
        #[doc = concat!("[`Vector::positive_select`] on `", stringify!($reg), "`.")]
        ///
        /// # Safety
        /// The CPU supports AVX-512F.
        #[inline(always)]
        unsafe fn $name(x: $reg, then: $reg) -> $reg {
            #[cfg(not(miri))]
            // SAFETY: the caller proved AVX-512F.
            unsafe {
                $fixup::<0>(then, x, $set1(POSITIVE_SELECT_TOKENS.into()))
            }
            #[cfg(miri)]
            // SAFETY: the caller proved AVX-512F.
            unsafe {
                let zero = $zero();
                let relu = $andnot($cmp::<_CMP_LE_OQ>(x, zero), x);
                $select($cmp::<_CMP_GT_OQ>(x, zero), then, relu)
            }
        }
    };
}

avx512_positive_select!(
    avx512_positive_select_ps,
    __m512,
    avx512_cmp_ps,
    avx512_andnot_ps,
    avx512_select_ps,
    _mm512_fixupimm_ps,
    _mm512_set1_epi32,
    _mm512_setzero_ps
);
avx512_positive_select!(
    avx512_positive_select_pd,
    __m512d,
    avx512_cmp_pd,
    avx512_andnot_pd,
    avx512_select_pd,
    _mm512_fixupimm_pd,
    _mm512_set1_epi64,
    _mm512_setzero_pd
);

/// The bits of an f32 lane mask (lane `i` set where it is not zero), lane 0 lowest.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_to_bits_ps(mask: __m512) -> u16 {
    // SAFETY: the caller proved AVX-512F.
    unsafe {
        let m = _mm512_castps_si512(mask);
        _mm512_test_epi32_mask(m, m)
    }
}

/// The bits of an f64 lane mask (lane `i` set where it is not zero), lane 0 lowest.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_to_bits_pd(mask: __m512d) -> u8 {
    // SAFETY: the caller proved AVX-512F.
    unsafe {
        let m = _mm512_castpd_si512(mask);
        _mm512_test_epi64_mask(m, m)
    }
}

/// The f32 lane mask of the low 16 bits.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_mask_ps(bits: u64) -> __m512 {
    // SAFETY: the caller proved AVX-512F.
    unsafe { _mm512_castsi512_ps(_mm512_maskz_set1_epi32(bits as u16, -1)) }
}

/// The f64 lane mask of the low 8 bits.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_mask_pd(bits: u64) -> __m512d {
    // SAFETY: the caller proved AVX-512F.
    unsafe { _mm512_castsi512_pd(_mm512_maskz_set1_epi64(bits as u8, -1)) }
}

/// Lanewise `if mask { then } else { other }` with AVX-512F.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_select_ps(mask: __m512, then: __m512, other: __m512) -> __m512 {
    // SAFETY: the caller proved AVX-512F.
    unsafe { _mm512_mask_blend_ps(avx512_to_bits_ps(mask), other, then) }
}

/// Lanewise `if mask { then } else { other }` with AVX-512F.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_select_pd(mask: __m512d, then: __m512d, other: __m512d) -> __m512d {
    // SAFETY: the caller proved AVX-512F.
    unsafe { _mm512_mask_blend_pd(avx512_to_bits_pd(mask), other, then) }
}

/// [`Vector::tally`] for AVX-512 f32 lanes.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_tally_ps(counter: __m512, mask: __m512) -> __m512 {
    // SAFETY: the caller proved AVX-512F.
    unsafe {
        _mm512_castsi512_ps(_mm512_sub_epi32(
            _mm512_castps_si512(counter),
            _mm512_castps_si512(mask),
        ))
    }
}

/// [`Vector::tally`] for AVX-512 f64 lanes.
///
/// # Safety
/// The CPU supports AVX-512F.
#[inline(always)]
unsafe fn avx512_tally_pd(counter: __m512d, mask: __m512d) -> __m512d {
    // SAFETY: the caller proved AVX-512F.
    unsafe {
        _mm512_castsi512_pd(_mm512_sub_epi64(
            _mm512_castpd_si512(counter),
            _mm512_castpd_si512(mask),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Sixteen-bit lanes for `half::f16` and `half::bf16` (feature `half`): the patterns in integer
// lanes (see `half16`). Compares map each sign-and-magnitude pattern to an integer of the same
// order (the magnitude, negated where the sign is set, so that both zeros map to 0) and clear
// the lanes where either side is NaN (a magnitude above infinity's).

#[cfg(feature = "half")]
pub(crate) use self::half_lanes::{H16x8, H16x16};

#[cfg(feature = "half")]
mod half_lanes {
    use core::arch::x86_64::*;
    use core::marker::PhantomData;

    use half::{bf16, f16};

    use super::super::Vector;
    use super::super::half16::{Half16, lanewise};

    /// Add or multiply, the two operations of [`Vector`] that compute.
    #[derive(Clone, Copy)]
    pub(crate) enum Arith {
        Add,
        Mul,
    }

    /// A format's arithmetic on AVX2 lanes: widened to `f32`, computed, rounded once back.
    pub(crate) trait Avx2Arith: Half16 {
        /// `a op b` on 16 lanes.
        ///
        /// # Safety
        /// The CPU supports AVX2 and F16C.
        unsafe fn avx2_arith(a: __m256i, b: __m256i, op: Arith) -> __m256i;
    }

    /// `a op b` on eight `f32` lanes.
    ///
    /// # Safety
    /// The CPU supports AVX.
    #[inline(always)]
    unsafe fn f32_arith(a: __m256, b: __m256, op: Arith) -> __m256 {
        // SAFETY: the caller proved AVX.
        unsafe {
            match op {
                Arith::Add => _mm256_add_ps(a, b),
                Arith::Mul => _mm256_mul_ps(a, b),
            }
        }
    }

    /// The format's scalar arithmetic on each of the `N` lanes of a register `R`: SSE2's
    /// arithmetic, and AVX2's under Miri.
    #[inline(always)]
    fn scalar_arith<F: Half16, R: Copy, const N: usize>(a: R, b: R, op: Arith) -> R {
        match op {
            Arith::Add => lanewise::<F, R, N>(a, b, |x, y| x + y),
            Arith::Mul => lanewise::<F, R, N>(a, b, |x, y| x * y),
        }
    }

    impl Avx2Arith for f16 {
        #[inline(always)]
        unsafe fn avx2_arith(a: __m256i, b: __m256i, op: Arith) -> __m256i {
            // Miri does not run the F16C conversions.
            #[cfg(miri)]
            return scalar_arith::<f16, _, 16>(a, b, op);
            // SAFETY: the caller proved AVX2 and F16C. VCVTPH2PS is exact, VCVTPS2PH rounds to
            // nearest even (immediate 0); both keep a NaN's payload and set its quiet bit, as
            // `half`'s conversions do.
            #[cfg(not(miri))]
            unsafe {
                let lo = f32_arith(
                    _mm256_cvtph_ps(_mm256_castsi256_si128(a)),
                    _mm256_cvtph_ps(_mm256_castsi256_si128(b)),
                    op,
                );
                let hi = f32_arith(
                    _mm256_cvtph_ps(_mm256_extracti128_si256::<1>(a)),
                    _mm256_cvtph_ps(_mm256_extracti128_si256::<1>(b)),
                    op,
                );
                _mm256_set_m128i(
                    _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(hi),
                    _mm256_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(lo),
                )
            }
        }
    }

    impl Avx2Arith for bf16 {
        #[inline(always)]
        unsafe fn avx2_arith(a: __m256i, b: __m256i, op: Arith) -> __m256i {
            #[cfg(miri)]
            return scalar_arith::<bf16, _, 16>(a, b, op);
            // SAFETY: the caller proved AVX2.
            #[cfg(not(miri))]
            unsafe {
                // A bf16 pattern is the high half of the f32 with the same value: interleaving
                // with zeros widens lanes 0-3 and 8-11 (`lo`), 4-7 and 12-15 (`hi`), and the
                // narrowing pack below puts them back in that order.
                let zero = _mm256_setzero_si256();
                let (a_lo, a_hi) = (
                    _mm256_unpacklo_epi16(zero, a),
                    _mm256_unpackhi_epi16(zero, a),
                );
                let (b_lo, b_hi) = (
                    _mm256_unpacklo_epi16(zero, b),
                    _mm256_unpackhi_epi16(zero, b),
                );
                let lo = f32_arith(_mm256_castsi256_ps(a_lo), _mm256_castsi256_ps(b_lo), op);
                let hi = f32_arith(_mm256_castsi256_ps(a_hi), _mm256_castsi256_ps(b_hi), op);
                _mm256_packus_epi32(bf16_round(lo), bf16_round(hi))
            }
        }
    }

    /// Each `f32` lane rounded to bf16 as `half`'s `bf16::from_f32` does, in the low half of
    /// its 32-bit lane: to nearest even (add `0x7fff` and the result's lowest bit, keep the high
    /// half), and a NaN truncated with its quiet bit set.
    ///
    /// # Safety
    /// The CPU supports AVX2.
    #[cfg(not(miri))]
    #[inline(always)]
    unsafe fn bf16_round(x: __m256) -> __m256i {
        // SAFETY: the caller proved AVX2.
        unsafe {
            let bits = _mm256_castps_si256(x);
            let high = _mm256_srli_epi32::<16>(bits);
            let odd = _mm256_and_si256(high, _mm256_set1_epi32(1));
            let bias = _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd);
            let rounded = _mm256_srli_epi32::<16>(_mm256_add_epi32(bits, bias));
            let quiet = _mm256_or_si256(high, _mm256_set1_epi32(0x40));
            let nan = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_UNORD_Q>(x, x));
            _mm256_blendv_epi8(rounded, quiet, nan)
        }
    }

    /// `a op b` on 16 lanes with AVX2 and F16C: the format's [`Avx2Arith`].
    ///
    /// # Safety
    /// The CPU supports AVX2 and F16C.
    #[inline(always)]
    unsafe fn avx2_arith<F: Avx2Arith>(a: __m256i, b: __m256i, op: Arith) -> __m256i {
        // SAFETY: the caller proved AVX2 and F16C.
        unsafe { F::avx2_arith(a, b, op) }
    }

    /// `a op b` on 8 lanes with SSE2, which has no conversion to `f32`: the format's scalar
    /// arithmetic lane by lane.
    ///
    /// # Safety
    /// None; `unsafe` only to match [`avx2_arith`].
    #[inline(always)]
    unsafe fn sse2_arith<F: Half16>(a: __m128i, b: __m128i, op: Arith) -> __m128i {
        scalar_arith::<F, _, 8>(a, b, op)
    }

    /// Lanewise `if mask { then } else { other }` on 16-bit lanes with AVX2.
    ///
    /// # Safety
    /// The CPU supports AVX2.
    #[inline(always)]
    unsafe fn avx2_select_epi16(mask: __m256i, then: __m256i, other: __m256i) -> __m256i {
        // SAFETY: the caller proved AVX2; each mask lane's two bytes agree.
        unsafe { _mm256_blendv_epi8(other, then, mask) }
    }

    /// Lanewise `if mask { then } else { other }` with SSE2, which has no blend.
    ///
    /// # Safety
    /// None beyond SSE2, the x86-64 baseline.
    #[inline(always)]
    unsafe fn sse2_select_epi16(mask: __m128i, then: __m128i, other: __m128i) -> __m128i {
        // SAFETY: SSE2 is the x86-64 baseline.
        unsafe { _mm_or_si128(_mm_and_si128(mask, then), _mm_andnot_si128(mask, other)) }
    }

    /// The bits of a 16-lane mask, lane 0 lowest. The saturating pack keeps a lane mask's value
    /// (all ones or zero) in a byte: lanes 0-7 in bytes 0-7 (and again 8-15), lanes 8-15 in
    /// bytes 16-23 (and 24-31).
    ///
    /// # Safety
    /// The CPU supports AVX2.
    #[inline(always)]
    unsafe fn avx2_bits_epi16(mask: __m256i) -> u64 {
        // SAFETY: the caller proved AVX2.
        let bytes = unsafe { _mm256_movemask_epi8(_mm256_packs_epi16(mask, mask)) as u32 };
        u64::from((bytes & 0xff) | ((bytes >> 8) & 0xff00))
    }

    /// The bits of an 8-lane mask, lane 0 lowest, as [`avx2_bits_epi16`].
    ///
    /// # Safety
    /// None beyond SSE2, the x86-64 baseline.
    #[inline(always)]
    unsafe fn sse2_bits_epi16(mask: __m128i) -> u64 {
        // SAFETY: SSE2 is the x86-64 baseline.
        let bytes = unsafe { _mm_movemask_epi8(_mm_packs_epi16(mask, mask)) as u32 };
        u64::from(bytes & 0xff)
    }

    /// The 16-lane mask of the low 16 bits.
    ///
    /// # Safety
    /// The CPU supports AVX2.
    #[inline(always)]
    unsafe fn avx2_mask_epi16(bits: u64) -> __m256i {
        // SAFETY: the caller proved AVX2.
        unsafe {
            let lane_bits = _mm256_setr_epi16(
                1,
                2,
                4,
                8,
                16,
                32,
                64,
                128,
                256,
                512,
                1024,
                2048,
                4096,
                8192,
                16384,
                i16::MIN,
            );
            let set = _mm256_and_si256(_mm256_set1_epi16(bits as u16 as i16), lane_bits);
            _mm256_cmpeq_epi16(set, lane_bits)
        }
    }

    /// The 8-lane mask of the low 8 bits.
    ///
    /// # Safety
    /// None beyond SSE2, the x86-64 baseline.
    #[inline(always)]
    unsafe fn sse2_mask_epi16(bits: u64) -> __m128i {
        // SAFETY: SSE2 is the x86-64 baseline.
        unsafe {
            let lane_bits = _mm_setr_epi16(1, 2, 4, 8, 16, 32, 64, 128);
            let set = _mm_and_si128(_mm_set1_epi16(bits as u16 as i16), lane_bits);
            _mm_cmpeq_epi16(set, lane_bits)
        }
    }

    /// Implements [`Vector`] for the lanes of a 16-bit format in one integer register type,
    /// from its intrinsics and the helpers above.
    macro_rules! half_vector {
        (
            $(#[$doc:meta])* $name:ident, $reg:ty, $lanes:expr, $bound:ident;
            $set1:ident, $setzero:ident, $loadu:ident, $storeu:ident, $stream:ident,
            $and:ident, $or:ident, $andnot:ident, $xor:ident, $sub:ident, $srai:ident,
            $cmpgt:ident, $cmpeq:ident, $select:ident, $arith:ident, $to_bits:ident,
            $from_bits:ident
        ) => {
            $(#[$doc])*
            #[derive(Clone, Copy)]
            pub(crate) struct $name<F>($reg, PhantomData<F>);

            impl<F: Half16> $name<F> {
                #[inline(always)]
                fn new(r: $reg) -> Self {
                    $name(r, PhantomData)
                }

                /// The order key of each lane (see above) and the lane mask of its NaNs.
                ///
                /// # Safety
                /// The CPU supports the register's ISA.
                #[inline(always)]
                unsafe fn key(self) -> ($reg, $reg) {
                    // SAFETY: the caller proved the ISA.
                    unsafe {
                        let magnitude = $and(self.0, $set1(0x7fff));
                        let negative = $srai::<15>(self.0);
                        let key = $sub($xor(magnitude, negative), negative);
                        (key, $cmpgt(magnitude, $set1(F::INFINITY_BITS as i16)))
                    }
                }

                /// The lane mask of `self > other` (true where ordered) and that of either
                /// being NaN.
                ///
                /// # Safety
                /// The CPU supports the register's ISA.
                #[inline(always)]
                unsafe fn compare(self, other: Self) -> ($reg, $reg) {
                    // SAFETY: the caller proved the ISA.
                    unsafe {
                        let (a, a_nan) = self.key();
                        let (b, b_nan) = other.key();
                        ($cmpgt(a, b), $or(a_nan, b_nan))
                    }
                }

                /// The lane mask of the patterns from `-0.0` (the lowest signed pattern) up to
                /// `-inf`'s: the values at most zero but `+0.0`; the negative NaNs follow.
                ///
                /// # Safety
                /// The CPU supports the register's ISA.
                #[inline(always)]
                unsafe fn up_to_neg_inf(self) -> $reg {
                    // SAFETY: the caller proved the ISA.
                    unsafe { $cmpgt($set1(F::NEG_INFINITY_BITS as i16 + 1), self.0) }
                }
            }

            // SAFETY: each method is what its name says on 16-bit patterns (compares as
            // described above; `add` and `mul` the format's arithmetic through `f32`); loads
            // and stores touch exactly `LANES` elements; `stream` requires register alignment,
            // which its contract asks.
            unsafe impl<F: $bound> Vector for $name<F> {
                type Elem = F;
                const LANES: usize = $lanes;

                #[inline(always)]
                unsafe fn splat(x: F) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self::new(unsafe { $set1(x.to_bits16() as i16) })
                }
                #[inline(always)]
                unsafe fn load(p: *const F) -> Self {
                    // SAFETY: the caller proved the ISA and that `p` holds LANES elements.
                    Self::new(unsafe { $loadu(p.cast()) })
                }
                #[inline(always)]
                unsafe fn store(self, p: *mut F) {
                    // SAFETY: the caller proved the ISA and that `p` has room for LANES
                    // elements.
                    unsafe { $storeu(p.cast(), self.0) }
                }
                #[inline(always)]
                unsafe fn stream(self, p: *mut F) {
                    debug_assert!(p.align_offset(core::mem::size_of::<Self>()) == 0);
                    #[cfg(miri)]
                    // SAFETY: the caller proved the ISA and room at `p`.
                    unsafe {
                        $storeu(p.cast(), self.0)
                    }
                    #[cfg(not(miri))]
                    // SAFETY: the caller proved the ISA, room and register alignment at `p`.
                    unsafe {
                        $stream(p.cast(), self.0)
                    }
                }
                #[inline(always)]
                unsafe fn gt(self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    unsafe {
                        let (gt, nan) = self.compare(other);
                        Self::new($andnot(nan, gt))
                    }
                }
                #[inline(always)]
                unsafe fn le(self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    unsafe {
                        let (gt, nan) = self.compare(other);
                        Self::new($andnot($or(gt, nan), $set1(-1)))
                    }
                }
                #[inline(always)]
                unsafe fn gt_zero(self) -> Self {
                    // SAFETY: the caller proved the ISA. As signed integers, the patterns above
                    // zero are the positive values, then +inf, then the positive NaNs.
                    unsafe {
                        let positive = $cmpgt(self.0, $setzero());
                        let nan = $cmpgt(self.0, $set1(F::INFINITY_BITS as i16));
                        Self::new($andnot(nan, positive))
                    }
                }
                #[inline(always)]
                unsafe fn le_zero(self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    unsafe { Self::new($or(self.up_to_neg_inf(), $cmpeq(self.0, $setzero()))) }
                }
                #[inline(always)]
                unsafe fn positive_select(self, then: Self) -> Self {
                    // SAFETY: the caller proved the ISA. As signed integers the patterns above
                    // zero are the values above zero and the positive NaNs: `then` there, and
                    // `+0.0` (no bits) elsewhere; then `self` where it is NaN, either sign.
                    unsafe {
                        let positive = $and($cmpgt(self.0, $setzero()), then.0);
                        let magnitude = $and(self.0, $set1(0x7fff));
                        let nan = $cmpgt(magnitude, $set1(F::INFINITY_BITS as i16));
                        Self::new($select(nan, self.0, positive))
                    }
                }
                #[inline(always)]
                unsafe fn lt_zero(self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    unsafe {
                        let negative_zero = $cmpeq(self.0, $set1(i16::MIN));
                        Self::new($andnot(negative_zero, self.up_to_neg_inf()))
                    }
                }
                #[inline(always)]
                unsafe fn and_not(self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self::new(unsafe { $andnot(self.0, other.0) })
                }
                #[inline(always)]
                unsafe fn select(self, then: Self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self::new(unsafe { $select(self.0, then.0, other.0) })
                }
                #[inline(always)]
                unsafe fn add(self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self::new(unsafe { $arith::<F>(self.0, other.0, Arith::Add) })
                }
                #[inline(always)]
                unsafe fn mul(self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self::new(unsafe { $arith::<F>(self.0, other.0, Arith::Mul) })
                }
                #[inline(always)]
                unsafe fn mul_plus_zero(self, other: Self) -> Self {
                    // SAFETY: the caller proved the ISA. Clearing the `-0.0` pattern is what
                    // adding `+0.0` does, without a second round trip through `f32`.
                    unsafe {
                        let product = self.mul(other).0;
                        Self::new($andnot($cmpeq(product, $set1(i16::MIN)), product))
                    }
                }
                #[inline(always)]
                unsafe fn to_bits(self) -> u64 {
                    // SAFETY: the caller proved the ISA.
                    unsafe { $to_bits(self.0) }
                }
                #[inline(always)]
                unsafe fn from_bits(bits: u64) -> Self {
                    // SAFETY: the caller proved the ISA.
                    Self::new(unsafe { $from_bits(bits) })
                }
                #[inline(always)]
                unsafe fn tally(self, mask: Self) -> Self {
                    // SAFETY: the caller proved the ISA. All ones is minus one.
                    Self::new(unsafe { $sub(self.0, mask.0) })
                }
                #[inline(always)]
                unsafe fn tally_sum(self) -> u64 {
                    // SAFETY: a register is plain bits, as many as in LANES `u16`.
                    let lanes: [u16; $lanes] = unsafe { core::mem::transmute(self.0) };
                    lanes.iter().map(|&n| u64::from(n)).sum()
                }
            }
        };
    }

    half_vector!(
        /// Sixteen lanes of a 16-bit format in a 256-bit register (AVX2 and F16C).
        H16x16, __m256i, 16, Avx2Arith;
        _mm256_set1_epi16, _mm256_setzero_si256, _mm256_loadu_si256, _mm256_storeu_si256,
        _mm256_stream_si256, _mm256_and_si256, _mm256_or_si256, _mm256_andnot_si256,
        _mm256_xor_si256, _mm256_sub_epi16, _mm256_srai_epi16, _mm256_cmpgt_epi16,
        _mm256_cmpeq_epi16, avx2_select_epi16, avx2_arith, avx2_bits_epi16, avx2_mask_epi16
    );
    half_vector!(
        /// Eight lanes of a 16-bit format in a 128-bit register (SSE2). SSE2 has no conversion
        /// to `f32`: `add` and `mul` run the format's scalar arithmetic lane by lane.
        H16x8, __m128i, 8, Half16;
        _mm_set1_epi16, _mm_setzero_si128, _mm_loadu_si128, _mm_storeu_si128,
        _mm_stream_si128, _mm_and_si128, _mm_or_si128, _mm_andnot_si128, _mm_xor_si128,
        _mm_sub_epi16, _mm_srai_epi16, _mm_cmpgt_epi16, _mm_cmpeq_epi16, sse2_select_epi16,
        sse2_arith, sse2_bits_epi16, sse2_mask_epi16
    );
}
