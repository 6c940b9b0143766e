#!/usr/bin/env bash
# One LSTM step of nn next to RTNeural's (github.com/jatinchowdhury18/RTNeural, its
# compile-time-sized `LSTMLayerT` with the Eigen backend), in the same minutes, in both build
# modes: generic (`g++ -O3`; cargo's default) and native (`-march=native`;
# `RUSTFLAGS="-C target-cpu=native"`). Rounds alternate the four programs; each prints the
# median time per step of 8 → 16 and 64 → 64 units, and a checksum both sides must share.
#
# Needs g++, Eigen (Debian: `apt-get install -y libeigen3-dev`) and an RTNeural checkout:
#   RTNEURAL=/path/to/RTNeural bash benches/rtneural/run.sh [rounds]
# Run from the repository's root. Not part of the tests.
set -euo pipefail

: "${RTNEURAL:?set RTNEURAL to an RTNeural checkout (the folder holding RTNeural/ and modules/)}"
rounds="${1:-3}"
eigen="${EIGEN:-/usr/include/eigen3}"
out="${TMPDIR:-/tmp}/nn-rtneural"
mkdir -p "$out"

flags=(-std=c++17 -O3 -DRTNEURAL_USE_EIGEN=1 -DEIGEN_STACK_ALLOCATION_LIMIT=1048576
    -I"$RTNEURAL" -I"$RTNEURAL/RTNeural" -I"$eigen")
g++ "${flags[@]}" -DRTNEURAL_DEFAULT_ALIGNMENT=16 benches/rtneural/lstm_step.cpp -o "$out/rtneural_generic"
# RTNeural's Eigen backend aligns to 32 bytes at most.
g++ "${flags[@]}" -march=native -DRTNEURAL_DEFAULT_ALIGNMENT=32 benches/rtneural/lstm_step.cpp \
    -o "$out/rtneural_native"

target="${CARGO_TARGET_DIR:-target}"
cargo bench --bench rtneural_lstm --no-run 2>/dev/null
CARGO_TARGET_DIR="$out/native-target" RUSTFLAGS="-C target-cpu=native" \
    cargo bench --bench rtneural_lstm --no-run 2>/dev/null
newest() { ls -t "$1"/release/deps/rtneural_lstm-* | grep -v '\.d$' | head -1; }
nn_generic="$(newest "$target")"
nn_native="$(newest "$out/native-target")"

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "mode     program  features units ns/step checksum"
for round in $(seq "$rounds"); do
    "$nn_generic" | sed 's/^/generic  /'
    "$out/rtneural_generic" | sed 's/^/generic  /'
    "$nn_native" | sed 's/^/native   /'
    "$out/rtneural_native" | sed 's/^/native   /'
done
