//! [`PRelu`]: leaky ReLU with a slope per channel.

use num_traits::Float;

use super::{Member, ParamError, Pass, RowPass, WithOp, bias_then, check_backward};
use crate::arch::{self, Io, Op, PARTIALS, Plan, RowIo};
use crate::channels::{
    Channels, Param, Pieces, TILE, for_each_piece, has_rows, has_runs, reads_rows, reduce_piece,
    rows_in_registers, sums_in_runs, with_tile,
};
use crate::mask::check_mask;
use crate::slice::check_len;
use crate::{ActivationStats, LeakyRelu};

/// PReLU: leaky ReLU with a slope per channel, as in PyTorch's `nn.PReLU` and ONNX's `PRelu`.
/// Element `i` of a buffer is leaky ReLU with slope `slopes[c]`, `c =
/// channels.channel_of(i)` (see [`Channels`] for the layouts), and the backward pass also
/// gives the gradient of the slopes.
///
/// Every element follows [`LeakyRelu`]'s contract with its channel's slope, bit for bit, on
/// every kernel: [`channel`](PRelu::channel) returns that `LeakyRelu`, whose scalar methods
/// are the reference. A zero slope is ReLU at its channel (`-inf` gives `+0.0`, and backward
/// `+0.0` whatever the gradient), and one channel is leaky ReLU everywhere.
///
/// PReLU is not an [`Activation`](crate::Activation): the trait's methods see values, not
/// where they are. Its methods are the same shapes with the same names; each checks, before
/// writing anything, that its slices have equal lengths and that the length is a whole number
/// of the layout's blocks, and panics naming the sizes otherwise.
///
/// The slope gradient of a channel is `sum over its elements with x <= 0 of x * g`
/// (PyTorch's definition), where a NaN `x` adds itself, so that the channel's gradient is that
/// NaN. The sum runs in the fixed order of
/// [`Activation::backward_biased`](crate::Activation::backward_biased)'s bias gradient, with
/// `x * g` (or `-0.0`, which adds nothing, for `x > 0`) in place of the input gradient: the
/// same bits on every kernel and CPU, and the same accuracy bound.
///
/// # Examples
///
/// ```
/// use rectify::{Channels, PRelu};
///
/// // Two images of two channels of 2 x 2 pixels (NCHW), PyTorch's initial slope 0.25 and 0.
/// let slopes = [0.25_f32, 0.0];
/// let prelu = PRelu::new(&slopes, Channels::first(2, 4))?;
/// let x = [-4.0_f32, 1.0, -2.0, 3.0, -4.0, 1.0, -2.0, 3.0].repeat(2);
/// let mut y = vec![0.0_f32; x.len()];
/// prelu.forward(&x, &mut y);
/// assert_eq!(y[..8], [-1.0, 1.0, -0.5, 3.0, 0.0, 1.0, 0.0, 3.0]);
///
/// // Backward: the input gradient, and the slope gradient added to a caller's slice.
/// let grad_output = vec![1.0_f32; x.len()];
/// let mut grad_input = vec![0.0_f32; x.len()];
/// let mut slope_grad = [0.0_f32; 2];
/// prelu.backward(&x, &grad_output, &mut grad_input, &mut slope_grad);
/// assert_eq!(grad_input[..8], [0.25, 1.0, 0.25, 1.0, 0.0, 1.0, 0.0, 1.0]);
/// assert_eq!(slope_grad, [-12.0, -12.0]); // (-4 - 2) per image, two images
/// # Ok::<(), rectify::ParamError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PRelu<'a, T> {
    slopes: &'a [T],
    channels: Channels,
    /// Whether some slope is zero, which the per-element operations then check for.
    any_zero: bool,
}

/// Where a backward pass of PReLU writes: the output gradient and a separate input gradient,
/// the output gradient turned into the input gradient in place, or a separate input gradient
/// the result is added to.
enum Dest<'b, T> {
    Write(&'b [T], &'b mut [T]),
    InPlace(&'b mut [T]),
    Accumulate(&'b [T], &'b mut [T]),
}

impl<T: Float + 'static> Dest<'_, T> {
    fn len(&self) -> usize {
        match self {
            Dest::Write(_, out) | Dest::Accumulate(_, out) => out.len(),
            Dest::InPlace(grad) => grad.len(),
        }
    }

    /// The output gradient of elements `start..end`.
    fn grad(&self, start: usize, end: usize) -> &[T] {
        match self {
            Dest::Write(g, _) | Dest::Accumulate(g, _) => &g[start..end],
            Dest::InPlace(g) => &g[start..end],
        }
    }

    /// Writes (or adds) the input gradient of elements `start..start + tile.len()` from a tile.
    fn put(&mut self, start: usize, tile: &[T], plan: Plan) {
        let end = start + tile.len();
        let copy = arch::reference::Copy;
        match self {
            Dest::Write(_, out) | Dest::InPlace(out) => {
                let io = Io::Map {
                    src: tile,
                    dst: &mut out[start..end],
                };
                arch::elementwise(copy, io, plan)
            }
            Dest::Accumulate(_, acc) => {
                let io = Io::Accumulate {
                    fwd: tile,
                    grad: tile,
                    acc: &mut acc[start..end],
                };
                arch::elementwise(arch::Accumulate(copy), io, plan)
            }
        }
    }
}

/// PReLU's backward pass over channels-last rows (`inner` 1) or channels-first runs of `inner`
/// elements, in one kernel call ([`arch::prelu_backward_sums`]); with `bias`, the
/// fused bias pass.
struct BackwardSums<'b, T> {
    io: Io<'b, T>,
    slopes: &'b [T],
    sums: &'b mut [T],
    bias: Option<(&'b [T], &'b mut [T])>,
    inner: usize,
    plan: Plan,
}

impl<T: Float + 'static> WithOp<T> for BackwardSums<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        let BackwardSums {
            io,
            slopes,
            sums,
            bias,
            inner,
            plan,
        } = self;
        arch::prelu_backward_sums(op, io, slopes, sums, bias, inner, plan)
    }
}

/// PReLU's forward pass over channels-last rows, in one kernel call
/// ([`arch::prelu_forward_rows`]); with `bias`, the fused bias pass.
struct ForwardRows<'b, T> {
    io: Io<'b, T>,
    slopes: &'b [T],
    bias: Option<&'b [T]>,
    plan: Plan,
}

impl<T: Float + 'static> WithOp<T> for ForwardRows<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        arch::prelu_forward_rows(op, self.io, self.slopes, self.bias, self.plan)
    }
}

/// PReLU's forward pass over channels-first runs, in one kernel call with [`Plan::Auto`]
/// ([`arch::prelu_forward_runs`]); with `bias`, the fused bias pass.
struct ForwardRuns<'b, T> {
    io: Io<'b, T>,
    slopes: &'b [T],
    bias: Option<&'b [T]>,
    inner: usize,
}

impl<T: Float + 'static> WithOp<T> for ForwardRuns<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run<O: Op<T>>(self, op: O) {
        let ForwardRuns {
            io,
            slopes,
            bias,
            inner,
        } = self;
        arch::prelu_forward_runs(op, io, slopes, bias, inner, Plan::Auto)
    }
}

/// What a fused bias pass records besides its outputs ([`PRelu::biased`]).
enum Record<'m> {
    Nothing,
    Stats,
    Mask(&'m mut [u64]),
}

/// The forward pass or the derivative.
#[derive(Clone, Copy, PartialEq)]
enum Unary {
    Forward,
    Derivative,
}

impl<'a, T: Float + 'static> PRelu<'a, T> {
    /// PReLU with one slope per channel of `channels`; `Channels::last(1)` and one slope is
    /// leaky ReLU over any buffer.
    ///
    /// # Errors
    ///
    /// [`ParamError::NotFinite`] if a slope is NaN or infinite.
    ///
    /// # Panics
    ///
    /// If `slopes.len() != channels.channels()`, naming both.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let slopes = [0.25_f32; 64];
    /// assert!(PRelu::new(&slopes, Channels::last(64)).is_ok());
    /// assert!(PRelu::new(&[f32::NAN], Channels::last(1)).is_err());
    /// ```
    #[track_caller]
    pub fn new(slopes: &'a [T], channels: Channels) -> Result<PRelu<'a, T>, ParamError> {
        channels.check("PRelu::new", 0, "slopes", slopes.len());
        // Both checks without an exit per slope, so that they vectorise: PRelu is built per
        // call, and 64 `f32` slopes took 61 ns with an exit, 15-20 ns without (Zen 4).
        let (finite, any_zero) = (slopes.iter()).fold((true, false), |(finite, zero), &s| {
            (finite & s.is_finite(), zero | (s == T::zero()))
        });
        if !finite {
            for &slope in slopes {
                ParamError::finite("slope", slope)?;
            }
        }
        Ok(PRelu {
            slopes,
            channels,
            any_zero,
        })
    }

    /// The slopes, one per channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.1_f64, 0.2], Channels::last(2)).unwrap();
    /// assert_eq!(prelu.slopes(), [0.1, 0.2]);
    /// ```
    pub fn slopes(&self) -> &'a [T] {
        self.slopes
    }

    /// The layout: which channel each element belongs to.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.1_f64, 0.2], Channels::first(2, 9)).unwrap();
    /// assert_eq!(prelu.channels(), Channels::first(2, 9));
    /// ```
    pub fn channels(&self) -> Channels {
        self.channels
    }

    /// The activation of channel `c`: leaky ReLU with its slope, whose scalar methods are what
    /// every element of that channel gets.
    ///
    /// # Panics
    ///
    /// If `c` is not below the number of channels.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Activation, Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.0], Channels::last(2)).unwrap();
    /// assert_eq!(prelu.channel(0).at(-2.0), -1.0);
    /// assert_eq!(prelu.channel(1).at(f32::NEG_INFINITY), 0.0);
    /// ```
    #[track_caller]
    pub fn channel(&self, c: usize) -> LeakyRelu<T> {
        let n = self.slopes.len();
        assert!(c < n, "rectify: PRelu::channel({c}) of {n} channels");
        LeakyRelu::new(self.slopes[c]).expect("slopes are finite, checked by PRelu::new")
    }

    /// The kernels' form of a slope.
    #[inline(always)]
    fn member(slope: T) -> Member<T> {
        Member::leaky(slope)
    }

    /// Runs `f` with the pieces of a pass over a buffer of `len` elements with `params` per
    /// channel: made once per pass, then taken block by block.
    #[inline(always)]
    fn with_pieces<R>(&self, params: &[T], len: usize, f: impl FnOnce(&Pieces<'_, T>) -> R) -> R {
        crate::channels::with_pieces(self.channels, params, 0..len, f)
    }

    /// Runs `work` with `no_zero`, or with `zero` where some slope is zero.
    #[inline(always)]
    fn with_zero<W: WithOp<T>>(&self, work: W, no_zero: impl Op<T>, zero: impl Op<T>) -> W::Output {
        if self.any_zero {
            work.run(zero)
        } else {
            work.run(no_zero)
        }
    }

    /// The forward pass or the derivative of one piece: from `input` to `out`, or in place on
    /// `out` without an input.
    #[inline(always)]
    fn unary_piece(
        &self,
        kind: Unary,
        input: Option<&[T]>,
        param: Param<'_, T>,
        out: &mut [T],
        plan: Plan,
    ) {
        let pass = |io| Pass {
            io,
            accumulate: false,
            plan,
        };
        match param {
            Param::Splat(slope) => {
                let io = Io::unary(input, out);
                match kind {
                    Unary::Forward => Self::member(slope).forward_op(pass(io)),
                    Unary::Derivative => Self::member(slope).derivative_op(pass(io)),
                }
            }
            Param::Each(slopes) => {
                let io = match input {
                    Some(src) => Io::Zip {
                        fwd: src,
                        grad: slopes,
                        dst: out,
                    },
                    None => Io::ZipInPlace {
                        fwd: slopes,
                        grad: out,
                    },
                };
                self.with_slopes(kind, input.is_none(), pass(io))
            }
        }
    }

    /// Runs `work`, whose second input (`fwd` in place) is the slopes, with the op of `kind`:
    /// its const parameters say whether some slope is zero, and whether the pass is in place.
    #[inline(always)]
    fn with_slopes<W: WithOp<T, Output = ()>>(&self, kind: Unary, in_place: bool, work: W) {
        use arch::{PreluDerivative as D, PreluForward as F};
        match (kind, in_place) {
            (Unary::Forward, false) => self.with_zero(work, F::<false, false>, F::<true, false>),
            (Unary::Forward, true) => self.with_zero(work, F::<false, true>, F::<true, true>),
            (Unary::Derivative, false) => self.with_zero(work, D::<false, false>, D::<true, false>),
            (Unary::Derivative, true) => self.with_zero(work, D::<false, true>, D::<true, true>),
        }
    }

    /// A forward pass or derivative over a whole buffer: from `input`, or in place on `out`.
    ///
    /// The forward pass over channels-last rows ([`has_rows`]) that fit the kernel's registers
    /// ([`arch::prelu_rows_fit`]) runs in one kernel call at any length, with the slopes in
    /// registers ([`arch::prelu_forward_rows`]); over channels-first runs of a tile or more
    /// ([`has_runs`]) in one kernel call with the slope in a register
    /// ([`arch::prelu_forward_runs`]); the derivative, and the forward pass over wider rows,
    /// in one call through the elementwise loop up to [`reads_rows`]' length.
    #[inline]
    fn unary(&self, kind: Unary, input: Option<&[T]>, out: &mut [T]) {
        let len = out.len();
        if kind == Unary::Forward && rows_in_registers::<T>(self.channels) {
            let io = Io::unary(input, out);
            let work = ForwardRows {
                io,
                slopes: self.slopes,
                bias: None,
                plan: Plan::Auto,
            };
            use arch::PreluForward as F;
            return self.with_zero(work, F::<false, false>, F::<true, false>);
        }
        if kind == Unary::Forward && has_runs(self.channels) {
            let io = Io::unary(input, out);
            let work = ForwardRuns {
                io,
                slopes: self.slopes,
                bias: None,
                inner: self.channels.inner(),
            };
            use arch::PreluForward as F;
            return self.with_zero(work, F::<false, false>, F::<true, false>);
        }
        if reads_rows(self.channels, len) {
            let params = self.slopes;
            let io = match input {
                Some(src) => RowIo::Zip {
                    src,
                    params,
                    dst: out,
                },
                None => RowIo::InPlace {
                    params,
                    values: out,
                },
            };
            return self.with_slopes(kind, input.is_none(), RowPass(io, Plan::Auto));
        }
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, false));
        for_each_piece(self.channels, self.slopes, 0..len, |start, end, param| {
            let input = input.map(|x| &x[start..end]);
            self.unary_piece(kind, input, param, &mut out[start..end], plan)
        });
    }

    /// Checks a buffer of `len` elements against the layout, for `method`.
    #[track_caller]
    fn check(&self, method: &str, len: usize) {
        self.channels
            .check(method, len, "slopes", self.slopes.len());
    }

    /// Writes PReLU of each element of `input` to `output`.
    ///
    /// Matches `for (i, o) in output.iter_mut().enumerate() { *o = prelu.channel(c(i)).at(input[i]) }`
    /// bit for bit, with `c = prelu.channels().channel_of`.
    ///
    /// # Panics
    ///
    /// Before anything is written, if `input.len() != output.len()` or the length is not a
    /// whole number of the layout's blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut y = [0.0_f32; 4];
    /// prelu.forward(&[-2.0, -2.0, 3.0, -4.0], &mut y);
    /// assert_eq!(y, [-1.0, -0.5, 3.0, -1.0]);
    /// ```
    #[track_caller]
    pub fn forward(&self, input: &[T], output: &mut [T]) {
        check_len(
            "PRelu::forward",
            "input",
            input.len(),
            "output",
            output.len(),
        );
        self.check("PRelu::forward", input.len());
        self.unary(Unary::Forward, Some(input), output)
    }

    /// [`forward`](PRelu::forward) in place.
    ///
    /// # Panics
    ///
    /// If the length is not a whole number of the layout's blocks, before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut values = [-2.0_f32, 2.0];
    /// prelu.forward_in_place(&mut values);
    /// assert_eq!(values, [-1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn forward_in_place(&self, values: &mut [T]) {
        self.check("PRelu::forward_in_place", values.len());
        self.unary(Unary::Forward, None, values)
    }

    /// Writes the derivative at each element of `input` to `output`: 1 where `x > 0`, the
    /// channel's slope where `x <= 0` (`+0.0` for a zero slope), a NaN `x` as it is.
    ///
    /// # Panics
    ///
    /// As [`forward`](PRelu::forward).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut d = [0.0_f32; 4];
    /// prelu.derivative(&[-2.0, -2.0, 3.0, 0.0], &mut d);
    /// assert_eq!(d, [0.5, 0.25, 1.0, 0.25]);
    /// ```
    #[track_caller]
    pub fn derivative(&self, input: &[T], output: &mut [T]) {
        let method = "PRelu::derivative";
        check_len(method, "input", input.len(), "output", output.len());
        self.check(method, input.len());
        self.unary(Unary::Derivative, Some(input), output)
    }

    /// [`derivative`](PRelu::derivative) in place.
    ///
    /// # Panics
    ///
    /// As [`forward_in_place`](PRelu::forward_in_place).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut values = [-2.0_f32, 2.0];
    /// prelu.derivative_in_place(&mut values);
    /// assert_eq!(values, [0.5, 1.0]);
    /// ```
    #[track_caller]
    pub fn derivative_in_place(&self, values: &mut [T]) {
        self.check("PRelu::derivative_in_place", values.len());
        self.unary(Unary::Derivative, None, values)
    }

    /// The forward pass with its statistics, as
    /// [`Activation::forward_with_stats`](crate::Activation::forward_with_stats): outputs
    /// greater than zero, exactly zero, and NaN, counted in the same pass.
    ///
    /// # Panics
    ///
    /// As [`forward`](PRelu::forward).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.0], Channels::last(2)).unwrap();
    /// let mut y = [0.0_f32; 4];
    /// let stats = prelu.forward_with_stats(&[-2.0, -2.0, 3.0, f32::NAN], &mut y);
    /// assert_eq!((stats.active, stats.zeros, stats.nans, stats.len), (1, 1, 1, 4));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward"]
    #[track_caller]
    pub fn forward_with_stats(&self, input: &[T], output: &mut [T]) -> ActivationStats {
        let method = "PRelu::forward_with_stats";
        check_len(method, "input", input.len(), "output", output.len());
        self.check(method, input.len());
        self.counted(Some(input), output)
    }

    /// [`forward_in_place`](PRelu::forward_in_place) with its statistics.
    ///
    /// # Panics
    ///
    /// As [`forward_in_place`](PRelu::forward_in_place).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut values = [-2.0_f32, 2.0, 0.0];
    /// let stats = prelu.forward_in_place_with_stats(&mut values);
    /// assert_eq!((stats.active, stats.zeros), (1, 1));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_in_place"]
    #[track_caller]
    pub fn forward_in_place_with_stats(&self, values: &mut [T]) -> ActivationStats {
        self.check("PRelu::forward_in_place_with_stats", values.len());
        self.counted(None, values)
    }

    /// The counted forward pass: a piece of one slope counts in the kernel's own pass; a piece
    /// of slopes per element (at most a tile) is computed into a tile in L1, then copied out
    /// by the counting pass.
    fn counted(&self, input: Option<&[T]>, out: &mut [T]) -> ActivationStats {
        let len = out.len();
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, false));
        let mut stats = ActivationStats {
            len,
            ..ActivationStats::default()
        };
        with_tile(len, |tile: &mut [T]| {
            for_each_piece(self.channels, self.slopes, 0..len, |start, end, param| {
                let input = input.map(|x| &x[start..end]);
                let out = &mut out[start..end];
                let counts = match param {
                    Param::Splat(slope) => {
                        let io = Io::unary(input, out);
                        Self::member(slope).forward_op(super::Counted(io, plan))
                    }
                    Param::Each(_) => {
                        let tile = &mut tile[..end - start];
                        let src = input.unwrap_or(out);
                        self.unary_piece(Unary::Forward, Some(src), param, tile, plan.in_cache());
                        let io = Io::Map {
                            src: tile,
                            dst: out,
                        };
                        let [active, zeros, nans] = arch::counted(arch::reference::Copy, io, plan);
                        ActivationStats {
                            active,
                            zeros,
                            nans,
                            len: 0,
                        }
                    }
                };
                stats.active += counts.active;
                stats.zeros += counts.zeros;
                stats.nans += counts.nans;
            })
        });
        stats
    }

    /// The forward pass that also records the 1-bit mask, as
    /// [`MaskedActivation::forward_masked`](crate::MaskedActivation::forward_masked): bit `i`
    /// is set where input `i` is greater than zero or NaN, as for every slope of leaky ReLU;
    /// returns the number of NaN inputs.
    ///
    /// # Panics
    ///
    /// Before anything is written, as [`forward`](PRelu::forward), and if `mask.len() !=
    /// mask_words(input.len())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut y = [0.0_f32; 4];
    /// let mut mask = [0_u64; 1];
    /// let nans = prelu.forward_masked(&[-2.0, -2.0, 3.0, f32::NAN], &mut y, &mut mask);
    /// assert_eq!((nans, mask[0]), (1, 0b1100));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    pub fn forward_masked(&self, input: &[T], output: &mut [T], mask: &mut [u64]) -> usize {
        let method = "PRelu::forward_masked";
        check_len(method, "input", input.len(), "output", output.len());
        self.check(method, input.len());
        check_mask(method, mask.len(), input.len());
        self.masked(Some(input), output, mask)
    }

    /// [`forward_in_place`](PRelu::forward_in_place) that also records the 1-bit mask, as
    /// [`forward_masked`](PRelu::forward_masked).
    ///
    /// # Panics
    ///
    /// As [`forward_masked`](PRelu::forward_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut values = [-2.0_f32, 2.0];
    /// let mut mask = [0_u64; 1];
    /// assert_eq!(prelu.forward_in_place_masked(&mut values, &mut mask), 0);
    /// assert_eq!((values, mask[0]), ([-1.0, 2.0], 0b10));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    pub fn forward_in_place_masked(&self, values: &mut [T], mask: &mut [u64]) -> usize {
        let method = "PRelu::forward_in_place_masked";
        self.check(method, values.len());
        check_mask(method, mask.len(), values.len());
        self.masked(None, values, mask)
    }

    /// The masked forward pass, a tile of elements at a time (whole mask words): the mask and
    /// the NaN count from the inputs, by ReLU's mask pass into a scratch tile (the bits are
    /// the same for every slope), then the forward pass of the tile.
    fn masked(&self, input: Option<&[T]>, out: &mut [T], mask: &mut [u64]) -> usize {
        let len = out.len();
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, true));
        let mut nans = 0;
        self.with_pieces(self.slopes, len, |slopes| {
            with_tile(len, |scratch: &mut [T]| {
                let block = scratch.len();
                for start in (0..len).step_by(block) {
                    let end = (start + block).min(len);
                    let words = &mut mask[start / 64..end.div_ceil(64)];
                    let src = input.unwrap_or(out);
                    let io = Io::Map {
                        src: &src[start..end],
                        dst: &mut scratch[..end - start],
                    };
                    nans += arch::mask_forward(arch::Relu, io, words, plan.in_cache());
                    slopes.each(start..end, |s, e, param| {
                        let input = input.map(|x| &x[s..e]);
                        self.unary_piece(Unary::Forward, input, param, &mut out[s..e], plan)
                    });
                }
            })
        });
        nans
    }

    /// Adds a bias per channel (of the same layout as the slopes) and applies PReLU, in one
    /// pass over memory, as
    /// [`Activation::forward_biased`](crate::Activation::forward_biased): `output[i] =
    /// channel(c).at(input[i] + bias[c])`, the sum rounded once and a NaN `input[i]` passed
    /// through. The result is bit for bit that sum written out and then
    /// [`forward`](PRelu::forward).
    ///
    /// # Panics
    ///
    /// Before anything is written: if `input.len() != output.len()`, if the length is not a
    /// whole number of the layout's blocks, or if `bias` does not have one value per channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// // A dense layer's [2 x 2] pre-activations, a bias and a slope per unit.
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut y = [0.0_f32; 4];
    /// prelu.forward_biased(&[1.0, -1.0, -3.0, 2.0], &[-2.0, 1.0], &mut y);
    /// assert_eq!(y, [-0.5, 0.0, -2.5, 3.0]);
    /// ```
    #[track_caller]
    pub fn forward_biased(&self, input: &[T], bias: &[T], output: &mut [T]) {
        let method = "PRelu::forward_biased";
        check_len(method, "input", input.len(), "output", output.len());
        self.check_bias(method, input.len(), bias);
        self.biased(Some(input), bias, output, Record::Nothing);
    }

    /// [`forward_biased`](PRelu::forward_biased) in place: each `values[i]` becomes
    /// `channel(c).at(values[i] + bias[c])`.
    ///
    /// # Panics
    ///
    /// As [`forward_biased`](PRelu::forward_biased), before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// // NCHW: two channels of two pixels.
    /// let prelu = PRelu::new(&[0.5_f32, 0.0], Channels::first(2, 2)).unwrap();
    /// let mut z = [1.0_f32, -3.0, -1.0, 2.0];
    /// prelu.forward_biased_in_place(&mut z, &[1.0, -1.0]);
    /// assert_eq!(z, [2.0, -1.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn forward_biased_in_place(&self, values: &mut [T], bias: &[T]) {
        self.check_bias("PRelu::forward_biased_in_place", values.len(), bias);
        self.biased(None, bias, values, Record::Nothing);
    }

    /// [`forward_biased`](PRelu::forward_biased) with the statistics of what it wrote, counted
    /// in the same pass, as [`forward_with_stats`](PRelu::forward_with_stats).
    ///
    /// # Panics
    ///
    /// As [`forward_biased`](PRelu::forward_biased), before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.0], Channels::last(2)).unwrap();
    /// let mut y = [0.0_f32; 4];
    /// let stats = prelu.forward_biased_with_stats(&[1.0, -1.0, -3.0, 2.0], &[-2.0, 1.0], &mut y);
    /// assert_eq!(y, [-0.5, 0.0, -2.5, 3.0]);
    /// assert_eq!((stats.active, stats.zeros, stats.len), (1, 1, 4));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_biased"]
    #[track_caller]
    pub fn forward_biased_with_stats(
        &self,
        input: &[T],
        bias: &[T],
        output: &mut [T],
    ) -> ActivationStats {
        let method = "PRelu::forward_biased_with_stats";
        check_len(method, "input", input.len(), "output", output.len());
        self.check_bias(method, input.len(), bias);
        let [active, zeros, nans] = self.biased(Some(input), bias, output, Record::Stats);
        let len = output.len();
        ActivationStats {
            active,
            zeros,
            nans,
            len,
        }
    }

    /// [`forward_biased_in_place`](PRelu::forward_biased_in_place) with the statistics of what
    /// it wrote.
    ///
    /// # Panics
    ///
    /// As [`forward_biased_in_place`](PRelu::forward_biased_in_place), before anything is
    /// written.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut z = [1.0_f32, -1.0, 0.0];
    /// let stats = prelu.forward_biased_in_place_with_stats(&mut z, &[1.0]);
    /// assert_eq!((stats.active, stats.zeros), (2, 1));
    /// ```
    #[must_use = "the statistics are the reason to call this instead of forward_biased_in_place"]
    #[track_caller]
    pub fn forward_biased_in_place_with_stats(
        &self,
        values: &mut [T],
        bias: &[T],
    ) -> ActivationStats {
        let method = "PRelu::forward_biased_in_place_with_stats";
        self.check_bias(method, values.len(), bias);
        let [active, zeros, nans] = self.biased(None, bias, values, Record::Stats);
        let len = values.len();
        ActivationStats {
            active,
            zeros,
            nans,
            len,
        }
    }

    /// [`forward_biased`](PRelu::forward_biased) that also records the 1-bit mask of PReLU's
    /// input `input[i] + bias[c]`, as [`forward_masked`](PRelu::forward_masked); returns the
    /// number of those inputs that are NaN.
    ///
    /// # Panics
    ///
    /// Before anything is written: as [`forward_biased`](PRelu::forward_biased), and if
    /// `mask.len() != mask_words(input.len())`.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut y = [0.0_f32; 4];
    /// let mut mask = [0_u64; 1];
    /// let nans = prelu.forward_biased_masked(&[1.0, -1.0, -3.0, 2.0], &[-2.0, 1.0], &mut y, &mut mask);
    /// assert_eq!((y, mask[0], nans), ([-0.5, 0.0, -2.5, 3.0], 0b1000, 0));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    pub fn forward_biased_masked(
        &self,
        input: &[T],
        bias: &[T],
        output: &mut [T],
        mask: &mut [u64],
    ) -> usize {
        let method = "PRelu::forward_biased_masked";
        check_len(method, "input", input.len(), "output", output.len());
        self.check_bias(method, input.len(), bias);
        check_mask(method, mask.len(), input.len());
        self.biased(Some(input), bias, output, Record::Mask(mask))[0]
    }

    /// [`forward_biased_in_place`](PRelu::forward_biased_in_place) that also records the 1-bit
    /// mask, as [`forward_biased_masked`](PRelu::forward_biased_masked).
    ///
    /// # Panics
    ///
    /// As [`forward_biased_masked`](PRelu::forward_biased_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut z = [1.0_f32, -1.0];
    /// let mut mask = [0_u64; 1];
    /// assert_eq!(prelu.forward_biased_in_place_masked(&mut z, &[0.5], &mut mask), 0);
    /// assert_eq!((z, mask[0]), ([1.5, -0.25], 0b01));
    /// ```
    #[must_use = "the NaN count is the one thing the mask cannot record"]
    #[track_caller]
    pub fn forward_biased_in_place_masked(
        &self,
        values: &mut [T],
        bias: &[T],
        mask: &mut [u64],
    ) -> usize {
        let method = "PRelu::forward_biased_in_place_masked";
        self.check_bias(method, values.len(), bias);
        check_mask(method, mask.len(), values.len());
        self.biased(None, bias, values, Record::Mask(mask))[0]
    }

    /// Checks a buffer of `len` elements and a bias against the layout, for `method`.
    #[track_caller]
    fn check_bias(&self, method: &str, len: usize, bias: &[T]) {
        self.check(method, len);
        self.channels.check(method, len, "bias", bias.len());
    }

    /// The fused bias passes. The forward pass alone is one kernel call: over channels-last
    /// rows ([`has_rows`], [`arch::prelu_forward_rows`] with the bias), with the slopes and
    /// the biases in registers where they fit, otherwise read row by row from L1, still
    /// faster than tiles (64 channels, against the best copy or sum, tiles -> rows on an
    /// Intel Xeon VM: AVX2 `f32` forward at 16Ki 0.41 -> 0.45-0.52 and backward at 4Mi
    /// 0.47-0.48 -> 0.62-0.69; AVX-512 `f64` backward at 4Mi 0.51-0.66 -> 0.67-0.71); and
    /// over channels-first runs of a tile or more ([`has_runs`], [`arch::prelu_forward_runs`]
    /// with the bias).
    ///
    /// Otherwise a tile of elements at a time (whole mask words): `input + bias` into a tile
    /// in L1 ([`bias_then`]), then what `record` asks for from it: the forward pass to `out`;
    /// or the forward pass in place on the tile and the counting copy to `out`; or ReLU's
    /// mask pass into a scratch tile (the bits are the same for every slope) and the forward
    /// pass to `out`. The passes to `out` have the store kind of the whole pass. Returns the
    /// counts (active, zeros, NaN), or with a mask the NaN inputs first.
    fn biased(
        &self,
        input: Option<&[T]>,
        bias: &[T],
        out: &mut [T],
        mut record: Record<'_>,
    ) -> [usize; 3] {
        let len = out.len();
        let width = self.channels.channels();
        use arch::PreluForward as F;
        if matches!(record, Record::Nothing) && has_rows(self.channels) {
            let work = ForwardRows {
                io: Io::unary(input, out),
                slopes: self.slopes,
                bias: Some(bias),
                plan: Plan::Auto,
            };
            self.with_zero(work, F::<false, false>, F::<true, false>);
            return [0; 3];
        }
        if matches!(record, Record::Nothing) && has_runs(self.channels) {
            let work = ForwardRuns {
                io: Io::unary(input, out),
                slopes: self.slopes,
                bias: Some(bias),
                inner: self.channels.inner(),
            };
            self.with_zero(work, F::<false, false>, F::<true, false>);
            return [0; 3];
        }
        let masks = matches!(record, Record::Mask(_));
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, masks));
        let mut sums = [0; 3];
        // Channels-last rows that the kernels read in place, in a pass short enough
        // ([`reads_rows`]), go in blocks of whole rows (and with a mask whole words), each
        // step one kernel call: no pieces, no pattern tiles. (`f32`, 64 channels, Zen 5, the
        // forward pass at 1Ki elements 380-490 -> 230-330 ns; at 16Ki 2.2-2.5 us with pattern
        // tiles, 2.9-3.8 with rows.)
        let unit = if masks {
            width / gcd_64(width) * 64
        } else {
            width
        };
        let rows = reads_rows(self.channels, len) && unit <= TILE;
        let pieces_len = if rows { 0 } else { len };
        self.with_pieces(bias, pieces_len, |bias| {
            self.with_pieces(self.slopes, pieces_len, |slopes| {
                with_tile(len, |u: &mut [T]| {
                    // The scratch tile only where the mask pass writes to it.
                    with_tile(if masks { len } else { 0 }, |scratch: &mut [T]| {
                        // A tile holds the whole buffer or `TILE` elements (an empty buffer
                        // has no blocks).
                        let block = match rows {
                            true if len > u.len() => u.len() / unit * unit,
                            _ => u.len(),
                        };
                        for start in (0..len).step_by(block.max(1)) {
                            let end = (start + block).min(len);
                            let u = &mut u[..end - start];
                            let z = &input.unwrap_or(out)[start..end];
                            let copy = arch::reference::Copy;
                            bias_then(copy, bias, start, Some(z), u, plan.in_cache());
                            let out = &mut out[start..end];
                            if let Record::Mask(words) = &mut record {
                                let words = &mut words[start / 64..end.div_ceil(64)];
                                let io = Io::Map {
                                    src: u,
                                    dst: &mut scratch[..end - start],
                                };
                                sums[0] +=
                                    arch::mask_forward(arch::Relu, io, words, plan.in_cache());
                            }
                            if let Record::Stats = record {
                                self.forward_block(slopes, start, None, u, plan.in_cache());
                                let io = Io::Map { src: u, dst: out };
                                let counts = arch::counted(arch::reference::Copy, io, plan);
                                for (sum, n) in sums.iter_mut().zip(counts) {
                                    *sum += n;
                                }
                            } else {
                                self.forward_block(slopes, start, Some(u), out, plan);
                            }
                        }
                    })
                })
            })
        });
        sums
    }

    /// The forward pass of the block of `out.len()` elements from `start`, from `input` or in
    /// place on `out`, with the slopes' pieces `slopes`: whole channels-last rows that the
    /// kernels read in place in one kernel call (the slopes in registers where they fit),
    /// other blocks a call per piece.
    fn forward_block(
        &self,
        slopes: &Pieces<'_, T>,
        start: usize,
        input: Option<&[T]>,
        out: &mut [T],
        plan: Plan,
    ) {
        if let Some(row) = slopes.rows_at(start, out.len()) {
            if arch::prelu_rows_fit::<T>(row.len()) {
                let io = Io::unary(input, out);
                let work = ForwardRows {
                    io,
                    slopes: row,
                    bias: None,
                    plan,
                };
                use arch::PreluForward as F;
                return self.with_zero(work, F::<false, false>, F::<true, false>);
            }
            let io = match input {
                Some(src) => RowIo::Zip {
                    src,
                    params: row,
                    dst: out,
                },
                None => RowIo::InPlace {
                    params: row,
                    values: out,
                },
            };
            return self.with_slopes(Unary::Forward, input.is_none(), RowPass(io, plan));
        }
        let end = start + out.len();
        slopes.each(start..end, |s, e, param| {
            let (s, e) = (s - start, e - start);
            let input = input.map(|x| &x[s..e]);
            self.unary_piece(Unary::Forward, input, param, &mut out[s..e], plan)
        });
    }

    /// The backward pass from the forward input `forward`: writes the input gradient, leaky
    /// ReLU's backward pass at each element with its channel's slope, and adds the slope
    /// gradient (see the type's docs for its definition and order) to `slope_grad`, in the
    /// same pass over memory.
    ///
    /// # Panics
    ///
    /// Before anything is written: if the three buffers differ in length, if the length is
    /// not a whole number of the layout's blocks, or if `slope_grad` does not have one value
    /// per channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut grad_input = [0.0_f32; 4];
    /// let mut slope_grad = [0.0_f32; 2];
    /// prelu.backward(&[-2.0, -2.0, 3.0, -4.0], &[1.0, 2.0, 3.0, 4.0], &mut grad_input, &mut slope_grad);
    /// assert_eq!(grad_input, [0.5, 0.5, 3.0, 1.0]);
    /// assert_eq!(slope_grad, [-2.0, -20.0]);
    /// ```
    #[track_caller]
    pub fn backward(
        &self,
        forward: &[T],
        grad_output: &[T],
        grad_input: &mut [T],
        slope_grad: &mut [T],
    ) {
        let method = "PRelu::backward";
        check_backward(method, forward, grad_output, grad_input);
        self.check_slope_grad(method, forward.len(), slope_grad);
        self.backward_from(
            forward,
            Dest::Write(grad_output, grad_input),
            slope_grad,
            None,
        )
    }

    /// [`backward`](PRelu::backward) in place: each `grad[i]` becomes the input gradient.
    ///
    /// # Panics
    ///
    /// As [`backward`](PRelu::backward).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut grad = [2.0_f32, 2.0];
    /// let mut slope_grad = [1.0_f32];
    /// prelu.backward_in_place(&[-3.0, 3.0], &mut grad, &mut slope_grad);
    /// assert_eq!((grad, slope_grad), ([1.0, 2.0], [-5.0]));
    /// ```
    #[track_caller]
    pub fn backward_in_place(&self, forward: &[T], grad: &mut [T], slope_grad: &mut [T]) {
        let method = "PRelu::backward_in_place";
        check_len(method, "forward", forward.len(), "grad", grad.len());
        self.check_slope_grad(method, forward.len(), slope_grad);
        self.backward_from(forward, Dest::InPlace(grad), slope_grad, None)
    }

    /// [`backward`](PRelu::backward) added to an existing input gradient, as
    /// [`Activation::backward_accumulate`](crate::Activation::backward_accumulate); the slope
    /// gradient is added to `slope_grad` as always.
    ///
    /// # Panics
    ///
    /// As [`backward`](PRelu::backward).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut grad_input = [1.0_f32, 1.0];
    /// let mut slope_grad = [0.0_f32];
    /// prelu.backward_accumulate(&[-3.0, 3.0], &[2.0, 2.0], &mut grad_input, &mut slope_grad);
    /// assert_eq!((grad_input, slope_grad), ([2.0, 3.0], [-6.0]));
    /// ```
    #[track_caller]
    pub fn backward_accumulate(
        &self,
        forward: &[T],
        grad_output: &[T],
        grad_input: &mut [T],
        slope_grad: &mut [T],
    ) {
        let method = "PRelu::backward_accumulate";
        check_backward(method, forward, grad_output, grad_input);
        self.check_slope_grad(method, forward.len(), slope_grad);
        self.backward_from(
            forward,
            Dest::Accumulate(grad_output, grad_input),
            slope_grad,
            None,
        )
    }

    /// The backward pass of [`forward_biased`](PRelu::forward_biased), from what it took:
    /// writes the input gradient and adds the slope gradient to `slope_grad`, as
    /// [`backward`](PRelu::backward) from PReLU's input `input[i] + bias[c]`, and adds the bias
    /// gradient (the sum of the input gradient over each channel) to `bias_grad`, in one pass
    /// over memory. The pass takes `input` and `bias` rather than their sum, which the
    /// forward pass does not write; it adds them again with the forward pass's rule.
    ///
    /// Both gradients add in the fixed order of
    /// [`Activation::backward_biased`](crate::Activation::backward_biased)'s bias gradient,
    /// with its accuracy bound: the same bits on every kernel and CPU.
    ///
    /// # Panics
    ///
    /// Before anything is written: if `input`, `grad_output` and `grad_input` differ in
    /// length, if the length is not a whole number of the layout's blocks, or if `bias`,
    /// `slope_grad` or `bias_grad` does not have one value per channel.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let (z, bias) = ([1.0_f32, -1.0, -3.0, 2.0], [-2.0_f32, 1.0]); // PReLU's input: -1, 0, -5, 3
    /// let mut grad_input = [0.0_f32; 4];
    /// let (mut slope_grad, mut bias_grad) = ([0.0_f32; 2], [0.0_f32; 2]);
    /// prelu.backward_biased(&z, &bias, &[2.0; 4], &mut grad_input, &mut slope_grad, &mut bias_grad);
    /// assert_eq!(grad_input, [1.0, 0.5, 1.0, 2.0]);
    /// assert_eq!((slope_grad, bias_grad), ([-12.0, 0.0], [2.0, 2.5]));
    /// ```
    #[track_caller]
    pub fn backward_biased(
        &self,
        input: &[T],
        bias: &[T],
        grad_output: &[T],
        grad_input: &mut [T],
        slope_grad: &mut [T],
        bias_grad: &mut [T],
    ) {
        let method = "PRelu::backward_biased";
        let (n, g, gi) = (input.len(), grad_output.len(), grad_input.len());
        check_len(method, "input", n, "grad_output", g);
        check_len(method, "input", n, "grad_input", gi);
        self.check_bias(method, n, bias);
        self.check_slope_grad(method, n, slope_grad);
        self.channels.check(method, n, "bias_grad", bias_grad.len());
        let dest = Dest::Write(grad_output, grad_input);
        self.backward_from(input, dest, slope_grad, Some((bias, bias_grad)))
    }

    #[track_caller]
    fn check_slope_grad(&self, method: &str, len: usize, slope_grad: &[T]) {
        self.channels
            .check(method, len, "slope_grad", slope_grad.len());
    }

    /// The backward passes from the forward input. Channels-last rows ([`has_rows`]) and
    /// channels-first runs ([`sums_in_runs`]) take one pass, with the slopes and the slope
    /// gradient themselves, down the rows or run by run ([`arch::prelu_backward_sums`]); with
    /// `biased`, a bias and the bias gradient, `forward` is the input of the fused bias pass,
    /// and that pass adds the bias beside the slopes and sums the bias gradient beside the
    /// slope gradient.
    ///
    /// Other layouts go a tile of elements at a time while it is in L1: with a bias, PReLU's
    /// input, `forward + bias`, into a third tile first ([`bias_then`]); the input gradient
    /// into a tile (a piece of one slope by its member's backward pass, a piece of slopes per
    /// element by filling the tile with them and running [`arch::PreluBackward`] over it), the
    /// slope terms into a second tile, reduced into `slope_grad`, the input gradient's tile
    /// also reduced into the bias gradient, and written out with the store kind of the whole
    /// pass.
    fn backward_from(
        &self,
        forward: &[T],
        mut dest: Dest<'_, T>,
        slope_grad: &mut [T],
        mut biased: Option<(&[T], &mut [T])>,
    ) {
        if has_rows(self.channels) || sums_in_runs(self.channels) {
            let io = match dest {
                Dest::Write(grad, dst) => Io::Zip {
                    fwd: forward,
                    grad,
                    dst,
                },
                Dest::InPlace(grad) => Io::ZipInPlace { fwd: forward, grad },
                Dest::Accumulate(grad, acc) => Io::Accumulate {
                    fwd: forward,
                    grad,
                    acc,
                },
            };
            let work = BackwardSums {
                io,
                slopes: self.slopes,
                sums: slope_grad,
                bias: biased,
                inner: self.channels.inner(),
                plan: Plan::Auto,
            };
            use arch::PreluBackward as B;
            return self.with_zero(work, B::<false>, B::<true>);
        }
        let len = dest.len();
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 3, false));
        let mut partials = [-T::zero(); PARTIALS];
        let mut bias_partials = [-T::zero(); PARTIALS];
        // The bias's pieces and the sum's tile with a bias (empty otherwise).
        let sum_len = if biased.is_some() { len } else { 0 };
        let bias = biased.as_ref().map_or(&[][..], |(bias, _)| *bias);
        self.with_pieces(bias, sum_len, |bias| {
            self.with_pieces(self.slopes, len, |slopes| {
                with_tile(len, |tile: &mut [T]| {
                    with_tile(len, |terms: &mut [T]| {
                        with_tile(sum_len, |sum: &mut [T]| {
                            // (A tile holds the whole buffer or `TILE` elements; an empty
                            // buffer has no blocks.)
                            for start in (0..len).step_by(tile.len().max(1)) {
                                let end = (start + tile.len()).min(len);
                                let (x, g) = (&forward[start..end], dest.grad(start, end));
                                let x = if biased.is_some() {
                                    let sum = &mut sum[..end - start];
                                    let copy = arch::reference::Copy;
                                    bias_then(copy, bias, start, Some(x), sum, plan.in_cache());
                                    &*sum
                                } else {
                                    x
                                };
                                let tile = &mut tile[..end - start];
                                slopes.each(start..end, |s, e, param| {
                                    let (s, e) = (s - start, e - start);
                                    let dst = &mut tile[s..e];
                                    let (x, g) = (&x[s..e], &g[s..e]);
                                    self.backward_piece(x, g, param, dst, plan.in_cache());
                                });
                                let io = Io::Zip {
                                    fwd: x,
                                    grad: g,
                                    dst: &mut terms[..end - start],
                                };
                                arch::elementwise(arch::SlopeTerm, io, plan.in_cache());
                                let terms = &terms[..end - start];
                                let layout = self.channels;
                                reduce_piece(layout, start, terms, slope_grad, &mut partials);
                                let tile = &*tile;
                                if let Some((_, bias_grad)) = &mut biased {
                                    let partials = &mut bias_partials;
                                    reduce_piece(layout, start, tile, bias_grad, partials);
                                }
                                dest.put(start, tile, plan);
                            }
                        })
                    })
                })
            })
        });
    }

    /// The input gradient of one piece into `dst`.
    #[inline(always)]
    fn backward_piece(&self, x: &[T], g: &[T], param: Param<'_, T>, dst: &mut [T], plan: Plan) {
        use arch::PreluBackward as B;
        let pass = |io| Pass {
            io,
            accumulate: false,
            plan,
        };
        match param {
            Param::Splat(slope) => {
                let io = Io::Zip {
                    fwd: x,
                    grad: g,
                    dst,
                };
                Self::member(slope).backward_op(pass(io))
            }
            Param::Each(slopes) => {
                dst.copy_from_slice(slopes);
                let io = Io::Accumulate {
                    fwd: x,
                    grad: g,
                    acc: dst,
                };
                self.with_zero(pass(io), B::<false>, B::<true>)
            }
        }
    }

    /// The backward pass from the mask of [`forward_masked`](PRelu::forward_masked): the input
    /// gradient only, `grad_output[i]` where bit `i` is set and the channel's slope times it
    /// (`+0.0` for a zero slope) where it is clear, as leaky ReLU's masked backward pass. The
    /// slope gradient needs the inputs themselves, which a mask does not keep: train the
    /// slopes with [`backward`](PRelu::backward).
    ///
    /// # Panics
    ///
    /// Before anything is written: if `grad_output.len() != grad_input.len()`, if the length
    /// is not a whole number of the layout's blocks, or if the mask has not
    /// `mask_words(grad_input.len())` words.
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32, 0.25], Channels::last(2)).unwrap();
    /// let mut grad_input = [0.0_f32; 4];
    /// prelu.backward_masked(&[0b0110], &[4.0; 4], &mut grad_input);
    /// assert_eq!(grad_input, [2.0, 4.0, 4.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn backward_masked(&self, mask: &[u64], grad_output: &[T], grad_input: &mut [T]) {
        let method = "PRelu::backward_masked";
        let (g, n) = (grad_output.len(), grad_input.len());
        check_len(method, "grad_output", g, "grad_input", n);
        self.check(method, n);
        check_mask(method, mask.len(), n);
        self.backward_from_mask(mask, Dest::Write(grad_output, grad_input))
    }

    /// [`backward_masked`](PRelu::backward_masked) in place on the output gradient `grad`.
    ///
    /// # Panics
    ///
    /// As [`backward_masked`](PRelu::backward_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut grad = [4.0_f32, 4.0];
    /// prelu.backward_masked_in_place(&[0b01], &mut grad);
    /// assert_eq!(grad, [4.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn backward_masked_in_place(&self, mask: &[u64], grad: &mut [T]) {
        let method = "PRelu::backward_masked_in_place";
        self.check(method, grad.len());
        check_mask(method, mask.len(), grad.len());
        self.backward_from_mask(mask, Dest::InPlace(grad))
    }

    /// [`backward_masked`](PRelu::backward_masked) added to an existing input gradient, as
    /// [`Activation::backward_accumulate`](crate::Activation::backward_accumulate).
    ///
    /// # Panics
    ///
    /// As [`backward_masked`](PRelu::backward_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use rectify::{Channels, PRelu};
    /// let prelu = PRelu::new(&[0.5_f32], Channels::last(1)).unwrap();
    /// let mut grad_input = [1.0_f32, 1.0];
    /// prelu.backward_masked_accumulate(&[0b01], &[4.0, 4.0], &mut grad_input);
    /// assert_eq!(grad_input, [5.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn backward_masked_accumulate(
        &self,
        mask: &[u64],
        grad_output: &[T],
        grad_input: &mut [T],
    ) {
        let method = "PRelu::backward_masked_accumulate";
        let (g, n) = (grad_output.len(), grad_input.len());
        check_len(method, "grad_output", g, "grad_input", n);
        self.check(method, n);
        check_mask(method, mask.len(), n);
        self.backward_from_mask(mask, Dest::Accumulate(grad_output, grad_input))
    }

    /// The masked backward passes, a tile of elements at a time (whole mask words): the tile
    /// filled with each element's slope, [`arch::PreluBackward`] from the mask over it, and the
    /// tile written out with the store kind of the whole pass.
    fn backward_from_mask(&self, mask: &[u64], mut dest: Dest<'_, T>) {
        let len = dest.len();
        let (plan, _fence) = Plan::whole(len, arch::touched::<T>(len, 2, true));
        self.with_pieces(self.slopes, len, |slopes| {
            with_tile(len, |tile: &mut [T]| {
                let block = tile.len();
                for start in (0..len).step_by(block) {
                    let end = (start + block).min(len);
                    slopes.each(start..end, |s, e, param| {
                        let dst = &mut tile[s - start..e - start];
                        match param {
                            Param::Splat(slope) => dst.fill(slope),
                            Param::Each(slopes) => dst.copy_from_slice(slopes),
                        }
                    });
                    let work = super::MaskBackward {
                        words: &mask[start / 64..end.div_ceil(64)],
                        grad: Some(dest.grad(start, end)),
                        out: &mut tile[..end - start],
                        accumulate: false,
                    };
                    use arch::PreluBackward as B;
                    self.with_zero(work, B::<false>, B::<true>);
                    dest.put(start, &tile[..end - start], plan);
                }
            })
        });
    }
}

/// The greatest common divisor of `n` and 64: the largest power of two up to 64 dividing `n`.
fn gcd_64(n: usize) -> usize {
    1 << n.trailing_zeros().min(6)
}
