//! The one kernel loop, generic over a [`Vector`] of lanes and an [`Op`].

use core::mem::size_of;
use core::ops::Range;
use core::ptr;

use num_traits::{Float, One, Zero};

use super::{Body, Job, Op, SimdElem, Vector};

/// Vectors per iteration of the main loop: enough independent work to hide the latency of
/// loads and compares, and, for the counting loop, eight counter updates per register that add
/// up in a tree (measured: in place and out of L1 it counts at 0.91 to 0.96 of the plain pass
/// with eight, 0.85 to 0.93 with four).
pub(super) const UNROLL: usize = 8;

/// The fewest vectors for which the loop aligns ordinary stores to the output with a scalar
/// head ([`run`]); below it, the head costs more than the stores that cross cache lines.
///
/// Under Miri, whose interpreter is slow, the fewest that leave the unrolled loop with a vector
/// and a tail below it: the address tests then reach the aligned loop with 305 `f32` elements
/// on AVX-512, not 1169 (the same comparison; the native tests run every length around 64).
pub(super) const ALIGN_MIN_VECTORS: usize = if cfg!(miri) { UNROLL + 2 } else { 64 };

/// Where the loop reads the inputs of element `i`, and how it applies the operation to them.
pub(super) trait Source<T: Float>: Copy {
    /// The input `x` of element `i` and `op`'s result; `out` holds the output's previous
    /// values, which `op` reads where [`Op::READS_OUT`].
    ///
    /// # Safety
    /// `i` is below the length the source was built for, and `out` is valid for that length.
    unsafe fn one<O: Op<T>>(self, op: O, i: usize, out: *const T) -> (T, T);
}

/// A [`Source`] that also reads `LANES` elements at a time.
pub(super) trait LaneSource<V: Vector>: Source<V::Elem> {
    /// Whether the loop may align its vectors to the output ([`run`]); false where a
    /// vector that starts on a multiple of `LANES` elements reads less (mask words).
    const ALIGN_OUT: bool = true;
    /// The inputs and `op`'s results for elements `i..i + LANES`.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA, `i + LANES` is at most the length the source was built for,
    /// and `out` is valid for that length.
    unsafe fn lanes<O: Op<V::Elem>>(self, op: O, i: usize, out: *const V::Elem) -> Step<V>;
}

/// One vector step of the loop: the inputs `x`, the results `y`, and the lane masks of the
/// results at most zero (`not_positive`) and above zero (`positive`). What a [`LaneTally`]
/// sees; the parts it ignores are optimised away.
#[derive(Clone, Copy)]
pub(super) struct Step<V> {
    x: V,
    y: V,
    not_positive: V,
    positive: V,
}

/// Inputs from buffers: `x`, and `g` for binary operations (`g` may be `x`), valid for reading
/// the loop's length.
#[derive(Clone, Copy)]
pub(super) struct Buffers<T> {
    pub(super) x: *const T,
    pub(super) g: *const T,
}

impl<T: Float> Source<T> for Buffers<T> {
    #[inline(always)]
    unsafe fn one<O: Op<T>>(self, op: O, i: usize, out: *const T) -> (T, T) {
        // SAFETY: i is below the length, by the caller.
        unsafe {
            let x = ptr::read(self.x.add(i));
            let g = if O::BINARY {
                ptr::read(self.g.add(i))
            } else {
                x
            };
            let old = if O::READS_OUT {
                ptr::read(out.add(i))
            } else {
                x
            };
            (x, op.scalar(x, g, old))
        }
    }
}

impl<V: Vector> LaneSource<V> for Buffers<V::Elem> {
    #[inline(always)]
    unsafe fn lanes<O: Op<V::Elem>>(self, op: O, i: usize, out: *const V::Elem) -> Step<V> {
        // SAFETY: i + LANES is within the length and the ISA is supported, by the caller.
        unsafe {
            let x = V::load(self.x.add(i));
            let g = if O::BINARY {
                V::load_whole(self.g.add(i))
            } else {
                x
            };
            let old = if O::READS_OUT { V::load(out.add(i)) } else { x };
            let (y, not_positive, positive) = op.lanes_signs(x, g, old);
            Step {
                x,
                y,
                not_positive,
                positive,
            }
        }
    }
}

/// Elements per mask word.
pub(crate) const WORD: usize = 64;

/// Inputs of a backward operation from a 1-bit mask: `x` is one where bit `i % 64` of
/// `words[i / 64]` is set and zero where it is clear ([`Op::lanes_masked`]); `g` from a buffer.
/// `words` is valid for reading `len.div_ceil(64)` words and `g` for reading `len` elements.
#[derive(Clone, Copy)]
pub(super) struct MaskBits<T> {
    pub(super) words: *const u64,
    pub(super) g: *const T,
}

impl<T: Float> Source<T> for MaskBits<T> {
    #[inline(always)]
    unsafe fn one<O: Op<T>>(self, op: O, i: usize, out: *const T) -> (T, T) {
        // SAFETY: i is below the length, so its word and element exist.
        unsafe {
            let set = ptr::read(self.words.add(i / WORD)) >> (i % WORD) & 1 == 1;
            let x = if set { T::one() } else { T::zero() };
            let old = if O::READS_OUT {
                ptr::read(out.add(i))
            } else {
                x
            };
            (x, op.scalar(x, ptr::read(self.g.add(i)), old))
        }
    }
}

impl<V: Vector> LaneSource<V> for MaskBits<V::Elem> {
    const ALIGN_OUT: bool = false;
    #[inline(always)]
    unsafe fn lanes<O: Op<V::Elem>>(self, op: O, i: usize, out: *const V::Elem) -> Step<V> {
        let (w, s) = (i / WORD, i % WORD);
        // SAFETY: i + LANES is within the length, so word w exists, and word w + 1 exists when
        // the lanes reach past word w; the ISA is the caller's.
        unsafe {
            let mut bits = ptr::read(self.words.add(w)) >> s;
            if s + V::LANES > WORD {
                bits |= ptr::read(self.words.add(w + 1)) << (WORD - s);
            }
            let clear = V::from_bits(!bits);
            let g = V::load_whole(self.g.add(i));
            let old = if O::READS_OUT { V::load(out.add(i)) } else { g };
            let y = op.lanes_masked(clear, g, old);
            Step {
                x: clear.and_not(V::splat(V::Elem::one())),
                y,
                not_positive: y.le_zero(),
                positive: y.gt_zero(),
            }
        }
    }
}

/// What the loop does with each element besides storing its result, in order: nothing (`()`),
/// count the results ([`Counts`], [`LaneCounts`]), or fill a 1-bit mask from the inputs
/// ([`MaskWords`], [`LaneMaskWords`]).
pub(super) trait Tally<T: Float> {
    /// Sees the next element: its input `x` and result `y`.
    ///
    /// # Safety
    /// As the implementing type documents.
    unsafe fn one(&mut self, x: T, y: T);
}

/// A [`Tally`] that also sees `LANES` elements at a time.
pub(super) trait LaneTally<V: Vector>: Tally<V::Elem> {
    /// As [`LaneSource::ALIGN_OUT`]: false where a vector that starts on a multiple of
    /// `LANES` elements writes less (mask words).
    const ALIGN_OUT: bool = true;
    /// Whether the tally sees each element: then every element goes through the loop once.
    /// Without a tally, vectors may overlap ([`run`]'s head and tail).
    const EACH_ONCE: bool = true;
    /// Sees the next `LANES` elements.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA, and as for [`Tally::one`].
    unsafe fn lanes(&mut self, step: Step<V>);
}

impl<T: Float> Tally<T> for () {
    #[inline(always)]
    unsafe fn one(&mut self, _x: T, _y: T) {}
}

impl<V: Vector> LaneTally<V> for () {
    const EACH_ONCE: bool = false;
    #[inline(always)]
    unsafe fn lanes(&mut self, _step: Step<V>) {}
}

/// Applies `op` to elements `from..to`, one at a time, with the scalar reference: inputs from
/// `src`, results to `out` and `tally`.
///
/// # Safety
/// `src` and `out` are valid for the loop's length (`out` for reading and writing), `to` is at
/// most that length, and `out` overlaps an input only where it is that input itself.
#[inline(always)]
unsafe fn scalar_loop<T: Float, O: Op<T>, S: Source<T>, C: Tally<T>>(
    op: O,
    src: S,
    out: *mut T,
    from: usize,
    to: usize,
    tally: &mut C,
) {
    for i in from..to {
        // SAFETY: i < to <= the length, by the caller.
        unsafe {
            let (x, y) = src.one(op, i, out);
            tally.one(x, y);
            ptr::write(out.add(i), y);
        }
    }
}

/// Applies `op` to `len` elements with vectors of type `V`: [`UNROLL`] vectors at a time,
/// then one, then the tail, reading from `src` and passing each result to `tally` before it
/// is stored to `out`. A head first aligns `out` to a vector where the stores need it or gain
/// from it ([`head`]). With `stream`, the stores bypass the cache. The store kind is a run-time
/// flag, not a const parameter: one copy of the loop per instantiation, not two (tests/api's
/// build 143 -> 91 s on the Emerald Rapids VM). In release the optimiser still splits the
/// unrolled loop by store kind; the one-vector loop after it tests the flag per vector (a
/// predicted branch; throughput within noise).
///
/// The head and the tail are one vector each where the stores do not stream, no tally counts
/// the elements and `len` holds a vector; otherwise scalar steps. The vectors overlap the
/// loop's: computed from the inputs before the loop stores anything (in place, it overwrites
/// them) and stored after it, they write the loop's results again. (An ordinary store to a
/// line just streamed out reads it back from memory: with streaming stores, overlapping
/// vectors ran PReLU's runs of 1024 elements at 0.25x.) With AVX-512 on 1Ki `f32` elements
/// 16 bytes off a register boundary that is 12 scalar steps before the loop and 4 after it
/// fewer (in place: 0.90-0.91 of an AVX2 negate -> 0.93-0.96, Zen 4).
///
/// # Safety
/// The CPU supports `V`'s ISA; `src` is valid for `len` elements and `out` for reading and
/// writing `len` elements; `out` overlaps an input only where it is that input itself. With
/// `stream`, a [`Fence`](super::Fence) orders the stores before `out` is accessed again.
#[inline(always)]
unsafe fn run<V: Vector, O: Op<V::Elem>, S: LaneSource<V>, C: LaneTally<V>>(
    op: O,
    src: S,
    out: *mut V::Elem,
    len: usize,
    stream: bool,
    tally: &mut C,
) {
    let lanes = V::LANES;
    let head = head::<V>(out, len, stream, S::ALIGN_OUT && C::ALIGN_OUT);
    let overlap = !stream && !C::EACH_ONCE && len >= lanes;
    // The vectors of the head and the tail, from the inputs as they are (see above). No
    // closures here: they would not inherit the ISA's target features.
    let (first, last) = if overlap {
        let end = head + (len - head) / lanes * lanes;
        // SAFETY: LANES <= len; the ISA is the caller's.
        unsafe {
            let first = if head > 0 {
                Some(src.lanes(op, 0, out).y)
            } else {
                None
            };
            let last = if end < len {
                Some(src.lanes(op, len - lanes, out).y)
            } else {
                None
            };
            (first, last)
        }
    } else {
        (None, None)
    };
    if !overlap {
        // SAFETY: head <= len.
        unsafe { scalar_loop(op, src, out, 0, head, tally) };
    }
    let mut i = head;

    // With `stream`, `out.add(i)` is aligned to `size_of::<V>()` from here on.
    while i + UNROLL * lanes <= len {
        for k in 0..UNROLL {
            // SAFETY: i + (k + 1) * LANES <= i + UNROLL * LANES <= len; the ISA is the caller's.
            unsafe { vector::<V, O, S, C>(op, src, out, i + k * lanes, stream, tally) };
        }
        i += UNROLL * lanes;
    }
    while i + lanes <= len {
        // SAFETY: i + LANES <= len; the ISA is the caller's.
        unsafe { vector::<V, O, S, C>(op, src, out, i, stream, tally) };
        i += lanes;
    }
    if overlap {
        // SAFETY: LANES <= len; the ISA is the caller's.
        unsafe {
            if let Some(y) = first {
                y.store(out);
            }
            if let Some(y) = last {
                y.store(out.add(len - lanes));
            }
        }
    } else {
        // SAFETY: i <= len.
        unsafe { scalar_loop(op, src, out, i, len, tally) };
    }
}

/// How many elements a scalar head takes before the vector stores to `out` (`len` elements)
/// start, where `can_align`. Streaming stores need `out` aligned to a vector: the head reaches
/// the first such element. Ordinary stores need no alignment, but run faster with it where the
/// loop is long enough to pay for a head of up to `LANES - 1` scalar steps: a store that
/// crosses a cache line costs two (measured in L1: 1Ki f32 elements with the output 16 bytes
/// off, relu_slice 73 ns unaligned, 56 ns with the head).
#[inline(always)]
fn head<V: Vector>(out: *mut V::Elem, len: usize, stream: bool, can_align: bool) -> usize {
    if stream || (can_align && len >= ALIGN_MIN_VECTORS * V::LANES) {
        out.align_offset(size_of::<V>()).min(len)
    } else {
        0
    }
}

/// Applies `op` to the `LANES` elements from `i`.
///
/// # Safety
/// The CPU supports `V`'s ISA; `i + LANES` is within the length `src` and `out` are valid for;
/// with `stream`, `out.add(i)` is aligned to `size_of::<V>()` and a
/// [`Fence`](super::Fence) orders the store before `out` is accessed again.
#[inline(always)]
unsafe fn vector<V: Vector, O: Op<V::Elem>, S: LaneSource<V>, C: LaneTally<V>>(
    op: O,
    src: S,
    out: *mut V::Elem,
    i: usize,
    stream: bool,
    tally: &mut C,
) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        // What `tally` ignores of the step is optimised away.
        let step = src.lanes(op, i, out);
        tally.lanes(step);
        if stream {
            step.y.stream(out.add(i));
        } else {
            step.y.store(out.add(i));
        }
    }
}

/// The elementwise loop ([`run`]) as a [`Job`]: `x` and `g` valid for reading and `out` for
/// writing `len` elements (`x` or `g` may be `out`; otherwise no overlap); `stream` only with a
/// separate `out`. With [`Rows::Of`], the parameter input is valid for `period` elements only,
/// and the loop runs over each row of `period` elements with it ([`super::elementwise_rows`]).
pub(super) struct Elementwise<T, O> {
    pub(super) op: O,
    pub(super) x: *const T,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) stream: bool,
    pub(super) rows: Rows,
}

/// How an [`Elementwise`] job walks its buffers: the row loop is part of the one job (and its
/// one instantiation per operation and kernel), not a job of its own.
#[derive(Clone, Copy)]
pub(super) enum Rows {
    /// One pass over all `len` elements.
    Whole,
    /// Rows of `period` elements (`len` is a multiple of it, `period > 0`), each read with the
    /// same `period` parameters: `x` where `params_are_x`, else `g`.
    Of { period: usize, params_are_x: bool },
}

impl<T, O: Copy> Elementwise<T, O> {
    fn src(&self) -> Buffers<T> {
        Buffers {
            x: self.x,
            g: self.g,
        }
    }

    /// Each row's input, output and length, in order: once the whole buffers for
    /// [`Rows::Whole`]. An iterator, not a closure that the loop would run in: a closure does
    /// not inherit the ISA's target features, and where it is not inlined (the 16-bit lanes'
    /// loop, the largest) every intrinsic in it becomes a call (f16 ReLU at 16Ki on AVX2 ran
    /// 35x slower than the provided loop).
    #[inline(always)]
    fn rows(&self) -> RowWalk<T> {
        // The elements each input moves on by from one row to the next: the parameters stay.
        let (period, x_step, g_step) = match self.rows {
            Rows::Whole => (self.len, self.len, self.len),
            Rows::Of {
                period,
                params_are_x,
            } => {
                let moves = |params: bool| if params { 0 } else { period };
                (period, moves(params_are_x), moves(!params_are_x))
            }
        };
        RowWalk {
            x: self.x,
            g: self.g,
            out: self.out,
            left: self.len,
            period,
            x_step,
            g_step,
            done: false,
        }
    }
}

/// The rows of an [`Elementwise`] job ([`Elementwise::rows`]): pointers that move on by a row
/// at a time, with no multiplication or division. Before, `StepBy` over the row starts divided
/// once per pass and the pointers were multiplied out per row: on the Emerald Rapids VM (AVX-512
/// kernel, fastest of 200 batches) `relu_slice` over 64 `f32` elements took 15.2 ns then and
/// 12.9 now, `relu_backward` 18.3 and 15.4, `f64` 15.1 and 12.2. An empty pass runs one empty
/// row.
struct RowWalk<T> {
    x: *const T,
    g: *const T,
    out: *mut T,
    /// Elements not yet yielded.
    left: usize,
    /// Elements per row (all of them for [`Rows::Whole`]).
    period: usize,
    x_step: usize,
    g_step: usize,
    done: bool,
}

impl<T> Iterator for RowWalk<T> {
    type Item = (Buffers<T>, *mut T, usize);
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let len = self.period.min(self.left);
        let row = (
            Buffers {
                x: self.x,
                g: self.g,
            },
            self.out,
            len,
        );
        self.left -= len;
        self.done = self.left == 0;
        // Past the last row these point one row past the buffers' ends, never dereferenced:
        // `wrapping_add`, which promises nothing about the result.
        self.x = self.x.wrapping_add(self.x_step);
        self.g = self.g.wrapping_add(self.g_step);
        self.out = self.out.wrapping_add(len);
        Some(row)
    }
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
            rows: self.rows,
        }
    }
    #[inline(always)]
    unsafe fn run_scalar(self) {
        // SAFETY: the caller's obligations, row by row.
        unsafe {
            for (src, out, len) in self.rows() {
                scalar_loop(self.op, src, out, 0, len, &mut ());
            }
        }
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for Elementwise<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        // SAFETY: forwarded from the caller, row by row.
        unsafe {
            for (src, out, len) in self.rows() {
                run::<V, O, _, _>(self.op, src, out, len, self.stream, &mut ());
            }
        }
    }
}

/// Strided lanes: `rows` lanes, lane `r` starting `r * steps[0]` elements from `x`
/// (`steps[1]` from `g`, `steps[2]` from `out`), each of `len` elements `stride` apart; `x` or
/// `g` may be `out`, otherwise no overlap.
#[cfg(feature = "ndarray")]
#[derive(Clone, Copy)]
pub(crate) struct StridedBuffers<T> {
    pub(super) x: *const T,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) stride: usize,
    pub(super) rows: usize,
    pub(super) steps: [isize; 3],
}

#[cfg(feature = "ndarray")]
impl<T> StridedBuffers<T> {
    /// The same lanes as elements of `U`: use it only where `TypeId` proved `U == T`.
    #[inline(always)]
    fn cast<U>(self) -> StridedBuffers<U> {
        let StridedBuffers {
            x,
            g,
            out,
            len,
            stride,
            rows,
            steps,
        } = self;
        StridedBuffers {
            x: x.cast(),
            g: g.cast(),
            out: out.cast(),
            len,
            stride,
            rows,
            steps,
        }
    }
}

/// The elementwise loop over [`StridedBuffers`] as a [`Job`]. It touches the lanes' elements
/// only, not those between them, which may belong to other borrowers (the other columns of an
/// array). Each vector covers `LANES` elements of memory and runs the lanes
/// `0, stride, 2 * stride, ...` of them, loaded and stored under that bit mask
/// ([`Vector::load_lanes`]), the last of a lane under the part of it that the lane reaches: no
/// scalar head or tail.
///
/// It runs where the vectors have masked access and `stride` divides `LANES` with at least two
/// elements to a vector (AVX2: `f32` strides 1, 2, 4 and `f64` 1, 2; AVX-512 one power of two
/// more). Otherwise it writes nothing and returns `false`, for the caller to run the lanes
/// another way; so does the scalar reference ([`Job::run_scalar`]), which no caller reaches.
#[cfg(feature = "ndarray")]
pub(super) struct Strided<T, O> {
    pub(super) op: O,
    pub(super) buffers: StridedBuffers<T>,
}

#[cfg(feature = "ndarray")]
impl<T: Float, O: Op<T>> Job<T> for Strided<T, O> {
    type Output = bool;
    type On<U: SimdElem> = Strided<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> Strided<U, O::Cast<U>> {
        Strided {
            op: self.op.cast(),
            buffers: self.buffers.cast(),
        }
    }
    #[inline(always)]
    unsafe fn run_scalar(self) -> bool {
        false
    }
}

#[cfg(feature = "ndarray")]
impl<T: SimdElem, O: Op<T>> Strided<T, O> {
    /// The lanes of `bits` of the `LANES` elements from `i` of one lane at `x`, `g`, `out`.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA, `V::MASKED_ACCESS`, `i` is below the lane's span and the
    /// lanes of `bits` are elements of the lane.
    #[inline(always)]
    unsafe fn vector<V: Vector<Elem = T>>(&self, [x, g, out]: [*mut T; 3], i: usize, bits: u64) {
        // SAFETY: `i` is within the span, so the pointers stay in their buffers, and the lanes
        // of `bits` are the lane's elements, valid as the type documents.
        unsafe {
            let x = V::load_lanes(x.add(i), bits);
            let g = if O::BINARY {
                V::load_lanes(g.add(i), bits)
            } else {
                x
            };
            let old = if O::READS_OUT {
                V::load_lanes(out.add(i), bits)
            } else {
                x
            };
            self.op.lanes(x, g, old).store_lanes(out.add(i), bits);
        }
    }
}

#[cfg(feature = "ndarray")]
impl<T: SimdElem, O: Op<T>> Body<T> for Strided<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) -> bool {
        let StridedBuffers {
            x,
            g,
            out,
            len,
            stride,
            rows,
            steps: [sx, sg, so],
        } = self.buffers;
        let lanes = V::LANES;
        // LANES is a power of two, so the strides that divide it are too.
        if !V::MASKED_ACCESS || !stride.is_power_of_two() || 2 * stride > lanes {
            return false;
        }
        // Lanes 0, stride, 2 * stride, ... of every vector, which starts on a multiple of it.
        let mut every = 1_u64;
        let mut width = stride;
        while width < lanes {
            every |= every << width;
            width *= 2;
        }
        // From a lane's first element to one past its last.
        let span = len.saturating_sub(1) * stride + usize::from(len > 0);
        for r in 0..rows {
            let r = r as isize;
            // SAFETY: lane `r` of each buffer starts there, as the type documents.
            let lane = unsafe {
                [
                    x.offset(r * sx).cast_mut(),
                    g.offset(r * sg).cast_mut(),
                    out.offset(r * so),
                ]
            };
            let mut i = 0;
            while i + UNROLL * lanes <= span {
                for k in 0..UNROLL {
                    // SAFETY: i + k * LANES < span, and the bits of `every` are elements
                    // there; the ISA is the caller's and MASKED_ACCESS is checked above.
                    unsafe { self.vector::<V>(lane, i + k * lanes, every) };
                }
                i += UNROLL * lanes;
            }
            while i + lanes <= span {
                // SAFETY: i + LANES <= span, and the bits of `every` are elements there; as
                // above.
                unsafe { self.vector::<V>(lane, i, every) };
                i += lanes;
            }
            // The last vector, which reaches past the span, with the bits below it: its own
            // step, so that the loops above keep one mask for every vector.
            if i < span {
                let bits = every & ((1 << (span - i)) - 1);
                // SAFETY: i < span, and the bits below `span - i` are elements of the lane.
                unsafe { self.vector::<V>(lane, i, bits) };
            }
        }
        true
    }
}

/// The most elements one job that counts in the integer lanes of vectors takes ([`Counted`],
/// [`Masked`]): the counters, and their sum, then stay below `2^32`. A multiple of 64. The
/// crate's own unit tests use a small value, so that their slices run in several pieces.
#[cfg(not(test))]
pub(crate) const TALLY_MAX: usize = 1 << 31;
#[cfg(test)]
pub(crate) const TALLY_MAX: usize = 256;

/// [`TALLY_MAX`] for elements of `T`. The 16-bit formats count in 16-bit integer lanes, at
/// least eight to a vector: their jobs take at most `2^18` elements, which keeps every counter
/// below `2^15`.
#[inline(always)]
pub(crate) const fn tally_max<T>() -> usize {
    if size_of::<T>() == 2 && TALLY_MAX > 1 << 18 {
        1 << 18
    } else {
        TALLY_MAX
    }
}

/// The elementwise loop that also counts what it writes ([`Counts`]): an [`Elementwise`] job
/// for a forward operation, which returns the counts. At most [`tally_max`] elements.
pub(super) struct Counted<T, O>(pub(super) Elementwise<T, O>);

impl<T: Float, O: Op<T>> Job<T> for Counted<T, O> {
    type Output = Counts;
    type On<U: SimdElem> = Counted<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> Counted<U, O::Cast<U>> {
        Counted(self.0.on())
    }
    unsafe fn run_scalar(self) -> Counts {
        let e = self.0;
        let mut counts = [0; 3];
        // SAFETY: the caller's obligations.
        unsafe { scalar_loop(e.op, e.src(), e.out, 0, e.len, &mut counts) };
        counts
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for Counted<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) -> Counts {
        let e = self.0;
        debug_assert!(e.len <= tally_max::<T>());
        // SAFETY: the ISA is the caller's.
        let mut tally = unsafe { LaneCounts::<V>::new(O::NEVER_NEGATIVE) };
        // SAFETY: forwarded from the caller.
        unsafe { run::<V, O, _, _>(e.op, e.src(), e.out, e.len, e.stream, &mut tally) };
        // SAFETY: the ISA is the caller's.
        unsafe { tally.total() }
    }
}

/// The elementwise loop of a forward operation that also fills a 1-bit mask from its inputs
/// ([`MaskWords`]) and returns the number of NaN inputs. `words` is valid for writing
/// `len.div_ceil(64)` words and overlaps no buffer of the elementwise job. At most
/// [`tally_max`] elements.
pub(super) struct Masked<T, O> {
    pub(super) elementwise: Elementwise<T, O>,
    pub(super) words: *mut u64,
}

impl<T: Float, O: Op<T>> Job<T> for Masked<T, O> {
    type Output = usize;
    type On<U: SimdElem> = Masked<U, O::Cast<U>>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> Masked<U, O::Cast<U>> {
        Masked {
            elementwise: self.elementwise.on(),
            words: self.words,
        }
    }
    /// A word at a time: the word's bits and NaN count from its inputs (read before an
    /// in-place pass writes over them), then its elements. Appending one bit at a time
    /// ([`MaskWords`]) carried a shift from element to element. `f32` ReLU on the Emerald
    /// Rapids VM, ns per call, one bit at a time -> a word at a time: 16 elements 33 -> 24, 63
    /// elements 98 -> 61 (the inline short path); 1Ki elements 1473 -> 800 (the portable kernel).
    unsafe fn run_scalar(self) -> usize {
        let e = self.elementwise;
        let mut nans = 0;
        for (word, start) in (0..e.len).step_by(WORD).enumerate() {
            let end = (start + WORD).min(e.len);
            // Eight bits at a time with constant shifts, which the compiler packs in parallel.
            let (mut bits, mut i) = (0, start);
            let mut active = |i: usize| {
                // SAFETY: i < len, and `x` is valid for reading `len` elements.
                let x = unsafe { ptr::read(e.x.add(i)) };
                nans += usize::from(x.is_nan());
                u64::from(e.op.active(x))
            };
            while i + 8 <= end {
                let byte = (0..8).fold(0, |byte, k| byte | active(i + k) << k);
                bits |= byte << (i - start);
                i += 8;
            }
            for i in i..end {
                bits |= active(i) << (i - start);
            }
            // SAFETY: the words hold one bit per element, so word `word` is within them; the
            // rest is the caller's obligations.
            unsafe {
                ptr::write(self.words.add(word), bits);
                scalar_loop(e.op, e.src(), e.out, start, end, &mut ());
            }
        }
        nans
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for Masked<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) -> usize {
        let e = self.elementwise;
        debug_assert!(e.len <= tally_max::<T>());
        // SAFETY: the ISA is the caller's.
        let mut tally = unsafe { LaneMaskWords::<V, O>::new(e.op, self.words) };
        // SAFETY: forwarded from the caller; the words hold one bit per element.
        unsafe {
            run::<V, O, _, _>(e.op, e.src(), e.out, e.len, e.stream, &mut tally);
            tally.finish()
        }
    }
}

/// Fills a 1-bit mask from the inputs it sees, in order: bit `i % 64` of word `i / 64` set
/// where input `i` is active for the forward operation `op` ([`Op::active`]: where the backward
/// pass passes the gradient, and NaN, which one bit cannot say); bits past the last input stay
/// zero. Counts the NaN inputs. `words` must be valid for writing one bit per input it sees,
/// rounded up to words.
struct MaskWords<O> {
    op: O,
    words: *mut u64,
    /// Bits not yet written, the next at bit `filled`.
    pending: u64,
    filled: usize,
    nans: usize,
}

impl<O> MaskWords<O> {
    fn new(op: O, words: *mut u64) -> Self {
        MaskWords {
            op,
            words,
            pending: 0,
            filled: 0,
            nans: 0,
        }
    }

    /// Appends the low `n` bits of `bits` (the rest clear), `n <= 64`, writing each word
    /// once it is full.
    ///
    /// # Safety
    /// `words` has room for every bit appended so far.
    #[inline(always)]
    unsafe fn push(&mut self, bits: u64, n: usize) {
        self.pending |= bits << self.filled;
        let end = self.filled + n;
        if end < WORD {
            self.filled = end;
            return;
        }
        // SAFETY: the word is full, so it holds appended bits; the caller gave it room.
        unsafe {
            ptr::write(self.words, self.pending);
            self.words = self.words.add(1);
        }
        // The bits that did not fit; none when the word ended exactly.
        self.pending = if self.filled == 0 {
            0
        } else {
            bits >> (WORD - self.filled)
        };
        self.filled = end - WORD;
    }

    /// Writes the last, partial word, if any, and returns the NaN count.
    ///
    /// # Safety
    /// As for [`MaskWords::push`].
    #[inline(always)]
    unsafe fn finish(self) -> usize {
        if self.filled > 0 {
            // SAFETY: the word holds appended bits; the caller gave it room.
            unsafe { ptr::write(self.words, self.pending) };
        }
        self.nans
    }
}

impl<T: Float, O: Op<T>> Tally<T> for MaskWords<O> {
    /// # Safety
    /// As for [`MaskWords::push`].
    #[inline(always)]
    unsafe fn one(&mut self, x: T, _y: T) {
        self.nans += usize::from(x.is_nan());
        let active = self.op.active(x);
        // SAFETY: the caller's obligation.
        unsafe { self.push(u64::from(active), 1) };
    }
}

/// [`MaskWords`] seeing `LANES` inputs at a time; NaN inputs counted in integer lanes
/// ([`Vector::tally`]).
struct LaneMaskWords<V, O> {
    words: MaskWords<O>,
    ordered: V,
    vectors: usize,
}

impl<V: Vector, O> LaneMaskWords<V, O> {
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn new(op: O, words: *mut u64) -> Self {
        LaneMaskWords {
            words: MaskWords::new(op, words),
            // SAFETY: the caller proved the ISA; `+0.0` is a counter at zero.
            ordered: unsafe { V::splat(V::Elem::zero()) },
            vectors: 0,
        }
    }

    /// As [`MaskWords::finish`].
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA, and as for [`MaskWords::push`].
    #[inline(always)]
    unsafe fn finish(self) -> usize {
        // SAFETY: the caller's obligations.
        let (ordered, nans) = unsafe { (self.ordered.tally_sum() as usize, self.words.finish()) };
        nans + self.vectors * V::LANES - ordered
    }
}

impl<V: Vector, O: Op<V::Elem>> Tally<V::Elem> for LaneMaskWords<V, O> {
    #[inline(always)]
    unsafe fn one(&mut self, x: V::Elem, y: V::Elem) {
        // SAFETY: the caller's obligations.
        unsafe { self.words.one(x, y) };
    }
}

impl<V: Vector, O: Op<V::Elem>> LaneTally<V> for LaneMaskWords<V, O> {
    const ALIGN_OUT: bool = false;
    #[inline(always)]
    unsafe fn lanes(&mut self, Step { x, .. }: Step<V>) {
        // SAFETY: the caller's obligations. A lane is ordered where x <= x.
        unsafe {
            let inactive = self.words.op.lanes_inactive(x).to_bits();
            let all = u64::MAX >> (WORD - V::LANES);
            self.words.push(!inactive & all, V::LANES);
            self.ordered = self.ordered.tally(x.le(x));
        }
        self.vectors += 1;
    }
}

/// A backward pass read from a 1-bit mask ([`MaskBits`]): element `i` gets
/// `op(x, g[i], out[i])` with `x` one where the mask bit is set and zero where it is clear, so
/// any backward operation of the family runs unchanged (ReLU's passes `g` or gives `+0.0`,
/// leaky ReLU's `g` or `slope * g`).
///
/// `words` is valid for reading `len.div_ceil(64)` words; `g` for reading and `out` for reading
/// and writing `len` elements (`g` may be `out`); `stream` only with a separate `out`.
pub(super) struct MaskBackward<T, O> {
    pub(super) op: O,
    pub(super) words: *const u64,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) stream: bool,
}

impl<T, O> MaskBackward<T, O> {
    fn src(&self) -> MaskBits<T> {
        MaskBits {
            words: self.words,
            g: self.g,
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
            stream: self.stream,
        }
    }
    unsafe fn run_scalar(self) {
        // SAFETY: the caller's obligations.
        unsafe { scalar_loop(self.op, self.src(), self.out, 0, self.len, &mut ()) }
    }
}

impl<T: SimdElem, O: Op<T>> Body<T> for MaskBackward<T, O> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        // SAFETY: forwarded from the caller.
        unsafe {
            run::<V, O, _, _>(
                self.op,
                self.src(),
                self.out,
                self.len,
                self.stream,
                &mut (),
            )
        }
    }
}

/// Outputs greater than zero, equal to zero, and NaN.
pub(crate) type Counts = [usize; 3];

impl<T: Float> Tally<T> for Counts {
    #[inline(always)]
    unsafe fn one(&mut self, _x: T, y: T) {
        self[0] += usize::from(y > T::zero());
        self[1] += usize::from(y == T::zero());
        self[2] += usize::from(y.is_nan());
    }
}

/// [`Counts`] kept in the integer lanes of vectors ([`Vector::tally`]): per lane, how many
/// results were greater than zero, at most zero, and less than zero. Results seen one at a
/// time go to `rest`.
struct LaneCounts<V> {
    /// The results are never less than zero: `negative` stays zero.
    never_negative: bool,
    positive: V,
    not_positive: V,
    negative: V,
    vectors: usize,
    rest: Counts,
}

impl<V: Vector> LaneCounts<V> {
    /// No results seen.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn new(never_negative: bool) -> Self {
        // SAFETY: the caller proved the ISA. `+0.0` has all bits clear: integer lanes of zero.
        let zero = unsafe { V::splat(V::Elem::zero()) };
        LaneCounts {
            never_negative,
            positive: zero,
            not_positive: zero,
            negative: zero,
            vectors: 0,
            rest: [0; 3],
        }
    }

    /// The counts of every result seen. A result at most zero and not less than zero is zero;
    /// one neither greater than nor at most zero is NaN.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn total(self) -> Counts {
        // SAFETY: the caller proved the ISA.
        let [positive, not_positive, negative] = unsafe {
            [self.positive, self.not_positive, self.negative].map(|v| v.tally_sum() as usize)
        };
        let seen = self.vectors * V::LANES;
        [
            self.rest[0] + positive,
            self.rest[1] + not_positive - negative,
            self.rest[2] + seen - positive - not_positive,
        ]
    }
}

impl<V: Vector> Tally<V::Elem> for LaneCounts<V> {
    #[inline(always)]
    unsafe fn one(&mut self, x: V::Elem, y: V::Elem) {
        // SAFETY: counting has no obligations.
        unsafe { self.rest.one(x, y) };
    }
}

impl<V: Vector> LaneTally<V> for LaneCounts<V> {
    #[inline(always)]
    unsafe fn lanes(
        &mut self,
        Step {
            y,
            not_positive,
            positive,
            ..
        }: Step<V>,
    ) {
        // SAFETY: the caller proved the ISA.
        unsafe {
            self.positive = self.positive.tally(positive);
            self.not_positive = self.not_positive.tally(not_positive);
            if !self.never_negative {
                self.negative = self.negative.tally(y.lt_zero());
            }
        }
        self.vectors += 1;
    }
}

/// Interleaved partial sums: element `j` of the `len` elements at `x` is added to
/// `sums[(phase + j) % 16]` with [`SumAdd`]'s rule (a NaN keeps its bits), each sum in element
/// order. The same bits with any kernel: the lanes of the vector loop hold the
/// sums themselves. `x` is valid for reading `len` elements and `sums` for reading and writing
/// 16.
///
/// [`SumAdd`]: super::SumAdd
pub(super) struct Partials<T> {
    pub(super) x: *const T,
    pub(super) len: usize,
    pub(super) phase: usize,
    pub(super) sums: *mut T,
}

/// Sums per [`Partials`] job.
pub(crate) const PARTIALS: usize = 16;

impl<T> Partials<T> {
    /// Adds elements `from..to` one at a time.
    ///
    /// # Safety
    /// As the type documents, and `to <= len`.
    #[inline(always)]
    unsafe fn scalar(&self, from: usize, to: usize)
    where
        T: Float,
    {
        let add = super::SumAdd;
        for j in from..to {
            // SAFETY: j < len, and the index is below 16.
            unsafe {
                let sum = self.sums.add((self.phase + j) % PARTIALS);
                let x = ptr::read(self.x.add(j));
                ptr::write(sum, Op::scalar(add, x, x, ptr::read(sum)));
            }
        }
    }
}

impl<T: Float> Job<T> for Partials<T> {
    type Output = ();
    type On<U: SimdElem> = Partials<U>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> Partials<U> {
        Partials {
            x: self.x.cast(),
            len: self.len,
            phase: self.phase,
            sums: self.sums.cast(),
        }
    }
    unsafe fn run_scalar(self) {
        // SAFETY: the caller's obligations.
        unsafe { self.scalar(0, self.len) }
    }
}

impl<T: SimdElem> Body<T> for Partials<T> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        let lanes = V::LANES;
        let vectors = PARTIALS / lanes;
        debug_assert!(vectors * lanes == PARTIALS);
        // A scalar head up to the element that goes to sum 0; then whole rounds of 16 in
        // vectors, lane k of vector m holding sum m * LANES + k; then a scalar tail.
        let head = ((PARTIALS - self.phase % PARTIALS) % PARTIALS).min(self.len);
        let rounds = (self.len - head) / PARTIALS;
        let add = super::SumAdd;
        // SAFETY: head, the rounds and the tail stay within len; sums has 16 elements; the
        // ISA is the caller's.
        unsafe {
            self.scalar(0, head);
            // SAFETY: the ISA is the caller's; +0.0 is a placeholder for the unused vectors.
            let mut acc = [V::splat(T::zero()); PARTIALS];
            for (m, a) in acc.iter_mut().enumerate().take(vectors) {
                *a = V::load(self.sums.add(m * lanes));
            }
            for r in 0..rounds {
                let base = self.x.add(head + r * PARTIALS);
                for (m, a) in acc.iter_mut().enumerate().take(vectors) {
                    let x = V::load(base.add(m * lanes));
                    *a = Op::lanes(add, x, x, *a);
                }
            }
            for (m, a) in acc.iter().enumerate().take(vectors) {
                a.store(self.sums.add(m * lanes));
            }
            let done = head + rounds * PARTIALS;
            // The tail starts on sum 0 again: phase + done is a multiple of 16.
            self.scalar(done, self.len);
        }
    }
}

/// The sum of [`PARTIALS`] partial sums in a fixed tree, with [`SumAdd`]'s rule: `s[k] +=
/// s[k + h]` for `h` = 8, 4, 2, 1 and every `k < h`, then `s[0]`.
///
/// The tree runs with plain additions first: where no NaN enters or arises, each gives
/// [`SumAdd`]'s bits, and a NaN would reach the result. Only a NaN result runs the tree again
/// with the rule (which keeps a NaN's bits). Each run of the channels-first passes
/// ([`RunSums`]) ends with it: PReLU's backward pass over runs of 16 and 49 `f32` elements (64
/// channels, 256Ki elements, AVX-512) ran at 0.36x and 0.78x leaky ReLU's backward pass with
/// the rule's tree alone, 0.66x and 0.95x with the plain one first.
///
/// [`SumAdd`]: super::SumAdd
#[inline]
pub(crate) fn combine<T: Float>(sums: &[T; PARTIALS]) -> T {
    let plain = tree(*sums, |a, b| a + b);
    if plain.is_nan() {
        tree(*sums, super::SumAdd::add)
    } else {
        plain
    }
}

/// [`combine`]'s tree with the addition `add`.
#[inline(always)]
fn tree<T: Float>(mut sums: [T; PARTIALS], add: impl Fn(T, T) -> T) -> T {
    let mut half = PARTIALS / 2;
    while half > 0 {
        for k in 0..half {
            sums[k] = add(sums[k], sums[k + half]);
        }
        half /= 2;
    }
    sums[0]
}

/// Sums of rows: for each of `rows` rows of `width` elements at `x`, in row order,
/// `acc[c] = acc[c] + row[c]` with [`SumAdd`]'s rule, so each `acc[c]` is the sequential sum
/// of its column whatever the kernel: the lanes run across columns. `x` is valid for reading
/// `rows * width` elements and `acc` for reading and writing `width`, apart from `x`.
///
/// [`SumAdd`]: super::SumAdd
pub(super) struct RowSums<T> {
    pub(super) x: *const T,
    pub(super) rows: usize,
    pub(super) width: usize,
    pub(super) acc: *mut T,
}

impl<T: Float> Job<T> for RowSums<T> {
    type Output = ();
    type On<U: SimdElem> = RowSums<U>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> RowSums<U> {
        RowSums {
            x: self.x.cast(),
            rows: self.rows,
            width: self.width,
            acc: self.acc.cast(),
        }
    }
    unsafe fn run_scalar(self) {
        for r in 0..self.rows {
            // SAFETY: row r lies within the rows * width elements at x.
            let row = unsafe { self.x.add(r * self.width) };
            // SAFETY: the row has width elements, and so has acc.
            unsafe {
                scalar_loop(
                    super::SumAdd,
                    Buffers { x: row, g: row },
                    self.acc,
                    0,
                    self.width,
                    &mut (),
                )
            };
        }
    }
}

/// The vectors of sums [`RowSums`] keeps in registers down all the rows at once.
pub(super) const ROW_SUM_VECTORS: usize = 4;

impl<T: SimdElem> RowSums<T> {
    /// Adds columns `c..c + K * LANES` of every row to `acc`, in row order, with the `K`
    /// vectors of sums in registers down the rows: added in memory row by row, each row's
    /// sums waited for the store of the last (64 `f32` channels, rows of a 1Ki tile: 45% of
    /// PReLU's fused backward pass, Zen 5).
    ///
    /// # Safety
    /// `c + K * LANES <= width`; the CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn sweep<V: Vector<Elem = T>, const K: usize>(&self, c: usize) {
        let lanes = V::LANES;
        // SAFETY: the columns lie within the rows and acc, by the caller; the ISA is the
        // caller's.
        unsafe {
            let mut sums: [V; K] = core::array::from_fn(|k| V::load(self.acc.add(c + k * lanes)));
            for r in 0..self.rows {
                let row = self.x.add(r * self.width + c);
                for (k, sum) in sums.iter_mut().enumerate() {
                    let x = V::load(row.add(k * lanes));
                    *sum = Op::lanes(super::SumAdd, x, x, *sum);
                }
            }
            for (k, sum) in sums.into_iter().enumerate() {
                sum.store(self.acc.add(c + k * lanes));
            }
        }
    }
}

impl<T: SimdElem> Body<T> for RowSums<T> {
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        let lanes = V::LANES;
        let vectors = self.width / lanes * lanes;
        let mut c = 0;
        // SAFETY: each sweep's columns end at or before `vectors <= width`; the ISA is the
        // caller's.
        unsafe {
            while c + ROW_SUM_VECTORS * lanes <= vectors {
                self.sweep::<V, ROW_SUM_VECTORS>(c);
                c += ROW_SUM_VECTORS * lanes;
            }
            while c < vectors {
                self.sweep::<V, 1>(c);
                c += lanes;
            }
        }
        for r in 0..self.rows {
            // SAFETY: row r lies within the rows * width elements at x; acc has width
            // elements.
            unsafe {
                let row = self.x.add(r * self.width);
                scalar_loop(
                    super::SumAdd,
                    Buffers { x: row, g: row },
                    self.acc,
                    vectors,
                    self.width,
                    &mut (),
                );
            }
        }
    }
}

/// A PReLU pass over channels-last rows in one pass, each element with its channel's slope.
///
/// With `SUMS`, the backward pass ([`super::prelu_backward_sums`]): for element `c` of each row
/// of `width` elements, `y = op(x, g, slopes[c])`, `out = y` (or `y` added to the old `out`
/// with [`Accumulate`]'s rule where `accumulate`), and `sums[c]` gains `term(x, g, y)` with
/// [`SumAdd`]'s rule: each sum runs down its column, row after row, the order of [`RowSums`]
/// over the terms. The term is PReLU's slope term ([`SlopeTerm`]), or for the fused bias
/// backward pass ([`super::bias_backward_sums`]), whose `op` ignores the slope, `y` itself
/// ([`GradTerm`]). `x` and `g` are valid for reading and `out` for reading and
/// writing `len` elements, a multiple of `width` (`g` may be `out`; otherwise apart); `slopes`
/// for reading and `sums` for reading and writing `width`, apart from the rest.
///
/// Without `SUMS`, a forward pass ([`super::prelu_forward_rows`]): `out = op(x, slopes[c])`,
/// the slope as the binary `op`'s second input; `g` and `sums` are not read, and `x` may be
/// `out`.
///
/// With `BIAS`, PReLU's fused bias passes: `x` is the element plus `bias[c]` with
/// [`Accumulate`]'s rule (as [`BiasThen`]'s), and with `SUMS` also `bias_sums[c]` gains `y`
/// in the order of `sums`. `bias` is valid for reading and `bias_sums` (with `SUMS`) for
/// reading and writing `width`, apart from the rest; without `BIAS` neither is read.
///
/// `stream` only with a separate `out`, which does not accumulate.
///
/// [`Accumulate`]: super::Accumulate
/// [`BiasThen`]: super::BiasThen
/// [`SumAdd`]: super::SumAdd
/// [`SlopeTerm`]: super::SlopeTerm
/// [`GradTerm`]: super::GradTerm
pub(super) struct PreluRows<T, O, const SUMS: bool, S, const BIAS: bool> {
    pub(super) op: O,
    pub(super) term: S,
    pub(super) x: *const T,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) slopes: *const T,
    pub(super) sums: *mut T,
    pub(super) bias: *const T,
    pub(super) bias_sums: *mut T,
    pub(super) width: usize,
    pub(super) accumulate: bool,
    pub(super) stream: bool,
}

impl<T: Float, O: Op<T>, const SUMS: bool, S: Op<T>, const BIAS: bool>
    PreluRows<T, O, SUMS, S, BIAS>
{
    /// Element `i`, in column `c` (`i % width`), one at a time.
    ///
    /// # Safety
    /// The pointers are valid as the type documents; `i < len`, `c < width`.
    #[inline(always)]
    unsafe fn one(&self, i: usize, c: usize) {
        // SAFETY: i < len and c < width, within the buffers; `x` and `g` are read before
        // `out`, which may be one of them, is written.
        unsafe {
            let (x, slope) = (*self.x.add(i), *self.slopes.add(c));
            if !SUMS {
                let x = match BIAS {
                    true => crate::scalar::accumulate(*self.bias.add(c), x),
                    false => x,
                };
                return ptr::write(self.out.add(i), self.op.scalar(x, slope, x));
            }
            let bias = BIAS.then(|| (*self.bias.add(c), &mut *self.bias_sums.add(c)));
            self.summed().one(i, slope, &mut *self.sums.add(c), bias);
        }
    }

    /// The backward step with sums over this job's buffers.
    #[inline(always)]
    fn summed(&self) -> Summed<T, O, S> {
        Summed {
            op: self.op,
            term: self.term,
            x: self.x,
            g: self.g,
            out: self.out,
            accumulate: self.accumulate,
        }
    }
}

impl<T, O, const SUMS: bool, S> PreluRows<T, O, SUMS, S, false> {
    /// The same job with `bias` and `bias_sums`, valid as the type documents them for `BIAS`.
    #[inline(always)]
    pub(super) fn biased(
        self,
        bias: *const T,
        bias_sums: *mut T,
    ) -> PreluRows<T, O, SUMS, S, true> {
        PreluRows {
            op: self.op,
            term: self.term,
            x: self.x,
            g: self.g,
            out: self.out,
            len: self.len,
            slopes: self.slopes,
            sums: self.sums,
            bias,
            bias_sums,
            width: self.width,
            accumulate: self.accumulate,
            stream: self.stream,
        }
    }
}

impl<T: Float, O: Op<T>, const SUMS: bool, S: Op<T>, const BIAS: bool> Job<T>
    for PreluRows<T, O, SUMS, S, BIAS>
{
    type Output = ();
    type On<U: SimdElem> = PreluRows<U, O::Cast<U>, SUMS, S::Cast<U>, BIAS>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> PreluRows<U, O::Cast<U>, SUMS, S::Cast<U>, BIAS> {
        PreluRows {
            op: self.op.cast(),
            term: self.term.cast(),
            x: self.x.cast(),
            g: self.g.cast(),
            out: self.out.cast(),
            len: self.len,
            slopes: self.slopes.cast(),
            sums: self.sums.cast(),
            bias: self.bias.cast(),
            bias_sums: self.bias_sums.cast(),
            width: self.width,
            accumulate: self.accumulate,
            stream: self.stream,
        }
    }
    unsafe fn run_scalar(self) {
        for row in (0..self.len).step_by(self.width) {
            for c in 0..self.width {
                // SAFETY: row + c < len, c < width; the rest is the caller's obligation.
                unsafe { self.one(row + c, c) };
            }
        }
    }
}

/// The most vectors of columns whose slopes and sums [`PreluRows`] keeps in registers down
/// the rows: half the ISA's registers ([`Vector::REGISTERS`]), up to [`PRELU_BLOCK_MAX`]. A
/// row of more vectors runs row by row with the slopes and sums in memory
/// ([`PreluRows::row_by_row`]): blocks of columns, each down many rows, read the buffers in
/// strides that stream badly (64 `f64` channels with AVX2 at 4Mi elements: 0.55-0.61 of leaky
/// ReLU's backward pass row by row, 0.3 in blocks of 4 vectors down 8 rows at a time). With
/// the sums in registers, 64 channels against leaky ReLU's backward pass at 16Ki, 256Ki and
/// 4Mi elements: `f32` with AVX2 0.59, 0.77, 0.80 (row by row 0.53, 0.66, 0.70); with AVX-512
/// `f32` 0.87, 1.02, 0.91 and `f64` 0.88, 0.99, 0.96 (row by row 0.49-0.61).
///
/// With a bias (`bias`), its vectors take registers too, and with `sums` the bias's sums:
/// a quarter of the registers, or an eighth with both sums, so that the four arrays of the
/// fused backward pass take half of them.
#[inline(always)]
const fn prelu_block<V: Vector>(bias: bool, sums: bool) -> usize {
    let block = match (bias, sums) {
        (false, _) => V::REGISTERS / 2,
        (true, false) => V::REGISTERS / 4,
        (true, true) => V::REGISTERS / 8,
    };
    if block < PRELU_BLOCK_MAX {
        block
    } else {
        PRELU_BLOCK_MAX
    }
}

/// Whether one block of [`PreluRows`]' registers ([`prelu_block`] without a bias) covers a
/// row of `width` elements with the kernel's vectors (the scalar loop: always), as a [`Job`]
/// that computes nothing else.
#[derive(Clone, Copy)]
pub(super) struct PreluFits {
    pub(super) width: usize,
}

impl<T: Float> Job<T> for PreluFits {
    type Output = bool;
    type On<U: SimdElem> = PreluFits;
    fn on<U: SimdElem>(self) -> PreluFits {
        self
    }
    unsafe fn run_scalar(self) -> bool {
        true
    }
}

impl<T: SimdElem> Body<T> for PreluFits {
    unsafe fn run<V: Vector<Elem = T>>(self) -> bool {
        self.width / V::LANES <= prelu_block::<V>(false, false)
    }
}

/// The size of [`PreluRows`]' register arrays: [`prelu_block`] for 32 registers.
const PRELU_BLOCK_MAX: usize = 8;

/// The most lanes a vector has (`f32` in 512 bits, and the 16-bit formats in 256), for the
/// vector of columns that wraps around the end of [`PreluRows`]' rotated rows.
pub(super) const MAX_LANES: usize = 16;

/// The parameters and the sums of the vector of columns that wraps around the end of
/// [`PreluRows`]' rotated rows, in registers for the whole pass.
#[derive(Clone, Copy)]
struct Wrap<V> {
    slope: V,
    sum: V,
    bias: V,
    bias_sum: V,
}

impl<T: SimdElem, O: Op<T>, const SUMS: bool, S: Op<T>, const BIAS: bool>
    PreluRows<T, O, SUMS, S, BIAS>
{
    /// The result for the vector of elements from `i`, whose slopes are `slope` (and with
    /// `BIAS` biases `bias`); with `SUMS`, `sum` gains their slope terms (and with `BIAS`,
    /// `bias_sum` the results).
    ///
    /// # Safety
    /// The pointers are valid as the type documents; `i + LANES <= len`; the ISA is the
    /// caller's.
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(
        &self,
        i: usize,
        slope: V,
        sum: &mut V,
        bias: V,
        bias_sum: &mut V,
    ) -> V {
        // SAFETY: the vector lies within the buffers; the ISA is the caller's.
        unsafe {
            if !SUMS {
                let x = V::load(self.x.add(i));
                let x = match BIAS {
                    true => super::ops::accumulate_lanes(bias, x),
                    false => x,
                };
                return self.op.lanes(x, slope, x);
            }
            let bias = BIAS.then_some((bias, bias_sum));
            self.summed().lanes(i, slope, sum, bias, false)
        }
    }

    /// Stores `y` to the elements from `i`, streaming with `stream`.
    ///
    /// # Safety
    /// `i + LANES <= len`; with `stream`, `out.add(i)` is aligned to a register; the ISA is
    /// the caller's.
    #[inline(always)]
    unsafe fn put<V: Vector<Elem = T>>(&self, y: V, i: usize, stream: bool) {
        // SAFETY: the caller's obligations.
        unsafe {
            if stream {
                y.stream(self.out.add(i));
            } else {
                y.store(self.out.add(i));
            }
        }
    }

    /// The vector of `slopes` or `sums` (`p`) from column `c < width`, wrapping around to
    /// column 0 past the end of the row.
    ///
    /// # Safety
    /// `p` is valid for reading `width >= LANES` elements; the ISA is the caller's.
    #[inline(always)]
    unsafe fn load_wrapped<V: Vector<Elem = T>>(&self, p: *const T, c: usize) -> V {
        let mut lanes = [T::zero(); MAX_LANES];
        for (j, lane) in lanes[..V::LANES].iter_mut().enumerate() {
            // SAFETY: the column is below width.
            *lane = unsafe { *p.add((c + j) % self.width) };
        }
        // SAFETY: `lanes` holds LANES elements; the ISA is the caller's.
        unsafe { V::load(lanes.as_ptr()) }
    }

    /// Stores `v` to `sums` or `bias_sums` (`p`) from column `c < width` as
    /// [`Self::load_wrapped`] reads it.
    ///
    /// # Safety
    /// `p` is valid for writing `width >= LANES` elements; the ISA is the caller's.
    #[inline(always)]
    unsafe fn store_wrapped<V: Vector<Elem = T>>(&self, p: *mut T, v: V, c: usize) {
        let mut lanes = [T::zero(); MAX_LANES];
        // SAFETY: `lanes` holds LANES elements; the ISA is the caller's.
        unsafe { v.store(lanes.as_mut_ptr()) };
        for (j, &lane) in lanes[..V::LANES].iter().enumerate() {
            // SAFETY: the column is below width.
            unsafe { *p.add((c + j) % self.width) = lane };
        }
    }

    /// The pass row by row, each vector with its slopes and sums read from and written to
    /// memory: for rows of more vectors than [`prelu_block`].
    ///
    /// # Safety
    /// The pointers are valid as the type documents; the CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn row_by_row<V: Vector<Elem = T>>(self) {
        let lanes = V::LANES;
        let vectors = self.width / lanes * lanes;
        for row in (0..self.len).step_by(self.width) {
            // SAFETY: row + c < len and c < width for every vector and element touched,
            // within the buffers; a row streams only where its start, and so every vector of
            // it, is aligned to a register, as `stream` requires; the ISA is the caller's.
            unsafe {
                let stream = self.stream && self.out.add(row).addr() % size_of::<V>() == 0;
                let mut c = 0;
                while c < vectors {
                    let slope = V::load(self.slopes.add(c));
                    let mut sum = if SUMS {
                        V::load(self.sums.add(c))
                    } else {
                        slope
                    };
                    let bias = if BIAS {
                        V::load(self.bias.add(c))
                    } else {
                        slope
                    };
                    let mut bias_sum = if BIAS && SUMS {
                        V::load(self.bias_sums.add(c))
                    } else {
                        slope
                    };
                    let y = self.lanes(row + c, slope, &mut sum, bias, &mut bias_sum);
                    if SUMS {
                        sum.store(self.sums.add(c));
                    }
                    if BIAS && SUMS {
                        bias_sum.store(self.bias_sums.add(c));
                    }
                    self.put(y, row + c, stream);
                    c += lanes;
                }
                while c < self.width {
                    self.one(row + c, c);
                    c += 1;
                }
            }
        }
    }

    /// `n` vectors of columns (at most [`prelu_block`]) down `rows` of `width` elements that
    /// start at element `shift` of the buffers (rows of channels rotated by `shift`), from
    /// column `c0` of those rows, with their slopes and sums in registers; the vector that
    /// wraps around the end of the row, if one does, takes them from `wrap`.
    ///
    /// # Safety
    /// The pointers are valid as the type documents; `c0 + n * LANES <= width`, `shift <
    /// LANES`, and every vector of each row lies within `len`; with `stream`, the rows start
    /// on a register boundary of `out`; the CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn block<V: Vector<Elem = T>>(
        &self,
        shift: usize,
        c0: usize,
        n: usize,
        rows: Range<usize>,
        wrap: &mut Wrap<V>,
    ) {
        let lanes = V::LANES;
        // Whether vector k is one of the `n`: the loops over k unroll, and a k past the block
        // of this ISA is dead code, so the arrays are registers.
        let runs = |k: usize| k < prelu_block::<V>(BIAS, SUMS) && k < n;
        // The column of vector k (below width, as shift < LANES), and whether it wraps.
        let column = |k: usize| shift + c0 + k * lanes;
        let wraps = |k: usize| column(k) + lanes > self.width;
        // (No closure calls a vector function: a closure does not inherit the kernel's target
        // features, so its vector loads would be calls and the registers would live in memory.)
        const N: usize = PRELU_BLOCK_MAX;
        let (mut slopes, mut sums) = ([wrap.slope; N], [wrap.sum; N]);
        let (mut biases, mut bias_sums) = ([wrap.bias; N], [wrap.bias_sum; N]);
        // SAFETY: every vector touched lies within its row, within len, or within the slopes
        // and sums where it does not wrap; `g` is read before `out`, which may be `g`, is
        // written; the ISA is the caller's.
        unsafe {
            for k in 0..N {
                if runs(k) && !wraps(k) {
                    slopes[k] = V::load(self.slopes.add(column(k)));
                    if SUMS {
                        sums[k] = V::load(self.sums.add(column(k)));
                    }
                    if BIAS {
                        biases[k] = V::load(self.bias.add(column(k)));
                    }
                    if BIAS && SUMS {
                        bias_sums[k] = V::load(self.bias_sums.add(column(k)));
                    }
                }
            }
            for row in rows {
                let first = shift + row * self.width + c0;
                for k in 0..N {
                    if !runs(k) {
                        break;
                    }
                    let i = first + k * lanes;
                    let y = self.lanes(i, slopes[k], &mut sums[k], biases[k], &mut bias_sums[k]);
                    self.put(y, i, self.stream);
                }
            }
            for k in 0..N {
                if !SUMS || !runs(k) {
                    break;
                } else if wraps(k) {
                    wrap.sum = sums[k];
                    wrap.bias_sum = bias_sums[k];
                } else {
                    sums[k].store(self.sums.add(column(k)));
                    if BIAS {
                        bias_sums[k].store(self.bias_sums.add(column(k)));
                    }
                }
            }
        }
    }
}

impl<T: SimdElem, O: Op<T>, const SUMS: bool, S: Op<T>, const BIAS: bool> Body<T>
    for PreluRows<T, O, SUMS, S, BIAS>
{
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        let (lanes, width, len) = (V::LANES, self.width, self.len);
        debug_assert!(lanes <= MAX_LANES);
        let vectors = width / lanes;
        if vectors > prelu_block::<V>(BIAS, SUMS) {
            // SAFETY: the caller's obligations.
            return unsafe { self.row_by_row::<V>() };
        }
        // Where a row is whole vectors, every row starts the same distance from a register
        // boundary of `out`, so the vectors run over rows rotated by `shift`: the head that
        // aligns the stores ([`head`]), after which the first row's first `shift` elements
        // go one at a time, and before which the last row's last ones. The vector of columns
        // that wraps around the end of a rotated row keeps its slopes and sums in `wrap`.
        // Without whole vectors, every row starts its own distance away: no rotation.
        let whole = width.is_multiple_of(lanes);
        let shift = if whole {
            head::<V>(self.out, len, self.stream, true)
        } else {
            0
        };
        // (`align_offset` may give up, with a head as long as the buffer.)
        let shift = if shift < lanes { shift } else { 0 };
        let aligned = self.out.wrapping_add(shift).addr() % size_of::<V>() == 0;
        let this = PreluRows {
            stream: self.stream && whole && aligned,
            ..self
        };
        let rows = (len - shift) / width;
        let last = shift + (vectors.max(1) - 1) * lanes;
        // SAFETY: below, every element is within len and its column within width, and every
        // vector within its rotated row (the last one only up to len); the blocks end at or
        // before `vectors * LANES <= width`; the rest is the caller's obligation.
        unsafe {
            for c in 0..shift {
                this.one(c, c);
            }
            let zero = V::splat(T::zero());
            let mut wrap = Wrap {
                slope: zero,
                sum: zero,
                bias: zero,
                bias_sum: zero,
            };
            if shift > 0 {
                wrap.slope = this.load_wrapped(this.slopes, last);
                if SUMS {
                    wrap.sum = this.load_wrapped(this.sums, last);
                }
                if BIAS {
                    wrap.bias = this.load_wrapped(this.bias, last);
                }
                if BIAS && SUMS {
                    wrap.bias_sum = this.load_wrapped(this.bias_sums, last);
                }
            }
            // The vectors of the rows as one block, each sum down its column row after row;
            // then the columns past the vectors (only without rotation), in the same order.
            this.block(shift, 0, vectors, 0..rows, &mut wrap);
            for row in 0..rows {
                for c in vectors * lanes..width {
                    this.one(row * width + c, c);
                }
            }
            if SUMS && shift > 0 {
                this.store_wrapped(this.sums, wrap.sum, last);
            }
            if BIAS && SUMS && shift > 0 {
                this.store_wrapped(this.bias_sums, wrap.bias_sum, last);
            }
            // The rest of the last row, after the rotated rows: the vectors that do not wrap,
            // then one element at a time.
            let rest = shift + rows * width;
            let whole_vectors = if shift > 0 { vectors - 1 } else { 0 };
            this.block(shift, 0, whole_vectors, rows..rows + 1, &mut wrap);
            for i in rest + whole_vectors * lanes..len {
                this.one(i, i % width);
            }
        }
    }
}

/// A PReLU forward pass over channels-first runs ([`super::prelu_forward_runs`]): element `i`
/// of the `len` belongs to channel `(i / inner) % channels`, and `out = op(x, slopes[c])`, the
/// slope as the binary `op`'s second input, in one loop over the whole buffer with the slope
/// in a register. `x` and `out` are valid for `len` elements (`x` may be `out`, otherwise they
/// do not overlap), `slopes` for `channels`; `inner` is at least [`MAX_LANES`] and `len` a
/// multiple of `channels * inner`; `stream` only with a separate `out`.
///
/// With `BIAS`, PReLU's fused bias forward pass: `op`'s input is the element plus `bias[c]`
/// with [`Accumulate`]'s rule (as [`BiasThen`]'s), the bias in a register beside the slope;
/// `bias` is valid for reading `channels` elements. Without `BIAS`, it is not read.
///
/// [`Accumulate`]: super::Accumulate
/// [`BiasThen`]: super::BiasThen
pub(super) struct PreluRuns<T, O, const BIAS: bool> {
    pub(super) op: O,
    pub(super) x: *const T,
    pub(super) out: *mut T,
    pub(super) len: usize,
    pub(super) slopes: *const T,
    pub(super) bias: *const T,
    pub(super) channels: usize,
    pub(super) inner: usize,
    pub(super) stream: bool,
}

impl<T: Float, O: Op<T>, const BIAS: bool> PreluRuns<T, O, BIAS> {
    /// The slope of element `i < len`.
    ///
    /// # Safety
    /// The pointers are valid as the type documents.
    #[inline(always)]
    unsafe fn slope(&self, i: usize) -> T {
        // SAFETY: the channel is below `channels`.
        unsafe { *self.slopes.add((i / self.inner) % self.channels) }
    }

    /// The bias of element `i < len`, with `BIAS` (otherwise zero, unused).
    ///
    /// # Safety
    /// The pointers are valid as the type documents.
    #[inline(always)]
    unsafe fn bias(&self, i: usize) -> T {
        match BIAS {
            // SAFETY: the channel is below `channels`.
            true => unsafe { *self.bias.add((i / self.inner) % self.channels) },
            false => T::zero(),
        }
    }

    /// Element `i < len`, one at a time.
    ///
    /// # Safety
    /// The pointers are valid as the type documents.
    #[inline(always)]
    unsafe fn one(&self, i: usize) {
        // SAFETY: i < len, within the buffers; `x` is read before `out`, which may be `x`,
        // is written.
        unsafe {
            let x = *self.x.add(i);
            let x = match BIAS {
                true => crate::scalar::accumulate(self.bias(i), x),
                false => x,
            };
            ptr::write(self.out.add(i), self.op.scalar(x, self.slope(i), x));
        }
    }
}

impl<T, O> PreluRuns<T, O, false> {
    /// The same job with `bias`, valid as the type documents it for `BIAS`.
    #[inline(always)]
    pub(super) fn biased(self, bias: *const T) -> PreluRuns<T, O, true> {
        PreluRuns {
            op: self.op,
            x: self.x,
            out: self.out,
            len: self.len,
            slopes: self.slopes,
            bias,
            channels: self.channels,
            inner: self.inner,
            stream: self.stream,
        }
    }
}

impl<T: Float, O: Op<T>, const BIAS: bool> Job<T> for PreluRuns<T, O, BIAS> {
    type Output = ();
    type On<U: SimdElem> = PreluRuns<U, O::Cast<U>, BIAS>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> PreluRuns<U, O::Cast<U>, BIAS> {
        PreluRuns {
            op: self.op.cast(),
            x: self.x.cast(),
            out: self.out.cast(),
            len: self.len,
            slopes: self.slopes.cast(),
            bias: self.bias.cast(),
            channels: self.channels,
            inner: self.inner,
            stream: self.stream,
        }
    }
    unsafe fn run_scalar(self) {
        for i in 0..self.len {
            // SAFETY: i < len; the rest is the caller's obligation.
            unsafe { self.one(i) };
        }
    }
}

impl<T: SimdElem, O: Op<T>, const BIAS: bool> PreluRuns<T, O, BIAS> {
    /// The result for the vector `v` with slopes `slope` and, with `BIAS`, biases `bias`.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(&self, v: V, slope: V, bias: V) -> V {
        // SAFETY: the caller's obligation.
        unsafe {
            let v = match BIAS {
                true => super::ops::accumulate_lanes(bias, v),
                false => v,
            };
            self.op.lanes(v, slope, v)
        }
    }
}

impl<T: SimdElem, O: Op<T>, const BIAS: bool> Body<T> for PreluRuns<T, O, BIAS> {
    /// The elementwise loop's vectors ([`run`]): its aligned head and its overlapping
    /// head and tail vectors (a run holds them, as it holds a vector). A vector that crosses
    /// from one run into the next takes the first run's slope (and bias) in the lanes below
    /// the border and the next one's above it; the loop unrolls within a run.
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        let (lanes, len, inner) = (V::LANES, self.len, self.inner);
        debug_assert!(lanes <= MAX_LANES && lanes <= inner);
        if len < lanes {
            // SAFETY: the caller's obligations.
            return unsafe { self.run_scalar() };
        }
        // (`align_offset` may give up, with a head as long as the buffer.)
        let head = head::<V>(self.out, len, self.stream, true);
        let head = if head < lanes { head } else { 0 };
        let stream = self.stream && self.out.wrapping_add(head).addr() % size_of::<V>() == 0;
        let (x, out) = (self.x, self.out);
        // SAFETY: every vector lies within len: the head's and the tail's, as lanes <= len,
        // and the loop's, by its condition; only an aligned `out` streams; `x` is read
        // before `out`, which may be `x`, is written (the head's and the tail's inputs before
        // the loop); the slopes' reads are within `channels`; the ISA is the caller's.
        unsafe {
            // Without streaming, the head and the tail are vectors that overlap the loop's,
            // from the inputs as they are, as in `run` (whose note says why not with
            // streaming); with it, scalar steps.
            let first = V::load(x);
            let first = self.lanes(first, V::splat(*self.slopes), V::splat(self.bias(0)));
            let last = V::load(x.add(len - lanes));
            let (slope, bias) = (self.slope(len - 1), self.bias(len - 1));
            let last = self.lanes(last, V::splat(slope), V::splat(bias));
            if stream {
                for i in 0..head {
                    self.one(i);
                }
            }
            // Lane k holds k: the lanes below a run's border compare below it.
            let mut iota = [T::zero(); MAX_LANES];
            for (k, lane) in iota[..lanes].iter_mut().enumerate() {
                *lane = T::from(k).unwrap_or_else(T::zero);
            }
            let iota = V::load(iota.as_ptr());
            let mut i = head;
            // The run that holds element i: its end, its slope and its bias.
            let mut end = (i / inner + 1) * inner;
            let (mut slope, mut bias) = (V::splat(self.slope(i)), V::splat(self.bias(i)));
            while i + lanes <= len {
                if i + UNROLL * lanes <= end {
                    for k in 0..UNROLL {
                        let at = i + k * lanes;
                        let v = V::load(x.add(at));
                        let y = self.lanes(v, slope, bias);
                        if stream {
                            y.stream(out.add(at));
                        } else {
                            y.store(out.add(at));
                        }
                    }
                    i += UNROLL * lanes;
                } else {
                    let v = V::load(x.add(i));
                    let y = if i + lanes <= end {
                        self.lanes(v, slope, bias)
                    } else {
                        // The vector crosses into the next run (or starts it: a border of
                        // 0), whose slope and bias it takes from the border up.
                        let (next, next_bias) =
                            (V::splat(self.slope(end)), V::splat(self.bias(end)));
                        let border = V::splat(T::from(end - i).unwrap_or_else(T::zero));
                        let below = border.gt(iota);
                        let (mixed, mixed_bias) =
                            (below.select(slope, next), below.select(bias, next_bias));
                        (slope, bias) = (next, next_bias);
                        end += inner;
                        self.lanes(v, mixed, mixed_bias)
                    };
                    if stream {
                        y.stream(out.add(i));
                    } else {
                        y.store(out.add(i));
                    }
                    i += lanes;
                }
            }
            if stream {
                for i in i..len {
                    self.one(i);
                }
            } else {
                if head > 0 {
                    first.store(out);
                }
                if i < len {
                    last.store(out.add(len - lanes));
                }
            }
        }
    }
}

/// One element or vector of a backward pass with sums ([`PreluRows`] with `SUMS`, [`RunSums`]):
/// `y = op(x, g, slope)`, the output `y` (or `y` added to the old `out` with [`Accumulate`]'s
/// rule where `accumulate`), and the sum gains `term(x, g, y)` with [`SumAdd`]'s rule. `x` and
/// `g` are valid for reading and `out` for reading and writing the elements the caller names
/// (`g` may be `out`; otherwise apart).
///
/// [`Accumulate`]: super::Accumulate
/// [`SumAdd`]: super::SumAdd
#[derive(Clone, Copy)]
pub(super) struct Summed<T, O, S> {
    pub(super) op: O,
    pub(super) term: S,
    pub(super) x: *const T,
    pub(super) g: *const T,
    pub(super) out: *mut T,
    pub(super) accumulate: bool,
}

impl<T: Float, O: Op<T>, S: Op<T>> Summed<T, O, S> {
    /// The step for element `i` with slope `slope`: writes `out[i]`, adds the term to `sum`.
    /// With `bias`, a bias and its sum, the step's `x` is the element plus the bias
    /// ([`Accumulate`]'s rule, as [`BiasThen`]'s), and the sum gains the result `y`.
    ///
    /// [`Accumulate`]: super::Accumulate
    /// [`BiasThen`]: super::BiasThen
    ///
    /// # Safety
    /// The pointers are valid for element `i` as the type documents.
    #[inline(always)]
    unsafe fn one(&self, i: usize, slope: T, sum: &mut T, bias: Option<(T, &mut T)>) {
        // SAFETY: the caller's obligations; `x` and `g` are read before `out`, which may be
        // `g`, is written.
        unsafe {
            let (x, g) = (*self.x.add(i), *self.g.add(i));
            let x = bias
                .as_ref()
                .map_or(x, |&(b, _)| crate::scalar::accumulate(b, x));
            let y = self.op.scalar(x, g, slope);
            *sum = super::SumAdd::add(*sum, self.term.scalar(x, g, y));
            if let Some((_, bias_sum)) = bias {
                *bias_sum = super::SumAdd::add(*bias_sum, y);
            }
            let out = if self.accumulate {
                super::Accumulate(super::reference::Copy).scalar(y, y, *self.out.add(i))
            } else {
                y
            };
            ptr::write(self.out.add(i), out);
        }
    }

    /// The output for the vector of elements from `i` with slopes `slope`, for the caller to
    /// store; `sum` gains the terms with [`SumAdd`]'s rule. `bias` as for [`Self::one`].
    ///
    /// With `branch`, a plain addition first: where no lane of it is NaN, no lane of either
    /// operand is, and it is the rule's sum. The rule's compares and selects then run only
    /// where a lane is NaN, behind a branch, off the chain of additions down the sum: for a
    /// loop with one or two sums in flight ([`RunSums`]; channels-first runs of 1024 `f32`
    /// elements, AVX-512, against leaky ReLU's backward pass, 16Ki, with a NaN in every 16
    /// inputs: 0.49x -> 0.55-0.61x; without NaNs, plain additions with no test at all reached
    /// 0.86x against the rule's 0.69x). A loop with more sums in flight has no chain to shorten
    /// and only pays for the test ([`PreluRows`]: 64 channels at 16Ki 0.86x -> 0.44x).
    ///
    /// # Safety
    /// The pointers are valid for the vector as the type documents; the ISA is the caller's.
    ///
    /// [`SumAdd`]: super::SumAdd
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(
        &self,
        i: usize,
        slope: V,
        sum: &mut V,
        bias: Option<(V, &mut V)>,
        branch: bool,
    ) -> V
    where
        T: SimdElem,
    {
        // SAFETY: the caller's obligations.
        unsafe {
            let (x, g) = (V::load(self.x.add(i)), V::load_whole(self.g.add(i)));
            let x = match &bias {
                Some((b, _)) => super::ops::accumulate_lanes(*b, x),
                None => x,
            };
            let y = self.op.lanes(x, g, slope);
            let term = self.term.lanes(x, g, y);
            let plain = sum.add(term);
            *sum = if branch && plain.le(plain).to_bits() == (1 << V::LANES) - 1 {
                plain
            } else {
                super::SumAdd.lanes(term, term, *sum)
            };
            if let Some((_, bias_sum)) = bias {
                *bias_sum = super::SumAdd.lanes(y, y, *bias_sum);
            }
            if self.accumulate {
                let old = V::load(self.out.add(i));
                super::Accumulate(super::reference::Copy).lanes(y, y, old)
            } else {
                y
            }
        }
    }

    /// The step on element type `U`.
    #[inline(always)]
    fn cast<U: Float>(self) -> Summed<U, O::Cast<U>, S::Cast<U>> {
        Summed {
            op: self.op.cast(),
            term: self.term.cast(),
            x: self.x.cast(),
            g: self.g.cast(),
            out: self.out.cast(),
            accumulate: self.accumulate,
        }
    }
}

/// A value aligned to a cache line.
#[repr(C, align(64))]
struct Aligned<A>(A);

/// The bytes of a cache line on x86-64 and the aarch64 CPUs the kernels meet.
const CACHE_LINE: usize = 64;

/// A backward pass over channels-first runs in one pass, each run of `inner` elements with its
/// channel's slope (run `r` is channel `r % channels`), the fused form of the tile passes that
/// [`Partials`] sums.
///
/// For element `j` of a run in channel `c`, the `step` ([`Summed`]) with slope `slopes[c]`,
/// the run's partial sum `j % 16` gaining the term, in element order; at the run's end,
/// `sums[c]` gains the partial sums [`combine`]d with [`SumAdd`]'s rule: the order of
/// [`Partials`] over each run's terms, run after run. The term is PReLU's slope term
/// ([`SlopeTerm`]), or for the fused bias backward pass, whose `op` ignores the slope, the
/// input gradient itself ([`GradTerm`]).
///
/// The step's buffers are valid for `len` elements, a multiple of `inner`; `slopes` for
/// reading and `sums` for reading and writing `channels`, apart from the rest. `stream` only
/// with a separate `out`, which does not accumulate.
///
/// With `BIAS`, PReLU's fused bias backward pass: the step's `x` is the element plus
/// `bias[c]` ([`Summed::one`]), and `bias_sums[c]` gains the results `y` in the order of
/// `sums`, from partial sums of their own. `bias` is valid for reading and `bias_sums` for
/// reading and writing `channels`, apart from the rest; without `BIAS` neither is read.
///
/// [`SumAdd`]: super::SumAdd
/// [`SlopeTerm`]: super::SlopeTerm
/// [`GradTerm`]: super::GradTerm
pub(super) struct RunSums<T, O, S, const BIAS: bool> {
    pub(super) step: Summed<T, O, S>,
    pub(super) len: usize,
    pub(super) slopes: *const T,
    pub(super) sums: *mut T,
    pub(super) bias: *const T,
    pub(super) bias_sums: *mut T,
    pub(super) channels: usize,
    pub(super) inner: usize,
    pub(super) stream: bool,
}

impl<T: Float, O: Op<T>, S: Op<T>, const BIAS: bool> RunSums<T, O, S, BIAS> {
    /// Adds a run's partial sums to its channel's sum, and with `BIAS` its partial sums of the
    /// bias gradient to the channel's.
    ///
    /// # Safety
    /// `sums` (and with `BIAS` `bias_sums`) are valid as the type documents; `c < channels`.
    #[inline(always)]
    unsafe fn finish(&self, c: usize, partials: &[T; PARTIALS], bias_partials: &[T; PARTIALS]) {
        // SAFETY: c < channels.
        unsafe {
            let sum = self.sums.add(c);
            *sum = super::SumAdd::add(*sum, combine(partials));
            if BIAS {
                let sum = self.bias_sums.add(c);
                *sum = super::SumAdd::add(*sum, combine(bias_partials));
            }
        }
    }

    /// The bias of channel `c < channels` with `BIAS` (otherwise zero, unused).
    ///
    /// # Safety
    /// `bias` is valid as the type documents.
    #[inline(always)]
    unsafe fn bias_of(&self, c: usize) -> T {
        match BIAS {
            // SAFETY: c < channels.
            true => unsafe { *self.bias.add(c) },
            false => T::zero(),
        }
    }

    /// The runs: their starts and channels.
    #[inline(always)]
    fn runs(&self) -> impl Iterator<Item = (usize, usize)> + use<T, O, S, BIAS> {
        let (inner, channels) = (self.inner, self.channels);
        (0..self.len / inner).map(move |r| (r * inner, r % channels))
    }
}

impl<T, O, S> RunSums<T, O, S, false> {
    /// The same job with `bias` and `bias_sums`, valid as the type documents them for `BIAS`.
    #[inline(always)]
    pub(super) fn biased(self, bias: *const T, bias_sums: *mut T) -> RunSums<T, O, S, true> {
        RunSums {
            step: self.step,
            len: self.len,
            slopes: self.slopes,
            sums: self.sums,
            bias,
            bias_sums,
            channels: self.channels,
            inner: self.inner,
            stream: self.stream,
        }
    }
}

impl<T: Float, O: Op<T>, S: Op<T>, const BIAS: bool> Job<T> for RunSums<T, O, S, BIAS> {
    type Output = ();
    type On<U: SimdElem> = RunSums<U, O::Cast<U>, S::Cast<U>, BIAS>;
    #[inline(always)]
    fn on<U: SimdElem>(self) -> RunSums<U, O::Cast<U>, S::Cast<U>, BIAS> {
        RunSums {
            step: self.step.cast(),
            len: self.len,
            slopes: self.slopes.cast(),
            sums: self.sums.cast(),
            bias: self.bias.cast(),
            bias_sums: self.bias_sums.cast(),
            channels: self.channels,
            inner: self.inner,
            stream: self.stream,
        }
    }
    unsafe fn run_scalar(self) {
        for (start, c) in self.runs() {
            let mut partials = [-T::zero(); PARTIALS];
            let mut bias_partials = [-T::zero(); PARTIALS];
            // SAFETY: the run lies within len and c < channels; the rest is the caller's
            // obligation.
            unsafe {
                let (slope, bias) = (*self.slopes.add(c), self.bias_of(c));
                for j in 0..self.inner {
                    let bias = BIAS.then(|| (bias, &mut bias_partials[j % PARTIALS]));
                    let sum = &mut partials[j % PARTIALS];
                    self.step.one(start + j, slope, sum, bias);
                }
                self.finish(c, &partials, &bias_partials);
            }
        }
    }
}

impl<T: SimdElem, O: Op<T>, S: Op<T>, const BIAS: bool> Body<T> for RunSums<T, O, S, BIAS> {
    /// Each run: a scalar head up to the output's cache line (streaming) or register boundary
    /// ([`head`]'s policy), whole rounds of 16 elements in vectors, then its last elements one
    /// at a time. Partial sum `p` of the run is `partials[p]` and its copy `partials[p + 16]`,
    /// so that lane `k` of vector `m` holds sum `(head + m * LANES + k) % 16` from
    /// `partials[head + m * LANES + k]`; with `BIAS`, the bias gradient's partial sums the
    /// same way beside them.
    #[inline(always)]
    unsafe fn run<V: Vector<Elem = T>>(self) {
        let lanes = V::LANES;
        let vectors = PARTIALS / lanes;
        debug_assert!(vectors * lanes == PARTIALS && lanes <= self.inner);
        for (start, c) in self.runs() {
            // SAFETY: the run's vectors and elements lie within len (head <= inner) and
            // c < channels; only a register-aligned `out` streams; the inputs are read
            // before `out`, which may be `g`, is written; the ISA is the caller's.
            unsafe {
                let out = self.step.out.add(start);
                // Streaming, each run's vectors start on a cache line where the head fits the
                // partial sums: ordinary stores (a head, the last run's tail) sharing a line
                // with streaming ones cost more than the rest of the run (AVX2, runs of 1024
                // `f32` elements, 4Mi, the output 16 bytes past a line: 0.48x leaky ReLU's
                // backward pass aligned to the vectors, 0.96x to the line). Otherwise the
                // loop's policy ([`head`]). (`align_offset` may give up, with a long head.)
                let line = out.align_offset(CACHE_LINE);
                let head = if self.stream && line < PARTIALS {
                    line
                } else {
                    head::<V>(out, self.inner, self.stream, true)
                };
                let head = if head < PARTIALS && head <= self.inner {
                    head
                } else {
                    0
                };
                let stream = self.stream && out.add(head).addr() % size_of::<V>() == 0;
                let (slope, bias) = (*self.slopes.add(c), self.bias_of(c));
                // Aligned, so that the vectors stored to it from a run without a head do not
                // split cache lines, which stops their forwarding to the loads that follow
                // (runs of 16 `f32` elements: 0.30x -> 0.36x leaky ReLU's backward pass).
                // (The bias gradient's start a multiple of 64 bytes later.)
                let mut partials = Aligned([[-T::zero(); 2 * PARTIALS]; 2]);
                let [partials, bias_partials] = &mut partials.0;
                for (j, (sum, bias_sum)) in partials[..head]
                    .iter_mut()
                    .zip(bias_partials.iter_mut())
                    .enumerate()
                {
                    self.step
                        .one(start + j, slope, sum, BIAS.then_some((bias, bias_sum)));
                }
                if head > 0 {
                    partials.copy_within(..head, PARTIALS);
                    bias_partials.copy_within(..head, PARTIALS);
                }
                let base = partials.as_mut_ptr().add(head);
                let bias_base = bias_partials.as_mut_ptr().add(head);
                let mut acc = [V::splat(-T::zero()); PARTIALS];
                let mut bias_acc = [V::splat(-T::zero()); PARTIALS];
                let accs = acc.iter_mut().zip(bias_acc.iter_mut());
                for (m, (sum, bias_sum)) in accs.enumerate().take(vectors) {
                    *sum = V::load(base.add(m * lanes));
                    if BIAS {
                        *bias_sum = V::load(bias_base.add(m * lanes));
                    }
                }
                let (slope_lanes, bias_lanes) = (V::splat(slope), V::splat(bias));
                let rounds = (self.inner - head) / PARTIALS;
                for r in 0..rounds {
                    let accs = acc.iter_mut().zip(bias_acc.iter_mut());
                    for (m, (sum, bias_sum)) in accs.enumerate().take(vectors) {
                        let i = start + head + r * PARTIALS + m * lanes;
                        let bias = BIAS.then_some((bias_lanes, bias_sum));
                        let y = self.step.lanes(i, slope_lanes, sum, bias, true);
                        if stream {
                            y.stream(self.step.out.add(i));
                        } else {
                            y.store(self.step.out.add(i));
                        }
                    }
                }
                let accs = acc.iter().zip(bias_acc.iter());
                for (m, (sum, bias_sum)) in accs.enumerate().take(vectors) {
                    sum.store(base.add(m * lanes));
                    if BIAS {
                        bias_sum.store(bias_base.add(m * lanes));
                    }
                }
                if head > 0 {
                    partials.copy_within(PARTIALS..PARTIALS + head, 0);
                    bias_partials.copy_within(PARTIALS..PARTIALS + head, 0);
                }
                let (sums, _) = partials
                    .split_first_chunk_mut::<PARTIALS>()
                    .unwrap_or_else(|| unreachable!());
                let (bias_sums, _) = bias_partials
                    .split_first_chunk_mut::<PARTIALS>()
                    .unwrap_or_else(|| unreachable!());
                for j in head + rounds * PARTIALS..self.inner {
                    let (sum, bias_sum) = (&mut sums[j % PARTIALS], &mut bias_sums[j % PARTIALS]);
                    self.step
                        .one(start + j, slope, sum, BIAS.then_some((bias, bias_sum)));
                }
                self.finish(c, sums, bias_sums);
            }
        }
    }
}
