//! Kernel selection: which loop runs a slice operation, for which type, on which CPU.
//! Crate-private.
//!
//! The algorithm lives in [`generic`] (one loop, generic over a [`Vector`] of lanes and an
//! [`Op`]); each ISA module implements [`Vector`] and has one thin `#[target_feature]` entry;
//! this module picks the kernel once and caches it.

// Targets without SIMD kernels use only the portable loop; the lane machinery stays compiled
// (and type-checked) there but unused.
#![cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code, unused_variables)
)]

use core::any::TypeId;
use core::mem::size_of;

use num_traits::Float;

pub(crate) use generic::{PARTIALS, combine};
pub(crate) use ops::{
    Accumulate, Backward, BiasSplat, BiasThen, Clip, ClipBackward, ClipDerivative, ClipFast,
    ClipForm, Derivative, GradTerm, Leaky, LeakyBackward, LeakyDerivative, Op, PreluBackward,
    PreluDerivative, PreluForward, Relu, SlopeTerm, SumAdd, Thresholded, ThresholdedBackward,
    ThresholdedDerivative, reference,
};

mod generic;
#[cfg(feature = "half")]
mod half16;
mod ops;
mod portable;
#[cfg(test)]
mod tests;

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "x86_64")]
mod x86_64;

/// Counting, mask and sum passes over fewer elements than this take the portable loop
/// (counting passes inline at the call site) and pay for no dispatch. Measured on this crate's
/// 2-core Xeon with direct calls in a loop, f32 `relu_slice` against the naive `x.max(0.0)`
/// loop: the inlined loop runs 1.14x at 63 elements, the dispatched AVX2 kernel 1.11x at 64 and
/// 1.26x at 128; at 8 to 32 elements the inlined loop and the naive one are within noise of
/// each other. On the Emerald Rapids VM (family 6 model 207, AVX-512 kernel; ns per call, one
/// call repeated) the stats at 128 `f32` elements took 31.3 inline against the kernel's 28.8,
/// and the masked forward pass at 64 (its portable path appends one bit at a time) 100 against
/// 19. Elementwise passes follow [`SHORT_BYTES`] instead.
const SHORT: usize = 64;

/// Elementwise passes over `f32` or `f64` that touch fewer bytes than this (inputs and output,
/// [`touched`]) take the portable loop inlined at the call site, and pay for no dispatch: `f32`
/// forward passes under 128 elements, `f32` backward passes under 86 (64 where they also read
/// the output's old values), `f64` forward passes under 64. Other element types (`f16` and
/// `bf16`, whose portable loop converts one element at a time) follow [`SHORT`].
///
/// The dispatched kernel costs a fixed 7-8 ns more than the loop it runs on the Emerald Rapids
/// VM (family 6 model 207, AVX-512 kernel), where the naive loop over 64 `f32` elements takes
/// 5-7 ns. Same-run ratios to the naive loop through function pointers (the throughput
/// example's harness), medians, inline against the kernel at 64 elements: `f32` forward
/// (512 bytes) 1.14-1.19 against 0.42, in place 1.00-1.07 against 0.41, leaky 0.96 against
/// 0.72, ReLU6 0.79-0.86 against 0.55; `f32` backward passes (768 bytes) 0.66-0.81 against
/// 0.60-0.64, but the accumulating one 0.48 against 0.60; every `f64` pass (1 KiB or more)
/// loses inline, `relu_slice` 0.81 against 1.04-1.12, backward 0.61-0.67 against 0.78-0.84. At
/// 128 elements (1 KiB for `f32` forward) the kernel won on an older Xeon: `f32` backward 25.0
/// ns inline against 19.6, `f64` backward 24.9 against 19.6 at 64.
const SHORT_BYTES: usize = 1 << 10;

/// Where the CPU does not report its caches (or under Miri), operations with a separate output
/// stream from this many bytes touched: see [`stream_min_bytes`]. Measured on a 2-core Xeon
/// (Sapphire Rapids VM), an AVX2 f32 copy on the kernel loop, streaming vs ordinary stores:
/// 0.99x at 32 MiB touched, 1.02x at 40 MiB, 1.06x at 48 MiB, 1.33x at 64 MiB.
const STREAM_MIN_BYTES_FALLBACK: usize = 40 << 20;

/// Operations with a separate output switch to streaming (non-temporal) stores once they touch
/// at least this many bytes (inputs, output and mask together): five eighths of the last-level
/// cache the CPU reports, but no more than [`LEVEL2_MULTIPLE`] times its level-2 cache (a
/// core's own), or [`STREAM_MIN_BYTES_FALLBACK`] where it reports no caches. Past that point
/// the output does not stay in the cache anyway, and streaming skips the read of each output
/// line before it is written; in cache streaming loses, since the next pass would find the
/// output there.
///
/// `Parallel` splits a pass into chunks that each decide by their own bytes. Two chunks of
/// half the cache each keep their data in it (two cores read the cache faster than one): on
/// the Zen 4 VM below, `f32` ReLU at 4Mi elements on two threads (two chunks of 16 MiB) took
/// 631 us with streaming stores and 437 us without (a two-thread `copy_from_slice` 354-408 us),
/// while on one thread (32 MiB) streaming won 600 us to 825 us. One thread's crossover there
/// measured about 15, 20 and 21 MiB in three runs on two days: five eighths (20 MiB of 32)
/// stays out of the two-chunk case with little to lose on one thread (the `streaming` report
/// of `examples/throughput.rs` measures it).
///
/// The cap: a server's last-level cache is shared by all its cores, and in a virtual machine
/// with the host's other guests, so a large one tells little about what one core keeps. Where
/// the measured crossover was far below five eighths of it, it was at most 20 times the
/// level-2 cache: 32-40 MiB on the Sapphire Rapids VM (2 MiB L2), about 3 MiB on the Emerald
/// Rapids VM (2 MiB L2, 260 MiB L3); on the AMD VMs five eighths of the L3 is the smaller
/// (20 MiB, against 20 MiB from their 1 MiB L2 on Zen 4 and Zen 5), so the cap changes nothing
/// there, and keeps the Zen 4 two-chunk case above out of streaming.
///
/// Measured with an f32 copy on the kernel loop, medians of 15 interleaved rounds, streaming
/// vs ordinary stores, by bytes touched (the rule's threshold in brackets):
/// - 2-core AMD EPYC Zen 4 VM, 32 MiB L3, 1 MiB L2 [20 MiB], AVX-512 kernel, one thread (two
///   runs) and two threads each copying half: 0.58/0.57 and 0.75/0.80 at 4 MiB, 1.07/0.85 and
///   0.69/0.61 at 16 MiB, 1.19/1.00 and 0.97/0.66 at 20 MiB, 1.70/1.18 and 1.18/1.00 at 24 MiB,
///   1.58/1.43 and 1.21/0.97 at 32 MiB, 1.49/1.57 and 1.30/1.34 at 64 MiB;
/// - 2-core AMD EPYC Zen 5 VM, 32 MiB L3 reported, 1 MiB L2, AVX2 [20 MiB; the threshold was
///   half the L3 then]: 0.66x at 4 MiB, 0.75x at 8 MiB, 0.93x at 12 MiB, 1.25x at 16 MiB, 1.23x
///   at 24 MiB, 1.47x at 32 MiB, 1.51x at 64 MiB;
/// - 2-core AMD EPYC Zen 3 VM, 32 MiB L3, 512 KiB L2 [10 MiB]: at 32 MiB touched the ordinary
///   stores ran at 0.70x of the streaming copy (issue 15);
/// - the Sapphire Rapids VM above [40 MiB]: crossing over between 32 and 40 MiB;
/// - 2-core Intel Xeon VM (Emerald Rapids, family 6 model 207), 2 MiB L2 per core, 260 MiB L3
///   reported as shared by its 2 threads [40 MiB; 162 MiB without the cap], AVX-512 kernel, one
///   thread and two: 0.60/0.91 at 1 MiB, 0.91/0.93 at 2 MiB, 1.32/1.07 at 3 MiB, 1.40/1.16 at
///   4 MiB, 1.23/1.18 at 16 MiB, 1.34/1.32 at 32 MiB, 1.43/1.36 at 40 MiB, 1.46/1.34 at 48 MiB,
///   1.66/1.55 at 64 MiB, 2.13/1.94 at 128 MiB (the AVX2 kernel alike). Streaming wins from
///   just past the L2 there: no rule from the sizes alone tells this machine from the Zen 4
///   VM, where streaming loses at 4 MiB, so the cap takes the larger crossover.
#[inline]
fn stream_min_bytes() -> usize {
    use core::sync::atomic::{AtomicUsize, Ordering};
    // 0: not yet read from the CPU.
    static MIN_BYTES: AtomicUsize = AtomicUsize::new(0);
    match MIN_BYTES.load(Ordering::Relaxed) {
        0 => {
            let min = stream_min_for(cache_sizes());
            MIN_BYTES.store(min, Ordering::Relaxed);
            min
        }
        min => min,
    }
}

/// How many times a core's level-2 cache [`stream_min_bytes`] waits for at most.
const LEVEL2_MULTIPLE: usize = 20;

/// [`stream_min_bytes`]' rule for the caches a CPU reports.
fn stream_min_for(caches: Caches) -> usize {
    let Some(last) = caches.last else {
        return STREAM_MIN_BYTES_FALLBACK;
    };
    let min = last / 8 * 5;
    caches
        .level2
        .map_or(min, |l2| min.min(l2.saturating_mul(LEVEL2_MULTIPLE)))
}

/// Sizes in bytes of the data or unified caches a CPU reports.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Caches {
    /// The level-2 cache, a core's own on current x86-64 CPUs.
    pub(crate) level2: Option<usize>,
    /// The cache of the highest level.
    pub(crate) last: Option<usize>,
}

/// The caches this CPU reports, each only where it is at least 256 KiB (the level 2) or
/// 1 MiB (the last level): anything smaller is a virtual machine's placeholder, not a cache to
/// plan around.
fn cache_sizes() -> Caches {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    let caches = x86_64::caches();
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let caches = Caches::default();
    Caches {
        level2: caches.level2.filter(|&b| b >= 256 << 10),
        last: caches.last.filter(|&b| b >= 1 << 20),
    }
}

/// A vector of `LANES` floats in one SIMD register, with the few operations the kernels need.
/// Comparisons return lane masks (all ones or all zeros) in the same type.
///
/// # Safety
///
/// Implementing it promises that each method does what its name says, loads and stores touch
/// exactly `LANES` elements, and that `stream` needs no alignment beyond `size_of::<Self>()`.
/// Every method is `unsafe`: the caller must have proven that the CPU supports the type's ISA.
pub(crate) unsafe trait Vector: Copy {
    /// `f32` or `f64`.
    type Elem: Float;
    /// Elements per vector.
    const LANES: usize;
    /// The vector registers of the ISA (16 unless the implementation says otherwise): how many
    /// values a loop can keep in them across iterations.
    const REGISTERS: usize = 16;

    /// All lanes `x`.
    ///
    /// # Safety
    /// The CPU supports the implementing type's ISA.
    unsafe fn splat(x: Self::Elem) -> Self;
    /// Loads `LANES` elements from `p`, which needs no alignment.
    ///
    /// # Safety
    /// The ISA is supported, and `p` is valid for reading `LANES` elements.
    unsafe fn load(p: *const Self::Elem) -> Self;
    /// [`load`](Vector::load) for a value that a select or a masked operation may use alone
    /// (the gradient of a backward pass): a load of every lane, never folded into a masked
    /// load, where the ISA has them (AVX-512). On Zen 5 (2-core AMD EPYC VM, family 26 model
    /// 2) masked loads from memory out of the caches ran at 0.55-0.65x of full loads and a
    /// blend: `f32` `relu_backward` at 4Mi elements took 28-31 GB/s with them against 53-65
    /// GB/s for the AVX-512 streaming sum of the same bytes, and 57-65 GB/s on the AVX2
    /// kernel. Elsewhere the folds stay: they save work in the cache (PReLU's backward pass
    /// at 16Ki `f32` elements, channels last, ran 22% slower with every load kept whole).
    ///
    /// # Safety
    /// As [`load`](Vector::load).
    #[inline(always)]
    unsafe fn load_whole(p: *const Self::Elem) -> Self {
        // SAFETY: the caller's obligations.
        unsafe { Self::load(p) }
    }
    /// Stores the lanes at `p`, which needs no alignment.
    ///
    /// # Safety
    /// The ISA is supported, and `p` is valid for writing `LANES` elements.
    unsafe fn store(self, p: *mut Self::Elem);
    /// Stores the lanes at `p` bypassing the cache where the ISA can (a plain store elsewhere).
    ///
    /// # Safety
    /// The ISA is supported, `p` is valid for writing `LANES` elements and aligned to
    /// `size_of::<Self>()`, and a [`Fence`] orders the store before the memory at `p` is
    /// accessed again.
    unsafe fn stream(self, p: *mut Self::Elem);
    /// Mask of `self > other` (false for NaN).
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn gt(self, other: Self) -> Self;
    /// Mask of `self <= other` (false for NaN).
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn le(self, other: Self) -> Self;
    /// `!self & other` for a lane mask `self` (all ones or all zeros per lane): `other` where
    /// the mask is clear, `+0.0` where it is set. Every caller passes a lane mask, which lets
    /// AVX-512 do it as one zeroing move under its mask register.
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn and_not(self, other: Self) -> Self;
    /// Lanewise `if mask { then } else { other }` for a lane mask `self` (all ones or zeros).
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn select(self, then: Self, other: Self) -> Self;
    /// Lanewise `self + other`, IEEE round to nearest.
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn add(self, other: Self) -> Self;
    /// Lanewise `self * other`, IEEE round to nearest.
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn mul(self, other: Self) -> Self;
    /// Lanewise `self * other + 0.0`: the product, with `+0.0` where it is `-0.0` (leaky
    /// ReLU's negative side). A type whose `add` is costly may clear the `-0.0` instead: adding
    /// `+0.0` changes nothing else, a NaN product being quiet already.
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn mul_plus_zero(self, other: Self) -> Self {
        // SAFETY: the caller proved the ISA.
        unsafe {
            self.mul(other)
                .add(Self::splat(<Self::Elem as num_traits::Zero>::zero()))
        }
    }
    /// Lanewise `if self > other { self } else { other }`: `other` where either is NaN and
    /// where they compare equal (`+0.0` and `-0.0` too). This is x86's `max` exactly; other
    /// ISAs compose it from [`Vector::gt`] and [`Vector::select`].
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn max_else(self, other: Self) -> Self {
        // SAFETY: the caller proved the ISA.
        unsafe { self.gt(other).select(self, other) }
    }
    /// Lanewise `if self < other { self } else { other }`, as [`Vector::max_else`]: x86's
    /// `min` exactly.
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn min_else(self, other: Self) -> Self {
        // SAFETY: the caller proved the ISA.
        unsafe { other.gt(self).select(self, other) }
    }
    /// Mask of `self > +0.0` (false for NaN): [`Vector::gt`] against zero, which a type may do
    /// in fewer operations.
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn gt_zero(self) -> Self {
        // SAFETY: the caller proved the ISA.
        unsafe { self.gt(Self::splat(<Self::Elem as num_traits::Zero>::zero())) }
    }
    /// Mask of `self <= +0.0` (false for NaN), as [`Vector::gt_zero`].
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn le_zero(self) -> Self {
        // SAFETY: the caller proved the ISA.
        unsafe { self.le(Self::splat(<Self::Elem as num_traits::Zero>::zero())) }
    }
    /// Lanewise `then` where `self > +0.0`, `+0.0` where `self <= +0.0`, and `self` where it
    /// is NaN: the shape of every derivative and backward pass (`relu(self)` where `self` is
    /// not above zero). A type may do it in fewer operations.
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn positive_select(self, then: Self) -> Self {
        // SAFETY: the caller proved the ISA. `relu(self)` is already `+0.0` and NaN in the
        // right lanes, so one select on `self > 0` finishes it.
        unsafe { self.gt_zero().select(then, self.le_zero().and_not(self)) }
    }
    /// Mask of `self < +0.0` (false for NaN and `-0.0`), as [`Vector::gt_zero`].
    ///
    /// # Safety
    /// The ISA is supported.
    #[inline(always)]
    unsafe fn lt_zero(self) -> Self {
        // SAFETY: the caller proved the ISA.
        unsafe { Self::splat(<Self::Elem as num_traits::Zero>::zero()).gt(self) }
    }
    /// The lane mask `self` (all ones or all zeros per lane) as `LANES` bits, lane 0 lowest.
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn to_bits(self) -> u64;
    /// A lane mask from the low `LANES` bits of `bits` (lane `i` all ones where bit `i` is set).
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn from_bits(bits: u64) -> Self;
    /// A counter in integer lanes: `self`'s lanes, read as unsigned integers of the element's
    /// width, each plus one where the lane mask `mask` is set (all ones is minus one, so it is
    /// a subtraction). A counter starts as `splat(0.0)`, whose bits are all zero.
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn tally(self, mask: Self) -> Self;
    /// The sum of a counter's integer lanes (see [`Vector::tally`]); exact while it is below
    /// `2^32`.
    ///
    /// # Safety
    /// The ISA is supported.
    unsafe fn tally_sum(self) -> u64;
    /// Whether the ISA loads and stores the lanes of a bit mask in one instruction that touches
    /// no other memory ([`Vector::load_lanes`], [`Vector::store_lanes`]): AVX2 and AVX-512.
    /// The strided loop ([`strided`]) runs only with such vectors.
    #[cfg(feature = "ndarray")]
    const MASKED_ACCESS: bool = false;
    /// Loads the lanes whose bit is set in the low `LANES` bits of `bits` from `p` (lane `i`
    /// from `p + i`), `+0.0` in the others, reading no other element. Provided only where
    /// [`Vector::MASKED_ACCESS`]; no caller reaches it elsewhere.
    ///
    /// # Safety
    /// The ISA is supported, `MASKED_ACCESS`, and `p + i` is valid for reading for every set
    /// bit `i`.
    #[cfg(feature = "ndarray")]
    #[inline(always)]
    unsafe fn load_lanes(_p: *const Self::Elem, _bits: u64) -> Self {
        unreachable!("only vectors with MASKED_ACCESS load lanes")
    }
    /// Stores the lanes whose bit is set in the low `LANES` bits of `bits` to `p` (lane `i`
    /// to `p + i`), writing no other element. Provided only where [`Vector::MASKED_ACCESS`].
    ///
    /// # Safety
    /// The ISA is supported, `MASKED_ACCESS`, and `p + i` is valid for writing for every set
    /// bit `i`.
    #[cfg(feature = "ndarray")]
    #[inline(always)]
    unsafe fn store_lanes(self, _p: *mut Self::Elem, _bits: u64) {
        unreachable!("only vectors with MASKED_ACCESS store lanes")
    }
}

/// Work for the kernels over raw buffers, generic over the element type: it runs with the
/// scalar reference for any `Float`, and becomes a [`Body`] for the types with SIMD lanes.
pub(crate) trait Job<T: Float>: Sized {
    /// What the work returns.
    type Output;
    /// The same work on `U`.
    type On<U: SimdElem>: Body<U> + Job<U, Output = Self::Output>;
    /// The same work on `U`, pointers and parameters cast: use it only where `TypeId` proved
    /// `U == T`.
    fn on<U: SimdElem>(self) -> Self::On<U>;
    /// Runs the work one element at a time with the scalar reference.
    ///
    /// # Safety
    /// The work's pointers are valid as its type documents.
    unsafe fn run_scalar(self) -> Self::Output;
}

/// A loop over raw buffers that runs with the vectors of one ISA: the thin `#[target_feature]`
/// entry of each ISA runs any `Body`, so each loop is compiled once per ISA from one source.
pub(crate) trait Body<T: SimdElem>: Job<T> {
    /// Runs the loop with vectors `V`.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA, and the work's pointers are valid as its type documents.
    unsafe fn run<V: Vector<Elem = T>>(self) -> Self::Output;
}

/// Runs `job` with `kernel`: its SIMD loop for `f32` and `f64` (and, with the feature `half`,
/// `half::f16` and `half::bf16`), the scalar reference for every other type.
///
/// # Safety
/// `kernel.is_supported()`, and the job's pointers are valid as its type documents.
#[inline(always)]
unsafe fn dispatch<T: Float + 'static, J: Job<T>>(kernel: Kernel, job: J) -> J::Output {
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        // SAFETY: T is f32, so the cast changes nothing; the rest is the caller's obligation.
        unsafe { run_body(kernel, job.on::<f32>()) }
    } else if TypeId::of::<T>() == TypeId::of::<f64>() {
        // SAFETY: T is f64, so the cast changes nothing; the rest is the caller's obligation.
        unsafe { run_body(kernel, job.on::<f64>()) }
    } else {
        #[cfg(feature = "half")]
        {
            use half::{bf16, f16};
            if TypeId::of::<T>() == TypeId::of::<f16>() {
                // SAFETY: T is f16, so the cast changes nothing; the rest is the caller's
                // obligation.
                return unsafe { run_body(kernel, job.on::<f16>()) };
            } else if TypeId::of::<T>() == TypeId::of::<bf16>() {
                // SAFETY: T is bf16, as above.
                return unsafe { run_body(kernel, job.on::<bf16>()) };
            }
        }
        // SAFETY: the caller's obligation.
        unsafe { job.run_scalar() }
    }
}

/// Runs `body` with `kernel`.
///
/// # Safety
/// As for [`dispatch`].
#[inline(always)]
unsafe fn run_body<T: SimdElem, B: Body<T>>(kernel: Kernel, body: B) -> B::Output {
    // SAFETY (every arm): the caller's obligations are the kernels' obligations.
    match kernel {
        // SAFETY: see above.
        Kernel::Portable => unsafe { body.run_scalar() },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: see above.
        Kernel::Sse2 => unsafe { x86_64::sse2(body) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: see above.
        Kernel::Avx2 => unsafe { x86_64::avx2(body) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: see above.
        Kernel::Avx512 => unsafe { x86_64::avx512(body) },
        #[cfg(target_arch = "aarch64")]
        // SAFETY: see above.
        Kernel::Neon => unsafe { aarch64::neon(body) },
    }
}

/// The buffers of one slice operation. Lengths are checked equal before one is built.
pub(crate) enum Io<'a, T> {
    /// `dst[i] = op(src[i])`.
    Map { src: &'a [T], dst: &'a mut [T] },
    /// `values[i] = op(values[i])`.
    InPlace(&'a mut [T]),
    /// `dst[i] = op(fwd[i], grad[i])`.
    Zip {
        fwd: &'a [T],
        grad: &'a [T],
        dst: &'a mut [T],
    },
    /// `grad[i] = op(fwd[i], grad[i])`.
    ZipInPlace { fwd: &'a [T], grad: &'a mut [T] },
    /// `acc[i] = op(fwd[i], grad[i], acc[i])`, for operations that read the output.
    Accumulate {
        fwd: &'a [T],
        grad: &'a [T],
        acc: &'a mut [T],
    },
}

/// The raw view of an [`Io`] that the SIMD kernels take: `len` elements at `x`, `g` and `out`.
/// `x` or `g` may be `out` itself (in place); otherwise the buffers come from distinct borrows.
struct Raw<T> {
    x: *const T,
    g: *const T,
    out: *mut T,
    len: usize,
    /// Whether `out` is a separate buffer, which streaming stores may write.
    separate_out: bool,
}

impl<'a, T> Io<'a, T> {
    /// A forward pass from `input` to `out`, or in place on `out` without an input.
    #[inline(always)]
    pub(crate) fn unary(input: Option<&'a [T]>, out: &'a mut [T]) -> Io<'a, T> {
        match input {
            Some(src) => Io::Map { src, dst: out },
            None => Io::InPlace(out),
        }
    }

    /// Whether the output is a buffer apart from the inputs that the pass does not read back,
    /// the only kind that may be written with streaming stores.
    fn separate_out(&self) -> bool {
        matches!(self, Io::Map { .. } | Io::Zip { .. })
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Io::Map { dst, .. } | Io::Zip { dst, .. } => dst.len(),
            Io::InPlace(values) => values.len(),
            Io::ZipInPlace { grad, .. } => grad.len(),
            Io::Accumulate { acc, .. } => acc.len(),
        }
    }

    /// Pointers into the borrowed slices; they stay valid for as long as `self`'s borrows.
    fn raw(self) -> Raw<T> {
        match self {
            Io::Map { src, dst } => Raw {
                x: src.as_ptr(),
                g: src.as_ptr(),
                out: dst.as_mut_ptr(),
                len: dst.len(),
                separate_out: true,
            },
            Io::InPlace(values) => {
                let out = values.as_mut_ptr();
                Raw {
                    x: out,
                    g: out,
                    out,
                    len: values.len(),
                    separate_out: false,
                }
            }
            Io::Zip { fwd, grad, dst } => Raw {
                x: fwd.as_ptr(),
                g: grad.as_ptr(),
                out: dst.as_mut_ptr(),
                len: dst.len(),
                separate_out: true,
            },
            Io::ZipInPlace { fwd, grad } => {
                let out = grad.as_mut_ptr();
                Raw {
                    x: fwd.as_ptr(),
                    g: out,
                    out,
                    len: grad.len(),
                    separate_out: false,
                }
            }
            Io::Accumulate { fwd, grad, acc } => Raw {
                x: fwd.as_ptr(),
                g: grad.as_ptr(),
                out: acc.as_mut_ptr(),
                len: acc.len(),
                // The output is read back, so it is not written around the cache.
                separate_out: false,
            },
        }
    }
}

/// A kernel family: one loop compiled for one ISA (or the portable loop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// The plain loop over the scalar reference.
    Portable,
    /// 128-bit SSE2, the x86-64 baseline.
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// 256-bit AVX2, detected at run time (or enabled at compile time).
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// 512-bit AVX-512F, detected at run time (or enabled at compile time).
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// 128-bit NEON, the aarch64 baseline.
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl Kernel {
    /// Every kernel this build has, best last.
    pub(crate) const ALL: &'static [Kernel] = &[
        Kernel::Portable,
        #[cfg(target_arch = "x86_64")]
        Kernel::Sse2,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512,
        #[cfg(target_arch = "aarch64")]
        Kernel::Neon,
    ];

    /// The name users see, also the value `RECTIFY_KERNEL` takes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => "sse2",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => "avx512",
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => "neon",
        }
    }

    /// Whether this CPU can run the kernel. The only way a SIMD kernel is reached is through
    /// a `Kernel` value for which this returned true.
    #[inline]
    pub(crate) fn is_supported(self) -> bool {
        match self {
            Kernel::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => true, // part of the x86-64 baseline
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => x86_64::has_avx2(),
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => x86_64::has_avx512(),
            #[cfg(target_arch = "aarch64")]
            Kernel::Neon => true, // part of the aarch64 baseline
        }
    }

    /// The best kernel this CPU supports, unless `RECTIFY_KERNEL` names another supported one.
    fn detect() -> Kernel {
        #[cfg(feature = "std")]
        if let Ok(name) = std::env::var("RECTIFY_KERNEL")
            && let Some(&k) = Kernel::ALL.iter().find(|k| k.name() == name)
            && k.is_supported()
        {
            return k;
        }
        *Kernel::ALL
            .iter()
            .rev()
            .find(|k| k.is_supported())
            .unwrap_or(&Kernel::Portable)
    }

    /// The kernel for this process, detected on first use and cached.
    #[inline]
    pub(crate) fn selected() -> Kernel {
        use core::sync::atomic::{AtomicU8, Ordering};
        // 0: not yet detected; otherwise 1 + the index in ALL.
        static SELECTED: AtomicU8 = AtomicU8::new(0);
        match SELECTED.load(Ordering::Relaxed) {
            0 => {
                let k = Kernel::detect();
                let index = Kernel::ALL.iter().position(|&a| a == k).unwrap_or(0);
                SELECTED.store(index as u8 + 1, Ordering::Relaxed);
                k
            }
            n => Kernel::ALL[usize::from(n - 1)],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The entry points, and the one place for each policy.
//
// Every public slice method reaches the kernels through one of four entry points (elementwise,
// counted, mask forward, mask backward). Each takes a [`Plan`]: `Auto` applies the policies
// below (short slices inline, then the selected kernel, streaming for large separate outputs),
// `Forced` names the kernel and the store kind, for the tests and the benchmarks' references.

/// How an entry point runs its pass.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Plan {
    /// The policies: [`is_short`] slices take the portable loop inline, the rest the selected
    /// kernel, with streaming stores where [`streams`] says so.
    Auto,
    /// This kernel whatever the length, with streaming stores or not (only a separate output
    /// that the pass does not read back streams). Panics if the CPU does not support it.
    Forced(Kernel, bool),
    /// A piece of a pass that [`Plan::whole`] planned: as `Forced`, except that the piece does
    /// not fence its streaming stores. The pass fences them once, at its end, with the
    /// [`Fence`] that `Plan::whole` returned: a fence per piece of a few KiB, which waits for
    /// the stores to drain, cost a streaming `forward_biased` at 4Mi `f32` 40% of its speed.
    Piece(Kernel, bool),
}

/// Orders this thread's earlier streaming stores before its every later access to memory,
/// when it drops: at the end of the call that owns it, or as a panic unwinds through it. Every
/// pass that may stream holds one from before its first store (the store policy's one place for
/// fences): `SFENCE` on x86-64, where only a fence orders non-temporal stores; nothing
/// elsewhere, where the streaming stores are ordinary ones.
#[must_use = "a Fence fences when it drops, so it lives as long as the pass"]
pub(crate) struct Fence(bool);

impl Fence {
    /// A fence for a pass that streams (`stream`), or a fence that does nothing.
    #[inline(always)]
    pub(crate) fn new(stream: bool) -> Fence {
        Fence(stream)
    }
}

impl Drop for Fence {
    #[inline(always)]
    fn drop(&mut self) {
        if self.0 {
            #[cfg(test)]
            tests::FENCES.with(|fences| fences.set(fences.get() + 1));
            #[cfg(all(target_arch = "x86_64", not(miri)))]
            // SAFETY: SFENCE is part of the x86-64 baseline (SSE) and has no preconditions.
            // Miri cannot run it (inline assembly), nor the streaming stores, which it checks
            // as ordinary ones.
            unsafe {
                core::arch::x86_64::_mm_sfence()
            }
        }
    }
}

/// The short-slice policy for counting, mask and sum passes: whether a pass over `len`
/// elements takes the portable loop, paying for no dispatch ([`SHORT`]).
#[inline(always)]
fn is_short(len: usize) -> bool {
    len < SHORT
}

/// The short-slice policy for elementwise passes: whether a pass over `len` elements of `T`
/// that reads or writes `buffers` arrays takes the portable loop inlined at the call site,
/// paying for no dispatch ([`SHORT_BYTES`]).
#[inline(always)]
fn is_short_elementwise<T: 'static>(len: usize, buffers: usize) -> bool {
    if TypeId::of::<T>() == TypeId::of::<f32>() || TypeId::of::<T>() == TypeId::of::<f64>() {
        touched::<T>(len, buffers, false) < SHORT_BYTES
    } else {
        is_short(len)
    }
}

/// The streaming policy: whether a pass that touches `bytes` (inputs, output and mask) writes
/// its separate output with streaming stores.
#[inline(always)]
fn streams(bytes: usize) -> bool {
    bytes >= stream_min_bytes()
}

/// Bytes a pass over `len` elements of `T` touches: `buffers` arrays of `T`, and with `mask` a
/// 1-bit mask.
#[inline(always)]
pub(crate) fn touched<T>(len: usize, buffers: usize, mask: bool) -> usize {
    let mask_bytes = if mask { len / 8 } else { 0 };
    len.saturating_mul(buffers * size_of::<T>())
        .saturating_add(mask_bytes)
}

impl Plan {
    /// The kernel and the store kind for a pass that touches `bytes` and writes a separate
    /// output (`separate_out`) or not (only a separate output streams), and the call's
    /// [`Fence`]: one that fences where the call streams, except for a [`Plan::Piece`], whose
    /// pass holds the fence.
    #[inline(always)]
    fn resolve(self, bytes: usize, separate_out: bool) -> (Kernel, bool, Fence) {
        let (kernel, stream) = match self {
            Plan::Auto => (Kernel::selected(), separate_out && streams(bytes)),
            Plan::Forced(kernel, stream) | Plan::Piece(kernel, stream) => {
                assert!(kernel.is_supported(), "{kernel:?} is not supported here");
                (kernel, stream && separate_out)
            }
        };
        let fence = Fence::new(stream && !matches!(self, Plan::Piece(..)));
        (kernel, stream, fence)
    }

    /// The plan for the pieces of one pass over `len` elements that touches `bytes` in all,
    /// and the pass's [`Fence`], which it holds until its last store: [`Plan::Auto`] where the
    /// pass is short, otherwise [`Plan::Piece`] with the selected kernel and the store kind of
    /// the whole pass, so that its pieces stream or not together.
    #[inline]
    pub(crate) fn whole(len: usize, bytes: usize) -> (Plan, Fence) {
        if is_short(len) {
            (Plan::Auto, Fence::new(false))
        } else {
            let stream = streams(bytes);
            (Plan::Piece(Kernel::selected(), stream), Fence::new(stream))
        }
    }

    /// Whether the pieces of this plan stream.
    #[inline(always)]
    pub(crate) fn streams(self) -> bool {
        matches!(self, Plan::Forced(_, true) | Plan::Piece(_, true))
    }

    /// The same plan without streaming stores: for the pieces a pass writes to a tile in L1
    /// before it copies them out.
    #[inline(always)]
    pub(crate) fn in_cache(self) -> Plan {
        match self {
            Plan::Forced(kernel, _) => Plan::Forced(kernel, false),
            Plan::Piece(kernel, _) => Plan::Piece(kernel, false),
            Plan::Auto => Plan::Auto,
        }
    }

    /// Whether the counting, mask or sum pass over `len` elements takes the portable loop.
    #[inline(always)]
    fn short(self, len: usize) -> bool {
        matches!(self, Plan::Auto) && is_short(len)
    }

    /// Whether the elementwise pass over `len` elements of `T` that reads or writes `buffers`
    /// arrays takes the inline portable loop.
    #[inline(always)]
    fn short_elementwise<T: 'static>(self, len: usize, buffers: usize) -> bool {
        matches!(self, Plan::Auto) && is_short_elementwise::<T>(len, buffers)
    }
}

/// Adds element `j` of `x` to `sums[(phase + j) % 16]`, each sum in element order, with
/// [`SumAdd`]'s rule: the same bits with every kernel ([`generic::Partials`]).
#[inline]
pub(crate) fn partial_sums<T: Float + 'static>(x: &[T], phase: usize, sums: &mut [T; PARTIALS]) {
    let job = generic::Partials {
        x: x.as_ptr(),
        len: x.len(),
        phase,
        sums: sums.as_mut_ptr(),
    };
    let kernel = if is_short(x.len()) {
        Kernel::Portable
    } else {
        Kernel::selected()
    };
    // SAFETY: the pointers come from the slices, valid for their lengths; the selected kernel
    // is supported.
    unsafe { dispatch(kernel, job) }
}

/// Adds each row of `x` (rows of `acc.len()` elements, in order) to `acc` with [`SumAdd`]'s
/// rule: each `acc[c]` gets its column's sequential sum, the same bits with every kernel
/// ([`generic::RowSums`]). Panics unless `x` is a whole number of rows.
#[inline]
pub(crate) fn row_sums<T: Float + 'static>(x: &[T], acc: &mut [T]) {
    let width = acc.len();
    if width == 0 {
        return;
    }
    assert!(x.len().is_multiple_of(width), "whole rows");
    let job = generic::RowSums {
        x: x.as_ptr(),
        rows: x.len() / width,
        width,
        acc: acc.as_mut_ptr(),
    };
    let kernel = if is_short(x.len()) {
        Kernel::Portable
    } else {
        Kernel::selected()
    };
    // SAFETY: the pointers come from the slices, valid for their lengths (x for rows * width
    // elements, acc for width, and apart, as `&` and `&mut` borrows are); the selected kernel
    // is supported.
    unsafe { dispatch(kernel, job) }
}

/// The arrays of `T` an elementwise pass of `O` reads or writes: input, output, the second
/// input of a binary operation, and the output's old values where the operation reads them.
#[inline(always)]
fn buffers<T: Float, O: Op<T>>() -> usize {
    2 + usize::from(O::BINARY) + usize::from(O::READS_OUT)
}

/// Runs the elementwise operation `op` over `io`. Always inlined: the short path stays at the
/// call site, and the rest goes out of line with its arguments in registers (passed by value,
/// `io` would travel through memory).
#[inline(always)]
pub(crate) fn elementwise<T: Float + 'static, O: Op<T>>(op: O, io: Io<'_, T>, plan: Plan) {
    if plan.short_elementwise::<T>(io.len(), buffers::<T, O>()) {
        return portable::apply(op, io);
    }
    let Raw {
        x,
        g,
        out,
        len,
        separate_out,
    } = io.raw();
    // SAFETY: the pointers came from an `Io`.
    unsafe { elementwise_long(op, x, g, out, len, separate_out, plan) }
}

/// The kernel path of [`elementwise`]. Out of line, so that the short path inlines alone and
/// saves no registers.
///
/// # Safety
/// `x` and `g` are valid for reading and `out` for writing `len` elements; `x` or `g` may be
/// `out` itself, but the buffers do not otherwise overlap; with `separate_out`, `out` is
/// neither `x` nor `g`, and `op` does not read it.
#[inline(never)]
unsafe fn elementwise_long<T: Float + 'static, O: Op<T>>(
    op: O,
    x: *const T,
    g: *const T,
    out: *mut T,
    len: usize,
    separate_out: bool,
    plan: Plan,
) {
    let (kernel, stream, _fence) =
        plan.resolve(touched::<T>(len, buffers::<T, O>(), false), separate_out);
    let job = generic::Elementwise {
        op,
        x,
        g,
        out,
        len,
        stream,
        rows: generic::Rows::Whole,
    };
    // SAFETY: `resolve` returns only supported kernels; the rest is the caller's obligation.
    unsafe { dispatch(kernel, job) }
}

/// Lanes of arrays (feature `ndarray`) as [`generic::Strided`] takes them
/// ([`generic::StridedBuffers`]), for the lifetime of the borrows they come from. Built only by
/// [`StridedLanes::new`], whose caller vouches for the pointers.
#[cfg(feature = "ndarray")]
pub(crate) struct StridedLanes<'a, T> {
    buffers: generic::StridedBuffers<T>,
    borrows: core::marker::PhantomData<&'a mut T>,
}

#[cfg(feature = "ndarray")]
impl<'a, T> StridedLanes<'a, T> {
    /// `rows` lanes of `len` elements `stride` apart, lane `r` starting `r * steps[k]` elements
    /// from `x`, `g` and `out` (`k` = 0, 1, 2), each from its element of lowest address.
    ///
    /// # Safety
    /// For `'a`, every `r < rows` and `k < len`, the element `r * steps[0] + k * stride` from
    /// `x` and the same from `g` (`steps[1]`) are valid for reading, and that from `out`
    /// (`steps[2]`) for reading and writing; `x` or `g` may be `out` itself, but the buffers do
    /// not otherwise overlap, the lanes of `out` are distinct elements, and nothing else
    /// writes them (or reads `out`).
    pub(crate) unsafe fn new(
        [x, g]: [*const T; 2],
        out: *mut T,
        (len, stride): (usize, usize),
        (rows, steps): (usize, [isize; 3]),
    ) -> StridedLanes<'a, T> {
        StridedLanes {
            buffers: generic::StridedBuffers {
                x,
                g,
                out,
                len,
                stride,
                rows,
                steps,
            },
            borrows: core::marker::PhantomData,
        }
    }
}

/// Runs `op` over strided lanes with the masked vectors of the selected kernel where it has
/// them and the stride fits ([`generic::Strided`]): `false`, with nothing written, where not.
#[cfg(feature = "ndarray")]
#[inline(always)]
pub(crate) fn strided<T: Float + 'static, O: Op<T>>(op: O, lanes: StridedLanes<'_, T>) -> bool {
    let kernel = Kernel::selected();
    if !masked_stores_pay(kernel) {
        return false;
    }
    let job = generic::Strided {
        op,
        buffers: lanes.buffers,
    };
    // SAFETY: the selected kernel is supported; `StridedLanes::new`'s caller vouched for the
    // pointers.
    unsafe { strided_with(kernel, job) }
}

/// The policy for strided lanes: whether `kernel`'s masked stores beat ndarray's loop over the
/// elements, as AVX-512's do everywhere and AVX2's do where they are fast
/// ([`x86_64::avx2_masked_stores_fast`]). Where they do not, the lanes go element by element.
#[cfg(feature = "ndarray")]
#[inline]
fn masked_stores_pay(kernel: Kernel) -> bool {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => x86_64::avx2_masked_stores_fast(),
        _ => true,
    }
}

/// Runs `job` with `kernel` where its vectors of `T` have masked access: AVX2 and AVX-512 for
/// `f32` and `f64` (the loop returns `false` for a stride that does not fit). Everything else
/// returns `false` here, without an instantiation of the loop: it is one per operation, type
/// and ISA in every crate that uses the arrays, whose build time it adds to.
///
/// # Safety
/// As for [`dispatch`].
#[cfg(feature = "ndarray")]
#[inline(always)]
unsafe fn strided_with<T: Float + 'static, O: Op<T>>(
    kernel: Kernel,
    job: generic::Strided<T, O>,
) -> bool {
    /// The masked kernels' arm of [`strided_with`].
    ///
    /// # Safety
    /// As for [`dispatch`].
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn masked<U: SimdElem, O: Op<U>>(kernel: Kernel, job: generic::Strided<U, O>) -> bool {
        match kernel {
            // SAFETY: the caller's obligations are the kernels' obligations.
            Kernel::Avx2 => unsafe { x86_64::avx2(job) },
            // SAFETY: as above.
            Kernel::Avx512 => unsafe { x86_64::avx512(job) },
            _ => false,
        }
    }
    #[cfg(target_arch = "x86_64")]
    {
        if TypeId::of::<T>() == TypeId::of::<f32>() {
            // SAFETY: T is f32, so the cast changes nothing; the rest is the caller's.
            return unsafe { masked(kernel, job.on::<f32>()) };
        } else if TypeId::of::<T>() == TypeId::of::<f64>() {
            // SAFETY: T is f64, as above.
            return unsafe { masked(kernel, job.on::<f64>()) };
        }
    }
    let _ = (kernel, job);
    false
}

/// The buffers of a pass over whole rows of parameters: element `i` reads
/// `params[i % params.len()]`, as in a channels-last buffer. `params` is not empty, and the
/// buffers' length (one for input and output) a multiple of its length: both checked.
pub(crate) enum RowIo<'a, T> {
    /// `dst[i] = op(src[i], param)`, as [`Io::Zip`] with the parameters as `grad`.
    Zip {
        src: &'a [T],
        params: &'a [T],
        dst: &'a mut [T],
    },
    /// `values[i] = op(param, values[i])`, as [`Io::ZipInPlace`] with the parameters as `fwd`.
    InPlace {
        params: &'a [T],
        values: &'a mut [T],
    },
}

/// Runs the binary operation `op` over `io` row by row in one kernel call: the elementwise
/// loop over each row and the parameters themselves, with no tile of them. No inline path for
/// short slices: its callers' rows are longer than those.
#[inline(always)]
pub(crate) fn elementwise_rows<T: Float + 'static, O: Op<T>>(op: O, io: RowIo<'_, T>, plan: Plan) {
    let (params, len) = match &io {
        RowIo::Zip { params, dst, .. } => (*params, dst.len()),
        RowIo::InPlace { params, values } => (*params, values.len()),
    };
    let period = params.len();
    assert!(period > 0 && len.is_multiple_of(period), "whole rows");
    let (x, g, out, separate_out, params_are_x) = match io {
        RowIo::Zip { src, dst, .. } => {
            assert_eq!(src.len(), len, "input and output of one length");
            (src.as_ptr(), params.as_ptr(), dst.as_mut_ptr(), true, false)
        }
        RowIo::InPlace { values, .. } => {
            let out = values.as_mut_ptr();
            (params.as_ptr(), out.cast_const(), out, false, true)
        }
    };
    // The parameters, one row, stay in cache: the pass touches its input and output.
    let (kernel, stream, _fence) = plan.resolve(touched::<T>(len, 2, false), separate_out);
    let job = generic::Elementwise {
        op,
        x,
        g,
        out,
        len,
        stream,
        rows: generic::Rows::Of {
            period,
            params_are_x,
        },
    };
    // SAFETY: `resolve` returns only supported kernels; the pointers come from the slices (the
    // parameters valid for `period` elements, the rest for `len`, a multiple of it), the
    // output a `&mut` borrow apart from the others or, in place, the second input itself.
    unsafe { dispatch(kernel, job) }
}

/// PReLU's backward pass (`op`, [`PreluBackward`]) in one kernel call: over channels-last
/// rows of `slopes.len()` elements where `inner` is 1 ([`generic::PreluRows`]), over
/// channels-first runs of `inner` elements otherwise ([`generic::RunSums`]). `io` is a
/// backward shape (`Zip`, `ZipInPlace` or `Accumulate`, whose output it adds to) over whole
/// periods of `slopes.len() * inner` elements; each element reads its channel's slope, and
/// `sums` (one per channel) gains the slope terms in the documented order (column by column and
/// row after row; run by run in 16 partial sums).
///
/// With `bias`, a bias and its gradient, one per channel, PReLU's fused bias pass: `io`'s
/// `fwd` is the input of the fused forward pass, each element plus its channel's bias
/// ([`BiasThen`]'s rule) is PReLU's input, and the bias gradient gains the input gradients
/// (the results, before they are added to an `Accumulate` output) in the order of the slope
/// terms, with the bias in registers beside the slopes ([`generic::PreluRows`],
/// [`generic::RunSums`]).
///
/// Panics unless `io` is a backward shape over whole periods and `sums` has one value per
/// slope, or with a bias, unless the bias and its gradient have one value per slope.
#[inline(always)]
pub(crate) fn prelu_backward_sums<T: Float + 'static, O: Op<T>>(
    op: O,
    io: Io<'_, T>,
    slopes: &[T],
    sums: &mut [T],
    bias: Option<(&[T], &mut [T])>,
    inner: usize,
    plan: Plan,
) {
    assert_eq!(sums.len(), slopes.len(), "one sum per slope");
    if let Some((bias, bias_grad)) = &bias {
        assert_eq!(bias.len(), slopes.len(), "one bias per slope");
        assert_eq!(bias_grad.len(), slopes.len(), "one bias gradient per slope");
    }
    backward_sums(op, SlopeTerm, io, Some(slopes), sums, bias, inner, plan)
}

/// The fused backward pass of a bias and an activation in one kernel call, as
/// [`prelu_backward_sums`]: `op` is the activation's backward operation, `io` a backward shape
/// (`Zip`, `ZipInPlace` or `Accumulate`, whose output it adds to) over whole periods of
/// `bias_grad.len() * inner` elements, and `bias_grad` gains each channel's input gradients
/// (the results before they are added to an `Accumulate` output): the order of [`row_sums`]
/// over the results for rows (`inner` 1), of [`partial_sums`] run by run otherwise. Panics
/// unless `io` is a backward shape over whole periods, or if `op` reads its output.
#[inline(always)]
pub(crate) fn bias_backward_sums<T: Float + 'static, O: Op<T>>(
    op: O,
    io: Io<'_, T>,
    bias_grad: &mut [T],
    inner: usize,
    plan: Plan,
) {
    // The job passes a slope to `op` as the old output, which a backward operation ignores.
    assert!(!O::READS_OUT, "a backward operation");
    backward_sums(op, GradTerm, io, None, bias_grad, None, inner, plan)
}

/// [`prelu_backward_sums`] and [`bias_backward_sums`]: `term` gives each element's addition
/// to its channel's sum, and `op` reads the slopes, or without them the gradient's first
/// elements (which it ignores); with `bias` (checked by the caller), PReLU's fused bias pass.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward_sums<T: Float + 'static, O: Op<T>, S: Op<T>>(
    op: O,
    term: S,
    io: Io<'_, T>,
    slopes: Option<&[T]>,
    sums: &mut [T],
    bias: Option<(&[T], &mut [T])>,
    inner: usize,
    plan: Plan,
) {
    let channels = sums.len();
    let len = io.len();
    assert!(
        channels > 0 && inner > 0 && len.is_multiple_of(channels * inner),
        "whole periods"
    );
    let accumulate = matches!(io, Io::Accumulate { .. });
    assert!(
        matches!(
            io,
            Io::Zip { .. } | Io::ZipInPlace { .. } | Io::Accumulate { .. }
        ),
        "a backward shape"
    );
    if len == 0 {
        return;
    }
    let Raw {
        x,
        g,
        out,
        separate_out,
        ..
    } = io.raw();
    let (kernel, stream, _fence) = plan.resolve(touched::<T>(len, 3, false), separate_out);
    // Without slopes the gradient's first elements stand in: `len` is a nonzero multiple of
    // `channels`, so it holds `channels` elements.
    let slopes = slopes.map_or(g, <[T]>::as_ptr);
    let sums = sums.as_mut_ptr();
    // The jobs below: `resolve` returns only supported kernels; the pointers come from the
    // slices (`io`'s valid for `len` elements, a multiple of `channels * inner`, the output a
    // `&mut` borrow apart from the inputs or, in place, the gradient itself; the slopes and
    // the sums, a `&mut` borrow of its own, and the bias and its gradient, another, valid for
    // `channels`), and only a separate output streams.
    let rows = generic::PreluRows::<_, _, true, _, false> {
        op,
        term,
        x,
        g,
        out,
        len,
        slopes,
        sums,
        bias: core::ptr::null(),
        bias_sums: core::ptr::null_mut(),
        width: channels,
        accumulate,
        stream,
    };
    let step = generic::Summed {
        op,
        term,
        x,
        g,
        out,
        accumulate,
    };
    let runs = generic::RunSums::<_, _, _, false> {
        step,
        len,
        slopes,
        sums,
        bias: core::ptr::null(),
        bias_sums: core::ptr::null_mut(),
        channels,
        inner,
        stream,
    };
    // Without BIAS, the null bias pointers are not read.
    match (bias, inner) {
        (Some((bias, bias_grad)), 1) => {
            let job = rows.biased(bias.as_ptr(), bias_grad.as_mut_ptr());
            // SAFETY: as the note above the branches says, with `width` the channel count.
            unsafe { dispatch(kernel, job) }
        }
        (Some((bias, bias_grad)), _) => {
            let job = runs.biased(bias.as_ptr(), bias_grad.as_mut_ptr());
            // SAFETY: as the note above the branches says.
            unsafe { dispatch(kernel, job) }
        }
        // SAFETY: as above.
        (None, 1) => unsafe { dispatch(kernel, rows) },
        // SAFETY: as above.
        (None, _) => unsafe { dispatch(kernel, runs) },
    }
}

/// Whether [`prelu_forward_rows`] keeps a row of `width` slopes in registers (one block of
/// them) with the kernel that [`Plan::Auto`] selects for `T`. Where it does not, its rows run
/// one at a time with the slopes read from memory, slower than the elementwise loop over rows
/// or tiles (64 `f64` channels with AVX2, against leaky ReLU's forward pass at 16Ki, 256Ki and
/// 4Mi elements: 0.69-0.72, 0.77, 0.56-0.65 row by row; 0.81-0.84, 0.89-0.90, 0.97-0.98
/// through the elementwise loop).
#[inline]
pub(crate) fn prelu_rows_fit<T: Float + 'static>(width: usize) -> bool {
    // SAFETY: `selected` returns only supported kernels; the job touches no memory.
    unsafe { dispatch::<T, _>(Kernel::selected(), generic::PreluFits { width }) }
}

/// What both PReLU forward passes ([`prelu_forward_rows`], [`prelu_forward_runs`]) start with:
/// `io`'s pointers, and the kernel and the store kind for its bytes. Panics unless `io` is a
/// forward shape (`Map` or `InPlace`) over whole periods of `period` elements.
#[inline(always)]
fn prelu_forward_plan<T: Float + 'static>(
    io: Io<'_, T>,
    period: usize,
    plan: Plan,
) -> (Raw<T>, Kernel, bool) {
    assert!(
        period > 0 && io.len().is_multiple_of(period),
        "whole periods"
    );
    assert!(
        matches!(io, Io::Map { .. } | Io::InPlace(_)),
        "a forward shape"
    );
    let raw = io.raw();
    let (kernel, stream, _fence) = plan.resolve(touched::<T>(raw.len, 2, false), raw.separate_out);
    (raw, kernel, stream)
}

/// A PReLU forward pass (`op`, binary with the slope as its second input: [`PreluForward`]
/// or [`PreluDerivative`] without `SLOPE_FIRST`) over channels-last rows of `slopes.len()`
/// elements in one kernel call ([`generic::PreluRows`]): `io` is `Map` or `InPlace`, and
/// element `i` reads `slopes[i % slopes.len()]`. With `bias`, one per slope, `op`'s input is
/// element `i` plus `bias[i % slopes.len()]` ([`BiasThen`]'s rule): PReLU's fused bias forward
/// pass, with the bias in registers beside the slopes. Panics unless `io` is one of those
/// shapes over whole rows, or if the bias has another length.
#[inline(always)]
pub(crate) fn prelu_forward_rows<T: Float + 'static, O: Op<T>>(
    op: O,
    io: Io<'_, T>,
    slopes: &[T],
    bias: Option<&[T]>,
    plan: Plan,
) {
    let width = slopes.len();
    let (Raw { x, out, len, .. }, kernel, stream) = prelu_forward_plan(io, width, plan);
    let rows = generic::PreluRows::<_, _, false, _, false> {
        op,
        term: SlopeTerm,
        x,
        g: x,
        out,
        len,
        slopes: slopes.as_ptr(),
        sums: core::ptr::null_mut(),
        bias: core::ptr::null(),
        bias_sums: core::ptr::null_mut(),
        width,
        accumulate: false,
        stream,
    };
    // SAFETY (both calls): `resolve` returns only supported kernels; the pointers come from
    // the slices (`io`'s valid for `len` elements, a multiple of `width`, the output a `&mut`
    // borrow apart from the input or, in place, the input itself; the slopes and the bias
    // valid for `width`; the sums are not read without SUMS, the bias not without BIAS), and
    // only a separate output streams.
    if let Some(bias) = bias {
        assert_eq!(bias.len(), width, "one bias per slope");
        let job = rows.biased(bias.as_ptr(), core::ptr::null_mut());
        // SAFETY: as above.
        unsafe { dispatch(kernel, job) }
    } else {
        // SAFETY: as above.
        unsafe { dispatch(kernel, rows) }
    }
}

/// A PReLU forward pass (`op`, binary with the slope as its second input, as for
/// [`prelu_forward_rows`]) over channels-first runs in one kernel call
/// ([`generic::PreluRuns`]): `io` is `Map` or `InPlace`, and element `i` reads
/// `slopes[(i / inner) % slopes.len()]`; with `bias`, one per slope, `op`'s input is element
/// `i` plus the bias of its channel ([`BiasThen`]'s rule), as for [`prelu_forward_rows`].
/// Panics unless `io` is one of those shapes over whole periods of `slopes.len() * inner`
/// elements, `inner` at least [`generic::MAX_LANES`], or if the bias has another length.
#[inline(always)]
pub(crate) fn prelu_forward_runs<T: Float + 'static, O: Op<T>>(
    op: O,
    io: Io<'_, T>,
    slopes: &[T],
    bias: Option<&[T]>,
    inner: usize,
    plan: Plan,
) {
    let channels = slopes.len();
    assert!(inner >= generic::MAX_LANES, "runs of a vector or more");
    let (Raw { x, out, len, .. }, kernel, stream) = prelu_forward_plan(io, channels * inner, plan);
    let job = generic::PreluRuns::<_, _, false> {
        op,
        x,
        out,
        len,
        slopes: slopes.as_ptr(),
        bias: core::ptr::null(),
        channels,
        inner,
        stream,
    };
    // SAFETY (both calls): `resolve` returns only supported kernels; the pointers come from
    // the slices (`io`'s valid for `len` elements, a multiple of `channels * inner`, the output
    // a `&mut` borrow apart from the input or, in place, the input itself; the slopes and the
    // bias valid for `channels`; the bias not read without BIAS), `inner` is at least
    // MAX_LANES, and only a separate output streams.
    if let Some(bias) = bias {
        assert_eq!(bias.len(), channels, "one bias per slope");
        // SAFETY: as above.
        unsafe { dispatch(kernel, job.biased(bias.as_ptr())) }
    } else {
        // SAFETY: as above.
        unsafe { dispatch(kernel, job) }
    }
}

/// The forward pass of `op` over `io` (`Map` or `InPlace`), counting what it writes: outputs
/// greater than zero, exactly zero, and NaN. Panics if `io` is a backward shape.
#[inline(always)]
pub(crate) fn counted<T: Float + 'static, O: Op<T>>(
    op: O,
    io: Io<'_, T>,
    plan: Plan,
) -> generic::Counts {
    if plan.short(io.len()) {
        return portable::forward_counted(op, io);
    }
    counted_long(op, io, plan)
}

/// The kernel path of [`counted`], out of line as in [`elementwise`].
#[inline(never)]
fn counted_long<T: Float + 'static, O: Op<T>>(op: O, io: Io<'_, T>, plan: Plan) -> generic::Counts {
    let (kernel, stream, _fence) =
        plan.resolve(touched::<T>(io.len(), 2, false), io.separate_out());
    forward_in_pieces(kernel, op, io, stream, |piece, _start| {
        // SAFETY: `resolve` checked the kernel, and `forward_in_pieces` built the piece from
        // an `Io`.
        unsafe { dispatch(kernel, generic::Counted(piece)) }
    })
}

/// The forward pass of `op` over `io` (`Map` or `InPlace`) filling the 1-bit mask `words`
/// (one word per 64 elements, bit set where [`Op::active`]): see [`generic::Masked`]. Returns
/// the number of NaN inputs. Panics if `io` is a backward shape or `words` has the wrong
/// length.
#[inline]
pub(crate) fn mask_forward<T: Float + 'static, O: Op<T>>(
    op: O,
    io: Io<'_, T>,
    words: &mut [u64],
    plan: Plan,
) -> usize {
    assert!(words.len() == io.len().div_ceil(generic::WORD));
    let (kernel, stream, _fence) = if plan.short(io.len()) {
        (Kernel::Portable, false, Fence::new(false))
    } else {
        plan.resolve(touched::<T>(io.len(), 2, true), io.separate_out())
    };
    let words = words.as_mut_ptr();
    let [nans] = forward_in_pieces(kernel, op, io, stream, |elementwise, start| {
        // SAFETY: start is a multiple of 64 below the length, so its word lies within the
        // slice checked just above.
        let words = unsafe { words.add(start / generic::WORD) };
        let job = generic::Masked { elementwise, words };
        // SAFETY: the kernel is supported (`resolve` checked it, or it is the portable one),
        // and `forward_in_pieces` built the piece from an `Io`; the piece's words follow from
        // the slice checked above.
        [unsafe { dispatch(kernel, job) }]
    });
    nans
}

/// Runs a forward operation `op` over `io` (`Map` or `InPlace`) in pieces of at most
/// [`generic::tally_max`] elements, the most one job that counts in vector lanes takes: `part`
/// gets each piece as an elementwise job, and its first element, and what it returns is
/// summed. The pieces start at multiples of 64, on mask word boundaries. Panics if this CPU
/// does not support `kernel`, or if `io` is a backward shape.
fn forward_in_pieces<T: Float + 'static, O: Op<T>, const N: usize>(
    kernel: Kernel,
    op: O,
    io: Io<'_, T>,
    stream: bool,
    mut part: impl FnMut(generic::Elementwise<T, O>, usize) -> [usize; N],
) -> [usize; N] {
    assert!(kernel.is_supported(), "{kernel:?} is not supported here");
    assert!(!O::BINARY && !O::READS_OUT);
    let Raw {
        x,
        out,
        len,
        separate_out,
        ..
    } = io.raw();
    let piece = |start: usize| {
        // SAFETY: start <= len, so both stay within, or one past the end of, their buffers.
        let (x, out) = unsafe { (x.add(start), out.add(start)) };
        generic::Elementwise {
            op,
            x,
            g: x,
            out,
            len: (len - start).min(generic::tally_max::<T>()),
            // Only a separate output streams.
            stream: stream && separate_out,
            rows: generic::Rows::Whole,
        }
    };
    // The first piece on its own: most passes have only this one, and pay for no loop.
    let mut sums = part(piece(0), 0);
    let mut start = generic::tally_max::<T>();
    while start < len {
        for (sum, n) in sums.iter_mut().zip(part(piece(start), start)) {
            *sum += n;
        }
        start += generic::tally_max::<T>();
    }
    sums
}

/// A backward operation `op` read from the 1-bit mask `words`:
/// `out[i] = op(bit ? 1 : 0, g[i], out[i])`, with `g` from `grad`, or from `out` itself when
/// `grad` is `None`. See [`generic::MaskBackward`]. A separate output that the operation does
/// not read back may stream. Panics if the lengths disagree.
#[inline]
pub(crate) fn mask_backward<T: Float + 'static, O: Op<T>>(
    op: O,
    words: &[u64],
    grad: Option<&[T]>,
    out: &mut [T],
    plan: Plan,
) {
    let len = out.len();
    assert!(words.len() == len.div_ceil(generic::WORD));
    assert!(grad.is_none_or(|g| g.len() == len));
    let separate_out = grad.is_some() && !O::READS_OUT;
    let (kernel, stream, _fence) = if plan.short(len) {
        (Kernel::Portable, false, Fence::new(false))
    } else {
        plan.resolve(touched::<T>(len, 2, true), separate_out)
    };
    let out_ptr = out.as_mut_ptr();
    let job = generic::MaskBackward {
        op,
        words: words.as_ptr(),
        g: grad.map_or(out_ptr.cast_const(), <[T]>::as_ptr),
        out: out_ptr,
        len,
        stream,
    };
    // SAFETY: the lengths were checked just above; `g` is `out` itself or a separate borrow,
    // and only a separate output streams; the kernel is supported (`resolve` checked it, or it
    // is the portable one).
    unsafe { dispatch(kernel, job) }
}

/// `f32` and `f64` (and `half::f16` and `half::bf16`, in `half16`): the element types with SIMD
/// kernels, and their vector type per ISA.
pub(crate) trait SimdElem: Float + 'static {
    /// SSE2 lanes.
    #[cfg(target_arch = "x86_64")]
    type Sse2: Vector<Elem = Self>;
    /// AVX2 lanes.
    #[cfg(target_arch = "x86_64")]
    type Avx2: Vector<Elem = Self>;
    /// AVX-512 lanes.
    #[cfg(target_arch = "x86_64")]
    type Avx512: Vector<Elem = Self>;
    /// NEON lanes.
    #[cfg(target_arch = "aarch64")]
    type Neon: Vector<Elem = Self>;
}

impl SimdElem for f32 {
    #[cfg(target_arch = "x86_64")]
    type Sse2 = x86_64::F32x4;
    #[cfg(target_arch = "x86_64")]
    type Avx2 = x86_64::F32x8;
    #[cfg(target_arch = "x86_64")]
    type Avx512 = x86_64::F32x16;
    #[cfg(target_arch = "aarch64")]
    type Neon = aarch64::F32x4;
}

impl SimdElem for f64 {
    #[cfg(target_arch = "x86_64")]
    type Sse2 = x86_64::F64x2;
    #[cfg(target_arch = "x86_64")]
    type Avx2 = x86_64::F64x4;
    #[cfg(target_arch = "x86_64")]
    type Avx512 = x86_64::F64x8;
    #[cfg(target_arch = "aarch64")]
    type Neon = aarch64::F64x2;
}
