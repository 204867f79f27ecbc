//! The size of a 1-bit backward mask, and its check. What a bit means is
//! [`MaskedActivation`](crate::MaskedActivation)'s to say.

/// The number of `u64` words a mask of `len` elements needs: `len.div_ceil(64)`.
///
/// # Examples
///
/// ```
/// assert_eq!(rectify::mask_words(0), 0);
/// assert_eq!(rectify::mask_words(64), 1);
/// assert_eq!(rectify::mask_words(65), 2);
/// ```
#[must_use]
pub const fn mask_words(len: usize) -> usize {
    len.div_ceil(64)
}

/// Panics unless `mask` has the words `len` elements need, naming the function.
#[inline]
#[track_caller]
pub(crate) fn check_mask(function: &str, mask: usize, len: usize) {
    if mask != mask_words(len) {
        mask_mismatch(function, mask, len);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn mask_mismatch(function: &str, mask: usize, len: usize) -> ! {
    panic!(
        "rectify: {function}: the mask has {mask} words but {len} elements need {} \
         (mask_words(len))",
        mask_words(len)
    )
}
