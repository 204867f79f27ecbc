//! [`LeakyRelu`]: a slope for the negative side.

use num_traits::Float;

use super::{Member, ParamError, kernel_activation};

/// Leaky ReLU with slope `a`: `x` for `x > 0`, `a * x` for `x <= 0`, against dying units.
///
/// | `x` | `at(x)` | `derivative_at(x)` | `backward_at(x, g)` | mask bit |
/// |---|---|---|---|---|
/// | `x > 0`, including `+inf` | `x`, bit for bit | `1` | `g` | set |
/// | `+0.0` and `-0.0` (the kink) | `+0.0` | `a` (the left slope) | `a * g` | clear |
/// | `x < 0`, including `-inf` | `a * x` (IEEE product), `+0.0` where that is a zero | `a` | `a * g` | clear |
/// | NaN | the same NaN | the same NaN | the same NaN (from `x`) | set |
///
/// - With `a = 0` (either sign) every method is [`Relu`](crate::Relu)'s, bit for bit, and runs
///   its kernels: `-inf` gives `+0.0`, not `0 * -inf = NaN`, and backward gives `+0.0` whatever
///   `g` is.
/// - No output is `-0.0`.
/// - Backward may take the forward input, or, with `a >= 0`, its output (leaky ReLU with a
///   non-negative slope keeps the sign); with `a < 0` only the input works, as PyTorch refuses
///   in-place leaky ReLU backward for a negative slope.
/// - Where a result is a product with a NaN gradient, its NaN payload is whatever the
///   hardware's multiply gives (Rust does not specify it); every kernel gives the scalar
///   method's bits on the same CPU.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, LeakyRelu};
///
/// let leaky = LeakyRelu::new(0.1_f32)?;
/// let mut out = [0.0_f32; 3];
/// leaky.forward(&[-2.0, -0.0, 3.0], &mut out);
/// assert_eq!(out, [-0.2, 0.0, 3.0]);
/// assert!(out[1].is_sign_positive());
/// # Ok::<(), rectify::ParamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu<T> {
    slope: T,
}

impl<T: Float> LeakyRelu<T> {
    /// Leaky ReLU with this slope for `x <= 0`; PyTorch's default is `0.01`.
    ///
    /// # Errors
    ///
    /// [`ParamError::NotFinite`] if `slope` is NaN or infinite.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::LeakyRelu;
    /// assert!(LeakyRelu::new(0.01_f64).is_ok());
    /// assert!(LeakyRelu::new(f64::INFINITY).is_err());
    /// ```
    pub fn new(slope: T) -> Result<LeakyRelu<T>, ParamError> {
        ParamError::finite("slope", slope).map(|slope| LeakyRelu { slope })
    }

    /// The slope for `x <= 0`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rectify::LeakyRelu::new(0.2_f32).unwrap().slope(), 0.2);
    /// ```
    pub fn slope(&self) -> T {
        self.slope
    }

    #[inline(always)]
    pub(crate) fn member(&self) -> Member<T> {
        Member::leaky(self.slope)
    }
}

kernel_activation!(LeakyRelu<T>);
