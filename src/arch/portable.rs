//! The portable kernel: a plain loop over the scalar reference, for every `Float` type and target.
//! It is also the short-slice path, inlined at the call site before any dispatch.

use num_traits::Float;

use super::generic::{Counts, Tally};
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
/// counts what it writes: greater than zero, exactly zero, NaN.
#[inline(always)]
pub(crate) fn forward_counted<T: Float, O: Op<T>>(op: O, io: Io<'_, T>) -> Counts {
    let mut counts = [0; 3];
    let mut each = |x: T| {
        let y = op.scalar(x, x, x);
        // SAFETY: counting has no obligations.
        unsafe { counts.one(x, y) };
        y
    };
    match io {
        Io::Map { src, dst } => {
            for (o, &x) in dst.iter_mut().zip(src) {
                *o = each(x);
            }
        }
        Io::InPlace(values) => {
            for v in values {
                *v = each(*v);
            }
        }
        _ => unreachable!("a counted pass is a forward pass"),
    }
    counts
}
