//! The kernels, each called directly (whatever dispatch would pick and however short the
//! slice), against the scalar reference, in two independent dimensions:
//!
//! - **Values**: every operation of the family on every kernel this CPU supports, on the edge
//!   table, raw-bit random inputs and (an ignored test, in release) all 2^32 `f32` patterns.
//!   The lane arithmetic is elementwise and does not depend on where an element sits, so each
//!   distinct computation runs once, at one address, with ordinary stores: a forward operation
//!   plain and counting, a backward operation plain and accumulating, and the masked passes.
//! - **Addresses**: every length up to a few vectors past the unrolled loop and around the
//!   aligned-head threshold, every misaligned start, each shape and store kind, on every kernel,
//!   for one operation of each loop class, with guard cells around every output (mask words
//!   included). What the loop does with an address (head, unroll, tail, mask-word straddles,
//!   streaming alignment, counting pieces) depends on the loop class and store kind, never on
//!   which activation runs. These are the tests Miri runs.

extern crate std;

use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use core::mem::size_of;

use proptest::prelude::*;

use super::generic::{
    ALIGN_MIN_VECTORS, MAX_LANES, PARTIALS, Partials, ROW_SUM_VECTORS, RowSums, TALLY_MAX, UNROLL,
    WORD,
};
use super::{
    Accumulate, Backward, BiasSplat, BiasThen, Clip, ClipBackward, ClipDerivative, ClipFast,
    ClipForm, Derivative, Fence, Io, Kernel, Leaky, LeakyBackward, LeakyDerivative, Op, Plan,
    PreluBackward, PreluForward, Relu, SimdElem, SlopeTerm, Thresholded, ThresholdedBackward,
    ThresholdedDerivative, counted, dispatch, elementwise, mask_backward, mask_forward,
    prelu_backward_sums, prelu_forward_rows, prelu_forward_runs,
};

#[path = "../../tests/api/common/mod.rs"]
mod common;

use common::{Rng, TestFloat, assert_same_bits, assert_same_bits_at, edge_pairs, spec_sum_add};

std::thread_local! {
    /// The fences [`Fence`] has issued on this thread (counted in the crate's test builds).
    pub(super) static FENCES: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// A call that streams fences once, at its end; the pieces of a pass ([`Plan::Piece`]) fence
/// nothing, and the pass's [`Fence`] fences once, when it drops; passes that do not stream
/// do not fence.
#[test]
fn streaming_passes_fence_once() {
    let fences = || FENCES.with(|f| f.get());
    let x: Vec<f32> = (0..3000).map(|i| i as f32 - 1500.5).collect();
    let mut out = vec![0.0_f32; x.len()];
    let mut words = vec![0_u64; x.len().div_ceil(WORD)];
    for kernel in supported() {
        let at = |what: &str| format!("{kernel:?}: {what}");
        let start = fences();
        let (plan, stream) = (Plan::Forced(kernel, true), Plan::Forced(kernel, false));
        elementwise(
            Relu,
            Io::Map {
                src: &x,
                dst: &mut out,
            },
            plan,
        );
        assert_eq!(fences() - start, 1, "{}", at("a streaming call"));
        counted(
            Relu,
            Io::Map {
                src: &x,
                dst: &mut out,
            },
            plan,
        );
        mask_forward(
            Relu,
            Io::Map {
                src: &x,
                dst: &mut out,
            },
            &mut words,
            plan,
        );
        mask_backward(Backward, &words, Some(&x), &mut out, plan);
        assert_eq!(fences() - start, 4, "{}", at("each streaming call"));
        elementwise(
            Relu,
            Io::Map {
                src: &x,
                dst: &mut out,
            },
            stream,
        );
        elementwise(Relu, Io::InPlace(&mut out), plan);
        assert_eq!(fences() - start, 4, "{}", at("calls that do not stream"));
        {
            let _fence = Fence::new(true);
            for (x, out) in x.chunks(1000).zip(out.chunks_mut(1000)) {
                let io = Io::Map { src: x, dst: out };
                elementwise(Relu, io, Plan::Piece(kernel, true));
            }
            assert_eq!(fences() - start, 4, "{}", at("the pieces"));
        }
        assert_eq!(fences() - start, 5, "{}", at("the pass"));
    }
    let start = fences();
    let (plan, fence) = Plan::whole(x.len(), usize::MAX);
    assert!(plan.streams() && fences() == start);
    drop(fence);
    let (plan, fence) = Plan::whole(x.len(), 0);
    assert!(!plan.streams());
    drop(fence);
    assert_eq!(
        fences() - start,
        1,
        "Plan::whole's fence fences where the pass streams"
    );
}

/// How an operation is laid over its buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// `out = op(x)`.
    Map,
    /// `x = op(x)`.
    InPlace,
    /// `out = op(x, g)`.
    Zip,
    /// `g = op(x, g)`.
    ZipInPlace,
    /// `out += op(x, g)`.
    Accumulate,
}

impl Shape {
    /// Every shape of an operation: the forward shapes, or the backward ones for a binary
    /// operation.
    fn all<F: TestFloat, O: Op<F>>() -> &'static [Shape] {
        if O::BINARY {
            &[Shape::Zip, Shape::ZipInPlace, Shape::Accumulate]
        } else {
            &[Shape::Map, Shape::InPlace]
        }
    }

    /// The shapes that compute different values: in place computes what the separate output
    /// does, only at another address.
    fn distinct<F: TestFloat, O: Op<F>>() -> &'static [Shape] {
        if O::BINARY {
            &[Shape::Zip, Shape::Accumulate]
        } else {
            &[Shape::Map]
        }
    }

    /// Ordinary stores, and streaming stores where the output is a separate buffer that the
    /// operation does not read back.
    fn store_kinds(self) -> &'static [bool] {
        if matches!(self, Shape::Map | Shape::Zip) {
            &[false, true]
        } else {
            &[false]
        }
    }

    /// The forward pass's `Io` of this shape from `x` into `out`: `Map`, or `InPlace` on `out`
    /// once it holds `x` (any other shape counts as in place).
    fn forward_io<'a, F: Copy>(self, x: &'a [F], out: &'a mut [F]) -> Io<'a, F> {
        if self == Shape::Map {
            Io::Map { src: x, dst: out }
        } else {
            out.copy_from_slice(x);
            Io::InPlace(out)
        }
    }

    /// The backward pass's `Io` of this shape from `x` and `g` into `out`: `Zip`, `ZipInPlace`
    /// on `out` once it holds `g`, or `Accumulate` (any other shape) into `out` as it is.
    fn backward_io<'a, F: Copy>(self, x: &'a [F], g: &'a [F], out: &'a mut [F]) -> Io<'a, F> {
        match self {
            Shape::Zip => Io::Zip {
                fwd: x,
                grad: g,
                dst: out,
            },
            Shape::ZipInPlace => {
                out.copy_from_slice(g);
                Io::ZipInPlace { fwd: x, grad: out }
            }
            _ => Io::Accumulate {
                fwd: x,
                grad: g,
                acc: out,
            },
        }
    }

    /// Runs `op` with `kernel` over `x` and `g`; `out` holds the output's previous values
    /// (read by `Accumulate`) and receives the result.
    fn run<F: TestFloat, O: Op<F>>(
        self,
        kernel: Kernel,
        stream: bool,
        op: O,
        x: &[F],
        g: &[F],
        out: &mut [F],
    ) {
        let plan = Plan::Forced(kernel, stream);
        match self {
            Shape::Map | Shape::InPlace => elementwise(op, self.forward_io(x, out), plan),
            Shape::Accumulate => elementwise(Accumulate(op), self.backward_io(x, g, out), plan),
            Shape::Zip | Shape::ZipInPlace => elementwise(op, self.backward_io(x, g, out), plan),
        }
    }

    /// Runs the counting forward pass of `op` (`Map` or `InPlace`), as [`Shape::run`].
    fn run_counted<F: TestFloat, O: Op<F>>(
        self,
        kernel: Kernel,
        stream: bool,
        op: O,
        x: &[F],
        out: &mut [F],
    ) -> [usize; 3] {
        match self {
            Shape::Map => counted(
                op,
                Io::Map { src: x, dst: out },
                Plan::Forced(kernel, stream),
            ),
            Shape::InPlace => {
                out.copy_from_slice(x);
                counted(op, Io::InPlace(out), Plan::Forced(kernel, stream))
            }
            _ => unreachable!("a counted pass is a forward pass"),
        }
    }

    /// The scalar reference over whole buffers.
    fn expect_all<F: TestFloat, O: Op<F>>(self, op: O, x: &[F], g: &[F], old: &[F]) -> Vec<F> {
        let mut want = Vec::new();
        self.expect_into(op, x, g, old, &mut want);
        want
    }

    /// [`Shape::expect_all`] into `want`, whose memory it reuses.
    fn expect_into<F: TestFloat, O: Op<F>>(
        self,
        op: O,
        x: &[F],
        g: &[F],
        old: &[F],
        want: &mut Vec<F>,
    ) {
        // The shape is matched once, outside the loops, and the inputs are zipped: the loops
        // have no bounds checks and the compiler vectorises those it can (the sweep spends
        // much of its time here).
        want.clear();
        match self {
            Shape::Map | Shape::InPlace => want.extend(x.iter().map(|&x| op.scalar(x, x, x))),
            Shape::Zip | Shape::ZipInPlace => {
                want.extend((x.iter().zip(g)).map(|(&x, &g)| op.scalar(x, g, x)));
            }
            Shape::Accumulate => {
                let acc = Accumulate(op);
                let inputs = x.iter().zip(g).zip(old);
                want.extend(inputs.map(|((&x, &g), &old)| acc.scalar(x, g, old)));
            }
        }
    }
}

/// Outputs greater than zero, exactly zero and NaN, counted one at a time.
fn naive_counts<F: TestFloat>(y: &[F]) -> [usize; 3] {
    let mut counts = [0; 3];
    // 32-bit counters per block, which the compiler vectorises (the sweep spends much of its
    // time here: 64-bit ones took it 12%).
    for block in y.chunks(1 << 16) {
        let mut block_counts = [0u32; 3];
        for &y in block {
            block_counts[0] += u32::from(y > F::zero());
            block_counts[1] += u32::from(y == F::zero());
            block_counts[2] += u32::from(y.is_nan());
        }
        for (count, block_count) in counts.iter_mut().zip(block_counts) {
            *count += block_count as usize;
        }
    }
    counts
}

/// The mask bits of `forward` over `x` into `words`, one element at a time: set where
/// [`Op::active`].
fn naive_mask<F: TestFloat, O: Op<F>>(forward: O, x: &[F], words: &mut Vec<u64>) {
    words.clear();
    words.resize(x.len().div_ceil(WORD), 0);
    for (i, &v) in x.iter().enumerate() {
        if forward.active(v) {
            words[i / WORD] |= 1 << (i % WORD);
        }
    }
}

/// The `x` a backward pass from `words` sees: one where the bit is set, zero where it is clear.
fn mask_as_input<F: TestFloat>(words: &[u64], len: usize) -> impl Iterator<Item = F> + '_ {
    (0..len).map(|i| {
        if words[i / WORD] >> (i % WORD) & 1 == 1 {
            F::one()
        } else {
            F::zero()
        }
    })
}

/// Panics unless `got` has the bits of `want`, naming the inputs of the first element that
/// differs.
#[track_caller]
fn check_out<F: TestFloat>(got: &[F], want: &[F], inputs: [&[F]; 3], at: impl Fn() -> String) {
    // Blocks without an early exit inside, which the compiler vectorises: the sweep spends
    // much of its time here.
    let same = got.len() == want.len()
        && (got.chunks(256).zip(want.chunks(256))).all(|(a, b)| {
            (a.iter().zip(b)).fold(true, |same, (a, b)| same & (a.bits() == b.bits()))
        });
    if same {
        return;
    }
    let first = (0..got.len().min(want.len())).find(|&i| got[i].bits() != want[i].bits());
    let at = match first {
        Some(i) => {
            let [x, g, old] = inputs.map(|v| v[i].bits());
            format!(
                "{}; inputs at {i}: x {x:#x?}, g {g:#x?}, old {old:#x?}",
                at()
            )
        }
        None => at(),
    };
    // Under Miri any two NaNs compare equal (see `assert_same_bits`).
    assert_same_bits(got, want, &at);
}

/// Receives every operation under test.
trait Visit<F: TestFloat> {
    /// An elementwise operation: a forward pass or derivative, or a backward pass where
    /// `O::BINARY`.
    fn op<O: Op<F>>(&mut self, name: &str, op: O);
    /// A forward operation that fills a 1-bit mask, and the backward operation that reads it.
    fn mask<O: Op<F>, B: Op<F>>(&mut self, name: &str, forward: O, backward: B);
}

/// Slopes of the leaky members tested through the kernels (a zero slope runs ReLU's kernels,
/// tested as such, and is checked through the public functions).
const SLOPES: [f64; 3] = [0.01, 1.0, -0.5];
/// Bounds `(min, max)` of the clip members, each run in the forward form the public types
/// pick ([`Clip::form`]): ReLU6 (`+0.0` below: the and-not and a min), a symmetric clip
/// (`hardtanh`), one infinite bound of each sign (compared as NaN), `min > max` (`max`
/// everywhere) with min and max; and bounds that are zeros, which take the selects (`-0.0`
/// below; `0` above with `min > max`).
const BOUNDS: [(f64, f64); 7] = [
    (0.0, 6.0),
    (-1.0, 1.0),
    (f64::NEG_INFINITY, 1e-3),
    (0.5, f64::INFINITY),
    (2.0, -2.0),
    (-0.0, 1.0),
    (3.0, 0.0),
];
/// Thresholds of the thresholded members (a zero threshold runs ReLU's kernels).
const ALPHAS: [f64; 3] = [1.0, -0.5, 1e-3];

/// Visits every operation of the family, with the parameters above, and the masked passes of
/// each member with its first parameter. The masked backward pass of every member but leaky
/// ReLU is ReLU's: the bit passes the gradient or gives `+0.0`.
fn each_op<F: TestFloat, V: Visit<F>>(v: &mut V) {
    let f = |x: f64| F::from(x).unwrap();
    v.op("relu", Relu);
    v.op("relu derivative", Derivative);
    v.op("relu backward", Backward);
    v.mask("relu", Relu, Backward);
    for slope in SLOPES.map(f) {
        v.op(&format!("leaky {slope:?}"), Leaky { slope });
        let derivative = LeakyDerivative { slope };
        v.op(&format!("leaky derivative {slope:?}"), derivative);
        let backward = LeakyBackward { slope };
        v.op(&format!("leaky backward {slope:?}"), backward);
    }
    let slope = f(SLOPES[0]);
    let (leaky, leaky_backward) = (Leaky { slope }, LeakyBackward { slope });
    v.mask(&format!("leaky {slope:?}"), leaky, leaky_backward);
    for (min, max) in BOUNDS.map(|(a, b)| (f(a), f(b))) {
        let clip = Clip::new(min, max);
        let name = format!("clip {min:?} {max:?}");
        match clip.form() {
            ClipForm::MinMax => v.op(&format!("{name} (min, max)"), ClipFast::<_, false>(clip)),
            ClipForm::FromZero => v.op(&format!("{name} (from zero)"), ClipFast::<_, true>(clip)),
            ClipForm::Select => v.op(&format!("{name} (selects)"), clip),
        }
        v.op(
            &format!("clip derivative {min:?} {max:?}"),
            ClipDerivative(clip),
        );
        v.op(
            &format!("clip backward {min:?} {max:?}"),
            ClipBackward(clip),
        );
    }
    let (min, max) = (f(BOUNDS[1].0), f(BOUNDS[1].1));
    v.mask(
        &format!("clip {min:?} {max:?}"),
        Clip::new(min, max),
        Backward,
    );
    for alpha in ALPHAS.map(f) {
        let thresholded = Thresholded { alpha };
        v.op(&format!("thresholded {alpha:?}"), thresholded);
        let derivative = ThresholdedDerivative(thresholded);
        v.op(&format!("thresholded derivative {alpha:?}"), derivative);
        let backward = ThresholdedBackward(thresholded);
        v.op(&format!("thresholded backward {alpha:?}"), backward);
    }
    let alpha = f(ALPHAS[0]);
    v.mask(
        &format!("thresholded {alpha:?}"),
        Thresholded { alpha },
        Backward,
    );
}

/// The forward operations with a bias from the second input (`g` as the bias, or `x` where the
/// output is the second input) and as a constant, for a few members: the fused passes. Not in
/// the exhaustive sweep: the bias is one addition before an operation the sweep covers.
fn each_fused_op<F: TestFloat, V: Visit<F>>(v: &mut V) {
    let f = |x: f64| F::from(x).unwrap();
    v.op("bias then relu", BiasThen::<_, false>(Relu));
    v.op("bias first then relu", BiasThen::<_, true>(Relu));
    let leaky = Leaky {
        slope: f(SLOPES[0]),
    };
    v.op("bias then leaky", BiasThen::<_, false>(leaky));
    let clip = Clip::new(f(BOUNDS[1].0), f(BOUNDS[1].1));
    v.op(
        "bias then clip",
        BiasThen::<_, true>(ClipFast::<_, false>(clip)),
    );
    for bias in [0.0, -0.0, 1.5, -1e30, f64::INFINITY, f64::NAN].map(f) {
        v.op(
            &format!("bias {bias:?} then relu"),
            BiasSplat { op: Relu, bias },
        );
        let alpha = f(ALPHAS[0]);
        let op = Thresholded { alpha };
        v.op(
            &format!("bias {bias:?} then thresholded"),
            BiasSplat { op, bias },
        );
    }
}

/// The kernels this CPU supports, each of which every test here runs.
fn supported() -> Vec<Kernel> {
    Kernel::ALL
        .iter()
        .copied()
        .filter(|k| k.is_supported())
        .collect()
}

/// Elements of `F` per vector of `kernel` (1 for the portable loop).
fn lanes<F>(kernel: Kernel) -> usize {
    let bytes = match kernel {
        Kernel::Portable => size_of::<F>(),
        #[cfg(target_arch = "x86_64")]
        Kernel::Sse2 => size_of::<<f32 as SimdElem>::Sse2>(),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => size_of::<<f32 as SimdElem>::Avx2>(),
        // The 16-bit formats run 256-bit lanes there too.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 if size_of::<F>() == 2 => size_of::<<f32 as SimdElem>::Avx2>(),
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => size_of::<<f32 as SimdElem>::Avx512>(),
        #[cfg(target_arch = "aarch64")]
        Kernel::Neon => size_of::<<f32 as SimdElem>::Neon>(),
    };
    bytes / size_of::<F>()
}

// ---------------------------------------------------------------------------------------------
// Values

/// Every distinct computation of each operation on `kernels`, over one set of inputs, at one
/// address with ordinary stores, against the scalar reference. It owns its buffers, which the
/// sweep refills and reuses.
struct Values<F> {
    kernels: Vec<Kernel>,
    x: Vec<F>,
    g: Vec<F>,
    old: Vec<F>,
    /// Scratch: the expected results, the kernels' results, and for the masked passes the
    /// expected words, the kernels' words and the `x` that backward from the mask sees.
    want: Vec<F>,
    out: Vec<F>,
    want_words: Vec<u64>,
    words: Vec<u64>,
    bits: Vec<F>,
    /// With `Some`, each visit appends its name and its kernel runs per kernel, for the
    /// sweep's summary.
    runs: Option<Vec<(String, usize)>>,
}

impl<F> Default for Values<F> {
    fn default() -> Self {
        Values {
            kernels: Vec::new(),
            x: Vec::new(),
            g: Vec::new(),
            old: Vec::new(),
            want: Vec::new(),
            out: Vec::new(),
            want_words: Vec::new(),
            words: Vec::new(),
            bits: Vec::new(),
            runs: None,
        }
    }
}

impl<F: TestFloat> Values<F> {
    fn new(kernels: Vec<Kernel>, x: &[F], g: &[F], old: &[F]) -> Self {
        Values {
            kernels,
            x: x.to_vec(),
            g: g.to_vec(),
            old: old.to_vec(),
            ..Values::default()
        }
    }
}

impl<F: TestFloat> Visit<F> for Values<F> {
    fn op<O: Op<F>>(&mut self, name: &str, op: O) {
        let Values {
            kernels,
            x,
            g,
            old,
            want,
            out,
            runs,
            ..
        } = self;
        let inputs = [&x[..], g, old];
        let mut runs_per_kernel = 0;
        for &shape in Shape::distinct::<F, O>() {
            shape.expect_into(op, x, g, old, want);
            let counts = (!O::BINARY).then(|| naive_counts(want));
            for &kernel in kernels.iter() {
                let at = || format!("{name}, {kernel:?} {shape:?}");
                // Only accumulation reads the output's previous values. The other shapes
                // overwrite whatever the previous run left: that every element is written is
                // the address tests' check (guard cells, every length and start).
                if shape == Shape::Accumulate {
                    out.clear();
                    out.extend_from_slice(old);
                } else {
                    out.resize(x.len(), F::zero());
                }
                shape.run(kernel, false, op, x, g, out);
                check_out(out, want, inputs, at);
                if let Some(counts) = counts {
                    let got = shape.run_counted(kernel, false, op, x, out);
                    check_out(out, want, inputs, || format!("{}, counted", at()));
                    assert_eq!(got, counts, "{}: counts (active, zeros, NaN)", at());
                }
            }
            runs_per_kernel += if counts.is_some() { 2 } else { 1 };
        }
        if let Some(runs) = runs {
            runs.push((String::from(name), runs_per_kernel));
        }
    }

    fn mask<O: Op<F>, B: Op<F>>(&mut self, name: &str, forward: O, backward: B) {
        let Values {
            kernels,
            x,
            g,
            old,
            want,
            out,
            want_words,
            words,
            bits,
            runs,
        } = self;
        let n = x.len();
        naive_mask(forward, x, want_words);
        let want_nans = x.iter().filter(|v| v.is_nan()).count();
        bits.clear();
        bits.extend(mask_as_input::<F>(want_words, n));
        let inputs = [&x[..], g, old];
        let backward_inputs = [&bits[..], g, old];
        out.clear();
        out.extend_from_slice(old);
        words.clear();
        words.resize(want_words.len(), 0);
        for (pass, shape) in [
            ("forward", Shape::Map),
            ("backward", Shape::Zip),
            ("accumulate", Shape::Accumulate),
        ] {
            if shape == Shape::Map {
                shape.expect_into(forward, x, g, old, want);
            } else {
                shape.expect_into(backward, bits, g, old, want);
            }
            for &kernel in kernels.iter() {
                let at = || format!("{name}, {kernel:?} masked {pass}");
                if shape == Shape::Accumulate {
                    out.copy_from_slice(old);
                }
                match shape {
                    Shape::Map => {
                        words.fill(u64::MAX);
                        let io = Io::Map { src: x, dst: out };
                        let nans = mask_forward(forward, io, words, Plan::Forced(kernel, false));
                        check_out(out, want, inputs, at);
                        assert_eq!(words, want_words, "{}: mask bits", at());
                        assert_eq!(nans, want_nans, "{}: NaN count", at());
                    }
                    Shape::Zip => {
                        mask_backward(
                            backward,
                            want_words,
                            Some(g),
                            out,
                            Plan::Forced(kernel, false),
                        );
                        check_out(out, want, backward_inputs, at);
                    }
                    _ => {
                        let acc = Accumulate(backward);
                        mask_backward(acc, want_words, Some(g), out, Plan::Forced(kernel, false));
                        check_out(out, want, backward_inputs, at);
                    }
                }
            }
        }
        if let Some(runs) = runs {
            runs.push((format!("{name} masked"), 3));
        }
    }
}

/// Every (x, g) pair of edge values, long enough to reach the vector loop.
fn edge_table<F: TestFloat>() {
    let (x, g) = edge_pairs::<F>();
    let old: Vec<F> = g.iter().rev().copied().collect();
    let mut values = Values::new(supported(), &x, &g, &old);
    each_op(&mut values);
    each_fused_op(&mut values);
    clip_forms_scalar(&x);
}

/// The scalar functions of the clip's shorter forms ([`ClipFast`]) against the clip's own
/// compare-and-select, bits compared, for every bound of [`BOUNDS`] that takes one: the short
/// passes run them, and [`each_op`] checks the kernels against them. Panics on the first
/// difference.
fn clip_forms_scalar<F: TestFloat>(x: &[F]) {
    let f = |v: f64| F::from(v).unwrap();
    for (min, max) in BOUNDS.map(|(a, b)| (f(a), f(b))) {
        let clip = Clip::new(min, max);
        let fast: fn(Clip<F>, F) -> F = match clip.form() {
            ClipForm::MinMax => |clip, x| ClipFast::<_, false>(clip).scalar(x, x, x),
            ClipForm::FromZero => |clip, x| ClipFast::<_, true>(clip).scalar(x, x, x),
            ClipForm::Select => continue,
        };
        for &x in x {
            let (got, want) = (fast(clip, x), clip.scalar(x, x, x));
            assert_eq!(
                got.bits(),
                want.bits(),
                "clip {min:?} {max:?}, shorter form at {x:?}: got {got:?}, want {want:?}"
            );
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "values do not depend on addresses: Miri runs the address tests"
)]
fn values_edge_table_f32() {
    edge_table::<f32>();
}

#[test]
#[cfg_attr(
    miri,
    ignore = "values do not depend on addresses: Miri runs the address tests"
)]
fn values_edge_table_f64() {
    edge_table::<f64>();
}

/// Every pattern of a 16-bit format as `x`, meeting every pattern as `g` and as `old` in
/// another order, through every operation on every kernel; then the edge table.
#[cfg(feature = "half")]
fn all_patterns_16<F: TestFloat>() {
    let x = common::all_patterns::<F>();
    let g = common::all_patterns_by::<F>(40_503);
    let old = common::all_patterns_by::<F>(0x9e37);
    let mut values = Values::new(supported(), &x, &g, &old);
    each_op(&mut values);
    each_fused_op(&mut values);
    clip_forms_scalar(&x);
    edge_table::<F>();
}

#[test]
#[cfg(feature = "half")]
#[cfg_attr(
    miri,
    ignore = "values do not depend on addresses: Miri runs the address tests"
)]
fn values_all_patterns_f16() {
    all_patterns_16::<half::f16>();
}

#[test]
#[cfg(feature = "half")]
#[cfg_attr(
    miri,
    ignore = "values do not depend on addresses: Miri runs the address tests"
)]
fn values_all_patterns_bf16() {
    all_patterns_16::<half::bf16>();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// f64 has too many bit patterns to sweep: random raw bits through every kernel instead.
    #[test]
    #[cfg_attr(miri, ignore = "values do not depend on addresses: Miri runs the address tests")]
    fn values_raw_bits_f64(
        x in proptest::collection::vec(any::<u64>().prop_map(f64::from_bits), 0..300),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(seed);
        let g = rng.floats::<f64>(x.len());
        let old = rng.floats::<f64>(x.len());
        let mut values = Values::new(supported(), &x, &g, &old);
        each_op(&mut values);
        each_fused_op(&mut values);
        clip_forms_scalar(&x);
    }
}

// ---------------------------------------------------------------------------------------------
// Addresses

/// Lengths that reach every part of `kernel`'s loop for `F`: a scalar tail alone, single
/// vectors, the unrolled loop, each followed by every vector count and tail; the aligned head of
/// ordinary stores, which starts at [`ALIGN_MIN_VECTORS`] vectors; a mask word and the next;
/// the pieces of counting jobs ([`TALLY_MAX`]). Under Miri, whose interpreter is slow, one
/// length of each kind.
fn lengths<F>(kernel: Kernel) -> Vec<usize> {
    let lanes = lanes::<F>(kernel);
    let unrolled = UNROLL * lanes;
    let aligned = ALIGN_MIN_VECTORS * lanes;
    let mut lengths: Vec<usize> = if cfg!(miri) {
        // Nothing, a tail, a vector and a tail, the unrolled loop with a vector and a tail,
        // past a mask word, ending on one, and the aligned head with all of them.
        let rest = unrolled + lanes + 1;
        vec![
            0,
            1,
            lanes + 1,
            rest,
            WORD + lanes + 1,
            2 * WORD,
            aligned + rest,
        ]
    } else {
        // Every length through two unrolled iterations, a vector and a tail, and two mask
        // words; then around the aligned head, every head, vector count and tail; the pieces.
        let mut all: Vec<usize> = (0..=(2 * unrolled + 2 * lanes).max(2 * WORD + 1)).collect();
        all.extend(aligned - 1..=aligned + unrolled + 2 * lanes);
        all.extend([
            TALLY_MAX - 1,
            TALLY_MAX,
            TALLY_MAX + 1,
            2 * TALLY_MAX + lanes + 1,
        ]);
        all
    };
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

/// Starts past an aligned position: with guard cells of 8 elements, every misalignment of a
/// vector of up to 8 elements. Under Miri, aligned and one off.
const STARTS: usize = if cfg!(miri) { 2 } else { 8 };
/// Guard cells on each side of every output.
const GUARD: usize = 8;

/// Inputs for the address tests: windows of fixed random pools, so that `x`, `g` and `old`
/// differ.
struct Pool<F> {
    x: Vec<F>,
    g: Vec<F>,
    old: Vec<F>,
}

impl<F: TestFloat> Pool<F> {
    fn new(seed: u64, len: usize) -> Self {
        let mut rng = Rng::new(seed);
        let n = len + STARTS;
        Pool {
            x: rng.floats(n),
            g: rng.floats(n),
            old: rng.floats(n),
        }
    }
}

/// A cell of an output: an element or a mask word, compared by its bits.
trait Cell: Copy + core::fmt::Debug {
    fn pattern(self) -> u64;
}

impl Cell for f32 {
    fn pattern(self) -> u64 {
        self.to_bits().into()
    }
}

impl Cell for f64 {
    fn pattern(self) -> u64 {
        self.to_bits()
    }
}

#[cfg(feature = "half")]
impl Cell for half::f16 {
    fn pattern(self) -> u64 {
        self.to_bits().into()
    }
}

#[cfg(feature = "half")]
impl Cell for half::bf16 {
    fn pattern(self) -> u64 {
        self.to_bits().into()
    }
}

impl Cell for u64 {
    fn pattern(self) -> u64 {
        self
    }
}

/// A buffer with guard cells around the `len` cells at `start` past them: the output of one
/// case, which must write those cells and no others.
struct Guarded<T> {
    buf: Vec<T>,
    start: usize,
    len: usize,
    sentinel: T,
}

impl<T: Cell> Guarded<T> {
    /// `init` at `start`, sentinels around it.
    fn new(init: &[T], start: usize, sentinel: T) -> Self {
        let mut buf = vec![sentinel; GUARD + start + init.len() + GUARD];
        buf[GUARD + start..][..init.len()].copy_from_slice(init);
        Guarded {
            buf,
            start: GUARD + start,
            len: init.len(),
            sentinel,
        }
    }

    fn inner(&mut self) -> &mut [T] {
        &mut self.buf[self.start..][..self.len]
    }

    /// The cells between the guards, after checking that the guards are untouched (`at`
    /// names the case, built only on a failure).
    #[track_caller]
    fn checked(&self, at: impl Fn() -> String) -> &[T] {
        let (before, rest) = self.buf.split_at(self.start);
        let (inner, after) = rest.split_at(self.len);
        let stray = (before.iter().chain(after)).find(|v| v.pattern() != self.sentinel.pattern());
        assert!(
            stray.is_none(),
            "{}: wrote outside its output: {stray:?}",
            at()
        );
        inner
    }
}

/// One address case: `kernel`, `len` elements, inputs and output at `start`.
struct Case<'a, F> {
    kernel: Kernel,
    x: &'a [F],
    g: &'a [F],
    old: &'a [F],
    start: usize,
}

impl<F: TestFloat + Cell> Case<'_, F> {
    fn sentinel() -> F {
        F::from_raw(0x7ff4_dead_7fb0_dead)
    }

    fn at(&self, what: &str) -> String {
        let (kernel, len, start) = (self.kernel, self.x.len(), self.start);
        format!("{what}, {kernel:?}, length {len}, start {start}")
    }

    /// `op` in every shape of its class and every store kind.
    fn elementwise<O: Op<F>>(&self, name: &str, op: O) {
        let (x, g, old) = (self.x, self.g, self.old);
        let mut want = Vec::new();
        for &shape in Shape::all::<F, O>() {
            // In place computes what the shape before it, a separate output, computes.
            if Shape::distinct::<F, O>().contains(&shape) {
                shape.expect_into(op, x, g, old, &mut want);
            }
            for &stream in shape.store_kinds() {
                let mut out = Guarded::new(old, self.start, Self::sentinel());
                shape.run(self.kernel, stream, op, x, g, out.inner());
                let at = || self.at(&format!("{name} {shape:?} stream {stream}"));
                assert_same_bits_at(out.checked(at), &want, at);
            }
        }
    }

    /// The counting forward pass of `op`, both shapes and store kinds.
    fn counted<O: Op<F>>(&self, name: &str, op: O) {
        let want = Shape::Map.expect_all(op, self.x, self.x, self.x);
        let counts = naive_counts(&want);
        for shape in [Shape::Map, Shape::InPlace] {
            for &stream in shape.store_kinds() {
                let mut out = Guarded::new(self.old, self.start, Self::sentinel());
                let got = shape.run_counted(self.kernel, stream, op, self.x, out.inner());
                let at = || self.at(&format!("{name} counted {shape:?} stream {stream}"));
                assert_same_bits_at(out.checked(at), &want, at);
                assert_eq!(got, counts, "{}: counts (active, zeros, NaN)", at());
            }
        }
    }

    /// The masked forward pass of `forward` (separate output with both store kinds, and in
    /// place) and the backward passes of `backward` from its mask (separate output with both
    /// store kinds, in place, accumulating), with guard words around the mask.
    fn masks<O: Op<F>, B: Op<F>>(&self, name: &str, forward: O, backward: B) {
        let (x, g, old, kernel) = (self.x, self.g, self.old, self.kernel);
        let n = x.len();
        let mut want_words = Vec::new();
        naive_mask(forward, x, &mut want_words);
        let want_nans = x.iter().filter(|v| v.is_nan()).count();
        let want_out = Shape::Map.expect_all(forward, x, x, x);
        let sentinel_word = 0x5a5a_5a5a_5a5a_5a5a;
        for (in_place, stream) in [(false, false), (false, true), (true, false)] {
            let mut out = Guarded::new(old, self.start, Self::sentinel());
            let mut words = Guarded::new(&vec![u64::MAX; want_words.len()], 0, sentinel_word);
            let nans = if in_place {
                out.inner().copy_from_slice(x);
                let io = Io::InPlace(out.inner());
                mask_forward(forward, io, words.inner(), Plan::Forced(kernel, false))
            } else {
                let io = Io::Map {
                    src: x,
                    dst: out.inner(),
                };
                mask_forward(forward, io, words.inner(), Plan::Forced(kernel, stream))
            };
            let at = || {
                self.at(&format!(
                    "{name} masked forward, in place {in_place}, stream {stream}"
                ))
            };
            assert_same_bits_at(out.checked(at), &want_out, at);
            assert_eq!(words.checked(at), want_words, "{}: mask bits", at());
            assert_eq!(nans, want_nans, "{}: NaN count", at());
        }

        let bits: Vec<F> = mask_as_input(&want_words, n).collect();
        let cases: [(&str, Option<&[F]>, bool); 3] = [
            ("backward", Some(g), false),
            ("backward", Some(g), true),
            ("backward in place", None, false),
        ];
        let want = Shape::Zip.expect_all(backward, &bits, g, old);
        for (what, grad, stream) in cases {
            let init = if grad.is_some() { old } else { g };
            let mut out = Guarded::new(init, self.start, Self::sentinel());
            mask_backward(
                backward,
                &want_words,
                grad,
                out.inner(),
                Plan::Forced(kernel, stream),
            );
            let at = || self.at(&format!("{name} masked {what}, stream {stream}"));
            assert_same_bits_at(out.checked(at), &want, at);
        }
        let want = Shape::Accumulate.expect_all(backward, &bits, g, old);
        let mut out = Guarded::new(old, self.start, Self::sentinel());
        let acc = Accumulate(backward);
        mask_backward(
            acc,
            &want_words,
            Some(g),
            out.inner(),
            Plan::Forced(kernel, false),
        );
        let at = || self.at(&format!("{name} masked accumulate"));
        assert_same_bits_at(out.checked(at), &want, at);
    }
}

/// One operation of each loop class (unary, binary, reading the output, counting, filling and
/// reading a mask) at every length and start of [`lengths`] and [`STARTS`], on every kernel.
fn every_length_and_start<F: TestFloat + Cell>(seed: u64) {
    let mut kernels = supported();
    if cfg!(miri) && size_of::<F>() == 2 {
        kernels.retain(|&k| !repeats_for_16_bit(k));
    }
    let longest = kernels.iter().flat_map(|&k| lengths::<F>(k)).max();
    let pool = Pool::<F>::new(seed, longest.unwrap_or(0));
    let slope = F::from(SLOPES[0]).unwrap();
    for kernel in kernels {
        for len in lengths::<F>(kernel) {
            for start in 0..STARTS {
                let case = Case {
                    kernel,
                    x: &pool.x[start..][..len],
                    g: &pool.g[STARTS - 1 - start..][..len],
                    old: &pool.old[len % STARTS..][..len],
                    start,
                };
                // Members that a second application changes, in place: the head and tail
                // vectors overlap the loop's, from the inputs as they were.
                case.elementwise("leaky", Leaky { slope });
                // Binary, and with `Accumulate` reading the output.
                case.elementwise("leaky backward", LeakyBackward { slope });
                // A member whose results can be negative: every counter runs.
                case.counted("leaky", Leaky { slope });
                case.masks("relu", Relu, Backward);
            }
        }
    }
}

/// The kernels that Miri's 16-bit address tests skip, since it runs the same code for another
/// type or kernel: the portable loop (the scalar loop of every type, run with f32) and, on
/// x86-64, AVX-512 (which runs the AVX2 lanes for the 16-bit formats).
fn repeats_for_16_bit(kernel: Kernel) -> bool {
    match kernel {
        Kernel::Portable => true,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => true,
        _ => false,
    }
}

#[test]
fn addresses_every_length_and_start_f32() {
    every_length_and_start::<f32>(0xca11);
}

#[test]
fn addresses_every_length_and_start_f64() {
    every_length_and_start::<f64>(0xca12);
}

/// Whether the f16 address tests run: not under Miri. The two 16-bit formats share their lane
/// types, which differ only in the arithmetic, and under Miri that is the formats' scalar
/// arithmetic for both: bf16's runs check every address. (f16's could not run on x86-64
/// anyway: `half`'s f16 arithmetic uses the F16C intrinsics where F16C is enabled at compile
/// time, as Miri's x86-64 runs do to reach the AVX2 kernel, and Miri cannot run them.)
#[cfg(feature = "half")]
const F16_RUNS: bool = !cfg!(miri);

#[test]
#[cfg(feature = "half")]
#[cfg_attr(
    miri,
    ignore = "bf16 has the same lanes, and runs under Miri: see F16_RUNS"
)]
fn addresses_every_length_and_start_f16() {
    every_length_and_start::<half::f16>(0xca13);
}

#[test]
#[cfg(feature = "half")]
fn addresses_every_length_and_start_bf16() {
    every_length_and_start::<half::bf16>(0xca14);
}

/// The interleaved partial sums of the bias gradient on every kernel against the scalar rule
/// written here: every length through three rounds of 16 and a tail, every phase, three
/// starts, raw-bit inputs (NaNs included) and sums.
#[test]
fn partial_sums_every_length_phase_and_start() {
    fn check<F: TestFloat>(seed: u64) {
        let mut rng = Rng::new(seed);
        let (lengths, phases, starts) = if cfg!(miri) {
            (vec![0, 1, 15, 16, 17, 40, 63], vec![0, 1, 15], 2)
        } else {
            (
                (0..=3 * PARTIALS + 7).collect(),
                (0..PARTIALS + 2).collect(),
                3,
            )
        };
        for &len in &lengths {
            for &phase in &phases {
                for start in 0..starts {
                    let x = rng.floats::<F>(start + len);
                    let x = &x[start..];
                    let init: [F; PARTIALS] = rng.floats::<F>(PARTIALS).try_into().unwrap();
                    let mut want = init;
                    for (j, &v) in x.iter().enumerate() {
                        let s = &mut want[(phase + j) % PARTIALS];
                        *s = spec_sum_add(*s, v);
                    }
                    for kernel in supported() {
                        let mut sums = init;
                        let job = Partials {
                            x: x.as_ptr(),
                            len,
                            phase,
                            sums: sums.as_mut_ptr(),
                        };
                        // SAFETY: `supported` lists only kernels this CPU runs; the pointers
                        // come from a slice of `len` elements and an array of 16.
                        unsafe { dispatch(kernel, job) };
                        let at = format!("{kernel:?} len {len} phase {phase} start {start}");
                        assert_same_bits(&sums, &want, &at);
                    }
                }
            }
        }
    }
    check::<f32>(0x5a);
    check::<f64>(0x5b);
    #[cfg(feature = "half")]
    if F16_RUNS {
        check::<half::f16>(0x5c);
    }
    #[cfg(feature = "half")]
    check::<half::bf16>(0x5d);
}

/// The row sums of the bias gradient (channels last) on every kernel against the scalar rule
/// written here: widths through two vectors of the widest kernel and a tail, and through the
/// blocks of sums kept in registers ([`ROW_SUM_VECTORS`] vectors of 16 lanes, and one vector
/// after them), a few rows, misaligned starts, raw-bit inputs and sums.
#[test]
fn row_sums_every_width_and_start() {
    fn check<F: TestFloat>(seed: u64) {
        let mut rng = Rng::new(seed);
        let block = ROW_SUM_VECTORS * 16;
        let widths: Vec<usize> = if cfg!(miri) {
            vec![0, 1, 7, 16, 17, 33, block + 17]
        } else {
            (0..=40)
                .chain([block, block + 7, block + 16, 2 * block + 1])
                .collect()
        };
        for &width in &widths {
            for rows in [0, 1, 3] {
                for start in 0..2 {
                    let x = rng.floats::<F>(start + rows * width);
                    let x = &x[start..];
                    let init = rng.floats::<F>(width);
                    let mut want = init.clone();
                    for row in x.chunks(width.max(1)) {
                        for (s, &v) in want.iter_mut().zip(row) {
                            *s = spec_sum_add(*s, v);
                        }
                    }
                    for kernel in supported() {
                        let mut acc = init.clone();
                        let job = RowSums {
                            x: x.as_ptr(),
                            rows,
                            width,
                            acc: acc.as_mut_ptr(),
                        };
                        // SAFETY: `supported` lists only kernels this CPU runs; x holds
                        // rows * width elements and acc width, apart.
                        unsafe { dispatch(kernel, job) };
                        let at = format!("{kernel:?} width {width} rows {rows} start {start}");
                        assert_same_bits(&acc, &want, &at);
                    }
                }
            }
        }
    }
    check::<f32>(0x6a);
    check::<f64>(0x6b);
    #[cfg(feature = "half")]
    if F16_RUNS {
        check::<half::f16>(0x6c);
    }
    #[cfg(feature = "half")]
    check::<half::bf16>(0x6d);
}

/// The bias arguments of the PReLU one-pass tests: none and `bias`; under Miri only `bias`,
/// whose passes make the accesses of the passes without one and the bias's.
fn bias_options<F>(bias: &[F]) -> Vec<Option<&[F]>> {
    if cfg!(miri) {
        vec![Some(bias)]
    } else {
        vec![None, Some(bias)]
    }
}

/// PReLU's passes over channels-last rows in one pass ([`prelu_forward_rows`],
/// [`prelu_backward_sums`]) on every kernel, without and with a bias (the fused bias passes):
/// rows of whole vectors and with a scalar tail, in one block of registers and wider, every
/// start, each shape and store kind (streaming rotates the rows to the output's register
/// boundary), against the scalar rules element by element at the element plus its bias, the
/// slope gradient and the bias gradient summed down each column row after row, with guard
/// cells around the output.
#[test]
fn prelu_rows_every_width_and_start() {
    fn check<F: TestFloat + Cell>(seed: u64) {
        let mut rng = Rng::new(seed);
        let (widths, row_counts): (&[usize], &[usize]) = if cfg!(miri) {
            (&[32, 80], &[2])
        } else {
            (&[1, 7, 16, 17, 32, 48, 64, 80, 96, 272], &[0, 1, 2, 17, 40])
        };
        // (Under Miri, the shapes of distinct accesses: the in-place passes read and write the
        // one buffer that a separate output writes, and the integration tests run them.)
        let (forward_shapes, shapes): (&[Shape], &[Shape]) = if cfg!(miri) {
            (&[Shape::Map], &[Shape::Zip, Shape::Accumulate])
        } else {
            (
                &[Shape::Map, Shape::InPlace],
                &[Shape::Zip, Shape::ZipInPlace, Shape::Accumulate],
            )
        };
        for &width in widths {
            // Nonzero slopes: the operation without its zero-slope rule.
            let slopes: Vec<F> = (0..width)
                .map(|c| F::from(c as f64 / 8.0 - 1.4375).unwrap())
                .collect();
            let some_bias = rng.floats::<F>(width);
            for (bias, &rows) in bias_options(&some_bias)
                .into_iter()
                .flat_map(|bias| row_counts.iter().map(move |rows| (bias, rows)))
            {
                // The input of PReLU at element `i`: the element plus its bias.
                let at_bias = |x: &[F], i: usize| match bias {
                    Some(b) => crate::scalar::accumulate(b[i % width], x[i]),
                    None => x[i],
                };
                let n = rows * width;
                let pool = Pool::<F>::new(rng.next_u64(), n);
                let init = rng.floats::<F>(width);
                // (Under Miri, one start: its allocations start anywhere already.)
                for start in usize::from(cfg!(miri))..STARTS {
                    let (x, g) = (&pool.x[start..][..n], &pool.g[STARTS - 1 - start..][..n]);
                    let old = &pool.old[start..][..n];
                    // The forward pass, which reads no gradient and sums nothing.
                    let want_out: Vec<F> = (0..n)
                        .map(|i| {
                            let u = at_bias(x, i);
                            PreluForward::<false, false>.scalar(u, slopes[i % width], u)
                        })
                        .collect();
                    for &shape in forward_shapes {
                        for &stream in shape.store_kinds() {
                            for kernel in supported() {
                                let mut out = Guarded::new(old, start, Case::<F>::sentinel());
                                let io = shape.forward_io(x, out.inner());
                                let plan = Plan::Forced(kernel, stream);
                                let op = PreluForward::<false, false>;
                                prelu_forward_rows(op, io, &slopes, bias, plan);
                                let at = || {
                                    format!(
                                        "{kernel:?} width {width} rows {rows} start {start} \
                                         forward {shape:?} stream {stream} bias {}",
                                        bias.is_some()
                                    )
                                };
                                assert_same_bits_at(out.checked(at), &want_out, at);
                            }
                        }
                    }
                    for &shape in shapes {
                        let (mut want, mut want_bias) = (init.clone(), init.clone());
                        let want_out: Vec<F> = (0..n)
                            .map(|i| {
                                let (c, u) = (i % width, at_bias(x, i));
                                want[c] = spec_sum_add(want[c], SlopeTerm::of(u, g[i]));
                                let y = PreluBackward::<false>.scalar(u, g[i], slopes[c]);
                                want_bias[c] = spec_sum_add(want_bias[c], y);
                                match shape {
                                    Shape::Accumulate => crate::scalar::accumulate(old[i], y),
                                    _ => y,
                                }
                            })
                            .collect();
                        for &stream in shape.store_kinds() {
                            for kernel in supported() {
                                let mut out = Guarded::new(old, start, Case::<F>::sentinel());
                                let (mut sums, mut bias_sums) = (init.clone(), init.clone());
                                let io = shape.backward_io(x, g, out.inner());
                                let plan = Plan::Forced(kernel, stream);
                                let op = PreluBackward::<false>;
                                let with = bias.map(|b| (b, &mut bias_sums[..]));
                                prelu_backward_sums(op, io, &slopes, &mut sums, with, 1, plan);
                                let at = || {
                                    format!(
                                        "{kernel:?} width {width} rows {rows} start {start} \
                                         {shape:?} stream {stream} bias {}",
                                        bias.is_some()
                                    )
                                };
                                assert_same_bits_at(out.checked(at), &want_out, at);
                                assert_same_bits_at(&sums, &want, || format!("{}: sums", at()));
                                if bias.is_some() {
                                    let at = || format!("{}: bias sums", at());
                                    assert_same_bits_at(&bias_sums, &want_bias, at);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    check::<f32>(0x7a);
    check::<f64>(0x7b);
    // Not under Miri: the 16-bit lanes' loads and stores are the other address tests', and
    // these loops do with 16 lanes what they do with `f32` and AVX-512.
    #[cfg(feature = "half")]
    if F16_RUNS {
        check::<half::f16>(0x7c);
        check::<half::bf16>(0x7d);
    }
}

/// PReLU's forward pass over channels-first runs in one loop ([`prelu_forward_runs`]) on
/// every kernel: runs from one vector's length ([`MAX_LANES`]) to past the unrolled loop, one
/// channel and several, one period and two, without and with a bias (the fused bias pass),
/// every start, both shapes and store kinds (the vectors that cross from one run into the
/// next, the overlapping head and tail), against the scalar rules element by element at the
/// element plus its bias, with guard cells around the output.
#[test]
fn prelu_runs_every_length_and_start() {
    fn check<F: TestFloat + Cell>(seed: u64) {
        let mut rng = Rng::new(seed);
        let (inners, shapes): (&[usize], &[Shape]) = if cfg!(miri) {
            (&[MAX_LANES, 37], &[Shape::Map])
        } else {
            (
                &[MAX_LANES, 17, 33, 100, 8 * MAX_LANES + 3, 1027],
                &[Shape::Map, Shape::InPlace],
            )
        };
        for &inner in inners {
            for channels in [1, 3] {
                // Nonzero slopes (the operation without its zero-slope rule) between 0 and 1,
                // which a second application in place changes.
                let slopes: Vec<F> = (0..channels)
                    .map(|c| F::from(0.25 + c as f64 / 8.0).unwrap())
                    .collect();
                let some_bias = rng.floats::<F>(channels);
                for (bias, periods) in bias_options(&some_bias)
                    .into_iter()
                    .flat_map(|bias| [1, 2].map(|periods| (bias, periods)))
                {
                    let n = periods * channels * inner;
                    let pool = Pool::<F>::new(rng.next_u64(), n);
                    // (Under Miri, one start: its allocations start anywhere already.)
                    for start in usize::from(cfg!(miri))..STARTS {
                        let (x, old) = (&pool.x[start..][..n], &pool.old[start..][..n]);
                        let c = |i: usize| (i / inner) % channels;
                        // PReLU's input: the element plus its bias.
                        let u = |i: usize| match bias {
                            Some(b) => crate::scalar::accumulate(b[c(i)], x[i]),
                            None => x[i],
                        };
                        let want: Vec<F> = (0..n)
                            .map(|i| PreluForward::<false, false>.scalar(u(i), slopes[c(i)], u(i)))
                            .collect();
                        for &shape in shapes {
                            for &stream in shape.store_kinds() {
                                for kernel in supported() {
                                    let mut out = Guarded::new(old, start, Case::<F>::sentinel());
                                    let io = shape.forward_io(x, out.inner());
                                    let plan = Plan::Forced(kernel, stream);
                                    let op = PreluForward::<false, false>;
                                    prelu_forward_runs(op, io, &slopes, bias, inner, plan);
                                    let at = || {
                                        format!(
                                            "{kernel:?} inner {inner} channels {channels} periods \
                                             {periods} start {start} {shape:?} stream {stream} \
                                             bias {}",
                                            bias.is_some()
                                        )
                                    };
                                    assert_same_bits_at(out.checked(at), &want, at);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    check::<f32>(0x8a);
    check::<f64>(0x8b);
    // Not under Miri: the 16-bit lanes' loads and stores are the other address tests'.
    #[cfg(feature = "half")]
    if F16_RUNS {
        check::<half::f16>(0x8c);
        check::<half::bf16>(0x8d);
    }
}

/// PReLU's backward pass over channels-first runs in one pass ([`prelu_backward_sums`] with
/// `inner` above 1) on every kernel, without and with a bias (the fused bias pass): runs of
/// whole rounds of 16 and with a scalar tail, one channel and several, one period and two,
/// every start, each shape and store kind (streaming only where every run starts on a register
/// boundary), against the scalar rules element by element at the element plus its bias, and
/// the slope and bias gradients in 16 partial sums per run, combined in the fixed tree, run
/// after run, with guard cells around the output.
#[test]
fn prelu_run_sums_every_length_and_start() {
    fn check<F: TestFloat + Cell>(seed: u64) {
        let mut rng = Rng::new(seed);
        // (Under Miri, runs of two rounds and a tail, three channels, one period.)
        let (inners, shapes, channel_counts, period_counts): (
            &[usize],
            &[Shape],
            &[usize],
            &[usize],
        ) = if cfg!(miri) {
            (&[37], &[Shape::Zip, Shape::Accumulate], &[3], &[1])
        } else {
            (
                &[16, 17, 32, 33, 100, 8 * MAX_LANES + 3, 1027],
                &[Shape::Zip, Shape::ZipInPlace, Shape::Accumulate],
                &[1, 3],
                &[1, 2],
            )
        };
        for &inner in inners {
            for &channels in channel_counts {
                // Nonzero slopes: the operation without its zero-slope rule.
                let slopes: Vec<F> = (0..channels)
                    .map(|c| F::from(c as f64 / 8.0 - 1.4375).unwrap())
                    .collect();
                let some_bias = rng.floats::<F>(channels);
                for (bias, &periods) in bias_options(&some_bias)
                    .into_iter()
                    .flat_map(|bias| period_counts.iter().map(move |periods| (bias, periods)))
                {
                    let n = periods * channels * inner;
                    let pool = Pool::<F>::new(rng.next_u64(), n);
                    let init = rng.floats::<F>(channels);
                    // (Under Miri, one start: its allocations start anywhere already.)
                    for start in usize::from(cfg!(miri))..STARTS {
                        let (x, g) = (&pool.x[start..][..n], &pool.g[STARTS - 1 - start..][..n]);
                        let old = &pool.old[start..][..n];
                        // PReLU's input at element `i`, its channel's bias added, and the
                        // result before an output adds it.
                        let c = |i: usize| (i / inner) % channels;
                        let u = |i: usize| match bias {
                            Some(b) => crate::scalar::accumulate(b[c(i)], x[i]),
                            None => x[i],
                        };
                        let y = |i: usize| PreluBackward::<false>.scalar(u(i), g[i], slopes[c(i)]);
                        let (mut want, mut want_bias) = (init.clone(), init.clone());
                        for run in 0..n / inner {
                            let mut partials = [[-F::zero(); PARTIALS]; 2];
                            for j in 0..inner {
                                let i = run * inner + j;
                                let s = &mut partials[0][j % PARTIALS];
                                *s = spec_sum_add(*s, SlopeTerm::of(u(i), g[i]));
                                let s = &mut partials[1][j % PARTIALS];
                                *s = spec_sum_add(*s, y(i));
                            }
                            for (partials, want) in
                                partials.iter_mut().zip([&mut want, &mut want_bias])
                            {
                                let mut half = PARTIALS / 2;
                                while half > 0 {
                                    for k in 0..half {
                                        partials[k] = spec_sum_add(partials[k], partials[k + half]);
                                    }
                                    half /= 2;
                                }
                                let c = run % channels;
                                want[c] = spec_sum_add(want[c], partials[0]);
                            }
                        }
                        for &shape in shapes {
                            let want_out: Vec<F> = (0..n)
                                .map(|i| {
                                    let y = y(i);
                                    match shape {
                                        Shape::Accumulate => crate::scalar::accumulate(old[i], y),
                                        _ => y,
                                    }
                                })
                                .collect();
                            for &stream in shape.store_kinds() {
                                for kernel in supported() {
                                    let mut out = Guarded::new(old, start, Case::<F>::sentinel());
                                    let (mut sums, mut bias_sums) = (init.clone(), init.clone());
                                    let io = shape.backward_io(x, g, out.inner());
                                    let plan = Plan::Forced(kernel, stream);
                                    let (op, s) = (PreluBackward::<false>, &mut sums[..]);
                                    let with = bias.map(|b| (b, &mut bias_sums[..]));
                                    prelu_backward_sums(op, io, &slopes, s, with, inner, plan);
                                    let at = || {
                                        format!(
                                            "{kernel:?} inner {inner} channels {channels} periods \
                                             {periods} start {start} {shape:?} stream {stream} \
                                             bias {}",
                                            bias.is_some()
                                        )
                                    };
                                    assert_same_bits_at(out.checked(at), &want_out, at);
                                    assert_same_bits_at(&sums, &want, || format!("{}: sums", at()));
                                    if bias.is_some() {
                                        let at = || format!("{}: bias sums", at());
                                        assert_same_bits_at(&bias_sums, &want_bias, at);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    check::<f32>(0x9a);
    check::<f64>(0x9b);
    // Not under Miri: the 16-bit lanes' loads and stores are the other address tests'.
    #[cfg(feature = "half")]
    if F16_RUNS {
        check::<half::f16>(0x9c);
        check::<half::bf16>(0x9d);
    }
}

// ---------------------------------------------------------------------------------------------
// Strided lanes (feature `ndarray`)

/// The strided loop ([`Strided`](super::generic::Strided)) on every kernel, for each loop
/// class (unary separate and in place, binary separate and in place, reading the output),
/// strides that fit the vectors and strides that do not, lengths through the unrolled loop and
/// its tail: where the kernel takes the stride, the lane's elements equal the scalar reference
/// bit for bit and every other element is untouched, between them and in the vector past the
/// end; where it does not, it returns `false` and writes nothing. The inputs end at the lane's
/// last element, so that Miri sees any read past it.
#[test]
#[cfg(feature = "ndarray")]
fn strided_every_stride_and_length() {
    use super::generic::{Strided, StridedBuffers};
    use super::strided_with;

    /// Runs `op` over a lane of `len` elements `stride` apart and checks it. `x_is_out` and
    /// `g_is_out` put the output in that input's place (in place), initialised with it.
    fn check<F: TestFloat + Cell, O: Op<F>>(
        (kernel, name, op): (Kernel, &str, O),
        [x, g, old]: [&[F]; 3],
        (x_is_out, g_is_out): (bool, bool),
        len: usize,
        stride: usize,
    ) {
        let span = len.saturating_sub(1) * stride + usize::from(len > 0);
        let (x, g) = (&x[..span], &g[..span]);
        let init = if x_is_out {
            x
        } else if g_is_out {
            g
        } else {
            old
        };
        // The lane and its gaps, then a vector of guards.
        let mut out: Vec<F> = old[..span + MAX_LANES].to_vec();
        for i in (0..span).step_by(stride) {
            out[i] = init[i];
        }
        let before = out.clone();
        let taken = {
            let o = out.as_mut_ptr();
            let buffers = StridedBuffers {
                x: if x_is_out { o.cast_const() } else { x.as_ptr() },
                g: if g_is_out { o.cast_const() } else { g.as_ptr() },
                out: o,
                len,
                stride,
                rows: 1,
                steps: [0; 3],
            };
            let job = Strided { op, buffers };
            // SAFETY: the kernel is supported; every buffer holds the lane's span, and the
            // output is the only buffer written.
            unsafe { strided_with(kernel, job) }
        };
        let at = || format!("{name}, {kernel:?}, stride {stride}, length {len}");
        // Masked access: AVX2 and AVX-512 for f32 and f64.
        #[cfg(target_arch = "x86_64")]
        let masked = matches!(kernel, Kernel::Avx2 | Kernel::Avx512) && size_of::<F>() >= 4;
        #[cfg(not(target_arch = "x86_64"))]
        let masked = false;
        let lanes = lanes::<F>(kernel);
        let fits = masked && lanes.is_multiple_of(stride) && 2 * stride <= lanes;
        assert_eq!(taken, fits, "{}: taken", at());
        let mut want = before.clone();
        if fits {
            // In place, `before` holds the input the output replaces.
            for i in (0..span).step_by(stride) {
                want[i] = op.scalar(x[i], g[i], before[i]);
            }
        }
        assert_same_bits_at(&out, &want, at);
    }

    fn all<F: TestFloat + Cell>(seed: u64) {
        // Under Miri, a few (stride, length) pairs: through the unrolled loop of each vector
        // width, a tail, empty, two strides that AVX-512 takes and AVX2 does not, and one
        // that no kernel takes.
        let cases: Vec<(usize, usize)> = if cfg!(miri) {
            vec![(1, 135), (2, 70), (2, 0), (4, 9), (8, 5), (3, 4)]
        } else {
            let strides = [1, 2, 3, 4, 5, 8, 16];
            (strides.iter())
                .flat_map(|&stride| (0..=140).map(move |len| (stride, len)))
                .collect()
        };
        let slope = F::from(SLOPES[0]).unwrap();
        for (stride, len) in cases {
            let n = len * stride + MAX_LANES;
            let mut rng = Rng::new(seed ^ n as u64);
            let (x, g, old) = (rng.floats::<F>(n), rng.floats::<F>(n), rng.floats::<F>(n));
            let bufs = [&x[..], &g[..], &old[..]];
            for k in supported() {
                let (leaky, acc) = (Leaky { slope }, Accumulate(Backward));
                let (separate, x_out, g_out) = ((false, false), (true, false), (false, true));
                check((k, "leaky", leaky), bufs, separate, len, stride);
                check((k, "leaky in place", leaky), bufs, x_out, len, stride);
                check((k, "backward", Backward), bufs, separate, len, stride);
                check((k, "backward in place", Backward), bufs, g_out, len, stride);
                check((k, "accumulate", acc), bufs, separate, len, stride);
            }
        }
    }
    all::<f32>(0x57a1);
    all::<f64>(0x57a2);
    // No masked access for the 16-bit lanes: every kernel declines.
    #[cfg(feature = "half")]
    if F16_RUNS {
        all::<half::bf16>(0x57a3);
    }
}

// ---------------------------------------------------------------------------------------------
// Kernel selection

/// Fails when a kernel this CPU supports is missing from the list every test here runs, and,
/// with `RECTIFY_REQUIRE_KERNELS=avx2,sse2` (as CI sets it), when a required kernel is not
/// supported on this machine, so a CI machine without it cannot pass by skipping it.
#[test]
fn every_supported_kernel_is_tested() {
    let mut ran: Vec<&str> = Vec::new();
    for kernel in supported() {
        let mut out = [1.0_f32; 100];
        Shape::Map.run(kernel, false, Relu, &[-1.0; 100], &[0.0; 100], &mut out);
        assert_same_bits(&out, &[0.0; 100], kernel.name());
        ran.push(kernel.name());
    }
    // What this CPU supports, found independently of `Kernel`.
    let mut expected = vec!["portable"];
    #[cfg(target_arch = "x86_64")]
    {
        expected.push("sse2");
        // Detected at run time with `std`, enabled at compile time without.
        #[cfg(feature = "std")]
        let avx2 = std::is_x86_feature_detected!("avx2");
        #[cfg(not(feature = "std"))]
        let avx2 = cfg!(target_feature = "avx2");
        if avx2 {
            expected.push("avx2");
        }
        #[cfg(feature = "std")]
        let avx512 = std::is_x86_feature_detected!("avx512f");
        #[cfg(not(feature = "std"))]
        let avx512 = cfg!(target_feature = "avx512f");
        if avx512 {
            expected.push("avx512");
        }
    }
    #[cfg(target_arch = "aarch64")]
    expected.push("neon");
    assert_eq!(ran, expected, "kernels run vs kernels this CPU supports");

    let required = std::env::var("RECTIFY_REQUIRE_KERNELS").unwrap_or_default();
    for name in required.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        assert!(
            ran.contains(&name),
            "RECTIFY_REQUIRE_KERNELS names {name}, which did not run here (ran: {ran:?})"
        );
    }
}

/// `RECTIFY_KERNEL`, when set to a kernel this CPU supports, is the kernel dispatch selects.
#[test]
fn forced_kernel_is_selected() {
    if let Ok(name) = std::env::var("RECTIFY_KERNEL") {
        assert_eq!(
            Kernel::selected().name(),
            name,
            "RECTIFY_KERNEL={name} was not honoured"
        );
    } else {
        assert_eq!(
            Some(&Kernel::selected()),
            supported().last(),
            "the best kernel is selected"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Thresholds from the CPU

/// One subleaf of a deterministic-cache-parameters CPUID leaf, `[eax, ebx, ecx]`.
#[cfg(target_arch = "x86_64")]
fn cache_subleaf(kind: u32, level: u32, ways: u32, line: u32, sets: u32) -> [u32; 3] {
    [kind | level << 5, (ways - 1) << 22 | (line - 1), sets - 1]
}

/// A CPUID leaf's subleaves from a list, zeros (the end) past it.
#[cfg(target_arch = "x86_64")]
fn cache_list(cells: &[[u32; 3]]) -> impl Fn(u32) -> [u32; 3] + '_ {
    move |sub| cells.get(sub as usize).copied().unwrap_or([0; 3])
}

/// The decoder reads sizes from the fields, skips instruction caches, takes the level 2 and the
/// highest level, and stops at the end of the list (or after 16 subleaves).
#[test]
#[cfg(target_arch = "x86_64")]
fn cpuid_caches_decode() {
    use super::Caches;
    use super::x86_64::decode_caches;
    let caches = |level2, last| Caches { level2, last };
    // A Zen-like list: 32 KiB L1d, 32 KiB L1i, 1 MiB L2, 32 MiB L3.
    let zen = [
        cache_subleaf(1, 1, 8, 64, 64),
        cache_subleaf(2, 1, 8, 64, 64),
        cache_subleaf(3, 2, 16, 64, 1024),
        cache_subleaf(3, 3, 16, 64, 32 << 10),
    ];
    assert_eq!(
        decode_caches(cache_list(&zen)),
        caches(Some(1 << 20), Some(32 << 20))
    );
    // The highest level wins wherever it is listed; instruction caches never count.
    let reordered = [
        cache_subleaf(3, 3, 12, 64, 2048),
        cache_subleaf(1, 1, 12, 64, 64),
        cache_subleaf(2, 4, 16, 64, 1 << 20),
        cache_subleaf(3, 2, 16, 64, 2048),
    ];
    assert_eq!(
        decode_caches(cache_list(&reordered)),
        caches(Some(2 << 20), Some(12 * 64 * 2048))
    );
    assert_eq!(decode_caches(cache_list(&[])), caches(None, None));
    assert_eq!(
        decode_caches(cache_list(&[cache_subleaf(2, 1, 8, 64, 64)])),
        caches(None, None)
    );
    // A list that never ends is read 16 subleaves deep.
    let asked = std::cell::Cell::new(0);
    let endless = |sub: u32| {
        asked.set(asked.get().max(sub + 1));
        cache_subleaf(3, 2, 16, 64, 1024)
    };
    assert_eq!(decode_caches(endless), caches(Some(1 << 20), Some(1 << 20)));
    assert_eq!(asked.get(), 16);
}

/// The streaming threshold's rule on the caches of the machines its docs give: five eighths
/// of the last level, at most 20 times the level 2, the fallback without caches.
#[test]
fn streaming_threshold_rule() {
    use super::{Caches, STREAM_MIN_BYTES_FALLBACK, stream_min_for};
    const MIB: usize = 1 << 20;
    let rule = |level2: Option<usize>, last: Option<usize>| stream_min_for(Caches { level2, last });
    // Zen 4 and Zen 5: the L3's five eighths and the cap agree.
    assert_eq!(rule(Some(MIB), Some(32 * MIB)), 20 * MIB);
    // Zen 3: the cap.
    assert_eq!(rule(Some(MIB / 2), Some(32 * MIB)), 10 * MIB);
    // Emerald Rapids VM: the cap, where the L3 alone gives 162.5 MiB.
    assert_eq!(rule(Some(2 * MIB), Some(260 * MIB)), 40 * MIB);
    assert_eq!(rule(None, Some(260 * MIB)), 260 * MIB / 8 * 5);
    assert_eq!(rule(Some(2 * MIB), None), STREAM_MIN_BYTES_FALLBACK);
    assert_eq!(rule(None, None), STREAM_MIN_BYTES_FALLBACK);
}

/// The strided lanes' rule for AVX2 masked stores follows the vendor Linux reports (read from
/// CPUID by independent code): slow on AMD's and Hygon's cores, fast elsewhere.
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux", feature = "ndarray"))]
#[cfg_attr(miri, ignore = "Miri cannot run CPUID")]
fn avx2_masked_stores_follow_the_vendor() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let vendor = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("vendor_id"))
        .expect("/proc/cpuinfo names the vendor")
        .trim_start_matches([' ', '\t', ':'])
        .trim();
    let slow = matches!(vendor, "AuthenticAMD" | "HygonGenuine");
    assert_eq!(
        super::x86_64::avx2_masked_stores_fast(),
        !slow,
        "vendor {vendor}"
    );
}

/// The caches CPUID reports are the ones Linux reports (from the same registers, read by
/// independent code), and the streaming threshold follows its rule for them.
#[test]
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[cfg_attr(miri, ignore = "Miri cannot run CPUID")]
fn streaming_threshold_follows_the_caches() {
    let mut linux = super::Caches::default();
    let mut last_level = 0;
    for index in 0.. {
        let dir = format!("/sys/devices/system/cpu/cpu0/cache/index{index}");
        let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}"));
        let (Ok(level), Ok(kind), Ok(size)) = (read("level"), read("type"), read("size")) else {
            break;
        };
        let level: u32 = level.trim().parse().unwrap();
        let size = size.trim();
        let kib: usize = size
            .strip_suffix('K')
            .expect("sizes in KiB")
            .parse()
            .unwrap();
        if kind.trim() == "Instruction" {
            continue;
        }
        if level == 2 {
            linux.level2 = Some(kib << 10);
        }
        if linux.last.is_none() || level > last_level {
            (linux.last, last_level) = (Some(kib << 10), level);
        }
    }
    if linux.last.is_none() {
        std::eprintln!("no cache information in /sys: nothing to compare");
        return;
    }
    assert_eq!(super::x86_64::caches(), linux);
    assert_eq!(
        super::stream_min_bytes(),
        super::stream_min_for(super::cache_sizes())
    );
}

// ---------------------------------------------------------------------------------------------
// The exhaustive sweep

/// The sweep's gradient for pattern `bits`: infinities and NaNs often, other values from the
/// bits themselves.
fn sweep_grad(bits: u32) -> f32 {
    match bits % 8 {
        0 => f32::INFINITY,
        1 => f32::NEG_INFINITY,
        2 => f32::from_bits(0x7fa0_0001 | (bits & 0x8000_0000)), // signalling NaN
        3 => f32::from_bits(0xffc0_1234),
        _ => f32::from_bits(bits.rotate_left(13) ^ 0x5a5a_5a5a),
    }
}

/// All 2^32 f32 bit patterns through every distinct computation of every operation (three
/// slopes, three ceilings; plain and counting forward, plain and accumulating backward, the
/// masked passes) on every SIMD kernel this CPU supports, against the scalar reference, bits
/// compared; also the public functions with a zero slope and an infinite ceiling against the
/// scalar ones, and the scalar functions of the clip's shorter forms against its
/// compare-and-select ([`clip_forms_scalar`]). The portable kernel is the scalar reference
/// itself, and the shapes and store kinds differ only in addresses: the address tests cover
/// them. `RECTIFY_SWEEP_STRIDE=N` checks every N-th pattern instead (for slow emulators); the
/// output says which.
#[test]
#[ignore = "exhaustive sweep of every f32: run with `cargo test --release -- --ignored`"]
fn exhaustive_f32() {
    if cfg!(debug_assertions) {
        panic!("the exhaustive f32 sweep takes hours in a debug build: run it with --release");
    }
    let stride: u64 = std::env::var("RECTIFY_SWEEP_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&s| s >= 1)
        .unwrap_or(1);
    // Patterns per chunk: 8 KiB buffers of f32, which the kernels and the reference share in
    // L1 (on the Emerald Rapids VM, every 16th pattern: 20.7-23.7 s against 23.5-24.6 s with
    // 2^16 patterns a chunk, three alternating runs each).
    const CHUNK: u64 = 1 << 11;
    let patterns = (1u64 << 32).div_ceil(stride);
    let chunks = patterns.div_ceil(CHUNK);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let kernels: Vec<Kernel> = supported()
        .into_iter()
        .filter(|&k| k != Kernel::Portable)
        .collect();

    // The first thread records the runs of its first chunk, for the summary.
    let runs = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let kernels = &kernels;
                scope.spawn(move || {
                    let mut values = Values {
                        kernels: kernels.clone(),
                        runs: (t == 0).then(Vec::new),
                        ..Values::default()
                    };
                    let mut runs = None;
                    for chunk in (t..chunks).step_by(threads as usize) {
                        let first = chunk * CHUNK;
                        let last = (first + CHUNK).min(patterns);
                        let bits = (first..last).map(|p| (p * stride) as u32);
                        values.x.clear();
                        values.x.extend(bits.clone().map(f32::from_bits));
                        values.g.clear();
                        values.g.extend(bits.clone().map(sweep_grad));
                        values.old.clear();
                        values
                            .old
                            .extend(bits.map(|b| sweep_grad(b.rotate_left(7))));
                        // Panics with the case and its inputs on the first difference.
                        each_op(&mut values);
                        public_degenerate_parameters(&values.x, &values.g);
                        clip_forms_scalar(&values.x);
                        runs = runs.or(values.runs.take());
                    }
                    runs
                })
            })
            .collect();
        let runs = workers
            .into_iter()
            .map(|w| w.join().expect("a sweep thread panicked"));
        runs.flatten().next().unwrap_or_default()
    });
    let names: Vec<&str> = kernels.iter().map(|k| k.name()).collect();
    std::println!(
        "exhaustive f32: {patterns} patterns (every {stride}th of 2^32), kernels {names:?}, all bit-exact:"
    );
    for (name, runs) in &runs {
        std::println!("  {name}: {runs} runs per kernel and pattern");
    }
    std::println!(
        "  public types with ReLU's parameters (slope or threshold 0, ceiling +inf, clip [0, inf]): ReLU's bits"
    );
}

/// The public types whose parameters make them ReLU (a zero slope or threshold, an infinite
/// ceiling, the clip `[0, +inf]`), through their slice methods (the kernels), against ReLU's
/// scalar functions: forward, derivative and backward. Panics on the first difference.
fn public_degenerate_parameters(x: &[f32], g: &[f32]) {
    use crate::{Activation, Clip, ClippedRelu, LeakyRelu, ThresholdedRelu};
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
    // ReLU's scalar functions, once for all members.
    let forward: Vec<f32> = x.iter().map(|&x| crate::relu(x)).collect();
    let derivative: Vec<f32> = x.iter().map(|&x| crate::relu_derivative(x)).collect();
    let backward: Vec<f32> = (x.iter().zip(g))
        .map(|(&x, &g)| crate::scalar::relu_backward_one(x, g))
        .collect();
    let mut out = vec![0.0_f32; x.len()];
    let inputs = [x, g, g];
    for (name, act) in members {
        act.forward(x, &mut out);
        check_out(&out, &forward, inputs, || format!("{name} forward"));
        act.derivative(x, &mut out);
        check_out(&out, &derivative, inputs, || format!("{name} derivative"));
        act.backward(x, g, &mut out);
        check_out(&out, &backward, inputs, || format!("{name} backward"));
    }
}
