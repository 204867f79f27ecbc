//! Criterion benches: every slice function, f32 and f64, from 8 to 64Mi elements, next to the
//! naive loop users write and references that move the same bytes (memcpy, a copy and a
//! streaming copy on rectify's kernel loop, a read-modify-write in place, a two-input sum).
//!
//! With `--features ndarray`, also `ArrayActivation` on arrays of several layouts; with
//! `--features rayon`, `Parallel` against the serial methods and a copy on as many threads; with
//! `--features half`, `f16` and `bf16` against the provided methods and a copy.
//!
//! `cargo bench --bench relu`, or a filter such as `cargo bench --bench relu -- relu_slice/f32`.
//! Compare medians within one run, as ratios; `examples/throughput.rs` prints those directly.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use num_traits::Float;

mod workloads;

use workloads::{SIZES, inputs, workloads};

/// The sizes of `all` to run. Under `cargo test` (criterion's test mode, without
/// `--bench`: each bench runs once, to check that it works) up to 4Mi: the first touch of the
/// 64Mi buffers took most of that run (40 of 52 s in CI), for the code paths 4Mi runs too.
fn sizes(all: &[usize]) -> impl Iterator<Item = usize> + '_ {
    let test_mode = !std::env::args().any(|a| a == "--bench");
    all.iter()
        .copied()
        .filter(move |&n| !test_mode || n <= 4 << 20)
}

fn bench_type<T: Float + 'static>(c: &mut Criterion, type_name: &str) {
    for w in workloads::<T>() {
        let mut group = c.benchmark_group(format!("{}/{type_name}", w.name));
        for n in sizes(&SIZES) {
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

/// `ArrayActivation` (feature `ndarray`), f32 ReLU in place on square matrices: C order (the
/// reference), F order and a permuted view (both one slice), and every second column against
/// ndarray's `mapv_inplace(|x| x.max(0.0))` on the same view.
#[cfg(feature = "ndarray")]
fn bench_arrays(c: &mut Criterion) {
    use ndarray::{Array2, ShapeBuilder, s};
    use rectify::{ArrayActivation, Relu};

    let mut group = c.benchmark_group("array_relu_in_place/f32");
    for side in [32, 128, 512, 2048] {
        let n = side * side;
        let x = inputs::<f32>(n, 0);
        let mut c_order = Array2::from_shape_vec((side, side), x.clone()).unwrap();
        let mut f_order = Array2::from_shape_vec((side, side).f(), x.clone()).unwrap();
        let mut wide = Array2::from_shape_vec((side, side), x).unwrap();
        group.throughput(Throughput::Bytes((2 * n * size_of::<f32>()) as u64));
        if n >= 4 << 20 {
            group.sample_size(10);
        }
        group.bench_function(BenchmarkId::new("c_order", n), |b| {
            b.iter(|| Relu.forward_array_in_place(black_box(&mut c_order)))
        });
        group.bench_function(BenchmarkId::new("f_order", n), |b| {
            b.iter(|| Relu.forward_array_in_place(black_box(&mut f_order)))
        });
        group.bench_function(BenchmarkId::new("permuted", n), |b| {
            b.iter(|| {
                Relu.forward_array_in_place(&mut black_box(&mut c_order).view_mut().reversed_axes())
            })
        });
        // Half the elements: the throughput counts all of them, compare the two rows.
        group.bench_function(BenchmarkId::new("every_second_column", n), |b| {
            b.iter(|| {
                Relu.forward_array_in_place(&mut black_box(&mut wide).slice_mut(s![.., ..;2]))
            })
        });
        group.bench_function(
            BenchmarkId::new("every_second_column_mapv_inplace", n),
            |b| {
                b.iter(|| {
                    (black_box(&mut wide).slice_mut(s![.., ..;2])).mapv_inplace(|v| v.max(0.0))
                })
            },
        );
    }
    group.finish();
}

/// `Parallel` (feature `rayon`), f32: ReLU forward and backward on every core against the
/// serial methods and a copy of the same bytes split over the same threads.
#[cfg(feature = "rayon")]
fn bench_parallel(c: &mut Criterion) {
    use rayon::prelude::*;
    use rectify::{Activation, Parallel, Relu};

    let mut group = c.benchmark_group("parallel_relu/f32");
    for n in sizes(&[64 << 10, 256 << 10, 4 << 20, 64 << 20]) {
        let x = inputs::<f32>(n, 0);
        let g = inputs::<f32>(n, 5);
        let mut out = vec![0.0_f32; n];
        group.throughput(Throughput::Bytes((2 * n * size_of::<f32>()) as u64));
        if n >= 4 << 20 {
            group.sample_size(10);
        }
        let chunk = n.div_ceil(rayon::current_num_threads());
        group.bench_function(BenchmarkId::new("copy_threads", n), |b| {
            b.iter(|| {
                (black_box(&x)
                    .par_chunks(chunk)
                    .zip(out.par_chunks_mut(chunk)))
                .for_each(|(x, o)| o.copy_from_slice(x))
            })
        });
        group.bench_function(BenchmarkId::new("forward_serial", n), |b| {
            b.iter(|| Relu.forward(black_box(&x), &mut out))
        });
        group.bench_function(BenchmarkId::new("forward_parallel", n), |b| {
            b.iter(|| Parallel::new(Relu).forward(black_box(&x), &mut out))
        });
        group.bench_function(BenchmarkId::new("backward_serial", n), |b| {
            b.iter(|| Relu.backward(black_box(&x), black_box(&g), &mut out))
        });
        group.bench_function(BenchmarkId::new("backward_parallel", n), |b| {
            b.iter(|| Parallel::new(Relu).backward(black_box(&x), black_box(&g), &mut out))
        });
    }
    group.finish();
}

/// The 16-bit formats (feature `half`): ReLU forward, in place and backward, and leaky ReLU
/// forward, against the provided methods (what a type without kernels gets: a loop over the
/// scalar methods) and references that move the same bytes: a copy (memcpy) for the forward
/// passes, and for backward an integer loop over the bit patterns that reads two inputs and
/// writes one (the compiler vectorises it).
#[cfg(feature = "half")]
fn bench_half<T: Bits16>(c: &mut Criterion, type_name: &str) {
    use rectify::{Activation, LeakyRelu, Relu};

    /// An activation through the trait's provided slice methods only.
    struct Provided<A>(A);
    impl<T: Float + 'static, A: Activation<T>> Activation<T> for Provided<A> {
        fn at(&self, x: T) -> T {
            self.0.at(x)
        }
        fn derivative_at(&self, x: T) -> T {
            self.0.derivative_at(x)
        }
        fn backward_at(&self, forward: T, grad: T) -> T {
            self.0.backward_at(forward, grad)
        }
    }

    let leaky = LeakyRelu::new(T::from(0.01).unwrap()).unwrap();
    let mut group = c.benchmark_group(format!("half_relu/{type_name}"));
    for n in sizes(&[1 << 10, 16 << 10, 256 << 10, 4 << 20, 64 << 20]) {
        let x = inputs::<T>(n, 0);
        let g = inputs::<T>(n, 5);
        let mut out = vec![T::zero(); n];
        let mut values = x.clone();
        group.throughput(Throughput::Bytes((2 * n * size_of::<T>()) as u64));
        if n >= 4 << 20 {
            group.sample_size(10);
        }
        group.bench_function(BenchmarkId::new("copy", n), |b| {
            b.iter(|| out.copy_from_slice(black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("forward", n), |b| {
            b.iter(|| Relu.forward(black_box(&x), &mut out))
        });
        group.bench_function(BenchmarkId::new("forward_provided", n), |b| {
            b.iter(|| Provided(Relu).forward(black_box(&x), &mut out))
        });
        group.bench_function(BenchmarkId::new("in_place", n), |b| {
            b.iter(|| Relu.forward_in_place(black_box(&mut values)))
        });
        group.bench_function(BenchmarkId::new("in_place_provided", n), |b| {
            b.iter(|| Provided(Relu).forward_in_place(black_box(&mut values)))
        });
        group.bench_function(BenchmarkId::new("leaky_forward", n), |b| {
            b.iter(|| leaky.forward(black_box(&x), &mut out))
        });
        group.bench_function(BenchmarkId::new("leaky_forward_provided", n), |b| {
            b.iter(|| Provided(leaky).forward(black_box(&x), &mut out))
        });
        group.bench_function(BenchmarkId::new("backward_bits_reference", n), |b| {
            b.iter(|| {
                let (x, g) = (T::bits(black_box(&x)), T::bits(black_box(&g)));
                for ((o, &x), &g) in T::bits_mut(&mut out).iter_mut().zip(x).zip(g) {
                    *o = x ^ g;
                }
            })
        });
        group.bench_function(BenchmarkId::new("backward", n), |b| {
            b.iter(|| Relu.backward(black_box(&x), black_box(&g), &mut out))
        });
        group.bench_function(BenchmarkId::new("backward_provided", n), |b| {
            b.iter(|| Provided(Relu).backward(black_box(&x), black_box(&g), &mut out))
        });
    }
    group.finish();
}

/// A 16-bit format's slices as their bit patterns, for the backward reference.
#[cfg(feature = "half")]
trait Bits16: Float + 'static {
    fn bits(s: &[Self]) -> &[u16];
    fn bits_mut(s: &mut [Self]) -> &mut [u16];
}

#[cfg(feature = "half")]
macro_rules! bits16 {
    ($t:ty) => {
        impl Bits16 for $t {
            fn bits(s: &[Self]) -> &[u16] {
                half::slice::HalfFloatSliceExt::reinterpret_cast(s)
            }
            fn bits_mut(s: &mut [Self]) -> &mut [u16] {
                half::slice::HalfFloatSliceExt::reinterpret_cast_mut(s)
            }
        }
    };
}

#[cfg(feature = "half")]
bits16!(half::f16);
#[cfg(feature = "half")]
bits16!(half::bf16);

fn benches(c: &mut Criterion) {
    bench_type::<f32>(c, "f32");
    bench_type::<f64>(c, "f64");
    #[cfg(feature = "ndarray")]
    bench_arrays(c);
    #[cfg(feature = "rayon")]
    bench_parallel(c);
    #[cfg(feature = "half")]
    bench_half::<half::f16>(c, "f16");
    #[cfg(feature = "half")]
    bench_half::<half::bf16>(c, "bf16");
}

criterion_group! {
    name = relu;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(relu);
