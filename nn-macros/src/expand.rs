//! Code generation: a checked [`Network`] becomes a struct, its inherent API and its
//! `nn::Network` implementation. Every layer is written the same way, from its type, its
//! constructors and its shapes in the IR; this is the only module that names the runtime's
//! crate. Generated code names everything by absolute path (`::nn::`, `::core::`), so a user's
//! own `Result`, `Option`, `Vec` or `core` never interferes.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Ident, Index};

use crate::ir::{Assertion, Expr, Layer, Network, Path, Root, Size, Type, TypeArg};

/// The widest activation `predict` keeps on the stack (64 KiB of `f32`).
const STACK_LIMIT: usize = 16384;

/// Everything generated for one network.
pub(crate) fn network(network: &Network) -> TokenStream {
    let assertions: Vec<TokenStream> = network.assertions.iter().map(assertion).collect();
    if network.layers.is_empty() {
        return quote!(#(#assertions)*);
    }
    let parts = [
        struct_item(network),
        quote!(#(#assertions)*),
        constants_impl(network),
        methods_impl(network),
        clone_and_debug(network),
        network_impl(network),
    ];
    quote!(#(#parts)*)
}

/// The network's input and output widths.
fn ends(network: &Network) -> (TokenStream, TokenStream) {
    let first = &network.layers[0];
    let last = &network.layers[network.layers.len() - 1];
    (size(&first.input), size(&last.output))
}

/// `struct Name<T> { field: Layer, ... }`, with the user's attributes and visibility.
fn struct_item(network: &Network) -> TokenStream {
    let Network {
        attrs, vis, ident, ..
    } = network;
    let fields = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let ty = field_type(layer, &quote!(T));
        let doc = format!("Layer {}: `{}`.", layer.position, layer.text);
        quote! {
            #[doc = #doc]
            pub #field: #ty
        }
    });
    quote! {
        #(#attrs)*
        #vis struct #ident<T: ::nn::Float = f32> {
            #(#fields,)*
        }
    }
}

/// `INPUT`, `OUTPUT`, `PARAMS` and the `f32` constructors.
fn constants_impl(network: &Network) -> TokenStream {
    let ident = &network.ident;
    let (input, output) = ends(network);
    let first = &network.layers[0];
    let last = &network.layers[network.layers.len() - 1];
    let input_doc = format!("Values per input sample: {}.", first.input.text());
    let output_doc = format!("Values per output sample: {}.", last.output.text());
    let params = params_sum(network, &quote!(f32));
    quote! {
        impl #ident {
            #[doc = #input_doc]
            pub const INPUT: usize = #input;
            #[doc = #output_doc]
            pub const OUTPUT: usize = #output;
            /// The number of scalar parameters (trainable or not).
            pub const PARAMS: usize = #params;

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
    }
}

/// The inherent API over any scalar type.
fn methods_impl(network: &Network) -> TokenStream {
    let ident = &network.ident;
    let (input, output) = ends(network);
    let predict = predict_fn(network);
    let (predict_batch, result) = predict_batch_steps(network);
    quote! {
        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> #ident<T> {
            #predict

            /// Inference on a batch, one sample per column; the products go through GEMM.
            pub fn predict_batch(&self, x: &::nn::Batch<T, #input>) -> ::nn::Batch<T, #output> {
                #(#predict_batch)*
                #result
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
    }
}

/// `Clone` and `Debug`, field by field.
fn clone_and_debug(network: &Network) -> TokenStream {
    let ident = &network.ident;
    let name_text = ident.to_string();
    let field_names: Vec<&Ident> = network.layers.iter().map(|l| &l.field).collect();
    let field_texts = field_names.iter().map(|f| f.to_string());
    quote! {
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
    }
}

/// The `nn::Network` implementation: everything the runtime's training, summary and io need.
fn network_impl(network: &Network) -> TokenStream {
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

/// The sum of the layers' parameter counts, in scalar type `scalar`.
fn params_sum(network: &Network, scalar: &TokenStream) -> TokenStream {
    let terms = network.layers.iter().map(|layer| {
        let ty = field_type(layer, scalar);
        let layer_trait = layer_trait(layer, scalar);
        let span = at(layer);
        quote_spanned!(span=> <#ty as #layer_trait>::PARAMS)
    });
    quote!(0 #(+ #terms)*)
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

/// `predict`: each layer's `forward` on one sample, skipping the layers that are the identity
/// at inference. Networks with a feature map larger than `STACK_LIMIT` values run the sample
/// through the batch path instead, so that large feature maps live on the heap.
fn predict_fn(network: &Network) -> TokenStream {
    let (input, output) = ends(network);
    let largest = network
        .layers
        .iter()
        .flat_map(|l| [l.input.value(), l.output.value()])
        .flatten()
        .max()
        .unwrap_or(0);
    if largest > STACK_LIMIT {
        let doc = format!(
            "Inference on one sample. A feature map of this network has {largest} values, more than \
             fit comfortably on a stack, so the sample goes through the batch path (on the heap)."
        );
        return quote! {
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
        };
    }
    let steps = network
        .layers
        .iter()
        .filter(|layer| !layer.identity_at_inference)
        .enumerate()
        .map(|(k, layer)| {
            let field = &layer.field;
            let layer_trait = layer_trait(layer, &quote!(T));
            let arg = if k == 0 { quote!(x) } else { quote!(&x) };
            let span = at(layer);
            quote_spanned!(span=> let x = <_ as #layer_trait>::forward(&self.#field, #arg);)
        });
    quote! {
        /// Inference on one sample. Allocates nothing.
        #[inline]
        pub fn predict(
            &self,
            x: &::nn::nalgebra::SVector<T, #input>,
        ) -> ::nn::nalgebra::SVector<T, #output> {
            #(#steps)*
            x
        }
    }
}

/// `predict_batch`'s steps, one buffer per layer that computes something, and the last buffer.
fn predict_batch_steps(network: &Network) -> (Vec<TokenStream>, TokenStream) {
    let mut steps = Vec::new();
    let mut current = quote!(x);
    for (k, layer) in network.layers.iter().enumerate() {
        if layer.identity_at_inference {
            continue;
        }
        let field = &layer.field;
        let layer_trait = layer_trait(layer, &quote!(T));
        let out = size(&layer.output);
        let h = format_ident!("h{}", k + 1);
        let span = at(layer);
        steps.push(quote_spanned! {span=>
            let mut #h = ::nn::Batch::<T, #out>::zeros_generic(
                ::nn::nalgebra::Const::<#out>,
                ::nn::nalgebra::Dyn(x.ncols()),
            );
            <_ as #layer_trait>::forward_batch(&self.#field, &#current, &mut #h);
        });
        current = quote!(#h);
    }
    (steps, current)
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

/// The field type of a layer, in scalar type `scalar`.
fn field_type(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    let Type { name, args } = &layer.ty;
    let name = Ident::new(name, Span::call_site());
    if args.is_empty() {
        return quote!(::nn::#name);
    }
    let args = args.iter().map(|arg| type_arg(arg, scalar));
    quote!(::nn::#name<#(#args),*>)
}

/// A generic argument of a layer type.
fn type_arg(arg: &TypeArg, scalar: &TokenStream) -> TokenStream {
    match arg {
        TypeArg::Scalar => scalar.clone(),
        TypeArg::Size(value) => size(value),
        TypeArg::Type(ty) => path(ty),
        TypeArg::Bool(value) => quote!(#value),
        TypeArg::Storage { rows, cols } => match (rows.value(), cols.value()) {
            (Some(r), Some(c)) if r.saturating_mul(c) <= nn_keras::INLINE_LIMIT => {
                quote!(::nn::Inline)
            }
            (Some(_), Some(_)) => quote!(::nn::Heap),
            _ => {
                let (rows, cols) = (size(rows), size(cols));
                quote!(::nn::__private::StorageOf<{ ::nn::__private::inline(#rows, #cols) }>)
            }
        },
    }
}

/// A size as a `usize` expression: a literal, or `{ CONST }`.
fn size(value: &Size) -> TokenStream {
    match value {
        Size::Known(n) => Literal::usize_unsuffixed(*n).into_token_stream(),
        Size::Named { path, .. } => quote!({ #path }),
    }
}

/// A path: the runtime's items from `::nn`, the user's as written.
fn path(path: &Path) -> TokenStream {
    let segments = &path.segments;
    match &path.root {
        Root::Core => quote!(::nn #(:: #segments)*),
        Root::User(tokens) => quote!(#tokens #(:: #segments)*),
    }
}

/// An expression building (part of) `layer`.
fn expr(value: &Expr, layer: &Layer) -> TokenStream {
    let all =
        |values: &[Expr]| -> Vec<TokenStream> { values.iter().map(|v| expr(v, layer)).collect() };
    match value {
        Expr::Float(v) if *v < 0.0 => {
            let v = Literal::f64_unsuffixed(-v);
            quote!((-#v))
        }
        Expr::Float(v) => Literal::f64_unsuffixed(*v).into_token_stream(),
        Expr::Usize(v) => Literal::usize_unsuffixed(*v).into_token_stream(),
        Expr::Bool(v) => quote!(#v),
        Expr::AsF64(tokens) => quote!((#tokens as f64)),
        Expr::User(tokens) => tokens.clone(),
        Expr::Path(p) => path(p),
        Expr::Call(p, args) => {
            let (p, args) = (path(p), all(args));
            quote!(#p(#(#args),*))
        }
        Expr::Default(p) => {
            let p = path(p);
            quote!(<#p as ::core::default::Default>::default())
        }
        Expr::Construct(name, args) => {
            let ty = field_type(layer, &quote!(T));
            let (name, args) = (Ident::new(name, Span::call_site()), all(args));
            let span = at(layer);
            quote_spanned!(span=> <#ty>::#name(#(#args),*))
        }
        Expr::Tuple(values) => {
            let values = all(values);
            quote!((#(#values),*))
        }
        Expr::Ref(inner) => {
            let inner = expr(inner, layer);
            quote!(&#inner)
        }
        Expr::Rng => quote!(rng),
        Expr::Expect(inner, why) => {
            let inner = expr(inner, layer);
            quote!(#inner.expect(#why))
        }
    }
}

/// A compile-time check of named constants, failing at the layer it concerns.
fn assertion(assertion: &Assertion) -> TokenStream {
    match assertion {
        Assertion::NonZero {
            size: value,
            message,
            span,
        } => {
            let value = size(value);
            quote_spanned! {*span=>
                const _: () = if #value == 0 { ::core::panic!(#message) };
            }
        }
        Assertion::Equal {
            expected,
            produced,
            message: [head, middle, tail],
            span,
        } => {
            let (expected, produced) = (size(expected), size(produced));
            quote_spanned! {*span=>
                const _: () = {
                    const __NN_EXPECTED: usize = #expected;
                    const __NN_PRODUCED: usize = #produced;
                    const __NN_MESSAGE: ::nn::__private::Msg = ::nn::__private::Msg::new()
                        .str(#head)
                        .num(__NN_EXPECTED)
                        .str(#middle)
                        .num(__NN_PRODUCED)
                        .str(#tail);
                    if __NN_EXPECTED != __NN_PRODUCED {
                        ::core::panic!("{}", __NN_MESSAGE.as_str());
                    }
                };
            }
        }
        Assertion::Probability {
            value,
            message,
            span,
        } => quote_spanned! {*span=>
            const _: () = {
                const __NN_RATE: f64 = #value as f64;
                if !(__NN_RATE >= 0.0 && __NN_RATE < 1.0) {
                    ::core::panic!(#message);
                }
            };
        },
    }
}

/// A span that resolves names as the macro does but is reported at the layer in the user's
/// code, so that a type error about a layer points at it.
fn at(layer: &Layer) -> Span {
    Span::call_site().located_at(layer.span)
}

/// `::nn::Layer<T, I, O>` for a layer.
fn layer_trait(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    let (input, output) = (size(&layer.input), size(&layer.output));
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
