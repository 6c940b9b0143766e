//! What `network!` generates: names, consts, options, constructors, and where it may be used.

use nn::prelude::*;

const INPUT: usize = 8;
const HIDDEN: usize = 16;

network! {
    /// The design card's network.
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;

    /// One layer (the dropout is skipped at inference), within a budget (108 bytes of
    /// parameters; 24 of values and the allowance for frames on the stack).
    #[budget(flash = 108, ram = 24 + nn::frame::LEAN)]
    pub struct OneLayer = Dense<8, 3>, Dropout<0.1>;

    /// Named layers, named constants and an inferred size.
    pub(crate) struct Named =
        hidden: Dense<INPUT, HIDDEN, Tanh>,
        Dropout<0.25>,
        out: Dense<_, 3>;

    struct Options =
        Dense<4, 5, Relu, use_bias = false, kernel_initializer = HeNormal>,
        Dense<5, 5, bias_initializer = Constant(0.1), trainable = false>,
        Dense<5, 2, activation = LeakyRelu(0.1), kernel_initializer = RandomUniform(-0.5, 0.5)>;
}

impl Default for Classifier {
    fn default() -> Self {
        Self::seeded(0)
    }
}

#[test]
fn consts_are_plain_usizes() {
    const { assert!(Classifier::INPUT == 32) };
    assert_eq!(Classifier::OUTPUT, 10);
    assert_eq!(Classifier::PARAMS, 2762);
    let buffer = [0.0_f32; Classifier::INPUT];
    assert_eq!(buffer.len(), 32);
    assert_eq!(<Classifier<f64> as Network<f64>>::PARAMS, 2762);
    assert_eq!(Named::INPUT, INPUT);
    assert_eq!(Named::PARAMS, INPUT * HIDDEN + HIDDEN + HIDDEN * 3 + 3);
    assert_eq!(Options::PARAMS, 4 * 5 + (5 * 5 + 5) + (5 * 2 + 2));
}

#[test]
fn memory_constants_count_the_parameters_and_predict_s_buffers() {
    // 2,762 parameters of 4 and 8 bytes.
    const { assert!(Classifier::<f32>::PARAM_BYTES == 2762 * 4) };
    assert_eq!(Classifier::<f64>::PARAM_BYTES, 2762 * 8);
    // `predict`'s two buffers (the first dense layer's 64 outputs, the last's 10; the dropout
    // is skipped) and the 10 values it returns; dense layers keep nothing besides, and with
    // these activations their frames take at most the lean allowance.
    let frame = nn::frame::LEAN;
    assert!(frame < nn::frame::SIMPLE);
    assert_eq!(
        Classifier::<f32>::PREDICT_STACK,
        (64 + 10) * 4 + 10 * 4 + frame
    );
    assert_eq!(
        Classifier::<f64>::PREDICT_STACK,
        (64 + 10) * 8 + 10 * 8 + frame
    );
    assert_eq!(
        <nn::Dense<f32, 64, 10, Softmax> as nn::Layer<f32, 64, 10>>::SCRATCH,
        0
    );
    // One layer's `forward` builds its output and copies it out: twice the output.
    assert_eq!(OneLayer::<f32>::PREDICT_STACK, 2 * 3 * 4 + frame);
}

#[test]
fn fields_take_keras_default_names_or_the_given_ones() {
    let net = Classifier::seeded(1);
    let mut names = Vec::new();
    net.visit_params(|layer, p| names.push(format!("{layer}.{}", p.key())));
    assert_eq!(
        names,
        [
            "dense.kernel",
            "dense.bias",
            "dense_1.kernel",
            "dense_1.bias"
        ]
    );
    assert_eq!(net.dropout.rate(), 0.5);
    let named = Named::seeded(1);
    assert_eq!(named.hidden.kernel.shape(), (HIDDEN, INPUT));
    assert_eq!(named.out.kernel.shape(), (3, HIDDEN));
    assert_eq!(named.dropout.rate(), 0.25);
}

#[test]
fn the_same_seed_gives_bit_identical_weights() {
    let bits = |net: &Classifier| {
        let mut out = Vec::new();
        net.visit_params(|_, p| out.extend(p.values.iter().map(|v| v.to_bits())));
        out
    };
    assert_eq!(bits(&Classifier::seeded(7)), bits(&Classifier::seeded(7)));
    assert_ne!(bits(&Classifier::seeded(7)), bits(&Classifier::seeded(8)));
    let mut rng = <nn::rand::rngs::StdRng as nn::rand::SeedableRng>::seed_from_u64(7);
    assert_eq!(
        bits(&Classifier::new(&mut rng)),
        bits(&Classifier::seeded(7))
    );
    // f64 draws the same values, rounded differently.
    let single = Classifier::<f32>::seeded(3);
    let double = Classifier::<f64>::seeded(3);
    assert!(
        single
            .dense
            .kernel
            .iter()
            .zip(double.dense.kernel.iter())
            .all(|(&s, &d)| (f64::from(s) - d).abs() < 1e-7)
    );
}

#[test]
fn initializers_and_options_take_effect() {
    let net = Options::seeded(2);
    // Glorot uniform stays within its limit; He normal is truncated at 2σ.
    let he_limit = 2.0 * (2.0_f32 / 4.0).sqrt() / 0.879_625_7;
    assert!(net.dense.kernel.iter().all(|w| w.abs() <= he_limit));
    assert!(net.dense.bias.iter().all(|&b| b == 0.0));
    assert!(net.dense_1.bias.iter().all(|&b| (b - 0.1).abs() < 1e-7));
    assert!(!net.dense_1.trainable && net.dense.trainable);
    assert!(net.dense_2.kernel.iter().all(|w| (-0.5..0.5).contains(w)));
    assert_eq!(net.dense_2.activation, LeakyRelu::new(0.1));
    let mut trainable = Vec::new();
    net.visit_params(|layer, p| trainable.push((layer, p.name, p.trainable)));
    assert_eq!(
        trainable,
        [
            ("dense", "kernel", true),
            ("dense_1", "kernel", false),
            ("dense_1", "bias", false),
            ("dense_2", "kernel", true),
            ("dense_2", "bias", true),
        ]
    );
}

#[test]
fn default_glorot_uniform_respects_its_limit() {
    let net = Classifier::seeded(5);
    let limit = (6.0_f32 / (32.0 + 64.0)).sqrt();
    assert!(net.dense.kernel.iter().all(|w| w.abs() <= limit));
    assert!(net.dense.kernel.iter().any(|w| w.abs() > limit * 0.9));
}

#[test]
fn predict_and_predict_batch_agree() {
    let net = Classifier::seeded(3);
    let x = Batch::<f32, 32>::from_fn_generic(Const::<32>, Dyn(7), |i, j| {
        ((i * 7 + j) % 11) as f32 / 11.0 - 0.5
    });
    let batch = net.predict_batch(&x);
    assert_eq!(batch.shape(), (10, 7));
    for j in 0..7 {
        let single = net.predict(&x.column(j).into_owned());
        assert!((single - batch.column(j)).amax() < 1e-6);
        assert!(
            (single.sum() - 1.0).abs() < 1e-5,
            "softmax output sums to 1"
        );
    }
}

#[test]
fn a_user_activation_is_named_like_a_builtin() {
    #[derive(Clone, Copy, Debug, Default)]
    struct Square;
    impl Elementwise for Square {
        const NAME: &'static str = "square";
        fn apply<T: Float>(&self, x: T) -> T {
            x * x
        }
        fn derivative<T: Float>(&self, x: T, _y: T) -> T {
            x + x
        }
    }
    network! {
        struct Squared = Dense<2, 2, Square, kernel_initializer = Identity, bias_initializer = Ones>;
    }
    let net = Squared::seeded(0);
    let y = net.predict(&SVector::<f32, 2>::new(1.0, -3.0));
    assert_eq!(y, SVector::<f32, 2>::new(4.0, 4.0));
}

mod shadowed {
    #![allow(dead_code)]
    //! A user's own items named like the prelude's do not disturb the generated code.
    use nn::network;

    type Result<T> = ::core::result::Result<T, ()>;
    type Option = ();
    type Vec = ();
    struct Box;
    struct Some;
    mod core {}
    trait Clone {}
    trait Default {}
    const T: () = ();

    network! {
        pub struct Shadowed = Dense<3, 4, nn::Relu>, Dense<4, 2>;
    }

    pub(crate) fn run() -> [f32; 2] {
        let net = Shadowed::seeded(1);
        let y = net.predict(&nn::nalgebra::SVector::<f32, 3>::new(1.0, 2.0, 3.0));
        [y[0], y[1]]
    }
}

#[test]
fn works_in_a_module_with_a_shadowed_prelude() {
    assert!(shadowed::run().iter().all(|v| v.is_finite()));
}

#[test]
fn works_inside_a_function() {
    network! {
        struct Local = Dense<2, 3, Sigmoid>;
        struct AlsoLocal = Dense<3, 1>;
    }
    let y = Local::seeded(0).predict(&SVector::<f32, 2>::new(0.0, 0.0));
    assert_eq!(y, SVector::<f32, 3>::repeat(0.5)); // zero bias, zero input: sigmoid(0)
    assert_eq!(AlsoLocal::PARAMS, 4);
}

#[test]
fn every_activation_and_initializer_name_expands() {
    network! {
        struct AllActivations = Dense<3, 3, Linear>, Dense<3, 3, Relu>, Dense<3, 3, Relu6>,
            Dense<3, 3, LeakyRelu>, Dense<3, 3, Elu(0.5)>, Dense<3, 3, Selu>, Dense<3, 3, Gelu>,
            Dense<3, 3, GeluApprox>, Dense<3, 3, Sigmoid>, Dense<3, 3, HardSigmoid>,
            Dense<3, 3, Silu>, Dense<3, 3, Swish>, Dense<3, 3, HardSilu>, Dense<3, 3, HardSwish>,
            Dense<3, 3, Softplus>, Dense<3, 3, Softsign>, Dense<3, 3, Mish>, Dense<3, 3, Tanh>,
            Dense<3, 3, Exponential>, Dense<3, 3, LogSoftmax>, Dense<3, 3, Softmax>;
        struct AllInitializers =
            Dense<3, 3, kernel_initializer = GlorotUniform, bias_initializer = GlorotNormal>,
            Dense<3, 3, kernel_initializer = HeNormal, bias_initializer = HeUniform>,
            Dense<3, 3, kernel_initializer = LecunNormal, bias_initializer = LecunUniform>,
            Dense<3, 3, kernel_initializer = RandomNormal(0.0, 0.1), bias_initializer = RandomUniform>,
            Dense<3, 3, kernel_initializer = TruncatedNormal, bias_initializer = Zeros>,
            Dense<3, 3, kernel_initializer = Orthogonal(2.0), bias_initializer = Ones>,
            Dense<3, 3, kernel_initializer = Identity, bias_initializer = Constant(-1.5)>,
            Dense<3, 3, kernel_initializer = VarianceScaling(2.0, FanOut, Uniform)>;
    }
    let y = AllActivations::seeded(0).predict(&SVector::<f32, 3>::new(0.1, 0.2, 0.3));
    assert!((y.sum() - 1.0).abs() < 1e-6);
    let net = AllInitializers::<f64>::seeded(0);
    assert_eq!(net.dense_6.kernel, nn::nalgebra::Matrix3::identity());
    assert!(net.dense_6.bias.iter().all(|&b| b == -1.5));
    assert_eq!(AllActivations::PARAMS, 21 * 12);
}
