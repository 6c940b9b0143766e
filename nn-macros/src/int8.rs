//! `#[int8]`: the declaration also has an int8 form (`nn::Int8<Net>`), TensorFlow Lite's
//! full-integer network with the same layers, read from a `.tflite` file.

use crate::errors::Errors;
use crate::ir::Network;

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
    // Why: the walk over a file's graph follows one chain of operators; a block's two
    // branches and their join are not read yet.
    if let Some(layer) = network.layers.iter().find(|l| l.block.is_some()) {
        errors.push(syn::Error::new(
            layer.span,
            format!(
                "`#[int8]`: `{}` is a block, and int8 networks with blocks are not built yet",
                layer.text
            ),
        ));
        return;
    }
    // Why: the int8 form's buffers are arrays as wide as its widest layer, a size `predict`
    // needs as a number.
    if let Some(layer) = network
        .layers
        .iter()
        .find(|l| l.input.value().is_none() || l.output.value().is_none())
    {
        errors.push(syn::Error::new(
            layer.span,
            format!(
                "`#[int8]`: the sizes of `{}` come from named constants; an int8 network needs                  them as numbers",
                layer.text
            ),
        ));
        return;
    }
    network.int8 = true;
}
