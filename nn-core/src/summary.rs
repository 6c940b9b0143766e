//! Keras's `summary()` table.

use core::fmt;

use crate::{Float, Network, Params, Visitor};

/// A network's summary, displayed as Keras displays it:
///
/// ```text
/// Model: "Classifier"
/// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┓
/// ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃
/// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━┩
/// │ dense (Dense)                        │ (None, 64)                  │           2,112 │
/// ...
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    name: &'static str,
    rows: Vec<(String, String, usize)>,
    trainable: usize,
    non_trainable: usize,
    bytes_per_param: usize,
}

impl Summary {
    /// The summary of `net`.
    pub fn of<T: Float, N: Network<T>>(net: &N) -> Self {
        let mut counts = Counts::default();
        N::visit([net], &mut counts);
        let rows = N::LAYERS
            .iter()
            .zip(&counts.layers)
            .map(|(layer, &params)| {
                let shape: Vec<String> = layer.output.iter().map(ToString::to_string).collect();
                (
                    format!("{} ({})", layer.name, layer.kind),
                    format!("(None, {})", shape.join(", ")),
                    params,
                )
            })
            .collect();
        let Counts {
            trainable,
            non_trainable,
            ..
        } = counts;
        Self {
            name: N::NAME,
            rows,
            trainable,
            non_trainable,
            bytes_per_param: core::mem::size_of::<T>(),
        }
    }

    /// The total number of parameters.
    pub fn total(&self) -> usize {
        self.trainable + self.non_trainable
    }

    fn size(&self, params: usize) -> String {
        let mut size = (params * self.bytes_per_param) as f64;
        let mut unit = 0;
        let units = ["B", "KB", "MB", "GB", "TB"];
        while size >= 1024.0 && unit + 1 < units.len() {
            size /= 1024.0;
            unit += 1;
        }
        format!(
            "{params_text} ({size:.2} {})",
            units[unit],
            params_text = thousands(params)
        )
    }
}

/// Each layer's parameter count, and the trainable and non-trainable totals.
#[derive(Default)]
struct Counts {
    layers: Vec<usize>,
    trainable: usize,
    non_trainable: usize,
}

impl<'a, T: Float> Visitor<'a, T, 1> for Counts {
    fn layer<L: Params<T>>(&mut self, _name: &'static str, [layer]: [&'a L; 1]) {
        self.layers.push(L::PARAMS);
        for p in layer.params() {
            if p.trainable {
                self.trainable += p.values.len();
            } else {
                self.non_trainable += p.values.len();
            }
        }
    }
}

/// `50240` → `50,240`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const WIDTHS: [usize; 3] = [38, 29, 17];

/// Splits `text` at spaces into lines of at most `width` characters (a longer word stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

fn line(f: &mut fmt::Formatter<'_>, [left, fill, middle, right]: [&str; 4]) -> fmt::Result {
    let cells: Vec<String> = WIDTHS.iter().map(|&w| fill.repeat(w)).collect();
    writeln!(f, "{left}{}{right}", cells.join(middle))
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Model: \"{}\"", self.name)?;
        line(f, ["┏", "━", "┳", "┓"])?;
        writeln!(
            f,
            "┃ {:<36} ┃ {:<27} ┃ {:>15} ┃",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        line(f, ["┡", "━", "╇", "┩"])?;
        for (i, (layer, shape, params)) in self.rows.iter().enumerate() {
            if i > 0 {
                line(f, ["├", "─", "┼", "┤"])?;
            }
            let lines = wrap(layer, 36);
            writeln!(
                f,
                "│ {:<36} │ {shape:<27} │ {:>15} │",
                lines[0],
                thousands(*params)
            )?;
            for line in &lines[1..] {
                writeln!(f, "│ {line:<36} │ {:<27} │ {:>15} │", "", "")?;
            }
        }
        line(f, ["└", "─", "┴", "┘"])?;
        writeln!(f, " Total params: {}", self.size(self.total()))?;
        writeln!(f, " Trainable params: {}", self.size(self.trainable))?;
        write!(
            f,
            " Non-trainable params: {}",
            self.size(self.non_trainable)
        )
    }
}
