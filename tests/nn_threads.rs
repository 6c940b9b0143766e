//! `NN_THREADS`: anything but a positive integer is refused by `Model`'s computations (and
//! ignored, with one warning, by those that return no `Result`), and a count above the cores
//! starts no more threads than there are cores. The variable is read once per process, so each
//! value is tried in a fresh run of this test binary (the ignored test below).

use nn::prelude::*;
use std::process::Command;

network! {
    /// Large enough that its first product is split across threads.
    pub struct Mlp = Dense<784, 128, Relu>, Dense<128, 10, Softmax>;
}

/// How the warning about an ignored `NN_THREADS` opens.
const WARNING: &str = "nn: NN_THREADS ignored";

#[test]
fn nn_threads_is_refused_unless_a_positive_integer_and_capped_at_the_cores() {
    for value in ["many", "0", "1000"] {
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = Command::new(exe)
            .args(["--exact", "with_nn_threads", "--ignored", "--nocapture"])
            .env("NN_THREADS", value)
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "NN_THREADS={value}:\n{stdout}\n{stderr}"
        );
        // The computations without a `Result` warn once, however often they run.
        let warnings = if value == "1000" { 0 } else { 1 };
        assert_eq!(stderr.matches(WARNING).count(), warnings, "{stderr}");
    }
}

#[test]
#[ignore = "run by the test above, with NN_THREADS set"]
fn with_nn_threads() {
    let value = std::env::var("NN_THREADS").expect("NN_THREADS is set");
    let x: Vec<f32> = (0..64 * 784).map(|i| (i % 7) as f32 / 7.0).collect();
    let y: Vec<f32> = (0..64).map(|i| (i % 10) as f32).collect();
    let data: Dataset<f32, 784, 1> = Dataset::from_slices(&x, &y).expect("consistent sizes");
    let fit = Fit {
        epochs: 1,
        batch_size: 32,
        verbose: Verbosity::Silent,
        ..Fit::default()
    };
    let model = || {
        Model::new(
            Mlp::seeded(1),
            Adam::default(),
            SparseCategoricalCrossentropy::default(),
        )
    };
    let mut default = model();
    let trained = default.fit(&data, &fit);
    if value == "1000" {
        trained.expect("a count above the cores trains");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // The main thread, this test's thread, and a worker per core beyond the caller's.
        #[cfg(target_os = "linux")]
        {
            let threads = std::fs::read_dir("/proc/self/task")
                .expect("the process's threads")
                .count();
            assert!(threads <= cores + 1, "{threads} threads on {cores} cores");
        }
        return;
    }
    let error = trained
        .expect_err("an invalid NN_THREADS is refused")
        .to_string();
    assert_eq!(
        error,
        format!(
            "invalid NN_THREADS: `{value}` is not a positive integer; set it to the number of \
             threads to use (1 to {}, the cores here), or unset it to use every core",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        )
    );
    assert!(default.evaluate(&data).is_err());
    assert!(default.predict(data.x()).is_err());
    // A count chosen for the model does not read the variable.
    let mut chosen = model().with_threads(2);
    chosen
        .fit(&data, &fit)
        .expect("with_threads overrides NN_THREADS");
    // Without a `Result`, every core, with the warning printed once.
    let one = chosen.network.predict_batch(data.x());
    let two = chosen.network.predict_batch(data.x());
    assert_eq!(one, two);
}
