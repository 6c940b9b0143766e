//! The IR's pieces as tokens: layer types, sizes, paths, expressions and assertions, and the
//! helpers every part of the expansion uses (a layer's trait, its span, the network's ends). The
//! runtime's items are written from `::nn`.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::{Ident, Index};

use crate::ir::{
    Assertion, Built, Expr, Guard, KerasCheck, KerasValue, Layer, Network, ParamsCheck, Path, Root,
    Size, Type, TypeArg,
};

/// The field type of a layer, in scalar type `scalar`.
pub(super) fn field_type(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    runtime_type(&layer.ty, scalar)
}

/// A type of the runtime with its arguments, in scalar type `scalar`.
fn runtime_type(ty: &Type, scalar: &TokenStream) -> TokenStream {
    let Type { name, args } = ty;
    let name = Ident::new(name, Span::call_site());
    if args.is_empty() {
        return quote!(::nn::#name);
    }
    let args = args.iter().map(|arg| type_arg(arg, scalar));
    quote!(::nn::#name<#(#args),*>)
}

/// A generic argument of a layer type.
pub(super) fn type_arg(arg: &TypeArg, scalar: &TokenStream) -> TokenStream {
    match arg {
        TypeArg::Scalar => scalar.clone(),
        TypeArg::Size(value) => size(value),
        TypeArg::Type(ty) => path(ty),
        TypeArg::Bool(value) => quote!(#value),
        TypeArg::Local(ident) => quote!(#ident<#scalar>),
        TypeArg::Nested(ty) => runtime_type(ty, scalar),
        TypeArg::Storage { rows, cols } => match (rows.value(), cols.value()) {
            (Some(r), Some(c)) if r.saturating_mul(c) <= nn_keras::INLINE_LIMIT => {
                quote!(::nn::Inline)
            }
            (Some(_), Some(_)) => quote!(::nn::__private::Heap),
            _ => {
                let (rows, cols) = (size(rows), size(cols));
                quote!(::nn::__private::StorageOf<{ ::nn::__private::inline(#rows, #cols) }>)
            }
        },
    }
}

/// A size as a `usize` expression: a literal, or `{ CONST }`.
pub(super) fn size(value: &Size) -> TokenStream {
    match value {
        Size::Known(n) => Literal::usize_unsuffixed(*n).into_token_stream(),
        Size::Named { path, .. } => quote!({ #path }),
    }
}

/// A path: the runtime's items from `::nn`, the user's as written.
pub(super) fn path(path: &Path) -> TokenStream {
    let segments = &path.segments;
    match &path.root {
        Root::Core => quote!(::nn #(:: #segments)*),
        Root::User(tokens) => quote!(#tokens #(:: #segments)*),
    }
}

/// An expression building (part of) `layer`, in the network's scalar type `T`.
pub(super) fn expr(value: &Expr, layer: &Layer) -> TokenStream {
    lower(value, layer, None)
}

/// [`expr`], or with the tensors' offsets a constant expression building (part of) `layer` in
/// `f32`, its tensors read from the bytes `FILE` at `offsets` (the file built into the program).
fn lower(value: &Expr, layer: &Layer, offsets: Option<&[usize]>) -> TokenStream {
    let all = |values: &[Expr]| -> Vec<TokenStream> {
        values.iter().map(|v| lower(v, layer, offsets)).collect()
    };
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
        // A constant cannot call `Default::default()`: a type of the user's is taken to be a
        // unit struct, named as its value.
        Expr::Default(p) if offsets.is_some() => path(p),
        Expr::Default(p) => {
            let p = path(p);
            quote!(<#p as ::core::default::Default>::default())
        }
        Expr::Construct(name, args) => {
            let scalar = if offsets.is_some() {
                quote!(f32)
            } else {
                quote!(T)
            };
            let ty = field_type(layer, &scalar);
            let (name, args) = (Ident::new(name, Span::call_site()), all(args));
            let span = at(layer);
            quote_spanned!(span=> <#ty>::#name(#(#args),*))
        }
        Expr::Tuple(values) => {
            let values = all(values);
            quote!((#(#values),*))
        }
        Expr::Array(values) => {
            let values = all(values);
            quote!([#(#values),*])
        }
        Expr::Ref(inner) => {
            let inner = lower(inner, layer, offsets);
            quote!(&#inner)
        }
        Expr::Rng => quote!(rng),
        Expr::Expect(inner, why) => {
            let inner = lower(inner, layer, offsets);
            quote!(#inner.expect(#why))
        }
        Expr::Tensor(index) => match offsets.and_then(|o| o.get(*index)) {
            Some(offset) => quote!(::nn::__private::tensor(FILE, #offset)),
            // The attributes build a network in only when every tensor was found.
            None => quote!(::core::compile_error!(
                "network!: a tensor to build in was not found (a bug in `nn`: please report it)"
            )),
        },
        Expr::Zeros => quote!(::nn::__private::zeros()),
        Expr::Block(which) => block(layer, *which, offsets),
    }
}

/// A layer built as `which` says, with the training settings its build sets afterwards.
pub(super) fn built(layer: &Layer, which: Built, offsets: Option<&[usize]>) -> TokenStream {
    let build = &layer.build;
    let made = lower(
        match which {
            Built::Zeros => &build.zeros,
            Built::Init => &build.init,
            Built::Constant => &build.constant,
        },
        layer,
        offsets,
    );
    if build.fields.is_empty() {
        return made;
    }
    let sets = build.fields.iter().map(|(name, value)| {
        let value = lower(value, layer, offsets);
        set_field(build.fields_in, name, &value)
    });
    quote!({
        let mut layer = #made;
        #(#sets)*
        layer
    })
}

/// A block: `Fork::new` of its branches, each its struct of layers built as `which` says (or
/// `Shortcut`, the input itself).
fn block(layer: &Layer, which: Built, offsets: Option<&[usize]>) -> TokenStream {
    let Some(block) = &layer.block else {
        return quote!(::core::compile_error!(
            "network!: a block without branches (a bug in `nn`: please report it)"
        ));
    };
    let scalar = if offsets.is_some() {
        quote!(f32)
    } else {
        quote!(T)
    };
    // Each layer's tensors are the next ones of the block's (`Build::tensors`).
    let mut next = 0;
    let mut branches = Vec::new();
    for branch in &block.branches {
        branches.push(match &branch.ident {
            None => quote!(::nn::Shortcut),
            Some(ident) => {
                let mut fields = Vec::new();
                for inner in &branch.layers {
                    let count = inner.build.tensors.len();
                    let own = offsets.map(|o| o.get(next..next + count).unwrap_or(&[]));
                    next += count;
                    let field = &inner.field;
                    let value = built(inner, which, own);
                    fields.push(quote!(#field: #value));
                }
                quote!(#ident::<#scalar> {
                    #(#fields,)*
                    __scalar: ::core::marker::PhantomData,
                })
            }
        });
    }
    let ty = field_type(layer, &scalar);
    quote!(<#ty>::new(#(#branches),*))
}

/// A setting's value as a constant expression of `nn::keras::Value`.
pub(super) fn keras_value(value: &KerasValue, layer: &Layer) -> TokenStream {
    match value {
        KerasValue::Size(n) => {
            let n = size(n);
            quote!(::nn::keras::Value::Size(#n))
        }
        KerasValue::Float(x) => {
            let x = expr(x, layer);
            quote!(::nn::keras::Value::Float(#x))
        }
        KerasValue::Bool(b) => quote!(::nn::keras::Value::Bool(#b)),
        KerasValue::Str(s) => quote!(::nn::keras::Value::Str(#s)),
        KerasValue::Sizes(sizes) => quote!(::nn::keras::Value::Sizes(&[#(#sizes),*])),
        KerasValue::LastAxis => quote!(::nn::keras::Value::LastAxis),
        KerasValue::Text(s) => quote!(::nn::keras::Value::Str(#s)),
        KerasValue::Activation(ty) => {
            let ty = path(ty);
            quote!(::nn::keras::Value::Str(<#ty as ::nn::Activation>::NAME))
        }
        KerasValue::Initializer { ty, args } => {
            let ty = path(ty);
            let args = args.iter().map(|(key, value)| {
                let value = keras_value(value, layer);
                quote!((#key, #value))
            });
            quote!(::nn::keras::Value::Call(
                <#ty as ::nn::Initializer>::NAME,
                &[#(#args),*]
            ))
        }
    }
}

/// The name of a constant that checks a Keras file for a layer (`Classifier_dense_units`): rustc
/// names it in its note on a failed check ("evaluation of `Classifier_dense_units` failed").
fn check_name(network: &Network, layer: &Layer, what: &str) -> Ident {
    let what: String = what
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let (net, field) = (network.ident.to_string(), layer.field.to_string());
    let name = format!(
        "{}_{}_{what}",
        net.trim_start_matches("r#"),
        field.trim_start_matches("r#")
    );
    Ident::new(&name, layer.span)
}

/// A setting checked against a Keras file (`#[keras(..)]`), by the compiler, failing at the
/// layer it concerns with both values.
pub(super) fn keras_check(check: &KerasCheck, network: &Network) -> TokenStream {
    let layer = &network.layers[check.layer];
    let (declared, found) = (
        keras_value(&check.declared, layer),
        keras_value(&check.found, layer),
    );
    let name = check_name(network, layer, &check.key);
    let (head, shown) = (&check.head, &check.shown);
    // An activation type by its name and Keras's; a constant by its name and value.
    let (before, after) = match check.declared {
        KerasValue::Activation(_) => (" (", ")"),
        _ => (" = ", ""),
    };
    quote_spanned!(check.span=>
        #[allow(non_upper_case_globals, dead_code)]
        #[doc(hidden)]
        const #name: () = {
            const __NN_DECLARED: ::nn::keras::Value = #declared;
            const __NN_MESSAGE: ::nn::__private::Msg = ::nn::__private::Msg::new()
                .str(#head)
                .str(#shown)
                .str(#before)
                .value(&__NN_DECLARED)
                .str(#after);
            if !::nn::keras::Value::same(&__NN_DECLARED, &#found) {
                ::core::panic!("{}", __NN_MESSAGE.as_str());
            }
        };
    )
}

/// `a == 1 && b == 2` (`true` for none): whether the named sizes of a [`Guard`] are the file's.
fn guard(guard: &Guard) -> TokenStream {
    if guard.is_empty() {
        return quote!(true);
    }
    let terms = guard.iter().map(|(declared, found)| {
        let declared = size(declared);
        quote!((#declared) == #found)
    });
    quote!(#(#terms)&&*)
}

/// A layer's number of weights checked against a Keras file's, by the compiler.
pub(super) fn params_check(check: &ParamsCheck, network: &Network) -> TokenStream {
    let layer = &network.layers[check.layer];
    let ty = field_type(layer, &quote!(f32));
    let name = check_name(network, layer, "weights");
    let condition = guard(&check.guard);
    let (count, message) = (
        check.count,
        check.message.replace('{', "{{").replace('}', "}}"),
    );
    quote_spanned!(check.span=>
        #[allow(non_upper_case_globals, dead_code)]
        #[doc(hidden)]
        const #name: () = if #condition {
            ::core::assert!(<#ty as ::nn::Params<f32>>::PARAMS == #count, #message);
        };
    )
}

/// A compile-time check of named constants, failing at the layer it concerns.
pub(super) fn assertion(assertion: &Assertion, network: &Network) -> TokenStream {
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
            guard: condition,
            name,
        } => {
            let (expected, produced) = (size(expected), size(produced));
            let condition = guard(condition);
            let name = match name {
                Some((layer, what)) => {
                    check_name(network, &network.layers[*layer], what).into_token_stream()
                }
                None => quote!(_),
            };
            quote_spanned! {*span=>
                #[allow(non_upper_case_globals, dead_code)]
                #[doc(hidden)]
                const #name: () = {
                    const __NN_EXPECTED: usize = #expected;
                    const __NN_PRODUCED: usize = #produced;
                    const __NN_MESSAGE: ::nn::__private::Msg = ::nn::__private::Msg::new()
                        .str(#head)
                        .num(__NN_EXPECTED)
                        .str(#middle)
                        .num(__NN_PRODUCED)
                        .str(#tail);
                    if #condition && __NN_EXPECTED != __NN_PRODUCED {
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
                #[allow(clippy::unnecessary_cast)] // the user's constant may be an `f64`
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
pub(super) fn at(layer: &Layer) -> Span {
    Span::call_site().located_at(layer.span)
}

/// `::nn::Layer<T, I, O>` for a layer: its inference passes.
pub(super) fn layer_trait(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    let (input, output) = (size(&layer.input), size(&layer.output));
    quote!(::nn::Layer<#scalar, #input, #output>)
}

/// `::nn::Train<T, I, O>` for a layer: its training passes.
pub(super) fn train_trait(layer: &Layer, scalar: &TokenStream) -> TokenStream {
    let (input, output) = (size(&layer.input), size(&layer.output));
    quote!(::nn::Train<#scalar, #input, #output>)
}

/// `::nn::Params<T>`: a layer's class and parameters.
pub(super) fn params_trait(scalar: &TokenStream) -> TokenStream {
    quote!(::nn::Params<#scalar>)
}

/// `(a, (b, (c, ())))`.
pub(super) fn cons_type(items: Vec<TokenStream>) -> TokenStream {
    items
        .into_iter()
        .rev()
        .fold(quote!(()), |tail, head| quote!((#head, #tail)))
}

/// The `k`-th element of a cons list: `base.1.1.0` for `k = 2`.
pub(super) fn nth(base: TokenStream, k: usize) -> TokenStream {
    let (one, zero) = (Index::from(1), Index::from(0));
    let hops = std::iter::repeat_n(&one, k);
    quote!(#base #(.#hops)* .#zero)
}

/// The network's input and output widths.
pub(super) fn ends(network: &Network) -> (TokenStream, TokenStream) {
    let first = &network.layers[0];
    let last = &network.layers[network.layers.len() - 1];
    (size(&first.input), size(&last.output))
}

/// The sum of the layers' parameter counts, in scalar type `scalar`.
pub(super) fn params_sum(network: &Network, scalar: &TokenStream) -> TokenStream {
    let terms = network.layers.iter().map(|layer| {
        let ty = field_type(layer, scalar);
        let params_trait = params_trait(scalar);
        let span = at(layer);
        quote_spanned!(span=> <#ty as #params_trait>::PARAMS)
    });
    quote!(0 #(+ #terms)*)
}

/// The field that holds the scalar type `T` when no layer's type mentions it (a network of
/// parameter-free layers only), and its value: Rust rejects a type parameter no field uses.
pub(super) fn scalar_marker(network: &Network) -> Option<(Ident, TokenStream)> {
    let uses_scalar = network.layers.iter().any(|layer| {
        layer
            .ty
            .args
            .iter()
            .any(|arg| matches!(arg, TypeArg::Scalar))
    });
    (!uses_scalar).then(|| {
        (
            Ident::new("__scalar", Span::call_site()),
            quote!(::core::marker::PhantomData),
        )
    })
}

/// `layer.name = set(value);`, or through each of `parts` (`layer.weights.name = set(value);`):
/// a training setting, which `nn::__private::set` keeps with `std` and drops without.
pub(super) fn set_field(parts: &[&str], name: &Ident, value: &TokenStream) -> TokenStream {
    let value = &quote!(::nn::__private::set(#value));
    if parts.is_empty() {
        return quote!(layer.#name = #value;);
    }
    let parts = parts
        .iter()
        .map(|part| Ident::new(part, proc_macro2::Span::call_site()));
    quote!(#(layer.#parts.#name = #value;)*)
}

/// The layers `predict` runs: those that are not the identity at inference.
fn inference_steps(layers: &[crate::ir::Layer]) -> Vec<&crate::ir::Layer> {
    layers
        .iter()
        .filter(|layer| !layer.identity_at_inference)
        .collect()
}

/// The widths of `predict`'s two buffers for `steps`, as constant expressions: the first takes
/// the outputs of the layers in even places (counting from 0), the second those in odd places,
/// each as wide as the widest of those.
fn buffer_widths(steps: &[&crate::ir::Layer]) -> (TokenStream, TokenStream) {
    let outputs = |parity: usize| {
        let sizes = steps
            .iter()
            .skip(parity)
            .step_by(2)
            .map(|l| size(&l.output));
        quote!(::nn::__private::widest(&[#(#sizes),*]))
    };
    (outputs(0), outputs(1))
}

/// The statements that run `layers` (a network's, or a branch's) on one sample `x`, ending in
/// their output: the first layer reads `x` and writes buffer `a`, each after it reads one of
/// two buffers and writes the other (`nn::__private::float_step`), as wide as the widest of
/// what they write and read; layers that are the identity at inference are skipped.
pub(super) fn forward_body(layers: &[crate::ir::Layer]) -> TokenStream {
    let t = quote!(T);
    let steps = inference_steps(layers);
    match steps.as_slice() {
        [] => quote!(*x),
        [only] => {
            let (field, tr) = (&only.field, layer_trait(only, &t));
            let span = at(only);
            quote_spanned!(span=> <_ as #tr>::forward(&self.#field, x))
        }
        [first, rest @ ..] => {
            let (wa, wb) = buffer_widths(&steps);
            let first = {
                let (field, (i, o)) = (&first.field, (size(&first.input), size(&first.output)));
                let span = at(first);
                quote_spanned! {span=>
                    ::nn::__private::float_first::<T, _, #i, #o, WA>(&self.#field, x, &mut a);
                }
            };
            let rest = rest.iter().enumerate().map(|(k, l)| {
                let (field, (i, o)) = (&l.field, (size(&l.input), size(&l.output)));
                let span = at(l);
                // The layer at place k + 1 reads what the one before it wrote.
                let (from, to, wf, wt) = if k % 2 == 0 {
                    (quote!(a), quote!(b), quote!(WA), quote!(WB))
                } else {
                    (quote!(b), quote!(a), quote!(WB), quote!(WA))
                };
                quote_spanned! {span=>
                    ::nn::__private::float_step::<T, _, #i, #o, #wf, #wt>(
                        &self.#field, &#from, &mut #to,
                    );
                }
            });
            let output = size(&steps[steps.len() - 1].output);
            let (last, w) = if steps.len() % 2 == 1 {
                (quote!(a), quote!(WA))
            } else {
                (quote!(b), quote!(WB))
            };
            quote! {
                const WA: usize = #wa;
                const WB: usize = #wb;
                let mut a = [T::zero(); WA];
                let mut b = [T::zero(); WB];
                #first
                #(#rest)*
                ::nn::__private::float_last::<T, #output, #w>(&#last)
            }
        }
    }
}

/// The largest allowance for the frame of one of `layers` (`nn::Layer::FRAME`).
pub(super) fn frame_bytes(layers: &[crate::ir::Layer]) -> TokenStream {
    let t = quote!(T);
    let frames = inference_steps(layers).into_iter().map(|layer| {
        let (ty, tr) = (field_type(layer, &t), layer_trait(layer, &t));
        let span = at(layer);
        quote_spanned!(span=> <#ty as #tr>::FRAME)
    });
    quote!(::nn::__private::widest(&[#(#frames),*]))
}

/// The bytes of stack [`forward_body`] keeps for `layers` beside their input and output: its
/// two buffers and the most any one layer keeps besides (`nn::Layer::SCRATCH`).
pub(super) fn forward_bytes(layers: &[crate::ir::Layer]) -> TokenStream {
    let t = quote!(T);
    let steps = inference_steps(layers);
    let scratch = steps.iter().map(|layer| {
        let (ty, tr) = (field_type(layer, &t), layer_trait(layer, &t));
        let span = at(layer);
        quote_spanned!(span=> <#ty as #tr>::SCRATCH)
    });
    let scratch = quote!(::nn::__private::widest(&[#(#scratch),*]));
    if let [only] = steps.as_slice() {
        // Its `forward` builds the output and copies it out (the compiler does not write it in
        // place), so the output is on the stack twice.
        let o = size(&only.output);
        return quote!(#scratch + ::core::mem::size_of::<::nn::nalgebra::SVector<T, #o>>());
    }
    if steps.is_empty() {
        return scratch;
    }
    let (wa, wb) = buffer_widths(&steps);
    quote!((#wa + #wb) * ::core::mem::size_of::<T>() + #scratch)
}
