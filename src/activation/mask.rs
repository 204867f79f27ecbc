//! [`ActivationMask`]: a 1-bit backward mask that owns its words and knows its activation.

use alloc::vec::Vec;

use num_traits::Float;

use crate::mask::mask_words;
use crate::{MaskedActivation, Relu};

/// A 1-bit backward mask that owns its words and holds the activation that fills it.
///
/// Keep one from the forward pass instead of the forward tensor: one bit per element where an
/// `f32` tensor keeps 32. The forward methods run the activation, resize the mask to the
/// slice's length (reusing its memory) and return the number of NaN inputs; the backward
/// methods then need only the gradient. See [`MaskedActivation`] for the allocation-free
/// methods and for what a bit means (NaN inputs count as active).
///
/// # Examples
///
/// ```
/// use rectify::{ActivationMask, LeakyRelu};
///
/// let mut mask = ActivationMask::new(LeakyRelu::new(0.1_f32)?);
/// let mut hidden = vec![-1.0_f32, 2.0, -3.0, 4.0];
/// let nans = mask.forward_in_place(&mut hidden); // forward pass, in place; 1 bit each
/// assert_eq!(nans, 0);
///
/// let mut grad = vec![10.0_f32; 4];
/// mask.backward_in_place(&mut grad); // backward pass, from the bits alone
/// assert_eq!(grad, [1.0, 10.0, 1.0, 10.0]);
/// assert_eq!(mask.words().len(), 1); // 8 bytes, where the f32 tensor takes 16
/// # Ok::<(), rectify::ParamError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActivationMask<A = Relu> {
    activation: A,
    words: Vec<u64>,
    len: usize,
}

impl<A> ActivationMask<A> {
    /// An empty mask for `activation`, to be filled by a forward method.
    ///
    /// # Examples
    ///
    /// ```
    /// let mask = rectify::ActivationMask::new(rectify::Relu);
    /// assert!(mask.is_empty());
    /// ```
    pub fn new(activation: A) -> ActivationMask<A> {
        ActivationMask {
            activation,
            words: Vec::new(),
            len: 0,
        }
    }

    /// The activation that fills the mask and whose backward pass it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{ActivationMask, ClippedRelu};
    /// let mask = ActivationMask::new(ClippedRelu::<f32>::RELU6);
    /// assert_eq!(mask.activation().ceiling(), 6.0);
    /// ```
    pub fn activation(&self) -> &A {
        &self.activation
    }

    /// Elements covered by the mask.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let _ = mask.forward_in_place(&mut [1.0_f32; 100]);
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
    /// assert!(rectify::ActivationMask::new(rectify::Relu).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bits, 64 elements per word, element `i` at bit `i % 64` of word `i / 64`; bits past
    /// [`len`](ActivationMask::len) are zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let _ = mask.forward_in_place(&mut [1.0_f32, -1.0, 1.0]);
    /// assert_eq!(mask.words(), [0b101]);
    /// ```
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// Whether element `i` was active in the forward pass: the gradient passes there, or it
    /// was NaN.
    ///
    /// # Panics
    ///
    /// If `i >= self.len()`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let _ = mask.forward_in_place(&mut [1.0_f32, -1.0]);
    /// assert!(mask.is_active(0) && !mask.is_active(1));
    /// ```
    pub fn is_active(&self, i: usize) -> bool {
        assert!(
            i < self.len,
            "rectify: ActivationMask::is_active: index {i} but length {}",
            self.len
        );
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    /// Resizes the words for `len` elements.
    fn prepare(&mut self, len: usize) {
        self.words.resize(mask_words(len), 0);
        self.len = len;
    }

    /// The activation's [`forward_masked`](MaskedActivation::forward_masked), keeping the
    /// mask; returns the number of NaN inputs.
    ///
    /// # Panics
    ///
    /// If `input.len() != output.len()`, before anything is written (the mask included).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let mut out = [0.0_f32; 2];
    /// assert_eq!(mask.forward(&[-1.0, 1.0], &mut out), 0);
    /// assert_eq!((out, mask.words()[0]), ([0.0, 1.0], 0b10));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    pub fn forward<T: Float + 'static>(&mut self, input: &[T], output: &mut [T]) -> usize
    where
        A: MaskedActivation<T>,
    {
        crate::slice::check_len("forward", "input", input.len(), "output", output.len());
        self.prepare(input.len());
        self.activation
            .forward_masked(input, output, &mut self.words)
    }

    /// The activation's [`forward_in_place_masked`](MaskedActivation::forward_in_place_masked),
    /// keeping the mask; returns the number of NaN inputs.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// assert_eq!(mask.forward_in_place(&mut [f32::NAN, 1.0]), 1);
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    pub fn forward_in_place<T: Float + 'static>(&mut self, values: &mut [T]) -> usize
    where
        A: MaskedActivation<T>,
    {
        self.prepare(values.len());
        self.activation
            .forward_in_place_masked(values, &mut self.words)
    }

    /// The activation's backward pass from the mask into `grad_input`.
    ///
    /// # Panics
    ///
    /// If `grad_output` or `grad_input` does not have [`len`](ActivationMask::len) elements,
    /// before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let _ = mask.forward_in_place(&mut [-1.0_f32, 1.0]);
    /// let mut grad_input = [0.0_f32; 2];
    /// mask.backward(&[10.0, 10.0], &mut grad_input);
    /// assert_eq!(grad_input, [0.0, 10.0]);
    /// ```
    #[track_caller]
    pub fn backward<T: Float + 'static>(&self, grad_output: &[T], grad_input: &mut [T])
    where
        A: MaskedActivation<T>,
    {
        self.check("backward", grad_input.len());
        self.activation
            .backward_masked(&self.words, grad_output, grad_input)
    }

    /// The activation's backward pass from the mask, in place on the output gradient.
    ///
    /// # Panics
    ///
    /// If `grad` does not have [`len`](ActivationMask::len) elements, before anything is
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let _ = mask.forward_in_place(&mut [-1.0_f32, 1.0]);
    /// let mut grad = [3.0_f32, 3.0];
    /// mask.backward_in_place(&mut grad);
    /// assert_eq!(grad, [0.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn backward_in_place<T: Float + 'static>(&self, grad: &mut [T])
    where
        A: MaskedActivation<T>,
    {
        self.check("backward_in_place", grad.len());
        self.activation.backward_masked_in_place(&self.words, grad)
    }

    /// The activation's backward pass from the mask, added to `grad_input`.
    ///
    /// # Panics
    ///
    /// As [`backward`](ActivationMask::backward).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut mask = rectify::ActivationMask::new(rectify::Relu);
    /// let _ = mask.forward_in_place(&mut [-1.0_f32, 1.0]);
    /// let mut grad_input = [1.0_f32, 1.0];
    /// mask.backward_accumulate(&[3.0, 3.0], &mut grad_input);
    /// assert_eq!(grad_input, [1.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn backward_accumulate<T: Float + 'static>(&self, grad_output: &[T], grad_input: &mut [T])
    where
        A: MaskedActivation<T>,
    {
        self.check("backward_accumulate", grad_input.len());
        self.activation
            .backward_masked_accumulate(&self.words, grad_output, grad_input)
    }

    /// Panics unless a gradient of `len` elements fits the mask, naming the method.
    #[track_caller]
    fn check(&self, method: &str, len: usize) {
        crate::slice::check_len(method, "the mask", self.len, "the gradient", len);
    }
}
