#!/usr/bin/env python3
"""Independent oracle for EdgeLens image inputs (tests/runtime/image_input_test.cpp).

Written from the BMP file format and the rules in image_input.h, sharing no code with the C++:
  image_oracle.py rgb FILE.bmp OUT.npy
      decodes an uncompressed 8/24/32-bit BMP to uint8 [H, W, 3]
  image_oracle.py tensor FILE.bmp H W C bilinear|nearest MEAN STD OUT.npy
      the float32 [1, H, W, C] input tensor: resize with half-pixel centres, (p - MEAN) / STD
  image_oracle.py tflm FILE.bmp OUT.png OUT.npy
      TFLM's person-detection BMPs hold int8 bytes (TFLM's tests copy them into the int8 input
      as they are); writes the natural gray picture (byte ^ 0x80) as a PNG, and the int8 tensor
      TFLM feeds, [1, H, W, 1], as .npy
"""
import struct
import sys
import zlib

import numpy as np


def read_bmp(path):
    data = open(path, "rb").read()
    assert data[:2] == b"BM", "not a BMP"
    offset, header = struct.unpack_from("<II", data, 10)
    width, height, planes, bpp, compression = struct.unpack_from("<iiHHI", data, 18)
    assert compression in (0, 3) and planes == 1
    top_down = height < 0
    height = abs(height)
    stride = (width * bpp + 31) // 32 * 4
    rows = []
    for y in range(height):
        start = offset + (y if top_down else height - 1 - y) * stride
        rows.append(np.frombuffer(data, np.uint8, stride, start))
    raw = np.stack(rows)
    if bpp == 8:
        colors = struct.unpack_from("<I", data, 46)[0] or 256
        pal = np.frombuffer(data, np.uint8, colors * 4, 14 + header).reshape(colors, 4)
        return pal[raw[:, :width]][:, :, [2, 1, 0]]
    if bpp == 24:
        return raw[:, : width * 3].reshape(height, width, 3)[:, :, [2, 1, 0]]
    if bpp == 32:
        return raw[:, : width * 4].reshape(height, width, 4)[:, :, [2, 1, 0]]
    raise SystemExit("unsupported bpp %d" % bpp)


def resize(img, h, w, mode):
    ih, iw = img.shape[:2]
    ys = (np.arange(h) + 0.5) * ih / h
    xs = (np.arange(w) + 0.5) * iw / w
    if mode == "nearest":
        yi = np.minimum(np.floor(ys).astype(int), ih - 1)
        xi = np.minimum(np.floor(xs).astype(int), iw - 1)
        return img[yi][:, xi]
    fy = np.clip(ys - 0.5, 0, ih - 1)
    fx = np.clip(xs - 0.5, 0, iw - 1)
    y0 = np.floor(fy).astype(int)
    x0 = np.floor(fx).astype(int)
    y1 = np.minimum(y0 + 1, ih - 1)
    x1 = np.minimum(x0 + 1, iw - 1)
    wy = (fy - y0)[:, None, None]
    wx = (fx - x0)[None, :, None]
    top = img[y0][:, x0] * (1 - wx) + img[y0][:, x1] * wx
    bottom = img[y1][:, x0] * (1 - wx) + img[y1][:, x1] * wx
    return top * (1 - wy) + bottom * wy


def write_gray_png(path, gray):
    h, w = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(h))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def main():
    if sys.argv[1] == "tflm":
        stored = read_bmp(sys.argv[2])[:, :, 0]
        write_gray_png(sys.argv[3], stored ^ 0x80)
        np.save(sys.argv[4], stored.view(np.int8)[None, :, :, None])
        return
    if sys.argv[1] == "rgb":
        np.save(sys.argv[3], read_bmp(sys.argv[2]))
        return
    path, h, w, c, mode, mean, std, out = sys.argv[2:10]
    img = read_bmp(path).astype(np.float64)
    if int(c) == 1:
        img = (0.299 * img[:, :, 0] + 0.587 * img[:, :, 1] + 0.114 * img[:, :, 2])[:, :, None]
    img = resize(img, int(h), int(w), mode)
    np.save(out, np.ascontiguousarray(((img - float(mean)) / float(std)).astype(np.float32)[None]))


if __name__ == "__main__":
    main()
