//! A block's branches: each branch of layers becomes a hidden struct next to the network, one
//! field per layer (named as the network names its layers), which is a layer itself: `Params`
//! (its layers' tensors, each under its field's name), `Layer`, `Train` and, when every layer
//! streams, `Stream`, each its layers in a row. The block is then the runtime's `Fork` of two
//! such branches (or `Shortcut`, the input itself), and the network treats it as any layer.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Visibility;

use super::lower::{at, cons_type, field_type, layer_trait, nth, size, train_trait};
use crate::ir::{Branch, Layer, Network};

/// The structs of every branch in `network`, blocks within branches included.
pub(super) fn structs(network: &Network) -> TokenStream {
    let mut out = TokenStream::new();
    for layer in &network.layers {
        of_layer(layer, &network.vis, &mut out);
    }
    out
}

fn of_layer(layer: &Layer, vis: &Visibility, out: &mut TokenStream) {
    let Some(block) = &layer.block else {
        return;
    };
    for branch in &block.branches {
        for inner in &branch.layers {
            of_layer(inner, vis, out);
        }
        out.extend(branch_struct(branch, layer, vis));
    }
}

/// One branch's struct and its implementations.
fn branch_struct(branch: &Branch, block: &Layer, vis: &Visibility) -> TokenStream {
    let Some(ident) = &branch.ident else {
        return TokenStream::new();
    };
    let t = quote!(T);
    let layers = &branch.layers;
    let fields: Vec<_> = layers.iter().map(|l| &l.field).collect();
    let names: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let types: Vec<TokenStream> = layers.iter().map(|l| field_type(l, &t)).collect();
    let (input, output) = (size(&branch.input), size(&branch.output));
    let doc = format!(
        "A branch of the block `{}` (`{}`): its layers in a row.",
        block.field, block.text
    );
    let debug_name = ident.to_string();
    let forward = super::lower::forward_body(layers);
    let bytes = super::lower::forward_bytes(layers);
    let last = layers.len() - 1;
    let batch_steps = layers.iter().enumerate().map(|(k, layer)| {
        let (field, tr) = (&layer.field, layer_trait(layer, &t));
        let x = if k == 0 {
            quote!(x)
        } else {
            let h = format_ident!("h{}", k - 1);
            quote!(&#h)
        };
        let span = at(layer);
        if k == last {
            quote_spanned!(span=> <_ as #tr>::forward_batch(&self.#field, #x, y);)
        } else {
            let (h, out) = (format_ident!("h{k}"), size(&layer.output));
            quote_spanned! {span=>
                let mut #h = ::nn::Batch::<T, #out>::zeros_generic(
                    ::nn::nalgebra::Const::<#out>,
                    ::nn::nalgebra::Dyn(x.ncols()),
                );
                <_ as #tr>::forward_batch(&self.#field, #x, &mut #h);
            }
        }
    });
    let acts = cons_type(
        layers[..last]
            .iter()
            .map(|l| {
                let out = size(&l.output);
                quote!(::nn::Batch<T, #out>)
            })
            .collect(),
    );
    let caches = cons_type(
        layers
            .iter()
            .map(|l| {
                let (ty, tr) = (field_type(l, &t), train_trait(l, &t));
                quote!(<#ty as #tr>::Cache)
            })
            .collect(),
    );
    // Layer k reads `x` or `acts[k − 1]` and writes `acts[k]` or, the last, `y`.
    let input_of = |k: usize| {
        if k == 0 {
            quote!(x)
        } else {
            let a = nth(quote!(acts), k - 1);
            quote!(&#a)
        }
    };
    let train_forward = layers.iter().enumerate().map(|(k, layer)| {
        let (field, tr) = (&layer.field, train_trait(layer, &t));
        let (x, cache) = (input_of(k), nth(quote!(caches), k));
        let y = if k == last {
            quote!(y)
        } else {
            let a = nth(quote!(acts), k);
            quote!(&mut #a)
        };
        let span = at(layer);
        quote_spanned! {span=>
            <_ as #tr>::forward_train(&self.#field, #x, #y, &mut #cache, training, rng);
        }
    });
    let penalties = layers.iter().enumerate().map(|(k, layer)| {
        let (field, tr) = (&layer.field, train_trait(layer, &t));
        let cache = nth(quote!(caches), k);
        quote!(+ <_ as #tr>::activity_penalty(&self.#field, &#cache))
    });
    let deltas = layers[..last].iter().enumerate().map(|(k, layer)| {
        let (d, out) = (format_ident!("d{k}"), size(&layer.output));
        quote! {
            let mut #d = ::nn::Batch::<T, #out>::zeros_generic(
                ::nn::nalgebra::Const::<#out>,
                ::nn::nalgebra::Dyn(x.ncols()),
            );
        }
    });
    let train_backward = layers.iter().enumerate().rev().map(|(k, layer)| {
        let (field, tr) = (&layer.field, train_trait(layer, &t));
        let (x, cache) = (input_of(k), nth(quote!(caches), k));
        let (y, dy) = if k == last {
            (quote!(y), quote!(dy))
        } else {
            let (a, d) = (nth(quote!(acts), k), format_ident!("d{k}"));
            (quote!(&#a), quote!(&mut #d))
        };
        let dx = if k == 0 {
            quote!(dx)
        } else {
            let d = format_ident!("d{}", k - 1);
            quote!(::core::option::Option::Some(&mut #d))
        };
        let span = at(layer);
        quote_spanned! {span=>
            <_ as #tr>::backward(&self.#field, #x, #y, &#cache, #dy, &mut grad.#field, #dx);
        }
    });
    let stream = branch.streams.then(|| stream_impl(ident, layers));
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident<T: ::nn::Float = f32> {
            #(
                #[doc(hidden)]
                pub #fields: #types,
            )*
            /// The scalar type, for a branch none of whose layers has parameters.
            #[doc(hidden)]
            pub __scalar: ::core::marker::PhantomData<T>,
        }

        impl<T: ::nn::Float> ::core::clone::Clone for #ident<T> {
            fn clone(&self) -> Self {
                Self {
                    #(#fields: ::core::clone::Clone::clone(&self.#fields),)*
                    __scalar: ::core::marker::PhantomData,
                }
            }
        }

        impl<T: ::nn::Float> ::core::fmt::Debug for #ident<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#debug_name)
                    #(.field(#names, &self.#fields))*
                    .finish()
            }
        }

        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> ::nn::Params<T> for #ident<T> {
            const KIND: &'static str = "Branch";
            const PARAMS: usize = 0 #(+ <#types as ::nn::Params<T>>::PARAMS)*;

            fn zeroed(&self) -> Self {
                Self {
                    #(#fields: ::nn::Params::<T>::zeroed(&self.#fields),)*
                    __scalar: ::core::marker::PhantomData,
                }
            }

            fn params(&self) -> impl ::core::iter::Iterator<Item = ::nn::ParamRef<'_, T>> {
                ::core::iter::empty()
                    #(.chain(::nn::Params::<T>::params(&self.#fields).map(|p| p.within(#names))))*
            }

            fn params_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nn::ParamMut<'_, T>> {
                let Self { #(#fields,)* .. } = self;
                ::core::iter::empty()
                    #(.chain(::nn::Params::<T>::params_mut(#fields).map(|p| p.within(#names))))*
            }
        }

        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> ::nn::Layer<T, #input, #output> for #ident<T> {
            /// Its layers' buffers and what they keep (its output is the block's to keep).
            const SCRATCH: usize = #bytes;

            #[inline]
            fn forward(
                &self,
                x: &::nn::nalgebra::SVector<T, #input>,
            ) -> ::nn::nalgebra::SVector<T, #output> {
                #forward
            }

            ::nn::__private::if_std! {
                fn forward_batch(&self, x: &::nn::Batch<T, #input>, y: &mut ::nn::Batch<T, #output>) {
                    #(#batch_steps)*
                }
            }
        }

        ::nn::__private::if_std! {
            #[allow(clippy::all, clippy::pedantic)]
            impl<T: ::nn::Float> ::nn::Train<T, #input, #output> for #ident<T> {
                type Cache = (#acts, #caches);

                fn forward_train<R: ::nn::rand::Rng + ?::core::marker::Sized>(
                    &self,
                    x: &::nn::Batch<T, #input>,
                    y: &mut ::nn::Batch<T, #output>,
                    cache: &mut Self::Cache,
                    training: bool,
                    rng: &mut R,
                ) {
                    let (acts, caches) = cache;
                    #(#train_forward)*
                }

                fn activity_penalty(&self, cache: &Self::Cache) -> T {
                    let (_, caches) = cache;
                    T::zero() #(#penalties)*
                }

                fn backward(
                    &self,
                    x: &::nn::Batch<T, #input>,
                    y: &::nn::Batch<T, #output>,
                    cache: &Self::Cache,
                    dy: &mut ::nn::Batch<T, #output>,
                    grad: &mut Self,
                    dx: ::core::option::Option<&mut ::nn::Batch<T, #input>>,
                ) {
                    let (acts, caches) = cache;
                    #(#deltas)*
                    #(#train_backward)*
                }
            }
        }

        #stream
    }
}

/// `Stream` for a branch whose layers all stream: each layer's step in a row, each with its
/// part of the state.
fn stream_impl(ident: &syn::Ident, layers: &[Layer]) -> TokenStream {
    let t = quote!(T);
    let widths = |layer: &Layer| {
        let stream = layer.stream.as_ref().expect("every layer streams");
        (size(&stream.input), size(&stream.output))
    };
    let stream_trait = |layer: &Layer| {
        let (i, o) = widths(layer);
        quote!(::nn::Stream<#t, #i, #o>)
    };
    let states = layers.iter().map(|layer| {
        let (ty, tr) = (field_type(layer, &t), stream_trait(layer));
        quote!(<#ty as #tr>::State)
    });
    let state = cons_type(states.collect());
    let steps = layers.iter().enumerate().map(|(k, layer)| {
        let (field, tr) = (&layer.field, stream_trait(layer));
        let part = nth(quote!(state), k);
        let arg = if k == 0 { quote!(x) } else { quote!(&x) };
        quote!(let x = <_ as #tr>::step(&self.#field, &mut #part, #arg);)
    });
    let (input, _) = widths(&layers[0]);
    let (_, output) = widths(&layers[layers.len() - 1]);
    quote! {
        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> ::nn::Stream<T, #input, #output> for #ident<T> {
            type State = #state;

            #[inline]
            fn step(
                &self,
                state: &mut Self::State,
                x: &::nn::nalgebra::SVector<T, #input>,
            ) -> ::nn::nalgebra::SVector<T, #output> {
                #(#steps)*
                x
            }
        }
    }
}
