#!/usr/bin/env bash
# Runs each reader fuzzer for $FUZZ_SECONDS (default 60) on a seed corpus built from ../shared/fixtures.
# Usage: tests/fuzz/run_fuzzers.sh BUILD_DIR   (BUILD_DIR configured with the `fuzz` preset, e.g. build/fuzz)
# Fails (exit 1) when a fuzzer finds a crash, leak, timeout or out-of-memory input; the inputs are kept
# in $BUILD_DIR/fuzz-artifacts/ for reproduction (`fuzz_tflite FILE`).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd)
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED_DIR=${EDGELENS_SHARED_DIR:-$(cd "$SOURCE_DIR/.." && pwd)/shared}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

if [[ ! -d "$SHARED_DIR/fixtures" ]]; then
  echo "run_fuzzers: SKIPPED: $SHARED_DIR/fixtures is absent, so there is no seed corpus"
  exit 0
fi

if [[ -z "${EDGELENS_FUZZ_NO_BUILD:-}" ]]; then
  cmake --build "$BUILD_DIR" --target fuzz_tflite fuzz_pte fuzz_model_explorer fuzz_ptd
fi
for fuzzer in fuzz_tflite fuzz_pte fuzz_model_explorer fuzz_ptd; do
  if [[ ! -x "$BUILD_DIR/tests/fuzz/$fuzzer" ]]; then
    echo "run_fuzzers: $BUILD_DIR/tests/fuzz/$fuzzer is missing (configure with --preset fuzz)" >&2
    exit 2
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/edgelens-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/seeds/tflite" "$WORK/seeds/pte" "$WORK/seeds/model_explorer" "$WORK/seeds/ptd" \
  "$WORK/corpus/tflite" "$WORK/corpus/pte" "$WORK/corpus/model_explorer" "$WORK/corpus/ptd"

# Seeds by content, not extension (many LiteRT test models end in .bin); files under 1 MB only.
n_tflite=0
n_pte=0
n_ptd=0
while IFS= read -r -d '' file; do
  ident=$(head -c 8 "$file" | tail -c 4 | tr -c 'A-Za-z0-9' '.')
  seed_name=$(printf '%s' "${file#"$SHARED_DIR/fixtures/"}" | tr '/' '_')
  case "$ident" in
    TFL3) cp "$file" "$WORK/seeds/tflite/$seed_name"; n_tflite=$((n_tflite + 1)) ;;
    ET[0-9][0-9] | BP[0-9][0-9]) cp "$file" "$WORK/seeds/pte/$seed_name"; n_pte=$((n_pte + 1)) ;;
    FT[0-9][0-9]) cp "$file" "$WORK/seeds/ptd/$seed_name"; n_ptd=$((n_ptd + 1)) ;;
  esac
done < <(find "$SHARED_DIR/fixtures" -type f -size -1024k -print0)
echo "run_fuzzers: seed corpus: $n_tflite .tflite, $n_pte .pte, $n_ptd .ptd files from $SHARED_DIR/fixtures"

# Model Explorer JSON seeds: the small models dumped by the CLI when the build has it, plus one
# hand-written graph in the shape another adapter writes (string ids, no tensor metadata).
n_me=0
if [[ -x "$BUILD_DIR/app/edgelens" ]]; then
  while IFS= read -r -d '' file; do
    [[ $n_me -ge 40 ]] && break
    if "$BUILD_DIR/app/edgelens" dump "$file" --json --format model-explorer \
        -o "$WORK/seeds/model_explorer/$(basename "$file").json" >/dev/null 2>&1; then
      n_me=$((n_me + 1))
    fi
  done < <(find "$WORK/seeds/tflite" "$WORK/seeds/pte" -type f -size -64k -print0)
fi
cat >"$WORK/seeds/model_explorer/foreign.json" <<'JSON'
{"label": "seed", "graphs": [{"id": "g", "nodes": [
 {"id": "in", "label": "GraphInputs", "outputsMetadata": [{"id": "0", "attrs": [{"key": "tensor_shape", "value": "float32[1,-1]"}]}]},
 {"id": "a", "label": "Add", "namespace": "x/y", "incomingEdges": [{"sourceNodeId": "in"}, {"sourceNodeId": "c", "targetNodeInputId": "1"}]},
 {"id": "c", "label": "pseudo_const", "attrs": [{"key": "data_bytes", "value": "4"}]},
 {"id": "out", "label": "GraphOutputs", "incomingEdges": [{"sourceNodeId": "a"}]}]}]}
JSON
echo "run_fuzzers: $((n_me + 1)) Model Explorer JSON seeds"

ARTIFACTS="$BUILD_DIR/fuzz-artifacts"
mkdir -p "$ARTIFACTS"
status=0
for kind in tflite pte model_explorer ptd; do
  fuzzer="$BUILD_DIR/tests/fuzz/fuzz_$kind"
  log="$WORK/fuzz_$kind.log"
  echo "run_fuzzers: fuzz_$kind for ${FUZZ_SECONDS}s"
  # New inputs go to the first (scratch) corpus directory; the seeds stay read-only.
  if "$fuzzer" -max_total_time="$FUZZ_SECONDS" -max_len=1048576 -timeout=5 -rss_limit_mb=4096 \
      -print_final_stats=1 -artifact_prefix="$ARTIFACTS/fuzz_${kind}-" \
      "$WORK/corpus/$kind" "$WORK/seeds/$kind" >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$log" | sed 's/^/  /' || true
    echo "run_fuzzers: fuzz_$kind: no crash"
  else
    status=1
    echo "run_fuzzers: fuzz_$kind FOUND A PROBLEM; log tail:" >&2
    tail -n 60 "$log" >&2
    echo "run_fuzzers: reproduce with: $fuzzer $ARTIFACTS/fuzz_${kind}-*" >&2
  fi
done
exit $status
