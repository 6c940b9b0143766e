"""Builds the PyTorch state dicts of tests/fixtures/pytorch/ (read by tests/pytorch.rs).

Each model is small and seeded, trained a few steps with Adam on random data, put in eval mode,
and saved as `safetensors.torch.save_file(model.state_dict(), "<name>.safetensors")`, with
`<name>.json`: three inputs in `nn`'s layout (channels last: an image (H, W, C), a sequence
(steps, features)) and PyTorch's outputs for them (computed on the channels-first inputs PyTorch
takes), as float32 values. Run with the CPU wheel of torch:

    python tools/pytorch_state_dicts.py
"""

import json
import os

import safetensors
import safetensors.torch
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "pytorch")


class Recurrent(nn.Module):
    """An LSTM or a GRU (batch first) and a Linear on its last step."""

    def __init__(self, cell, features, units, classes, head):
        super().__init__()
        self.cell_name = cell
        setattr(self, cell, (nn.LSTM if cell == "lstm" else nn.GRU)(features, units, batch_first=True))
        self.head_name = head
        setattr(self, head, nn.Linear(units, classes))

    def forward(self, x):
        out, _ = getattr(self, self.cell_name)(x)
        return getattr(self, self.head_name)(out[:, -1])


class Tokens(nn.Module):
    """An embedding, a plain RNN (batch first) and a layer norm on its last step, a Linear."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 4)
        self.rnn = nn.RNN(4, 5, batch_first=True)
        self.norm = nn.LayerNorm(5)
        self.head = nn.Linear(5, 3)

    def forward(self, x):
        out, _ = self.rnn(self.embedding(x.long()))
        return self.head(self.norm(out[:, -1]))


class Stacked(nn.Module):
    """An LSTM of three stacked layers (`num_layers=3`, batch first), a Linear on its last step."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 5, num_layers=3, batch_first=True)
        self.head = nn.Linear(5, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class Bidirectional(nn.Module):
    """A bidirectional GRU of two layers (batch first) and a Linear on its last hidden states:
    the forward direction's after the last step, the backward one's after the first, as Keras's
    `Bidirectional` gives them (not `out[:, -1]`, whose backward half has seen one step)."""

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(4, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(10, 3)

    def forward(self, x):
        _, h = self.gru(x)
        return self.head(torch.cat([h[-2], h[-1]], dim=1))


class SeparableConv2d(nn.Module):
    """A depthwise-separable convolution as PyTorch code writes one: a depthwise `Conv2d`
    (`groups` = channels, with its bias) and a 1 x 1 `Conv2d`, nothing between them."""

    def __init__(self, channels, filters, multiplier):
        super().__init__()
        self.depthwise = nn.Conv2d(channels, channels * multiplier, 3, padding=1, groups=channels)
        self.pointwise = nn.Conv2d(channels * multiplier, filters, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class Identity(nn.Module):
    """ResNet's basic block: two 3 x 3 convolutions with batch normalization, plus the input."""

    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + x)


class Projection(Identity):
    """ResNet's downsampling block: the first convolution with stride 2, and the input through
    `downsample`, a 1 x 1 convolution with stride 2 and a batch normalization."""

    def __init__(self, channels, filters):
        super().__init__(filters)
        self.conv1 = nn.Conv2d(channels, filters, 3, stride=2, padding=1, bias=False)
        self.downsample = nn.Sequential(
            nn.Conv2d(channels, filters, 1, stride=2, bias=False), nn.BatchNorm2d(filters),
        )

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + self.downsample(x))


class ResNet(nn.Module):
    """A stem, an identity block, a projection block, a global average pool and a Linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(2, 4, 3, padding=1)
        self.layer1 = Identity(4)
        self.layer2 = Projection(4, 8)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = self.layer2(self.layer1(torch.relu(self.stem(x))))
        return self.head(x.mean(dim=(2, 3)))


class Residual(nn.Module):
    """The input plus `body`, a `Sequential` of a convolution, a batch normalization, a ReLU and
    a convolution: in an `nn.Sequential`, its modules are `<number>.body.0` and so on."""

    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x):
        return x + self.body(x)


def models():
    """(name, model, input shape as PyTorch takes it, without the batch)."""
    yield "mlp", nn.Sequential(
        nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 8), nn.Tanh(),
        nn.Linear(8, 3), nn.Softmax(dim=1),
    ), (6,)
    yield "cnn", nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3), nn.ReLU(), nn.Flatten(), nn.Linear(6 * 3 * 3, 5),
    ), (2, 10, 10)
    yield "separable", nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1, groups=3), nn.BatchNorm2d(6), nn.ReLU6(),
        nn.Conv2d(6, 8, 1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4),
    ), (3, 8, 8)
    yield "conv1d", nn.Sequential(
        nn.Conv1d(3, 5, 3), nn.ReLU(), nn.Conv1d(5, 4, 3, stride=1), nn.Tanh(),
        nn.Flatten(), nn.Linear(4 * 8, 2),
    ), (3, 12)
    yield "lstm", Recurrent("lstm", 4, 8, 3, "dense"), (7, 4)
    yield "gru", Recurrent("gru", 4, 6, 2, "head"), (5, 4)
    yield "tokens", Tokens(), (6,)
    # A 2-D input without channels, flattened as it is (no reordering).
    yield "flat", nn.Sequential(nn.Flatten(), nn.Linear(12, 3)), (3, 4)
    # PReLU with a slope per channel (after a convolution) and one for all (after a Linear).
    yield "prelu", nn.Sequential(
        nn.Conv2d(2, 4, 3), nn.PReLU(4), nn.Flatten(), nn.Linear(4 * 4 * 4, 8), nn.PReLU(),
        nn.Linear(8, 3),
    ), (2, 6, 6)
    yield "stacked", Stacked(), (6, 3)
    yield "bidirectional", Bidirectional(), (5, 4)
    # The separable convolution's modules `0.depthwise` and `0.pointwise`.
    yield "separable_conv", nn.Sequential(
        SeparableConv2d(3, 8, 2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(8, 4),
    ), (3, 8, 8)
    yield "resnet", ResNet(), (2, 9, 9)
    # A block in an `nn.Sequential`: the modules of its number, `2.body.0`, `2.body.1`, ...
    yield "residual_sequential", nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), Residual(4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
    ), (2, 6, 6)


def values(t):
    """A tensor's values as lists of the shortest decimals that read back as the same float32."""
    return [[float(str(v)) for v in row] for row in t.numpy()]


def inputs(model, n, shape):
    """`n` random inputs: token ids (as floats) for the embedding, normal values otherwise."""
    if isinstance(model, Tokens):
        return torch.randint(0, 10, (n, *shape)).float()
    return torch.randn(n, *shape)


def channels_last(x, name):
    """An input in `nn`'s layout: channels moved last (a batch of images or of sequences)."""
    if name == "flat":
        return x
    if x.dim() == 4:
        return x.permute(0, 2, 3, 1)
    if x.dim() == 3:
        return x.permute(0, 2, 1)
    return x


def main():
    os.makedirs(OUT, exist_ok=True)
    for seed, (name, model, shape) in enumerate(models()):
        torch.manual_seed(seed)
        # Fresh weights from this seed (the model was built before it was set).
        for module in model.modules():
            if hasattr(module, "reset_parameters") and module is not model:
                module.reset_parameters()
        classes = model(inputs(model, 1, shape)).shape[1]
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        model.train()
        for _ in range(5):
            x = inputs(model, 16, shape)
            y = torch.randint(0, classes, (16,))
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        model.eval()
        x = inputs(model, 3, shape)
        with torch.no_grad():
            y = model(x)
        # Recurrent models read sequences as they are: (steps, features) is already our layout.
        ours = x if isinstance(model, (Recurrent, Tokens, Stacked, Bidirectional)) else channels_last(x, name)
        path = os.path.join(OUT, f"{name}.safetensors")
        safetensors.torch.save_file(model.state_dict(), path)
        os.chmod(path, 0o644)
        record = {
            "torch": torch.__version__,
            "safetensors": safetensors.__version__,
            "input_shape_pytorch": list(shape),
            "inputs": values(ours.reshape(3, -1)),
            "outputs": values(y),
        }
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(record, f)
        if name == "mlp":
            # The same weights as float64 (`model.double()`): read as floats of any width.
            doubled = {k: v.double() for k, v in model.state_dict().items()}
            path = os.path.join(OUT, "mlp_f64.safetensors")
            safetensors.torch.save_file(doubled, path)
            os.chmod(path, 0o644)
        names = sorted(model.state_dict())
        print(name, [tuple(model.state_dict()[n].shape) for n in names], names)


if __name__ == "__main__":
    main()
