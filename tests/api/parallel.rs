//! `Parallel` (feature `rayon`): every method against the wrapped activation's, bit for bit, for
//! each element type (`f32`, `f64`, and with `half` the 16-bit formats)
//! (outputs, statistics, masks, NaN counts), at lengths around the threshold, the chunk and
//! mask-word boundaries and the fused passes' blocks (with a threshold of 4096), on pools of 1,
//! 2 and 3 threads; lengths checked before any chunk runs.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rectify::{
    Activation, Channels, Clip, LeakyRelu, MaskedActivation, Parallel, Rectifier, Relu, mask_words,
};

use crate::common::{Rng, TestFloat, assert_same_bits};

/// Everything one activation's methods give on `x`, `g`, `old`, in order.
#[derive(Debug, PartialEq)]
struct Results<B> {
    outputs: Vec<Vec<B>>,
    masks: Vec<Vec<u64>>,
    counts: Vec<usize>,
}

fn results<F: TestFloat>(
    act: &dyn MaskedActivation<F>,
    x: &[F],
    g: &[F],
    old: &[F],
    layout: Channels,
) -> Results<F::Bits> {
    let n = x.len();
    let bias: Vec<F> = (0..layout.channels())
        .map(|c| F::from(c as f64 * 0.25 - 1.0).unwrap())
        .collect();
    let mut outputs: Vec<Vec<F>> = Vec::new();
    let (mut masks, mut counts) = (Vec::new(), Vec::new());
    let mut out = old.to_vec();
    let mut mask = vec![0_u64; mask_words(n)];
    let mut stats = |s: rectify::ActivationStats| counts.extend([s.active, s.zeros, s.nans, s.len]);
    act.forward(x, &mut out);
    outputs.push(out.clone());
    let mut v = x.to_vec();
    act.forward_in_place(&mut v);
    outputs.push(v);
    act.derivative(x, &mut out);
    outputs.push(out.clone());
    let mut v = x.to_vec();
    act.derivative_in_place(&mut v);
    outputs.push(v);
    act.backward(x, g, &mut out);
    outputs.push(out.clone());
    let mut v = g.to_vec();
    act.backward_in_place(x, &mut v);
    outputs.push(v);
    let mut v = old.to_vec();
    act.backward_accumulate(x, g, &mut v);
    outputs.push(v);
    stats(act.forward_with_stats(x, &mut out));
    outputs.push(out.clone());
    let mut v = x.to_vec();
    stats(act.forward_in_place_with_stats(&mut v));
    outputs.push(v);
    act.forward_biased(x, &bias, layout, &mut out);
    outputs.push(out.clone());
    let mut v = x.to_vec();
    act.forward_biased_in_place(&mut v, &bias, layout);
    outputs.push(v);
    stats(act.forward_biased_with_stats(x, &bias, layout, &mut out));
    outputs.push(out.clone());
    let mut v = x.to_vec();
    stats(act.forward_biased_in_place_with_stats(&mut v, &bias, layout));
    outputs.push(v);
    let mut bias_grad = bias.clone();
    act.backward_biased(x, g, layout, &mut out, &mut bias_grad);
    outputs.push(out.clone());
    outputs.push(bias_grad);
    let mut counts_masked = Vec::new();
    counts_masked.push(act.forward_masked(x, &mut out, &mut mask));
    outputs.push(out.clone());
    masks.push(mask.clone());
    let mut v = x.to_vec();
    counts_masked.push(act.forward_in_place_masked(&mut v, &mut mask));
    outputs.push(v);
    masks.push(mask.clone());
    counts_masked.push(act.forward_biased_masked(x, &bias, layout, &mut out, &mut mask));
    outputs.push(out.clone());
    masks.push(mask.clone());
    let mut v = x.to_vec();
    counts_masked.push(act.forward_biased_in_place_masked(&mut v, &bias, layout, &mut mask));
    outputs.push(v);
    masks.push(mask.clone());
    act.backward_masked(&mask, g, &mut out);
    outputs.push(out.clone());
    let mut v = g.to_vec();
    act.backward_masked_in_place(&mask, &mut v);
    outputs.push(v);
    let mut v = old.to_vec();
    act.backward_masked_accumulate(&mask, g, &mut v);
    outputs.push(v);
    counts.extend(counts_masked);
    Results {
        outputs: outputs
            .iter()
            .map(|o| o.iter().map(|&v| v.bits()).collect())
            .collect(),
        masks,
        counts,
    }
}

fn against_serial<F: TestFloat + Send + Sync>(seed: u64)
where
    F::Bits: Send,
{
    let leaky = LeakyRelu::new(F::from(0.1).unwrap()).unwrap();
    let clip = Clip::new(F::from(-1.0).unwrap(), F::from(1.0).unwrap()).unwrap();
    let rectifier: Rectifier<F> = leaky.into();
    let acts: [(&str, &(dyn MaskedActivation<F> + Sync)); 4] = [
        ("Relu", &Relu),
        ("LeakyRelu(0.1)", &leaky),
        ("Clip(-1, 1)", &clip),
        ("Rectifier", &rectifier),
    ];
    // A small threshold, so that the chunks are short (the default is millions).
    let min = 4096;
    // Layouts whose blocks (3, 300, 1000 elements) do not divide a mask word or the chunks.
    let cases = [
        (min - 3, Channels::last(1)),
        (min, Channels::last(1)),
        (min + 3, Channels::last(3)),
        (min + 300, Channels::first(3, 100)),
        (2 * min + 64 * 3 + 3, Channels::last(3)),
        (3 * min + 1000, Channels::last(1000)),
    ];
    let mut rng = Rng::new(seed);
    let x: Vec<F> = rng.floats(3 * min + 1000);
    let g: Vec<F> = rng.floats(x.len());
    let old: Vec<F> = rng.floats(x.len());
    for (len, layout) in cases {
        // A whole number of blocks, at or just under the length named.
        let len = len - len % (layout.channels() * layout.inner());
        let (x, g, old) = (&x[..len], &g[..len], &old[..len]);
        for (name, act) in acts {
            let want = results(act, x, g, old, layout);
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let par = Parallel::with_min_len(act, min);
                let got = pool.install(|| results(&par, x, g, old, layout));
                let at = format!("{name}, length {len}, {layout}, {threads} threads");
                assert_eq!(got.counts, want.counts, "{at}: counts");
                assert_eq!(got.masks, want.masks, "{at}: masks");
                for (i, (got, want)) in got.outputs.iter().zip(&want.outputs).enumerate() {
                    assert!(got == want, "{at}: result {i} differs");
                }
            }
        }
    }
}

#[test]
fn parallel_equals_serial_f32() {
    against_serial::<f32>(0x7a7a);
}

#[test]
fn parallel_equals_serial_f64() {
    against_serial::<f64>(0x6464);
}

#[test]
fn lengths_are_checked_before_any_chunk_runs() {
    let n = 3 * 4096 + 7 * 64;
    let x = vec![-1.0_f32; n];
    let mut out = vec![7.0_f32; n - 1];
    let mut mask = vec![0_u64; mask_words(n) - 1];
    let par = Parallel::with_min_len(Relu, 4096);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let forward = catch_unwind(AssertUnwindSafe(|| par.forward(&x, &mut out)));
    let mut values = x.clone();
    let masked = catch_unwind(AssertUnwindSafe(|| {
        par.forward_in_place_masked(&mut values, &mut mask)
    }));
    let mut biased = x.clone();
    let bias = [0.5_f32; 7];
    let fused = catch_unwind(AssertUnwindSafe(|| {
        par.forward_biased_in_place(&mut biased, &bias, Channels::last(7))
    }));
    std::panic::set_hook(previous);
    assert!(forward.is_err() && masked.is_err() && fused.is_err());
    assert!(
        out.iter().all(|&v| v == 7.0),
        "forward wrote before panicking"
    );
    assert_same_bits(
        &values,
        &x,
        "forward_in_place_masked wrote before panicking",
    );
    assert!(mask.iter().all(|&w| w == 0), "the mask was written");
    assert_same_bits(
        &biased,
        &x,
        "forward_biased_in_place wrote before panicking",
    );
}

#[test]
#[cfg(feature = "half")]
fn parallel_equals_serial_f16() {
    against_serial::<half::f16>(0x1616);
}

#[test]
#[cfg(feature = "half")]
fn parallel_equals_serial_bf16() {
    against_serial::<half::bf16>(0xbf16);
}
