//! Keras's `summary()` table.

use core::fmt;

use crate::{Float, Network, Params, Visitor};

/// A network's summary, displayed as Keras displays it, with each layer's parameters in bytes
/// and its memory in `predict` beside:
///
/// ```text
/// Model: "Classifier"
/// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━┓
/// ┃ Layer (type)                         ┃ Output Shape                ┃         Param # ┃ Param size ┃     Memory ┃
/// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━┩
/// │ dense (Dense)                        │ (None, 64)                  │           2,112 │    8.25 KB │   256.00 B │
/// ├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
/// │ dropout (Dropout)                    │ (None, 64)                  │               0 │     0.00 B │     0.00 B │
/// ├──────────────────────────────────────┼─────────────────────────────┼─────────────────┼────────────┼────────────┤
/// │ dense_1 (Dense)                      │ (None, 10)                  │             650 │    2.54 KB │    40.00 B │
/// └──────────────────────────────────────┴─────────────────────────────┴─────────────────┴────────────┴────────────┘
///  Total params: 2,762 (10.79 KB)
///  Trainable params: 2,762 (10.79 KB)
///  Non-trainable params: 0 (0.00 B)
///  Predict memory: 656 bytes (656.00 B)
/// ```
///
/// A layer's memory is what `predict` keeps for it: its output and what it keeps besides
/// ([`Layer::SCRATCH`](crate::Layer::SCRATCH): a block its branches' outputs and buffers);
/// nothing for a layer `predict` skips, as `Dropout`. `predict`'s memory is the network's
/// `PREDICT_STACK`, not their sum: the layers' outputs take turns in two buffers as wide as the
/// widest, one layer keeps its scratch at a time, the output is returned, and the compiler's
/// frames take up to an allowance ([`Layer::FRAME`](crate::Layer::FRAME): 320 bytes for
/// these dense layers on a 64-bit processor, 80 on a Cortex-M). With `std` a network whose
/// widest activation has more than 16,384 values predicts through the heap instead.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    name: &'static str,
    rows: Vec<Row>,
    trainable: usize,
    non_trainable: usize,
    bytes_per_param: usize,
    predict_stack: usize,
}

/// One row of the table: a layer (a block is one).
#[derive(Clone, Debug, PartialEq)]
struct Row {
    layer: String,
    shape: String,
    params: usize,
    memory: usize,
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
                Row {
                    layer: format!("{} ({})", layer.name, layer.kind),
                    shape: format!("(None, {})", shape.join(", ")),
                    params,
                    memory: layer.memory,
                }
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
            predict_stack: N::PREDICT_STACK,
        }
    }

    /// The total number of parameters.
    pub fn total(&self) -> usize {
        self.trainable + self.non_trainable
    }

    /// `params` and their size: `2,112 (8.25 KB)`.
    fn size(&self, params: usize) -> String {
        format!(
            "{} ({})",
            thousands(params),
            bytes(params * self.bytes_per_param)
        )
    }
}

/// `8448` → `8.25 KB`, as Keras writes sizes.
fn bytes(bytes: usize) -> String {
    let mut size = bytes as f64;
    let mut unit = 0;
    let units = ["B", "KB", "MB", "GB", "TB"];
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.2} {}", units[unit])
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

const WIDTHS: [usize; 5] = [38, 29, 17, 12, 12];

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
            "┃ {:<36} ┃ {:<27} ┃ {:>15} ┃ {:>10} ┃ {:>10} ┃",
            "Layer (type)", "Output Shape", "Param #", "Param size", "Memory"
        )?;
        line(f, ["┡", "━", "╇", "┩"])?;
        for (i, row) in self.rows.iter().enumerate() {
            if i > 0 {
                line(f, ["├", "─", "┼", "┤"])?;
            }
            let lines = wrap(&row.layer, 36);
            writeln!(
                f,
                "│ {:<36} │ {:<27} │ {:>15} │ {:>10} │ {:>10} │",
                lines[0],
                row.shape,
                thousands(row.params),
                bytes(row.params * self.bytes_per_param),
                bytes(row.memory)
            )?;
            for line in &lines[1..] {
                writeln!(
                    f,
                    "│ {line:<36} │ {:<27} │ {:>15} │ {:>10} │ {:>10} │",
                    "", "", "", ""
                )?;
            }
        }
        line(f, ["└", "─", "┴", "┘"])?;
        writeln!(f, " Total params: {}", self.size(self.total()))?;
        writeln!(f, " Trainable params: {}", self.size(self.trainable))?;
        writeln!(
            f,
            " Non-trainable params: {}",
            self.size(self.non_trainable)
        )?;
        write!(
            f,
            " Predict memory: {} bytes ({})",
            thousands(self.predict_stack),
            bytes(self.predict_stack)
        )
    }
}
