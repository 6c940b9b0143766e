//! What the layer kinds share: the view a rule has of its layer ([`context`]), reading
//! arguments ([`args`]), the shape rules ([`shape`], [`window`]), and lowering activations,
//! initializers, regularizers and constraints to expressions ([`activation`], [`initializer`],
//! [`setting`]), with the options of layers that have weights ([`weights`]).

pub(crate) mod activation;
pub(crate) mod args;
pub(crate) mod context;
pub(crate) mod initializer;
pub(crate) mod setting;
pub(crate) mod shape;
pub(crate) mod weights;
pub(crate) mod window;
