//! Speed of `DepthwiseConv2D` on MobileNet-like shapes (a 48 × 48 × 8 image, a 3 × 3 window,
//! strides 1 and 2, same padding): one sample (`predict`, no heap) and a batch of 64
//! (`predict_batch`). Throughput is in multiply-adds per second (`elements`), so that the
//! layers can be compared per unit of arithmetic.
//!
//! Two baselines in the same run, as what one would write without a depthwise layer:
//!
//! - `conv2d per channel`: the same arithmetic through our `Conv2D`, one single-filter
//!   convolution per channel (8 of `Conv2D<1, (3, 3)>` over a 48 × 48 × 1 image), the channels
//!   split out first;
//! - `dense conv2d`: a full `Conv2D<8, (3, 3)>` over the same image, eight times the
//!   arithmetic, for the cost per multiply-add of our GEMM-based convolution.
//!
//! And `SeparableConv2D<16, (3, 3)>` next to the `Conv2D<16, (3, 3)>` it stands for (5.8 times
//! the arithmetic).
//!
//! Run with `cargo bench --bench depthwise` (`NN_THREADS=1` for one thread).

use criterion::{Criterion, Throughput, criterion_group};
use nn::prelude::*;

network! {
    /// Stride 1: 48 × 48 × 8 out.
    pub struct Stride1 = Input<48, 48, 8>, DepthwiseConv2D<(3, 3), padding = Same>;
    /// Stride 2: 24 × 24 × 8 out.
    pub struct Stride2 = Input<48, 48, 8>, DepthwiseConv2D<(3, 3), strides = (2, 2), padding = Same>;
    /// One channel's convolution.
    pub struct OneChannel = Input<48, 48, 1>, Conv2D<1, (3, 3), padding = Same>;
    /// Every channel into every filter.
    pub struct Dense8 = Input<48, 48, 8>, Conv2D<8, (3, 3), padding = Same>;
    /// A separable convolution into 16 filters (MobileNet's block without its normalization).
    pub struct Separable16 = Input<48, 48, 8>, SeparableConv2D<16, (3, 3), padding = Same>;
    /// The full convolution it stands for.
    pub struct Dense16 = Input<48, 48, 8>, Conv2D<16, (3, 3), padding = Same>;
}

const PIXELS: usize = 48 * 48;
const CHANNELS: usize = 8;
const IN: usize = PIXELS * CHANNELS;
const BATCH: usize = 64;
/// Multiply-adds of one sample: one per output value and tap (taps in the padding counted, as
/// Keras's FLOP counts do).
const MACS_STRIDE_1: u64 = (PIXELS * CHANNELS * 9) as u64;
const MACS_STRIDE_2: u64 = (24 * 24 * CHANNELS * 9) as u64;
/// A separable convolution into 16 filters: the depthwise step, then 8 × 16 a position.
const MACS_SEPARABLE: u64 = MACS_STRIDE_1 + (PIXELS * CHANNELS * 16) as u64;
/// A full convolution into 16 filters.
const MACS_DENSE_16: u64 = MACS_STRIDE_1 * 16;

fn image(seed: usize) -> Vec<f32> {
    (0..IN)
        .map(|i| (((i * 7919 + seed * 104_729) % 1000) as f32) / 500.0 - 1.0)
        .collect()
}

fn batch(n: usize) -> Batch<f32, IN> {
    let values: Vec<f32> = (0..n).flat_map(image).collect();
    Batch::<f32, IN>::from_column_slice_generic(Const::<IN>, Dyn(n), &values)
}

fn depthwise(c: &mut Criterion) {
    let (s1, s2) = (Stride1::seeded(1), Stride2::seeded(2));
    let (per_channel, dense) = (OneChannel::seeded(3), Dense8::seeded(4));
    let (separable, dense16) = (Separable16::seeded(5), Dense16::seeded(6));
    let x = SVector::<f32, IN>::from_column_slice(&image(0));
    let xb = batch(BATCH);

    let mut group = c.benchmark_group("depthwise 48x48x8 3x3, one sample");
    group.sample_size(30);
    group.throughput(Throughput::Elements(MACS_STRIDE_1));
    group.bench_function("stride 1", |b| b.iter(|| s1.predict(&x)));
    group.bench_function("conv2d per channel", |b| {
        b.iter(|| {
            let mut sum = 0.0;
            for ch in 0..CHANNELS {
                let plane = SVector::<f32, PIXELS>::from_iterator(
                    x.iter().skip(ch).step_by(CHANNELS).copied(),
                );
                sum += per_channel.predict(&plane)[0];
            }
            sum
        })
    });
    group.throughput(Throughput::Elements(MACS_STRIDE_1 * CHANNELS as u64));
    group.bench_function("dense conv2d", |b| b.iter(|| dense.predict(&x)));
    group.throughput(Throughput::Elements(MACS_STRIDE_2));
    group.bench_function("stride 2", |b| b.iter(|| s2.predict(&x)));
    group.throughput(Throughput::Elements(MACS_SEPARABLE));
    group.bench_function("separable, 16 filters", |b| {
        b.iter(|| separable.predict(&x))
    });
    group.throughput(Throughput::Elements(MACS_DENSE_16));
    group.bench_function("dense conv2d, 16 filters", |b| {
        b.iter(|| dense16.predict(&x))
    });
    group.finish();

    let mut group = c.benchmark_group("depthwise 48x48x8 3x3, batch 64");
    group.sample_size(10);
    group.throughput(Throughput::Elements(MACS_STRIDE_1 * BATCH as u64));
    group.bench_function("stride 1", |b| b.iter(|| s1.predict_batch(&xb)));
    let planes: Vec<Batch<f32, PIXELS>> = (0..CHANNELS)
        .map(|ch| {
            let values: Vec<f32> = xb.iter().skip(ch).step_by(CHANNELS).copied().collect();
            Batch::<f32, PIXELS>::from_column_slice_generic(Const::<PIXELS>, Dyn(BATCH), &values)
        })
        .collect();
    group.bench_function("conv2d per channel", |b| {
        b.iter(|| {
            planes
                .iter()
                .map(|plane| per_channel.predict_batch(plane)[0])
                .sum::<f32>()
        })
    });
    group.throughput(Throughput::Elements(
        MACS_STRIDE_1 * CHANNELS as u64 * BATCH as u64,
    ));
    group.bench_function("dense conv2d", |b| b.iter(|| dense.predict_batch(&xb)));
    group.throughput(Throughput::Elements(MACS_STRIDE_2 * BATCH as u64));
    group.bench_function("stride 2", |b| b.iter(|| s2.predict_batch(&xb)));
    group.throughput(Throughput::Elements(MACS_SEPARABLE * BATCH as u64));
    group.bench_function("separable, 16 filters", |b| {
        b.iter(|| separable.predict_batch(&xb))
    });
    group.throughput(Throughput::Elements(MACS_DENSE_16 * BATCH as u64));
    group.bench_function("dense conv2d, 16 filters", |b| {
        b.iter(|| dense16.predict_batch(&xb))
    });
    group.finish();
}

criterion_group!(benches, depthwise);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
