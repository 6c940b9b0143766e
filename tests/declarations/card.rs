//! The card's network.

use nn::prelude::*;

network! {
    /// The design card's network.
    pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;
}

#[test]
fn runs() {
    let net = Classifier::seeded(1);
    let y = net.predict(&SVector::<f32, 32>::zeros());
    assert!((y.sum() - 1.0).abs() < 1e-5);
    assert_eq!(Classifier::PARAMS, 2762);
}
