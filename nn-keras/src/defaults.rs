//! The values Keras gives the arguments a declaration leaves out, for the layers, regularizers
//! and constraints `nn` has. Initializers are named by their Keras class.
//!
//! ```
//! use nn_keras::defaults;
//!
//! assert_eq!(defaults::KERNEL_INITIALIZER, "GlorotUniform");
//! assert_eq!(defaults::batch_normalization::EPSILON, 1e-3);
//! ```

/// Every layer with weights is trainable unless told otherwise.
pub const TRAINABLE: bool = true;
/// `Dense` and `Conv2D` add a bias unless told otherwise.
pub const USE_BIAS: bool = true;
/// The kernel initializer of `Dense` and `Conv2D`.
pub const KERNEL_INITIALIZER: &str = "GlorotUniform";
/// The bias initializer of `Dense` and `Conv2D`.
pub const BIAS_INITIALIZER: &str = "Zeros";
/// The activation of `Dense` and `Conv2D`: none, that is `linear`.
pub const ACTIVATION: &str = "Linear";
/// The padding of `Conv2D` and the pooling layers: none.
pub const PADDING: crate::Padding = crate::Padding::Valid;

/// `Conv2D`'s defaults.
pub mod conv_2d {
    /// One row and one column at a time.
    pub const STRIDES: (usize, usize) = (1, 1);
}

/// The pooling layers' defaults.
pub mod pooling_2d {
    /// `strides=None`: the strides are the pool size, so the windows tile the image.
    pub const fn strides(pool_size: (usize, usize)) -> (usize, usize) {
        pool_size
    }
}

/// `Embedding`'s defaults.
pub mod embedding {
    /// `embeddings_initializer`: `RandomUniform(-0.05, 0.05)`.
    pub const EMBEDDINGS_INITIALIZER: &str = "RandomUniform";
}

/// `PReLU`'s defaults.
pub mod prelu {
    /// `alpha_initializer`: zeros, so a new layer is a ReLU.
    pub const ALPHA_INITIALIZER: &str = "Zeros";
}

/// `BatchNormalization`'s defaults.
pub mod batch_normalization {
    /// The weight of the old value in each update of the moving mean and variance.
    pub const MOMENTUM: f64 = 0.99;
    /// Added to the variance before its square root is taken.
    pub const EPSILON: f64 = 1e-3;
}

/// `LayerNormalization`'s defaults.
pub mod layer_normalization {
    /// Added to the variance before its square root is taken.
    pub const EPSILON: f64 = 1e-3;
    /// Whether the layer has a learned shift `beta`.
    pub const CENTER: bool = true;
    /// Whether the layer has a learned scale `gamma`.
    pub const SCALE: bool = true;
}

/// The `LeakyReLU` layer's default (the `leaky_relu` activation function's is 0.2).
pub mod leaky_relu {
    /// The slope below zero.
    pub const NEGATIVE_SLOPE: f64 = 0.3;
}

/// The `ELU` layer's default.
pub mod elu {
    /// The value the output tends to far below zero is `-alpha`.
    pub const ALPHA: f64 = 1.0;
}

/// The regularizers' arguments, each with its default, in Keras's order.
pub mod regularizer {
    /// `L1(l1=0.01)`.
    pub const L1: &[(&str, f64)] = &[("l1", 0.01)];
    /// `L2(l2=0.01)`.
    pub const L2: &[(&str, f64)] = &[("l2", 0.01)];
    /// `L1L2(l1=0.0, l2=0.0)`.
    pub const L1L2: &[(&str, f64)] = &[("l1", 0.0), ("l2", 0.0)];
}

/// The constraints' arguments, each with its default, in Keras's order (the `axis` argument
/// left out: `nn` applies each constraint per unit, Keras's default axis for kernels).
pub mod constraint {
    /// `MaxNorm(max_value=2)`.
    pub const MAX_NORM: &[(&str, f64)] = &[("max_value", 2.0)];
    /// `NonNeg()`.
    pub const NON_NEG: &[(&str, f64)] = &[];
    /// `UnitNorm()`.
    pub const UNIT_NORM: &[(&str, f64)] = &[];
    /// `MinMaxNorm(min_value=0.0, max_value=1.0, rate=1.0)`.
    pub const MIN_MAX_NORM: &[(&str, f64)] =
        &[("min_value", 0.0), ("max_value", 1.0), ("rate", 1.0)];
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_padding_is_padding_default() {
        assert_eq!(super::PADDING, crate::Padding::default());
    }
}
