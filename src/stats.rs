//! Activation statistics: counts taken in the same pass as the forward kernels, and the
//! sparsity of activations a user already has.

use num_traits::Float;

/// What one forward pass produced: how many outputs were active (greater than zero), exactly
/// zero, and NaN.
///
/// Outputs that are none of these are negative (leaky ReLU with a nonzero slope, a clip
/// with a negative bound); there are `len - active - zeros - nans` of them.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, Relu};
///
/// let mut values = [-1.0_f32, 0.0, 2.0, f32::NAN];
/// let stats = Relu.forward_in_place_with_stats(&mut values);
/// assert_eq!((stats.active, stats.zeros, stats.nans, stats.len), (1, 2, 1, 4));
/// assert_eq!(stats.sparsity(), 0.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActivationStats {
    /// Outputs greater than zero.
    pub active: usize,
    /// Outputs equal to zero, `+0.0` or `-0.0`.
    pub zeros: usize,
    /// NaN outputs, one for each NaN input: a NaN that reached the forward pass.
    pub nans: usize,
    /// Elements in the pass.
    pub len: usize,
}

impl ActivationStats {
    /// The statistics of outputs already written, counted one at a time.
    pub(crate) fn of<T: Float>(values: &[T]) -> ActivationStats {
        let mut stats = ActivationStats::default();
        values.iter().for_each(|&y| stats.count(y));
        stats
    }

    /// Counts one more output `y`.
    #[inline]
    pub(crate) fn count<T: Float>(&mut self, y: T) {
        self.active += usize::from(y > T::zero());
        self.zeros += usize::from(y == T::zero());
        self.nans += usize::from(y.is_nan());
        self.len += 1;
    }

    /// The fraction of outputs that are exactly zero, the representational sparsity; `0.0` for
    /// an empty pass.
    ///
    /// # Examples
    ///
    /// ```
    /// let stats = rectify::ActivationStats { active: 1, zeros: 3, nans: 0, len: 4 };
    /// assert_eq!(stats.sparsity(), 0.75);
    /// ```
    #[must_use]
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
    #[must_use]
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
#[must_use]
pub fn sparsity<T: Float>(values: &[T]) -> f64 {
    let zeros = values.iter().filter(|&&v| v == T::zero()).count();
    fraction(zeros, values.len())
}
