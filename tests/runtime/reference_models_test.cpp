// Every model in ../shared/fixtures/reference: run it on its input<k>.npy and compare with the
// outputs TFLite itself produced (output<k>.npy). Where tensors/ exists (a native builtin-kernel
// run with every intermediate), compare every tensor and name the first node that disagrees.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "arrays.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;
using edgelens::testing::as_doubles;

std::vector<std::string> reference_models() {
  std::vector<std::string> names;
  const auto root = edgelens::testing::fixtures_dir() / "reference";
  if (!fs::is_directory(root)) return {"(no ../shared)"};
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory() && fs::exists(entry.path() / "meta.json"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct Diff {
  double max_abs = 0, max_ref = 0;
  int64_t worst = -1;
};
Diff compare(const std::vector<double>& ours, const std::vector<double>& ref) {
  Diff d;
  for (size_t i = 0; i < ref.size() && i < ours.size(); ++i) {
    d.max_ref = std::max(d.max_ref, std::abs(ref[i]));
    const double diff = std::isnan(ref[i]) && std::isnan(ours[i]) ? 0 : std::abs(ours[i] - ref[i]);
    if (!(diff <= d.max_abs)) d.max_abs = diff, d.worst = int64_t(i);
  }
  return d;
}

// Ops whose float32 kernels are this runtime's job: an unsupported float node is a failure, not a
// skip. Other dtypes (quantized kernels) may be missing and make the case skip with the reason.
bool float_unsupported(const std::vector<UnsupportedNode>& nodes) {
  return std::any_of(nodes.begin(), nodes.end(),
                     [](const UnsupportedNode& n) { return n.dtype == DType::Float32; });
}

class ReferenceModel : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceModel, MatchesTfliteOutputs) {
  EDGELENS_REQUIRE_SHARED();
  const auto dir = edgelens::testing::fixtures_dir() / "reference" / GetParam();
  nlohmann::json meta = nlohmann::json::parse(std::ifstream(dir / "meta.json"));
  const auto model_path = edgelens::testing::shared_dir() / meta["model"].get<std::string>();
  auto model = open_model(model_path.string());
  const bool per_tensor = fs::is_directory(dir / "tensors");
  Interpreter interp(*model, InterpreterOptions{.keep_all_tensors = per_tensor});
  if (!interp.ready()) {
    std::string reasons;
    for (const auto& u : interp.unsupported()) reasons += "\n  " + u.to_string();
    if (float_unsupported(interp.unsupported()))
      FAIL() << GetParam() << ": float kernels missing:" << reasons;
    GTEST_SKIP() << GetParam() << ": " << interp.unsupported().size()
                 << " node(s) need kernels not implemented yet:" << reasons;
  }
  ASSERT_EQ(interp.input_count(), meta["inputs"].size());
  for (size_t k = 0; k < interp.input_count(); ++k) {
    const auto file = dir / meta["inputs"][k]["file"].get<std::string>();
    load_npy_into(interp.input(k), read_npy(file), file.string());
  }
  interp.invoke();

  ASSERT_EQ(interp.output_count(), meta["outputs"].size());
  for (size_t k = 0; k < interp.output_count(); ++k) {
    const auto ref = read_npy(dir / fmt::format("output{}.npy", k));
    const auto& out = interp.output(k);
    ASSERT_EQ(out.dtype, ref.dtype) << "output " << k;
    ASSERT_EQ(out.shape, ref.shape) << "output " << k;
    const double spread = meta.contains("oracle_spread") && meta["oracle_spread"].size() > k
                              ? meta["oracle_spread"][k].get<double>()
                              : 0.0;
    const auto ours = as_doubles(out.dtype, out.raw(), out.element_count());
    const auto theirs = as_doubles(ref.dtype, ref.data, ref.element_count());
    const auto d = compare(ours, theirs);
    // Integers: exact against TFLite's builtin kernels (unless the oracles disagree). When the
    // builtin run failed and only XNNPACK-delegated runtimes produced the reference, the fixtures
    // README documents XNNPACK int8 differing from the builtin kernels by up to 10 quantization
    // steps (MobileNetV2), so that is the most a bit-exact reference implementation can promise.
    const bool builtin_oracle =
        !meta.contains("tflite_native_builtin") || meta["tflite_native_builtin"].value("ok", false);
    constexpr double kXnnpackInt8Steps = 10;
    const double tol = dtype_is_float(out.dtype)
                           ? std::max(1e-4 * std::max(1.0, d.max_ref), 2 * spread)
                       : builtin_oracle ? spread
                                        : std::max(spread, kXnnpackInt8Steps);
    if (!dtype_is_float(out.dtype) && !builtin_oracle && d.max_abs > 0)
      std::cout
          << GetParam() << " output " << k << ": " << d.max_abs
          << " quantization step(s) from the XNNPACK-only reference (no builtin-kernel oracle)\n";
    EXPECT_LE(d.max_abs, tol) << GetParam() << " output " << k << ": worst element " << d.worst
                              << " ours " << (d.worst >= 0 ? ours[size_t(d.worst)] : 0) << " ref "
                              << (d.worst >= 0 ? theirs[size_t(d.worst)] : 0);
  }

  if (!per_tensor) return;
  // Node-by-node oracle: first node (execution order) whose output disagrees.
  const Graph& graph = model->graphs[0];
  std::ifstream tsv(dir / "tensors" / "tensors.tsv");
  std::string line;
  std::getline(tsv, line);
  std::map<int32_t, std::string> mismatches;  // producing node -> description
  int checked = 0;
  while (std::getline(tsv, line)) {
    const int32_t idx = std::stoi(line.substr(0, line.find('\t')));
    if (idx < 0 || static_cast<size_t>(idx) >= graph.tensors.size()) continue;  // runtime scratch
    const auto ref = read_npy(dir / "tensors" / fmt::format("t{}.npy", idx));
    const auto& t = interp.tensor(0, static_cast<uint32_t>(idx));
    int32_t producer = -1;
    for (const auto& node : graph.nodes)
      if (std::find(node.outputs.begin(), node.outputs.end(), idx) != node.outputs.end())
        producer = static_cast<int32_t>(node.id);
    std::string problem;
    if (t.dtype != ref.dtype || t.shape != ref.shape) {
      problem = fmt::format("t{} is {} {} , TFLite {} {}", idx, dtype_name(t.dtype),
                            shape_string(t.shape), dtype_name(ref.dtype), shape_string(ref.shape));
    } else {
      const auto d = compare(as_doubles(t.dtype, t.raw(), t.element_count()),
                             as_doubles(ref.dtype, ref.data, ref.element_count()));
      const double tol = dtype_is_float(t.dtype) ? 1e-4 * std::max(1.0, d.max_ref) : 0.0;
      if (d.max_abs > tol)
        problem = fmt::format("t{} '{}' max |diff| {} (tolerance {}) at element {}", idx,
                              graph.tensors[size_t(idx)].name, d.max_abs, tol, d.worst);
    }
    ++checked;
    if (!problem.empty()) mismatches.emplace(producer, problem);
  }
  EXPECT_GT(checked, 0);
  if (!mismatches.empty()) {
    const auto& [node, problem] = *mismatches.begin();
    ADD_FAILURE() << GetParam() << ": " << mismatches.size() << " tensor(s) differ; first at node "
                  << node << " (" << (node >= 0 ? graph.nodes[size_t(node)].op.name : "input")
                  << "): " << problem;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ReferenceModel, ::testing::ValuesIn(reference_models()),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
