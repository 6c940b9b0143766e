"""Checks that the Keras files written by `nn` load in real Keras and compute what `nn` computes.

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras==3.15.1 'jax[cpu]' h5py
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/keras_roundtrip.py DIR [--rtol 1e-6] [--atol 1e-6]

DIR holds what a Rust test writes, per model `<name>`:

* `<name>.keras` (`nn`'s whole-model export) and/or `<name>.weights.h5` (weights only);
* `<name>.json`: `{"inputs": [[...]], "outputs": [[...]], "input_shape": [...]}`, one flattened
  sample per row, channels last, `input_shape` the shape of one sample (e.g. `[28, 28, 1]` or
  `[32]`), `outputs` the predictions `nn` made for those inputs.

For each `<name>.keras` the script loads it with `keras.saving.load_model`, predicts on the inputs
reshaped to `(n, *input_shape)` and compares with `outputs` (`np.allclose`, rtol and atol 1e-6
by default). For each `<name>.weights.h5` with a `<name>.keras` beside it, it loads the `.keras`
model, sets every weight to zero (so the check can only pass if the weights come from the
`.weights.h5` file), calls `model.load_weights` and compares the same way. A `.weights.h5`
without a `.keras` cannot be checked (Keras needs the architecture) and is reported as SKIP.

It prints one line per file, PASS or FAIL with the largest absolute difference, plus any
UserWarning Keras gave while loading (such as a layer it skipped), and exits with status 1 if any
check failed (or DIR held nothing to check), 0 otherwise. A JSON without `input_shape` falls back
to the model's own input shape.
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np


def load_case(directory, name):
    """The inputs, reshaped to (n, *input_shape), and `nn`'s outputs, (n, -1), of one model."""
    with open(os.path.join(directory, name + ".json")) as f:
        data = json.load(f)
    inputs = np.asarray(data["inputs"], dtype=np.float32)
    outputs = np.asarray(data["outputs"], dtype=np.float64)
    shape = data.get("input_shape")
    return inputs, outputs, shape


def compare(model, inputs, outputs, shape, rtol, atol):
    """(passed, message) for the model's predictions against `nn`'s outputs."""
    if shape is None:
        shape = [d for d in model.input_shape[1:]]
    x = inputs.reshape((len(inputs), *shape))
    predicted = np.asarray(model.predict(x, verbose=0), dtype=np.float64)
    predicted = predicted.reshape(len(predicted), -1)
    if predicted.shape != outputs.shape:
        return False, f"Keras predicts shape {predicted.shape}, the JSON has {outputs.shape}"
    diff = float(np.max(np.abs(predicted - outputs))) if predicted.size else 0.0
    ok = bool(np.allclose(predicted, outputs, rtol=rtol, atol=atol))
    message = f"max |diff| {diff:.3g} over {len(inputs)} samples"
    if not ok:
        excess = np.abs(predicted - outputs) - rtol * np.abs(outputs)
        i, j = np.unravel_index(np.argmax(excess), outputs.shape)
        message += (
            f"; worst: sample {i} output {j}: Keras {predicted[i, j]:.9g}, nn {outputs[i, j]:.9g}"
        )
    return ok, message


def check(directory, name, weights, rtol, atol):
    """(passed, message, warnings) for `<name>.keras`, or for `<name>.weights.h5` if `weights`."""
    import keras

    with warnings.catch_warnings(record=True) as caught:
        # Keras reports a file it half-reads (a skipped layer or optimizer) as a UserWarning;
        # other categories are Keras's own deprecations, not about the file.
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", UserWarning)
        try:
            inputs, outputs, shape = load_case(directory, name)
            model = keras.saving.load_model(os.path.join(directory, name + ".keras"))
            if weights:
                model.set_weights([np.zeros(w.shape, w.dtype) for w in model.get_weights()])
                model.load_weights(os.path.join(directory, name + ".weights.h5"))
            ok, message = compare(model, inputs, outputs, shape, rtol, atol)
        except Exception as e:  # a file Keras cannot read is a failure, not a crash
            ok, message = False, f"{type(e).__name__}: {e}"
    notes = [str(w.message).strip() for w in caught]
    return ok, message, notes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--rtol", type=float, default=1e-6)
    parser.add_argument("--atol", type=float, default=1e-6)
    args = parser.parse_args()

    files = sorted(os.listdir(args.directory))
    models = [f[: -len(".keras")] for f in files if f.endswith(".keras")]
    weight_files = [f[: -len(".weights.h5")] for f in files if f.endswith(".weights.h5")]

    failed = 0
    checked = 0
    jobs = [(n, False) for n in models] + [(n, True) for n in weight_files]
    for name, weights in sorted(jobs):
        label = name + (".weights.h5" if weights else ".keras")
        if weights and name not in models:
            print(f"SKIP  {label}: no {name}.keras beside it to build the model from")
            continue
        ok, message, notes = check(args.directory, name, weights, args.rtol, args.atol)
        checked += 1
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {message}")
        for note in notes:
            print(f"      warning: {note}")
        sys.stdout.flush()

    if checked == 0:
        print(f"FAIL  nothing to check in {args.directory}")
        return 1
    print(f"{checked - failed} of {checked} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
