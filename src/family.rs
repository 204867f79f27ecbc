//! Slice, in-place and backward variants of leaky and clipped ReLU, and the accumulating
//! backward passes. They run the same kernel loop as ReLU with the member as a parameter.

use num_traits::Float;

use crate::arch::{
    self, Accumulate, Backward, Clipped, ClippedBackward, ClippedDerivative, Derivative, Io,
    Kernel, Leaky, LeakyBackward, LeakyDerivative, Relu,
};
use crate::scalar::six;
use crate::slice::check_len;
use crate::stats::{forward_with_stats, ActivationStats};

/// A member of the family with checked parameters. A zero slope and an infinite ceiling are
/// ReLU exactly, and run ReLU's operations.
#[derive(Clone, Copy)]
pub(crate) enum Member<T> {
    Relu,
    Leaky(T),
    Clipped(T),
}

impl<T: Float + 'static> Member<T> {
    /// Leaky ReLU; panics, naming `function`, unless the slope is finite.
    #[track_caller]
    pub(crate) fn leaky(function: &str, slope: T) -> Member<T> {
        if !slope.is_finite() {
            bad_parameter(function, "slope", slope, "finite");
        }
        if slope == T::zero() {
            Member::Relu
        } else {
            Member::Leaky(slope)
        }
    }

    /// Clipped ReLU; panics, naming `function`, unless the ceiling is positive (`+inf` too).
    #[track_caller]
    fn clipped(function: &str, ceiling: T) -> Member<T> {
        // NaN compares false, so it fails this check too.
        let positive = ceiling > T::zero();
        if !positive {
            bad_parameter(
                function,
                "ceiling",
                ceiling,
                "positive (greater than 0, or +inf)",
            );
        }
        if ceiling == T::infinity() {
            Member::Relu
        } else {
            Member::Clipped(ceiling)
        }
    }

    /// The forward pass over `io`.
    #[inline(always)]
    fn forward(self, io: Io<'_, T>) {
        match self {
            Member::Relu => arch::apply(Relu, io),
            Member::Leaky(slope) => arch::apply(Leaky { slope }, io),
            Member::Clipped(ceiling) => arch::apply(Clipped { ceiling }, io),
        }
    }

    /// The forward pass over `input` into `output` (in place when `input` is `None`), with the
    /// statistics of what it wrote.
    #[inline(always)]
    fn forward_with_stats(self, input: Option<&[T]>, output: &mut [T]) -> ActivationStats {
        match self {
            Member::Relu => forward_with_stats(Relu, input, output),
            Member::Leaky(slope) => forward_with_stats(Leaky { slope }, input, output),
            Member::Clipped(ceiling) => forward_with_stats(Clipped { ceiling }, input, output),
        }
    }

    /// The forward pass over `io` filling the 1-bit mask `words`; returns the NaN inputs.
    /// Only ReLU and leaky ReLU have masked passes.
    #[inline]
    pub(crate) fn forward_masked(self, io: Io<'_, T>, words: &mut [u64]) -> usize {
        let kernel = Kernel::selected();
        // As for the plain forward pass; the mask adds a thirty-second of a buffer.
        let stream = matches!(io, Io::Map { .. }) && arch::should_stream::<T, Relu>(io.len());
        match self {
            Member::Relu => arch::mask_forward(kernel, Relu, io, words, stream),
            Member::Leaky(slope) => arch::mask_forward(kernel, Leaky { slope }, io, words, stream),
            Member::Clipped(_) => unreachable!("clipped ReLU has no masked pass"),
        }
    }

    /// The backward pass read from the 1-bit mask `words`, into `out` from `grad` (or in place
    /// on `out`), added to `out` with `accumulate`.
    #[inline]
    pub(crate) fn backward_masked(
        self,
        words: &[u64],
        grad: Option<&[T]>,
        out: &mut [T],
        accumulate: bool,
    ) {
        let kernel = Kernel::selected();
        let stream = arch::should_stream_masked::<T>(out.len());
        match (self, accumulate) {
            (Member::Relu, false) => {
                arch::mask_backward(kernel, Backward, words, grad, out, stream)
            }
            (Member::Relu, true) => {
                let op = Accumulate(Backward);
                arch::mask_backward(kernel, op, words, grad, out, stream)
            }
            (Member::Leaky(slope), false) => {
                let op = LeakyBackward { slope };
                arch::mask_backward(kernel, op, words, grad, out, stream)
            }
            (Member::Leaky(slope), true) => {
                let op = Accumulate(LeakyBackward { slope });
                arch::mask_backward(kernel, op, words, grad, out, stream)
            }
            (Member::Clipped(_), _) => unreachable!("clipped ReLU has no masked pass"),
        }
    }

    /// The derivative over `io`.
    #[inline(always)]
    fn derivative(self, io: Io<'_, T>) {
        match self {
            Member::Relu => arch::apply(Derivative, io),
            Member::Leaky(slope) => arch::apply(LeakyDerivative { slope }, io),
            Member::Clipped(ceiling) => arch::apply(ClippedDerivative { ceiling }, io),
        }
    }

    /// The backward pass over `io`.
    #[inline(always)]
    fn backward(self, io: Io<'_, T>) {
        match self {
            Member::Relu => arch::apply(Backward, io),
            Member::Leaky(slope) => arch::apply(LeakyBackward { slope }, io),
            Member::Clipped(ceiling) => arch::apply(ClippedBackward { ceiling }, io),
        }
    }

    /// The backward pass over `io`, added to the output.
    #[inline(always)]
    fn backward_accumulate(self, io: Io<'_, T>) {
        match self {
            Member::Relu => arch::apply(Accumulate(Backward), io),
            Member::Leaky(slope) => arch::apply(Accumulate(LeakyBackward { slope }), io),
            Member::Clipped(ceiling) => arch::apply(Accumulate(ClippedBackward { ceiling }), io),
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn bad_parameter<T: Float>(function: &str, name: &str, value: T, must_be: &str) -> ! {
    let value = value.to_f64().unwrap_or(f64::NAN);
    panic!("rectify::{function}: the {name} must be {must_be}, but it is {value:?}")
}

/// Checks `forward` and `grad_output` against `grad` for a backward function.
#[inline(always)]
#[track_caller]
fn check_backward(function: &str, forward: usize, grad_output: usize, grad_input: usize) {
    check_len(function, "forward", forward, "grad_output", grad_output);
    check_len(function, "forward", forward, "grad_input", grad_input);
}

/// Writes [`leaky_relu`](crate::leaky_relu)`(x, slope)` of each element of `input` to `output`.
///
/// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = leaky_relu(x, slope) }` bit for
/// bit. With `slope == 0` it is [`relu_slice`](crate::relu_slice) exactly.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `input.len() != output.len()`, before anything is
/// written.
///
/// # Examples
///
/// ```
/// let input = [-2.0_f32, -0.0, 3.0];
/// let mut output = [0.0_f32; 3];
/// rectify::leaky_relu_slice(&input, 0.1, &mut output);
/// assert_eq!(output, [-0.2, 0.0, 3.0]);
/// assert!(output[1].is_sign_positive());
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_slice<T: Float + 'static>(input: &[T], slope: T, output: &mut [T]) {
    let member = Member::leaky("leaky_relu_slice", slope);
    check_len(
        "leaky_relu_slice",
        "input",
        input.len(),
        "output",
        output.len(),
    );
    member.forward(Io::Map {
        src: input,
        dst: output,
    });
}

/// Replaces each element of `values` with its [`leaky_relu`](crate::leaky_relu)`(x, slope)`.
///
/// Matches `for v in values { *v = leaky_relu(*v, slope) }` bit for bit.
///
/// # Panics
///
/// If `slope` is NaN or infinite, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [-4.0_f64, 1.0];
/// rectify::leaky_relu_in_place(&mut values, 0.25);
/// assert_eq!(values, [-1.0, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_in_place<T: Float + 'static>(values: &mut [T], slope: T) {
    Member::leaky("leaky_relu_in_place", slope).forward(Io::InPlace(values));
}

/// Writes [`leaky_relu_derivative`](crate::leaky_relu_derivative)`(x, slope)` of each element of
/// `input` to `output`.
///
/// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = leaky_relu_derivative(x, slope) }`
/// bit for bit.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `input.len() != output.len()`, before anything is
/// written.
///
/// # Examples
///
/// ```
/// let mut output = [0.0_f32; 3];
/// rectify::leaky_relu_derivative_slice(&[-1.0, 0.0, 2.0], 0.01, &mut output);
/// assert_eq!(output, [0.01, 0.01, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_derivative_slice<T: Float + 'static>(input: &[T], slope: T, output: &mut [T]) {
    let function = "leaky_relu_derivative_slice";
    let member = Member::leaky(function, slope);
    check_len(function, "input", input.len(), "output", output.len());
    member.derivative(Io::Map {
        src: input,
        dst: output,
    });
}

/// Replaces each element of `values` with its
/// [`leaky_relu_derivative`](crate::leaky_relu_derivative)`(x, slope)`.
///
/// Matches `for v in values { *v = leaky_relu_derivative(*v, slope) }` bit for bit.
///
/// # Panics
///
/// If `slope` is NaN or infinite, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [-1.0_f32, 5.0];
/// rectify::leaky_relu_derivative_in_place(&mut values, 0.5);
/// assert_eq!(values, [0.5, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_derivative_in_place<T: Float + 'static>(values: &mut [T], slope: T) {
    Member::leaky("leaky_relu_derivative_in_place", slope).derivative(Io::InPlace(values));
}

/// The leaky ReLU backward pass: `grad_input[i]` is `grad_output[i]` where `forward[i] > 0`,
/// `slope * grad_output[i]` where `forward[i] <= 0`, and `forward[i]` where it is NaN.
///
/// With `slope == 0` it is [`relu_backward`](crate::relu_backward) exactly (`+0.0` whatever the
/// gradient). `forward` may be the forward pass's input, or, when `slope >= 0`, its output:
/// leaky ReLU with a non-negative slope keeps the sign of its input, so both give the same
/// bits. With a negative slope only the input works (the output of a negative input is
/// positive), as PyTorch refuses in-place leaky ReLU backward for a negative slope.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `forward`, `grad_output` and `grad_input` differ in
/// length, before anything is written.
///
/// # Examples
///
/// ```
/// let forward = [-1.0_f32, 2.0];
/// let mut grad_input = [0.0_f32; 2];
/// rectify::leaky_relu_backward(&forward, 0.1, &[10.0, 10.0], &mut grad_input);
/// assert_eq!(grad_input, [1.0, 10.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_backward<T: Float + 'static>(
    forward: &[T],
    slope: T,
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "leaky_relu_backward";
    let member = Member::leaky(function, slope);
    check_backward(function, forward.len(), grad_output.len(), grad_input.len());
    member.backward(Io::Zip {
        fwd: forward,
        grad: grad_output,
        dst: grad_input,
    });
}

/// The leaky ReLU backward pass in place: each `grad[i]` becomes what [`leaky_relu_backward`]
/// would write for `forward[i]` and `grad[i]`.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `forward.len() != grad.len()`, before anything is
/// written.
///
/// # Examples
///
/// ```
/// let mut grad = [4.0_f64, 4.0];
/// rectify::leaky_relu_backward_in_place(&[-3.0, 3.0], 0.5, &mut grad);
/// assert_eq!(grad, [2.0, 4.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_backward_in_place<T: Float + 'static>(forward: &[T], slope: T, grad: &mut [T]) {
    let function = "leaky_relu_backward_in_place";
    let member = Member::leaky(function, slope);
    check_len(function, "forward", forward.len(), "grad", grad.len());
    member.backward(Io::ZipInPlace { fwd: forward, grad });
}

/// The leaky ReLU backward pass added to an existing gradient: `grad_input[i] +=` what
/// [`leaky_relu_backward`] would write, for autograd engines that sum gradients.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `forward`, `grad_output` and `grad_input` differ in
/// length, before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [1.0_f32, 1.0];
/// rectify::leaky_relu_backward_accumulate(&[-1.0, 1.0], 0.5, &[2.0, 2.0], &mut grad_input);
/// assert_eq!(grad_input, [2.0, 3.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_backward_accumulate<T: Float + 'static>(
    forward: &[T],
    slope: T,
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "leaky_relu_backward_accumulate";
    let member = Member::leaky(function, slope);
    check_backward(function, forward.len(), grad_output.len(), grad_input.len());
    member.backward_accumulate(Io::Accumulate {
        fwd: forward,
        grad: grad_output,
        acc: grad_input,
    });
}

/// Writes [`clipped_relu`](crate::clipped_relu)`(x, ceiling)` of each element of `input` to
/// `output`.
///
/// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = clipped_relu(x, ceiling) }` bit
/// for bit. With `ceiling = +inf` it is [`relu_slice`](crate::relu_slice) exactly.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, or if `input.len() != output.len()`, before anything
/// is written.
///
/// # Examples
///
/// ```
/// let mut output = [0.0_f32; 3];
/// rectify::clipped_relu_slice(&[-1.0, 3.0, 8.0], 6.0, &mut output);
/// assert_eq!(output, [0.0, 3.0, 6.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_slice<T: Float + 'static>(input: &[T], ceiling: T, output: &mut [T]) {
    let member = Member::clipped("clipped_relu_slice", ceiling);
    check_len(
        "clipped_relu_slice",
        "input",
        input.len(),
        "output",
        output.len(),
    );
    member.forward(Io::Map {
        src: input,
        dst: output,
    });
}

/// Replaces each element of `values` with its [`clipped_relu`](crate::clipped_relu)`(x, ceiling)`.
///
/// Matches `for v in values { *v = clipped_relu(*v, ceiling) }` bit for bit.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [0.5_f64, 100.0];
/// rectify::clipped_relu_in_place(&mut values, 1.0);
/// assert_eq!(values, [0.5, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_in_place<T: Float + 'static>(values: &mut [T], ceiling: T) {
    Member::clipped("clipped_relu_in_place", ceiling).forward(Io::InPlace(values));
}

/// Writes [`clipped_relu_derivative`](crate::clipped_relu_derivative)`(x, ceiling)` of each
/// element of `input` to `output`.
///
/// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = clipped_relu_derivative(x, ceiling) }`
/// bit for bit.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, or if `input.len() != output.len()`, before anything
/// is written.
///
/// # Examples
///
/// ```
/// let mut output = [9.0_f32; 4];
/// rectify::clipped_relu_derivative_slice(&[-1.0, 0.0, 3.0, 6.0], 6.0, &mut output);
/// assert_eq!(output, [0.0, 0.0, 1.0, 0.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_derivative_slice<T: Float + 'static>(
    input: &[T],
    ceiling: T,
    output: &mut [T],
) {
    let function = "clipped_relu_derivative_slice";
    let member = Member::clipped(function, ceiling);
    check_len(function, "input", input.len(), "output", output.len());
    member.derivative(Io::Map {
        src: input,
        dst: output,
    });
}

/// Replaces each element of `values` with its
/// [`clipped_relu_derivative`](crate::clipped_relu_derivative)`(x, ceiling)`.
///
/// Matches `for v in values { *v = clipped_relu_derivative(*v, ceiling) }` bit for bit.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [2.0_f32, 7.0];
/// rectify::clipped_relu_derivative_in_place(&mut values, 6.0);
/// assert_eq!(values, [1.0, 0.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_derivative_in_place<T: Float + 'static>(values: &mut [T], ceiling: T) {
    Member::clipped("clipped_relu_derivative_in_place", ceiling).derivative(Io::InPlace(values));
}

/// The clipped ReLU backward pass: `grad_input[i]` is `grad_output[i]` where
/// `0 < forward[i] < ceiling`, `+0.0` elsewhere whatever the gradient, and `forward[i]` where it
/// is NaN.
///
/// `forward` may be the forward pass's input or its output: an output equal to the ceiling has
/// gradient 0 just like the input that produced it. With `ceiling = +inf` it is
/// [`relu_backward`](crate::relu_backward) exactly.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, or if `forward`, `grad_output` and `grad_input`
/// differ in length, before anything is written.
///
/// # Examples
///
/// ```
/// let forward = [-1.0_f32, 3.0, 6.0, 9.0];
/// let mut grad_input = [0.0_f32; 4];
/// rectify::clipped_relu_backward(&forward, 6.0, &[5.0; 4], &mut grad_input);
/// assert_eq!(grad_input, [0.0, 5.0, 0.0, 0.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_backward<T: Float + 'static>(
    forward: &[T],
    ceiling: T,
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "clipped_relu_backward";
    let member = Member::clipped(function, ceiling);
    check_backward(function, forward.len(), grad_output.len(), grad_input.len());
    member.backward(Io::Zip {
        fwd: forward,
        grad: grad_output,
        dst: grad_input,
    });
}

/// The clipped ReLU backward pass in place: each `grad[i]` becomes what
/// [`clipped_relu_backward`] would write for `forward[i]` and `grad[i]`.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, or if `forward.len() != grad.len()`, before anything
/// is written.
///
/// # Examples
///
/// ```
/// let mut grad = [1.0_f32, 1.0];
/// rectify::clipped_relu_backward_in_place(&[0.5, 6.0], 6.0, &mut grad);
/// assert_eq!(grad, [1.0, 0.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_backward_in_place<T: Float + 'static>(
    forward: &[T],
    ceiling: T,
    grad: &mut [T],
) {
    let function = "clipped_relu_backward_in_place";
    let member = Member::clipped(function, ceiling);
    check_len(function, "forward", forward.len(), "grad", grad.len());
    member.backward(Io::ZipInPlace { fwd: forward, grad });
}

/// The clipped ReLU backward pass added to an existing gradient: `grad_input[i] +=` what
/// [`clipped_relu_backward`] would write.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, or if `forward`, `grad_output` and `grad_input`
/// differ in length, before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [1.0_f32, 1.0];
/// rectify::clipped_relu_backward_accumulate(&[1.0, 7.0], 6.0, &[2.0, 2.0], &mut grad_input);
/// assert_eq!(grad_input, [3.0, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_backward_accumulate<T: Float + 'static>(
    forward: &[T],
    ceiling: T,
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "clipped_relu_backward_accumulate";
    let member = Member::clipped(function, ceiling);
    check_backward(function, forward.len(), grad_output.len(), grad_input.len());
    member.backward_accumulate(Io::Accumulate {
        fwd: forward,
        grad: grad_output,
        acc: grad_input,
    });
}

/// Writes [`relu6`](crate::relu6) of each element of `input` to `output`: `clipped_relu_slice`
/// with a ceiling of 6.
///
/// # Panics
///
/// If `input.len() != output.len()`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut output = [0.0_f32; 3];
/// rectify::relu6_slice(&[-1.0, 4.0, 10.0], &mut output);
/// assert_eq!(output, [0.0, 4.0, 6.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu6_slice<T: Float + 'static>(input: &[T], output: &mut [T]) {
    check_len("relu6_slice", "input", input.len(), "output", output.len());
    Member::Clipped(six()).forward(Io::Map {
        src: input,
        dst: output,
    });
}

/// Replaces each element of `values` with its [`relu6`](crate::relu6).
///
/// # Examples
///
/// ```
/// let mut values = [7.0_f64, -7.0, 5.5];
/// rectify::relu6_in_place(&mut values);
/// assert_eq!(values, [6.0, 0.0, 5.5]);
/// ```
#[inline]
pub fn relu6_in_place<T: Float + 'static>(values: &mut [T]) {
    Member::Clipped(six()).forward(Io::InPlace(values));
}

/// The ReLU backward pass added to an existing gradient: `grad_input[i] +=` what
/// [`relu_backward`](crate::relu_backward) would write, for autograd engines that sum
/// gradients. Dead units add `+0.0`, whatever their gradient.
///
/// # Panics
///
/// If `forward`, `grad_output` and `grad_input` differ in length, before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [1.0_f32, 1.0];
/// rectify::relu_backward_accumulate(&[-1.0, 1.0], &[f32::INFINITY, 2.0], &mut grad_input);
/// assert_eq!(grad_input, [1.0, 3.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_backward_accumulate<T: Float + 'static>(
    forward: &[T],
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "relu_backward_accumulate";
    check_backward(function, forward.len(), grad_output.len(), grad_input.len());
    Member::Relu.backward_accumulate(Io::Accumulate {
        fwd: forward,
        grad: grad_output,
        acc: grad_input,
    });
}

/// [`relu_slice`](crate::relu_slice) that also counts, in the same pass over memory, how many
/// outputs are active (greater than zero), exactly zero, and NaN.
///
/// Writes the same bits as `relu_slice`. For training diagnostics: the sparsity of a layer and
/// the NaNs reaching it, at the cost of counting, not of another pass over the activations.
///
/// # Panics
///
/// If `input.len() != output.len()`, before anything is written.
///
/// # Examples
///
/// ```
/// let input = [-1.0_f32, 0.5, 0.0, f32::NAN, 3.0];
/// let mut output = [0.0_f32; 5];
/// let stats = rectify::relu_slice_with_stats(&input, &mut output);
/// assert_eq!((stats.active, stats.zeros, stats.nans), (2, 2, 1));
/// ```
#[inline]
#[track_caller]
pub fn relu_slice_with_stats<T: Float + 'static>(input: &[T], output: &mut [T]) -> ActivationStats {
    let function = "relu_slice_with_stats";
    check_len(function, "input", input.len(), "output", output.len());
    Member::Relu.forward_with_stats(Some(input), output)
}

/// [`relu_in_place`](crate::relu_in_place) that also counts active, zero and NaN outputs in
/// the same pass.
///
/// # Examples
///
/// ```
/// let mut values = [-1.0_f64, 2.0, 3.0, -4.0];
/// let stats = rectify::relu_in_place_with_stats(&mut values);
/// assert_eq!(values, [0.0, 2.0, 3.0, 0.0]);
/// assert_eq!(stats.sparsity(), 0.5);
/// ```
#[inline]
pub fn relu_in_place_with_stats<T: Float + 'static>(values: &mut [T]) -> ActivationStats {
    Member::Relu.forward_with_stats(None, values)
}

/// [`leaky_relu_slice`] that also counts active (greater than zero), zero and NaN outputs in
/// the same pass; negative outputs are the rest.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `input.len() != output.len()`, before anything is
/// written.
///
/// # Examples
///
/// ```
/// let mut output = [0.0_f32; 3];
/// let stats = rectify::leaky_relu_slice_with_stats(&[-1.0, 0.0, 1.0], 0.1, &mut output);
/// assert_eq!((stats.active, stats.zeros, stats.len - stats.active - stats.zeros), (1, 1, 1));
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_slice_with_stats<T: Float + 'static>(
    input: &[T],
    slope: T,
    output: &mut [T],
) -> ActivationStats {
    let function = "leaky_relu_slice_with_stats";
    let member = Member::leaky(function, slope);
    check_len(function, "input", input.len(), "output", output.len());
    member.forward_with_stats(Some(input), output)
}

/// [`leaky_relu_in_place`] that also counts active, zero and NaN outputs in the same pass.
///
/// # Panics
///
/// If `slope` is NaN or infinite, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [-2.0_f32, 2.0];
/// let stats = rectify::leaky_relu_in_place_with_stats(&mut values, 0.5);
/// assert_eq!(values, [-1.0, 2.0]);
/// assert_eq!(stats.active, 1);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_in_place_with_stats<T: Float + 'static>(
    values: &mut [T],
    slope: T,
) -> ActivationStats {
    Member::leaky("leaky_relu_in_place_with_stats", slope).forward_with_stats(None, values)
}

/// [`clipped_relu_slice`] that also counts active, zero and NaN outputs in the same pass.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, or if `input.len() != output.len()`, before anything
/// is written.
///
/// # Examples
///
/// ```
/// let mut output = [0.0_f32; 3];
/// let stats = rectify::clipped_relu_slice_with_stats(&[-1.0, 3.0, 9.0], 6.0, &mut output);
/// assert_eq!(output, [0.0, 3.0, 6.0]);
/// assert_eq!((stats.active, stats.zeros), (2, 1));
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_slice_with_stats<T: Float + 'static>(
    input: &[T],
    ceiling: T,
    output: &mut [T],
) -> ActivationStats {
    let function = "clipped_relu_slice_with_stats";
    let member = Member::clipped(function, ceiling);
    check_len(function, "input", input.len(), "output", output.len());
    member.forward_with_stats(Some(input), output)
}

/// [`clipped_relu_in_place`] that also counts active, zero and NaN outputs in the same pass.
///
/// # Panics
///
/// If `ceiling` is NaN, zero or negative, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [7.0_f64, -7.0];
/// let stats = rectify::clipped_relu_in_place_with_stats(&mut values, 6.0);
/// assert_eq!(values, [6.0, 0.0]);
/// assert_eq!((stats.active, stats.zeros), (1, 1));
/// ```
#[inline]
#[track_caller]
pub fn clipped_relu_in_place_with_stats<T: Float + 'static>(
    values: &mut [T],
    ceiling: T,
) -> ActivationStats {
    Member::clipped("clipped_relu_in_place_with_stats", ceiling).forward_with_stats(None, values)
}
