//! "Dead neurons appear when the learning rate is too high or the negative bias large": a
//! small regression network trained over a grid of learning rates and initial biases, with
//! the fraction of dead hidden units (never active in the last epoch, from
//! `DeadUnitTracker`) and the final loss, for ReLU and for leaky ReLU.
//!
//! `cargo run --release --example dying_relu`

mod common;

use common::{Dense, Hidden, Mlp, Rng};
use rectify::DeadUnitTracker;

const HIDDEN: usize = 32;
const POINTS: usize = 256;
const EPOCHS: usize = 200;
const BATCH: usize = 16;
const LEARNING_RATES: [f32; 4] = [0.001, 0.01, 0.05, 0.2];
const BIASES: [f32; 3] = [0.0, -1.0, -3.0];
/// The leaky slope compared with ReLU.
const SLOPE: f32 = 0.1;

/// Trains on y = sin(2x) and returns the dead fraction of the hidden units over the last
/// epoch and the last epoch's mean squared error.
fn train(activation: Hidden, lr: f32, bias: f32) -> (f64, f32) {
    let mut rng = Rng::new(11);
    let x: Vec<f32> = (0..POINTS)
        .map(|i| -3.0 + 6.0 * i as f32 / POINTS as f32)
        .collect();
    let y: Vec<f32> = x.iter().map(|&x| (2.0 * x).sin()).collect();
    let mut net = Mlp::new(
        vec![
            Dense::he(1, HIDDEN, bias, &mut rng),
            Dense::he(HIDDEN, HIDDEN, bias, &mut rng),
            Dense::xavier(HIDDEN, 1, &mut rng),
        ],
        activation,
    );
    let mut trackers = [
        DeadUnitTracker::new(HIDDEN).expect("units > 0"),
        DeadUnitTracker::new(HIDDEN).expect("units > 0"),
    ];
    let mut order: Vec<usize> = (0..POINTS).collect();
    let mut loss = 0.0;
    for _ in 0..EPOCHS {
        for i in (1..POINTS).rev() {
            order.swap(i, rng.next_u64() as usize % (i + 1));
        }
        trackers.iter_mut().for_each(DeadUnitTracker::reset);
        loss = 0.0;
        for batch in order.chunks(BATCH) {
            let bx: Vec<f32> = batch.iter().map(|&i| x[i]).collect();
            net.forward(&bx);
            for (tracker, hidden) in trackers.iter_mut().zip(net.hidden()) {
                tracker.observe(hidden).expect("whole rows");
            }
            let grad: Vec<f32> = net
                .output()
                .iter()
                .zip(batch)
                .map(|(&p, &i)| {
                    loss += (p - y[i]) * (p - y[i]);
                    2.0 * (p - y[i]) / batch.len() as f32
                })
                .collect();
            net.backward(&grad, lr);
        }
    }
    let dead: f64 = trackers
        .iter()
        .map(DeadUnitTracker::dead_fraction)
        .sum::<f64>()
        / 2.0;
    (dead, loss / POINTS as f32)
}

fn main() {
    println!("y = sin(2x) on [-3, 3], a 1-{HIDDEN}-{HIDDEN}-1 network, {EPOCHS} epochs of SGD.");
    println!("Dead: hidden units never active (output > 0) in the last epoch.\n");
    println!("| learning rate | initial bias | ReLU dead | ReLU loss | leaky dead | leaky loss |");
    println!("|---|---|---|---|---|---|");
    let mut sums = [(0.0_f64, 0_usize); 2];
    // Cells where both converged, and those where leaky ReLU reached the lower loss.
    let (mut both, mut leaky_lower) = (0, 0);
    for lr in LEARNING_RATES {
        for bias in BIASES {
            let mut cells = Vec::new();
            let mut losses = Vec::new();
            for (sum, activation) in sums.iter_mut().zip([
                Hidden::Relu,
                Hidden::Leaky(rectify::LeakyRelu::new(SLOPE).expect("a finite slope")),
            ]) {
                let (dead, loss) = train(activation, lr, bias);
                losses.push(loss);
                if loss.is_finite() {
                    *sum = (sum.0 + dead, sum.1 + 1);
                    cells.push(format!("{:.0}% | {loss:.4}", dead * 100.0));
                } else {
                    cells.push(String::from("- | diverged"));
                }
            }
            println!("| {lr} | {bias} | {} | {} |", cells[0], cells[1]);
            if losses.iter().all(|l| l.is_finite()) {
                both += 1;
                leaky_lower += usize::from(losses[1] < losses[0]);
            }
        }
    }
    let mean = |(sum, n): (f64, usize)| 100.0 * sum / n.max(1) as f64;
    println!(
        "\nMean dead fraction over the runs that did not diverge: ReLU {:.0}%, leaky ReLU {:.0}%.",
        mean(sums[0]),
        mean(sums[1])
    );
    println!("Dead units grow with the learning rate and with a more negative initial bias.");
    println!(
        "Leaky ReLU reached the lower loss in {leaky_lower} of the {both} cells where both converged."
    );
    println!("A dead ReLU unit gets zero gradient and cannot come back; a leaky unit still gets");
    println!("{SLOPE} of its gradient and can recover.");
}
