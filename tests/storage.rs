//! Large layers live on the heap: a network with `Dense<784, 512, Relu>` is built and run in a
//! debug build on a thread with a 2 MiB stack (its kernel alone is 1.5 MiB of f32).

use nn::prelude::*;
use nn::{Heap, Inline};

network! {
    struct Mnist = Dense<784, 512, Relu>, Dropout<0.2>, Dense<512, 10, Softmax>;
    struct Small = Dense<32, 64, Relu>, Dense<64, 10>;
}

#[test]
fn a_large_network_runs_on_a_two_mebibyte_stack() {
    let outcome = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let net = Mnist::seeded(0);
            let x = SVector::<f32, 784>::repeat(0.5);
            let y = net.predict(&x);
            let inputs = Batch::<f32, 784>::repeat_generic(Const::<784>, Dyn(3), 0.5);
            let batch = net.predict_batch(&inputs);
            let copy = net.clone();
            let mut grads = Mnist::zeros();
            let mut tape = net.tape();
            let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
            let out = net.forward_train(&inputs, &mut tape, &mut rng).clone();
            net.backward(&mut tape, &out, &mut grads);
            let f64_net = Mnist::<f64>::seeded(1);
            (
                y.sum(),
                batch.column(0).sum(),
                copy.dense.kernel[(0, 0)] == net.dense.kernel[(0, 0)],
                f64_net.predict(&SVector::repeat(0.5)).sum(),
            )
        })
        .unwrap()
        .join()
        .expect("the network fits a 2 MiB stack");
    assert!((outcome.0 - 1.0).abs() < 1e-5);
    assert!((outcome.1 - 1.0).abs() < 1e-5);
    assert!(outcome.2);
    assert!((outcome.3 - 1.0).abs() < 1e-12);
}

#[test]
fn storage_is_inline_for_small_layers_and_heap_for_large_ones() {
    fn storage_of<T: nn::Float, const I: usize, const O: usize, A, S: nn::Storage>(
        _: &Dense<T, I, O, A, S>,
    ) -> &'static str {
        std::any::type_name::<S>()
    }
    let big = Mnist::seeded(0);
    let small = Small::seeded(0);
    assert_eq!(storage_of(&big.dense), std::any::type_name::<Heap>());
    assert_eq!(storage_of(&big.dense_1), std::any::type_name::<Heap>());
    assert_eq!(storage_of(&small.dense), std::any::type_name::<Inline>());
    // The whole large network is a few pointers; the small one holds its weights inline.
    assert!(
        std::mem::size_of::<Mnist>() < 1024,
        "{} bytes",
        std::mem::size_of::<Mnist>()
    );
    assert!(std::mem::size_of::<Small>() >= Small::PARAMS * 4);
}
