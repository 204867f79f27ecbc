//! Per-channel parameters over contiguous buffers: the [`Channels`] layout, the one place that
//! cuts a buffer into pieces of one parameter pattern, and the fixed-order reduction of the
//! bias gradient.

use core::fmt;
use core::ops::Range;

use num_traits::Float;

use crate::arch::{self, Io, PARTIALS, Plan, SumAdd, combine};

/// Which channel each element of a contiguous buffer belongs to, for a parameter with one value
/// per channel (a bias, a slope): every broadcast of a 1-D parameter over a tensor stored in
/// row-major order.
///
/// - [`Channels::last`]`(c)`: element `i` is in channel `i % c`. The layout of a dense layer's
///   `[batch, units]` output and of NHWC images.
/// - [`Channels::first`]`(c, inner)`: element `i` is in channel `(i / inner) % c`. The layout of
///   `[n, c, inner]`, such as NCHW images with `inner = h * w`. `Channels::first(c, 1)` is
///   `Channels::last(c)`.
///
/// A buffer of this layout holds a whole number of blocks of `c * inner` elements (zero blocks
/// is fine). The methods that take a layout panic, before writing anything, when the buffer's
/// length is not such a multiple or the parameter slice does not have `c` elements, naming the
/// sizes.
///
/// # Examples
///
/// ```
/// use rectify::Channels;
///
/// // A [2, 3] batch of a dense layer with three units: the unit is the last index.
/// let dense = Channels::last(3);
/// assert_eq!((0..6).map(|i| dense.channel_of(i)).collect::<Vec<_>>(), [0, 1, 2, 0, 1, 2]);
///
/// // One 3-channel 2x2 image in NCHW: four elements per channel, channel by channel.
/// let nchw = Channels::first(3, 2 * 2);
/// assert_eq!(nchw.channel_of(5), 1);
/// assert_eq!(Channels::first(3, 1), dense);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Channels {
    channels: usize,
    inner: usize,
}

impl Channels {
    /// Channels last: element `i` is in channel `i % channels`.
    ///
    /// # Panics
    ///
    /// If `channels` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Channels;
    /// let nhwc = Channels::last(64);
    /// assert_eq!(nhwc.channel_of(65), 1);
    /// ```
    #[track_caller]
    pub fn last(channels: usize) -> Channels {
        Channels::first(channels, 1)
    }

    /// Channels first with `inner` consecutive elements per channel: element `i` is in channel
    /// `(i / inner) % channels`.
    ///
    /// # Panics
    ///
    /// If `channels` or `inner` is zero, or `channels * inner` overflows `usize`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Channels;
    /// let nchw = Channels::first(3, 224 * 224);
    /// assert_eq!(nchw.channel_of(224 * 224), 1);
    /// assert_eq!(nchw.channel_of(3 * 224 * 224), 0); // the next image
    /// ```
    #[track_caller]
    pub fn first(channels: usize, inner: usize) -> Channels {
        assert!(
            channels > 0 && inner > 0,
            "rectify: Channels needs at least one channel and one element per channel, \
             got {channels} channels of {inner}"
        );
        assert!(
            channels.checked_mul(inner).is_some(),
            "rectify: Channels: {channels} channels of {inner} elements overflow usize"
        );
        Channels { channels, inner }
    }

    /// The number of channels, the length a parameter slice must have.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Channels;
    /// assert_eq!(Channels::first(3, 4).channels(), 3);
    /// ```
    #[must_use]
    pub fn channels(self) -> usize {
        self.channels
    }

    /// Consecutive elements per channel: 1 for channels last.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Channels;
    /// assert_eq!(Channels::last(3).inner(), 1);
    /// assert_eq!(Channels::first(3, 4).inner(), 4);
    /// ```
    #[must_use]
    pub fn inner(self) -> usize {
        self.inner
    }

    /// The channel of element `i`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Channels;
    /// assert_eq!(Channels::first(2, 3).channel_of(4), 1);
    /// ```
    #[must_use]
    pub fn channel_of(self, i: usize) -> usize {
        (i / self.inner) % self.channels
    }

    /// Panics, naming `method` and the sizes, unless a buffer of `len` elements is a whole
    /// number of blocks and the parameter slice `param` has one value per channel.
    #[track_caller]
    /// Elements in one block of the layout: every channel's run once.
    pub(crate) fn block(self) -> usize {
        self.channels * self.inner
    }

    pub(crate) fn check(self, method: &str, len: usize, param: &str, param_len: usize) {
        let block = self.block();
        if !len.is_multiple_of(block) || param_len != self.channels {
            layout_mismatch(method, self, len, param, param_len);
        }
    }
}

impl fmt::Display for Channels {
    /// `last(c)` or `first(c, inner)`, as built.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::Channels;
    /// assert_eq!(Channels::first(3, 4).to_string(), "first(3, 4)");
    /// assert_eq!(Channels::last(3).to_string(), "last(3)");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.inner == 1 {
            write!(f, "last({})", self.channels)
        } else {
            write!(f, "first({}, {})", self.channels, self.inner)
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn layout_mismatch(method: &str, layout: Channels, len: usize, param: &str, param_len: usize) -> ! {
    let (c, block) = (layout.channels, layout.channels * layout.inner);
    if param_len != c {
        panic!(
            "rectify: {method}: {param} has {param_len} elements, but Channels::{layout} has {c} channels"
        )
    }
    panic!(
        "rectify: {method}: {len} elements are not a whole number of Channels::{layout} blocks \
         of {block} elements"
    )
}

/// Elements per piece of a fused pass: its parameter tile (on the stack), and the blocks that
/// the backward pass reads back from L1. Long enough that a kernel call costs little beside
/// its loop.
pub(crate) const TILE: usize = 1024;

/// Runs `f` with a tile on the stack for a pass over `len` elements: [`TILE`] elements, or for a
/// short pass a shorter tile that still holds it all, so that a short pass does not zero more
/// than it uses. Its length is a multiple of 64 (whole mask words) that divides [`TILE`].
#[inline(always)]
pub(crate) fn with_tile<T: Float, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    if len <= 64 {
        f(&mut [T::zero(); 64])
    } else if len <= 256 {
        f(&mut [T::zero(); 256])
    } else {
        f(&mut [T::zero(); TILE])
    }
}

/// Where a piece of a buffer finds its per-channel parameter.
pub(crate) enum Param<'a, T> {
    /// One value for the whole piece (a run of one channel).
    Splat(T),
    /// One value per element of the piece.
    Each(&'a [T]),
}

/// The channels-last rows that a pass reads in place, without a tile, where it can
/// ([`reads_rows`]): whole vectors of up to 16 lanes, so that a row adds no scalar tail, and at
/// least 64 elements, so that its loop's start costs little beside it. Zeroing and filling a
/// tile costs a short pass as much as the pass itself: at 1Ki `f32` elements, 64 channels, a
/// fused bias + ReLU took 100-125 ns with rows and 205-290 ns with a tile, where the two
/// passes take 155-195 ns (AVX-512, Zen 4).
const ROWS_MULTIPLE: usize = 16;
/// See [`ROWS_MULTIPLE`].
const ROWS_MIN: usize = 64;
/// The longest pass that reads rows: beyond it a tile's fill costs little per element, and its
/// loop, unrolled over a whole tile, runs faster than rows of a few vectors (64 channels,
/// `f32`: at 8Ki elements rows 0.87 us, a tile 1.03; at 64Ki rows 7.0 us, a tile 6.1).
const ROWS_MAX: usize = 8 * TILE;

/// Whether a pass over a whole buffer of `len` elements that can read its parameters row by
/// row ([`arch::elementwise_rows`](crate::arch::elementwise_rows)) does so instead of taking
/// the pieces of [`for_each_piece`]: for channels-last rows of [`ROWS_MIN`] elements or more, a
/// multiple of [`ROWS_MULTIPLE`], in a pass of at most [`ROWS_MAX`] elements.
#[inline]
pub(crate) fn reads_rows(layout: Channels, len: usize) -> bool {
    has_rows(layout) && len <= ROWS_MAX
}

/// Whether `layout` has channels-last rows of [`ROWS_MIN`] elements or more, a multiple of
/// [`ROWS_MULTIPLE`]: those a pass can read row by row at any length. [`reads_rows`] adds the
/// length where a tile's unrolled loop overtakes a pass that runs alone; PReLU's backward pass
/// with the slope gradient reads rows at every length, in one pass where the tiles take five.
#[inline]
pub(crate) fn has_rows(layout: Channels) -> bool {
    let Channels { channels, inner } = layout;
    inner == 1 && channels >= ROWS_MIN && channels.is_multiple_of(ROWS_MULTIPLE)
}

/// Whether a pass with one parameter per channel runs over `layout`'s channels-last rows in one
/// kernel call with the parameters in registers: rows ([`has_rows`]) that the kernel for `T`
/// keeps in registers ([`arch::prelu_rows_fit`]). The fused bias passes take it where it holds.
#[inline]
pub(crate) fn rows_in_registers<T: Float + 'static>(layout: Channels) -> bool {
    has_rows(layout) && arch::prelu_rows_fit::<T>(layout.channels)
}

/// Whether a backward pass that sums per channel (PReLU's slope gradient, the bias gradient)
/// runs over `layout`'s channels-first runs in one kernel call
/// ([`arch::prelu_backward_sums`](crate::arch::prelu_backward_sums)): runs of [`PARTIALS`]
/// elements or more, which hold a round of the partial sums in vectors. Shorter runs take the
/// tiles. Against the tiles (`f32`, AVX-512, about 256Ki and 4Mi elements), PReLU's backward
/// pass and the fused bias + ReLU backward pass ran 1.2-3.1x faster at every run length
/// measured, 16 to 1024: 16 x 64 channels 0.31x leaky ReLU's backward pass (tiles 0.20x), 49 x
/// 64 0.75x (0.25x), 196 x 32 1.1x (0.45x), 1024 x 3 1.04x (0.63x). The end of each run cost
/// about 20 ns then, which short runs felt; with a cheaper one (see
/// [`combine`](crate::arch::combine)), 16 x 64 runs at 0.66x and 49 x 64 at 0.95x (256Ki
/// elements).
#[inline]
pub(crate) fn sums_in_runs(layout: Channels) -> bool {
    layout.inner >= PARTIALS
}

/// Whether `layout` has channels-first runs of [`TILE`] elements or more: [`for_each_piece`]
/// passes each as a piece with its parameter as a constant, and PReLU's forward pass runs them
/// all in one loop ([`arch::prelu_forward_runs`](crate::arch::prelu_forward_runs)).
#[inline]
pub(crate) fn has_runs(layout: Channels) -> bool {
    layout.inner >= TILE
}

/// Cuts `range` of a buffer into pieces of one parameter pattern and calls
/// `f(start, end, param)` for each, in order: [`Pieces`] for one range.
#[inline]
pub(crate) fn for_each_piece<T: Float>(
    layout: Channels,
    params: &[T],
    range: Range<usize>,
    f: impl FnMut(usize, usize, Param<'_, T>),
) {
    with_pieces(layout, params, range.clone(), |pieces| {
        pieces.each(range, f)
    })
}

/// The pieces of one parameter pattern that a pass over a range of a buffer takes: the one
/// place for the layout policy of the per-channel passes. Runs of one channel of at least
/// [`TILE`] elements are one piece each, with the parameter as a constant. Every other piece
/// reads its parameters one per element and has at most [`TILE`] elements: channels-last rows
/// longer than a tile, and a range within one row, read `params` itself; a pattern whose period
/// fits in a tile reads a tile of its whole periods, filled once per pass (by [`with_pieces`],
/// so that a pass that runs block by block fills it once, not per block), from the phase the
/// piece starts at; longer periods fill a tile per piece.
pub(crate) struct Pieces<'a, T> {
    layout: Channels,
    params: &'a [T],
    /// The whole periods of the parameters, where the pieces read them from a pattern tile.
    pattern: Option<&'a [T]>,
    /// The pass reads channels-last rows in place instead of pieces ([`Pieces::rows_at`]).
    by_rows: bool,
}

/// The elements of the shorter pattern tile of [`Pieces`], for short ranges.
const SHORT_PATTERN: usize = 256;

/// Runs `f` with the pieces of a pass over `range` of a buffer of a whole number of blocks,
/// with one parameter per channel in `params` (both checked by the caller). The pattern tile
/// lives on this function's stack, filled in place: returned by value, its 4-8 KiB were copied
/// several times (`f32` PReLU's fused bias pass at 1Ki elements: 43% of the time in `memmove`).
#[inline(always)]
pub(crate) fn with_pieces<T: Float, R>(
    layout: Channels,
    params: &[T],
    range: Range<usize>,
    f: impl FnOnce(&Pieces<'_, T>) -> R,
) -> R {
    let Channels { channels, inner } = layout;
    let period = channels * inner;
    let within_row = inner == 1 && range.start / period == range.end.saturating_sub(1) / period;
    // Only the tile in use is zeroed: a short range zeroes a short tile.
    let (mut short, mut full);
    let pattern = if range.is_empty() || has_runs(layout) || period > TILE || within_row {
        None
    } else {
        // The whole periods a tile holds, or for a short range what it reads of them.
        let len = (TILE / period * period).min(range.end - range.start + period);
        let tile = if len <= SHORT_PATTERN {
            short = [T::zero(); SHORT_PATTERN];
            &mut short[..len]
        } else {
            full = [T::zero(); TILE];
            &mut full[..len]
        };
        fill_periods(layout, params, tile);
        Some(&*tile)
    };
    f(&Pieces {
        layout,
        params,
        pattern,
        by_rows: range.is_empty() && has_rows(layout),
    })
}

impl<T: Float> Pieces<'_, T> {
    /// The parameters of one row, where the pass chose rows over pieces (made for an empty
    /// range, of channels-last rows that a pass reads in place: [`reads_rows`] says when) and
    /// `len` elements from `start` are whole rows: then one kernel call takes them all
    /// ([`arch::elementwise_rows`]).
    #[inline(always)]
    pub(crate) fn rows_at(&self, start: usize, len: usize) -> Option<&[T]> {
        let width = self.layout.channels;
        let whole = start.is_multiple_of(width) && len.is_multiple_of(width) && len > 0;
        (self.by_rows && whole).then_some(self.params)
    }

    /// Calls `f(start, end, param)` for each piece of `range`, in order: `range` lies within
    /// the range the pieces were made for.
    #[inline]
    pub(crate) fn each(&self, range: Range<usize>, mut f: impl FnMut(usize, usize, Param<'_, T>)) {
        let (layout, params) = (self.layout, self.params);
        let Channels { channels, inner } = layout;
        let period = channels * inner;
        let Range {
            start: from,
            end: to,
        } = range;
        // The end of the piece that starts at `start` and ends by `step`'s next multiple.
        let next = |start: usize, step: usize| ((start / step + 1) * step).min(to);
        if from >= to {
            return;
        }
        if has_runs(layout) {
            let mut start = from;
            while start < to {
                let end = next(start, inner);
                f(start, end, Param::Splat(params[layout.channel_of(start)]));
                start = end;
            }
        } else if let Some(tile) = self.pattern {
            // A piece starts anywhere in the period and ends where the tile's whole periods
            // do (or the range), so that it reads the tile from its phase on.
            let whole = TILE / period * period;
            let mut start = from;
            while start < to {
                let phase = start % period;
                let end = (start - phase + whole).min(to);
                f(start, end, Param::Each(&tile[phase..phase + end - start]));
                start = end;
            }
        } else if inner == 1 {
            // Rows longer than a tile, or a range within one row.
            let mut start = from;
            while start < to {
                let end = next(start, TILE).min(next(start, period));
                let c = start % period;
                f(start, end, Param::Each(&params[c..c + end - start]));
                start = end;
            }
        } else {
            let mut tile = [T::zero(); TILE];
            let mut start = from;
            while start < to {
                let end = next(start, TILE);
                fill(layout, params, &mut tile[..end - start], start);
                f(start, end, Param::Each(&tile[..end - start]));
                start = end;
            }
        }
    }
}

/// Fills `pattern` with the parameters of its elements from a period's start, whole periods
/// (or a part of the last): the first period run by run, the rest by copies of it.
fn fill_periods<T: Float>(layout: Channels, params: &[T], pattern: &mut [T]) {
    let period = (layout.channels * layout.inner).min(pattern.len());
    fill(layout, params, &mut pattern[..period], 0);
    // Doubling the whole periods filled so far: a few copies, however short the period.
    let (len, mut filled) = (pattern.len(), period);
    while filled < len {
        let n = filled.min(len - filled);
        pattern.copy_within(..n, filled);
        filled += n;
    }
}

/// Writes the parameters of elements `start..start + tile.len()` to `tile`, one run of a
/// channel at a time.
fn fill<T: Float>(layout: Channels, params: &[T], tile: &mut [T], start: usize) {
    let inner = layout.inner;
    if inner == 1 {
        // Runs of one element: the parameters themselves, row by row.
        let mut c = start % layout.channels;
        for chunk in tile.chunks_mut(layout.channels) {
            let len = chunk.len();
            let n = len.min(layout.channels - c);
            chunk[..n].copy_from_slice(&params[c..c + n]);
            chunk[n..].copy_from_slice(&params[..len - n]);
            c = (c + len) % layout.channels;
        }
        return;
    }
    let mut channel = layout.channel_of(start);
    let mut done = 0;
    // The first run may begin part way.
    let mut run = inner - start % inner;
    while done < tile.len() {
        let n = run.min(tile.len() - done);
        tile[done..done + n].fill(params[channel]);
        done += n;
        channel = if channel + 1 == layout.channels {
            0
        } else {
            channel + 1
        };
        run = inner;
    }
}

/// Adds the per-channel sums of `grad` (the input gradient of a fused backward pass) to
/// `bias_grad`, in the documented fixed order ([`Activation::backward_biased`]): each run of one
/// channel (`inner` consecutive elements) is summed in [`PARTIALS`] interleaved partial sums
/// from `-0.0` (element `k` of the run into sum `k % 16`), combined by [`combine`], and added to
/// the channel's value, runs in buffer order. Every addition is [`SumAdd`]'s: a NaN keeps its
/// bits, so that no NaN goes through arithmetic.
///
/// `grad` is the piece `start..start + grad.len()` of the buffer; `partials` carries the sums
/// of a run that continues into the next piece. Lengths checked by the caller.
///
/// [`Activation::backward_biased`]: crate::Activation::backward_biased
pub(crate) fn reduce_piece<T: Float + 'static>(
    layout: Channels,
    start: usize,
    grad: &[T],
    bias_grad: &mut [T],
    partials: &mut [T; PARTIALS],
) {
    let Channels { channels, inner } = layout;
    let end = start + grad.len();
    if inner == 1 {
        // A run is one element: its sum is the element, added in row order, each row to the
        // channels' values lane by lane: the part of a row this piece starts in, the whole
        // rows, and the part of one it ends in.
        let head = ((channels - start % channels) % channels).min(grad.len());
        let c = start % channels;
        arch::row_sums(&grad[..head], &mut bias_grad[c..c + head]);
        let rows = (grad.len() - head) / channels * channels;
        if rows > 0 {
            arch::row_sums(&grad[head..head + rows], bias_grad);
        }
        let tail = &grad[head + rows..];
        arch::row_sums(tail, &mut bias_grad[..tail.len()]);
        return;
    }
    let mut i = start;
    while i < end {
        let (run, offset) = (i / inner, i % inner);
        let n = (inner - offset).min(end - i);
        arch::partial_sums(&grad[i - start..i - start + n], offset, partials);
        i += n;
        if offset + n == inner {
            let c = run % channels;
            bias_grad[c] = SumAdd::add(bias_grad[c], combine(partials));
            *partials = [-T::zero(); PARTIALS];
        }
    }
}

/// [`Activation::backward_biased`](crate::Activation::backward_biased) for any activation: the
/// activation's own backward pass over blocks of [`TILE`] elements, each reduced into the bias
/// gradient while it is still in L1. Where the whole pass streams (out of cache), each block
/// is computed into a tile on the stack, reduced there, and written out with streaming stores,
/// which skip the read of the output's lines. Lengths checked by the caller.
pub(crate) fn backward_biased<T: Float + 'static, A: crate::Activation<T> + ?Sized>(
    activation: &A,
    forward: &[T],
    grad_output: &[T],
    layout: Channels,
    grad_input: &mut [T],
    bias_grad: &mut [T],
) {
    let len = grad_input.len();
    let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 3, false));
    let streaming = plan.streams().then_some(plan);
    backward_biased_blocks(
        activation,
        forward,
        grad_output,
        layout,
        grad_input,
        bias_grad,
        streaming,
    );
}

/// [`backward_biased`] with the streaming decision made: `streaming` is the plan of the copies
/// out of the tile, `None` for no tile.
pub(crate) fn backward_biased_blocks<T: Float + 'static, A: crate::Activation<T> + ?Sized>(
    activation: &A,
    forward: &[T],
    grad_output: &[T],
    layout: Channels,
    grad_input: &mut [T],
    bias_grad: &mut [T],
    streaming: Option<Plan>,
) {
    let len = grad_input.len();
    let mut partials = [-T::zero(); PARTIALS];
    let mut tile = streaming.map(|_| [T::zero(); TILE]);
    for start in (0..len).step_by(TILE) {
        let end = (start + TILE).min(len);
        let (forward, grad_output) = (&forward[start..end], &grad_output[start..end]);
        if let (Some(tile), Some(plan)) = (&mut tile, streaming) {
            let block = &mut tile[..end - start];
            activation.backward(forward, grad_output, block);
            reduce_piece(layout, start, block, bias_grad, &mut partials);
            let io = Io::Map {
                src: block,
                dst: &mut grad_input[start..end],
            };
            arch::elementwise(arch::reference::Copy, io, plan);
        } else {
            let block = &mut grad_input[start..end];
            activation.backward(forward, grad_output, block);
            reduce_piece(layout, start, block, bias_grad, &mut partials);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;
    use crate::arch::Kernel;
    use crate::{Activation, LeakyRelu, Relu};

    /// The streaming path of the fused backward pass (which only buffers past the streaming
    /// threshold take on their own) gives the bits of the plain one, with each kernel's
    /// streaming copy, at misaligned outputs.
    #[test]
    fn backward_biased_streaming_equals_plain() {
        let layouts = if cfg!(miri) {
            &[Channels::last(3), Channels::first(3, 20)][..]
        } else {
            &[
                Channels::last(3),
                Channels::last(1100),
                Channels::first(3, 100),
                Channels::first(2, 1500),
            ][..]
        };
        let leaky = LeakyRelu::new(0.25_f32).unwrap();
        let members: [&dyn Activation<f32>; 2] = [&Relu, &leaky];
        for &layout in layouts {
            let n = 3 * layout.channels() * layout.inner();
            let value = |i: usize, k: usize| ((i * k) % 37) as f32 / 8.0 - 2.0;
            let forward: Vec<f32> = (0..n).map(|i| value(i, 7)).collect();
            let grad: Vec<f32> = (0..n).map(|i| value(i, 11)).collect();
            for act in members {
                let mut want = vec![0.0_f32; n];
                let mut want_bias = vec![0.5_f32; layout.channels()];
                let plain = (&forward[..], &grad[..]);
                backward_biased_blocks(
                    act,
                    plain.0,
                    plain.1,
                    layout,
                    &mut want,
                    &mut want_bias,
                    None,
                );
                let mut direct = vec![0.0_f32; n];
                act.backward(&forward, &grad, &mut direct);
                assert_eq!(want, direct, "{layout}: the input gradient");
                for &kernel in Kernel::ALL.iter().filter(|k| k.is_supported()) {
                    let mut out = vec![0.0_f32; n + 1];
                    let mut bias = vec![0.5_f32; layout.channels()];
                    let plan = Some(Plan::Forced(kernel, true));
                    backward_biased_blocks(
                        act,
                        plain.0,
                        plain.1,
                        layout,
                        &mut out[1..],
                        &mut bias,
                        plan,
                    );
                    assert_eq!(&out[1..], &want[..], "{layout} {kernel:?}: input gradient");
                    assert_eq!(bias, want_bias, "{layout} {kernel:?}: bias gradient");
                }
            }
        }
    }
}
