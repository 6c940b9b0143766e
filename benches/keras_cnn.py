"""Keras on JAX training the CNN workload of `benches/cnn.rs` ("the peer CNN"), on this machine.

28×28×1 → Conv2D 32 3×3 relu → Flatten → Dense 128 relu → Dense 10 softmax, Adam with Keras's
defaults, sparse categorical cross-entropy, batch 32, on synthetic images (pixels uniform in
[0, 1), random labels), the same workload as the Rust benchmark's paired run. It trains on one
core (pinned, with XLA's own thread pools off) and then on every core the process may use, and
prints the median and best throughput over the epochs after a warm-up epoch that compiles the step.

Not part of the test suite. Set up once, then run (about a minute):

    pip install "jax[cpu]" keras
    python3 benches/keras_cnn.py           # one core, then all
    python3 benches/keras_cnn.py 1         # one core only

Run it next to `cargo bench --bench cnn` (or alternate the two) so both see the same phase of a
shared host. Each setting runs in its own process, since XLA reads its thread settings once.
"""

import os
import statistics
import subprocess
import sys
import time

STEPS = 200
EPOCHS = 5
BATCH = 32


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
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, (3, 3), activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(128, activation="relu"),
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
        f"Keras {keras.__version__} on {keras.backend.backend()}, peer CNN, batch {BATCH}, "
        f"{where}: {statistics.median(rates) / 1e3:.2f} k samples/s (median of {EPOCHS} epochs "
        f"of {STEPS} steps; best {max(rates) / 1e3:.2f} k)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        measure(sys.argv[2])
    else:
        for cores in sys.argv[1:] or ["1", "all"]:
            subprocess.run([sys.executable, __file__, "--child", cores], check=True)
