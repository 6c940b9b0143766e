//! The baseline a careful user would write without `nn`: the same 784-128(relu)-10(softmax)
//! training step with Adam (Keras's defaults) in nalgebra, with every buffer allocated once,
//! transposes as strided views (no copies), products through nalgebra's `gemm` (matrixmultiply)
//! and denormals flushed to zero while it runs.

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, DVector, Dyn, MatrixView};

/// Keras's Adam defaults.
const LEARNING_RATE: f32 = 0.001;
const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-7;

/// One tensor with its Adam moments.
struct Param {
    w: Vec<f32>,
    g: Vec<f32>,
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Param {
    fn new(values: Vec<f32>) -> Self {
        let n = values.len();
        Self {
            w: values,
            g: vec![0.0; n],
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    /// Adam's update, as Keras computes it.
    fn update(&mut self, step: i32) {
        let alpha = LEARNING_RATE * (1.0 - BETA_2.powi(step)).sqrt() / (1.0 - BETA_1.powi(step));
        for (((w, &g), m), v) in self
            .w
            .iter_mut()
            .zip(&self.g)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m += (g - *m) * (1.0 - BETA_1);
            *v += (g * g - *v) * (1.0 - BETA_2);
            *w -= alpha * *m / (v.sqrt() + EPSILON);
        }
    }
}

/// A column-major `rows × cols` matrix in `values`, seen transposed (`cols × rows`).
fn transposed(values: &[f32], rows: usize, cols: usize) -> MatrixView<'_, f32, Dyn, Dyn, Dyn, Dyn> {
    MatrixView::from_slice_with_strides_generic(values, Dyn(cols), Dyn(rows), Dyn(rows), Dyn(1))
}

fn view(values: &[f32], rows: usize, cols: usize) -> DMatrixView<'_, f32> {
    DMatrixView::from_slice(values, rows, cols)
}

fn view_mut(values: &mut [f32], rows: usize, cols: usize) -> DMatrixViewMut<'_, f32> {
    DMatrixViewMut::from_slice(values, rows, cols)
}

/// The network, its optimizer state and the buffers of one batch size.
pub(crate) struct HandWritten {
    batch: usize,
    step: i32,
    w1: Param,
    b1: Param,
    w2: Param,
    b2: Param,
    h: DMatrix<f32>,
    z: DMatrix<f32>,
    dh: DMatrix<f32>,
    ones: DVector<f32>,
}

impl HandWritten {
    /// Starts from these weights, in Keras's layout (kernel `(inputs, units)` row-major, which
    /// is the `units × inputs` column-major matrix used here), for batches of `batch`.
    pub(crate) fn new(batch: usize, [w1, b1, w2, b2]: [Vec<f32>; 4]) -> Self {
        assert!(w1.len() == 784 * 128 && b1.len() == 128 && w2.len() == 128 * 10 && b2.len() == 10);
        Self {
            batch,
            step: 0,
            w1: Param::new(w1),
            b1: Param::new(b1),
            w2: Param::new(w2),
            b2: Param::new(b2),
            h: DMatrix::zeros(128, batch),
            z: DMatrix::zeros(10, batch),
            dh: DMatrix::zeros(128, batch),
            ones: DVector::from_element(batch, 1.0),
        }
    }

    /// One training step on the column-major `784 × batch` matrix `x` with class labels `y`.
    fn step(&mut self, samples: &[f32], y: &[f32]) {
        let n = self.batch;
        let x = view(samples, 784, n);
        // Forward: h = relu(W₁x + b₁), z = softmax(W₂h + b₂).
        self.h.gemm(1.0, &view(&self.w1.w, 128, 784), &x, 0.0);
        for mut column in self.h.column_iter_mut() {
            for (v, b) in column.iter_mut().zip(&self.b1.w) {
                *v = (*v + b).max(0.0);
            }
        }
        self.z.gemm(1.0, &view(&self.w2.w, 10, 128), &self.h, 0.0);
        // The loss gradient of softmax with cross-entropy, averaged over the batch.
        for (mut column, &label) in self.z.column_iter_mut().zip(y) {
            let mut largest = f32::NEG_INFINITY;
            for (v, b) in column.iter_mut().zip(&self.b2.w) {
                *v += b;
                largest = largest.max(*v);
            }
            let mut sum = 0.0;
            for v in column.iter_mut() {
                *v = (*v - largest).exp();
                sum += *v;
            }
            for (class, v) in column.iter_mut().enumerate() {
                let target = if class == label as usize { 1.0 } else { 0.0 };
                *v = (*v / sum - target) / n as f32;
            }
        }
        // Backward: ∂W₂ = ∂z hᵀ, ∂b₂ = Σ ∂z, ∂h = W₂ᵀ ∂z ⊙ relu′, ∂W₁ = ∂h xᵀ, ∂b₁ = Σ ∂h.
        view_mut(&mut self.w2.g, 10, 128).gemm(
            1.0,
            &self.z,
            &transposed(self.h.as_slice(), 128, n),
            0.0,
        );
        view_mut(&mut self.b2.g, 10, 1).gemm(1.0, &self.z, &self.ones, 0.0);
        self.dh
            .gemm(1.0, &transposed(&self.w2.w, 10, 128), &self.z, 0.0);
        self.dh.zip_apply(&self.h, |d, h| {
            if h <= 0.0 {
                *d = 0.0
            }
        });
        view_mut(&mut self.w1.g, 128, 784).gemm(1.0, &self.dh, &transposed(samples, 784, n), 0.0);
        view_mut(&mut self.b1.g, 128, 1).gemm(1.0, &self.dh, &self.ones, 0.0);
        self.step += 1;
        for param in [&mut self.w1, &mut self.b1, &mut self.w2, &mut self.b2] {
            param.update(self.step);
        }
    }

    /// The weights, in the order and layout [`HandWritten::new`] takes them.
    pub(crate) fn weights(&self) -> [&[f32]; 4] {
        [&self.w1.w, &self.b1.w, &self.w2.w, &self.b2.w]
    }

    /// Steps over every whole batch of `x` (column-major, 784 values a sample) and `y`, with
    /// denormals flushed to zero.
    pub(crate) fn epoch(&mut self, x: &[f32], y: &[f32]) {
        let n = self.batch;
        flush_denormals(|| {
            for (x, y) in x.chunks_exact(784 * n).zip(y.chunks_exact(n)) {
                self.step(x, y);
            }
        });
    }
}

/// Runs `f` with flush-to-zero and denormals-are-zero set in MXCSR (x86-64), restoring it after.
fn flush_denormals(f: impl FnOnce()) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut saved = 0u32;
        // SAFETY: `stmxcsr`/`ldmxcsr` store and load the 32-bit MXCSR through a valid address;
        // setting FTZ (bit 15) and DAZ (bit 6) changes only how denormals round.
        unsafe {
            core::arch::asm!("stmxcsr [{}]", in(reg) &mut saved, options(nostack, preserves_flags));
            let flushing = saved | 0x8040;
            core::arch::asm!("ldmxcsr [{}]", in(reg) &flushing, options(nostack, readonly, preserves_flags));
        }
        f();
        // SAFETY: as above, restoring the value read.
        unsafe {
            core::arch::asm!("ldmxcsr [{}]", in(reg) &saved, options(nostack, readonly, preserves_flags));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    f();
}
