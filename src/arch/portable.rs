//! The portable kernel: a plain loop over the scalar reference, for every `Float` type and target.
//! It is also the short-slice path, inlined at the call site before any dispatch.

use core::mem::size_of;
use core::ops::AddAssign;

use num_traits::Float;

use super::generic::Counts;
use super::{Io, Op};

/// Runs `op` over `io` one element at a time (the compiler may vectorise it).
#[inline(always)]
pub(crate) fn apply<T: Float, O: Op<T>>(op: O, io: Io<'_, T>) {
    match io {
        Io::Map { src, dst } => {
            for (o, &x) in dst.iter_mut().zip(src) {
                *o = op.scalar(x, x, x);
            }
        }
        Io::InPlace(values) => {
            for v in values {
                *v = op.scalar(*v, *v, *v);
            }
        }
        Io::Zip { fwd, grad, dst } => {
            for ((o, &x), &g) in dst.iter_mut().zip(fwd).zip(grad) {
                *o = op.scalar(x, g, x);
            }
        }
        Io::ZipInPlace { fwd, grad } => {
            for (g, &x) in grad.iter_mut().zip(fwd) {
                *g = op.scalar(x, *g, *g);
            }
        }
        Io::Accumulate { fwd, grad, acc } => {
            for ((a, &x), &g) in acc.iter_mut().zip(fwd).zip(grad) {
                *a = op.scalar(x, g, *a);
            }
        }
    }
}

/// Runs the forward operation `op` over `io` (`Map` or `InPlace`) one element at a time, and
/// counts what it wrote: greater than zero, exactly zero, NaN. The short-slice path: the plain
/// loop, then a count over its output while it is still in L1. Each loop is branch-free and
/// the compiler vectorises it; one loop doing both would not be.
#[inline(always)]
pub(crate) fn forward_counted<T: Float, O: Op<T>>(op: O, io: Io<'_, T>) -> Counts {
    let written: &[T] = match io {
        Io::Map { src, dst } => {
            for (o, &x) in dst.iter_mut().zip(src) {
                *o = op.scalar(x, x, x);
            }
            dst
        }
        Io::InPlace(values) => {
            for v in values.iter_mut() {
                *v = op.scalar(*v, *v, *v);
            }
            values
        }
        _ => unreachable!("a counted pass is a forward pass"),
    };
    let [zeros, nans, negative] = if size_of::<T>() == 8 {
        count::<T, u64>(written, !O::NEVER_NEGATIVE)
    } else {
        count::<T, u32>(written, !O::NEVER_NEGATIVE)
    };
    [written.len() - zeros - nans - negative, zeros, nans]
}

/// How many of `values` are zero, NaN, and (with `negative`) less than zero. The counters
/// are `C`, as wide as `T`'s lanes, which the compiler then counts with one subtract each; the
/// caller passes a short slice, which they hold.
#[inline(always)]
fn count<T: Float, C: From<bool> + AddAssign + Into<u64> + Default>(
    values: &[T],
    negative: bool,
) -> [usize; 3] {
    debug_assert!(values.len() <= u32::MAX as usize);
    let mut counts = [C::default(), C::default(), C::default()];
    for &y in values {
        counts[0] += C::from(y == T::zero());
        counts[1] += C::from(y.is_nan());
        if negative {
            counts[2] += C::from(y < T::zero());
        }
    }
    counts.map(|c| c.into() as usize)
}
