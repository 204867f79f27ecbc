//! Every activation over `ndarray` arrays of any dimension and memory layout (feature
//! `ndarray`): [`ArrayActivation`].

use ndarray::{s, ArrayRef, ArrayView1, ArrayViewMut1, Axis, Dimension, Zip};
use num_traits::Float;

use crate::{Activation, ActivationStats};

/// Elements of a strided lane gathered at a time, on the stack.
const TILE: usize = 256;

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
///   lanes that are contiguous in every array are passed as they are, other lanes (every
///   second column, a reversed axis, a broadcast input with stride 0) are gathered into tiles
///   of 256 elements on the stack, run, and the output tile scattered back.
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
        walk("forward_array", &[input], output, |i, o| {
            self.forward(i[0], o)
        });
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
        walk("forward_array_in_place", &[], values, |_, v| {
            self.forward_in_place(v)
        });
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
        walk("derivative_array", &[input], output, |i, o| {
            self.derivative(i[0], o)
        });
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
        walk("derivative_array_in_place", &[], values, |_, v| {
            self.derivative_in_place(v)
        });
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
        walk(
            "backward_array",
            &[forward, grad_output],
            grad_input,
            |i, o| self.backward(i[0], i[1], o),
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
        walk("backward_array_in_place", &[forward], grad, |i, g| {
            self.backward_in_place(i[0], g)
        });
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
        walk(method, &[forward, grad_output], grad_input, |i, o| {
            self.backward_accumulate(i[0], i[1], o)
        });
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
        walk("forward_array_with_stats", &[input], output, |i, o| {
            self.forward_with_stats(i[0], o)
        })
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
        walk("forward_array_in_place_with_stats", &[], values, |_, v| {
            self.forward_in_place_with_stats(v)
        })
    }
}

impl<T: Float + 'static, A: Activation<T> + ?Sized> ArrayActivation<T> for A {}

/// What the pieces of a method return, added up: nothing, or the statistics.
trait Total: Default {
    fn add(&mut self, piece: Self);
}

impl Total for () {
    fn add(&mut self, _: ()) {}
}

impl Total for ActivationStats {
    fn add(&mut self, piece: ActivationStats) {
        *self += piece;
    }
}

/// The one place for the array layout policy: runs `f(inputs, output)` over pieces of the
/// arrays that hold the same indices, adding up what it returns. `output` holds its current
/// values when `f` is called (the in-place and accumulating methods read them).
#[track_caller]
fn walk<T, D, R>(
    method: &str,
    inputs: &[&ArrayRef<T, D>],
    output: &mut ArrayRef<T, D>,
    mut f: impl FnMut(&[&[T]], &mut [T]) -> R,
) -> R
where
    T: Float,
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
    let mut total = R::default();
    let mut lane = |ins: &[ArrayView1<'_, T>], out: ArrayViewMut1<'_, T>| {
        total.add(run_lane(ins, out, &mut f));
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

/// One lane: as slices where every array's lane is contiguous, else gathered into tiles of
/// [`TILE`] elements, run, and the output scattered back.
fn run_lane<T: Float, R: Total>(
    ins: &[ArrayView1<'_, T>],
    mut out: ArrayViewMut1<'_, T>,
    f: &mut impl FnMut(&[&[T]], &mut [T]) -> R,
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
    let mut total = R::default();
    let mut tiles = [[T::zero(); TILE]; 2];
    let mut out_tile = [T::zero(); TILE];
    for start in (0..out.len()).step_by(TILE) {
        let n = TILE.min(out.len() - start);
        let piece = s![start..start + n];
        for (tile, lane) in tiles.iter_mut().zip(ins) {
            gather(lane.slice(piece).iter(), &mut tile[..n]);
        }
        let mut out_piece = out.slice_mut(piece);
        gather(out_piece.iter(), &mut out_tile[..n]);
        let [a, b] = &tiles;
        let slices = [&a[..n], &b[..n]];
        total.add(f(&slices[..ins.len()], &mut out_tile[..n]));
        for (o, &v) in out_piece.iter_mut().zip(&out_tile[..n]) {
            *o = v;
        }
    }
    total
}

fn gather<'a, T: Copy + 'a>(from: impl Iterator<Item = &'a T>, to: &mut [T]) {
    for (t, &v) in to.iter_mut().zip(from) {
        *t = v;
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn shape_mismatch(method: &str, a: &[usize], b: &[usize]) -> ! {
    panic!("rectify: {method}: the arrays' shapes {a:?} and {b:?} differ; they must be equal")
}
