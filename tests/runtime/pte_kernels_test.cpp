// ExecuTorch .pte programs run on our aten / dim_order_ops kernels (runtime/src/kernels/aten/),
// checked against external oracles:
//  - bundled_program.bpte: every bundled test case (inputs and the outputs PyTorch computed when
//    the program was exported) — exact for integers, ExecuTorch's rtol 1e-5 / atol 1e-8 for floats;
//  - the other fixtures: the same graph evaluated by numpy (a small numpy evaluator below, fed the
//    program's constants and our random inputs as .npy) — exact for integers,
//    |ours - numpy| <= 1e-5 * max(1, |numpy|) for floats;
//  - alpha/beta other than 1 and dtypes the fixtures lack: the fixtures' nodes with their scalar
//    arguments changed in the IR, against the same numpy evaluator.
// Nodes we must not run are checked for a reason that names the cause.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arrays.h"
#include "edgelens/model_io/bundled_tests.h"
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
using edgelens::testing::as_int64s;

fs::path fixture(const std::string& relative) {
  return edgelens::testing::fixtures_dir() / "executorch" / relative;
}

bool is_float(DType d) {
  return d == DType::Float32 || d == DType::Float64;
}

// ---- bundled program ---------------------------------------------------------------------------

TEST(PteBundled, EveryBundledTestCaseMatchesItsExpectedOutputs) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(fixture("extension/module/test/resources/bundled_program.bpte").string());
  const auto suites = bundled_test_suites(*model);
  ASSERT_EQ(suites.size(), 1u);
  ASSERT_EQ(suites[0].method, "forward");
  ASSERT_EQ(suites[0].graph, 0);
  ASSERT_FALSE(suites[0].cases.empty());
  Interpreter interpreter(*model);
  ASSERT_TRUE(interpreter.ready()) << interpreter.unsupported().front().to_string();
  int case_index = 0;
  for (const auto& tc : suites[0].cases) {
    SCOPED_TRACE(fmt::format("test case {}", case_index++));
    ASSERT_EQ(tc.inputs.size(), interpreter.input_count());
    for (size_t i = 0; i < tc.inputs.size(); ++i) {
      const auto& v = tc.inputs[i];
      ASSERT_EQ(v.kind, BundledValue::Kind::Tensor);
      auto& in = interpreter.input(i);
      ASSERT_EQ(v.dtype, in.dtype);
      ASSERT_EQ(v.shape, in.shape);
      std::memcpy(in.mutable_raw().data(), v.data.data(), v.data.size());
    }
    interpreter.invoke();
    ASSERT_EQ(tc.expected_outputs.size(), interpreter.output_count());
    for (size_t k = 0; k < tc.expected_outputs.size(); ++k) {
      const auto& e = tc.expected_outputs[k];
      const auto& out = interpreter.output(k);
      ASSERT_EQ(e.dtype, out.dtype);
      ASSERT_EQ(e.shape, out.shape);
      const auto n = out.element_count();
      if (is_float(e.dtype)) {
        const auto got = as_doubles(out.dtype, out.raw(), n);
        const auto want = as_doubles(e.dtype, e.data, n);
        for (int64_t j = 0; j < n; ++j)
          EXPECT_LE(std::abs(got[size_t(j)] - want[size_t(j)]),
                    1e-8 + 1e-5 * std::abs(want[size_t(j)]))
              << "output " << k << " element " << j;
      } else {
        EXPECT_EQ(as_int64s(out.dtype, out.raw(), n), as_int64s(e.dtype, e.data, n))
            << "output " << k;
      }
    }
  }
}

TEST(PteBundled, NonBundledProgramsHaveNoSuites) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(fixture("xnnpack/add.pte").string());
  EXPECT_TRUE(bundled_test_suites(*model).empty());
}

TEST(PteBundled, CliChecksTheBundledOutputs) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path bin = fs::path(EDGELENS_BINARY_DIR) / "app" / "edgelens";
  const fs::path log = fs::path(EDGELENS_BINARY_DIR) / "pte_kernels" / "bundled_cli.txt";
  fs::create_directories(log.parent_path());
  const auto model = fixture("extension/module/test/resources/bundled_program.bpte");
  const int rc = std::system(
      fmt::format("'{}' run '{}' > '{}' 2>&1", bin.string(), model.string(), log.string()).c_str());
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("bundled test case 0: pass"), std::string::npos) << text;
  EXPECT_NE(text.find("10/10 bundled test cases pass"), std::string::npos) << text;
}

// A copy of the bundle with one expected output changed: the CLI must report that case as failed
// and exit 3.
TEST(PteBundled, CliExitsThreeOnAMismatch) {
  EDGELENS_REQUIRE_SHARED();
  const auto source = fixture("extension/module/test/resources/bundled_program.bpte");
  auto model = open_model(source.string());
  const auto suites = bundled_test_suites(*model);
  ASSERT_FALSE(suites.empty());
  ASSERT_FALSE(suites[0].cases.empty());
  const auto& expected = suites[0].cases[0].expected_outputs.at(0);
  ASSERT_EQ(expected.dtype, DType::Int32);
  const auto offset = static_cast<size_t>(expected.data.data() - model->file->bytes().data());
  std::vector<char> bytes(model->file->bytes().size());
  std::memcpy(bytes.data(), model->file->bytes().data(), bytes.size());
  int32_t first;
  std::memcpy(&first, bytes.data() + offset, sizeof first);
  ++first;
  std::memcpy(bytes.data() + offset, &first, sizeof first);
  const fs::path dir = fs::path(EDGELENS_BINARY_DIR) / "pte_kernels";
  fs::create_directories(dir);
  const fs::path changed = dir / "bundled_mismatch.bpte";
  std::ofstream(changed, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  const fs::path bin = fs::path(EDGELENS_BINARY_DIR) / "app" / "edgelens";
  const fs::path log = dir / "bundled_mismatch.txt";
  const int status = std::system(
      fmt::format("'{}' run '{}' > '{}' 2>&1", bin.string(), changed.string(), log.string())
          .c_str());
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 3) << text;
  EXPECT_NE(text.find("bundled test case 0: fail: output 0 element 0"), std::string::npos) << text;
  EXPECT_NE(text.find("bundled test case 1: pass"), std::string::npos) << text;
}

// ---- numpy oracle ------------------------------------------------------------------------------

// Evaluates the graph's nodes with numpy: the inputs and constants come as .npy, each node's result
// is cast to the dtype the program declares for its out tensor.
constexpr const char* kNumpyEvaluator = R"PY(
import json, sys
import numpy as np
spec = json.load(open(sys.argv[1]))
env = {int(k): np.load(v) for k, v in spec["tensors"].items()}
for n in spec["nodes"]:
    op, a, x = n["op"], n["attrs"], [env[i] for i in n["inputs"]]
    if op in ("aten::add.out", "aten::sub.out"):
        sign = 1 if op == "aten::add.out" else -1
        alpha = a.get("alpha", 1)
        # alpha in the operand's type for floats (ExecuTorch computes float32 in float)
        r = x[0] + sign * (x[1] * (x[1].dtype.type(alpha) if x[1].dtype.kind == "f" else alpha))
    elif op == "aten::mul.out":
        r = x[0] * x[1]
    elif op == "aten::addmm.out":
        r = x[0] * x[0].dtype.type(a.get("beta", 1)) + (x[1] @ x[2]) * x[1].dtype.type(a.get("alpha", 1))
    elif op == "aten::mm.out":
        r = x[0] @ x[1]
    elif op == "aten::permute_copy.out":
        r = np.transpose(x[0], a["dims"])
    elif op == "aten::view_copy.out":
        r = x[0].reshape(a["size"])
    elif op in ("dim_order_ops::_to_dim_order_copy.out", "dim_order_ops::_clone_dim_order.out",
                "aten::_to_copy.out", "aten::clone.out"):
        r = x[0]
    else:
        sys.exit("numpy evaluator: no rule for " + op)
    env[n["outputs"][0]] = np.asarray(r).astype(n["out_dtype"])
for k, t in enumerate(spec["outputs"]):
    np.save(sys.argv[2] + "/out%d.npy" % k, env[t])
)PY";

// Writes graph 0's inputs (as they are in the interpreter) and constants as .npy, runs the numpy
// evaluator and returns its outputs.
std::vector<NpyArray> numpy_outputs(const Model& model, Interpreter& interpreter,
                                    const fs::path& dir) {
  fs::create_directories(dir);
  const Graph& g = model.graphs[0];
  nlohmann::json spec;
  spec["tensors"] = nlohmann::json::object();
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const auto& t = interpreter.input(i);
    const auto path = dir / fmt::format("in{}.npy", i);
    write_npy(path, t.dtype, t.shape, t.raw().first(t.byte_size()));
    spec["tensors"][std::to_string(g.inputs[i])] = path.string();
  }
  for (const auto& t : g.tensors) {
    if (!t.is_constant) continue;
    const auto path = dir / fmt::format("const{}.npy", t.id);
    write_npy(path, t.dtype, t.shape, t.data);
    spec["tensors"][std::to_string(t.id)] = path.string();
  }
  for (const auto& n : g.nodes) {
    nlohmann::json attrs = nlohmann::json::object();
    for (const auto& a : n.attrs) {
      if (auto p = std::get_if<int64_t>(&a.value)) attrs[a.name] = *p;
      if (auto p = std::get_if<double>(&a.value)) attrs[a.name] = *p;
      if (auto p = std::get_if<std::vector<int64_t>>(&a.value)) attrs[a.name] = *p;
    }
    spec["nodes"].push_back({{"op", n.op.name},
                             {"inputs", n.inputs},
                             {"outputs", n.outputs},
                             {"attrs", attrs},
                             {"out_dtype", npy_descr(g.tensors[size_t(n.outputs[0])].dtype)}});
  }
  spec["outputs"] = g.outputs;
  std::ofstream(dir / "spec.json") << spec.dump();
  std::ofstream(dir / "evaluate.py") << kNumpyEvaluator;
  const int rc =
      std::system(fmt::format("/usr/bin/python3 '{}' '{}' '{}'", (dir / "evaluate.py").string(),
                              (dir / "spec.json").string(), dir.string())
                      .c_str());
  EXPECT_EQ(rc, 0) << "numpy evaluator failed";
  std::vector<NpyArray> outs;
  if (rc != 0) return outs;
  for (size_t k = 0; k < g.outputs.size(); ++k)
    outs.push_back(read_npy(dir / fmt::format("out{}.npy", k)));
  return outs;
}

// Runs graph 0 on random inputs (seed) and compares every output with numpy's.
void expect_matches_numpy(const Model& model, const std::string& name, uint64_t seed = 7) {
  SCOPED_TRACE(name);
  Interpreter interpreter(model);
  ASSERT_TRUE(interpreter.ready()) << interpreter.unsupported().front().to_string();
  for (size_t i = 0; i < interpreter.input_count(); ++i)
    fill_random(interpreter.input(i), seed + i);
  // Negative values too: the random fill is [0, 1) / [0, 100).
  for (size_t i = 0; i < interpreter.input_count(); ++i) {
    auto& t = interpreter.input(i);
    if (t.dtype == DType::Float32)
      for (auto& v : t.mutable_view<float>()) v = (v - 0.5f) * 8.f;
    if (t.dtype == DType::Int32)
      for (auto& v : t.mutable_view<int32_t>()) v -= 50;
    if (t.dtype == DType::Int64)
      for (auto& v : t.mutable_view<int64_t>()) v -= 50;
  }
  const auto expected =
      numpy_outputs(model, interpreter, fs::path(EDGELENS_BINARY_DIR) / "pte_kernels" / name);
  ASSERT_EQ(expected.size(), interpreter.output_count());
  interpreter.invoke();
  for (size_t k = 0; k < expected.size(); ++k) {
    const auto& e = expected[k];
    const auto& out = interpreter.output(k);
    ASSERT_EQ(e.dtype, out.dtype) << "output " << k;
    ASSERT_EQ(e.shape, out.shape) << "output " << k;
    const auto n = out.element_count();
    if (is_float(e.dtype)) {
      const auto got = as_doubles(out.dtype, out.raw(), n);
      const auto want = as_doubles(e.dtype, e.data, n);
      for (int64_t j = 0; j < n; ++j)
        EXPECT_LE(std::abs(got[size_t(j)] - want[size_t(j)]),
                  1e-5 * std::max(1.0, std::abs(want[size_t(j)])))
            << "output " << k << " element " << j;
    } else {
      EXPECT_EQ(as_int64s(out.dtype, out.raw(), n), as_int64s(e.dtype, e.data, n))
          << "output " << k;
    }
  }
}

struct FixtureCase {
  const char* path;
  const char* name;
};

class PteFixtures : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(PteFixtures, MatchesNumpy) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(fixture(GetParam().path).string());
  expect_matches_numpy(*model, GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(
    Pte, PteFixtures,
    ::testing::Values(
        // mul by a constant then add a constant (float32)
        FixtureCase{"test/models/deprecated/ModuleLinear-no-constant-segment.pte", "module_linear"},
        FixtureCase{"examples/arduino/examples/AddModel/model.pte", "arduino_add"},
        FixtureCase{"extension/apple/ExecuTorch/__tests__/resources/add.pte", "apple_add"},
        // int64 + int64 and float32 + float32
        FixtureCase{"xnnpack/dtypes.pte", "dtypes"},
        // an int64 constant converted to float32 by _to_dim_order_copy, broadcast in add
        FixtureCase{"xnnpack/multi.pte", "multi"},
        FixtureCase{"xnnpack/const_methods.pte", "const_methods"},
        // int32 mul and adds with constants
        FixtureCase{"extension/module/test/resources/bundled_program.bpte", "bundled"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// Scalar arguments the fixtures leave at 1: the fixtures' own nodes with them changed.
TEST(PteKernels, AddAlphaOnIntegersAndFloats) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(fixture("xnnpack/dtypes.pte").string());
  for (auto& n : model->graphs[0].nodes)
    for (auto& a : n.attrs)
      if (a.name == "alpha") a.value = int64_t{-3};
  expect_matches_numpy(*model, "dtypes_alpha");
  auto floats = open_model(fixture("xnnpack/multi.pte").string());
  for (auto& n : floats->graphs[0].nodes)
    for (auto& a : n.attrs)
      if (a.name == "alpha") a.value = 2.5;
  expect_matches_numpy(*floats, "multi_alpha");
}

TEST(PteKernels, FractionalAlphaOnIntegersIsRefused) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(fixture("xnnpack/dtypes.pte").string());
  for (auto& a : model->graphs[0].nodes[0].attrs)
    if (a.name == "alpha") a.value = 0.5;
  Interpreter interpreter(*model);
  ASSERT_EQ(interpreter.unsupported().size(), 1u);
  EXPECT_NE(interpreter.unsupported()[0].why.find("alpha 0.5 is not integral"), std::string::npos)
      << interpreter.unsupported()[0].to_string();
}

// linear.pte keeps its weight and bias in linear.ptd; give them data in the IR (random, as
// constants) so addmm and permute_copy run, with beta/alpha as exported and changed.
void give_linear_weights(Model& model, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  for (auto& t : model.graphs[0].tensors) {
    if (t.name != "linear.weight" && t.name != "linear.bias") continue;
    std::vector<float> values(static_cast<size_t>(t.element_count()));
    for (auto& v : values) v = dist(rng);
    auto& bytes = model.owned_data.emplace_back(values.size() * sizeof(float));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    t.data = bytes;
    t.is_constant = true;
  }
}

TEST(PteKernels, LinearWithoutItsPtdIsRefusedNamingTheFile) {
  EDGELENS_REQUIRE_SHARED();
  OpenOptions without_ptd;  // linear.ptd lies next to it: keep it out (pte_external_data_test.cpp)
  without_ptd.find_data_files = false;
  auto model = open_model(
      fixture("release-0.6/extension/module/test/resources/linear.pte").string(), without_ptd);
  Interpreter interpreter(*model);
  ASSERT_FALSE(interpreter.ready());
  for (const auto& u : interpreter.unsupported())
    EXPECT_NE(u.why.find(".ptd"), std::string::npos) << u.to_string();
}

TEST(PteKernels, AddmmAndPermuteCopyMatchNumpy) {
  EDGELENS_REQUIRE_SHARED();
  auto model =
      open_model(fixture("release-0.6/extension/module/test/resources/linear.pte").string());
  give_linear_weights(*model, 3);
  expect_matches_numpy(*model, "linear");
  for (auto& n : model->graphs[0].nodes)
    for (auto& a : n.attrs) {
      if (a.name == "beta") a.value = 0.5;
      if (a.name == "alpha") a.value = -2.0;
    }
  expect_matches_numpy(*model, "linear_beta_alpha");
}

TEST(PteKernels, CustomOpIsRefusedAsCustom) {
  EDGELENS_REQUIRE_SHARED();
  auto model = open_model(fixture("xnnpack/lstm/lstm.pte").string());
  Interpreter interpreter(*model);
  ASSERT_EQ(interpreter.unsupported().size(), 1u);
  EXPECT_NE(interpreter.unsupported()[0].why.find("custom op"), std::string::npos)
      << interpreter.unsupported()[0].to_string();
}

}  // namespace
