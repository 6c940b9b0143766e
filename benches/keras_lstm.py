"""Keras on JAX training the LSTM of `benches/lstm.rs` (the Fashion-MNIST LSTM example), on this machine.

28 steps of 28 values → LSTM 64 → Dropout 0.2 → Dense 10 softmax, Adam with Keras's defaults,
sparse categorical cross-entropy, batch 64, on synthetic images (pixels uniform in [0, 1), random
labels), the same workload as the Rust benchmark. It trains on one
core (pinned, with XLA's own thread pools off) and then on every core the process may use, and
prints the median and best throughput over the epochs after a warm-up epoch that compiles the step.

Not part of the test suite. Set up once, then run (about a minute):

    pip install "jax[cpu]" keras
    python3 benches/keras_lstm.py          # one core, then all
    python3 benches/keras_lstm.py 1        # one core only

Run it next to `cargo bench --bench lstm` (or alternate the two) so both see the same phase of a
shared host. Each setting runs in its own process, since XLA reads its thread settings once.
"""

import os
import statistics
import subprocess
import sys
import time

STEPS = 100
EPOCHS = 5
BATCH = 64


def measure(cores: str) -> None:
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if cores == "1":
        os.environ["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    n = BATCH * STEPS
    x = rng.random((n, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.LSTM(64),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # compiles the step
    rates = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        rates.append(n / (time.perf_counter() - start))
    where = "1 core" if cores == "1" else f"{len(os.sched_getaffinity(0))} cores"
    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}, Fashion-MNIST LSTM, batch {BATCH}, "
        f"{where}: {statistics.median(rates) / 1e3:.2f} k samples/s (median of {EPOCHS} epochs "
        f"of {STEPS} steps; best {max(rates) / 1e3:.2f} k)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        measure(sys.argv[2])
    else:
        for cores in sys.argv[1:] or ["1", "all"]:
            subprocess.run([sys.executable, __file__, "--child", cores], check=True)
