//! "Without an activation function the model behaves like linear regression": the same
//! two-layer network learns XOR with ReLU and cannot without it.
//!
//! `cargo run --release --example xor`. Exits with status 1 if ReLU does not reach 100%.

mod common;

use common::{Dense, Hidden, Mlp, Rng};

const HIDDEN: usize = 16;
const EPOCHS: usize = 2000;
const LEARNING_RATE: f32 = 0.1;

/// Trains on the four XOR points by full-batch gradient descent on the binary cross-entropy of
/// a sigmoid output, printing the loss; returns the final loss and accuracy.
fn train(activation: Hidden, x: &[f32], y: &[f32]) -> (f32, f32) {
    let mut rng = Rng::new(7);
    let mut net = Mlp::new(
        vec![
            Dense::he(2, HIDDEN, 0.0, &mut rng),
            Dense::xavier(HIDDEN, 1, &mut rng),
        ],
        activation,
    );
    let mut loss = 0.0;
    let mut accuracy = 0.0;
    for epoch in 1..=EPOCHS {
        net.forward(x);
        let p: Vec<f32> = net
            .output()
            .iter()
            .map(|&z| 1.0 / (1.0 + (-z).exp()))
            .collect();
        loss = p
            .iter()
            .zip(y)
            .map(|(&p, &t)| -(t * p.max(1e-7).ln() + (1.0 - t) * (1.0 - p).max(1e-7).ln()))
            .sum::<f32>()
            / 4.0;
        let correct = p
            .iter()
            .zip(y)
            .filter(|&(&p, &t)| (p > 0.5) == (t > 0.5))
            .count();
        accuracy = correct as f32 / 4.0;
        // dL/dz for sigmoid + cross-entropy, averaged over the batch.
        let grad: Vec<f32> = p.iter().zip(y).map(|(&p, &t)| (p - t) / 4.0).collect();
        net.backward(&grad, LEARNING_RATE);
        if epoch % 250 == 0 {
            println!(
                "  {activation:?} epoch {epoch:>4}: loss {loss:.4}, accuracy {:.0}%",
                accuracy * 100.0
            );
        }
    }
    (loss, accuracy)
}

fn main() {
    let x = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    let y = [0.0, 1.0, 1.0, 0.0];
    println!(
        "XOR with a 2-{HIDDEN}-1 network, {EPOCHS} epochs of gradient descent, lr {LEARNING_RATE}\n"
    );
    let (relu_loss, relu_accuracy) = train(Hidden::Relu, &x, &y);
    println!();
    let (linear_loss, linear_accuracy) = train(Hidden::Identity, &x, &y);

    println!("\n| hidden activation | final loss | accuracy |");
    println!("|---|---|---|");
    println!("| ReLU | {relu_loss:.4} | {:.0}% |", relu_accuracy * 100.0);
    println!(
        "| none (identity) | {linear_loss:.4} | {:.0}% |",
        linear_accuracy * 100.0
    );
    println!(
        "\nWithout an activation the two layers are one linear map, and no line separates XOR:"
    );
    println!("at most 3 of the 4 points (75%) can be right.");

    if relu_accuracy < 1.0 {
        eprintln!("error: ReLU did not reach 100% on XOR");
        std::process::exit(1);
    }
    if linear_accuracy > 0.75 {
        eprintln!("error: a linear model cannot exceed 75% on XOR; the example is broken");
        std::process::exit(1);
    }
}
