//! The edge table through every public function, for f32 and f64, comparing bits.

use crate::common::{TestFloat, bits_of, edge_pairs, spec_backward, spec_derivative, spec_relu};

fn scalar_functions<F: TestFloat>() {
    for x in F::edge_values() {
        assert_eq!(rectify::relu(x).bits(), spec_relu(x).bits(), "relu({x:?})");
        assert_eq!(
            rectify::relu_derivative(x).bits(),
            spec_derivative(x).bits(),
            "relu_derivative({x:?})"
        );
    }
}

fn slice_functions<F: TestFloat>() {
    let input = F::edge_values();
    let n = input.len();
    let want_relu: Vec<F> = input.iter().map(|&x| spec_relu(x)).collect();
    let want_derivative: Vec<F> = input.iter().map(|&x| spec_derivative(x)).collect();

    let mut out = vec![F::one(); n];
    rectify::relu_slice(&input, &mut out);
    assert_eq!(bits_of(&out), bits_of(&want_relu), "relu_slice");

    let mut values = input.clone();
    rectify::relu_in_place(&mut values);
    assert_eq!(bits_of(&values), bits_of(&want_relu), "relu_in_place");

    let mut out = vec![F::one(); n];
    rectify::relu_derivative_slice(&input, &mut out);
    assert_eq!(
        bits_of(&out),
        bits_of(&want_derivative),
        "relu_derivative_slice"
    );

    let mut values = input.clone();
    rectify::relu_derivative_in_place(&mut values);
    assert_eq!(
        bits_of(&values),
        bits_of(&want_derivative),
        "relu_derivative_in_place"
    );
}

/// Every (forward, gradient) pair of edge values, with forward as the input and as the output.
fn backward_functions<F: TestFloat>() {
    let (forward, grad) = edge_pairs::<F>();
    let want: Vec<F> = forward
        .iter()
        .zip(&grad)
        .map(|(&f, &g)| spec_backward(f, g))
        .collect();
    let forward_output: Vec<F> = forward.iter().map(|&f| rectify::relu(f)).collect();

    for fwd in [&forward, &forward_output] {
        let mut out = vec![F::one(); fwd.len()];
        rectify::relu_backward(fwd, &grad, &mut out);
        assert_eq!(bits_of(&out), bits_of(&want), "relu_backward");

        let mut g = grad.clone();
        rectify::relu_backward_in_place(fwd, &mut g);
        assert_eq!(bits_of(&g), bits_of(&want), "relu_backward_in_place");
    }
}

#[test]
fn scalar_f32() {
    scalar_functions::<f32>();
}

#[test]
fn scalar_f64() {
    scalar_functions::<f64>();
}

#[test]
fn slices_f32() {
    slice_functions::<f32>();
}

#[test]
fn slices_f64() {
    slice_functions::<f64>();
}

#[test]
fn backward_f32() {
    backward_functions::<f32>();
}

#[test]
fn backward_f64() {
    backward_functions::<f64>();
}

#[test]
fn subgradient_at_zero_is_positive_zero() {
    assert_eq!(rectify::relu_derivative(0.0_f32).to_bits(), 0);
    assert_eq!(rectify::relu_derivative(-0.0_f32).to_bits(), 0);
    assert_eq!(rectify::relu_derivative(0.0_f64).to_bits(), 0);
    assert_eq!(rectify::relu_derivative(-0.0_f64).to_bits(), 0);
}

#[test]
fn dead_unit_blocks_infinite_and_nan_gradients() {
    let forward = [-1.0_f32, -0.0, 0.0, f32::NEG_INFINITY];
    for g in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
        let mut out = [1.0_f32; 4];
        rectify::relu_backward(&forward, &[g; 4], &mut out);
        assert_eq!(bits_of(&out), [0_u32; 4], "gradient {g}");
    }
}

#[test]
fn empty_slices_do_nothing() {
    let empty: [f32; 0] = [];
    let mut out: [f32; 0] = [];
    rectify::relu_slice(&empty, &mut out);
    rectify::relu_in_place(&mut out);
    rectify::relu_derivative_slice(&empty, &mut out);
    rectify::relu_derivative_in_place(&mut out);
    rectify::relu_backward(&empty, &empty, &mut out);
    rectify::relu_backward_in_place(&empty, &mut out);
}
