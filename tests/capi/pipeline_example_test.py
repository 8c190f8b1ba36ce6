#!/usr/bin/env python3
"""Runs the Python ctypes pipeline script of docs/capi.md (the first ```python block) against the
built libedgelens on the hello_world float -> int8 pair: a loose tolerance passes (exit 0), one
below the gap between TFLite's own reference outputs of the two models fails the gate (exit 3).
Usage: pipeline_example_test.py DOCS_CAPI_MD LIBEDGELENS SHARED_DIR TMP_DIR. Exit 77 = skipped."""
import os
import re
import struct
import subprocess
import sys

doc, lib, shared, tmp = sys.argv[1:5]
micro = os.path.join(shared, "fixtures", "tflite", "micro")
ref = os.path.join(shared, "fixtures", "reference")
stages = [os.path.join(micro, "hello_world_float.tflite"), os.path.join(micro, "hello_world_int8.tflite")]
if not all(os.path.exists(p) for p in stages):
    print("SKIP: ../shared/fixtures is absent")
    sys.exit(77)

blocks = re.findall(r"```python\n(.*?)```", open(doc, encoding="utf-8").read(), re.S)
if not blocks:
    sys.exit(f"{doc} has no ```python block")
os.makedirs(tmp, exist_ok=True)
script = os.path.join(tmp, "gate.py")
with open(script, "w", encoding="utf-8") as f:
    f.write(blocks[0])


def npy_first(path):
    data = open(path, "rb").read()
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode("latin-1")
    body = data[10 + header_len:]
    if "'<f4'" in header:
        return struct.unpack("<f", body[:4])[0]
    if "'|i1'" in header:
        return struct.unpack("<b", body[:1])[0]
    raise ValueError(f"{path}: unexpected dtype {header}")


# The gap between TFLite's outputs of the two models on the ramp input (x = 0).
import json  # noqa: E402

meta = json.load(open(os.path.join(ref, "hello_world_int8", "meta.json")))
q = meta["outputs"][0]["quantization"]
gap = abs(q["scale"] * (npy_first(os.path.join(ref, "hello_world_int8", "output0.npy")) - q["zero_point"])
          - npy_first(os.path.join(ref, "hello_world_float", "output0.npy")))
assert gap > 1e-3, gap

failures = 0


def run(tolerance, expected_code, expected_text):
    global failures
    r = subprocess.run([sys.executable, script, lib, repr(tolerance), *stages], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != expected_code or expected_text not in r.stdout:
        print(f"tolerance {tolerance}: exit {r.returncode} (expected {expected_code}), "
              f"wanted {expected_text!r}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
        failures += 1
    return r.stdout


out = run(gap * 2 + 2 * q["scale"], 0, "pipeline OK")
# Both stages report their op count as flatc/meta say: 3 FULLY_CONNECTED.
if out.count(": 3 ops;") != 2 or "3 changed" not in out:
    print(f"unexpected report:\n{out}")
    failures += 1
run(gap / 4, 3, "GATE FAILED")
print("pipeline example: " + ("FAILED" if failures else "OK"))
sys.exit(1 if failures else 0)
