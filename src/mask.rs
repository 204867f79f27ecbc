//! A 1-bit mask for the backward pass: the forward pass records, one bit per element, where
//! its input was active, and the backward pass reads the bits instead of the whole forward
//! tensor, 1/32 of the memory of `f32`.
//!
//! A bit is set where the input was greater than zero, and also where it was NaN: one bit
//! cannot say "NaN", so the backward pass passes the gradient there (the plain backward pass
//! would return the NaN). The forward passes that build a mask return how many NaN inputs they
//! saw, so nothing goes unnoticed. On every other input, backward from the mask gives exactly
//! the bits of [`relu_backward`](crate::relu_backward) (or the leaky one).

use num_traits::Float;

use crate::arch::Io;
use crate::family::Member;
use crate::slice::check_len;

/// The number of `u64` words a mask of `len` elements needs: `len.div_ceil(64)`.
///
/// # Examples
///
/// ```
/// assert_eq!(rectify::mask_words(0), 0);
/// assert_eq!(rectify::mask_words(64), 1);
/// assert_eq!(rectify::mask_words(65), 2);
/// ```
pub const fn mask_words(len: usize) -> usize {
    len.div_ceil(64)
}

/// Panics unless `mask` has the words `len` elements need, naming the function.
#[inline]
#[track_caller]
fn check_mask(function: &str, mask: usize, len: usize) {
    if mask != mask_words(len) {
        mask_mismatch(function, mask, len);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn mask_mismatch(function: &str, mask: usize, len: usize) -> ! {
    panic!(
        "rectify::{function}: the mask has {mask} words but {len} elements need {} \
         (mask_words(len))",
        mask_words(len)
    )
}

/// [`relu_slice`](crate::relu_slice) that also records the 1-bit mask for the backward pass:
/// bit `i % 64` of `mask[i / 64]` is set where `input[i] > 0` or is NaN; bits past the length
/// are zero. Returns the number of NaN inputs.
///
/// # Panics
///
/// If `input.len() != output.len()` or `mask.len() != mask_words(input.len())`, before
/// anything is written.
///
/// # Examples
///
/// ```
/// let input = [1.0_f32, -1.0, 2.0, f32::NAN];
/// let mut output = [0.0_f32; 4];
/// let mut mask = [0_u64; rectify::mask_words(4)];
/// let nans = rectify::relu_slice_masked(&input, &mut output, &mut mask);
/// assert_eq!((output[..3].to_vec(), mask[0], nans), (vec![1.0, 0.0, 2.0], 0b1101, 1));
/// ```
#[inline]
#[track_caller]
pub fn relu_slice_masked<T: Float + 'static>(
    input: &[T],
    output: &mut [T],
    mask: &mut [u64],
) -> usize {
    let function = "relu_slice_masked";
    check_len(function, "input", input.len(), "output", output.len());
    check_mask(function, mask.len(), input.len());
    Member::Relu.forward_masked(
        Io::Map {
            src: input,
            dst: output,
        },
        mask,
    )
}

/// [`relu_in_place`](crate::relu_in_place) that also records the 1-bit mask; returns the
/// number of NaN inputs.
///
/// # Panics
///
/// If `mask.len() != mask_words(values.len())`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [3.0_f64, -3.0];
/// let mut mask = [0_u64; 1];
/// assert_eq!(rectify::relu_in_place_masked(&mut values, &mut mask), 0);
/// assert_eq!((values, mask[0]), ([3.0, 0.0], 0b01));
/// ```
#[inline]
#[track_caller]
pub fn relu_in_place_masked<T: Float + 'static>(values: &mut [T], mask: &mut [u64]) -> usize {
    check_mask("relu_in_place_masked", mask.len(), values.len());
    Member::Relu.forward_masked(Io::InPlace(values), mask)
}

/// [`leaky_relu_slice`](crate::leaky_relu_slice) that also records the 1-bit mask (set where
/// the input is greater than zero or NaN); returns the number of NaN inputs.
///
/// # Panics
///
/// If `slope` is NaN or infinite, if `input.len() != output.len()`, or if
/// `mask.len() != mask_words(input.len())`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut output = [0.0_f32; 2];
/// let mut mask = [0_u64; 1];
/// rectify::leaky_relu_slice_masked(&[-2.0, 2.0], 0.5, &mut output, &mut mask);
/// assert_eq!((output, mask[0]), ([-1.0, 2.0], 0b10));
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_slice_masked<T: Float + 'static>(
    input: &[T],
    slope: T,
    output: &mut [T],
    mask: &mut [u64],
) -> usize {
    let function = "leaky_relu_slice_masked";
    let member = Member::leaky(function, slope);
    check_len(function, "input", input.len(), "output", output.len());
    check_mask(function, mask.len(), input.len());
    member.forward_masked(
        Io::Map {
            src: input,
            dst: output,
        },
        mask,
    )
}

/// [`leaky_relu_in_place`](crate::leaky_relu_in_place) that also records the 1-bit mask;
/// returns the number of NaN inputs.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `mask.len() != mask_words(values.len())`, before
/// anything is written.
///
/// # Examples
///
/// ```
/// let mut values = [-2.0_f32, 2.0];
/// let mut mask = [0_u64; 1];
/// rectify::leaky_relu_in_place_masked(&mut values, 0.5, &mut mask);
/// assert_eq!((values, mask[0]), ([-1.0, 2.0], 0b10));
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_in_place_masked<T: Float + 'static>(
    values: &mut [T],
    slope: T,
    mask: &mut [u64],
) -> usize {
    let function = "leaky_relu_in_place_masked";
    let member = Member::leaky(function, slope);
    check_mask(function, mask.len(), values.len());
    member.forward_masked(Io::InPlace(values), mask)
}

/// The ReLU backward pass from a 1-bit mask: `grad_input[i]` is `grad_output[i]` where the
/// mask bit is set and `+0.0` where it is clear. Equal, bit for bit, to
/// [`relu_backward`](crate::relu_backward) from the forward values wherever those are not NaN.
///
/// # Panics
///
/// If `grad_output.len() != grad_input.len()` or `mask.len() != mask_words(grad_input.len())`,
/// before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [9.0_f32; 3];
/// rectify::relu_backward_masked(&[0b101], &[1.0, 2.0, 3.0], &mut grad_input);
/// assert_eq!(grad_input, [1.0, 0.0, 3.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_backward_masked<T: Float + 'static>(
    mask: &[u64],
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "relu_backward_masked";
    check_len(
        function,
        "grad_output",
        grad_output.len(),
        "grad_input",
        grad_input.len(),
    );
    check_mask(function, mask.len(), grad_input.len());
    Member::Relu.backward_masked(mask, Some(grad_output), grad_input, false);
}

/// [`relu_backward_masked`] in place on the gradient.
///
/// # Panics
///
/// If `mask.len() != mask_words(grad.len())`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad = [1.0_f64, 2.0];
/// rectify::relu_backward_masked_in_place(&[0b10], &mut grad);
/// assert_eq!(grad, [0.0, 2.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_backward_masked_in_place<T: Float + 'static>(mask: &[u64], grad: &mut [T]) {
    check_mask("relu_backward_masked_in_place", mask.len(), grad.len());
    Member::Relu.backward_masked(mask, None, grad, false);
}

/// [`relu_backward_masked`] added to the gradient already in `grad_input`, as
/// [`relu_backward_accumulate`](crate::relu_backward_accumulate) does.
///
/// # Panics
///
/// If `grad_output.len() != grad_input.len()` or `mask.len() != mask_words(grad_input.len())`,
/// before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [1.0_f32, 1.0];
/// rectify::relu_backward_masked_accumulate(&[0b01], &[5.0, 5.0], &mut grad_input);
/// assert_eq!(grad_input, [6.0, 1.0]);
/// ```
#[inline]
#[track_caller]
pub fn relu_backward_masked_accumulate<T: Float + 'static>(
    mask: &[u64],
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "relu_backward_masked_accumulate";
    check_len(
        function,
        "grad_output",
        grad_output.len(),
        "grad_input",
        grad_input.len(),
    );
    check_mask(function, mask.len(), grad_input.len());
    Member::Relu.backward_masked(mask, Some(grad_output), grad_input, true);
}

/// The leaky ReLU backward pass from a 1-bit mask: `grad_output[i]` where the bit is set,
/// `slope * grad_output[i]` where it is clear (`+0.0` with a zero slope). Equal, bit for bit,
/// to [`leaky_relu_backward`](crate::leaky_relu_backward) wherever the forward input is not NaN.
///
/// # Panics
///
/// If `slope` is NaN or infinite, if `grad_output.len() != grad_input.len()`, or if
/// `mask.len() != mask_words(grad_input.len())`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [0.0_f32; 2];
/// rectify::leaky_relu_backward_masked(&[0b01], 0.5, &[4.0, 4.0], &mut grad_input);
/// assert_eq!(grad_input, [4.0, 2.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_backward_masked<T: Float + 'static>(
    mask: &[u64],
    slope: T,
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "leaky_relu_backward_masked";
    let member = Member::leaky(function, slope);
    check_len(
        function,
        "grad_output",
        grad_output.len(),
        "grad_input",
        grad_input.len(),
    );
    check_mask(function, mask.len(), grad_input.len());
    member.backward_masked(mask, Some(grad_output), grad_input, false);
}

/// [`leaky_relu_backward_masked`] in place on the gradient.
///
/// # Panics
///
/// If `slope` is NaN or infinite, or if `mask.len() != mask_words(grad.len())`, before
/// anything is written.
///
/// # Examples
///
/// ```
/// let mut grad = [4.0_f32, 4.0];
/// rectify::leaky_relu_backward_masked_in_place(&[0b10], 0.25, &mut grad);
/// assert_eq!(grad, [1.0, 4.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_backward_masked_in_place<T: Float + 'static>(
    mask: &[u64],
    slope: T,
    grad: &mut [T],
) {
    let function = "leaky_relu_backward_masked_in_place";
    let member = Member::leaky(function, slope);
    check_mask(function, mask.len(), grad.len());
    member.backward_masked(mask, None, grad, false);
}

/// [`leaky_relu_backward_masked`] added to the gradient already in `grad_input`.
///
/// # Panics
///
/// If `slope` is NaN or infinite, if `grad_output.len() != grad_input.len()`, or if
/// `mask.len() != mask_words(grad_input.len())`, before anything is written.
///
/// # Examples
///
/// ```
/// let mut grad_input = [1.0_f32, 1.0];
/// rectify::leaky_relu_backward_masked_accumulate(&[0b01], 0.5, &[2.0, 2.0], &mut grad_input);
/// assert_eq!(grad_input, [3.0, 2.0]);
/// ```
#[inline]
#[track_caller]
pub fn leaky_relu_backward_masked_accumulate<T: Float + 'static>(
    mask: &[u64],
    slope: T,
    grad_output: &[T],
    grad_input: &mut [T],
) {
    let function = "leaky_relu_backward_masked_accumulate";
    let member = Member::leaky(function, slope);
    check_len(
        function,
        "grad_output",
        grad_output.len(),
        "grad_input",
        grad_input.len(),
    );
    check_mask(function, mask.len(), grad_input.len());
    member.backward_masked(mask, Some(grad_output), grad_input, true);
}
