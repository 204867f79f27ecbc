//! Every operation of the family through every kernel this CPU supports, called directly
//! (whatever dispatch would pick and however short the slice), against the scalar reference:
//! all lengths and misaligned starts, f64 properties, and the exhaustive f32 sweep.

extern crate std;

use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;

use super::{
    apply_forced, forward_counted, mask_backward, mask_forward, Accumulate, Backward, Clipped,
    ClippedBackward, ClippedDerivative, Derivative, Io, Kernel, Leaky, LeakyBackward,
    LeakyDerivative, Op, Relu,
};

#[path = "../../tests/common/mod.rs"]
mod common;

use common::{assert_same_bits, edge_pairs, Rng, TestFloat};

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

const UNARY: &[Shape] = &[Shape::Map, Shape::InPlace];
const BINARY: &[Shape] = &[Shape::Zip, Shape::ZipInPlace, Shape::Accumulate];

impl Shape {
    /// Whether the output is a separate buffer, which streaming stores can write.
    fn can_stream(self) -> bool {
        matches!(self, Shape::Map | Shape::Zip)
    }

    /// Ordinary stores, and streaming stores where the output is separate.
    fn store_kinds(self) -> &'static [bool] {
        if self.can_stream() {
            &[false, true]
        } else {
            &[false]
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
        match self {
            Shape::Map => apply_forced(kernel, op, Io::Map { src: x, dst: out }, stream),
            Shape::InPlace => {
                out.copy_from_slice(x);
                apply_forced(kernel, op, Io::InPlace(out), stream)
            }
            Shape::Zip => {
                let io = Io::Zip {
                    fwd: x,
                    grad: g,
                    dst: out,
                };
                apply_forced(kernel, op, io, stream)
            }
            Shape::ZipInPlace => {
                out.copy_from_slice(g);
                apply_forced(kernel, op, Io::ZipInPlace { fwd: x, grad: out }, stream)
            }
            Shape::Accumulate => {
                let io = Io::Accumulate {
                    fwd: x,
                    grad: g,
                    acc: out,
                };
                apply_forced(kernel, Accumulate(op), io, stream)
            }
        }
    }

    /// What the scalar reference gives for one element.
    fn expect<F: TestFloat, O: Op<F>>(self, op: O, x: F, g: F, old: F) -> F {
        match self {
            Shape::Map | Shape::InPlace => op.scalar(x, x, x),
            Shape::Zip | Shape::ZipInPlace => op.scalar(x, g, x),
            Shape::Accumulate => Accumulate(op).scalar(x, g, old),
        }
    }
}

/// For a forward shape (`Map`, `InPlace`): runs the counting forward pass of `op` with `kernel`
/// over `x` into `out` and checks that it wrote `want` and counted it as a naive count does.
// A test helper: the arguments are the case, spelled out.
#[allow(clippy::too_many_arguments)]
fn check_counted<F: TestFloat, O: Op<F>>(
    shape: Shape,
    kernel: Kernel,
    stream: bool,
    op: O,
    x: &[F],
    out: &mut [F],
    want: &[F],
    at: &str,
) {
    let counts = match shape {
        Shape::Map => forward_counted(kernel, op, Io::Map { src: x, dst: out }, stream),
        Shape::InPlace => {
            out.copy_from_slice(x);
            forward_counted(kernel, op, Io::InPlace(out), stream)
        }
        _ => return,
    };
    assert_same_bits(out, want, &format!("{at}, counted"));
    let naive = [
        want.iter().filter(|&&y| y > F::zero()).count(),
        want.iter().filter(|&&y| y == F::zero()).count(),
        want.iter().filter(|y| y.is_nan()).count(),
    ];
    assert_eq!(counts, naive, "{at}: counts (active, zeros, NaN)");
}

/// Receives every operation under test.
trait Visit<F: TestFloat> {
    fn visit<O: Op<F>>(&mut self, name: &str, op: O, shapes: &[Shape]);
}

/// Slopes of the leaky members tested through the kernels (a zero slope runs ReLU's kernels,
/// tested as such, and is checked through the public functions).
const SLOPES: [f64; 3] = [0.01, 1.0, -0.5];
/// Ceilings of the clipped members (an infinite ceiling runs ReLU's kernels).
const CEILINGS: [f64; 3] = [6.0, 1.0, 1e-3];

/// Visits every operation of the family, with the parameters above.
fn each_op<F: TestFloat, V: Visit<F>>(v: &mut V) {
    v.visit("relu", Relu, UNARY);
    v.visit("relu derivative", Derivative, UNARY);
    v.visit("relu backward", Backward, BINARY);
    for slope in SLOPES.map(|s| F::from(s).unwrap()) {
        v.visit(&format!("leaky {slope:?}"), Leaky { slope }, UNARY);
        v.visit(
            &format!("leaky derivative {slope:?}"),
            LeakyDerivative { slope },
            UNARY,
        );
        v.visit(
            &format!("leaky backward {slope:?}"),
            LeakyBackward { slope },
            BINARY,
        );
    }
    for ceiling in CEILINGS.map(|c| F::from(c).unwrap()) {
        v.visit(&format!("clipped {ceiling:?}"), Clipped { ceiling }, UNARY);
        let derivative = ClippedDerivative { ceiling };
        v.visit(
            &format!("clipped derivative {ceiling:?}"),
            derivative,
            UNARY,
        );
        let backward = ClippedBackward { ceiling };
        v.visit(&format!("clipped backward {ceiling:?}"), backward, BINARY);
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

/// Checks every operation, shape, kernel and store kind on one set of inputs.
struct CheckAll<'a, F> {
    x: &'a [F],
    g: &'a [F],
    old: &'a [F],
}

impl<F: TestFloat> Visit<F> for CheckAll<'_, F> {
    fn visit<O: Op<F>>(&mut self, name: &str, op: O, shapes: &[Shape]) {
        for kernel in supported() {
            for &shape in shapes {
                let want: Vec<F> = (0..self.x.len())
                    .map(|i| shape.expect(op, self.x[i], self.g[i], self.old[i]))
                    .collect();
                for &stream in shape.store_kinds() {
                    let mut out = self.old.to_vec();
                    shape.run(kernel, stream, op, self.x, self.g, &mut out);
                    let at = format!("{name}, {kernel:?} {shape:?} stream {stream}");
                    assert_same_bits(&out, &want, &at);
                    let mut out = self.old.to_vec();
                    check_counted(shape, kernel, stream, op, self.x, &mut out, &want, &at);
                }
            }
        }
    }
}

/// Every operation, kernel and shape at every length and misaligned start, with guard cells
/// around the output that must stay untouched. Inputs are windows of fixed random pools.
struct EveryLength<F> {
    x: Vec<F>,
    g: Vec<F>,
    old: Vec<F>,
}

impl<F: TestFloat> EveryLength<F> {
    fn new(seed: u64) -> Self {
        let mut rng = Rng::new(seed);
        let n = MAX_LEN.max(300) + STARTS;
        EveryLength {
            x: rng.floats(n),
            g: rng.floats(n),
            old: rng.floats(n),
        }
    }
}

const MAX_LEN: usize = 1024;

/// Every length up to `max`; under Miri, whose interpreter is slow, a few: around one and two
/// vectors of each width, and one that reaches the unrolled loop with every width.
fn lengths(max: usize) -> Vec<usize> {
    if cfg!(miri) {
        vec![0, 1, 2, 3, 7, 8, 9, 16, 17, 33, 71]
    } else {
        (0..=max).collect()
    }
}

const STARTS: usize = if cfg!(miri) { 2 } else { 8 };
const GUARD: usize = 8;

impl<F: TestFloat> Visit<F> for EveryLength<F> {
    fn visit<O: Op<F>>(&mut self, name: &str, op: O, shapes: &[Shape]) {
        let sentinel = F::from_raw(0x7ff4_dead_7fb0_dead);
        for kernel in supported() {
            for &shape in shapes {
                for &stream in shape.store_kinds() {
                    for len in lengths(MAX_LEN) {
                        for start in 0..STARTS {
                            // Different windows for each input, so x, g and old differ.
                            let x = &self.x[start..start + len];
                            let g = &self.g[STARTS - 1 - start..][..len];
                            let old = &self.old[len % STARTS..][..len];
                            let mut buf = vec![sentinel; GUARD + start + len + GUARD];
                            let range = GUARD + start..GUARD + start + len;
                            buf[range.clone()].copy_from_slice(old);
                            shape.run(kernel, stream, op, x, g, &mut buf[range.clone()]);

                            let want: Vec<F> = (0..len)
                                .map(|i| shape.expect(op, x[i], g[i], old[i]))
                                .collect();
                            let at = format!(
                                "{name}, {kernel:?} {shape:?} stream {stream}, length {len}, start {start}"
                            );
                            assert_same_bits(&buf[range.clone()], &want, &at);
                            let guards = buf[..range.start].iter().chain(&buf[range.end..]);
                            assert!(
                                guards.into_iter().all(|v| v.bits() == sentinel.bits()),
                                "{at}: wrote outside its output"
                            );
                            let out = &mut buf[range.clone()];
                            check_counted(shape, kernel, stream, op, x, out, &want, &at);
                            let guards = buf[..range.start].iter().chain(&buf[range.end..]);
                            assert!(
                                guards.into_iter().all(|v| v.bits() == sentinel.bits()),
                                "{at}: counted pass wrote outside its output"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn every_kernel_every_length_and_start_f32() {
    each_op(&mut EveryLength::<f32>::new(0xca11));
}

#[test]
fn every_kernel_every_length_and_start_f64() {
    each_op(&mut EveryLength::<f64>::new(0xca12));
}

/// Every (x, g) pair of edge values, long enough to reach the vector loop.
fn edge_table<F: TestFloat>() {
    let (x, g) = edge_pairs::<F>();
    let old: Vec<F> = g.iter().rev().copied().collect();
    each_op(&mut CheckAll {
        x: &x,
        g: &g,
        old: &old,
    });
}

#[test]
fn every_kernel_edge_table_f32() {
    edge_table::<f32>();
}

#[test]
fn every_kernel_edge_table_f64() {
    edge_table::<f64>();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 2 } else { 128 }))]

    /// f64 has too many bit patterns to sweep: random raw bits through every kernel instead.
    #[test]
    fn every_kernel_raw_bits_f64(
        x in proptest::collection::vec(
            any::<u64>().prop_map(f64::from_bits),
            0..if cfg!(miri) { 80 } else { 300 },
        ),
        seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(seed);
        let g = rng.floats::<f64>(x.len());
        let old = rng.floats::<f64>(x.len());
        each_op(&mut CheckAll { x: &x, g: &g, old: &old });
    }
}

/// The mask bits of `x`, counted one element at a time: set where `x > 0` or NaN.
fn naive_mask<F: TestFloat>(x: &[F]) -> Vec<u64> {
    let mut words = vec![0u64; x.len().div_ceil(64)];
    for (i, &v) in x.iter().enumerate() {
        if v > F::zero() || v.is_nan() {
            words[i / 64] |= 1 << (i % 64);
        }
    }
    words
}

/// The masked forward pass of `op` and both masked backward passes built on it (ReLU's or
/// leaky ReLU's, plain, in place and accumulating), with `kernel`, against the scalar
/// reference and a naive mask. A separate output starts at each of `offsets` elements past a
/// vector boundary; `context` names the case.
// A test helper: the arguments are the case, spelled out.
#[allow(clippy::too_many_arguments)]
fn check_masks<F: TestFloat, O: Op<F>, B: Op<F>>(
    kernel: Kernel,
    forward: O,
    backward: B,
    x: &[F],
    g: &[F],
    old: &[F],
    offsets: usize,
    context: &str,
) {
    let n = x.len();
    let want_words = naive_mask(x);
    let want_nans = x.iter().filter(|v| v.is_nan()).count();
    let want_out: Vec<F> = x.iter().map(|&v| forward.scalar(v, v, v)).collect();
    // In place, and into a separate output with ordinary and streaming stores at every offset
    // from a vector boundary: streaming starts its vectors there, in the middle of a word.
    let cases = [(true, false), (false, false), (false, true)];
    for (in_place, stream) in cases {
        for offset in 0..offsets {
            let mut buf = vec![F::one(); n + offset];
            let out = &mut buf[offset..];
            let mut words = vec![u64::MAX; n.div_ceil(64)];
            let nans = if in_place {
                out.copy_from_slice(x);
                mask_forward(kernel, forward, Io::InPlace(out), &mut words, false)
            } else {
                let io = Io::Map { src: x, dst: out };
                mask_forward(kernel, forward, io, &mut words, stream)
            };
            let at = format!(
                "{context}, {kernel:?} masked forward, in place {in_place}, stream {stream}, offset {offset}"
            );
            assert_same_bits(&buf[offset..], &want_out, &at);
            assert_eq!(words, want_words, "{at}: mask bits");
            assert_eq!(nans, want_nans, "{at}: NaN count");
        }
    }
    // Backward from the bits: x is 1 where the bit is set, 0 where it is clear.
    let bit = |i: usize| {
        if want_words[i / 64] >> (i % 64) & 1 == 1 {
            F::one()
        } else {
            F::zero()
        }
    };
    let want: Vec<F> = (0..n)
        .map(|i| backward.scalar(bit(i), g[i], bit(i)))
        .collect();
    // A separate output, with ordinary and streaming stores, at every offset from a vector
    // boundary: streaming starts its vectors there, in the middle of a mask word.
    for stream in [false, true] {
        for offset in 0..offsets {
            let mut buf = vec![F::one(); n + offset];
            let out = &mut buf[offset..];
            mask_backward(kernel, backward, &want_words, Some(g), out, stream);
            let at =
                format!("{context}, {kernel:?} masked backward, stream {stream}, offset {offset}");
            assert_same_bits(out, &want, &at);
        }
    }
    let mut grad = g.to_vec();
    mask_backward(kernel, backward, &want_words, None, &mut grad, false);
    assert_same_bits(
        &grad,
        &want,
        &format!("{context}, {kernel:?} masked backward in place"),
    );
    let mut acc = old.to_vec();
    mask_backward(
        kernel,
        Accumulate(backward),
        &want_words,
        Some(g),
        &mut acc,
        false,
    );
    let summed: Vec<F> = (0..n)
        .map(|i| Accumulate(backward).scalar(bit(i), g[i], old[i]))
        .collect();
    assert_same_bits(
        &acc,
        &summed,
        &format!("{context}, {kernel:?} masked accumulate"),
    );
}

/// Every kernel's masked passes at every length up to a few words and misaligned starts.
fn masks_every_length<F: TestFloat>() {
    let starts = if cfg!(miri) { 2 } else { 8 };
    // Offset 1 already starts streaming vectors inside a word for every vector width.
    let offsets = if cfg!(miri) { 2 } else { 8 };
    let pool = EveryLength::<F>::new(0x3a5c);
    let slope = F::from(0.01).unwrap();
    for kernel in supported() {
        for len in lengths(300) {
            for start in 0..starts {
                let x = &pool.x[start..][..len];
                let g = &pool.g[start..][..len];
                let old = &pool.old[..len];
                let at = format!("length {len}, start {start}");
                check_masks(
                    kernel,
                    Relu,
                    Backward,
                    x,
                    g,
                    old,
                    offsets,
                    &format!("relu, {at}"),
                );
                let (leaky, leaky_backward) = (Leaky { slope }, LeakyBackward { slope });
                check_masks(
                    kernel,
                    leaky,
                    leaky_backward,
                    x,
                    g,
                    old,
                    offsets,
                    &format!("leaky, {at}"),
                );
            }
        }
    }
}

#[test]
fn every_kernel_masks_f32() {
    masks_every_length::<f32>();
}

#[test]
fn every_kernel_masks_f64() {
    masks_every_length::<f64>();
}

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

/// Runs every operation, shape, kernel and store kind over one chunk of the sweep.
struct SweepChunk<'a> {
    x: &'a [f32],
    g: &'a [f32],
    old: &'a [f32],
    out: &'a mut Vec<f32>,
    want: &'a mut Vec<f32>,
    failure: Option<String>,
    /// Runs per operation name, for the summary.
    counts: Vec<(String, usize)>,
}

impl Visit<f32> for SweepChunk<'_> {
    fn visit<O: Op<f32>>(&mut self, name: &str, op: O, shapes: &[Shape]) {
        let n = self.x.len();
        let mut runs = 0;
        for &shape in shapes {
            self.want.clear();
            self.want
                .extend((0..n).map(|i| shape.expect(op, self.x[i], self.g[i], self.old[i])));
            for kernel in supported() {
                for &stream in shape.store_kinds() {
                    self.out.clear();
                    self.out.extend_from_slice(self.old);
                    shape.run(kernel, stream, op, self.x, self.g, self.out);
                    runs += 1;
                    let same = self
                        .out
                        .iter()
                        .zip(self.want.iter())
                        .all(|(a, b)| a.to_bits() == b.to_bits());
                    if !same && self.failure.is_none() {
                        let i = (0..n)
                            .find(|&i| self.out[i].to_bits() != self.want[i].to_bits())
                            .unwrap_or(0);
                        self.failure = Some(format!(
                            "{name}, {kernel:?} {shape:?} stream {stream}: x = {:#010x}, g = {:#010x}, old = {:#010x} gave {:#010x}, want {:#010x}",
                            self.x[i].to_bits(),
                            self.g[i].to_bits(),
                            self.old[i].to_bits(),
                            self.out[i].to_bits(),
                            self.want[i].to_bits()
                        ));
                    }
                }
            }
        }
        self.counts.push((String::from(name), runs));
    }
}

/// All 2^32 f32 bit patterns through every operation (three slopes, three ceilings), shape,
/// store kind and supported kernel, against the scalar reference, comparing bits; also the
/// public functions with a zero slope and an infinite ceiling against the scalar ones.
/// `RECTIFY_SWEEP_STRIDE=N` checks every N-th pattern instead (for slow emulators); the output
/// says which.
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
    const CHUNK: u64 = 1 << 16;
    let patterns = (1u64 << 32).div_ceil(stride);
    let chunks = patterns.div_ceil(CHUNK);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;

    // Per thread: the first failure, if any, and the runs per operation.
    type Outcome = (Option<String>, Vec<(String, usize)>);
    let results: Vec<Outcome> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let (mut x, mut g, mut old) = (Vec::new(), Vec::new(), Vec::new());
                    let (mut out, mut want) = (Vec::new(), Vec::new());
                    let mut counts = Vec::new();
                    for chunk in (t..chunks).step_by(threads as usize) {
                        let first = chunk * CHUNK;
                        let last = (first + CHUNK).min(patterns);
                        let bits = (first..last).map(|p| (p * stride) as u32);
                        x.clear();
                        x.extend(bits.clone().map(f32::from_bits));
                        g.clear();
                        g.extend(bits.clone().map(sweep_grad));
                        old.clear();
                        old.extend(bits.map(|b| sweep_grad(b.rotate_left(7))));
                        let mut sweep = SweepChunk {
                            x: &x,
                            g: &g,
                            old: &old,
                            out: &mut out,
                            want: &mut want,
                            failure: None,
                            counts: Vec::new(),
                        };
                        each_op(&mut sweep);
                        if let Some(failure) = sweep.failure {
                            return (Some(failure), counts);
                        }
                        if let Some(failure) = public_degenerate_parameters(&x, &g) {
                            return (Some(failure), counts);
                        }
                        // The masked passes (they panic with the details on a mismatch).
                        let (leaky, leaky_backward) =
                            (Leaky { slope: 0.01 }, LeakyBackward { slope: 0.01 });
                        for kernel in supported() {
                            // Offset 1 starts streaming vectors inside a word for every
                            // vector width.
                            check_masks(kernel, Relu, Backward, &x, &g, &old, 2, "relu");
                            let (fwd, bwd) = (leaky, leaky_backward);
                            check_masks(kernel, fwd, bwd, &x, &g, &old, 2, "leaky 0.01");
                        }
                        counts = sweep.counts;
                    }
                    (None, counts)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("sweep thread panicked"))
            .collect()
    });
    let failures: Vec<&String> = results.iter().filter_map(|r| r.0.as_ref()).collect();
    assert!(
        failures.is_empty(),
        "exhaustive f32 sweep failed:\n{failures:?}"
    );
    let kernels: Vec<&str> = supported().iter().map(|k| k.name()).collect();
    std::println!(
        "exhaustive f32: {patterns} patterns (every {stride}th of 2^32), kernels {kernels:?}, all bit-exact:"
    );
    for (name, runs) in &results[0].1 {
        std::println!("  {name}: {runs} kernel runs (shapes x kernels x store kinds) per pattern");
    }
    std::println!(
        "  public leaky (slope 0) and clipped (ceiling +inf) slice functions: equal to the scalar functions"
    );
    std::println!(
        "  masked forward (relu, leaky 0.01; slice with both store kinds, and in place: outputs, bits, NaN counts) and masked backward (plain with both store kinds, in place, accumulate) in every kernel: exact"
    );
}

/// The public functions that map a zero slope and an infinite ceiling to ReLU's kernels, against
/// the scalar functions with the same parameters.
fn public_degenerate_parameters(x: &[f32], g: &[f32]) -> Option<String> {
    let mut out = vec![0.0_f32; x.len()];
    let check = |name: &str, out: &[f32], want: &dyn Fn(usize) -> f32| {
        (0..x.len())
            .find(|&i| out[i].to_bits() != want(i).to_bits())
            .map(|i| {
                format!(
                    "{name}: x = {:#010x} gave {:#010x}",
                    x[i].to_bits(),
                    out[i].to_bits()
                )
            })
    };
    crate::leaky_relu_slice(x, 0.0, &mut out);
    let leaky = check("leaky_relu_slice(slope 0)", &out, &|i| {
        crate::leaky_relu(x[i], 0.0)
    });
    crate::leaky_relu_backward(x, 0.0, g, &mut out);
    let leaky_backward = check("leaky_relu_backward(slope 0)", &out, &|i| {
        crate::scalar::leaky_relu_backward_one(x[i], 0.0, g[i])
    });
    crate::clipped_relu_derivative_slice(x, f32::INFINITY, &mut out);
    let clipped = check("clipped_relu_derivative_slice(+inf)", &out, &|i| {
        crate::clipped_relu_derivative(x[i], f32::INFINITY)
    });
    leaky.or(leaky_backward).or(clipped)
}
