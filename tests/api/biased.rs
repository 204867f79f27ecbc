//! The fused bias passes: `forward_biased` (and in place) against the two steps written out,
//! and `backward_biased` against `backward` and the documented order of the bias gradient,
//! bit for bit, for every member, both layouts, lengths around the pieces, misaligned starts;
//! the accuracy of the sums against `f64`; a finite-difference check; the layout checks.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rectify::{
    Activation, ActivationStats, Channels, LeakyRelu, MaskedActivation, Relu, mask_words,
};

use crate::activations::{Spec, UserRelu, members};
use crate::common::{Rng, TestFloat, assert_same_bits, edge_pairs, spec_sum_add};

/// The two steps: `u = z + b` (a NaN `z` as it is), then the activation.
fn spec_forward<F: TestFloat>(
    act: impl Fn(F) -> F,
    z: &[F],
    bias: &[F],
    layout: Channels,
) -> Vec<F> {
    (z.iter().enumerate())
        .map(|(i, &z)| {
            let b = bias[layout.channel_of(i)];
            act(if z.is_nan() { z } else { z + b })
        })
        .collect()
}

/// The bias gradient in the order the docs give, written from them: per run of `inner`
/// elements, 16 interleaved sums from -0.0, the tree 8, 4, 2, 1, added to the channel's value
/// in buffer order; a NaN keeps its bits through every addition.
pub(crate) fn spec_bias_grad<F: TestFloat>(grad: &[F], layout: Channels, init: &[F]) -> Vec<F> {
    let add = spec_sum_add::<F>;
    let mut out = init.to_vec();
    let inner = layout.inner();
    for (run, elements) in grad.chunks(inner).enumerate() {
        let mut s = [-F::zero(); 16];
        for (k, &v) in elements.iter().enumerate() {
            s[k % 16] = add(s[k % 16], v);
        }
        for h in [8, 4, 2, 1] {
            for k in 0..h {
                s[k] = add(s[k], s[k + h]);
            }
        }
        let c = run % layout.channels();
        out[c] = add(out[c], s[0]);
    }
    out
}

/// The layouts under test: channels last and first, with channel counts 1, 3, 64, 1000 and
/// inner extents around the partial sums (16) and on both sides of every piece policy (a tile
/// of 1024 elements: whole periods in one tile, a tile per piece, rows and runs longer than a
/// tile; channels-last rows of a multiple of 16 elements from 64 on, read in place).
pub(crate) fn layouts() -> Vec<Channels> {
    if cfg!(miri) {
        // Short ones (the piece policies are safe code; Miri watches the kernels' memory
        // accesses): rows and runs in a tile, with vectors and tails.
        return vec![
            Channels::last(3),
            Channels::last(64),
            Channels::last(70),
            Channels::first(3, 17),
        ];
    }
    let mut v = vec![];
    for c in [1, 3, 64, 80, 1000, 1100] {
        v.push(Channels::last(c));
    }
    for (c, inner) in [
        (3, 2),
        (3, 15),
        (3, 16),
        (3, 17),
        (2, 63),
        (3, 64),
        (3, 100),
        (1, 1500),
        (2, 1024),
        (64, 7),
        (1000, 3),
    ] {
        v.push(Channels::first(c, inner));
    }
    v
}

/// Every member (and a user's type, and `&dyn`) on one layout and set of inputs, at `offset`
/// elements into the buffers: the three methods against the spec, bits compared.
fn check_all<F: TestFloat>(
    layout: Channels,
    z: &[F],
    bias: &[F],
    g: &[F],
    init: &[F],
    offset: usize,
) {
    let n = z.len() - offset;
    let (z, g) = (&z[offset..], &g[offset..]);
    let check = |act: &dyn MaskedActivation<F>, spec: &dyn Fn(F) -> F, name: &str| {
        let at = format!("{name} {layout} len {n} offset {offset}");
        let want = spec_forward(spec, z, bias, layout);
        // The stats of what the two steps write, and the mask of the activation's inputs.
        let u = spec_forward(|u| u, z, bias, layout);
        let want_stats = ActivationStats {
            active: want.iter().filter(|&&y| y > F::zero()).count(),
            zeros: want.iter().filter(|&&y| y == F::zero()).count(),
            nans: want.iter().filter(|y| y.is_nan()).count(),
            len: n,
        };
        let mut want_mask = vec![0_u64; mask_words(n)];
        for (i, &u) in u.iter().enumerate() {
            want_mask[i / 64] |= u64::from(act.is_active(u)) << (i % 64);
        }
        let want_nans = u.iter().filter(|u| u.is_nan()).count();
        let mut buf = vec![F::nan(); n + offset];
        let stats = act.forward_biased_with_stats(z, bias, layout, &mut buf[offset..]);
        assert_same_bits(
            &buf[offset..],
            &want,
            &format!("{at}: forward_biased_with_stats"),
        );
        assert_eq!(stats, want_stats, "{at}: forward_biased_with_stats");
        let mut values = vec![F::zero(); offset];
        values.extend_from_slice(z);
        let stats = act.forward_biased_in_place_with_stats(&mut values[offset..], bias, layout);
        assert_same_bits(
            &values[offset..],
            &want,
            &format!("{at}: in place with stats"),
        );
        assert_eq!(
            stats, want_stats,
            "{at}: forward_biased_in_place_with_stats"
        );
        let mut buf = vec![F::nan(); n + offset];
        let mut mask = vec![!0_u64; mask_words(n)];
        let nans = act.forward_biased_masked(z, bias, layout, &mut buf[offset..], &mut mask);
        assert_same_bits(
            &buf[offset..],
            &want,
            &format!("{at}: forward_biased_masked"),
        );
        assert_eq!(
            (&mask, nans),
            (&want_mask, want_nans),
            "{at}: forward_biased_masked"
        );
        let mut values = vec![F::zero(); offset];
        values.extend_from_slice(z);
        let mut mask = vec![!0_u64; mask_words(n)];
        let nans =
            act.forward_biased_in_place_masked(&mut values[offset..], bias, layout, &mut mask);
        assert_same_bits(&values[offset..], &want, &format!("{at}: in place masked"));
        assert_eq!(
            (&mask, nans),
            (&want_mask, want_nans),
            "{at}: in place masked"
        );
        let mut buf = vec![F::nan(); n + offset];
        act.forward_biased(z, bias, layout, &mut buf[offset..]);
        assert_same_bits(&buf[offset..], &want, &format!("{at}: forward_biased"));
        let mut values = vec![F::zero(); offset];
        values.extend_from_slice(z);
        act.forward_biased_in_place(&mut values[offset..], bias, layout);
        assert_same_bits(
            &values[offset..],
            &want,
            &format!("{at}: forward_biased_in_place"),
        );
        // Backward from the forward input `z + b`, which every member takes.
        let mut want_gi = vec![F::zero(); n];
        act.backward(&u, g, &mut want_gi);
        let want_bg = spec_bias_grad(&want_gi, layout, init);
        let mut gi = vec![F::nan(); n + offset];
        let mut bg = init.to_vec();
        act.backward_biased(&u, g, layout, &mut gi[offset..], &mut bg);
        assert_same_bits(
            &gi[offset..],
            &want_gi,
            &format!("{at}: backward_biased input gradient"),
        );
        assert_same_bits(
            &bg,
            &want_bg,
            &format!("{at}: backward_biased bias gradient"),
        );
    };
    // Under Miri the members below stand for all (the kernels' unsafe code is the same).
    let specs = members::<F>();
    let specs = if cfg!(miri) { &specs[..1] } else { &specs[..] };
    for &spec in specs {
        let value = spec.value();
        check(&value, &|x| spec.at(x), &format!("{spec:?}"));
    }
    check(
        &UserRelu,
        &|x| Spec::<F>::Relu.at(x),
        "UserRelu (provided methods)",
    );
    if cfg!(miri) {
        return;
    }
    check(
        &LeakyRelu::new(F::from(0.01).unwrap()).unwrap(),
        &|x| Spec::Leaky(F::from(0.01).unwrap()).at(x),
        "LeakyRelu",
    );
    check(&Relu, &|x| Spec::<F>::Relu.at(x), "Relu");
}

/// `n` finite values, signs and magnitudes from 2^-20 to 2^43 mixed.
pub(crate) fn finite<F: TestFloat>(rng: &mut Rng, n: usize) -> Vec<F> {
    (0..n)
        .map(|_| {
            let r = rng.next_u64();
            let unit = (r >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            let value = F::from(unit * 2f64.powi((r & 63) as i32 - 20)).unwrap();
            // Past f16's range (65504) the largest finite value instead.
            value.max(F::min_value()).min(F::max_value())
        })
        .collect()
}

fn fused_against_two_steps<F: TestFloat>(seed: u64) {
    let mut rng = Rng::new(seed);
    for layout in layouts() {
        let block = layout.channels() * layout.inner();
        let blocks: &[usize] = if cfg!(miri) {
            &[1]
        } else if block > 1000 {
            &[0, 1, 2]
        } else if block == 64 {
            // Past the longest pass that reads channels-last rows in place (8Ki elements).
            &[0, 1, 2, 5, 33, 129]
        } else {
            &[0, 1, 2, 5, 33]
        };
        // Misaligned starts: one element and three. For the 16-bit formats both are an odd
        // number of lanes into a vector, and their scalar reference is slow under emulation
        // (CI's aarch64 step): one misaligned start for them.
        let offsets: &[usize] = if cfg!(miri) {
            &[1]
        } else if size_of::<F>() == 2 {
            &[0, 1]
        } else {
            &[0, 1, 3]
        };
        for &count in blocks {
            let n = count * block;
            for &offset in offsets {
                // Raw bits (NaNs and all), then finite values of mixed magnitudes, whose sums
                // round differently in any other order.
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
                    let (z, g) = (floats(n + offset), floats(n + offset));
                    let (bias, init) = (floats(layout.channels()), floats(layout.channels()));
                    check_all(layout, &z, &bias, &g, &init, offset);
                }
            }
        }
    }
}

#[test]
fn fused_against_two_steps_f32() {
    fused_against_two_steps::<f32>(0xb1a5);
}

#[test]
fn fused_against_two_steps_f64() {
    fused_against_two_steps::<f64>(0xb1a6);
}

// The 16-bit formats in a test each, which the harness runs in parallel: their scalar
// reference is the slowest part of the suite.
#[test]
#[cfg(feature = "half")]
fn fused_against_two_steps_f16() {
    fused_against_two_steps::<half::f16>(0xb1a7);
}

#[test]
#[cfg(feature = "half")]
fn fused_against_two_steps_bf16() {
    fused_against_two_steps::<half::bf16>(0xb1a8);
}

/// Every pair of edge values as (z, bias) and (forward, gradient), channels first with one
/// channel per pair of values, and channels last.
fn edge_table<F: TestFloat>() {
    let (z, g) = edge_pairs::<F>();
    let edges = F::edge_values();
    // Channel c has bias edges[c]; each z runs through every bias.
    let bias: Vec<F> = edges.clone();
    let n = edges.len();
    let z2: Vec<F> = edges
        .iter()
        .flat_map(|&b| edges.iter().map(move |_| b))
        .collect();
    let init: Vec<F> = edges.iter().rev().copied().collect();
    check_all(Channels::last(n), &z2, &bias, &g, &init, 0);
    check_all(Channels::last(n), &z, &bias, &g, &init, 0);
    let init1 = [F::zero()];
    check_all(Channels::last(1), &z, &[F::max_value()], &g, &init1, 0);
    check_all(Channels::first(n, n), &z, &bias, &g, &init, 0);
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

/// The bias gradient of finite values against the exact sum (in f64 from f32 inputs, where
/// every partial sum is exact), within the bound the docs state.
#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn bias_gradient_accuracy() {
    let mut rng = Rng::new(7);
    for layout in [
        Channels::last(3),
        Channels::first(3, 1000),
        Channels::first(2, 20),
    ] {
        let n = 200 * layout.channels() * layout.inner();
        let g: Vec<f32> = (0..n)
            .map(|_| (rng.next_u64() % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let forward = vec![1.0_f32; n];
        let mut gi = vec![0.0_f32; n];
        let mut bg = vec![0.0_f32; layout.channels()];
        Relu.backward_biased(&forward, &g, layout, &mut gi, &mut bg);
        for (c, &got) in bg.iter().enumerate() {
            let (mut exact, mut magnitude, mut count) = (0.0_f64, 0.0_f64, 0.0_f64);
            let channel = (g.iter().enumerate()).filter(|(i, _)| layout.channel_of(*i) == c);
            for (_, &v) in channel {
                exact += f64::from(v);
                magnitude += f64::from(v).abs();
                count += 1.0;
            }
            // The bound the docs state: (ceil(inner / 16) + runs + 4) * eps * A.
            let eps = f64::from(f32::EPSILON) / 2.0;
            let inner = layout.inner() as f64;
            let runs = count / inner;
            let bound = ((inner / 16.0).ceil() + runs + 4.0) * eps * magnitude;
            let err = (f64::from(got) - exact).abs();
            assert!(
                err <= bound,
                "{layout} channel {c}: error {err:e} over the bound {bound:e} (sum {exact})"
            );
        }
    }
}

/// The bias gradient is the derivative of a loss: central differences on a small leaky ReLU
/// layer in f64, inputs away from the kink.
#[test]
#[cfg_attr(miri, ignore = "values: the native runs cover them")]
fn bias_gradient_by_finite_differences() {
    let leaky = LeakyRelu::new(0.1_f64).unwrap();
    for layout in [Channels::last(3), Channels::first(3, 4)] {
        let n = 2 * layout.channels() * layout.inner();
        let z: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 13) as f64 / 3.0 - 2.05)
            .collect();
        let w: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729) % 11) as f64 / 5.0 - 1.0)
            .collect();
        let bias = vec![0.3, -0.2, 0.1];
        let loss = |bias: &[f64]| {
            let mut y = vec![0.0; n];
            leaky.forward_biased(&z, bias, layout, &mut y);
            y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>()
        };
        let u: Vec<f64> = spec_forward(|x| x, &z, &bias, layout);
        let mut gi = vec![0.0; n];
        let mut bg = vec![0.0; 3];
        leaky.backward_biased(&u, &w, layout, &mut gi, &mut bg);
        for c in 0..3 {
            let h = 1e-6;
            let (mut up, mut down) = (bias.clone(), bias.clone());
            up[c] += h;
            down[c] -= h;
            let numeric = (loss(&up) - loss(&down)) / (2.0 * h);
            assert!(
                (numeric - bg[c]).abs() < 1e-6,
                "{layout} channel {c}: {numeric} vs {}",
                bg[c]
            );
        }
    }
}

/// Bad layouts panic before anything is written, naming the sizes.
#[test]
fn layout_checks() {
    let panics = |f: &mut dyn FnMut()| -> String {
        let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
        err.downcast_ref::<String>().cloned().unwrap_or_default()
    };
    assert!(panics(&mut || _ = Channels::last(0)).contains("0 channels of 1"));
    assert!(panics(&mut || _ = Channels::first(3, 0)).contains("3 channels of 0"));
    assert!(panics(&mut || _ = Channels::first(usize::MAX, 2)).contains("overflow"));

    let z = [1.0_f32; 7];
    let mut out = [9.0_f32; 7];
    let msg = panics(&mut || Relu.forward_biased(&z, &[0.0; 3], Channels::last(3), &mut out));
    assert!(
        msg.contains(
            "forward_biased: 7 elements are not a whole number of Channels::last(3) blocks of 3"
        ),
        "{msg}"
    );
    assert_eq!(out, [9.0; 7]);
    let mut out6 = [9.0_f32; 6];
    let msg = panics(&mut || Relu.forward_biased(&z[..6], &[0.0; 2], Channels::last(3), &mut out6));
    assert!(
        msg.contains("bias has 2 elements, but Channels::last(3) has 3 channels"),
        "{msg}"
    );
    assert_eq!(out6, [9.0; 6]);
    let msg = panics(&mut || Relu.forward_biased(&z[..6], &[0.0; 3], Channels::last(3), &mut out));
    assert!(
        msg.contains("forward_biased: input has 6 elements but output has 7"),
        "{msg}"
    );
    let mut values = [9.0_f32; 8];
    let msg = panics(&mut || {
        UserRelu.forward_biased_in_place(&mut values, &[0.0; 3], Channels::first(3, 2))
    });
    assert!(msg.contains("forward_biased_in_place: 8 elements are not a whole number of Channels::first(3, 2) blocks of 6"), "{msg}");
    assert_eq!(values, [9.0; 8]);
    let (mut gi, mut bg) = ([9.0_f32; 6], [9.0_f32; 2]);
    let msg =
        panics(&mut || Relu.backward_biased(&z[..6], &z[..6], Channels::last(3), &mut gi, &mut bg));
    assert!(
        msg.contains(
            "backward_biased: bias_grad has 2 elements, but Channels::last(3) has 3 channels"
        ),
        "{msg}"
    );
    assert_eq!((gi, bg), ([9.0; 6], [9.0; 2]));
}
