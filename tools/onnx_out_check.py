"""ONNX Runtime on the ONNX files `nn` writes (`Net::to_onnx`), for `tests/onnx_out.rs`.

For each `tests/fixtures/onnx_out/{name}.onnx` (written by `NN_ONNX_OUT=overwrite cargo test
--test onnx_out`, with its inputs in `{name}.json`, channels first): checks the model with
`onnx.checker.check_model(model, full_check=True)` (which runs ONNX's shape inference in strict
mode), runs it with ONNX Runtime on the CPU on the three inputs as one batch (int64 for a
file whose input is an embedding's token ids), and writes
`{name}.ort.json`: the outputs (each sample's flattened, channels first), the file's FNV-1a
hash (so that the test knows the record is of the file it wrote), and the versions.

    /work/notes/venv/bin/python tools/onnx_out_check.py              # the committed files
    /work/notes/venv/bin/python tools/onnx_out_check.py --regenerate # rewrite them first

Needs `onnx`, `onnxruntime` and `numpy`; the Rust tests need no Python.
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIR = ROOT / "tests" / "fixtures" / "onnx_out"


def fnv1a(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def check(path: pathlib.Path) -> dict:
    data = path.read_bytes()
    model = onnx.load_model_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    record = json.loads(path.with_suffix(".json").read_text())
    shape = record["input_shape"]
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    [info] = session.get_inputs()
    name = info.name
    # An embedding's token ids are int64 in the file (whole numbers in the record).
    dtype = np.int64 if info.type == "tensor(int64)" else np.float32
    x = np.array(record["inputs"], dtype=np.float32).reshape([-1, *shape]).astype(dtype)
    [y] = session.run(None, {name: x})
    ops = sorted({node.op_type for node in model.graph.node})
    return {
        "file": path.name,
        "fnv1a64": fnv1a(data),
        "checker": "ok",
        "opset": model.opset_import[0].version,
        "ir_version": model.ir_version,
        "operators": ops,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "outputs": y.reshape(len(x), -1).astype(float).tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--regenerate",
        action="store_true",
        help="rewrite the .onnx files and inputs first (NN_ONNX_OUT=overwrite cargo test)",
    )
    args = parser.parse_args()
    if args.regenerate:
        env = dict(os.environ, NN_ONNX_OUT="overwrite")
        # The test fails where a record is missing or stale: that is what this script writes.
        subprocess.run(
            ["cargo", "test", "-p", "nn", "--test", "onnx_out"], cwd=ROOT, env=env
        )
    files = sorted(DIR.glob("*.onnx"))
    if not files:
        sys.exit(f"no .onnx files in {DIR}")
    for path in files:
        record = check(path)
        out = path.with_suffix(".ort.json")
        out.write_text(json.dumps(record) + "\n")
        print(f"{path.name}: checker ok, {len(record['operators'])} operators, "
              f"outputs {np.array(record['outputs']).shape} -> {out.name}")


if __name__ == "__main__":
    main()
