//! [`ThresholdedRelu`]: ReLU that fires above a threshold.

use num_traits::Float;

use super::{Member, ParamError, kernel_activation};

/// ONNX's `ThresholdedRelu` with threshold `alpha`: `x` where `x > alpha`, `+0.0` elsewhere.
///
/// | `x` | `at(x)` | `derivative_at(x)` | `backward_at(x, g)` | mask bit |
/// |---|---|---|---|---|
/// | `x > alpha` | `x`, bit for bit | `1` | `g` | set |
/// | `x <= alpha` (`x = alpha` is the kink), `-inf` included | `+0.0` | `+0.0` | `+0.0` | clear |
/// | NaN | the same NaN | the same NaN | the same NaN (from `x`) | set |
///
/// - With `alpha = 0` (either sign) every method is [`Relu`](crate::Relu)'s, bit for bit, and
///   runs its kernels.
/// - With `alpha >= 0` no output is negative or `-0.0`, and backward may take the forward
///   input or its output. With `alpha < 0` the values in `(alpha, 0]` pass as they are,
///   `-0.0` included, and backward needs the forward input (an input at or below `alpha`
///   gives `+0.0`, which is above it).
///
/// # Examples
///
/// ```
/// use rectify::{Activation, ThresholdedRelu};
///
/// let thresholded = ThresholdedRelu::new(1.0_f32)?;
/// let mut values = [0.5_f32, 1.0, 1.5];
/// thresholded.forward_in_place(&mut values);
/// assert_eq!(values, [0.0, 0.0, 1.5]);
/// # Ok::<(), rectify::ParamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ThresholdedRelu<T> {
    alpha: T,
}

impl<T: Float> ThresholdedRelu<T> {
    /// Thresholded ReLU with this threshold; ONNX's default is `1.0`.
    ///
    /// # Errors
    ///
    /// [`ParamError::NotFinite`] if `alpha` is NaN or infinite.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::ThresholdedRelu;
    /// assert!(ThresholdedRelu::new(1.0_f32).is_ok());
    /// assert!(ThresholdedRelu::new(f32::NAN).is_err());
    /// ```
    pub fn new(alpha: T) -> Result<ThresholdedRelu<T>, ParamError> {
        ParamError::finite("alpha", alpha).map(|alpha| ThresholdedRelu { alpha })
    }

    /// The threshold.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rectify::ThresholdedRelu::new(0.5_f64).unwrap().alpha(), 0.5);
    /// ```
    pub fn alpha(&self) -> T {
        self.alpha
    }

    #[inline(always)]
    pub(crate) fn member(&self) -> Member<T> {
        if self.alpha == T::zero() {
            Member::Relu
        } else {
            Member::Thresholded(self.alpha)
        }
    }
}

kernel_activation!(ThresholdedRelu<T>);
