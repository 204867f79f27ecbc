//! The operations of the ReLU family, each a parameter of the one kernel loop: a scalar
//! reference (the crate's scalar functions) and the same on SIMD lanes, bit for bit.

use num_traits::{Float, Zero};

use super::Vector;
use crate::scalar;

/// An elementwise operation on `T`.
///
/// For each element the loop passes `x` from the first input (the activation input, or the
/// forward values of a backward pass), `g` from the second input (the output gradient) and
/// `old`, the output's previous value. Operations that do not read `g` (`BINARY == false`) or
/// `old` (`READS_OUT == false`) get `x` there and ignore it.
pub(crate) trait Op<T: Float>: Copy {
    /// Whether the operation reads a second input.
    const BINARY: bool;
    /// Whether the operation reads the output's previous value.
    const READS_OUT: bool = false;
    /// Whether no output is less than zero (each is zero, greater than zero, or NaN), which
    /// spares the counting pass a comparison.
    const NEVER_NEGATIVE: bool = false;
    /// The same operation on another element type.
    type Cast<U: Float>: Op<U>;
    /// The same operation on `U`; used only where `TypeId` proved `U == T`, so its parameters
    /// convert exactly.
    fn cast<U: Float>(self) -> Self::Cast<U>;
    /// The scalar reference for one element.
    fn scalar(self, x: T, g: T, old: T) -> T;
    /// The same on every lane, bit for bit.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> V;
    /// [`Op::lanes`], and the lane mask of the results at most zero, for the counting pass.
    /// An operation overrides it where the mask also comes from `x` for free.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn lanes_not_positive<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> (V, V) {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let y = self.lanes(x, g, old);
            (y, y.le(zero()))
        }
    }
    /// [`Op::lanes`] of a backward operation read from a 1-bit mask: `x` is one where the lane
    /// mask `clear` is not set and zero where it is. An operation overrides it where it has a
    /// shorter way.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn lanes_masked<V: Vector<Elem = T>>(self, clear: V, g: V, old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { self.lanes(clear.and_not(V::splat(T::one())), g, old) }
    }
}

/// Converts a parameter to `U`; exact where `U == T`, the only case it is used for.
#[inline(always)]
fn convert<T: Float, U: Float>(value: T) -> U {
    U::from(value).unwrap_or_else(U::nan)
}

/// The lanes all `+0.0`.
///
/// # Safety
/// The CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn zero<V: Vector>() -> V {
    // SAFETY: the caller proved V's ISA.
    unsafe { V::splat(V::Elem::zero()) }
}

/// `relu(x)` on lanes: the lanes where `x <= 0` cleared; NaN compares false and stays.
///
/// # Safety
/// The CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn relu_lanes<V: Vector>(x: V) -> V {
    // SAFETY: the caller proved V's ISA.
    unsafe { x.le(zero()).and_not(x) }
}

/// `then` where `x > 0`, `+0.0` where `x <= 0` and `x` itself where it is NaN: the shape of
/// every derivative and backward pass. `relu(x)` is already `+0.0` and NaN in the right lanes,
/// so one select on `x > 0` finishes it.
///
/// # Safety
/// The CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn positive_select<V: Vector>(x: V, then: V) -> V {
    // SAFETY: the caller proved V's ISA.
    unsafe { x.gt(zero()).select(then, relu_lanes(x)) }
}

/// `relu(x)`.
#[derive(Clone, Copy)]
pub(crate) struct Relu;

impl<T: Float> Op<T> for Relu {
    const BINARY: bool = false;
    const NEVER_NEGATIVE: bool = true;
    type Cast<U: Float> = Relu;
    fn cast<U: Float>(self) -> Relu {
        Relu
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        scalar::relu(x)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { relu_lanes(x) }
    }
    #[inline(always)]
    unsafe fn lanes_not_positive<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> (V, V) {
        // relu(x) <= 0 exactly where x <= 0 (a NaN is neither), the mask relu computes anyway.
        // SAFETY: the caller proved V's ISA.
        unsafe { (relu_lanes(x), x.le(zero())) }
    }
}

/// `relu_derivative(x)`.
#[derive(Clone, Copy)]
pub(crate) struct Derivative;

impl<T: Float> Op<T> for Derivative {
    const BINARY: bool = false;
    type Cast<U: Float> = Derivative;
    fn cast<U: Float>(self) -> Derivative {
        Derivative
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        scalar::relu_derivative(x)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { positive_select(x, V::splat(T::one())) }
    }
}

/// The ReLU backward select: `g` where the forward value `x > 0`.
#[derive(Clone, Copy)]
pub(crate) struct Backward;

impl<T: Float> Op<T> for Backward {
    const BINARY: bool = true;
    type Cast<U: Float> = Backward;
    fn cast<U: Float>(self) -> Backward {
        Backward
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        scalar::relu_backward_one(x, g)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { positive_select(x, g) }
    }
    #[inline(always)]
    unsafe fn lanes_masked<V: Vector<Elem = T>>(self, clear: V, g: V, _old: V) -> V {
        // `g` where x = 1, `+0.0` (all bits clear) where x = 0.
        // SAFETY: the caller proved V's ISA.
        unsafe { clear.and_not(g) }
    }
}

/// `leaky_relu(x, slope)` for a nonzero slope (a zero slope runs [`Relu`] instead).
#[derive(Clone, Copy)]
pub(crate) struct Leaky<T> {
    pub(crate) slope: T,
}

impl<T: Float> Op<T> for Leaky<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = Leaky<U>;
    fn cast<U: Float>(self) -> Leaky<U> {
        Leaky {
            slope: convert(self.slope),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        scalar::leaky_relu(x, self.slope)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            // `slope * x + 0.0` turns a -0.0 product into +0.0 and leaves the rest unchanged,
            // exactly as the scalar function computes it.
            let negative = V::splat(self.slope).mul(x).add(zero());
            x.le(zero()).select(negative, x)
        }
    }
}

/// `leaky_relu_derivative(x, slope)` for a nonzero slope.
#[derive(Clone, Copy)]
pub(crate) struct LeakyDerivative<T> {
    pub(crate) slope: T,
}

impl<T: Float> Op<T> for LeakyDerivative<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = LeakyDerivative<U>;
    fn cast<U: Float>(self) -> LeakyDerivative<U> {
        LeakyDerivative {
            slope: convert(self.slope),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        scalar::leaky_relu_derivative(x, self.slope)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let not_positive = x.le(zero()).select(V::splat(self.slope), x);
            x.gt(zero()).select(V::splat(T::one()), not_positive)
        }
    }
}

/// The leaky backward pass for a nonzero slope: `g` where `x > 0`, `slope * g` where `x <= 0`.
#[derive(Clone, Copy)]
pub(crate) struct LeakyBackward<T> {
    pub(crate) slope: T,
}

impl<T: Float> Op<T> for LeakyBackward<T> {
    const BINARY: bool = true;
    type Cast<U: Float> = LeakyBackward<U>;
    fn cast<U: Float>(self) -> LeakyBackward<U> {
        LeakyBackward {
            slope: convert(self.slope),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        scalar::leaky_relu_backward_one(x, self.slope, g)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let not_positive = x.le(zero()).select(V::splat(self.slope).mul(g), x);
            x.gt(zero()).select(g, not_positive)
        }
    }
}

/// `clipped_relu(x, ceiling)`.
#[derive(Clone, Copy)]
pub(crate) struct Clipped<T> {
    pub(crate) ceiling: T,
}

impl<T: Float> Op<T> for Clipped<T> {
    const BINARY: bool = false;
    // The ceiling is greater than zero.
    const NEVER_NEGATIVE: bool = true;
    type Cast<U: Float> = Clipped<U>;
    fn cast<U: Float>(self) -> Clipped<U> {
        Clipped {
            ceiling: convert(self.ceiling),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        scalar::clipped_relu(x, self.ceiling)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let ceiling = V::splat(self.ceiling);
            ceiling.le(x).select(ceiling, relu_lanes(x))
        }
    }
    #[inline(always)]
    unsafe fn lanes_not_positive<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> (V, V) {
        // With a ceiling above zero, the result is at most zero exactly where x <= 0 (a NaN is
        // neither), the mask the ReLU inside computes anyway.
        // SAFETY: the caller proved V's ISA.
        unsafe { (self.lanes(x, g, old), x.le(zero())) }
    }
}

/// `clipped_relu_derivative(x, ceiling)`: 1 on the open interval `(0, ceiling)`.
#[derive(Clone, Copy)]
pub(crate) struct ClippedDerivative<T> {
    pub(crate) ceiling: T,
}

impl<T: Float> Op<T> for ClippedDerivative<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = ClippedDerivative<U>;
    fn cast<U: Float>(self) -> ClippedDerivative<U> {
        ClippedDerivative {
            ceiling: convert(self.ceiling),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        scalar::clipped_relu_derivative(x, self.ceiling)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let below = positive_select(x, V::splat(T::one()));
            V::splat(self.ceiling).le(x).select(zero(), below)
        }
    }
}

/// The clipped backward pass: `g` where `0 < x < ceiling`, `+0.0` elsewhere, NaN passed.
#[derive(Clone, Copy)]
pub(crate) struct ClippedBackward<T> {
    pub(crate) ceiling: T,
}

impl<T: Float> Op<T> for ClippedBackward<T> {
    const BINARY: bool = true;
    type Cast<U: Float> = ClippedBackward<U>;
    fn cast<U: Float>(self) -> ClippedBackward<U> {
        ClippedBackward {
            ceiling: convert(self.ceiling),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        scalar::clipped_relu_backward_one(x, self.ceiling, g)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            V::splat(self.ceiling)
                .le(x)
                .select(zero(), positive_select(x, g))
        }
    }
}

/// Adds an operation's result to the output's previous value, for autograd engines that sum
/// gradients: `old + value`, except that a NaN `value` is returned as it is. IEEE addition of
/// two NaNs may return either one (and compilers may swap the operands), so this choice keeps
/// the forward pass's NaN exact and every path equal.
#[derive(Clone, Copy)]
pub(crate) struct Accumulate<O>(pub(crate) O);

impl<T: Float, O: Op<T>> Op<T> for Accumulate<O> {
    const BINARY: bool = O::BINARY;
    const READS_OUT: bool = true;
    type Cast<U: Float> = Accumulate<O::Cast<U>>;
    fn cast<U: Float>(self) -> Accumulate<O::Cast<U>> {
        Accumulate(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, old: T) -> T {
        scalar::accumulate(old, self.0.scalar(x, g, old))
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { accumulate_lanes(old, self.0.lanes(x, g, old)) }
    }
    #[inline(always)]
    unsafe fn lanes_masked<V: Vector<Elem = T>>(self, clear: V, g: V, old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { accumulate_lanes(old, self.0.lanes_masked(clear, g, old)) }
    }
}

/// `old + value` on lanes, except `value` itself where it is NaN ([`Accumulate`]).
///
/// # Safety
/// The CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn accumulate_lanes<V: Vector>(old: V, value: V) -> V {
    // SAFETY: the caller proved V's ISA. `value <= value` holds exactly where it is not NaN.
    unsafe { value.le(value).select(old.add(value), value) }
}

/// Reference loops of the same traffic as the ReLU kernels, on the same kernel loop, for the
/// benchmarks: what the memory system allows with the ReLU arithmetic taken out.
pub(crate) mod reference {
    use super::*;

    /// `out = x`.
    #[derive(Clone, Copy)]
    pub(crate) struct Copy;

    impl<T: Float> Op<T> for Copy {
        const BINARY: bool = false;
        type Cast<U: Float> = Copy;
        fn cast<U: Float>(self) -> Copy {
            Copy
        }
        #[inline(always)]
        fn scalar(self, x: T, _g: T, _old: T) -> T {
            x
        }
        #[inline(always)]
        unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
            x
        }
    }

    /// `out = -x`, a read-modify-write in place.
    #[derive(Clone, Copy)]
    pub(crate) struct Negate;

    impl<T: Float> Op<T> for Negate {
        const BINARY: bool = false;
        type Cast<U: Float> = Negate;
        fn cast<U: Float>(self) -> Negate {
            Negate
        }
        #[inline(always)]
        fn scalar(self, x: T, _g: T, _old: T) -> T {
            -x
        }
        #[inline(always)]
        unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
            // SAFETY: the caller proved V's ISA.
            unsafe { x.mul(V::splat(-T::one())) }
        }
    }

    /// `out = x + g`, two inputs like the backward pass.
    #[derive(Clone, Copy)]
    pub(crate) struct Sum;

    impl<T: Float> Op<T> for Sum {
        const BINARY: bool = true;
        type Cast<U: Float> = Sum;
        fn cast<U: Float>(self) -> Sum {
            Sum
        }
        #[inline(always)]
        fn scalar(self, x: T, g: T, _old: T) -> T {
            x + g
        }
        #[inline(always)]
        unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
            // SAFETY: the caller proved V's ISA.
            unsafe { x.add(g) }
        }
    }
}
