#!/usr/bin/env python3
"""Sets our int8 quantization of the Fashion-MNIST examples beside TensorFlow Lite's.

    cargo run --release --example fashion_mnist       # writes $TMPDIR/fashion_mnist*.{safetensors,tflite}
    cargo run --release --example fashion_mnist_cnn   # writes $TMPDIR/fashion_mnist_cnn*.{...}
    /path/to/venv/bin/python tools/int8_fashion_tf.py

For each example whose files are there: our `.tflite` run on the 10,000 test images by
TensorFlow Lite's interpreter, with its reference kernels (`BUILTIN_REF`) and its default ones
(XNNPACK), giving the test accuracy; then the same trained float weights (the example's
`.safetensors`, in Keras's layout) put into the equivalent Keras model, converted by TensorFlow's
own `TFLiteConverter` (`Optimize.DEFAULT`, the same 1000 first training images as
representative data, `TFLITE_BUILTINS_INT8`, int8 input and output), and that model's float
and int8 test accuracy (reference kernels), its operators and its size. Pixels are scaled to
[0, 1] in float32 and quantized with the input's scale and zero point, as the examples do.
"""
import gzip
import json
import os
import struct
import tempfile

import numpy as np
import tensorflow as tf

DATA = "/usr/share/datasets/fashion-mnist"
TMP = tempfile.gettempdir()
L = tf.keras.layers
REF = tf.lite.experimental.OpResolverType.BUILTIN_REF


def images(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read()[16:], np.uint8).reshape(-1, 784).astype(np.float32) / 255


def labels(name):
    with gzip.open(os.path.join(DATA, name)) as f:
        return np.frombuffer(f.read()[8:], np.uint8)


def safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    header = json.loads(b[8 : 8 + n])
    out = {}
    for k, v in header.items():
        if k != "__metadata__":
            s, e = v["data_offsets"]
            out[k] = np.frombuffer(b[8 + n + s : 8 + n + e], np.float32).reshape(v["shape"])
    return out


def mlp(w):
    """`examples/fashion_mnist.rs`'s `Fashion`."""
    m = tf.keras.Sequential([
        L.Input((784,)), L.Dense(256, "relu"), L.Dropout(0.2),
        L.Dense(128, "relu"), L.Dropout(0.2), L.Dense(10, "softmax"),
    ])
    for layer, name in zip([m.layers[0], m.layers[2], m.layers[4]], ["dense", "dense_1", "dense_2"]):
        layer.set_weights([w[name + ".kernel"], w[name + ".bias"]])
    return m, (784,)


def cnn(w):
    """`examples/fashion/cnn.rs`'s `FashionCnn`."""
    m = tf.keras.Sequential([
        L.Input((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"), L.BatchNormalization(), L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.BatchNormalization(), L.MaxPooling2D(),
        L.Flatten(), L.Dropout(0.3), L.Dense(128, "relu"), L.Dropout(0.3), L.Dense(10, "softmax"),
    ])
    ls = m.layers
    ls[0].set_weights([w["conv2d.kernel"], w["conv2d.bias"]])
    ls[3].set_weights([w["conv2d_1.kernel"], w["conv2d_1.bias"]])
    for layer, n in [(ls[1], "batch_normalization"), (ls[4], "batch_normalization_1")]:
        layer.set_weights([w[n + ".gamma"], w[n + ".beta"], w[n + ".moving_mean"], w[n + ".moving_variance"]])
    ls[8].set_weights([w["dense.kernel"], w["dense.bias"]])
    ls[10].set_weights([w["dense_1.kernel"], w["dense_1.bias"]])
    return m, (28, 28, 1)


def accuracy(model, x, y, resolver=REF):
    kwargs = {} if resolver is None else {"experimental_op_resolver_type": resolver}
    it = tf.lite.Interpreter(model_content=model, **kwargs)
    it.allocate_tensors()
    (i,), (o,) = it.get_input_details(), it.get_output_details()
    scale, zero = i["quantization"]
    right = 0
    for k in range(len(x)):
        q = np.clip(np.round(x[k] / scale) + zero, -128, 127).astype(np.int8)
        it.set_tensor(i["index"], q.reshape(i["shape"]))
        it.invoke()
        right += int(np.argmax(it.get_tensor(o["index"]).reshape(-1)) == y[k])
    return right / len(x), [op["op_name"] for op in it._get_ops_details()]


def main():
    x, y = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    calibration = images("train-images-idx3-ubyte.gz")[:1000]
    for name, build in [("fashion_mnist", mlp), ("fashion_mnist_cnn", cnn)]:
        weights = os.path.join(TMP, name + ".safetensors")
        ours = os.path.join(TMP, name + "_int8.tflite")
        if not (os.path.exists(weights) and os.path.exists(ours)):
            print(f"{name}: run the example first ({weights}, {ours})")
            continue
        with open(ours, "rb") as f:
            ours = f.read()
        ref, _ = accuracy(ours, x, y)
        default, _ = accuracy(ours, x, y, None)
        print(f"{name}: our int8 file in TensorFlow Lite: {ref:.4f} (reference kernels), "
              f"{default:.4f} (default kernels); {len(ours)} bytes")
        model, shape = build(safetensors(weights))
        floats = np.argmax(model.predict(x.reshape((-1,) + shape), verbose=0), 1)
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: (
            [calibration[k].reshape((1,) + shape)] for k in range(len(calibration))
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        theirs = converter.convert()
        int8, ops = accuracy(theirs, x, y)
        print(f"{name}: TensorFlow's converter on the same weights: float "
              f"{np.mean(floats == y):.4f}, int8 {int8:.4f} (reference kernels); {len(theirs)} "
              f"bytes; {' '.join(ops)}")


if __name__ == "__main__":
    main()
