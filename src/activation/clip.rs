//! [`Clip`]: the general clamp to an interval.

use num_traits::Float;

use super::{Member, ParamError, kernel_activation};
use crate::arch;

/// Clamps to `[min, max]`: the `Clip` of ONNX, PyTorch's `hardtanh` and `clamp`, TensorFlow's
/// `clip_by_value`.
///
/// | `x` | `at(x)` | `derivative_at(x)` | `backward_at(x, g)` | mask bit |
/// |---|---|---|---|---|
/// | `x <= min` (`x = min` is the lower kink) | `min`, bit for bit | `+0.0` | `+0.0` | clear |
/// | `min < x < max` (inside), `-0.0` included | `x`, bit for bit | `1` | `g` | set |
/// | `x >= max` (`x = max` is the upper kink) | `max`, bit for bit | `+0.0` | `+0.0` | clear |
/// | NaN | the same NaN | the same NaN | the same NaN (from `x`) | set |
///
/// - The bounds may be infinite. An infinite bound never clips, and the value at it is inside:
///   with `max = +inf`, `x = +inf` gives `+inf` with derivative 1. So
///   `Clip::new(0.0, f32::INFINITY)` is [`Relu`](crate::Relu) bit for bit in every method, and
///   `Clip::new(0.0, c)` is [`ClippedRelu::new(c)`](crate::ClippedRelu::new).
/// - With `min > max` every number gives `max` (derivative 0), as ONNX and PyTorch define it
///   (`min(max(x, min), max)`); the interval is empty.
/// - Inside the interval `-0.0` stays `-0.0`; a bound comes out as it was given (`min = -0.0`
///   gives `-0.0` for `x <= 0`).
/// - Backward may take the forward input, or its output when `min < max`: clamping keeps
///   every value inside and puts every value outside on a bound, where the derivative is 0.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, Clip};
///
/// let hardtanh = Clip::new(-1.0_f32, 1.0)?;
/// let mut out = [0.0_f32; 4];
/// hardtanh.forward(&[-3.0, -0.5, 0.25, 2.0], &mut out);
/// assert_eq!(out, [-1.0, -0.5, 0.25, 1.0]);
/// assert_eq!(hardtanh.derivative_at(1.0), 0.0);
/// # Ok::<(), rectify::ParamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip<T> {
    min: T,
    max: T,
}

impl<T: Float> Clip<T> {
    /// Clamps to `[min, max]`; either bound may be infinite, and `min > max` is allowed (it
    /// gives `max` everywhere).
    ///
    /// # Errors
    ///
    /// [`ParamError::Nan`] if a bound is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Clip;
    /// assert!(Clip::new(0.0_f64, f64::INFINITY).is_ok());
    /// assert!(Clip::new(f32::NAN, 1.0).is_err());
    /// ```
    pub fn new(min: T, max: T) -> Result<Clip<T>, ParamError> {
        if min.is_nan() {
            Err(ParamError::Nan { name: "min" })
        } else if max.is_nan() {
            Err(ParamError::Nan { name: "max" })
        } else {
            Ok(Clip { min, max })
        }
    }

    /// The lower bound.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rectify::Clip::new(-1.0_f32, 1.0).unwrap().min(), -1.0);
    /// ```
    pub fn min(&self) -> T {
        self.min
    }

    /// The upper bound.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rectify::Clip::new(-1.0_f32, 1.0).unwrap().max(), 1.0);
    /// ```
    pub fn max(&self) -> T {
        self.max
    }

    #[inline(always)]
    pub(crate) fn member(&self) -> Member<T> {
        Member::Clip(arch::Clip::new(self.min, self.max))
    }
}

kernel_activation!(Clip<T>);
