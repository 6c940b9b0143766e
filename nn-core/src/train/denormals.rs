//! Flush-to-zero and denormals-are-zero for the duration of training.
//!
//! Optimizer state such as Adam's second moment decays towards values far below `f32::MIN_POSITIVE`;
//! arithmetic on such denormal numbers is many times slower on x86. XLA (and so Keras on JAX)
//! runs with flush-to-zero on the CPU; `fit` does the same by default and restores the previous
//! mode when it returns. On other architectures this is a no-op.

/// Restores the floating-point control register when dropped.
pub(crate) struct FlushDenormals {
    #[cfg(target_arch = "x86_64")]
    previous: Option<u32>,
}

/// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) flags.
#[cfg(target_arch = "x86_64")]
const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, reason = "inline assembly")]
fn read_mxcsr() -> u32 {
    let mut value: u32 = 0;
    // SAFETY: `stmxcsr` stores the 32-bit MXCSR register to the given address, which points at
    // a live, aligned local.
    unsafe {
        core::arch::asm!("stmxcsr [{}]", in(reg) &mut value, options(nostack, preserves_flags))
    };
    value
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, reason = "inline assembly")]
fn write_mxcsr(value: u32) {
    // SAFETY: `ldmxcsr` loads MXCSR from the given address; the value is one read from MXCSR
    // with only the FTZ and DAZ bits changed, which are valid on every x86_64 processor with SSE2.
    unsafe { core::arch::asm!("ldmxcsr [{}]", in(reg) &value, options(nostack, preserves_flags)) };
}

impl FlushDenormals {
    /// Sets flush-to-zero and denormals-are-zero when `enable`, until the guard is dropped.
    pub(crate) fn new(enable: bool) -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let previous = enable.then(|| {
                let previous = read_mxcsr();
                write_mxcsr(previous | FTZ_DAZ);
                previous
            });
            Self { previous }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = enable;
            Self {}
        }
    }
}

impl Drop for FlushDenormals {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if let Some(previous) = self.previous {
            write_mxcsr(previous);
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    #[test]
    fn denormals_flush_inside_the_guard_only() {
        let tiny = std::hint::black_box(f32::MIN_POSITIVE);
        let half = |x: f32| std::hint::black_box(x) / 2.0;
        assert!(half(tiny) > 0.0, "denormals exist by default");
        {
            let _guard = FlushDenormals::new(true);
            assert_eq!(half(tiny), 0.0);
        }
        assert!(half(tiny) > 0.0, "the previous mode is restored");
        let _off = FlushDenormals::new(false);
        assert!(half(tiny) > 0.0);
    }
}
