"""Keras on JAX predicting batches with the network of `benches/inference.rs`, for comparison on
the same machine.

32-64(relu)-10(softmax) on 1024 samples per call, as `cargo bench --bench inference -- batch`
runs it, and 784-128(relu)-10(softmax), the training benchmark's network. The forward pass is
compiled once with `jax.jit` over Keras's stateless call (the fastest way Keras offers to run a
model on JAX: `model.predict` adds its own batching and callbacks on top). With `1` as the
argument (the default) the process is pinned to one core and XLA's thread pools are off; with `2`
XLA may use two threads. Prints the best and median time per call over repeated calls.

Not part of the test suite. Set up once, then run:

    pip install "jax[cpu]" keras
    python3 benches/keras_inference.py 1
    python3 benches/keras_inference.py 2

Run it next to `NN_THREADS=1 cargo bench --bench inference -- batch` (or alternate the two) so
both see the same phase of a shared host.
"""

import os
import statistics
import sys
import time

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
os.environ.setdefault("KERAS_BACKEND", "jax")
if THREADS == 1:
    os.environ.setdefault(
        "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

N = 1024


def measure(name: str, sizes: list[int]) -> None:
    layers = [keras.Input((sizes[0],))]
    for units in sizes[1:-1]:
        layers.append(keras.layers.Dense(units, activation="relu"))
    layers.append(keras.layers.Dense(sizes[-1], activation="softmax"))
    model = keras.Sequential(layers)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (N, sizes[0])).astype("float32")
    trainable = [v.value for v in model.trainable_variables]
    others = [v.value for v in model.non_trainable_variables]

    @jax.jit
    def forward(trainable, others, x):
        y, _ = model.stateless_call(trainable, others, x)
        return y

    forward(trainable, others, x).block_until_ready()  # compiles
    times = []
    for _ in range(2000 if sizes[0] < 100 else 200):
        start = time.perf_counter()
        forward(trainable, others, x).block_until_ready()
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(
        f"Keras {keras.__version__} on JAX {jax.__version__}, {THREADS} thread(s), {name}, "
        f"{N} samples: best {best * 1e6:.1f} us ({N / best / 1e6:.2f} M samples/s), "
        f"median {median * 1e6:.1f} us ({N / median / 1e6:.2f} M samples/s)"
    )


measure("32-64-10", [32, 64, 10])
measure("784-128-10", [784, 128, 10])
