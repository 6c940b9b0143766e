//! The vector instructions the kernels use, chosen at run time.
//!
//! The crate is compiled for the baseline of its target (SSE2 on x86-64), so that one build runs
//! on every processor of the target. The hot loops of training get wider instructions at run time:
//!
//! - **Matrix products** in `f32` run on our AVX2+FMA kernel ([`linalg::avx2`](crate::linalg))
//!   on a processor with AVX2 and FMA but not AVX-512, where it beats matrixmultiply on the
//!   batch-shaped products of training. On an AVX-512 processor and everywhere else they run on
//!   matrixmultiply, which picks its own widest kernel (AVX-512 included) at run time.
//! - **Elementwise passes** (the optimizer updates, max pooling) are compiled three times, for
//!   the baseline, AVX2 and AVX-512, by [`Isa::run`]. They use the same IEEE operations (Rust
//!   never fuses a multiply and an add on its own), so the result is bit for bit the same on
//!   every instruction set; only its speed differs.
//!
//! [`Isa::current`] is what the processor supports, unless a test or a benchmark lowered it for
//! the calling thread with [`with_isa`]. Work split across threads takes the caller's choice
//! along.

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction set the kernels are compiled for, from the narrowest.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Isa {
    /// The target's baseline (SSE2 on x86-64); products on matrixmultiply.
    Portable,
    /// AVX2 with FMA; products on our kernel.
    Avx2,
    /// AVX-512 (foundation); products on matrixmultiply's AVX-512 kernel.
    Avx512,
}

/// What [`Isa::detected`] found, plus one (0: not looked yet).
static DETECTED: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// A lower instruction set chosen for this thread by [`with_isa`].
    static CHOSEN: Cell<Option<Isa>> = const { Cell::new(None) };
}

impl Isa {
    const ALL: [Isa; 3] = [Isa::Portable, Isa::Avx2, Isa::Avx512];

    /// The widest instruction set this processor supports (looked up once).
    pub fn detected() -> Isa {
        match DETECTED.load(Ordering::Relaxed) {
            0 => {
                let isa = Self::probe();
                DETECTED.store(isa as u8 + 1, Ordering::Relaxed);
                isa
            }
            n => Self::ALL[usize::from(n - 1)],
        }
    }

    fn probe() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// Every instruction set this processor supports, from the narrowest.
    pub fn supported() -> impl Iterator<Item = Isa> {
        let widest = Self::detected();
        Self::ALL.into_iter().filter(move |&isa| isa <= widest)
    }

    /// The instruction set for the calling thread: [`detected`](Isa::detected), or what
    /// [`with_isa`] chose.
    pub fn current() -> Isa {
        CHOSEN.with(Cell::get).unwrap_or_else(Self::detected)
    }

    /// Runs `f`, compiled for this instruction set.
    ///
    /// Only code inlined into the entry for an instruction set is compiled for it; a function
    /// the compiler leaves out of line keeps the baseline instructions. So the closure is to be
    /// marked `#[inline(always)]`, and so are the functions it calls. Without that, a change
    /// elsewhere in a program can move the loop out of line: it happened to the Adam update in
    /// `cargo bench --bench training`, where a step then took 1.55× the time of its matrix
    /// products instead of 1.39×.
    ///
    /// # Panics
    /// If the processor does not support `self` ([`Isa::current`] always is supported).
    #[inline(always)]
    #[allow(unsafe_code, reason = "calls `#[target_feature]` functions")]
    pub(crate) fn run<R>(self, f: impl FnOnce() -> R) -> R {
        // Checked in every build, once per call of a whole kernel (a relaxed load and a
        // comparison): running a wider instruction set than the processor has would be
        // undefined behaviour, not a panic.
        assert!(self <= Self::detected(), "{self:?} is not supported here");
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = "avx2")]
            fn avx2<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            #[target_feature(enable = "avx512f")]
            fn avx512<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            match self {
                // SAFETY: `self` is supported by this processor (asserted above): `detected`
                // found it or a wider instruction set that implies it.
                Isa::Avx512 => return unsafe { avx512(f) },
                // SAFETY: as above.
                Isa::Avx2 => return unsafe { avx2(f) },
                Isa::Portable => {}
            }
        }
        f()
    }
}

/// Runs `f` with the kernels of `isa` on this thread (and on the threads its work is split
/// across), or of the widest supported one below it.
pub fn with_isa<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    let isa = isa.min(Isa::detected());
    let previous = CHOSEN.with(|chosen| chosen.replace(Some(isa)));
    /// Restores the previous choice, also when `f` panics.
    struct Restore(Option<Isa>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CHOSEN.with(|chosen| chosen.set(self.0));
        }
    }
    let _restore = Restore(previous);
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lowered_choice_holds_inside_and_is_restored() {
        let widest = Isa::detected();
        assert_eq!(Isa::current(), widest);
        assert_eq!(Isa::supported().last(), Some(widest));
        with_isa(Isa::Portable, || {
            assert_eq!(Isa::current(), Isa::Portable);
            with_isa(Isa::Avx512, || assert_eq!(Isa::current(), widest));
            assert_eq!(Isa::current(), Isa::Portable);
        });
        assert_eq!(Isa::current(), widest);
        let caught = std::panic::catch_unwind(|| with_isa(Isa::Portable, || panic!("inside")));
        assert!(caught.is_err());
        assert_eq!(Isa::current(), widest);
    }

    /// An instruction set wider than the processor's is refused, in release builds too.
    #[test]
    fn an_unsupported_instruction_set_is_refused() {
        assert_eq!(Isa::detected().run(|| 1), 1);
        if let Some(&wider) = Isa::ALL.iter().find(|&&isa| isa > Isa::detected()) {
            let ran = std::panic::catch_unwind(|| wider.run(|| ()));
            assert!(
                ran.is_err(),
                "{wider:?} ran on a {:?} processor",
                Isa::detected()
            );
        }
    }

    /// The elementwise entries give the same bits on every instruction set.
    #[test]
    fn every_instruction_set_computes_the_same_bits() {
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 3.0).collect();
        let pass = |isa: Isa| {
            isa.run(
                #[inline(always)]
                || {
                    x.iter()
                        .map(|&v| (v * 1.5 - 0.25) / ((v * v).sqrt() + 1e-7))
                        .collect::<Vec<f32>>()
                },
            )
        };
        let portable = pass(Isa::Portable);
        for isa in Isa::supported() {
            let got = pass(isa);
            assert!(
                got.iter()
                    .zip(&portable)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{isa:?}"
            );
        }
    }

    /// Vectorized for AVX2 or AVX-512 (as the cells run them), the cells' `exp`, sigmoid and
    /// `tanh` (`elementary.rs`) give the bits of the baseline build.
    #[test]
    fn the_cells_exp_sigmoid_and_tanh_give_the_same_bits_on_every_instruction_set() {
        use crate::elementary::{exp, sigmoid, tanh};
        let x: Vec<f32> = (-300_000..300_000).map(|i| i as f32 * 3.7e-4).collect();
        let pass = |isa: Isa| {
            isa.run(
                #[inline(always)]
                || -> [Vec<u32>; 3] {
                    [
                        x.iter().map(|&v| exp(v).to_bits()).collect(),
                        x.iter().map(|&v| sigmoid(v).to_bits()).collect(),
                        x.iter().map(|&v| tanh(v).to_bits()).collect(),
                    ]
                },
            )
        };
        let portable = pass(Isa::Portable);
        for isa in Isa::supported() {
            assert!(pass(isa) == portable, "{isa:?}");
        }
    }
}
