"""Writes `tests/fixtures/keras/defaults.json`: what Keras builds each layer class `nn` supports
with when a `config.json` leaves a setting out. `nn_keras::defaults::missing` is checked against
it by a test in `nn-keras/src/defaults.rs`, so tests and CI need no Python.

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras==3.15.1 'jax[cpu]' h5py
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/keras_defaults.py

Provenance: every value in the fixture is what the installed Keras (its version is written in
the fixture as `keras`, with the backend) answered; nothing is typed in by hand but the
constructor arguments below. The classes are read from `nn-keras/src/class.rs`, so a class added
there without a constructor here stops the script.

For each class the script builds a layer with its required arguments only (`ARGUMENTS`; every
pool gets `pool_size=3`, which the average pools require and which keeps "the strides are the
pool size" apart from the max pools' default size 2), takes its `get_config()` as `config`, and for every key of that
configuration calls `from_config` on the configuration without the key, as loading a file that
leaves the key out does (`keras.saving` calls the class's `from_config` with the file's
`config`). The fixture records, per class:

* `arguments`: the constructor's arguments;
* `config`: `get_config()` of the layer built with them;
* `missing`: per key, `{"value": v}`, the rebuilt layer's `get_config()[key]`, or
  `{"required": "Error: message"}` (its last line) where `from_config` fails without the key (or
  `{"absent": true}` where it succeeds but the rebuilt configuration has no such key).

Values are as `get_config()` gives them, written by `json` (tuples become lists).
"""

import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "keras", "defaults.json")
CLASSES = os.path.join(HERE, "..", "nn-keras", "src", "class.rs")

# Each class's required constructor arguments (and a pool's non-default size, see above). A
# wrapped layer is given by its class and arguments.
ARGUMENTS = {
    "InputLayer": {"shape": (4,)},
    "Dense": {"units": 3},
    "Dropout": {"rate": 0.5},
    "Conv1D": {"filters": 2, "kernel_size": 3},
    "Conv2D": {"filters": 2, "kernel_size": 3},
    "DepthwiseConv2D": {"kernel_size": 3},
    "SeparableConv2D": {"filters": 2, "kernel_size": 3},
    "DepthwiseConv1D": {"kernel_size": 3},
    "SeparableConv1D": {"filters": 2, "kernel_size": 3},
    "MaxPooling1D": {"pool_size": 3},
    "AveragePooling1D": {"pool_size": 3},
    "MaxPooling2D": {"pool_size": 3},
    "AveragePooling2D": {"pool_size": 3},
    "GlobalAveragePooling1D": {},
    "GlobalMaxPooling1D": {},
    "GlobalAveragePooling2D": {},
    "GlobalMaxPooling2D": {},
    "Embedding": {"input_dim": 5, "output_dim": 3},
    "Bidirectional": {"layer": ("LSTM", {"units": 3})},
    "Flatten": {},
    "SimpleRNN": {"units": 3},
    "GRU": {"units": 3},
    "LSTM": {"units": 3},
    "LayerNormalization": {},
    "BatchNormalization": {},
    "Activation": {"activation": "relu"},
    "LeakyReLU": {},
    "ELU": {},
    "PReLU": {},
}


def supported_classes():
    """The Keras class names in `nn-keras/src/class.rs`, in its order."""
    with open(CLASSES) as f:
        return re.findall(r'pub const \w+: &str = "(\w+)";', f.read())


def is_layer(value):
    """Whether an argument of `ARGUMENTS` is a wrapped layer: `(class, arguments)`."""
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict)


def build(layers, cls, arguments):
    """A layer of class `cls` built with `arguments`, wrapped layers built first."""
    kwargs = {}
    for key, value in arguments.items():
        kwargs[key] = getattr(layers, value[0])(**value[1]) if is_layer(value) else value
    return cls(**kwargs)


def described(arguments):
    """The constructor arguments as the fixture writes them: a wrapped layer as its class and
    arguments."""
    return plain(
        {
            key: {"class_name": value[0], "config": value[1]} if is_layer(value) else value
            for key, value in arguments.items()
        }
    )


def reason(error):
    """The gist of why `from_config` failed: Keras's message repeats the whole configuration
    before the exception it met, which is all that is kept."""
    last = [line for line in str(error).splitlines() if line.strip()][-1]
    return f"{type(error).__name__}: {last.removeprefix('Exception encountered: ')}"


def plain(value):
    """A configuration value as JSON writes it (tuples as lists, nested objects as they are)."""
    return json.loads(json.dumps(value))


def main():
    import keras
    from keras import layers

    classes = supported_classes()
    unknown = [c for c in classes if c not in ARGUMENTS]
    if unknown:
        raise SystemExit(f"no constructor arguments for {unknown}: add them to ARGUMENTS")

    fixture = {
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "image_data_format": keras.backend.image_data_format(),
        "provenance": (
            "written by tools/keras_defaults.py from what this Keras answered: per class, "
            "get_config() of a layer built with `arguments`, and per key of it, "
            "get_config()[key] of from_config(config without key), or its error"
        ),
        "classes": {},
    }
    for name in classes:
        cls = getattr(layers, name)
        arguments = ARGUMENTS[name]
        config = plain(build(layers, cls, arguments).get_config())
        missing = {}
        for key in config:
            partial = {k: v for k, v in config.items() if k != key}
            try:
                rebuilt = plain(cls.from_config(partial).get_config())
            except Exception as error:  # what Keras raises is the answer: the key is required
                missing[key] = {"required": reason(error)}
                continue
            missing[key] = {"value": rebuilt[key]} if key in rebuilt else {"absent": True}
        fixture["classes"][name] = {
            "arguments": described(arguments),
            "config": config,
            "missing": missing,
        }
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)}: {len(classes)} classes, Keras {keras.__version__}")


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    main()
