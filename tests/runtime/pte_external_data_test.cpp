// ExecuTorch programs whose weights live in a .ptd (external tensor data) run with those weights.
// Oracle: numpy computes x @ W.T + b from W and b that a small Python reader takes from the .ptd
// bytes on its own (header at byte 8, the flatbuffer walked by hand), not from EdgeLens.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

fs::path resources() {
  return edgelens::testing::fixtures_dir() /
         "executorch/release-0.6/extension/module/test/resources";
}

// Reads the named float tensors of a .ptd (both FlatTensor layouts) and writes x @ W.T + b.
// argv: ptd, x.npy, out.npy, weight key, bias key.
constexpr const char* kNumpyLinear = R"PY(
import struct, sys
import numpy as np

ptd, x_path, out_path, weight_key, bias_key = sys.argv[1:6]
buf = open(ptd, "rb").read()
assert buf[4:8] == b"FT01" and buf[8:12] == b"FH01", "not a .ptd"
length, fb_offset, fb_size, seg_base, seg_size = struct.unpack_from("<IQQQQ", buf, 12)

def u32(p): return struct.unpack_from("<I", buf, p)[0]
def table(p): return p, p - struct.unpack_from("<i", buf, p)[0]
def field(t, i):
    p, vt = t
    vsize = struct.unpack_from("<H", buf, vt)[0]
    slot = 4 + 2 * i
    if slot >= vsize: return None
    off = struct.unpack_from("<H", buf, vt + slot)[0]
    return p + off if off else None
def ref(p): return p + u32(p)
def vector(t, i):
    p = field(t, i)
    if p is None: return []
    v = ref(p)
    return [v + 4 + 4 * k for k in range(u32(v))]
def scalar(t, i, fmt, default=0):
    p = field(t, i)
    return struct.unpack_from(fmt, buf, p)[0] if p is not None else default
def string(t, i):
    v = ref(field(t, i))
    return buf[v + 4 : v + 4 + u32(v)].decode()
def ints(t, i):
    p = field(t, i)
    if p is None: return []
    v = ref(p)
    return list(struct.unpack_from("<%di" % u32(v), buf, v + 4))

FLOAT = 6
root = table(u32(0))
vtable_size = struct.unpack_from("<H", buf, root[1])[0]
tensors = {}
if vtable_size > 4 + 2 * 3:  # ExecuTorch 0.6: version, tensor_alignment, tensors, segments
    segments = [table(ref(e)) for e in vector(root, 3)]
    for e in vector(root, 2):
        t = table(ref(e))
        assert scalar(t, 1, "<b") == FLOAT
        seg = segments[scalar(t, 4, "<i")]
        start = seg_base + scalar(seg, 0, "<Q") + scalar(t, 5, "<Q")
        sizes = ints(t, 2)
        tensors[string(t, 0)] = np.frombuffer(buf, "<f4", int(np.prod(sizes)), start).reshape(sizes)
else:  # later releases: version, segments, named_data (key, segment_index, tensor_layout)
    segments = [table(ref(e)) for e in vector(root, 1)]
    for e in vector(root, 2):
        n = table(ref(e))
        layout = table(ref(field(n, 2)))
        assert scalar(layout, 0, "<b") == FLOAT
        sizes = ints(layout, 1)
        start = seg_base + scalar(segments[scalar(n, 1, "<I")], 0, "<Q")
        tensors[string(n, 0)] = np.frombuffer(buf, "<f4", int(np.prod(sizes)), start).reshape(sizes)

x = np.load(x_path)
w, b = tensors[weight_key], tensors[bias_key]
np.save(out_path, (x.astype(np.float64) @ w.T.astype(np.float64) + b).astype(np.float32))
)PY";

NpyArray numpy_linear(const fs::path& ptd, const TensorBuffer& x, const fs::path& dir) {
  fs::create_directories(dir);
  write_npy(dir / "x.npy", x.dtype, x.shape, x.raw().first(x.byte_size()));
  std::ofstream(dir / "linear.py") << kNumpyLinear;
  const int rc = std::system(fmt::format("/usr/bin/python3 '{}' '{}' '{}' '{}' linear.weight "
                                         "linear.bias",
                                         (dir / "linear.py").string(), ptd.string(),
                                         (dir / "x.npy").string(), (dir / "out.npy").string())
                                 .c_str());
  EXPECT_EQ(rc, 0) << "numpy oracle failed";
  return read_npy(dir / "out.npy");
}

void expect_linear_matches_numpy(const Model& model, const fs::path& ptd, const std::string& name) {
  Interpreter interpreter(model);
  ASSERT_TRUE(interpreter.ready()) << interpreter.unsupported().front().to_string();
  ASSERT_EQ(interpreter.input_count(), 1u);
  auto& x = interpreter.input(0);
  ASSERT_EQ(x.dtype, DType::Float32);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-4.f, 4.f);
  for (auto& v : x.mutable_view<float>()) v = dist(rng);
  const NpyArray expected =
      numpy_linear(ptd, x, fs::path(EDGELENS_BINARY_DIR) / "pte_external_data" / name);
  interpreter.invoke();
  const auto& out = interpreter.output(0);
  ASSERT_EQ(expected.dtype, out.dtype);
  ASSERT_EQ(expected.shape, out.shape);
  const auto ours = out.view<float>();
  const std::span<const float> theirs(reinterpret_cast<const float*>(expected.data.data()),
                                      ours.size());
  for (size_t i = 0; i < ours.size(); ++i)
    EXPECT_NEAR(ours[i], theirs[i], 1e-5 * std::max(1.0, std::abs(double(theirs[i]))))
        << "element " << i;
}

TEST(PteExternalData, LinearRunsWithTheWeightsOfItsPairedPtd) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = open_model((resources() / "linear.pte").string());
  ASSERT_EQ(model->data_files.size(), 1u);
  expect_linear_matches_numpy(*model, resources() / "linear.ptd", "paired");
}

TEST(PteExternalData, WithoutItsPtdTheRunIsRefusedNamingTheWeights) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = fs::path(EDGELENS_BINARY_DIR) / "pte_external_data" / "alone";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(resources() / "linear.pte", dir / "linear.pte");
  const auto model = open_model((dir / "linear.pte").string());
  Interpreter interpreter(*model);
  ASSERT_FALSE(interpreter.ready());
  const std::string reason = interpreter.unsupported().front().to_string();
  EXPECT_NE(reason.find(".ptd"), std::string::npos) << reason;

  // The same program given its weights explicitly (--data) runs.
  OpenOptions options;
  options.data_files = {(resources() / "linear.ptd").string()};
  const auto with_data = open_model((dir / "linear.pte").string(), options);
  expect_linear_matches_numpy(*with_data, resources() / "linear.ptd", "explicit");
}

}  // namespace
