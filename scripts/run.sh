#!/usr/bin/env bash
# The main job: set everything up, build, and open the desktop app on the bundled sample model.
# Without a display it prints what `edgelens info` and `edgelens dump` say about that model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
sample=build/release/resources/samples/sample_cnn.tflite
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/release/app/edgelens-gui ]; then
  exec build/release/app/edgelens-gui "$sample"
fi
build/release/app/edgelens info "$sample"
build/release/app/edgelens dump "$sample" --json
