#!/usr/bin/env python3
"""Records what TensorFlow Lite's reference kernels (TensorFlow 2.21.0, `BUILTIN_REF`) give for
int8 SOFTMAX, LOGISTIC and TANH, for `tests/int8_activations.rs` to compare with
`nn::int8::{Softmax, Logistic, Tanh}` bit for bit.

    /path/to/venv/bin/python tools/int8_activations.py   # writes the fixture below

Each case is a one-operator model made by TensorFlow's converter from a `tf.function`, fully
quantized to int8 (int8 input and output) with a representative data set whose range sets the
input's scale and zero point. The fixture keeps, per case, the operator, the input's scale and
zero point and the output's as the converter wrote them (float32 values, written exactly), the
softmax's beta as the model holds it, and the int8 inputs and the interpreter's int8 outputs,
each row a string of hex digits, two per value (two's complement): LOGISTIC and TANH on all
256 int8 values, SOFTMAX on rows of 10 and 12 values (random ones; chosen ones: all equal, one
dominant, the extremes; and the rows of a large random pool whose real softmax is nearest a
rounding boundary of the output, which show the smallest error in the fixed-point
arithmetic). The softmax's beta is set by rewriting it in the converted model, as the converter
writes 1 for `tf.nn.softmax` and keeps a multiplication before it as its own operator.
"""
import json
import os
import struct
import tempfile

import numpy as np
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as s

OUT = os.path.join(
    os.path.dirname(__file__), "..", "tests", "fixtures", "tflite", "int8_activations.json"
)

# The representative data's range for each case: small, about 1/16, large, one-sided.
ELEMENTWISE_RANGES = [(-0.5, 0.5), (-8.0, 8.0), (-60.0, 40.0), (0.0, 3.0), (-1.0, 7.0)]
# The last two reach an input scale where TensorFlow Lite caps the softmax multiplier.
SOFTMAX_RANGES = [(-1.0, 1.0), (-8.0, 8.0), (-3.0, 10.0), (-40.0, 40.0), (-3000.0, 3000.0)]
SOFTMAX_BETAS = [1.0, 0.5, 3.0]
# Random rows drawn for each softmax case, and how many of those nearest a rounding boundary
# the fixture keeps.
POOL = 200_000
SENSITIVE = 120


def convert(fn, width, lo, hi):
    spec = tf.TensorSpec([1, width], tf.float32)
    concrete = tf.function(fn).get_concrete_function(spec)
    rng = np.random.default_rng(0)

    def data():
        for i in range(200):
            x = rng.uniform(lo, hi, size=(1, width)).astype(np.float32)
            if i == 0:
                # Make sure both ends are seen.
                x[0, 0], x[0, 1] = lo, hi
            yield [x]

    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], fn)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = data
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def set_beta(model_bytes, beta):
    """The model with its softmax's beta overwritten in place (the converter writes beta 1
    for `tf.nn.softmax` and does not fold a multiplication into it)."""
    buf = bytearray(model_bytes)
    model = s.Model.GetRootAsModel(buf, 0)
    graph = model.Subgraphs(0)
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        if op.BuiltinOptionsType() == s.BuiltinOptions.SoftmaxOptions:
            o = s.SoftmaxOptions()
            o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            field = o._tab.Offset(4)
            assert field != 0
            struct.pack_into("<f", buf, o._tab.Pos + field, beta)
    return bytes(buf)


def operators(model_bytes):
    """The builtin code of each operator of the first subgraph, and softmax's beta if any."""
    model = s.Model.GetRootAsModel(model_bytes, 0)
    graph = model.Subgraphs(0)
    codes, beta = [], None
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        codes.append(max(code.BuiltinCode(), code.DeprecatedBuiltinCode()))
        if op.BuiltinOptionsType() == s.BuiltinOptions.SoftmaxOptions:
            o = s.SoftmaxOptions()
            o.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            beta = o.Beta()
    return codes, beta


def input_scale(model_bytes):
    model = s.Model.GetRootAsModel(model_bytes, 0)
    graph = model.Subgraphs(0)
    return graph.Tensors(graph.Inputs(0)).Quantization().Scale(0)


def run(model_bytes, rows):
    with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
        f.write(model_bytes)
        path = f.name
    try:
        interp = tf.lite.Interpreter(
            model_path=path,
            experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
        )
        inp = interp.get_input_details()[0]
        out = interp.get_output_details()[0]
        interp.resize_tensor_input(inp["index"], [1, len(rows[0])])
        interp.allocate_tensors()
        outputs = []
        for row in rows:
            interp.set_tensor(inp["index"], np.array([row], dtype=np.int8))
            interp.invoke()
            outputs.append(interp.get_tensor(out["index"])[0].astype(int).tolist())
        return inp["quantization"], out["quantization"], outputs
    finally:
        os.unlink(path)


def case(op, fn, expected_code, width, lo, hi, rows, beta=None):
    """One case; `rows` is a list of rows, or a function of the input's scale giving them."""
    model = convert(fn, width, lo, hi)
    if beta is not None:
        model = set_beta(model, beta)
    codes, beta = operators(model)
    assert codes == [expected_code], (op, codes)
    if callable(rows):
        rows = rows(input_scale(model))
    (scale, zero), (out_scale, out_zero), outputs = run(model, rows)
    c = {
        "op": op,
        "range": [lo, hi],
        "input_scale": float(np.float32(scale)),
        "input_zero": int(zero),
        "output_scale": float(np.float32(out_scale)),
        "output_zero": int(out_zero),
    }
    if beta is not None:
        c["beta"] = float(np.float32(beta))
    c["x"] = hexes(rows)
    c["y"] = hexes(outputs)
    print(op, lo, hi, "scale", scale, "zero", zero, "out", out_scale, out_zero, "beta", beta)
    return c


def softmax_rows(width, rng, scale, beta):
    """Rows for a softmax case: random ones, chosen ones, and the rows of a large random pool
    whose real softmax (float64) lies nearest a rounding boundary of the output (a multiple of
    1/256 plus a half), where the least error in the fixed-point arithmetic shows."""
    rows = [rng.integers(-128, 128, size=width).tolist() for _ in range(24)]
    # Narrow spreads, where many values take part in the sum.
    rows += [(rng.integers(-10, 10, size=width) + int(rng.integers(-100, 100))).tolist()
             for _ in range(12)]
    rows.append([0] * width)
    rows.append([-128] * width)
    rows.append([127] * width)
    rows.append([5] + [-128] * (width - 1))
    rows.append([-128] * (width - 1) + [127])
    rows.append([127] + [-128] * (width - 1))
    rows.append([-128, 127] * (width // 2))
    rows.append([100] + [99] * (width - 1))
    rows.append(list(range(-128, -128 + width)))
    rows.append(list(range(127, 127 - width, -1)))
    pool = []
    for spread in (256, 64, 24, 8):
        base = rng.integers(-128, 128, size=(POOL // 4, 1))
        pool.append(np.clip(base + rng.integers(-spread // 2, spread // 2, size=(POOL // 4, width)),
                            -128, 127))
    pool = np.concatenate(pool)
    diff = (pool - pool.max(axis=1, keepdims=True)) * (float(np.float32(scale)) * beta)
    e = np.exp(diff)
    v = 256.0 * e / e.sum(axis=1, keepdims=True)
    distance = np.where(v >= 0.25, np.abs(v - np.floor(v) - 0.5), 1.0).min(axis=1)
    rows += pool[np.argsort(distance)[:SENSITIVE]].tolist()
    return rows


def hexes(rows):
    """Each row of int8 values as a string of two hex digits per value (two's complement)."""
    return [bytes(np.array(r, dtype=np.int8).view(np.uint8)).hex() for r in rows]


def main():
    cases = []
    every = [list(range(-128, 128))]
    for lo, hi in ELEMENTWISE_RANGES:
        cases.append(case("logistic", tf.math.sigmoid, s.BuiltinOperator.LOGISTIC,
                          256, lo, hi, every))
        cases.append(case("tanh", tf.math.tanh, s.BuiltinOperator.TANH, 256, lo, hi, every))
    rng = np.random.default_rng(25)
    for beta in SOFTMAX_BETAS:
        for i, (lo, hi) in enumerate(SOFTMAX_RANGES):
            # Both widths at beta 1; one of them, in turn, at the other betas.
            for width in (10, 12) if beta == 1.0 else [(10, 12)[i % 2]]:
                rows = lambda scale, w=width, b=beta: softmax_rows(w, rng, scale, b)
                cases.append(case("softmax", tf.nn.softmax, s.BuiltinOperator.SOFTMAX, width,
                                  lo, hi, rows, beta))
    with open(OUT, "w") as f:
        f.write("{\"generator\": \"tools/int8_activations.py, TensorFlow %s, BUILTIN_REF\",\n"
                % tf.__version__)
        f.write(" \"cases\": [\n")
        for i, c in enumerate(cases):
            f.write("  " + json.dumps(c, separators=(",", ":")))
            f.write(",\n" if i + 1 < len(cases) else "\n")
        f.write(" ]}\n")


if __name__ == "__main__":
    main()
