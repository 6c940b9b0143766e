#!/usr/bin/env python3
"""Records what TensorFlow's own flatbuffer reader (the schema's generated Python code, in
TensorFlow 2.21.0's `tensorflow/lite/python/schema_py_generated.py`) finds in each `.tflite`
fixture, for `nn-tflite/tests/mlperf_tiny.rs` to compare with ours: per subgraph its inputs and
outputs, every operator (builtin code, inputs, outputs, options kind and the settings our
reader decodes) and every tensor (name, shape, type, buffer, scales, zero points, quantized
dimension); and each buffer's length.

    /path/to/venv/bin/python tools/tflite_structure.py   # writes <file>.tflite.json beside each

(`tests/fixtures/tflite/int8_ops.tflite` is made by `tools/int8_reference.py`, which runs
`structure` on it.) It first makes `tests/fixtures/tflite/windows.tflite` (TensorFlow 2.21.0's converter, from a
small Keras model with strides, dilations and windows that differ along height and width, so
that a reader that swaps them is caught; MLPerf Tiny's models have square ones), and last
records TensorFlow Lite's reference kernels' outputs on `ad01_int8.tflite`
(`ad01_int8.reference.json`).
"""
import json
import os

from tensorflow.lite.python import schema_py_generated as s

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures")
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
] + [os.path.join(FIXTURES, "tflite", name) for name in ["windows.tflite", "int8_ops.tflite"]]


def make_windows():
    import tensorflow as tf

    k = tf.keras
    tf.random.set_seed(1)
    inp = k.Input((12, 10, 3), batch_size=1)
    x = k.layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu6")(inp)
    x = k.layers.DepthwiseConv2D((2, 3), dilation_rate=(1, 2), padding="valid", activation="relu")(x)
    x = k.layers.MaxPooling2D((3, 2), strides=(1, 2))(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dense(5, activation="softmax")(x)
    converter = tf.lite.TFLiteConverter.from_keras_model(k.Model(inp, x))
    with open(os.path.join(FIXTURES, "tflite", "windows.tflite"), "wb") as f:
        f.write(converter.convert())


def options(op):
    kind = op.BuiltinOptionsType()
    table = op.BuiltinOptions()
    if table is None:
        return {"kind": kind}
    o = {"kind": kind}
    if kind == s.BuiltinOptions.Conv2DOptions:
        x = s.Conv2DOptions(); x.Init(table.Bytes, table.Pos)
        o.update(padding=x.Padding(), strides=[x.StrideH(), x.StrideW()],
                 dilation=[x.DilationHFactor(), x.DilationWFactor()],
                 activation=x.FusedActivationFunction())
    elif kind == s.BuiltinOptions.DepthwiseConv2DOptions:
        x = s.DepthwiseConv2DOptions(); x.Init(table.Bytes, table.Pos)
        o.update(padding=x.Padding(), strides=[x.StrideH(), x.StrideW()],
                 dilation=[x.DilationHFactor(), x.DilationWFactor()],
                 depth_multiplier=x.DepthMultiplier(), activation=x.FusedActivationFunction())
    elif kind == s.BuiltinOptions.Pool2DOptions:
        x = s.Pool2DOptions(); x.Init(table.Bytes, table.Pos)
        o.update(padding=x.Padding(), strides=[x.StrideH(), x.StrideW()],
                 filter=[x.FilterHeight(), x.FilterWidth()], activation=x.FusedActivationFunction())
    elif kind == s.BuiltinOptions.FullyConnectedOptions:
        x = s.FullyConnectedOptions(); x.Init(table.Bytes, table.Pos)
        o.update(activation=x.FusedActivationFunction(), keep_num_dims=bool(x.KeepNumDims()))
    elif kind == s.BuiltinOptions.SoftmaxOptions:
        x = s.SoftmaxOptions(); x.Init(table.Bytes, table.Pos)
        o.update(beta=x.Beta())
    elif kind == s.BuiltinOptions.AddOptions:
        x = s.AddOptions(); x.Init(table.Bytes, table.Pos)
        o.update(activation=x.FusedActivationFunction())
    elif kind == s.BuiltinOptions.MulOptions:
        x = s.MulOptions(); x.Init(table.Bytes, table.Pos)
        o.update(activation=x.FusedActivationFunction())
    elif kind == s.BuiltinOptions.ConcatenationOptions:
        x = s.ConcatenationOptions(); x.Init(table.Bytes, table.Pos)
        o.update(axis=x.Axis(), activation=x.FusedActivationFunction())
    elif kind == s.BuiltinOptions.LeakyReluOptions:
        x = s.LeakyReluOptions(); x.Init(table.Bytes, table.Pos)
        o.update(alpha=x.Alpha())
    elif kind == s.BuiltinOptions.GeluOptions:
        x = s.GeluOptions(); x.Init(table.Bytes, table.Pos)
        o.update(approximate=bool(x.Approximate()))
    elif kind == s.BuiltinOptions.ReshapeOptions:
        x = s.ReshapeOptions(); x.Init(table.Bytes, table.Pos)
        o.update(new_shape=[int(v) for v in x.NewShapeAsNumpy()] if x.NewShapeLength() else [])
    elif kind == s.BuiltinOptions.StridedSliceOptions:
        x = s.StridedSliceOptions(); x.Init(table.Bytes, table.Pos)
        o.update(begin_mask=x.BeginMask(), end_mask=x.EndMask(), ellipsis_mask=x.EllipsisMask(),
                 new_axis_mask=x.NewAxisMask(), shrink_axis_mask=x.ShrinkAxisMask())
    elif kind == s.BuiltinOptions.UnidirectionalSequenceLSTMOptions:
        x = s.UnidirectionalSequenceLSTMOptions(); x.Init(table.Bytes, table.Pos)
        o.update(activation=x.FusedActivationFunction(), cell_clip=x.CellClip(),
                 proj_clip=x.ProjClip(), time_major=x.TimeMajor())
    return o


def main():
    make_windows()
    for name in FILES:
        structure(name)


def structure(name):
    """Writes `<name>.json`, what TensorFlow's flatbuffer reader finds in the file `name`."""
    data = open(name, "rb").read()
    m = s.Model.GetRootAs(data, 0)
    codes = []
    for i in range(m.OperatorCodesLength()):
        c = m.OperatorCodes(i)
        codes.append(max(c.BuiltinCode(), c.DeprecatedBuiltinCode()))
    subgraphs = []
    for g in range(m.SubgraphsLength()):
        sg = m.Subgraphs(g)
        tensors = []
        for t in range(sg.TensorsLength()):
            x = sg.Tensors(t)
            q = x.Quantization()
            scale = [float(v) for v in q.ScaleAsNumpy()] if q is not None and q.ScaleLength() else []
            zero = [int(v) for v in q.ZeroPointAsNumpy()] if q is not None and q.ZeroPointLength() else []
            tensors.append({
                "name": x.Name().decode(),
                "shape": [int(v) for v in x.ShapeAsNumpy()] if x.ShapeLength() else [],
                "type": x.Type(),
                "buffer": x.Buffer(),
                "scale": scale,
                "zero_point": zero,
                "dimension": q.QuantizedDimension() if q is not None and scale else 0,
            })
            if x.IsVariable():
                # Only where true (an LSTM's states): the files recorded before have none.
                tensors[-1]["is_variable"] = True
        ops = []
        for o in range(sg.OperatorsLength()):
            op = sg.Operators(o)
            ops.append({
                "code": codes[op.OpcodeIndex()],
                "inputs": [int(v) for v in op.InputsAsNumpy()] if op.InputsLength() else [],
                "outputs": [int(v) for v in op.OutputsAsNumpy()] if op.OutputsLength() else [],
                "options": options(op),
            })
            if op.IntermediatesLength():
                # Only where there are some (an LSTM's): the files recorded before have none.
                ops[-1]["intermediates"] = [int(v) for v in op.IntermediatesAsNumpy()]
        subgraphs.append({
            "inputs": [int(v) for v in sg.InputsAsNumpy()],
            "outputs": [int(v) for v in sg.OutputsAsNumpy()],
            "tensors": tensors,
            "operators": ops,
        })
    buffers = [m.Buffers(b).DataLength() for b in range(m.BuffersLength())]
    record = {"version": m.Version(), "subgraphs": subgraphs, "buffers": buffers}
    with open(name + ".json", "w") as f:
        json.dump(record, f)
    print(os.path.basename(name), len(subgraphs[0]["operators"]), "operators")


def record_ad01_reference():
    """TensorFlow Lite's reference kernels (`BUILTIN_REF`) on `ad01_int8.tflite`: eight seeded
    int8 inputs and the int8 outputs, into `ad01_int8.reference.json`."""
    import numpy as np
    import tensorflow as tf

    path = FILES[0]
    interpreter = tf.lite.Interpreter(
        model_path=path,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
    )
    interpreter.allocate_tensors()
    inp = interpreter.get_input_details()[0]
    out = interpreter.get_output_details()[0]
    rng = np.random.default_rng(25)
    inputs, outputs = [], []
    for _ in range(8):
        x = rng.integers(-128, 128, size=inp["shape"], dtype=np.int8)
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        inputs.append([int(v) for v in x.ravel()])
        outputs.append([int(v) for v in interpreter.get_tensor(out["index"]).ravel()])
    with open(path.replace(".tflite", ".reference.json"), "w") as f:
        json.dump({"interpreter": "tf.lite BUILTIN_REF, TensorFlow " + tf.__version__,
                   "inputs": inputs, "outputs": outputs}, f)


if __name__ == "__main__":
    main()
    record_ad01_reference()
