//! The public API's tests, one binary: a module per subject. One binary builds the crate's
//! generic code once instead of once per file; tests/concurrency.rs stays a binary of its own,
//! because its first calls must be the process's first.

mod common;

mod activations;
#[cfg(feature = "ndarray")]
mod arrays;
mod biased;
mod edge;
#[cfg(feature = "rayon")]
mod parallel;
mod prelu;
mod properties;
mod slices;
mod toolkit;
mod tracker;
