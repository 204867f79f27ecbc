//! The per-channel methods: every method of `PRelu` (its fused bias methods too) and every
//! fused bias method of every activation type, with arbitrary layouts (channels last and
//! first), parameters (invalid ones too), lengths and misaligned starts, against the scalar
//! methods element by element and the documented order of the slope and bias gradients, bit for
//! bit, with guard cells around every output. Bad layouts, lengths and parameter slices must panic before writing anything.
//! The kernel is the one `RECTIFY_KERNEL` forces (CI runs this target once per kernel).
#![no_main]

use std::panic::{catch_unwind, AssertUnwindSafe};

use libfuzzer_sys::fuzz_target;
use rectify::{
    mask_words, Activation, ActivationStats, Channels, LeakyRelu, MaskedActivation, PRelu,
};

mod common;
use common::{accumulate, activation, check, Float, Guarded, Reader};

/// `PRelu`'s methods, then the fused bias methods of the activation types, then `PRelu`'s.
const PRELU_METHODS: u8 = 14;
const FUSED_METHODS: u8 = PRELU_METHODS + 7;
const METHODS: u8 = FUSED_METHODS + 7;

/// What can be wrong with a case, each of which must panic before writing anything.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Bad {
    Nothing,
    /// A length that is not a whole number of the layout's blocks.
    Ragged,
    /// Slopes or bias with one value too many.
    Params,
    /// A slope or bias gradient with one value too many.
    Grads,
}

/// The addition of the documented gradient order: `b` where it is NaN, else `a` where it is
/// NaN, else `a + b`.
fn sum_add<F: Float>(a: F, b: F) -> F {
    if b.is_nan() {
        b
    } else if a.is_nan() {
        a
    } else {
        a + b
    }
}

/// Adds the values of each channel to `grads` in the documented order: per run of `inner`
/// elements, 16 interleaved sums from -0.0, the tree 8, 4, 2, 1, the runs in buffer order.
fn ordered_sums<F: Float>(values: &[F], layout: Channels, grads: &mut [F]) {
    for (run, elements) in values.chunks(layout.inner()).enumerate() {
        let mut s = [-F::zero(); 16];
        for (k, &v) in elements.iter().enumerate() {
            s[k % 16] = sum_add(s[k % 16], v);
        }
        for h in [8, 4, 2, 1] {
            for k in 0..h {
                s[k] = sum_add(s[k], s[k + h]);
            }
        }
        let c = run % layout.channels();
        grads[c] = sum_add(grads[c], s[0]);
    }
}

/// The counts of `ActivationStats`, of outputs.
fn stats_of<F: Float>(y: &[F]) -> (usize, usize, usize, usize) {
    let count = |f: &dyn Fn(F) -> bool| y.iter().filter(|&&v| f(v)).count();
    (
        count(&|v| v > F::zero()),
        count(&|v| v == F::zero()),
        count(&|v| v.is_nan()),
        y.len(),
    )
}

fn counts(s: ActivationStats) -> (usize, usize, usize, usize) {
    (s.active, s.zeros, s.nans, s.len)
}

/// Runs `f` expecting a panic; silences the panic message.
fn panics(f: impl FnOnce()) -> bool {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.is_err()
}

/// Where a method writes, each inside guards: the output (or the buffer changed in place), the
/// mask, and the slope or bias gradient.
struct Outputs<F> {
    out: Guarded<F>,
    mask: Vec<u64>,
    grads: Guarded<F>,
}

const MASK_GUARD: u64 = 0x5a5a_5a5a_5a5a_5a5a;

impl<F: Float> Outputs<F> {
    fn mask(&mut self) -> &mut [u64] {
        let words = self.mask.len() - 2;
        &mut self.mask[1..=words]
    }

    /// Panics if the mask's guard words were written, or the mask or the gradients where the
    /// method has none to write.
    fn check_untouched(&self, name: &str, mask: bool, grads: bool, grads_init: &[F]) {
        let words = self.mask.len() - 2;
        let guards = (self.mask[0], self.mask[words + 1]);
        assert_eq!(
            guards,
            (MASK_GUARD, MASK_GUARD),
            "{name}: wrote outside the mask"
        );
        if mask {
            let untouched = self.mask[1..=words].iter().all(|&w| w == u64::MAX);
            assert!(untouched, "{name}: wrote the mask");
        }
        if grads {
            check(name, self.grads.checked(name), grads_init);
        }
    }

    /// Panics unless `call` panics without writing a cell.
    fn assert_panics_unwritten(&mut self, name: &str, call: impl FnOnce(&mut Self)) {
        let snapshot = |o: &Self| {
            let bits = |g: &Guarded<F>| g.cells.iter().map(|c| c.bits()).collect::<Vec<_>>();
            (bits(&o.out), o.mask.clone(), bits(&o.grads))
        };
        let before = snapshot(self);
        assert!(panics(|| call(self)), "{name}: did not panic");
        assert_eq!(before, snapshot(self), "{name}: wrote before panicking");
    }
}

/// A slope-gradient term as `PRelu`'s docs give it: `x * g` where `x <= 0`, `x` where it is
/// NaN, `-0.0` where `x > 0`.
fn slope_term<F: Float>(x: F, g: F) -> F {
    if x.is_nan() {
        x
    } else if x <= F::zero() {
        x * g
    } else {
        -F::zero()
    }
}

/// `PRelu`'s fused bias method `method` (0 to 6): the slopes are `params`, and the bias and
/// the bias gradient's initial values more input; against `PRelu`'s scalar reference at
/// `u = z + b` (a NaN `z` as it is), and the documented order of both gradients.
#[allow(clippy::too_many_arguments)]
fn prelu_biased<F: Float>(
    method: u8,
    r: &mut Reader<'_>,
    name: &str,
    layout: Channels,
    bad: Bad,
    params: &[F],
    grads_init: &[F],
    (x, g): (&[F], &[F]),
    mut o: Outputs<F>,
) {
    let channels = layout.channels();
    let bias: Vec<F> = (0..channels).map(|_| r.float()).collect();
    let bias_init: Vec<F> = (0..channels).map(|_| r.float()).collect();
    let name = format!("{name} (PRelu, biased)");
    if bad == Bad::Params {
        assert!(panics(|| _ = PRelu::new(params, layout)), "{name}: slopes");
        return;
    }
    let Ok(prelu) = PRelu::new(params, layout) else {
        let finite = params.iter().all(|p| p.is_finite());
        assert!(!finite, "{name}: PRelu::new refused finite slopes");
        return;
    };
    let (len, words) = (x.len(), o.mask.len() - 2);
    let mut bias_grads = Guarded::new(&bias_init, 0, F::from(12345.0).unwrap());
    let call = |o: &mut Outputs<F>, bias_grads: &mut Guarded<F>| {
        let bias = &bias;
        match method {
            0 => prelu.forward_biased(x, bias, o.out.inner()),
            1 => prelu.forward_biased_in_place(o.out.inner(), bias),
            2 => {
                return Some(counts(prelu.forward_biased_with_stats(
                    x,
                    bias,
                    o.out.inner(),
                )))
            }
            3 => {
                let values = o.out.inner();
                return Some(counts(
                    prelu.forward_biased_in_place_with_stats(values, bias),
                ));
            }
            4 => {
                let (out, mask) = (o.out.inner(), &mut o.mask[1..=words]);
                return Some((prelu.forward_biased_masked(x, bias, out, mask), 0, 0, 0));
            }
            5 => {
                let (out, mask) = (o.out.inner(), &mut o.mask[1..=words]);
                return Some((
                    prelu.forward_biased_in_place_masked(out, bias, mask),
                    0,
                    0,
                    0,
                ));
            }
            _ => {
                let (out, grads) = (o.out.inner(), o.grads.inner());
                prelu.backward_biased(x, bias, g, out, grads, bias_grads.inner())
            }
        }
        None
    };
    if bad != Bad::Nothing {
        // Only backward_biased has gradient slices.
        if bad == Bad::Grads && method != 6 {
            return;
        }
        o.assert_panics_unwritten(&name, |o| _ = call(o, &mut bias_grads));
        check(&name, bias_grads.checked(&name), &bias_init);
        return;
    }
    let got = call(&mut o, &mut bias_grads);
    let leaky = |i: usize| LeakyRelu::new(params[layout.channel_of(i)]).unwrap();
    let u: Vec<F> = (0..len)
        .map(|i| accumulate(bias[layout.channel_of(i)], x[i]))
        .collect();
    if method == 6 {
        let want: Vec<F> = (0..len).map(|i| leaky(i).backward_at(u[i], g[i])).collect();
        check(&name, o.out.checked(&name), &want);
        let terms: Vec<F> = u.iter().zip(g).map(|(&u, &g)| slope_term(u, g)).collect();
        let mut slope_want = grads_init.to_vec();
        ordered_sums(&terms, layout, &mut slope_want);
        check(&name, o.grads.checked(&name), &slope_want);
        let mut bias_want = bias_init.clone();
        ordered_sums(&want, layout, &mut bias_want);
        check(&name, bias_grads.checked(&name), &bias_want);
        o.check_untouched(&name, true, false, grads_init);
        return;
    }
    let want: Vec<F> = (0..len).map(|i| leaky(i).at(u[i])).collect();
    check(&name, o.out.checked(&name), &want);
    match method {
        2 | 3 => assert_eq!(got, Some(stats_of(&want)), "{name}: stats"),
        4 | 5 => {
            let mut mask = vec![0_u64; words];
            for (i, &v) in u.iter().enumerate() {
                mask[i / 64] |= u64::from(leaky(i).is_active(v)) << (i % 64);
            }
            assert_eq!(&o.mask[1..=words], &mask[..], "{name}: mask");
            let nans = u.iter().filter(|v| v.is_nan()).count();
            assert_eq!(got.map(|c| c.0), Some(nans), "{name}: NaN count");
        }
        _ => {}
    }
    o.check_untouched(&name, !(4..=5).contains(&method), true, grads_init);
    check(&name, bias_grads.checked(&name), &bias_init);
}

fn run<F: Float>(r: &mut Reader<'_>) {
    let method = r.byte() % METHODS;
    let last = r.byte() & 1 == 0;
    // Bytes from 240 up (which no seed before them used) make the wide layouts that the
    // one-loop passes take: channels-last rows of 80 to 320 channels in steps of 16 (past
    // the registers, row by row), and channels-first runs of 1024 elements or more (with 1
    // to 3 channels, so that a block stays short).
    let (channels, wide) = match r.byte() {
        b @ 240.. if last => (80 + 16 * usize::from(b - 240), true),
        b => (usize::from(b % 80), false),
    };
    let (inner, channels, wide) = match last {
        true => (1, channels, wide),
        false => match r.byte() {
            b @ 240.. => (1024 + 37 * usize::from(b - 240), 1 + channels % 3, true),
            b => (usize::from(b % 40), channels, false),
        },
    };
    if channels == 0 || inner == 0 {
        // Documented panics of the constructors.
        assert!(panics(|| {
            let _ = if last {
                Channels::last(channels)
            } else {
                Channels::first(channels, inner)
            };
        }));
        return;
    }
    let layout = if last {
        Channels::last(channels)
    } else {
        Channels::first(channels, inner)
    };
    let block = channels * inner;
    let bad = match r.byte() % 16 {
        0 if block > 1 => Bad::Ragged,
        1 => Bad::Params,
        2 => Bad::Grads,
        _ => Bad::Nothing,
    };
    let blocks = usize::from(r.byte()) % if wide { 3 } else { 1 + 3000 / block };
    let ragged = if bad == Bad::Ragged {
        1 + usize::from(r.byte()) % (block - 1)
    } else {
        0
    };
    let len = blocks * block + ragged;
    let (start, out_start) = (usize::from(r.byte() % 8), usize::from(r.byte() % 8));
    let params: Vec<F> = (0..channels + usize::from(bad == Bad::Params))
        .map(|_| r.float())
        .collect();
    let grads_init: Vec<F> = (0..channels + usize::from(bad == Bad::Grads))
        .map(|_| r.float())
        .collect();
    let pool: Vec<F> = (0..3 * len + 16).map(|_| r.float()).collect();
    let x = &pool[start..][..len];
    let g = &pool[len + 8..][..len];
    let old = &pool[2 * len + 8 + start..][..len];
    let sentinel = F::from(12345.0).unwrap();
    let in_place = matches!(method, 1 | 3 | 5 | 7 | 15 | 17 | 19 | 22 | 24 | 26);
    let backward_in_place = matches!(method, 9 | 12);
    let init = if in_place {
        x
    } else if backward_in_place {
        g
    } else {
        old
    };
    let words = mask_words(len);
    let mut o = Outputs {
        out: Guarded::new(init, out_start, sentinel),
        mask: vec![MASK_GUARD; words + 2],
        grads: Guarded::new(&grads_init, 0, sentinel),
    };
    o.mask().fill(u64::MAX);
    // Which is checked after the call: the mask, the count it returns, the stats, the grads.
    let name = format!("method {method} on {layout} len {len} {bad:?}");

    if method >= FUSED_METHODS {
        prelu_biased(
            method - FUSED_METHODS,
            r,
            &name,
            layout,
            bad,
            &params,
            &grads_init,
            (x, g),
            o,
        );
        return;
    }
    if method < PRELU_METHODS {
        let all_finite = params.iter().all(|p| p.is_finite());
        if bad == Bad::Params {
            assert!(
                panics(|| {
                    let _ = PRelu::new(&params, layout);
                }),
                "{name}: slopes"
            );
            return;
        }
        let prelu = match PRelu::new(&params, layout) {
            Ok(prelu) => prelu,
            Err(_) => {
                assert!(!all_finite, "{name}: PRelu::new refused finite slopes");
                return;
            }
        };
        assert!(
            all_finite,
            "{name}: PRelu::new took a slope that is not finite"
        );
        let leaky = |i: usize| LeakyRelu::new(params[layout.channel_of(i)]).unwrap();
        let call = |o: &mut Outputs<F>| -> Option<usize> {
            let mut count = None;
            match method {
                0 => prelu.forward(x, o.out.inner()),
                1 => prelu.forward_in_place(o.out.inner()),
                2 => prelu.derivative(x, o.out.inner()),
                3 => prelu.derivative_in_place(o.out.inner()),
                4 => count = Some(counts(prelu.forward_with_stats(x, o.out.inner())).0),
                5 => count = Some(counts(prelu.forward_in_place_with_stats(o.out.inner())).0),
                6 => {
                    let (out, mask) = (o.out.inner(), &mut o.mask[1..=words]);
                    count = Some(prelu.forward_masked(x, out, mask));
                }
                7 => {
                    let (out, mask) = (o.out.inner(), &mut o.mask[1..=words]);
                    count = Some(prelu.forward_in_place_masked(out, mask));
                }
                8 => prelu.backward(x, g, o.out.inner(), o.grads.inner()),
                9 => prelu.backward_in_place(x, o.out.inner(), o.grads.inner()),
                10 => prelu.backward_accumulate(x, g, o.out.inner(), o.grads.inner()),
                _ => {
                    let mut mask = vec![0_u64; words];
                    for (i, &v) in x.iter().enumerate() {
                        mask[i / 64] |= u64::from(leaky(i).is_active(v)) << (i % 64);
                    }
                    match method {
                        11 => prelu.backward_masked(&mask, g, o.out.inner()),
                        12 => prelu.backward_masked_in_place(&mask, o.out.inner()),
                        _ => prelu.backward_masked_accumulate(&mask, g, o.out.inner()),
                    }
                }
            }
            count
        };
        if bad != Bad::Nothing {
            // Only the methods with a gradient slice can get one of the wrong length.
            if bad == Bad::Grads && !(8..=10).contains(&method) {
                return;
            }
            o.assert_panics_unwritten(&name, |o| {
                let _ = call(o);
            });
            return;
        }
        let count = call(&mut o);

        let forward: Vec<F> = (0..len).map(|i| leaky(i).at(x[i])).collect();
        let want_mask = |o: &Outputs<F>| {
            let mut want = vec![0_u64; words];
            for (i, &v) in x.iter().enumerate() {
                want[i / 64] |= u64::from(leaky(i).is_active(v)) << (i % 64);
            }
            assert_eq!(&o.mask[1..=words], &want[..], "{name}: mask");
        };
        let nans = x.iter().filter(|v| v.is_nan()).count();
        let backward: Vec<F> = (0..len).map(|i| leaky(i).backward_at(x[i], g[i])).collect();
        let masked: Vec<F> = (0..len)
            .map(|i| leaky(i).backward_from_bit(leaky(i).is_active(x[i]), g[i]))
            .collect();
        let summed =
            |w: &[F]| -> Vec<F> { old.iter().zip(w).map(|(&a, &b)| accumulate(a, b)).collect() };
        let want: Vec<F> = match method {
            0 | 1 | 4..=7 => forward,
            2 | 3 => (0..len).map(|i| leaky(i).derivative_at(x[i])).collect(),
            8 | 9 => backward,
            10 => summed(&backward),
            11 | 12 => masked,
            _ => summed(&masked),
        };
        check(&name, o.out.checked(&name), &want);
        match method {
            4 | 5 => assert_eq!(count, Some(stats_of(&want).0), "{name}: stats"),
            6 | 7 => {
                want_mask(&o);
                assert_eq!(count, Some(nans), "{name}: NaN count");
            }
            8..=10 => {
                let terms: Vec<F> = x.iter().zip(g).map(|(&x, &g)| slope_term(x, g)).collect();
                let mut want = grads_init.clone();
                ordered_sums(&terms, layout, &mut want);
                check(&name, o.grads.checked(&name), &want);
            }
            _ => {}
        }
        o.check_untouched(
            &name,
            !(6..=7).contains(&method),
            !(8..=10).contains(&method),
            &grads_init,
        );
        return;
    }

    // The fused bias methods of an activation type.
    let Some(act) = activation::<F>(r) else {
        return;
    };
    let bias = &params;
    let call = |o: &mut Outputs<F>| {
        match method {
            14 => act.forward_biased(x, bias, layout, o.out.inner()),
            15 => act.forward_biased_in_place(o.out.inner(), bias, layout),
            16 => {
                return Some(counts(act.forward_biased_with_stats(
                    x,
                    bias,
                    layout,
                    o.out.inner(),
                )))
            }
            17 => {
                return Some(counts(act.forward_biased_in_place_with_stats(
                    o.out.inner(),
                    bias,
                    layout,
                )))
            }
            18 => {
                let (out, mask) = (o.out.inner(), &mut o.mask[1..=words]);
                return Some((
                    act.forward_biased_masked(x, bias, layout, out, mask),
                    0,
                    0,
                    0,
                ));
            }
            19 => {
                let (out, mask) = (o.out.inner(), &mut o.mask[1..=words]);
                return Some((
                    act.forward_biased_in_place_masked(out, bias, layout, mask),
                    0,
                    0,
                    0,
                ));
            }
            _ => act.backward_biased(x, g, layout, o.out.inner(), o.grads.inner()),
        }
        None
    };
    if bad != Bad::Nothing {
        // Only backward_biased has a gradient slice, and it has no bias.
        if (bad == Bad::Grads) != (method == 20) && bad != Bad::Ragged {
            return;
        }
        o.assert_panics_unwritten(&format!("{name} {act:?}"), |o| {
            let _ = call(o);
        });
        return;
    }
    let name = format!("{name} {act:?}");
    let got = call(&mut o);
    let u: Vec<F> = (0..len)
        .map(|i| {
            let z = x[i];
            if z.is_nan() {
                z
            } else {
                z + bias[layout.channel_of(i)]
            }
        })
        .collect();
    if method == 20 {
        let want: Vec<F> = x
            .iter()
            .zip(g)
            .map(|(&x, &g)| act.backward_at(x, g))
            .collect();
        check(&name, o.out.checked(&name), &want);
        let mut grads = grads_init.clone();
        ordered_sums(&want, layout, &mut grads);
        check(&name, o.grads.checked(&name), &grads);
        o.check_untouched(&name, true, false, &grads_init);
        return;
    }
    let want: Vec<F> = u.iter().map(|&u| act.at(u)).collect();
    check(&name, o.out.checked(&name), &want);
    match method {
        16 | 17 => assert_eq!(got, Some(stats_of(&want)), "{name}: stats"),
        18 | 19 => {
            let mut mask = vec![0_u64; words];
            for (i, &v) in u.iter().enumerate() {
                mask[i / 64] |= u64::from(act.is_active(v)) << (i % 64);
            }
            assert_eq!(&o.mask[1..=words], &mask[..], "{name}: mask");
            let nans = u.iter().filter(|v| v.is_nan()).count();
            assert_eq!(got.map(|c| c.0), Some(nans), "{name}: NaN count");
        }
        _ => {}
    }
    o.check_untouched(&name, !(18..=19).contains(&method), true, &grads_init);
}

fuzz_target!(|data: &[u8]| common::by_type(
    data,
    [run::<f32>, run::<f64>, run::<half::f16>, run::<half::bf16>]
));
