//! All cores: [`Parallel`], any activation with its slice methods split over rayon's pool
//! (feature `rayon`).

use num_traits::Float;
use rayon::prelude::*;

use crate::activation::check_backward;
use crate::mask::check_mask;
use crate::slice::check_len;
use crate::{Activation, ActivationStats, Channels, MaskedActivation};

/// Slices shorter than this run on the calling thread, as the wrapped activation's methods
/// (the default of [`Parallel::new`]; [`Parallel::with_min_len`] sets another).
///
/// Measured on a 2-core AMD EPYC (Zen 4) VM with `f32` ReLU out of place, medians of 31 runs:
/// a rayon fork-join there costs 15-20 us (waking the other thread), so two threads ran at
/// 0.03x one thread at 8Ki elements, 0.5-0.7x at 128Ki-256Ki, 0.86-0.90x at 512Ki-768Ki,
/// 0.94-1.26x at 1Mi (noise), and 1.39x at 2Mi, 1.23-1.25x at 16Mi and 64Mi. `f64` moves twice
/// the bytes per element, so the same count is at least as far past its crossover.
pub const PARALLEL_MIN_LEN: usize = 2 << 20;

/// An activation whose slice methods split their buffers into chunks over rayon's thread pool
/// (feature `rayon`), each chunk running the wrapped activation's own method (its kernels).
///
/// Every method gives exactly the bits of the wrapped activation's method, on any number of
/// threads: elements are independent, the statistics and NaN counts are sums of counts, mask
/// chunks start on word boundaries (multiples of 64 elements), and the fused bias passes split
/// on whole blocks of the layout. [`backward_biased`](Activation::backward_biased) adds the bias
/// gradient in one sequential order, and runs on the calling thread. Buffers shorter than
/// [`PARALLEL_MIN_LEN`] (or the length given to [`with_min_len`](Parallel::with_min_len))
/// stay on the calling thread. Lengths and layouts are checked before any work starts, so a
/// panic writes nothing.
///
/// Chunks are about one per thread, and at least half that length: a chunk decides on
/// streaming stores by its own size, so the largest buffers stream as they do serially, and
/// chunks that fit in the cache together keep their data there.
/// `Parallel` is an [`Activation`], so it also runs the array methods of `ArrayActivation`
/// (feature `ndarray`) and the masks' owner on every core.
///
/// # Examples
///
/// ```
/// use rectify::{Activation, LeakyRelu, Parallel};
///
/// let act = Parallel::new(LeakyRelu::new(0.01_f32)?);
/// let x: Vec<f32> = (0..1 << 22).map(|i| i as f32 - 1000.0).collect();
/// let mut y = vec![0.0_f32; x.len()];
/// act.forward(&x, &mut y); // 4Mi elements: on every core
/// assert_eq!(y[0], -10.0);
/// assert_eq!(y[2000], 1000.0);
/// # Ok::<(), rectify::ParamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parallel<A> {
    activation: A,
    min_len: usize,
}

impl<A> Parallel<A> {
    /// Wraps `activation`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Parallel, Relu};
    /// assert_eq!(Parallel::new(Relu).at(-1.0_f32), 0.0);
    /// ```
    pub fn new(activation: A) -> Parallel<A> {
        Parallel::with_min_len(activation, PARALLEL_MIN_LEN)
    }

    /// Wraps `activation`, with slices shorter than `min_len` on the calling thread: for a
    /// threshold measured on your machine, where a fork-join costs less or more than on the
    /// one [`PARALLEL_MIN_LEN`] was measured on.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Parallel, Relu};
    /// let act = Parallel::with_min_len(Relu, 1 << 16);
    /// assert_eq!(act.min_len(), 1 << 16);
    /// let mut v = vec![-1.0_f32; 1 << 17]; // two chunks of 64Ki on two or more threads
    /// act.forward_in_place(&mut v);
    /// assert!(v.iter().all(|&y| y == 0.0));
    /// ```
    pub fn with_min_len(activation: A, min_len: usize) -> Parallel<A> {
        Parallel {
            activation,
            min_len,
        }
    }

    /// The length from which the slice methods split their work.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Parallel, Relu, PARALLEL_MIN_LEN};
    /// assert_eq!(Parallel::new(Relu).min_len(), PARALLEL_MIN_LEN);
    /// ```
    pub fn min_len(&self) -> usize {
        self.min_len
    }

    /// The wrapped activation.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Parallel, Relu};
    /// assert_eq!(*Parallel::new(Relu).activation(), Relu);
    /// ```
    pub fn activation(&self) -> &A {
        &self.activation
    }
}

impl<A> Parallel<A> {
    /// The chunk length for `len` elements, a multiple of `align`, or `None` to stay on the
    /// calling thread: one chunk per thread, at least half the minimum length. The one place
    /// for the splitting policy.
    fn chunk_len(&self, len: usize, align: usize) -> Option<usize> {
        if len < self.min_len {
            return None;
        }
        let threads = rayon::current_num_threads();
        let chunk = len.div_ceil(threads).max(self.min_len / 2).max(1);
        let chunk = chunk.div_ceil(align) * align;
        (chunk < len).then_some(chunk)
    }
}

/// The smallest multiple of both `block` and 64 (a mask word).
fn block_and_word(block: usize) -> usize {
    let (mut a, mut b) = (block, 64);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    block / a * 64
}

fn sum(stats: impl ParallelIterator<Item = ActivationStats>) -> ActivationStats {
    stats.reduce(ActivationStats::default, |mut a, b| {
        a += b;
        a
    })
}

impl<T, A> Activation<T> for Parallel<A>
where
    T: Float + Send + Sync + 'static,
    A: Activation<T> + Sync,
{
    fn at(&self, x: T) -> T {
        self.activation.at(x)
    }

    fn derivative_at(&self, x: T) -> T {
        self.activation.derivative_at(x)
    }

    #[cfg(feature = "ndarray")]
    fn kernel_member(&self) -> Option<crate::activation::KernelMember<T>> {
        self.activation.kernel_member()
    }

    fn backward_at(&self, forward: T, grad: T) -> T {
        self.activation.backward_at(forward, grad)
    }

    #[track_caller]
    fn forward(&self, input: &[T], output: &mut [T]) {
        let act = &self.activation;
        check_len("forward", "input", input.len(), "output", output.len());
        match self.chunk_len(input.len(), 1) {
            None => act.forward(input, output),
            Some(n) => (input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .for_each(|(i, o)| act.forward(i, o)),
        }
    }

    fn forward_in_place(&self, values: &mut [T]) {
        let act = &self.activation;
        match self.chunk_len(values.len(), 1) {
            None => act.forward_in_place(values),
            Some(n) => values
                .par_chunks_mut(n)
                .for_each(|v| act.forward_in_place(v)),
        }
    }

    #[track_caller]
    fn derivative(&self, input: &[T], output: &mut [T]) {
        let act = &self.activation;
        check_len("derivative", "input", input.len(), "output", output.len());
        match self.chunk_len(input.len(), 1) {
            None => act.derivative(input, output),
            Some(n) => (input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .for_each(|(i, o)| act.derivative(i, o)),
        }
    }

    fn derivative_in_place(&self, values: &mut [T]) {
        let act = &self.activation;
        match self.chunk_len(values.len(), 1) {
            None => act.derivative_in_place(values),
            Some(n) => values
                .par_chunks_mut(n)
                .for_each(|v| act.derivative_in_place(v)),
        }
    }

    #[track_caller]
    fn backward(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        let act = &self.activation;
        check_backward("backward", forward, grad_output, grad_input);
        match self.chunk_len(forward.len(), 1) {
            None => act.backward(forward, grad_output, grad_input),
            Some(n) => (forward.par_chunks(n).zip(grad_output.par_chunks(n)))
                .zip(grad_input.par_chunks_mut(n))
                .for_each(|((f, g), o)| act.backward(f, g, o)),
        }
    }

    #[track_caller]
    fn backward_in_place(&self, forward: &[T], grad: &mut [T]) {
        let act = &self.activation;
        check_len(
            "backward_in_place",
            "forward",
            forward.len(),
            "grad",
            grad.len(),
        );
        match self.chunk_len(forward.len(), 1) {
            None => act.backward_in_place(forward, grad),
            Some(n) => (forward.par_chunks(n).zip(grad.par_chunks_mut(n)))
                .for_each(|(f, g)| act.backward_in_place(f, g)),
        }
    }

    #[track_caller]
    fn backward_accumulate(&self, forward: &[T], grad_output: &[T], grad_input: &mut [T]) {
        let act = &self.activation;
        check_backward("backward_accumulate", forward, grad_output, grad_input);
        match self.chunk_len(forward.len(), 1) {
            None => act.backward_accumulate(forward, grad_output, grad_input),
            Some(n) => (forward.par_chunks(n).zip(grad_output.par_chunks(n)))
                .zip(grad_input.par_chunks_mut(n))
                .for_each(|((f, g), o)| act.backward_accumulate(f, g, o)),
        }
    }

    #[track_caller]
    fn forward_with_stats(&self, input: &[T], output: &mut [T]) -> ActivationStats {
        let act = &self.activation;
        let method = "forward_with_stats";
        check_len(method, "input", input.len(), "output", output.len());
        match self.chunk_len(input.len(), 1) {
            None => act.forward_with_stats(input, output),
            Some(n) => sum((input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .map(|(i, o)| act.forward_with_stats(i, o))),
        }
    }

    fn forward_in_place_with_stats(&self, values: &mut [T]) -> ActivationStats {
        let act = &self.activation;
        match self.chunk_len(values.len(), 1) {
            None => act.forward_in_place_with_stats(values),
            Some(n) => sum(values
                .par_chunks_mut(n)
                .map(|v| act.forward_in_place_with_stats(v))),
        }
    }

    #[track_caller]
    fn forward_biased(&self, input: &[T], bias: &[T], channels: Channels, output: &mut [T]) {
        let act = &self.activation;
        let method = "forward_biased";
        check_len(method, "input", input.len(), "output", output.len());
        channels.check(method, input.len(), "bias", bias.len());
        match self.chunk_len(input.len(), channels.block()) {
            None => act.forward_biased(input, bias, channels, output),
            Some(n) => (input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .for_each(|(i, o)| act.forward_biased(i, bias, channels, o)),
        }
    }

    #[track_caller]
    fn forward_biased_in_place(&self, values: &mut [T], bias: &[T], channels: Channels) {
        let act = &self.activation;
        channels.check("forward_biased_in_place", values.len(), "bias", bias.len());
        match self.chunk_len(values.len(), channels.block()) {
            None => act.forward_biased_in_place(values, bias, channels),
            Some(n) => (values.par_chunks_mut(n))
                .for_each(|v| act.forward_biased_in_place(v, bias, channels)),
        }
    }

    #[track_caller]
    fn forward_biased_with_stats(
        &self,
        input: &[T],
        bias: &[T],
        channels: Channels,
        output: &mut [T],
    ) -> ActivationStats {
        let act = &self.activation;
        let method = "forward_biased_with_stats";
        check_len(method, "input", input.len(), "output", output.len());
        channels.check(method, input.len(), "bias", bias.len());
        match self.chunk_len(input.len(), channels.block()) {
            None => act.forward_biased_with_stats(input, bias, channels, output),
            Some(n) => sum((input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .map(|(i, o)| act.forward_biased_with_stats(i, bias, channels, o))),
        }
    }

    #[track_caller]
    fn forward_biased_in_place_with_stats(
        &self,
        values: &mut [T],
        bias: &[T],
        channels: Channels,
    ) -> ActivationStats {
        let act = &self.activation;
        let method = "forward_biased_in_place_with_stats";
        channels.check(method, values.len(), "bias", bias.len());
        match self.chunk_len(values.len(), channels.block()) {
            None => act.forward_biased_in_place_with_stats(values, bias, channels),
            Some(n) => sum((values.par_chunks_mut(n))
                .map(|v| act.forward_biased_in_place_with_stats(v, bias, channels))),
        }
    }

    /// The wrapped activation's method, on the calling thread: the bias gradient is added in
    /// one sequential order.
    #[track_caller]
    fn backward_biased(
        &self,
        forward: &[T],
        grad_output: &[T],
        channels: Channels,
        grad_input: &mut [T],
        bias_grad: &mut [T],
    ) {
        let act = &self.activation;
        act.backward_biased(forward, grad_output, channels, grad_input, bias_grad)
    }
}

impl<T, A> MaskedActivation<T> for Parallel<A>
where
    T: Float + Send + Sync + 'static,
    A: MaskedActivation<T> + Sync,
{
    fn is_active(&self, x: T) -> bool {
        self.activation.is_active(x)
    }

    fn backward_from_bit(&self, active: bool, grad: T) -> T {
        self.activation.backward_from_bit(active, grad)
    }

    #[track_caller]
    fn forward_masked(&self, input: &[T], output: &mut [T], mask: &mut [u64]) -> usize {
        let act = &self.activation;
        let method = "forward_masked";
        check_len(method, "input", input.len(), "output", output.len());
        check_mask(method, mask.len(), input.len());
        match self.chunk_len(input.len(), 64) {
            None => act.forward_masked(input, output, mask),
            Some(n) => (input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .zip(mask.par_chunks_mut(n / 64))
                .map(|((i, o), m)| act.forward_masked(i, o, m))
                .sum(),
        }
    }

    #[track_caller]
    fn forward_in_place_masked(&self, values: &mut [T], mask: &mut [u64]) -> usize {
        let act = &self.activation;
        check_mask("forward_in_place_masked", mask.len(), values.len());
        match self.chunk_len(values.len(), 64) {
            None => act.forward_in_place_masked(values, mask),
            Some(n) => (values.par_chunks_mut(n).zip(mask.par_chunks_mut(n / 64)))
                .map(|(v, m)| act.forward_in_place_masked(v, m))
                .sum(),
        }
    }

    #[track_caller]
    fn forward_biased_masked(
        &self,
        input: &[T],
        bias: &[T],
        channels: Channels,
        output: &mut [T],
        mask: &mut [u64],
    ) -> usize {
        let act = &self.activation;
        let method = "forward_biased_masked";
        check_len(method, "input", input.len(), "output", output.len());
        channels.check(method, input.len(), "bias", bias.len());
        check_mask(method, mask.len(), input.len());
        match self.chunk_len(input.len(), block_and_word(channels.block())) {
            None => act.forward_biased_masked(input, bias, channels, output, mask),
            Some(n) => (input.par_chunks(n).zip(output.par_chunks_mut(n)))
                .zip(mask.par_chunks_mut(n / 64))
                .map(|((i, o), m)| act.forward_biased_masked(i, bias, channels, o, m))
                .sum(),
        }
    }

    #[track_caller]
    fn forward_biased_in_place_masked(
        &self,
        values: &mut [T],
        bias: &[T],
        channels: Channels,
        mask: &mut [u64],
    ) -> usize {
        let act = &self.activation;
        let method = "forward_biased_in_place_masked";
        channels.check(method, values.len(), "bias", bias.len());
        check_mask(method, mask.len(), values.len());
        match self.chunk_len(values.len(), block_and_word(channels.block())) {
            None => act.forward_biased_in_place_masked(values, bias, channels, mask),
            Some(n) => (values.par_chunks_mut(n).zip(mask.par_chunks_mut(n / 64)))
                .map(|(v, m)| act.forward_biased_in_place_masked(v, bias, channels, m))
                .sum(),
        }
    }

    #[track_caller]
    fn backward_masked(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        let act = &self.activation;
        let method = "backward_masked";
        check_len(
            method,
            "grad_output",
            grad_output.len(),
            "grad_input",
            grad_input.len(),
        );
        check_mask(method, mask.len(), grad_input.len());
        match self.chunk_len(grad_input.len(), 64) {
            None => act.backward_masked(mask, grad_output, grad_input),
            Some(n) => (mask.par_chunks(n / 64).zip(grad_output.par_chunks(n)))
                .zip(grad_input.par_chunks_mut(n))
                .for_each(|((m, g), o)| act.backward_masked(m, g, o)),
        }
    }

    #[track_caller]
    fn backward_masked_in_place(&self, mask: &[u64], grad: &mut [T]) {
        let act = &self.activation;
        check_mask("backward_masked_in_place", mask.len(), grad.len());
        match self.chunk_len(grad.len(), 64) {
            None => act.backward_masked_in_place(mask, grad),
            Some(n) => (mask.par_chunks(n / 64).zip(grad.par_chunks_mut(n)))
                .for_each(|(m, g)| act.backward_masked_in_place(m, g)),
        }
    }

    #[track_caller]
    fn backward_masked_accumulate(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        let act = &self.activation;
        let method = "backward_masked_accumulate";
        check_len(
            method,
            "grad_output",
            grad_output.len(),
            "grad_input",
            grad_input.len(),
        );
        check_mask(method, mask.len(), grad_input.len());
        match self.chunk_len(grad_input.len(), 64) {
            None => act.backward_masked_accumulate(mask, grad_output, grad_input),
            Some(n) => (mask.par_chunks(n / 64).zip(grad_output.par_chunks(n)))
                .zip(grad_input.par_chunks_mut(n))
                .for_each(|((m, g), o)| act.backward_masked_accumulate(m, g, o)),
        }
    }
}
