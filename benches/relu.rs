//! Criterion benches: every slice function, f32 and f64, from 8 to 64Mi elements, next to the
//! naive loop users write and references that move the same bytes (memcpy, a copy and a
//! streaming copy on rectify's kernel loop, a read-modify-write in place, a two-input sum).
//!
//! `cargo bench --bench relu`, or a filter such as `cargo bench --bench relu -- relu_slice/f32`.
//! Compare medians within one run, as ratios; `examples/throughput.rs` prints those directly.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use num_traits::Float;

mod workloads;

use workloads::{inputs, workloads, SIZES};

fn bench_type<T: Float + 'static>(c: &mut Criterion, type_name: &str) {
    for w in workloads::<T>() {
        let mut group = c.benchmark_group(format!("{}/{type_name}", w.name));
        for n in SIZES {
            let x = inputs::<T>(n, 0);
            let g = inputs::<T>(n, 5);
            // In-place workloads start from the input; repeating them keeps it valid data.
            let mut out = if w.in_place {
                x.clone()
            } else {
                vec![T::zero(); n]
            };
            group.throughput(Throughput::Bytes((w.traffic * n * size_of::<T>()) as u64));
            if n >= 4 << 20 {
                group.sample_size(10);
            }
            let candidates = [("rectify", w.rectify), ("naive", w.naive)]
                .into_iter()
                .chain(w.references.iter().copied());
            for (name, f) in candidates {
                group.bench_function(BenchmarkId::new(name, n), |b| {
                    b.iter(|| f(black_box(&x), black_box(&g), black_box(&mut out)))
                });
            }
        }
        group.finish();
    }
}

fn benches(c: &mut Criterion) {
    bench_type::<f32>(c, "f32");
    bench_type::<f64>(c, "f64");
}

criterion_group! {
    name = relu;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(relu);
