//! A real data set end to end: a small MLP (64 -> 64 -> 32 -> 10) trained on the 8x8
//! handwritten digits (1,797 images, 10 classes, embedded in smartcore: no download), with
//! rectify for every activation and gradient, once each with ReLU, leaky ReLU and PReLU.
//!
//! - The forward pass of ReLU and leaky ReLU adds the bias, applies the activation and writes
//!   the 1-bit mask in one pass (`forward_biased_masked`); their backward pass reads the mask
//!   (`backward_masked_in_place`), so the pre-activations need not be kept.
//! - PReLU learns a slope per unit. Its forward pass adds the bias too (`PRelu::forward_biased`),
//!   and its backward pass (`PRelu::backward_biased`) gives the input gradient, the slope
//!   gradient and the bias gradient in one pass, from the products `x W` it keeps.
//! - The test pass counts zeros and active outputs in the same pass as the activation
//!   (`forward_biased_with_stats`, `PRelu::forward_biased_with_stats`), and a `DeadUnitTracker` per
//!   hidden layer finds the units that never fired in an epoch.
//!
//! It prints test accuracy, training loss, the dead-unit fraction and the sparsity per epoch,
//! and the activation memory the masks saved; writes an SVG plot of loss, accuracy and dead
//! units per epoch; checks the backward pass after the first epoch against central
//! differences of the loss (every hidden bias and slope); and exits with an error if an
//! activation fails that check or misses the test accuracy it reached when this example was
//! written, less a margin, so that a broken gradient fails CI. (The accuracy alone would not:
//! the digits are easy enough that a network whose backward pass ignores the mask still
//! reaches 0.955.) Seeded: every run prints the same numbers.
//!
//! `cargo run --release [path of the SVG]` in this folder (default `digits.svg`).

use plotters::prelude::*;
use rectify::{
    mask_words, ActivationStats, Channels, DeadUnitTracker, LeakyRelu, MaskedActivation, PRelu,
    Relu,
};

/// Units of the two hidden layers.
const HIDDEN: [usize; 2] = [64, 32];
const CLASSES: usize = 10;
const EPOCHS: usize = 30;
const BATCH: usize = 32;
/// Plain SGD: the learning rate of weights, biases and PReLU's slopes.
const LEARNING_RATE: f32 = 0.05;
const SEED: u64 = 0x5eed_d161;
/// PyTorch's initial PReLU slope.
const PRELU_INIT: f32 = 0.25;
const LEAKY_SLOPE: f32 = 0.01;
/// The test accuracy each activation must reach after the last epoch. Each reached about 0.97
/// when this was written; a gradient that is wrong in sign, scale or place drops far below.
const MIN_ACCURACY: f64 = 0.93;
/// The gradient check's minimum cosine and fraction of parameters within 1%. Each activation
/// gave at least 0.9998 and 0.97 when this was written; a mask ignored, the slope gradient
/// halved or the bias gradient scaled by 0.9 gave 0.97 or less and 0.69 or less.
const MIN_COSINE: f64 = 0.999;
const MIN_AGREE: f64 = 0.9;

/// xorshift64*: small and seeded, enough for initialisation and shuffling.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f32 {
        let u1 = self.uniform().max(1e-7);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Images as rows of 64 pixels scaled to [0, 1], and their labels.
struct Data {
    x: Vec<f32>,
    y: Vec<usize>,
}

impl Data {
    fn len(&self) -> usize {
        self.y.len()
    }

    /// The images and labels of `rows`.
    fn batch(&self, rows: &[usize]) -> (Vec<f32>, Vec<usize>) {
        let x = rows.iter().flat_map(|&r| &self.x[r * 64..][..64]).copied();
        (x.collect(), rows.iter().map(|&r| self.y[r]).collect())
    }
}

/// Buffers a training step reuses.
#[derive(Default)]
struct Work {
    scratch: Vec<f32>,
    logits: Vec<f32>,
    grad: Vec<f32>,
    grad_x: Vec<f32>,
}

/// The digits, shuffled with the seed and split 80/20 into training and test sets.
fn load(rng: &mut Rng) -> (Data, Data) {
    let digits = smartcore::dataset::digits::load_dataset();
    let features = digits.num_features;
    assert_eq!(features, 64, "8x8 images");
    let mut order: Vec<usize> = (0..digits.num_samples).collect();
    rng.shuffle(&mut order);
    let test_len = digits.num_samples / 5;
    let take = |rows: &[usize]| Data {
        x: (rows.iter())
            .flat_map(|&r| &digits.data[r * features..][..features])
            .map(|&p| p / 16.0)
            .collect(),
        y: rows.iter().map(|&r| digits.target[r] as usize).collect(),
    };
    (take(&order[test_len..]), take(&order[..test_len]))
}

/// A dense layer `z = x W + b` over a batch, row-major: `x` is `[batch x inputs]`, `w` is
/// `[inputs x units]`.
struct Dense {
    inputs: usize,
    units: usize,
    w: Vec<f32>,
    b: Vec<f32>,
    /// The gradients of the last backward pass.
    grad_w: Vec<f32>,
    grad_b: Vec<f32>,
}

impl Dense {
    /// He initialisation: weights from N(0, 2 / inputs), biases zero.
    fn he(inputs: usize, units: usize, rng: &mut Rng) -> Dense {
        let std = (2.0 / inputs as f32).sqrt();
        Dense {
            inputs,
            units,
            w: (0..inputs * units).map(|_| rng.normal() * std).collect(),
            b: vec![0.0; units],
            grad_w: vec![0.0; inputs * units],
            grad_b: vec![0.0; units],
        }
    }

    /// `z = x W`, without the bias (the fused activation pass adds it).
    fn matmul(&self, x: &[f32], z: &mut Vec<f32>) {
        let batch = x.len() / self.inputs;
        z.clear();
        z.resize(batch * self.units, 0.0);
        for (xr, zr) in x
            .chunks_exact(self.inputs)
            .zip(z.chunks_exact_mut(self.units))
        {
            for (&xi, wr) in xr.iter().zip(self.w.chunks_exact(self.units)) {
                for (zj, &wij) in zr.iter_mut().zip(wr) {
                    *zj += xi * wij;
                }
            }
        }
    }

    /// `z += b`, row by row.
    fn add_bias(&self, z: &mut [f32]) {
        for row in z.chunks_exact_mut(self.units) {
            for (v, &b) in row.iter_mut().zip(&self.b) {
                *v += b;
            }
        }
    }

    /// The gradient of the weights from the layer's input `x` and `g = dL/dz`, and `dL/dx`
    /// into `grad_x` if asked for. (The bias gradient: [`Dense::bias_backward`], or from the
    /// fused pass that computes `g`.)
    fn backward(&mut self, x: &[f32], g: &[f32], grad_x: Option<&mut Vec<f32>>) {
        if let Some(gx) = grad_x {
            gx.clear();
            gx.resize(x.len(), 0.0);
            for (gr, gxr) in g
                .chunks_exact(self.units)
                .zip(gx.chunks_exact_mut(self.inputs))
            {
                for (gxi, wr) in gxr.iter_mut().zip(self.w.chunks_exact(self.units)) {
                    *gxi = wr.iter().zip(gr).map(|(w, g)| w * g).sum();
                }
            }
        }
        self.grad_w.fill(0.0);
        for (xr, gr) in x.chunks_exact(self.inputs).zip(g.chunks_exact(self.units)) {
            for (&xi, gwr) in xr.iter().zip(self.grad_w.chunks_exact_mut(self.units)) {
                for (gw, &gj) in gwr.iter_mut().zip(gr) {
                    *gw += xi * gj;
                }
            }
        }
    }

    /// The gradient of the biases from `g = dL/dz`: each unit's sum, row after row (the
    /// order of rectify's fused bias gradients).
    fn bias_backward(&mut self, g: &[f32]) {
        self.grad_b.fill(0.0);
        for gr in g.chunks_exact(self.units) {
            for (gb, &gj) in self.grad_b.iter_mut().zip(gr) {
                *gb += gj;
            }
        }
    }

    /// One SGD step.
    fn step(&mut self) {
        sgd(&mut self.w, &self.grad_w);
        sgd(&mut self.b, &self.grad_b);
    }
}

fn sgd(params: &mut [f32], grads: &[f32]) {
    for (p, &g) in params.iter_mut().zip(grads) {
        *p -= LEARNING_RATE * g;
    }
}

/// The hidden layers' activation.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Relu,
    Leaky,
    PRelu,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Relu => "ReLU",
            Kind::Leaky => "leaky ReLU (0.01)",
            Kind::PRelu => "PReLU (learned, from 0.25)",
        }
    }

    fn color(self) -> RGBColor {
        match self {
            Kind::Relu => RGBColor(200, 30, 30),
            Kind::Leaky => RGBColor(30, 150, 30),
            Kind::PRelu => RGBColor(30, 30, 200),
        }
    }
}

/// A hidden layer's activation: one of rectify's masked activations, or PReLU's slopes (one
/// per unit, learned).
enum Act {
    Masked(Box<dyn MaskedActivation<f32>>),
    PRelu(Vec<f32>),
}

/// A hidden layer and what its forward pass keeps for the backward pass.
struct Hidden {
    dense: Dense,
    act: Act,
    /// The output, which the next layer reads, forward and backward.
    h: Vec<f32>,
    /// ReLU and leaky ReLU: the 1-bit mask the backward pass reads.
    mask: Vec<u64>,
    /// PReLU: the products `x W`, which its backward pass needs (it adds the bias again).
    z: Vec<f32>,
    /// PReLU: `dL/dz`, which its backward pass writes (it has no in-place form).
    grad_z: Vec<f32>,
    slope_grad: Vec<f32>,
    tracker: DeadUnitTracker,
}

impl Hidden {
    fn new(inputs: usize, units: usize, kind: Kind, rng: &mut Rng) -> Hidden {
        let act = match kind {
            Kind::Relu => Act::Masked(Box::new(Relu)),
            Kind::Leaky => Act::Masked(Box::new(LeakyRelu::new(LEAKY_SLOPE).expect("finite"))),
            Kind::PRelu => Act::PRelu(vec![PRELU_INIT; units]),
        };
        Hidden {
            dense: Dense::he(inputs, units, rng),
            act,
            h: Vec::new(),
            mask: Vec::new(),
            z: Vec::new(),
            grad_z: Vec::new(),
            slope_grad: vec![0.0; units],
            tracker: DeadUnitTracker::new(units).expect("units > 0"),
        }
    }

    fn channels(&self) -> Channels {
        Channels::last(self.dense.units)
    }

    /// The training forward pass of a batch `x`: `h = act(x W + b)`, keeping what the
    /// backward pass needs; `scratch` holds the masked activations' `x W`, not kept.
    fn forward(&mut self, x: &[f32], scratch: &mut Vec<f32>) {
        let channels = self.channels();
        match &self.act {
            Act::Masked(act) => {
                self.dense.matmul(x, scratch);
                self.h.resize(scratch.len(), 0.0);
                self.mask.resize(mask_words(scratch.len()), 0);
                let b = &self.dense.b;
                let nans =
                    act.forward_biased_masked(scratch, b, channels, &mut self.h, &mut self.mask);
                assert_eq!(nans, 0, "the training diverged");
            }
            Act::PRelu(slopes) => {
                self.dense.matmul(x, &mut self.z);
                self.h.resize(self.z.len(), 0.0);
                let prelu = PRelu::new(slopes, channels).expect("finite slopes");
                prelu.forward_biased(&self.z, &self.dense.b, &mut self.h);
            }
        }
    }

    /// The backward pass from `grad = dL/dh` (the masked activations turn it into `dL/dz` in
    /// place): the gradients of the weights, biases (and slopes), and `dL/dx` into `grad_x` if
    /// asked for.
    fn backward(&mut self, x: &[f32], grad: &mut [f32], grad_x: Option<&mut Vec<f32>>) {
        let channels = self.channels();
        let grad_z: &[f32] = match &self.act {
            Act::Masked(act) => {
                act.backward_masked_in_place(&self.mask, grad);
                self.dense.bias_backward(grad);
                grad
            }
            Act::PRelu(slopes) => {
                self.slope_grad.fill(0.0);
                self.dense.grad_b.fill(0.0);
                self.grad_z.resize(grad.len(), 0.0);
                let prelu = PRelu::new(slopes, channels).expect("finite slopes");
                let (z, b) = (&self.z, &self.dense.b);
                let (slope_grad, bias_grad) = (&mut self.slope_grad, &mut self.dense.grad_b);
                prelu.backward_biased(z, b, grad, &mut self.grad_z, slope_grad, bias_grad);
                &self.grad_z
            }
        };
        self.dense.backward(x, grad_z, grad_x);
    }

    /// One SGD step.
    fn step(&mut self) {
        self.dense.step();
        if let Act::PRelu(slopes) = &mut self.act {
            sgd(slopes, &self.slope_grad);
        }
    }

    /// The test pass: `h = act(x W + b)` and its statistics, counted in the same pass.
    fn evaluate(&self, x: &[f32], z: &mut Vec<f32>, h: &mut Vec<f32>) -> ActivationStats {
        self.dense.matmul(x, z);
        h.resize(z.len(), 0.0);
        match &self.act {
            Act::Masked(act) => act.forward_biased_with_stats(z, &self.dense.b, self.channels(), h),
            Act::PRelu(slopes) => {
                let prelu = PRelu::new(slopes, self.channels()).expect("finite slopes");
                prelu.forward_biased_with_stats(z, &self.dense.b, h)
            }
        }
    }
}

/// Softmax and cross-entropy over rows of logits: returns the summed loss and turns `logits`
/// into `dL/dlogits` of the batch's mean loss.
fn softmax_cross_entropy(logits: &mut [f32], labels: &[usize]) -> f64 {
    let batch = labels.len() as f32;
    let mut loss = 0.0;
    for (row, &label) in logits.chunks_exact_mut(CLASSES).zip(labels) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        loss -= f64::from((row[label] / sum).ln());
        for (k, v) in row.iter_mut().enumerate() {
            *v = (*v / sum - if k == label { 1.0 } else { 0.0 }) / batch;
        }
    }
    loss
}

/// What one epoch measured.
#[derive(Clone, Copy, Debug)]
struct Epoch {
    /// Mean training loss over the epoch.
    loss: f64,
    /// Test accuracy after the epoch.
    accuracy: f64,
    /// Hidden units (both layers) that never fired on a training image in the epoch.
    dead: f64,
    /// Hidden outputs on the test set: exactly zero, and greater than zero.
    zeros: f64,
    active: f64,
}

struct Net {
    hidden: Vec<Hidden>,
    out: Dense,
}

impl Net {
    fn new(kind: Kind, rng: &mut Rng) -> Net {
        let mut inputs = 64;
        let mut hidden = Vec::new();
        for units in HIDDEN {
            hidden.push(Hidden::new(inputs, units, kind, rng));
            inputs = units;
        }
        Net {
            hidden,
            out: Dense::he(inputs, CLASSES, rng),
        }
    }

    /// Forward and backward over one batch `x` with its labels: leaves in the layers the
    /// gradients of the batch's mean loss, and returns the summed loss.
    fn gradients(&mut self, x: &[f32], labels: &[usize], work: &mut Work) -> f64 {
        for i in 0..self.hidden.len() {
            let (before, rest) = self.hidden.split_at_mut(i);
            let input = before.last().map_or(x, |l| &l.h[..]);
            rest[0].forward(input, &mut work.scratch);
        }
        let top = &self.hidden[self.hidden.len() - 1].h;
        self.out.matmul(top, &mut work.logits);
        self.out.add_bias(&mut work.logits);
        let loss = softmax_cross_entropy(&mut work.logits, labels);
        // `grad` is the gradient of the current layer's output.
        self.out.backward(top, &work.logits, Some(&mut work.grad));
        self.out.bias_backward(&work.logits);
        for i in (0..self.hidden.len()).rev() {
            let (before, rest) = self.hidden.split_at_mut(i);
            let input = before.last().map_or(x, |l| &l.h[..]);
            let wants = (i > 0).then_some(&mut work.grad_x);
            rest[0].backward(input, &mut work.grad, wants);
            std::mem::swap(&mut work.grad, &mut work.grad_x);
        }
        loss
    }

    fn step(&mut self) {
        self.hidden.iter_mut().for_each(Hidden::step);
        self.out.step();
    }

    /// One epoch of minibatch SGD in `order`, with the dead-unit trackers counting from its
    /// start; returns the mean loss.
    fn train_epoch(&mut self, data: &Data, order: &[usize], work: &mut Work) -> f64 {
        let mut loss = 0.0;
        self.hidden.iter_mut().for_each(|l| l.tracker.reset());
        for rows in order.chunks(BATCH) {
            let (x, labels) = data.batch(rows);
            loss += self.gradients(&x, &labels, work);
            for layer in &mut self.hidden {
                layer.tracker.observe(&layer.h).expect("whole rows");
            }
            self.step();
        }
        loss / data.len() as f64
    }

    /// The hidden layers' biases and (PReLU) slopes, the parameters the gradient check
    /// perturbs: each gradient passes through one or both activations.
    fn probes(&mut self) -> Vec<(&mut f32, f32)> {
        let mut probes = Vec::new();
        for layer in &mut self.hidden {
            probes.extend(
                layer
                    .dense
                    .b
                    .iter_mut()
                    .zip(layer.dense.grad_b.iter().copied()),
            );
            if let Act::PRelu(slopes) = &mut layer.act {
                probes.extend(slopes.iter_mut().zip(layer.slope_grad.iter().copied()));
            }
        }
        probes
    }

    /// Checks the backward pass against central differences of the mean loss of one batch, for
    /// every hidden bias and slope; returns the cosine of the angle between the two gradients
    /// and the fraction of parameters whose two values agree within 1% (of the larger
    /// gradient, or 1e-3 absolute: a kink of ReLU between the two evaluations, or rounding).
    fn gradient_check(&mut self, x: &[f32], labels: &[usize], work: &mut Work) -> (f64, f64) {
        const H: f32 = 1e-3;
        let n = labels.len() as f64;
        self.gradients(x, labels, work);
        let count = self.probes().len();
        let (mut dot, mut aa, mut bb, mut agree) = (0.0, 0.0, 0.0, 0);
        for k in 0..count {
            let (value, analytic) = {
                let mut probes = self.probes();
                let (p, g) = &mut probes[k];
                (**p, f64::from(*g))
            };
            let mut loss_at = |v: f32| {
                *self.probes()[k].0 = v;
                self.gradients(x, labels, work) / n
            };
            let numeric = (loss_at(value + H) - loss_at(value - H)) / (2.0 * f64::from(H));
            *self.probes()[k].0 = value;
            dot += analytic * numeric;
            aa += analytic * analytic;
            bb += numeric * numeric;
            let scale = analytic.abs().max(numeric.abs()).max(0.1);
            agree += usize::from((analytic - numeric).abs() <= 0.01 * scale);
        }
        (dot / (aa.sqrt() * bb.sqrt()), agree as f64 / count as f64)
    }

    /// Test accuracy, and the hidden layers' statistics on the test set.
    fn evaluate(&self, data: &Data) -> (f64, ActivationStats) {
        let (mut z, mut h) = (Vec::new(), Vec::new());
        let mut x = data.x.clone();
        let mut stats = ActivationStats::default();
        for layer in &self.hidden {
            stats += layer.evaluate(&x, &mut z, &mut h);
            std::mem::swap(&mut x, &mut h);
        }
        self.out.matmul(&x, &mut z);
        self.out.add_bias(&mut z);
        let correct = (z.chunks_exact(CLASSES).zip(&data.y))
            .filter(|(row, &label)| {
                let best = (0..CLASSES).max_by(|&a, &b| row[a].total_cmp(&row[b]));
                best == Some(label)
            })
            .count();
        (correct as f64 / data.len() as f64, stats)
    }

    fn dead_fraction(&self) -> f64 {
        let dead: usize = self
            .hidden
            .iter()
            .map(|l| l.tracker.dead_units().len())
            .sum();
        dead as f64 / HIDDEN.iter().sum::<usize>() as f64
    }
}

/// One activation's training: each epoch's measurements, and the gradient check after the
/// first epoch (cosine, fraction of parameters that agree).
struct Run {
    kind: Kind,
    epochs: Vec<Epoch>,
    check: (f64, f64),
}

/// Trains one network.
fn run(kind: Kind, train: &Data, test: &Data) -> Run {
    // The same initial weights and batch order for every activation.
    let mut rng = Rng::new(SEED);
    let mut net = Net::new(kind, &mut rng);
    let mut work = Work::default();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut check = (0.0, 0.0);
    let mut epochs = Vec::new();
    for epoch in 0..EPOCHS {
        rng.shuffle(&mut order);
        let loss = net.train_epoch(train, &order, &mut work);
        if epoch == 0 {
            let (x, labels) = train.batch(&order[..BATCH]);
            check = net.gradient_check(&x, &labels, &mut work);
        }
        let (accuracy, stats) = net.evaluate(test);
        epochs.push(Epoch {
            loss,
            accuracy,
            dead: net.dead_fraction(),
            zeros: stats.sparsity(),
            active: stats.active_fraction(),
        });
    }
    Run {
        kind,
        epochs,
        check,
    }
}

/// Loss, test accuracy and dead-unit fraction per epoch, one panel each.
fn plot(path: &str, runs: &[Run]) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (1200, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "8x8 digits, MLP 64-64-32-10: ReLU, leaky ReLU and PReLU",
        ("sans-serif", 22),
    )?;
    let panels = root.split_evenly((1, 3));
    type Metric = (&'static str, fn(&Epoch) -> f64, SeriesLabelPosition);
    let metrics: [Metric; 3] = [
        ("training loss", |e| e.loss, SeriesLabelPosition::UpperRight),
        (
            "test accuracy",
            |e| e.accuracy,
            SeriesLabelPosition::LowerRight,
        ),
        (
            "dead hidden units (fraction)",
            |e| e.dead,
            SeriesLabelPosition::LowerRight,
        ),
    ];
    for ((title, value, legend), panel) in metrics.iter().zip(&panels) {
        let values = || runs.iter().flat_map(|r| r.epochs.iter().map(value));
        let (low, high) = if *title == "test accuracy" {
            (values().fold(1.0, f64::min) - 0.05, 1.0)
        } else {
            (0.0, values().fold(0.1, f64::max) * 1.1)
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(*title, ("sans-serif", 17))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(1.0_f64..EPOCHS as f64, low..high)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_labels(7)
            .y_labels(6)
            .max_light_lines(1)
            .draw()?;
        for run in runs {
            let style = run.kind.color().stroke_width(2);
            let points = (run.epochs.iter().enumerate()).map(|(i, e)| ((i + 1) as f64, value(e)));
            chart
                .draw_series(LineSeries::new(points, style))?
                .label(run.kind.name())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], style));
        }
        chart
            .configure_series_labels()
            .position(legend.clone())
            .label_font(("sans-serif", 12))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "digits.svg".into());
    let (train, test) = load(&mut Rng::new(SEED));
    println!(
        "8x8 digits: {} training and {} test images, 10 classes. MLP 64-{}-{}-10, {EPOCHS} \
         epochs of SGD (batch {BATCH}, learning rate {LEARNING_RATE}); kernel {}.",
        train.len(),
        test.len(),
        HIDDEN[0],
        HIDDEN[1],
        rectify::selected_kernel(),
    );
    let runs: Vec<Run> = [Kind::Relu, Kind::Leaky, Kind::PRelu]
        .into_iter()
        .map(|kind| run(kind, &train, &test))
        .collect();

    println!(
        "\nPer epoch: training loss, test accuracy, dead hidden units, and the hidden outputs"
    );
    println!("on the test set that are exactly zero (sparsity) / greater than zero.\n");
    print!("| epoch |");
    for run in &runs {
        print!(" {} |", run.kind.name());
    }
    println!();
    println!("|---|{}", "---|".repeat(runs.len()));
    for epoch in 0..EPOCHS {
        print!("| {:>2} |", epoch + 1);
        for run in &runs {
            let e = run.epochs[epoch];
            print!(
                " loss {:.3}, acc {:.3}, dead {:.2}, zero {:.2} / active {:.2} |",
                e.loss, e.accuracy, e.dead, e.zeros, e.active
            );
        }
        println!();
    }

    // What the backward pass keeps of each training step's hidden pre-activations.
    let elements = BATCH * HIDDEN.iter().sum::<usize>();
    let floats = elements * size_of::<f32>();
    let masks: usize = HIDDEN
        .iter()
        .map(|&u| mask_words(BATCH * u) * size_of::<u64>())
        .sum();
    println!(
        "\nActivation memory per training step ({elements} hidden pre-activations): ReLU and \
         leaky ReLU keep their 1-bit masks, {masks} bytes, in place of {floats} bytes of f32 \
         pre-activations ({} bytes saved, {:.0}x less); PReLU keeps its {floats} bytes, which \
         its slope gradient needs.",
        floats - masks,
        floats as f64 / masks as f64
    );

    plot(&path, &runs)?;
    println!("\nwrote {path}: loss, test accuracy and dead units per epoch");

    // A broken gradient fails here: the gradient check is exact up to kinks and rounding, and
    // the accuracy catches what the check cannot see (the step, the data, the loss).
    println!(
        "\n| activation | gradient check: cosine, parameters within 1% | final test accuracy |"
    );
    println!("|---|---|---|");
    let mut failed = Vec::new();
    for run in &runs {
        let (cosine, agree) = run.check;
        let accuracy = run.epochs[EPOCHS - 1].accuracy;
        println!(
            "| {} | {cosine:.6}, {agree:.3} | {accuracy:.3} |",
            run.kind.name()
        );
        if cosine < MIN_COSINE || agree < MIN_AGREE || accuracy < MIN_ACCURACY {
            failed.push(run.kind.name());
        }
    }
    if !failed.is_empty() {
        return Err(format!(
            "{failed:?}: below the minimum (cosine {MIN_COSINE}, parameters within 1% \
             {MIN_AGREE}, accuracy {MIN_ACCURACY})"
        )
        .into());
    }
    Ok(())
}
