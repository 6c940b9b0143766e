//! The `nn::Network` implementation (what users and generic code read: shapes, constructors,
//! the layer walk) and the `nn::__private::Trainable` one (the training loop's glue: the tape,
//! the training passes), written layer by layer in the same way for every layer.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::lower::{
    at, cons_type, ends, field_type, keras_value, layer_trait, nth, params_sum, params_trait,
    scalar_marker, size, train_trait,
};
use crate::ir::{Built, Layer, Network};

/// The `nn::Network` and `nn::__private::Trainable` implementations: everything the runtime's
/// training, summary and io need.
pub(super) fn network_impl(network: &Network) -> TokenStream {
    let layers = &network.layers;
    let ident = &network.ident;
    let name_text = ident.to_string();
    let (input, output) = ends(network);
    let t = quote!(T);
    let params = params_sum(network, &t);
    let last = last_layer(network);
    let (first_ty, params_of) = (field_type(&layers[0], &t), params_trait(&t));
    let count = layers.len();
    let (act_in, act_out, delta_out, last_cache) = (
        nth(quote!(tape.acts), 0),
        nth(quote!(tape.acts), count),
        nth(quote!(grads), count),
        nth(quote!(caches), count - 1),
    );
    let act_out_split = nth(quote!(acts), count);
    let (act_out_local, delta_in_local) = (nth(quote!(acts), count), nth(quote!(deltas), 0));
    let (acts_ty, caches_ty) = tape_types(network);
    let layer_infos = layers.iter().map(layer_info);
    let keras = keras_config(network);
    let zeros = build(network, true);
    let from_rng = build(network, false);
    let forward_train = forward_steps(network);
    let backward = backward_steps(network);
    let (visits, visits_mut) = visits(network);
    quote! {
        impl<T: ::nn::Float> ::nn::Network<T> for #ident<T> {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            const PARAMS: usize = #params;
            const NAME: &'static str = #name_text;
            const TOKENS: ::core::option::Option<usize> = <#first_ty as #params_of>::TOKENS;
            const LAYERS: &'static [::nn::LayerInfo] = &[#(#layer_infos),*];
            const PREDICT_STACK: usize = #ident::<T>::PREDICT_STACK;
            const KERAS: ::nn::keras::ModelConfig = #keras;

            type Input = ::nn::nalgebra::Const<#input>;
            type Output = ::nn::nalgebra::Const<#output>;

            fn zeros() -> Self {
                #zeros
            }

            fn new<R: ::nn::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                #from_rng
            }

            fn predict_batch(&self, x: &::nn::Batch<T, #input>) -> ::nn::Batch<T, #output> {
                Self::predict_batch(self, x)
            }

            // `{ K }`: a bare `K` in an argument list is a type path first, and would name a
            // user's type `K` in scope rather than this parameter.
            fn visit<'a, const K: usize, V: ::nn::Visitor<'a, T, { K }>>(
                nets: [&'a Self; K],
                visitor: &mut V,
            ) {
                #(#visits)*
            }

            fn visit_mut<const K: usize, V: ::nn::VisitorMut<T, { K }>>(
                mut nets: [&mut Self; K],
                visitor: &mut V,
            ) {
                #(#visits_mut)*
            }
        }

        impl<T: ::nn::Float> ::nn::__private::Trainable<T> for #ident<T> {
            type LastActivation = <#last>::Activation;

            type Tape = ::nn::Tape<#acts_ty, #caches_ty>;

            fn input_mut(tape: &mut Self::Tape) -> &mut ::nn::nalgebra::OMatrix<T, <Self as ::nn::Network<T>>::Input, ::nn::nalgebra::Dyn> {
                &mut #act_in
            }

            fn output(tape: &Self::Tape) -> &::nn::nalgebra::OMatrix<T, <Self as ::nn::Network<T>>::Output, ::nn::nalgebra::Dyn> {
                &#act_out
            }

            fn loss_io(
                tape: &mut Self::Tape,
                fused: bool,
            ) -> (&::nn::nalgebra::OMatrix<T, <Self as ::nn::Network<T>>::Output, ::nn::nalgebra::Dyn>, &mut ::nn::nalgebra::OMatrix<T, <Self as ::nn::Network<T>>::Output, ::nn::nalgebra::Dyn>) {
                let ::nn::Tape { acts, grads, caches, .. } = tape;
                (<#last>::prediction(&#last_cache, &#act_out_split, fused), &mut #delta_out)
            }

            fn activity(tape: &Self::Tape) -> f64 {
                tape.activity
            }

            fn forward_tape<'t, R: ::nn::rand::Rng + ?::core::marker::Sized>(
                &self,
                tape: &'t mut Self::Tape,
                training: bool,
                rng: &mut R,
            ) -> &'t ::nn::nalgebra::OMatrix<T, <Self as ::nn::Network<T>>::Output, ::nn::nalgebra::Dyn> {
                let ::nn::Tape { acts, caches, activity, .. } = tape;
                *activity = 0.0;
                #(#forward_train)*
                &#act_out_local
            }

            fn backprop<'t>(
                &self,
                tape: &'t mut Self::Tape,
                grads: &mut Self,
                fused: bool,
                input_grad: bool,
            ) -> ::core::option::Option<&'t ::nn::nalgebra::OMatrix<T, <Self as ::nn::Network<T>>::Input, ::nn::nalgebra::Dyn>> {
                let ::nn::Tape { acts, grads: deltas, caches, .. } = tape;
                #(#backward)*
                if input_grad {
                    ::core::option::Option::Some(&#delta_in_local)
                } else {
                    ::core::option::Option::None
                }
            }
        }
    }
}

/// `Self { field: layer, ... }`, each layer built for `zeros()` or for `new(rng)`.
fn build(network: &Network, zeros: bool) -> TokenStream {
    let which = if zeros { Built::Zeros } else { Built::Init };
    let inits = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let value = super::lower::built(layer, which, None);
        let span = at(layer);
        quote_spanned!(span=> #field: #value)
    });
    let marker = scalar_marker(network).map(|(field, value)| quote!(#field: #value,));
    quote!(Self { #(#inits,)* #marker })
}

/// The tape's types: `acts` (layer k's input is `acts[k]`, its output `acts[k + 1]`) and
/// `caches` (what each layer's backward pass needs).
fn tape_types(network: &Network) -> (TokenStream, TokenStream) {
    let t = quote!(T);
    let widths =
        std::iter::once(&network.layers[0].input).chain(network.layers.iter().map(|l| &l.output));
    let acts = widths
        .map(|width| {
            let n = size(width);
            quote!(::nn::Batch<T, #n>)
        })
        .collect();
    let caches = network
        .layers
        .iter()
        .map(|layer| {
            let ty = field_type(layer, &t);
            let train_trait = train_trait(layer, &t);
            let span = at(layer);
            quote_spanned!(span=> <#ty as #train_trait>::Cache)
        })
        .collect();
    (cons_type(acts), cons_type(caches))
}

/// The training forward pass: each layer from `acts[k]` into `acts[k + 1]`.
fn forward_steps(network: &Network) -> Vec<TokenStream> {
    let acts = || quote!(acts);
    network
        .layers
        .iter()
        .enumerate()
        .map(|(k, layer)| {
            let field = &layer.field;
            let train_trait = train_trait(layer, &quote!(T));
            let (x, y, cache) = (nth(acts(), k), nth(acts(), k + 1), nth(quote!(caches), k));
            let span = at(layer);
            quote_spanned! {span=>
                <_ as #train_trait>::forward_train(&self.#field, &#x, &mut #y, &mut #cache, training, rng);
                *activity += ::nn::Float::as_f64(<_ as #train_trait>::activity_penalty(&self.#field, &#cache));
            }
        })
        .collect()
}

/// The backward pass, last layer first. The last layer goes through [`last_layer`], which starts
/// from logits when the loss is fused; the first computes ∂x only when asked.
fn backward_steps(network: &Network) -> Vec<TokenStream> {
    let count = network.layers.len();
    let acts = || quote!(acts);
    let deltas = || quote!(deltas);
    network
        .layers
        .iter()
        .enumerate()
        .rev()
        .map(|(k, layer)| {
            let field = &layer.field;
            let train_trait = train_trait(layer, &quote!(T));
            let (x, y, cache) = (nth(acts(), k), nth(acts(), k + 1), nth(quote!(caches), k));
            let (dx, dy) = (nth(deltas(), k), nth(deltas(), k + 1));
            let dx = if k == 0 {
                quote! {
                    if input_grad {
                        ::core::option::Option::Some(&mut #dx)
                    } else {
                        ::core::option::Option::None
                    }
                }
            } else {
                quote!(::core::option::Option::Some(&mut #dx))
            };
            let span = at(layer);
            let backward = if k + 1 == count {
                let last = last_layer(network);
                quote_spanned! {span=>
                    <#last>::backward(
                        &self.#field, &#x, &#y, &#cache, &mut #dy, fused, &mut grads.#field, #dx,
                    );
                }
            } else {
                quote_spanned! {span=>
                    <_ as #train_trait>::backward(
                        &self.#field, &#x, &#y, &#cache, &mut #dy, &mut grads.#field, #dx,
                    );
                }
            };
            quote_spanned! {span=>
                #backward
                ::nn::__private::add_penalty_gradients::<T, _>(&self.#field, &mut grads.#field);
            }
        })
        .collect()
}

/// The network's last layer as the loss sees it, as a qualified trait path
/// (`Last<Dense<..>, true> as OutputLayer<T, I, O>`): whether its loss is computed from its
/// logits is decided there, in the runtime.
fn last_layer(network: &Network) -> TokenStream {
    let last = &network.layers[network.layers.len() - 1];
    let t = quote!(T);
    let ty = field_type(last, &t);
    let (input, output) = (size(&last.input), size(&last.output));
    let activated = last.activated;
    let span = at(last);
    quote_spanned! {span=>
        ::nn::__private::Last<#ty, #activated> as ::nn::__private::OutputLayer<T, #input, #output>
    }
}

/// The layer walks: for each layer, the visitor called with that field of every network.
fn visits(network: &Network) -> (Vec<TokenStream>, Vec<TokenStream>) {
    network
        .layers
        .iter()
        .map(|layer| {
            let field = &layer.field;
            let name = field_name(layer);
            let span = at(layer);
            (
                quote_spanned!(span=> visitor.layer(#name, nets.map(|net| &net.#field));),
                quote_spanned!(span=> visitor.layer(#name, nets.each_mut().map(|net| &mut net.#field));),
            )
        })
        .unzip()
}

/// A layer's entry in `Network::LAYERS`: its name, Keras class, output shape and the bytes
/// `predict` keeps for it (its output and its `nn::Layer::SCRATCH`; none if `predict` skips it).
fn layer_info(layer: &Layer) -> TokenStream {
    let (name, class) = (field_name(layer), layer.class);
    let shape = layer.shape.iter().map(size);
    let t = quote!(T);
    let memory = if layer.identity_at_inference {
        quote!(0)
    } else {
        let (ty, tr, output) = (
            field_type(layer, &t),
            layer_trait(layer, &t),
            size(&layer.output),
        );
        let span = at(layer);
        quote_spanned! {span=>
            ::core::mem::size_of::<::nn::nalgebra::SVector<T, #output>>() + <#ty as #tr>::SCRATCH
        }
    };
    quote! {
        ::nn::LayerInfo { name: #name, kind: #class, output: &[#(#shape),*], memory: #memory }
    }
}

/// The network as Keras's `config.json` describes it (`Network::KERAS`): its layers in order,
/// each block's flattened in place (its first branch's layers, its second's, then its merge
/// layer, named as the block's field), each naming the layers that feed it.
fn keras_config(network: &Network) -> TokenStream {
    let name = network.ident.to_string();
    let input = network.input_shape.iter().map(size);
    let mut layers = Vec::new();
    keras_layers(&network.layers, None, &mut layers);
    quote!(::nn::keras::ModelConfig {
        name: #name,
        input: &[#(#input),*],
        layers: &[#(#layers),*],
    })
}

/// The Keras layers of a chain fed by the layer named `fed` (`None`: the network's input),
/// appended to `out`; the name of the last (what the chain's output is called), or `fed` for
/// an empty chain.
fn keras_layers(
    layers: &[Layer],
    mut fed: Option<String>,
    out: &mut Vec<TokenStream>,
) -> Option<String> {
    for layer in layers {
        let name = field_name(layer);
        let inputs: Vec<String> = match &layer.block {
            Some(block) => block
                .branches
                .iter()
                .map(|branch| keras_layers(&branch.layers, fed.clone(), out))
                .map(|last| last.unwrap_or_default())
                .collect(),
            None => fed.iter().cloned().collect(),
        };
        let class = layer.class;
        let input = layer.input_shape.iter().map(size);
        let output = layer.shape.iter().map(size);
        let settings = layer.keras.iter().map(|setting| {
            let key = setting.key.as_ref();
            let value = keras_value(&setting.value, layer);
            if setting.checked {
                quote!(::nn::keras::Setting::checked(#key, #value))
            } else {
                quote!(::nn::keras::Setting::written(#key, #value))
            }
        });
        out.push(quote!(::nn::keras::LayerConfig {
            name: #name,
            class: #class,
            input: &[#(#input),*],
            output: &[#(#output),*],
            inputs: &[#(#inputs),*],
            settings: &[#(#settings),*],
        }));
        fed = Some(name);
    }
    fed
}

/// A layer's field name as Keras would print it (without `r#`).
fn field_name(layer: &Layer) -> String {
    let name = layer.field.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_string()
}
