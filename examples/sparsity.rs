//! "Representational sparsity": the fraction of exact zeros ReLU leaves in a network's hidden
//! layers, measured with `relu_in_place_with_stats` while the network learns two interleaved
//! spirals.
//!
//! `cargo run --release --example sparsity`

mod common;

use common::{Dense, Hidden, Mlp, Rng};
use rectify::{Activation, ActivationStats};

const HIDDEN: usize = 64;
const POINTS: usize = 400;
const EPOCHS: usize = 600;
const BATCH: usize = 20;
const LEARNING_RATE: f32 = 0.2;

/// Two spirals of `POINTS / 2` points each, labels 0 and 1.
fn spirals(rng: &mut Rng) -> (Vec<f32>, Vec<f32>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..POINTS {
        let class = i % 2;
        let t = (i / 2) as f32 / (POINTS / 2) as f32 * 3.0 * std::f32::consts::PI;
        let r = 2.0 * (0.2 + t / (3.0 * std::f32::consts::PI));
        let angle = t + class as f32 * std::f32::consts::PI;
        x.push(r * angle.cos() + 0.02 * rng.normal());
        x.push(r * angle.sin() + 0.02 * rng.normal());
        y.push(class as f32);
    }
    (x, y)
}

/// A forward pass over the whole data set, layer by layer, with the statistics of each hidden
/// layer's ReLU taken in the same pass; returns the accuracy and the statistics.
fn evaluate(net: &Mlp, x: &[f32], y: &[f32]) -> (f32, Vec<ActivationStats>) {
    let mut input = x.to_vec();
    let mut output = Vec::new();
    let mut stats = Vec::new();
    for (i, layer) in net.layers.iter().enumerate() {
        layer.forward(&input, &mut output);
        if i + 1 < net.layers.len() {
            stats.push(rectify::Relu.forward_in_place_with_stats(&mut output));
        }
        std::mem::swap(&mut input, &mut output);
    }
    let correct = input
        .iter()
        .zip(y)
        .filter(|&(&z, &t)| (z > 0.0) == (t > 0.5))
        .count();
    (correct as f32 / y.len() as f32, stats)
}

fn main() {
    let mut rng = Rng::new(3);
    let (x, y) = spirals(&mut rng);
    let mut net = Mlp::new(
        vec![
            Dense::he(2, HIDDEN, 0.0, &mut rng),
            Dense::he(HIDDEN, HIDDEN, 0.0, &mut rng),
            Dense::xavier(HIDDEN, 1, &mut rng),
        ],
        Hidden::Relu,
    );
    println!(
        "Two spirals, {POINTS} points, a 2-{HIDDEN}-{HIDDEN}-1 ReLU network, SGD lr {LEARNING_RATE}\n"
    );
    let (_, initial) = evaluate(&net, &x, &y);

    let mut order: Vec<usize> = (0..POINTS).collect();
    for epoch in 1..=EPOCHS {
        // Shuffle, then mini-batches.
        for i in (1..POINTS).rev() {
            order.swap(i, rng.next_u64() as usize % (i + 1));
        }
        let mut loss = 0.0;
        for batch in order.chunks(BATCH) {
            let bx: Vec<f32> = batch
                .iter()
                .flat_map(|&i| [x[2 * i], x[2 * i + 1]])
                .collect();
            net.forward(&bx);
            let grad: Vec<f32> = net
                .output()
                .iter()
                .zip(batch)
                .map(|(&z, &i)| {
                    let p = 1.0 / (1.0 + (-z).exp());
                    loss -= y[i] * p.max(1e-7).ln() + (1.0 - y[i]) * (1.0 - p).max(1e-7).ln();
                    (p - y[i]) / batch.len() as f32
                })
                .collect();
            net.backward(&grad, LEARNING_RATE);
        }
        if epoch % 60 == 0 {
            let (accuracy, stats) = evaluate(&net, &x, &y);
            println!(
                "epoch {epoch:>3}: loss {:.4}, accuracy {:>5.1}%, sparsity layer 1 {:.2}, layer 2 {:.2}",
                loss / POINTS as f32,
                accuracy * 100.0,
                stats[0].sparsity(),
                stats[1].sparsity()
            );
        }
    }

    let (accuracy, trained) = evaluate(&net, &x, &y);
    println!("\n| hidden layer | zeros at init | zeros after training | NaNs |");
    println!("|---|---|---|---|");
    for (i, (a, b)) in initial.iter().zip(&trained).enumerate() {
        println!(
            "| {} | {:.1}% | {:.1}% | {} |",
            i + 1,
            a.sparsity() * 100.0,
            b.sparsity() * 100.0,
            b.nans
        );
    }
    println!(
        "\nFinal accuracy {:.1}%. Each ReLU unit is exactly zero for part of the inputs: the",
        accuracy * 100.0
    );
    println!("code is sparse, so each input is represented by a subset of the units.");
}
