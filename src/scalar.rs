//! The generic scalar core: the reference every slice function and kernel matches bit for bit.

use num_traits::Float;

/// The rectified linear unit: `x` if `x > 0`, `+0.0` if `x <= 0`, and NaN passed through unchanged.
///
/// This is the reference the whole crate follows; every slice, in-place and SIMD path returns
/// exactly these bits for every input.
///
/// | `x` | `relu(x)` |
/// |---|---|
/// | `x > 0`, including `+inf` and positive subnormals | `x`, bit for bit |
/// | `+0.0` and `-0.0` | `+0.0` |
/// | `x < 0`, including `-inf` and negative subnormals | `+0.0` |
/// | NaN (any sign, payload, quiet or signalling) | the same NaN, bit for bit |
///
/// The result never has its sign bit set unless it is a NaN that already had it. Unlike
/// `x.max(0.0)`, this never depends on the unspecified sign of a zero result of `max`, and a NaN
/// is never turned into `0.0`.
///
/// # Examples
///
/// ```
/// use rectify::relu;
///
/// assert_eq!(relu(3.5_f32), 3.5);
/// assert_eq!(relu(-2.0_f64), 0.0);
/// // -0.0 becomes +0.0: ReLU never outputs a negative number.
/// assert_eq!(relu(-0.0_f32).to_bits(), 0.0_f32.to_bits());
/// // NaN goes through with its payload.
/// let nan = f32::from_bits(0x7fc0_1234);
/// assert_eq!(relu(nan).to_bits(), 0x7fc0_1234);
/// ```
#[inline]
pub fn relu<T: Float>(x: T) -> T {
    // `NaN <= 0` is false, so NaN takes the second branch and comes back unchanged.
    if x <= T::zero() { T::zero() } else { x }
}

/// The derivative of [`relu`]: `1` if `x > 0`, `+0.0` if `x <= 0` (the subgradient at zero is 0),
/// and NaN passed through unchanged.
///
/// | `x` | `relu_derivative(x)` |
/// |---|---|
/// | `x > 0`, including `+inf` and positive subnormals | `1` |
/// | `+0.0` and `-0.0` | `+0.0` (the subgradient PyTorch, JAX and TensorFlow use) |
/// | `x < 0`, including `-inf` | `+0.0` |
/// | NaN | the same NaN, bit for bit |
///
/// # Examples
///
/// ```
/// use rectify::relu_derivative;
///
/// assert_eq!(relu_derivative(2.0_f32), 1.0);
/// assert_eq!(relu_derivative(-2.0_f32), 0.0);
/// assert_eq!(relu_derivative(0.0_f64).to_bits(), 0.0_f64.to_bits());
/// assert!(relu_derivative(f64::NAN).is_nan());
/// ```
#[inline]
pub fn relu_derivative<T: Float>(x: T) -> T {
    // Two selects, which loops over slices vectorise.
    let y = if x > T::zero() { T::one() } else { T::zero() };
    if x.is_nan() { x } else { y }
}

/// One element of the ReLU backward pass: `g` where `forward > 0`, `+0.0` where `forward <= 0`,
/// and the forward NaN where `forward` is NaN. A select, never a multiply, so an infinite or NaN
/// gradient at a dead unit still gives `+0.0`.
#[inline]
pub(crate) fn relu_backward_one<T: Float>(forward: T, grad: T) -> T {
    // Two selects, which loops over slices vectorise.
    let y = if forward > T::zero() { grad } else { T::zero() };
    if forward.is_nan() { forward } else { y }
}

/// Leaky ReLU: `x` if `x > 0`, `slope * x` if `x <= 0`, with a zero result always `+0.0`, and
/// NaN passed through unchanged; exactly [`relu`] when the slope is zero.
#[inline]
pub(crate) fn leaky_relu<T: Float>(x: T, slope: T) -> T {
    // Selects, which loops over slices vectorise. Adding +0.0 turns a -0.0 product into +0.0
    // and changes nothing else.
    let below = if slope == T::zero() {
        T::zero()
    } else {
        slope * x + T::zero()
    };
    // NaN is not `<= 0`: it comes back unchanged.
    if x <= T::zero() { below } else { x }
}

/// The derivative of [`leaky_relu`]: `1` if `x > 0`, `slope` if `x <= 0` (`+0.0` when the
/// slope is zero), NaN passed through unchanged.
#[inline]
pub(crate) fn leaky_relu_derivative<T: Float>(x: T, slope: T) -> T {
    // Selects, which loops over slices vectorise.
    let below = if slope == T::zero() { T::zero() } else { slope };
    let y = if x > T::zero() { T::one() } else { below };
    if x.is_nan() { x } else { y }
}

/// One element of the leaky backward pass: `grad` where `forward > 0`, `slope * grad` where
/// `forward <= 0` (`+0.0` whatever `grad` is when the slope is zero), the forward NaN where it is
/// NaN.
#[inline]
pub(crate) fn leaky_relu_backward_one<T: Float>(forward: T, slope: T, grad: T) -> T {
    // Selects, which loops over slices vectorise.
    let below = if slope == T::zero() {
        T::zero()
    } else {
        slope * grad
    };
    let y = if forward > T::zero() { grad } else { below };
    if forward.is_nan() { forward } else { y }
}

/// Six, the ceiling of ReLU6, in any `Float` type.
#[inline]
pub(crate) fn six<T: Float>() -> T {
    let two = T::one() + T::one();
    two * (two + T::one())
}

/// Adds a backward value to an accumulated gradient: `old + value`, or `value` itself where it
/// is NaN (IEEE addition of two NaNs may return either).
#[inline]
pub(crate) fn accumulate<T: Float>(old: T, value: T) -> T {
    if value.is_nan() { value } else { old + value }
}
