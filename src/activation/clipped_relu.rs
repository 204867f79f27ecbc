//! [`ClippedRelu`]: ReLU with a ceiling, ReLU6 among them.

use num_traits::Float;

use super::{Member, ParamError, kernel_activation};
use crate::arch;

/// Clipped ReLU with ceiling `c`: `+0.0` for `x <= 0`, `x` below `c`, `c` from `c` up, against
/// exploding activations. [`ClippedRelu::<f32>::RELU6`](ClippedRelu#associatedconstant.RELU6)
/// is the ReLU6 of mobile networks.
///
/// | `x` | `at(x)` | `derivative_at(x)` | `backward_at(x, g)` | mask bit |
/// |---|---|---|---|---|
/// | `x >= c` (`x = c` is the upper kink) | `c` | `+0.0` | `+0.0` | clear |
/// | `0 < x < c` | `x`, bit for bit | `1` | `g` | set |
/// | `x <= 0`, `±0.0` (the lower kink) and `-inf` included | `+0.0` | `+0.0` | `+0.0` | clear |
/// | NaN | the same NaN | the same NaN | the same NaN (from `x`) | set |
///
/// - The derivative is 1 only on the open interval: 0 at both kinks, as JAX's `relu6` and
///   PyTorch's `hardtanh` backward.
/// - With `c = +inf` every method is [`Relu`](crate::Relu)'s, bit for bit (the derivative at
///   `x = +inf` is then 1), and runs its kernels. With a finite `c` it is
///   [`Clip::new(0.0, c)`](crate::Clip::new), bit for bit.
/// - No output is `-0.0` or negative. Backward may take the forward input or its output.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, ClippedRelu};
///
/// let mut out = [0.0_f32; 3];
/// ClippedRelu::<f32>::RELU6.forward(&[-1.0, 3.0, 8.0], &mut out);
/// assert_eq!(out, [0.0, 3.0, 6.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClippedRelu<T> {
    ceiling: T,
}

impl ClippedRelu<f32> {
    /// ReLU6: clipped ReLU with ceiling 6.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, ClippedRelu};
    /// assert_eq!(ClippedRelu::<f32>::RELU6.at(7.5), 6.0);
    /// ```
    pub const RELU6: ClippedRelu<f32> = ClippedRelu { ceiling: 6.0 };
}

impl ClippedRelu<f64> {
    /// ReLU6: clipped ReLU with ceiling 6.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, ClippedRelu};
    /// assert_eq!(ClippedRelu::<f64>::RELU6.at(-7.5), 0.0);
    /// ```
    pub const RELU6: ClippedRelu<f64> = ClippedRelu { ceiling: 6.0 };
}

impl<T: Float> ClippedRelu<T> {
    /// Clipped ReLU with this ceiling.
    ///
    /// # Errors
    ///
    /// [`ParamError::NotPositive`] unless `ceiling > 0` (`+inf` included): for zero, a
    /// negative number or NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::ClippedRelu;
    /// assert!(ClippedRelu::new(6.0_f32).is_ok());
    /// assert!(ClippedRelu::new(f32::INFINITY).is_ok());
    /// assert!(ClippedRelu::new(0.0_f32).is_err());
    /// ```
    pub fn new(ceiling: T) -> Result<ClippedRelu<T>, ParamError> {
        // NaN compares false, so it fails this check too.
        if ceiling > T::zero() {
            Ok(ClippedRelu { ceiling })
        } else {
            Err(ParamError::NotPositive {
                name: "ceiling",
                value: super::as_f64(ceiling),
            })
        }
    }

    /// The ceiling.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rectify::ClippedRelu::<f32>::RELU6.ceiling(), 6.0);
    /// ```
    pub fn ceiling(&self) -> T {
        self.ceiling
    }

    #[inline(always)]
    pub(crate) fn member(&self) -> Member<T> {
        if self.ceiling == T::infinity() {
            Member::Relu
        } else {
            Member::Clip(arch::Clip::new(T::zero(), self.ceiling))
        }
    }
}

kernel_activation!(ClippedRelu<T>);
