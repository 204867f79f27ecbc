//! Exact, fast ReLU (rectified linear unit) for Rust.
//!
//! `rectify` computes `relu(x)` and its derivative for any [`num_traits::Float`] type, one value
//! at a time or over slices, in place, and for the backward pass of a network, with one exact
//! contract on every path.
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
//! # Semantics
//!
//! Every function in the crate, scalar or slice, on every CPU, in debug and release builds,
//! returns exactly these bits. `g` is the output gradient given to the backward functions, and
//! `forward` may be the forward pass's input or its output: both give the same result.
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
//! - Backward is a select, not a multiply by a 0/1 mask: an infinite gradient at a dead unit stays
//!   `+0.0` instead of becoming `0 * inf = NaN`.
//! - Subnormals are ordinary numbers: no flush to zero on any path.
//!
//! The crate never uses `max` for this: `f32::max` leaves the sign of a zero result unspecified
//! and returns the other operand for NaN.
//!
//! # Bad input
//!
//! The slice functions panic, before writing anything, when their slices differ in length; the
//! message names the function and both lengths. Empty slices are fine and do nothing.
//!
//! # Features
//!
//! - `std` (default): uses the standard library for [`num_traits::Float`].
//! - `libm`: provides [`num_traits::Float`] without the standard library, through num-traits'
//!   pure-Rust libm. The crate is always `#![no_std]`; one of `std` and `libm` must be on.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[cfg(feature = "std")]
extern crate std;

#[cfg(not(any(feature = "std", feature = "libm")))]
compile_error!("rectify needs the `std` or the `libm` feature: num_traits::Float requires one");

#[doc(hidden)]
#[path = "bench.rs"]
pub mod __bench;
mod arch;
mod scalar;
mod slice;

pub use scalar::{relu, relu_derivative};
pub use slice::{
    relu_backward, relu_backward_in_place, relu_derivative_in_place, relu_derivative_slice,
    relu_in_place, relu_slice,
};

/// The kernel the slice functions use for `f32` and `f64` slices in this process: `"avx2"`,
/// `"sse2"`, `"neon"` or `"portable"`.
///
/// It is the best kernel this CPU supports, detected on first use and cached, unless the
/// `RECTIFY_KERNEL` environment variable (read once, with the `std` feature) names another
/// kernel this CPU supports. Every kernel gives the same bits; only the speed differs.
///
/// # Examples
///
/// ```
/// let kernel = rectify::selected_kernel();
/// assert!(["avx2", "sse2", "neon", "portable"].contains(&kernel));
/// ```
pub fn selected_kernel() -> &'static str {
    arch::Kernel::selected().name()
}

// Compiles and runs the Rust examples in README.md as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
