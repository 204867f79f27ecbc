//! [`Relu`], the rectified linear unit as a value.

use super::{Member, kernel_activation};

/// The rectified linear unit, `max(x, 0)` with an exact contract: the value form of
/// [`relu`](crate::relu) and [`relu_derivative`](crate::relu_derivative), for code generic
/// over [`Activation`](crate::Activation).
///
/// | `x` | `at(x)` | `derivative_at(x)` | `backward_at(x, g)` | mask bit |
/// |---|---|---|---|---|
/// | `x > 0`, including `+inf` and positive subnormals | `x`, bit for bit | `1` | `g`, bit for bit (also infinite or NaN) | set |
/// | `+0.0` and `-0.0` (the kink) | `+0.0` | `+0.0` | `+0.0` | clear |
/// | `x < 0`, including `-inf` and negative subnormals | `+0.0` | `+0.0` | `+0.0`, whatever `g` is | clear |
/// | NaN (either sign, any payload) | the same NaN | the same NaN | the same NaN (from `x`) | set |
///
/// It never outputs a negative number, not even `-0.0`. Backward may take the forward input or
/// its output: both give the same bits.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, Relu};
///
/// let mut hidden = [-1.0_f32, 0.5, 2.0];
/// Relu.forward_in_place(&mut hidden);
/// assert_eq!(hidden, [0.0, 0.5, 2.0]);
/// let mut grad = [1.0_f32; 3];
/// Relu.backward_in_place(&hidden, &mut grad); // from the output
/// assert_eq!(grad, [0.0, 1.0, 1.0]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Relu;

impl Relu {
    #[inline(always)]
    pub(crate) fn member<T>(&self) -> Member<T> {
        Member::Relu
    }
}

kernel_activation!(Relu);
