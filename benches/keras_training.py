"""Keras on JAX training the network of `benches/training.rs`, for comparison on the same machine.

784-128(relu)-10(softmax), Adam with Keras's defaults, sparse categorical cross-entropy, on
synthetic MNIST-like data (80% zero pixels, the rest uniform in [0, 1), random labels), pinned to
one core with XLA's own thread pools off. Epochs are 640 steps long so Keras's per-epoch overhead
weighs little (the Rust benchmark's epochs are 64 steps, overhead included). Prints the median
and best throughput over the epochs after a warm-up epoch that compiles the step.

Not part of the test suite. Set up once, then run (each batch size takes well under a minute):

    pip install "jax[cpu]" keras
    python3 benches/keras_training.py          # batch 32 and 128
    python3 benches/keras_training.py 32       # one batch size

Run it next to `cargo bench --bench training` (or alternate the two) so both see the same phase of a
shared host.
"""

import os
import statistics
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import keras  # noqa: E402
import numpy as np  # noqa: E402

STEPS = 640
EPOCHS = 8


def measure(batch: int) -> None:
    rng = np.random.default_rng(0)
    n = batch * STEPS
    x = np.where(rng.random((n, 784)) < 0.8, 0.0, rng.random((n, 784))).astype("float32")
    y = rng.integers(0, 10, n)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # compiles the step
    rates = []
    for _ in range(EPOCHS):
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        rates.append(n / (time.perf_counter() - start))
    print(
        f"Keras {keras.__version__} on {keras.backend.backend()}, batch {batch}: "
        f"{statistics.median(rates) / 1e3:.1f} k samples/s (median of {EPOCHS} epochs of "
        f"{STEPS} steps; best {max(rates) / 1e3:.1f} k)"
    )


if __name__ == "__main__":
    for batch in [int(a) for a in sys.argv[1:]] or [32, 128]:
        measure(batch)
