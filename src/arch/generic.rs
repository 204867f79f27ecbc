//! The one kernel loop, generic over a [`Vector`] of lanes and an [`Op`].

use core::mem::size_of;
use core::ptr;

use num_traits::Float;

use super::{Body, Job, Op, SimdElem, Vector};

/// Elements per iteration of the main loop: four vectors, enough independent work to hide
/// the latency of loads and compares.
const UNROLL: usize = 4;

/// Applies `op` to one element with the scalar reference.
///
/// # Safety
/// `x`, `g` are valid for reading and `out` for writing one element.
#[inline(always)]
unsafe fn one<T: Float, O: Op<T>>(op: O, x: *const T, g: *const T, out: *mut T) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let xv = ptr::read(x);
        let gv = if O::BINARY { ptr::read(g) } else { xv };
        let old = if O::READS_OUT { ptr::read(out) } else { xv };
        ptr::write(out, op.scalar(xv, gv, old));
    }
}

/// Applies `op` to `len` elements with the scalar reference, one at a time.
///
/// # Safety
/// `x` and `g` are valid for reading and `out` for reading and writing `len` elements; `x` or `g` may be
/// `out` itself, but the buffers do not otherwise overlap.
#[inline(always)]
pub(super) unsafe fn scalar_loop<T: Float, O: Op<T>>(
    op: O,
    x: *const T,
    g: *const T,
    out: *mut T,
    len: usize,
) {
    for i in 0..len {
        // SAFETY: i < len, and the caller guarantees `len` valid elements.
        unsafe { one(op, x.add(i), g.add(i), out.add(i)) }
    }
}

/// Applies `op` to `len` elements with vectors of type `V`: four vectors at a time, then one,
/// then a scalar tail. With `stream`, a scalar head first aligns `out` to a vector, the stores
/// bypass the cache, and a fence ends the call.
///
/// # Safety
/// The CPU supports `V`'s ISA; `x` and `g` are valid for reading and `out` for writing `len`
/// elements; `x` or `g` may be `out` itself, but the buffers do not otherwise overlap.
#[inline(always)]
pub(super) unsafe fn run<V: Vector, O: Op<V::Elem>>(
    op: O,
    x: *const V::Elem,
    g: *const V::Elem,
    out: *mut V::Elem,
    len: usize,
    stream: bool,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        if stream {
            run_stores::<V, O, true>(op, x, g, out, len);
            V::fence();
        } else {
            run_stores::<V, O, false>(op, x, g, out, len);
        }
    }
}

/// [`run`] with the store kind fixed at compile time.
///
/// # Safety
/// As for [`run`].
#[inline(always)]
unsafe fn run_stores<V: Vector, O: Op<V::Elem>, const STREAM: bool>(
    op: O,
    x: *const V::Elem,
    g: *const V::Elem,
    out: *mut V::Elem,
    len: usize,
) {
    let lanes = V::LANES;
    // Streaming stores need `out` aligned to a vector: a scalar head reaches the first such
    // element. Ordinary stores need no alignment, and short slices are better off without a
    // head of up to `LANES - 1` scalar steps.
    let head = if STREAM {
        out.align_offset(size_of::<V>()).min(len)
    } else {
        0
    };
    // SAFETY: head <= len.
    unsafe { scalar_loop(op, x, g, out, head) };
    let mut i = head;

    // With STREAM, `out.add(i)` is aligned to `size_of::<V>()` from here on.
    while i + UNROLL * lanes <= len {
        for k in 0..UNROLL {
            let j = i + k * lanes;
            // SAFETY: j + LANES <= i + UNROLL * LANES <= len; the ISA is the caller's.
            unsafe { vector::<V, O, STREAM>(op, x.add(j), g.add(j), out.add(j)) };
        }
        i += UNROLL * lanes;
    }
    while i + lanes <= len {
        // SAFETY: i + LANES <= len; the ISA is the caller's.
        unsafe { vector::<V, O, STREAM>(op, x.add(i), g.add(i), out.add(i)) };
        i += lanes;
    }
    // SAFETY: i <= len.
    unsafe { scalar_loop(op, x.add(i), g.add(i), out.add(i), len - i) };
}

/// Applies `op` to the `LANES` elements at the pointers.
///
/// # Safety
/// The CPU supports `V`'s ISA; the pointers are valid for `LANES` elements; with `STREAM`,
/// `out` is aligned to `size_of::<V>()` and the caller fences before returning.
#[inline(always)]
unsafe fn vector<V: Vector, O: Op<V::Elem>, const STREAM: bool>(
    op: O,
    x: *const V::Elem,
    g: *const V::Elem,
    out: *mut V::Elem,
) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let xv = V::load(x);
        let gv = if O::BINARY { V::load(g) } else { xv };
        let old = if O::READS_OUT { V::load(out) } else { xv };
        let result = op.lanes(xv, gv, old);
        if STREAM {
            result.stream(out);
        } else {
            result.store(out);
        }
    }
}

/// The elementwise loop ([`run`]) as a [`Job`]: `x` and `g` valid for reading and `out` for
/// writing `len` elements (`x` or `g` may be `out`; otherwise no overlap); `stream` only with a
/// separate `out`.
pub(super) struct Elementwise<T, O> {
    pub(super) op: O,
    pub(super) x: *const T,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) stream: bool,
}

impl<T: Float, O: Op<T>> Job<T> for Elementwise<T, O> {
    type Output = ();
    type On<U: SimdElem> = Elementwise<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> Elementwise<U, O::Cast<U>> {
        Elementwise {
            op: self.op.cast(),
            x: self.x.cast(),
            g: self.g.cast(),
            out: self.out.cast(),
            len: self.len,
            stream: self.stream,
        }
    }
    #[inline(always)]
    unsafe fn run_scalar(self) {
        // SAFETY: the caller's obligations.
        unsafe { scalar_loop(self.op, self.x, self.g, self.out, self.len) }
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for Elementwise<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        // SAFETY: forwarded from the caller.
        unsafe { run::<V, O>(self.op, self.x, self.g, self.out, self.len, self.stream) }
    }
}

/// Elements per mask word.
pub(crate) const WORD: usize = 64;

/// The forward pass that also fills a 1-bit mask: `out[i] = op(x[i])`, and bit `i % 64` of
/// `words[i / 64]` set where `x[i]` is active: greater than zero, or NaN (one bit cannot say
/// NaN; the backward pass then passes the gradient). Bits past `len` are zero. Returns the
/// number of NaN inputs.
///
/// `x` is valid for reading and `out` for writing `len` elements (`x` may be `out`); `words`
/// is valid for writing `len.div_ceil(64)` words and overlaps neither.
pub(super) struct MaskForward<T, O> {
    pub(super) op: O,
    pub(super) x: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) words: *mut u64,
}

impl<T: Float, O: Op<T>> MaskForward<T, O> {
    /// One word's worth of elements from `start` (at most 64) with the scalar reference:
    /// returns the word and the number of NaNs.
    ///
    /// # Safety
    /// `start..start + n` lies within `len`, `n <= 64`.
    #[inline(always)]
    unsafe fn scalar_word(&self, start: usize, n: usize) -> (u64, usize) {
        let (mut word, mut nans) = (0u64, 0usize);
        for j in 0..n {
            // SAFETY: start + j < len, by the caller.
            let x = unsafe { ptr::read(self.x.add(start + j)) };
            let active = x > T::zero() || x.is_nan();
            word |= u64::from(active) << j;
            nans += usize::from(x.is_nan());
            // SAFETY: as above, for the output.
            unsafe { ptr::write(self.out.add(start + j), self.op.scalar(x, x, x)) };
        }
        (word, nans)
    }
}

impl<T: Float, O: Op<T>> Job<T> for MaskForward<T, O> {
    type Output = usize;
    type On<U: SimdElem> = MaskForward<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> MaskForward<U, O::Cast<U>> {
        MaskForward {
            op: self.op.cast(),
            x: self.x.cast(),
            out: self.out.cast(),
            len: self.len,
            words: self.words,
        }
    }
    unsafe fn run_scalar(self) -> usize {
        let mut nans = 0;
        for (w, start) in (0..self.len).step_by(WORD).enumerate() {
            // SAFETY: start < len; the word index is below len.div_ceil(64).
            unsafe {
                let (word, n) = self.scalar_word(start, (self.len - start).min(WORD));
                ptr::write(self.words.add(w), word);
                nans += n;
            }
        }
        nans
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for MaskForward<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) -> usize {
        let lanes = V::LANES;
        let full = self.len / WORD;
        let mut nans = 0;
        for w in 0..full {
            let (mut not_positive, mut ordered) = (0u64, 0u64);
            for k in 0..WORD / lanes {
                let i = w * WORD + k * lanes;
                // SAFETY: i + LANES <= (w + 1) * 64 <= len; the ISA is the caller's.
                unsafe {
                    let x = V::load(self.x.add(i));
                    not_positive |= x.le(V::splat(T::zero())).to_bits() << (k * lanes);
                    ordered |= x.le(x).to_bits() << (k * lanes);
                    self.op.lanes(x, x, x).store(self.out.add(i));
                }
            }
            nans += ordered.count_zeros() as usize;
            // SAFETY: w < full <= len.div_ceil(64).
            unsafe { ptr::write(self.words.add(w), !not_positive) };
        }
        let start = full * WORD;
        if start < self.len {
            // SAFETY: the tail lies within len; its word is the last one.
            unsafe {
                let (word, n) = self.scalar_word(start, self.len - start);
                ptr::write(self.words.add(full), word);
                nans += n;
            }
        }
        nans
    }
}

/// A backward pass read from a 1-bit mask: element `i` gets `op(x, g[i], out[i])` with `x`
/// one where the mask bit is set and zero where it is clear, so any backward operation of the
/// family runs unchanged (ReLU's passes `g` or gives `+0.0`, leaky ReLU's `g` or
/// `slope * g`).
///
/// `words` is valid for reading `len.div_ceil(64)` words; `g` for reading and `out` for reading
/// and writing `len` elements (`g` may be `out`).
pub(super) struct MaskBackward<T, O> {
    pub(super) op: O,
    pub(super) words: *const u64,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
}

impl<T: Float, O: Op<T>> MaskBackward<T, O> {
    /// Elements `start..start + n` of one word with the scalar reference.
    ///
    /// # Safety
    /// `start..start + n` lies within `len`, `n <= 64`.
    #[inline(always)]
    unsafe fn scalar_word(&self, word: u64, start: usize, n: usize) {
        for j in 0..n {
            let x = if word >> j & 1 == 1 {
                T::one()
            } else {
                T::zero()
            };
            // SAFETY: start + j < len, by the caller.
            unsafe {
                let g = ptr::read(self.g.add(start + j));
                let old = if O::READS_OUT {
                    ptr::read(self.out.add(start + j))
                } else {
                    x
                };
                ptr::write(self.out.add(start + j), self.op.scalar(x, g, old));
            }
        }
    }
}

impl<T: Float, O: Op<T>> Job<T> for MaskBackward<T, O> {
    type Output = ();
    type On<U: SimdElem> = MaskBackward<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> MaskBackward<U, O::Cast<U>> {
        MaskBackward {
            op: self.op.cast(),
            words: self.words,
            g: self.g.cast(),
            out: self.out.cast(),
            len: self.len,
        }
    }
    unsafe fn run_scalar(self) {
        for (w, start) in (0..self.len).step_by(WORD).enumerate() {
            // SAFETY: the word index is below len.div_ceil(64); the elements lie within len.
            unsafe {
                let word = ptr::read(self.words.add(w));
                self.scalar_word(word, start, (self.len - start).min(WORD));
            }
        }
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for MaskBackward<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        let lanes = V::LANES;
        let full = self.len / WORD;
        for w in 0..full {
            // SAFETY: w < full <= len.div_ceil(64).
            let word = unsafe { ptr::read(self.words.add(w)) };
            for k in 0..WORD / lanes {
                let i = w * WORD + k * lanes;
                // SAFETY: i + LANES <= len; the ISA is the caller's.
                unsafe {
                    let active = V::from_bits(word >> (k * lanes));
                    let x = active.select(V::splat(T::one()), V::splat(T::zero()));
                    let g = V::load(self.g.add(i));
                    let old = if O::READS_OUT {
                        V::load(self.out.add(i))
                    } else {
                        x
                    };
                    self.op.lanes(x, g, old).store(self.out.add(i));
                }
            }
        }
        let start = full * WORD;
        if start < self.len {
            // SAFETY: the tail lies within len; its word is the last one.
            unsafe { self.scalar_word(ptr::read(self.words.add(full)), start, self.len - start) };
        }
    }
}

/// Counts the outputs `op` gives for `len` elements of `x` (valid for reading): how many are
/// greater than zero, exactly zero, and NaN. Nothing is written.
pub(super) struct Count<T, O> {
    pub(super) op: O,
    pub(super) x: *const T,
    pub(super) len: usize,
}

/// Outputs greater than zero, equal to zero, and NaN.
pub(crate) type Counts = [usize; 3];

/// Counts one output.
#[inline(always)]
fn count_one<T: Float>(counts: &mut Counts, y: T) {
    counts[0] += usize::from(y > T::zero());
    counts[1] += usize::from(y == T::zero());
    counts[2] += usize::from(y.is_nan());
}

impl<T: Float, O: Op<T>> Job<T> for Count<T, O> {
    type Output = Counts;
    type On<U: SimdElem> = Count<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> Count<U, O::Cast<U>> {
        Count {
            op: self.op.cast(),
            x: self.x.cast(),
            len: self.len,
        }
    }
    unsafe fn run_scalar(self) -> Counts {
        let mut counts = [0; 3];
        for i in 0..self.len {
            // SAFETY: i < len.
            let x = unsafe { ptr::read(self.x.add(i)) };
            count_one(&mut counts, self.op.scalar(x, x, x));
        }
        counts
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for Count<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) -> Counts {
        let lanes = V::LANES;
        let (mut positive, mut zero, mut ordered) = (0usize, 0usize, 0usize);
        let mut i = 0;
        while i + lanes <= self.len {
            // SAFETY: i + LANES <= len; the ISA is the caller's.
            unsafe {
                let x = V::load(self.x.add(i));
                let y = self.op.lanes(x, x, x);
                let z = V::splat(T::zero());
                positive += y.gt(z).to_bits().count_ones() as usize;
                // y == 0 exactly where y <= 0 and 0 <= y.
                zero += (y.le(z).to_bits() & z.le(y).to_bits()).count_ones() as usize;
                ordered += y.le(y).to_bits().count_ones() as usize;
            }
            i += lanes;
        }
        let mut counts = [positive, zero, i - ordered];
        while i < self.len {
            // SAFETY: i < len.
            let x = unsafe { ptr::read(self.x.add(i)) };
            count_one(&mut counts, self.op.scalar(x, x, x));
            i += 1;
        }
        counts
    }
}
