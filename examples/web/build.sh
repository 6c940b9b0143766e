#!/bin/sh
# Builds the page's WebAssembly module and puts it next to index.html, where main.js fetches it,
# wherever the target directory is (`CARGO_TARGET_DIR`, a cargo configuration's `target-dir`,
# or `target/`). Run from anywhere: `sh examples/web/build.sh`.
set -eu
cd "$(dirname "$0")"
# From this folder, so that cargo reads .cargo/config.toml (the wasm32 target).
"${CARGO:-cargo}" build --release
# cargo prints its metadata as one line of JSON; the target directory is a string in it.
target=$("${CARGO:-cargo}" metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
cp "$target/wasm32-unknown-unknown/release/nn_web.wasm" nn_web.wasm
echo "examples/web/nn_web.wasm: $(wc -c < nn_web.wasm) bytes"
