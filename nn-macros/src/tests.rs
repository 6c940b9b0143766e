//! The pipeline run on representative declarations, outside the compiler. Each expansion is
//! written to `<target>/expansions/<sample>.txt` (to compare two versions of the macro token for
//! token: run `cargo test -p nn-macros expansions` on each and diff the two directories), and
//! the tests check properties of the expansions. Then checks of the crate's own structure: no
//! module cycles, the runtime named only by `expand`, and `network!`'s documentation covering
//! the table of kinds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::kinds::KINDS;

/// Every kind, named consts, `_`, options, regularizers and constraints, user activation types,
/// several networks in one invocation, and mistakes of every sort.
const SAMPLES: &[(&str, &str)] = &[
    (
        "card",
        "/// The design card's network.
         pub struct Classifier = Dense<32, 64, Relu>, Dropout<0.5>, Dense<64, 10, Softmax>;",
    ),
    (
        "consts",
        "pub struct Encoder = Dense<INPUT, HIDDEN, Selu, kernel_initializer = LecunNormal>,
             Dropout<RATE>, Dense<_, 10, Softmax>;
         pub(crate) struct Mismatch = Dense<INPUT, HIDDEN>, Dense<OTHER, UNITS>,
             BatchNormalization, Dense<UNITS, 3>, Dense<_, ZERO>;",
    ),
    (
        "options",
        "#[allow(dead_code)]
         pub struct Options =
             first: Dense<8, 16, LeakyRelu(0.1), use_bias = false,
                 kernel_initializer = VarianceScaling(2.0, FanIn, Uniform),
                 bias_initializer = Constant(0.1), trainable = false, kernel_regularizer = L2,
                 bias_regularizer = L1(0.001), activity_regularizer = L1L2(0.01, 0.02),
                 kernel_constraint = MaxNorm(3.0), bias_constraint = NonNeg>,
             Dense<_, 16, activation = Elu(0.5), kernel_initializer = RandomNormal(0.0, 0.05),
                 bias_initializer = RandomUniform(-0.5, 0.5), kernel_constraint = UnitNorm,
                 bias_constraint = MinMaxNorm(0.0, 2.0)>,
             Dense<16, 16, Tanh, kernel_initializer = Orthogonal(2.0), bias_initializer = Ones>,
             Dense<16, 16, Gelu, kernel_initializer = Identity, kernel_constraint = MaxNorm>,
             r#type: Dense<16, 4, Elu, kernel_initializer = HeUniform,
                 bias_initializer = TruncatedNormal(-1, 1)>;",
    ),
    (
        "user_activations",
        "pub struct Custom = Dense<4, 4, MyAct>, Dense<4, 4, my::Act(1, 2.5, RATE)>,
             Activation<self::Custom>, Activation<Relu>, Activation<LeakyRelu(0.25)>,
             Dense<4, 2, activation = crate::Other>;",
    ),
    (
        "image",
        "/// A convolutional network.
         pub struct Cnn = Input<28, 28, 1>,
             Conv2D<8, (3, 3), Relu, strides = (2, 2), padding = Same,
                 kernel_initializer = HeNormal, trainable = false,
                 kernel_regularizer = L2(0.001)>,
             BatchNormalization, MaxPool2D<(2, 2)>, Conv2D<16, 3>,
             AvgPool2D<(2, 2), strides = (1, 1), padding = Same>, LeakyReLU,
             ELU<alpha = 0.5>, LeakyReLU<negative_slope = 0.1>, Activation<Relu>,
             GlobalAvgPool2D, Dense<_, 10, Softmax>;
         pub struct Flat = Input<64, 64, 3>, Conv2D<32, (3, 3), Relu>, Flatten,
             Dense<_, 128, Relu>, Dropout<0.5>,
             BatchNormalization<momentum = 0.9, epsilon = 0.01, trainable = false>,
             Dense<128, 10>;
         pub struct Big = Input<128, 128, 32>, Conv2D<64, (5, 5), kernel_initializer = Orthogonal>,
             MaxPool2D<(3, 3), strides = 2>, Flatten, Dense<_, 10>;",
    ),
    (
        "blocks",
        "/// Residual blocks, a concatenation and a block within a branch.
         pub struct Res = Input<8, 8, 3>, Conv2D<4, (3, 3), Relu, padding = Same>,
             Add<[Conv2D<4, (3, 3), padding = Same>, BatchNormalization], []>,
             shortcut: Add<[Conv2D<8, (1, 1), strides = (2, 2)>],
                 [Conv2D<8, (3, 3), strides = (2, 2), padding = Same>,
                  Maximum<[Dropout<0.1>], [Activation<Relu>]>]>,
             Concatenate<[MaxPool2D<(2, 2)>], [Conv2D<2, (1, 1), strides = (2, 2)>]>,
             Flatten, Dense<_, 2>;",
    ),
    (
        "storage",
        "pub struct Wide = Dense<784, 512, Relu>, Dense<512, 8>, Dense<8, HIDDEN>,
             BatchNormalization, Dense<HIDDEN, 4096>, BatchNormalization, Dense<4096, 1>;",
    ),
    (
        "several",
        "pub struct A = Dense<2, 2>; struct B = Dense<2, 3, Sigmoid>, Dense<3, 1>,;
         pub(crate) struct C = hidden: Dense<1, 1>, Dropout<0.0>, output: Dense<1, 1>;",
    ),
    (
        "mistakes",
        "pub struct First = Dense<32, 64, Relu>, Dense<65, 10, Sofmax>;
         pub struct Second = Dense<4, 0>, Dropout<2.0>;
         pub struct Third = Dense<32, 64, Relu>, Desne<64, 10>;
         pub struct Fourth = Dense<32, 64, Relu>, Dens<16, 3>, Dense<16, 3>, Dense<4, 2>;
         pub struct Fifth = Dropout<0.5>, BatchNormalization, Dense<_, 2>;
         pub struct Sixth = dense: Dense<2, 2>, Dense<2, 2>, Dense<2, 2, kernel_init = Zeros>;
         pub struct Seventh = Dense<32>, Dense<32, 64, Relu, Softmax>, Dropout<0.1, 0.2>,
             Dense<64, 10, LeakyRelu(0.1, 0.2)>;
         pub struct Eighth = Dense<2, 2, Relu, use_bias = 1, trainable = yes>,
             Dense<2, 2, Relu, activation = Tanh>, Dense<2, 2, kernel_initializer = Constant>,
             Dense<2, 2, bias_initializer = Identity, kernel_regularizer = L3>;
         pub struct Ninth struct;",
    ),
    (
        "image_mistakes",
        "pub struct NoImage = Dense<64, 64, Relu>, Conv2D<4, (3, 3), Relu>;
         pub struct LateInput = Dense<4, 4>, Input<2, 2, 1>;
         pub struct NoFlatten = Input<8, 8, 1>, Conv2D<4, (3, 3), Relu>, Dense<144, 10>;
         pub struct FlattenMismatch = Input<64, 64, 3>, Conv2D<32, (3, 3), Relu>, Flatten,
             Dense<123000, 128, Relu>;
         pub struct Kernel = Input<2, 2, 1>, Conv2D<4, (3, 3), Relu>, Flatten, Dense<_, 2>;
         pub struct Pool = Input<4, 4, 1>, Conv2D<4, (3, 3), Relu>, MaxPool2D<(3, 3)>, Flatten,
             Dense<_, 2>;
         pub struct IdentityConv = Input<4, 4, 1>, Conv2D<4, (3, 3), kernel_initializer = Identity>,
             Conv2D<4, (1, 1), kernel_initializer = Identity(1.0)>, Flatten, Dense<_, 2>;
         pub struct Arguments = Input<4, 4>, Flatten<1>, GlobalAvgPool2D, ELU<1.0>,
             Activation, BatchNormalization<0.9, padding = Same>, MaxPool2D<(2, 2), padding = Full>;",
    ),
];

/// The expansion of an invocation's body, as text.
fn expand(source: &str) -> String {
    let tokens: proc_macro2::TokenStream = source.parse().expect("the sample tokenizes");
    let invocation: crate::ast::Invocation =
        syn::parse2(tokens).expect("an invocation always parses");
    crate::run(invocation).to_string()
}

/// `expansions/` in the target directory (wherever `CARGO_TARGET_DIR` puts it), created if
/// needed: this test binary is `<target>/debug/deps/nn_macros-<hash>`.
fn directory() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("the binary is in <target>/debug/deps");
    let dir = target.join("expansions");
    std::fs::create_dir_all(&dir).expect("the target directory is writable");
    dir
}

#[test]
fn expansions() {
    let dir = directory();
    for (name, source) in SAMPLES {
        let expansion = expand(source);
        std::fs::write(dir.join(format!("{name}.txt")), expansion + "\n")
            .expect("target/ is writable");
    }
}

/// The compile errors in an expansion.
fn errors(expansion: &str) -> Vec<&str> {
    expansion
        .split("compile_error ! {")
        .skip(1)
        .map(|rest| rest.split('}').next().unwrap_or_default().trim())
        .collect()
}

#[test]
fn an_unknown_layer_leaves_the_next_input_unchecked() {
    let expansion =
        expand("pub struct N = Dense<32, 64, Relu>, Dens<16, 3>, Dense<16, 3>, Dense<4, 2>;");
    let errors = errors(&expansion);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("unknown layer `Dens`"));
    // The layer after the next one is checked again, against the one before it.
    assert!(errors[1].contains("`Dense<4, 2>` expects 4 inputs, but `Dense<16, 3>` (layer 3)"));
}

#[test]
fn identity_initializes_dense_kernels_but_not_conv2d_ones() {
    let conv = expand(
        "pub struct N = Input<4, 4, 1>, Conv2D<2, (3, 3), kernel_initializer = Identity(2.0)>,
             Conv2D<2, (1, 1), kernel_initializer = Orthogonal>, Flatten,
             Dense<_, 2, kernel_initializer = Identity>;",
    );
    let errors = errors(&conv);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("a `Conv2D` kernel is 4-D"));
}

#[test]
fn weights_are_inline_up_to_the_limit_and_on_the_heap_beyond() {
    let expansion = expand(
        "pub struct N = Dense<64, 64>, Dense<64, 65>, Dense<65, HIDDEN>, BatchNormalization;",
    );
    assert!(
        expansion
            .contains(":: nn :: Dense < T , 64 , 64 , :: nn :: Linear , :: nn :: Inline , true >")
    );
    assert!(expansion.contains(
        ":: nn :: Dense < T , 64 , 65 , :: nn :: Linear , :: nn :: __private :: Heap , true >"
    ));
    assert!(expansion.contains(
        ":: nn :: __private :: StorageOf < { :: nn :: __private :: inline ({ HIDDEN } , 65) } >"
    ));
    assert!(expansion.contains(
        ":: nn :: BatchNormalization < T , { HIDDEN } , { HIDDEN } , :: nn :: __private :: StorageOf < { :: nn :: __private :: inline ({ HIDDEN } , 1) } > >"
    ));
}

/// The expansion names `std` only through `nn` (its `__private::std`, inside `if_std!`): a
/// `#![no_std]` crate's networks must compile whether or not another crate turns `nn`'s `std`
/// feature on, and `::std` does not resolve in such a crate.
#[test]
fn expansions_never_name_std_directly() {
    for (name, source) in SAMPLES {
        let expansion = expand(source);
        let direct = expansion
            .replace(":: nn :: __private :: std ::", "")
            .matches(":: std ::")
            .count();
        assert_eq!(direct, 0, "sample `{name}` names `::std` directly");
        assert!(!expansion.contains("extern crate std"), "sample `{name}`");
    }
}

/// `src/`.
fn source_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every source file, by module path (`shared::args`, `kinds`, `lib` for the crate root).
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            let module = match (prefix, stem) {
                ("", stem) => stem.to_string(),
                (prefix, "mod") => prefix.to_string(),
                (prefix, stem) => format!("{prefix}::{stem}"),
            };
            if path.is_dir() {
                walk(&path, &module, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a source file is readable");
                out.insert(module, text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&source_dir(), "", &mut out);
    out
}

/// The modules a module's code refers to: `crate::a::b` paths, `super::x` paths, and paths
/// through the modules it declares (`mod dense;` then `dense::rule`), each resolved to the
/// longest module path that exists.
fn references(module: &str, text: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let parent = module.rsplit_once("::").map_or("", |(parent, _)| parent);
    let children: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod ")?.strip_suffix(';'))
        .collect();
    let mut found = BTreeSet::new();
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .collect();
    for word in words {
        let path = if let Some(rest) = word.strip_prefix("crate::") {
            rest.to_string()
        } else if let Some(rest) = word.strip_prefix("super::") {
            if parent.is_empty() {
                rest.to_string()
            } else {
                format!("{parent}::{rest}")
            }
        } else if children.iter().any(|c| word.starts_with(&format!("{c}::"))) {
            format!("{module}::{word}")
        } else {
            continue;
        };
        let mut segments: Vec<&str> = path.split("::").collect();
        while !segments.is_empty() {
            let candidate = segments.join("::");
            if all.contains(&candidate) {
                if candidate != module {
                    found.insert(candidate);
                }
                break;
            }
            segments.pop();
        }
    }
    found
}

#[test]
fn no_two_modules_import_each_other() {
    let modules = modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    let graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|(module, text)| (module.clone(), references(module, text, &names)))
        .collect();
    assert!(
        graph["kinds"].contains("kinds::dense"),
        "the table refers to the kinds' files"
    );
    assert!(graph["kinds::dense"].contains("shared::weights"));
    // Depth-first search for a cycle.
    fn visit<'a>(
        module: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(start) = path.iter().position(|m| *m == module) {
            panic!("module cycle: {} -> {module}", path[start..].join(" -> "));
        }
        if !done.insert(module) {
            return;
        }
        path.push(module);
        for next in graph.get(module).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        visit(module, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn only_expand_names_the_runtime() {
    let runtime = concat!("::", "nn::");
    for (module, text) in modules() {
        let in_expand = module == "expand" || module.starts_with("expand::");
        assert!(
            in_expand || !text.contains(runtime),
            "`{module}` names the runtime's paths; only `expand` may"
        );
    }
}

#[test]
fn the_documentation_covers_every_kind_and_option() {
    let docs = include_str!("lib.rs");
    let rows: Vec<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("/// "))
        .filter(|l| l.starts_with("| "))
        .collect();
    for kind in KINDS {
        let named = format!("| `{}", kind.name);
        assert!(
            rows.iter().any(|r| r.starts_with(&named)),
            "`{}` has no row",
            kind.name
        );
        for option in kind.options {
            let (option_name, kind_name) =
                (format!("`{}`", option.name), format!("`{}`", kind.name));
            let default = option.default.to_string();
            assert!(
                rows.iter().any(|r| r.contains(&option_name)
                    && r.contains(&kind_name)
                    && r.rsplit('|').nth(1).is_some_and(|d| d.contains(&default))),
                "no row documents `{}` of `{}` with its default {default}",
                option.name,
                kind.name
            );
        }
    }
    let names = crate::names::ACTIVATIONS.iter().map(|a| a.0);
    let names = names.chain(crate::names::INITIALIZERS.iter().map(|i| i.0));
    let names = names.chain(crate::names::REGULARIZERS.iter().map(|r| r.name));
    let names = names.chain(crate::names::CONSTRAINTS.iter().map(|c| c.name));
    for name in names {
        let documented = docs.contains(&format!("`{name}`")) || docs.contains(&format!("`{name}("));
        assert!(documented, "`{name}` is not documented");
    }
}

#[test]
fn kinds_have_distinct_names_and_default_field_names() {
    let names: BTreeSet<&str> = KINDS.iter().map(|k| k.name).collect();
    let stems: BTreeSet<String> = KINDS
        .iter()
        .map(|k| crate::names::snake_case(k.class))
        .collect();
    assert_eq!(names.len(), KINDS.len());
    assert_eq!(stems.len(), KINDS.len());
}

#[test]
fn keras_s_default_is_known_for_every_setting_compared() {
    // Every kind, each setting that loading compares: a file may leave it out, and then Keras's
    // default (or Keras's refusal) is what the declaration is compared with.
    let source = "
        pub struct Vectors = Dense<4, 4, Relu>, Dropout<0.5>, BatchNormalization,
            LayerNormalization, Activation<Tanh>, LeakyReLU, ELU, PReLU;
        pub struct Images = Input<8, 8, 2>, Conv2D<4, (3, 3)>, MaxPool2D<(2, 2)>,
            AvgPool2D<(1, 1)>, GlobalAvgPool2D;
        pub struct Images2 = Input<8, 8, 2>, GlobalMaxPool2D;
        pub struct Images4 = Input<8, 8, 2>, DepthwiseConv2D<(3, 3)>, SeparableConv2D<3, (2, 2)>;
        pub struct Images3 = Input<8, 8, 2>, Flatten;
        pub struct Sequences = Input<8>, Embedding<20, 4>, Conv1D<4, 3>, MaxPool1D<2>,
            AvgPool1D<1>, LSTM<3, return_sequences = true>, GRU<3, return_sequences = true>,
            SimpleRNN<3, return_sequences = true>, Bidirectional<GRU<2, return_sequences = true>>,
            GlobalAvgPool1D;
        pub struct Sequences2 = Input<8, 2>, GlobalMaxPool1D;
        pub struct Sequences3 = Input<8, 2>, DepthwiseConv1D<3>, SeparableConv1D<3, 2>;";
    let tokens: proc_macro2::TokenStream = source.parse().expect("the sample tokenizes");
    let invocation: crate::ast::Invocation = syn::parse2(tokens).expect("the sample parses");
    let mut errors = crate::errors::Errors::default();
    let mut classes = BTreeSet::new();
    for decl in invocation.networks {
        let network = crate::check::network(decl, &mut errors);
        for layer in &network.layers {
            classes.insert(layer.class);
            for setting in layer.keras.iter().filter(|s| s.checked) {
                // A wrapped layer's settings are its class's.
                let (class, key) = match setting.key.split_once('.') {
                    Some((_, "class_name")) => continue,
                    Some((inner, key)) => {
                        let class = layer.keras.iter().find_map(|s| match &s.value {
                            crate::ir::KerasValue::Str(class)
                                if s.key == format!("{inner}.class_name") =>
                            {
                                Some(*class)
                            }
                            _ => None,
                        });
                        (class.expect("a wrapped layer has a class"), key)
                    }
                    None => (layer.class, &*setting.key),
                };
                assert!(
                    nn_keras::defaults::missing(class, key).is_some(),
                    "no default for {class}'s `{key}` in nn_keras::defaults::missing"
                );
            }
        }
    }
    assert!(errors.is_empty(), "the sample is a valid declaration");
    let all: BTreeSet<&str> = KINDS.iter().filter(|k| k.field).map(|k| k.class).collect();
    assert_eq!(classes, all, "the sample has every kind");
}

#[test]
fn a_keras_file_s_mistake_is_reported_once() {
    // Paths are relative to this crate's manifest, which cargo gives the tests too.
    let file = "#[keras(\"../tests/fixtures/keras/mlp.keras\")]";
    // A layer missing: one error, not the count and then every later layer's class.
    let expansion = expand(&format!(
        "{file} pub struct Short = Dense<32, 64, Relu>, Dense<64, 10, Softmax>;"
    ));
    let found = errors(&expansion);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("the file's layer 2 `dropout` (a Dropout) is missing before"),
        "{found:#?}"
    );
    // A literal size that differs: one error, and no weight count checked from there on.
    let expansion = expand(&format!(
        "{file} pub struct Wider = Dense<32, 128, Relu>, Dropout<0.5>, Dense<128, 10, Softmax>;"
    ));
    let found = errors(&expansion);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("has units = 64"), "{found:#?}");
    assert!(!expansion.contains("_weights"), "{expansion}");
    // A named constant: the compiler compares it, in a constant named after the layer, and
    // checks the weights only when it is the file's.
    let expansion = expand(&format!(
        "{file} pub struct Named = Dense<32, HIDDEN, Relu>, Dropout<0.5>, Dense<_, 10, Softmax>;"
    ));
    assert!(errors(&expansion).is_empty(), "{expansion}");
    assert!(expansion.contains("const Named_dense_units"), "{expansion}");
    let guarded = expansion
        .split("const Named_dense_1_weights")
        .nth(1)
        .expect("the last layer's weights are checked");
    let head: String = guarded.chars().take(60).collect();
    assert!(head.contains("= if ({ HIDDEN }) == 64usize {"), "{head}");
}
