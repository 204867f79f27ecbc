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
    if x <= T::zero() {
        T::zero()
    } else {
        x
    }
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
    if x > T::zero() {
        T::one()
    } else if x <= T::zero() {
        T::zero()
    } else {
        x
    }
}

/// One element of the ReLU backward pass: `g` where `forward > 0`, `+0.0` where `forward <= 0`,
/// and the forward NaN where `forward` is NaN. A select, never a multiply, so an infinite or NaN
/// gradient at a dead unit still gives `+0.0`.
#[inline]
pub(crate) fn relu_backward_one<T: Float>(forward: T, grad: T) -> T {
    if forward > T::zero() {
        grad
    } else if forward <= T::zero() {
        T::zero()
    } else {
        forward
    }
}

/// Leaky ReLU: `x` if `x > 0`, `slope * x` if `x <= 0`, with a zero result always `+0.0`, and
/// NaN passed through unchanged.
///
/// With `slope == 0` (either sign) this is exactly [`relu`], bit for bit, including
/// `-inf -> +0.0` (a plain `slope * x` would give NaN there).
///
/// | `x` | `leaky_relu(x, slope)` |
/// |---|---|
/// | `x > 0`, including `+inf` | `x`, bit for bit |
/// | `+0.0` and `-0.0` | `+0.0` |
/// | `x < 0`, including `-inf` | `slope * x` (IEEE product), `+0.0` where that is a zero |
/// | NaN | the same NaN, bit for bit |
///
/// The slice functions panic for a NaN or infinite slope; this one computes `slope * x` with
/// it as IEEE arithmetic does (a NaN slope gives NaN for `x <= 0`, an infinite one gives
/// infinities for `x < 0` and NaN at `x = ±0.0`).
///
/// # Examples
///
/// ```
/// use rectify::leaky_relu;
///
/// assert_eq!(leaky_relu(2.0_f32, 0.01), 2.0);
/// assert_eq!(leaky_relu(-2.0_f32, 0.5), -1.0);
/// // A zero slope is ReLU, even at -inf.
/// assert_eq!(leaky_relu(f32::NEG_INFINITY, 0.0).to_bits(), 0.0_f32.to_bits());
/// ```
#[inline]
pub fn leaky_relu<T: Float>(x: T, slope: T) -> T {
    if x > T::zero() {
        x
    } else if x <= T::zero() {
        if slope == T::zero() {
            T::zero()
        } else {
            // Adding +0.0 turns a -0.0 product into +0.0 and changes nothing else.
            slope * x + T::zero()
        }
    } else {
        x
    }
}

/// The derivative of [`leaky_relu`]: `1` if `x > 0`, `slope` if `x <= 0` (at 0 the left slope,
/// as [`relu_derivative`] takes 0 there), NaN passed through unchanged.
///
/// With `slope == 0` (either sign) this is exactly [`relu_derivative`]: `+0.0` for `x <= 0`.
///
/// # Examples
///
/// ```
/// use rectify::leaky_relu_derivative;
///
/// assert_eq!(leaky_relu_derivative(3.0_f64, 0.1), 1.0);
/// assert_eq!(leaky_relu_derivative(-3.0_f64, 0.1), 0.1);
/// assert_eq!(leaky_relu_derivative(0.0_f64, 0.1), 0.1);
/// ```
#[inline]
pub fn leaky_relu_derivative<T: Float>(x: T, slope: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x <= T::zero() {
        if slope == T::zero() {
            T::zero()
        } else {
            slope
        }
    } else {
        x
    }
}

/// One element of the leaky backward pass: `grad` where `forward > 0`, `slope * grad` where
/// `forward <= 0` (`+0.0` whatever `grad` is when the slope is zero), the forward NaN where it is
/// NaN.
#[inline]
pub(crate) fn leaky_relu_backward_one<T: Float>(forward: T, slope: T, grad: T) -> T {
    if forward > T::zero() {
        grad
    } else if forward <= T::zero() {
        if slope == T::zero() {
            T::zero()
        } else {
            slope * grad
        }
    } else {
        forward
    }
}

/// Clipped ReLU: `+0.0` if `x <= 0`, `x` if `0 < x < ceiling`, `ceiling` if `x >= ceiling`, and
/// NaN passed through unchanged. [`relu6`] is `clipped_relu(x, 6)`; `ceiling = +inf` is
/// exactly [`relu`].
///
/// | `x` | `clipped_relu(x, ceiling)` |
/// |---|---|
/// | `x >= ceiling` | `ceiling` |
/// | `0 < x < ceiling` | `x`, bit for bit |
/// | `+0.0`, `-0.0` and `x < 0`, including `-inf` | `+0.0` |
/// | NaN | the same NaN, bit for bit |
///
/// The slice functions panic for a ceiling that is NaN, zero or negative; this one returns
/// `ceiling` for every `x > 0` at or above it (so a negative ceiling gives it back for every
/// positive `x`) and never clips with a NaN ceiling.
///
/// # Examples
///
/// ```
/// use rectify::clipped_relu;
///
/// assert_eq!(clipped_relu(-1.0_f32, 6.0), 0.0);
/// assert_eq!(clipped_relu(2.5_f32, 6.0), 2.5);
/// assert_eq!(clipped_relu(9.0_f32, 6.0), 6.0);
/// assert_eq!(clipped_relu(f32::INFINITY, 6.0), 6.0);
/// ```
#[inline]
pub fn clipped_relu<T: Float>(x: T, ceiling: T) -> T {
    if x <= T::zero() {
        T::zero()
    } else if x >= ceiling {
        ceiling
    } else {
        x
    }
}

/// The derivative of [`clipped_relu`]: `1` on the open interval `(0, ceiling)`, `+0.0` at both
/// kinks and outside (as JAX's `relu6` and PyTorch's `hardtanh` backward), NaN passed through
/// unchanged. With `ceiling = +inf` it is exactly [`relu_derivative`] (`1` at `x = +inf` too).
///
/// # Examples
///
/// ```
/// use rectify::clipped_relu_derivative;
///
/// assert_eq!(clipped_relu_derivative(3.0_f32, 6.0), 1.0);
/// assert_eq!(clipped_relu_derivative(6.0_f32, 6.0), 0.0);
/// assert_eq!(clipped_relu_derivative(0.0_f32, 6.0), 0.0);
/// ```
#[inline]
pub fn clipped_relu_derivative<T: Float>(x: T, ceiling: T) -> T {
    if x >= ceiling && ceiling != T::infinity() {
        T::zero()
    } else {
        relu_derivative(x)
    }
}

/// One element of the clipped backward pass: `grad` where `0 < forward < ceiling`, `+0.0`
/// elsewhere whatever `grad` is, the forward NaN where it is NaN. With `ceiling = +inf`, the
/// ReLU backward pass exactly.
#[inline]
pub(crate) fn clipped_relu_backward_one<T: Float>(forward: T, ceiling: T, grad: T) -> T {
    if forward >= ceiling && ceiling != T::infinity() {
        T::zero()
    } else {
        relu_backward_one(forward, grad)
    }
}

/// ReLU6, the clipped ReLU of mobile networks: `clipped_relu(x, 6)`.
///
/// # Examples
///
/// ```
/// assert_eq!(rectify::relu6(7.5_f32), 6.0);
/// assert_eq!(rectify::relu6(-7.5_f32), 0.0);
/// assert_eq!(rectify::relu6(3.0_f64), 3.0);
/// ```
#[inline]
pub fn relu6<T: Float>(x: T) -> T {
    clipped_relu(x, six())
}

/// The ceiling of [`relu6`] in any `Float` type.
#[inline]
pub(crate) fn six<T: Float>() -> T {
    let two = T::one() + T::one();
    two * (two + T::one())
}

/// Adds a backward value to an accumulated gradient: `old + value`, or `value` itself where it
/// is NaN (IEEE addition of two NaNs may return either).
#[inline]
pub(crate) fn accumulate<T: Float>(old: T, value: T) -> T {
    if value.is_nan() {
        value
    } else {
        old + value
    }
}
