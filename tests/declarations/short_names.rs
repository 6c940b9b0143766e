//! Declarations in a module full of user items with short names, named as Rust's conventions
//! allow: every single letter as a type and as a constant, types named as the library's and the
//! prelude's (`Tape`, `Dense`, `Option`, `Ok`, ...), functions named as the expansion's bindings
//! (`x`, `input`, `tape`, ...). Whatever names the expansion introduces, a user's items never
//! change what it means.

#![allow(
    dead_code,
    reason = "items named as the expansion's own names, on purpose"
)]

use nn::prelude::*;

macro_rules! items {
    ($($name:ident)*) => { $(pub struct $name {} pub const $name: usize = 1;)* };
}
items!(A B C D E F G H I J K L M N O P Q R S T U V W X Y Z);

macro_rules! types {
    ($($name:ident)*) => { $(pub struct $name {})* };
}
types!(Tape Batch Network Float Layer Dense Relu Softmax Option Result Vec Box String Some None
    Ok Err Default Clone Debug Sized Self_ Fn Iterator IntoIterator);

macro_rules! functions {
    ($($name:ident)*) => { $(pub fn $name() {})* };
}
functions!(x y dy f h1 h2 acts deltas logits from_logits batch layer tape grads rng seed sample
    input output name path visitor training);

network! {
    /// Every training path: a tape, backward, fusion with the loss.
    pub struct Classifier = Dense<4, 8, Relu>, Dropout<0.5>, Dense<8, 3, Softmax>;

    /// An image network and a sequence network.
    pub struct Image = Input<6, 6, 1>, Conv2D<2, (3, 3), Relu>, MaxPool2D<(2, 2)>, Flatten,
        Dense<_, 2>;
    pub struct Sequence = Input<5, 2>, LSTM<3>, Dense<3, 1>;
}

#[test]
fn runs() {
    let net = Classifier::seeded(1);
    let probe = SVector::<f32, 4>::repeat(0.5);
    let before = net.predict(&probe);
    assert!((before.sum() - 1.0).abs() < 1e-5);
    let data = Dataset::<f32, 4, 3>::from_rows(
        &[
            [0.1, 0.2, 0.3, 0.4],
            [0.4, 0.3, 0.2, 0.1],
            [0.0, 1.0, 0.0, 1.0],
        ],
        &[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    )
    .unwrap();
    let mut model = Model::new(net, Adam::new(0.01), CategoricalCrossentropy::default());
    let fit = Fit {
        epochs: 2,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    model.fit(&data, &fit).unwrap();
    assert_ne!(model.network.predict(&probe), before);
    assert_eq!(
        Image::seeded(1)
            .predict(&SVector::<f32, 36>::repeat(0.5))
            .len(),
        2
    );
    assert_eq!(
        Sequence::seeded(1)
            .predict(&SVector::<f32, 10>::repeat(0.5))
            .len(),
        1
    );
}
