//! Long sequences predicted one sample at a time in a debug build, on a test thread's 2 MiB
//! stack. What a layer outputs for a sequence is sized by its steps, and nalgebra's constructors
//! put about 13 copies of a vector on the stack in a debug build: the layers write their outputs
//! in place, and `predict` of a network too large for the stack returns the batch path's output
//! the same way (80,000 values needed 4 MiB of stack before, 1 MiB now).

use nn::nalgebra::SVector;
use nn::prelude::*;

network! {
    /// 10,000 steps in, every step's 8 units out (80,000 values): `predict` goes through the
    /// batch path on the heap.
    pub struct Steps10k = Input<10000, 1>, LSTM<8, return_sequences = true>;
}

#[test]
fn a_10000_step_lstm_returning_every_step_predicts_on_a_test_thread() {
    let net = Steps10k::<f32>::seeded(1);
    let x = SVector::<f32, 10000>::from_fn(|i, _| (i % 7) as f32 / 7.0);
    let y = net.predict(&x);
    let batch = net.predict_batch(&nn::Batch::<f32, 10000>::from_column_slice(x.as_slice()));
    assert_eq!(y.as_slice(), batch.as_slice());
    assert!(y.iter().all(|v| v.is_finite()) && y.iter().any(|&v| v != 0.0));
}
