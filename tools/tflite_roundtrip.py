#!/usr/bin/env python3
"""Runs the `.tflite` files that `nn_tflite::write` wrote in TensorFlow Lite itself (TensorFlow
2.21.0's interpreter, reference kernels) beside the originals they were read from, and checks
that they give the same outputs, bit for bit, on seeded inputs.

    CARGO_TARGET_DIR=... cargo test -p nn-tflite --test write   # writes <target>/tmp/rewritten/
    /path/to/venv/bin/python tools/tflite_roundtrip.py [rewritten dir]

For every fixture (MLPerf Tiny's six, `tests/fixtures/tflite/windows.tflite` and the two LSTM
fixtures, whose state tensors must stay variables and whose operator keeps its intermediates)
it loads the
original and the rewritten file with `tf.lite.Interpreter(model_path=...,
experimental_op_resolver_type=BUILTIN_REF, experimental_preserve_all_tensors=True)`, checks that inputs and outputs have the same
names, shapes, types and quantization, runs five seeded random inputs through both, and
compares every output and every tensor of the model the interpreter kept (weights and
activations; not the interpreter's own scratch tensors), bit for bit. Before that it passes each rewritten file through TensorFlow Lite's flatbuffer
verifier (which the interpreter does not run: it loads a file whose strings lack their zero
byte, say), by TensorFlow's MLIR importer of `.tflite` files, which verifies the buffer first
(`FlatBufferModel::VerifyAndBuildFromBuffer`) and returns nothing for a file it refuses. Last it copies the rewritten `windows.tflite` to
`tests/fixtures/tflite/windows.rewritten.tflite`, which `nn-tflite/tests/write.rs` checks the
writer still writes byte for byte.
"""
import os
import shutil
import sys

import numpy as np
import tensorflow as tf
from tensorflow.compiler.mlir.lite.python import _pywrap_converter_api as converter_api
from tensorflow.lite.python import schema_py_generated as schema

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
FILES = [
    os.path.join(FIXTURES, "mlperf_tiny", name)
    for name in [
        "ad01_int8.tflite",
        "pretrainedResnet_quant.tflite",
        "vww_96_int8.tflite",
        "kws_ref_model.tflite",
        "kws_ref_model_float32.tflite",
        "str_ww_ref_model.tflite",
    ]
] + [os.path.join(FIXTURES, "tflite", name)
      for name in ["windows.tflite", "int8_lstm.tflite", "int8_lstm_seq.tflite"]]
SEEDS = range(5)


def interpreter(path):
    it = tf.lite.Interpreter(
        model_path=path,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        experimental_preserve_all_tensors=True,
    )
    it.allocate_tensors()
    return it


def described(details):
    return [
        (d["name"], list(d["shape"]), np.dtype(d["dtype"]).name, d["quantization"],
         [list(map(float, d["quantization_parameters"]["scales"])),
          list(map(int, d["quantization_parameters"]["zero_points"])),
          d["quantization_parameters"]["quantized_dimension"]])
        for d in details
    ]


def random_input(rng, detail):
    shape, dtype = detail["shape"], np.dtype(detail["dtype"])
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    return rng.standard_normal(shape).astype(dtype)


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def verified(path):
    # The MLIR importer returns an empty module text for a file the verifier refuses.
    return len(converter_api.FlatBufferToMlir(path, True)) > 0


def compare(original_path, rewritten_path):
    assert verified(original_path), f"{original_path}: refused by the flatbuffer verifier"
    assert verified(rewritten_path), f"{rewritten_path}: refused by the flatbuffer verifier"
    original, rewritten = interpreter(original_path), interpreter(rewritten_path)
    for kind in ["get_input_details", "get_output_details"]:
        a, b = described(getattr(original, kind)()), described(getattr(rewritten, kind)())
        assert a == b, f"{kind}: {a} != {b}"
    assert len(original.get_tensor_details()) == len(rewritten.get_tensor_details())
    # The model's own tensors (the interpreter adds temporaries after them, whose contents are
    # the kernels' scratch).
    with open(original_path, "rb") as f:
        count = schema.Model.GetRootAs(f.read()).Subgraphs(0).TensorsLength()
    tensors = 0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        for detail in original.get_input_details():
            x = random_input(rng, detail)
            original.set_tensor(detail["index"], x)
            rewritten.set_tensor(detail["index"], x)
        original.invoke()
        rewritten.invoke()
        for detail in original.get_output_details():
            a = original.get_tensor(detail["index"])
            b = rewritten.get_tensor(detail["index"])
            assert same(a, b), f"seed {seed}: output {detail['name']} differs"
        tensors = 0
        for index in range(count):
            try:
                a = original.get_tensor(index)
            except ValueError:
                # A tensor the interpreter holds no data for (an optional input left out).
                continue
            b = rewritten.get_tensor(index)
            assert same(a, b), f"seed {seed}: tensor {index} differs"
            tensors += 1
    outputs = len(original.get_output_details())
    return f"verified; {outputs} output(s) and {tensors} of {count} tensors identical on {len(SEEDS)} seeded inputs"


def main():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "tmp", "rewritten")
    if not os.path.isdir(directory):
        sys.exit(f"{directory} does not exist: run `cargo test -p nn-tflite --test write` first")
    print(f"TensorFlow {tf.__version__}, rewritten files from {directory}")
    for path in FILES:
        name = os.path.basename(path)
        rewritten = os.path.join(directory, name)
        sizes = f"{os.path.getsize(path)} -> {os.path.getsize(rewritten)} bytes"
        print(f"{name} ({sizes}): {compare(path, rewritten)}")
    fixture = os.path.join(FIXTURES, "tflite", "windows.rewritten.tflite")
    shutil.copyfile(os.path.join(directory, "windows.tflite"), fixture)
    print(f"copied the rewritten windows.tflite, which ran as the original, to {fixture}")


if __name__ == "__main__":
    main()
