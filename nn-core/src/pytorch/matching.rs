//! Which module of a state dict each declared layer reads (see the module documentation of
//! [`pytorch`](super)): by name or by position, scope by scope (a block's layers within the
//! block's module), a separable convolution two modules, the stacked layers of a recurrent
//! module one level each.

use std::collections::BTreeMap;

use super::{Declared, Tensors, split};

/// How a scope's layers were matched to its modules.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// By field name.
    Fields,
    /// By the order of the modules' numbers.
    Positions,
    /// Neither: no module has a declared layer's name, and not every module is named by
    /// numbers.
    Neither,
}

/// Where a layer's tensors are.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// Its modules: one, or a separable convolution's two (depthwise, pointwise).
    pub modules: Vec<String>,
    /// Which of a recurrent module's stacked layers it is (`_l0`, `_l1`, ..).
    pub level: usize,
}

/// The declaration's layers with parameters matched to the file's modules.
#[doc(hidden)]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matched {
    /// For each layer, its modules.
    pub claims: Vec<Option<Claim>>,
    /// For a layer without modules, why (`None` when its block's problem says it).
    pub why: Vec<Option<String>>,
    /// The modules no layer reads, in order, with how their scope was matched.
    pub extra: Vec<(String, Naming)>,
}

/// The stacked layers of each recurrent module: one more than the largest `N` of its
/// `weight_ih_lN` tensors.
#[doc(hidden)]
pub fn levels<'t>(tensors: &'t Tensors<'_>) -> BTreeMap<&'t str, usize> {
    let mut levels = BTreeMap::new();
    for name in tensors.keys() {
        let (module, tensor) = split(name);
        if let Some(level) = level_of(tensor) {
            let n = levels.entry(module).or_insert(1);
            *n = (*n).max(level + 1);
        }
    }
    levels
}

/// `N` of a recurrent tensor's `_lN` (`weight_ih_l1_reverse` is of level 1).
#[doc(hidden)]
pub fn level_of(tensor: &str) -> Option<usize> {
    let tensor = tensor.strip_suffix("_reverse").unwrap_or(tensor);
    let (head, level) = tensor.rsplit_once("_l")?;
    ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        .contains(&head)
        .then(|| level.parse().ok())
        .flatten()
}

/// A module's name as the order of `nn.Sequential`'s: numbers as numbers (`2` before `10`),
/// names after them, alphabetically.
fn order(name: &str) -> Vec<(bool, usize, &str)> {
    name.split('.')
        .map(|part| match part.parse() {
            Ok(n) => (false, n, ""),
            Err(_) => (true, 0, part),
        })
        .collect()
}

/// The names `name` starts with, shortest first, `name` itself last (`a`, `a.b`, `a.b.c`).
fn prefixes(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices('.')
        .map(|(at, _)| &name[..at])
        .chain(std::iter::once(name))
}

fn recurrent(class: &str) -> bool {
    matches!(class, "LSTM" | "GRU" | "SimpleRNN" | "Bidirectional")
}

fn separable(class: &str) -> bool {
    class.starts_with("Separable")
}

/// A layer of a scope, or a block of it (its layers).
struct Unit<'a> {
    key: &'a str,
    members: Vec<usize>,
    block: bool,
}

/// Matches `layers` (those with tensors, in the declaration's order) to the modules of
/// `tensors`.
#[doc(hidden)]
pub fn match_layers(layers: &[&Declared<'_>], tensors: &Tensors<'_>) -> Matched {
    let mut modules: Vec<&str> = tensors.keys().map(|n| split(n).0).collect();
    modules.sort_unstable();
    modules.dedup();
    let levels = levels(tensors);
    let mut scope = Scope {
        layers,
        levels: &levels,
        matched: Matched {
            claims: vec![None; layers.len()],
            why: vec![None; layers.len()],
            extra: Vec::new(),
        },
    };
    let all: Vec<usize> = (0..layers.len()).collect();
    scope.match_scope(&all, 0, "", &modules);
    scope.matched
}

struct Scope<'s, 'a> {
    layers: &'s [&'s Declared<'a>],
    levels: &'s BTreeMap<&'s str, usize>,
    matched: Matched,
}

impl Scope<'_, '_> {
    fn claim(&mut self, i: usize, modules: &[&str], level: usize) {
        self.matched.claims[i] = Some(Claim {
            modules: modules.iter().map(|m| (*m).to_string()).collect(),
            level,
        });
    }

    /// Matches the layers `members` (those in the blocks `depth` deep, each once), to the
    /// modules (full names) under `prefix` (`""`, or a block's module and a dot).
    fn match_scope(&mut self, members: &[usize], depth: usize, prefix: &str, modules: &[&str]) {
        let mut units: Vec<Unit<'_>> = Vec::new();
        for &i in members {
            let layer = self.layers[i];
            match layer.blocks.get(depth) {
                Some(&key) => match units.last_mut() {
                    Some(unit) if unit.block && unit.key == key => unit.members.push(i),
                    _ => units.push(Unit {
                        key,
                        members: vec![i],
                        block: true,
                    }),
                },
                None => units.push(Unit {
                    key: layer.field,
                    members: vec![i],
                    block: false,
                }),
            }
        }
        let rel = |m: &str| m[prefix.len()..].to_string();
        // A field names a module by the module's name in the scope (`conv1`), or by the
        // module's whole name or its name in the scope with `_` for `.` (`layer2_conv1`,
        // `downsample_0`).
        let names = |key: &str, p: &str| {
            key == p
                || key == p.replace('.', "_")
                || key == format!("{prefix}{p}").replace('.', "_")
        };
        let by_name = units.iter().any(|u| {
            modules
                .iter()
                .any(|m| prefixes(&rel(m)).any(|p| names(u.key, p)))
        });
        let numbered = !modules.is_empty()
            && modules.iter().all(|m| {
                rel(m)
                    .split('.')
                    .next()
                    .is_some_and(|c| c.parse::<usize>().is_ok())
            });
        let naming = if by_name || modules.is_empty() {
            Naming::Fields
        } else if numbered {
            Naming::Positions
        } else {
            Naming::Neither
        };
        let mut taken: Vec<&str> = Vec::new();
        let count = members.len();
        let listed = |m: &[&str]| {
            m.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // The recurrent module whose next stacked layer the next recurrent layer is.
        let mut stack: Option<(&str, usize, usize)> = None;
        let mut ordered: Vec<&str> = modules.to_vec();
        ordered.sort_by_key(|m| order(&m[prefix.len()..]));
        let mut cursor = 0;
        for unit in &units {
            let first = unit.members[0];
            let class = self.layers[first].class;
            let field = unit.key;
            if let (false, true, Some((module, next, total))) =
                (unit.block, recurrent(class), &mut stack)
            {
                let named = modules.iter().any(|m| names(field, &rel(m)));
                if *next < *total && !(naming == Naming::Fields && named) {
                    let module = *module;
                    self.claim(first, &[module], *next);
                    *next += 1;
                    continue;
                }
            }
            stack = None;
            match naming {
                Naming::Neither => {
                    self.matched.why[first] = Some(format!(
                        "no module `{prefix}{field}` in the file, whose modules ({}) are named \
                         neither by the declaration's fields nor by numbers (an \
                         `nn.Sequential`'s): name the declared layers after the PyTorch \
                         modules (`{}: ...`)",
                        listed(modules),
                        modules.first().map_or("name", |m| &m[prefix.len()..])
                    ));
                }
                Naming::Fields if unit.block => {
                    // The block's module: a name some modules are within.
                    let found = modules.iter().find_map(|m| {
                        let rel = rel(m);
                        prefixes(&rel)
                            .find(|p| p.len() < rel.len() && names(field, p))
                            .map(str::to_string)
                    });
                    match found {
                        Some(p) => {
                            let sub = format!("{prefix}{p}.");
                            let inner: Vec<&str> = modules
                                .iter()
                                .copied()
                                .filter(|m| m.starts_with(&sub))
                                .collect();
                            taken.extend(&inner);
                            self.match_scope(&unit.members, depth + 1, &sub, &inner);
                        }
                        None => {
                            self.matched.why[first] = Some(format!(
                                "the block has no module `{prefix}{field}` in the file (a \
                                 block is matched to the module of its name, its layers to \
                                 the modules within it)"
                            ));
                        }
                    }
                }
                Naming::Fields if separable(class) => {
                    let found = modules.iter().find_map(|m| {
                        let rel = rel(m);
                        prefixes(&rel)
                            .find(|p| p.len() < rel.len() && names(field, p))
                            .map(str::to_string)
                    });
                    let Some(p) = found else {
                        self.matched.why[first] = Some(format!(
                            "no module `{prefix}{field}` in the file (a separable convolution \
                             is matched to the module of its name, which holds its depthwise \
                             and its pointwise convolution)"
                        ));
                        continue;
                    };
                    let sub = format!("{prefix}{p}.");
                    let mut inner: Vec<&str> = ordered
                        .iter()
                        .copied()
                        .filter(|m| m.starts_with(&sub))
                        .collect();
                    taken.extend(&inner);
                    if inner.len() == 2 {
                        self.claim(first, &inner, 0);
                    } else {
                        inner.truncate(6);
                        self.matched.why[first] = Some(format!(
                            "module `{prefix}{p}` holds {} modules with tensors ({}); a \
                             separable convolution reads two: its depthwise convolution and \
                             its pointwise one",
                            ordered.iter().filter(|m| m.starts_with(&sub)).count(),
                            listed(&inner)
                        ));
                    }
                }
                Naming::Fields => {
                    if let Some(&module) = modules.iter().find(|m| names(field, &rel(m))) {
                        taken.push(module);
                        self.claim(first, &[module], 0);
                        stack = self
                            .levels
                            .get(module)
                            .filter(|&&n| n > 1)
                            .map(|&n| (module, 1, n));
                    } else {
                        self.matched.why[first] = Some(format!(
                            "no module `{prefix}{field}` in the file (layers are matched to \
                             modules by name when a module has a layer's name)"
                        ));
                    }
                }
                Naming::Positions => {
                    let left = || {
                        format!(
                            "no module left for it: the file has {} modules with tensors ({}) \
                             and the declaration {count} layers with parameters, matched in \
                             order",
                            modules.len(),
                            listed(&ordered)
                        )
                    };
                    if unit.block {
                        // The block is the modules of the next number.
                        let Some(next) = ordered.get(cursor) else {
                            self.matched.why[first] = Some(left());
                            continue;
                        };
                        let number = next[prefix.len()..].split('.').next().unwrap_or("");
                        let sub = format!("{prefix}{number}.");
                        let inner: Vec<&str> = ordered[cursor..]
                            .iter()
                            .copied()
                            .take_while(|m| m.starts_with(&sub))
                            .collect();
                        if inner.is_empty() {
                            // The next module is a layer's, not a block's: the block's number
                            // all the same.
                            cursor += 1;
                            self.matched.why[first] = Some(format!(
                                "the block is matched to module `{prefix}{number}`, which holds \
                                 no modules of its own (its tensors are a layer's)"
                            ));
                            continue;
                        }
                        cursor += inner.len();
                        self.match_scope(&unit.members, depth + 1, &sub, &inner);
                        continue;
                    }
                    let wanted = if separable(class) { 2 } else { 1 };
                    if cursor + wanted > ordered.len() {
                        self.matched.why[first] = Some(left());
                        cursor = ordered.len();
                        continue;
                    }
                    let claimed: Vec<&str> = ordered[cursor..cursor + wanted].to_vec();
                    cursor += wanted;
                    self.claim(first, &claimed, 0);
                    let module = claimed[0];
                    stack = self
                        .levels
                        .get(module)
                        .filter(|&&n| n > 1)
                        .map(|&n| (module, 1, n));
                }
            }
        }
        let extra: Vec<&str> = match naming {
            Naming::Positions => ordered[cursor.min(ordered.len())..].to_vec(),
            _ => ordered
                .iter()
                .copied()
                .filter(|m| !taken.contains(m))
                .collect(),
        };
        self.matched
            .extra
            .extend(extra.into_iter().map(|m| (m.to_string(), naming)));
    }
}
