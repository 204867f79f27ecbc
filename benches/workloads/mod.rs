//! The workloads both `benches/relu.rs` and `examples/throughput.rs` measure: each rectify
//! operation next to the naive loop users write and references that move the same bytes.
#![allow(dead_code)]

use std::hint::black_box;

use num_traits::Float;
use rectify::{Activation, Channels, Clip, ClippedRelu, LeakyRelu, PRelu, Relu, ThresholdedRelu};

/// Elements per slice, from tiny to out of cache: 8, 64, 1Ki, 16Ki, 256Ki, 4Mi, 64Mi.
pub const SIZES: [usize; 7] = [8, 64, 1 << 10, 16 << 10, 256 << 10, 4 << 20, 64 << 20];

/// A slice function under test: inputs `x` and `g`, output `out` (in-place ones work on `out`).
pub type Kernel<T> = fn(&[T], &[T], &mut [T]);

/// One operation and what it is compared with.
pub struct Workload<T: 'static> {
    /// The rectify function, e.g. `relu_slice`.
    pub name: &'static str,
    /// Elements read and written per element (2 for one input and one output, 3 for two inputs).
    pub traffic: usize,
    /// Whether the function writes in place (so `out` must hold the input before each call).
    pub in_place: bool,
    pub rectify: Kernel<T>,
    /// The loop users write, inlined at its call site.
    pub naive: Kernel<T>,
    /// Loops that move the same bytes with no ReLU arithmetic; the fastest is the reference.
    pub references: Vec<(&'static str, Kernel<T>)>,
}

/// Inputs with both signs, zeros of both signs and a NaN, so no path is skipped.
pub fn inputs<T: Float>(n: usize, seed: usize) -> Vec<T> {
    (0..n)
        .map(|i| match (i + seed) % 16 {
            0 => -T::zero(),
            7 => T::nan(),
            k => T::from(k as f64 - 8.0).unwrap() * T::from(0.37).unwrap(),
        })
        .collect()
}

fn copy_references<T: Float + 'static>() -> Vec<(&'static str, Kernel<T>)> {
    vec![
        ("memcpy", |x, _, o| o.copy_from_slice(x)),
        ("copy", |x, _, o| rectify::__bench::copy(x, o, false)),
        ("copy_stream", |x, _, o| rectify::__bench::copy(x, o, true)),
    ]
}

/// `reference`, then the copies of the elements that the `nchw` layout covers (the largest
/// whole number of images).
fn with_nchw_copies<T: Float + 'static>(
    reference: (&'static str, Kernel<T>),
) -> Vec<(&'static str, Kernel<T>)> {
    vec![
        reference,
        ("memcpy", |x, _, o| {
            let n = nchw(x.len()).1;
            o[..n].copy_from_slice(&x[..n])
        }),
        ("copy_stream", |x, _, o| {
            let n = nchw(x.len()).1;
            rectify::__bench::copy(&x[..n], &mut o[..n], true)
        }),
    ]
}

fn negate_reference<T: Float + 'static>() -> Vec<(&'static str, Kernel<T>)> {
    vec![("negate", |_, _, o| rectify::__bench::negate_in_place(o))]
}

/// The slope of the leaky workloads.
fn slope<T: Float>() -> T {
    T::from(0.01).unwrap()
}

/// The ceiling of the clipped workloads (ReLU6).
fn six<T: Float>() -> T {
    T::from(6.0).unwrap()
}

/// The leaky ReLU of the workloads.
fn leaky<T: Float + 'static>() -> LeakyRelu<T> {
    LeakyRelu::new(slope()).expect("a finite slope")
}

/// ReLU6 in any element type.
fn relu6<T: Float + 'static>() -> ClippedRelu<T> {
    ClippedRelu::new(six()).expect("a positive ceiling")
}

/// The clip of the workloads, `hardtanh`: `[-1, 1]`.
fn hardtanh<T: Float + 'static>() -> Clip<T> {
    Clip::new(-T::one(), T::one()).expect("bounds that are not NaN")
}

/// The thresholded ReLU of the workloads, ONNX's default threshold 1.
fn thresholded<T: Float + 'static>() -> ThresholdedRelu<T> {
    ThresholdedRelu::new(T::one()).expect("a finite threshold")
}

/// A user's activation: leaky ReLU written as the two scalar methods, so that every slice
/// method is the trait's provided loop.
struct UserLeaky;

impl<T: Float + 'static> Activation<T> for UserLeaky {
    fn at(&self, x: T) -> T {
        if x > T::zero() { x } else { slope::<T>() * x }
    }
    fn derivative_at(&self, x: T) -> T {
        if x > T::zero() { T::one() } else { slope() }
    }
}

/// `forward` through a trait object the compiler cannot see through.
fn forward_dyn<T: Float + 'static>(act: &dyn Activation<T>, x: &[T], o: &mut [T]) {
    black_box(act).forward(x, o)
}

/// References for the members measured against ReLU: `relu_slice` and the copies.
fn relu_and_copies<T: Float + 'static>() -> Vec<(&'static str, Kernel<T>)> {
    let mut references = copy_references();
    references.insert(0, ("relu_slice", |x, _, o| rectify::relu_slice(x, o)));
    references
}

/// Every workload for one element type.
pub fn workloads<T: Float + 'static>() -> Vec<Workload<T>> {
    vec![
        Workload {
            name: "relu_slice",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| rectify::relu_slice(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = x.max(T::zero());
                }
            },
            references: copy_references(),
        },
        Workload {
            name: "relu_in_place",
            traffic: 2,
            in_place: true,
            rectify: |_, _, o| rectify::relu_in_place(o),
            naive: |_, _, o| {
                for v in o {
                    *v = v.max(T::zero());
                }
            },
            references: negate_reference(),
        },
        Workload {
            name: "relu_derivative_slice",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| rectify::relu_derivative_slice(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = if x > T::zero() { T::one() } else { T::zero() };
                }
            },
            references: copy_references(),
        },
        Workload {
            name: "relu_derivative_in_place",
            traffic: 2,
            in_place: true,
            rectify: |_, _, o| rectify::relu_derivative_in_place(o),
            naive: |_, _, o| {
                for v in o {
                    *v = if *v > T::zero() { T::one() } else { T::zero() };
                }
            },
            references: negate_reference(),
        },
        Workload {
            name: "relu_backward",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| rectify::relu_backward(x, g, o),
            naive: |x, g, o| {
                for ((o, &x), &g) in o.iter_mut().zip(x).zip(g) {
                    *o = if x > T::zero() { g } else { T::zero() };
                }
            },
            references: vec![
                ("sum", |x, g, o| rectify::__bench::sum(x, g, o, false)),
                ("sum_stream", |x, g, o| rectify::__bench::sum(x, g, o, true)),
            ],
        },
        Workload {
            name: "relu_backward_in_place",
            traffic: 3,
            in_place: true,
            rectify: |x, _, o| rectify::relu_backward_in_place(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = if x > T::zero() { *o } else { T::zero() };
                }
            },
            references: vec![("sum_in_place", |x, _, o| {
                rectify::__bench::sum_in_place(x, o)
            })],
        },
        Workload {
            name: "relu_backward_accumulate",
            traffic: 4,
            in_place: true,
            rectify: |x, g, o| Relu.backward_accumulate(x, g, o),
            naive: |x, g, o| {
                for ((o, &x), &g) in o.iter_mut().zip(x).zip(g) {
                    *o = *o + if x > T::zero() { g } else { T::zero() };
                }
            },
            references: vec![("sum_accumulate", |x, g, o| {
                rectify::__bench::sum_accumulate(x, g, o)
            })],
        },
        Workload {
            name: "relu_slice_with_stats",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| {
                black_box(Relu.forward_with_stats(x, o));
            },
            naive: |x, _, o| {
                let (mut active, mut zeros) = (0usize, 0usize);
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = x.max(T::zero());
                    active += usize::from(*o > T::zero());
                    zeros += usize::from(*o == T::zero());
                }
                black_box((active, zeros));
            },
            // The reference is the plain forward pass: the target is its speed.
            references: vec![("relu_slice", |x, _, o| rectify::relu_slice(x, o))],
        },
        Workload {
            name: "relu_in_place_with_stats",
            traffic: 2,
            in_place: true,
            rectify: |_, _, o| {
                black_box(Relu.forward_in_place_with_stats(o));
            },
            naive: |_, _, o| {
                let (mut active, mut zeros) = (0usize, 0usize);
                for v in o {
                    *v = v.max(T::zero());
                    active += usize::from(*v > T::zero());
                    zeros += usize::from(*v == T::zero());
                }
                black_box((active, zeros));
            },
            references: vec![("relu_in_place", |_, _, o| rectify::relu_in_place(o))],
        },
        Workload {
            name: "leaky_relu_slice",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| leaky().forward(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = if x > T::zero() { x } else { slope::<T>() * x };
                }
            },
            references: copy_references(),
        },
        Workload {
            name: "leaky_relu_in_place",
            traffic: 2,
            in_place: true,
            rectify: |_, _, o| leaky().forward_in_place(o),
            naive: |_, _, o| {
                for v in o {
                    *v = if *v > T::zero() {
                        *v
                    } else {
                        slope::<T>() * *v
                    };
                }
            },
            references: negate_reference(),
        },
        Workload {
            name: "leaky_relu_backward",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| leaky().backward(x, g, o),
            naive: |x, g, o| {
                for ((o, &x), &g) in o.iter_mut().zip(x).zip(g) {
                    *o = if x > T::zero() { g } else { slope::<T>() * g };
                }
            },
            references: vec![
                ("sum", |x, g, o| rectify::__bench::sum(x, g, o, false)),
                ("sum_stream", |x, g, o| rectify::__bench::sum(x, g, o, true)),
            ],
        },
        Workload {
            name: "relu6_slice",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| relu6().forward(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = x.max(T::zero()).min(six());
                }
            },
            references: copy_references(),
        },
        Workload {
            name: "relu6_in_place",
            traffic: 2,
            in_place: true,
            rectify: |_, _, o| relu6().forward_in_place(o),
            naive: |_, _, o| {
                for v in o {
                    *v = v.max(T::zero()).min(six());
                }
            },
            references: negate_reference(),
        },
        Workload {
            name: "clipped_relu_backward",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| relu6().backward(x, g, o),
            naive: |x, g, o| {
                for ((o, &x), &g) in o.iter_mut().zip(x).zip(g) {
                    *o = if x > T::zero() && x < six() {
                        g
                    } else {
                        T::zero()
                    };
                }
            },
            references: vec![
                ("sum", |x, g, o| rectify::__bench::sum(x, g, o, false)),
                ("sum_stream", |x, g, o| rectify::__bench::sum(x, g, o, true)),
            ],
        },
        Workload {
            name: "clip_slice",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| hardtanh().forward(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = x.max(-T::one()).min(T::one());
                }
            },
            references: relu_and_copies(),
        },
        Workload {
            name: "clip_slice_dyn",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| forward_dyn(&hardtanh(), x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = x.max(-T::one()).min(T::one());
                }
            },
            references: relu_and_copies(),
        },
        Workload {
            name: "thresholded_relu_slice",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| thresholded().forward(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = if x > T::one() { x } else { T::zero() };
                }
            },
            references: relu_and_copies(),
        },
        Workload {
            name: "thresholded_relu_slice_dyn",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| forward_dyn(&thresholded(), x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = if x > T::one() { x } else { T::zero() };
                }
            },
            references: relu_and_copies(),
        },
        Workload {
            name: "user_forward",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| UserLeaky.forward(x, o),
            naive: |x, _, o| {
                for (o, &x) in o.iter_mut().zip(x) {
                    *o = UserLeaky.at(x);
                }
            },
            references: copy_references(),
        },
        Workload {
            name: "user_backward",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| UserLeaky.backward(x, g, o),
            naive: |x, g, o| {
                for ((o, &x), &g) in o.iter_mut().zip(x).zip(g) {
                    *o = UserLeaky.derivative_at(x) * g;
                }
            },
            references: vec![("sum", |x, g, o| rectify::__bench::sum(x, g, o, false))],
        },
        Workload {
            name: "relu_forward_biased",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| {
                let layout = dense(x.len());
                Relu.forward_biased(x, &bias::<T>()[..layout.channels()], layout, o)
            },
            naive: |x, _, o| {
                let (bias, c) = (bias::<T>(), dense(x.len()).channels());
                for (i, (o, &x)) in o.iter_mut().zip(x).enumerate() {
                    *o = (x + bias[i % c]).max(T::zero());
                }
            },
            references: vec![
                ("two_passes", |x, _, o| {
                    add_bias(x, o);
                    rectify::relu_in_place(o);
                }),
                ("memcpy", |x, _, o| o.copy_from_slice(x)),
                ("copy_stream", |x, _, o| rectify::__bench::copy(x, o, true)),
            ],
        },
        Workload {
            name: "relu_backward_biased",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| {
                let mut bias_grad = [T::zero(); BIAS_CHANNELS];
                let layout = dense(x.len());
                let bias_grad = &mut bias_grad[..layout.channels()];
                Relu.backward_biased(x, g, layout, o, bias_grad);
                black_box(bias_grad);
            },
            naive: |x, g, o| {
                let mut bias_grad = [T::zero(); BIAS_CHANNELS];
                let c = dense(x.len()).channels();
                for (i, ((o, &x), &g)) in o.iter_mut().zip(x).zip(g).enumerate() {
                    *o = if x > T::zero() { g } else { T::zero() };
                    bias_grad[i % c] = bias_grad[i % c] + *o;
                }
                black_box(bias_grad);
            },
            references: vec![
                ("two_passes", |x, g, o| {
                    rectify::relu_backward(x, g, o);
                    let mut bias_grad = [T::zero(); BIAS_CHANNELS];
                    let c = dense(x.len()).channels();
                    for row in o.chunks(c) {
                        for (b, &v) in bias_grad.iter_mut().zip(row) {
                            *b = *b + v;
                        }
                    }
                    black_box(bias_grad);
                }),
                ("sum", |x, g, o| rectify::__bench::sum(x, g, o, false)),
                ("sum_stream", |x, g, o| rectify::__bench::sum(x, g, o, true)),
            ],
        },
        Workload {
            name: "relu_forward_biased_nchw",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| {
                let (layout, n) = nchw(x.len());
                let bias = &bias::<T>()[..layout.channels()];
                Relu.forward_biased(&x[..n], bias, layout, &mut o[..n])
            },
            naive: |x, _, o| {
                let ((layout, n), bias) = (nchw(x.len()), bias::<T>());
                for (i, (o, &x)) in o[..n].iter_mut().zip(x).enumerate() {
                    *o = (x + bias[layout.channel_of(i)]).max(T::zero());
                }
            },
            // The same elements as the pass: the largest whole number of images.
            references: with_nchw_copies(("two_passes", |x, _, o| {
                let n = add_bias_nchw(x, o);
                rectify::relu_in_place(&mut o[..n]);
            })),
        },
        Workload {
            name: "relu_backward_biased_nchw",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| {
                let (layout, n) = nchw(x.len());
                let mut bias_grad = [T::zero(); BIAS_CHANNELS];
                let bias_grad = &mut bias_grad[..layout.channels()];
                Relu.backward_biased(&x[..n], &g[..n], layout, &mut o[..n], bias_grad);
                black_box(bias_grad);
            },
            naive: |x, g, o| {
                let (layout, n) = nchw(x.len());
                let mut bias_grad = [T::zero(); BIAS_CHANNELS];
                for (i, ((o, &x), &g)) in o[..n].iter_mut().zip(x).zip(g).enumerate() {
                    *o = if x > T::zero() { g } else { T::zero() };
                    let c = layout.channel_of(i);
                    bias_grad[c] = bias_grad[c] + *o;
                }
                black_box(bias_grad);
            },
            references: with_nchw_sums(("two_passes", |x, g, o| {
                let n = nchw(x.len()).1;
                rectify::relu_backward(&x[..n], &g[..n], &mut o[..n]);
                black_box(nchw_bias_grad(&o[..n]));
            })),
        },
        Workload {
            name: "prelu_forward_dense",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| prelu_dense(x.len(), |p| p.forward(x, o)),
            naive: |x, _, o| {
                let (slopes, c) = (slopes::<T>(), dense(x.len()).channels());
                for (i, (o, &x)) in o.iter_mut().zip(x).enumerate() {
                    *o = if x > T::zero() { x } else { slopes[i % c] * x };
                }
            },
            references: leaky_and_copies(),
        },
        Workload {
            name: "prelu_forward_nchw",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| {
                let (layout, n) = nchw(x.len());
                let slopes = slopes::<T>();
                let prelu = PRelu::new(&slopes[..layout.channels()], layout).expect("finite");
                prelu.forward(&x[..n], &mut o[..n])
            },
            naive: |x, _, o| {
                let ((layout, n), slopes) = (nchw(x.len()), slopes::<T>());
                for (i, (o, &x)) in o[..n].iter_mut().zip(x).enumerate() {
                    let a = slopes[layout.channel_of(i)];
                    *o = if x > T::zero() { x } else { a * x };
                }
            },
            // The same elements as PReLU: the largest whole number of images.
            references: vec![("leaky_relu_slice", |x, _, o| {
                let n = nchw(x.len()).1;
                leaky().forward(&x[..n], &mut o[..n])
            })],
        },
        Workload {
            name: "prelu_backward_dense",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| {
                let mut slope_grad = [T::zero(); BIAS_CHANNELS];
                let c = dense(x.len()).channels();
                prelu_dense(x.len(), |p| p.backward(x, g, o, &mut slope_grad[..c]));
                black_box(slope_grad);
            },
            naive: |x, g, o| {
                let (slopes, c) = (slopes::<T>(), dense(x.len()).channels());
                let mut slope_grad = [T::zero(); BIAS_CHANNELS];
                for (i, ((o, &x), &g)) in o.iter_mut().zip(x).zip(g).enumerate() {
                    let positive = x > T::zero();
                    *o = if positive { g } else { slopes[i % c] * g };
                    if !positive {
                        slope_grad[i % c] = slope_grad[i % c] + x * g;
                    }
                }
                black_box(slope_grad);
            },
            references: vec![
                ("leaky_relu_backward", |x, g, o| leaky().backward(x, g, o)),
                ("sum", |x, g, o| rectify::__bench::sum(x, g, o, false)),
                ("sum_stream", |x, g, o| rectify::__bench::sum(x, g, o, true)),
            ],
        },
        Workload {
            name: "prelu_forward_biased_dense",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| {
                let bias = &bias::<T>()[..dense(x.len()).channels()];
                prelu_dense(x.len(), |p| p.forward_biased(x, bias, o))
            },
            naive: |x, _, o| {
                let (slopes, bias, c) = (slopes::<T>(), bias::<T>(), dense(x.len()).channels());
                for (i, (o, &x)) in o.iter_mut().zip(x).enumerate() {
                    let u = x + bias[i % c];
                    *o = if u > T::zero() { u } else { slopes[i % c] * u };
                }
            },
            references: vec![
                ("two_passes", |x, _, o| {
                    add_bias(x, o);
                    prelu_dense(x.len(), |p| p.forward_in_place(o));
                }),
                ("memcpy", |x, _, o| o.copy_from_slice(x)),
                ("copy_stream", |x, _, o| rectify::__bench::copy(x, o, true)),
            ],
        },
        Workload {
            name: "prelu_forward_biased_nchw",
            traffic: 2,
            in_place: false,
            rectify: |x, _, o| {
                let (layout, n) = nchw(x.len());
                let c = layout.channels();
                let (slopes, bias) = (&slopes::<T>()[..c], &bias::<T>()[..c]);
                let prelu = PRelu::new(slopes, layout).expect("finite");
                prelu.forward_biased(&x[..n], bias, &mut o[..n])
            },
            naive: |x, _, o| {
                let ((layout, n), slopes, bias) = (nchw(x.len()), slopes::<T>(), bias::<T>());
                for (i, (o, &x)) in o[..n].iter_mut().zip(x).enumerate() {
                    let c = layout.channel_of(i);
                    let u = x + bias[c];
                    *o = if u > T::zero() { u } else { slopes[c] * u };
                }
            },
            // The same elements as the pass: the largest whole number of images.
            references: with_nchw_copies(("two_passes", |x, _, o| {
                let n = add_bias_nchw(x, o);
                let layout = nchw(x.len()).0;
                let slopes = &slopes::<T>()[..layout.channels()];
                let prelu = PRelu::new(slopes, layout).expect("finite");
                prelu.forward_in_place(&mut o[..n]);
            })),
        },
        Workload {
            name: "prelu_backward_biased_dense",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| {
                let c = dense(x.len()).channels();
                let bias = &bias::<T>()[..c];
                let mut sums = [[T::zero(); BIAS_CHANNELS]; 2];
                let [slope_grad, bias_grad] = &mut sums;
                let (slope_grad, bias_grad) = (&mut slope_grad[..c], &mut bias_grad[..c]);
                prelu_dense(x.len(), |p| {
                    p.backward_biased(x, bias, g, o, slope_grad, bias_grad)
                });
                black_box(sums);
            },
            naive: |x, g, o| {
                let (slopes, bias, c) = (slopes::<T>(), bias::<T>(), dense(x.len()).channels());
                let mut sums = [[T::zero(); BIAS_CHANNELS]; 2];
                for (i, ((o, &x), &g)) in o.iter_mut().zip(x).zip(g).enumerate() {
                    let u = x + bias[i % c];
                    let positive = u > T::zero();
                    *o = if positive { g } else { slopes[i % c] * g };
                    if !positive {
                        sums[0][i % c] = sums[0][i % c] + u * g;
                    }
                    sums[1][i % c] = sums[1][i % c] + *o;
                }
                black_box(sums);
            },
            // With PReLU's input `x + bias` kept from the forward pass: the backward pass with
            // the slope gradient, then the bias gradient's sum.
            references: vec![
                ("two_passes", |x, g, o| {
                    let c = dense(x.len()).channels();
                    let mut sums = [[T::zero(); BIAS_CHANNELS]; 2];
                    prelu_dense(x.len(), |p| p.backward(x, g, o, &mut sums[0][..c]));
                    for row in o.chunks(c) {
                        for (b, &v) in sums[1].iter_mut().zip(row) {
                            *b = *b + v;
                        }
                    }
                    black_box(sums);
                }),
                ("sum", |x, g, o| rectify::__bench::sum(x, g, o, false)),
                ("sum_stream", |x, g, o| rectify::__bench::sum(x, g, o, true)),
            ],
        },
        Workload {
            name: "prelu_backward_nchw",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| {
                let (layout, n) = nchw(x.len());
                let slopes = slopes::<T>();
                let prelu = PRelu::new(&slopes[..layout.channels()], layout).expect("finite");
                let mut slope_grad = [T::zero(); BIAS_CHANNELS];
                let slope_grad = &mut slope_grad[..layout.channels()];
                prelu.backward(&x[..n], &g[..n], &mut o[..n], slope_grad);
                black_box(slope_grad);
            },
            naive: |x, g, o| {
                let ((layout, n), slopes) = (nchw(x.len()), slopes::<T>());
                let mut slope_grad = [T::zero(); BIAS_CHANNELS];
                for (i, ((o, &x), &g)) in o[..n].iter_mut().zip(x).zip(g).enumerate() {
                    let c = layout.channel_of(i);
                    let positive = x > T::zero();
                    *o = if positive { g } else { slopes[c] * g };
                    if !positive {
                        slope_grad[c] = slope_grad[c] + x * g;
                    }
                }
                black_box(slope_grad);
            },
            references: vec![("leaky_relu_backward", |x, g, o| {
                let n = nchw(x.len()).1;
                leaky().backward(&x[..n], &g[..n], &mut o[..n])
            })],
        },
        Workload {
            name: "prelu_backward_biased_nchw",
            traffic: 3,
            in_place: false,
            rectify: |x, g, o| {
                let (layout, n) = nchw(x.len());
                let c = layout.channels();
                let (slopes, bias) = (&slopes::<T>()[..c], &bias::<T>()[..c]);
                let prelu = PRelu::new(slopes, layout).expect("finite");
                let mut sums = [[T::zero(); BIAS_CHANNELS]; 2];
                let [slope_grad, bias_grad] = &mut sums;
                let (slope_grad, bias_grad) = (&mut slope_grad[..c], &mut bias_grad[..c]);
                prelu.backward_biased(&x[..n], bias, &g[..n], &mut o[..n], slope_grad, bias_grad);
                black_box(sums);
            },
            naive: |x, g, o| {
                let ((layout, n), slopes, bias) = (nchw(x.len()), slopes::<T>(), bias::<T>());
                let mut sums = [[T::zero(); BIAS_CHANNELS]; 2];
                for (i, ((o, &x), &g)) in o[..n].iter_mut().zip(x).zip(g).enumerate() {
                    let c = layout.channel_of(i);
                    let u = x + bias[c];
                    let positive = u > T::zero();
                    *o = if positive { g } else { slopes[c] * g };
                    if !positive {
                        sums[0][c] = sums[0][c] + u * g;
                    }
                    sums[1][c] = sums[1][c] + *o;
                }
                black_box(sums);
            },
            // With PReLU's input `x + bias` kept from the forward pass: the backward pass with
            // the slope gradient, then the bias gradient's sum run by run.
            references: with_nchw_sums(("two_passes", |x, g, o| {
                let (layout, n) = nchw(x.len());
                let slopes = &slopes::<T>()[..layout.channels()];
                let prelu = PRelu::new(slopes, layout).expect("finite");
                let mut slope_grad = [T::zero(); BIAS_CHANNELS];
                let slope_grad = &mut slope_grad[..layout.channels()];
                prelu.backward(&x[..n], &g[..n], &mut o[..n], slope_grad);
                black_box((slope_grad, nchw_bias_grad(&o[..n])));
            })),
        },
    ]
}

/// The bias gradient of an `nchw` input gradient, run by run: the loop a user writes.
fn nchw_bias_grad<T: Float>(grad: &[T]) -> [T; BIAS_CHANNELS] {
    let layout = nchw(grad.len()).0;
    let mut bias_grad = [T::zero(); BIAS_CHANNELS];
    for (r, run) in grad.chunks(layout.inner()).enumerate() {
        let c = r % layout.channels();
        bias_grad[c] = run.iter().fold(bias_grad[c], |s, &v| s + v);
    }
    bias_grad
}

/// `reference`, then the sums of the same traffic over the elements that the `nchw` layout
/// covers.
fn with_nchw_sums<T: Float + 'static>(
    reference: (&'static str, Kernel<T>),
) -> Vec<(&'static str, Kernel<T>)> {
    vec![
        reference,
        ("sum", |x, g, o| {
            let n = nchw(x.len()).1;
            rectify::__bench::sum(&x[..n], &g[..n], &mut o[..n], false)
        }),
        ("sum_stream", |x, g, o| {
            let n = nchw(x.len()).1;
            rectify::__bench::sum(&x[..n], &g[..n], &mut o[..n], true)
        }),
    ]
}

/// Units of the dense layer of the fused bias workloads.
const BIAS_CHANNELS: usize = 64;

/// A dense layer's `[batch, 64]` output (fewer units for a shorter slice).
fn dense(len: usize) -> Channels {
    Channels::last(len.clamp(1, BIAS_CHANNELS))
}

/// The slopes of the PReLU workloads: one per unit or channel, PyTorch's initial 0.25 and
/// others around it.
fn slopes<T: Float>() -> [T; BIAS_CHANNELS] {
    core::array::from_fn(|c| T::from(0.25 + (c % 8) as f64 / 64.0).unwrap())
}

/// PReLU over a dense layer's `[batch, 64]` output (as [`dense`]), passed to `f`.
fn prelu_dense<T: Float + 'static>(len: usize, f: impl FnOnce(PRelu<'_, T>)) {
    let layout = dense(len);
    let slopes = slopes::<T>();
    f(PRelu::new(&slopes[..layout.channels()], layout).expect("finite slopes"))
}

/// NCHW images of 3 channels of 32 x 32 pixels, and how many elements of a slice of `len`
/// they fill (whole images); one channel of `len` for a slice shorter than an image.
fn nchw(len: usize) -> (Channels, usize) {
    const IMAGE: usize = 3 * 1024;
    if len >= IMAGE {
        (Channels::first(3, 1024), len / IMAGE * IMAGE)
    } else {
        (Channels::first(1, len.max(1)), len)
    }
}

/// References for PReLU: leaky ReLU with one slope, and the copies.
fn leaky_and_copies<T: Float + 'static>() -> Vec<(&'static str, Kernel<T>)> {
    let mut references = copy_references();
    references.insert(0, ("leaky_relu_slice", |x, _, o| leaky().forward(x, o)));
    references
}

/// The bias of the fused workloads: one value per unit, both signs.
fn bias<T: Float>() -> [T; BIAS_CHANNELS] {
    core::array::from_fn(|c| T::from(c as f64 / 32.0 - 1.0).unwrap())
}

/// The first of the two passes of the fused forward: `out = x + bias`, row by row, the loop a
/// user writes (the compiler vectorises it).
fn add_bias<T: Float>(x: &[T], out: &mut [T]) {
    let bias = bias::<T>();
    let c = dense(x.len()).channels();
    for (o, x) in out.chunks_mut(c).zip(x.chunks(c)) {
        for ((o, &x), &b) in o.iter_mut().zip(x).zip(&bias) {
            *o = x + b;
        }
    }
}

/// The same for the `nchw` layout, run by run: returns the elements it covers (the largest
/// whole number of images).
fn add_bias_nchw<T: Float>(x: &[T], out: &mut [T]) -> usize {
    let ((layout, n), bias) = (nchw(x.len()), bias::<T>());
    let runs = out[..n]
        .chunks_mut(layout.inner())
        .zip(x.chunks(layout.inner()));
    for (r, (o, x)) in runs.enumerate() {
        let b = bias[r % layout.channels()];
        for (o, &x) in o.iter_mut().zip(x) {
            *o = x + b;
        }
    }
    n
}
