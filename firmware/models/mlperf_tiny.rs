// MLPerf Tiny's reference models as `network!` declarations, shared by the firmware
// (`firmware/src/models.rs`, weights built in) and the host tests (`tests/mlperf_tiny.rs`,
// `tests/firmware.rs`, weights loaded at run time): each is a macro that declares the model under
// a name, with the attributes given before it (`#[keras(..)]`, its doc comment).

/// Anomaly detection (`ad01.h5`, a ToyCar autoencoder): five log-mel frames of 128 bins (640
/// values) through nine dense layers, each batch-normalized before its ReLU, to a linear
/// reconstruction of the input.
macro_rules! ad01 {
    ($(#[$attr:meta])* $name:ident) => {
        network! {
            $(#[$attr])*
            pub struct $name =
                Input<640>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 8>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 128>, BatchNormalization, Activation<Relu>,
                Dense<_, 640>;
        }
    };
}
