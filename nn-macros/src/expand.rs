//! Code generation: a checked [`Network`] becomes a struct, its inherent API and its
//! `nn::Network` implementation. Every layer is written the same way, from its type, its
//! constructors and its shapes in the IR, with no case per kind. This module (with `lower` for
//! the IR's pieces and `network_impl` for the trait) is the only one that names the runtime's
//! crate. Generated code names everything by absolute path (`::nn::`, `::core::`), so a user's
//! own `Result`, `Option`, `Vec` or `core` never interferes.

mod branch;
mod int8;
mod lower;
mod network_impl;

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Ident;

use crate::ir::{Built, Network};
use lower::{
    assertion, at, ends, field_type, keras_check, layer_trait, params_check, params_sum,
    scalar_marker, size,
};

/// The widest activation `predict` keeps on the stack (64 KiB of `f32`).
const STACK_LIMIT: usize = 16384;

/// Everything generated for one network.
pub(crate) fn network(network: &Network) -> TokenStream {
    let mut assertions: Vec<TokenStream> = network
        .assertions
        .iter()
        .map(|a| assertion(a, network))
        .collect();
    // Each file as a dependency of the crate: cargo rebuilds when it changes.
    for path in &network.files {
        assertions.push(quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        ));
    }
    if let Some(file) = &network.keras_file {
        // A network with blocks is checked flattened, as Keras lists its layers.
        let checked = file.flat.as_deref().unwrap_or(network);
        assertions.extend(file.checks.iter().map(|c| keras_check(c, checked)));
        assertions.extend(file.params.iter().map(|c| params_check(c, checked)));
        if let Some(flat) = &file.flat {
            assertions.extend(flat.assertions.iter().map(|a| assertion(a, flat)));
        }
    }
    if network.layers.is_empty() {
        return quote!(#(#assertions)*);
    }
    assertions.extend(network.budget.iter().map(|limit| budget(limit, network)));
    // What needs `std` (batches, training, files) is given to `nn`'s `if_std!`, which drops it
    // when `nn` is built without `std`: the expansion never names `std` itself.
    let with_std = [
        constructors_impl(network),
        methods_impl(network),
        network_impl::network_impl(network),
    ];
    let parts = [
        branch::structs(network),
        struct_item(network),
        quote!(#(#assertions)*),
        constants_impl(network),
        predict_impl(network),
        stream_impl(network).unwrap_or_default(),
        embedded_impl(network).unwrap_or_default(),
        clone_and_debug(network),
        int8::int8(network),
        quote!(::nn::__private::if_std! { #(#with_std)* }),
    ];
    quote!(#(#parts)*)
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
    let marker = scalar_marker(network).map(|(field, _)| {
        quote! {
            /// Holds the scalar type for a network none of whose layers has parameters.
            #[doc(hidden)]
            pub #field: ::core::marker::PhantomData<T>,
        }
    });
    quote! {
        #(#attrs)*
        #vis struct #ident<T: ::nn::Float = f32> {
            #(#fields,)*
            #marker
        }
    }
}

/// `INPUT`, `OUTPUT` and `PARAMS`.
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
        }
    }
}

/// A limit of `#[budget(..)]`, checked during the build: over it, an error at the limit that
/// says by how much.
fn budget(limit: &crate::ir::Limit, network: &Network) -> TokenStream {
    use crate::ir::Part;
    let ident = &network.ident;
    let (form, shown) = if limit.int8 {
        (quote!(::nn::Int8::<#ident>), format!("`nn::Int8<{ident}>`"))
    } else {
        (quote!(#ident::<f32>), format!("`{ident}`"))
    };
    let (used, what) = match limit.part {
        Part::Flash => (
            quote!(#form::PARAM_BYTES),
            "its parameters (`PARAM_BYTES`) take",
        ),
        Part::Ram => (
            quote!(#form::PREDICT_STACK),
            "`predict` (`PREDICT_STACK`) takes",
        ),
    };
    let key = limit.part.key();
    let head = format!("{shown} is over its {key} budget: {what} ");
    let middle = match limit.part {
        Part::Flash => " bytes, ",
        Part::Ram => " bytes of stack on this target, ",
    };
    let tail = format!(" more than the {key} = ");
    let bytes = &limit.bytes;
    quote_spanned! {limit.span=>
        const _: () = {
            const __NN_LIMIT: usize = #bytes;
            const __NN_USED: usize = #used;
            const __NN_MESSAGE: ::nn::__private::Msg = ::nn::__private::Msg::new()
                .str(#head)
                .num(__NN_USED)
                .str(#middle)
                .num(__NN_USED.saturating_sub(__NN_LIMIT))
                .str(#tail)
                .num(__NN_LIMIT)
                .str(" allowed");
            if __NN_USED > __NN_LIMIT {
                ::core::panic!("{}", __NN_MESSAGE.as_str());
            }
        };
    }
}

/// The `f32` constructors and loading.
fn constructors_impl(network: &Network) -> TokenStream {
    let ident = &network.ident;
    quote! {
        impl #ident {
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

            /// Loads the network from a Keras file (`.keras`, `.weights.h5`, `.weights.json`,
            /// legacy `.h5`), checking the file's model against this declaration; see
            /// [`nn::keras`](::nn::keras).
            ///
            /// # Errors
            /// When the file cannot be read, is damaged, or does not fit this network (every
            /// difference listed).
            pub fn load_keras(
                path: impl ::core::convert::AsRef<::nn::__private::std::path::Path>,
            ) -> ::core::result::Result<Self, ::nn::Error> {
                ::nn::keras::load::<f32, Self>(path)
            }

            /// Reads the network from a float TensorFlow Lite file's bytes, walking its graph
            /// from the input and comparing each layer's operators, windows, activations and
            /// weight shapes with this declaration (a batch normalization the converter folded
            /// reads as the identity). Blocks that add or concatenate are read; the other
            /// blocks not yet.
            ///
            /// # Errors
            /// When the bytes are not a TensorFlow Lite file of one float graph, or it does
            /// not fit this network (every difference listed).
            pub fn from_tflite(bytes: &[u8]) -> ::core::result::Result<Self, ::nn::Error> {
                ::nn::__private::tflite_float::read::<Self>(
                    bytes,
                    ::nn::__private::std::path::Path::new("the .tflite bytes"),
                )
            }

            /// [`from_tflite`](Self::from_tflite) on the file at `path`.
            ///
            /// # Errors
            /// When the file cannot be read, and those of `from_tflite`.
            pub fn load_tflite(
                path: impl ::core::convert::AsRef<::nn::__private::std::path::Path>,
            ) -> ::core::result::Result<Self, ::nn::Error> {
                let path = path.as_ref();
                ::nn::__private::tflite_float::read::<Self>(&::nn::int8::bytes(path)?, path)
            }

            /// Reads the network from an ONNX file's bytes (a model trained in PyTorch and
            /// exported with `torch.onnx.export`), walking its graph from the input and
            /// comparing each layer's operators, windows, paddings, activations and weight
            /// shapes with this declaration; PyTorch's channels-first weights are turned into
            /// this network's channels-last layout, so it is fed the same input transposed to
            /// channels last. Blocks that add or concatenate are read; the other blocks not yet.
            /// Recurrent layers (`LSTM`, `GRU`, `RNN` nodes, bidirectional too) and embeddings
            /// are read; a sequence is fed as PyTorch takes it (`batch_first`).
            ///
            /// # Errors
            /// When the bytes are not an ONNX model, or it does not fit this network (every
            /// difference listed, every operator not read named with its node).
            pub fn from_onnx(bytes: &[u8]) -> ::core::result::Result<Self, ::nn::Error> {
                ::nn::__private::onnx::read::<Self>(
                    bytes,
                    ::nn::__private::std::path::Path::new("the .onnx bytes"),
                )
            }

            /// [`from_onnx`](Self::from_onnx) on the file at `path`.
            ///
            /// # Errors
            /// When the file cannot be read, and those of `from_onnx`.
            pub fn load_onnx(
                path: impl ::core::convert::AsRef<::nn::__private::std::path::Path>,
            ) -> ::core::result::Result<Self, ::nn::Error> {
                let path = path.as_ref();
                ::nn::__private::onnx::read::<Self>(&::nn::int8::bytes(path)?, path)
            }

            /// Reads the network from a PyTorch state dict's bytes (as
            /// `safetensors.torch.save_file(model.state_dict(), path)` writes them), matching
            /// the declaration's layers to the modules by field name or, for an
            /// `nn.Sequential`, in order, checking every tensor's name and shape and converting
            /// PyTorch's layouts to ours; see [`nn::pytorch`](::nn::pytorch), which also says
            /// what a state dict cannot show (activations, windows, batch normalization's
            /// epsilon: declare PyTorch's 1e-5).
            ///
            /// # Errors
            /// When the bytes are not a safetensors file, or the state dict does not fit this
            /// network (every difference listed, at its layer).
            pub fn from_pytorch(bytes: &[u8]) -> ::core::result::Result<Self, ::nn::Error> {
                ::nn::pytorch::from_bytes::<f32, Self>(
                    bytes,
                    ::nn::__private::std::path::Path::new("the state dict's bytes"),
                )
            }

            /// [`from_pytorch`](Self::from_pytorch) on the file at `path`.
            ///
            /// # Errors
            /// When the file cannot be read, and those of `from_pytorch`.
            pub fn load_pytorch(
                path: impl ::core::convert::AsRef<::nn::__private::std::path::Path>,
            ) -> ::core::result::Result<Self, ::nn::Error> {
                ::nn::pytorch::load::<f32, Self>(path.as_ref())
            }
        }
    }
}

/// With `embed`: `EMBEDDED`, the network with the file's weights, as a constant.
fn embedded_impl(network: &Network) -> Option<TokenStream> {
    let embedded = network.embedded.as_ref()?;
    let ident = &network.ident;
    let path = &embedded.path;
    let layers = network
        .layers
        .iter()
        .zip(&embedded.offsets)
        .map(|(layer, offsets)| {
            let field = &layer.field;
            let value = lower::built(layer, Built::Constant, Some(offsets));
            let span = at(layer);
            quote_spanned!(span=> #field: #value)
        });
    let marker = scalar_marker(network).map(|(field, value)| quote!(#field: #value,));
    // The file's bytes, or those the attribute made from it (converted during the build).
    let file_bytes = match &embedded.bytes {
        Some(bytes) => proc_macro2::Literal::byte_string(bytes).into_token_stream(),
        None => quote!(::core::include_bytes!(#path)),
    };
    let file = std::path::Path::new(path)
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let doc = format!(
        "The network with the weights of `{file}`, built into the program by `embed`: checked \
         against the declaration during the build and read during compilation, so there is no \
         file to ship, no parsing and no error to handle. Keep it in a `static` (`static NET: \
         {ident} = {ident}::EMBEDDED;`): its weights are then read-only data (in flash on a \
         microcontroller) and nothing is copied. Every matrix of `{ident}` is inline (a \
         constant cannot own heap memory), so do not build a large one on a small stack."
    );
    Some(quote! {
        #[allow(clippy::all, clippy::pedantic)]
        impl #ident<f32> {
            #[doc = #doc]
            pub const EMBEDDED: Self = {
                const FILE: &[u8] = #file_bytes;
                Self { #(#layers,)* #marker }
            };
        }
    })
}

/// The inherent API over any scalar type.
fn methods_impl(network: &Network) -> TokenStream {
    let ident = &network.ident;
    let (input, output) = ends(network);
    let (predict_batch, result) = predict_batch_steps(network);
    quote! {
        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> #ident<T> {
            /// Inference on a batch, one sample per column, split across the threads allowed
            /// (`NN_THREADS`). The products go through GEMM, except a dense layer's on AVX-512
            /// whose kernel fits in 32 KiB, computed a few samples at a time as `predict`
            /// computes each (bit for bit the same).
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
                <Self as ::nn::__private::Trainable<T>>::forward_train(self, x, tape, rng)
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
                <Self as ::nn::__private::Trainable<T>>::backward(self, tape, dy, grads)
            }

            /// Keras's summary table: each layer's name, type, output shape, parameter count
            /// and size and memory in `predict`, then the total, trainable and non-trainable
            /// parameters and their sizes and `predict`'s memory (`PREDICT_STACK`). Print it
            /// with `println!("{}", net.summary())`.
            pub fn summary(&self) -> ::nn::Summary {
                ::nn::Summary::of::<T, Self>(self)
            }

            /// Saves the network as a `.keras` archive that `keras.saving.load_model` loads; see
            /// [`nn::keras::save`](::nn::keras::save).
            ///
            /// # Errors
            /// When the path does not end in `.keras` or cannot be written.
            pub fn save_keras(
                &self,
                path: impl ::core::convert::AsRef<::nn::__private::std::path::Path>,
            ) -> ::core::result::Result<(), ::nn::Error> {
                ::nn::keras::save::<T, Self>(self, path)
            }

            /// The network as an `.onnx` file's bytes, written as PyTorch's exporter writes
            /// the same model (ONNX's opset 17, IR version 8, `float32` weights), for ONNX
            /// Runtime or any ONNX runtime to serve; [`from_onnx`](Self::from_onnx) reads it
            /// back.
            ///
            /// The file is channels first, as PyTorch: its input `input` is `(batch, C, H, W)`
            /// for an image declared `(H, W, C)` (`(batch, C, L)` for a sequence, `(batch, n)`
            /// for a vector), and so is its output `output`. Convolution kernels are
            /// `(O, I, KH, KW)`, dense layers a `Gemm` with `transB` whose columns after a
            /// `Flatten` of an image are in channels-first order, TensorFlow's `same` padding
            /// explicit `pads` (the extra one at the end), `Dropout` left out.
            ///
            /// # Errors
            /// When a layer, block or activation is not written to ONNX files (recurrent
            /// layers, embeddings, blocks other than `Add` and `Concatenate`, ...): every one
            /// named.
            pub fn to_onnx(&self) -> ::core::result::Result<::nn::__private::std::vec::Vec<u8>, ::nn::Error> {
                ::nn::__private::onnx_out::to_bytes::<T, Self>(self)
            }

            /// Writes [`to_onnx`](Self::to_onnx)'s file at `path`, replaced atomically (a
            /// network that cannot be written writes nothing).
            ///
            /// # Errors
            /// Those of `to_onnx`, and when the file cannot be written.
            pub fn save_onnx(
                &self,
                path: impl ::core::convert::AsRef<::nn::__private::std::path::Path>,
            ) -> ::core::result::Result<(), ::nn::Error> {
                ::nn::__private::onnx_out::save::<T, Self>(self, path)
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
    let marker = scalar_marker(network).map(|(field, value)| quote!(#field: #value,));
    quote! {
        impl<T: ::nn::Float> ::core::clone::Clone for #ident<T> {
            fn clone(&self) -> Self {
                Self { #(#field_names: ::core::clone::Clone::clone(&self.#field_names),)* #marker }
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

/// `predict`: each layer's `forward` on one sample, skipping the layers that are the identity
/// at inference. With `std`, networks with a feature map larger than `STACK_LIMIT` values run
/// the sample through the batch path instead, so that large feature maps live on the heap;
/// without, there is no heap and every network runs on the stack.
fn predict_impl(network: &Network) -> TokenStream {
    let ident = &network.ident;
    let in_impl = |predict: TokenStream| {
        quote! {
            #[allow(clippy::all, clippy::pedantic)]
            impl<T: ::nn::Float> #ident<T> {
                #predict
            }
        }
    };
    // The widest activation of any layer, a block's included.
    fn widest(layers: &[crate::ir::Layer]) -> usize {
        layers
            .iter()
            .map(|l| {
                let own = [l.input.value(), l.output.value()].into_iter().flatten();
                let inner = l
                    .block
                    .iter()
                    .flat_map(|b| &b.branches)
                    .map(|b| widest(&b.layers));
                own.chain(inner).max().unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }
    let largest = widest(&network.layers);
    let (_, output) = ends(network);
    let bytes = lower::forward_bytes(&network.layers);
    let frame = lower::frame_bytes(&network.layers);
    let params = params_sum(network, &quote!(T));
    let constants = in_impl(quote! {
        /// The bytes of its parameters in `T` (`PARAMS` of them).
        pub const PARAM_BYTES: usize = (#params) * ::core::mem::size_of::<T>();

        /// The bytes of stack `predict` takes: the two buffers its layers write in turn, the
        /// most any layer keeps besides (`nn::Layer::SCRATCH`), the output it returns, and the
        /// largest allowance for a layer's frame (`nn::Layer::FRAME`, see `nn::frame`). With
        /// `std`, a network whose widest activation has more than 16,384 values predicts
        /// through the heap instead, and this is its stack's figure without `std`.
        pub const PREDICT_STACK: usize = #bytes
            + #frame
            + ::core::mem::size_of::<::nn::nalgebra::SVector<T, #output>>();
    });
    let on_stack = in_impl(stack_predict(network));
    if largest <= STACK_LIMIT {
        return quote!(#constants #on_stack);
    }
    let on_heap = in_impl(heap_predict(network, largest));
    quote! {
        #constants
        ::nn::__private::if_std! { #on_heap }
        ::nn::__private::if_no_std! { #on_stack }
    }
}

/// `predict` through the batch path.
fn heap_predict(network: &Network, largest: usize) -> TokenStream {
    let (input, output) = ends(network);
    let doc = format!(
        "Inference on one sample. A feature map of this network has {largest} values, more than \
         fit comfortably on a stack, so the sample goes through the batch path (on the heap). \
         The output is returned by value, on the caller's stack (about three copies of it in a \
         debug build): for outputs of megabytes, `predict_batch` keeps them on the heap."
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
            ::nn::__private::vector_from_slice::<T, #output>(self.predict_batch(&batch).as_slice())
        }
    }
}

/// `predict` layer by layer on the stack.
fn stack_predict(network: &Network) -> TokenStream {
    let (input, output) = ends(network);
    let body = lower::forward_body(&network.layers);
    quote! {

        /// Inference on one sample. Allocates nothing: the activations go back and forth
        /// between two buffers on the stack, each as wide as the widest layer's.
        #[inline]
        pub fn predict(
            &self,
            x: &::nn::nalgebra::SVector<T, #input>,
        ) -> ::nn::nalgebra::SVector<T, #output> {
            #body
        }
    }
}

/// For a network that streams: `Streaming` and `step`, layer after layer on one step, each
/// with its part of the state (layers that are the identity at inference skipped).
fn stream_impl(network: &Network) -> Option<TokenStream> {
    if !network.streams {
        return None;
    }
    let ident = &network.ident;
    let t = quote!(T);
    let layers: Vec<&crate::ir::Layer> = network
        .layers
        .iter()
        .filter(|l| !l.identity_at_inference)
        .collect();
    let widths = |layer: &crate::ir::Layer| {
        let stream = layer.stream.as_ref().expect("every layer streams");
        (size(&stream.input), size(&stream.output))
    };
    let stream_trait = |layer: &crate::ir::Layer| {
        let (i, o) = widths(layer);
        quote!(::nn::Stream<#t, #i, #o>)
    };
    let states = layers.iter().map(|layer| {
        let (ty, tr) = (field_type(layer, &t), stream_trait(layer));
        quote!(<#ty as #tr>::State)
    });
    let state = lower::cons_type(states.collect());
    // Every step's output may stay on the stack until `step` returns, and one layer's scratch
    // and frame at a time.
    let outputs = layers.iter().map(|layer| {
        let o = widths(layer).1;
        quote!(::core::mem::size_of::<::nn::nalgebra::SVector<T, #o>>())
    });
    let scratch = layers.iter().map(|layer| {
        let (ty, tr) = (field_type(layer, &t), stream_trait(layer));
        quote!(<#ty as #tr>::SCRATCH + <#ty as #tr>::FRAME)
    });
    let step_stack = quote!(0 #(+ #outputs)* + ::nn::__private::widest(&[#(#scratch),*]));
    let steps = layers.iter().enumerate().map(|(k, layer)| {
        let (field, tr) = (&layer.field, stream_trait(layer));
        let part = lower::nth(quote!(state), k);
        let arg = if k == 0 { quote!(x) } else { quote!(&x) };
        let span = at(layer);
        quote_spanned!(span=> let x = <_ as #tr>::step(&self.#field, &mut #part, #arg);)
    });
    let first = network.layers[0]
        .stream
        .as_ref()
        .expect("every layer streams");
    let step = size(&first.input);
    // A step's output: the network's, or when it returns a sequence, its latest step's.
    let last = network.layers.last().expect("a network has layers");
    let output = size(&last.stream.as_ref().expect("every layer streams").output);
    let what = if first.tokens {
        "one token id"
    } else {
        "one step's values"
    };
    let doc = format!(
        "Streaming inference: feeds {what} and returns the network's output for the sequence \
         so far (its latest step, when the network returns a sequence), with what the layers \
         remember kept in `state` (start from [`state`](Self::state)). Feeding a whole sequence \
         step by step ends with what `predict` gives for it (its last step, for a sequence). \
         Allocates nothing."
    );
    Some(quote! {
        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> ::nn::Streaming<T> for #ident<T> {
            const STEP: usize = #step;
            type State = #state;
        }

        #[allow(clippy::all, clippy::pedantic)]
        impl<T: ::nn::Float> #ident<T> {
            /// The bytes of stack [`step`](Self::step) takes: every layer's output of the step
            /// (the compiler may keep them all), the most any layer keeps besides
            /// (`nn::Stream::SCRATCH`) and the allowance for its frame (`nn::Stream::FRAME`,
            /// see `nn::frame`). The state is the caller's: `size_of` of
            /// `<Self as nn::Streaming<T>>::State`.
            pub const STEP_STACK: usize = #step_stack;

            /// The state a stream starts from, for [`step`](Self::step): what every layer
            /// remembers before the first step (zeros).
            #[inline]
            pub fn state(&self) -> <Self as ::nn::Streaming<T>>::State {
                ::core::default::Default::default()
            }

            #[doc = #doc]
            #[inline]
            pub fn step(
                &self,
                state: &mut <Self as ::nn::Streaming<T>>::State,
                x: &::nn::nalgebra::SVector<T, #step>,
            ) -> ::nn::nalgebra::SVector<T, #output> {
                #(#steps)*
                x
            }
        }
    })
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
        // Two allocations in turn: each output goes into the buffer of the layer two steps
        // back (`spare`), and its input's buffer becomes the next spare.
        let recycle = if steps.is_empty() {
            // The input is the caller's.
            quote!(::nn::__private::std::vec::Vec::<T>::new())
        } else {
            quote!(::nn::__private::recycle(#current))
        };
        steps.push(quote_spanned! {span=>
            let mut #h = ::nn::__private::batch_in::<T, #out>(spare, x.ncols());
            <_ as #layer_trait>::forward_batch(&self.#field, &#current, &mut #h);
            let spare = #recycle;
        });
        current = quote!(#h);
    }
    if !steps.is_empty() {
        steps.insert(
            0,
            quote!(let spare: ::nn::__private::std::vec::Vec<T> = ::nn::__private::std::vec::Vec::new();),
        );
        steps.push(quote!(drop(spare);));
    }
    (steps, current)
}
