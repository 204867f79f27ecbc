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
    /// [`Op::lanes`], and the lane masks of the results at most zero and above zero, for the
    /// counting pass (a NaN is neither). An operation overrides it where the masks also come
    /// from `x`: a compare of `x` starts as soon as `x` is loaded, where one of the result
    /// waits for the operation. ReLU in place with its stats on `f32`, AVX-512, Zen 5 VM, the
    /// throughput example (two runs each): 0.51-0.53x of the plain pass at 1Ki elements and
    /// 0.57-0.58x at 16Ki with the compare on the result, 0.57-0.59x and 0.63-0.66x with it
    /// on `x` (the instructions alone in a loop: 0.46-0.49x against 0.61-0.67x at 1Ki).
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn lanes_signs<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> (V, V, V) {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let y = self.lanes(x, g, old);
            (y, y.le_zero(), y.gt_zero())
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
    /// For a forward operation, whether input `x` sets its bit in the 1-bit mask: where the
    /// backward pass passes the gradient (the derivative is not zero), and where `x` is NaN
    /// (one bit cannot say NaN). ReLU's and leaky ReLU's: `x > 0` or NaN.
    #[inline(always)]
    fn active(self, x: T) -> bool {
        x > T::zero() || x.is_nan()
    }
    /// The lane mask of the inputs that clear their bit: `!active(x)`.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn lanes_inactive<V: Vector<Elem = T>>(self, x: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { x.le_zero() }
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
    unsafe { x.le_zero().and_not(x) }
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
    unsafe fn lanes_signs<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> (V, V, V) {
        // relu(x) <= 0 exactly where x <= 0 (a NaN is neither), the mask relu computes anyway,
        // and relu(x) > 0 exactly where x > 0.
        // SAFETY: the caller proved V's ISA.
        unsafe { (relu_lanes(x), x.le_zero(), x.gt_zero()) }
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
        unsafe { x.positive_select(V::splat(T::one())) }
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
        unsafe { x.positive_select(g) }
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
            let negative = V::splat(self.slope).mul_plus_zero(x);
            x.le_zero().select(negative, x)
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
            let not_positive = x.le_zero().select(V::splat(self.slope), x);
            x.gt_zero().select(V::splat(T::one()), not_positive)
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
            let not_positive = x.le_zero().select(V::splat(self.slope).mul(g), x);
            x.gt_zero().select(g, not_positive)
        }
    }
}

/// `clip(x)` to `[lo, hi]`: `lo` where `x <= lo`, then `hi` where that is `>= hi`, else `x`;
/// NaN passes. The bounds as the comparisons see them: a lower bound of `-inf` and an upper
/// bound of `+inf` are given as NaN, which compares false, so they never clip (clipping there
/// changes nothing anyway) and the derivative is 1 up to and including that infinity. With
/// `lo > hi` every non-NaN `x` gives `hi`. ClippedRelu is `lo = +0.0`.
#[derive(Clone, Copy)]
pub(crate) struct Clip<T> {
    pub(crate) lo: T,
    pub(crate) hi: T,
}

impl<T: Float> Clip<T> {
    /// The operation for the bounds `min` and `max` (neither NaN): `min = -inf` and
    /// `max = +inf` become NaN, as the type documents. (`min = +inf` and `max = -inf` clip
    /// everything, and stay.)
    #[inline(always)]
    pub(crate) fn new(min: T, max: T) -> Clip<T> {
        let open = |bound: T, infinity: T| if bound == infinity { T::nan() } else { bound };
        Clip {
            lo: open(min, T::neg_infinity()),
            hi: open(max, T::infinity()),
        }
    }

    /// Whether `x` is at or beyond a bound: the derivative is 0 there.
    #[inline(always)]
    fn outside(self, x: T) -> bool {
        // `|`, not `||`: no branch, so that loops over slices vectorise.
        (x <= self.lo) | (self.hi <= x)
    }

    /// [`Clip::outside`] on lanes.
    ///
    /// # Safety
    /// The CPU supports `V`'s ISA.
    #[inline(always)]
    unsafe fn lanes_outside<V: Vector<Elem = T>>(self, x: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let below = x.le(V::splat(self.lo));
            below.select(below, V::splat(self.hi).le(x))
        }
    }
}

impl<T: Float> Op<T> for Clip<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = Clip<U>;
    fn cast<U: Float>(self) -> Clip<U> {
        Clip {
            lo: convert(self.lo),
            hi: convert(self.hi),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        let y = if x <= self.lo { self.lo } else { x };
        if self.hi <= y { self.hi } else { y }
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let (lo, hi) = (V::splat(self.lo), V::splat(self.hi));
            let y = x.le(lo).select(lo, x);
            hi.le(y).select(hi, y)
        }
    }
    #[inline(always)]
    fn active(self, x: T) -> bool {
        !self.outside(x)
    }
    #[inline(always)]
    unsafe fn lanes_inactive<V: Vector<Elem = T>>(self, x: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { self.lanes_outside(x) }
    }
}

/// Which of the clip's forward forms is exact for its bounds and the shortest: see
/// [`Clip::form`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClipForm {
    /// Compares and selects ([`Clip`]): exact for every bound.
    Select,
    /// [`ClipFast`] with min and max: neither bound is a zero.
    MinMax,
    /// [`ClipFast`] from zero: the lower bound is `+0.0`, the upper one above it (or open).
    FromZero,
}

impl<T: Float> Clip<T> {
    /// The forward form to run. `max_else(lo, x)` and `min_else(hi, y)` differ from the
    /// compare-and-select only where the operands compare equal, which changes no bits unless
    /// they are zeros of opposite signs: so a bound that is a zero needs the selects (or, for
    /// a lower bound of `+0.0`, ReLU's and-not). NaN (open) bounds are no zeros.
    #[inline(always)]
    pub(crate) fn form(self) -> ClipForm {
        let zero = |b: T| b == T::zero();
        // An upper bound above zero, or none (NaN, open).
        let above_zero = self.hi > T::zero() || self.hi.is_nan();
        if !zero(self.lo) && !zero(self.hi) {
            ClipForm::MinMax
        } else if zero(self.lo) && self.lo.is_sign_positive() && above_zero {
            ClipForm::FromZero
        } else {
            ClipForm::Select
        }
    }
}

/// [`Clip`]'s forward pass in two or three instructions where its bounds allow (see
/// [`Clip::form`]), the same bits: `min_else(hi, max_else(lo, x))` for bounds that are not
/// zeros ([`ClipForm::MinMax`]), and with `FROM_ZERO` `min_else(hi, relu(x))` for a lower bound
/// of `+0.0` and an upper one above it or open ([`ClipForm::FromZero`], clipped ReLU).
#[derive(Clone, Copy)]
pub(crate) struct ClipFast<T, const FROM_ZERO: bool>(pub(crate) Clip<T>);

impl<T: Float, const FROM_ZERO: bool> Op<T> for ClipFast<T, FROM_ZERO> {
    const BINARY: bool = false;
    // From +0.0 up to a bound above it, no result is negative.
    const NEVER_NEGATIVE: bool = FROM_ZERO;
    type Cast<U: Float> = ClipFast<U, FROM_ZERO>;
    fn cast<U: Float>(self) -> ClipFast<U, FROM_ZERO> {
        ClipFast(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        // The lanes' form on one element, the same bits as the compare-and-select ([`Clip`]'s)
        // where the bounds allow it ([`Clip::form`]). The short passes' loop runs it, and the
        // compiler turns it into the same max and min instructions (`f32`, 64 elements, bounds
        // it cannot see, on a Zen 4 VM: 33 GB/s with the compare-and-select, 45 with this, 69
        // with bounds it sees).
        let above_lo = if FROM_ZERO {
            scalar::relu(x)
        } else if self.0.lo > x {
            self.0.lo
        } else {
            x
        };
        if self.0.hi < above_lo {
            self.0.hi
        } else {
            above_lo
        }
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA. `lo > x` fails for a NaN `x` or `lo`, which
        // gives `x`; likewise `hi < y`.
        unsafe {
            let above_lo = if FROM_ZERO {
                relu_lanes(x)
            } else {
                V::splat(self.0.lo).max_else(x)
            };
            V::splat(self.0.hi).min_else(above_lo)
        }
    }
    #[inline(always)]
    unsafe fn lanes_signs<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> (V, V, V) {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let y = self.lanes(x, g, old);
            // From +0.0 up to a bound above zero the result is at most zero exactly where
            // x <= 0 (a NaN is neither), the mask the ReLU inside computes anyway, and above
            // zero exactly where x > 0.
            let sign_of = if FROM_ZERO { x } else { y };
            (y, sign_of.le_zero(), sign_of.gt_zero())
        }
    }
    #[inline(always)]
    fn active(self, x: T) -> bool {
        self.0.active(x)
    }
    #[inline(always)]
    unsafe fn lanes_inactive<V: Vector<Elem = T>>(self, x: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { self.0.lanes_inactive(x) }
    }
}

/// The derivative of [`Clip`]: 1 strictly inside the bounds, `+0.0` at and beyond them, NaN
/// passed.
#[derive(Clone, Copy)]
pub(crate) struct ClipDerivative<T>(pub(crate) Clip<T>);

impl<T: Float> Op<T> for ClipDerivative<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = ClipDerivative<U>;
    fn cast<U: Float>(self) -> ClipDerivative<U> {
        ClipDerivative(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        ClipBackward(self.0).scalar(x, T::one(), x)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { ClipBackward(self.0).lanes(x, V::splat(T::one()), x) }
    }
}

/// The backward pass of [`Clip`]: `g` strictly inside the bounds, `+0.0` at and beyond them,
/// the forward NaN where it is NaN.
#[derive(Clone, Copy)]
pub(crate) struct ClipBackward<T>(pub(crate) Clip<T>);

impl<T: Float> Op<T> for ClipBackward<T> {
    const BINARY: bool = true;
    type Cast<U: Float> = ClipBackward<U>;
    fn cast<U: Float>(self) -> ClipBackward<U> {
        ClipBackward(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        // Selects, which loops over slices vectorise.
        let y = if self.0.outside(x) { T::zero() } else { g };
        if x.is_nan() { x } else { y }
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA. `x <= x` holds exactly where x is not NaN.
        unsafe {
            let passed = x.le(x).select(g, x);
            self.0.lanes_outside(x).select(zero(), passed)
        }
    }
}

/// `thresholded_relu(x, alpha)`: `x` where `x > alpha`, `+0.0` where `x <= alpha`, NaN passed;
/// for a nonzero `alpha` (zero runs [`Relu`]).
#[derive(Clone, Copy)]
pub(crate) struct Thresholded<T> {
    pub(crate) alpha: T,
}

impl<T: Float> Op<T> for Thresholded<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = Thresholded<U>;
    fn cast<U: Float>(self) -> Thresholded<U> {
        Thresholded {
            alpha: convert(self.alpha),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        if x <= self.alpha { T::zero() } else { x }
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { x.le(V::splat(self.alpha)).and_not(x) }
    }
    #[inline(always)]
    fn active(self, x: T) -> bool {
        x > self.alpha || x.is_nan()
    }
    #[inline(always)]
    unsafe fn lanes_inactive<V: Vector<Elem = T>>(self, x: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { x.le(V::splat(self.alpha)) }
    }
}

/// The derivative of [`Thresholded`]: 1 where `x > alpha`, `+0.0` where `x <= alpha`, NaN
/// passed.
#[derive(Clone, Copy)]
pub(crate) struct ThresholdedDerivative<T>(pub(crate) Thresholded<T>);

impl<T: Float> Op<T> for ThresholdedDerivative<T> {
    const BINARY: bool = false;
    type Cast<U: Float> = ThresholdedDerivative<U>;
    fn cast<U: Float>(self) -> ThresholdedDerivative<U> {
        ThresholdedDerivative(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, _old: T) -> T {
        ThresholdedBackward(self.0).scalar(x, T::one(), x)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe { ThresholdedBackward(self.0).lanes(x, V::splat(T::one()), x) }
    }
}

/// The backward pass of [`Thresholded`]: `g` where `x > alpha`, `+0.0` where `x <= alpha`, the
/// forward NaN where it is NaN.
#[derive(Clone, Copy)]
pub(crate) struct ThresholdedBackward<T>(pub(crate) Thresholded<T>);

impl<T: Float> Op<T> for ThresholdedBackward<T> {
    const BINARY: bool = true;
    type Cast<U: Float> = ThresholdedBackward<U>;
    fn cast<U: Float>(self) -> ThresholdedBackward<U> {
        ThresholdedBackward(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        // Selects, which loops over slices vectorise.
        let y = if x > self.0.alpha { g } else { T::zero() };
        if x.is_nan() { x } else { y }
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let alpha = V::splat(self.0.alpha);
            // `+0.0` where x <= alpha, and x itself where it is NaN (neither compare holds).
            x.gt(alpha).select(g, x.le(alpha).and_not(x))
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
pub(super) unsafe fn accumulate_lanes<V: Vector>(old: V, value: V) -> V {
    // SAFETY: the caller proved V's ISA. `value <= value` holds exactly where it is not NaN.
    unsafe { value.le(value).select(old.add(value), value) }
}

/// The addition of the sums of the bias gradient: `old + x`, except that a NaN keeps its bits
/// (`x` where `x` is NaN, otherwise `old` where `old` is NaN), so that no NaN goes through
/// arithmetic, whose NaN bits Rust leaves open: the bits of every sum are fixed.
#[derive(Clone, Copy)]
pub(crate) struct SumAdd;

impl SumAdd {
    /// The scalar rule, for the code that combines the sums.
    #[inline(always)]
    pub(crate) fn add<T: Float>(old: T, x: T) -> T {
        if x.is_nan() {
            x
        } else if old.is_nan() {
            old
        } else {
            old + x
        }
    }
}

impl<T: Float> Op<T> for SumAdd {
    const BINARY: bool = false;
    const READS_OUT: bool = true;
    type Cast<U: Float> = SumAdd;
    fn cast<U: Float>(self) -> SumAdd {
        SumAdd
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, old: T) -> T {
        SumAdd::add(old, x)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, old: V) -> V {
        // SAFETY: the caller proved V's ISA. `v <= v` holds exactly where `v` is not NaN.
        unsafe { x.le(x).select(old.le(old).select(old.add(x), old), x) }
    }
}

/// A forward operation applied to its input plus a bias: `op(z + b)`, where the sum is
/// [`scalar::accumulate`]`(b, z)` (a NaN `z` passes as it is, so the bits do not depend on
/// operand order) and rounds once, so that the result is the two passes' bit for bit. The bias
/// comes from the second input, one per element: `g` with `BIAS_FIRST == false`, `x` with
/// `BIAS_FIRST == true` (in place, where the output is the second input). `op` is unary. Not
/// for the mask passes: [`Op::active`] sees only `x`, not the sum.
#[derive(Clone, Copy)]
pub(crate) struct BiasThen<O, const BIAS_FIRST: bool>(pub(crate) O);

impl<O, const BIAS_FIRST: bool> BiasThen<O, BIAS_FIRST> {
    /// `(z, b)` from the loop's `(x, g)`.
    #[inline(always)]
    fn order<V>(x: V, g: V) -> (V, V) {
        if BIAS_FIRST { (g, x) } else { (x, g) }
    }
}

impl<T: Float, O: Op<T>, const BIAS_FIRST: bool> Op<T> for BiasThen<O, BIAS_FIRST> {
    const BINARY: bool = true;
    const READS_OUT: bool = O::READS_OUT;
    const NEVER_NEGATIVE: bool = O::NEVER_NEGATIVE;
    type Cast<U: Float> = BiasThen<O::Cast<U>, BIAS_FIRST>;
    fn cast<U: Float>(self) -> Self::Cast<U> {
        BiasThen(self.0.cast())
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, old: T) -> T {
        let (z, b) = Self::order(x, g);
        let u = scalar::accumulate(b, z);
        self.0.scalar(u, u, old)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> V {
        let (z, b) = Self::order(x, g);
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let u = accumulate_lanes(b, z);
            self.0.lanes(u, u, old)
        }
    }
    #[inline(always)]
    unsafe fn lanes_signs<V: Vector<Elem = T>>(self, x: V, g: V, old: V) -> (V, V, V) {
        let (z, b) = Self::order(x, g);
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let u = accumulate_lanes(b, z);
            self.0.lanes_signs(u, u, old)
        }
    }
}

/// [`BiasThen`] with one bias for every element: `op(z + bias)`, `op` unary; not for the mask
/// passes either.
#[derive(Clone, Copy)]
pub(crate) struct BiasSplat<T, O> {
    pub(crate) op: O,
    pub(crate) bias: T,
}

impl<T: Float, O: Op<T>> Op<T> for BiasSplat<T, O> {
    const BINARY: bool = false;
    const READS_OUT: bool = O::READS_OUT;
    const NEVER_NEGATIVE: bool = O::NEVER_NEGATIVE;
    type Cast<U: Float> = BiasSplat<U, O::Cast<U>>;
    fn cast<U: Float>(self) -> Self::Cast<U> {
        BiasSplat {
            op: self.op.cast(),
            bias: convert(self.bias),
        }
    }
    #[inline(always)]
    fn scalar(self, x: T, _g: T, old: T) -> T {
        let u = scalar::accumulate(self.bias, x);
        self.op.scalar(u, u, old)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, _g: V, old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let u = accumulate_lanes(V::splat(self.bias), x);
            self.op.lanes(u, u, old)
        }
    }
    #[inline(always)]
    unsafe fn lanes_signs<V: Vector<Elem = T>>(self, x: V, _g: V, old: V) -> (V, V, V) {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let u = accumulate_lanes(V::splat(self.bias), x);
            self.op.lanes_signs(u, u, old)
        }
    }
}

/// The lane mask of the lanes of `a` that are zero, either sign (`a` is never NaN: a slope).
///
/// # Safety
/// The CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn zero_lanes<V: Vector>(a: V) -> V {
    // SAFETY: the caller proved V's ISA. `!(a < 0) & (a <= 0)`, two lane masks.
    unsafe { a.lt_zero().and_not(a.le_zero()) }
}

/// `a` where it is not zero, `+0.0` where it is (with `ZERO`; without, no slope is zero).
///
/// # Safety
/// The CPU supports `V`'s ISA.
#[inline(always)]
unsafe fn unless_zero<V: Vector, const ZERO: bool>(a: V, value: V) -> V {
    // SAFETY: the caller proved V's ISA.
    unsafe {
        if ZERO {
            zero_lanes(a).and_not(value)
        } else {
            value
        }
    }
}

/// `(x, slope)` from the loop's `(x, g)`: the slope is the second input, or with
/// `SLOPE_FIRST` (in place, where the values are the second input) the first.
#[inline(always)]
fn slope_order<V, const SLOPE_FIRST: bool>(x: V, g: V) -> (V, V) {
    if SLOPE_FIRST { (g, x) } else { (x, g) }
}

/// PReLU with a slope per element: leaky ReLU's forward pass at each element with its slope,
/// and ReLU's where the slope is zero. `ZERO` says that some slope may be zero; without it
/// none is, which spares two operations. The slope comes from the second input, or the first
/// with `SLOPE_FIRST`.
#[derive(Clone, Copy)]
pub(crate) struct PreluForward<const ZERO: bool, const SLOPE_FIRST: bool>;

impl<T: Float, const ZERO: bool, const SLOPE_FIRST: bool> Op<T>
    for PreluForward<ZERO, SLOPE_FIRST>
{
    const BINARY: bool = true;
    type Cast<U: Float> = Self;
    fn cast<U: Float>(self) -> Self {
        self
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        let (x, a) = slope_order::<_, SLOPE_FIRST>(x, g);
        // The scalar function is ReLU's at a zero slope.
        scalar::leaky_relu(x, a)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        let (x, a) = slope_order::<_, SLOPE_FIRST>(x, g);
        // SAFETY: the caller proved V's ISA.
        unsafe {
            // As Leaky; with a zero slope ReLU's `+0.0` also where `0 * -inf` is NaN.
            let negative = unless_zero::<_, ZERO>(a, a.mul_plus_zero(x));
            x.le_zero().select(negative, x)
        }
    }
}

/// The derivative of [`PreluForward`]: leaky ReLU's with each element's slope, ReLU's where
/// it is zero.
#[derive(Clone, Copy)]
pub(crate) struct PreluDerivative<const ZERO: bool, const SLOPE_FIRST: bool>;

impl<T: Float, const ZERO: bool, const SLOPE_FIRST: bool> Op<T>
    for PreluDerivative<ZERO, SLOPE_FIRST>
{
    const BINARY: bool = true;
    type Cast<U: Float> = Self;
    fn cast<U: Float>(self) -> Self {
        self
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        let (x, a) = slope_order::<_, SLOPE_FIRST>(x, g);
        scalar::leaky_relu_derivative(x, a)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        let (x, a) = slope_order::<_, SLOPE_FIRST>(x, g);
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let not_positive = x.le_zero().select(unless_zero::<_, ZERO>(a, a), x);
            x.gt_zero().select(V::splat(T::one()), not_positive)
        }
    }
}

/// The backward pass of [`PreluForward`], the slope read from the output's previous value
/// (the caller fills the output with the slopes): leaky ReLU's with each element's slope,
/// ReLU's where it is zero. From a mask too (`x` one or zero).
#[derive(Clone, Copy)]
pub(crate) struct PreluBackward<const ZERO: bool>;

impl<T: Float, const ZERO: bool> Op<T> for PreluBackward<ZERO> {
    const BINARY: bool = true;
    const READS_OUT: bool = true;
    type Cast<U: Float> = Self;
    fn cast<U: Float>(self) -> Self {
        self
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, a: T) -> T {
        scalar::leaky_relu_backward_one(x, a, g)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, a: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let negative = unless_zero::<_, ZERO>(a, a.mul(g));
            let not_positive = x.le_zero().select(negative, x);
            x.gt_zero().select(g, not_positive)
        }
    }
}

/// Each element's term of PReLU's slope gradient: `x * g` where `x <= 0`, `x` itself where it
/// is NaN (so that the channel's sum is that NaN), `-0.0`, which adds nothing, where `x > 0`.
#[derive(Clone, Copy)]
pub(crate) struct SlopeTerm;

impl SlopeTerm {
    /// The scalar rule.
    #[inline(always)]
    pub(crate) fn of<T: Float>(x: T, g: T) -> T {
        if x > T::zero() {
            -T::zero()
        } else if x <= T::zero() {
            x * g
        } else {
            x
        }
    }
}

impl<T: Float> Op<T> for SlopeTerm {
    const BINARY: bool = true;
    type Cast<U: Float> = SlopeTerm;
    fn cast<U: Float>(self) -> SlopeTerm {
        SlopeTerm
    }
    #[inline(always)]
    fn scalar(self, x: T, g: T, _old: T) -> T {
        SlopeTerm::of(x, g)
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, x: V, g: V, _old: V) -> V {
        // SAFETY: the caller proved V's ISA.
        unsafe {
            let not_positive = x.le_zero().select(x.mul(g), x);
            x.gt_zero().select(V::splat(-T::zero()), not_positive)
        }
    }
}

/// Each element's term of a bias gradient: the input gradient that the backward pass computes,
/// which [`PreluRows`](super::generic::PreluRows) passes to a term as its `old` value.
#[derive(Clone, Copy)]
pub(crate) struct GradTerm;

impl<T: Float> Op<T> for GradTerm {
    const BINARY: bool = true;
    type Cast<U: Float> = GradTerm;
    fn cast<U: Float>(self) -> GradTerm {
        GradTerm
    }
    #[inline(always)]
    fn scalar(self, _x: T, _g: T, old: T) -> T {
        old
    }
    #[inline(always)]
    unsafe fn lanes<V: Vector<Elem = T>>(self, _x: V, _g: V, old: V) -> V {
        old
    }
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
