#!/usr/bin/env bash
# Runs bench/open_bench and appends a section (date, machine, command, figures) to bench/RESULTS.md.
# Usage: bench/run_open_bench.sh BUILD_DIR [extra Google Benchmark flags]
#   e.g. bench/run_open_bench.sh build/release --benchmark_min_time=0.2
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [benchmark flags]" >&2
  exit 2
fi
BUILD_DIR=$1
shift
SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$BUILD_DIR/bench/open_bench"
[[ -x "$BENCH" ]] || cmake --build "$BUILD_DIR" --target open_bench
OUT=$(mktemp "${TMPDIR:-/tmp}/open_bench.XXXXXX.json")
trap 'rm -f "$OUT"' EXIT
COMMAND="$BENCH --benchmark_out=$OUT --benchmark_out_format=json $*"
echo "run_open_bench: $COMMAND"
"$BENCH" --benchmark_out="$OUT" --benchmark_out_format=json "$@"

/usr/bin/python3 - "$OUT" "$SOURCE_DIR/bench/RESULTS.md" "bench/run_open_bench.sh $BUILD_DIR $*" <<'PY'
import datetime, json, os, platform, sys
out, results, command = sys.argv[1], sys.argv[2], sys.argv[3]
data = json.load(open(out))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rows = [b for b in data["benchmarks"] if not b.get("error_occurred")]
skipped = [b["name"] for b in data["benchmarks"] if b.get("error_occurred")]
def ms(b):
    t = b["real_time"]
    return {"ns": t / 1e6, "us": t / 1e3, "ms": t, "s": t * 1e3}[b.get("time_unit", "ns")]
def cpu_ms(b):
    t = b["cpu_time"]
    return {"ns": t / 1e6, "us": t / 1e3, "ms": t, "s": t * 1e3}[b.get("time_unit", "ns")]
targets = {"open/synthetic_30MB.tflite": 30.0, "open/synthetic_300MB.tflite": 150.0}
lines = []
lines.append(f"\n## {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC: open_bench\n")
lines.append(f"- machine: {os.cpu_count()} CPUs (nproc), {cpu}, {platform.system()} {platform.release()}")
lines.append(f"- load while measuring: {os.getloadavg()[0]:.1f} (1-min load average at the end)")
lines.append(f"- command: `{command}`")
lines.append("- time = wall-clock per open (mmap + verify + IR), cpu = CPU time per open; RSS columns are the")
lines.append("  growth while the model is open: total VmRSS, RssAnon (heap: the IR) and RssFile (mapped file")
lines.append("  pages, clean page cache)\n")
lines.append("| model | file MB | nodes | tensors | time ms | cpu ms | target | VmRSS growth | of file | heap (RssAnon) | of file | file pages MB |")
lines.append("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
small = []
for b in rows:
    name = b["name"]
    if b["file_MB"] < 0.05 and name not in targets:
        small.append(b)
        continue
    target = targets.get(name)
    verdict = "" if target is None else (f"< {target:g} ms: " + ("met" if ms(b) < target else "MISSED"))
    lines.append(f"| {name.removeprefix('open/')} | {b['file_MB']:.2f} | {b['nodes']:.0f} | {b['tensors']:.0f} | "
                 f"{ms(b):.3f} | {cpu_ms(b):.3f} | {verdict} | {b['rss_growth_MB']:.2f} MB | {b['rss_pct_of_file']:.1f}% | "
                 f"{b['anon_growth_MB']:.2f} MB | {b['anon_pct_of_file']:.1f}% | {b['file_pages_MB']:.2f} |")
if small:
    worst = max(small, key=ms)
    lines.append(f"\n{len(small)} fixtures under 50 KB: slowest {worst['name'].removeprefix('open/')} at {ms(worst):.3f} ms "
                 f"(median {sorted(ms(b) for b in small)[len(small)//2]:.3f} ms).")
if skipped:
    lines.append(f"\nNot timed (the file fails to open, as intended for LiteRT's broken test models): "
                 + ", ".join(s.removeprefix('open/') for s in skipped) + ".")
new = not os.path.exists(results)
with open(results, "a") as f:
    if new:
        f.write("# Benchmark results\n\nEach section is one run, newest last. Produced by the bench/run_*.sh scripts.\n")
    f.write("\n".join(lines) + "\n")
print(f"run_open_bench: appended a section to {results}")
PY
