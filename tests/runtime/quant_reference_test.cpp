// Node-by-node check of the quantized kernels against native TFLite's builtin kernels: for the
// int8 models in ../shared/fixtures/reference with a tensors/ folder, every non-constant tensor of
// one TFLite run is stored as t<index>.npy. We run the same input with every tensor kept and
// compare each tensor: integers bit for bit, floats within 1e-4 * max(1, max|ref|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arrays.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

namespace {

using edgelens::testing::as_doubles;

struct Case {
  const char* reference;  // folder in fixtures/reference
  const char* model;      // path under fixtures/
};

const Case kCases[] = {
    {"hello_world_int8", "tflite/micro/hello_world_int8.tflite"},
    {"mobilenet_v2_quantized_1x3x224x224",
     "tflite/micro/mobilenet_v2_quantized_1x3x224x224.tflite"},
};

std::vector<uint32_t> tensor_indices(const fs::path& tsv) {
  std::ifstream in(tsv);
  std::string line;
  std::getline(in, line);  // header
  std::vector<uint32_t> out;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    uint32_t idx = 0;
    if (s >> idx) out.push_back(idx);
  }
  return out;
}

class QuantReference : public ::testing::TestWithParam<Case> {};

TEST_P(QuantReference, EveryTensorMatchesTfliteBuiltinKernels) {
  EDGELENS_REQUIRE_SHARED();
  const Case c = GetParam();
  const fs::path ref = edgelens::testing::fixtures_dir() / "reference" / c.reference;
  auto model = open_model((edgelens::testing::fixtures_dir() / c.model).string());
  Interpreter interpreter(*model, InterpreterOptions{.keep_all_tensors = true});
  if (!interpreter.ready()) {
    std::string why;
    for (const auto& u : interpreter.unsupported()) why += u.to_string() + "; ";
    GTEST_SKIP() << c.reference << " has nodes we cannot run: " << why;
  }
  const auto input = read_npy(ref / "input0.npy");
  auto& in = interpreter.input(0);
  ASSERT_EQ(in.bytes, input.data.size());
  std::memcpy(in.data, input.data.data(), input.data.size());
  interpreter.invoke();

  const auto& graph = model->graphs[0];
  // Which node writes each tensor, to name the culprit.
  std::vector<int> producer(graph.tensors.size(), -1);
  for (const auto& node : graph.nodes)
    for (auto o : node.outputs)
      if (o >= 0) producer[static_cast<size_t>(o)] = static_cast<int>(node.id);

  struct Bad {
    int node;
    uint32_t tensor;
    std::string what;
  };
  std::vector<Bad> bad;
  size_t checked = 0;
  for (uint32_t idx : tensor_indices(ref / "tensors" / "tensors.tsv")) {
    // Indices past the model's tensors are TFLite's own scratch tensors (im2col, accumulators).
    if (idx >= graph.tensors.size()) continue;
    const auto expected = read_npy(ref / "tensors" / fmt::format("t{}.npy", idx));
    const auto& got = interpreter.tensor(0, idx);
    const int node = producer[idx];
    const std::string op = node >= 0 ? graph.nodes[static_cast<size_t>(node)].op.name : "input";
    if (got.dtype != expected.dtype || got.element_count() != expected.element_count()) {
      bad.push_back(
          {node, idx,
           fmt::format("{}: dtype/size {} {} vs reference {} {}", op, dtype_name(got.dtype),
                       got.element_count(), dtype_name(expected.dtype), expected.element_count())});
      continue;
    }
    ++checked;
    const auto n = static_cast<size_t>(expected.element_count());
    double max_ref = 0, max_diff = 0;
    size_t mismatches = 0;
    const auto expected_values =
        as_doubles(expected.dtype, expected.data, expected.element_count());
    const auto got_values = as_doubles(got.dtype, got.raw(), got.element_count());
    for (size_t i = 0; i < expected_values.size() && i < got_values.size(); ++i) {
      const double e = expected_values[i];
      const double g = got_values[i];
      max_ref = std::max(max_ref, std::abs(e));
      max_diff = std::max(max_diff, std::abs(e - g));
      if (e != g) ++mismatches;
    }
    const bool is_float = expected.dtype == DType::Float32;
    const bool ok = is_float ? max_diff <= 1e-4 * std::max(1.0, max_ref) : mismatches == 0;
    if (!ok)
      bad.push_back(
          {node, idx,
           fmt::format("{}: {} of {} elements differ, max diff {}", op, mismatches, n, max_diff)});
  }
  std::sort(bad.begin(), bad.end(), [](const Bad& a, const Bad& b) { return a.node < b.node; });
  std::string report;
  for (size_t i = 0; i < bad.size() && i < 10; ++i)
    report += fmt::format("\n  node {} tensor {}: {}", bad[i].node, bad[i].tensor, bad[i].what);
  EXPECT_TRUE(bad.empty()) << c.reference << ": " << bad.size() << " of " << checked
                           << " tensors differ from TFLite (first nodes in execution order):"
                           << report;
  EXPECT_GT(checked, 0u);
}

INSTANTIATE_TEST_SUITE_P(Int8, QuantReference, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return std::string(p.param.reference); });

}  // namespace
