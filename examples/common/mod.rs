//! A tiny multilayer perceptron for the examples: dense layers as plain loops, activations
//! and their backward passes from rectify (sigmoid and tanh written out for comparison),
//! and a seeded random number generator so every run prints the same numbers.
#![allow(dead_code)]

use rectify::{Activation, LeakyRelu, Relu};

/// xorshift64*: small, seeded, good enough for initialisation and shuffling.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-7);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
    }
}

/// The hidden layers' activation: rectify's ReLU and leaky ReLU, and for comparison the
/// identity, sigmoid and tanh, whose backward passes here work from the forward output.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hidden {
    /// No activation: the network is a composition of linear maps.
    Identity,
    Relu,
    Leaky(LeakyRelu<f32>),
    Sigmoid,
    Tanh,
}

impl Hidden {
    /// Applies the activation in place.
    pub fn forward(self, values: &mut [f32]) {
        match self {
            Hidden::Identity => {}
            Hidden::Relu => Relu.forward_in_place(values),
            Hidden::Leaky(leaky) => leaky.forward_in_place(values),
            Hidden::Sigmoid => values
                .iter_mut()
                .for_each(|v| *v = 1.0 / (1.0 + (-*v).exp())),
            Hidden::Tanh => values.iter_mut().for_each(|v| *v = v.tanh()),
        }
    }

    /// Turns the gradient with respect to the activation's output into the gradient with
    /// respect to its input, given the forward output.
    pub fn backward(self, output: &[f32], grad: &mut [f32]) {
        match self {
            Hidden::Identity => {}
            // ReLU's and leaky ReLU's (slope >= 0) backward passes work from the forward output.
            Hidden::Relu => Relu.backward_in_place(output, grad),
            Hidden::Leaky(leaky) => leaky.backward_in_place(output, grad),
            Hidden::Sigmoid => {
                for (g, &y) in grad.iter_mut().zip(output) {
                    *g *= y * (1.0 - y);
                }
            }
            Hidden::Tanh => {
                for (g, &y) in grad.iter_mut().zip(output) {
                    *g *= 1.0 - y * y;
                }
            }
        }
    }
}

/// A dense layer `y = x W + b`, batch-major: `x` is `[batch x inputs]`, `w` is
/// `[inputs x outputs]`.
#[derive(Clone)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl Dense {
    /// Weights drawn from N(0, std^2), biases all `bias`.
    pub fn new(inputs: usize, outputs: usize, std: f32, bias: f32, rng: &mut Rng) -> Dense {
        let w = (0..inputs * outputs).map(|_| rng.normal() * std).collect();
        Dense {
            inputs,
            outputs,
            w,
            b: vec![bias; outputs],
        }
    }

    /// He initialisation (for ReLU): std = sqrt(2 / inputs).
    pub fn he(inputs: usize, outputs: usize, bias: f32, rng: &mut Rng) -> Dense {
        Dense::new(inputs, outputs, (2.0 / inputs as f32).sqrt(), bias, rng)
    }

    /// Xavier (Glorot) initialisation (for sigmoid and tanh): std = sqrt(2 / (in + out)).
    pub fn xavier(inputs: usize, outputs: usize, rng: &mut Rng) -> Dense {
        Dense::new(
            inputs,
            outputs,
            (2.0 / (inputs + outputs) as f32).sqrt(),
            0.0,
            rng,
        )
    }

    /// `y = x W + b` for a batch.
    pub fn forward(&self, x: &[f32], y: &mut Vec<f32>) {
        let batch = x.len() / self.inputs;
        y.clear();
        y.resize(batch * self.outputs, 0.0);
        for (xr, yr) in x
            .chunks_exact(self.inputs)
            .zip(y.chunks_exact_mut(self.outputs))
        {
            yr.copy_from_slice(&self.b);
            for (&xi, wr) in xr.iter().zip(self.w.chunks_exact(self.outputs)) {
                for (yj, &wij) in yr.iter_mut().zip(wr) {
                    *yj += xi * wij;
                }
            }
        }
    }

    /// Given `dy = dL/dy`, returns `dL/dx` in `dx` and the weight gradient's squared norm, and
    /// takes an SGD step of size `lr` (none when `lr` is 0).
    pub fn backward(&mut self, x: &[f32], dy: &[f32], dx: &mut Vec<f32>, lr: f32) -> f32 {
        let batch = x.len() / self.inputs;
        dx.clear();
        dx.resize(batch * self.inputs, 0.0);
        let mut dw = vec![0.0_f32; self.w.len()];
        let mut db = vec![0.0_f32; self.outputs];
        for ((xr, dyr), dxr) in x
            .chunks_exact(self.inputs)
            .zip(dy.chunks_exact(self.outputs))
            .zip(dx.chunks_exact_mut(self.inputs))
        {
            for (dbj, &d) in db.iter_mut().zip(dyr) {
                *dbj += d;
            }
            for ((&xi, dxi), (wr, dwr)) in xr.iter().zip(dxr.iter_mut()).zip(
                self.w
                    .chunks_exact(self.outputs)
                    .zip(dw.chunks_exact_mut(self.outputs)),
            ) {
                let mut acc = 0.0;
                for ((&wij, dwij), &d) in wr.iter().zip(dwr.iter_mut()).zip(dyr) {
                    acc += wij * d;
                    *dwij += xi * d;
                }
                *dxi = acc;
            }
        }
        let norm2 = dw.iter().map(|g| g * g).sum();
        for (w, g) in self.w.iter_mut().zip(&dw) {
            *w -= lr * g;
        }
        for (b, g) in self.b.iter_mut().zip(&db) {
            *b -= lr * g;
        }
        norm2
    }
}

/// Dense layers with one activation after every layer but the last.
pub struct Mlp {
    pub layers: Vec<Dense>,
    pub activation: Hidden,
    /// Inputs of each layer and the final output, from the last forward pass.
    pub values: Vec<Vec<f32>>,
}

impl Mlp {
    pub fn new(layers: Vec<Dense>, activation: Hidden) -> Mlp {
        Mlp {
            values: vec![Vec::new(); layers.len() + 1],
            layers,
            activation,
        }
    }

    /// Runs a batch; the output is `self.output()`.
    pub fn forward(&mut self, x: &[f32]) {
        self.values[0].clear();
        self.values[0].extend_from_slice(x);
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            let (done, rest) = self.values.split_at_mut(i + 1);
            layer.forward(&done[i], &mut rest[0]);
            if i < last {
                self.activation.forward(&mut rest[0]);
            }
        }
    }

    pub fn output(&self) -> &[f32] {
        self.values.last().unwrap()
    }

    /// The hidden layers' activations from the last forward pass.
    pub fn hidden(&self) -> &[Vec<f32>] {
        &self.values[1..self.layers.len()]
    }

    /// Backpropagates `grad = dL/d(output)` and takes an SGD step; returns each layer's
    /// weight-gradient norm, first layer first.
    pub fn backward(&mut self, grad: &[f32], lr: f32) -> Vec<f32> {
        let mut dy = grad.to_vec();
        let mut dx = Vec::new();
        let mut norms = vec![0.0; self.layers.len()];
        for i in (0..self.layers.len()).rev() {
            norms[i] = self.layers[i]
                .backward(&self.values[i], &dy, &mut dx, lr)
                .sqrt();
            if i > 0 {
                // Through the activation that produced this layer's input.
                self.activation.backward(&self.values[i], &mut dx);
            }
            std::mem::swap(&mut dy, &mut dx);
        }
        norms
    }
}
