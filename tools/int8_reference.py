#!/usr/bin/env python3
"""Records what TensorFlow Lite's reference kernels (`BUILTIN_REF`) compute inside each int8
model, for `tests/int8_ops.rs` to check `nn::int8`'s kernels operator by operator.

    /path/to/venv/bin/python tools/int8_reference.py

It first makes `tests/fixtures/tflite/int8_ops.tflite` (TensorFlow's converter, full int8 with a
representative dataset, from a small seeded Keras model with what MLPerf Tiny's models lack:
strided SAME and dilated VALID convolutions, a strided depthwise convolution with a depth
multiplier of 2, a SAME max pooling with a (3, 2) window, a SAME average pooling whose windows
overhang the edges, an ADD of two branches of different scales, a Dense with ReLU) and lists its
operators; then `int8_bn.tflite` (batch normalizations after ReLUs, a MUL and an ADD each) and
`int8_mean.tflite` and `int8_mean_keep.tflite` (a GlobalAveragePooling2D, which the converter
writes as a MEAN over axes 1 and 2, without and with `keep_dims`); `int8_seq.tflite`,
`int8_seq_add.tflite` and `int8_gmax.tflite` (1-D layers, a residual block over a sequence,
global max and average pools; `int8_reference.py seq` makes and records only these). Then, for these, MLPerf
Tiny's five int8 models and TensorFlow Lite Micro's two, it runs the interpreter with
`experimental_preserve_all_tensors=True` on one seeded int8 input and keeps every activation
(the graph's inputs and every operator's int8 outputs), and the final outputs for four more
seeded inputs. Each model gets `<name>.tensors.bin` (the int8 values, concatenated) and
`<name>.tensors.json`, an index of it:

    {"interpreter": ..., "tensors": {"<tensor index>": [offset, length], ...},
     "inputs": [...], "outputs": [...],
     "more": [{"input": [offset, length], "output": [offset, length]}, ...]}
"""
import json
import os

import numpy as np
import tensorflow as tf

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
OPS = os.path.join(FIXTURES, "tflite", "int8_ops.tflite")
BN = os.path.join(FIXTURES, "tflite", "int8_bn.tflite")
MEAN = os.path.join(FIXTURES, "tflite", "int8_mean.tflite")
MEAN_KEEP = os.path.join(FIXTURES, "tflite", "int8_mean_keep.tflite")
MORE = os.path.join(FIXTURES, "tflite", "int8_more.tflite")
SEQ = os.path.join(FIXTURES, "tflite", "int8_seq.tflite")
SEQ_ADD = os.path.join(FIXTURES, "tflite", "int8_seq_add.tflite")
GMAX = os.path.join(FIXTURES, "tflite", "int8_gmax.tflite")
DW_ACTS = os.path.join(FIXTURES, "tflite", "int8_dw_acts.tflite")
ACTS = os.path.join(FIXTURES, "tflite", "int8_acts.tflite")
LSTM = os.path.join(FIXTURES, "tflite", "int8_lstm.tflite")
LSTM_SEQ = os.path.join(FIXTURES, "tflite", "int8_lstm_seq.tflite")
MODELS = [
    os.path.join(FIXTURES, "mlperf_tiny", name + ".tflite")
    for name in [
        "ad01_int8",
        "pretrainedResnet_quant",
        "vww_96_int8",
        "kws_ref_model",
        "str_ww_ref_model",
    ]
] + [OPS, BN] + [
    # TensorFlow Lite Micro's hello world and speech models, as MicroFlow ships them
    # (`../tests/fixtures/tflm/README.md`).
    os.path.join(FIXTURES, "tflm", name + ".tflite") for name in ["sine", "speech"]
]
# Fixtures added later, each with the seed it was recorded with (109 and on: after the models
# above, which take 100 to 108 in order).
LATER = [(MEAN, 109), (MEAN_KEEP, 110), (MORE, 109), (SEQ, 111), (SEQ_ADD, 112), (GMAX, 113),
         (ACTS, 111), (LSTM, 111), (LSTM_SEQ, 112), (DW_ACTS, 114)]


def convert_int8(model, rng, shape, path):
    """Writes `model` to `path` as TensorFlow's converter makes a full-int8 file (int8 input
    and output), calibrated on 64 inputs of `shape` drawn from `rng` (standard normal)."""

    def representative():
        for _ in range(64):
            yield [rng.normal(0.0, 1.0, size=(1, *shape)).astype(np.float32)]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with open(path, "wb") as f:
        f.write(converter.convert())


def make_int8_ops():
    k = tf.keras
    k.utils.set_random_seed(7)
    init = k.initializers.RandomNormal(stddev=0.2, seed=3)
    inp = k.Input((17, 15, 3), batch_size=1)
    # 17x15 -> 9x8: stride 2, SAME, ReLU6 fused.
    x = k.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu6",
                        bias_initializer=init)(inp)
    # 9x8 -> 5x4: a 3x3 kernel dilated by 2 (5x5), VALID.
    a = k.layers.Conv2D(12, 3, dilation_rate=2, padding="valid", bias_initializer=init)(x)
    # 9x8 -> 5x4, 6 -> 12 channels: depth multiplier 2, stride 2, SAME.
    b = k.layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same",
                                 bias_initializer=init)(x)
    # Two branches of different ranges, so different scales.
    y = k.layers.Add()([a, k.layers.Lambda(lambda t: 3.0 * t)(b)])
    # 5x4 -> 3x4: a (3, 2) window, strides (2, 1), SAME (pads top 1, right 1).
    y = k.layers.MaxPooling2D((3, 2), strides=(2, 1), padding="same")(y)
    # 3x4 -> 2x2: a 3x3 window, stride 2, SAME: windows overhang the bottom and right.
    y = k.layers.AveragePooling2D(3, strides=2, padding="same")(y)
    y = k.layers.Flatten()(y)
    y = k.layers.Dense(10, activation="relu", bias_initializer=init)(y)
    model = k.Model(inp, y)
    rng = np.random.default_rng(11)

    convert_int8(model, rng, (17, 15, 3), OPS)
    ops = [op["op_name"] for op in interpreter(OPS)._get_ops_details()]
    assert ops == ["CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MAX_POOL_2D",
                   "AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED"], ops
    # What TensorFlow's flatbuffer reader finds in it, for nn-tflite's tests.
    import tflite_structure
    tflite_structure.structure(OPS)


def make_int8_bn():
    """Batch normalizations after ReLUs, which the converter cannot fold into the weights
    before them: it writes each as a MUL and an ADD of per-channel constants."""
    k = tf.keras
    k.utils.set_random_seed(5)
    inp = k.Input((9, 8, 3), batch_size=1)
    x = k.layers.Conv2D(5, 3, padding="same", activation="relu")(inp)
    x = k.layers.BatchNormalization()(x)
    x = k.layers.MaxPooling2D(2)(x)
    x = k.layers.Conv2D(4, 3, activation="relu")(x)
    x = k.layers.BatchNormalization()(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dense(6, activation="relu")(x)
    x = k.layers.BatchNormalization()(x)
    x = k.layers.Dense(3, activation="softmax")(x)
    model = k.Model(inp, x)
    rng = np.random.default_rng(13)
    for layer in model.layers:
        if isinstance(layer, k.layers.BatchNormalization):
            n = layer.get_weights()[0].shape[0]
            # gamma (one negative), beta, mean, variance: a normalization that does something.
            gamma = rng.uniform(0.5, 2.0, n).astype(np.float32)
            gamma[0] = -gamma[0]
            layer.set_weights([gamma, rng.normal(0, 0.5, n).astype(np.float32),
                               rng.uniform(0, 1, n).astype(np.float32),
                               rng.uniform(0.5, 2, n).astype(np.float32)])

    convert_int8(model, rng, (9, 8, 3), BN)
    ops = [op["op_name"] for op in interpreter(BN)._get_ops_details()]
    assert ops == ["CONV_2D", "MUL", "ADD", "MAX_POOL_2D", "CONV_2D", "MUL", "ADD", "RESHAPE",
                   "FULLY_CONNECTED", "MUL", "ADD", "FULLY_CONNECTED", "SOFTMAX"], ops
    import tflite_structure
    tflite_structure.structure(BN)


def make_int8_mean(path, keepdims, seed):
    """A global average pool, which the converter writes as a MEAN over axes 1 and 2
    (`keep_dims` as Keras's `keepdims`), its output of a scale of its own: TensorFlow Lite
    requantizes there."""
    k = tf.keras
    k.utils.set_random_seed(seed)
    inp = k.Input((7, 6, 3), batch_size=1)
    x = k.layers.Conv2D(5, 3, padding="same", activation="relu")(inp)
    x = k.layers.GlobalAveragePooling2D(keepdims=keepdims)(x)
    if keepdims:
        # The converter drops it: the FULLY_CONNECTED reads the [1, 1, 1, 5] MEAN itself.
        x = k.layers.Flatten()(x)
    x = k.layers.Dense(4)(x)
    model = k.Model(inp, x)
    rng = np.random.default_rng(seed + 10)

    convert_int8(model, rng, (7, 6, 3), path)
    it = interpreter(path)
    ops = it._get_ops_details()
    assert [op["op_name"] for op in ops] == ["CONV_2D", "MEAN", "FULLY_CONNECTED"], ops
    details = {d["index"]: d for d in it.get_tensor_details()}
    mean = ops[1]
    x, axes = (details[i] for i in mean["inputs"])
    y = details[mean["outputs"][0]]
    assert list(it.get_tensor(axes["index"])) == [1, 2]
    assert list(y["shape"]) == ([1, 1, 1, 5] if keepdims else [1, 5]), y["shape"]
    # Scales that differ, so that the MEAN requantizes.
    assert x["quantization"] != y["quantization"], (x["quantization"], y["quantization"])
    print(os.path.basename(path), "MEAN", x["quantization"], "->", y["quantization"])
    import tflite_structure
    tflite_structure.structure(path)


def make_int8_more():
    """Leaky ReLUs (a convolution's and a dense layer's activation, and a layer of its own)
    and a concatenation of two branches along the channels."""
    k = tf.keras
    k.utils.set_random_seed(17)
    init = k.initializers.RandomNormal(stddev=0.2, seed=19)
    inp = k.Input((8, 8, 3), batch_size=1)
    x = k.layers.Conv2D(4, 3, padding="same", activation="relu", bias_initializer=init)(inp)
    # Two branches of different ranges: the converter gives the concatenation one scale.
    a = k.layers.Conv2D(3, 3, padding="same", activation="leaky_relu",
                        bias_initializer=init)(x)
    b = k.layers.Conv2D(5, 1, bias_initializer=init)(x)
    y = k.layers.Concatenate()([a, b])
    y = k.layers.LeakyReLU(negative_slope=0.3)(y)
    y = k.layers.Flatten()(y)
    y = k.layers.Dense(8, activation="leaky_relu", bias_initializer=init)(y)
    y = k.layers.Dense(4, bias_initializer=init)(y)
    model = k.Model(inp, y)
    rng = np.random.default_rng(23)

    convert_int8(model, rng, (8, 8, 3), MORE)
    it = interpreter(MORE)
    ops = [op["op_name"] for op in it._get_ops_details()]
    print(ops)
    for op in it._get_ops_details():
        print(op["op_name"], [(i, it.get_tensor_details()[i]["quantization"]) for i in op["inputs"]
                              if i >= 0 and len(it.get_tensor_details()[i]["shape"]) == 4],
              [it.get_tensor_details()[i]["quantization"] for i in op["outputs"]])
    import tflite_structure
    tflite_structure.structure(MORE)


def show(path):
    """Prints each operator with its inputs' and outputs' shapes and quantization."""
    it = interpreter(path)
    details = it.get_tensor_details()
    for op in it._get_ops_details():
        def side(ts):
            return [(list(map(int, details[i]["shape"])), details[i]["quantization"])
                    for i in ts if i >= 0]
        print(op["op_name"], side(op["inputs"]), "->", side(op["outputs"]))
    return [op["op_name"] for op in it._get_ops_details()]


def make_int8_seq():
    """1-D layers, which the converter writes as 2-D operators over a `1 x steps` image between
    RESHAPEs: strided and dilated convolutions (a causal one, which gets a PAD of its own), a
    max and an average pooling, a depthwise and a separable convolution, and a global max over
    the steps (REDUCE_MAX)."""
    k = tf.keras
    k.utils.set_random_seed(29)
    init = k.initializers.RandomNormal(stddev=0.2, seed=31)
    inp = k.Input((24, 3), batch_size=1)
    x = k.layers.Conv1D(6, 3, strides=2, padding="same", activation="relu",
                        bias_initializer=init)(inp)
    x = k.layers.Conv1D(8, 3, dilation_rate=2, padding="causal", bias_initializer=init)(x)
    x = k.layers.MaxPooling1D(2)(x)
    x = k.layers.DepthwiseConv1D(3, padding="same", activation="relu6",
                                 bias_initializer=init)(x)
    x = k.layers.SeparableConv1D(5, 3, bias_initializer=init)(x)
    x = k.layers.AveragePooling1D(3, strides=1, padding="same")(x)
    x = k.layers.GlobalMaxPooling1D()(x)
    x = k.layers.Dense(4, bias_initializer=init)(x)
    convert_int8(k.Model(inp, x), np.random.default_rng(37), (24, 3), SEQ)
    ops = show(SEQ)
    assert "PAD" in ops and "REDUCE_MAX" in ops, ops
    import tflite_structure
    tflite_structure.structure(SEQ)


def make_int8_seq_add():
    """A residual block over a sequence (a 1-D convolution added to the block's input), then a
    global average over the steps (a MEAN over axis 1)."""
    k = tf.keras
    k.utils.set_random_seed(41)
    init = k.initializers.RandomNormal(stddev=0.2, seed=43)
    inp = k.Input((10, 3), batch_size=1)
    x = k.layers.Conv1D(4, 3, padding="same", activation="relu", bias_initializer=init)(inp)
    y = k.layers.Conv1D(4, 3, padding="same", bias_initializer=init)(x)
    x = k.layers.Add()([y, x])
    x = k.layers.GlobalAveragePooling1D()(x)
    x = k.layers.Dense(3, bias_initializer=init)(x)
    convert_int8(k.Model(inp, x), np.random.default_rng(47), (10, 3), SEQ_ADD)
    ops = show(SEQ_ADD)
    assert "MEAN" in ops and "ADD" in ops, ops
    import tflite_structure
    tflite_structure.structure(SEQ_ADD)


def make_int8_dw_acts():
    """Depthwise and separable convolutions ending in activations that are operators of their
    own (leaky ReLUs, a hard swish, a GELU)."""
    k = tf.keras
    k.utils.set_random_seed(67)
    init = k.initializers.RandomNormal(stddev=0.2, seed=71)
    inp = k.Input((8, 8, 3), batch_size=1)
    x = k.layers.Conv2D(4, 3, padding="same", activation="relu", bias_initializer=init)(inp)
    x = k.layers.DepthwiseConv2D(3, padding="same", activation="leaky_relu",
                                 bias_initializer=init)(x)
    x = k.layers.SeparableConv2D(5, 3, activation="hard_silu", bias_initializer=init)(x)
    x = k.layers.DepthwiseConv2D(3, activation="gelu", bias_initializer=init)(x)
    x = k.layers.SeparableConv2D(4, 3, padding="same", activation="leaky_relu",
                                 bias_initializer=init)(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dense(3, bias_initializer=init)(x)
    convert_int8(k.Model(inp, x), np.random.default_rng(73), (8, 8, 3), DW_ACTS)
    ops = show(DW_ACTS)
    assert ops.count("LEAKY_RELU") == 2 and "HARD_SWISH" in ops and "GELU" in ops, ops
    import tflite_structure
    tflite_structure.structure(DW_ACTS)


def make_int8_gmax():
    """A global max over an image's height and width (REDUCE_MAX over axes 1 and 2)."""
    k = tf.keras
    k.utils.set_random_seed(53)
    init = k.initializers.RandomNormal(stddev=0.2, seed=59)
    inp = k.Input((6, 5, 3), batch_size=1)
    x = k.layers.Conv2D(4, 3, activation="relu", bias_initializer=init)(inp)
    x = k.layers.GlobalMaxPooling2D()(x)
    x = k.layers.Dense(3, bias_initializer=init)(x)
    convert_int8(k.Model(inp, x), np.random.default_rng(61), (6, 5, 3), GMAX)
    ops = show(GMAX)
    assert ops == ["CONV_2D", "REDUCE_MAX", "FULLY_CONNECTED"], ops
    import tflite_structure
    tflite_structure.structure(GMAX)
def make_int8_acts():
    """Keras 3's `hard_silu` (a layer of its own after a convolution, and a dense layer's
    activation), which the converter writes as HARD_SWISH, `gelu` (exact; a convolution's and
    a dense layer's activation), which it writes as GELU, two PReLU layers (slopes for an image and for a vector), which it writes as PRELU
    with int8 slopes, and `log_softmax`, which it writes as LOG_SOFTMAX. (It writes no int8 ELU: `elu` stays a float32 ELU between a
    DEQUANTIZE and a QUANTIZE.)"""
    k = tf.keras
    k.utils.set_random_seed(29)
    init = k.initializers.RandomNormal(stddev=0.2, seed=31)
    inp = k.Input((8, 8, 3), batch_size=1)
    slopes = lambda seed: k.initializers.RandomUniform(-0.5, 0.5, seed=seed)
    x = k.layers.Conv2D(4, 3, padding="same", bias_initializer=init)(inp)
    x = k.layers.Activation("hard_silu")(x)
    x = k.layers.PReLU(alpha_initializer=slopes(41))(x)
    x = k.layers.Conv2D(3, 3, padding="same", activation="gelu", bias_initializer=init)(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dense(8, activation="gelu", bias_initializer=init)(x)
    x = k.layers.Dense(6, activation="hard_silu", bias_initializer=init)(x)
    x = k.layers.Dense(5, bias_initializer=init)(x)
    x = k.layers.PReLU(alpha_initializer=slopes(43))(x)
    x = k.layers.Dense(3, activation="log_softmax", bias_initializer=init)(x)
    model = k.Model(inp, x)
    convert_int8(model, np.random.default_rng(37), (8, 8, 3), ACTS)
    it = interpreter(ACTS)
    print([op["op_name"] for op in it._get_ops_details()])
    import tflite_structure
    tflite_structure.structure(ACTS)
def make_int8_lstm(path, sequences, seed):
    """An LSTM over 8 steps of 4 features into 8 units, the last step's output
    (`return_sequences` False: the converter slices it off with a STRIDED_SLICE) or every
    step's (True: a RESHAPE follows), then a Dense. Built with tf_keras (Keras 2): TensorFlow's
    converter fuses its LSTM into one UNIDIRECTIONAL_SEQUENCE_LSTM (int8 weights, an int16 cell
    state), where Keras 3's LSTM becomes a WHILE loop whose int8 calibration crashes the
    converter (a segmentation fault in `calibrator.py`'s `_feed_tensors`, TensorFlow 2.21; so
    do tf_keras's GRU and SimpleRNN, which no fused operator stands for)."""
    import tf_keras as k

    k.utils.set_random_seed(seed)
    init = k.initializers.RandomNormal(stddev=0.3, seed=seed + 1)
    inp = k.Input((8, 4), batch_size=1)
    x = k.layers.LSTM(8, return_sequences=sequences, bias_initializer=init)(inp)
    if sequences:
        x = k.layers.Flatten()(x)
    x = k.layers.Dense(3, bias_initializer=init)(x)
    model = k.Model(inp, x)
    rng = np.random.default_rng(seed + 2)

    convert_int8(model, rng, (8, 4), path)
    it = interpreter(path)
    ops = it._get_ops_details()
    names = [op["op_name"] for op in ops]
    assert names == ["UNIDIRECTIONAL_SEQUENCE_LSTM",
                     "RESHAPE" if sequences else "STRIDED_SLICE", "FULLY_CONNECTED"], names
    details = {d["index"]: d for d in it.get_tensor_details()}
    lstm = ops[0]
    print(os.path.basename(path), [(i, details[i]["dtype"].__name__, details[i]["quantization"])
                                   for i in lstm["inputs"] if i >= 0])
    import tflite_structure
    tflite_structure.structure(path)


def interpreter(path):
    it = tf.lite.Interpreter(
        model_path=path,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    it.allocate_tensors()
    return it


def record(path, seed):
    it = interpreter(path)
    ops = it._get_ops_details()
    print(os.path.basename(path), ":", " ".join(op["op_name"] for op in ops))
    inputs = it.get_input_details()
    outputs = it.get_output_details()
    rng = np.random.default_rng(seed)

    def feed():
        # An LSTM keeps its state in variable tensors from one invoke to the next; Keras's
        # starts every sequence from zeros. (No other model has variables.)
        it.reset_all_variables()
        xs = []
        for d in inputs:
            assert d["dtype"] == np.int8, d
            x = rng.integers(-128, 128, size=d["shape"], dtype=np.int8)
            it.set_tensor(d["index"], x)
            xs.append(x)
        it.invoke()
        return xs

    blob = bytearray()

    def put(values):
        start = len(blob)
        blob.extend(np.ascontiguousarray(values, dtype=np.int8).tobytes())
        return [start, len(blob) - start]

    feed()
    kept = [d["index"] for d in inputs]
    for op in ops:
        kept.extend(int(i) for i in op["outputs"])
    details = {d["index"]: d for d in it.get_tensor_details()}
    tensors = {}
    for i in kept:
        if details[i]["dtype"] != np.int8:
            print("  not int8, left out:", i, details[i]["name"], details[i]["dtype"])
            continue
        tensors[str(i)] = put(it.get_tensor(i))
    more = []
    for _ in range(4):
        xs = feed()
        assert len(xs) == 1 and len(outputs) == 1
        more.append({"input": put(xs[0]), "output": put(it.get_tensor(outputs[0]["index"]))})
    stem = path[: -len(".tflite")]
    with open(stem + ".tensors.bin", "wb") as f:
        f.write(bytes(blob))
    with open(stem + ".tensors.json", "w") as f:
        json.dump({
            "interpreter": "tf.lite BUILTIN_REF, experimental_preserve_all_tensors, TensorFlow "
                           + tf.__version__,
            "seed": seed,
            "tensors": tensors,
            "inputs": [int(d["index"]) for d in inputs],
            "outputs": [int(d["index"]) for d in outputs],
            "more": more,
        }, f)
    print("  ", len(tensors), "tensors,", len(blob), "bytes")


def main(only):
    """Records every model, or (with names given) only those: `int8_reference.py sine speech`
    records them without making the fixtures of ours again. (The MEAN fixtures were added
    with `make_int8_mean` for each, then `main(["int8_mean", "int8_mean_keep"])`, which leaves
    the other fixtures as they were; `int8_acts` likewise with `make_int8_acts`, then
    `main(["int8_acts"])`, and the LSTM fixtures with `make_int8_lstm`.)"""
    if not only:
        make_int8_ops()
        make_int8_bn()
        make_int8_mean(MEAN, False, 21)
        make_int8_mean(MEAN_KEEP, True, 22)
        make_int8_more()
        make_int8_acts()
        make_int8_lstm(LSTM, False, 31)
        make_int8_lstm(LSTM_SEQ, True, 32)
    if not only or "seq" in only:
        # `int8_reference.py seq`: the 1-D and global max fixtures, made and recorded.
        make_int8_seq()
        make_int8_seq_add()
        make_int8_gmax()
        make_int8_dw_acts()
        only = only and ["int8_seq", "int8_seq_add", "int8_gmax", "int8_dw_acts"]
    for path, seed in [(p, 100 + k) for k, p in enumerate(MODELS)] + LATER:
        if not only or os.path.basename(path)[: -len(".tflite")] in only:
            record(path, seed)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
