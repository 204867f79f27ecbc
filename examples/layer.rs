//! A dense layer generic over its activation: `Dense<A: Activation<f32>>` trains with ReLU and
//! with leaky ReLU through the same code, and then with an activation named on the command
//! line (a `Rectifier`, parsed from text as a configuration file would give it).
//!
//! Run with `cargo run --release --example layer`, or name the activation:
//! `cargo run --release --example layer -- "clip(-1, 1)"`.

use rectify::{Activation, LeakyRelu, MaskedActivation, Rectifier, Relu};

/// A dense layer `y = act(x W + b)` over one sample at a time, with its activation as a value.
/// The forward pass keeps a 1-bit mask for the backward pass, not its pre-activations.
struct Dense<A: Activation<f32>> {
    inputs: usize,
    w: Vec<f32>, // outputs x inputs, row major
    b: Vec<f32>,
    activation: A,
    mask: Vec<u64>,
}

impl<A: MaskedActivation<f32>> Dense<A> {
    fn new(inputs: usize, outputs: usize, activation: A, seed: &mut u64) -> Dense<A> {
        let scale = (2.0 / inputs as f32).sqrt();
        let w = (0..inputs * outputs)
            .map(|_| {
                // xorshift: small, seeded, enough for initial weights
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                ((*seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 2.0 * scale
            })
            .collect();
        Dense {
            inputs,
            w,
            b: vec![0.1; outputs],
            activation,
            mask: vec![0; rectify::mask_words(outputs)],
        }
    }

    fn forward(&mut self, x: &[f32], y: &mut [f32]) {
        for ((o, row), b) in y.iter_mut().zip(self.w.chunks(self.inputs)).zip(&self.b) {
            *o = row.iter().zip(x).map(|(w, x)| w * x).sum::<f32>() + b;
        }
        let nans = self.activation.forward_in_place_masked(y, &mut self.mask);
        assert_eq!(nans, 0, "the layer produced NaN");
    }

    /// Turns `grad` (dL/dy) into dL/d(pre-activation) in place from the mask, then takes an
    /// SGD step.
    fn backward(&mut self, x: &[f32], grad: &mut [f32], lr: f32) {
        self.activation.backward_masked_in_place(&self.mask, grad);
        for ((row, b), &g) in self.w.chunks_mut(self.inputs).zip(&mut self.b).zip(&*grad) {
            for (w, &xi) in row.iter_mut().zip(x) {
                *w -= lr * g * xi;
            }
            *b -= lr * g;
        }
    }
}

/// Fits `t = |x0| - x1 + 0.5` with one hidden layer of width 16 and a linear read-out; returns
/// the mean squared error of the last epoch.
fn train<A: MaskedActivation<f32>>(activation: A) -> f32 {
    const HIDDEN: usize = 16;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut layer = Dense::new(2, HIDDEN, activation, &mut seed);
    let mut readout = vec![0.1_f32; HIDDEN];
    let samples: Vec<[f32; 2]> = (0..64)
        .map(|i| [(i % 8) as f32 / 4.0 - 1.0, (i / 8) as f32 / 4.0 - 1.0])
        .collect();
    let mut hidden = [0.0_f32; HIDDEN];
    let mut loss = 0.0;
    for _epoch in 0..300 {
        loss = 0.0;
        for x in &samples {
            let target = x[0].abs() - x[1] + 0.5;
            layer.forward(x, &mut hidden);
            let y: f32 = hidden.iter().zip(&readout).map(|(h, r)| h * r).sum();
            let err = y - target;
            loss += err * err / samples.len() as f32;
            let mut grad: Vec<f32> = readout.iter().map(|r| 2.0 * err * r).collect();
            for (r, h) in readout.iter_mut().zip(&hidden) {
                *r -= 0.01 * 2.0 * err * h;
            }
            layer.backward(x, &mut grad, 0.01);
        }
    }
    loss
}

fn main() {
    // The same generic code, two activation types.
    let relu = train(Relu);
    let leaky = train(LeakyRelu::new(0.1).expect("a finite slope"));
    println!("| activation | final mean squared error |");
    println!("|---|---|");
    println!("| Relu | {relu:.5} |");
    println!("| LeakyRelu(0.1) | {leaky:.5} |");

    // An activation chosen at run time, from text.
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "leaky_relu".into());
    match name.parse::<Rectifier<f32>>() {
        Ok(chosen) => println!("| {chosen} (from {name:?}) | {:.5} |", train(chosen)),
        Err(err) => {
            eprintln!("{name:?} is not an activation: {err}");
            std::process::exit(2);
        }
    }
}
