//! Every kernel this CPU supports, called directly (whatever dispatch would pick and however
//! short the slice): all lengths and misaligned starts, f64 properties, and the exhaustive
//! f32 sweep.

extern crate std;

use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use proptest::prelude::*;

use super::{apply_forced, Backward, Derivative, Io, Kernel, Relu};

#[path = "../../tests/common/mod.rs"]
mod common;

use common::{bits_of, spec_backward, spec_derivative, spec_relu, Rng, TestFloat};

/// The six slice shapes, at the level of the kernels.
#[derive(Clone, Copy, Debug)]
enum Variant {
    Relu,
    ReluInPlace,
    Derivative,
    DerivativeInPlace,
    Backward,
    BackwardInPlace,
}

const VARIANTS: [Variant; 6] = [
    Variant::Relu,
    Variant::ReluInPlace,
    Variant::Derivative,
    Variant::DerivativeInPlace,
    Variant::Backward,
    Variant::BackwardInPlace,
];

impl Variant {
    /// Runs the variant with `kernel` on inputs `x` (and `g`), leaving the result in `out`;
    /// `stream` forces streaming stores where the output is separate.
    fn run<F: TestFloat>(self, kernel: Kernel, stream: bool, x: &[F], g: &[F], out: &mut [F]) {
        match self {
            Variant::Relu => apply_forced(kernel, Relu, Io::Map { src: x, dst: out }, stream),
            Variant::ReluInPlace => {
                out.copy_from_slice(x);
                apply_forced(kernel, Relu, Io::InPlace(out), stream)
            }
            Variant::Derivative => {
                apply_forced(kernel, Derivative, Io::Map { src: x, dst: out }, stream)
            }
            Variant::DerivativeInPlace => {
                out.copy_from_slice(x);
                apply_forced(kernel, Derivative, Io::InPlace(out), stream)
            }
            Variant::Backward => {
                let io = Io::Zip {
                    fwd: x,
                    grad: g,
                    dst: out,
                };
                apply_forced(kernel, Backward, io, stream)
            }
            Variant::BackwardInPlace => {
                out.copy_from_slice(g);
                apply_forced(
                    kernel,
                    Backward,
                    Io::ZipInPlace { fwd: x, grad: out },
                    stream,
                )
            }
        }
    }

    /// Whether the variant writes a separate output, which streaming stores can write.
    fn separate_output(self) -> bool {
        matches!(
            self,
            Variant::Relu | Variant::Derivative | Variant::Backward
        )
    }

    fn spec<F: TestFloat>(self, x: F, g: F) -> F {
        match self {
            Variant::Relu | Variant::ReluInPlace => spec_relu(x),
            Variant::Derivative | Variant::DerivativeInPlace => spec_derivative(x),
            Variant::Backward | Variant::BackwardInPlace => spec_backward(x, g),
        }
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

/// Runs `variant` with `kernel`, with ordinary and (where the output is separate) streaming
/// stores, and checks every element against the spec.
fn check<F: TestFloat>(kernel: Kernel, variant: Variant, x: &[F], g: &[F]) {
    let want: Vec<F> = x.iter().zip(g).map(|(&x, &g)| variant.spec(x, g)).collect();
    for &stream in store_kinds(variant) {
        let mut out = vec![F::one(); x.len()];
        variant.run(kernel, stream, x, g, &mut out);
        assert_eq!(
            bits_of(&out),
            bits_of(&want),
            "{kernel:?} {variant:?} stream {stream}"
        );
    }
}

/// Ordinary stores, and streaming stores where the variant has a separate output.
fn store_kinds(variant: Variant) -> &'static [bool] {
    if variant.separate_output() {
        &[false, true]
    } else {
        &[false]
    }
}

const MAX_LEN: usize = if cfg!(miri) { 40 } else { 1024 };
const STARTS: usize = if cfg!(miri) { 2 } else { 8 };
const GUARD: usize = 8;

fn every_length_and_start<F: TestFloat>() {
    let sentinel = F::from_raw(0x7ff4_dead_7fb0_dead);
    let mut rng = Rng::new(0xca11);
    for kernel in supported() {
        for variant in VARIANTS {
            for stream in store_kinds(variant).iter().copied() {
                for len in 0..=MAX_LEN {
                    for start in 0..STARTS {
                        let x: Vec<F> = rng.floats(start + len);
                        let g: Vec<F> = rng.floats(start + len);
                        let (x, g) = (&x[start..], &g[start..]);
                        let mut buf = vec![sentinel; GUARD + start + len + GUARD];
                        let range = GUARD + start..GUARD + start + len;
                        variant.run(kernel, stream, x, g, &mut buf[range.clone()]);

                        let want: Vec<F> =
                            x.iter().zip(g).map(|(&x, &g)| variant.spec(x, g)).collect();
                        let at = format!(
                            "{kernel:?} {variant:?} stream {stream}, length {len}, start {start}"
                        );
                        assert_eq!(bits_of(&buf[range.clone()]), bits_of(&want), "{at}");
                        assert!(
                            buf[..range.start]
                                .iter()
                                .chain(&buf[range.end..])
                                .all(|v| v.bits() == sentinel.bits()),
                            "{at}: wrote outside its output"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_kernel_every_length_and_start_f32() {
    every_length_and_start::<f32>();
}

#[test]
fn every_kernel_every_length_and_start_f64() {
    every_length_and_start::<f64>();
}

/// Every (forward, gradient) pair of edge values, long enough to reach the vector loop.
fn edge_table<F: TestFloat>() {
    let edges = F::edge_values();
    let x: Vec<F> = edges
        .iter()
        .flat_map(|&a| edges.iter().map(move |_| a))
        .collect();
    let g: Vec<F> = edges.iter().flat_map(|_| edges.iter().copied()).collect();
    for kernel in supported() {
        for variant in VARIANTS {
            check(kernel, variant, &x, &g);
        }
    }
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
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    /// f64 has too many bit patterns to sweep: random raw bits through every kernel instead.
    #[test]
    fn every_kernel_raw_bits_f64(
        x in proptest::collection::vec(any::<u64>().prop_map(f64::from_bits), 0..600),
        seed in any::<u64>(),
    ) {
        let g = Rng::new(seed).floats::<f64>(x.len());
        for kernel in supported() {
            for variant in VARIANTS {
                check(kernel, variant, &x, &g);
            }
        }
    }
}

/// Fails when a kernel this CPU supports is missing from the list every test here runs, and,
/// with `RECTIFY_REQUIRE_KERNELS=avx2,sse2` (as CI sets it), when a required kernel is not
/// supported on this machine, so a CI machine without it cannot pass by skipping it.
#[test]
fn every_supported_kernel_is_tested() {
    let mut ran: Vec<&str> = Vec::new();
    for kernel in supported() {
        check(kernel, Variant::Relu, &[-1.0_f32; 100], &[0.0; 100]);
        ran.push(kernel.name());
    }
    // What this CPU supports, found independently of `Kernel`.
    let mut expected = vec!["portable"];
    #[cfg(target_arch = "x86_64")]
    {
        expected.push("sse2");
        if std::is_x86_feature_detected!("avx2") {
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

/// Builds the sweep's gradient for pattern `bits`: infinities and NaNs often, other values
/// from the bits themselves.
fn sweep_grad(bits: u32) -> f32 {
    match bits % 8 {
        0 => f32::INFINITY,
        1 => f32::NEG_INFINITY,
        2 => f32::from_bits(0x7fa0_0001 | (bits & 0x8000_0000)), // signalling NaN
        3 => f32::from_bits(0xffc0_1234),
        _ => f32::from_bits(bits.rotate_left(13) ^ 0x5a5a_5a5a),
    }
}

/// All 2^32 f32 bit patterns through every variant of every supported kernel, against the
/// scalar reference, comparing bits. `RECTIFY_SWEEP_STRIDE=N` checks every N-th pattern
/// instead (for slow emulators); the output says which.
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
    let kernels = supported();

    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let kernels = &kernels;
                scope.spawn(move || {
                    let mut x = Vec::new();
                    let mut g = Vec::new();
                    let mut out = vec![0.0_f32; CHUNK as usize];
                    let mut want = vec![0.0_f32; CHUNK as usize];
                    for chunk in (t..chunks).step_by(threads as usize) {
                        let first = chunk * CHUNK;
                        let last = (first + CHUNK).min(patterns);
                        x.clear();
                        g.clear();
                        for p in first..last {
                            let bits = (p * stride) as u32;
                            x.push(f32::from_bits(bits));
                            g.push(sweep_grad(bits));
                        }
                        let n = x.len();
                        for variant in VARIANTS {
                            for (w, (&x, &g)) in want.iter_mut().zip(x.iter().zip(&g)) {
                                *w = match variant {
                                    Variant::Relu | Variant::ReluInPlace => crate::relu(x),
                                    Variant::Derivative | Variant::DerivativeInPlace => {
                                        crate::relu_derivative(x)
                                    }
                                    Variant::Backward | Variant::BackwardInPlace => {
                                        crate::scalar::relu_backward_one(x, g)
                                    }
                                };
                            }
                            for (&kernel, &stream) in kernels
                                .iter()
                                .flat_map(|k| store_kinds(variant).iter().map(move |s| (k, s)))
                            {
                                variant.run(kernel, stream, &x, &g, &mut out[..n]);
                                let same = out[..n]
                                    .iter()
                                    .zip(&want[..n])
                                    .all(|(a, b)| a.to_bits() == b.to_bits());
                                if !same {
                                    let i = (0..n)
                                        .find(|&i| out[i].to_bits() != want[i].to_bits())
                                        .unwrap_or(0);
                                    return Some(std::format!(
                                        "{kernel:?} {variant:?} stream {stream}: x = {:#010x}, g = {:#010x} gave {:#010x}, want {:#010x}",
                                        x[i].to_bits(),
                                        g[i].to_bits(),
                                        out[i].to_bits(),
                                        want[i].to_bits()
                                    ));
                                }
                            }
                        }
                    }
                    None
                })
            })
            .collect();
        workers
            .into_iter()
            .filter_map(|w| w.join().expect("sweep thread panicked"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "exhaustive f32 sweep failed:\n{}",
        failures.join("\n")
    );
    for kernel in &kernels {
        for variant in VARIANTS {
            for stream in store_kinds(variant) {
                let stores = if *stream { "streaming" } else { "ordinary" };
                std::println!(
                    "exhaustive f32: {kernel:?} {variant:?} ({stores} stores): {patterns} patterns checked (every {stride}th of 2^32), all bit-exact"
                );
            }
        }
    }
}
