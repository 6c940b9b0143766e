//! Training uses every core by default and gives the same weights, bit for bit, whatever the
//! number of threads: the same seed with 1, 2 and 3 threads must give identical networks (large
//! products are split by columns of their result and the optimizer's update by elements, so no
//! sum depends on the split). The networks are large enough for both splits to happen.

use nn::prelude::*;
use rand::{RngExt, SeedableRng};

network! {
    /// The benchmark's MLP: its first product (128 × 784 × 32) and its first kernel's update
    /// (100,352 values) are split.
    pub struct Mlp = Dense<784, 128, Relu>, Dense<128, 10, Softmax>;

    /// A CNN with batch normalization, whose kernel-gradient and dense products are split.
    pub struct Cnn =
        Input<16, 16, 1>,
        Conv2D<16, (3, 3), Relu>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Flatten,
        Dense<_, 64, Relu>,
        Dense<64, 10, Softmax>;

    /// Recurrent layers, whose cells are split by samples and whose products by columns.
    pub struct Recurrent =
        Input<16, 16>,
        LSTM<64, return_sequences = true>,
        GRU<16>,
        Dense<16, 10, Softmax>;

    /// Dense layers of every shape the batch kernels tell apart: rows in one masked vector
    /// (10), in a block of four vectors and a masked block after it (100), a kernel too large
    /// for them (784 × 48, a product instead), no bias.
    pub struct Dense3 =
        Dense<7, 100, Relu>,
        Dense<100, 10, Tanh, use_bias = false>,
        Dense<10, 784>,
        Dense<784, 48, Sigmoid>,
        Dense<48, 32, Softmax>;

    /// Every recurrent kind, both directions and each sequence option, with cells costly enough
    /// that a batch of two samples is split in two.
    pub struct Chain =
        Input<9, 5>,
        LSTM<32, return_sequences = true>,
        GRU<32, go_backwards = true, return_sequences = true>,
        SimpleRNN<64, go_backwards = true, return_sequences = true>,
        LSTM<32, go_backwards = true>,
        Dense<32, 3, Softmax>;

    /// Bidirectional layers with three merge modes.
    pub struct Bidirectionals =
        Input<9, 5>,
        Bidirectional<LSTM<32, return_sequences = true>>,
        Bidirectional<GRU<32, return_sequences = true>, merge_mode = Sum>,
        Bidirectional<SimpleRNN<64>, merge_mode = Mul>,
        Dense<64, 3>;
}

/// `n` random samples of `I` values in [0, 1) with labels 0 to 9.
fn data<const I: usize>(n: usize, seed: u64) -> Dataset<f32, I, 1> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let x: Vec<f32> = (0..n * I).map(|_| rng.random::<f32>()).collect();
    let y: Vec<f32> = (0..n).map(|_| rng.random_range(0..10u8) as f32).collect();
    Dataset::from_slices(&x, &y).expect("consistent sizes")
}

/// Every parameter, flattened.
fn weights<N: Network<f32>>(net: &N) -> Vec<f32> {
    net.params().flat_map(|(_, p)| p.values.to_vec()).collect()
}

fn train<N, const I: usize>(threads: usize, data: &Dataset<f32, I, 1>) -> (Vec<u32>, Vec<u32>)
where
    N: Network<f32, Input = Const<I>, Output = Const<10>>,
{
    let (weights, predictions) = train_values::<N, I>(threads, data);
    let bits = |values: Vec<f32>| values.iter().map(|v| v.to_bits()).collect();
    (bits(weights), bits(predictions))
}

/// The weights and the predictions on `data` after two epochs on `threads` threads.
fn train_values<N, const I: usize>(
    threads: usize,
    data: &Dataset<f32, I, 1>,
) -> (Vec<f32>, Vec<f32>)
where
    N: Network<f32, Input = Const<I>, Output = Const<10>>,
{
    let mut model = Model::new(
        N::seeded(7),
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    )
    .with_threads(threads);
    let fit = Fit {
        epochs: 2,
        batch_size: 32,
        seed: 3,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(data, &fit).expect("training runs");
    let predictions = model.predict(data.x()).expect("finite inputs");
    (weights(&model.network), predictions.as_slice().to_vec())
}

#[test]
fn the_mlp_trains_to_the_same_bits_on_any_number_of_threads() {
    let data = data::<784>(256, 1);
    let one = train::<Mlp, 784>(1, &data);
    for threads in [2, 3] {
        assert!(
            train::<Mlp, 784>(threads, &data) == one,
            "{threads} threads differ from one"
        );
    }
}

#[test]
fn the_cnn_trains_to_the_same_bits_on_any_number_of_threads() {
    let data = data::<256>(128, 2);
    let one = train::<Cnn, 256>(1, &data);
    for threads in [2, 3] {
        assert!(
            train::<Cnn, 256>(threads, &data) == one,
            "{threads} threads differ from one"
        );
    }
}

#[test]
fn recurrent_networks_train_to_the_same_bits_on_any_number_of_threads() {
    let data = data::<256>(96, 3);
    let one = train::<Recurrent, 256>(1, &data);
    for threads in [2, 3] {
        assert!(
            train::<Recurrent, 256>(threads, &data) == one,
            "{threads} threads differ from one"
        );
    }
}

/// Every instruction set the processor supports trains like the portable kernels: the
/// elementwise passes give the same bits, the products (our AVX2 kernel or matrixmultiply's)
/// round differently, so the results agree closely rather than bit for bit.
#[test]
fn every_instruction_set_trains_like_the_portable_kernels() {
    use nn::__private::{Isa, with_isa};
    let mlp = data::<784>(256, 1);
    let cnn = data::<256>(128, 2);
    let portable = with_isa(Isa::Portable, || {
        (
            train_values::<Mlp, 784>(2, &mlp),
            train_values::<Cnn, 256>(2, &cnn),
        )
    });
    for isa in Isa::supported() {
        let got = with_isa(isa, || {
            (
                train_values::<Mlp, 784>(2, &mlp),
                train_values::<Cnn, 256>(2, &cnn),
            )
        });
        for (name, (weights, predictions), (weights_0, predictions_0)) in
            [("MLP", &got.0, &portable.0), ("CNN", &got.1, &portable.1)]
        {
            let largest = |a: &[f32], b: &[f32]| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| (x - y).abs())
                    .fold(0.0f32, f32::max)
            };
            let (dw, dp) = (
                largest(weights, weights_0),
                largest(predictions, predictions_0),
            );
            println!("{isa:?}, {name}: weights differ by {dw:e} at most, predictions by {dp:e}");
            assert!(
                dw < 1e-3 && dp < 1e-3,
                "{isa:?}, {name}: weights {dw}, predictions {dp}"
            );
        }
    }
}

/// The bits of everything two training steps through one tape compute for `n` samples on the
/// calling thread's thread count: outputs, input gradients and every weight gradient.
fn step_bits<T, N, const I: usize, const O: usize>(net: &N, n: usize) -> Vec<Vec<u64>>
where
    T: Float,
    N: Network<T, Input = Const<I>, Output = Const<O>>,
{
    use rand::rngs::StdRng;
    let bits = |v: &[T]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<u64>>();
    let mut tape = N::Tape::default();
    let mut out = Vec::new();
    for seed in 0..2 {
        let x = Batch::<T, I>::from_fn_generic(Const::<I>, Dyn(n), |r, c| {
            T::of(((r * 7 + c * 13 + seed * 5) % 17) as f64 / 4.0 - 2.0)
        });
        let dy = Batch::<T, O>::from_fn_generic(Const::<O>, Dyn(n), |r, c| {
            T::of(((r * 3 + c * 11 + seed) % 7) as f64 / 7.0 - 0.5)
        });
        let y = net
            .forward_train(&x, &mut tape, &mut StdRng::seed_from_u64(9))
            .clone();
        let mut grads = N::zeros();
        let dx = net.backward(&mut tape, &dy, &mut grads).clone();
        out.push(bits(y.as_slice()));
        out.push(bits(dx.as_slice()));
        out.extend(grads.params().map(|(_, p)| bits(p.values)));
    }
    out
}

/// Recurrent layers split a batch by samples across threads (each thread takes its samples
/// through every step): at small and odd batch sizes, empty included, and on every instruction
/// set, a training step gives the same bits on two and three threads as on one.
#[test]
fn recurrent_layers_give_the_same_bits_at_small_and_odd_batch_sizes() {
    use nn::__private::{Isa, with_isa, with_threads};
    fn check<T: Float, N, const I: usize, const O: usize>(name: &str, net: &N)
    where
        N: Network<T, Input = Const<I>, Output = Const<O>>,
    {
        for isa in Isa::supported() {
            with_isa(isa, || {
                for n in [0, 1, 2, 3, 5, 13] {
                    let one = with_threads(1, || step_bits::<T, N, I, O>(net, n));
                    for threads in [2, 3] {
                        let many = with_threads(threads, || step_bits::<T, N, I, O>(net, n));
                        assert!(
                            one == many,
                            "{name}, {isa:?}, {n} samples: {threads} threads differ from one"
                        );
                    }
                }
            });
        }
    }
    check::<f32, _, 45, 3>("Chain", &Chain::<f32>::seeded(1));
    check::<f64, _, 45, 3>("Chain", &Chain::<f64>::seeded(2));
    check::<f32, _, 45, 3>("Bidirectionals", &Bidirectionals::<f32>::seeded(3));
}

/// `predict_batch` gives each sample what `predict` gives it, on every instruction set and
/// thread count, at batch sizes that leave every remainder of the kernels' groups of samples:
/// bit for bit where the products are not the general matrix product (AVX-512's dense kernel,
/// which sums as `predict` does), and to 1e-5 where they are.
#[test]
fn a_batch_predicts_what_each_sample_predicts() {
    use nn::__private::{Isa, with_isa, with_threads};
    fn check<T: Float>(net: &Dense3<T>) {
        for isa in Isa::supported() {
            for n in [1, 2, 5, 8, 9, 13, 700] {
                let x = Batch::<T, 7>::from_fn_generic(Const::<7>, Dyn(n), |r, c| {
                    T::of(((r * 7 + c * 13) % 17) as f64 / 4.0 - 2.0)
                });
                let each: Vec<T> = (0..n)
                    .flat_map(|c| net.predict(&x.column(c).into_owned()).as_slice().to_vec())
                    .collect();
                let one = with_isa(isa, || with_threads(1, || net.predict_batch(&x)));
                let two = with_isa(isa, || with_threads(2, || net.predict_batch(&x)));
                assert!(
                    one == two,
                    "{isa:?}, {n} samples: two threads differ from one"
                );
                let largest = one
                    .iter()
                    .zip(&each)
                    .map(|(a, b)| (a.as_f64() - b.as_f64()).abs())
                    .fold(0.0, f64::max);
                assert!(
                    largest < 1e-5,
                    "{isa:?}, {n} samples: {largest:e} from predict"
                );
            }
        }
    }
    check(&Dense3::<f32>::seeded(4));
    check(&Dense3::<f64>::seeded(5));
}

/// On AVX-512, dense layers whose kernel stays in the level-1 cache compute a batch as
/// `predict` computes each sample, so the two agree bit for bit (the 784 × 48 layer, a product,
/// is left out).
#[test]
fn on_avx512_small_dense_layers_batch_bit_for_bit() {
    use nn::__private::{Isa, with_isa};
    network! {
        pub struct Small =
            Dense<7, 100, Relu>,
            Dense<100, 10, Tanh, use_bias = false>,
            Dense<10, 20>,
            Dense<20, 3, Softmax>;
    }
    if Isa::detected() < Isa::Avx512 {
        println!("no AVX-512 here: nothing to check");
        return;
    }
    let net = Small::<f32>::seeded(6);
    for n in [2, 3, 8, 9, 31] {
        let x = Batch::<f32, 7>::from_fn_generic(Const::<7>, Dyn(n), |r, c| {
            ((r * 5 + c * 11) % 13) as f32 / 3.0 - 2.0
        });
        let batch = with_isa(Isa::Avx512, || net.predict_batch(&x));
        for c in 0..n {
            let one = with_isa(Isa::Avx512, || net.predict(&x.column(c).into_owned()));
            assert_eq!(
                batch.column(c).as_slice(),
                one.as_slice(),
                "{n} samples: sample {c} differs from predict"
            );
        }
    }
}
