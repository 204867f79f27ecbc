//! Kernel selection: which loop runs a slice operation. Crate-private.

use num_traits::Float;

use crate::scalar;

mod portable;

/// An elementwise operation of the ReLU family, as a parameter of the one kernel loop.
///
/// `x` is the element of the first input (the activation input, or the forward values of a
/// backward pass) and `g` the element of the second input (the output gradient). Unary
/// operations are called with `g == x` and ignore it.
pub(crate) trait Op: Copy {
    /// The scalar reference for one element.
    fn scalar<T: Float>(self, x: T, g: T) -> T;
}

/// `relu(x)`.
#[derive(Clone, Copy)]
pub(crate) struct Relu;

/// `relu_derivative(x)`.
#[derive(Clone, Copy)]
pub(crate) struct Derivative;

/// The backward select: `g` where the forward value `x > 0`.
#[derive(Clone, Copy)]
pub(crate) struct Backward;

impl Op for Relu {
    #[inline(always)]
    fn scalar<T: Float>(self, x: T, _g: T) -> T {
        scalar::relu(x)
    }
}

impl Op for Derivative {
    #[inline(always)]
    fn scalar<T: Float>(self, x: T, _g: T) -> T {
        scalar::relu_derivative(x)
    }
}

impl Op for Backward {
    #[inline(always)]
    fn scalar<T: Float>(self, x: T, g: T) -> T {
        scalar::relu_backward_one(x, g)
    }
}

/// The buffers of one slice operation. Lengths are checked equal before one is built.
pub(crate) enum Io<'a, T> {
    /// `dst[i] = op(src[i])`.
    Map { src: &'a [T], dst: &'a mut [T] },
    /// `values[i] = op(values[i])`.
    InPlace(&'a mut [T]),
    /// `dst[i] = op(fwd[i], grad[i])`.
    Zip {
        fwd: &'a [T],
        grad: &'a [T],
        dst: &'a mut [T],
    },
    /// `grad[i] = op(fwd[i], grad[i])`.
    ZipInPlace { fwd: &'a [T], grad: &'a mut [T] },
}

/// Runs `op` over `io` with the best kernel for `T` on this CPU.
#[inline]
pub(crate) fn apply<T: Float + 'static, O: Op>(op: O, io: Io<'_, T>) {
    portable::apply(op, io);
}
