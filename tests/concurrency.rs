//! Many threads make their first call into the crate at the same moment, when the kernel is
//! chosen and cached, then keep calling slice functions on shared inputs and outputs of their
//! own. Every thread sees the same kernel, and every result equals the one this thread computes
//! afterwards. This binary holds this one test, so those first calls are the process's first.
//! Under Miri, its data-race detector watches the kernel cache and the shared inputs.

mod common;

use rectify::{Activation, Clip, ClippedRelu, LeakyRelu, MaskedActivation, Relu};

use std::sync::Barrier;
use std::thread;

use common::{assert_same_bits, Rng};

const THREADS: usize = if cfg!(miri) { 4 } else { 16 };
const ROUNDS: usize = if cfg!(miri) { 1 } else { 100 };
/// Past the short-slice path (64 elements), so that every call goes through the kernel cache.
const LEN: usize = if cfg!(miri) { 100 } else { 4096 };

/// What one thread computes: each result, the mask, and the counts the functions return.
struct Results {
    outputs: Vec<Vec<f32>>,
    mask: Vec<u64>,
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
        assert_eq!(self.mask, want.mask, "{context}: mask");
        assert_eq!(self.counts, want.counts, "{context}: counts");
    }
}

/// One call of each way into the kernels: a separate output, in place, a backward pass, an
/// accumulating one, a counting forward pass, a masked forward pass and backward from its mask.
fn results(x: &[f32], g: &[f32]) -> Results {
    let mut outputs = Vec::new();
    let mut out = vec![0.0_f32; x.len()];

    let leaky = LeakyRelu::new(0.01).unwrap();
    rectify::relu_slice(x, &mut out);
    outputs.push(out.clone());
    let mut values = x.to_vec();
    leaky.forward_in_place(&mut values);
    outputs.push(values);
    ClippedRelu::<f32>::RELU6.backward(x, g, &mut out);
    outputs.push(out.clone());
    let mut acc = g.to_vec();
    Relu.backward_accumulate(x, g, &mut acc);
    outputs.push(acc);

    let stats = Clip::new(-1.0, 1.0)
        .unwrap()
        .forward_with_stats(x, &mut out);
    outputs.push(out.clone());
    let mut mask = vec![0_u64; rectify::mask_words(x.len())];
    let nans = leaky.forward_masked(x, &mut out, &mut mask);
    outputs.push(out.clone());
    leaky.backward_masked(&mask, g, &mut out);
    outputs.push(out.clone());

    Results {
        outputs,
        mask,
        counts: vec![stats.active, stats.zeros, stats.nans, nans],
    }
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
