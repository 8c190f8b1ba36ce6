#!/usr/bin/python3
"""Independent check of `edgelens quant-report` layer-wise errors.

Recomputes, in numpy and from nothing but
  * the tensors `edgelens run --dump-tensors DIR` wrote (t<index>.npy: what each quantized op
    actually received and produced),
  * quantization parameters and constant offsets from `edgelens dump --json`,
  * the .tflite bytes (constant tensors are read at their file offsets),
the float reference of every op it knows (explicit numpy, no EdgeLens kernel), then TFLite's
QuantizationDebugger metrics of diff = dequant(quantized output) - float output, and compares
them with the report's JSON `layers` rows.

Usage: check_layer_errors.py MODEL.tflite DUMP.json TENSOR_DIR REPORT.json
Prints one line per checked row and a summary; exit 0 when every checked row agrees and at
least one row was checked, 1 otherwise.
"""
import json
import math
import sys

import numpy as np

NP_DTYPES = {"int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32,
             "int64": np.int64, "float32": np.float32}


def dequantize(values, quant, shape):
    values = values.astype(np.float64)
    scales = np.asarray(quant["scales"], dtype=np.float64)
    zps = np.asarray(quant.get("zero_points") or [0] * len(scales), dtype=np.float64)
    if len(scales) == 1:
        return (values - zps[0]) * scales[0]
    axis = quant.get("axis", 0)
    if axis >= len(shape):  # rank-1 bias recorded with the filter's axis
        axis = 0
    bshape = [1] * len(shape)
    bshape[axis] = len(scales)
    return (values - zps.reshape(bshape)) * scales.reshape(bshape)


class Model:
    def __init__(self, model_path, dump_path, tensor_dir):
        self.bytes = open(model_path, "rb").read()
        self.graph = json.load(open(dump_path))["graphs"][0]
        self.tensor_dir = tensor_dir

    def tensor(self, tid):
        return self.graph["tensors"][tid]

    def raw(self, tid):
        t = self.tensor(tid)
        if t["is_constant"]:
            offset = t["data"]["file_offset"]
            count = int(np.prod(t["shape"])) if t["shape"] else 1
            return np.frombuffer(self.bytes, NP_DTYPES[t["dtype"]], count=count,
                                 offset=offset).reshape(t["shape"])
        return np.load(f"{self.tensor_dir}/t{tid}.npy")

    def real(self, tid, quant=None):
        t = self.tensor(tid)
        a = self.raw(tid)
        q = quant or t.get("quantization")
        if q and q.get("scales"):
            return dequantize(a, q, a.shape)
        return a.astype(np.float64)


def activation(x, name):
    name = (name or "NONE").upper()
    if name == "RELU":
        return np.maximum(x, 0)
    if name == "RELU6":
        return np.clip(x, 0, 6)
    if name == "RELU_N1_TO_1":
        return np.clip(x, -1, 1)
    if name == "NONE":
        return x
    raise NotImplementedError(name)


def same_pad(size, k, stride, dilation):
    out = -(-size // stride)
    eff = (k - 1) * dilation + 1
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2, total - total // 2


def windows(x, kh, kw, attrs):
    """Yields (i, j, strided view of the padded input) per filter tap; NHWC."""
    sh, sw = attrs.get("stride_h", 1), attrs.get("stride_w", 1)
    dh, dw = attrs.get("dilation_h_factor", 1), attrs.get("dilation_w_factor", 1)
    n, h, w, c = x.shape
    if attrs.get("padding", "SAME") == "SAME":
        oh, pt, pb = same_pad(h, kh, sh, dh)
        ow, pl, pr = same_pad(w, kw, sw, dw)
    else:
        oh = (h - (kh - 1) * dh - 1) // sh + 1
        ow = (w - (kw - 1) * dw - 1) // sw + 1
        pt = pb = pl = pr = 0
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, i * dh: i * dh + sh * (oh - 1) + 1: sh,
                           j * dw: j * dw + sw * (ow - 1) + 1: sw, :]


def bias_quant(m, node, bias_index):
    b = m.tensor(node["inputs"][bias_index])
    if b.get("quantization") and b["quantization"].get("scales"):
        return None
    x = m.tensor(node["inputs"][0])["quantization"]
    w = m.tensor(node["inputs"][1])["quantization"]
    return {"scales": [x["scales"][0] * s for s in w["scales"]],
            "zero_points": [0] * len(w["scales"]), "axis": 0}


def float_op(m, node):
    op = node["op"]["name"]
    a = node["attrs"]
    ins = node["inputs"]
    act = a.get("fused_activation_function")
    if op == "FULLY_CONNECTED":
        x, w = m.real(ins[0]), m.real(ins[1])
        y = x.reshape(-1, w.shape[1]) @ w.T
        if len(ins) > 2 and ins[2] >= 0:
            y = y + m.real(ins[2], bias_quant(m, node, 2))
        return activation(y, act)
    if op == "CONV_2D":
        x, w = m.real(ins[0]), m.real(ins[1])  # w: [O, KH, KW, I]
        y = None
        for i, j, view in windows(x, w.shape[1], w.shape[2], a):
            t = np.einsum("nhwi,oi->nhwo", view, w[:, i, j, :])
            y = t if y is None else y + t
        if len(ins) > 2 and ins[2] >= 0:
            y = y + m.real(ins[2], bias_quant(m, node, 2))
        return activation(y, act)
    if op == "DEPTHWISE_CONV_2D":
        x, w = m.real(ins[0]), m.real(ins[1])  # w: [1, KH, KW, C * M]
        mult = w.shape[3] // x.shape[3]
        y = None
        for i, j, view in windows(x, w.shape[1], w.shape[2], a):
            t = np.repeat(view, mult, axis=3) * w[0, i, j, :]
            y = t if y is None else y + t
        if len(ins) > 2 and ins[2] >= 0:
            y = y + m.real(ins[2], bias_quant(m, node, 2))
        return activation(y, act)
    if op == "AVERAGE_POOL_2D":
        x = m.real(ins[0])
        kh, kw = a["filter_height"], a["filter_width"]
        ones = np.ones(x.shape[:3] + (1,))
        total = count = None
        for (_, _, view), (_, _, cview) in zip(windows(x, kh, kw, a), windows(ones, kh, kw, a)):
            total = view if total is None else total + view
            count = cview if count is None else count + cview
        return activation(total / count, act)
    if op == "ADD":
        return activation(m.real(ins[0]) + m.real(ins[1]), act)
    if op == "MUL":
        return activation(m.real(ins[0]) * m.real(ins[1]), act)
    if op in ("RESHAPE", "QUANTIZE"):
        return m.real(ins[0])
    if op == "SOFTMAX":
        x = m.real(ins[0]) * a.get("beta", 1.0)
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if op == "LOGISTIC":
        return 1.0 / (1.0 + np.exp(-m.real(ins[0])))
    return None


def metrics(diff, scale):
    mse = float(np.average(diff ** 2))
    return {"num_elements": diff.size, "stddev": float(np.std(diff)),
            "mean_error": float(np.average(diff)), "max_abs_error": float(np.max(np.abs(diff))),
            "mean_squared_error": mse, "rmse_scale": math.sqrt(mse) / scale}


def main(argv):
    if len(argv) != 5:
        print(__doc__)
        return 2
    m = Model(argv[1], argv[2], argv[3])
    report = json.load(open(argv[4]))
    if report.get("samples") != 1:
        print("the report must cover exactly the one dumped sample")
        return 1
    checked = failed = 0
    ratios = []
    for row in report["layers"]:
        node = m.graph["nodes"][row["node"]]
        try:
            ref = float_op(m, node)
        except NotImplementedError as e:
            print(f"skip node {row['node']} {row['op_name']}: {e}")
            continue
        if ref is None:
            print(f"skip node {row['node']} {row['op_name']}: no numpy reference here")
            continue
        out = row["tensor_idx"]
        q = m.real(out)
        diff = q - ref.reshape(q.shape)
        scale = m.tensor(out)["quantization"]["scales"][0]
        mine = metrics(diff, scale)
        bad = []
        # Both sides compute the same float op, in float32 (EdgeLens) and float64 (numpy): they
        # may differ by float32 rounding (a few ulps of the largest reference value), far below
        # the quantization error being measured, except on outputs whose scale is itself near
        # float32's resolution (softmax to int16: scale 2^-16).
        noise = 8 * np.finfo(np.float32).eps * max(1e-30, float(np.max(np.abs(ref))))
        rmse = math.sqrt(mine["mean_squared_error"])
        atol = {"num_elements": 0,
                "mean_squared_error": 2 * noise * rmse + noise * noise + 1e-6 * scale * scale,
                "rmse_scale": noise / scale + 1e-3}
        for key in ("num_elements", "stddev", "mean_error", "max_abs_error",
                    "mean_squared_error", "rmse_scale"):
            theirs = row[key]
            tol = 1e-3 * abs(mine[key]) + atol.get(key, noise + 1e-3 * scale)
            if theirs is None or abs(theirs - mine[key]) > tol:
                bad.append(f"{key} {theirs} vs numpy {mine[key]}")
        checked += 1
        ratios.append(mine["rmse_scale"])
        status = "OK" if not bad else "MISMATCH " + "; ".join(bad)
        if bad:
            failed += 1
        print(f"node {row['node']:4} {row['op_name']:18} t{out:<5} rmse/scale "
              f"{mine['rmse_scale']:.4f} {status}")
    median = float(np.median(ratios)) if ratios else float("nan")
    print(f"checked {checked} rows, {failed} mismatched; median rmse/scale {median:.4f}")
    return 0 if checked > 0 and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
