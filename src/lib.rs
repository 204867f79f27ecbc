//! Exact, fast ReLU (rectified linear unit) for Rust.
//!
//! `rectify` computes `relu(x)` and its derivative for any [`num_traits::Float`] type, one value
//! at a time or over slices, in place, and for the backward pass of a network, with one exact
//! contract on every path; and the family around it (leaky and clipped ReLU, clip, thresholded
//! ReLU) as values of one [`Activation`] trait.
//!
//! ```
//! use rectify::{relu, relu_backward, relu_in_place};
//!
//! assert_eq!(relu(-1.0_f32), 0.0);
//!
//! let mut hidden = vec![-0.5_f32, 0.0, 1.25, 3.0];
//! relu_in_place(&mut hidden); // forward pass, in place
//! assert_eq!(hidden, [0.0, 0.0, 1.25, 3.0]);
//!
//! let upstream = [1.0_f32, 1.0, 0.5, -2.0];
//! let mut grad = [0.0_f32; 4];
//! relu_backward(&hidden, &upstream, &mut grad); // backward from the forward output
//! assert_eq!(grad, [0.0, 0.0, 0.5, -2.0]);
//! ```
//!
//! Activations are values that carry their parameters, checked once by their constructors,
//! and [`Activation`] carries every shape of the forward and backward pass, so a layer is
//! written once for all of them (or for one chosen from text, a [`Rectifier`]):
//!
//! ```
//! use rectify::{Activation, LeakyRelu, Rectifier};
//!
//! let leaky = LeakyRelu::new(0.01_f32)?;
//! let mut z = [-3.0_f32, 2.0];
//! leaky.forward_in_place(&mut z);
//! assert_eq!(z, [-0.03, 2.0]);
//!
//! let chosen: Rectifier<f32> = "relu6".parse()?;
//! assert_eq!(chosen.at(7.0), 6.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Semantics
//!
//! Every function and method in the crate, scalar or slice, on every CPU, in debug and release
//! builds, returns exactly these bits. `g` is the output gradient given to the backward
//! methods, and `forward` may be the forward pass's input or its output: both give the same
//! result (for the members below, where their docs say).
//!
//! | `x` | [`relu`]`(x)` | [`relu_derivative`]`(x)` | backward: input gradient for `g` |
//! |---|---|---|---|
//! | `x > 0`, including `+inf` and positive subnormals | `x`, bit for bit | `1` | `g`, bit for bit (also if `g` is infinite or NaN) |
//! | `+0.0` and `-0.0` | `+0.0` | `+0.0` | `+0.0` |
//! | `x < 0`, including `-inf` and negative subnormals | `+0.0` | `+0.0` | `+0.0`, whatever `g` is |
//! | NaN (either sign, any payload, quiet or signalling) | the same NaN, bit for bit | the same NaN | the same NaN (from `x`) |
//!
//! - ReLU never outputs a negative number, not even `-0.0`.
//! - A NaN in the forward pass never turns into a clean number, forward or backward.
//! - The subgradient at zero is `0`, as in PyTorch, JAX and TensorFlow.
//! - Backward is a select, not a multiply by a 0/1 mask: an infinite gradient at a dead unit
//!   stays `+0.0` instead of becoming `0 * inf = NaN`.
//! - Subnormals are ordinary numbers: no flush to zero on any path.
//!
//! The crate never uses `max` for this: `f32::max` leaves the sign of a zero result unspecified
//! and returns the other operand for NaN.
//!
//! ## The family
//!
//! Each type's page has its full table, kinks and mask bit included. All pass NaN through with
//! its bits and run the same kernels.
//!
//! | type | `at(x)` | derivative 1 where | degenerate parameters that are [`Relu`] bit for bit |
//! |---|---|---|---|
//! | [`Relu`] | `x` for `x > 0`, else `+0.0` | `x > 0` | |
//! | [`LeakyRelu`]`::new(a)` | `x` for `x > 0`, else `a * x` (never `-0.0`) | `x > 0` (`a` elsewhere) | `a = 0` |
//! | [`ClippedRelu`]`::new(c)`, `RELU6` | `+0.0` for `x <= 0`, `c` for `x >= c`, else `x` | `0 < x < c` | `c = +inf` |
//! | [`Clip`]`::new(min, max)` | `min` for `x <= min`, `max` for `x >= max`, else `x` | `min < x < max` | `min = 0`, `max = +inf` |
//! | [`ThresholdedRelu`]`::new(alpha)` | `x` for `x > alpha`, else `+0.0` | `x > alpha` | `alpha = 0` |
//! | [`PRelu`]`::new(slopes, channels)` | [`LeakyRelu`] with the element's channel's slope | `x > 0` (the slope elsewhere) | a zero slope, at its channel |
//!
//! [`Activation::backward_accumulate`] adds to the gradient already there:
//! `grad_input[i] + value`, or `value` itself where it is NaN (so the forward pass's NaN
//! arrives exactly).
//!
//! Where a result is computed by arithmetic on a NaN (a NaN gradient times a leaky slope, a
//! NaN already in an accumulated gradient), it is a NaN whose payload is whatever the
//! hardware's multiply or add produces: Rust does not specify it, though every kernel here
//! gives the same bits as the scalar methods on the same CPU. The NaNs that pass through
//! without arithmetic keep their bits exactly.
//!
//! # Bad input
//!
//! - Constructors return [`ParamError`] for a parameter outside their domain (a NaN or
//!   infinite slope or threshold, a ceiling that is not positive, a NaN bound); a value, once
//!   built, is never checked again.
//! - The slice functions and methods panic, before writing anything, when their slices differ
//!   in length or a mask has the wrong number of words; the message names the method and both
//!   lengths. Empty slices are fine and do nothing. The fused bias passes also panic, before
//!   writing, when the length is not a whole number of the [`Channels`] layout's blocks or the
//!   bias has the wrong length; so do [`PRelu`]'s methods for their slopes and slope
//!   gradient.
//!
//! # Layer ops
//!
//! A layer adds a bias per unit or channel before its activation, and its backward pass needs
//! the bias gradient, a sum per channel. [`Activation::forward_biased`] does `act(z + b[c])`
//! in one pass over memory, bit for bit the two passes, and [`Activation::backward_biased`]
//! writes the input gradient and adds the bias gradient, summed in one documented order, so
//! the bits are the same on every kernel and CPU. [`Channels`] says which channel each element
//! is in: channels last (a dense layer's `[batch, units]`, NHWC) or channels first (NCHW).
//!
//! ```
//! use rectify::{Activation, Channels, Relu};
//!
//! let (z, bias) = ([0.5_f32, -1.0, -0.5, 2.0], [0.25, 0.5]);
//! let mut y = [0.0_f32; 4];
//! Relu.forward_biased(&z, &bias, Channels::last(2), &mut y); // a [2 x 2] batch
//! assert_eq!(y, [0.75, 0.0, 0.0, 2.5]);
//!
//! let mut grad_z = [0.0_f32; 4];
//! let mut grad_bias = [0.0_f32; 2];
//! Relu.backward_biased(&y, &[1.0; 4], Channels::last(2), &mut grad_z, &mut grad_bias);
//! assert_eq!((grad_z, grad_bias), ([1.0, 0.0, 0.0, 1.0], [1.0, 1.0]));
//! ```
//!
//! [`PRelu`] is leaky ReLU with a learned slope per channel of the same layouts; its backward
//! pass adds the slope gradient, in the same fixed order, in the same pass (and
//! [`PRelu::forward_biased`] and [`PRelu::backward_biased`] fuse a bias per channel too):
//!
//! ```
//! use rectify::{Channels, PRelu};
//!
//! let slopes = [0.25_f32, 0.5];
//! let prelu = PRelu::new(&slopes, Channels::last(2))?;
//! let z = [-4.0_f32, -4.0, 2.0, -2.0];
//! let mut y = [0.0_f32; 4];
//! prelu.forward(&z, &mut y);
//! assert_eq!(y, [-1.0, -2.0, 2.0, -1.0]);
//!
//! let (mut grad_z, mut grad_slopes) = ([0.0_f32; 4], [0.0_f32; 2]);
//! prelu.backward(&z, &[1.0; 4], &mut grad_z, &mut grad_slopes);
//! assert_eq!((grad_z, grad_slopes), ([0.25, 0.5, 1.0, 0.5], [-4.0, -6.0]));
//! # Ok::<(), rectify::ParamError>(())
//! ```
//!
//! # Training diagnostics
//!
//! - [`Activation::forward_with_stats`] and [`Activation::forward_in_place_with_stats`] write
//!   exactly what the plain ones write and return [`ActivationStats`]: how many outputs were
//!   active, exactly zero (the layer's sparsity) and NaN (a NaN reached the layer), counted in
//!   the same pass over memory. [`sparsity`] counts the zeros of activations you already have.
//! - A 1-bit mask replaces the forward tensor the backward pass needs
//!   ([`MaskedActivation`]): 1/32 of the memory of `f32`. One bit cannot say NaN, so a NaN
//!   input counts as active and its gradient passes; the masked forward passes return the
//!   number of NaN inputs, so none goes unnoticed. On every other input the masked backward
//!   pass gives exactly the bits of the plain one. `ActivationMask` (feature `alloc`) owns its
//!   words and holds its activation.
//! - `DeadUnitTracker` (feature `alloc`) follows a layer's units over batches and reports the
//!   units that never fired since the last reset: the dying-ReLU diagnostic.
//!
//! # Kernels
//!
//! The slice functions run one loop, compiled for each instruction set, and pick the best one
//! for the CPU at run time with a plain `cargo build` (no `RUSTFLAGS`, no `target-cpu`). Every
//! kernel returns the same bits as the scalar functions; only the speed differs.
//!
//! | CPU | `f32` and `f64` slices | `half::f16`, `half::bf16` (feature `half`) | other `Float` types |
//! |---|---|---|---|
//! | x86-64 with AVX-512F | `avx512`: 512-bit, detected at run time | 256-bit lanes | portable loop |
//! | x86-64 with AVX2 and F16C | `avx2`: 256-bit, detected at run time | 256-bit lanes | portable loop |
//! | other x86-64 | `sse2`: 128-bit, the x86-64 baseline | 128-bit lanes | portable loop |
//! | aarch64 | `neon`: 128-bit, the aarch64 baseline | 128-bit lanes | portable loop |
//! | anything else | `portable`: a plain loop the compiler may vectorise | portable loop | portable loop |
//!
//! The 16-bit formats run on their bit patterns in integer lanes: compares, selects, masks and
//! counts are exact on the pattern, and only the arithmetic (leaky ReLU's slope, a bias, the
//! accumulating passes) widens to `f32` and rounds once back, which is the format's own scalar
//! arithmetic bit for bit. The conversions use F16C on x86-64 with AVX2 for `f16`, integer
//! lanes for `bf16`, and the scalar conversion lane by lane with SSE2 alone and on NEON.
//!
//! - Short slices take the portable loop, so they pay nothing for dispatch: elementwise passes
//!   over `f32` and `f64` that touch under 1 KiB (inputs and output: `relu_slice` under 128
//!   `f32` elements, `relu_backward` under 86), inlined at the call site, and every other pass
//!   under 64 elements, the counting and masked passes included.
//! - Operations with a separate output that touch at least five eighths of the last-level cache
//!   the CPU reports, capped at 20 times its level-2 cache (inputs, output and mask; CPUID on
//!   x86-64, 40 MiB where no size is known; each chunk of a `Parallel` pass by its own size)
//!   write it
//!   with streaming (non-temporal) stores, which skip reading each output line first; a store
//!   fence ends them, so the data is visible to other threads when the call returns. In-place
//!   operations and smaller buffers use ordinary stores and stay in cache.
//! - With `std`, the CPU is queried once and the choice cached; without `std` the kernel is
//!   chosen at compile time (AVX-512F, or AVX2 with F16C, where the build enables them, as
//!   `-C target-cpu=x86-64-v3` does; else SSE2 on x86-64).
//! - The environment variable `RECTIFY_KERNEL` (`avx512`, `avx2`, `sse2`, `neon` or
//!   `portable`), read
//!   once with `std`, forces another kernel this CPU supports, for testing and for comparing
//!   speed; names of unsupported kernels are ignored. [`selected_kernel`] tells which kernel
//!   runs. `cargo run --release --example throughput` measures them on your machine.
//!
//! # Features
//!
//! - `std` (default): run-time CPU detection, and the standard library for
//!   [`num_traits::Float`]. Implies `alloc`.
//! - `alloc`: `DeadUnitTracker` and `ActivationMask`, which own memory, without the rest of
//!   `std`.
//! - `libm`: provides [`num_traits::Float`] without the standard library, through num-traits'
//!   pure-Rust libm. The crate is always `#![no_std]`; one of `std` and `libm` must be on.
//! - `ndarray`: `ArrayActivation`, every activation over `ndarray` arrays of any dimension and
//!   memory layout. Implies `alloc`.
//! - `rayon`: `Parallel`, any activation with its slice methods split over rayon's thread pool,
//!   bit for bit the serial methods. Implies `std`.
//! - `half`: kernels for `half::f16` and `half::bf16` (above); every activation takes them as
//!   `T`, with the same contract, bit for bit the types' scalar methods:
//!
//! ```
//! # #[cfg(feature = "half")] {
//! use half::f16;
//! use rectify::{Activation, LeakyRelu, Relu};
//!
//! let x: Vec<f16> = [-2.0_f32, -0.0, 0.5, 3.0].map(f16::from_f32).to_vec();
//! let mut y = vec![f16::ZERO; 4];
//! Relu.forward(&x, &mut y);
//! assert_eq!(y, [0.0_f32, 0.0, 0.5, 3.0].map(f16::from_f32));
//! LeakyRelu::new(f16::from_f32(0.5)).unwrap().forward_in_place(&mut y[..1]);
//! # }
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(not(any(feature = "std", feature = "libm")))]
compile_error!("rectify needs the `std` or the `libm` feature: num_traits::Float requires one");

#[doc(hidden)]
#[path = "bench.rs"]
pub mod __bench;
mod activation;
mod arch;
#[cfg(feature = "ndarray")]
mod array;
mod channels;
mod mask;
#[cfg(feature = "rayon")]
mod parallel;
mod scalar;
mod slice;
mod stats;
#[cfg(feature = "alloc")]
mod tracker;

#[cfg(feature = "alloc")]
pub use activation::mask::ActivationMask;
pub use activation::{
    Activation, MaskedActivation, ParamError,
    clip::Clip,
    clipped_relu::ClippedRelu,
    leaky_relu::LeakyRelu,
    prelu::PRelu,
    rectifier::{ParseRectifierError, Rectifier},
    relu::Relu,
    thresholded_relu::ThresholdedRelu,
};
#[cfg(feature = "ndarray")]
pub use array::ArrayActivation;
pub use channels::Channels;
pub use mask::mask_words;
#[cfg(feature = "rayon")]
pub use parallel::{PARALLEL_MIN_LEN, Parallel};
pub use scalar::{relu, relu_derivative};
pub use slice::{
    relu_backward, relu_backward_in_place, relu_derivative_in_place, relu_derivative_slice,
    relu_in_place, relu_slice,
};
pub use stats::{ActivationStats, sparsity};
#[cfg(feature = "alloc")]
pub use tracker::{DeadUnitTracker, TrackerError};

/// The kernel the slice functions use for `f32` and `f64` slices in this process: `"avx512"`,
/// `"avx2"`, `"sse2"`, `"neon"` or `"portable"`.
///
/// It is the best kernel this CPU supports, detected on first use and cached, unless the
/// `RECTIFY_KERNEL` environment variable (read once, with the `std` feature) names another
/// kernel this CPU supports. Every kernel gives the same bits; only the speed differs.
///
/// # Examples
///
/// ```
/// let kernel = rectify::selected_kernel();
/// assert!(["avx512", "avx2", "sse2", "neon", "portable"].contains(&kernel));
/// ```
pub fn selected_kernel() -> &'static str {
    arch::Kernel::selected().name()
}

// Compiles and runs the Rust examples in README.md as doc tests (they use the tracker, which
// needs `alloc`).
#[cfg(all(doctest, feature = "alloc"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
