// Quantized kernels that issue 4's fixtures needed (BATCH_MATMUL int16 and int16 x int8, RSQRT
// int8/int16, ...), checked on the litert single-op fixtures against TFLite itself, run at test
// time in the oracle runtimes of ../shared/peers on the same inputs:
//   * tfjs-tflite on the fixture as it is (it takes int8/int16 inputs and outputs);
//   * LiteRT.js (current LiteRT) on a copy of the fixture with float32 I/O: a QUANTIZE in front of
//     every quantized graph input and a DEQUANTIZE after every quantized output, because LiteRT.js
//     rejects int8/int16 I/O. The float inputs are exact multiples of the scale, so QUANTIZE gives
//     back the integer inputs, and the dequantized outputs divide back to the integer outputs.
// Quantized outputs must be bit-exact with every oracle that runs the fixture. The int8/int16
// TRANSPOSE_CONV cases of the conformance grid run here too, against LiteRT.js (tfjs-tflite is
// older there and only reported). The einsum fixtures have a per-channel int8 rhs, which TFLite's
// BATCH_MATMUL reads through the legacy per-tensor scale (0): LiteRT.js outputs zeros, and so do
// we. The seanet TRANSPOSE_CONV goldens are checked by quant_seanet_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arrays.h"
#include "conformance_cases.h"
#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "peers.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

namespace {

using edgelens::testing::as_int64s;
using edgelens::testing::ensure_peers;
using edgelens::testing::run_peer_jobs;

bool is_quantized_int(const Tensor& t) {
  return (t.dtype == DType::Int8 || t.dtype == DType::UInt8 || t.dtype == DType::Int16) &&
         t.quant.scales.size() == 1;
}

// Graph 0 of `model` rewritten with TfliteBuilder, float32 in and out around its quantized I/O.
void write_float_io_copy(const Model& model, const fs::path& path) {
  const Graph& g = model.graphs.at(0);
  TfliteBuilder b;
  for (const Tensor& t : g.tensors) {
    TfliteBuilder::TensorSpec spec{.name = t.name,
                                   .dtype = t.dtype,
                                   .shape = t.shape,
                                   .shape_signature = t.shape_signature,
                                   .is_variable = t.is_variable,
                                   .has_rank = t.has_rank};
    if (t.is_constant) spec.data.assign(t.data.begin(), t.data.end());
    spec.quant = {.scales = t.quant.scales,
                  .zero_points = t.quant.zero_points,
                  .axis = t.quant.axis,
                  .min = t.quant.min,
                  .max = t.quant.max};
    b.add_tensor(spec);
  }
  std::vector<int32_t> inputs, outputs;
  std::vector<TfliteBuilder::OpSpec> quantizes;
  for (int32_t id : g.inputs) {
    const Tensor& t = g.tensors.at(static_cast<size_t>(id));
    if (!is_quantized_int(t)) {
      inputs.push_back(id);
      continue;
    }
    const int f =
        b.add_tensor({.name = t.name + "_float", .dtype = DType::Float32, .shape = t.shape});
    inputs.push_back(f);
    quantizes.push_back({.op = "QUANTIZE", .inputs = {f}, .outputs = {id}});
  }
  for (const auto& q : quantizes) b.add_op(q);
  for (const Node& n : g.nodes)
    b.add_op({.op = n.op.name,
              .custom = n.op.custom,
              .version = n.op.version,
              .inputs = n.inputs,
              .outputs = n.outputs,
              .intermediates = n.intermediates,
              .options = n.attrs});
  for (int32_t id : g.outputs) {
    const Tensor& t = g.tensors.at(static_cast<size_t>(id));
    if (!is_quantized_int(t)) {
      outputs.push_back(id);
      continue;
    }
    const int f =
        b.add_tensor({.name = t.name + "_float", .dtype = DType::Float32, .shape = t.shape});
    b.add_op({.op = "DEQUANTIZE", .inputs = {id}, .outputs = {f}});
    outputs.push_back(f);
  }
  b.set_inputs(inputs);
  b.set_outputs(outputs);
  b.write_file(path.string());
}

struct Fixture {
  std::string file;
  bool non_negative_inputs;  // RSQRT is defined for x >= 0 only
  fs::path path = {};        // empty: the litert fixture <file>.tflite
  bool strict = true;        // must equal LiteRT.js exactly (else the difference is reported)
};

const Fixture kFixtures[] = {
    {"matmul_quant", false},
    {"static_w8_a16_quantized_k_einsum", false},
    {"static_w8_a16_quantized_q_einsum", false},
    {"static_w8_a16_quantized_v_einsum", false},
    {"static_w8_a16_quantized_attn_vec_einsum", false},
    {"single_rsqrt_default_a8w8_recipe_quantized", true},
    {"single_rsqrt_default_a16w8_recipe_quantized", true},
};

TEST(QuantizedGaps, LitertSingleOpFixturesBitExactWithTfliteRuntimes) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path build = EDGELENS_BINARY_DIR;
  const fs::path peers = build / "peers";
  if (auto why = ensure_peers(peers); !why.empty())
    GTEST_SKIP() << "oracle runtimes unavailable: " << why;
  const fs::path data =
      edgelens::testing::fixtures_dir() / "tflite" / "litert" / "litert" / "test" / "testdata";
  const fs::path root = build / "quantized_gaps";
  fs::remove_all(root);
  fs::create_directories(root);

  struct Run {
    std::unique_ptr<Model> model;
    std::unique_ptr<Interpreter> interpreter;
  };
  // Conformance cases that tfjs-tflite (TFLite ~2.9) cannot load (a bias input) or runs with an
  // older kernel: LiteRT.js runs them through the float-I/O copy.
  std::vector<Fixture> fixtures(std::begin(kFixtures), std::end(kFixtures));
  fs::create_directories(root / "cases");
  for (const auto& c : conformance::all_cases()) {
    const bool wanted = c.op == "TRANSPOSE_CONV" && c.dtype != DType::Float32;
    if (!wanted) continue;
    const fs::path path = root / "cases" / (c.id() + ".tflite");
    conformance::write_case(c, path.string());
    // int8: EdgeLens follows the reference kernel; LiteRT's builtin int8 TRANSPOSE_CONV is the
    // optimized TransposeConvV2, which rounds some outputs one step apart (reported, not failed).
    fixtures.push_back({c.id(), false, path, c.dtype != DType::Int8});
  }
  std::vector<Run> runs;
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& fx : fixtures) {
    const fs::path src = fx.path.empty() ? data / (fx.file + ".tflite") : fx.path;
    ASSERT_TRUE(fs::exists(src)) << src;
    const fs::path dir = root / fx.file;
    fs::create_directories(dir);
    Run r;
    r.model = open_model(src.string());
    r.interpreter = std::make_unique<Interpreter>(*r.model);
    ASSERT_TRUE(r.interpreter->ready())
        << fx.file << ": " << r.interpreter->unsupported().front().to_string();
    nlohmann::json int_inputs = nlohmann::json::array(), float_inputs = nlohmann::json::array();
    conformance::Rng rng(std::hash<std::string>{}(fx.file));
    for (size_t k = 0; k < r.interpreter->input_count(); ++k) {
      auto& t = r.interpreter->input(k);
      ASSERT_TRUE(is_quantized_int(*t.ir)) << fx.file << " input " << k;
      const int32_t zp =
          static_cast<int32_t>(t.quant().zero_points.empty() ? 0 : t.quant().zero_points[0]);
      const int64_t lo = fx.non_negative_inputs ? zp : (t.dtype == DType::Int16 ? -32768 : -128);
      const int64_t hi = t.dtype == DType::Int16 ? 32767 : 127;
      const auto n = static_cast<size_t>(t.element_count());
      std::vector<float> as_float(n);
      auto fill = [&]<class T>() {
        auto v = t.mutable_view<T>();
        for (size_t i = 0; i < n; ++i) {
          v[i] = static_cast<T>(rng.integer(lo, hi));
          as_float[i] = static_cast<float>(v[i] - zp) * t.quant().scales[0];
        }
      };
      if (t.dtype == DType::Int16)
        fill.operator()<int16_t>();
      else
        fill.operator()<int8_t>();
      const auto ip = dir / fmt::format("input{}.npy", k),
                 fp = dir / fmt::format("finput{}.npy", k);
      write_npy(ip, t.dtype, t.shape, t.raw().first(t.byte_size()));
      write_npy(fp, DType::Float32, t.shape, std::as_bytes(std::span<const float>(as_float)));
      int_inputs.push_back(ip.string());
      float_inputs.push_back(fp.string());
    }
    r.interpreter->invoke();
    write_float_io_copy(*r.model, dir / "float_io.tflite");
    jobs.push_back({{"model", src.string()},
                    {"outdir", (dir / "as_is").string()},
                    {"inputs", int_inputs},
                    {"runtimes", {"tfjs"}}});
    jobs.push_back({{"model", (dir / "float_io.tflite").string()},
                    {"outdir", (dir / "float_io").string()},
                    {"inputs", float_inputs},
                    {"runtimes", {"litertjs"}}});
    runs.push_back(std::move(r));
  }
  ASSERT_EQ(run_peer_jobs(peers, jobs, root), 0)
      << "run_peers.mjs failed, see " << (root / "run_peers.log");

  for (size_t f = 0; f < runs.size(); ++f) {
    const auto& fx = fixtures[f];
    const fs::path dir = root / fx.file;
    auto& interp = *runs[f].interpreter;
    int oracles = 0;
    std::string no_oracle;
    for (const auto& [sub, rt] : {std::pair{"as_is", "tfjs"}, std::pair{"float_io", "litertjs"}}) {
      const auto status = nlohmann::json::parse(std::ifstream(dir / sub / rt / "status.json"));
      if (!status["ok"].get<bool>()) {
        no_oracle += fmt::format("{}: {}; ", rt, status["error"].get<std::string>());
        continue;
      }
      ++oracles;
      for (size_t k = 0; k < interp.output_count(); ++k) {
        const auto& out = interp.output(k);
        const auto got = as_int64s(out.dtype, out.raw(), out.element_count());
        const auto a = read_npy(dir / sub / rt / fmt::format("output{}.npy", k));
        std::vector<int64_t> want;
        if (a.dtype == DType::Float32) {
          const float scale = out.quant().scales[0];
          const int64_t zp = out.quant().zero_points.empty() ? 0 : out.quant().zero_points[0];
          for (int64_t i = 0; i < a.element_count(); ++i) {
            float v;
            std::memcpy(&v, a.data.data() + static_cast<size_t>(i) * 4, 4);
            want.push_back(static_cast<int64_t>(std::lround(v / scale)) + zp);
          }
        } else {
          want = as_int64s(a.dtype, a.data, a.element_count());
        }
        ASSERT_EQ(got.size(), want.size()) << fx.file << " output " << k << " vs " << rt;
        size_t mismatches = 0, first = 0;
        int64_t worst = 0;
        for (size_t i = 0; i < got.size(); ++i)
          if (got[i] != want[i]) {
            if (mismatches++ == 0) first = i;
            worst = std::max(worst, std::abs(got[i] - want[i]));
          }
        // Conformance cases: tfjs-tflite's TFLite ~2.9 kernels are only reported (see
        // docs/conformance.md); current LiteRT must agree exactly.
        const bool strict = fx.path.empty() || (fx.strict && std::string(rt) == "litertjs");
        if (strict) {
          EXPECT_EQ(mismatches, 0u)
              << fx.file << " output " << k << " vs " << rt << ": " << mismatches << " of "
              << got.size() << " differ (max " << worst << "), first at " << first << ": ours "
              << got[first] << ", oracle " << want[first];
        }
        std::cout << fmt::format("{} output {} vs {}: {} of {} differ (max {})\n", fx.file, k, rt,
                                 mismatches, got.size(), worst);
      }
    }
    if (oracles == 0)
      ADD_FAILURE() << fx.file << ": no oracle ran it: " << no_oracle;
    else if (!no_oracle.empty())
      std::cout << fx.file << ": " << no_oracle << "\n";
  }
}

}  // namespace
