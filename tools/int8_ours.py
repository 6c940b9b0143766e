#!/usr/bin/env python3
"""Runs our own int8 quantization's files, `tests/fixtures/tflite/ours_*.tflite`, in TensorFlow
Lite, and records the interpreter's outputs beside ours in `ours_*.json`.

    NN_WRITE_FIXTURES=1 cargo test --test int8_quantize our_quantized  # the files, our outputs
    /path/to/venv/bin/python tools/int8_ours.py                          # TensorFlow Lite's

The file and the JSON's `inputs` and `ours` (our int8 outputs, rows of int8 values) are written
by `tests/int8_quantize.rs`. This adds `tflite_reference`: the outputs of the interpreter with
its reference kernels (`BUILTIN_REF`), which the test compares with ours bit for bit; and
`tflite_default`: those of the default (optimized) interpreter, with `default_agrees` saying
whether they are the same, and `max_default_difference` the largest difference in int8 steps;
and `tflite_builtin`, `builtin_agrees`: the same for the optimized kernels without the default
delegate (XNNPACK, `BUILTIN_WITHOUT_DEFAULT_DELEGATES`).
`tensorflow` records the version that ran.
"""
import json
import os

import numpy as np
import tensorflow as tf

HERE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tflite")
# Our files: `ours_int8` (convolutions, a residual block, batch normalizations), `ours_more`
# (leaky ReLUs, a concatenation), `ours_seq` and `ours_seq_end` (1-D layers), `ours_acts` (hard
# swishes, GELUs, PReLUs), `ours_elu` (ELUs: TensorFlow 2.21's reference resolver has no ELU,
# so `tflite_reference` is null there and the test compares `tflite_builtin`, the builtin kernels
# without delegates), `ours_lstm` (two LSTMs, every step's output and the last's) and
# `ours_dw_acts` (depthwise and separable convolutions ending in activation operators).
STEMS = ["ours_int8", "ours_more", "ours_seq", "ours_seq_end", "ours_acts", "ours_elu", "ours_lstm",
         "ours_dw_acts"]


def run(model, resolver, inputs):
    kwargs = {} if resolver is None else {"experimental_op_resolver_type": resolver}
    interpreter = tf.lite.Interpreter(model_path=model, **kwargs)
    interpreter.allocate_tensors()
    (inp,) = interpreter.get_input_details()
    (out,) = interpreter.get_output_details()
    assert inp["dtype"] == np.int8 and out["dtype"] == np.int8, (inp, out)
    outputs = []
    for x in inputs:
        # An LSTM keeps its state in variable tensors from one invoke to the next; each input
        # is a sequence of its own, from zero state.
        interpreter.reset_all_variables()
        interpreter.set_tensor(inp["index"], np.array(x, np.int8).reshape(inp["shape"]))
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(out["index"]).reshape(-1).astype(int).tolist())
    return outputs


def dumps(record):
    """The record as JSON, one row of int8 values a line."""
    parts = []
    for key, value in record.items():
        if isinstance(value, list):
            rows = ",\n    ".join(json.dumps(r, separators=(",", ":")) for r in value)
            parts.append(f"  {json.dumps(key)}: [\n    {rows}\n  ]")
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main():
    for stem in STEMS:
        record_outputs(os.path.join(HERE, stem + ".tflite"), os.path.join(HERE, stem + ".json"))


def record_outputs(model, path):
    with open(path) as f:
        record = json.load(f)
    inputs = record["inputs"]
    try:
        reference = run(model, tf.lite.experimental.OpResolverType.BUILTIN_REF, inputs)
    except ValueError as e:
        # "Didn't find op for builtin opcode 'ELU'": the reference resolver lacks it.
        assert "ELU" in str(e), e
        reference = None
    default = run(model, None, inputs)
    builtin = run(
        model, tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES, inputs
    )
    record["tensorflow"] = tf.__version__
    record["tflite_reference"] = reference
    record["tflite_default"] = default
    # Without the reference kernels, the builtin ones are what the others are compared with.
    base = builtin if reference is None else reference
    record["default_agrees"] = default == base
    record["max_default_difference"] = int(
        np.abs(np.array(default) - np.array(base)).max()
    )
    record["tflite_builtin"] = builtin
    record["builtin_agrees"] = builtin == base
    with open(path, "w") as f:
        f.write(dumps(record))
    ours = record.get("ours")
    print(os.path.basename(model), "reference kernels give ours:", ours == reference,
          "builtin kernels give ours:", ours == builtin)
    print("default kernels give the reference's (or builtin's):", record["default_agrees"],
          "largest difference", record["max_default_difference"])
    print("optimized kernels without XNNPACK give the reference's:", record["builtin_agrees"])


if __name__ == "__main__":
    main()
