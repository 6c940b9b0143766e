#!/usr/bin/env python3
"""TensorFlow Lite's int8 interpreter on MLPerf Tiny's five int8 reference files
(`tests/fixtures/mlperf_tiny/`), one thread: the median time of one inference with the default
op resolver (the optimized kernels, XNNPACK off as it does not take these models whole) and
with BUILTIN_REF (the reference kernels nn's int8 layers match bit for bit), to set next to
`NN_THREADS=1 cargo bench --bench int8_mlperf` run in the same minutes.

    python benches/tflite_int8_mlperf.py

(TensorFlow 2.21.0 was used: `pip install tensorflow`.)
"""
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests/fixtures/mlperf_tiny")

MODELS = {
    "ad01": "ad01_int8",
    "pretrainedResnet": "pretrainedResnet_quant",
    "vww_96": "vww_96_int8",
    "kws_ref_model": "kws_ref_model",
    "str_ww_ref_model": "str_ww_ref_model",
}

RESOLVERS = {
    "optimized": tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    "xnnpack": tf.lite.experimental.OpResolverType.AUTO,
    "reference": tf.lite.experimental.OpResolverType.BUILTIN_REF,
}


def median(budget, f):
    start = time.perf_counter()
    while time.perf_counter() - start < budget / 5:
        f()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < budget or len(times) < 11:
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def recorded_input(name):
    """The input the file's every tensor was recorded on (as `benches/int8_mlperf.rs` reads)."""
    with open(os.path.join(ROOT, name + ".tensors.json")) as f:
        index = json.load(f)
    offset, length = index["tensors"][str(index["inputs"][0])]
    with open(os.path.join(ROOT, name + ".tensors.bin"), "rb") as f:
        f.seek(offset)
        return np.frombuffer(f.read(length), dtype=np.int8)


def main():
    for name, file in MODELS.items():
        x = recorded_input(file)
        results = []
        for kind, resolver in RESOLVERS.items():
            interpreter = tf.lite.Interpreter(
                model_path=os.path.join(ROOT, file + ".tflite"),
                num_threads=1,
                experimental_op_resolver_type=resolver,
            )
            interpreter.allocate_tensors()
            detail = interpreter.get_input_details()[0]
            interpreter.set_tensor(detail["index"], x.reshape(detail["shape"]))
            results.append(f"{kind} {median(3.0, interpreter.invoke) * 1e6:.1f} µs")
        print(f"{name}: " + "; ".join(results))


if __name__ == "__main__":
    main()
