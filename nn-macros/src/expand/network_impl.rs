//! The `nn::Network` implementation: what the runtime's training loop, summary and io call,
//! written layer by layer in the same way for every layer.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::lower::{at, cons_type, ends, expr, field_type, layer_trait, nth, params_sum, size};
use crate::ir::{Layer, Network};

/// The `nn::Network` implementation: everything the runtime's training, summary and io need.
pub(super) fn network_impl(network: &Network) -> TokenStream {
    let layers = &network.layers;
    let ident = &network.ident;
    let name_text = ident.to_string();
    let (input, output) = ends(network);
    let t = quote!(T);
    let params = params_sum(network, &t);
    let last = &layers[layers.len() - 1];
    let (last_ty, last_trait) = (field_type(last, &t), layer_trait(last, &t));
    let count = layers.len();
    let (act_in, act_out, delta_out, last_cache) = (
        nth(quote!(tape.acts), 0),
        nth(quote!(tape.acts), count),
        nth(quote!(tape.grads), count),
        nth(quote!(tape.caches), count - 1),
    );
    let (act_out_local, delta_in_local) = (nth(quote!(acts), count), nth(quote!(deltas), 0));
    let (acts_ty, caches_ty) = tape_types(network);
    let layer_infos = layers.iter().map(layer_info);
    let zeros = build(network, true);
    let from_rng = build(network, false);
    let forward_train = forward_steps(network);
    let backward = backward_steps(network);
    let (penalties, penalty_gradients, constraints, state_updates) = per_layer_calls(network);
    let params_ref = params_chain(network, quote!(params), quote!(&));
    let params_mut = params_chain(network, quote!(params_mut), quote!(&mut));
    quote! {
        impl<T: ::nn::Float> ::nn::Network<T> for #ident<T> {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            const PARAMS: usize = #params;
            const FUSION: ::nn::Fusion = <#last_ty as #last_trait>::FUSION;
            const NAME: &'static str = #name_text;
            const LAYERS: &'static [::nn::LayerInfo] = &[#(#layer_infos),*];

            type Input = ::nn::nalgebra::Const<#input>;
            type Output = ::nn::nalgebra::Const<#output>;
            type Tape = ::nn::Tape<#acts_ty, #caches_ty>;

            fn zeros() -> Self {
                #zeros
            }

            fn new<R: ::nn::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                #from_rng
            }

            fn predict_batch(&self, x: &::nn::Batch<T, #input>) -> ::nn::Batch<T, #output> {
                Self::predict_batch(self, x)
            }

            fn input_mut(tape: &mut Self::Tape) -> &mut ::nn::Batch<T, #input> {
                &mut #act_in
            }

            fn output(tape: &Self::Tape) -> &::nn::Batch<T, #output> {
                &#act_out
            }

            fn logits(tape: &Self::Tape) -> ::core::option::Option<&::nn::Batch<T, #output>> {
                <#last_ty as #last_trait>::logits(&#last_cache)
            }

            fn output_grad_mut(tape: &mut Self::Tape) -> &mut ::nn::Batch<T, #output> {
                &mut #delta_out
            }

            fn forward_tape<'t, R: ::nn::rand::Rng + ?::core::marker::Sized>(
                &self,
                tape: &'t mut Self::Tape,
                training: bool,
                rng: &mut R,
            ) -> &'t ::nn::Batch<T, #output> {
                let ::nn::Tape { acts, caches, .. } = tape;
                #(#forward_train)*
                &#act_out_local
            }

            fn backprop<'t>(
                &self,
                tape: &'t mut Self::Tape,
                grads: &mut Self,
                from_logits: bool,
                input_grad: bool,
            ) -> ::core::option::Option<&'t ::nn::Batch<T, #input>> {
                let ::nn::Tape { acts, grads: deltas, caches } = tape;
                #(#backward)*
                if input_grad {
                    ::core::option::Option::Some(&#delta_in_local)
                } else {
                    ::core::option::Option::None
                }
            }

            fn penalty(&self, tape: &Self::Tape) -> T {
                <T as ::nn::Float>::of(0.0) #(#penalties)*
            }

            fn add_penalty_gradients(&self, grads: &mut Self) {
                #(#penalty_gradients)*
            }

            fn constrain(&mut self) {
                #(#constraints)*
            }

            fn update_state(&mut self, tape: &Self::Tape) {
                #(#state_updates)*
            }

            fn params(&self) -> impl ::core::iter::Iterator<Item = (&'static str, ::nn::ParamRef<'_, T>)> {
                ::core::iter::empty() #(#params_ref)*
            }

            fn params_mut(&mut self) -> impl ::core::iter::Iterator<Item = (&'static str, ::nn::ParamMut<'_, T>)> {
                ::core::iter::empty() #(#params_mut)*
            }
        }
    }
}

/// `Self { field: layer, ... }`, each layer built for `zeros()` or for `new(rng)`.
fn build(network: &Network, zeros: bool) -> TokenStream {
    let inits = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let made = expr(
            if zeros {
                &layer.build.zeros
            } else {
                &layer.build.init
            },
            layer,
        );
        let value = if layer.build.fields.is_empty() {
            made
        } else {
            let names = layer.build.fields.iter().map(|(name, _)| name);
            let values = layer
                .build
                .fields
                .iter()
                .map(|(_, value)| expr(value, layer));
            quote!({
                let mut layer = #made;
                #(layer.#names = #values;)*
                layer
            })
        };
        let span = at(layer);
        quote_spanned!(span=> #field: #value)
    });
    quote!(Self { #(#inits),* })
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
            let layer_trait = layer_trait(layer, &t);
            let span = at(layer);
            quote_spanned!(span=> <#ty as #layer_trait>::Cache)
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
            let layer_trait = layer_trait(layer, &quote!(T));
            let (x, y, cache) = (nth(acts(), k), nth(acts(), k + 1), nth(quote!(caches), k));
            let span = at(layer);
            quote_spanned!(span=> <_ as #layer_trait>::forward_train(&self.#field, &#x, &mut #y, &mut #cache, training, rng);)
        })
        .collect()
}

/// The backward pass, last layer first. The last layer may start from logits; the first
/// computes ∂x only when asked.
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
            let layer_trait = layer_trait(layer, &quote!(T));
            let (x, y, cache) = (nth(acts(), k), nth(acts(), k + 1), nth(quote!(caches), k));
            let (dx, dy) = (nth(deltas(), k), nth(deltas(), k + 1));
            let from_logits = if k + 1 == count {
                quote!(from_logits)
            } else {
                quote!(false)
            };
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
            quote_spanned! {span=>
                <_ as #layer_trait>::backward(
                    &self.#field, &#x, &#y, &#cache, &mut #dy, #from_logits, &mut grads.#field, #dx,
                );
            }
        })
        .collect()
}

/// Each layer's penalty terms, penalty gradients, constraints and state updates.
fn per_layer_calls(
    network: &Network,
) -> (
    Vec<TokenStream>,
    Vec<TokenStream>,
    Vec<TokenStream>,
    Vec<TokenStream>,
) {
    let (mut penalties, mut gradients, mut constraints, mut updates) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (k, layer) in network.layers.iter().enumerate() {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &quote!(T));
        let cache = nth(quote!(tape.caches), k);
        penalties.push(quote! {
            + <_ as #layer_trait>::penalty(&self.#field)
            + <_ as #layer_trait>::activity_penalty(&self.#field, &#cache)
        });
        gradients.push(
            quote!(<_ as #layer_trait>::add_penalty_gradient(&self.#field, &mut grads.#field);),
        );
        constraints.push(quote!(<_ as #layer_trait>::constrain(&mut self.#field);));
        updates.push(quote!(<_ as #layer_trait>::update_state(&mut self.#field, &#cache);));
    }
    (penalties, gradients, constraints, updates)
}

/// `params` / `params_mut`: each layer's tensors, tagged with its field name.
fn params_chain(network: &Network, method: TokenStream, receiver: TokenStream) -> Vec<TokenStream> {
    network
        .layers
        .iter()
        .map(|layer| {
            let field = &layer.field;
            let name = field_name(layer);
            let layer_trait = layer_trait(layer, &quote!(T));
            let span = at(layer);
            quote_spanned! {span=>
                .chain(<_ as #layer_trait>::#method(#receiver self.#field).map(|p| (#name, p)))
            }
        })
        .collect()
}

/// A layer's entry in `Network::LAYERS`: its name, Keras class and output shape.
fn layer_info(layer: &Layer) -> TokenStream {
    let name = field_name(layer);
    let t = quote!(T);
    let ty = field_type(layer, &t);
    let layer_trait = layer_trait(layer, &t);
    let shape = layer.shape.iter().map(size);
    quote!(::nn::LayerInfo { name: #name, kind: <#ty as #layer_trait>::KIND, output: &[#(#shape),*] })
}

/// A layer's field name as Keras would print it (without `r#`).
fn field_name(layer: &Layer) -> String {
    let name = layer.field.to_string();
    name.strip_prefix("r#").unwrap_or(&name).to_string()
}
