#!/usr/bin/env python3
"""Makes the float TensorFlow Lite files of `tests/fixtures/float_tflite` for
`tests/float_tflite.rs`, and records what TensorFlow Lite's reference kernels compute on them.

    /path/to/venv/bin/python tools/float_tflite.py

A seeded Keras model (`tests/float_tflite.rs` declares the same layers): Conv2D with ReLU and a
batch normalization after it (which the converter cannot fold: a `MUL` and an `ADD`), a
DepthwiseConv2D with a batch normalization folded into it and a ReLU layer fused into it, a
SeparableConv2D, a max pool, a Conv2D with ReLU6, a global average pool (`MEAN`), Dense with
ReLU, Dropout, Dense with softmax; every bias and batch normalization statistic random, so that
none is left out. Converted by `TFLiteConverter.from_keras_model` without optimizations (all
float32). `float_ops.json` holds three seeded inputs and the interpreter's outputs for them
(`BUILTIN_REF`), and the Keras model's own outputs. Three more with blocks, made and recorded
the same way (`residual`, `concatenated` and `dense_blocks` below): `float_add`,
`float_concat`, `float_dense_blocks`. `kws_ref_model_float32.json`: the same for MLPerf Tiny's
keyword spotter's float file (`../mlperf_tiny/kws_ref_model_float32.tflite`).
"""
import json
import os

import keras
import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "float_tflite")


def model():
    keras.utils.set_random_seed(7)
    layers = keras.layers
    inputs = keras.Input((12, 10, 2))
    x = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.DepthwiseConv2D(3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(8, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(8, (2, 1), activation="relu6")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dropout(0.3)(x)
    x = layers.Dense(5, activation="softmax")(x)
    return randomized(keras.Model(inputs, x), 7)


def randomized(m, seed):
    """`m` with every bias and batch normalization statistic random (seeded), so that none is
    left out."""
    layers = keras.layers
    rng = np.random.default_rng(seed)
    for layer in m.layers:
        weights = layer.get_weights()
        if isinstance(layer, layers.BatchNormalization):
            n = len(weights[0])
            layer.set_weights([
                rng.uniform(0.5, 1.5, n).astype("f4"),
                rng.uniform(-0.2, 0.2, n).astype("f4"),
                rng.uniform(-0.1, 0.1, n).astype("f4"),
                rng.uniform(0.5, 2.0, n).astype("f4"),
            ])
        elif weights:
            # Biases are zero when made: random ones, so that the converter keeps them.
            layer.set_weights(weights[:-1] + [rng.uniform(-0.1, 0.1, weights[-1].shape).astype("f4")])
    return m


def residual():
    """A ResNet-style network: an identity block (two convolutions, a batch normalization folded
    into the second, the sum through a ReLU) and a projection block (a strided convolution and
    a batch normalization against a strided 1×1 convolution of the block's input)."""
    keras.utils.set_random_seed(8)
    layers = keras.layers
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    y = layers.Conv2D(4, 3, padding="same", activation="relu")(x)
    y = layers.Conv2D(4, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    x = layers.Add()([y, x])
    x = layers.Activation("relu")(x)
    y = layers.Conv2D(8, 3, strides=2, padding="same")(x)
    y = layers.BatchNormalization()(y)
    s = layers.Conv2D(8, 1, strides=2)(x)
    x = layers.Add()([y, s])
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(3, activation="softmax")(x)
    return randomized(keras.Model(inputs, x), 8)


def concatenated():
    """Channels side by side: a 3×3 convolution beside a residual block (a block within a
    block's branch), then a depthwise convolution beside the block's input itself."""
    keras.utils.set_random_seed(9)
    layers = keras.layers
    inputs = keras.Input((6, 6, 3))
    x = layers.Conv2D(4, 1, activation="relu")(inputs)
    a = layers.Conv2D(3, 3, padding="same", activation="relu")(x)
    b = layers.Conv2D(4, 3, padding="same")(x)
    b = layers.BatchNormalization()(b)
    b = layers.Add()([b, x])
    x = layers.Concatenate()([a, b])
    a = layers.DepthwiseConv2D(3, padding="same", activation="relu6")(x)
    x = layers.Concatenate()([a, x])
    x = layers.Conv2D(5, 1, activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(2)(x)
    return randomized(keras.Model(inputs, x), 9)


def dense_blocks():
    """Blocks of dense layers: a concatenation of one dense layer beside two, and a residual
    block around a dense layer."""
    keras.utils.set_random_seed(10)
    layers = keras.layers
    inputs = keras.Input((6,))
    x = layers.Dense(8, activation="relu")(inputs)
    a = layers.Dense(4, activation="relu")(x)
    b = layers.Dense(5, activation="tanh")(x)
    b = layers.Dense(3)(b)
    x = layers.Concatenate()([a, b])
    y = layers.Dense(7, activation="tanh")(x)
    x = layers.Add()([y, x])
    x = layers.Dense(3, activation="softmax")(x)
    return randomized(keras.Model(inputs, x), 10)


def convert(m, name, shape, seed=1):
    """Converts `m` into `name.tflite` and records three seeded inputs of `shape`, the
    reference kernels' outputs for them, and the Keras model's, in `name.json`."""
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".tflite")
    with open(path, "wb") as f:
        f.write(tf.lite.TFLiteConverter.from_keras_model(m).convert())
    it = tf.lite.Interpreter(
        model_path=path,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
    )
    it.allocate_tensors()
    print(name + ":", " ".join(op["op_name"] for op in it._get_ops_details()))
    rng = np.random.default_rng(seed)
    inputs, outputs, keras_outputs = [], [], []
    for _ in range(3):
        x = rng.normal(size=(1,) + shape).astype("f4")
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        inputs.append([float(v) for v in x.ravel()])
        outputs.append([float(v) for v in it.get_tensor(it.get_output_details()[0]["index"]).ravel()])
        keras_outputs.append([float(v) for v in m.predict(x, verbose=0).ravel()])
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({
            "interpreter": "tf.lite BUILTIN_REF, TensorFlow " + tf.__version__,
            "inputs": inputs,
            "outputs": outputs,
            "keras": keras_outputs,
        }, f)


def main():
    convert(model(), "float_ops", (12, 10, 2))
    convert(residual(), "float_add", (8, 8, 3))
    convert(concatenated(), "float_concat", (6, 6, 3))
    convert(dense_blocks(), "float_dense_blocks", (6,))


def dequantized(path):
    """The file at `path` with every int8 weight tensor turned into the float32 values it stands
    for (`scale · (q − zero_point)`, per tensor or along its quantized axis): a pure float
    model, which the interpreter runs with float kernels rather than hybrid ones."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as fb

    raw = open(path, "rb").read()
    model = fb.ModelT.InitFromObj(fb.Model.GetRootAsModel(raw, 0))
    for t in model.subgraphs[0].tensors:
        data = model.buffers[t.buffer].data
        if t.type != fb.TensorType.INT8 or t.quantization is None or data is None or len(data) == 0:
            continue
        q = np.frombuffer(bytes(data), dtype=np.int8).astype(np.float32).reshape(t.shape)
        scale = np.array(t.quantization.scale, dtype=np.float32)
        zero = np.array(t.quantization.zeroPoint, dtype=np.float32)
        axis = [1] * len(t.shape)
        axis[t.quantization.quantizedDimension] = -1
        if len(scale) == 1:
            f = (q - zero[0]) * scale[0]
        else:
            f = (q - zero.reshape(axis)) * scale.reshape(axis)
        model.buffers[t.buffer].data = np.frombuffer(f.astype("<f4").tobytes(), dtype=np.uint8)
        t.type = fb.TensorType.FLOAT32
        t.quantization = None
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def kws():
    """MLPerf Tiny's keyword spotter's float file (its convolutions' weights int8 with scales,
    which the interpreter runs as hybrid kernels, quantizing the activations too): three seeded
    inputs, its outputs, and the outputs of the same file with those weights dequantized (pure
    float kernels: what a float network computes from the weights the file stands for)."""
    path = os.path.join(OUT, "..", "mlperf_tiny", "kws_ref_model_float32.tflite")
    runs = {}
    for name, content in [("outputs", open(path, "rb").read()), ("dequantized", dequantized(path))]:
        it = tf.lite.Interpreter(
            model_content=content,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        )
        it.allocate_tensors()
        rng = np.random.default_rng(2)
        inputs, outputs = [], []
        for _ in range(3):
            x = rng.uniform(-60.0, 20.0, size=(1, 49, 10, 1)).astype("f4")
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            inputs.append([float(v) for v in x.ravel()])
            outputs.append([float(v) for v in it.get_tensor(it.get_output_details()[0]["index"]).ravel()])
        runs["inputs"] = inputs
        runs[name] = outputs
    with open(os.path.join(OUT, "kws_ref_model_float32.json"), "w") as f:
        json.dump({"interpreter": "tf.lite BUILTIN_REF, TensorFlow " + tf.__version__, **runs}, f)


if __name__ == "__main__":
    main()
    kws()
