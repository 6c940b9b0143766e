#!/usr/bin/env python3
"""Makes the ONNX files of `tests/fixtures/onnx` for `tests/onnx.rs`, and records what PyTorch
computes on them.

    /path/to/venv/bin/python tools/onnx_models.py

Each model is a small `nn.Sequential` (`tests/onnx.rs` declares the same layers), seeded,
trained a few steps of Adam on random data (so that no weight is where it started, and batch
normalization's running statistics are not 0 and 1), put in `eval()` mode and exported with
`torch.onnx.export(..., dynamo=False)` (the TorchScript exporter; opset 17), and also with the
dynamo exporter (`dynamo=True`, the exporter's own opset) where that one writes another graph:
`{name}.onnx` and `{name}_dynamo.onnx` (the nodes' metadata, where that exporter records the
Python stack, dropped). `{name}.json` holds three seeded inputs (in PyTorch's
channels-first layout, as PyTorch takes them), PyTorch's outputs for them, and ONNX Runtime's
outputs from each file (checked here to agree with PyTorch's to 1e-5).

The models: `mlp` (Linear, ReLU, Linear, Softmax; and `mlp_matmul.onnx`, the same graph with
its dense layers written as other exporters write them: `MatMul` and `Add`, `Gemm` without
`transB` and with `alpha`), `cnn` (Conv2d, BatchNorm2d, ReLU, MaxPool2d,
Flatten, Linear), `activations` (a Linear before each of LeakyReLU, ELU, SELU, GELU, Sigmoid,
Hardsigmoid, Tanh, Softplus, Softsign, PReLU and LogSoftmax), `pools` (AvgPool2d and
AdaptiveAvgPool2d(1), which is GlobalAveragePool), `pools1d` (MaxPool1d, AvgPool1d with stride
1, AdaptiveMaxPool1d(1)), `max_pool2d` (a padded MaxPool2d, AdaptiveMaxPool2d(1)), `norms` (BatchNorm2d and BatchNorm1d
after activations, which no exporter folds), `multiplier` (a depthwise convolution
with two kernels per channel, ReLU6), `separable` (a depthwise convolution, two kernels per
channel, and a pointwise one: Keras's SeparableConv2D), `gelu_tanh` (GELU's tanh approximation:
`Mul`s, `Add`s and a `Tanh` from the TorchScript exporter, `Gelu` from dynamo), `depthwise` (a convolution with
`groups` = channels, a batch normalization, a pointwise convolution), `conv1d`, `blocks`
(ResNet's identity and projection blocks, and a concatenation), and `unsupported` (with
`LayerNormalization` and `Cos`, which are not read), and `view` (`x.view(x.size(0), -1)` with
a dynamic batch: a `Reshape` whose shape is computed). The recurrent ones, each read
`batch_first` and followed by a Linear: `lstm` (the last step), `lstm_sequences` (every step,
flattened), `lstm_stacked` (`num_layers=2`), `gru`, `rnn` (tanh), `bilstm` (bidirectional, every
step), `bigru` (bidirectional, its last states `h_n` concatenated), `embedding_gru` (an Embedding
of token ids, a GRU, a softmax), `conv1d_lstm` (a Conv1d whose output is permuted into an
LSTM) and `gru_tanh_lstm` (a GRU's every step through a tanh into an LSTM); `mobilenet_v2`
(torchvision's MobileNetV2, not an `nn.Sequential`: see its function); `lstm_slice.onnx`,
`lstm.onnx` with its last step as a `Slice` and a `Squeeze`; and `hostile_lstm.onnx`, `hostile_gru.onnx`, made from two of them with what the declared
layers cannot compute.

`python tools/onnx_models.py lstm gru ...` makes only the models named (each with the seed it
has in the whole run), leaving the other files as they are.

Both exporters fold each batch normalization into the convolution before it (in `eval()` mode),
and the TorchScript one writes GELU as `Div`, `Erf`, `Add`, `Mul`, `Mul`; the dynamo exporter
writes opset 20 (`Gelu` of its own), softplus with PyTorch's threshold (`Greater`, `Where`),
`Reshape` for `Flatten`, `ReduceMean` for the global pool.
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "onnx")


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4), nn.Softmax(dim=1)), (6,)


def cnn():
    return (
        nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 3 * 4, 5),
        ),
        (3, 6, 8),
    )


def activations():
    layers = []
    width = 5
    for act in [
        nn.LeakyReLU(0.1),
        nn.ELU(0.7),
        nn.SELU(),
        nn.GELU(),
        nn.Sigmoid(),
        nn.Hardsigmoid(),
        nn.Tanh(),
        nn.Softplus(),
        nn.Softsign(),
        nn.PReLU(6),
    ]:
        layers += [nn.Linear(width, 6), act]
        width = 6
    layers += [nn.Linear(6, 4), nn.LogSoftmax(dim=1)]
    return nn.Sequential(*layers), (5,)


def pools():
    return (
        nn.Sequential(
            nn.Conv2d(2, 4, 3),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Conv2d(4, 5, 3, padding=1, stride=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(5, 3),
        ),
        (2, 10, 8),
    )


def pools1d():
    return (
        nn.Sequential(
            nn.Conv1d(2, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool1d(2),
            nn.Conv1d(4, 4, 3, padding=1),
            nn.Sigmoid(),
            nn.AvgPool1d(2, stride=1),
            nn.AdaptiveMaxPool1d(1),
            nn.Flatten(),
            nn.Linear(4, 3),
            nn.Softmax(dim=1),
        ),
        (2, 12),
    )


def max_pool2d():
    return (
        nn.Sequential(
            nn.Conv2d(2, 3, 3, padding=1),
            nn.ELU(),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Conv2d(3, 4, 1),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
            nn.Linear(4, 2),
        ),
        (2, 7, 7),
    )


def norms():
    return (
        nn.Sequential(
            nn.Conv2d(2, 3, 3),
            nn.ReLU(),
            nn.BatchNorm2d(3),
            nn.Flatten(),
            nn.Linear(3 * 3 * 4, 8),
            nn.Tanh(),
            nn.BatchNorm1d(8),
            nn.Linear(8, 2),
        ),
        (2, 5, 6),
    )


def multiplier():
    return (
        nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1, groups=2),
            nn.ReLU6(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(4, 3),
        ),
        (2, 5, 5),
    )


def separable():
    return (
        nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1, groups=3),
            nn.Conv2d(6, 5, 1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(5 * 3 * 3, 2),
        ),
        (3, 6, 6),
    )


def gelu_tanh():
    return nn.Sequential(nn.Linear(4, 5), nn.GELU(approximate="tanh"), nn.Linear(5, 2)), (4,)


def depthwise():
    return (
        nn.Sequential(
            nn.Conv2d(3, 3, 3, padding=1, groups=3),
            nn.BatchNorm2d(3),
            nn.ReLU(),
            nn.Conv2d(3, 6, 1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(6 * 3 * 3, 4),
        ),
        (3, 6, 6),
    )


def conv1d():
    return (
        nn.Sequential(
            nn.Conv1d(3, 4, 3),
            nn.Tanh(),
            nn.Conv1d(4, 4, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 8, 3),
        ),
        (3, 10),
    )


class Blocks(nn.Module):
    """ResNet's identity block and projection block (a strided convolution beside a strided
    1x1 one), each summed and through a ReLU, then two convolutions concatenated along the
    channels, a global average pool and a Linear. 9x9 images, so that PyTorch's symmetric
    padding of the strided 3x3 convolution is Keras's `same`."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
        self.identity = nn.Sequential(
            nn.Conv2d(4, 4, 3, padding=1),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Conv2d(4, 4, 3, padding=1),
            nn.BatchNorm2d(4),
        )
        self.projection = nn.Sequential(nn.Conv2d(4, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8))
        self.shortcut = nn.Conv2d(4, 8, 1, stride=2)
        self.wide = nn.Sequential(nn.Conv2d(8, 3, 3, padding=1), nn.ReLU())
        self.narrow = nn.Sequential(nn.Conv2d(8, 2, 1), nn.ReLU())
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(self.identity(x) + x)
        x = torch.relu(self.projection(x) + self.shortcut(x))
        x = torch.cat([self.wide(x), self.narrow(x)], dim=1)
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def blocks():
    return Blocks(), (3, 9, 9)


class View(nn.Module):
    """A convolution and `x.view(x.size(0), -1)` before a Linear: exported with a dynamic
    batch, the shape the `Reshape` takes is computed (`Shape`, `Gather`, `Unsqueeze`,
    `Concat`)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, stride=2)
        self.head = nn.Linear(3 * 3 * 2, 4)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.head(x.view(x.size(0), -1))


def view():
    return View(), (2, 7, 6)


class Unsupported(nn.Module):
    """A Linear, a LayerNorm (`LayerNormalization`, not read), a ReLU, a cosine (`Cos`, not
    read) and a Linear: for the error that names every operator not read."""

    def __init__(self):
        super().__init__()
        self.first = nn.Linear(4, 8)
        self.norm = nn.LayerNorm(8)
        self.last = nn.Linear(8, 2)

    def forward(self, x):
        return self.last(torch.cos(torch.relu(self.norm(self.first(x)))))


def unsupported():
    return Unsupported(), (4,)


class LastStep(nn.Module):
    """A recurrent module read `batch_first`, its output at the last step (`y[:, -1]`), or
    (`sequences`) every step's, flattened; a Linear after it. Made with `front` (a module before
    it, whose output is channels first: permuted to `(batch, steps, features)`) or `embed` (an
    `nn.Embedding` before it)."""

    def __init__(self, rnn, head, sequences=False, front=None, embed=None):
        super().__init__()
        self.front = front
        self.embed = embed
        self.rnn = rnn
        self.head = head
        self.sequences = sequences

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        if self.front is not None:
            x = self.front(x).permute(0, 2, 1)
        y, _ = self.rnn(x)
        y = torch.flatten(y, 1) if self.sequences else y[:, -1]
        return self.head(y)


class LastState(nn.Module):
    """A bidirectional recurrent module whose last states, forward and backward (`h_n`, which
    is what Keras's `Bidirectional` returns, not `y[:, -1]`), are concatenated into a Linear."""

    def __init__(self, rnn, head):
        super().__init__()
        self.rnn = rnn
        self.head = head

    def forward(self, x):
        _, h = self.rnn(x)
        return self.head(h.transpose(0, 1).reshape(x.shape[0], -1))


class GruTanhLstm(nn.Module):
    """A GRU's every step through a tanh into an LSTM, its last step into a Linear."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(3, 5, batch_first=True)
        self.lstm = nn.LSTM(5, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        y, _ = self.gru(x)
        y, _ = self.lstm(torch.tanh(y))
        return self.head(y[:, -1])


def gru_tanh_lstm():
    return GruTanhLstm(), (6, 3)


def lstm():
    return LastStep(nn.LSTM(4, 8, batch_first=True), nn.Linear(8, 3)), (7, 4)


def lstm_sequences():
    return LastStep(nn.LSTM(3, 5, batch_first=True), nn.Linear(6 * 5, 2), sequences=True), (6, 3)


def lstm_stacked():
    return LastStep(nn.LSTM(4, 6, num_layers=2, batch_first=True), nn.Linear(6, 2)), (5, 4)


def gru():
    return LastStep(nn.GRU(4, 6, batch_first=True), nn.Linear(6, 3)), (6, 4)


def rnn():
    return LastStep(nn.RNN(3, 5, batch_first=True), nn.Linear(5, 2)), (6, 3)


def bilstm():
    return (
        LastStep(
            nn.LSTM(4, 5, batch_first=True, bidirectional=True), nn.Linear(6 * 10, 3), sequences=True
        ),
        (6, 4),
    )


def bigru():
    return LastState(nn.GRU(3, 4, batch_first=True, bidirectional=True), nn.Linear(8, 2)), (5, 3)


def embedding_gru():
    return (
        LastStep(
            nn.GRU(4, 6, batch_first=True),
            nn.Sequential(nn.Linear(6, 3), nn.Softmax(dim=1)),
            embed=nn.Embedding(12, 4),
        ),
        (8,),
    )


def conv1d_lstm():
    return (
        LastStep(
            nn.LSTM(6, 5, batch_first=True),
            nn.Linear(5, 2),
            front=nn.Sequential(nn.Conv1d(3, 6, 3), nn.ReLU()),
        ),
        (3, 10),
    )


def mobilenet_v2():
    """torchvision's MobileNetV2 (`torchvision.models.mobilenet_v2`, its architecture code, our
    own weights), `width_mult` 0.35 and 10 classes to keep the file small. 33x33 images: each of
    its five stride-2 3x3 convolutions (padding 1) then sees an odd size (33, 17, 9, 5, 3; the
    last block's output is 2x2), where PyTorch's symmetric padding is Keras's `same`."""
    import torchvision

    return torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=10), (3, 33, 33)


MODELS = {
    "mlp": mlp,
    "cnn": cnn,
    "activations": activations,
    "pools": pools,
    "depthwise": depthwise,
    "conv1d": conv1d,
    "blocks": blocks,
    "unsupported": unsupported,
    "view": view,
    "pools1d": pools1d,
    "max_pool2d": max_pool2d,
    "norms": norms,
    "multiplier": multiplier,
    "separable": separable,
    "gelu_tanh": gelu_tanh,
    "lstm": lstm,
    "lstm_sequences": lstm_sequences,
    "lstm_stacked": lstm_stacked,
    "gru": gru,
    "rnn": rnn,
    "bilstm": bilstm,
    "bigru": bigru,
    "embedding_gru": embedding_gru,
    "conv1d_lstm": conv1d_lstm,
    "gru_tanh_lstm": gru_tanh_lstm,
    "mobilenet_v2": mobilenet_v2,
}

# The models fed token ids (below this many), not floats.
TOKENS = {"embedding_gru": 12}


def example_inputs(name, shape, count, g):
    """`count` seeded inputs of `shape`: floats, or a model's token ids."""
    if name in TOKENS:
        return torch.randint(0, TOKENS[name], (count, *shape), generator=g)
    return torch.randn((count, *shape), generator=g)


def train(name, model, shape, seed):
    """A few steps of Adam towards random targets on random inputs, seeded."""
    g = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    model.train()
    for _ in range(5):
        x = example_inputs(name, shape, 8, g)
        out = model(x)
        loss = ((out - torch.randn(out.shape, generator=g)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def ops(path):
    return [n.op_type for n in onnx.load(path).graph.node]


def run_onnx(path, inputs):
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return [session.run(None, {name: x[None].numpy()})[0][0] for x in inputs]


def matmul_variant(path, out):
    """`mlp.onnx` rewritten as other exporters write dense layers: the first `Gemm` as a
    `MatMul` by the transposed weights and an `Add` of the bias, the second as a `Gemm` without
    `transB` (its weights transposed) and with `alpha` 2 (its weights halved)."""
    model = onnx.load(path)
    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    first, second = [n for n in graph.node if n.op_type == "Gemm"]

    def transposed(name, scale):
        w = onnx.numpy_helper.to_array(weights[name])
        t = onnx.numpy_helper.from_array(np.ascontiguousarray(w.T * scale), name + ".t")
        graph.initializer.append(t)
        return t.name

    w1 = transposed(first.input[1], 1.0)
    matmul = onnx.helper.make_node("MatMul", [first.input[0], w1], ["matmul"], name="/0/MatMul")
    add = onnx.helper.make_node("Add", ["matmul", first.input[2]], [first.output[0]], name="/0/Add")
    w2 = transposed(second.input[1], 0.5)
    gemm = onnx.helper.make_node(
        "Gemm", [second.input[0], w2, second.input[2]], list(second.output), name="/2/Gemm", alpha=2.0
    )
    nodes = []
    for n in graph.node:
        if n is first:
            nodes += [matmul, add]
        elif n is second:
            nodes.append(gemm)
        else:
            nodes.append(n)
    del graph.node[:]
    graph.node.extend(nodes)
    for name in [first.input[1], second.input[1]]:
        graph.initializer.remove(weights[name])
    onnx.checker.check_model(model)
    onnx.save(model, out)


def slice_variant(path, out):
    """`lstm.onnx` with its last step taken as other exporters take it: a `Slice` of step -1 to
    the end (`y[:, -1:]`) and a `Squeeze` of the steps axis, where it has a `Gather` of step
    -1."""
    model = onnx.load(path)
    graph = model.graph
    gather = [n for n in graph.node if n.op_type == "Gather" and n.attribute][-1]
    graph.initializer.extend(
        [
            onnx.numpy_helper.from_array(np.array([-1], dtype=np.int64), "slice_starts"),
            onnx.numpy_helper.from_array(np.array([2**62], dtype=np.int64), "slice_ends"),
            onnx.numpy_helper.from_array(np.array([1], dtype=np.int64), "slice_axes"),
        ]
    )
    slice_ = onnx.helper.make_node(
        "Slice", [gather.input[0], "slice_starts", "slice_ends", "slice_axes"], ["last"], name="/Slice"
    )
    squeeze = onnx.helper.make_node(
        "Squeeze", ["last", "slice_axes"], list(gather.output), name="/Squeeze_last"
    )
    nodes = []
    for n in graph.node:
        nodes += [slice_, squeeze] if n is gather else [n]
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, out)


def hostile(cnn_path):
    """Graphs no exporter writes, for the walk's own checks (`hostile_*.onnx`, from `cnn.onnx`):
    `hostile_dilations`, its `Conv` with `auto_pad` `SAME_UPPER` and dilations of 2^62;
    `hostile_cycle`, its `Relu` reading its own output; `hostile_empty`, its `Gemm`'s input
    named `""` (an optional input left out) and the graph without an input."""
    def load():
        return onnx.load(cnn_path)

    model = load()
    conv = model.graph.node[0]
    for a in list(conv.attribute):
        if a.name in ("pads", "dilations"):
            conv.attribute.remove(a)
    conv.attribute.extend(
        [
            onnx.helper.make_attribute("auto_pad", "SAME_UPPER"),
            onnx.helper.make_attribute("dilations", [1 << 62, 1 << 62]),
        ]
    )
    onnx.save(model, os.path.join(OUT, "hostile_dilations.onnx"))

    model = load()
    relu = [n for n in model.graph.node if n.op_type == "Relu"][0]
    relu.input[0] = relu.output[0]
    onnx.save(model, os.path.join(OUT, "hostile_cycle.onnx"))

    model = load()
    gemm = [n for n in model.graph.node if n.op_type == "Gemm"][0]
    gemm.input[0] = ""
    del model.graph.input[:]
    onnx.save(model, os.path.join(OUT, "hostile_empty.onnx"))


def hostile_recurrent():
    """Recurrent nodes the declared layers cannot compute (from `lstm.onnx` and `gru.onnx`):
    `hostile_lstm`, its LSTM with `clip`, `input_forget`, a ReLU among its `activations`,
    `sequence_lens`, an initial state of 0.5 and peepholes; `hostile_gru`, its GRU without
    `linear_before_reset` (Keras's `reset_after = false`)."""
    model = onnx.load(os.path.join(OUT, "lstm.onnx"))
    graph = model.graph
    lstm = [n for n in graph.node if n.op_type == "LSTM"][0]
    lstm.attribute.extend(
        [
            onnx.helper.make_attribute("clip", 3.0),
            onnx.helper.make_attribute("input_forget", 1),
            onnx.helper.make_attribute("activations", ["Sigmoid", "Relu", "Tanh"]),
        ]
    )
    graph.initializer.extend(
        [
            onnx.numpy_helper.from_array(np.array([7], dtype=np.int32), "lengths"),
            onnx.numpy_helper.from_array(np.full((1, 1, 8), 0.5, dtype=np.float32), "h0"),
            onnx.numpy_helper.from_array(np.full((1, 24), 0.1, dtype=np.float32), "peepholes"),
        ]
    )
    lstm.input[4] = "lengths"
    lstm.input[5] = "h0"
    lstm.input.append("peepholes")
    onnx.save(model, os.path.join(OUT, "hostile_lstm.onnx"))

    model = onnx.load(os.path.join(OUT, "gru.onnx"))
    gru = [n for n in model.graph.node if n.op_type == "GRU"][0]
    for a in list(gru.attribute):
        if a.name == "linear_before_reset":
            gru.attribute.remove(a)
    onnx.save(model, os.path.join(OUT, "hostile_gru.onnx"))


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for seed, (name, make) in enumerate(MODELS.items()):
        if only and name not in only:
            continue
        torch.manual_seed(100 + seed)
        model, shape = make()
        train(name, model, shape, seed)
        g = torch.Generator().manual_seed(1000 + seed)
        inputs = list(example_inputs(name, shape, 3, g))
        with torch.no_grad():
            outputs = [model(x[None])[0] for x in inputs]
        example = (inputs[0][None],)
        legacy = os.path.join(OUT, f"{name}.onnx")
        torch.onnx.export(
            model,
            example,
            legacy,
            dynamo=False,
            opset_version=17,
            input_names=["input"],
            output_names=["output"],
            # A batch of any size for `view`, so that its shape is computed, not folded.
            dynamic_axes={"input": {0: "batch"}} if name == "view" else None,
        )
        recorded = {
            "input_shape": list(shape),
            "inputs": [x.flatten().float().tolist() for x in inputs],
            "outputs": [y.flatten().tolist() for y in outputs],
            "onnxruntime": {},
        }
        files = {"": legacy}
        try:
            dynamo = os.path.join(OUT, f"{name}_dynamo.onnx")
            program = torch.onnx.export(model, example, dynamo=True, optimize=True)
            program.save(dynamo)
            # The exporter records each node's Python stack in its metadata (most of the file);
            # dropped, to keep the fixture small. The graph is untouched.
            saved = onnx.load(dynamo)
            for node in saved.graph.node:
                del node.metadata_props[:]
            onnx.save(saved, dynamo)
            if ops(dynamo) != ops(legacy):
                files["_dynamo"] = dynamo
            else:
                os.remove(dynamo)
        except Exception as e:  # noqa: BLE001 (recorded: the exporter needs onnxscript)
            print(f"{name}: the dynamo exporter failed: {type(e).__name__}: {e}"[:300])
        def check(path: str) -> None:
            """ONNX Runtime on `path` gives PyTorch's outputs to 1e-5; its outputs recorded."""
            got = run_onnx(path, inputs)
            for y, z in zip(outputs, got):
                np.testing.assert_allclose(z, y.numpy(), atol=1e-5, rtol=1e-5)
            file = os.path.basename(path)
            recorded["onnxruntime"][file] = [z.flatten().tolist() for z in got]
            print(f"{file}:", ops(path), os.path.getsize(path), "bytes")

        for path in files.values():
            check(path)
        if name == "mlp":
            variant = os.path.join(OUT, "mlp_matmul.onnx")
            matmul_variant(legacy, variant)
            check(variant)
        if name == "lstm":
            variant = os.path.join(OUT, "lstm_slice.onnx")
            slice_variant(legacy, variant)
            check(variant)
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(recorded, f)
    if not only or "cnn" in only:
        hostile(os.path.join(OUT, "cnn.onnx"))
    if not only or {"lstm", "gru"} <= only:
        hostile_recurrent()
    print("torch", torch.__version__, "onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__)


if __name__ == "__main__":
    main()
