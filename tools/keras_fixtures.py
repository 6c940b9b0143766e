"""Writes the Keras files that `tests/keras.rs` reads: every format `nn::keras` loads, made by real
Keras, with test inputs and Keras's outputs for them.

    python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras==3.15.1 'jax[cpu]' h5py
    KERAS_BACKEND=jax /tmp/kvenv/bin/python tools/keras_fixtures.py

    # the tf.keras 2 layout (`model_weights/dense/dense/kernel:0`) needs tf_keras:
    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu tf_keras h5py
    /tmp/tfvenv/bin/python tools/keras_fixtures.py --tf-keras

`--only-normalization`, `--only-recurrent`, `--only-sequences`, `--only-depthwise`,
`--only-separable`, `--only-blocks-trained` and `--only-depthwise-1d` write one group of files
(`--tf-keras-depthwise` and `--tf-keras-separable` one tf.keras 2 file).

The files are small (a few kB each) and committed, so tests and CI need no Python. Each model
`<name>` gets `<name>.keras` (and other formats where a case needs them) and `<name>.json`:
`{"keras": version, "inputs": [[...]], "outputs": [[...]]}`, one flattened sample per row,
channels last, float32 values written as exact decimals.
"""

import json
import os
import sys

os.environ.setdefault("JAX_ENABLE_X64", "1")

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "keras")


def randomize(model, rng):
    """Sets every weight to a random value, so that a wrong layout cannot pass by symmetry;
    variances stay positive."""
    for layer in model.layers:
        weights = []
        for w in layer.weights:
            value = rng.normal(0.0, 0.5, size=w.shape).astype("float32")
            if "variance" in getattr(w, "path", w.name):
                value = rng.uniform(0.5, 1.5, size=w.shape).astype("float32")
            weights.append(value)
        layer.set_weights(weights)


def write_io(name, model, x, version):
    y = np.asarray(model.predict(x, verbose=0), dtype="float32")
    data = {
        "keras": version,
        "inputs": x.reshape(len(x), -1).astype("float32").tolist(),
        "outputs": y.reshape(len(y), -1).tolist(),
    }
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(data, f)


def keras3():
    import keras
    from keras import layers

    rng = np.random.default_rng(7)
    version = keras.__version__

    def save(name, model, x, formats=("keras",)):
        randomize(model, rng)
        if "keras" in formats:
            model.save(os.path.join(OUT, name + ".keras"))
        if "weights" in formats:
            model.save_weights(os.path.join(OUT, name + ".weights.h5"))
        if "h5" in formats:
            model.save(os.path.join(OUT, name + ".h5"))
        write_io(name, model, x, version)

    # The card's MLP, in every format Keras 3 writes.
    mlp = keras.Sequential(
        [
            keras.Input((32,)),
            layers.Dense(64, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="classifier",
    )
    x = rng.normal(size=(4, 32)).astype("float32")
    save("mlp", mlp, x, formats=("keras", "weights", "h5"))
    mlp.save_weights(os.path.join(OUT, "mlp_sharded.weights.json"), max_shard_size=0.0000078)

    # Compiled models trained a few steps: the archive holds the optimizer's state. Keras orders
    # the slot variables differently by optimizer (Adam interleaves its two per weight, RMSprop
    # lists each slot for every weight in turn), so each optimizer with slots has a case.
    def trained(name, optimizer):
        model = keras.Sequential(
            [keras.Input((4,)), layers.Dense(8, activation="tanh"), layers.Dense(3, activation="softmax")],
            name=name,
        )
        model.compile(optimizer=optimizer, loss="categorical_crossentropy")
        xa = rng.normal(size=(16, 4)).astype("float32")
        ya = keras.utils.to_categorical(rng.integers(0, 3, size=16), 3)
        model.fit(xa, ya, batch_size=8, epochs=3, verbose=0)
        model.save(os.path.join(OUT, name + ".keras"))
        write_io(name, model, xa[:4], version)
        # What one more step of Keras's training does from the saved state, for the
        # resumed-training test.
        model.train_on_batch(xa[:8], ya[:8])
        with open(os.path.join(OUT, name + "_step.json"), "w") as f:
            json.dump(
                {
                    "x": xa[:8].tolist(),
                    "y": ya[:8].tolist(),
                    "weights": [w.numpy().reshape(-1).tolist() for w in model.weights],
                },
                f,
            )

    trained("adam_trained", keras.optimizers.Adam(learning_rate=0.01))
    trained("sgd_trained", keras.optimizers.SGD(learning_rate=0.05, momentum=0.9))
    trained(
        "rmsprop_trained",
        keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    )

    # A CNN with batch normalization and both pools.
    cnn = keras.Sequential(
        [
            keras.Input((10, 10, 2)),
            layers.Conv2D(4, 3, activation="relu", padding="same"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Conv2D(6, (2, 3), strides=(1, 2), activation="elu"),
            layers.AveragePooling2D((2, 1)),
            layers.Flatten(),
            layers.Dense(5, activation="softmax"),
        ],
        name="cnn",
    )
    save("cnn", cnn, rng.normal(size=(3, 10, 10, 2)).astype("float32"), formats=("keras", "weights"))

    # Global pools, a batch-normalized vector, the activation layers.
    gp = keras.Sequential(
        [
            keras.Input((6, 6, 3)),
            layers.Conv2D(4, 3, padding="same"),
            layers.PReLU(),
            layers.GlobalMaxPooling2D(),
            layers.Dense(6),
            layers.BatchNormalization(momentum=0.9, epsilon=0.01),
            layers.LeakyReLU(negative_slope=0.1),
            layers.Dense(4),
            layers.ELU(alpha=0.5),
            layers.Activation("tanh"),
        ],
        name="layers_zoo",
    )
    save("zoo", gp, rng.normal(size=(3, 6, 6, 3)).astype("float32"))
    gap = keras.Sequential(
        [keras.Input((5, 5, 2)), layers.Conv2D(3, 2), layers.GlobalAveragePooling2D(), layers.Dense(2)],
        name="gap",
    )
    save("gap", gap, rng.normal(size=(2, 5, 5, 2)).astype("float32"))

    # Every activation we implement, each on a Dense layer.
    names = [
        "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "softplus", "softsign",
        "mish", "exponential", "sigmoid", "hard_sigmoid", "silu", "hard_silu", "tanh",
        "log_softmax", "softmax",
    ]
    act = keras.Sequential(
        [keras.Input((5,))] + [layers.Dense(5, activation=a) for a in names], name="activations"
    )
    save("activations", act, rng.normal(size=(4, 5)).astype("float32"))

    # use_bias = False shifts BatchNormalization's and the next layers' indices.
    nb = keras.Sequential(
        [
            keras.Input((4, 4, 1)),
            layers.Conv2D(2, 2, use_bias=False),
            layers.Flatten(),
            layers.Dense(3, use_bias=False, activation="sigmoid"),
            layers.Dense(2),
        ],
        name="no_bias",
    )
    save("no_bias", nb, rng.normal(size=(2, 4, 4, 1)).astype("float32"), formats=("keras", "weights"))

    # User-named layers in a functional model that is a plain chain.
    inputs = keras.Input((3,), name="features")
    h = layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = layers.Dense(2, name="scores")(h)
    named = keras.Model(inputs, outputs, name="named")
    save("named", named, rng.normal(size=(2, 3)).astype("float32"))

    # A functional model that is not a chain: loading it must fail clearly.
    inputs = keras.Input((3,))
    a = layers.Dense(3)(inputs)
    residual = keras.Model(inputs, layers.Add()([inputs, a]), name="residual")
    residual.save(os.path.join(OUT, "residual.keras"))

    # float64 weights, converted on load.
    wide = keras.Sequential(
        [keras.Input((3,)), layers.Dense(2, activation="tanh", dtype="float64")], name="float64"
    )
    save("float64", wide, rng.normal(size=(2, 3)).astype("float64"), formats=("keras",))


def keras3_blocks_trained():
    """Compiled functional models with blocks trained a few steps with Adam, as `adam_trained`
    is; Keras's order of their layers, which its optimizer's variables follow, differs from the
    declared one. `blocks_trained`: a residual block with batch normalization in its branch
    (non-trainable variables among the trainable ones; the dense layer before it has no bias,
    whose gradient batch normalization makes zero but for rounding, which Adam amplifies) and a
    concatenation of branches of different lengths. `nested_trained`: blocks within blocks, two
    of their dense layers of the same shape. Their own random numbers (and seeded
    initializers); `--only-blocks-trained` writes just these files (`<name>.keras`, `.json`,
    `_step.json`). The committed ones were made on Keras 3.15.1's TensorFlow backend
    (TensorFlow 2.21)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(17)
    rng = np.random.default_rng(17)

    def trained(name, inputs, outputs, declared):
        model = keras.Model(inputs, outputs, name=name)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="categorical_crossentropy")
        xa = rng.normal(size=(16, inputs.shape[-1])).astype("float32")
        ya = keras.utils.to_categorical(rng.integers(0, 3, size=16), 3)
        model.fit(xa, ya, batch_size=8, epochs=3, verbose=0)
        model.save(os.path.join(OUT, name + ".keras"))
        write_io(name, model, xa[:4], keras.__version__)
        # One more step; the weights listed by `declared`, the layers in the declaration's
        # order (each layer's weights in Keras's order), as `nn` lists its parameters.
        model.train_on_batch(xa[:8], ya[:8])
        weights = [np.asarray(w.numpy()).reshape(-1).tolist() for l in declared for w in l.weights]
        with open(os.path.join(OUT, name + "_step.json"), "w") as f:
            json.dump({"x": xa[:8].tolist(), "y": ya[:8].tolist(), "weights": weights}, f)

    inputs = keras.Input((5,))
    first = layers.Dense(6, activation="tanh")
    branch = layers.Dense(6, use_bias=False)
    norm = layers.BatchNormalization()
    left = layers.Dense(4, activation="relu")
    right = layers.Dense(5, activation="tanh")
    right_out = layers.Dense(3)
    last = layers.Dense(3, activation="softmax")
    h = first(inputs)
    r = layers.Add()([h, norm(branch(h))])
    c = layers.Concatenate()([left(r), right_out(right(r))])
    trained("blocks_trained", inputs, last(c), [first, branch, norm, left, right, right_out, last])

    inputs = keras.Input((4,))
    first = layers.Dense(5, activation="tanh")
    side = layers.Dense(2)
    deep = layers.Dense(5, activation="relu")
    minus = layers.Dense(3)
    into = layers.Dense(3)
    gate = layers.Dense(3, activation="tanh")
    last = layers.Dense(3, activation="softmax")
    h = first(inputs)
    r = deep(h)
    m = into(r)
    s = layers.Subtract()([minus(r), layers.Multiply()([gate(m), m])])
    c = layers.Concatenate()([side(h), s])
    trained("nested_trained", inputs, last(c), [first, side, deep, minus, into, gate, last])


def keras3_normalization():
    """LayerNormalization over an image's channels and a vector's units, with and without its
    weights. Its own random numbers, so that adding it left the other fixtures as they were;
    `--only-normalization` writes just these files."""
    import keras
    from keras import layers

    rng = np.random.default_rng(13)
    model = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            layers.LayerNormalization(),
            layers.Conv2D(4, 3, activation="tanh"),
            layers.LayerNormalization(epsilon=1e-5, center=False),
            layers.Flatten(),
            layers.Dense(6),
            layers.LayerNormalization(scale=False),
            layers.Dense(5),
            layers.LayerNormalization(epsilon=0.1, center=False, scale=False),
        ],
        name="layer_norm",
    )
    randomize(model, rng)
    model.save(os.path.join(OUT, "layer_norm.keras"))
    write_io("layer_norm", model, rng.normal(size=(3, 4, 4, 3)).astype("float32"), keras.__version__)
    # Normalized over every axis of the image: `nn` normalizes over the last only, so loading
    # this must fail, naming the axis.
    axes = keras.Sequential(
        [keras.Input((2, 2, 3)), layers.LayerNormalization(axis=[1, 2, 3])], name="layer_norm_axes"
    )
    axes.save(os.path.join(OUT, "layer_norm_axes.keras"))


def keras3_recurrent():
    """An LSTM's weights, inputs and outputs (its last step and every step), as JSON: the layer
    is set from the weights by the test (no file format involved). Its own random numbers;
    `--only-recurrent` writes just this file."""
    import keras
    from keras import layers

    rng = np.random.default_rng(17)
    steps, features, units = 5, 3, 4
    lstm = layers.LSTM(units, return_sequences=True)
    model = keras.Sequential([keras.Input((steps, features)), lstm])
    weights = [rng.normal(0.0, 0.5, size=w.shape).astype("float32") for w in lstm.get_weights()]
    lstm.set_weights(weights)
    x = rng.normal(size=(3, steps, features)).astype("float32")
    sequences = np.asarray(model.predict(x, verbose=0), dtype="float32")
    data = {
        "keras": keras.__version__,
        "steps": steps,
        "features": features,
        "units": units,
        "kernel": weights[0].reshape(-1).tolist(),
        "recurrent_kernel": weights[1].reshape(-1).tolist(),
        "bias": weights[2].reshape(-1).tolist(),
        "inputs": x.reshape(len(x), -1).tolist(),
        "sequences": sequences.reshape(len(x), -1).tolist(),
        "last": sequences[:, -1, :].tolist(),
    }
    with open(os.path.join(OUT, "lstm.json"), "w") as f:
        json.dump(data, f)

    # Stacked LSTMs in a model file, with layer normalization over each step.
    stacked = keras.Sequential(
        [
            keras.Input((steps, features)),
            layers.LayerNormalization(),
            layers.LSTM(6, return_sequences=True),
            layers.LSTM(units),
            layers.Dense(2, activation="softmax"),
        ],
        name="lstm_model",
    )
    randomize(stacked, rng)
    stacked.save(os.path.join(OUT, "lstm_model.keras"))
    write_io(
        "lstm_model", stacked, rng.normal(size=(3, steps, features)).astype("float32"), keras.__version__
    )

    # GRUs (reset_after, the default: a bias of shape (2, 3 units)), every step then the last.
    grus = keras.Sequential(
        [
            keras.Input((steps, features)),
            layers.GRU(6, return_sequences=True),
            layers.Dropout(0.1),
            layers.GRU(units),
            layers.Dense(2),
        ],
        name="gru_model",
    )
    randomize(grus, rng)
    grus.save(os.path.join(OUT, "gru_model.keras"))
    write_io("gru_model", grus, rng.normal(size=(3, steps, features)).astype("float32"), keras.__version__)

    # SimpleRNNs, every step then the last.
    rnns = keras.Sequential(
        [
            keras.Input((steps, features)),
            layers.SimpleRNN(6, return_sequences=True),
            layers.SimpleRNN(units),
            layers.Dense(2),
        ],
        name="simple_rnn_model",
    )
    randomize(rnns, rng)
    rnns.save(os.path.join(OUT, "simple_rnn_model.keras"))
    write_io(
        "simple_rnn_model", rnns, rng.normal(size=(3, steps, features)).astype("float32"), keras.__version__
    )


def keras3_sequences():
    """1-D convolutions and pools over sequences: every padding (valid, same, causal), strides,
    dilation, the 1-D pools and both global pools. Its own random numbers; `--only-sequences`
    writes just these files."""
    import keras
    from keras import layers

    rng = np.random.default_rng(23)
    version = keras.__version__

    def save(name, model, x):
        randomize(model, rng)
        model.save(os.path.join(OUT, name + ".keras"))
        write_io(name, model, x, version)

    convs = keras.Sequential(
        [
            keras.Input((16, 3)),
            layers.Conv1D(4, 3, padding="causal", dilation_rate=2, activation="relu"),
            layers.MaxPooling1D(2),
            layers.Conv1D(5, 2, padding="same", strides=2, activation="tanh"),
            layers.AveragePooling1D(2, strides=1, padding="same"),
            layers.Conv1D(6, 2, dilation_rate=2),
            layers.GlobalMaxPooling1D(),
            layers.Dense(3),
        ],
        name="conv1d_model",
    )
    save("conv1d_model", convs, rng.normal(size=(3, 16, 3)).astype("float32"))

    pools = keras.Sequential(
        [
            keras.Input((10, 2)),
            layers.Conv1D(3, 4, use_bias=False),
            layers.MaxPooling1D(3, strides=2, padding="same"),
            layers.AveragePooling1D(2, strides=1),
            layers.GlobalAveragePooling1D(),
            layers.Dense(2, activation="softmax"),
        ],
        name="pool1d_model",
    )
    save("pool1d_model", pools, rng.normal(size=(3, 10, 2)).astype("float32"))

    # Token ids (as float32, as `nn` takes them) through an embedding, a causal convolution and
    # a GRU.
    tokens = keras.Sequential(
        [
            keras.Input((8,)),
            layers.Embedding(20, 4),
            layers.Conv1D(6, 3, padding="causal", activation="relu"),
            layers.GRU(5),
            layers.Dense(2, activation="softmax"),
        ],
        name="embedding_model",
    )
    save("embedding_model", tokens, rng.integers(0, 20, size=(4, 8)).astype("float32"))

    # Bidirectional layers with every merge mode, and layers that go backwards on their own.
    both = keras.Sequential(
        [
            keras.Input((5, 3)),
            layers.Bidirectional(layers.LSTM(4, return_sequences=True)),
            layers.Bidirectional(layers.GRU(3), merge_mode="sum"),
            layers.Dense(2),
        ],
        name="bidirectional_model",
    )
    save("bidirectional_model", both, rng.normal(size=(3, 5, 3)).astype("float32"))
    merges = keras.Sequential(
        [
            keras.Input((6, 2)),
            layers.Bidirectional(layers.SimpleRNN(3, return_sequences=True), merge_mode="mul"),
            layers.Bidirectional(layers.LSTM(2, return_sequences=True), merge_mode="ave"),
            layers.LSTM(3, go_backwards=True, return_sequences=True),
            layers.GRU(2, go_backwards=True),
            layers.Dense(1),
        ],
        name="backwards_model",
    )
    save("backwards_model", merges, rng.normal(size=(3, 6, 2)).astype("float32"))

    # A sequence out, with a softmax over each step's values (the last axis).
    tagger = keras.Sequential(
        [keras.Input((5, 3)), layers.GRU(4, return_sequences=True), layers.Activation("softmax")],
        name="tagger_model",
    )
    save("tagger_model", tagger, rng.normal(size=(3, 5, 3)).astype("float32"))


def keras3_depthwise():
    """Depthwise convolutions: depth multipliers, strides with same padding (Keras's uneven
    padding with an even kernel), dilation with strides (which Keras 3 allows here), no bias,
    activations. Its own random numbers;
    `--only-depthwise` writes just this file."""
    import keras
    from keras import layers

    rng = np.random.default_rng(29)
    model = keras.Sequential(
        [
            keras.Input((9, 8, 3)),
            layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="relu"),
            layers.DepthwiseConv2D(
                (2, 3), strides=(2, 1), dilation_rate=(2, 1), use_bias=False, activation="tanh"
            ),
            layers.DepthwiseConv2D(2, padding="same"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3, activation="softmax"),
        ],
        name="depthwise_model",
    )
    randomize(model, rng)
    model.save(os.path.join(OUT, "depthwise_model.keras"))
    write_io("depthwise_model", model, rng.normal(size=(3, 9, 8, 3)).astype("float32"), keras.__version__)


def keras3_separable():
    """Separable convolutions: strides with same padding and a depth multiplier, dilation
    without bias. Its own random numbers; `--only-separable` writes just this file."""
    import keras
    from keras import layers

    rng = np.random.default_rng(37)
    model = keras.Sequential(
        [
            keras.Input((8, 7, 3)),
            layers.SeparableConv2D(
                4, 3, strides=2, padding="same", depth_multiplier=2, activation="relu"
            ),
            layers.SeparableConv2D(3, (2, 2), dilation_rate=(2, 1), use_bias=False, activation="tanh"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2, activation="softmax"),
        ],
        name="separable_model",
    )
    randomize(model, rng)
    model.save(os.path.join(OUT, "separable_model.keras"))
    write_io("separable_model", model, rng.normal(size=(3, 8, 7, 3)).astype("float32"), keras.__version__)


def keras3_depthwise_1d():
    """Depthwise and separable convolutions along steps: a depth multiplier with strides and
    same padding, an even kernel with Keras's uneven same padding, dilation with strides (which
    Keras 3 allows here), no bias; flattened into a linear layer, so every step's value counts.
    Its own random numbers; `--only-depthwise-1d` writes just this file."""
    import keras
    from keras import layers

    rng = np.random.default_rng(43)
    model = keras.Sequential(
        [
            keras.Input((20, 3)),
            layers.DepthwiseConv1D(3, strides=2, padding="same", depth_multiplier=2, activation="relu"),
            layers.DepthwiseConv1D(4, padding="same"),
            layers.DepthwiseConv1D(2, strides=2, dilation_rate=2, use_bias=False, activation="tanh"),
            layers.SeparableConv1D(4, 3, padding="same", depth_multiplier=2, activation="relu"),
            layers.SeparableConv1D(3, 2, strides=2, dilation_rate=2, padding="same", use_bias=False),
            layers.Flatten(),
            layers.Dense(2),
        ],
        name="depthwise_1d_model",
    )
    randomize(model, rng)
    model.save(os.path.join(OUT, "depthwise_1d_model.keras"))
    write_io("depthwise_1d_model", model, rng.normal(size=(3, 20, 3)).astype("float32"), keras.__version__)


def tf_keras2_separable():
    """A tf.keras 2 `SeparableConv2D` in the legacy `.h5` layout."""
    import tf_keras as keras
    from tf_keras import layers

    rng = np.random.default_rng(41)
    model = keras.Sequential(
        [keras.Input((5, 6, 2)),
         layers.SeparableConv2D(3, 3, depth_multiplier=2, padding="same", activation="relu"),
         layers.GlobalAveragePooling2D(),
         layers.Dense(2)],
        name="tf2_separable",
    )
    randomize(model, rng)
    model.save(os.path.join(OUT, "tf2_separable.h5"))
    write_io("tf2_separable", model, rng.normal(size=(3, 5, 6, 2)).astype("float32"), keras.__version__)


def tf_keras2_depthwise():
    """A tf.keras 2 `DepthwiseConv2D`, whose configuration carries `groups: 1` (which Keras 3
    refuses), in the legacy `.h5` layout."""
    import tf_keras as keras
    from tf_keras import layers

    rng = np.random.default_rng(31)
    model = keras.Sequential(
        [keras.Input((6, 5, 2)),
         layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu"),
         layers.GlobalAveragePooling2D(),
         layers.Dense(2)],
        name="tf2_depthwise",
    )
    randomize(model, rng)
    model.save(os.path.join(OUT, "tf2_depthwise.h5"))
    write_io("tf2_depthwise", model, rng.normal(size=(3, 6, 5, 2)).astype("float32"), keras.__version__)


def tf_keras2():
    import tf_keras as keras
    from tf_keras import layers

    rng = np.random.default_rng(11)
    mlp = keras.Sequential(
        [keras.Input((6,)), layers.Dense(5, activation="relu"), layers.Dropout(0.2),
         layers.Dense(3, activation="softmax")],
        name="tf2_mlp",
    )
    randomize(mlp, rng)
    mlp.save(os.path.join(OUT, "tf2_mlp.h5"))
    write_io("tf2_mlp", mlp, rng.normal(size=(3, 6)).astype("float32"), keras.__version__)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    if "--tf-keras" in sys.argv:
        tf_keras2()
        tf_keras2_depthwise()
        tf_keras2_separable()
    elif "--tf-keras-depthwise" in sys.argv:
        tf_keras2_depthwise()
    elif "--tf-keras-separable" in sys.argv:
        tf_keras2_separable()
    elif "--only-depthwise" in sys.argv:
        keras3_depthwise()
    elif "--only-separable" in sys.argv:
        keras3_separable()
    elif "--only-depthwise-1d" in sys.argv:
        keras3_depthwise_1d()
    elif "--only-normalization" in sys.argv:
        keras3_normalization()
    elif "--only-recurrent" in sys.argv:
        keras3_recurrent()
    elif "--only-sequences" in sys.argv:
        keras3_sequences()
    elif "--only-blocks-trained" in sys.argv:
        keras3_blocks_trained()
    else:
        keras3()
        keras3_normalization()
        keras3_recurrent()
        keras3_sequences()
        keras3_depthwise()
        keras3_separable()
        keras3_blocks_trained()
        keras3_depthwise_1d()
