#!/usr/bin/env python3
"""Fixtures for MLPerf Tiny's reference models (mlcommons/tiny, Apache-2.0): each float model's
file copied into `tests/fixtures/mlperf_tiny/`, and TensorFlow's predictions on recorded inputs
next to it (`<model>.json`: `inputs` and `outputs`, one flat channels-last row per sample), which
`tests/mlperf_tiny.rs` requires `nn` to match.

Usage (tests and CI never run this; the fixtures are committed):

    python tools/mlperf_tiny.py <mlcommons/tiny checkout> [model ...]

For a model with residual blocks (ResNet-8) it also writes its weights as `nn::io` names them
(`<model>.safetensors`), which the tests read with `#[safetensors]` next to the Keras file.

with TensorFlow, Keras 3 and tf_keras installed (`pip install tensorflow keras tf_keras`;
made with TensorFlow 2.21.0, Keras 3.15.1, tf_keras 2.21.0). Each file is loaded with Keras 3
when it can and with tf_keras (TensorFlow's Keras 2) when it cannot; both give the same outputs on
the files both read. KWS's reference model is a SavedModel, which Keras 3 does not load as a
model: tf_keras loads it and saves it as a legacy `.h5` (`kws_ref_model.h5`), the fixture.

Inputs: three samples per model (one of VWW's 96×96×3 images, to keep the fixture small),
`numpy.random.default_rng(seed).uniform(lo, hi)` rounded to two decimals (short in JSON; the
model sees the rounded values), in the range the model's int8 `.tflite` file quantizes its input
to (so, the range the benchmark feeds it).
"""
import hashlib
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import keras
import tf_keras

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "mlperf_tiny")
TRAINING = "benchmark/training"

# name: (path in the repository, input range (lo, hi), seed, samples)
MODELS = {
    "ad01": ("anomaly_detection/trained_models/ad01.h5", (-80.0, 10.0), 0, 3),
    "pretrainedResnet": ("image_classification/trained_models/pretrainedResnet.h5", (0.0, 255.0), 1, 3),
    "vww_96": ("visual_wake_words/trained_models/vww_96.h5", (0.0, 1.0), 2, 1),
    "kws_ref_model": ("keyword_spotting/trained_models/kws_ref_model", (-100.0, 20.0), 3, 3),
    "str_ww_ref_model": ("streaming_wakeword/trained_models/str_ww_ref_model.h5", (0.0, 0.9), 4, 3),
}


def load(path):
    """The model at `path` and the library that loaded it."""
    if path.endswith(".h5"):
        try:
            return keras.saving.load_model(path, compile=False), f"keras {keras.__version__}"
        except Exception:
            # tf.keras 2.x wrote `groups` into DepthwiseConv2D's config, which Keras 3 refuses.
            pass
    return tf_keras.models.load_model(path, compile=False), f"tf_keras {tf_keras.__version__}"


# A network with blocks declares its layers inside them: `nn::io` names a tensor of such a layer
# `<block>.<layer>_<tensor>` (`add_1.conv2d_5_kernel`), others `<layer>.<tensor>`. ResNet-8's
# blocks, by the names its file gives them (the declaration in firmware/models/mlperf_tiny.rs
# names its layers the same).
BLOCKS = {
    "pretrainedResnet": {
        "add": ["conv2d_1", "batch_normalization_1", "conv2d_2", "batch_normalization_2"],
        "add_1": ["conv2d_5", "conv2d_3", "batch_normalization_3", "conv2d_4", "batch_normalization_4"],
        "add_2": ["conv2d_8", "conv2d_6", "batch_normalization_5", "conv2d_7", "batch_normalization_6"],
    },
}
TENSORS = {
    "Conv2D": ["kernel", "bias"],
    "Dense": ["kernel", "bias"],
    "BatchNormalization": ["gamma", "beta", "moving_mean", "moving_variance"],
}


def safetensors(model, blocks, path):
    """The model's weights as `nn::io::save_weights` names them, in a safetensors file (written
    here by hand: an 8-byte header length, the JSON header, the little-endian float32 data)."""
    owner = {layer: block for block, layers in blocks.items() for layer in layers}
    header, data = {"__metadata__": {"format": "nn-weights"}}, bytearray()
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        names = TENSORS[type(layer).__name__]
        for name, value in zip(names, weights):
            key = (f"{owner[layer.name]}.{layer.name}_{name}" if layer.name in owner
                   else f"{layer.name}.{name}")
            raw = np.ascontiguousarray(value, dtype="<f4").tobytes()
            header[key] = {"dtype": "F32", "shape": list(value.shape),
                           "data_offsets": [len(data), len(data) + len(raw)]}
            data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + bytes(data))


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def main():
    repo = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    os.makedirs(OUT, exist_ok=True)
    for name in names:
        relative, (lo, hi), seed, samples = MODELS[name]
        source = os.path.join(repo, TRAINING, relative)
        model, loader = load(source)
        if os.path.isdir(source):
            fixture = f"{name}.h5"
            model.save(os.path.join(OUT, fixture), save_format="h5")
        else:
            fixture = os.path.basename(source)
            shutil.copyfile(source, os.path.join(OUT, fixture))
        shape = tuple(model.input_shape[1:])
        rng = np.random.default_rng(seed)
        x = np.round(rng.uniform(lo, hi, size=(samples,) + shape), 2).astype(np.float32)
        y = np.asarray(model(x, training=False), dtype=np.float64)
        record = {
            "source": f"mlcommons/tiny {TRAINING}/{relative}",
            "file": fixture,
            "md5": md5(os.path.join(OUT, fixture)),
            "loaded_with": loader,
            "tensorflow": tf.__version__,
            "input_shape": list(shape),
            # Each input as the shortest decimal that is its float32 value.
            "inputs": [[float(np.format_float_positional(v)) for v in row] for row in x.reshape(samples, -1)],
            "outputs": y.reshape(samples, -1).tolist(),
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(record, f)
        if name in BLOCKS:
            safetensors(model, BLOCKS[name], os.path.join(OUT, f"{name}.safetensors"))
        print(f"{name}: {fixture} ({loader}), input {shape}, output {y.shape[1:]}")


if __name__ == "__main__":
    main()
