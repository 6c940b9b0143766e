//! The int8 form of a declaration with `#[int8]`: a struct of each layer's int8 form (the
//! runtime's `int8::Quantize::Int8` of its float type), `predict` through two buffers, and
//! reading from a TensorFlow Lite file; named `nn::Int8<Net>`. Each branch of a block gets an
//! int8 struct of its own, the int8 form of the branch's struct, which is an int8 layer.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, Visibility};

use super::lower::{at, ends, field_type, size};
use crate::ir::{Layer, Network};

/// `::nn::int8::Quantize<I, O>` for a layer.
fn quantize(layer: &Layer) -> TokenStream {
    let (i, o) = (size(&layer.input), size(&layer.output));
    quote!(::nn::int8::Quantize<#i, #o>)
}

/// `::nn::int8::Layer<I, O>` for a layer.
fn layer_trait(layer: &Layer) -> TokenStream {
    let (i, o) = (size(&layer.input), size(&layer.output));
    quote!(::nn::int8::Layer<#i, #o>)
}

/// The widest input or output of `layers` (known: `#[int8]` checks it).
fn widest(layers: &[Layer]) -> usize {
    layers
        .iter()
        .flat_map(|l| [l.input.value(), l.output.value()])
        .map(|v| v.expect("`#[int8]` networks have known sizes"))
        .max()
        .unwrap_or(0)
}

/// The parts of an int8 struct of `layers` (a network's or a branch's), named `ident`, to
/// which `extra` fields are added: the struct, `Clone` and `Debug`, and the expressions that
/// build it from the float struct `shape`, run it on `x` into `y`, and load it from `walk`.
struct Parts {
    item: TokenStream,
    build: TokenStream,
    forward: TokenStream,
    load: TokenStream,
    /// Runs the float struct `float` on the batch `x`, noting ranges; leaves its output in `x`.
    observe: TokenStream,
    /// Adds the float struct `float`'s operators to the converter `c`.
    convert: TokenStream,
    /// The bytes of stack `forward` keeps beside its input and output: its two buffers and the
    /// most any layer keeps besides (`nn::int8::Layer::SCRATCH`).
    bytes: TokenStream,
    /// The largest allowance for a layer's frame (`nn::int8::Layer::FRAME`).
    frame: TokenStream,
    /// The bytes of the layers' parameters (`nn::int8::Layer::PARAM_BYTES`).
    params: TokenStream,
}

fn parts(
    ident: &Ident,
    vis: &Visibility,
    doc: &str,
    layers: &[Layer],
    extra: &[(Ident, TokenStream, TokenStream)],
) -> Parts {
    let f32 = quote!(f32);
    let fields = layers.iter().map(|layer| {
        let field = &layer.field;
        let ty = field_type(layer, &f32);
        let tr = quantize(layer);
        let span = at(layer);
        let doc = format!("Layer {}: `{}`, in int8.", layer.position, layer.text);
        quote_spanned! {span=>
            #[doc = #doc]
            pub #field: <#ty as #tr>::Int8
        }
    });
    let extra_fields = extra.iter().map(|(f, ty, _)| quote!(#f: #ty));
    let extra_builds = extra.iter().map(|(f, _, value)| quote!(#f: #value));
    let extra_names: Vec<&Ident> = extra.iter().map(|(f, _, _)| f).collect();
    let all: Vec<&Ident> = layers
        .iter()
        .map(|l| &l.field)
        .chain(extra_names.iter().copied())
        .collect();
    let names = all
        .iter()
        .map(|f| f.to_string().trim_start_matches('_').to_string());
    let name = ident.to_string();
    let item = quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #ident {
            #(#fields,)*
            #(#extra_fields,)*
        }

        // By hand: derived, each would repeat the error of a layer without an int8 form.
        impl ::core::clone::Clone for #ident {
            fn clone(&self) -> Self {
                Self { #(#all: ::core::clone::Clone::clone(&self.#all),)* }
            }
        }

        impl ::core::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name)
                    #(.field(#names, &self.#all))*
                    .finish()
            }
        }
    };
    let builds = layers.iter().map(|layer| {
        let field = &layer.field;
        let ty = field_type(layer, &f32);
        let tr = quantize(layer);
        let span = at(layer);
        quote_spanned!(span=> #field: <#ty as #tr>::int8(&shape.#field))
    });
    let build = quote!(#ident { #(#builds,)* #(#extra_builds,)* });
    let widest = widest(layers);
    let (input, output) = (
        size(&layers[0].input),
        size(&layers[layers.len() - 1].output),
    );
    let steps = layers.iter().map(|layer| {
        let field = &layer.field;
        let (i, o) = (size(&layer.input), size(&layer.output));
        quote! {
            ::nn::__private::int8_step::<_, #i, #o, #widest>(&self.#field, &mut a, &mut b, &mut in_a);
        }
    });
    let forward = quote! {
        let mut a = [0i8; #widest];
        let mut b = [0i8; #widest];
        a[..#input].copy_from_slice(x);
        let mut in_a = true;
        #(#steps)*
        y.copy_from_slice(if in_a { &a[..#output] } else { &b[..#output] });
    };
    let loads = layers.iter().map(|layer| {
        let field = &layer.field;
        let tr = layer_trait(layer);
        let (position, name, text) = (layer.position, field.to_string(), &layer.text);
        quote! {
            walk.layer(#position, #name, #text);
            <_ as #tr>::load(&mut self.#field, walk);
        }
    });
    let load = quote!(#(#loads)*);
    let observes = layers.iter().enumerate().map(|(k, layer)| {
        let field = &layer.field;
        let ty = field_type(layer, &f32);
        let tr = quantize(layer);
        let arg = if k == 0 { quote!(x) } else { quote!(&x) };
        quote!(let x = <#ty as #tr>::observe(&float.#field, #arg, ranges);)
    });
    let observe = quote!(#(#observes)*);
    let converts = layers.iter().map(|layer| {
        let field = &layer.field;
        let ty = field_type(layer, &f32);
        let tr = quantize(layer);
        let (position, name, text) = (layer.position, field.to_string(), &layer.text);
        quote! {
            c.layer(#position, #name, #text);
            <#ty as #tr>::convert(&float.#field, c);
        }
    });
    let convert = quote!(#(#converts)*);
    let scratch = layers.iter().map(|layer| {
        let (ty, tr, lt) = (field_type(layer, &f32), quantize(layer), layer_trait(layer));
        quote!(<<#ty as #tr>::Int8 as #lt>::SCRATCH)
    });
    let bytes = quote!(2 * #widest + ::nn::__private::widest(&[#(#scratch),*]));
    let frames = layers.iter().map(|layer| {
        let (ty, tr, lt) = (field_type(layer, &f32), quantize(layer), layer_trait(layer));
        quote!(<<#ty as #tr>::Int8 as #lt>::FRAME)
    });
    let frame = quote!(::nn::__private::widest(&[#(#frames),*]));
    let params = layers.iter().map(|layer| {
        let (ty, tr, lt) = (field_type(layer, &f32), quantize(layer), layer_trait(layer));
        quote!(<<#ty as #tr>::Int8 as #lt>::PARAM_BYTES)
    });
    let params = quote!(0 #(+ #params)*);
    Parts {
        item,
        build,
        forward,
        load,
        observe,
        convert,
        bytes,
        frame,
        params,
    }
}

/// Everything generated for the int8 form, or nothing without `#[int8]`.
pub(super) fn int8(network: &Network) -> TokenStream {
    if !network.int8 {
        return TokenStream::new();
    }
    let Network { vis, ident, .. } = network;
    let int8 = format_ident!("__Int8{}", ident);
    let (input, output) = ends(network);
    let doc = format!(
        "The int8 form of [`{ident}`]: its layers as TensorFlow Lite's full-integer network \
         computes them, named `nn::Int8<{ident}>`."
    );
    let quant = quote!(::nn::int8::Quant);
    let unit = quote!(::nn::int8::Quant {
        scale: 1.0,
        zero: 0
    });
    let Parts {
        item,
        build,
        forward,
        load,
        observe,
        convert,
        bytes,
        frame,
        params,
    } = parts(
        &int8,
        vis,
        &doc,
        &network.layers,
        &[
            (format_ident!("__input"), quant.clone(), unit.clone()),
            (format_ident!("__output"), quant, unit),
        ],
    );
    let mut branches = TokenStream::new();
    for layer in &network.layers {
        branch_structs(layer, vis, &mut branches);
    }
    let shape = network.input_shape.iter().map(size);
    let name = ident.to_string();
    let embedded = embedded(network, &int8);
    let read_doc = format!(
        "Reads the network from a TensorFlow Lite file's bytes: an int8 graph whose operators, \
         shapes and settings are `{ident}`'s, with its weights and quantization.\n\n\
         # Errors\n\n`Error::Format` when the bytes are not a TensorFlow Lite file of one \
         int8 graph; `Error::Mismatch` listing every difference from the declaration."
    );
    quote! {
        #item
        #branches
        #embedded

        impl ::nn::int8::Quantized for #ident<f32> {
            type Int8 = #int8;
        }

        #[allow(clippy::all, clippy::pedantic)]
        impl #int8 {
            /// Values per input sample.
            pub const INPUT: usize = #input;
            /// Values per output sample.
            pub const OUTPUT: usize = #output;
            /// The bytes of stack `predict` takes: its two buffers, as wide as the widest
            /// layer, the most any layer keeps besides (`nn::int8::Layer::SCRATCH`: a block
            /// its branches' outputs and buffers), the output it returns, and the largest
            /// allowance for a layer's frame (`nn::int8::Layer::FRAME`, see `nn::frame`).
            pub const PREDICT_STACK: usize = #bytes + #frame + #output;

            /// The bytes of its parameters: int8 weights, int32 biases and requantization
            /// multipliers, one per output channel (`nn::int8::Layer::PARAM_BYTES`; a layer
            /// quantized per tensor takes less).
            pub const PARAM_BYTES: usize = #params;

            /// How the input's int8 values stand for reals.
            pub fn input_quantization(&self) -> ::nn::int8::Quant {
                self.__input
            }

            /// How the output's int8 values stand for reals.
            pub fn output_quantization(&self) -> ::nn::int8::Quant {
                self.__output
            }

            /// Inference on one int8 sample, as TensorFlow Lite's reference kernels compute
            /// it. Allocates nothing: the activations go back and forth between two buffers
            /// on the stack, each as wide as the widest layer.
            pub fn predict(&self, x: &[i8; #input]) -> [i8; #output] {
                let mut out = [0i8; #output];
                let y = &mut out;
                #forward
                out
            }

            /// Inference on one sample of reals: quantized as the input is, run in int8, the
            /// output turned back into reals.
            pub fn predict_f32(&self, x: &[f32; #input]) -> [f32; #output] {
                let q = self.__input;
                let y = self.predict(&::core::array::from_fn(|k| q.quantize(x[k])));
                let q = self.__output;
                ::core::array::from_fn(|k| q.dequantize(y[k]))
            }
        }

        ::nn::__private::if_std! {
            #[allow(clippy::all, clippy::pedantic)]
            impl #int8 {
                #[doc = #read_doc]
                pub fn from_tflite(
                    bytes: &[u8],
                ) -> ::core::result::Result<::std::boxed::Box<Self>, ::nn::Error> {
                    Self::__read(bytes, ::std::path::Path::new("the .tflite bytes"))
                }

                /// [`from_tflite`](Self::from_tflite) on the file at `path`.
                ///
                /// # Errors
                ///
                /// `Error::Io` when the file cannot be read, and those of `from_tflite`.
                pub fn load_tflite(
                    path: impl ::core::convert::AsRef<::std::path::Path>,
                ) -> ::core::result::Result<::std::boxed::Box<Self>, ::nn::Error> {
                    let path = path.as_ref();
                    Self::__read(&::nn::int8::bytes(path)?, path)
                }

                fn __read(
                    bytes: &[u8],
                    path: &::std::path::Path,
                ) -> ::core::result::Result<::std::boxed::Box<Self>, ::nn::Error> {
                    let model = ::nn::tflite::read(bytes)
                        .map_err(|e| ::nn::int8::format_error(path, e))?;
                    Self::__from_model(&model, bytes, path)
                }

                fn __from_model(
                    model: &::nn::tflite::Model,
                    bytes: &[u8],
                    path: &::std::path::Path,
                ) -> ::core::result::Result<::std::boxed::Box<Self>, ::nn::Error> {
                    let shape = <#ident<f32> as ::nn::Network<f32>>::zeros();
                    let mut net = ::std::boxed::Box::new(#build);
                    let (input, output) =
                        ::nn::int8::from_model(model, bytes, path, #name, |walk| net.__load(walk))?;
                    net.__input = input;
                    net.__output = output;
                    ::core::result::Result::Ok(net)
                }

                /// Quantizes the float network `net` into TensorFlow Lite's int8 scheme (our
                /// own post-training quantization): each activation's scale and zero point
                /// from the least and greatest value it takes on the `calibration` samples
                /// (one per column), weights symmetric per output channel, batch
                /// normalizations folded and ReLUs fused as TensorFlow Lite's converter does.
                ///
                /// # Errors
                ///
                /// `Error::Data` without calibration samples; `Error::Setting` naming each layer
                /// that cannot be quantized.
                pub fn quantize(
                    net: &#ident<f32>,
                    calibration: &::nn::Batch<f32, #input>,
                ) -> ::core::result::Result<::std::boxed::Box<Self>, ::nn::Error> {
                    let (model, data) = Self::quantized_model(net, calibration)?;
                    Self::__from_model(&model, &data, ::std::path::Path::new("the quantized network"))
                }

                /// [`quantize`](Self::quantize)'s int8 model, and the bytes its weights lie
                /// in: what `nn::tflite::write` makes a `.tflite` file of.
                ///
                /// # Errors
                ///
                /// Those of `quantize`.
                pub fn quantized_model(
                    net: &#ident<f32>,
                    calibration: &::nn::Batch<f32, #input>,
                ) -> ::core::result::Result<(::nn::tflite::Model, ::std::vec::Vec<u8>), ::nn::Error> {
                    let float = net;
                    ::nn::int8::quantize(
                        calibration,
                        &[#(#shape),*],
                        |x, ranges| {
                            #observe
                            let _ = x;
                        },
                        |c| {
                            #convert
                        },
                    )
                }

                fn __load(&mut self, walk: &mut ::nn::int8::Walk<'_>) {
                    #load
                }
            }
        }
    }
}

/// The int8 structs of the branches of `layer`'s block (and of blocks within them).
fn branch_structs(layer: &Layer, vis: &Visibility, out: &mut TokenStream) {
    let Some(block) = &layer.block else {
        return;
    };
    for branch in &block.branches {
        for inner in &branch.layers {
            branch_structs(inner, vis, out);
        }
        let Some(float) = &branch.ident else {
            continue;
        };
        let int8 = format_ident!("__Int8{}", float);
        let doc = format!(
            "A branch of the block `{}` (`{}`), in int8.",
            layer.field, layer.text
        );
        let Parts {
            item,
            build,
            forward,
            load,
            observe,
            convert,
            bytes,
            frame,
            params,
        } = parts(&int8, vis, &doc, &branch.layers, &[]);
        let (i, o) = (size(&branch.input), size(&branch.output));
        out.extend(quote! {
            #item

            impl ::nn::int8::Quantize<#i, #o> for #float<f32> {
                type Int8 = #int8;

                fn int8(&self) -> #int8 {
                    let shape = self;
                    #build
                }

                ::nn::__private::if_std! {
                    fn observe(
                        &self,
                        x: &::nn::Batch<f32, #i>,
                        ranges: &mut ::nn::int8::Ranges,
                    ) -> ::nn::Batch<f32, #o> {
                        let float = self;
                        #observe
                        x
                    }

                    fn convert(&self, c: &mut ::nn::int8::Converter) {
                        let float = self;
                        #convert
                    }
                }
            }

            #[allow(clippy::all, clippy::pedantic)]
            impl ::nn::int8::Layer<#i, #o> for #int8 {
                /// Its layers' two buffers and what they keep.
                const SCRATCH: usize = #bytes;

                /// The largest allowance of its layers.
                const FRAME: usize = #frame;

                /// Its layers' parameters.
                const PARAM_BYTES: usize = #params;

                fn forward(&self, x: &[i8; #i], y: &mut [i8; #o]) {
                    #forward
                }

                ::nn::__private::if_std! {
                    fn load(&mut self, walk: &mut ::nn::int8::Walk<'_>) {
                        #load
                    }
                }
            }
        });
    }
}

/// With `#[tflite("file", embed)]`: `EMBEDDED`, the int8 network read from the file during the
/// build, as a constant.
fn embedded(network: &Network, int8: &Ident) -> TokenStream {
    let Some(found) = &network.tflite else {
        return TokenStream::new();
    };
    let fields = fields(&network.layers, &found.steps);
    let (input, output) = (quant(found.input), quant(found.output));
    let ident = &network.ident;
    let doc = format!(
        "The int8 network of the file named by `#[tflite]`, built into the program: checked \
         against the declaration and read during the build, so there is no file to ship, no \
         parsing and no error to handle. Keep it in a `static` (`static NET: nn::Int8<{ident}> \
         = nn::Int8::<{ident}>::EMBEDDED;`): its weights are then read-only data (in flash on \
         a microcontroller) and nothing is copied."
    );
    quote! {
        #[allow(clippy::all, clippy::pedantic)]
        impl #int8 {
            #[doc = #doc]
            pub const EMBEDDED: Self = Self {
                #fields
                __input: #input,
                __output: #output,
            };
        }
    }
}

/// `field: value,` for each layer and its int8 form read from the file.
fn fields(layers: &[Layer], steps: &[nn_core::int8::Step]) -> TokenStream {
    layers
        .iter()
        .zip(steps)
        .map(|(layer, step)| {
            let field = &layer.field;
            let value = built(layer, &step.layer);
            quote!(#field: #value,)
        })
        .collect()
}

/// The typed int8 layer, as a constant expression, of a layer's form read from the file.
fn built(layer: &Layer, read: &nn_core::int8::Built) -> TokenStream {
    use nn_core::int8::{AverageOp, Built, NormRead};
    match read {
        Built::Dense {
            form: f,
            parts,
            then: t,
        } => {
            let (weights, bias, multipliers) = constants(parts);
            let (input_zero, output) = (parts.input_zero, out(parts.output));
            let (f, t) = (form(*f), then(t));
            quote!(::nn::int8::Dense {
                weights: #weights,
                bias: #bias,
                multipliers: #multipliers,
                input_zero: #input_zero,
                output: #output,
                form: &#f,
                then: #t,
            })
        }
        Built::Conv(parts) => weighted(quote!(::nn::int8::Conv), parts),
        Built::Activated {
            layer: inner,
            form: f,
            then: t,
            ..
        } => {
            let inner = built(layer, inner);
            let (f, t) = (form(*f), then(t));
            quote!(::nn::int8::Activated { layer: #inner, form: &#f, then: #t })
        }
        Built::Depthwise(parts) => weighted(quote!(::nn::int8::Depthwise), parts),
        Built::Separable {
            depthwise,
            pointwise,
        } => {
            let d = weighted(quote!(::nn::int8::Depthwise), depthwise);
            let p = weighted(quote!(::nn::int8::Conv), pointwise);
            quote!(::nn::int8::Separable { depthwise: #d, pointwise: #p })
        }
        Built::Pool {
            geometry,
            clamp: (min, max),
            ..
        } => {
            let g = geometry_tokens(geometry);
            quote!(::nn::int8::Pool { geometry: #g, min: #min, max: #max })
        }
        Built::GlobalAverage { op, .. } => {
            let op = match op {
                AverageOp::Pool(pool) => {
                    let (g, min, max) = (geometry_tokens(&pool.geometry), pool.min, pool.max);
                    quote!(::nn::int8::AverageOp::Pool(::nn::int8::Pool {
                        geometry: #g,
                        min: #min,
                        max: #max,
                    }))
                }
                AverageOp::Mean(mean) => {
                    let m = multiplier(mean.multiplier);
                    let (input_zero, output_zero) = (mean.input_zero, mean.output_zero);
                    quote!(::nn::int8::AverageOp::Mean(::nn::int8::kernels::Mean {
                        multiplier: #m,
                        input_zero: #input_zero,
                        output_zero: #output_zero,
                    }))
                }
            };
            quote!(::nn::int8::GlobalAverage { op: #op })
        }
        Built::GlobalMax { pool, .. } => {
            let (g, min, max) = (geometry_tokens(&pool.geometry), pool.min, pool.max);
            quote!(::nn::int8::GlobalMax {
                pool: ::nn::int8::Pool { geometry: #g, min: #min, max: #max },
            })
        }
        Built::Norm { read, .. } => {
            let op = match read {
                NormRead::Folded => quote!(::nn::int8::NormOp::Folded),
                NormRead::Depthwise(parts) => {
                    let d = weighted(quote!(::nn::int8::Depthwise), parts);
                    quote!(::nn::int8::NormOp::Depthwise(::nn::int8::Held::Static(&#d)))
                }
                NormRead::ScaleShift {
                    mul,
                    scale,
                    add,
                    shift,
                } => {
                    let (mul, add) = (mul_tokens(mul), add_tokens(add));
                    quote!(::nn::int8::NormOp::ScaleShift(::nn::int8::Held::Static(
                        &::nn::int8::ScaleShift {
                            mul: #mul,
                            scale: [#(#scale),*],
                            add: #add,
                            shift: [#(#shift),*],
                        }
                    )))
                }
            };
            quote!(::nn::int8::Norm { op: #op })
        }
        Built::Lstm { parts, .. } => {
            let bytes = |w: &[i8]| {
                let bytes: Vec<u8> = w.iter().map(|&w| w as u8).collect();
                let bytes = proc_macro2::Literal::byte_string(&bytes);
                quote!(::nn::int8::Held::Static(&::nn::__private::int8_array(#bytes)))
            };
            let (w, r) = (bytes(&parts.input_weights), bytes(&parts.recurrent_weights));
            let (a, b) = (&parts.input_bias, &parts.recurrent_bias);
            let q = &parts.quant;
            let input = q.input.iter().map(|&m| multiplier(m));
            let recurrent = q.recurrent.iter().map(|&m| multiplier(m));
            let (shift, clip, hidden, zero) = (
                q.cell_shift,
                q.cell_clip,
                multiplier(q.hidden),
                q.hidden_zero,
            );
            quote!(::nn::int8::Lstm {
                input_weights: #w,
                recurrent_weights: #r,
                input_bias: ::nn::int8::Held::Static(&[#(#a),*]),
                recurrent_bias: ::nn::int8::Held::Static(&[#(#b),*]),
                quant: ::nn::int8::LstmQuant {
                    input: [#(#input),*],
                    recurrent: [#(#recurrent),*],
                    cell_shift: #shift,
                    cell_clip: #clip,
                    hidden: #hidden,
                    hidden_zero: #zero,
                },
            })
        }
        Built::Pass => quote!(::nn::int8::Pass),
        Built::Reshape(_) => quote!(::nn::int8::Reshape),
        Built::Activation { layer: a, .. } => {
            let (min, max, f, t) = (a.min, a.max, form(*a.form), then(&a.then));
            quote!(::nn::int8::Activation { min: #min, max: #max, form: &#f, then: #t })
        }
        Built::PRelu { alpha, kernel: k } => {
            let (input_zero, alpha_zero, output_zero) = (k.input_zero, k.alpha_zero, k.output_zero);
            let (identity, negative) = (multiplier(k.identity), multiplier(k.negative));
            quote!(::nn::int8::PRelu {
                alpha: ::nn::int8::Held::Static(&[#(#alpha),*]),
                kernel: ::nn::int8::kernels::PRelu {
                    input_zero: #input_zero,
                    alpha_zero: #alpha_zero,
                    output_zero: #output_zero,
                    identity: #identity,
                    negative: #negative,
                },
            })
        }
        Built::Fork {
            first, second, add, ..
        } => {
            let block = layer.block.as_ref().expect("a fork is a block");
            let [a, b] = &block.branches;
            let (a, b) = (branch(a, first), branch(b, second));
            let add = add_tokens(add);
            quote!(::nn::int8::Fork { first: #a, second: #b, add: #add })
        }
        Built::Concat { first, second, .. } => {
            let block = layer.block.as_ref().expect("a concatenation is a block");
            let [a, b] = &block.branches;
            let (a, b) = (branch(a, first), branch(b, second));
            quote!(::nn::int8::Concat { first: #a, second: #b })
        }
    }
}

/// A branch's int8 struct (its layers' forms), or `Pass` for the block's input itself.
fn branch(branch: &crate::ir::Branch, steps: &[nn_core::int8::Step]) -> TokenStream {
    let Some(float) = &branch.ident else {
        return quote!(::nn::int8::Pass);
    };
    let int8 = format_ident!("__Int8{}", float);
    let fields = fields(&branch.layers, steps);
    quote!(#int8 { #fields })
}

/// A convolution (`ty`: `Conv` or `Depthwise`) with its constants.
fn weighted(ty: TokenStream, parts: &nn_core::int8::Parts) -> TokenStream {
    let (weights, bias, multipliers) = constants(parts);
    let (input_zero, output) = (parts.input_zero, out(parts.output));
    let (g, b) = (geometry_tokens(&parts.geometry), bounds(parts.bounds));
    quote!(#ty {
        weights: #weights,
        bias: #bias,
        multipliers: #multipliers,
        input_zero: #input_zero,
        output: #output,
        geometry: #g,
        bounds: #b,
    })
}

/// The weights (one byte string, read into an array during compilation), the biases and the
/// multipliers of an operator.
fn constants(parts: &nn_core::int8::Parts) -> (TokenStream, TokenStream, TokenStream) {
    let bytes: Vec<u8> = parts.weights.iter().map(|&w| w as u8).collect();
    let bytes = proc_macro2::Literal::byte_string(&bytes);
    let bias = &parts.bias;
    let multipliers = parts.multipliers.iter().map(|&m| multiplier(m));
    (
        quote!(::nn::int8::Held::Static(&::nn::__private::int8_array(#bytes))),
        quote!(::nn::int8::Held::Static(&[#(#bias),*])),
        quote!(::nn::int8::Held::Static(&[#(#multipliers),*])),
    )
}

fn multiplier(m: nn_core::int8::Multiplier) -> TokenStream {
    let (value, shift) = (m.value, m.shift);
    quote!(::nn::int8::Multiplier { value: #value, shift: #shift })
}

fn out(o: nn_core::int8::Output) -> TokenStream {
    let (zero, min, max) = (o.zero, o.min, o.max);
    quote!(::nn::int8::Output { zero: #zero, min: #min, max: #max })
}

/// An `f32` exactly, bit for bit.
fn float(x: f32) -> TokenStream {
    let bits = x.to_bits();
    quote!(f32::from_bits(#bits))
}

fn quant(q: nn_core::int8::Quant) -> TokenStream {
    let (scale, zero) = (float(q.scale), q.zero);
    quote!(::nn::int8::Quant { scale: #scale, zero: #zero })
}

fn bounds(b: nn_core::int8::Bounds) -> TokenStream {
    let option = |x: Option<f32>| match x {
        Some(x) => {
            let x = float(x);
            quote!(::core::option::Option::Some(#x))
        }
        None => quote!(::core::option::Option::None),
    };
    let (low, high) = (option(b.low), option(b.high));
    quote!(::nn::int8::Bounds { low: #low, high: #high })
}

fn form(f: nn_core::int8::Form) -> TokenStream {
    use nn_core::int8::Form;
    match f {
        Form::Clamp(b) => {
            let b = bounds(b);
            quote!(::nn::int8::Form::Clamp(#b))
        }
        Form::Softmax => quote!(::nn::int8::Form::Softmax),
        Form::LogSoftmax => quote!(::nn::int8::Form::LogSoftmax),
        Form::Logistic => quote!(::nn::int8::Form::Logistic),
        Form::Tanh => quote!(::nn::int8::Form::Tanh),
        Form::LeakyRelu => quote!(::nn::int8::Form::LeakyRelu),
        Form::Elu => quote!(::nn::int8::Form::Elu),
        Form::HardSwish => quote!(::nn::int8::Form::HardSwish),
        Form::Gelu { approximate } => quote!(::nn::int8::Form::Gelu { approximate: #approximate }),
    }
}

fn then(t: &nn_core::int8::Then) -> TokenStream {
    use nn_core::int8::Then;
    match t {
        Then::None => quote!(::nn::int8::Then::None),
        Then::Softmax(s) => {
            let (m, d) = (multiplier(s.multiplier), s.diff_min);
            quote!(::nn::int8::Then::Softmax(::nn::int8::Held::Static(
                &::nn::int8::kernels::Softmax { multiplier: #m, diff_min: #d }
            )))
        }
        Then::LogSoftmax(s) => {
            let (m, d) = (multiplier(s.softmax.multiplier), s.softmax.diff_min);
            let r = multiplier(s.reverse);
            quote!(::nn::int8::Then::LogSoftmax(::nn::int8::Held::Static(
                &::nn::int8::kernels::LogSoftmax {
                    softmax: ::nn::int8::kernels::Softmax { multiplier: #m, diff_min: #d },
                    reverse: #r,
                }
            )))
        }
        Then::Logistic(l) => {
            let table = &l.table;
            quote!(::nn::int8::Then::Logistic(::nn::int8::Held::Static(
                &::nn::int8::kernels::Logistic { table: [#(#table),*] }
            )))
        }
        Then::Tanh(l) => {
            let table = &l.table;
            quote!(::nn::int8::Then::Tanh(::nn::int8::Held::Static(
                &::nn::int8::kernels::Tanh { table: [#(#table),*] }
            )))
        }
        Then::LeakyRelu(l) => {
            let (alpha, input_zero, output_zero) = (float(l.alpha), l.input_zero, l.output_zero);
            let (identity, negative) = (multiplier(l.identity), multiplier(l.negative));
            quote!(::nn::int8::Then::LeakyRelu(::nn::int8::Held::Static(
                &::nn::int8::kernels::LeakyRelu {
                    alpha: #alpha,
                    input_zero: #input_zero,
                    output_zero: #output_zero,
                    identity: #identity,
                    negative: #negative,
                }
            )))
        }
        Then::Elu { alpha, lookup } => {
            let (alpha, lookup) = (float(*alpha), lookup_tokens(lookup));
            quote!(::nn::int8::Then::Elu { alpha: #alpha, lookup: #lookup })
        }
        Then::HardSwish(l) => {
            let lookup = lookup_tokens(l);
            quote!(::nn::int8::Then::HardSwish(#lookup))
        }
        Then::Gelu(l) => {
            let lookup = lookup_tokens(l);
            quote!(::nn::int8::Then::Gelu(#lookup))
        }
    }
}

/// A table of an activation's 256 outputs, built into the program.
fn lookup_tokens(l: &nn_core::int8::kernels::Lookup) -> TokenStream {
    let table = &l.table;
    quote!(::nn::int8::Held::Static(
        &::nn::int8::kernels::Lookup { table: [#(#table),*] }
    ))
}

fn geometry_tokens(g: &nn_core::int8::Geometry) -> TokenStream {
    let pair = |(a, b): (usize, usize)| quote!((#a, #b));
    let triple = |(a, b, c): (usize, usize, usize)| quote!((#a, #b, #c));
    let (input, output) = (triple(g.input), triple(g.output));
    let (kernel, strides, dilations, padding) = (
        pair(g.kernel),
        pair(g.strides),
        pair(g.dilations),
        pair(g.padding),
    );
    quote!(::nn::int8::Geometry {
        input: #input,
        output: #output,
        kernel: #kernel,
        strides: #strides,
        dilations: #dilations,
        padding: #padding,
    })
}

fn mul_tokens(m: &nn_core::int8::kernels::Mul) -> TokenStream {
    let (input_zero, constant_zero) = (m.input_zero, m.constant_zero);
    let (multiplier, output) = (multiplier(m.multiplier), out(m.output));
    quote!(::nn::int8::kernels::Mul {
        input_zero: #input_zero,
        constant_zero: #constant_zero,
        multiplier: #multiplier,
        output: #output,
    })
}

fn add_tokens(a: &nn_core::int8::kernels::Add) -> TokenStream {
    let (a_zero, b_zero) = (a.a_zero, a.b_zero);
    let (x, y, sum, output) = (
        multiplier(a.a),
        multiplier(a.b),
        multiplier(a.sum),
        out(a.output),
    );
    quote!(::nn::int8::kernels::Add {
        a_zero: #a_zero,
        b_zero: #b_zero,
        a: #x,
        b: #y,
        sum: #sum,
        output: #output,
    })
}
