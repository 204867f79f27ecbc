//! rectify on `ndarray` arrays, for users coming from ndarray: `ArrayActivation` (feature
//! `ndarray`) runs every activation on arrays of any layout, without copying them into standard
//! layout first; and the slice methods on a contiguous array's memory and on a `Vec`.
//!
//! `cargo run --release --features ndarray --example ndarray`

use ndarray::{Array2, Array3, ShapeBuilder, array, s};
use rectify::{Activation, ArrayActivation, ClippedRelu, LeakyRelu, Relu};

fn main() {
    // A batch of pre-activations, [batch x units], in standard (row-major) layout.
    let mut hidden: Array2<f32> = array![[-1.5, 0.0, 2.0], [3.0, -0.5, f32::NAN]];
    let forward_input = hidden.clone();
    Relu.forward_array_in_place(&mut hidden);
    println!("relu, in place:\n{hidden}\n");

    // Backward pass for an upstream gradient of the same shape.
    let upstream = Array2::from_elem((2, 3), 1.0_f32);
    let mut grad = Array2::zeros((2, 3));
    Relu.backward_array(&forward_input, &upstream, &mut grad);
    println!("relu backward, gradient of 1 everywhere:\n{grad}\n");

    // A transposed view is not in row-major order, and needs no copy: it is contiguous in
    // memory (column-major), and an output of the same order makes the pass one slice.
    let transposed = forward_input.t();
    let mut out = Array2::zeros((3, 2).f());
    Relu.forward_array(&transposed, &mut out);
    println!("relu of the transpose, into a column-major array:\n{out}\n");

    // A permuted 3-D array (NCHW seen as NHWC) and every second column of a matrix: any layout.
    let nchw = Array3::from_shape_fn((2, 3, 4), |(c, h, w)| (c * 12 + h * 4 + w) as f32 - 12.0);
    let mut nhwc = nchw.view().permuted_axes([1, 2, 0]).to_owned();
    let leaky = LeakyRelu::new(0.1_f32).expect("a finite slope");
    leaky.forward_array_in_place(&mut nhwc.view_mut().permuted_axes([2, 0, 1]));
    println!(
        "leaky relu (slope 0.1) on a permuted view, channel 0:\n{}\n",
        nhwc.slice(s![.., .., 0])
    );
    let mut every_second = forward_input.clone();
    let stats = Relu.forward_array_in_place_with_stats(&mut every_second.slice_mut(s![.., ..;2]));
    println!(
        "relu on every second column, {} of {} active:\n{every_second}\n",
        stats.active, stats.len
    );

    // The slice methods take a contiguous array's memory, and Vecs, directly.
    let mut memory = forward_input.clone();
    let values = memory
        .as_slice_mut()
        .expect("a standard-layout array is contiguous");
    ClippedRelu::<f32>::RELU6.forward_in_place(values);
    println!("relu6 on the array's memory as a slice:\n{memory}\n");
    let mut v = vec![-2.0_f64, 0.5, 7.0];
    ClippedRelu::<f64>::RELU6.forward_in_place(&mut v);
    println!("relu6 on a Vec: {v:?}");
}
