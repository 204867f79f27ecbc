//! "Sigmoid and tanh cause vanishing gradients in deep networks": the gradient norm at every
//! layer of a 20-layer network at initialisation, with ReLU (He init) and with sigmoid and
//! tanh (Xavier init).
//!
//! `cargo run --release --example vanishing_gradient`

mod common;

use common::{Dense, Hidden, Mlp, Rng};

const DEPTH: usize = 20;
const WIDTH: usize = 64;
const BATCH: usize = 64;

/// Weight-gradient norm of every layer, first layer first, for one batch through a fresh
/// network, with a squared-error loss against random targets.
fn gradient_norms(activation: Hidden) -> Vec<f32> {
    let mut rng = Rng::new(42);
    let layers = (0..DEPTH)
        .map(|_| match activation {
            Hidden::Relu | Hidden::Leaky(_) => Dense::he(WIDTH, WIDTH, 0.0, &mut rng),
            _ => Dense::xavier(WIDTH, WIDTH, &mut rng),
        })
        .collect();
    let mut net = Mlp::new(layers, activation);
    let x: Vec<f32> = (0..BATCH * WIDTH).map(|_| rng.normal()).collect();
    let target: Vec<f32> = (0..BATCH * WIDTH).map(|_| rng.normal()).collect();
    net.forward(&x);
    let grad: Vec<f32> = net
        .output()
        .iter()
        .zip(&target)
        .map(|(y, t)| (y - t) / BATCH as f32)
        .collect();
    net.backward(&grad, 0.0) // no update: measure the gradients only
}

fn main() {
    println!("A {DEPTH}-layer network of width {WIDTH} at initialisation, one batch of {BATCH}:");
    println!("the norm of each layer's weight gradient (layer 1 is nearest the input)\n");
    let activations = [Hidden::Relu, Hidden::Sigmoid, Hidden::Tanh];
    let norms: Vec<Vec<f32>> = activations.iter().map(|&a| gradient_norms(a)).collect();

    println!("| layer | ReLU (He) | sigmoid (Xavier) | tanh (Xavier) |");
    println!("|---|---|---|---|");
    let rows = norms[0].iter().zip(&norms[1]).zip(&norms[2]);
    for (layer, ((relu, sigmoid), tanh)) in rows.enumerate() {
        println!(
            "| {:>2} | {relu:.3e} | {sigmoid:.3e} | {tanh:.3e} |",
            layer + 1
        );
    }
    println!("\n| activation | first layer / last layer |");
    println!("|---|---|");
    for (a, n) in activations.iter().zip(&norms) {
        println!("| {a:?} | {:.3e} |", n[0] / n[DEPTH - 1]);
    }
    println!("\nA ratio far below 1 is a vanishing gradient: the first layers barely learn.");
    println!(
        "Sigmoid's derivative is at most 1/4, so each layer shrinks the gradient. Tanh's is 1"
    );
    println!("at 0: with Xavier init it holds up at initialisation, and vanishes only once units");
    println!("saturate. ReLU passes the gradient unchanged through every active unit.");
}
