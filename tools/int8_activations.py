#!/usr/bin/env python3
"""Records what TensorFlow Lite's reference kernels (TensorFlow 2.21.0, `BUILTIN_REF`) give for
int8 SOFTMAX, LOGISTIC and TANH, for `tests/int8_activations.rs` to compare with
`nn::int8::{Softmax, Logistic, Tanh}` bit for bit.

    /path/to/venv/bin/python tools/int8_activations.py          # writes the fixture below
    /path/to/venv/bin/python tools/int8_activations.py --more   # int8_activations_more.json

`--more` records ELU, HARD_SWISH and GELU the same way, each on all 256 int8 values, and
LOG_SOFTMAX on rows as the softmax's, in `int8_activations_more.json` (see `more`), leaving
the first fixture as it is.

Each case is a one-operator model made by TensorFlow's converter from a `tf.function`, fully
quantized to int8 (int8 input and output) with a representative data set whose range sets the
input's scale and zero point. The fixture keeps, per case, the operator, the input's scale and
zero point and the output's as the converter wrote them (float32 values, written exactly), the
softmax's beta as the model holds it, and the int8 inputs and the interpreter's int8 outputs,
each row a string of hex digits, two per value (two's complement): LOGISTIC and TANH on all
256 int8 values, SOFTMAX on rows of 10 and 12 values (random ones; chosen ones: all equal, one
dominant, the extremes; and the rows of a large random pool whose real softmax is nearest a
rounding boundary of the output, which show the smallest error in the fixed-point
arithmetic). Four more TANH and four more LOGISTIC cases have input scales written over the
converter's, chosen so that glibc's float32 functions (which the interpreter calls) and the
correctly rounded ones round one table entry differently, or so that glibc's lands exactly
on a tie. The softmax's beta is set by rewriting it in the converted model, as the converter
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
MORE = os.path.join(
    os.path.dirname(__file__), "..", "tests", "fixtures", "tflite", "int8_activations_more.json"
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


def set_input_quantization(model_bytes, scale, zero):
    """The model with its input's (only) scale and zero point overwritten in place."""
    buf = bytearray(model_bytes)
    model = s.Model.GetRootAsModel(buf, 0)
    graph = model.Subgraphs(0)
    q = graph.Tensors(graph.Inputs(0)).Quantization()
    assert q.ScaleLength() == 1 and q.ZeroPointLength() == 1
    struct.pack_into("<f", buf, q._tab.Vector(q._tab.Offset(8)), scale)
    struct.pack_into("<q", buf, q._tab.Vector(q._tab.Offset(10)), zero)
    q = s.Model.GetRootAsModel(buf, 0).Subgraphs(0).Tensors(graph.Inputs(0)).Quantization()
    assert (q.Scale(0), q.ZeroPoint(0)) == (scale, zero)
    return bytes(buf)


def set_operator(model_bytes, code):
    """The model with its (only) operator's builtin code overwritten in place (TensorFlow's
    converter writes no int8 ELU: it runs `tf.nn.elu` in float32 between a DEQUANTIZE and a
    QUANTIZE; the interpreter's int8 ELU kernel is reached by renaming a one-operator int8
    model's HARD_SWISH, whose settings ELU ignores). TensorFlow 2.21's reference resolver
    (`BUILTIN_REF`) has no ELU at all: its builtin kernel, a table for int8 as every resolver's,
    is run without delegates instead (`BUILTIN_WITHOUT_DEFAULT_DELEGATES`)."""
    import flatbuffers

    model = s.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    assert len(model.operatorCodes) == 1
    c = model.operatorCodes[0]
    c.builtinCode, c.deprecatedBuiltinCode, c.version = code, min(code, 127), 1
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def spread(found, count):
    """`count` of `found`, evenly spaced (fewer if there are fewer)."""
    if count <= 0 or not found:
        return []
    step = max(1, len(found) // count)
    return found[::step][:count]


def ties(op, count):
    """Input scales at which the interpreter's table has an entry on a rounding boundary: reals
    `v` in [0.05, 1) where glibc's float32 function (`tanhf`, or `1 / (1 + expf(−v))`, as the
    interpreter computes it) and the correctly rounded function put `v`'s entry on either side
    of a rounding boundary, or where glibc's is exactly a tie (a multiple of the output's scale
    plus a half, below an even multiple, so that rounding half to even would differ), as
    `v / 64` (the table's entry for 64 with zero point 0 is `f(v)`)."""
    import ctypes

    libm = ctypes.CDLL("libm.so.6")
    for name in ("tanhf", "expf"):
        getattr(libm, name).restype = ctypes.c_float
        getattr(libm, name).argtypes = [ctypes.c_float]
    one = np.float32(1)
    if op == "tanh":
        levels = np.float32(128)
        glibc = lambda x: np.float32(libm.tanhf(float(x)))
        rounded = lambda x: np.float32(np.tanh(np.float64(x)))
    else:
        levels = np.float32(256)
        glibc = lambda x: one / (one + np.float32(libm.expf(-float(x))))
        rounded = lambda x: one / (one + np.float32(np.exp(-np.float64(x))))
    lo, hi = np.float32(0.05).view(np.uint32), np.float32(1.0).view(np.uint32)
    v = np.arange(lo, hi, dtype=np.uint32).view(np.float32)
    if op == "tanh":
        exact = np.tanh(v.astype(np.float64)).astype(np.float32)
    else:
        exact = one / (one + np.exp(-v.astype(np.float64)).astype(np.float32))
    exact = exact.astype(np.float64) * float(levels)
    near = v[np.abs(exact - np.floor(exact) - 0.5) < 2e-5]
    straddles, even_ties = [], []
    for x in near:
        a, b = glibc(x) * levels, rounded(x) * levels
        if np.floor(a + np.float32(0.5)) != np.floor(b + np.float32(0.5)):
            straddles.append(float(x))
        if a - np.floor(a) == 0.5 and int(np.floor(a)) % 2 == 0:
            even_ties.append(float(x))
    # Half of each kind where there are enough (glibc's `expf` is close enough to correctly
    # rounded that the logistic shows no straddle here), ties for the rest.
    chosen = spread(straddles, count // 2)
    chosen += spread(even_ties, count - len(chosen))
    assert len(chosen) == count, (op, straddles, even_ties)
    return [float(np.float32(x) / np.float32(64)) for x in chosen]


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


def run(model_bytes, rows, resolver=tf.lite.experimental.OpResolverType.BUILTIN_REF):
    with tempfile.NamedTemporaryFile(suffix=".tflite", delete=False) as f:
        f.write(model_bytes)
        path = f.name
    try:
        interp = tf.lite.Interpreter(
            model_path=path,
            experimental_op_resolver_type=resolver,
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


def case(op, fn, expected_code, width, lo, hi, rows, beta=None, quantization=None,
         rename=None):
    """One case; `rows` is a list of rows, or a function of the input's scale giving them;
    `quantization` a scale and zero point to write over the converter's; `rename` a builtin
    code to give the operator instead (`expected_code` is then the converter's)."""
    model = convert(fn, width, lo, hi)
    if rename is not None:
        codes, _ = operators(model)
        assert codes == [expected_code], (op, codes)
        model = set_operator(model, rename)
        expected_code = rename
    if beta is not None:
        model = set_beta(model, beta)
    if quantization is not None:
        model = set_input_quantization(model, *quantization)
    codes, beta = operators(model)
    assert codes == [expected_code], (op, codes)
    if callable(rows):
        rows = rows(input_scale(model))
    if rename == s.BuiltinOperator.ELU:
        resolver = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    else:
        resolver = tf.lite.experimental.OpResolverType.BUILTIN_REF
    (scale, zero), (out_scale, out_zero), outputs = run(model, rows, resolver)
    c = {
        "op": op,
        # The representative data's range, or how the input's quantization was chosen.
        "range": [lo, hi] if quantization is None else "written over: a rounding tie",
        "input_scale": float(np.float32(scale)),
        "input_zero": int(zero),
        "output_scale": float(np.float32(out_scale)),
        "output_zero": int(out_zero),
    }
    if beta is not None:
        c["beta"] = float(np.float32(beta))
    if resolver != tf.lite.experimental.OpResolverType.BUILTIN_REF:
        c["resolver"] = resolver.name
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


def more():
    """The cases of `int8_activations_more.json`: ELU, HARD_SWISH and GELU (exact and
    approximate) on all 256 int8 values, over the representative ranges, and with input
    scales and zero points written over the converter's (for HARD_SWISH, scales that take its
    other shifts); then LOG_SOFTMAX on rows of 10 and 12 values chosen as the softmax's."""
    cases = []
    every = [list(range(-128, 128))]
    ranges = ELEMENTWISE_RANGES + [(-4.0, 4.0), (-0.05, 0.05)]
    for lo, hi in ranges:
        cases.append(case("hard_swish", hard_swish,
                          s.BuiltinOperator.HARD_SWISH, 256, lo, hi, every))
        cases.append(case("elu", hard_swish, s.BuiltinOperator.HARD_SWISH, 256, lo, hi, every,
                          rename=s.BuiltinOperator.ELU))
        cases.append(case("gelu", lambda x: tf.nn.gelu(x, approximate=False),
                          s.BuiltinOperator.GELU, 256, lo, hi, every))
        cases.append(case("gelu_approximate", lambda x: tf.nn.gelu(x, approximate=True),
                          s.BuiltinOperator.GELU, 256, lo, hi, every))
    # Input scales from tiny (a right shift of the relu-ish factor) to large (a left shift of
    # several bits), over the output the converter chose for (-1, 1).
    for scale in [0.0004, 0.003, 0.02, 0.07, 0.3, 0.45]:
        for zero in (0, -37, 90):
            scale = float(np.float32(scale))
            cases.append(case("hard_swish", hard_swish, s.BuiltinOperator.HARD_SWISH, 256, -1.0,
                              1.0, every, quantization=(scale, zero)))
            # A TANH renamed: its output's quantization (1/128, 0) holds ELU's negative part.
            cases.append(case("elu", tf.math.tanh, s.BuiltinOperator.TANH, 256, -1.0, 1.0,
                              every, quantization=(scale, zero), rename=s.BuiltinOperator.ELU))
            cases.append(case("gelu", lambda x: tf.nn.gelu(x, approximate=False),
                              s.BuiltinOperator.GELU, 256, -1.0, 1.0, every,
                              quantization=(scale, zero)))
    rng = np.random.default_rng(26)
    for i, (lo, hi) in enumerate(SOFTMAX_RANGES + [(-0.3, 0.3), (-2.0, 1.0)]):
        width = (10, 12)[i % 2]
        rows = lambda scale, w=width: softmax_rows(w, rng, scale, 1.0)
        cases.append(case("log_softmax", tf.nn.log_softmax, s.BuiltinOperator.LOG_SOFTMAX,
                          width, lo, hi, rows))
    return cases


def hard_swish(x):
    """Keras 3's `hard_silu` on TensorFlow: `x · relu6(x + 3) / 6`, which the converter writes as
    one HARD_SWISH."""
    return x * tf.nn.relu6(x + 3.0) / 6.0


def write(path, cases):
    with open(path, "w") as f:
        f.write("{\"generator\": \"tools/int8_activations.py, TensorFlow %s, BUILTIN_REF\",\n"
                % tf.__version__)
        f.write(" \"cases\": [\n")
        for i, c in enumerate(cases):
            f.write("  " + json.dumps(c, separators=(",", ":")))
            f.write(",\n" if i + 1 < len(cases) else "\n")
        f.write(" ]}\n")


def main():
    import sys

    if sys.argv[1:] == ["--more"]:
        write(MORE, more())
        return
    cases = []
    every = [list(range(-128, 128))]
    for lo, hi in ELEMENTWISE_RANGES:
        cases.append(case("logistic", tf.math.sigmoid, s.BuiltinOperator.LOGISTIC,
                          256, lo, hi, every))
        cases.append(case("tanh", tf.math.tanh, s.BuiltinOperator.TANH, 256, lo, hi, every))
    for scale in ties("tanh", 4):
        cases.append(case("tanh", tf.math.tanh, s.BuiltinOperator.TANH, 256, -1.0, 1.0, every,
                          quantization=(scale, 0)))
    for scale in ties("logistic", 4):
        cases.append(case("logistic", tf.math.sigmoid, s.BuiltinOperator.LOGISTIC, 256, -1.0,
                          1.0, every, quantization=(scale, 0)))
    rng = np.random.default_rng(25)
    for beta in SOFTMAX_BETAS:
        for i, (lo, hi) in enumerate(SOFTMAX_RANGES):
            # Both widths at beta 1; one of them, in turn, at the other betas.
            for width in (10, 12) if beta == 1.0 else [(10, 12)[i % 2]]:
                rows = lambda scale, w=width, b=beta: softmax_rows(w, rng, scale, b)
                cases.append(case("softmax", tf.nn.softmax, s.BuiltinOperator.SOFTMAX, width,
                                  lo, hi, rows, beta))
    write(OUT, cases)


if __name__ == "__main__":
    main()
