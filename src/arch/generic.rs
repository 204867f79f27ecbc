//! The one kernel loop, generic over a [`Vector`] of lanes and an [`Op`].

use core::mem::size_of;
use core::ptr;

use num_traits::Float;

use super::{Op, Vector};

/// Elements per iteration of the main loop: four vectors, enough independent work to hide
/// the latency of loads and compares.
const UNROLL: usize = 4;

/// Applies `op` to one element with the scalar reference.
///
/// # Safety
/// `x`, `g` are valid for reading and `out` for writing one element.
#[inline(always)]
unsafe fn one<T: Float, O: Op<T>>(op: O, x: *const T, g: *const T, out: *mut T) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let xv = ptr::read(x);
        let gv = if O::BINARY { ptr::read(g) } else { xv };
        let old = if O::READS_OUT { ptr::read(out) } else { xv };
        ptr::write(out, op.scalar(xv, gv, old));
    }
}

/// Applies `op` to `len` elements with the scalar reference, one at a time.
///
/// # Safety
/// `x` and `g` are valid for reading and `out` for reading and writing `len` elements; `x` or `g` may be
/// `out` itself, but the buffers do not otherwise overlap.
#[inline(always)]
pub(super) unsafe fn scalar_loop<T: Float, O: Op<T>>(
    op: O,
    x: *const T,
    g: *const T,
    out: *mut T,
    len: usize,
) {
    for i in 0..len {
        // SAFETY: i < len, and the caller guarantees `len` valid elements.
        unsafe { one(op, x.add(i), g.add(i), out.add(i)) }
    }
}

/// Applies `op` to `len` elements with vectors of type `V`: four vectors at a time, then one,
/// then a scalar tail. With `stream`, a scalar head first aligns `out` to a vector, the stores
/// bypass the cache, and a fence ends the call.
///
/// # Safety
/// The CPU supports `V`'s ISA; `x` and `g` are valid for reading and `out` for writing `len`
/// elements; `x` or `g` may be `out` itself, but the buffers do not otherwise overlap.
#[inline(always)]
pub(super) unsafe fn run<V: Vector, O: Op<V::Elem>>(
    op: O,
    x: *const V::Elem,
    g: *const V::Elem,
    out: *mut V::Elem,
    len: usize,
    stream: bool,
) {
    // SAFETY: forwarded from the caller.
    unsafe {
        if stream {
            run_stores::<V, O, true>(op, x, g, out, len);
            V::fence();
        } else {
            run_stores::<V, O, false>(op, x, g, out, len);
        }
    }
}

/// [`run`] with the store kind fixed at compile time.
///
/// # Safety
/// As for [`run`].
#[inline(always)]
unsafe fn run_stores<V: Vector, O: Op<V::Elem>, const STREAM: bool>(
    op: O,
    x: *const V::Elem,
    g: *const V::Elem,
    out: *mut V::Elem,
    len: usize,
) {
    let lanes = V::LANES;
    // Streaming stores need `out` aligned to a vector: a scalar head reaches the first such
    // element. Ordinary stores need no alignment, and short slices are better off without a
    // head of up to `LANES - 1` scalar steps.
    let head = if STREAM {
        out.align_offset(size_of::<V>()).min(len)
    } else {
        0
    };
    // SAFETY: head <= len.
    unsafe { scalar_loop(op, x, g, out, head) };
    let mut i = head;

    // With STREAM, `out.add(i)` is aligned to `size_of::<V>()` from here on.
    while i + UNROLL * lanes <= len {
        for k in 0..UNROLL {
            let j = i + k * lanes;
            // SAFETY: j + LANES <= i + UNROLL * LANES <= len; the ISA is the caller's.
            unsafe { vector::<V, O, STREAM>(op, x.add(j), g.add(j), out.add(j)) };
        }
        i += UNROLL * lanes;
    }
    while i + lanes <= len {
        // SAFETY: i + LANES <= len; the ISA is the caller's.
        unsafe { vector::<V, O, STREAM>(op, x.add(i), g.add(i), out.add(i)) };
        i += lanes;
    }
    // SAFETY: i <= len.
    unsafe { scalar_loop(op, x.add(i), g.add(i), out.add(i), len - i) };
}

/// Applies `op` to the `LANES` elements at the pointers.
///
/// # Safety
/// The CPU supports `V`'s ISA; the pointers are valid for `LANES` elements; with `STREAM`,
/// `out` is aligned to `size_of::<V>()` and the caller fences before returning.
#[inline(always)]
unsafe fn vector<V: Vector, O: Op<V::Elem>, const STREAM: bool>(
    op: O,
    x: *const V::Elem,
    g: *const V::Elem,
    out: *mut V::Elem,
) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        let xv = V::load(x);
        let gv = if O::BINARY { V::load(g) } else { xv };
        let old = if O::READS_OUT { V::load(out) } else { xv };
        let result = op.lanes(xv, gv, old);
        if STREAM {
            result.stream(out);
        } else {
            result.store(out);
        }
    }
}
