// Ops that only a few fixtures use (TOPK_V2, SCATTER_ND, ATAN2, FLOOR_MOD, STABLEHLO_COMPOSITE,
// nested WHILE), each fixture run in our interpreter and in the oracle runtimes of ../shared/peers
// (LiteRT.js, tfjs-tflite) on the same inputs — the ramp, or arrays written here where the ramp is
// not a valid input (k = 0, indices out of bounds, x mod 0) — and compared:
//   float: max |ours - oracle| <= 1e-4 * max(1, max|oracle|); integer: exact.
// Where the ramp is invalid, TFLite fails the run and so must we (the test checks both).
// Peers are installed with `npm ci` into BUILD/peers on first use; without node/npm the peer
// comparisons skip, saying why.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <fmt/format.h>

#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "peers.h"
#include "shared_dir.h"

namespace {

using edgelens::testing::ensure_peers;
namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

int sh(const std::string& cmd) {
  return std::system(cmd.c_str());
}

template <class T>
NpyArray array(std::vector<int64_t> shape, std::vector<T> values) {
  NpyArray a;
  if constexpr (std::is_same_v<T, float>) a.dtype = DType::Float32;
  if constexpr (std::is_same_v<T, int32_t>) a.dtype = DType::Int32;
  a.shape = std::move(shape);
  a.data.resize(values.size() * sizeof(T));
  std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

std::vector<double> doubles(DType dtype, std::span<const std::byte> bytes) {
  std::vector<double> out;
  auto take = [&]<class T>() {
    for (size_t i = 0; i + sizeof(T) <= bytes.size(); i += sizeof(T)) {
      T v;
      std::memcpy(&v, bytes.data() + i, sizeof(T));
      out.push_back(static_cast<double>(v));
    }
  };
  if (dtype == DType::Float32) take.operator()<float>();
  if (dtype == DType::Int32) take.operator()<int32_t>();
  if (dtype == DType::Int64) take.operator()<int64_t>();
  return out;
}

fs::path testdata(const std::string& rel) {
  return edgelens::testing::fixtures_dir() / "tflite/litert" / rel;
}

// Runs `model` in our interpreter on `inputs` (empty = the ramp for all), then in each oracle
// runtime on the same .npy files; expects agreement with every runtime that ran it, and at least
// one runtime to have run it.
void compare_with_peers(const fs::path& model_path, const std::vector<NpyArray>& inputs,
                        const std::vector<std::string>& runtimes) {
  SCOPED_TRACE(model_path.filename().string());
  auto model = open_model(model_path.string());
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "fixture_ops" / model_path.stem();
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<std::string> input_files;
  for (size_t k = 0; k < interp.input_count(); ++k) {
    auto& t = interp.input(k);
    if (k < inputs.size()) {
      load_npy_into(t, inputs[k], fmt::format("input{}", k));
    } else {
      fill_ramp(t);
    }
    const auto file = dir / fmt::format("input{}.npy", k);
    write_npy(file, t.dtype, t.shape, {t.data, t.byte_size()});
    input_files.push_back(file.string());
  }
  interp.invoke();

  const fs::path peers = fs::path(EDGELENS_BINARY_DIR) / "peers";
  if (const auto why = ensure_peers(peers); !why.empty()) GTEST_SKIP() << why;
  int ran = 0;
  for (const auto& runtime : runtimes) {
    const auto out = dir / runtime;
    const auto log = dir / (runtime + ".log");
    const int rc =
        sh(fmt::format("cd '{}' && timeout 120 node reference.mjs --runtime {} --iters 0 "
                       "'{}' '{}' '{}' > '{}' 2>&1",
                       peers.string(), runtime, model_path.string(), out.string(),
                       fmt::join(input_files, "' '"), log.string()));
    if (rc != 0) {
      std::cout << "[ note ] " << runtime << " could not run " << model_path.filename() << ", see "
                << log << "\n";
      continue;
    }
    ++ran;
    for (size_t k = 0; k < interp.output_count(); ++k) {
      const auto& ours = interp.output(k);
      const auto ref = read_npy(out / fmt::format("output{}.npy", k));
      ASSERT_EQ(ref.shape, ours.shape) << runtime << " output " << k;
      ASSERT_EQ(ref.dtype, ours.dtype) << runtime << " output " << k;
      const auto a = doubles(ours.dtype, {ours.data, ours.byte_size()});
      const auto b = doubles(ref.dtype, ref.data);
      ASSERT_EQ(a.size(), b.size());
      double worst = 0, scale = 1;
      for (size_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(a[i] - b[i]));
        scale = std::max(scale, std::abs(b[i]));
      }
      if (ours.dtype == DType::Float32)
        EXPECT_LE(worst, 1e-4 * scale) << runtime << " output " << k;
      else
        EXPECT_EQ(worst, 0) << runtime << " output " << k;
      std::cout << "[ match ] " << model_path.filename().string() << " output " << k << " vs "
                << runtime << ": max |diff| " << worst << " over " << a.size() << " values\n";
    }
  }
  EXPECT_GT(ran, 0) << "no oracle runtime ran " << model_path;
}

// Our run must fail where TFLite's does (same inputs, the ramp), with a message naming `needle`.
void expect_run_error(const fs::path& model_path, const std::string& needle,
                      const InterpreterOptions& options = {}) {
  auto model = open_model(model_path.string());
  Interpreter interp(*model, options);
  ASSERT_TRUE(interp.ready());
  apply_inputs(interp, {});
  try {
    interp.invoke();
    ADD_FAILURE() << model_path << " ran; TFLite fails it on the ramp";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const std::vector<std::string> kBoth = {"litertjs", "tfjs"};

TEST(FixtureOps, TopK) {
  EDGELENS_REQUIRE_SHARED();
  compare_with_peers(testdata("litert/test/testdata/simple_topk_op.tflite"), {}, kBoth);
}

// The peers return garbage for this model's dynamic-shape outputs (LiteRT.js index 2495 and
// tfjs 0 for k = 1; reference.mjs writes the declared [1,1] shape), so the oracle is the static-k
// model run in the peers: same op, same ramp values, k = 10.
TEST(FixtureOps, TopKRuntimeK) {
  EDGELENS_REQUIRE_SHARED();
  compare_with_peers(testdata("litert/test/testdata/simple_topk_op.tflite"), {}, {"litertjs"});
  const fs::path ref = fs::path(EDGELENS_BINARY_DIR) / "fixture_ops/simple_topk_op/litertjs";
  if (!fs::exists(ref / "output0.npy")) GTEST_SKIP() << "no LiteRT.js output for simple_topk_op";
  auto model =
      open_model(testdata("litert/test/testdata/simple_topk_op_runtime_k.tflite").string());
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready());
  load_npy_into(interp.input(0), array<int32_t>({}, {10}), "k");
  fill_ramp(interp.input(1));
  interp.invoke();
  // This model's outputs are (indices, values); simple_topk_op's (values, indices).
  for (auto [ours_k, ref_k] : {std::pair{0, 1}, std::pair{1, 0}}) {
    const auto& ours = interp.output(size_t(ours_k));
    const auto expected = read_npy(ref / fmt::format("output{}.npy", ref_k));
    EXPECT_EQ(ours.shape, expected.shape);
    EXPECT_EQ(ours.dtype, expected.dtype);
    EXPECT_TRUE(std::equal(expected.data.begin(), expected.data.end(), ours.data))
        << "output " << ours_k;
  }
  std::cout << "[ match ] simple_topk_op_runtime_k.tflite (k = 10) vs simple_topk_op in litertjs\n";
}

TEST(FixtureOps, ScatterNd) {
  EDGELENS_REQUIRE_SHARED();
  // The ramp's indices (0..7) fall outside [1,128,4,128]: TFLite fails, and so do we.
  expect_run_error(testdata("litert/test/testdata/simple_scatter_nd_op.tflite"), "out of bounds");
  compare_with_peers(testdata("litert/test/testdata/simple_scatter_nd_op.tflite"),
                     {array<int32_t>({2, 4}, {0, 1, 2, 3, 0, 127, 3, 127})}, {"litertjs"});
  // Duplicate indices accumulate.
  compare_with_peers(testdata("litert/test/testdata/simple_scatter_nd_op.tflite"),
                     {array<int32_t>({2, 4}, {0, 5, 1, 9, 0, 5, 1, 9})}, {"litertjs"});
  compare_with_peers(testdata("litert/js/packages/core/testdata/fallback_model.tflite"), {}, kBoth);
}

TEST(FixtureOps, Atan2) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = testdata("litert/test/testdata/simple_atan2_op.tflite");
  for (auto [y, x] : {std::pair{-0.7f, -0.3f}, std::pair{0.25f, -2.0f}, std::pair{-1.5f, 0.0f}})
    compare_with_peers(model, {array<float>({1}, {y}), array<float>({1}, {x})}, kBoth);
}

TEST(FixtureOps, FloorMod) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = testdata("litert/test/testdata/simple_floor_mod.tflite");
  // The ramp divides by 0 (input 1 starts at 0): TFLite reports "Division by 0", so do we.
  expect_run_error(model, "division by zero");
  compare_with_peers(
      model, {array<int32_t>({5}, {7, -7, 7, -7, 0}), array<int32_t>({5}, {3, 3, -3, -3, 5})},
      {"litertjs"});
}

TEST(FixtureOps, StablehloComposite) {
  EDGELENS_REQUIRE_SHARED();
  for (const char* f : {"group_norm_2_groups_op", "simple_group_norm_op", "l2_norm_composite"})
    compare_with_peers(testdata(fmt::format("litert/test/testdata/{}.tflite", f)), {},
                       {"litertjs"});
}

TEST(FixtureOps, NestedWhile) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = testdata("tflite/testdata/nested_while.bin");
  // x = 1: the inner loop doubles once, both conditions (x == x*x) then fail: a finite run.
  compare_with_peers(model, {array<float>({}, {1.0f})}, kBoth);
  // x = 0 (the ramp): 0 == 0*0 forever (TFLite loops forever too). The cap stops it and names the
  // node and the count.
  const InterpreterOptions capped{.max_while_iterations = 1000};
  expect_run_error(model, "subgraph 2 node 0 (WHILE, body subgraph 4)", capped);
  expect_run_error(model, "after 1000 iterations", capped);
}

}  // namespace

namespace {
// simple_squeeze.tflite's input is unranked (shape [] with no signature, MLIR tensor<*xf32>) and
// squeezes axis 1. TFLite fails it at prepare as written ("current < input_num_dims", LiteRT.js
// too): so does our prepare. Given an input of rank >= 2, TFLite's ResizeInputTensor accepts any
// shape for it, and so do our inputs: [3,1,2] squeezes to [3,2].
TEST(FixtureOps, SqueezeOfUnrankedInput) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(testdata("litert/test/testdata/simple_squeeze.tflite").string());
  Interpreter interp(*model);
  ASSERT_FALSE(interp.ready());
  EXPECT_NE(interp.unsupported()[0].why.find("out of range for rank 0"), std::string::npos);
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "fixture_ops" / "squeeze";
  fs::create_directories(dir);
  const std::vector<float> values = {0, 1, 2, 3, 4, 5};
  write_npy(dir / "x.npy", DType::Float32, std::vector<int64_t>{3, 1, 2},
            std::as_bytes(std::span(values)));
  apply_inputs(interp, {parse_input_spec("0=" + (dir / "x.npy").string())});
  ASSERT_TRUE(interp.ready());
  interp.invoke();
  EXPECT_EQ(interp.output(0).shape, (std::vector<int64_t>{3, 2}));
  const auto out = interp.output(0).view<float>();
  EXPECT_TRUE(std::equal(values.begin(), values.end(), out.begin()));
}
}  // namespace

namespace {
// VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE: CALL_ONCE's init subgraph assigns the variable, the
// main graph reads it twice and assigns a new value (outputs of the first invocation compared).
// tfjs-tflite (TFLite ~2.9 in wasm) returns all zeros for both outputs, output 1 being x + const
// with no variable involved, so it is not used here.
TEST(FixtureOps, ResourceVariables) {
  EDGELENS_REQUIRE_SHARED();
  compare_with_peers(
      testdata("tflite/converter/quantization/lite/testdata/resource_vars_calibrated.bin"), {},
      {"litertjs"});
}
}  // namespace

namespace {
// MaxUnpooling2D (MediaPipe; LiteRT's LiteRtMaxUnpooling2D): no peer resolves the custom op, so the
// oracle is numpy applying MediaPipe's definition (out[b].flat[idx] = in, zeros elsewhere, output
// size from the TfLitePoolParams) to the same inputs: random values, distinct valid indices.
TEST(FixtureOps, MaxUnpooling2D) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "fixture_ops" / "unpool";
  fs::create_directories(dir);
  for (const char* f : {"max_unpooling_2d", "max_unpooling_2d_valid"}) {
    SCOPED_TRACE(f);
    const auto path = testdata(fmt::format("litert/test/testdata/{}.tflite", f));
    auto model = open_model(path.string());
    Interpreter interp(*model);
    ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
    fill_random(interp.input(0), 11);
    auto& idx = interp.input(1);
    const int64_t batches = idx.dim(0);
    const int64_t per_in = idx.element_count() / batches;
    const int64_t per_out =
        interp.output(0).dim(1) * interp.output(0).dim(2) * interp.output(0).dim(3);
    auto indices = idx.mutable_view<int32_t>();
    for (int64_t i = 0; i < idx.element_count(); ++i)  // 7 is coprime to both sizes: distinct
      indices[size_t(i)] = int32_t(((i % per_in) * 7 + 3) % per_out);
    interp.invoke();
    for (size_t k = 0; k < 2; ++k) {
      const auto& t = interp.input(k);
      write_npy(dir / fmt::format("input{}.npy", k), t.dtype, t.shape, {t.data, t.byte_size()});
    }
    const auto script = fmt::format(
        "import numpy as np\n"
        "x = np.load('{0}/input0.npy'); i = np.load('{0}/input1.npy')\n"
        "same, sw, sh, fw, fh = {1}\n"
        "n, h, w, c = x.shape\n"
        "oh, ow = (h * sh, w * sw) if same else ((h - 1) * sh + fh, (w - 1) * sw + fw)\n"
        "out = np.zeros((n, oh * ow * c), np.float32)\n"
        "for b in range(n): out[b][i[b].ravel()] = x[b].ravel()\n"
        "np.save('{0}/expected.npy', out.reshape(n, oh, ow, c))\n",
        dir.string(), std::string(f) == "max_unpooling_2d" ? "1, 2, 2, 2, 2" : "0, 3, 2, 2, 2");
    std::ofstream(dir / "oracle.py") << script;
    ASSERT_EQ(sh(fmt::format("/usr/bin/python3 '{}'", (dir / "oracle.py").string())), 0);
    const auto expected = read_npy(dir / "expected.npy");
    EXPECT_EQ(expected.shape, interp.output(0).shape);
    EXPECT_TRUE(std::equal(expected.data.begin(), expected.data.end(), interp.output(0).data));
  }
}
}  // namespace

namespace {
// CUMSUM and EMBEDDING_LOOKUP: no fixture uses them, so single-op models are written here with
// TfliteBuilder and run in the peers like the fixtures.
fs::path write_model(const std::string& name, const std::function<void(TfliteBuilder&)>& build) {
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "fixture_ops" / "written";
  fs::create_directories(dir);
  TfliteBuilder b;
  build(b);
  const auto path = dir / (name + ".tflite");
  b.write_file(path.string());
  return path;
}

TEST(FixtureOps, CumSum) {
  EDGELENS_REQUIRE_SHARED();
  struct Params {
    DType dtype;
    int32_t axis;
    bool exclusive, reverse;
  };
  for (const Params p :
       {Params{DType::Float32, 1, false, false}, Params{DType::Float32, -1, true, true},
        Params{DType::Int32, 0, false, true}, Params{DType::Float32, 2, true, false}}) {
    const auto name =
        fmt::format("cumsum_{}_{}_{}_{}", dtype_name(p.dtype), p.axis, p.exclusive, p.reverse);
    const auto path = write_model(name, [&](TfliteBuilder& b) {
      const int x = b.add_tensor({.name = "x", .dtype = p.dtype, .shape = {2, 3, 4}});
      const int axis = b.add_tensor({.name = "axis",
                                     .dtype = DType::Int32,
                                     .shape = {},
                                     .data = TfliteBuilder::bytes_of({p.axis})});
      const int y = b.add_tensor({.name = "y", .dtype = p.dtype, .shape = {2, 3, 4}});
      b.add_op({.op = "CUMSUM",
                .inputs = {x, axis},
                .outputs = {y},
                .options = {{"exclusive", p.exclusive}, {"reverse", p.reverse}}});
      b.set_inputs({x});
      b.set_outputs({y});
    });
    compare_with_peers(path, {}, kBoth);
  }
}

TEST(FixtureOps, EmbeddingLookup) {
  EDGELENS_REQUIRE_SHARED();
  std::vector<float> table(5 * 2 * 3);
  for (size_t i = 0; i < table.size(); ++i) table[i] = float(i) * 0.25f - 3.0f;
  const auto path = write_model("embedding_lookup", [&](TfliteBuilder& b) {
    const int ids = b.add_tensor({.name = "ids", .dtype = DType::Int32, .shape = {4}});
    const int value = b.add_tensor({.name = "value",
                                    .dtype = DType::Float32,
                                    .shape = {5, 2, 3},
                                    .data = TfliteBuilder::bytes_of(table)});
    const int out = b.add_tensor({.name = "out", .dtype = DType::Float32, .shape = {4, 2, 3}});
    b.add_op({.op = "EMBEDDING_LOOKUP", .inputs = {ids, value}, .outputs = {out}});
    b.set_inputs({ids});
    b.set_outputs({out});
  });
  compare_with_peers(path, {array<int32_t>({4}, {4, 0, 2, 4})}, kBoth);
}
}  // namespace

namespace {
// MaxPoolingWithArgmax2D (MediaPipe custom op, raw TfLitePoolParams options): no fixture and no
// peer resolves it, so single-op models written here are checked against numpy applying the
// definition (TFLite's pooling window/padding; index (y * W + x) * C + c as
// tf.nn.max_pool_with_argmax), on random values (no ties).
TEST(FixtureOps, MaxPoolingWithArgmax2D) {
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "fixture_ops" / "argmax";
  fs::create_directories(dir);
  struct Params {
    int32_t padding, stride_w, stride_h, filter_w, filter_h;
    std::vector<int64_t> shape;
  };
  for (const Params& p : {Params{1, 2, 2, 2, 2, {1, 7, 6, 3}}, Params{2, 2, 1, 3, 2, {2, 5, 8, 2}},
                          Params{1, 3, 2, 3, 3, {1, 8, 7, 1}}}) {
    SCOPED_TRACE(fmt::format("padding {} stride {}x{} filter {}x{}", p.padding, p.stride_w,
                             p.stride_h, p.filter_w, p.filter_h));
    const auto path = write_model("argmax", [&](TfliteBuilder& b) {
      const int x = b.add_tensor({.name = "x", .dtype = DType::Float32, .shape = p.shape});
      const int y = b.add_tensor({.name = "y", .dtype = DType::Float32, .shape = {1}});
      const int i = b.add_tensor({.name = "i", .dtype = DType::Int32, .shape = {1}});
      const std::vector<int32_t> params = {
          p.padding, p.stride_w, p.stride_h, p.filter_w, p.filter_h, 0, 0, 0, 0, 0};
      b.add_op({.op = "MaxPoolingWithArgmax2D",
                .custom = true,
                .inputs = {x},
                .outputs = {y, i},
                .custom_options = TfliteBuilder::bytes_of(params)});
      b.set_inputs({x});
      b.set_outputs({y, i});
    });
    auto model = open_model(path.string());
    Interpreter interp(*model);
    ASSERT_TRUE(interp.ready()) << UnsupportedModel(interp.unsupported()).what();
    fill_random(interp.input(0), 5);
    interp.invoke();
    const auto& x = interp.input(0);
    write_npy(dir / "x.npy", x.dtype, x.shape, {x.data, x.byte_size()});
    const auto script = fmt::format(
        "import numpy as np\n"
        "x = np.load('{0}/x.npy'); same, sw, sh, fw, fh = {1}\n"
        "n, h, w, c = x.shape\n"
        "oh = -(-h // sh) if same else (h - fh + sh) // sh\n"
        "ow = -(-w // sw) if same else (w - fw + sw) // sw\n"
        "ph = max((oh - 1) * sh + fh - h, 0) // 2; pw = max((ow - 1) * sw + fw - w, 0) // 2\n"
        "y = np.zeros((n, oh, ow, c), np.float32); i = np.zeros((n, oh, ow, c), np.int32)\n"
        "for b in range(n):\n"
        "  for oy in range(oh):\n"
        "    for ox in range(ow):\n"
        "      y0, x0 = oy * sh - ph, ox * sw - pw\n"
        "      ys, xs = slice(max(y0, 0), min(y0 + fh, h)), slice(max(x0, 0), min(x0 + fw, w))\n"
        "      win = x[b, ys, xs, :].reshape(-1, c)\n"
        "      k = win.argmax(axis=0)\n"
        "      ww = xs.stop - xs.start\n"
        "      yy, xx = ys.start + k // ww, xs.start + k % ww\n"
        "      y[b, oy, ox] = win.max(axis=0); i[b, oy, ox] = (yy * w + xx) * c + np.arange(c)\n"
        "np.save('{0}/y.npy', y); np.save('{0}/i.npy', i)\n",
        dir.string(),
        fmt::format("{}, {}, {}, {}, {}", p.padding == 1 ? 1 : 0, p.stride_w, p.stride_h,
                    p.filter_w, p.filter_h));
    std::ofstream(dir / "oracle.py") << script;
    ASSERT_EQ(sh(fmt::format("/usr/bin/python3 '{}'", (dir / "oracle.py").string())), 0);
    for (size_t k = 0; k < 2; ++k) {
      const auto expected = read_npy(dir / (k == 0 ? "y.npy" : "i.npy"));
      EXPECT_EQ(expected.shape, interp.output(k).shape) << "output " << k;
      EXPECT_TRUE(std::equal(expected.data.begin(), expected.data.end(), interp.output(k).data))
          << "output " << k;
    }
  }
}
}  // namespace
