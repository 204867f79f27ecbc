//! The classic ReLU demo: the inputs -5 to 9, their ReLU and its derivative.
//!
//! Run with `cargo run --release --example quickstart`.

use rectify::{relu_backward, relu_derivative_slice, relu_slice};

fn main() {
    let inputs: Vec<f32> = (-5..=9).map(|i| i as f32).collect();

    let mut outputs = vec![0.0_f32; inputs.len()];
    relu_slice(&inputs, &mut outputs);

    let mut derivatives = vec![0.0_f32; inputs.len()];
    relu_derivative_slice(&inputs, &mut derivatives);

    println!("ReLU(x) = max(0, x), with derivative 1 for x > 0 and 0 for x <= 0\n");
    println!("{:>6} {:>8} {:>8}", "x", "relu", "d/dx");
    for ((x, y), d) in inputs.iter().zip(&outputs).zip(&derivatives) {
        println!("{x:>6} {y:>8} {d:>8}");
    }

    // The backward pass: an upstream gradient of 1 everywhere passes only where x > 0.
    let upstream = vec![1.0_f32; inputs.len()];
    let mut grad = vec![0.0_f32; inputs.len()];
    relu_backward(&outputs, &upstream, &mut grad);
    let passed = grad.iter().filter(|&&g| g != 0.0).count();
    println!(
        "\nBackward pass: {passed} of {} units pass the gradient on.",
        inputs.len()
    );

    // The edges most implementations get wrong.
    println!("\nEdge cases (bits shown where the sign matters):");
    for x in [-0.0_f32, f32::NEG_INFINITY, f32::INFINITY, f32::NAN] {
        let y = rectify::relu(x);
        println!("  relu({x:>5}) = {y:<5} (bits {:#010x})", y.to_bits());
    }
}
