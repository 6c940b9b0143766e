//! Code generation: a checked [`Network`] becomes a struct, its inherent API and its
//! `nn::Network` implementation. Generated code names everything by absolute path (`::nn::`,
//! `::core::`), so a user's own `Result`, `Option`, `Vec` or `core` never interferes.

use proc_macro2::Span;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Index;

use crate::ast::{Layer, LayerKind, Network};

/// The largest weight matrix kept inline (mirrors `nn_core::INLINE_LIMIT`).
const INLINE_LIMIT: u64 = 4096;

/// The widest activation `predict` keeps on the stack (64 KiB of `f32`).
const STACK_LIMIT: u64 = 16384;

/// Everything generated for one network.
pub(crate) fn network(network: &Network) -> TokenStream {
    let Network {
        attrs,
        vis,
        ident,
        layers,
        assertions,
    } = network;
    if layers.is_empty() {
        return quote!(#(#assertions)*);
    }
    let first = &layers[0];
    let last = &layers[layers.len() - 1];
    let (input, output) = (&first.input.tokens, &last.output.tokens);
    let t = quote!(T);
    let f32 = quote!(f32);

    let fields = layers.iter().map(|layer| {
        let field = &layer.field;
        let ty = field_type(layer, &t);
        let doc = format!("Layer {}: `{}`.", layer.position, layer.text);
        quote! {
            #[doc = #doc]
            pub #field: #ty
        }
    });
    let params = |scalar: &TokenStream| {
        let terms = layers.iter().map(|layer| {
            let ty = field_type(layer, scalar);
            let layer_trait = layer_trait(layer, scalar);
            let span = at(layer);
            quote_spanned!(span=> <#ty as #layer_trait>::PARAMS)
        });
        quote!(0 #(+ #terms)*)
    };
    let params_f32 = params(&f32);
    let params_t = params(&t);

    let build = |zeros: bool| {
        let inits = layers.iter().map(|layer| {
            let field = &layer.field;
            let ty = field_type(layer, &t);
            let value = match &layer.kind {
                LayerKind::Dense {
                    activation,
                    kernel_initializer,
                    bias_initializer,
                    settings,
                    ..
                } => {
                    let span = at(layer);
                    let made = if zeros {
                        quote_spanned!(span=> <#ty>::zeros(#activation))
                    } else {
                        quote_spanned!(span=> <#ty>::init(#activation, &#kernel_initializer, &#bias_initializer, rng))
                    };
                    if settings.is_empty() {
                        made
                    } else {
                        let (names, values): (Vec<_>, Vec<_>) = settings.iter().cloned().unzip();
                        quote!({
                            let mut layer = #made;
                            #(layer.#names = #values;)*
                            layer
                        })
                    }
                }
                LayerKind::Dropout { rate } => quote!(::nn::Dropout::new_unchecked(#rate)),
                LayerKind::Conv2D {
                    window,
                    activation,
                    kernel_initializer,
                    bias_initializer,
                    settings,
                    ..
                } => {
                    let window = window_expr(window);
                    let made = if zeros {
                        quote!(<#ty>::zeros(#window, #activation))
                    } else {
                        quote!(<#ty>::init(#window, #activation, &#kernel_initializer, &#bias_initializer, rng))
                    };
                    let (names, values): (Vec<_>, Vec<_>) = settings.iter().cloned().unzip();
                    quote!({
                        let mut layer = #made.expect("network! computed these sizes");
                        #(layer.#names = #values;)*
                        layer
                    })
                }
                LayerKind::Pool { window, .. } => {
                    let window = window_expr(window);
                    quote!(<#ty>::new(#window).expect("network! computed these sizes"))
                }
                LayerKind::GlobalAvgPool => quote!(::nn::GlobalAvgPool2D),
                LayerKind::Flatten { .. } => quote!(::nn::Flatten),
                LayerKind::Activation { activation, .. } => quote!(<#ty>::new(#activation)),
                LayerKind::BatchNorm { momentum, epsilon, trainable, .. } => {
                    let made = if zeros {
                        quote!(<#ty>::zeros(#momentum, #epsilon))
                    } else {
                        quote!(<#ty>::new(#momentum, #epsilon))
                    };
                    quote!({
                        let mut layer = #made;
                        layer.trainable = #trainable;
                        layer
                    })
                }
                LayerKind::Input => unreachable!("Input is removed after checking"),
            };
            let span = at(layer);
            quote_spanned!(span=> #field: #value)
        });
        quote!(Self { #(#inits),* })
    };
    let from_rng = build(false);
    let zeros = build(true);

    // Inference on one sample: each layer's `forward`, skipping dropout (the identity).
    let mut predict = Vec::new();
    let mut first_call = true;
    for layer in layers {
        if is_identity_at_inference(layer) {
            continue;
        }
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        let arg = if first_call { quote!(x) } else { quote!(&x) };
        first_call = false;
        let span = at(layer);
        predict
            .push(quote_spanned!(span=> let x = <_ as #layer_trait>::forward(&self.#field, #arg);));
    }

    // Small networks keep one sample's activations on the stack (no allocation); networks with a
    // feature map larger than STACK_LIMIT values run one sample through the batch path instead,
    // so that large feature maps live on the heap.
    let largest = layers
        .iter()
        .flat_map(|l| [l.input.value, l.output.value])
        .flatten()
        .max()
        .unwrap_or(0);
    let predict_fn = if largest <= STACK_LIMIT {
        quote! {
            /// Inference on one sample. Allocates nothing.
            #[inline]
            pub fn predict(
                &self,
                x: &::nn::nalgebra::SVector<T, #input>,
            ) -> ::nn::nalgebra::SVector<T, #output> {
                #(#predict)*
                x
            }
        }
    } else {
        let doc = format!(
            "Inference on one sample. A feature map of this network has {largest} values, more than \
             fit comfortably on a stack, so the sample goes through the batch path (on the heap)."
        );
        quote! {
            #[doc = #doc]
            pub fn predict(
                &self,
                x: &::nn::nalgebra::SVector<T, #input>,
            ) -> ::nn::nalgebra::SVector<T, #output> {
                let batch = ::nn::Batch::<T, #input>::from_column_slice_generic(
                    ::nn::nalgebra::Const::<#input>,
                    ::nn::nalgebra::Dyn(1),
                    x.as_slice(),
                );
                ::nn::nalgebra::SVector::<T, #output>::from_column_slice(self.predict_batch(&batch).as_slice())
            }
        }
    };

    // Inference on a batch.
    let mut predict_batch = Vec::new();
    let mut current = quote!(x);
    for (k, layer) in layers.iter().enumerate() {
        if is_identity_at_inference(layer) {
            continue;
        }
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        let out = &layer.output.tokens;
        let h = format_ident!("h{}", k + 1);
        let span = at(layer);
        predict_batch.push(quote_spanned! {span=>
            let mut #h = ::nn::Batch::<T, #out>::zeros_generic(
                ::nn::nalgebra::Const::<#out>,
                ::nn::nalgebra::Dyn(x.ncols()),
            );
            <_ as #layer_trait>::forward_batch(&self.#field, &#current, &mut #h);
        });
        current = quote!(#h);
    }

    // Training: acts[k] is layer k's input, acts[k + 1] its output.
    let count = layers.len();
    let acts_ty = cons_type(
        std::iter::once(&first.input)
            .chain(layers.iter().map(|l| &l.output))
            .map(|dim| {
                let n = &dim.tokens;
                quote!(::nn::Batch<T, #n>)
            })
            .collect(),
    );
    let caches_ty = cons_type(
        layers
            .iter()
            .map(|layer| {
                let ty = field_type(layer, &t);
                let layer_trait = layer_trait(layer, &t);
                let span = at(layer);
                quote_spanned!(span=> <#ty as #layer_trait>::Cache)
            })
            .collect(),
    );
    let forward_train = layers.iter().enumerate().map(|(k, layer)| {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        let (x, y, cache) = (nth(quote!(acts), k), nth(quote!(acts), k + 1), nth(quote!(caches), k));
        let span = at(layer);
        quote_spanned!(span=> <_ as #layer_trait>::forward_train(&self.#field, &#x, &mut #y, &mut #cache, training, rng);)
    });
    let backward = layers.iter().enumerate().rev().map(|(k, layer)| {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        let (x, y, cache) = (
            nth(quote!(acts), k),
            nth(quote!(acts), k + 1),
            nth(quote!(caches), k),
        );
        let (dx, dy) = (nth(quote!(deltas), k), nth(quote!(deltas), k + 1));
        // The last layer may start from logits; the first computes ∂x only when asked.
        let from_logits = if k + 1 == layers.len() {
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
    });
    let (act_out_local, delta_in_local) = (nth(quote!(acts), count), nth(quote!(deltas), 0));
    let (act_in, act_out, delta_out, last_cache) = (
        nth(quote!(tape.acts), 0),
        nth(quote!(tape.acts), count),
        nth(quote!(tape.grads), count),
        nth(quote!(tape.caches), count - 1),
    );
    let last_ty = field_type(last, &t);
    let last_trait = layer_trait(last, &t);

    // `params` / `params_mut`: each layer's tensors, tagged with its field name.
    let chain = |method: TokenStream, receiver: TokenStream| -> Vec<TokenStream> {
        layers
            .iter()
            .map(|layer| {
                let field = &layer.field;
                let name = field.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name);
                let layer_trait = layer_trait(layer, &t);
                let span = at(layer);
                quote_spanned! {span=>
                    .chain(<_ as #layer_trait>::#method(#receiver self.#field).map(|p| (#name, p)))
                }
            })
            .collect()
    };
    let penalties = layers.iter().enumerate().map(|(k, layer)| {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        let cache = nth(quote!(tape.caches), k);
        quote! {
            + <_ as #layer_trait>::penalty(&self.#field)
            + <_ as #layer_trait>::activity_penalty(&self.#field, &#cache)
        }
    });
    let penalty_gradients = layers.iter().map(|layer| {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        quote!(<_ as #layer_trait>::add_penalty_gradient(&self.#field, &mut grads.#field);)
    });
    let constraints = layers.iter().map(|layer| {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        quote!(<_ as #layer_trait>::constrain(&mut self.#field);)
    });
    let state_updates = layers.iter().enumerate().map(|(k, layer)| {
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &t);
        let cache = nth(quote!(tape.caches), k);
        quote!(<_ as #layer_trait>::update_state(&mut self.#field, &#cache);)
    });
    let params = chain(quote!(params), quote!(&));
    let params_mut = chain(quote!(params_mut), quote!(&mut));

    let layer_infos: Vec<TokenStream> = layers
        .iter()
        .map(|layer| {
            let name = layer.field.to_string();
            let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
            let ty = field_type(layer, &t);
            let layer_trait = layer_trait(layer, &t);
            let output = match layer.image {
                Some(image) => {
                    let [h, w, c] = image.map(literal);
                    quote!(&[#h, #w, #c])
                }
                None => {
                    let out = &layer.output.tokens;
                    quote!(&[#out])
                }
            };
            quote!(::nn::LayerInfo { name: #name, kind: <#ty as #layer_trait>::KIND, output: #output })
        })
        .collect();
    let field_names: Vec<_> = layers.iter().map(|l| &l.field).collect();
    let name_text = ident.to_string();
    let field_texts = field_names.iter().map(|f| f.to_string());
    let input_doc = format!("Values per input sample: {}.", first.input.text);
    let output_doc = format!("Values per output sample: {}.", last.output.text);

    quote! {
        #(#attrs)*
        #vis struct #ident<T: ::nn::Float = f32> {
            #(#fields,)*
        }

        #(#assertions)*

        impl #ident {
            #[doc = #input_doc]
            pub const INPUT: usize = #input;
            #[doc = #output_doc]
            pub const OUTPUT: usize = #output;
            /// The number of scalar parameters (trainable or not).
            pub const PARAMS: usize = #params_f32;

            /// A network initialized with each layer's initializers, drawing from `rng`.
            pub fn new<R: ::nn::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                <Self as ::nn::Network<f32>>::new(rng)
            }

            /// A network initialized from a seed: the same seed gives the same weights, bit for
            /// bit.
            pub fn seeded(seed: u64) -> Self {
                <Self as ::nn::Network<f32>>::seeded(seed)
            }

            /// A network of this architecture with every parameter zero: a holder for gradients
            /// (see [`backward`](Self::backward)).
            pub fn zeros() -> Self {
                <Self as ::nn::Network<f32>>::zeros()
            }
        }

        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> #ident<T> {
            #predict_fn

            /// Inference on a batch, one sample per column; the products go through GEMM.
            pub fn predict_batch(&self, x: &::nn::Batch<T, #input>) -> ::nn::Batch<T, #output> {
                #(#predict_batch)*
                #current
            }

            /// Empty buffers for [`forward_train`](Self::forward_train) and
            /// [`backward`](Self::backward), reused from one step to the next.
            pub fn tape(&self) -> ::nn::TapeOf<Self, T> {
                ::core::default::Default::default()
            }

            /// A training forward pass on a batch (dropout active, drawing from `rng`),
            /// recording into `tape` what [`backward`](Self::backward) needs. Returns the
            /// outputs, one sample per column.
            pub fn forward_train<'t, R: ::nn::rand::Rng + ?::core::marker::Sized>(
                &self,
                x: &::nn::Batch<T, #input>,
                tape: &'t mut ::nn::TapeOf<Self, T>,
                rng: &mut R,
            ) -> &'t ::nn::Batch<T, #output> {
                <Self as ::nn::Network<T>>::forward_train(self, x, tape, rng)
            }

            /// The backward pass of the last [`forward_train`](Self::forward_train) on `tape`:
            /// given `dy` = ∂loss/∂output, writes ∂loss/∂parameter into the matching fields of
            /// `grads` (a network made by `zeros`) and returns ∂loss/∂input.
            ///
            /// # Panics
            /// If `dy` does not have as many columns as the batch of the forward pass.
            pub fn backward<'t>(
                &self,
                tape: &'t mut ::nn::TapeOf<Self, T>,
                dy: &::nn::Batch<T, #output>,
                grads: &mut Self,
            ) -> &'t ::nn::Batch<T, #input> {
                <Self as ::nn::Network<T>>::backward(self, tape, dy, grads)
            }

            /// Keras's summary table: each layer's name, type, output shape and parameter count,
            /// then the total, trainable and non-trainable parameters and their sizes. Print it
            /// with `println!("{}", net.summary())`.
            pub fn summary(&self) -> ::nn::Summary {
                ::nn::Summary::of::<T, Self>(self)
            }

            /// Calls `f` with each parameter tensor (field name, then the tensor), in layer order.
            pub fn visit_params(&self, f: &mut dyn ::core::ops::FnMut(&'static str, ::nn::ParamRef<'_, T>)) {
                <Self as ::nn::Network<T>>::params(self).for_each(|(layer, p)| f(layer, p));
            }

            /// Calls `f` with each parameter tensor mutably, in layer order.
            pub fn visit_params_mut(&mut self, f: &mut dyn ::core::ops::FnMut(&'static str, ::nn::ParamMut<'_, T>)) {
                <Self as ::nn::Network<T>>::params_mut(self).for_each(|(layer, p)| f(layer, p));
            }
        }

        impl<T: ::nn::Float> ::core::clone::Clone for #ident<T> {
            fn clone(&self) -> Self {
                Self { #(#field_names: ::core::clone::Clone::clone(&self.#field_names)),* }
            }
        }

        impl<T: ::nn::Float> ::core::fmt::Debug for #ident<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name_text)
                    #(.field(#field_texts, &self.#field_names))*
                    .finish()
            }
        }

        impl<T: ::nn::Float> ::nn::Network<T> for #ident<T> {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            const PARAMS: usize = #params_t;
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
                ::core::iter::empty() #(#params)*
            }

            fn params_mut(&mut self) -> impl ::core::iter::Iterator<Item = (&'static str, ::nn::ParamMut<'_, T>)> {
                ::core::iter::empty() #(#params_mut)*
            }
        }
    }
}

/// The field type of a layer, in scalar type `scalar`.
fn field_type(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    let (input, output) = (&layer.input.tokens, &layer.output.tokens);
    match &layer.kind {
        LayerKind::Dense {
            activation_ty,
            use_bias,
            ..
        } => {
            let storage = match (layer.input.value, layer.output.value) {
                (Some(i), Some(o)) if i.saturating_mul(o) <= INLINE_LIMIT => quote!(::nn::Inline),
                (Some(_), Some(_)) => quote!(::nn::Heap),
                _ => {
                    quote!(::nn::__private::StorageOf<{ ::nn::__private::inline(#output, #input) }>)
                }
            };
            quote!(::nn::Dense<#scalar, #input, #output, #activation_ty, #storage, #use_bias>)
        }
        LayerKind::Dropout { .. } => quote!(::nn::Dropout),
        LayerKind::Conv2D {
            filters,
            window,
            activation_ty,
            use_bias,
            ..
        } => {
            let k = window.kernel[0] * window.kernel[1] * window.input[2];
            let storage = if filters.saturating_mul(k) <= INLINE_LIMIT {
                quote!(::nn::Inline)
            } else {
                quote!(::nn::Heap)
            };
            let (filters, k) = (literal(*filters), literal(k));
            quote!(::nn::Conv2D<#scalar, #input, #output, #filters, #k, #activation_ty, #storage, #use_bias>)
        }
        LayerKind::Pool { max: true, .. } => quote!(::nn::MaxPool2D<#input, #output>),
        LayerKind::Pool { max: false, .. } => quote!(::nn::AvgPool2D<#input, #output>),
        LayerKind::GlobalAvgPool => quote!(::nn::GlobalAvgPool2D),
        LayerKind::Flatten { .. } => quote!(::nn::Flatten),
        LayerKind::Activation {
            activation_ty,
            channels,
            own_class,
            ..
        } => {
            let channels = &channels.tokens;
            quote!(::nn::ActivationLayer<#activation_ty, #channels, #own_class>)
        }
        LayerKind::BatchNorm { channels, .. } => {
            let channels_tokens = &channels.tokens;
            let storage = match channels.value {
                Some(c) if c <= INLINE_LIMIT => quote!(::nn::Inline),
                Some(_) => quote!(::nn::Heap),
                None => {
                    quote!(::nn::__private::StorageOf<{ ::nn::__private::inline(#channels_tokens, 1) }>)
                }
            };
            quote!(::nn::BatchNormalization<#scalar, #input, #channels_tokens, #storage>)
        }
        LayerKind::Input => unreachable!("Input is removed after checking"),
    }
}

/// Dropout and Flatten pass samples through unchanged at inference.
fn is_identity_at_inference(layer: &Layer) -> bool {
    matches!(
        layer.kind,
        LayerKind::Dropout { .. } | LayerKind::Flatten { .. }
    )
}

/// A `usize` literal.
fn literal(value: u64) -> proc_macro2::Literal {
    proc_macro2::Literal::usize_unsuffixed(value as usize)
}

/// `::nn::Window::new(...)` for a window the macro computed (it cannot fail).
fn window_expr(window: &crate::ast::Window) -> TokenStream {
    let [h, w, c] = window.input.map(literal);
    let [kh, kw] = window.kernel.map(literal);
    let [sh, sw] = window.strides.map(literal);
    let padding = if window.same {
        quote!(::nn::Padding::Same)
    } else {
        quote!(::nn::Padding::Valid)
    };
    quote!(::nn::Window::new((#h, #w, #c), (#kh, #kw), (#sh, #sw), #padding).expect("network! checked this window"))
}

/// A span that resolves names as the macro does but is reported at the layer in the user's
/// code, so that a type error about a layer points at it.
fn at(layer: &Layer) -> Span {
    Span::call_site().located_at(layer.span)
}

/// `::nn::Layer<T, I, O>` for a layer.
fn layer_trait(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    let (input, output) = (&layer.input.tokens, &layer.output.tokens);
    quote!(::nn::Layer<#scalar, #input, #output>)
}

/// `(a, (b, (c, ())))`.
fn cons_type(items: Vec<TokenStream>) -> TokenStream {
    items
        .into_iter()
        .rev()
        .fold(quote!(()), |tail, head| quote!((#head, #tail)))
}

/// The `k`-th element of a cons list: `base.1.1.0` for `k = 2`.
fn nth(base: TokenStream, k: usize) -> TokenStream {
    let (one, zero) = (Index::from(1), Index::from(0));
    let hops = std::iter::repeat_n(&one, k);
    quote!(#base #(.#hops)* .#zero)
}
