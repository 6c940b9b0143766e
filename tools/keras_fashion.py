"""Trains the Keras model that `examples/keras_import.rs` loads: a small MLP on Fashion-MNIST,
made the way a Keras user would make it, so the example shows `nn` reading a real user's file.

    apt-get install -y dataset-fashion-mnist
    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras==3.15.1 'jax[cpu]' h5py
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/keras_fashion.py

It writes two files, both committed so the example needs no Python:

* `examples/models/fashion_mlp.keras` (`model.save`, about 220 kB): `Input((784,))`,
  `Dense(64, relu)`, `Dropout(0.2)`, `Dense(10, softmax)`, layer names left at Keras's defaults
  (`dense`, `dropout`, `dense_1`), trained with Adam 1e-3 and sparse categorical cross-entropy,
  batch 64, 8 epochs, seed 1. It is saved uncompiled (no optimizer state), as an inference file.
* `examples/models/fashion_mlp.json`: `{"keras": version, "test_accuracy": accuracy,
  "first_test_probabilities": [10 floats]}`, Keras's accuracy on the 10,000 test images and its
  output for test image 0. The Rust example loads the `.keras` file, evaluates it on the same
  test set and must reach the same accuracy (and the same probabilities for image 0).

Pixels are scaled to [0, 1] by dividing by 255 in float32, flattened row-major 28x28, exactly as
`examples/fashion/mod.rs` does, so both sides see bit-identical inputs.
"""

import gzip
import json
import os

import numpy as np

DATA = "/usr/share/datasets/fashion-mnist"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "examples", "models")


def read_idx(name):
    """One gzipped IDX file as a uint8 array of its stated shape."""
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{name}: not an unsigned-byte IDX file")
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    start = 4 + 4 * rank
    return np.frombuffer(data, dtype=np.uint8, offset=start).reshape(dims)


def split(images, labels):
    x = read_idx(images)
    y = read_idx(labels)
    if x.shape[1:] != (28, 28) or len(x) != len(y):
        raise ValueError(f"images {x.shape} and labels {y.shape} do not match")
    x = x.reshape(len(x), 784).astype(np.float32) / np.float32(255)
    return x, y.astype(np.int64)


def main():
    if not os.path.exists(os.path.join(DATA, "train-images-idx3-ubyte.gz")):
        raise SystemExit(
            "Fashion-MNIST is not installed: run `apt-get install -y dataset-fashion-mnist` "
            f"(it installs into {DATA})."
        )

    import keras
    from keras import layers

    keras.utils.set_random_seed(1)
    x_train, y_train = split("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
    x_test, y_test = split("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

    model = keras.Sequential(
        [
            keras.Input((784,)),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=64, epochs=8, verbose=2)

    probabilities = np.asarray(model.predict(x_test, batch_size=1000, verbose=0), dtype=np.float32)
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == y_test))
    print(f"test accuracy {accuracy:.4f}")

    # `model.save` of the trained model would also store Adam's two moment estimates per weight,
    # tripling the file (634 kB). An inference-only copy, uncompiled, with the same config (so the
    # same default layer names) and weights, keeps it at about 220 kB.
    inference = keras.Sequential.from_config(model.get_config())
    inference.set_weights(model.get_weights())
    check = np.asarray(inference.predict(x_test, batch_size=1000, verbose=0), dtype=np.float32)
    if not np.array_equal(check, probabilities):
        raise SystemExit("the inference copy does not reproduce the trained model")

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "fashion_mlp.keras")
    inference.save(path)
    with open(os.path.join(OUT, "fashion_mlp.json"), "w") as f:
        json.dump(
            {
                "keras": keras.__version__,
                "test_accuracy": accuracy,
                "first_test_probabilities": probabilities[0].tolist(),
            },
            f,
            indent=2,
        )
        f.write("\n")
    size = os.path.getsize(path)
    print(f"wrote {os.path.relpath(path, ROOT)} ({size} bytes) and fashion_mlp.json")


if __name__ == "__main__":
    main()
