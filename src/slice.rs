//! Slice, in-place and backward variants of the scalar core: the free-function form of
//! [`Relu`]'s methods, which they call.
//!
//! Each checks its lengths first (naming itself) and panics before writing anything if they
//! differ, then hands the buffers to the kernel chosen for this CPU. Every element gets exactly the bits of the
//! scalar reference.

use num_traits::Float;

use crate::{Activation, Relu};

/// Panics unless two lengths agree, naming the function and both lengths.
#[inline(always)]
#[track_caller]
pub(crate) fn check_len(function: &str, a_name: &str, a: usize, b_name: &str, b: usize) {
    if a != b {
        len_mismatch(function, a_name, a, b_name, b);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn len_mismatch(function: &str, a_name: &str, a: usize, b_name: &str, b: usize) -> ! {
    panic!(
        "rectify: {function}: {a_name} has {a} elements but {b_name} has {b}; \
         the lengths must be equal"
    )
}

/// Writes [`relu`](crate::relu) of each element of `input` to `output`: [`Relu`]`.forward`.
///
/// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = relu(x) }` bit for bit.
///
/// # Panics
///
/// If `input.len() != output.len()`, before anything is written.
///
/// # Examples
///
/// ```
/// let input = [-1.5_f32, 0.0, 2.5, f32::NEG_INFINITY];
/// let mut output = [9.0_f32; 4];
/// rectify::relu_slice(&input, &mut output);
/// assert_eq!(output, [0.0, 0.0, 2.5, 0.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_slice<T: Float + 'static>(input: &[T], output: &mut [T]) {
    check_len("relu_slice", "input", input.len(), "output", output.len());
    Relu.forward(input, output)
}

/// Replaces each element of `values` with its [`relu`](crate::relu).
///
/// Matches `for v in values { *v = relu(*v) }` bit for bit.
///
/// # Examples
///
/// ```
/// let mut values = vec![-3.0_f64, -0.0, 0.5, 7.0];
/// rectify::relu_in_place(&mut values);
/// assert_eq!(values, [0.0, 0.0, 0.5, 7.0]);
/// assert!(values[1].is_sign_positive());
/// ```
#[inline]
#[track_caller]
pub fn relu_in_place<T: Float + 'static>(values: &mut [T]) {
    Relu.forward_in_place(values)
}

/// Writes [`relu_derivative`](crate::relu_derivative) of each element of `input` to `output`.
///
/// Matches `for (o, &x) in output.iter_mut().zip(input) { *o = relu_derivative(x) }` bit for bit.
///
/// # Panics
///
/// If `input.len() != output.len()`, before anything is written.
///
/// # Examples
///
/// ```
/// let input = [-1.0_f32, 0.0, 3.0];
/// let mut output = [0.0_f32; 3];
/// rectify::relu_derivative_slice(&input, &mut output);
/// assert_eq!(output, [0.0, 0.0, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_derivative_slice<T: Float + 'static>(input: &[T], output: &mut [T]) {
    let function = "relu_derivative_slice";
    check_len(function, "input", input.len(), "output", output.len());
    Relu.derivative(input, output)
}

/// Replaces each element of `values` with its [`relu_derivative`](crate::relu_derivative).
///
/// Matches `for v in values { *v = relu_derivative(*v) }` bit for bit.
///
/// # Examples
///
/// ```
/// let mut values = [-1.0_f64, 0.0, 3.0];
/// rectify::relu_derivative_in_place(&mut values);
/// assert_eq!(values, [0.0, 0.0, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_derivative_in_place<T: Float + 'static>(values: &mut [T]) {
    Relu.derivative_in_place(values)
}

/// The ReLU backward pass: `grad_input[i]` is `grad_output[i]` where `forward[i] > 0`, `+0.0`
/// where `forward[i] <= 0`, and `forward[i]` where it is NaN.
///
/// `forward` may be the forward pass's input or its output (`relu` of the input): both give the
/// same bits, so the forward pass can run in place. This is a select, not a multiply by the
/// derivative, so an infinite or NaN gradient at a dead unit still gives `+0.0`. It matches
/// `grad_input[i] = if forward[i] > 0 { grad_output[i] } else if forward[i] <= 0 { 0 } else { forward[i] }`.
///
/// # Panics
///
/// If `forward`, `grad_output` and `grad_input` do not all have the same length, before anything
/// is written.
///
/// # Examples
///
/// ```
/// let forward = [-2.0_f32, 0.0, 1.5];
/// let grad_output = [f32::INFINITY, 4.0, 0.25];
/// let mut grad_input = [0.0_f32; 3];
/// rectify::relu_backward(&forward, &grad_output, &mut grad_input);
/// // The dead unit keeps its zero even under an infinite gradient.
/// assert_eq!(grad_input, [0.0, 0.0, 0.25]);
/// ```
#[inline]
#[track_caller]
pub fn relu_backward<T: Float + 'static>(forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
    let (f, g, n) = (forward.len(), grad_output.len(), grad_input.len());
    check_len("relu_backward", "forward", f, "grad_output", g);
    check_len("relu_backward", "forward", f, "grad_input", n);
    Relu.backward(forward, grad_output, grad_input)
}

/// The ReLU backward pass in place: turns the output gradient in `grad` into the input gradient.
///
/// Each `grad[i]` becomes what [`relu_backward`] would write for `forward[i]` and `grad[i]`.
/// `forward` may be the forward pass's input or its output.
///
/// # Panics
///
/// If `forward.len() != grad.len()`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut activations = [-1.0_f32, 2.0, 3.0];
/// rectify::relu_in_place(&mut activations); // forward, in place
/// let mut grad = [10.0_f32, 20.0, 30.0];
/// rectify::relu_backward_in_place(&activations, &mut grad);
/// assert_eq!(grad, [0.0, 20.0, 30.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_backward_in_place<T: Float + 'static>(forward: &[T], grad: &mut [T]) {
    let function = "relu_backward_in_place";
    check_len(function, "forward", forward.len(), "grad", grad.len());
    Relu.backward_in_place(forward, grad)
}
