//! Measures rectify's slice functions on this machine: GB/s, and the ratio to the fastest loop
//! that moves the same bytes and to the naive loop, each measured in the same run.
//!
//! `cargo run --release --example throughput [filter] [--quick]`: `filter` keeps the workloads
//! whose name contains it; `--quick` stops at 4Mi elements and takes fewer batches.
//! `cargo run --release --example throughput streaming` measures where streaming stores start
//! to pay on this machine, on one thread and on all of them.

use std::hint::black_box;
use std::time::Instant;

use num_traits::Float;
use rectify::{MaskedActivation, Relu};

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use workloads::{Kernel, SIZES, Workload, inputs};

/// Median seconds per call of `f` over `batches` batches of calls lasting about `target` s.
fn median_seconds(mut f: impl FnMut(), batches: usize, target: f64) -> f64 {
    // Calibrate the calls per batch once.
    let start = Instant::now();
    f();
    let once = start.elapsed().as_secs_f64().max(1e-9);
    let calls = ((target / once) as usize).clamp(1, 1 << 24);
    let mut times: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_secs_f64() / calls as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

struct Buffers<T> {
    x: Vec<T>,
    g: Vec<T>,
    out: Vec<T>,
}

fn time<T: Float>(k: Kernel<T>, b: &mut Buffers<T>, in_place: bool, batches: usize) -> f64 {
    if in_place {
        b.out.copy_from_slice(&b.x);
    }
    let target = if b.x.len() >= 1 << 22 { 0.05 } else { 0.005 };
    median_seconds(
        || k(black_box(&b.x), black_box(&b.g), black_box(&mut b.out)),
        batches,
        target,
    )
}

fn run<T: Float + 'static>(type_name: &str, filter: &str, quick: bool) {
    for w in workloads::workloads::<T>() {
        if !w.name.contains(filter) {
            continue;
        }
        report(type_name, &w, quick);
    }
}

fn report<T: Float + 'static>(type_name: &str, w: &Workload<T>, quick: bool) {
    println!("\n{} ({type_name})", w.name);
    println!(
        "{:>9} {:>10} {:>10} {:>11} {:>10}  reference",
        "elements", "GB/s", "vs ref", "vs naive", "ref GB/s"
    );
    for n in SIZES {
        if quick && n > 4 << 20 {
            continue;
        }
        let batches = match (quick, n >= 4 << 20) {
            (true, _) => 5,
            (false, true) => 9,
            (false, false) => 21,
        };
        let mut b = Buffers {
            x: inputs::<T>(n, 0),
            g: inputs::<T>(n, 5),
            out: vec![T::zero(); n],
        };
        let bytes = (w.traffic * n * size_of::<T>()) as f64;
        let naive = time(w.naive, &mut b, w.in_place, batches);
        let ours = time(w.rectify, &mut b, w.in_place, batches);
        let references: Vec<(&str, f64)> = w
            .references
            .iter()
            .map(|&(name, k)| (name, time(k, &mut b, w.in_place, batches)))
            .collect();
        let (ref_name, reference) = references
            .iter()
            .copied()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("every workload has a reference");
        let all: Vec<String> = references
            .iter()
            .map(|(name, t)| format!("{name} {:.2}", reference / t))
            .collect();
        println!(
            "{:>9} {:>10.2} {:>10.2} {:>11.2} {:>10.2}  {ref_name} (of: {})",
            size_name(n),
            bytes / ours / 1e9,
            reference / ours,
            naive / ours,
            bytes / reference / 1e9,
            all.join(", "),
        );
    }
}

fn size_name(n: usize) -> String {
    match n {
        n if n >= 1 << 20 => format!("{}Mi", n >> 20),
        n if n >= 1 << 10 => format!("{}Ki", n >> 10),
        n => n.to_string(),
    }
}

/// Backward from the 1-bit mask next to backward from the f32 forward values, and the masked
/// forward pass next to the plain one.
fn mask_report(quick: bool) {
    println!(
        "\nrelu backward from the 1-bit mask (f32): speed vs backward from the f32 forward values"
    );
    println!(
        "{:>9} {:>14} {:>16} {:>14}",
        "elements", "mask / f32", "masked fwd / fwd", "mask bytes"
    );
    for n in SIZES {
        if n < 1 << 10 || (quick && n > 4 << 20) {
            continue;
        }
        let batches = if n >= 4 << 20 { 9 } else { 21 };
        let target = if n >= 1 << 22 { 0.05 } else { 0.005 };
        let x = inputs::<f32>(n, 0);
        let g = inputs::<f32>(n, 5);
        let mut out = vec![0.0_f32; n];
        let mut mask = vec![0_u64; rectify::mask_words(n)];
        let _ = Relu.forward_masked(&x, &mut out, &mut mask);
        let from_f32 = median_seconds(
            || rectify::relu_backward(black_box(&x), black_box(&g), black_box(&mut out)),
            batches,
            target,
        );
        let from_mask = median_seconds(
            || Relu.backward_masked(black_box(&mask), black_box(&g), black_box(&mut out)),
            batches,
            target,
        );
        let forward = median_seconds(
            || rectify::relu_slice(black_box(&x), black_box(&mut out)),
            batches,
            target,
        );
        let forward_masked = median_seconds(
            || {
                black_box(Relu.forward_masked(
                    black_box(&x),
                    black_box(&mut out),
                    black_box(&mut mask),
                ));
            },
            batches,
            target,
        );
        println!(
            "{:>9} {:>14.2} {:>16.2} {:>9} (1/32)",
            size_name(n),
            from_f32 / from_mask,
            forward / forward_masked,
            mask.len() * 8
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let filter = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .cloned()
        .unwrap_or_default();
    println!(
        "rectify throughput: kernel {}, {} logical CPUs",
        rectify::selected_kernel(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("ratios > 1 mean rectify is faster; medians of repeated batches, one thread");
    run::<f32>("f32", &filter, quick);
    run::<f64>("f64", &filter, quick);
    if "relu_backward_masked".contains(filter.as_str()) {
        mask_report(quick);
    }
    if filter == "streaming" {
        streaming_report();
    }
}

/// Streaming against ordinary stores: rectify's kernel-loop copy of `f32`, by bytes touched
/// (read and written), on one thread and split over every thread of the machine (each thread
/// copying its own chunk). Rounds interleave the two store kinds; medians of the rounds.
fn streaming_report() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\nstreaming stores vs ordinary stores, f32 copy on the kernel loop (> 1: streaming wins)"
    );
    println!(
        "{:>12} {:>12} {:>14}",
        "MiB touched",
        "1 thread",
        format!("{threads} threads")
    );
    for mib in [
        1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 192, 256,
    ] {
        let n = (mib << 20) / 2 / size_of::<f32>();
        let src = inputs::<f32>(n, 0);
        let mut dst = vec![0.0_f32; n];
        let ratio = |split: usize, dst: &mut Vec<f32>| {
            let chunk = n.div_ceil(split);
            let mut copy = |streaming: bool| {
                std::thread::scope(|s| {
                    for (x, o) in src.chunks(chunk).zip(dst.chunks_mut(chunk)) {
                        if split == 1 {
                            rectify::__bench::copy(black_box(x), o, streaming);
                        } else {
                            s.spawn(move || rectify::__bench::copy(black_box(x), o, streaming));
                        }
                    }
                })
            };
            let (mut plain, mut stream) = (vec![], vec![]);
            for _ in 0..15 {
                plain.push(median_seconds(|| copy(false), 1, 0.02));
                stream.push(median_seconds(|| copy(true), 1, 0.02));
            }
            plain.sort_by(f64::total_cmp);
            stream.sort_by(f64::total_cmp);
            plain[7] / stream[7]
        };
        let one = ratio(1, &mut dst);
        let all = ratio(threads, &mut dst);
        println!("{mib:>12} {one:>12.2} {all:>14.2}");
    }
}
