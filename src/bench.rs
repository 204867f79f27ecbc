//! Reference loops for the benchmarks and `examples/throughput.rs`. Not part of the API: hidden
//! from the docs and free to change in any release.

use num_traits::Float;

use crate::arch::reference::{Copy, Negate, Sum};
use crate::arch::{Accumulate, Io, Kernel, Op, Plan, elementwise};
use crate::slice::check_len;

/// Runs a reference `op` with the selected kernel (also for short slices), with streaming
/// stores forced on or off.
fn apply<T: Float + 'static, O: Op<T>>(op: O, io: Io<'_, T>, stream: bool) {
    elementwise(op, io, Plan::Forced(Kernel::selected(), stream));
}

/// `dst.copy_from_slice(src)` on rectify's kernel loop, with ordinary or streaming stores.
///
/// # Panics
///
/// If the lengths differ.
///
/// # Examples
///
/// ```
/// let mut dst = [0.0_f32; 3];
/// rectify::__bench::copy(&[1.0, -2.0, 3.0], &mut dst, false);
/// assert_eq!(dst, [1.0, -2.0, 3.0]);
/// ```
pub fn copy<T: Float + 'static>(src: &[T], dst: &mut [T], streaming: bool) {
    check_len("__bench::copy", "src", src.len(), "dst", dst.len());
    apply(Copy, Io::Map { src, dst }, streaming);
}

/// `*v = -*v` for each element, on rectify's kernel loop: the in-place reference.
///
/// # Examples
///
/// ```
/// let mut v = [1.0_f32, -2.0];
/// rectify::__bench::negate_in_place(&mut v);
/// assert_eq!(v, [-1.0, 2.0]);
/// ```
pub fn negate_in_place<T: Float + 'static>(values: &mut [T]) {
    apply(Negate, Io::InPlace(values), false);
}

/// `out[i] = a[i] + b[i]` on rectify's kernel loop: the two-input reference.
///
/// # Panics
///
/// If the lengths differ.
///
/// # Examples
///
/// ```
/// let mut out = [0.0_f32; 2];
/// rectify::__bench::sum(&[1.0, 2.0], &[3.0, 4.0], &mut out, false);
/// assert_eq!(out, [4.0, 6.0]);
/// ```
pub fn sum<T: Float + 'static>(a: &[T], b: &[T], out: &mut [T], streaming: bool) {
    check_len("__bench::sum", "a", a.len(), "b", b.len());
    check_len("__bench::sum", "a", a.len(), "out", out.len());
    apply(
        Sum,
        Io::Zip {
            fwd: a,
            grad: b,
            dst: out,
        },
        streaming,
    );
}

/// `b[i] += a[i]` on rectify's kernel loop: the two-input in-place reference.
///
/// # Panics
///
/// If the lengths differ.
///
/// # Examples
///
/// ```
/// let mut b = [3.0_f32, 4.0];
/// rectify::__bench::sum_in_place(&[1.0, 2.0], &mut b);
/// assert_eq!(b, [4.0, 6.0]);
/// ```
pub fn sum_in_place<T: Float + 'static>(a: &[T], b: &mut [T]) {
    check_len("__bench::sum_in_place", "a", a.len(), "b", b.len());
    apply(Sum, Io::ZipInPlace { fwd: a, grad: b }, false);
}

/// `acc[i] += a[i] + b[i]` on rectify's kernel loop: the reference for the accumulating
/// backward passes (three reads, one write).
///
/// # Panics
///
/// If the lengths differ.
///
/// # Examples
///
/// ```
/// let mut acc = [1.0_f32, 1.0];
/// rectify::__bench::sum_accumulate(&[1.0, 2.0], &[3.0, 4.0], &mut acc);
/// assert_eq!(acc, [5.0, 7.0]);
/// ```
pub fn sum_accumulate<T: Float + 'static>(a: &[T], b: &[T], acc: &mut [T]) {
    check_len("__bench::sum_accumulate", "a", a.len(), "b", b.len());
    check_len("__bench::sum_accumulate", "a", a.len(), "acc", acc.len());
    apply(
        Accumulate(Sum),
        Io::Accumulate {
            fwd: a,
            grad: b,
            acc,
        },
        false,
    );
}
