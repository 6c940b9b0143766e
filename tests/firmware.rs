//! The firmware in `firmware/` on an emulated Cortex-M4F microcontroller: it is built for
//! `thumbv7em-none-eabihf` (no std, no heap), each program is booted in QEMU on the MPS2 AN386
//! board and what it prints over semihosting is compared with what the host computes, and the
//! size of every program is measured with `arm-none-eabi-size` and reported against the `empty`
//! baseline (and the sine model's `static` with `arm-none-eabi-nm`: its weights alone).
//!
//! It needs three things beyond the Rust toolchain: `qemu-system-arm`, `arm-none-eabi-size` and
//! `-nm` (GNU binutils for Arm) and Rust's library for the `thumbv7em-none-eabihf` target; CI
//! installs them with `bash .ci/embedded-setup` before the tests. Where one is missing the test
//! says so on stderr and passes without running, unless `NN_FIRMWARE=required`, which makes it
//! fail.
//!
//! The programs print one line per prediction, `<model> <index>` followed by the network's
//! outputs as f32 bit patterns in hex, and a closing `done` (see `firmware/src/lib.rs`).

use std::env;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nn::prelude::*;

mod common;

/// Cortex-M4F with its single-precision FPU.
const TARGET: &str = "thumbv7em-none-eabihf";
const QEMU: &str = "qemu-system-arm";
const SIZE: &str = "arm-none-eabi-size";
const NM: &str = "arm-none-eabi-nm";
/// QEMU's arguments before the program's path: the runner in `firmware/.cargo/config.toml`.
const QEMU_ARGS: [&str; 8] = [
    "-cpu",
    "cortex-m4",
    "-machine",
    "mps2-an386",
    "-nographic",
    "-semihosting-config",
    "enable=on,target=native",
    "-kernel",
];
/// A program still running after this is killed and the test fails: the programs take well under
/// a second, so this is a hang (a loop that never ends, or a fault no handler caught).
const TIMEOUT: Duration = Duration::from_secs(60);

/// One line of a program's output: the model's name, the index of the input, the outputs.
type Prediction = (String, usize, Vec<f32>);

#[test]
fn firmware_runs_on_a_cortex_m4f() {
    if !tools_present() {
        return;
    }
    build();

    let sizes: Vec<(String, Sizes)> = bins()
        .into_iter()
        .map(|bin| (bin.clone(), size(&bin)))
        .collect();
    let baseline = sizes
        .iter()
        .find(|(bin, _)| bin == "empty")
        .map(|&(_, sizes)| sizes)
        .expect("the `empty` program was built");
    eprintln!("{}", size_table(&sizes, baseline));

    assert_eq!(run("empty"), []);

    let sine = sizes
        .iter()
        .find(|(bin, _)| bin == "sine")
        .expect("`sine` was built")
        .1;
    assert_within_budget("sine", sine, baseline, 8192, 1024);
    // A network built in holds its weights and nothing else (no training settings).
    assert_eq!(
        symbol_size("sine", "nn_firmware::models::SINE"),
        Sine::PARAMS * size_of::<f32>(),
        "the `SINE` static should be its weights alone"
    );

    let host = host_predictions();
    let sine_lines: Vec<Prediction> = host.iter().filter(|p| p.0 == "sine").cloned().collect();
    assert_predictions("sine", &run("sine"), &sine_lines, 1e-6);
    assert_predictions("demo", &run("demo"), &host, 1e-6);
    assert_predictions("layers", &run("layers"), &host_layers(), 1e-6);
    assert_predictions("mlperf", &run("mlperf"), &host_mlperf(), 1e-6);
    // int8: bit for bit.
    assert_predictions("int8", &run("int8"), &host_int8(), 0.0);
    assert_stacks(&run_stacks("stack"));
}

/// The networks `firmware/src/bin/stack.rs` measures, in its order.
const MEASURED: [&str; 18] = [
    "sine",
    "digits",
    "mixed",
    "blocks",
    "cnn",
    "zoo",
    "gap",
    "activations",
    "ad01",
    "resnet8",
    "kws",
    "ad01_int8",
    "resnet8_int8",
    "vww96_int8",
    "kws_int8",
    "str_ww_int8",
    "recurrent_step",
    "gated_step",
];

/// How far above the measure a small network's constant may be: the allowances for frames
/// (`nn::frame`: up to 256 B for a float convolution on the Cortex-M4) are most of a small
/// network's figure, and the compiler lays a network's frames out together.
const SLACK: usize = 320;

/// Prints each network's stack as measured on the microcontroller next to its
/// `PREDICT_STACK` (as the firmware computes it, for its target), and fails when they drift
/// apart: the constant must never be below what was used, and at most 10% above it, or
/// [`SLACK`] above it on small networks (the compiler's frames are not known to a constant;
/// see `nn::frame`).
fn assert_stacks(measured: &[(String, usize, usize)]) {
    let names: Vec<&str> = measured.iter().map(|(m, _, _)| m.as_str()).collect();
    assert_eq!(names, MEASURED, "`stack` measured other networks");
    eprintln!("network          measured   constant   over");
    for (model, bytes, constant) in measured {
        eprintln!(
            "{model:<14} {bytes:>10} {constant:>10} {:>6}",
            *constant as i64 - *bytes as i64
        );
    }
    for (model, bytes, constant) in measured {
        assert!(
            bytes <= constant && (*constant * 10 <= *bytes * 11 || *constant <= bytes + SLACK),
            "{model}: predict took {bytes} bytes of stack on the Cortex-M4, its PREDICT_STACK \
             is {constant}"
        );
    }
}

/// Runs `bin`, which prints `stack <model> <bytes> <constant>` lines and `done`.
fn run_stacks(bin: &str) -> Vec<(String, usize, usize)> {
    let stdout = run_raw(bin);
    let mut lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.pop(), Some("done"), "`{bin}` did not end with `done`");
    lines
        .into_iter()
        .map(|line| {
            let number = |text: &str| -> usize {
                text.parse()
                    .unwrap_or_else(|_| panic!("`{bin}` printed {line:?}"))
            };
            match line.split(' ').collect::<Vec<_>>()[..] {
                ["stack", model, bytes, constant] => {
                    (model.to_owned(), number(bytes), number(constant))
                }
                _ => panic!(
                    "`{bin}` printed a line other than `stack <model> <bytes> <constant>`: {line:?}"
                ),
            }
        })
        .collect()
}

network! {
    /// The firmware's sine model (`firmware/src/models.rs`), loaded at run time.
    pub struct Sine = Dense<1, 16, Relu>, Dense<16, 16, Relu>, Dense<16, 1>;

    /// The firmware's digits classifier, loaded at run time.
    pub struct Digits = Dense<64, 64, Relu>, Dropout<0.2>, Dense<64, 10, Softmax>;
}

include!("../firmware/models/inputs.rs");

network! {
    /// The networks of `firmware/src/bin/layers.rs`, loaded at run time from the same files:
    /// every kind of layer with weights,
    pub struct Mixed =
        Input<6, 6, 2>,
        Conv2D<3, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        PReLU,
        DepthwiseConv2D<(3, 3), Relu, padding = Same, depth_multiplier = 2>,
        SeparableConv2D<4, (2, 2), padding = Same, use_bias = false>,
        MaxPool2D<(2, 2)>,
        Flatten,
        Dense<_, 5, LeakyRelu, use_bias = false, trainable = false>,
        Dropout<0.25>,
        Dense<5, 3, Softmax, kernel_regularizer = L2(0.01)>;

    /// a residual block and a concatenation,
    pub struct Blocks = Input<6, 6, 2>, Conv2D<4, (3, 3), Relu, padding = Same>,
        Add<[Conv2D<4, (3, 3), Relu, padding = Same>, BatchNormalization], []>,
        Concatenate<[Conv2D<2, (1, 1), strides = (2, 2)>], [MaxPool2D<(2, 2)>]>,
        Flatten, Dense<_, 3, Softmax>;

    /// convolutions, batch normalization and both pools (Keras),
    pub struct Cnn =
        Input<10, 10, 2>,
        Conv2D<4, (3, 3), Relu, padding = Same>,
        BatchNormalization,
        MaxPool2D<(2, 2)>,
        Conv2D<6, (2, 3), Elu, strides = (1, 2)>,
        AvgPool2D<(2, 1)>,
        Flatten,
        Dense<_, 5, Softmax>;

    /// PReLU, a global max pool and the activation layers (Keras),
    pub struct Zoo =
        Input<6, 6, 3>,
        Conv2D<4, (3, 3), padding = Same>,
        PReLU,
        GlobalMaxPool2D,
        Dense<_, 6>,
        BatchNormalization<momentum = 0.9, epsilon = 0.01>,
        LeakyReLU<negative_slope = 0.1>,
        Dense<_, 4>,
        ELU<alpha = 0.5>,
        Activation<Tanh>;

    /// a global average pool (Keras),
    pub struct Gap = Input<5, 5, 2>, Conv2D<3, (2, 2)>, GlobalAvgPool2D, Dense<_, 2>;

    /// and every activation (Keras).
    pub struct Activations =
        Dense<5, 5, Linear>, Dense<5, 5, Relu>, Dense<5, 5, Relu6>, Dense<5, 5, LeakyRelu>,
        Dense<5, 5, Elu>, Dense<5, 5, Selu>, Dense<5, 5, Gelu>, Dense<5, 5, Softplus>,
        Dense<5, 5, Softsign>, Dense<5, 5, Mish>, Dense<5, 5, Exponential>,
        Dense<5, 5, Sigmoid>, Dense<5, 5, HardSigmoid>, Dense<5, 5, Silu>,
        Dense<5, 5, HardSilu>, Dense<5, 5, Tanh>, Dense<5, 5, LogSoftmax>,
        Dense<5, 5, Softmax>;
}

/// What `firmware/src/bin/layers.rs` prints, computed on the host from the same files.
fn host_layers() -> Vec<Prediction> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let keras = |name: &str| root.join("keras").join(name);
    let mixed: Mixed = nn::io::load_weights(root.join("embedded/mixed.safetensors")).unwrap();
    let blocks: Blocks = nn::io::load_weights(root.join("embedded/blocks.safetensors")).unwrap();
    let cnn = Cnn::load_keras(keras("cnn.keras")).unwrap();
    let zoo = Zoo::load_keras(keras("zoo.keras")).unwrap();
    let gap = Gap::load_keras(keras("gap.keras")).unwrap();
    let activations = Activations::load_keras(keras("activations.keras")).unwrap();
    let line = |model: &str, seed: u32, y: &[f32]| (model.to_owned(), seed as usize, y.to_vec());
    let mut lines = Vec::new();
    for seed in 0..3 {
        let y = mixed.predict(&SVector::from(sample::<72>(seed)));
        lines.push(line("mixed", seed, y.as_slice()));
        let y = blocks.predict(&SVector::from(sample::<72>(seed)));
        lines.push(line("blocks", seed, y.as_slice()));
        let y = cnn.predict(&SVector::from(sample::<200>(seed)));
        lines.push(line("cnn", seed, y.as_slice()));
        let y = zoo.predict(&SVector::from(sample::<108>(seed)));
        lines.push(line("zoo", seed, y.as_slice()));
        let y = gap.predict(&SVector::from(sample::<50>(seed)));
        lines.push(line("gap", seed, y.as_slice()));
        let y = activations.predict(&SVector::from(sample::<5>(seed)));
        lines.push(line("activations", seed, y.as_slice()));
    }
    lines
}

include!("../firmware/models/mlperf_tiny.rs");

ad01!(
    /// MLPerf Tiny's anomaly-detection model (`firmware/src/bin/mlperf.rs`), loaded at run time.
    #[int8]
    Ad01
);
pretrained_resnet!(
    /// MLPerf Tiny's ResNet-8, loaded at run time.
    #[int8]
    Resnet8
);
kws_ref_model!(
    /// MLPerf Tiny's keyword-spotting DS-CNN, loaded at run time.
    #[int8]
    Kws
);

vww_96!(
    /// MLPerf Tiny's visual wake words MobileNet, loaded at run time.
    #[int8]
    Vww96
);
str_ww_ref_model!(
    /// MLPerf Tiny's streaming wake word model, loaded at run time.
    #[int8]
    StreamingWakeWord
);

/// What `firmware/src/bin/int8.rs` prints, computed on the host from the same `.tflite` files
/// read at run time.
fn host_int8() -> Vec<Prediction> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mlperf_tiny");
    let ad01 = Int8::<Ad01>::load_tflite(root.join("ad01_int8.tflite")).unwrap();
    let resnet8 = Int8::<Resnet8>::load_tflite(root.join("pretrainedResnet_quant.tflite")).unwrap();
    let vww96 = Int8::<Vww96>::load_tflite(root.join("vww_96_int8.tflite")).unwrap();
    let kws = Int8::<Kws>::load_tflite(root.join("kws_ref_model.tflite")).unwrap();
    let str_ww =
        Int8::<StreamingWakeWord>::load_tflite(root.join("str_ww_ref_model.tflite")).unwrap();
    let line = |model: &str, seed: u32, y: &[i8]| {
        let y = y.iter().map(|&q| f32::from(q)).collect();
        (model.to_owned(), seed as usize, y)
    };
    let mut lines = Vec::new();
    for seed in 0..3 {
        lines.push(line("ad01", seed, &ad01.predict(&int8_sample(seed))));
        lines.push(line("resnet8", seed, &resnet8.predict(&int8_sample(seed))));
        lines.push(line("vww96", seed, &vww96.predict(&int8_sample(seed))));
        lines.push(line("kws", seed, &kws.predict(&int8_sample(seed))));
        lines.push(line("str_ww", seed, &str_ww.predict(&int8_sample(seed))));
    }
    lines
}

/// What `firmware/src/bin/mlperf.rs` prints, computed on the host from the same Keras files.
fn host_mlperf() -> Vec<Prediction> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mlperf_tiny");
    let ad01 = Ad01::load_keras(root.join("ad01.h5")).unwrap();
    let resnet8 = Resnet8::load_keras(root.join("pretrainedResnet.h5")).unwrap();
    let kws = Kws::load_keras(root.join("kws_ref_model.h5")).unwrap();
    let mut lines = Vec::new();
    for seed in 0..3 {
        let x = SVector::from(sample::<640>(seed).map(|v| 45.0 * v - 35.0));
        let y = ad01.predict(&x).as_slice().to_vec();
        lines.push(("ad01".to_owned(), seed as usize, y));
        let image = SVector::from(sample::<3072>(seed).map(|v| 127.5 * v + 127.5));
        let y = resnet8.predict(&image).as_slice().to_vec();
        lines.push(("resnet8".to_owned(), seed as usize, y));
        let mfcc = SVector::from(sample::<490>(seed).map(|v| 60.0 * v - 40.0));
        let y = kws.predict(&mfcc).as_slice().to_vec();
        lines.push(("kws".to_owned(), seed as usize, y));
    }
    lines
}

/// The digits network's standardization and test images, as the firmware has them (its `pub`
/// items are the firmware's API, unreachable from this test's crate).
#[allow(unreachable_pub)]
mod digits {
    include!("../firmware/models/digits.rs");
}

/// What `firmware/src/bin/demo.rs` prints, computed on the host from the same files, loaded at
/// run time: the sine model's outputs, then the digit probabilities of each image.
fn host_predictions() -> Vec<Prediction> {
    let models = firmware().join("models");
    let sine: Sine = nn::io::load_weights(models.join("sine.safetensors")).expect("sine loads");
    let digits_net: Digits =
        nn::io::load_weights(models.join("digits.safetensors")).expect("digits load");
    let mut lines = Vec::new();
    for (index, &x) in SINE_INPUTS.iter().enumerate() {
        let y = sine.predict(&SVector::<f32, 1>::new(x));
        lines.push(("sine".to_owned(), index, y.as_slice().to_vec()));
    }
    for (index, (pixels, digit)) in digits::IMAGES.iter().enumerate() {
        let x =
            SVector::<f32, 64>::from_fn(|i, _| (pixels[i] - digits::MEAN[i]) / digits::SCALE[i]);
        let probabilities = digits_net.predict(&x);
        // The classifier is right on these images (its test accuracy is about 0.97).
        assert_eq!(probabilities.argmax().0, *digit, "image {index}");
        lines.push((
            "digits".to_owned(),
            index,
            probabilities.as_slice().to_vec(),
        ));
    }
    lines
}

/// Whether the tools are there (see `common::tools_ready`).
fn tools_present() -> bool {
    let mut missing: Vec<String> = [QEMU, SIZE, NM]
        .into_iter()
        .filter(|tool| {
            !Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|out| out.status.success())
        })
        .map(|tool| format!("`{tool}`"))
        .collect();
    if !common::target_installed(&firmware(), TARGET) {
        missing.push(format!("Rust's `{TARGET}` target"));
    }
    common::tools_ready("firmware", "NN_FIRMWARE", ".ci/embedded-setup", &missing)
}

fn firmware() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware")
}

/// Where a release program lands.
fn binary(bin: &str) -> PathBuf {
    firmware()
        .join("target")
        .join(TARGET)
        .join("release")
        .join(bin)
}

/// The programs, by name: `firmware/src/bin/NAME.rs` or `firmware/src/bin/NAME/main.rs`.
fn bins() -> Vec<String> {
    let mut bins: Vec<String> = fs::read_dir(firmware().join("src/bin"))
        .expect("read firmware/src/bin")
        .map(|entry| entry.expect("read firmware/src/bin").path())
        .filter_map(|path| match path.extension() {
            Some(ext) if ext == "rs" => path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned()),
            None if path.join("main.rs").is_file() => path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    bins.sort();
    bins
}

/// Builds every program in release, as `cd firmware && cargo build --release` does.
fn build() {
    common::build_package(&firmware(), TARGET, &["--bins"]);
}

/// A program's sections in bytes, as `arm-none-eabi-size` reports them (Berkeley format).
#[derive(Clone, Copy, Debug)]
struct Sizes {
    /// Code, constants (`.rodata` is counted in Berkeley's text) and the vector table.
    text: u64,
    /// Initialized statics: their initial values in flash, copied to RAM at reset.
    data: u64,
    /// Zero-initialized statics, in RAM.
    bss: u64,
}

impl Sizes {
    /// Flash: text and data's initial values. The issue counts text and rodata; Berkeley's text
    /// already includes rodata.
    fn flash(self) -> u64 {
        self.text + self.data
    }

    /// Static RAM: data and bss. The stack comes on top, and is not measured here.
    fn ram(self) -> u64 {
        self.data + self.bss
    }
}

fn size(bin: &str) -> Sizes {
    let out = Command::new(SIZE)
        .arg(binary(bin))
        .output()
        .expect("run arm-none-eabi-size");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{SIZE} {bin} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "   text    data     bss     dec     hex filename", then one line of numbers.
    let numbers: Vec<u64> = report
        .lines()
        .nth(1)
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .filter_map(|field| field.parse().ok())
        .collect();
    let [text, data, bss] = numbers[..] else {
        panic!("unexpected output of {SIZE} for {bin}:\n{report}");
    };
    Sizes { text, data, bss }
}

/// The size in bytes of the symbol `name` (demangled) in `bin`, as `arm-none-eabi-nm` reports it.
fn symbol_size(bin: &str, name: &str) -> usize {
    let out = Command::new(NM)
        .args(["--print-size", "--demangle"])
        .arg(binary(bin))
        .output()
        .expect("run arm-none-eabi-nm");
    assert!(
        out.status.success(),
        "{NM} {bin} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "address size type name", sizes in hex.
    let report = String::from_utf8_lossy(&out.stdout);
    report
        .lines()
        .find_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [_, size, _, symbol] if symbol == name => usize::from_str_radix(size, 16).ok(),
                _ => None,
            },
        )
        .unwrap_or_else(|| panic!("no symbol `{name}` with a size in `{bin}`:\n{report}"))
}

/// The sizes of every program, and what each adds to the baseline.
fn size_table(sizes: &[(String, Sizes)], baseline: Sizes) -> String {
    let mut table = format!(
        "firmware sizes in bytes (flash = text + data, RAM = data + bss, stack not included):\n\
         {:<12}{:>8}{:>8}{:>8}{:>8}{:>8}{:>10}{:>8}\n",
        "bin", "text", "data", "bss", "flash", "RAM", "+flash", "+RAM"
    );
    for (bin, s) in sizes {
        table += &format!(
            "{bin:<12}{:>8}{:>8}{:>8}{:>8}{:>8}{:>10}{:>8}\n",
            s.text,
            s.data,
            s.bss,
            s.flash(),
            s.ram(),
            s.flash() as i64 - baseline.flash() as i64,
            s.ram() as i64 - baseline.ram() as i64,
        );
    }
    table
}

/// Fails unless `bin` uses at most `flash` bytes of flash and `ram` bytes of static RAM more than
/// the `empty` program.
fn assert_within_budget(bin: &str, sizes: Sizes, baseline: Sizes, flash: u64, ram: u64) {
    let (more_flash, more_ram) = (
        sizes.flash().saturating_sub(baseline.flash()),
        sizes.ram().saturating_sub(baseline.ram()),
    );
    assert!(
        more_flash <= flash && more_ram <= ram,
        "`{bin}` uses {more_flash} bytes of flash and {more_ram} of RAM over `empty`; \
         the budget is {flash} and {ram}"
    );
}

/// Runs `bin` in QEMU, checks that it exits with success and ends its output with `done`, and
/// returns its predictions.
fn run(bin: &str) -> Vec<Prediction> {
    parse(bin, &run_raw(bin))
}

/// Boots `bin` in QEMU and returns what it printed; fails unless it exits with success in
/// time.
fn run_raw(bin: &str) -> String {
    let mut qemu = Command::new(QEMU)
        .args(QEMU_ARGS)
        .arg(binary(bin))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start qemu-system-arm");
    // Read on threads, so that a program that prints a lot cannot stall on a full pipe.
    let stdout = read_all(qemu.stdout.take().expect("piped stdout"));
    let stderr = read_all(qemu.stderr.take().expect("piped stderr"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = qemu.try_wait().expect("wait for qemu-system-arm") {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = qemu.kill();
            let _ = qemu.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    let Some(status) = status else {
        panic!(
            "`{bin}` still running after {TIMEOUT:?}: killed\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
    };
    assert!(
        status.success(),
        "`{bin}` failed under QEMU ({status})\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

fn read_all(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Reads the protocol: prediction lines, then `done` as the last line.
fn parse(bin: &str, stdout: &str) -> Vec<Prediction> {
    let mut lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.pop(),
        Some("done"),
        "`{bin}` did not end with `done`; its output:\n{stdout}"
    );
    lines
        .into_iter()
        .map(|line| {
            let malformed = || {
                format!("`{bin}` printed a line that is not `<model> <index> <hex>...`: {line:?}")
            };
            let mut fields = line.split(' ');
            let model = fields
                .next()
                .filter(|model| !model.is_empty())
                .unwrap_or_else(|| panic!("{}", malformed()));
            let index = fields
                .next()
                .and_then(|index| index.parse().ok())
                .unwrap_or_else(|| panic!("{}", malformed()));
            let outputs = fields
                .map(|hex| {
                    Some(hex)
                        .filter(|hex| hex.len() == 8)
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                        .map(f32::from_bits)
                        .unwrap_or_else(|| panic!("{}", malformed()))
                })
                .collect();
            (model.to_owned(), index, outputs)
        })
        .collect()
}

/// Fails unless `got` has the lines of `want` in the same order, each output within `tolerance`
/// of the host's, relative to it (0 asks for equal values).
fn assert_predictions(bin: &str, got: &[Prediction], want: &[Prediction], tolerance: f32) {
    let keys = |lines: &[Prediction]| {
        lines
            .iter()
            .map(|(model, index, _)| (model.clone(), *index))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(got),
        keys(want),
        "`{bin}` printed other lines than expected"
    );
    for ((model, index, got), (_, _, want)) in got.iter().zip(want) {
        let close = got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| (g - w).abs() <= tolerance * w.abs());
        assert!(
            close,
            "`{bin}`: {model} {index} gives {got:?} on the microcontroller, \
             {want:?} on the host (tolerance {tolerance})"
        );
    }
}
