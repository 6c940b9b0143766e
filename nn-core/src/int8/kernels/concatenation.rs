//! TensorFlow Lite's int8 `CONCATENATION` of two tensors along their last axis
//! (`reference_ops::Concatenation`): a copy, since its int8 kernel takes only inputs quantized
//! as its output (its `Prepare` refuses others, and TensorFlow's converter gives them that
//! quantization).

/// `y` from `a` and `b`, of `channels.0` and `channels.1` values at each position: at each
/// position, `a`'s values, then `b`'s.
///
/// ```
/// use nn_core::int8::kernels::concatenate;
///
/// let mut y = [0i8; 6];
/// concatenate(&[1, 2], &[3, 4, 5, 6], (1, 2), &mut y);
/// assert_eq!(y, [1, 3, 4, 2, 5, 6]);
/// ```
///
/// # Panics
///
/// When a channel count is 0, or the lengths are not whole positions of them.
#[inline]
pub fn concatenate(a: &[i8], b: &[i8], (ca, cb): (usize, usize), y: &mut [i8]) {
    let rows = y.chunks_exact_mut(ca + cb);
    assert!(
        ca > 0 && cb > 0 && a.len() / ca == b.len() / cb && rows.len() == a.len() / ca,
        "whole positions"
    );
    for ((row, a), b) in rows.zip(a.chunks_exact(ca)).zip(b.chunks_exact(cb)) {
        row[..ca].copy_from_slice(a);
        row[ca..].copy_from_slice(b);
    }
}
