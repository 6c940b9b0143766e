//! The int8 form of a declaration with `#[int8]`: a struct of each layer's int8 form (the
//! runtime's `int8::Quantize::Int8` of its float type), `predict` through two buffers, and
//! reading from a TensorFlow Lite file; named `nn::Int8<Net>`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::lower::{at, ends, field_type, size};
use crate::ir::Network;

/// Everything generated for the int8 form, or nothing without `#[int8]`.
pub(super) fn int8(network: &Network) -> TokenStream {
    if !network.int8 {
        return TokenStream::new();
    }
    let Network { vis, ident, .. } = network;
    let int8 = format_ident!("__Int8{}", ident);
    let (input, output) = ends(network);
    let f32 = quote!(f32);
    let quantize = |layer: &crate::ir::Layer| {
        let (i, o) = (size(&layer.input), size(&layer.output));
        quote!(::nn::int8::Quantize<#i, #o>)
    };
    let layer_trait = |layer: &crate::ir::Layer| {
        let (i, o) = (size(&layer.input), size(&layer.output));
        quote!(::nn::int8::Layer<#i, #o>)
    };
    let fields = network.layers.iter().map(|layer| {
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
    let widest = network
        .layers
        .iter()
        .flat_map(|l| [l.input.value(), l.output.value()])
        .map(|v| v.expect("`#[int8]` networks have known sizes"))
        .max()
        .unwrap_or(0);
    let steps = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let (i, o) = (size(&layer.input), size(&layer.output));
        quote!(::nn::__private::int8_step::<_, #i, #o, #widest>(&self.#field, &mut a, &mut b, &mut in_a);)
    });
    let builds = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let ty = field_type(layer, &f32);
        let tr = quantize(layer);
        let span = at(layer);
        quote_spanned!(span=> #field: <#ty as #tr>::int8(&shape.#field))
    });
    // `Clone` and `Debug` by hand: derived, each would repeat the error of a layer without an
    // int8 form.
    let clones = network.layers.iter().map(|layer| {
        let field = &layer.field;
        quote!(#field: ::core::clone::Clone::clone(&self.#field))
    });
    let debugs = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let name = field.to_string();
        quote!(.field(#name, &self.#field))
    });
    let loads = network.layers.iter().map(|layer| {
        let field = &layer.field;
        let tr = layer_trait(layer);
        let (position, name, text) = (layer.position, field.to_string(), &layer.text);
        quote! {
            walk.layer(#position, #name, #text);
            <_ as #tr>::load(&mut net.#field, walk);
        }
    });
    let name = ident.to_string();
    let doc = format!(
        "The int8 form of [`{ident}`]: its layers as TensorFlow Lite's full-integer network \
         computes them, named `nn::Int8<{ident}>`."
    );
    let read_doc = format!(
        "Reads the network from a TensorFlow Lite file's bytes: an int8 graph whose operators, \
         shapes and settings are `{ident}`'s, with its weights and quantization.\n\n\
         # Errors\n\n`Error::Format` when the bytes are not a TensorFlow Lite file of one \
         int8 graph; `Error::Mismatch` listing every difference from the declaration."
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #vis struct #int8 {
            #(#fields,)*
            __input: ::nn::int8::Quant,
            __output: ::nn::int8::Quant,
        }

        impl ::core::clone::Clone for #int8 {
            fn clone(&self) -> Self {
                Self {
                    #(#clones,)*
                    __input: self.__input,
                    __output: self.__output,
                }
            }
        }

        impl ::core::fmt::Debug for #int8 {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name)
                    #(#debugs)*
                    .field("input", &self.__input)
                    .field("output", &self.__output)
                    .finish()
            }
        }

        impl ::nn::int8::Quantized for #ident<f32> {
            type Int8 = #int8;
        }

        #[allow(clippy::all, clippy::pedantic)]
        impl #int8 {
            /// Values per input sample.
            pub const INPUT: usize = #input;
            /// Values per output sample.
            pub const OUTPUT: usize = #output;

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
                let mut a = [0i8; #widest];
                let mut b = [0i8; #widest];
                a[..#input].copy_from_slice(x);
                let mut in_a = true;
                #(#steps)*
                let mut y = [0i8; #output];
                y.copy_from_slice(if in_a { &a[..#output] } else { &b[..#output] });
                y
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
                    let shape = <#ident<f32> as ::nn::Network<f32>>::zeros();
                    let unit = ::nn::int8::Quant { scale: 1.0, zero: 0 };
                    let mut net = ::std::boxed::Box::new(Self {
                        #(#builds,)*
                        __input: unit,
                        __output: unit,
                    });
                    let (input, output) = ::nn::int8::read(bytes, path, #name, |walk| {
                        #(#loads)*
                    })?;
                    net.__input = input;
                    net.__output = output;
                    ::core::result::Result::Ok(net)
                }
            }
        }
    }
}
