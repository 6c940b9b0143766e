//! Runtime dispatch to wider vector instructions for the elementwise loops of training.
//!
//! The crate is compiled for the baseline of its target (SSE2 on x86-64). Loops such as the
//! optimizer updates vectorize twice as wide with AVX2, which nearly every x86-64 processor in
//! use has; [`wide`] runs a closure in code compiled for AVX2 when the processor supports it. The
//! operations are the same IEEE ones (no fused multiply-add is enabled), so the results are
//! identical either way.

/// Runs `f`, compiled for AVX2 when the processor has it.
///
/// Only code inlined into the AVX2 entry is compiled for AVX2; a function the compiler leaves
/// out of line keeps the baseline instructions. So the closure is to be marked
/// `#[inline(always)]`, and so are the functions it calls. Without that, a change elsewhere in a
/// program can move the loop out of line: it happened to the Adam update in
/// `cargo bench --bench training`, where a step then took 1.55× the time of its matrix products
/// instead of 1.39×.
#[inline(always)]
pub(crate) fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            return unsafe { avx2(f) };
        }
    }
    f()
}
