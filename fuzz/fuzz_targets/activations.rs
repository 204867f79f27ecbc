//! Every public slice method of every activation type, with arbitrary parameters (invalid ones
//! too), lengths and misaligned starts, against the type's scalar methods bit for bit, with
//! guard cells around every output. The kernel is the one `RECTIFY_KERNEL` forces (CI runs this
//! target once per kernel).
#![no_main]

use std::panic::{catch_unwind, AssertUnwindSafe};

use libfuzzer_sys::fuzz_target;
use rectify::{mask_words, Activation, MaskedActivation};

mod common;
use common::{accumulate, activation, check, Float, Guarded, Reader};

fn run<F: Float>(r: &mut Reader<'_>) {
    let Some(act) = activation::<F>(r) else {
        return;
    };
    let method = r.byte() % 16;
    let len = usize::from(u16::from_le_bytes([r.byte(), r.byte()])) % 1200;
    let (start, out_start) = (usize::from(r.byte() % 8), usize::from(r.byte() % 8));
    let pool: Vec<F> = (0..3 * len + 16).map(|_| r.float()).collect();
    let x = &pool[start..][..len];
    let g = &pool[len + 8..][..len];
    let old = &pool[2 * len + 8 + start..][..len];
    let sentinel = F::from(12345.0).unwrap();

    let forward: Vec<F> = x.iter().map(|&v| act.at(v)).collect();
    let words = mask_words(len);
    let mut want_mask = vec![0_u64; words];
    for (i, &v) in x.iter().enumerate() {
        want_mask[i / 64] |= u64::from(act.is_active(v)) << (i % 64);
    }
    let bit = |i: usize| want_mask[i / 64] >> (i % 64) & 1 == 1;
    let nans = x.iter().filter(|v| v.is_nan()).count();
    let stats = |y: &[F]| {
        (
            y.iter().filter(|&&v| v > F::zero()).count(),
            y.iter().filter(|&&v| v == F::zero()).count(),
            y.iter().filter(|v| v.is_nan()).count(),
        )
    };

    let mut out = Guarded::new(old, out_start, sentinel);
    let name = format!("{act:?} method {method} len {len}");
    match method {
        0 => {
            act.forward(x, out.inner());
            check(&name, out.checked(&name), &forward);
        }
        1 => {
            let mut v = Guarded::new(x, out_start, sentinel);
            act.forward_in_place(v.inner());
            check(&name, v.checked(&name), &forward);
        }
        2 | 3 => {
            let want: Vec<F> = x.iter().map(|&v| act.derivative_at(v)).collect();
            if method == 2 {
                act.derivative(x, out.inner());
                check(&name, out.checked(&name), &want);
            } else {
                let mut v = Guarded::new(x, out_start, sentinel);
                act.derivative_in_place(v.inner());
                check(&name, v.checked(&name), &want);
            }
        }
        4..=6 => {
            let want: Vec<F> = x
                .iter()
                .zip(g)
                .map(|(&v, &g)| act.backward_at(v, g))
                .collect();
            match method {
                4 => {
                    act.backward(x, g, out.inner());
                    check(&name, out.checked(&name), &want);
                }
                5 => {
                    let mut v = Guarded::new(g, out_start, sentinel);
                    act.backward_in_place(x, v.inner());
                    check(&name, v.checked(&name), &want);
                }
                _ => {
                    act.backward_accumulate(x, g, out.inner());
                    let summed: Vec<F> = old
                        .iter()
                        .zip(&want)
                        .map(|(&o, &w)| accumulate(o, w))
                        .collect();
                    check(&name, out.checked(&name), &summed);
                }
            }
        }
        7 | 8 => {
            let s = if method == 7 {
                act.forward_with_stats(x, out.inner())
            } else {
                out = Guarded::new(x, out_start, sentinel);
                act.forward_in_place_with_stats(out.inner())
            };
            check(&name, out.checked(&name), &forward);
            assert_eq!(
                (s.active, s.zeros, s.nans, s.len),
                {
                    let (a, z, n) = stats(&forward);
                    (a, z, n, len)
                },
                "{name}: stats"
            );
        }
        9 | 10 => {
            // One guard word on each side of the mask.
            let guard = 0x5a5a_5a5a_5a5a_5a5a_u64;
            let mut bits = vec![guard; words + 2];
            let inner = &mut bits[1..=words];
            inner.fill(u64::MAX);
            let got = if method == 9 {
                act.forward_masked(x, out.inner(), inner)
            } else {
                out = Guarded::new(x, out_start, sentinel);
                act.forward_in_place_masked(out.inner(), inner)
            };
            check(&name, out.checked(&name), &forward);
            assert_eq!(&bits[1..=words], &want_mask[..], "{name}: mask");
            assert_eq!(
                (bits[0], bits[words + 1]),
                (guard, guard),
                "{name}: wrote outside the mask"
            );
            assert_eq!(got, nans, "{name}: NaN count");
        }
        11..=13 => {
            let want: Vec<F> = (0..len)
                .map(|i| act.backward_from_bit(bit(i), g[i]))
                .collect();
            match method {
                11 => {
                    act.backward_masked(&want_mask, g, out.inner());
                    check(&name, out.checked(&name), &want);
                }
                12 => {
                    let mut v = Guarded::new(g, out_start, sentinel);
                    act.backward_masked_in_place(&want_mask, v.inner());
                    check(&name, v.checked(&name), &want);
                }
                _ => {
                    act.backward_masked_accumulate(&want_mask, g, out.inner());
                    let summed: Vec<F> = old
                        .iter()
                        .zip(&want)
                        .map(|(&o, &w)| accumulate(o, w))
                        .collect();
                    check(&name, out.checked(&name), &summed);
                }
            }
        }
        _ => {
            // Mismatched lengths: a panic before anything is written.
            if len == 0 {
                return;
            }
            let short = &x[..len - 1];
            let before: Vec<u64> = out.cells.iter().map(|c| c.bits()).collect();
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(|_| {}));
            let result = catch_unwind(AssertUnwindSafe(|| match method {
                14 => act.forward(short, out.inner()),
                _ => act.backward(x, short, out.inner()),
            }));
            std::panic::set_hook(previous);
            assert!(result.is_err(), "{name}: mismatched lengths did not panic");
            let after: Vec<u64> = out.cells.iter().map(|c| c.bits()).collect();
            assert_eq!(before, after, "{name}: wrote before panicking");
        }
    }
}

fuzz_target!(|data: &[u8]| common::by_type(
    data,
    [run::<f32>, run::<f64>, run::<half::f16>, run::<half::bf16>]
));
