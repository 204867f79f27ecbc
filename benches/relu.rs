//! rectify next to the naive loop users write and a memcpy of the same bytes.
//!
//! `cargo bench --bench relu`; compare the medians as ratios within one run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [usize; 5] = [64, 1 << 10, 16 << 10, 256 << 10, 4 << 20];

/// Inputs with both signs, zeros of both signs and a NaN, so no path is skipped.
fn inputs(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| match i % 16 {
            0 => -0.0,
            7 => f32::NAN,
            k => (k as f32 - 8.0) * 0.37,
        })
        .collect()
}

fn relu_slice_f32(c: &mut Criterion) {
    let mut group = c.benchmark_group("relu_slice/f32");
    for n in SIZES {
        let input = inputs(n);
        let mut output = vec![0.0_f32; n];
        // Read n elements and write n elements.
        group.throughput(Throughput::Bytes((2 * n * size_of::<f32>()) as u64));
        group.bench_function(BenchmarkId::new("rectify", n), |b| {
            b.iter(|| rectify::relu_slice(black_box(&input), black_box(&mut output)))
        });
        group.bench_function(BenchmarkId::new("naive_max", n), |b| {
            b.iter(|| {
                for (o, &x) in black_box(&mut output).iter_mut().zip(black_box(&input)) {
                    *o = x.max(0.0);
                }
            })
        });
        group.bench_function(BenchmarkId::new("memcpy", n), |b| {
            b.iter(|| black_box(&mut output).copy_from_slice(black_box(&input)))
        });
    }
    group.finish();
}

criterion_group!(benches, relu_slice_f32);
criterion_main!(benches);
