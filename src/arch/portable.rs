//! The portable kernel: a plain loop over the scalar reference, for every `Float` type and target.
//! It is also the short-slice path, inlined at the call site before any dispatch.

use num_traits::Float;

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
