//! Inference speed of the design card's network (32 → 64 relu → dropout → 10 softmax), each next
//! to a baseline measured in the same run:
//!
//! - single-sample `predict` next to a hand-written const-generic loop computing the same function
//!   with the same weights;
//! - `predict_batch` on 1024 samples next to plain nalgebra implementations, with `DMatrix`
//!   weights and with `SMatrix` weights times an `OMatrix<_, Const<32>, Dyn>` batch;
//! - the firmware's sine model (1 → 16 relu → 16 relu → 1, weights built into the program with
//!   `#[safetensors(.., embed)]`, as on a microcontroller) next to a hand-written loop.
//!
//! - one streaming step of an LSTM with 16 units and 8 inputs (`Lstm::step`, and a network's
//!   `step` over it and a Dense layer) next to a hand-written loop with the same weights.
//!
//! Run with `cargo bench --bench inference`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nn::nalgebra::{Const, DMatrix, DVector, Dyn, OMatrix, SMatrix, SVector};
use nn::prelude::*;
use std::hint::black_box;

network! {
    /// The design card's network.
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;

    /// The firmware's sine model, its weights built in.
    #[safetensors("firmware/models/sine.safetensors", embed)]
    pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// A streamed network: the LSTM of the benchmark, then a Dense layer on each step's output.
    pub struct Streamed = Input<100, 8>, LSTM<16>, Dense<16, 1>;
}

static SINE: Sine = Sine::EMBEDDED;

/// The sine model as plain arrays (`w[i]` is input `i`'s weights to every unit).
struct HandSine {
    w1: [[f32; 16]; 1],
    b1: [f32; 16],
    w2: [[f32; 16]; 16],
    b2: [f32; 16],
    w3: [[f32; 1]; 16],
    b3: [f32; 1],
}

impl HandSine {
    fn from(net: &Sine) -> Self {
        fn copy<const I: usize, const O: usize>(kernel: &[f32]) -> [[f32; O]; I] {
            let mut w = [[0.0; O]; I];
            for (row, values) in w.iter_mut().zip(kernel.chunks_exact(O)) {
                row.copy_from_slice(values);
            }
            w
        }
        let bias = |b: &[f32]| -> [f32; 16] { b.try_into().expect("16 units") };
        Self {
            w1: copy(net.dense.kernel.as_slice()),
            b1: bias(net.dense.bias.as_slice()),
            w2: copy(net.dense_1.kernel.as_slice()),
            b2: bias(net.dense_1.bias.as_slice()),
            w3: copy(net.dense_2.kernel.as_slice()),
            b3: [net.dense_2.bias[0]],
        }
    }

    #[inline(never)]
    fn predict(&self, x: &[f32; 1]) -> [f32; 1] {
        let mut h = affine(&self.w1, &self.b1, x);
        h.iter_mut().for_each(|v| *v = v.max(0.0));
        let mut h2 = affine(&self.w2, &self.b2, &h);
        h2.iter_mut().for_each(|v| *v = v.max(0.0));
        affine(&self.w3, &self.b3, &h2)
    }
}

/// The same network as plain arrays: `w[i]` is input `i`'s weights to every unit.
struct HandWritten {
    w1: [[f32; 64]; 32],
    b1: [f32; 64],
    w2: [[f32; 10]; 64],
    b2: [f32; 10],
}

impl HandWritten {
    fn from(net: &Classifier) -> Self {
        let mut hand = Self {
            w1: [[0.0; 64]; 32],
            b1: [0.0; 64],
            w2: [[0.0; 10]; 64],
            b2: [0.0; 10],
        };
        for i in 0..32 {
            for o in 0..64 {
                hand.w1[i][o] = net.dense.kernel[(o, i)];
            }
        }
        for i in 0..64 {
            for o in 0..10 {
                hand.w2[i][o] = net.dense_1.kernel[(o, i)];
            }
        }
        hand.b1.copy_from_slice(net.dense.bias.as_slice());
        hand.b2.copy_from_slice(net.dense_1.bias.as_slice());
        hand
    }

    #[inline(never)]
    fn predict(&self, x: &[f32; 32]) -> [f32; 10] {
        let mut h = affine(&self.w1, &self.b1, x);
        for v in &mut h {
            *v = v.max(0.0);
        }
        let mut y = affine(&self.w2, &self.b2, &h);
        let max = y.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in &mut y {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in &mut y {
            *v /= sum;
        }
        y
    }
}

/// `b + Σᵢ xᵢ wᵢ`, the vectorizable way round.
#[inline(always)]
fn affine<const I: usize, const O: usize>(
    w: &[[f32; O]; I],
    b: &[f32; O],
    x: &[f32; I],
) -> [f32; O] {
    let mut y = *b;
    for (row, &xi) in w.iter().zip(x) {
        for (yo, &wo) in y.iter_mut().zip(row) {
            *yo += wo * xi;
        }
    }
    y
}

/// The same network with dynamically sized nalgebra matrices.
struct Dynamic {
    w1: DMatrix<f32>,
    b1: DVector<f32>,
    w2: DMatrix<f32>,
    b2: DVector<f32>,
}

impl Dynamic {
    fn from(net: &Classifier) -> Self {
        Self {
            w1: DMatrix::from_column_slice(64, 32, net.dense.kernel.as_slice()),
            b1: DVector::from_column_slice(net.dense.bias.as_slice()),
            w2: DMatrix::from_column_slice(10, 64, net.dense_1.kernel.as_slice()),
            b2: DVector::from_column_slice(net.dense_1.bias.as_slice()),
        }
    }

    fn predict(&self, x: &DMatrix<f32>) -> DMatrix<f32> {
        let mut h = &self.w1 * x;
        for mut column in h.column_iter_mut() {
            column += &self.b1;
            column.apply(|v| *v = v.max(0.0));
        }
        let mut y = &self.w2 * h;
        for mut column in y.column_iter_mut() {
            column += &self.b2;
            let max = column.max();
            column.apply(|v| *v = (*v - max).exp());
            let sum = column.sum();
            column /= sum;
        }
        y
    }
}

/// The same network with fixed-size nalgebra weights (`SMatrix`) times a batch whose width is
/// dynamic (`OMatrix<_, Const<32>, Dyn>`), nalgebra's products through matrixmultiply.
struct Static {
    w1: SMatrix<f32, 64, 32>,
    b1: SVector<f32, 64>,
    w2: SMatrix<f32, 10, 64>,
    b2: SVector<f32, 10>,
}

impl Static {
    fn from(net: &Classifier) -> Self {
        Self {
            w1: SMatrix::from_column_slice(net.dense.kernel.as_slice()),
            b1: SVector::from_column_slice(net.dense.bias.as_slice()),
            w2: SMatrix::from_column_slice(net.dense_1.kernel.as_slice()),
            b2: SVector::from_column_slice(net.dense_1.bias.as_slice()),
        }
    }

    fn predict(&self, x: &OMatrix<f32, Const<32>, Dyn>) -> OMatrix<f32, Const<10>, Dyn> {
        let mut h = self.w1 * x;
        for mut column in h.column_iter_mut() {
            column += &self.b1;
            column.apply(|v| *v = v.max(0.0));
        }
        let mut y = self.w2 * h;
        for mut column in y.column_iter_mut() {
            column += &self.b2;
            let max = column.max();
            column.apply(|v| *v = (*v - max).exp());
            let sum = column.sum();
            column /= sum;
        }
        y
    }
}

fn single_sample(c: &mut Criterion) {
    let net = Classifier::seeded(1);
    let hand = HandWritten::from(&net);
    let x = SVector::<f32, 32>::from_fn(|i, _| (i as f32 * 0.37).sin());
    let mut xa = [0.0; 32];
    xa.copy_from_slice(x.as_slice());
    let ours = net.predict(&x);
    let theirs = hand.predict(&xa);
    assert!(
        ours.iter().zip(&theirs).all(|(a, b)| (a - b).abs() < 1e-6),
        "both compute the same function"
    );

    let mut group = c.benchmark_group("single sample");
    group.bench_function("hand-written loop", |b| {
        b.iter(|| hand.predict(black_box(&xa)))
    });
    group.bench_function("nn predict", |b| b.iter(|| net.predict(black_box(&x))));
    group.finish();
}

fn batch(c: &mut Criterion) {
    const N: usize = 1024;
    let net = Classifier::seeded(1);
    let dynamic = Dynamic::from(&net);
    let fixed = Static::from(&net);
    let x = Batch::<f32, 32>::from_fn_generic(Const::<32>, Dyn(N), |i, j| {
        ((i * 31 + j * 7) % 17) as f32 / 17.0 - 0.5
    });
    let xd = DMatrix::from_column_slice(32, N, x.as_slice());
    let ours = net.predict_batch(&x);
    for theirs in [
        dynamic.predict(&xd).as_slice(),
        fixed.predict(&x).as_slice(),
    ] {
        assert!(
            ours.iter().zip(theirs).all(|(a, b)| (a - b).abs() < 1e-5),
            "both compute the same function"
        );
    }

    let mut group = c.benchmark_group("batch of 1024");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function("nalgebra DMatrix", |b| {
        b.iter(|| dynamic.predict(black_box(&xd)))
    });
    group.bench_function("nalgebra SMatrix × OMatrix<Dyn>", |b| {
        b.iter(|| fixed.predict(black_box(&x)))
    });
    group.bench_function("nn predict_batch", |b| {
        b.iter(|| net.predict_batch(black_box(&x)))
    });
    group.finish();
}

/// The static sine model's `predict`, called like the hand-written loop: not inlined, and the
/// network reached through a reference the optimizer cannot see through, so that neither side
/// can fold its weights into constants.
#[inline(never)]
fn sine_predict(net: &Sine, x: &SVector<f32, 1>) -> SVector<f32, 1> {
    net.predict(x)
}

fn sine(c: &mut Criterion) {
    let hand = HandSine::from(&SINE);
    let x = SVector::<f32, 1>::new(1.25);
    assert!(
        (sine_predict(&SINE, &x)[0] - hand.predict(&[1.25])[0]).abs() < 1e-6,
        "both compute the same function"
    );
    let mut group = c.benchmark_group("sine model, single sample");
    group.bench_function("hand-written loop", |b| {
        b.iter(|| black_box(&hand).predict(black_box(&[1.25])))
    });
    group.bench_function("nn predict (static, embedded)", |b| {
        b.iter(|| sine_predict(black_box(&SINE), black_box(&x)))
    });
    group.finish();
}

/// The streaming LSTM of the benchmark: 8 features a step into 16 units, the last step out.
type StreamLstm = nn::Lstm<f32, 8, 16, 8, 16, 64, false>;

/// The same LSTM step written by hand: weights as rows per gate value, state in arrays.
struct HandLstm {
    w: [[f32; 8]; 64],
    r: [[f32; 16]; 64],
    b: [f32; 64],
}

impl HandLstm {
    fn from(lstm: &StreamLstm) -> Self {
        let mut hand = Self {
            w: [[0.0; 8]; 64],
            r: [[0.0; 16]; 64],
            b: [0.0; 64],
        };
        for g in 0..64 {
            for f in 0..8 {
                hand.w[g][f] = lstm.kernel[(g, f)];
            }
            for u in 0..16 {
                hand.r[g][u] = lstm.recurrent_kernel[(g, u)];
            }
            hand.b[g] = lstm.bias[g];
        }
        hand
    }

    fn step(&self, h: &mut [f32; 16], c: &mut [f32; 16], x: &[f32; 8]) {
        let sigmoid = |v: f32| 1.0 / (1.0 + (-v).exp());
        let mut z = self.b;
        for (g, z) in z.iter_mut().enumerate() {
            let from_x: f32 = self.w[g].iter().zip(x).map(|(w, x)| w * x).sum();
            let from_h: f32 = self.r[g].iter().zip(h.iter()).map(|(r, h)| r * h).sum();
            *z += from_x + from_h;
        }
        for u in 0..16 {
            let (i, f) = (sigmoid(z[u]), sigmoid(z[16 + u]));
            let (g, o) = (z[32 + u].tanh(), sigmoid(z[48 + u]));
            c[u] = f * c[u] + i * g;
            h[u] = o * c[u].tanh();
        }
    }
}

fn lstm_step(c: &mut Criterion) {
    use rand::SeedableRng;
    let lstm = StreamLstm::new(&mut rand::rngs::StdRng::seed_from_u64(1));
    let hand = HandLstm::from(&lstm);
    let x = SVector::<f32, 8>::from_fn(|i, _| (i as f32 * 0.4).sin());
    let mut xa = [0.0; 8];
    xa.copy_from_slice(x.as_slice());
    // Both run the same steps from the same state.
    let mut state = nn::LstmState::default();
    let (mut h, mut cell) = ([0.0f32; 16], [0.0f32; 16]);
    for _ in 0..3 {
        lstm.step(&mut state, &x);
        hand.step(&mut h, &mut cell, &xa);
    }
    assert!(
        state.h.iter().zip(&h).all(|(a, b)| (a - b).abs() < 1e-5),
        "both compute the same step"
    );
    let mut group = c.benchmark_group("LSTM<16>, one step of 8 inputs");
    group.bench_function("hand-written loop", |b| {
        b.iter(|| hand.step(&mut h, &mut cell, black_box(&xa)))
    });
    group.bench_function("nn Lstm::step", |b| {
        b.iter(|| lstm.step(&mut state, black_box(&x)))
    });
    // The whole network's step: the same LSTM step, and a Dense layer of 16 weights on it.
    let mut net = Streamed::seeded(1);
    net.lstm.kernel.copy_from(&lstm.kernel);
    net.lstm.recurrent_kernel.copy_from(&lstm.recurrent_kernel);
    net.lstm.bias.copy_from(&lstm.bias);
    let mut net_state = Default::default();
    group.bench_function("nn network step (LSTM<16>, Dense<16, 1>)", |b| {
        b.iter(|| net.step(&mut net_state, black_box(&x)))
    });
    group.finish();
}

criterion_group!(benches, single_sample, batch, sine, lstm_step);
criterion_main!(benches);
