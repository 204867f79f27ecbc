//! Activation statistics: counts taken in the same pass as the forward kernels, and the
//! sparsity of activations a user already has.

use num_traits::Float;

use crate::arch::{self, Io, Op};

/// What one forward pass produced: how many outputs were active (greater than zero), exactly
/// zero, and NaN.
///
/// Outputs that are none of these are negative (leaky ReLU with a nonzero slope); there are
/// `len - active - zeros - nans` of them.
///
/// # Examples
///
/// ```
/// let mut values = [-1.0_f32, 0.0, 2.0, f32::NAN];
/// let stats = rectify::relu_in_place_with_stats(&mut values);
/// assert_eq!((stats.active, stats.zeros, stats.nans, stats.len), (1, 2, 1, 4));
/// assert_eq!(stats.sparsity(), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActivationStats {
    /// Outputs greater than zero.
    pub active: usize,
    /// Outputs equal to zero (ReLU's outputs are never `-0.0`).
    pub zeros: usize,
    /// NaN outputs, one for each NaN input: a NaN that reached the forward pass.
    pub nans: usize,
    /// Elements in the pass.
    pub len: usize,
}

impl ActivationStats {
    /// The fraction of outputs that are exactly zero, the representational sparsity; `0.0` for
    /// an empty pass.
    ///
    /// # Examples
    ///
    /// ```
    /// let stats = rectify::ActivationStats { active: 1, zeros: 3, nans: 0, len: 4 };
    /// assert_eq!(stats.sparsity(), 0.75);
    /// ```
    pub fn sparsity(&self) -> f64 {
        fraction(self.zeros, self.len)
    }

    /// The fraction of outputs that are greater than zero; `0.0` for an empty pass.
    ///
    /// # Examples
    ///
    /// ```
    /// let stats = rectify::ActivationStats { active: 1, zeros: 3, nans: 0, len: 4 };
    /// assert_eq!(stats.active_fraction(), 0.25);
    /// ```
    pub fn active_fraction(&self) -> f64 {
        fraction(self.active, self.len)
    }
}

impl core::ops::AddAssign for ActivationStats {
    /// Adds the counts of another pass, as when a layer is processed in parts.
    fn add_assign(&mut self, other: ActivationStats) {
        self.active += other.active;
        self.zeros += other.zeros;
        self.nans += other.nans;
        self.len += other.len;
    }
}

fn fraction(part: usize, len: usize) -> f64 {
    if len == 0 {
        0.0
    } else {
        part as f64 / len as f64
    }
}

/// The fraction of `values` that are exactly zero (`+0.0` or `-0.0`): the sparsity of
/// activations already computed. `0.0` for an empty slice; NaN counts as not zero.
///
/// # Examples
///
/// ```
/// assert_eq!(rectify::sparsity(&[0.0_f32, 1.0, 0.0, 3.0]), 0.5);
/// assert_eq!(rectify::sparsity::<f64>(&[]), 0.0);
/// ```
pub fn sparsity<T: Float>(values: &[T]) -> f64 {
    let zeros = values.iter().filter(|&&v| v == T::zero()).count();
    fraction(zeros, values.len())
}

/// Runs the forward operation `op` over `input` into `output` (or over `output` in place when
/// `input` is `None`) and returns the statistics of what it wrote. The kernel counts each
/// result as it stores it, in vector registers: one pass, nothing read twice. Streaming stores
/// are chosen as for the plain forward pass. Lengths are checked by the caller.
#[inline(always)]
pub(crate) fn forward_with_stats<T: Float + 'static, O: Op<T>>(
    op: O,
    input: Option<&[T]>,
    output: &mut [T],
) -> ActivationStats {
    let len = output.len();
    let stream = input.is_some() && arch::should_stream::<T, O>(len);
    let io = match input {
        Some(src) => Io::Map { src, dst: output },
        None => Io::InPlace(output),
    };
    let [active, zeros, nans] = arch::forward_counted_selected(op, io, stream);
    ActivationStats {
        active,
        zeros,
        nans,
        len,
    }
}
