"""PyTorch predicting batches with the network of `benches/inference.rs`, for comparison on the
same machine; the companion of `benches/keras_inference.py`, measured the same way.

32-64(relu)-10(softmax) and 784-128(relu)-10(softmax) on 1024 samples per call, in eval mode
under `torch.inference_mode()`, eager and compiled with `torch.compile` (its default inductor
backend, which generates C++ for the CPU; the first call compiles). The argument is the number of
threads (`torch.set_num_threads`; 1 also pins the process to one core). Prints the best and
median time per call.

Not part of the test suite. Set up once, then run:

    pip install torch        # the CPU is used; the wheel may bring CUDA libraries along
    python3 benches/pytorch_inference.py 1
    python3 benches/pytorch_inference.py 2
"""

import os
import statistics
import sys
import time

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 1
if THREADS == 1 and hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import torch  # noqa: E402

torch.set_num_threads(THREADS)
N = 1024


def measure(name: str, sizes: list[int]) -> None:
    torch.manual_seed(0)
    layers: list[torch.nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    layers += [torch.nn.Linear(sizes[-2], sizes[-1]), torch.nn.Softmax(dim=1)]
    model = torch.nn.Sequential(*layers).eval()
    x = torch.rand(N, sizes[0]) - 0.5
    for mode, forward in [("eager", model), ("torch.compile", torch.compile(model))]:
        with torch.inference_mode():
            for _ in range(3):
                forward(x)  # compiles, warms up
            times = []
            for _ in range(2000 if sizes[0] < 100 else 200):
                start = time.perf_counter()
                forward(x)
                times.append(time.perf_counter() - start)
        best, median = min(times), statistics.median(times)
        print(
            f"PyTorch {torch.__version__} {mode}, {THREADS} thread(s), {name}, {N} samples: "
            f"best {best * 1e6:.1f} us ({N / best / 1e6:.2f} M samples/s), "
            f"median {median * 1e6:.1f} us ({N / median / 1e6:.2f} M samples/s)"
        )


measure("32-64-10", [32, 64, 10])
measure("784-128-10", [784, 128, 10])
