#!/usr/bin/env python3
"""TensorFlow Lite's interpreter on MLPerf Tiny's float reference models, one thread, XNNPACK
(TensorFlow's default delegate): the median time of one inference and of a batch of 32, per
sample, to set next to `NN_THREADS=1 cargo bench --bench mlperf_tiny` run in the same minutes.

    python benches/tflite_mlperf.py <mlcommons/tiny checkout>

(TensorFlow 2.21.0 was used: `pip install tensorflow`.)
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf

MODELS = {
    "ad01": "anomaly_detection/trained_models/ad01_fp32.tflite",
    "pretrainedResnet": "image_classification/trained_models/pretrainedResnet.tflite",
    "vww_96": "visual_wake_words/trained_models/vww_96_float.tflite",
    # Not all float: five of its weight tensors are int8 (dequantized by the interpreter).
    "kws_ref_model": "keyword_spotting/trained_models/kws_ref_model_float32.tflite",
    # The streaming wake word model has no float .tflite file.
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


def main():
    root = os.path.join(sys.argv[1], "benchmark/training")
    for name, path in MODELS.items():
        results = []
        for batch in (1, 32):
            interpreter = tf.lite.Interpreter(model_path=os.path.join(root, path), num_threads=1)
            detail = interpreter.get_input_details()[0]
            shape = [batch] + list(detail["shape"][1:])
            interpreter.resize_tensor_input(detail["index"], shape)
            interpreter.allocate_tensors()
            x = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
            interpreter.set_tensor(detail["index"], x)
            results.append(median(3.0, interpreter.invoke) / batch)
        print(f"{name}: invoke {results[0] * 1e6:.1f} µs; batch of 32 {results[1] * 1e6:.1f} µs per sample")


if __name__ == "__main__":
    main()
