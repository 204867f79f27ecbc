//! What the fuzz targets share: floats from raw bits, a reader of the fuzzer's bytes, outputs
//! inside guard cells, bit comparisons, and the activation types built from arbitrary
//! parameters.
#![allow(dead_code)]

use rectify::{Clip, ClippedRelu, LeakyRelu, ParamError, Rectifier, Relu, ThresholdedRelu};

/// `f32`, `f64`, `half::f16` or `half::bf16`, from raw bits.
pub trait Float: num_traits::Float + std::fmt::Debug + 'static {
    const BYTES: usize;
    fn from_le(bytes: &[u8]) -> Self;
    fn bits(self) -> u64;
}

impl Float for f32 {
    const BYTES: usize = 4;
    fn from_le(b: &[u8]) -> f32 {
        f32::from_bits(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

impl Float for f64 {
    const BYTES: usize = 8;
    fn from_le(b: &[u8]) -> f64 {
        let mut a = [0; 8];
        a.copy_from_slice(&b[..8]);
        f64::from_bits(u64::from_le_bytes(a))
    }
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

impl Float for half::f16 {
    const BYTES: usize = 2;
    fn from_le(b: &[u8]) -> half::f16 {
        half::f16::from_bits(u16::from_le_bytes([b[0], b[1]]))
    }
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

impl Float for half::bf16 {
    const BYTES: usize = 2;
    fn from_le(b: &[u8]) -> half::bf16 {
        half::bf16::from_bits(u16::from_le_bytes([b[0], b[1]]))
    }
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

/// Reads the input front to back, with zeros once it runs out.
pub struct Reader<'a>(pub &'a [u8]);

impl Reader<'_> {
    pub fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }
    pub fn float<F: Float>(&mut self) -> F {
        let bytes: Vec<u8> = (0..F::BYTES).map(|_| self.byte()).collect();
        F::from_le(&bytes)
    }
}

/// The same bits.
pub fn same<F: Float>(a: F, b: F) -> bool {
    a.bits() == b.bits()
}

/// Builds the activation the input names, checking that the constructor accepts exactly the
/// documented parameters.
pub fn activation<F: Float>(r: &mut Reader<'_>) -> Option<Rectifier<F>> {
    let (kind, a, b) = (r.byte() % 5, r.float::<F>(), r.float::<F>());
    let zero = F::zero();
    let built: Result<Rectifier<F>, ParamError> = match kind {
        0 => Ok(Relu.into()),
        1 => {
            let made = LeakyRelu::new(a);
            assert_eq!(made.is_ok(), a.is_finite(), "LeakyRelu::new({a:?})");
            made.map(Into::into)
        }
        2 => {
            let made = ClippedRelu::new(a);
            assert_eq!(made.is_ok(), a > zero, "ClippedRelu::new({a:?})");
            made.map(Into::into)
        }
        3 => {
            let made = Clip::new(a, b);
            assert_eq!(
                made.is_ok(),
                !a.is_nan() && !b.is_nan(),
                "Clip::new({a:?}, {b:?})"
            );
            made.map(Into::into)
        }
        _ => {
            let made = ThresholdedRelu::new(a);
            assert_eq!(made.is_ok(), a.is_finite(), "ThresholdedRelu::new({a:?})");
            made.map(Into::into)
        }
    };
    built.ok()
}

pub const GUARD: usize = 3;

/// An output of `len` cells at offset `start` inside guard cells holding `sentinel`.
pub struct Guarded<F> {
    pub cells: Vec<F>,
    start: usize,
    len: usize,
    sentinel: F,
}

impl<F: Float> Guarded<F> {
    pub fn new(init: &[F], start: usize, sentinel: F) -> Self {
        let mut cells = vec![sentinel; start + GUARD + init.len() + GUARD];
        cells[start + GUARD..][..init.len()].copy_from_slice(init);
        Guarded {
            cells,
            start,
            len: init.len(),
            sentinel,
        }
    }
    pub fn inner(&mut self) -> &mut [F] {
        &mut self.cells[self.start + GUARD..][..self.len]
    }
    /// The output, after checking that nothing outside it was written.
    pub fn checked(&self, what: &str) -> &[F] {
        let inside = self.start + GUARD..self.start + GUARD + self.len;
        for (i, c) in self.cells.iter().enumerate() {
            if !inside.contains(&i) {
                assert!(
                    same(*c, self.sentinel),
                    "{what}: wrote outside the output at {i}"
                );
            }
        }
        &self.cells[inside]
    }
}

pub fn check<F: Float>(what: &str, got: &[F], want: &[F]) {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            same(*g, *w),
            "{what}: element {i}: got {g:?} ({:#x}), want {w:?} ({:#x})",
            g.bits(),
            w.bits()
        );
    }
}

pub fn accumulate<F: Float>(old: F, value: F) -> F {
    if value.is_nan() {
        value
    } else {
        old + value
    }
}

/// Runs the one of `runs` (for `f32`, `f64`, `f16`, `bf16`) that the low two bits of the
/// first byte name, on the rest of `data`.
pub fn by_type(data: &[u8], runs: [fn(&mut Reader<'_>); 4]) {
    let mut r = Reader(data);
    let run = runs[usize::from(r.byte() & 3)];
    run(&mut r);
}
