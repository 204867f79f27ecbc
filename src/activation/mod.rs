//! Activations as values: the [`Activation`] and [`MaskedActivation`] traits, their
//! parameter errors, and the bridge from the crate's own types to the kernels.
//!
//! Each activation type has a file of its own; all of them run through [`Member`], the one
//! place that maps a type's checked parameters to the kernels' operations.

use core::fmt;

use num_traits::Float;

use crate::arch::{self, Accumulate, Io, Op, Plan};
use crate::channels::{Channels, Param, Pieces};
use crate::mask::check_mask;
use crate::scalar;
use crate::slice::check_len;
use crate::stats::ActivationStats;

pub(crate) mod clip;
pub(crate) mod clipped_relu;
pub(crate) mod leaky_relu;
#[cfg(feature = "alloc")]
pub(crate) mod mask;
pub(crate) mod prelu;
pub(crate) mod rectifier;
pub(crate) mod relu;
pub(crate) mod thresholded_relu;

/// An activation function as a value: its parameters inside, every shape of the forward and
/// backward pass as a method.
///
/// A type implements the two scalar methods, [`at`](Activation::at) and
/// [`derivative_at`](Activation::derivative_at), and gets every slice method: plain loops over
/// the scalar ones, which the compiler inlines and may vectorise. The crate's own types
/// ([`Relu`](crate::Relu), [`LeakyRelu`](crate::LeakyRelu), [`ClippedRelu`](crate::ClippedRelu),
/// [`Clip`](crate::Clip), [`ThresholdedRelu`](crate::ThresholdedRelu) and
/// [`Rectifier`](crate::Rectifier)) override them with the SIMD kernels and return the same bits
/// as their scalar methods on every input.
///
/// The trait is object safe: `&dyn Activation<f32>` chooses an activation at run time, and
/// each slice method then costs one indirect call per slice, not per element.
///
/// Every slice method panics, before writing anything, when its slices differ in length,
/// naming the method and both lengths. Empty slices are fine and do nothing.
///
/// # Examples
///
/// A layer generic over its activation:
///
/// ```
/// use rectify::{Activation, LeakyRelu, Relu};
///
/// struct Dense<A: Activation<f32>> {
///     weights: Vec<f32>, // outputs x inputs, row major
///     activation: A,
/// }
///
/// impl<A: Activation<f32>> Dense<A> {
///     fn forward(&self, input: &[f32], output: &mut [f32]) {
///         for (o, row) in output.iter_mut().zip(self.weights.chunks(input.len())) {
///             *o = row.iter().zip(input).map(|(w, x)| w * x).sum();
///         }
///         self.activation.forward_in_place(output);
///     }
/// }
///
/// let weights = vec![1.0, -1.0, -1.0, 1.0];
/// let relu = Dense { weights: weights.clone(), activation: Relu };
/// let leaky = Dense { weights, activation: LeakyRelu::new(0.5).unwrap() };
/// let mut out = [0.0_f32; 2];
/// relu.forward(&[3.0, 1.0], &mut out);
/// assert_eq!(out, [2.0, 0.0]);
/// leaky.forward(&[3.0, 1.0], &mut out);
/// assert_eq!(out, [2.0, -1.0]);
/// ```
///
/// An activation of your own implements the scalar methods and gets the rest:
///
/// ```
/// use rectify::Activation;
///
/// struct Sigmoid;
///
/// impl Activation<f32> for Sigmoid {
///     fn at(&self, x: f32) -> f32 {
///         1.0 / (1.0 + (-x).exp())
///     }
///     fn derivative_at(&self, x: f32) -> f32 {
///         let s = self.at(x);
///         s * (1.0 - s)
///     }
/// }
///
/// let mut values = [0.0_f32, 2.0];
/// let stats = Sigmoid.forward_in_place_with_stats(&mut values);
/// assert_eq!(values[0], 0.5);
/// assert_eq!(stats.active, 2);
///
/// let mut grad = [1.0_f32, 1.0];
/// Sigmoid.backward_in_place(&[0.0, 0.0], &mut grad); // from the forward input
/// assert_eq!(grad, [0.25, 0.25]);
/// ```
pub trait Activation<T: Float + 'static> {
    /// The activation of one value.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// assert_eq!(Relu.at(-2.0_f32), 0.0);
    /// ```
    fn at(&self, x: T) -> T;

    /// The derivative at one value (a subgradient at a kink, as each type documents).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// assert_eq!(Relu.derivative_at(2.0_f32), 1.0);
    /// ```
    fn derivative_at(&self, x: T) -> T;

    /// One element of the backward pass: the input gradient for the output gradient `grad`
    /// at the forward value `forward` (the forward input, or where the type says so its
    /// output).
    ///
    /// Provided as `self.derivative_at(forward) * grad`. The crate's types override it with a
    /// select, so that a dead unit gives `+0.0` even under an infinite gradient, and a NaN
    /// `forward` comes back as it is. Where both factors are NaN, Rust leaves open which NaN
    /// the product is, so the provided slice methods may return another NaN there than this
    /// method does (the compiler can swap the operands of a vectorised loop).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// assert_eq!(Relu.backward_at(-1.0_f32, f32::INFINITY), 0.0);
    /// assert_eq!(Relu.backward_at(1.0_f32, 3.0), 3.0);
    /// ```
    fn backward_at(&self, forward: T, grad: T) -> T {
        self.derivative_at(forward) * grad
    }

    /// Writes [`at`](Activation::at) of each element of `input` to `output`.
    ///
    /// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = act.at(x) }` bit for bit.
    ///
    /// # Panics
    ///
    /// If `input.len() != output.len()`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut output = [0.0_f32; 3];
    /// Relu.forward(&[-1.0, 0.5, 2.0], &mut output);
    /// assert_eq!(output, [0.0, 0.5, 2.0]);
    /// ```
    #[track_caller]
    fn forward(&self, input: &[T], output: &mut [T]) {
        check_len("forward", "input", input.len(), "output", output.len());
        for (o, &x) in output.iter_mut().zip(input) {
            *o = self.at(x);
        }
    }

    /// Replaces each element of `values` with its [`at`](Activation::at).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut values = [-1.0_f64, 2.0];
    /// Relu.forward_in_place(&mut values);
    /// assert_eq!(values, [0.0, 2.0]);
    /// ```
    fn forward_in_place(&self, values: &mut [T]) {
        for v in values {
            *v = self.at(*v);
        }
    }

    /// Writes [`derivative_at`](Activation::derivative_at) of each element of `input` to
    /// `output`.
    ///
    /// # Panics
    ///
    /// If `input.len() != output.len()`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut output = [0.0_f32; 3];
    /// Relu.derivative(&[-1.0, 0.0, 2.0], &mut output);
    /// assert_eq!(output, [0.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    fn derivative(&self, input: &[T], output: &mut [T]) {
        check_len("derivative", "input", input.len(), "output", output.len());
        for (o, &x) in output.iter_mut().zip(input) {
            *o = self.derivative_at(x);
        }
    }

    /// Replaces each element of `values` with its
    /// [`derivative_at`](Activation::derivative_at).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut values = [-1.0_f32, 2.0];
    /// Relu.derivative_in_place(&mut values);
    /// assert_eq!(values, [0.0, 1.0]);
    /// ```
    fn derivative_in_place(&self, values: &mut [T]) {
        for v in values {
            *v = self.derivative_at(*v);
        }
    }

    /// The backward pass: `grad_input[i]` is
    /// [`backward_at`](Activation::backward_at)`(forward[i], grad_output[i])`.
    ///
    /// # Panics
    ///
    /// If `forward`, `grad_output` and `grad_input` differ in length, before anything is
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut grad_input = [0.0_f32; 2];
    /// Relu.backward(&[-1.0, 1.0], &[5.0, 5.0], &mut grad_input);
    /// assert_eq!(grad_input, [0.0, 5.0]);
    /// ```
    #[track_caller]
    fn backward(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        check_backward("backward", forward, grad_output, grad_input);
        for ((o, &x), &g) in grad_input.iter_mut().zip(forward).zip(grad_output) {
            *o = self.backward_at(x, g);
        }
    }

    /// The backward pass in place: each `grad[i]` becomes
    /// [`backward_at`](Activation::backward_at)`(forward[i], grad[i])`.
    ///
    /// # Panics
    ///
    /// If `forward.len() != grad.len()`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut grad = [5.0_f32, 5.0];
    /// Relu.backward_in_place(&[-1.0, 1.0], &mut grad);
    /// assert_eq!(grad, [0.0, 5.0]);
    /// ```
    #[track_caller]
    fn backward_in_place(&self, forward: &[T], grad: &mut [T]) {
        check_len(
            "backward_in_place",
            "forward",
            forward.len(),
            "grad",
            grad.len(),
        );
        for (g, &x) in grad.iter_mut().zip(forward) {
            *g = self.backward_at(x, *g);
        }
    }

    /// The backward pass added to an existing gradient, for autograd engines that sum
    /// gradients: `grad_input[i] + value` with `value` what [`backward`](Activation::backward)
    /// would write, or `value` itself where it is NaN (so a forward NaN arrives exactly).
    ///
    /// # Panics
    ///
    /// If `forward`, `grad_output` and `grad_input` differ in length, before anything is
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut grad_input = [1.0_f32, 1.0];
    /// Relu.backward_accumulate(&[-1.0, 1.0], &[5.0, 5.0], &mut grad_input);
    /// assert_eq!(grad_input, [1.0, 6.0]);
    /// ```
    #[track_caller]
    fn backward_accumulate(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        check_backward("backward_accumulate", forward, grad_output, grad_input);
        for ((o, &x), &g) in grad_input.iter_mut().zip(forward).zip(grad_output) {
            *o = scalar::accumulate(*o, self.backward_at(x, g));
        }
    }

    /// [`forward`](Activation::forward), returning what it wrote: how many outputs are greater
    /// than zero, exactly zero, and NaN. The crate's types count in the same pass over memory.
    ///
    /// # Panics
    ///
    /// If `input.len() != output.len()`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut output = [0.0_f32; 4];
    /// let stats = Relu.forward_with_stats(&[-1.0, 0.0, 2.0, f32::NAN], &mut output);
    /// assert_eq!((stats.active, stats.zeros, stats.nans, stats.len), (1, 2, 1, 4));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward"]
    #[track_caller]
    fn forward_with_stats(&self, input: &[T], output: &mut [T]) -> ActivationStats {
        let method = "forward_with_stats";
        check_len(method, "input", input.len(), "output", output.len());
        self.forward(input, output);
        ActivationStats::of(output)
    }

    /// [`forward_in_place`](Activation::forward_in_place), returning the statistics of what it
    /// wrote, as [`forward_with_stats`](Activation::forward_with_stats).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Relu};
    /// let mut values = [-1.0_f32, 3.0];
    /// let stats = Relu.forward_in_place_with_stats(&mut values);
    /// assert_eq!(stats.sparsity(), 0.5);
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_in_place"]
    fn forward_in_place_with_stats(&self, values: &mut [T]) -> ActivationStats {
        self.forward_in_place(values);
        ActivationStats::of(values)
    }

    /// Adds a bias per channel and applies the activation, in one pass over memory:
    /// `output[i] = at(input[i] + bias[c])` with `c = channels.channel_of(i)`.
    ///
    /// The sum is IEEE `input[i] + bias[c]`, rounded once, except that a NaN `input[i]` passes
    /// through unchanged, bits and all (as in
    /// [`backward_accumulate`](Activation::backward_accumulate)): the result is bit for bit
    /// that sum written out and then [`forward`](Activation::forward), on every kernel. The
    /// crate's types run both steps in one kernel loop; the provided method is a loop over
    /// [`at`](Activation::at).
    ///
    /// # Panics
    ///
    /// Before anything is written: if `input.len() != output.len()`, if the length is not a
    /// whole number of the layout's blocks, or if `bias` does not have one value per channel
    /// (see [`Channels`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Channels, Relu};
    ///
    /// // A dense layer's [2 x 3] pre-activations plus a bias per unit.
    /// let z = [1.0_f32, -1.0, 0.5, -2.0, 3.0, 0.25];
    /// let mut y = [0.0_f32; 6];
    /// Relu.forward_biased(&z, &[0.5, 0.5, -1.0], Channels::last(3), &mut y);
    /// assert_eq!(y, [1.5, 0.0, 0.0, 0.0, 3.5, 0.0]);
    /// ```
    #[track_caller]
    fn forward_biased(&self, input: &[T], bias: &[T], channels: Channels, output: &mut [T]) {
        let method = "forward_biased";
        check_len(method, "input", input.len(), "output", output.len());
        channels.check(method, input.len(), "bias", bias.len());
        crate::channels::for_each_piece(channels, bias, 0..input.len(), |start, end, param| {
            let (z, y) = (&input[start..end], &mut output[start..end]);
            match param {
                Param::Splat(b) => {
                    for (y, &z) in y.iter_mut().zip(z) {
                        *y = self.at(scalar::accumulate(b, z));
                    }
                }
                Param::Each(b) => {
                    for ((y, &z), &b) in y.iter_mut().zip(z).zip(b) {
                        *y = self.at(scalar::accumulate(b, z));
                    }
                }
            }
        });
    }

    /// [`forward_biased`](Activation::forward_biased) in place: `values[i] = at(values[i] +
    /// bias[c])`.
    ///
    /// # Panics
    ///
    /// As [`forward_biased`](Activation::forward_biased), before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Channels, LeakyRelu};
    ///
    /// // Two channels of two elements each (NCHW with h * w = 2).
    /// let mut z = [1.0_f32, -3.0, -1.0, 2.0];
    /// let leaky = LeakyRelu::new(0.5)?;
    /// leaky.forward_biased_in_place(&mut z, &[1.0, -1.0], Channels::first(2, 2));
    /// assert_eq!(z, [2.0, -1.0, -1.0, 1.0]);
    /// # Ok::<(), rectify::ParamError>(())
    /// ```
    #[track_caller]
    fn forward_biased_in_place(&self, values: &mut [T], bias: &[T], channels: Channels) {
        channels.check("forward_biased_in_place", values.len(), "bias", bias.len());
        crate::channels::for_each_piece(channels, bias, 0..values.len(), |start, end, param| {
            let values = &mut values[start..end];
            match param {
                Param::Splat(b) => {
                    for v in values {
                        *v = self.at(scalar::accumulate(b, *v));
                    }
                }
                Param::Each(b) => {
                    for (v, &b) in values.iter_mut().zip(b) {
                        *v = self.at(scalar::accumulate(b, *v));
                    }
                }
            }
        });
    }

    /// [`forward_biased`](Activation::forward_biased), returning the statistics of what it
    /// wrote, as [`forward_with_stats`](Activation::forward_with_stats). The crate's types count
    /// in the same pass over memory.
    ///
    /// # Panics
    ///
    /// As [`forward_biased`](Activation::forward_biased), before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Channels, Relu};
    /// let mut y = [0.0_f32; 4];
    /// let stats = Relu.forward_biased_with_stats(&[1.0, -1.0, 0.5, -2.0], &[0.5, -1.0], Channels::last(2), &mut y);
    /// assert_eq!(y, [1.5, 0.0, 1.0, 0.0]);
    /// assert_eq!((stats.active, stats.zeros), (2, 2));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_biased"]
    #[track_caller]
    fn forward_biased_with_stats(
        &self,
        input: &[T],
        bias: &[T],
        channels: Channels,
        output: &mut [T],
    ) -> ActivationStats {
        self.forward_biased(input, bias, channels, output);
        ActivationStats::of(output)
    }

    /// [`forward_biased_in_place`](Activation::forward_biased_in_place), returning the
    /// statistics of what it wrote.
    ///
    /// # Panics
    ///
    /// As [`forward_biased`](Activation::forward_biased), before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Channels, Relu};
    /// let mut z = [1.0_f32, -1.0, 0.5, -2.0];
    /// let stats = Relu.forward_biased_in_place_with_stats(&mut z, &[0.5, -1.0], Channels::last(2));
    /// assert_eq!(stats.sparsity(), 0.5);
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_biased_in_place"]
    #[track_caller]
    fn forward_biased_in_place_with_stats(
        &self,
        values: &mut [T],
        bias: &[T],
        channels: Channels,
    ) -> ActivationStats {
        self.forward_biased_in_place(values, bias, channels);
        ActivationStats::of(values)
    }

    /// The backward pass of [`forward_biased`](Activation::forward_biased): writes the input
    /// gradient, as [`backward`](Activation::backward) does, and adds the bias gradient (the
    /// sum of the input gradient over each channel) to `bias_grad`, in one pass over memory.
    /// `forward` is what [`backward`](Activation::backward) takes: the activation's input
    /// `input + bias`, or its output where the type allows that.
    ///
    /// The sums run in one fixed order that no kernel, CPU or thread count changes, so the
    /// bits are the same everywhere: each run of one channel's consecutive elements (`inner`
    /// of them; one for channels last) is summed in 16 interleaved partial sums that start
    /// at `-0.0` (element `k` of the run into sum `k % 16`, in element order), the 16 are
    /// combined by `s[k] += s[k + h]` for `h` = 8, 4, 2, 1 and every `k < h`, and `s[0]` is
    /// added to the channel's `bias_grad`, runs in buffer order. For channels last this is the
    /// plain row-by-row sum. A NaN keeps its bits through every addition (`a + b` is `b` where
    /// `b` is NaN, else `a` where `a` is NaN), so a channel with a NaN gradient gets the last
    /// NaN of its order, exactly.
    ///
    /// Accuracy: the bias gradient added to a channel is within
    /// `(ceil(inner / 16) + runs + 4) * eps * A` of the exact sum of its values, where `runs`
    /// is the number of runs of the channel, `A` the sum of the values' magnitudes and `eps`
    /// is `T::epsilon() / 2` (each partial sum adds `ceil(inner / 16)` values, the tree 4
    /// levels, and the runs add one at a time; first-order error analysis).
    ///
    /// # Panics
    ///
    /// Before anything is written: if the three slices differ in length, if the length is
    /// not a whole number of the layout's blocks, or if `bias_grad` does not have one value
    /// per channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Channels, Relu};
    ///
    /// let forward = [1.5_f32, 0.0, 0.0, 0.0, 3.5, 0.0]; // the output of forward_biased
    /// let grad_output = [1.0_f32, 1.0, 1.0, 2.0, 2.0, 2.0];
    /// let mut grad_input = [0.0_f32; 6];
    /// let mut bias_grad = [0.0_f32; 3];
    /// Relu.backward_biased(&forward, &grad_output, Channels::last(3), &mut grad_input, &mut bias_grad);
    /// assert_eq!(grad_input, [1.0, 0.0, 0.0, 0.0, 2.0, 0.0]);
    /// assert_eq!(bias_grad, [1.0, 2.0, 0.0]);
    /// ```
    #[track_caller]
    fn backward_biased(
        &self,
        forward: &[T],
        grad_output: &[T],
        channels: Channels,
        grad_input: &mut [T],
        bias_grad: &mut [T],
    ) {
        check_backward_biased((forward, grad_output), channels, grad_input, bias_grad);
        crate::channels::backward_biased(
            self,
            forward,
            grad_output,
            channels,
            grad_input,
            bias_grad,
        );
    }

    /// Not part of the API, and hidden: the crate's own types return their operation, with
    /// which [`ArrayActivation`](crate::ArrayActivation) runs the strided lanes of arrays in
    /// the SIMD kernels. Other types keep this `None`, and their lanes run element by element.
    #[cfg(feature = "ndarray")]
    #[doc(hidden)]
    fn kernel_member(&self) -> Option<KernelMember<T>> {
        None
    }
}

/// An activation whose backward pass one bit per element determines: the forward pass can
/// keep a 1-bit mask instead of the forward tensor, 1/32 of the memory of `f32`.
///
/// Bit `i % 64` of `mask[i / 64]` is set where [`is_active`](MaskedActivation::is_active)
/// holds for input `i`: where the gradient passes (ReLU: `x > 0`; clipped ReLU and
/// [`Clip`](crate::Clip): strictly inside the interval), and where the input is NaN, which one
/// bit cannot say. The masked backward pass then passes the gradient at a NaN input (the plain
/// one returns the NaN), so the masked forward passes return the number of NaN inputs; on every
/// other input it gives exactly the bits of [`Activation::backward`]. A mask has
/// [`mask_words`](crate::mask_words)`(len)` words; bits past the length are zero.
///
/// Every crate type implements it with the kernels; the provided methods are plain loops over
/// the two required ones. `ActivationMask` (feature `alloc`) owns the
/// words and remembers the activation.
///
/// # Examples
///
/// ```
/// use rectify::{mask_words, MaskedActivation, Relu};
///
/// let mut hidden = [-1.0_f32, 2.0, f32::NAN, 4.0];
/// let mut mask = [0_u64; mask_words(4)];
/// let nans = Relu.forward_in_place_masked(&mut hidden, &mut mask);
/// assert_eq!((nans, mask[0]), (1, 0b1110));
///
/// let mut grad = [10.0_f32; 4];
/// Relu.backward_masked_in_place(&mask, &mut grad);
/// assert_eq!(grad, [0.0, 10.0, 10.0, 10.0]);
/// ```
pub trait MaskedActivation<T: Float + 'static>: Activation<T> {
    /// Whether input `x` sets its mask bit: the gradient passes there, or `x` is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{MaskedActivation, Relu};
    /// assert!(Relu.is_active(1.0_f32) && Relu.is_active(f32::NAN) && !Relu.is_active(0.0));
    /// ```
    fn is_active(&self, x: T) -> bool;

    /// One element of the backward pass from its mask bit: the input gradient for the output
    /// gradient `grad`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{LeakyRelu, MaskedActivation};
    /// let leaky = LeakyRelu::new(0.5_f32).unwrap();
    /// assert_eq!(leaky.backward_from_bit(false, 4.0), 2.0);
    /// assert_eq!(leaky.backward_from_bit(true, 4.0), 4.0);
    /// ```
    fn backward_from_bit(&self, active: bool, grad: T) -> T;

    /// [`Activation::forward`] that also records the 1-bit mask; returns the number of NaN
    /// inputs.
    ///
    /// # Panics
    ///
    /// If `input.len() != output.len()` or `mask.len() != mask_words(input.len())`, before
    /// anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{MaskedActivation, Relu};
    /// let mut output = [0.0_f32; 3];
    /// let mut mask = [0_u64; 1];
    /// let nans = Relu.forward_masked(&[1.0, -1.0, 2.0], &mut output, &mut mask);
    /// assert_eq!((output, mask[0], nans), ([1.0, 0.0, 2.0], 0b101, 0));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    fn forward_masked(&self, input: &[T], output: &mut [T], mask: &mut [u64]) -> usize {
        check_len(
            "forward_masked",
            "input",
            input.len(),
            "output",
            output.len(),
        );
        check_mask("forward_masked", mask.len(), input.len());
        let mut nans = 0;
        for ((out, x), word) in output.chunks_mut(64).zip(input.chunks(64)).zip(mask) {
            *word = 0;
            for (i, (o, &x)) in out.iter_mut().zip(x).enumerate() {
                nans += usize::from(x.is_nan());
                *word |= u64::from(self.is_active(x)) << i;
                *o = self.at(x);
            }
        }
        nans
    }

    /// [`Activation::forward_in_place`] that also records the 1-bit mask; returns the number
    /// of NaN inputs.
    ///
    /// # Panics
    ///
    /// If `mask.len() != mask_words(values.len())`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{MaskedActivation, Relu};
    /// let mut values = [3.0_f64, -3.0];
    /// let mut mask = [0_u64; 1];
    /// assert_eq!(Relu.forward_in_place_masked(&mut values, &mut mask), 0);
    /// assert_eq!((values, mask[0]), ([3.0, 0.0], 0b01));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    fn forward_in_place_masked(&self, values: &mut [T], mask: &mut [u64]) -> usize {
        check_mask("forward_in_place_masked", mask.len(), values.len());
        let mut nans = 0;
        for (chunk, word) in values.chunks_mut(64).zip(mask) {
            *word = 0;
            for (i, v) in chunk.iter_mut().enumerate() {
                nans += usize::from(v.is_nan());
                *word |= u64::from(self.is_active(*v)) << i;
                *v = self.at(*v);
            }
        }
        nans
    }

    /// [`Activation::forward_biased`] that also records the 1-bit mask of the activation's
    /// input `input[i] + bias[c]`; returns the number of those inputs that are NaN. The crate's
    /// types do it in one pass over memory.
    ///
    /// # Panics
    ///
    /// Before anything is written: as [`Activation::forward_biased`], and if `mask.len() !=
    /// mask_words(input.len())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, MaskedActivation, Relu};
    /// let mut y = [0.0_f32; 4];
    /// let mut mask = [0_u64; 1];
    /// let nans = Relu.forward_biased_masked(&[1.0, -1.0, 0.5, -2.0], &[0.5, -1.0], Channels::last(2), &mut y, &mut mask);
    /// assert_eq!((y, mask[0], nans), ([1.5, 0.0, 1.0, 0.0], 0b0101, 0));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    fn forward_biased_masked(
        &self,
        input: &[T],
        bias: &[T],
        channels: Channels,
        output: &mut [T],
        mask: &mut [u64],
    ) -> usize {
        let method = "forward_biased_masked";
        check_len(method, "input", input.len(), "output", output.len());
        channels.check(method, input.len(), "bias", bias.len());
        check_mask(method, mask.len(), input.len());
        output.copy_from_slice(input);
        biased_masked_loop(self, output, bias, channels, mask)
    }

    /// [`Activation::forward_biased_in_place`] that also records the 1-bit mask, as
    /// [`forward_biased_masked`](MaskedActivation::forward_biased_masked).
    ///
    /// # Panics
    ///
    /// As [`forward_biased_masked`](MaskedActivation::forward_biased_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, MaskedActivation, Relu};
    /// let mut z = [1.0_f32, -1.0];
    /// let mut mask = [0_u64; 1];
    /// assert_eq!(Relu.forward_biased_in_place_masked(&mut z, &[-2.0], Channels::last(1), &mut mask), 0);
    /// assert_eq!((z, mask[0]), ([0.0, 0.0], 0));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    fn forward_biased_in_place_masked(
        &self,
        values: &mut [T],
        bias: &[T],
        channels: Channels,
        mask: &mut [u64],
    ) -> usize {
        let method = "forward_biased_in_place_masked";
        channels.check(method, values.len(), "bias", bias.len());
        check_mask(method, mask.len(), values.len());
        biased_masked_loop(self, values, bias, channels, mask)
    }

    /// The backward pass from the mask: `grad_input[i]` is
    /// [`backward_from_bit`](MaskedActivation::backward_from_bit)`(bit i, grad_output[i])`.
    ///
    /// # Panics
    ///
    /// If `grad_output.len() != grad_input.len()` or the mask has not
    /// `mask_words(grad_input.len())` words, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{MaskedActivation, Relu};
    /// let mut grad_input = [0.0_f32; 2];
    /// Relu.backward_masked(&[0b10], &[3.0, 3.0], &mut grad_input);
    /// assert_eq!(grad_input, [0.0, 3.0]);
    /// ```
    #[track_caller]
    fn backward_masked(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        let (g, n) = (grad_output.len(), grad_input.len());
        check_len("backward_masked", "grad_output", g, "grad_input", n);
        check_mask("backward_masked", mask.len(), n);
        for (i, (o, &g)) in grad_input.iter_mut().zip(grad_output).enumerate() {
            *o = self.backward_from_bit(bit(mask, i), g);
        }
    }

    /// The backward pass from the mask, in place on the output gradient `grad`.
    ///
    /// # Panics
    ///
    /// If the mask has not `mask_words(grad.len())` words, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{MaskedActivation, Relu};
    /// let mut grad = [3.0_f32, 3.0];
    /// Relu.backward_masked_in_place(&[0b01], &mut grad);
    /// assert_eq!(grad, [3.0, 0.0]);
    /// ```
    #[track_caller]
    fn backward_masked_in_place(&self, mask: &[u64], grad: &mut [T]) {
        check_mask("backward_masked_in_place", mask.len(), grad.len());
        for (i, g) in grad.iter_mut().enumerate() {
            *g = self.backward_from_bit(bit(mask, i), *g);
        }
    }

    /// The backward pass from the mask added to an existing gradient, as
    /// [`Activation::backward_accumulate`].
    ///
    /// # Panics
    ///
    /// As [`backward_masked`](MaskedActivation::backward_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{MaskedActivation, Relu};
    /// let mut grad_input = [1.0_f32, 1.0];
    /// Relu.backward_masked_accumulate(&[0b10], &[3.0, 3.0], &mut grad_input);
    /// assert_eq!(grad_input, [1.0, 4.0]);
    /// ```
    #[track_caller]
    fn backward_masked_accumulate(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        let (g, n) = (grad_output.len(), grad_input.len());
        check_len(
            "backward_masked_accumulate",
            "grad_output",
            g,
            "grad_input",
            n,
        );
        check_mask("backward_masked_accumulate", mask.len(), n);
        for (i, (o, &g)) in grad_input.iter_mut().zip(grad_output).enumerate() {
            *o = scalar::accumulate(*o, self.backward_from_bit(bit(mask, i), g));
        }
    }
}

/// A reference to an activation is one, so `&dyn Activation<T>` and `&Relu` go where an
/// `A: Activation<T>` is asked for.
impl<T: Float + 'static, A: Activation<T> + ?Sized> Activation<T> for &A {
    #[inline]
    fn at(&self, x: T) -> T {
        (**self).at(x)
    }
    #[inline]
    fn derivative_at(&self, x: T) -> T {
        (**self).derivative_at(x)
    }
    #[cfg(feature = "ndarray")]
    #[inline]
    fn kernel_member(&self) -> Option<KernelMember<T>> {
        (**self).kernel_member()
    }
    #[inline]
    fn backward_at(&self, forward: T, grad: T) -> T {
        (**self).backward_at(forward, grad)
    }
    #[inline]
    #[track_caller]
    fn forward(&self, input: &[T], output: &mut [T]) {
        (**self).forward(input, output)
    }
    #[inline]
    fn forward_in_place(&self, values: &mut [T]) {
        (**self).forward_in_place(values)
    }
    #[inline]
    #[track_caller]
    fn derivative(&self, input: &[T], output: &mut [T]) {
        (**self).derivative(input, output)
    }
    #[inline]
    fn derivative_in_place(&self, values: &mut [T]) {
        (**self).derivative_in_place(values)
    }
    #[inline]
    #[track_caller]
    fn backward(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        (**self).backward(forward, grad_output, grad_input)
    }
    #[inline]
    #[track_caller]
    fn backward_in_place(&self, forward: &[T], grad: &mut [T]) {
        (**self).backward_in_place(forward, grad)
    }
    #[inline]
    #[track_caller]
    fn backward_accumulate(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        (**self).backward_accumulate(forward, grad_output, grad_input)
    }
    #[inline]
    #[track_caller]
    fn forward_with_stats(&self, input: &[T], output: &mut [T]) -> ActivationStats {
        (**self).forward_with_stats(input, output)
    }
    #[inline]
    fn forward_in_place_with_stats(&self, values: &mut [T]) -> ActivationStats {
        (**self).forward_in_place_with_stats(values)
    }
    #[inline]
    #[track_caller]
    fn forward_biased(&self, input: &[T], bias: &[T], channels: Channels, output: &mut [T]) {
        (**self).forward_biased(input, bias, channels, output)
    }
    #[inline]
    #[track_caller]
    fn forward_biased_in_place(&self, values: &mut [T], bias: &[T], channels: Channels) {
        (**self).forward_biased_in_place(values, bias, channels)
    }
    #[inline]
    #[track_caller]
    fn backward_biased(
        &self,
        forward: &[T],
        grad_output: &[T],
        channels: Channels,
        grad_input: &mut [T],
        bias_grad: &mut [T],
    ) {
        (**self).backward_biased(forward, grad_output, channels, grad_input, bias_grad)
    }
    #[inline]
    #[track_caller]
    fn forward_biased_with_stats(
        &self,
        input: &[T],
        bias: &[T],
        channels: Channels,
        output: &mut [T],
    ) -> ActivationStats {
        (**self).forward_biased_with_stats(input, bias, channels, output)
    }
    #[inline]
    #[track_caller]
    fn forward_biased_in_place_with_stats(
        &self,
        values: &mut [T],
        bias: &[T],
        channels: Channels,
    ) -> ActivationStats {
        (**self).forward_biased_in_place_with_stats(values, bias, channels)
    }
}

/// A reference to a masked activation is one, as for [`Activation`].
impl<T: Float + 'static, A: MaskedActivation<T> + ?Sized> MaskedActivation<T> for &A {
    #[inline]
    fn is_active(&self, x: T) -> bool {
        (**self).is_active(x)
    }
    #[inline]
    fn backward_from_bit(&self, active: bool, grad: T) -> T {
        (**self).backward_from_bit(active, grad)
    }
    #[inline]
    #[track_caller]
    fn forward_masked(&self, input: &[T], output: &mut [T], mask: &mut [u64]) -> usize {
        (**self).forward_masked(input, output, mask)
    }
    #[inline]
    #[track_caller]
    fn forward_in_place_masked(&self, values: &mut [T], mask: &mut [u64]) -> usize {
        (**self).forward_in_place_masked(values, mask)
    }
    #[inline]
    #[track_caller]
    fn backward_masked(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        (**self).backward_masked(mask, grad_output, grad_input)
    }
    #[inline]
    #[track_caller]
    fn backward_masked_in_place(&self, mask: &[u64], grad: &mut [T]) {
        (**self).backward_masked_in_place(mask, grad)
    }
    #[inline]
    #[track_caller]
    fn backward_masked_accumulate(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        (**self).backward_masked_accumulate(mask, grad_output, grad_input)
    }
    #[inline]
    #[track_caller]
    fn forward_biased_masked(
        &self,
        input: &[T],
        bias: &[T],
        channels: Channels,
        output: &mut [T],
        mask: &mut [u64],
    ) -> usize {
        (**self).forward_biased_masked(input, bias, channels, output, mask)
    }
    #[inline]
    #[track_caller]
    fn forward_biased_in_place_masked(
        &self,
        values: &mut [T],
        bias: &[T],
        channels: Channels,
        mask: &mut [u64],
    ) -> usize {
        (**self).forward_biased_in_place_masked(values, bias, channels, mask)
    }
}

/// The provided masked forward pass with a bias, in place: `values[i] = at(u)` with
/// `u = values[i] + bias[c]`, the mask bit from `u`; returns the NaN `u`. Lengths checked by
/// the caller.
fn biased_masked_loop<T: Float + 'static, A: MaskedActivation<T> + ?Sized>(
    act: &A,
    values: &mut [T],
    bias: &[T],
    channels: Channels,
    mask: &mut [u64],
) -> usize {
    let mut nans = 0;
    for (k, (chunk, word)) in values.chunks_mut(64).zip(mask).enumerate() {
        *word = 0;
        for (i, v) in chunk.iter_mut().enumerate() {
            let u = scalar::accumulate(bias[channels.channel_of(k * 64 + i)], *v);
            nans += usize::from(u.is_nan());
            *word |= u64::from(act.is_active(u)) << i;
            *v = act.at(u);
        }
    }
    nans
}

/// Bit `i` of a mask.
#[inline(always)]
fn bit(mask: &[u64], i: usize) -> bool {
    mask[i / 64] >> (i % 64) & 1 == 1
}

/// Checks a fused bias pass: `input` (where there is one) against `out`, and the layout.
#[inline(always)]
#[track_caller]
fn check_biased<T>(method: &str, input: Option<&[T]>, bias: &[T], channels: Channels, out: &[T]) {
    if let Some(input) = input {
        check_len(method, "input", input.len(), "output", out.len());
    }
    channels.check(method, out.len(), "bias", bias.len());
}

/// Checks `forward` and `grad_output` against `grad_input` for a backward method.
#[inline(always)]
#[track_caller]
pub(crate) fn check_backward<T>(method: &str, forward: &[T], grad_output: &[T], grad_input: &[T]) {
    let (f, g, n) = (forward.len(), grad_output.len(), grad_input.len());
    check_len(method, "forward", f, "grad_output", g);
    check_len(method, "forward", f, "grad_input", n);
}

/// Checks the slices and the layout of [`Activation::backward_biased`].
#[inline(always)]
#[track_caller]
fn check_backward_biased<T>(
    (forward, grad_output): (&[T], &[T]),
    channels: Channels,
    grad_input: &[T],
    bias_grad: &[T],
) {
    let method = "backward_biased";
    check_backward(method, forward, grad_output, grad_input);
    channels.check(method, grad_input.len(), "bias_grad", bias_grad.len());
}

/// Why an activation's constructor refused a parameter.
///
/// # Examples
///
/// ```
/// use rectify::{LeakyRelu, ParamError};
///
/// let err = LeakyRelu::new(f32::NAN).unwrap_err();
/// assert!(matches!(err, ParamError::NotFinite { name: "slope", .. }));
/// assert_eq!(err.to_string(), "the slope must be finite, but it is NaN");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ParamError {
    /// A parameter that must be finite (a leaky slope, a threshold) is NaN or infinite.
    NotFinite {
        /// The parameter's name.
        name: &'static str,
        /// Its value, converted to `f64`.
        value: f64,
    },
    /// A parameter that must be greater than zero (a clipped ReLU's ceiling) is not: zero,
    /// negative or NaN.
    NotPositive {
        /// The parameter's name.
        name: &'static str,
        /// Its value, converted to `f64`.
        value: f64,
    },
    /// A parameter that may be anything but NaN (a clip bound) is NaN.
    Nan {
        /// The parameter's name.
        name: &'static str,
    },
}

impl ParamError {
    /// `Ok(value)` if `value` is finite, else [`ParamError::NotFinite`].
    pub(crate) fn finite<T: Float>(name: &'static str, value: T) -> Result<T, ParamError> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(ParamError::NotFinite {
                name,
                value: as_f64(value),
            })
        }
    }
}

/// A parameter as `f64` for an error message.
fn as_f64<T: Float>(value: T) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParamError::NotFinite { name, value } => {
                write!(f, "the {name} must be finite, but it is {value:?}")
            }
            ParamError::NotPositive { name, value } => write!(
                f,
                "the {name} must be greater than zero (or +inf), but it is {value:?}"
            ),
            ParamError::Nan { name } => write!(f, "the {name} must not be NaN"),
        }
    }
}

impl core::error::Error for ParamError {}

/// A member of the family with checked parameters, as the kernels run it: the one place where
/// a type's parameters become operations. A zero slope or threshold and an infinite ceiling
/// are ReLU exactly, and run ReLU's operations.
#[derive(Clone, Copy)]
pub(crate) enum Member<T> {
    Relu,
    Leaky(T),
    Clip(arch::Clip<T>),
    Thresholded(T),
}

/// Not part of the API: a crate type's [`Member`], returned by the hidden
/// `Activation::kernel_member`. Public only because a method of a public trait returns it; no
/// path outside the crate names it.
#[cfg(feature = "ndarray")]
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct KernelMember<T>(pub(crate) Member<T>);

/// The operation strided lanes of arrays run ([`KernelMember::strided`]).
#[cfg(feature = "ndarray")]
#[derive(Clone, Copy)]
pub(crate) enum LaneOp {
    Forward,
    Derivative,
    Backward,
    BackwardAccumulate,
}

#[cfg(feature = "ndarray")]
impl<T: Float + 'static> KernelMember<T> {
    /// Runs `which` over `lanes` with the masked vectors of the selected kernel
    /// ([`arch::strided`]): `false`, with nothing written, where it has none for the stride.
    #[inline(always)]
    pub(crate) fn strided(self, which: LaneOp, lanes: arch::StridedLanes<'_, T>) -> bool {
        struct Lanes<'a, T>(arch::StridedLanes<'a, T>, bool);
        impl<T: Float + 'static> WithOp<T> for Lanes<'_, T> {
            type Output = bool;
            #[inline(always)]
            fn run<O: Op<T>>(self, op: O) -> bool {
                if self.1 {
                    arch::strided(Accumulate(op), self.0)
                } else {
                    arch::strided(op, self.0)
                }
            }
        }
        let lanes = Lanes(lanes, matches!(which, LaneOp::BackwardAccumulate));
        match which {
            LaneOp::Forward => self.0.forward_op(lanes),
            LaneOp::Derivative => self.0.derivative_op(lanes),
            LaneOp::Backward | LaneOp::BackwardAccumulate => self.0.backward_op(lanes),
        }
    }
}

/// Work that runs with one operation of a member, whichever it is.
trait WithOp<T: Float> {
    type Output;
    fn run<O: Op<T>>(self, op: O) -> Self::Output;
}

/// The scalar reference at one element.
struct Scalar<T>(T, T);

impl<T: Float> WithOp<T> for Scalar<T> {
    type Output = T;
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) -> T {
        op.scalar(self.0, self.1, self.0)
    }
}

/// An elementwise pass, or with `accumulate` one added to its output.
struct Pass<'a, T> {
    io: Io<'a, T>,
    accumulate: bool,
    plan: Plan,
}

impl<T: Float + 'static> WithOp<T> for Pass<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        if self.accumulate {
            arch::elementwise(Accumulate(op), self.io, self.plan)
        } else {
            arch::elementwise(op, self.io, self.plan)
        }
    }
}

/// A pass over channels-last rows of parameters ([`arch::elementwise_rows`]), in one kernel
/// call with the plan.
pub(crate) struct RowPass<'a, T>(pub(crate) arch::RowIo<'a, T>, pub(crate) Plan);

impl<T: Float + 'static> WithOp<T> for RowPass<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        arch::elementwise_rows(op, self.0, self.1)
    }
}

/// The fused backward pass of a bias and an activation over channels-last rows (`inner` 1)
/// or channels-first runs of `inner` elements, in one kernel call with [`Plan::Auto`]
/// ([`arch::bias_backward_sums`]).
struct BiasSums<'a, T> {
    io: Io<'a, T>,
    bias_grad: &'a mut [T],
    inner: usize,
}

impl<T: Float + 'static> WithOp<T> for BiasSums<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        arch::bias_backward_sums(op, self.io, self.bias_grad, self.inner, Plan::Auto)
    }
}

/// A forward pass that counts what it writes.
struct Counted<'a, T>(Io<'a, T>, Plan);

impl<T: Float + 'static> WithOp<T> for Counted<'_, T> {
    type Output = ActivationStats;
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) -> ActivationStats {
        let len = self.0.len();
        let [active, zeros, nans] = arch::counted(op, self.0, self.1);
        ActivationStats {
            active,
            zeros,
            nans,
            len,
        }
    }
}

/// A forward pass that fills a mask.
struct MaskForward<'a, T>(Io<'a, T>, &'a mut [u64]);

impl<T: Float + 'static> WithOp<T> for MaskForward<'_, T> {
    type Output = usize;
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) -> usize {
        arch::mask_forward(op, self.0, self.1, Plan::Auto)
    }
}

/// A backward pass from a mask, in place where `grad` is `None`.
struct MaskBackward<'a, T> {
    words: &'a [u64],
    grad: Option<&'a [T]>,
    out: &'a mut [T],
    accumulate: bool,
}

impl<T: Float + 'static> WithOp<T> for MaskBackward<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        let MaskBackward {
            words,
            grad,
            out,
            accumulate,
        } = self;
        if accumulate {
            arch::mask_backward(Accumulate(op), words, grad, out, Plan::Auto)
        } else {
            arch::mask_backward(op, words, grad, out, Plan::Auto)
        }
    }
}

/// A forward pass with a bias per channel: `op(input + bias)`, in place where `input` is
/// `None`. Channels-last rows that the kernel keeps in registers
/// ([`rows_in_registers`](crate::channels::rows_in_registers)) run in one kernel call
/// with the biases in registers as PReLU's slopes ([`arch::prelu_forward_rows`]; 64 `f32`
/// channels, AVX-512, against the two passes: 1Ki 1.0x -> 1.5x, 4Mi 1.46x -> 1.60x). Other
/// layouts run row by row where [`reads_rows`](crate::channels::reads_rows) says so, otherwise
/// in the pieces [`for_each_piece`](crate::channels::for_each_piece) cuts, all with the plan
/// of the whole pass.
struct Biased<'a, T> {
    input: Option<&'a [T]>,
    bias: &'a [T],
    channels: Channels,
    out: &'a mut [T],
}

impl<T: Float + 'static> WithOp<T> for Biased<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        let Biased {
            input,
            bias,
            channels,
            out,
        } = self;
        let len = out.len();
        if crate::channels::rows_in_registers::<T>(channels) {
            // The biases in registers down the rows, as PReLU's slopes, at any length.
            let io = match input {
                Some(src) => Io::Map { src, dst: out },
                None => Io::InPlace(out),
            };
            return arch::prelu_forward_rows(
                arch::BiasThen::<_, false>(op),
                io,
                bias,
                None,
                Plan::Auto,
            );
        }
        // Rows read in place where the pass is short enough, otherwise pieces.
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, false));
        let pieces = if crate::channels::reads_rows(channels, len) {
            0
        } else {
            len
        };
        crate::channels::with_pieces(channels, bias, 0..pieces, |bias| {
            bias_then(op, bias, 0, input, out, plan)
        });
    }
}

/// A forward pass with a bias per channel that also counts its outputs or, with `mask`, fills
/// the 1-bit mask of the activation's inputs: a tile of elements at a time (whole mask words),
/// `input + bias` into a tile in L1, then the counting or masking pass of `op` from the tile to
/// `out`, with the store kind of the whole pass. Returns the counts (active, zeros, NaN) or,
/// with a mask, the NaN inputs first.
struct BiasedTally<'a, T> {
    input: Option<&'a [T]>,
    bias: &'a [T],
    channels: Channels,
    out: &'a mut [T],
    mask: Option<&'a mut [u64]>,
}

impl<T: Float + 'static> WithOp<T> for BiasedTally<'_, T> {
    type Output = [usize; 3];
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) -> [usize; 3] {
        let BiasedTally {
            input,
            bias,
            channels,
            out,
            mut mask,
        } = self;
        let len = out.len();
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, mask.is_some()));
        let mut sums = [0; 3];
        crate::channels::with_pieces(channels, bias, 0..len, |bias| {
            crate::channels::with_tile(len, |tile: &mut [T]| {
                let block = tile.len();
                for start in (0..len).step_by(block) {
                    let end = (start + block).min(len);
                    let u = &mut tile[..end - start];
                    let z = &input.unwrap_or(out)[start..end];
                    bias_then(
                        arch::reference::Copy,
                        bias,
                        start,
                        Some(z),
                        u,
                        plan.in_cache(),
                    );
                    let io = Io::Map {
                        src: u,
                        dst: &mut out[start..end],
                    };
                    if let Some(words) = mask.as_deref_mut() {
                        let words = &mut words[start / 64..end.div_ceil(64)];
                        sums[0] += arch::mask_forward(op, io, words, plan);
                    } else {
                        for (sum, n) in sums.iter_mut().zip(arch::counted(op, io, plan)) {
                            *sum += n;
                        }
                    }
                }
            })
        });
        sums
    }
}

/// `op(z + bias[c])` for the piece `start..start + out.len()` of a buffer with a bias per
/// channel, whose pieces are `bias`, from `input` (`z`, the piece's own elements) or in place on
/// `out`, with the fused passes' rule (a NaN `z` as it is): the fused forward pass, and with
/// the reference copy as `op` the first step of the passes that run the activation from a
/// tile. Whole channels-last rows, where the pieces were made to be read as rows
/// ([`Pieces::rows_at`]), take one kernel call, the bias read row by row; other pieces a call
/// each. Lengths checked by the caller.
pub(crate) fn bias_then<T: Float + 'static, O: Op<T>>(
    op: O,
    bias: &Pieces<'_, T>,
    start: usize,
    input: Option<&[T]>,
    out: &mut [T],
    plan: Plan,
) {
    if let Some(params) = bias.rows_at(start, out.len()) {
        return match input {
            Some(src) => {
                let io = arch::RowIo::Zip {
                    src,
                    params,
                    dst: out,
                };
                arch::elementwise_rows(arch::BiasThen::<_, false>(op), io, plan)
            }
            None => {
                let io = arch::RowIo::InPlace {
                    params,
                    values: out,
                };
                arch::elementwise_rows(arch::BiasThen::<_, true>(op), io, plan)
            }
        };
    }
    let end = start + out.len();
    bias.each(start..end, |s, e, param| {
        let (z, out) = (
            input.map(|z| &z[s - start..e - start]),
            &mut out[s - start..e - start],
        );
        match (z, param) {
            (Some(z), Param::Splat(bias)) => {
                let io = Io::Map { src: z, dst: out };
                arch::elementwise(arch::BiasSplat { op, bias }, io, plan)
            }
            (Some(z), Param::Each(b)) => {
                let io = Io::Zip {
                    fwd: z,
                    grad: b,
                    dst: out,
                };
                arch::elementwise(arch::BiasThen::<_, false>(op), io, plan)
            }
            (None, Param::Splat(bias)) => {
                arch::elementwise(arch::BiasSplat { op, bias }, Io::InPlace(out), plan)
            }
            (None, Param::Each(b)) => {
                let io = Io::ZipInPlace { fwd: b, grad: out };
                arch::elementwise(arch::BiasThen::<_, true>(op), io, plan)
            }
        }
    });
}

/// Bit `active` as the `x` a backward operation sees from a mask.
#[inline(always)]
fn bit_value<T: Float>(active: bool) -> T {
    if active { T::one() } else { T::zero() }
}

impl<T: Float> Member<T> {
    /// Leaky ReLU with this (finite) slope: ReLU for a zero slope.
    #[inline(always)]
    pub(crate) fn leaky(slope: T) -> Member<T> {
        if slope == T::zero() {
            Member::Relu
        } else {
            Member::Leaky(slope)
        }
    }
}

impl<T: Float + 'static> Member<T> {
    /// Runs `work` with the forward operation.
    #[inline(always)]
    fn forward_op<W: WithOp<T>>(self, work: W) -> W::Output {
        match self {
            Member::Relu => work.run(arch::Relu),
            Member::Leaky(slope) => work.run(arch::Leaky { slope }),
            // The shortest exact form for the bounds.
            Member::Clip(clip) => match clip.form() {
                arch::ClipForm::MinMax => work.run(arch::ClipFast::<_, false>(clip)),
                arch::ClipForm::FromZero => work.run(arch::ClipFast::<_, true>(clip)),
                arch::ClipForm::Select => work.run(clip),
            },
            Member::Thresholded(alpha) => work.run(arch::Thresholded { alpha }),
        }
    }

    /// Runs `work` with the derivative.
    #[inline(always)]
    fn derivative_op<W: WithOp<T>>(self, work: W) -> W::Output {
        match self {
            Member::Relu => work.run(arch::Derivative),
            Member::Leaky(slope) => work.run(arch::LeakyDerivative { slope }),
            Member::Clip(clip) => work.run(arch::ClipDerivative(clip)),
            Member::Thresholded(alpha) => {
                work.run(arch::ThresholdedDerivative(arch::Thresholded { alpha }))
            }
        }
    }

    /// Runs `work` with the backward operation.
    #[inline(always)]
    fn backward_op<W: WithOp<T>>(self, work: W) -> W::Output {
        match self {
            Member::Relu => work.run(arch::Backward),
            Member::Leaky(slope) => work.run(arch::LeakyBackward { slope }),
            Member::Clip(clip) => work.run(arch::ClipBackward(clip)),
            Member::Thresholded(alpha) => {
                work.run(arch::ThresholdedBackward(arch::Thresholded { alpha }))
            }
        }
    }

    /// Runs `work` with the backward operation read from a mask: leaky ReLU's own, and for
    /// every other member ReLU's (the bit passes the gradient or gives `+0.0`).
    #[inline(always)]
    fn mask_backward_op<W: WithOp<T>>(self, work: W) -> W::Output {
        match self {
            Member::Leaky(slope) => work.run(arch::LeakyBackward { slope }),
            _ => work.run(arch::Backward),
        }
    }

    #[inline(always)]
    pub(crate) fn at(self, x: T) -> T {
        self.forward_op(Scalar(x, x))
    }

    #[inline(always)]
    pub(crate) fn derivative_at(self, x: T) -> T {
        self.derivative_op(Scalar(x, x))
    }

    #[inline(always)]
    pub(crate) fn backward_at(self, forward: T, grad: T) -> T {
        self.backward_op(Scalar(forward, grad))
    }

    #[inline(always)]
    pub(crate) fn is_active(self, x: T) -> bool {
        struct Active<T>(T);
        impl<T: Float> WithOp<T> for Active<T> {
            type Output = bool;
            #[inline(always)]
            fn run<O: Op<T>>(self, op: O) -> bool {
                op.active(self.0)
            }
        }
        self.forward_op(Active(x))
    }

    #[inline(always)]
    pub(crate) fn backward_from_bit(self, active: bool, grad: T) -> T {
        self.mask_backward_op(Scalar(bit_value(active), grad))
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward(self, input: &[T], output: &mut [T]) {
        check_len("forward", "input", input.len(), "output", output.len());
        let io = Io::Map {
            src: input,
            dst: output,
        };
        self.forward_op(Pass {
            io,
            accumulate: false,
            plan: Plan::Auto,
        })
    }

    /// [`Activation::backward_biased`] for `act`, whose member this is. Channels-last rows
    /// that the kernel keeps in registers ([`channels::rows_in_registers`]), the bias gradient
    /// down the columns in registers, and channels-first runs ([`channels::sums_in_runs`]),
    /// each run's in 16 partial sums in registers, run in one kernel call
    /// ([`arch::bias_backward_sums`]); other layouts in tiles ([`channels::backward_biased`]).
    /// All add in the documented order.
    ///
    /// [`channels::rows_in_registers`]: crate::channels::rows_in_registers
    /// [`channels::sums_in_runs`]: crate::channels::sums_in_runs
    /// [`channels::backward_biased`]: crate::channels::backward_biased
    #[inline(always)]
    #[track_caller]
    pub(crate) fn backward_biased<A: Activation<T> + ?Sized>(
        self,
        act: &A,
        (forward, grad_output): (&[T], &[T]),
        channels: Channels,
        grad_input: &mut [T],
        bias_grad: &mut [T],
    ) {
        check_backward_biased((forward, grad_output), channels, grad_input, bias_grad);
        if crate::channels::rows_in_registers::<T>(channels)
            || crate::channels::sums_in_runs(channels)
        {
            let io = Io::Zip {
                fwd: forward,
                grad: grad_output,
                dst: grad_input,
            };
            let inner = channels.inner();
            self.backward_op(BiasSums {
                io,
                bias_grad,
                inner,
            })
        } else {
            crate::channels::backward_biased(
                act,
                forward,
                grad_output,
                channels,
                grad_input,
                bias_grad,
            )
        }
    }

    /// [`Activation::forward_biased`], in place where `input` is `None`.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward_biased(
        self,
        input: Option<&[T]>,
        bias: &[T],
        channels: Channels,
        out: &mut [T],
    ) {
        let method = if input.is_some() {
            "forward_biased"
        } else {
            "forward_biased_in_place"
        };
        check_biased(method, input, bias, channels, out);
        self.forward_op(Biased {
            input,
            bias,
            channels,
            out,
        })
    }

    /// [`Activation::forward_biased_with_stats`], in place where `input` is `None`; `method`
    /// names the public method for the checks.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward_biased_stats(
        self,
        method: &str,
        input: Option<&[T]>,
        bias: &[T],
        channels: Channels,
        out: &mut [T],
    ) -> ActivationStats {
        check_biased(method, input, bias, channels, out);
        let len = out.len();
        let [active, zeros, nans] = self.forward_op(BiasedTally {
            input,
            bias,
            channels,
            out,
            mask: None,
        });
        ActivationStats {
            active,
            zeros,
            nans,
            len,
        }
    }

    /// [`MaskedActivation::forward_biased_masked`], in place where `input` is `None`.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward_biased_masked(
        self,
        method: &str,
        input: Option<&[T]>,
        bias: &[T],
        channels: Channels,
        out: &mut [T],
        mask: &mut [u64],
    ) -> usize {
        check_biased(method, input, bias, channels, out);
        check_mask(method, mask.len(), out.len());
        let [nans, ..] = self.forward_op(BiasedTally {
            input,
            bias,
            channels,
            out,
            mask: Some(mask),
        });
        nans
    }

    #[inline(always)]
    pub(crate) fn forward_in_place(self, values: &mut [T]) {
        let io = Io::InPlace(values);
        self.forward_op(Pass {
            io,
            accumulate: false,
            plan: Plan::Auto,
        })
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn derivative(self, input: &[T], output: &mut [T]) {
        check_len("derivative", "input", input.len(), "output", output.len());
        let io = Io::Map {
            src: input,
            dst: output,
        };
        self.derivative_op(Pass {
            io,
            accumulate: false,
            plan: Plan::Auto,
        })
    }

    #[inline(always)]
    pub(crate) fn derivative_in_place(self, values: &mut [T]) {
        let io = Io::InPlace(values);
        self.derivative_op(Pass {
            io,
            accumulate: false,
            plan: Plan::Auto,
        })
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn backward(self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        check_backward("backward", forward, grad_output, grad_input);
        let io = Io::Zip {
            fwd: forward,
            grad: grad_output,
            dst: grad_input,
        };
        self.backward_op(Pass {
            io,
            accumulate: false,
            plan: Plan::Auto,
        })
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn backward_in_place(self, forward: &[T], grad: &mut [T]) {
        check_len(
            "backward_in_place",
            "forward",
            forward.len(),
            "grad",
            grad.len(),
        );
        let io = Io::ZipInPlace { fwd: forward, grad };
        self.backward_op(Pass {
            io,
            accumulate: false,
            plan: Plan::Auto,
        })
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn backward_accumulate(
        self,
        forward: &[T],
        grad_output: &[T],
        grad_input: &mut [T],
    ) {
        check_backward("backward_accumulate", forward, grad_output, grad_input);
        let io = Io::Accumulate {
            fwd: forward,
            grad: grad_output,
            acc: grad_input,
        };
        self.backward_op(Pass {
            io,
            accumulate: true,
            plan: Plan::Auto,
        })
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward_with_stats(self, input: &[T], output: &mut [T]) -> ActivationStats {
        let method = "forward_with_stats";
        check_len(method, "input", input.len(), "output", output.len());
        let io = Io::Map {
            src: input,
            dst: output,
        };
        self.forward_op(Counted(io, Plan::Auto))
    }

    #[inline(always)]
    pub(crate) fn forward_in_place_with_stats(self, values: &mut [T]) -> ActivationStats {
        self.forward_op(Counted(Io::InPlace(values), Plan::Auto))
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward_masked(self, input: &[T], output: &mut [T], mask: &mut [u64]) -> usize {
        check_len(
            "forward_masked",
            "input",
            input.len(),
            "output",
            output.len(),
        );
        check_mask("forward_masked", mask.len(), input.len());
        let io = Io::Map {
            src: input,
            dst: output,
        };
        self.forward_op(MaskForward(io, mask))
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn forward_in_place_masked(self, values: &mut [T], mask: &mut [u64]) -> usize {
        check_mask("forward_in_place_masked", mask.len(), values.len());
        self.forward_op(MaskForward(Io::InPlace(values), mask))
    }

    /// The backward passes from a mask: into `out` from `grad` (in place on `out` without
    /// one), added to `out` with `accumulate`. `method` names the public method for the
    /// length checks.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn backward_masked(
        self,
        method: &str,
        words: &[u64],
        grad: Option<&[T]>,
        out: &mut [T],
        accumulate: bool,
    ) {
        if let Some(g) = grad {
            check_len(method, "grad_output", g.len(), "grad_input", out.len());
        }
        check_mask(method, words.len(), out.len());
        self.mask_backward_op(MaskBackward {
            words,
            grad,
            out,
            accumulate,
        })
    }
}

/// The methods of [`Activation`] for a crate type with a `member(&self) -> Member<T>`: each
/// runs the kernels of its member.
macro_rules! activation_methods {
    () => {
        #[inline]
        fn at(&self, x: T) -> T {
            self.member().at(x)
        }
        #[cfg(feature = "ndarray")]
        #[inline]
        fn kernel_member(&self) -> Option<$crate::activation::KernelMember<T>> {
            Some($crate::activation::KernelMember(self.member()))
        }
        #[inline]
        fn derivative_at(&self, x: T) -> T {
            self.member().derivative_at(x)
        }
        #[inline]
        fn backward_at(&self, forward: T, grad: T) -> T {
            self.member().backward_at(forward, grad)
        }
        #[inline]
        #[track_caller]
        fn forward(&self, input: &[T], output: &mut [T]) {
            self.member().forward(input, output)
        }
        #[inline]
        fn forward_in_place(&self, values: &mut [T]) {
            self.member().forward_in_place(values)
        }
        #[inline]
        #[track_caller]
        fn derivative(&self, input: &[T], output: &mut [T]) {
            self.member().derivative(input, output)
        }
        #[inline]
        fn derivative_in_place(&self, values: &mut [T]) {
            self.member().derivative_in_place(values)
        }
        #[inline]
        #[track_caller]
        fn backward(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
            self.member().backward(forward, grad_output, grad_input)
        }
        #[inline]
        #[track_caller]
        fn backward_in_place(&self, forward: &[T], grad: &mut [T]) {
            self.member().backward_in_place(forward, grad)
        }
        #[inline]
        #[track_caller]
        fn backward_accumulate(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
            self.member()
                .backward_accumulate(forward, grad_output, grad_input)
        }
        #[inline]
        #[track_caller]
        fn forward_with_stats(&self, input: &[T], output: &mut [T]) -> $crate::ActivationStats {
            self.member().forward_with_stats(input, output)
        }
        #[inline]
        fn forward_in_place_with_stats(&self, values: &mut [T]) -> $crate::ActivationStats {
            self.member().forward_in_place_with_stats(values)
        }
        #[inline]
        #[track_caller]
        fn backward_biased(
            &self,
            forward: &[T],
            grad_output: &[T],
            channels: $crate::Channels,
            grad_input: &mut [T],
            bias_grad: &mut [T],
        ) {
            let inputs = (forward, grad_output);
            self.member()
                .backward_biased(self, inputs, channels, grad_input, bias_grad)
        }
        #[inline]
        #[track_caller]
        fn forward_biased(
            &self,
            input: &[T],
            bias: &[T],
            channels: $crate::Channels,
            output: &mut [T],
        ) {
            self.member()
                .forward_biased(Some(input), bias, channels, output)
        }
        #[inline]
        #[track_caller]
        fn forward_biased_in_place(
            &self,
            values: &mut [T],
            bias: &[T],
            channels: $crate::Channels,
        ) {
            self.member().forward_biased(None, bias, channels, values)
        }
        #[inline]
        #[track_caller]
        fn forward_biased_with_stats(
            &self,
            input: &[T],
            bias: &[T],
            channels: $crate::Channels,
            output: &mut [T],
        ) -> $crate::ActivationStats {
            let method = "forward_biased_with_stats";
            self.member()
                .forward_biased_stats(method, Some(input), bias, channels, output)
        }
        #[inline]
        #[track_caller]
        fn forward_biased_in_place_with_stats(
            &self,
            values: &mut [T],
            bias: &[T],
            channels: $crate::Channels,
        ) -> $crate::ActivationStats {
            let method = "forward_biased_in_place_with_stats";
            self.member()
                .forward_biased_stats(method, None, bias, channels, values)
        }
    };
}

/// The methods of [`MaskedActivation`] for a crate type, as [`activation_methods`].
macro_rules! masked_activation_methods {
    () => {
        #[inline]
        fn is_active(&self, x: T) -> bool {
            self.member().is_active(x)
        }
        #[inline]
        fn backward_from_bit(&self, active: bool, grad: T) -> T {
            self.member().backward_from_bit(active, grad)
        }
        #[inline]
        #[track_caller]
        fn forward_masked(&self, input: &[T], output: &mut [T], mask: &mut [u64]) -> usize {
            self.member().forward_masked(input, output, mask)
        }
        #[inline]
        #[track_caller]
        fn forward_in_place_masked(&self, values: &mut [T], mask: &mut [u64]) -> usize {
            self.member().forward_in_place_masked(values, mask)
        }
        #[inline]
        #[track_caller]
        fn backward_masked(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
            let method = "backward_masked";
            self.member()
                .backward_masked(method, mask, Some(grad_output), grad_input, false)
        }
        #[inline]
        #[track_caller]
        fn backward_masked_in_place(&self, mask: &[u64], grad: &mut [T]) {
            let method = "backward_masked_in_place";
            self.member()
                .backward_masked(method, mask, None, grad, false)
        }
        #[inline]
        #[track_caller]
        fn backward_masked_accumulate(
            &self,
            mask: &[u64],
            grad_output: &[T],
            grad_input: &mut [T],
        ) {
            let method = "backward_masked_accumulate";
            self.member()
                .backward_masked(method, mask, Some(grad_output), grad_input, true)
        }
        #[inline]
        #[track_caller]
        fn forward_biased_masked(
            &self,
            input: &[T],
            bias: &[T],
            channels: $crate::Channels,
            output: &mut [T],
            mask: &mut [u64],
        ) -> usize {
            let method = "forward_biased_masked";
            self.member()
                .forward_biased_masked(method, Some(input), bias, channels, output, mask)
        }
        #[inline]
        #[track_caller]
        fn forward_biased_in_place_masked(
            &self,
            values: &mut [T],
            bias: &[T],
            channels: $crate::Channels,
            mask: &mut [u64],
        ) -> usize {
            let method = "forward_biased_in_place_masked";
            self.member()
                .forward_biased_masked(method, None, bias, channels, values, mask)
        }
    };
}

/// Implements [`Activation`] and [`MaskedActivation`] for a crate type over its member.
macro_rules! kernel_activation {
    ($ty:ty) => {
        impl<T: num_traits::Float + 'static> $crate::Activation<T> for $ty {
            $crate::activation::activation_methods!();
        }
        impl<T: num_traits::Float + 'static> $crate::MaskedActivation<T> for $ty {
            $crate::activation::masked_activation_methods!();
        }
    };
}

pub(crate) use {activation_methods, kernel_activation, masked_activation_methods};
