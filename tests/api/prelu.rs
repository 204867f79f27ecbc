//! PReLU: every method against a naive loop over each element's `LeakyRelu` (and, with one
//! channel, against `LeakyRelu`'s own slice methods), bit for bit, for both layouts, lengths
//! around the pieces and vectors, misaligned starts, slopes with and without zeros; the slope
//! gradient against the documented order; its accuracy against `f64` and a finite-difference
//! check; the layout checks.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rectify::{
    Activation, ActivationStats, Channels, LeakyRelu, MaskedActivation, PRelu, mask_words,
};

use crate::biased::{finite, layouts, spec_bias_grad};
use crate::common::{Rng, TestFloat, assert_same_bits, edge_pairs};

/// A slope-gradient term as the docs give it: `x * g` where `x <= 0`, `x` where it is NaN,
/// `-0.0` where `x > 0`.
fn spec_term<F: TestFloat>(x: F, g: F) -> F {
    if x.is_nan() {
        x
    } else if x <= F::zero() {
        x * g
    } else {
        -F::zero()
    }
}

/// What every method must give, element by element from each channel's `LeakyRelu` (one
/// element slices: the scalar path).
struct Want<F> {
    forward: Vec<F>,
    derivative: Vec<F>,
    backward: Vec<F>,
    accumulate: Vec<F>,
    stats: ActivationStats,
    mask: Vec<u64>,
    nans: usize,
    masked: Vec<F>,
    masked_accumulate: Vec<F>,
    slope_grad: Vec<F>,
}

fn want<F: TestFloat>(
    layout: Channels,
    slopes: &[F],
    x: &[F],
    g: &[F],
    old: &[F],
    slope_init: &[F],
) -> Want<F> {
    let n = x.len();
    let leaky = |i: usize| LeakyRelu::new(slopes[layout.channel_of(i)]).unwrap();
    let one = |f: &dyn Fn(&mut [F]), init: F| {
        let mut v = [init];
        f(&mut v);
        v[0]
    };
    let forward: Vec<F> = (0..n).map(|i| leaky(i).at(x[i])).collect();
    let mut mask = vec![0_u64; mask_words(n)];
    for i in 0..n {
        mask[i / 64] |= u64::from(leaky(i).is_active(x[i])) << (i % 64);
    }
    let bit = |i: usize| mask[i / 64] >> (i % 64) & 1 == 1;
    let terms: Vec<F> = (0..n).map(|i| spec_term(x[i], g[i])).collect();
    Want {
        derivative: (0..n).map(|i| leaky(i).derivative_at(x[i])).collect(),
        backward: (0..n).map(|i| leaky(i).backward_at(x[i], g[i])).collect(),
        accumulate: (0..n)
            .map(|i| {
                one(
                    &|o| leaky(i).backward_accumulate(&x[i..=i], &g[i..=i], o),
                    old[i],
                )
            })
            .collect(),
        stats: ActivationStats {
            active: forward.iter().filter(|&&y| y > F::zero()).count(),
            zeros: forward.iter().filter(|&&y| y == F::zero()).count(),
            nans: forward.iter().filter(|y| y.is_nan()).count(),
            len: n,
        },
        nans: x.iter().filter(|x| x.is_nan()).count(),
        masked: (0..n)
            .map(|i| leaky(i).backward_from_bit(bit(i), g[i]))
            .collect(),
        masked_accumulate: (0..n)
            .map(|i| {
                let word = [u64::from(bit(i))];
                one(
                    &|o| leaky(i).backward_masked_accumulate(&word, &g[i..=i], o),
                    old[i],
                )
            })
            .collect(),
        slope_grad: spec_bias_grad(&terms, layout, slope_init),
        forward,
        mask,
    }
}

/// Every method of `prelu` on `x` and `g` (at `offset` elements into the buffers) against
/// `want`; with one channel also against `LeakyRelu`'s slice methods.
#[allow(clippy::too_many_arguments)]
fn check<F: TestFloat>(
    prelu: &PRelu<'_, F>,
    x: &[F],
    g: &[F],
    old: &[F],
    slope_init: &[F],
    offset: usize,
    context: &str,
) {
    let (x, g, old) = (&x[offset..], &g[offset..], &old[offset..]);
    let n = x.len();
    let layout = prelu.channels();
    let w = want(layout, prelu.slopes(), x, g, old, slope_init);
    let at = format!("{context} {layout} len {n} offset {offset}");
    let buf = |fill: &[F]| {
        let mut v = vec![F::nan(); offset];
        v.extend_from_slice(fill);
        v
    };
    let same = |got: &[F], want: &[F], what: &str| {
        assert_same_bits(&got[offset..], want, &format!("{at}: {what}"))
    };

    let mut out = buf(x);
    prelu.forward(x, &mut out[offset..]);
    same(&out, &w.forward, "forward");
    let mut values = buf(x);
    prelu.forward_in_place(&mut values[offset..]);
    same(&values, &w.forward, "forward_in_place");
    let mut out = buf(x);
    prelu.derivative(x, &mut out[offset..]);
    same(&out, &w.derivative, "derivative");
    let mut values = buf(x);
    prelu.derivative_in_place(&mut values[offset..]);
    same(&values, &w.derivative, "derivative_in_place");

    let mut out = buf(x);
    let stats = prelu.forward_with_stats(x, &mut out[offset..]);
    same(&out, &w.forward, "forward_with_stats");
    assert_eq!(stats, w.stats, "{at}: forward_with_stats");
    let mut values = buf(x);
    let stats = prelu.forward_in_place_with_stats(&mut values[offset..]);
    same(&values, &w.forward, "forward_in_place_with_stats");
    assert_eq!(stats, w.stats, "{at}: forward_in_place_with_stats");

    let mut out = buf(x);
    let mut mask = vec![!0_u64; mask_words(n)];
    let nans = prelu.forward_masked(x, &mut out[offset..], &mut mask);
    same(&out, &w.forward, "forward_masked");
    assert_eq!(
        (mask.as_slice(), nans),
        (&w.mask[..], w.nans),
        "{at}: forward_masked"
    );
    let mut values = buf(x);
    let mut mask = vec![!0_u64; mask_words(n)];
    let nans = prelu.forward_in_place_masked(&mut values[offset..], &mut mask);
    same(&values, &w.forward, "forward_in_place_masked");
    assert_eq!(
        (mask.as_slice(), nans),
        (&w.mask[..], w.nans),
        "{at}: in place masked"
    );

    let backwards: [(&str, &[F]); 3] = [
        ("backward", &w.backward),
        ("backward_in_place", &w.backward),
        ("backward_accumulate", &w.accumulate),
    ];
    for (k, (name, want_gi)) in backwards.into_iter().enumerate() {
        let mut sg = slope_init.to_vec();
        let mut gi = match k {
            0 => buf(x),
            1 => buf(g),
            _ => buf(old),
        };
        match k {
            0 => prelu.backward(x, g, &mut gi[offset..], &mut sg),
            1 => prelu.backward_in_place(x, &mut gi[offset..], &mut sg),
            _ => prelu.backward_accumulate(x, g, &mut gi[offset..], &mut sg),
        }
        same(&gi, want_gi, &format!("{name} input gradient"));
        assert_same_bits(&sg, &w.slope_grad, &format!("{at}: {name} slope gradient"));
    }

    let mut gi = buf(x);
    prelu.backward_masked(&w.mask, g, &mut gi[offset..]);
    same(&gi, &w.masked, "backward_masked");
    let mut gi = buf(g);
    prelu.backward_masked_in_place(&w.mask, &mut gi[offset..]);
    same(&gi, &w.masked, "backward_masked_in_place");
    let mut gi = buf(old);
    prelu.backward_masked_accumulate(&w.mask, g, &mut gi[offset..]);
    same(&gi, &w.masked_accumulate, "backward_masked_accumulate");

    if layout.channels() == 1 {
        // One slope: LeakyRelu's own slice methods, which run its kernels.
        let leaky = prelu.channel(0);
        let mut a = vec![F::zero(); n];
        let mut b = vec![F::zero(); n];
        leaky.forward(x, &mut a);
        prelu.forward(x, &mut b);
        assert_same_bits(&b, &a, &format!("{at}: forward vs LeakyRelu"));
        leaky.backward(x, g, &mut a);
        prelu.backward(x, g, &mut b, &mut slope_init.to_vec());
        assert_same_bits(&b, &a, &format!("{at}: backward vs LeakyRelu"));
        let mut mask = vec![0; mask_words(n)];
        let nans = leaky.forward_masked(x, &mut a, &mut mask);
        assert_eq!(
            (mask, nans),
            (w.mask.clone(), w.nans),
            "{at}: LeakyRelu's mask"
        );
        leaky.backward_masked(&w.mask, g, &mut a);
        prelu.backward_masked(&w.mask, g, &mut b);
        assert_same_bits(&b, &a, &format!("{at}: backward_masked vs LeakyRelu"));
        assert_eq!(leaky.forward_with_stats(x, &mut a), w.stats, "{at}: stats");
    }
}

/// The fused bias methods of `prelu` on `z` plus `bias` (at `offset` elements into the
/// buffers) against `want` of PReLU's input `u = z + b` (a NaN `z` as it is), and the bias
/// gradient in the documented order of that input gradient.
fn check_biased<F: TestFloat>(
    prelu: &PRelu<'_, F>,
    (z, bias): (&[F], &[F]),
    g: &[F],
    init: &[F],
    offset: usize,
    context: &str,
) {
    let (z, g) = (&z[offset..], &g[offset..]);
    let n = z.len();
    let layout = prelu.channels();
    let u: Vec<F> = (0..n)
        .map(|i| {
            let b = bias[layout.channel_of(i)];
            if z[i].is_nan() { z[i] } else { z[i] + b }
        })
        .collect();
    let w = want(layout, prelu.slopes(), &u, g, &u, init);
    let at = format!("{context} {layout} len {n} offset {offset}, biased");
    let buf = |fill: &[F]| {
        let mut v = vec![F::nan(); offset];
        v.extend_from_slice(fill);
        v
    };
    let same = |got: &[F], want: &[F], what: &str| {
        assert_same_bits(&got[offset..], want, &format!("{at}: {what}"))
    };

    let mut out = buf(z);
    prelu.forward_biased(z, bias, &mut out[offset..]);
    same(&out, &w.forward, "forward_biased");
    let mut values = buf(z);
    prelu.forward_biased_in_place(&mut values[offset..], bias);
    same(&values, &w.forward, "forward_biased_in_place");
    let mut out = buf(z);
    let stats = prelu.forward_biased_with_stats(z, bias, &mut out[offset..]);
    same(&out, &w.forward, "forward_biased_with_stats");
    assert_eq!(stats, w.stats, "{at}: forward_biased_with_stats");
    let mut values = buf(z);
    let stats = prelu.forward_biased_in_place_with_stats(&mut values[offset..], bias);
    same(&values, &w.forward, "forward_biased_in_place_with_stats");
    assert_eq!(stats, w.stats, "{at}: forward_biased_in_place_with_stats");
    let mut out = buf(z);
    let mut mask = vec![!0_u64; mask_words(n)];
    let nans = prelu.forward_biased_masked(z, bias, &mut out[offset..], &mut mask);
    same(&out, &w.forward, "forward_biased_masked");
    assert_eq!((&mask[..], nans), (&w.mask[..], w.nans), "{at}: mask");
    let mut values = buf(z);
    let mut mask = vec![!0_u64; mask_words(n)];
    let nans = prelu.forward_biased_in_place_masked(&mut values[offset..], bias, &mut mask);
    same(&values, &w.forward, "forward_biased_in_place_masked");
    assert_eq!(
        (&mask[..], nans),
        (&w.mask[..], w.nans),
        "{at}: mask in place"
    );

    let mut gi = buf(g);
    let (mut sg, mut bg) = (init.to_vec(), bias.to_vec());
    prelu.backward_biased(z, bias, g, &mut gi[offset..], &mut sg, &mut bg);
    same(&gi, &w.backward, "backward_biased input gradient");
    assert_same_bits(&sg, &w.slope_grad, &format!("{at}: slope gradient"));
    let want_bg = spec_bias_grad(&w.backward, layout, bias);
    assert_same_bits(&bg, &want_bg, &format!("{at}: bias gradient"));
}

/// Slopes for `c` channels: finite values of mixed sign and magnitude, every third one zero
/// (either sign) with `zeros`.
fn slopes<F: TestFloat>(rng: &mut Rng, c: usize, zeros: bool) -> Vec<F> {
    let mut s = finite::<F>(rng, c);
    if zeros {
        for (k, v) in s.iter_mut().enumerate().step_by(3) {
            *v = if k % 2 == 0 { F::zero() } else { -F::zero() };
        }
    }
    s
}

fn against_the_naive_loop<F: TestFloat>(seed: u64) {
    let mut rng = Rng::new(seed);
    for layout in layouts() {
        let block = layout.channels() * layout.inner();
        let counts: &[usize] = if cfg!(miri) {
            &[1]
        } else if block > 1000 {
            &[0, 1, 2]
        } else if block == 64 {
            // Past the longest pass that reads channels-last rows in place (8Ki elements).
            &[0, 1, 2, 5, 33, 129]
        } else {
            &[0, 1, 2, 5, 33]
        };
        for &count in counts {
            let n = count * block;
            for offset in [0, 1, 3] {
                if cfg!(miri) && offset != 1 {
                    continue;
                }
                for zeros in [false, true] {
                    // Raw bits (NaNs and all), then finite values.
                    for raw in [true, false] {
                        if cfg!(miri) && !raw {
                            continue;
                        }
                        let mut floats = |n| {
                            if raw {
                                rng.floats::<F>(n)
                            } else {
                                finite::<F>(&mut rng, n)
                            }
                        };
                        let (x, g, old) =
                            (floats(n + offset), floats(n + offset), floats(n + offset));
                        let init = floats(layout.channels());
                        let bias = floats(layout.channels());
                        let s = slopes::<F>(&mut rng, layout.channels(), zeros);
                        let prelu = PRelu::new(&s, layout).unwrap();
                        check(&prelu, &x, &g, &old, &init, offset, "");
                        check_biased(&prelu, (&x, &bias), &g, &init, offset, "");
                    }
                }
            }
        }
    }
}

#[test]
fn against_the_naive_loop_f32() {
    against_the_naive_loop::<f32>(0x9e1);
}

#[test]
fn against_the_naive_loop_f64() {
    against_the_naive_loop::<f64>(0x9e2);
}

// The 16-bit formats in a test each, which the harness runs in parallel.
#[test]
#[cfg(feature = "half")]
fn against_the_naive_loop_f16() {
    against_the_naive_loop::<half::f16>(0x9e3);
}

#[test]
#[cfg(feature = "half")]
fn against_the_naive_loop_bf16() {
    against_the_naive_loop::<half::bf16>(0x9e4);
}

/// Every pair of edge values as (x, g), with every edge value as a channel's slope where it is
/// finite, and one slope at a time (which must be LeakyRelu's bits).
fn edge_table<F: TestFloat>() {
    let (x, g) = edge_pairs::<F>();
    let old: Vec<F> = x.iter().rev().copied().collect();
    let edges: Vec<F> = F::edge_values()
        .into_iter()
        .filter(|s| s.is_finite())
        .collect();
    let init: Vec<F> = edges.iter().map(|_| F::zero()).collect();
    let n = x.len();
    // The finite edge values as the biases too: each edge value as `z` fills a run of more
    // elements than there are channels, so it meets every bias (the last run, cut to whole
    // rows, some of them).
    let bias: Vec<F> = edges.iter().rev().copied().collect();
    let prelu = PRelu::new(&edges, Channels::last(edges.len())).unwrap();
    let m = n / edges.len() * edges.len();
    check(&prelu, &x[..m], &g[..m], &old[..m], &init, 0, "edges, last");
    check_biased(&prelu, (&x[..m], &bias), &g[..m], &init, 0, "edges, last");
    let prelu = PRelu::new(&edges, Channels::first(edges.len(), 1)).unwrap();
    check(
        &prelu,
        &x[..m],
        &g[..m],
        &old[..m],
        &init,
        0,
        "edges, first",
    );
    check_biased(&prelu, (&x[..m], &bias), &g[..m], &init, 0, "edges, first");
    for &slope in &edges {
        let s = [slope];
        let prelu = PRelu::new(&s, Channels::last(1)).unwrap();
        check(
            &prelu,
            &x,
            &g,
            &old,
            &[F::zero()],
            0,
            &format!("slope {slope:?}"),
        );
    }
}

#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn edge_table_f32() {
    edge_table::<f32>();
}

#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn edge_table_f64() {
    edge_table::<f64>();
}

#[test]
#[cfg(feature = "half")]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn edge_table_f16() {
    edge_table::<half::f16>();
    edge_table::<half::bf16>();
}

/// The slope gradient of finite values against the exact sum (in f64 from f32 products, which
/// f64 holds exactly), within the bound the docs state for the bias gradient.
#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn slope_gradient_accuracy() {
    let mut rng = Rng::new(11);
    let mut unit = move || (rng.next_u64() % 2001) as f32 / 1000.0 - 1.0;
    for layout in [Channels::last(3), Channels::first(3, 1000)] {
        let n = 200 * layout.channels() * layout.inner();
        let x: Vec<f32> = (0..n).map(|_| unit()).collect();
        let g: Vec<f32> = (0..n).map(|_| unit()).collect();
        let slopes = [0.25_f32; 3];
        let prelu = PRelu::new(&slopes, layout).unwrap();
        let mut gi = vec![0.0_f32; n];
        let mut sg = [0.0_f32; 3];
        prelu.backward(&x, &g, &mut gi, &mut sg);
        for (c, &got) in sg.iter().enumerate() {
            let (mut exact, mut magnitude, mut count) = (0.0_f64, 0.0_f64, 0.0_f64);
            for i in (0..n).filter(|&i| layout.channel_of(i) == c) {
                let term = if x[i] <= 0.0 { x[i] * g[i] } else { 0.0 };
                exact += f64::from(term);
                magnitude += f64::from(term).abs();
                count += 1.0;
            }
            let eps = f64::from(f32::EPSILON) / 2.0;
            let inner = layout.inner() as f64;
            let bound = ((inner / 16.0).ceil() + count / inner + 4.0) * eps * magnitude;
            let err = (f64::from(got) - exact).abs();
            assert!(
                err <= bound,
                "{layout} channel {c}: error {err:e} over {bound:e}"
            );
        }
    }
}

/// The slope gradient is the derivative of a loss: central differences on a small layer in
/// f64, inputs away from the kink, both layouts.
#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn slope_gradient_by_finite_differences() {
    for layout in [Channels::last(3), Channels::first(3, 4)] {
        let n = 2 * layout.channels() * layout.inner();
        let x: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 13) as f64 / 3.0 - 2.05)
            .collect();
        let w: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let slopes = vec![0.3, -0.2, 0.0];
        let loss = |slopes: &[f64]| {
            let mut y = vec![0.0; n];
            PRelu::new(slopes, layout).unwrap().forward(&x, &mut y);
            y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>()
        };
        let mut gi = vec![0.0; n];
        let mut sg = vec![0.0; 3];
        let prelu = PRelu::new(&slopes, layout).unwrap();
        prelu.backward(&x, &w, &mut gi, &mut sg);
        for c in 0..3 {
            let h = 1e-6;
            let (mut up, mut down) = (slopes.clone(), slopes.clone());
            up[c] += h;
            down[c] -= h;
            let numeric = (loss(&up) - loss(&down)) / (2.0 * h);
            assert!(
                (numeric - sg[c]).abs() < 1e-6,
                "{layout} channel {c}: {numeric} vs {}",
                sg[c]
            );
        }
        // The fused bias pass: the bias gradient, and the slope gradient at `x + bias`.
        let bias = vec![0.25, -0.5, 1.0];
        let biased_loss = |slopes: &[f64], bias: &[f64]| {
            let mut y = vec![0.0; n];
            let prelu = PRelu::new(slopes, layout).unwrap();
            prelu.forward_biased(&x, bias, &mut y);
            y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>()
        };
        let (mut bsg, mut bbg) = (vec![0.0; 3], vec![0.0; 3]);
        prelu.backward_biased(&x, &bias, &w, &mut gi, &mut bsg, &mut bbg);
        for c in 0..3 {
            let h = 1e-6;
            let nudged = |d: f64, of_bias: bool| {
                let (mut s, mut b) = (slopes.clone(), bias.clone());
                if of_bias {
                    b[c] += d
                } else {
                    s[c] += d
                }
                biased_loss(&s, &b)
            };
            for (of_bias, got) in [(true, bbg[c]), (false, bsg[c])] {
                let numeric = (nudged(h, of_bias) - nudged(-h, of_bias)) / (2.0 * h);
                assert!(
                    (numeric - got).abs() < 1e-6,
                    "{layout} channel {c}, biased (of the bias: {of_bias}): {numeric} vs {got}"
                );
            }
        }
        prelu.backward(&x, &w, &mut gi, &mut sg);
        // The input gradient too, element by element.
        for i in 0..n {
            let h = 1e-6;
            let f = |d: f64| {
                let mut xs = x.clone();
                xs[i] += d;
                let mut y = vec![0.0; n];
                prelu.forward(&xs, &mut y);
                y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>()
            };
            let numeric = (f(h) - f(-h)) / (2.0 * h);
            assert!((numeric - gi[i]).abs() < 1e-6, "{layout} x[{i}]");
        }
    }
}

/// Bad parameters and layouts: an error for a non-finite slope, a panic naming the sizes
/// before anything is written for the rest.
#[test]
fn checks() {
    let panics = |f: &mut dyn FnMut()| -> String {
        let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    assert!(PRelu::new(&[0.1, f32::INFINITY], Channels::last(2)).is_err());
    assert!(PRelu::new(&[f64::NAN], Channels::last(1)).is_err());
    let msg = panics(&mut || _ = PRelu::new(&[0.1_f32; 2], Channels::last(3)));
    assert!(
        msg.contains("PRelu::new: slopes has 2 elements, but Channels::last(3) has 3 channels"),
        "{msg}"
    );
    let slopes = [0.5_f32; 3];
    let prelu = PRelu::new(&slopes, Channels::last(3)).unwrap();
    let x = [-1.0_f32; 7];
    let mut out = [9.0_f32; 7];
    let msg = panics(&mut || prelu.forward(&x, &mut out));
    assert!(
        msg.contains("PRelu::forward: 7 elements are not a whole number of Channels::last(3)"),
        "{msg}"
    );
    assert_eq!(out, [9.0; 7]);
    let msg = panics(&mut || prelu.forward_in_place(&mut out));
    assert!(msg.contains("PRelu::forward_in_place: 7 elements"), "{msg}");
    assert_eq!(out, [9.0; 7]);
    let mut out6 = [9.0_f32; 6];
    let mut sg = [9.0_f32; 2];
    let msg = panics(&mut || prelu.backward(&x[..6], &x[..6], &mut out6, &mut sg));
    assert!(
        msg.contains("PRelu::backward: slope_grad has 2 elements, but Channels::last(3) has 3"),
        "{msg}"
    );
    assert_eq!((out6, sg), ([9.0; 6], [9.0; 2]));
    let msg = panics(&mut || prelu.derivative(&x[..6], &mut out));
    assert!(
        msg.contains("input has 6 elements but output has 7"),
        "{msg}"
    );
    let msg = panics(&mut || _ = prelu.forward_masked(&x[..6], &mut out6, &mut []));
    assert!(
        msg.contains("PRelu::forward_masked: the mask has 0 words"),
        "{msg}"
    );
    assert_eq!(out6, [9.0; 6]);
    let msg = panics(&mut || prelu.forward_biased(&x[..6], &[1.0; 2], &mut out6));
    assert!(
        msg.contains("PRelu::forward_biased: bias has 2 elements, but Channels::last(3) has 3"),
        "{msg}"
    );
    let msg =
        panics(&mut || _ = prelu.forward_biased_in_place_masked(&mut out6, &[1.0; 3], &mut []));
    assert!(
        msg.contains("PRelu::forward_biased_in_place_masked: the mask has 0 words"),
        "{msg}"
    );
    assert_eq!(out6, [9.0; 6]);
    let (mut sg3, mut bg) = ([9.0_f32; 3], [9.0_f32; 4]);
    let msg = panics(&mut || {
        prelu.backward_biased(&x[..6], &[1.0; 3], &x[..6], &mut out6, &mut sg3, &mut bg)
    });
    assert!(
        msg.contains("PRelu::backward_biased: bias_grad has 4 elements, but Channels::last(3)"),
        "{msg}"
    );
    assert_eq!((out6, sg3, bg), ([9.0; 6], [9.0; 3], [9.0; 4]));
    let msg =
        panics(&mut || prelu.backward_biased(&x, &[1.0; 3], &x, &mut out, &mut sg3, &mut bg[..3]));
    assert!(
        msg.contains("PRelu::backward_biased: 7 elements are not a whole number"),
        "{msg}"
    );
    let msg = panics(&mut || _ = prelu.channel(3));
    assert!(msg.contains("PRelu::channel(3) of 3 channels"), "{msg}");
}
