//! `#[int8]`: the declaration also has an int8 form (`nn::Int8<Net>`), TensorFlow Lite's
//! full-integer network with the same layers, read from a `.tflite` file.

use crate::errors::Errors;
use crate::ir::{Layer, Network};

/// Takes `#[int8]` off `network`, noting that it has an int8 form.
pub(crate) fn apply(network: &mut Network, errors: &mut Errors) {
    let Some(index) = network.attrs.iter().position(|a| a.path().is_ident("int8")) else {
        return;
    };
    let attr = network.attrs.remove(index);
    if !matches!(attr.meta, syn::Meta::Path(_)) {
        errors.push(syn::Error::new_spanned(
            &attr,
            "`#[int8]` takes no arguments",
        ));
        return;
    }
    // Why: the int8 form's buffers are arrays as wide as its widest layer, a size `predict`
    // needs as a number.
    if let Some(layer) = named_size(&network.layers) {
        errors.push(syn::Error::new(
            layer.span,
            format!(
                "`#[int8]`: the sizes of `{}` come from named constants; an int8 network needs \
                 them as numbers",
                layer.text
            ),
        ));
        return;
    }
    network.int8 = true;
}

/// The first layer, blocks' layers included, whose input or output size is a named constant.
fn named_size(layers: &[Layer]) -> Option<&Layer> {
    layers.iter().find_map(|l| {
        if l.input.value().is_none() || l.output.value().is_none() {
            return Some(l);
        }
        l.block
            .iter()
            .flat_map(|b| &b.branches)
            .find_map(|b| named_size(&b.layers))
    })
}
