//! `predict` allocates nothing: a counting global allocator watches it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use nn::prelude::*;

/// The system allocator, counting allocations made by a thread while it has counting on (tests
/// run in parallel threads; each counts its own).
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

network! {
    struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
    /// Heap-stored weights take the same allocation-free path.
    struct Wide = Dense<100, 200, Gelu>, Dense<200, 3, LogSoftmax>;
    /// Every image layer: convolutions, both pools (with same padding), batch normalization,
    /// the activation layers, global pooling and flattening.
    struct Cnn =
        Input<8, 8, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        AvgPool2D<(3, 3), strides = (1, 1), padding = Same>,
        LeakyReLU,
        Conv2D<6, (2, 2), strides = (2, 2)>,
        ELU,
        Flatten,
        Dense<24, 5, Softmax>;
    struct Global = Input<6, 6, 3>, Conv2D<4, (3, 3), Tanh>, GlobalAvgPool2D, Dense<4, 2>;
    /// A network fed one step at a time.
    struct Streamed = Input<20, 6>, LayerNormalization, LSTM<16, return_sequences = true>,
        Dropout<0.1>, GRU<8>, Dense<8, 3, Softmax>;
}

#[test]
fn streaming_allocates_nothing() {
    let net = Streamed::seeded(2);
    let mut state = net.state();
    let mut sink = 0.0;
    let streaming = || {
        for t in 0..100 {
            let x = SVector::<f32, 6>::from_fn(|i, _| ((t * 6 + i) as f32 * 0.1).sin());
            sink += std::hint::black_box(net.step(&mut state, &x))[1];
        }
    };
    assert_eq!(allocations(streaming), 0);
    assert!(sink.is_finite());
}

#[test]
fn predict_allocates_nothing() {
    let net = Classifier::seeded(0);
    let x = SVector::<f32, 32>::from_fn(|i, _| i as f32 * 0.01);
    let mut sink = 0.0;
    let predicting = || {
        for _ in 0..100 {
            sink += std::hint::black_box(net.predict(&x))[3];
        }
    };
    assert_eq!(allocations(predicting), 0);
    assert!(sink.is_finite());

    let wide = Wide::<f64>::seeded(0);
    let x = SVector::<f64, 100>::repeat(0.1);
    assert_eq!(
        allocations(|| {
            std::hint::black_box(wide.predict(&x));
        }),
        0
    );
}

#[test]
fn a_cnn_predicts_without_allocating() {
    let net = Cnn::seeded(0);
    let x = SVector::<f32, 128>::from_fn(|i, _| (i as f32 * 0.37).sin());
    let mut sink = 0.0;
    let predicting = || {
        for _ in 0..10 {
            sink += std::hint::black_box(net.predict(&x))[1];
        }
    };
    assert_eq!(allocations(predicting), 0);
    assert!(sink.is_finite());
    // The single-sample path gives the batch path's answer.
    let batch = Batch::<f32, 128>::from_column_slice_generic(Const::<128>, Dyn(1), x.as_slice());
    let expected = net.predict_batch(&batch);
    assert!((net.predict(&x) - expected.column(0)).amax() < 1e-6);

    let global = Global::seeded(1);
    let x = SVector::<f32, 108>::repeat(0.25);
    assert_eq!(
        allocations(|| {
            std::hint::black_box(global.predict(&x));
        }),
        0
    );
}

#[test]
fn the_counter_sees_allocations() {
    let net = Classifier::seeded(0);
    let x = Batch::<f32, 32>::zeros_generic(Const::<32>, Dyn(4));
    assert!(
        allocations(|| {
            std::hint::black_box(net.predict_batch(&x));
        }) > 0
    );
}

#[test]
fn training_reuses_its_tape() {
    use nn::__private::{Isa, with_isa};
    for isa in Isa::supported() {
        let steps = with_isa(isa, || {
            let net = Classifier::seeded(0);
            let x = Batch::<f32, 32>::repeat_generic(Const::<32>, Dyn(8), 0.5);
            let dy = Batch::<f32, 10>::repeat_generic(Const::<10>, Dyn(8), 0.1);
            let mut tape = net.tape();
            let mut grads = Classifier::zeros();
            let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(1);
            net.forward_train(&x, &mut tape, &mut rng);
            net.backward(&mut tape, &dy, &mut grads);
            allocations(|| {
                for _ in 0..10 {
                    net.forward_train(&x, &mut tape, &mut rng);
                    net.backward(&mut tape, &dy, &mut grads);
                }
            })
        });
        // The tape's buffers are reused. Our AVX2 kernel packs on the stack; matrixmultiply
        // (the products on AVX-512 processors and on those without AVX2) allocates its packing
        // buffer inside each of the six products of a step: two forward, four backward.
        let most = if isa == Isa::Avx2 { 0 } else { 10 * 6 };
        assert!(steps <= most, "{isa:?}: {steps} allocations in 10 steps");
    }
}

#[test]
fn an_optimizer_step_allocates_nothing() {
    use nn::{Adam, OptimizerState, RmsProp};
    let mut net = Classifier::seeded(0);
    let mut grads = Classifier::zeros();
    grads.visit_params_mut(|_, p| p.values.fill(0.01));
    let adam = Adam::default()
        .amsgrad(true)
        .clipnorm(1.0)
        .weight_decay(0.01);
    let mut state = OptimizerState::new();
    // The first step makes the slots; the next ones reuse them.
    state.step(&adam, &mut net, &mut grads);
    assert_eq!(
        allocations(|| for _ in 0..5 {
            assert!(state.step(&adam, &mut net, &mut grads).is_none());
        }),
        0
    );
    let rmsprop = RmsProp::default()
        .centered(true)
        .momentum(0.9)
        .global_clipnorm(1.0);
    let mut state = OptimizerState::new();
    state.step(&rmsprop, &mut net, &mut grads);
    assert_eq!(
        allocations(|| for _ in 0..5 {
            assert!(state.step(&rmsprop, &mut net, &mut grads).is_none());
        }),
        0
    );
}
