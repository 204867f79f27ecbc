//! Many threads make their first call into the crate at the same moment, when the kernel is
//! chosen and cached, then keep calling every method of every activation type on shared
//! inputs and outputs of their own. Every thread sees the same kernel, and every result equals the one this thread computes
//! afterwards. This binary holds this one test, so those first calls are the process's first.
//! Under Miri, its data-race detector watches the kernel cache and the shared inputs.

#[path = "api/common/mod.rs"]
mod common;

use rectify::{
    ActivationStats, Channels, Clip, ClippedRelu, LeakyRelu, MaskedActivation, PRelu, Rectifier,
    Relu, ThresholdedRelu, mask_words,
};

use std::sync::Barrier;
use std::thread;

use common::{Rng, assert_same_bits};

/// Under Miri, whose data-race detector runs one interleaving of them, two racing threads: the
/// fewest that race (the main thread calls afterwards).
const THREADS: usize = if cfg!(miri) { 2 } else { 16 };
const ROUNDS: usize = if cfg!(miri) { 1 } else { 20 };
/// Past the short-slice paths, so that the calls go through the kernel cache: natively every
/// call; under Miri (100 elements, 1200 bytes for a backward pass) every call but the
/// elementwise forward passes, which stay inline under 1 KiB (128 elements: the Miri run
/// took 105 s, against 70 s at 100).
const LEN: usize = if cfg!(miri) { 100 } else { 4096 };

/// What one thread computes: each result, the mask, and the counts the functions return.
struct Results {
    outputs: Vec<Vec<f32>>,
    masks: Vec<Vec<u64>>,
    counts: Vec<usize>,
}

impl Results {
    /// Panics unless `self` and `want` are the same: bit for bit (under Miri, which picks the
    /// payload of a NaN computed by arithmetic at random, any NaN for any NaN).
    #[track_caller]
    fn assert_same(&self, want: &Results, context: &str) {
        for (i, (got, want)) in self.outputs.iter().zip(&want.outputs).enumerate() {
            assert_same_bits(got, want, &format!("{context}: result {i}"));
        }
        assert_eq!(self.masks, want.masks, "{context}: masks");
        assert_eq!(self.counts, want.counts, "{context}: counts");
    }
}

/// Every method of every activation type (the fused bias passes and `PRelu` included, and the
/// free functions), each once: its outputs, masks and counts, in order.
fn results(x: &[f32], g: &[f32]) -> Results {
    let leaky = LeakyRelu::new(0.01).unwrap();
    let clip = Clip::new(-1.0, 1.0).unwrap();
    let thresholded = ThresholdedRelu::new(0.5).unwrap();
    let rectifier: Rectifier<f32> = "leaky_relu(-0.5)".parse().unwrap();
    let acts: [&dyn MaskedActivation<f32>; 6] = [
        &Relu,
        &leaky,
        &ClippedRelu::<f32>::RELU6,
        &clip,
        &thresholded,
        &rectifier,
    ];
    let n = x.len();
    let (mut outputs, mut masks, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    let mut out = vec![0.0_f32; n];
    let mut mask = vec![0_u64; mask_words(n)];
    let stats = |s: ActivationStats| [s.active, s.zeros, s.nans, s.len];
    for act in acts {
        outputs.push(x.iter().map(|&v| act.at(v)).collect());
        outputs.push(x.iter().map(|&v| act.derivative_at(v)).collect());
        outputs.push(
            x.iter()
                .zip(g)
                .map(|(&v, &g)| act.backward_at(v, g))
                .collect(),
        );
        act.forward(x, &mut out);
        outputs.push(out.clone());
        let mut values = x.to_vec();
        act.forward_in_place(&mut values);
        outputs.push(values);
        act.derivative(x, &mut out);
        outputs.push(out.clone());
        let mut values = x.to_vec();
        act.derivative_in_place(&mut values);
        outputs.push(values);
        act.backward(x, g, &mut out);
        outputs.push(out.clone());
        let mut grad = g.to_vec();
        act.backward_in_place(x, &mut grad);
        outputs.push(grad);
        let mut acc = g.to_vec();
        act.backward_accumulate(x, g, &mut acc);
        outputs.push(acc);
        counts.extend(stats(act.forward_with_stats(x, &mut out)));
        outputs.push(out.clone());
        let mut values = x.to_vec();
        counts.extend(stats(act.forward_in_place_with_stats(&mut values)));
        outputs.push(values);
        counts.push(act.forward_masked(x, &mut out, &mut mask));
        outputs.push(out.clone());
        masks.push(mask.clone());
        let mut values = x.to_vec();
        counts.push(act.forward_in_place_masked(&mut values, &mut mask));
        outputs.push(values);
        masks.push(mask.clone());
        act.backward_masked(&mask, g, &mut out);
        outputs.push(out.clone());
        let mut grad = g.to_vec();
        act.backward_masked_in_place(&mask, &mut grad);
        outputs.push(grad);
        let mut acc = g.to_vec();
        act.backward_masked_accumulate(&mask, g, &mut acc);
        outputs.push(acc);
        // The fused bias passes, over channels first with an inner extent (LEN is a multiple
        // of its block of 4).
        let (bias, channels) = ([0.5_f32, -0.25], Channels::first(2, 2));
        act.forward_biased(x, &bias, channels, &mut out);
        outputs.push(out.clone());
        let mut values = x.to_vec();
        act.forward_biased_in_place(&mut values, &bias, channels);
        outputs.push(values);
        counts.extend(stats(
            act.forward_biased_with_stats(x, &bias, channels, &mut out),
        ));
        outputs.push(out.clone());
        let mut values = x.to_vec();
        counts.extend(stats(act.forward_biased_in_place_with_stats(
            &mut values,
            &bias,
            channels,
        )));
        outputs.push(values);
        counts.push(act.forward_biased_masked(x, &bias, channels, &mut out, &mut mask));
        outputs.push(out.clone());
        masks.push(mask.clone());
        let mut values = x.to_vec();
        counts.push(act.forward_biased_in_place_masked(&mut values, &bias, channels, &mut mask));
        outputs.push(values);
        masks.push(mask.clone());
        let mut bias_grad = vec![1.0_f32; 2];
        act.backward_biased(x, g, channels, &mut out, &mut bias_grad);
        outputs.push(out.clone());
        outputs.push(bias_grad);
        #[cfg(feature = "alloc")]
        {
            let mut owned = rectify::ActivationMask::new(act);
            counts.push(owned.forward(x, &mut out));
            owned.backward(g, &mut out);
            outputs.push(out.clone());
        }
    }
    prelu_results(x, g, &mut outputs, &mut masks, &mut counts);
    rectify::relu_slice(x, &mut out);
    outputs.push(out.clone());
    rectify::relu_backward(x, g, &mut out);
    outputs.push(out.clone());
    Results {
        outputs,
        masks,
        counts,
    }
}

/// Every method of `PRelu` (channels last, one slope zero), each once.
fn prelu_results(
    x: &[f32],
    g: &[f32],
    outputs: &mut Vec<Vec<f32>>,
    masks: &mut Vec<Vec<u64>>,
    counts: &mut Vec<usize>,
) {
    let slopes = [0.25_f32, 0.0, -0.5, 0.01];
    let prelu = PRelu::new(&slopes, Channels::last(4)).unwrap();
    let n = x.len();
    let mut out = vec![0.0_f32; n];
    let mut mask = vec![0_u64; mask_words(n)];
    let stats = |s: ActivationStats| [s.active, s.zeros, s.nans, s.len];
    prelu.forward(x, &mut out);
    outputs.push(out.clone());
    let mut values = x.to_vec();
    prelu.forward_in_place(&mut values);
    outputs.push(values);
    prelu.derivative(x, &mut out);
    outputs.push(out.clone());
    let mut values = x.to_vec();
    prelu.derivative_in_place(&mut values);
    outputs.push(values);
    counts.extend(stats(prelu.forward_with_stats(x, &mut out)));
    outputs.push(out.clone());
    let mut values = x.to_vec();
    counts.extend(stats(prelu.forward_in_place_with_stats(&mut values)));
    outputs.push(values);
    counts.push(prelu.forward_masked(x, &mut out, &mut mask));
    outputs.push(out.clone());
    masks.push(mask.clone());
    let mut values = x.to_vec();
    counts.push(prelu.forward_in_place_masked(&mut values, &mut mask));
    outputs.push(values);
    masks.push(mask.clone());
    let mut slope_grad = vec![0.0_f32; 4];
    prelu.backward(x, g, &mut out, &mut slope_grad);
    outputs.push(out.clone());
    let mut grad = g.to_vec();
    prelu.backward_in_place(x, &mut grad, &mut slope_grad);
    outputs.push(grad);
    let mut acc = g.to_vec();
    prelu.backward_accumulate(x, g, &mut acc, &mut slope_grad);
    outputs.push(acc);
    outputs.push(slope_grad);
    prelu.backward_masked(&mask, g, &mut out);
    outputs.push(out.clone());
    let mut grad = g.to_vec();
    prelu.backward_masked_in_place(&mask, &mut grad);
    outputs.push(grad);
    let mut acc = g.to_vec();
    prelu.backward_masked_accumulate(&mask, g, &mut acc);
    outputs.push(acc);
}

#[test]
fn first_calls_at_once_then_every_thread_agrees() {
    let mut rng = Rng::new(0xc0c0);
    let x: Vec<f32> = rng.floats(LEN);
    let g: Vec<f32> = rng.floats(LEN);
    let barrier = Barrier::new(THREADS);

    let seen: Vec<(&str, Results)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    // The first call of all: it chooses the kernel, racing the other threads.
                    let first = results(&x, &g);
                    let kernel = rectify::selected_kernel();
                    for round in 1..ROUNDS {
                        results(&x, &g).assert_same(&first, &format!("round {round}"));
                    }
                    (kernel, first)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    });

    let kernel = rectify::selected_kernel();
    let want = results(&x, &g);
    for (thread, (their_kernel, theirs)) in seen.iter().enumerate() {
        assert_eq!(*their_kernel, kernel, "thread {thread} saw another kernel");
        theirs.assert_same(&want, &format!("thread {thread}"));
    }
}
