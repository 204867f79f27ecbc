//! rectify on an `ndarray` array and on a `Vec`, for users coming from ndarray: the slice
//! functions take the array's memory through `as_slice_mut` when it is contiguous.
//!
//! `cargo run --release --example ndarray`

use ndarray::{array, Array2, Axis};
use rectify::{Activation, ClippedRelu, LeakyRelu};

fn main() {
    // A batch of pre-activations, [batch x units], in standard (row-major) layout.
    let mut hidden: Array2<f32> = array![[-1.5, 0.0, 2.0], [3.0, -0.5, f32::NAN]];
    let forward_input = hidden.clone();

    // Contiguous arrays expose their memory as one slice: the fast path.
    let values = hidden
        .as_slice_mut()
        .expect("a standard-layout array is contiguous");
    rectify::relu_in_place(values);
    println!("relu, in place on the array's memory:\n{hidden}\n");

    // Backward pass for an upstream gradient of the same shape.
    let upstream = Array2::from_elem((2, 3), 1.0_f32);
    let mut grad = Array2::zeros((2, 3));
    rectify::relu_backward(
        forward_input.as_slice().expect("contiguous"),
        upstream.as_slice().expect("contiguous"),
        grad.as_slice_mut().expect("contiguous"),
    );
    println!("relu backward, gradient of 1 everywhere:\n{grad}\n");

    // A transposed view is not contiguous in row-major order: `as_slice` says so with None.
    let transposed = forward_input.t();
    assert!(transposed.as_slice().is_none());
    // Either copy it into standard layout first...
    let mut owned = transposed.as_standard_layout().into_owned();
    rectify::relu_in_place(owned.as_slice_mut().expect("standard layout"));
    println!("relu of the transpose, via a standard-layout copy:\n{owned}\n");
    // ...or work lane by lane where each lane is contiguous (rows of a row-major array).
    let mut by_rows = forward_input.clone();
    let leaky = LeakyRelu::new(0.1_f32).expect("a finite slope");
    for mut row in by_rows.axis_iter_mut(Axis(0)) {
        leaky.forward_in_place(row.as_slice_mut().expect("rows are contiguous"));
    }
    println!("leaky relu (slope 0.1), row by row:\n{by_rows}\n");

    // And the same functions on a plain Vec.
    let mut v = vec![-2.0_f64, 0.5, 7.0];
    ClippedRelu::<f64>::RELU6.forward_in_place(&mut v);
    println!("relu6 on a Vec: {v:?}");
}
