//! The dying-ReLU diagnostic: which units of a layer have stopped firing.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use num_traits::Float;

/// Tracks, unit by unit, how often the neurons of one layer are active (output `> 0`), over the
/// batches of activations it is shown, to find units that have died: never active since the
/// last [`reset`](DeadUnitTracker::reset).
///
/// Feed it each batch's activations as a row-major `[batch x units]` slice. A unit that is
/// never active gets no gradient through ReLU and stops learning, the dying-ReLU problem; a
/// dead fraction that grows from epoch to epoch says the learning rate is too high or the
/// biases too negative.
///
/// # Examples
///
/// Observe every batch, log the dead fraction per epoch, and react:
///
/// ```
/// use rectify::{Activation, DeadUnitTracker, Rectifier};
///
/// let units = 4;
/// let mut tracker = DeadUnitTracker::new(units)?;
/// let mut activation: Rectifier<f32> = "relu".parse()?; // plain ReLU to start with
///
/// for epoch in 0..3 {
///     for batch in 0..10 {
///         // The layer's pre-activations for a batch of 2 rows (a stand-in for a real layer,
///         // where unit 3 has a large negative bias and never fires).
///         let mut hidden = vec![0.5_f32, -1.0 + batch as f32 * 0.2, 2.0, -9.0,
///                               1.5, -0.5, -0.1, -8.0];
///         activation.forward_in_place(&mut hidden);
///         tracker.observe(&hidden)?;
///     }
///     let dead = tracker.dead_fraction();
///     println!("epoch {epoch}: {:.0}% dead units {:?}", dead * 100.0, tracker.dead_units());
///     if dead > 0.2 {
///         // React: switch to leaky ReLU (or lower the learning rate, or re-initialise).
///         activation = "leaky_relu(0.01)".parse()?;
///     }
///     tracker.reset();
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadUnitTracker {
    /// Times each unit was active since the last reset.
    active: Vec<u64>,
    /// Rows (samples) observed since the last reset.
    rows: u64,
}

/// A batch the tracker cannot take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackerError {
    /// A tracker needs at least one unit.
    ZeroUnits,
    /// The batch's length is not a whole number of rows of `units` activations.
    RaggedBatch {
        /// Elements in the batch.
        len: usize,
        /// Units per row.
        units: usize,
    },
}

impl fmt::Display for TrackerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackerError::ZeroUnits => f.write_str("a dead-unit tracker needs at least one unit"),
            TrackerError::RaggedBatch { len, units } => write!(
                f,
                "a batch of {len} activations is not a whole number of rows of {units} units"
            ),
        }
    }
}

impl core::error::Error for TrackerError {}

impl DeadUnitTracker {
    /// A tracker for a layer of `units` neurons.
    ///
    /// # Errors
    ///
    /// [`TrackerError::ZeroUnits`] if `units` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let tracker = rectify::DeadUnitTracker::new(128).unwrap();
    /// assert_eq!(tracker.units(), 128);
    /// assert!(rectify::DeadUnitTracker::new(0).is_err());
    /// ```
    pub fn new(units: usize) -> Result<DeadUnitTracker, TrackerError> {
        if units == 0 {
            return Err(TrackerError::ZeroUnits);
        }
        Ok(DeadUnitTracker {
            active: vec![0; units],
            rows: 0,
        })
    }

    /// Counts one batch of activations, row-major `[batch x units]`: for each unit, the rows
    /// where its activation is greater than zero. NaN is not active. An empty batch counts no
    /// rows.
    ///
    /// # Errors
    ///
    /// [`TrackerError::RaggedBatch`] if `activations.len()` is not a multiple of
    /// [`units`](DeadUnitTracker::units); nothing is counted then.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tracker = rectify::DeadUnitTracker::new(2).unwrap();
    /// tracker.observe(&[1.0_f32, 0.0, 2.0, 0.0]).unwrap(); // two rows
    /// assert_eq!(tracker.active_counts(), [2, 0]);
    /// assert!(tracker.observe(&[1.0_f32, 0.0, 2.0]).is_err());
    /// ```
    pub fn observe<T: Float>(&mut self, activations: &[T]) -> Result<(), TrackerError> {
        let units = self.units();
        if !activations.len().is_multiple_of(units) {
            return Err(TrackerError::RaggedBatch {
                len: activations.len(),
                units,
            });
        }
        for row in activations.chunks_exact(units) {
            for (count, &a) in self.active.iter_mut().zip(row) {
                *count += u64::from(a > T::zero());
            }
        }
        self.rows += (activations.len() / units) as u64;
        Ok(())
    }

    /// The number of units in the layer.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(rectify::DeadUnitTracker::new(3).unwrap().units(), 3);
    /// ```
    #[must_use]
    pub fn units(&self) -> usize {
        self.active.len()
    }

    /// Rows (samples) observed since the last reset.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tracker = rectify::DeadUnitTracker::new(2).unwrap();
    /// tracker.observe(&[0.0_f64; 6]).unwrap();
    /// assert_eq!(tracker.rows(), 3);
    /// ```
    #[must_use]
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// How many of the observed rows each unit was active in, by unit index.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tracker = rectify::DeadUnitTracker::new(3).unwrap();
    /// tracker.observe(&[0.5_f32, -1.0, 0.0]).unwrap();
    /// assert_eq!(tracker.active_counts(), [1, 0, 0]);
    /// ```
    #[must_use]
    pub fn active_counts(&self) -> &[u64] {
        &self.active
    }

    /// The units never active in any row since the last reset, in increasing order. Empty
    /// before the first row: a unit is only called dead once it had a chance to fire.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tracker = rectify::DeadUnitTracker::new(3).unwrap();
    /// assert!(tracker.dead_units().is_empty());
    /// tracker.observe(&[0.5_f32, -1.0, 0.0]).unwrap();
    /// assert_eq!(tracker.dead_units(), [1, 2]);
    /// ```
    #[must_use]
    pub fn dead_units(&self) -> Vec<usize> {
        if self.rows == 0 {
            return Vec::new();
        }
        (0..self.units()).filter(|&u| self.active[u] == 0).collect()
    }

    /// The fraction of units that are dead (see [`dead_units`](DeadUnitTracker::dead_units)):
    /// `0.0` before the first row.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tracker = rectify::DeadUnitTracker::new(4).unwrap();
    /// tracker.observe(&[1.0_f32, 0.0, 0.0, 1.0]).unwrap();
    /// assert_eq!(tracker.dead_fraction(), 0.5);
    /// ```
    #[must_use]
    pub fn dead_fraction(&self) -> f64 {
        if self.rows == 0 {
            return 0.0;
        }
        let dead = self.active.iter().filter(|&&c| c == 0).count();
        dead as f64 / self.units() as f64
    }

    /// Forgets every observation, as at the start of an epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut tracker = rectify::DeadUnitTracker::new(1).unwrap();
    /// tracker.observe(&[1.0_f32]).unwrap();
    /// tracker.reset();
    /// assert_eq!((tracker.rows(), tracker.active_counts()), (0, &[0][..]));
    /// ```
    pub fn reset(&mut self) {
        self.active.fill(0);
        self.rows = 0;
    }
}
