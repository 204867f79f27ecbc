//! Every activation over `ndarray` arrays of any dimension and memory layout (feature
//! `ndarray`): [`ArrayActivation`].

use ndarray::{ArrayRef, ArrayView, ArrayView1, ArrayViewMut1, Axis, Dimension, Zip};
use num_traits::Float;

use crate::activation::{KernelMember, LaneOp};
use crate::arch::StridedLanes;
use crate::scalar::accumulate;
use crate::{Activation, ActivationStats};

/// The slice methods of [`Activation`] over `ndarray` arrays of any dimension and memory
/// layout, for every activation type (a blanket implementation; `PRelu`, which is not an
/// `Activation`, has a layout of its own). Arrays are taken as `&ArrayRef` and `&mut ArrayRef`,
/// which every owned array, view and shared array derefs to.
///
/// Each method gives, element by element, exactly what the slice method of the same name gives
/// (and so the scalar reference), whatever the layouts:
///
/// - arrays that are contiguous in the same memory order (C, F, any permutation of axes, or
///   reversed axes) are one slice each, passed to the slice method with no copy;
/// - otherwise the method runs lane by lane along the output's axis of the smallest stride:
///   lanes that are contiguous in every array are passed to the slice method as they are;
/// - for the crate's activation types, lanes that step by the same stride in every array
///   (every second column, a reversed axis) run in the SIMD kernels, all lanes in one call
///   where the other axes merge into one, where the CPU has fast masked loads and stores
///   (AVX-512 on x86-64, or AVX2 on CPUs other than AMD's and Hygon's, whose AVX2 masked
///   stores are slower than ndarray's loop), the elements are `f32` or `f64`, and the stride
///   is a power of two that leaves two elements or more to a vector (AVX-512 `f32`: 2, 4, 8):
///   the vectors read and
///   write the lanes' elements only, never the elements between them, which other views may
///   hold;
/// - other lanes (a stride of 3, a broadcast input with stride 0, different strides, other
///   activation types, other CPUs, axes that do not merge) run element by element through the
///   scalar methods (`at`, `derivative_at`, `backward_at`), which the slice methods equal, in
///   ndarray's strided loop: as fast as `mapv_inplace`, not faster.
///
/// Inputs may be broadcast views ([`broadcast`](ndarray::ArrayRef::broadcast)); the output
/// cannot. The 1-bit masks need one linear order of elements: take the slice of a contiguous
/// array with [`as_slice_memory_order`](ndarray::ArrayRef::as_slice_memory_order).
///
/// # Panics
///
/// Every method panics, before anything is written, if its arrays' shapes differ, naming the
/// method and both shapes.
///
/// # Examples
///
/// ```
/// use ndarray::{array, s, Array2, ShapeBuilder};
/// use rectify::{ArrayActivation, LeakyRelu, Relu};
///
/// // A transposed (F-order) batch: one slice, no copy.
/// let z = array![[-1.0_f32, 2.0], [3.0, -4.0]];
/// let mut y = Array2::zeros((2, 2).f());
/// Relu.forward_array(&z, &mut y);
/// assert_eq!(y, array![[0.0, 2.0], [3.0, 0.0]]);
///
/// // Every second column of an array, in place, lane by lane.
/// let mut a = array![[-1.0_f64, -2.0, -3.0], [4.0, -5.0, 6.0]];
/// LeakyRelu::new(0.5)?.forward_array_in_place(&mut a.slice_mut(s![.., ..;2]));
/// assert_eq!(a, array![[-0.5, -2.0, -1.5], [4.0, -5.0, 6.0]]);
/// # Ok::<(), rectify::ParamError>(())
/// ```
pub trait ArrayActivation<T: Float + 'static>: Activation<T> {
    /// [`Activation::forward`] over arrays: `output[i] = at(input[i])` at every index `i`.
    ///
    /// # Panics
    ///
    /// If the shapes differ, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use rectify::{ArrayActivation, Relu};
    /// let z = array![[-1.0_f32, 2.0], [3.0, -4.0]];
    /// let mut y = Array2::zeros((2, 2));
    /// Relu.forward_array(&z.t(), &mut y); // the transpose, as it is in memory
    /// assert_eq!(y, array![[0.0, 3.0], [2.0, 0.0]]);
    /// ```
    #[track_caller]
    fn forward_array<D: Dimension>(&self, input: &ArrayRef<T, D>, output: &mut ArrayRef<T, D>) {
        let (slices, element) = (
            |i: &[&[T]], o: &mut [T]| self.forward(i[0], o),
            |x, _, _| self.at(x),
        );
        walk(
            "forward_array",
            &[input],
            output,
            slices,
            element,
            kernel(self, LaneOp::Forward),
        );
    }

    /// [`Activation::forward_in_place`] over an array.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::array;
    /// use rectify::{ArrayActivation, Relu};
    /// let mut a = array![[-1.0_f32, 2.0], [3.0, -4.0]];
    /// Relu.forward_array_in_place(&mut a);
    /// assert_eq!(a, array![[0.0, 2.0], [3.0, 0.0]]);
    /// ```
    fn forward_array_in_place<D: Dimension>(&self, values: &mut ArrayRef<T, D>) {
        let (slices, element) = (
            |_: &[&[T]], v: &mut [T]| self.forward_in_place(v),
            |_, _, v| self.at(v),
        );
        walk(
            "forward_array_in_place",
            &[],
            values,
            slices,
            element,
            kernel(self, LaneOp::Forward),
        );
    }

    /// [`Activation::derivative`] over arrays.
    ///
    /// # Panics
    ///
    /// If the shapes differ, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use rectify::{ArrayActivation, Relu};
    /// let mut d = Array1::zeros(3);
    /// Relu.derivative_array(&array![-1.0_f32, 0.0, 2.0], &mut d);
    /// assert_eq!(d, array![0.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    fn derivative_array<D: Dimension>(&self, input: &ArrayRef<T, D>, output: &mut ArrayRef<T, D>) {
        let (slices, element) = (
            |i: &[&[T]], o: &mut [T]| self.derivative(i[0], o),
            |x, _, _| self.derivative_at(x),
        );
        walk(
            "derivative_array",
            &[input],
            output,
            slices,
            element,
            kernel(self, LaneOp::Derivative),
        );
    }

    /// [`Activation::derivative_in_place`] over an array.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::array;
    /// use rectify::{ArrayActivation, Relu};
    /// let mut a = array![-1.0_f32, 0.0, 2.0];
    /// Relu.derivative_array_in_place(&mut a);
    /// assert_eq!(a, array![0.0, 0.0, 1.0]);
    /// ```
    fn derivative_array_in_place<D: Dimension>(&self, values: &mut ArrayRef<T, D>) {
        let (slices, element) = (
            |_: &[&[T]], v: &mut [T]| self.derivative_in_place(v),
            |_, _, v| self.derivative_at(v),
        );
        walk(
            "derivative_array_in_place",
            &[],
            values,
            slices,
            element,
            kernel(self, LaneOp::Derivative),
        );
    }

    /// [`Activation::backward`] over arrays.
    ///
    /// # Panics
    ///
    /// If the shapes differ, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use rectify::{ArrayActivation, Relu};
    /// let mut grad_input = Array1::zeros(2);
    /// Relu.backward_array(&array![-1.0_f32, 2.0], &array![5.0, 5.0], &mut grad_input);
    /// assert_eq!(grad_input, array![0.0, 5.0]);
    /// ```
    #[track_caller]
    fn backward_array<D: Dimension>(
        &self,
        forward: &ArrayRef<T, D>,
        grad_output: &ArrayRef<T, D>,
        grad_input: &mut ArrayRef<T, D>,
    ) {
        let (slices, element) = (
            |i: &[&[T]], o: &mut [T]| self.backward(i[0], i[1], o),
            |x, g, _| self.backward_at(x, g),
        );
        walk(
            "backward_array",
            &[forward, grad_output],
            grad_input,
            slices,
            element,
            kernel(self, LaneOp::Backward),
        );
    }

    /// [`Activation::backward_in_place`] over arrays: `grad` becomes the input gradient.
    ///
    /// # Panics
    ///
    /// If the shapes differ, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::array;
    /// use rectify::{ArrayActivation, Relu};
    /// let mut grad = array![5.0_f32, 5.0];
    /// Relu.backward_array_in_place(&array![-1.0, 2.0], &mut grad);
    /// assert_eq!(grad, array![0.0, 5.0]);
    /// ```
    #[track_caller]
    fn backward_array_in_place<D: Dimension>(
        &self,
        forward: &ArrayRef<T, D>,
        grad: &mut ArrayRef<T, D>,
    ) {
        let (slices, element) = (
            |i: &[&[T]], g: &mut [T]| self.backward_in_place(i[0], g),
            |x, _, g| self.backward_at(x, g),
        );
        walk(
            "backward_array_in_place",
            &[forward],
            grad,
            slices,
            element,
            kernel(self, LaneOp::Backward),
        );
    }

    /// [`Activation::backward_accumulate`] over arrays: the input gradient is added to
    /// `grad_input`.
    ///
    /// # Panics
    ///
    /// If the shapes differ, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::array;
    /// use rectify::{ArrayActivation, Relu};
    /// let mut grad_input = array![1.0_f32, 1.0];
    /// Relu.backward_array_accumulate(&array![-1.0, 2.0], &array![5.0, 5.0], &mut grad_input);
    /// assert_eq!(grad_input, array![1.0, 6.0]);
    /// ```
    #[track_caller]
    fn backward_array_accumulate<D: Dimension>(
        &self,
        forward: &ArrayRef<T, D>,
        grad_output: &ArrayRef<T, D>,
        grad_input: &mut ArrayRef<T, D>,
    ) {
        let method = "backward_array_accumulate";
        let (slices, element) = (
            |i: &[&[T]], o: &mut [T]| self.backward_accumulate(i[0], i[1], o),
            |x, g, o| accumulate(o, self.backward_at(x, g)),
        );
        walk(
            method,
            &[forward, grad_output],
            grad_input,
            slices,
            element,
            kernel(self, LaneOp::BackwardAccumulate),
        );
    }

    /// [`Activation::forward_with_stats`] over arrays: the forward pass and its statistics.
    ///
    /// # Panics
    ///
    /// If the shapes differ, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use rectify::{ArrayActivation, Relu};
    /// let mut y = Array1::zeros(3);
    /// let stats = Relu.forward_array_with_stats(&array![-1.0_f32, 0.0, 2.0], &mut y);
    /// assert_eq!((stats.active, stats.zeros, stats.len), (1, 2, 3));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_array"]
    #[track_caller]
    fn forward_array_with_stats<D: Dimension>(
        &self,
        input: &ArrayRef<T, D>,
        output: &mut ArrayRef<T, D>,
    ) -> ActivationStats {
        let (slices, element) = (
            |i: &[&[T]], o: &mut [T]| self.forward_with_stats(i[0], o),
            |x, _, _| self.at(x),
        );
        walk(
            "forward_array_with_stats",
            &[input],
            output,
            slices,
            element,
            kernel(self, LaneOp::Forward),
        )
    }

    /// [`Activation::forward_in_place_with_stats`] over an array.
    ///
    /// # Examples
    ///
    /// ```
    /// use ndarray::array;
    /// use rectify::{ArrayActivation, Relu};
    /// let mut a = array![[-1.0_f32, 0.0], [2.0, f32::NAN]];
    /// let stats = Relu.forward_array_in_place_with_stats(&mut a.view_mut().reversed_axes());
    /// assert_eq!((stats.active, stats.zeros, stats.nans), (1, 2, 1));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_array_in_place"]
    fn forward_array_in_place_with_stats<D: Dimension>(
        &self,
        values: &mut ArrayRef<T, D>,
    ) -> ActivationStats {
        let (slices, element) = (
            |_: &[&[T]], v: &mut [T]| self.forward_in_place_with_stats(v),
            |_, _, v| self.at(v),
        );
        walk(
            "forward_array_in_place_with_stats",
            &[],
            values,
            slices,
            element,
            kernel(self, LaneOp::Forward),
        )
    }
}

impl<T: Float + 'static, A: Activation<T> + ?Sized> ArrayActivation<T> for A {}

/// What the pieces of a method return, added up: nothing, or the statistics.
trait Total: Default {
    fn add(&mut self, piece: Self);
    /// What a piece run element by element returns, from its outputs.
    fn of_outputs<T: Float, D: Dimension>(outputs: ArrayView<'_, T, D>) -> Self;
}

impl Total for () {
    fn add(&mut self, _: ()) {}
    fn of_outputs<T: Float, D: Dimension>(_: ArrayView<'_, T, D>) {}
}

impl Total for ActivationStats {
    fn add(&mut self, piece: ActivationStats) {
        *self += piece;
    }
    fn of_outputs<T: Float, D: Dimension>(outputs: ArrayView<'_, T, D>) -> ActivationStats {
        let mut stats = ActivationStats::default();
        Zip::from(outputs).for_each(|&y| stats.count(y));
        stats
    }
}

/// A crate type's operation for strided lanes ([`strided_lanes`]): `None` for other types.
fn kernel<T: Float + 'static, A: Activation<T> + ?Sized>(
    act: &A,
    op: LaneOp,
) -> Option<(KernelMember<T>, LaneOp)> {
    act.kernel_member().map(|member| (member, op))
}

/// The one place for the array layout policy: runs `f(inputs, output)` over pieces of the
/// arrays that hold the same indices, adding up what it returns. `output` holds its current
/// values when `f` is called (the in-place and accumulating methods read them). Strided lanes
/// run in the kernels with `kernel` ([`strided_lanes`]), the same operation as `f`'s and
/// `e`'s, where it is given.
#[track_caller]
fn walk<T, D, R>(
    method: &str,
    inputs: &[&ArrayRef<T, D>],
    output: &mut ArrayRef<T, D>,
    mut f: impl FnMut(&[&[T]], &mut [T]) -> R,
    e: impl Fn(T, T, T) -> T,
    kernel: Option<(KernelMember<T>, LaneOp)>,
) -> R
where
    T: Float + 'static,
    D: Dimension,
    R: Total,
{
    for input in inputs {
        if input.shape() != output.shape() {
            shape_mismatch(method, input.shape(), output.shape());
        }
    }
    // Contiguous in the same memory order: one slice each.
    let same_order = inputs.iter().all(|a| a.strides() == output.strides());
    if same_order {
        let slices: Option<[&[T]; 2]> = match inputs {
            [] => Some([&[], &[]]),
            [a] => a.as_slice_memory_order().map(|a| [a, &[]]),
            [a, b] => a
                .as_slice_memory_order()
                .zip(b.as_slice_memory_order())
                .map(|(a, b)| [a, b]),
            _ => unreachable!("at most two inputs"),
        };
        if let (Some(slices), Some(out)) = (slices, output.as_slice_memory_order_mut()) {
            return f(&slices[..inputs.len()], out);
        }
    }
    // Lane by lane along the output's axis of the smallest stride.
    let axis = (0..output.ndim())
        .filter(|&k| output.len_of(Axis(k)) > 1)
        .min_by_key(|&k| output.strides()[k].unsigned_abs())
        .unwrap_or(0);
    if let Some((member, op)) = kernel
        && let Some(lanes) = strided_lanes(inputs, output, axis)
        && member.strided(op, lanes)
    {
        return R::of_outputs(output.view());
    }
    let mut total = R::default();
    let mut lane = |ins: &[ArrayView1<'_, T>], out: ArrayViewMut1<'_, T>| {
        total.add(run_lane(ins, out, &mut f, &e));
    };
    let (axis, out_lanes) = (Axis(axis), output.lanes_mut(Axis(axis)));
    match inputs {
        [] => Zip::from(out_lanes).for_each(|o| lane(&[], o)),
        [a] => Zip::from(out_lanes)
            .and(a.lanes(axis))
            .for_each(|o, a| lane(&[a], o)),
        [a, b] => Zip::from(out_lanes)
            .and(a.lanes(axis))
            .and(b.lanes(axis))
            .for_each(|o, a, b| lane(&[a, b], o)),
        _ => unreachable!("at most two inputs"),
    }
    total
}

/// One lane: as slices where every array's lane is contiguous, else element by element
/// through `e(first input, second input, output)` (the scalar methods, which the slice methods
/// equal), in Zip's strided loop. Gathering a strided lane into a tile for the kernels and
/// scattering it back measured 2.5-4x slower than ndarray's `mapv_inplace` on every second
/// column.
fn run_lane<T: Float, R: Total>(
    ins: &[ArrayView1<'_, T>],
    mut out: ArrayViewMut1<'_, T>,
    f: &mut impl FnMut(&[&[T]], &mut [T]) -> R,
    e: &impl Fn(T, T, T) -> T,
) -> R {
    let contiguous: Option<[&[T]; 2]> = match ins {
        [] => Some([&[], &[]]),
        [a] => a.as_slice().map(|a| [a, &[]]),
        [a, b] => a.as_slice().zip(b.as_slice()).map(|(a, b)| [a, b]),
        _ => unreachable!("at most two inputs"),
    };
    if let (Some(slices), Some(o)) = (contiguous, out.as_slice_mut()) {
        return f(&slices[..ins.len()], o);
    }
    let zero = T::zero();
    match ins {
        [] => Zip::from(&mut out).for_each(|o| *o = e(zero, zero, *o)),
        [a] => Zip::from(&mut out)
            .and(a)
            .for_each(|o, &a| *o = e(a, zero, *o)),
        [a, b] => Zip::from(&mut out)
            .and(a)
            .and(b)
            .for_each(|o, &a, &b| *o = e(a, b, *o)),
        _ => unreachable!("at most two inputs"),
    }
    R::of_outputs(out.view())
}

/// The arrays' lanes along `axis` as the kernels' strided loop takes them, all in one call,
/// where every array steps along `axis` by the same stride, other than 0 and 1 (contiguous
/// lanes are slices), and the other axes merge into one in every array
/// ([`merge_axes`](ndarray::ArrayRef::merge_axes), which keeps the order of the elements
/// alike in all): each lane from its element of lowest address, the last where the stride is
/// negative (the order does not matter elementwise), the first input (else the output) as
/// `x`, the second (else the output) as `g`, which puts the output where the in-place methods
/// read it.
fn strided_lanes<'a, T, D: Dimension>(
    inputs: &[&'a ArrayRef<T, D>],
    output: &'a mut ArrayRef<T, D>,
    axis: usize,
) -> Option<StridedLanes<'a, T>> {
    let stride = output.strides()[axis];
    if matches!(stride, 0 | 1) || inputs.iter().any(|a| a.strides()[axis] != stride) {
        return None;
    }
    let (len, ndim) = (output.len_of(Axis(axis)), output.ndim());
    let mut out = output.view_mut();
    let mut ins = [0, 1].map(|k| inputs.get(k).map(|a| a.view()));
    // Merge every other axis into the other axis of highest index, innermost first.
    let into = (0..ndim).rev().find(|&k| k != axis);
    if let Some(into) = into {
        for take in (0..into).rev().filter(|&k| k != axis) {
            let (take, into) = (Axis(take), Axis(into));
            let mut merged = out.merge_axes(take, into);
            for a in ins.iter_mut().flatten() {
                merged &= a.merge_axes(take, into);
            }
            if !merged {
                return None;
            }
        }
    }
    let rows = into.map_or(1, |k| out.len_of(Axis(k)));
    let step = |strides: &[isize]| into.map_or(0, |k| strides[k]);
    let low = if stride < 0 {
        len.saturating_sub(1) as isize * stride
    } else {
        0
    };
    let out_steps = step(out.strides());
    let out_low = out.as_mut_ptr().wrapping_offset(low);
    let input = |k: usize| {
        ins[k]
            .as_ref()
            .map_or((out_low.cast_const(), out_steps), |a| {
                (a.as_ptr().wrapping_offset(low), step(a.strides()))
            })
    };
    let ((x, x_steps), (g, g_steps)) = (input(0), input(1));
    let steps = [x_steps, g_steps, out_steps];
    // SAFETY: each view holds, for every index of the merged axis `r` and along `axis` `k`,
    // the element `r * (its step) + k * stride` from its first element, so from its lane's
    // element of lowest address `k * |stride|` on, the elements of the output distinct; the
    // lanes live no longer than the borrows of the arrays, `output`'s exclusive, and an input
    // is an array apart from `output` (Rust's borrows), or `output` itself.
    Some(unsafe { StridedLanes::new([x, g], out_low, (len, stride.unsigned_abs()), (rows, steps)) })
}

#[cold]
#[inline(never)]
#[track_caller]
fn shape_mismatch(method: &str, a: &[usize], b: &[usize]) -> ! {
    panic!("rectify: {method}: the arrays' shapes {a:?} and {b:?} differ; they must be equal")
}

/// The strided lanes through the kernels' masked loop, from the views' pointers: the tests
/// that Miri runs on it (tests/api's cover every layout and method natively). Every second
/// column and a reversed axis, in place and with two inputs; the other columns untouched.
#[cfg(test)]
mod tests {
    extern crate std;

    use ndarray::{Array2, s};
    use std::vec::Vec;

    use super::ArrayActivation;
    use crate::{Activation, LeakyRelu, Relu};

    /// A 4 x 40 array of distinct values of both signs.
    fn values(seed: f32) -> Array2<f32> {
        Array2::from_shape_fn((4, 40), |(r, c)| {
            let v = (r * 40 + c) as f32 + seed;
            if (r + c) % 3 == 0 { -v } else { v }
        })
    }

    fn bits(a: &Array2<f32>) -> Vec<u32> {
        a.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn strided_lanes_in_place_and_with_inputs() {
        let leaky = LeakyRelu::new(0.25_f32).unwrap();
        let (x, g) = (values(0.5), values(0.25));
        for step in [2_isize, -1, -2, 4] {
            // Forward in place on the view; the elements outside it keep their values.
            let mut got = x.clone();
            leaky.forward_array_in_place(&mut got.slice_mut(s![.., ..;step]));
            let mut want = x.clone();
            want.slice_mut(s![.., ..;step])
                .mapv_inplace(|v| leaky.at(v));
            assert_eq!(bits(&got), bits(&want), "forward in place, step {step}");

            // Backward with both inputs strided alike, accumulating into a strided output.
            let mut got = values(1.0);
            Relu.backward_array_accumulate(
                &x.slice(s![.., ..;step]),
                &g.slice(s![.., ..;step]),
                &mut got.slice_mut(s![.., ..;step]),
            );
            let mut want = values(1.0);
            ndarray::Zip::from(want.slice_mut(s![.., ..;step]))
                .and(x.slice(s![.., ..;step]))
                .and(g.slice(s![.., ..;step]))
                .for_each(|o, &x, &g| *o += Relu.backward_at(x, g));
            assert_eq!(bits(&got), bits(&want), "accumulate, step {step}");
        }
    }
}
