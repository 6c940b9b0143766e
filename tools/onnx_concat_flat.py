"""A PyTorch model whose dense layer reads two flattened images side by side, for
`tests/onnx_out.rs` (`load_onnx` keeps each image's channels-first order through the join).

    /work/notes/venv/bin/python tools/onnx_concat_flat.py

writes `tests/fixtures/onnx_out/pytorch/flat_join.onnx` (`torch.onnx.export`, opset 17, the
legacy exporter) and `flat_join.json`: three inputs `(2, 4, 3)` channels first and
PyTorch's outputs. The declaration it matches is `FlatJoin` in `tests/onnx_out.rs`:
`Input<4, 3, 2>, Concatenate<[Conv2D<3, (2, 2), Relu>, Flatten], [Conv2D<2, (3, 3)>, Flatten]>,
Dense<_, 3>`. And `flat_add.onnx`, an `Add` of two flattened images of different shapes
(`Input<4, 4, 2>, Add<[Flatten], [Conv2D<8, (3, 3)>, Flatten]>, Dense<_, 2>`), which
`load_onnx` refuses at the join. Needs torch (CPU) and onnx; the Rust tests need no Python.
"""

import json
import pathlib

import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIR = ROOT / "tests" / "fixtures" / "onnx_out" / "pytorch"


class FlatJoin(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(2, 3, (2, 2))
        self.b = nn.Conv2d(2, 2, (3, 3))
        self.dense = nn.Linear(3 * 3 * 2 + 2 * 2 * 1, 3)

    def forward(self, x):
        a = torch.relu(self.a(x)).flatten(1)
        b = self.b(x).flatten(1)
        return self.dense(torch.cat([a, b], 1))


class FlatAdd(nn.Module):
    """An image flattened (channels first) plus another of the same size but another shape:
    the declaration's channels-last order cannot add them at the same places."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 8, (3, 3))
        self.dense = nn.Linear(32, 2)

    def forward(self, x):
        return self.dense(x.flatten(1) + self.conv(x).flatten(1))


def main() -> None:
    torch.manual_seed(27)
    model = FlatJoin().eval()
    x = torch.randn(3, 2, 4, 3)
    with torch.no_grad():
        y = model(x)
    DIR.mkdir(parents=True, exist_ok=True)
    path = DIR / "flat_join.onnx"
    torch.onnx.export(
        model, (x,), str(path), input_names=["input"], output_names=["output"],
        opset_version=17, dynamo=False,
        dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
    )
    record = {
        "torch": torch.__version__,
        "input_shape": [2, 4, 3],
        "inputs": x.reshape(3, -1).tolist(),
        "outputs": y.reshape(3, -1).tolist(),
    }
    path.with_suffix(".json").write_text(json.dumps(record) + "\n")
    print(f"{path.name}: outputs {tuple(y.shape)}")
    path = DIR / "flat_add.onnx"
    torch.onnx.export(
        FlatAdd().eval(), (torch.randn(1, 2, 4, 4),), str(path), input_names=["input"],
        output_names=["output"], opset_version=17, dynamo=False,
    )
    print(f"{path.name}: written")


if __name__ == "__main__":
    main()
