//! The owning 1-bit mask.

use alloc::vec::Vec;

use num_traits::Float;

use crate::mask::{self, mask_words};

/// A 1-bit backward mask that owns its words and remembers which activation built it.
///
/// Keep a `ReluMask` from the forward pass instead of the forward tensor: one bit per element
/// where an `f32` forward tensor keeps 32. The forward methods resize it to the slice's length
/// (reusing its memory) and return the number of NaN inputs; the backward methods then need
/// only the gradient. See the free functions, [`relu_slice_masked`](crate::relu_slice_masked)
/// and its siblings, for the allocation-free forms and for what a bit means (NaN inputs count
/// as active).
///
/// # Examples
///
/// ```
/// use rectify::ReluMask;
///
/// let mut mask = ReluMask::new();
/// let mut hidden = vec![-1.0_f32, 2.0, -3.0, 4.0];
/// let nans = mask.relu_in_place(&mut hidden); // forward pass, in place; keeps 1 bit each
/// assert_eq!(nans, 0);
///
/// let mut grad = vec![10.0_f32; 4];
/// mask.backward_in_place(&mut grad); // backward pass, from the bits alone
/// assert_eq!(grad, [0.0, 10.0, 0.0, 10.0]);
/// assert_eq!(mask.words().len(), 1); // 8 bytes, where the f32 tensor takes 16
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReluMask<T = f32> {
    words: Vec<u64>,
    len: usize,
    /// The leaky slope of the forward pass that built the mask; zero for ReLU.
    slope: T,
}

impl<T: Float + 'static> ReluMask<T> {
    /// An empty mask, to be filled by a forward method.
    ///
    /// # Examples
    ///
    /// ```
    /// let mask = rectify::ReluMask::<f64>::new();
    /// assert!(mask.is_empty());
    /// ```
    pub fn new() -> ReluMask<T> {
        ReluMask {
            words: Vec::new(),
            len: 0,
            slope: T::zero(),
        }
    }

    /// Elements covered by the mask.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.relu_in_place(&mut [1.0_f32; 100]);
    /// assert_eq!(mask.len(), 100);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the mask covers no elements.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(rectify::ReluMask::<f32>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bits, 64 elements per word, element `i` at bit `i % 64` of word `i / 64`; bits
    /// past [`len`](ReluMask::len) are zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.relu_in_place(&mut [1.0_f32, -1.0, 1.0]);
    /// assert_eq!(mask.words(), [0b101]);
    /// ```
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Whether element `i` was active (greater than zero, or NaN) in the forward pass.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.relu_in_place(&mut [1.0_f32, -1.0]);
    /// assert!(mask.is_active(0) && !mask.is_active(1));
    /// ```
    pub fn is_active(&self, i: usize) -> bool {
        assert!(
            i < self.len,
            "rectify::ReluMask::is_active: index {i} but length {}",
            self.len
        );
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// The slope of the leaky ReLU forward pass that built the mask, zero after a ReLU one; the
    /// backward methods use it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.leaky_relu_in_place(&mut [1.0_f32], 0.1);
    /// assert_eq!(mask.slope(), 0.1);
    /// ```
    pub fn slope(&self) -> T {
        self.slope
    }

    /// Resizes the words for `len` elements and records the slope.
    fn prepare(&mut self, len: usize, slope: T) -> &mut [u64] {
        self.words.resize(mask_words(len), 0);
        self.len = len;
        self.slope = slope;
        &mut self.words
    }

    /// [`relu_slice`](crate::relu_slice), keeping the mask; returns the number of NaN inputs.
    ///
    /// # Panics
    ///
    /// If `input.len() != output.len()`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// let mut out = [0.0_f32; 2];
    /// mask.relu_slice(&[-1.0, 1.0], &mut out);
    /// assert_eq!((out, mask.words()[0]), ([0.0, 1.0], 0b10));
    /// ```
    #[track_caller]
    pub fn relu_slice(&mut self, input: &[T], output: &mut [T]) -> usize {
        crate::slice::check_len(
            "ReluMask::relu_slice",
            "input",
            input.len(),
            "output",
            output.len(),
        );
        let words = self.prepare(input.len(), T::zero());
        mask::relu_slice_masked(input, output, words)
    }

    /// [`relu_in_place`](crate::relu_in_place), keeping the mask; returns the number of NaN
    /// inputs.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// assert_eq!(mask.relu_in_place(&mut [f32::NAN, 1.0]), 1);
    /// ```
    pub fn relu_in_place(&mut self, values: &mut [T]) -> usize {
        let words = self.prepare(values.len(), T::zero());
        mask::relu_in_place_masked(values, words)
    }

    /// [`leaky_relu_slice`](crate::leaky_relu_slice), keeping the mask and the slope; returns
    /// the number of NaN inputs.
    ///
    /// # Panics
    ///
    /// If `slope` is NaN or infinite, or if `input.len() != output.len()`, before anything is
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// let mut out = [0.0_f32; 2];
    /// mask.leaky_relu_slice(&[-2.0, 2.0], 0.5, &mut out);
    /// assert_eq!(out, [-1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn leaky_relu_slice(&mut self, input: &[T], slope: T, output: &mut [T]) -> usize {
        let function = "ReluMask::leaky_relu_slice";
        // Check the slope before touching the mask, so a panic leaves it as it was.
        crate::family::Member::leaky(function, slope);
        crate::slice::check_len(function, "input", input.len(), "output", output.len());
        let words = self.prepare(input.len(), slope);
        mask::leaky_relu_slice_masked(input, slope, output, words)
    }

    /// [`leaky_relu_in_place`](crate::leaky_relu_in_place), keeping the mask and the slope;
    /// returns the number of NaN inputs.
    ///
    /// # Panics
    ///
    /// If `slope` is NaN or infinite, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// let mut values = [-2.0_f64, 2.0];
    /// mask.leaky_relu_in_place(&mut values, 0.5);
    /// assert_eq!(values, [-1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn leaky_relu_in_place(&mut self, values: &mut [T], slope: T) -> usize {
        // Check the slope before touching the mask, so a panic leaves it as it was.
        crate::family::Member::leaky("ReluMask::leaky_relu_in_place", slope);
        let words = self.prepare(values.len(), slope);
        mask::leaky_relu_in_place_masked(values, slope, words)
    }

    /// The backward pass of the forward pass that built the mask: `grad_input[i]` is
    /// `grad_output[i]` where element `i` was active, and `+0.0` (ReLU) or
    /// `slope * grad_output[i]` (leaky ReLU) where it was not.
    ///
    /// # Panics
    ///
    /// If `grad_output` and `grad_input` do not both have the mask's length, before anything
    /// is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.leaky_relu_in_place(&mut [-1.0_f32, 1.0], 0.1);
    /// let mut grad_input = [0.0_f32; 2];
    /// mask.backward(&[10.0, 10.0], &mut grad_input);
    /// assert_eq!(grad_input, [1.0, 10.0]);
    /// ```
    #[track_caller]
    pub fn backward(&self, grad_output: &[T], grad_input: &mut [T]) {
        let function = "ReluMask::backward";
        crate::slice::check_len(function, "mask", self.len, "grad_output", grad_output.len());
        mask::leaky_relu_backward_masked(&self.words, self.slope, grad_output, grad_input);
    }

    /// [`backward`](ReluMask::backward) in place on the gradient.
    ///
    /// # Panics
    ///
    /// If `grad.len() != self.len()`, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.relu_in_place(&mut [-1.0_f32, 1.0]);
    /// let mut grad = [3.0_f32, 3.0];
    /// mask.backward_in_place(&mut grad);
    /// assert_eq!(grad, [0.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn backward_in_place(&self, grad: &mut [T]) {
        crate::slice::check_len(
            "ReluMask::backward_in_place",
            "mask",
            self.len,
            "grad",
            grad.len(),
        );
        mask::leaky_relu_backward_masked_in_place(&self.words, self.slope, grad);
    }

    /// [`backward`](ReluMask::backward) added to the gradient already in `grad_input`.
    ///
    /// # Panics
    ///
    /// If `grad_output` and `grad_input` do not both have the mask's length, before anything
    /// is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ReluMask::new();
    /// mask.relu_in_place(&mut [-1.0_f32, 1.0]);
    /// let mut grad_input = [1.0_f32, 1.0];
    /// mask.backward_accumulate(&[3.0, 3.0], &mut grad_input);
    /// assert_eq!(grad_input, [1.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn backward_accumulate(&self, grad_output: &[T], grad_input: &mut [T]) {
        let function = "ReluMask::backward_accumulate";
        crate::slice::check_len(function, "mask", self.len, "grad_output", grad_output.len());
        mask::leaky_relu_backward_masked_accumulate(
            &self.words,
            self.slope,
            grad_output,
            grad_input,
        );
    }
}
