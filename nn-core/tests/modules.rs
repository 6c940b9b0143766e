//! The runtime's modules import each other without cycles, so that each can be read, tested
//! and changed with only the ones below it in mind (the macro crate keeps the same rule).
//!
//! The graph is over `nn-core`'s top-level modules (`src/<module>.rs` or `src/<module>/`), with
//! an edge wherever a module's code names `crate::<module>` or an item the crate root
//! re-exports from another module (`crate::Float` is `scalar`'s). Comment lines, and so doc
//! links, are not edges: they do not make one module need another. The crate root and
//! `private` (the re-exports that `network!`'s generated code names) are left out, as they
//! exist to name everything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's text without its comment lines.
fn code(path: &Path) -> String {
    fs::read_to_string(path)
        .expect("read a source file")
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The first segments of the paths in a `use` group's body (`{a::B, C, d::{E, F}}` → a, C, d),
/// from just after its `{`; nested groups are skipped.
fn group_heads(body: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let (mut depth, mut expecting) = (0usize, true);
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => expecting = true,
            c if expecting && depth == 0 && (c.is_alphabetic() || c == '_') => {
                heads.push(ident(&body[i..]));
                expecting = false;
            }
            _ => {}
        }
    }
    heads
}

/// The first segment of every path a text names after `prefix` (`crate::`), groups included.
fn heads_after<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut heads = Vec::new();
    for (i, _) in text.match_indices(prefix) {
        let rest = &text[i + prefix.len()..];
        if let Some(body) = rest.strip_prefix('{') {
            heads.extend(group_heads(body));
        } else if !ident(rest).is_empty() {
            heads.push(ident(rest));
        }
    }
    heads
}

/// The names each module declares public, to resolve the crate root's glob re-exports.
fn public_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for kind in ["struct", "enum", "trait", "type", "fn", "const", "static"] {
        for (i, _) in text.match_indices(&format!("pub {kind} ")) {
            names.insert(ident(&text[i + kind.len() + 5..]).to_string());
        }
    }
    for (i, _) in text.match_indices("pub use ") {
        let statement = &text[i + "pub use ".len()..];
        let statement = &statement[..statement.find(';').unwrap_or(statement.len())];
        // The last segment of each path (`a::{B, c::D}` → B, D), or its `as` name.
        for piece in statement.split([',', '{', '}']).map(str::trim) {
            let name = piece.rsplit(" as ").next().unwrap_or(piece);
            let name = name.rsplit("::").next().unwrap_or(name);
            if !name.is_empty() && name == ident(name) && name != "self" {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// The module graph: each top-level module and the modules its code names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut modules: BTreeMap<String, String> = BTreeMap::new();
    for path in &all {
        let relative = path.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let name = first.as_os_str().to_string_lossy();
        let name = name.trim_end_matches(".rs").to_string();
        let text = modules.entry(name).or_default();
        text.push_str(&code(path));
        text.push('\n');
    }
    let root = modules.remove("lib").expect("lib.rs");
    modules.remove("private");
    // What the root re-exports, by name: `pub use module::{A, B}` and `pub use module::*`.
    let mut exported: BTreeMap<String, String> = BTreeMap::new();
    for (i, _) in root.match_indices("pub use ") {
        let statement = &root[i + "pub use ".len()..];
        let statement = &statement[..statement.find(';').expect("a `use` ends")];
        let module = ident(statement).to_string();
        let Some(text) = modules.get(&module) else {
            continue;
        };
        let rest = &statement[module.len()..];
        let names: Vec<String> = if rest == "::*" {
            public_names(text).into_iter().collect()
        } else if let Some(group) = rest.strip_prefix("::{") {
            group_heads(group).iter().map(|n| n.to_string()).collect()
        } else {
            rest.rsplit("::")
                .next()
                .map(str::to_string)
                .into_iter()
                .collect()
        };
        for name in names {
            exported.entry(name).or_insert_with(|| module.clone());
        }
    }
    modules
        .iter()
        .map(|(module, text)| {
            let targets = heads_after(text, "crate::")
                .into_iter()
                .filter_map(|head| {
                    if modules.contains_key(head) {
                        Some(head.to_string())
                    } else {
                        exported.get(head).cloned()
                    }
                })
                .filter(|target| target != module)
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

#[test]
fn no_module_cycles() {
    let graph = graph();
    // The graph is read, not empty: edges that the code certainly has.
    for (from, to) in [
        ("layers", "layer"),
        ("layers", "scalar"),
        ("train", "network"),
        ("linalg", "simd"),
        ("optimizers", "layer"),
    ] {
        assert!(
            graph[from].contains(to),
            "`{from}` names `{to}`: {:?}",
            graph[from]
        );
    }
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
fn group_heads_and_public_names_are_read() {
    assert_eq!(
        group_heads("a::B, C,\n d::{E, F}, G};"),
        ["a", "C", "d", "G"]
    );
    assert_eq!(
        heads_after("use crate::{x::Y, Z}; crate::w::V", "crate::"),
        ["x", "Z", "w"]
    );
    let names =
        public_names("pub struct A<T>; pub(crate) fn b() {} pub use c::{D, e::F}; pub use g::H;");
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["A", "D", "F", "H"]);
}
