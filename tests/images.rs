//! Image networks: `Input`, `Conv2D`, pools, `Flatten`, shapes computed by the macro.

use std::any::TypeId;

use nn::prelude::*;

network! {
    /// The seed's second network.
    pub struct ImageNet =
        Input<64, 64, 3>,
        Conv2D<32, (3, 3), Relu>,
        Flatten,
        Dense<_, 128, Relu>,
        Dense<128, 10, Softmax>;

    /// A small CNN with every image layer.
    pub struct Small =
        Input<8, 8, 1>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (3, 3), Tanh, strides = (1, 1)>,
        AvgPool2D<(2, 2), padding = Same>,
        Flatten,
        Dropout<0.1>,
        Dense<6, 3, Softmax>;

    /// Global pooling instead of flattening.
    pub struct Global = Input<6, 6, 2>, Conv2D<5, 3, Relu, strides = 2, padding = Same, use_bias = false>, GlobalAvgPool2D, Dense<5, 2>;
}

#[test]
fn shapes_are_computed_and_written_out() {
    assert_eq!(ImageNet::INPUT, 64 * 64 * 3);
    assert_eq!(
        ImageNet::PARAMS,
        3 * 3 * 3 * 32 + 32 + 62 * 62 * 32 * 128 + 128 + 128 * 10 + 10
    );
    let layers = <ImageNet as Network<f32>>::LAYERS;
    assert_eq!(layers[0].output, [62, 62, 32]);
    assert_eq!(layers[1].output, [123008]);
    assert_eq!(
        <Small as Network<f32>>::LAYERS
            .iter()
            .map(|l| l.output)
            .collect::<Vec<_>>(),
        [
            &[8, 8, 4][..],
            &[4, 4, 4],
            &[2, 2, 6],
            &[1, 1, 6],
            &[6],
            &[6],
            &[3]
        ]
    );
    assert_eq!(Global::INPUT, 72);
    assert_eq!(Global::PARAMS, 3 * 3 * 2 * 5 + 5 * 2 + 2);
    let summary = Small::seeded(0).summary().to_string();
    // (A convolution's memory depends on the target: how many positions it sums at once.)
    assert!(summary.contains("│ conv2d (Conv2D)                      │ (None, 8, 8, 4)             │              40 │   160.00 B │"), "{summary}");
    assert!(
        summary.contains("max_pooling2d") || summary.contains("max_pool2d"),
        "{summary}"
    );
}

network! {
    /// Batch normalization after a convolution (per channel) and after a dense layer.
    pub struct Normalized = Input<6, 6, 1>, Conv2D<4, (3, 3)>, BatchNormalization, Flatten, Dense<_, 8>,
        BatchNormalization<momentum = 0.9, epsilon = 0.01>, Dense<8, 2, Softmax>;
}

network! {
    /// Standalone activation layers.
    pub struct Activated = Input<4, 4, 2>, Conv2D<3, (3, 3)>, LeakyReLU, Flatten, Dense<_, 5>, ELU<alpha = 0.5>,
        Dense<5, 3>, Activation<Softmax>;
}

#[test]
fn standalone_activation_layers_follow_keras_defaults() {
    let net = Activated::<f64>::seeded(0);
    assert_eq!(net.leaky_re_lu.activation, LeakyRelu::new(0.3));
    assert_eq!(net.elu.activation, Elu::new(0.5));
    let y = net.predict(&SVector::<f64, 32>::repeat(0.3));
    assert!((y.sum() - 1.0).abs() < 1e-12);
    // The last layer's activation, which decides with the loss whether training is fused.
    assert_eq!(
        TypeId::of::<<Activated as nn::__private::Trainable<f32>>::LastActivation>(),
        TypeId::of::<Softmax>()
    );
    let kinds: Vec<&str> = <Activated as Network<f32>>::LAYERS
        .iter()
        .map(|l| l.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "Conv2D",
            "LeakyReLU",
            "Flatten",
            "Dense",
            "ELU",
            "Dense",
            "Activation"
        ]
    );
}

#[test]
fn batch_normalization_counts_its_moving_statistics_as_non_trainable() {
    let net = Normalized::seeded(0);
    assert_eq!(net.batch_normalization.moving_variance.as_slice(), [1.0; 4]);
    assert_eq!(net.batch_normalization_1.momentum, 0.9);
    let summary = net.summary().to_string();
    // A name longer than its column wraps onto a second line, as Keras's table does.
    // Its memory is its output (64 values) and its factors (one per channel).
    assert!(summary.contains("│ batch_normalization                  │ (None, 4, 4, 4)             │              16 │    64.00 B │   272.00 B │\n│ (BatchNormalization)                 │                             │                 │            │            │"), "{summary}");
    assert_eq!(<Normalized as Network<f32>>::LAYERS[1].memory, (64 + 4) * 4);
    let trainable = 40 + 8 + (64 * 8 + 8) + 16 + 18;
    assert!(
        summary.contains(&format!(" Non-trainable params: {} (", 8 + 16)),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(" Trainable params: {trainable} (")),
        "{summary}"
    );
    // The moving statistics are saved and loaded with the weights.
    let path = std::env::temp_dir().join(format!("bn-{}.safetensors", std::process::id()));
    let mut trained = net.clone();
    trained.batch_normalization.moving_mean.fill(0.25);
    nn::io::save_weights(&trained, &path).unwrap();
    let loaded: Normalized = nn::io::load_weights(&path).unwrap();
    assert_eq!(loaded.batch_normalization.moving_mean.as_slice(), [0.25; 4]);
    let _ = std::fs::remove_file(&path);
    // Training moves the moving statistics; evaluation does not.
    let x: Vec<f32> = (0..36 * 8).map(|i| ((i * 5) % 7) as f32).collect();
    let y: Vec<f32> = (0..8).map(|i| (i % 2) as f32).collect();
    let data = Dataset::<f32, 36, 1>::from_slices(&x, &y).unwrap();
    let mut model = Model::new(
        net,
        Adam::default(),
        SparseCategoricalCrossentropy::default(),
    );
    model.evaluate(&data).unwrap();
    assert_eq!(
        model.network.batch_normalization.moving_mean.as_slice(),
        [0.0; 4]
    );
    model
        .fit(
            &data,
            &Fit {
                epochs: 1,
                batch_size: 8,
                verbose: Verbosity::Silent,
                ..Fit::default()
            },
        )
        .unwrap();
    assert!(
        model
            .network
            .batch_normalization
            .moving_mean
            .iter()
            .all(|&m| m != 0.0)
    );
}

#[test]
fn large_feature_maps_stay_off_the_stack() {
    // ImageNet's convolution produces 123008 values per sample; predict takes the batch path,
    // so it runs on a 2 MiB thread even in a debug build.
    let outcome = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let net = ImageNet::seeded(0);
            let x = SVector::<f32, 12288>::repeat(0.5);
            let y = net.predict(&x);
            let batch = net.predict_batch(&Batch::<f32, 12288>::repeat_generic(
                Const::<12288>,
                Dyn(1),
                0.5,
            ));
            (y.sum(), (y - batch.column(0)).amax())
        })
        .unwrap()
        .join()
        .expect("runs on a 2 MiB stack");
    assert!((outcome.0 - 1.0).abs() < 1e-5);
    assert_eq!(outcome.1, 0.0);
}

#[test]
fn predictions_agree_and_training_learns() {
    let net = Small::<f64>::seeded(1);
    let x = Batch::<f64, 64>::from_fn_generic(Const::<64>, Dyn(5), |i, j| {
        ((i * 7 + j * 3) % 13) as f64 / 13.0
    });
    let batch = net.predict_batch(&x);
    for j in 0..5 {
        let single = net.predict(&x.column(j).into_owned());
        assert!((single - batch.column(j)).amax() < 1e-12);
    }
    // Three classes: a bright top half, a bright left half, a dark image.
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for i in 0..60 {
        let class = i % 3;
        for r in 0..8 {
            for c in 0..8 {
                let bright = match class {
                    0 => r < 4,
                    1 => c < 4,
                    _ => false,
                };
                pixels.push(if bright {
                    1.0
                } else {
                    0.1 * ((i + r * c) % 3) as f64
                });
            }
        }
        labels.push(class as f64);
    }
    let data = Dataset::<f64, 64, 1>::from_slices(&pixels, &labels).unwrap();
    let mut model = Model::new(
        Small::<f64>::seeded(2),
        Adam::new(0.02),
        SparseCategoricalCrossentropy::default(),
    )
    .with_metrics(&[Metric::Accuracy]);
    let history = model
        .fit(
            &data,
            &Fit {
                epochs: 30,
                batch_size: 10,
                verbose: Verbosity::Silent,
                ..Fit::default()
            },
        )
        .unwrap();
    assert!(
        history.get("accuracy").unwrap().last().unwrap() > &0.95,
        "{history:?}"
    );
}

network! {
    /// Only layers without parameters: the struct still carries its scalar type.
    struct Parameterless = Input<3, 3, 2>, GlobalMaxPool2D;
}

#[test]
fn a_network_of_parameter_free_layers_compiles_and_runs() {
    let net = Parameterless::<f64>::seeded(0);
    let x = SVector::<f64, 18>::from_fn(|i, _| i as f64);
    assert_eq!(net.clone().predict(&x).as_slice(), [16.0, 17.0]);
    assert_eq!(Parameterless::PARAMS, 0);
    assert!(format!("{net:?}").starts_with("Parameterless"));
}

network! {
    /// The identity into batch normalization, so its input is the data itself.
    struct Moving = Dense<2, 2, use_bias = false, kernel_initializer = Identity>,
        BatchNormalization<momentum = 0.9>, Dense<2, 1>;
}

#[test]
fn a_training_step_moves_the_moving_statistics_as_keras_does() {
    let x = Batch::<f64, 2>::from_column_slice_generic(
        Const::<2>,
        Dyn(4),
        &[1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 6.0, 60.0],
    );
    let y = Batch::<f64, 1>::from_element_generic(Const::<1>, Dyn(4), 0.5);
    let mut model = Model::new(Moving::<f64>::seeded(3), Sgd::new(0.1), MeanSquaredError);
    let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(0);
    model.train_on_batch(&x, &y, &mut rng).unwrap();
    // Channel means 3 and 30, biased variances 3.5 and 350: moving = moving · 0.9 + batch · 0.1.
    let bn = &model.network.batch_normalization;
    let expected_mean = [0.9 * 0.0 + 0.1 * 3.0, 0.9 * 0.0 + 0.1 * 30.0];
    let expected_variance = [0.9 * 1.0 + 0.1 * 3.5, 0.9 * 1.0 + 0.1 * 350.0];
    for c in 0..2 {
        assert!((bn.moving_mean[c] - expected_mean[c]).abs() < 1e-12);
        assert!((bn.moving_variance[c] - expected_variance[c]).abs() < 1e-12);
    }
    // Frozen, the layer normalizes with its moving statistics and leaves them alone.
    model.network.batch_normalization.trainable = false;
    let before = model.network.batch_normalization.clone();
    model.train_on_batch(&x, &y, &mut rng).unwrap();
    let after = &model.network.batch_normalization;
    assert_eq!(after.moving_mean, before.moving_mean);
    assert_eq!(after.moving_variance, before.moving_variance);
}
