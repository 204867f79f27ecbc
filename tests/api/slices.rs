//! Every slice function against the scalar contract at every length up to 1024 and every
//! misaligned start, with guard cells around the output; and the length checks.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::common::{Rng, TestFloat, bits_of, spec_backward, spec_derivative, spec_relu};

/// Lengths 0..=1024 are all tested. Miri, whose interpreter is slow, gets a few on each side of
/// the short-slice path (under 64 elements) and past a vector loop and its tail.
fn lengths() -> Vec<usize> {
    if cfg!(miri) {
        vec![0, 1, 63, 64, 73, 137]
    } else {
        (0..=1024).collect()
    }
}

/// Starts 0..STARTS elements past an aligned allocation.
const STARTS: usize = if cfg!(miri) { 2 } else { 8 };
/// Guard cells on each side of the output.
const GUARD: usize = 8;

/// The six slice functions, run through the public API.
#[derive(Clone, Copy, Debug)]
enum Function {
    Relu,
    ReluInPlace,
    Derivative,
    DerivativeInPlace,
    Backward,
    BackwardInPlace,
}

const ALL: [Function; 6] = [
    Function::Relu,
    Function::ReluInPlace,
    Function::Derivative,
    Function::DerivativeInPlace,
    Function::Backward,
    Function::BackwardInPlace,
];

impl Function {
    /// Runs the function with inputs `x` (and `g`), leaving the result in `out`.
    fn run<F: TestFloat>(self, x: &[F], g: &[F], out: &mut [F]) {
        match self {
            Function::Relu => rectify::relu_slice(x, out),
            Function::ReluInPlace => {
                out.copy_from_slice(x);
                rectify::relu_in_place(out)
            }
            Function::Derivative => rectify::relu_derivative_slice(x, out),
            Function::DerivativeInPlace => {
                out.copy_from_slice(x);
                rectify::relu_derivative_in_place(out)
            }
            Function::Backward => rectify::relu_backward(x, g, out),
            Function::BackwardInPlace => {
                out.copy_from_slice(g);
                rectify::relu_backward_in_place(x, out)
            }
        }
    }

    fn spec<F: TestFloat>(self, x: F, g: F) -> F {
        match self {
            Function::Relu | Function::ReluInPlace => spec_relu(x),
            Function::Derivative | Function::DerivativeInPlace => spec_derivative(x),
            Function::Backward | Function::BackwardInPlace => spec_backward(x, g),
        }
    }
}

fn every_length_and_start<F: TestFloat>() {
    let sentinel = F::from_raw(0x7ff4_dead_7fb0_dead);
    let mut rng = Rng::new(0x5eed);
    for function in ALL {
        for len in lengths() {
            for start in 0..STARTS {
                let x_buf: Vec<F> = rng.floats(start + len);
                let g_buf: Vec<F> = rng.floats(start + len);
                let (x, g) = (&x_buf[start..], &g_buf[start..]);
                let mut buf = vec![sentinel; GUARD + start + len + GUARD];
                let out_range = GUARD + start..GUARD + start + len;

                function.run(x, g, &mut buf[out_range.clone()]);

                let want: Vec<F> = x
                    .iter()
                    .zip(g)
                    .map(|(&x, &g)| function.spec(x, g))
                    .collect();
                assert_eq!(
                    bits_of(&buf[out_range.clone()]),
                    bits_of(&want),
                    "{function:?}, length {len}, start {start}"
                );
                let untouched = buf[..out_range.start]
                    .iter()
                    .chain(&buf[out_range.end..])
                    .all(|v| v.bits() == sentinel.bits());
                assert!(
                    untouched,
                    "{function:?} wrote outside its output, length {len}, start {start}"
                );
            }
        }
    }
}

#[test]
fn every_length_and_start_f32() {
    every_length_and_start::<f32>();
}

#[test]
fn every_length_and_start_f64() {
    every_length_and_start::<f64>();
}

/// Calls `f`, expects a panic naming `function` and both lengths, and the output untouched.
fn expect_length_panic(
    function: &str,
    lengths: (usize, usize),
    out: &mut [f32],
    f: impl FnOnce(&mut [f32]),
) {
    let before = bits_of(out);
    let err = catch_unwind(AssertUnwindSafe(|| f(out))).expect_err("mismatched lengths must panic");
    let message = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        message.contains(function),
        "message {message:?} names {function}"
    );
    let (a, b) = lengths;
    assert!(
        message.contains(&format!("{a} elements")) && message.contains(&format!("{b}")),
        "message {message:?} names both lengths {a} and {b}"
    );
    assert_eq!(bits_of(out), before, "{function} wrote before panicking");
}

#[test]
fn mismatched_lengths_panic_before_writing() {
    let five = [-1.0_f32, 2.0, -3.0, 4.0, f32::NAN];
    let four = [1.0_f32, -2.0, 3.0, -4.0];
    let mut out = [7.0_f32; 4];
    let mut out6 = [7.0_f32; 6];

    expect_length_panic("relu_slice", (5, 4), &mut out, |o| {
        rectify::relu_slice(&five, o)
    });
    expect_length_panic("relu_derivative_slice", (5, 4), &mut out, |o| {
        rectify::relu_derivative_slice(&five, o)
    });
    // forward vs grad_output
    expect_length_panic("relu_backward", (5, 4), &mut out, |o| {
        rectify::relu_backward(&five, &four, o)
    });
    // grad_output agrees with forward, grad_input does not
    expect_length_panic("relu_backward", (4, 6), &mut out6, |o| {
        rectify::relu_backward(&four, &four, o)
    });
    expect_length_panic("relu_backward_in_place", (5, 4), &mut out, |o| {
        rectify::relu_backward_in_place(&five, o)
    });
}
