//! The pipeline run on representative declarations, outside the compiler. Each expansion is
//! written to `target/expansions/<sample>.txt` (to compare two versions of the macro token for
//! token: run `cargo test -p nn-macros expansions` on each and diff the two directories), and
//! the tests check properties of the expansions.

use std::path::PathBuf;

/// Every kind, named consts, `_`, options, regularizers and constraints, user activation types,
/// several networks in one invocation, and mistakes of every sort.
const SAMPLES: &[(&str, &str)] = &[
    (
        "card",
        "/// The design card's network.
         pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;",
    ),
    (
        "consts",
        "pub struct Encoder = Dense<INPUT, HIDDEN, Selu, kernel_initializer = LecunNormal>,
             Dropout<RATE>, Dense<_, 10, Softmax>;
         pub(crate) struct Mismatch = Dense<INPUT, HIDDEN>, Dense<OTHER, UNITS>,
             BatchNormalization, Dense<UNITS, 3>, Dense<_, ZERO>;",
    ),
    (
        "options",
        "#[allow(dead_code)]
         pub struct Options =
             first: Dense<8, 16, LeakyRelu(0.1), use_bias = false,
                 kernel_initializer = VarianceScaling(2.0, FanIn, Uniform),
                 bias_initializer = Constant(0.1), trainable = false, kernel_regularizer = L2,
                 bias_regularizer = L1(0.001), activity_regularizer = L1L2(0.01, 0.02),
                 kernel_constraint = MaxNorm(3.0), bias_constraint = NonNeg>,
             Dense<_, 16, activation = Elu(0.5), kernel_initializer = RandomNormal(0.0, 0.05),
                 bias_initializer = RandomUniform(-0.5, 0.5), kernel_constraint = UnitNorm,
                 bias_constraint = MinMaxNorm(0.0, 2.0)>,
             Dense<16, 16, Tanh, kernel_initializer = Orthogonal(2.0), bias_initializer = Ones>,
             Dense<16, 16, Gelu, kernel_initializer = Identity, kernel_constraint = MaxNorm>,
             r#type: Dense<16, 4, Elu, kernel_initializer = HeUniform,
                 bias_initializer = TruncatedNormal(-1, 1)>;",
    ),
    (
        "user_activations",
        "pub struct Custom = Dense<4, 4, MyAct>, Dense<4, 4, my::Act(1, 2.5, RATE)>,
             Activation<self::Custom>, Activation<Relu>, Activation<LeakyRelu(0.25)>,
             Dense<4, 2, activation = crate::Other>;",
    ),
    (
        "image",
        "/// A convolutional network.
         pub struct Cnn = Input<28, 28, 1>,
             Conv2D<8, (3, 3), Relu, strides = (2, 2), padding = Same,
                 kernel_initializer = HeNormal, trainable = false,
                 kernel_regularizer = L2(0.001)>,
             BatchNormalization, MaxPool2D<(2, 2)>, Conv2D<16, 3>,
             AvgPool2D<(2, 2), strides = (1, 1), padding = Same>, LeakyReLU,
             ELU<alpha = 0.5>, LeakyReLU<negative_slope = 0.1>, Activation<Relu>,
             GlobalAvgPool2D, Dense<_, 10, Softmax>;
         pub struct Flat = Input<64, 64, 3>, Conv2D<32, (3, 3), Relu>, Flatten,
             Dense<_, 128, Relu>, Dropout<0.5>,
             BatchNormalization<momentum = 0.9, epsilon = 0.01, trainable = false>,
             Dense<128, 10>;
         pub struct Big = Input<128, 128, 32>, Conv2D<64, (5, 5), kernel_initializer = Orthogonal>,
             MaxPool2D<(3, 3), strides = 2>, Flatten, Dense<_, 10>;",
    ),
    (
        "storage",
        "pub struct Wide = Dense<784, 512, Relu>, Dense<512, 8>, Dense<8, HIDDEN>,
             BatchNormalization, Dense<HIDDEN, 4096>, BatchNormalization, Dense<4096, 1>;",
    ),
    (
        "several",
        "pub struct A = Dense<2, 2>; struct B = Dense<2, 3, Sigmoid>, Dense<3, 1>,;
         pub(crate) struct C = hidden: Dense<1, 1>, Dropout<0.0>, output: Dense<1, 1>;",
    ),
    (
        "mistakes",
        "pub struct First = Dense<32, 64, Relu>, Dense<65, 10, Sofmax>;
         pub struct Second = Dense<4, 0>, Dropout<2.0>;
         pub struct Third = Dense<32, 64, Relu>, Desne<64, 10>;
         pub struct Fourth = Dense<32, 64, Relu>, Dens<16, 3>, Dense<16, 3>, Dense<4, 2>;
         pub struct Fifth = Dropout<0.5>, BatchNormalization, Dense<_, 2>;
         pub struct Sixth = dense: Dense<2, 2>, Dense<2, 2>, Dense<2, 2, kernel_init = Zeros>;
         pub struct Seventh = Dense<32>, Dense<32, 64, Relu, Softmax>, Dropout<0.1, 0.2>,
             Dense<64, 10, LeakyRelu(0.1, 0.2)>;
         pub struct Eighth = Dense<2, 2, Relu, use_bias = 1, trainable = yes>,
             Dense<2, 2, Relu, activation = Tanh>, Dense<2, 2, kernel_initializer = Constant>,
             Dense<2, 2, bias_initializer = Identity, kernel_regularizer = L3>;
         pub struct Ninth struct;",
    ),
    (
        "image_mistakes",
        "pub struct NoImage = Dense<64, 64, Relu>, Conv2D<4, (3, 3), Relu>;
         pub struct LateInput = Dense<4, 4>, Input<2, 2, 1>;
         pub struct NoFlatten = Input<8, 8, 1>, Conv2D<4, (3, 3), Relu>, Dense<144, 10>;
         pub struct FlattenMismatch = Input<64, 64, 3>, Conv2D<32, (3, 3), Relu>, Flatten,
             Dense<123000, 128, Relu>;
         pub struct Kernel = Input<2, 2, 1>, Conv2D<4, (3, 3), Relu>, Flatten, Dense<_, 2>;
         pub struct Pool = Input<4, 4, 1>, Conv2D<4, (3, 3), Relu>, MaxPool2D<(3, 3)>, Flatten,
             Dense<_, 2>;
         pub struct IdentityConv = Input<4, 4, 1>, Conv2D<4, (3, 3), kernel_initializer = Identity>,
             Conv2D<4, (1, 1), kernel_initializer = Identity(1.0)>, Flatten, Dense<_, 2>;
         pub struct Arguments = Input<4, 4>, Flatten<1>, GlobalAvgPool2D, ELU<1.0>,
             Activation, BatchNormalization<0.9, padding = Same>, MaxPool2D<(2, 2), padding = Full>;",
    ),
];

/// The expansion of an invocation's body, as text.
fn expand(source: &str) -> String {
    let tokens: proc_macro2::TokenStream = source.parse().expect("the sample tokenizes");
    let invocation: crate::ast::Invocation =
        syn::parse2(tokens).expect("an invocation always parses");
    crate::run(invocation).to_string()
}

/// `target/expansions/`, created if needed.
fn directory() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/expansions");
    std::fs::create_dir_all(&dir).expect("target/ is writable");
    dir
}

#[test]
fn expansions() {
    let dir = directory();
    for (name, source) in SAMPLES {
        let expansion = expand(source);
        std::fs::write(dir.join(format!("{name}.txt")), expansion + "\n")
            .expect("target/ is writable");
    }
}
