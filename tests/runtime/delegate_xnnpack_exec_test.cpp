// The XNNPACK execution delegate on real models: delegated outputs against TFLite's own outputs
// (../shared/fixtures/reference, external oracles) and against our reference kernels; every claim
// of the "xnnpack-local" rules builds; per-node drift in preserve-all-tensors mode; partitions are
// TFLite's (the partitioner's) partitions.
//
// Tolerances:
//  - float: 1e-4 relative to the tensor's largest magnitude (max(1, max |ref|)), the bound.
//  - int8 end to end: XNNPACK requantizes with a float scale where TFLite's builtin kernels use a
//    fixed-point multiplier, so single elements round one step apart and steps accumulate through
//    the layers. Against TFLite's builtin int8 kernels we allow the fixtures' documented spread of
//    XNNPACK vs builtin (meta.json oracle_spread / 10 steps for MobileNetV2); against a reference
//    computed by XNNPACK itself (tfjs-tflite's wasm build) the same bound.
//  - int8 per node (drift, same inputs): 1 quantization step (one rounding difference).
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "arrays.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "edgelens/runtime/delegate/xnnpack_delegate.h"
#include "edgelens/runtime/delegate/xnnpack_rules.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/observer.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;
using edgelens::testing::as_doubles;

struct Diff {
  double max_abs = 0, max_ref = 0;
};
Diff diff(const std::vector<double>& ours, const std::vector<double>& ref) {
  Diff d;
  for (size_t i = 0; i < ref.size() && i < ours.size(); ++i) {
    d.max_ref = std::max(d.max_ref, std::abs(ref[i]));
    d.max_abs = std::max(d.max_abs, std::abs(ours[i] - ref[i]));
  }
  return d;
}

struct Fixture {
  fs::path dir;
  nlohmann::json meta;
  std::unique_ptr<Model> model;
};

Fixture load(const std::string& name) {
  Fixture f;
  f.dir = edgelens::testing::fixtures_dir() / "reference" / name;
  f.meta = nlohmann::json::parse(std::ifstream(f.dir / "meta.json"));
  f.model =
      open_model((edgelens::testing::shared_dir() / f.meta["model"].get<std::string>()).string());
  return f;
}

void feed(Interpreter& interp, const Fixture& f) {
  for (size_t k = 0; k < interp.input_count(); ++k) {
    const auto file = f.dir / f.meta["inputs"][k]["file"].get<std::string>();
    load_npy_into(interp.input(k), read_npy(file), file.string());
  }
}

InterpreterOptions xnnpack(int threads = 1, bool preserve = false) {
  InterpreterOptions o;
  o.delegate = "xnnpack";
  o.threads = threads;
  o.preserve_all_tensors = preserve;
  o.keep_all_tensors = preserve;
  return o;
}

// Fixtures whose reference kernels all exist (checked by reference_models_test) and that the
// delegate takes at least partly. Time: ~1 s in total (MobileNetV2 int8 runs twice).
const std::vector<std::string> kDelegatedFixtures = {"hello_world_float",
                                                     "hello_world_int8",
                                                     "face_detection_short_range",
                                                     "face_detection_short_range_fp32",
                                                     "selfie_segmentation",
                                                     "mobilenet_v2_quantized_1x3x224x224",
                                                     "person_detect",
                                                     "keyword_scrambled_8bit"};

class DelegatedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(DelegatedModel, MatchesTfliteAndReferenceKernels) {
  EDGELENS_REQUIRE_SHARED();
  const Fixture f = load(GetParam());
  Interpreter reference(*f.model);
  if (!reference.ready()) GTEST_SKIP() << GetParam() << ": reference kernels missing";
  Interpreter delegated(*f.model, xnnpack());
  ASSERT_TRUE(delegated.ready()) << delegated.unsupported().front().to_string();
  const auto& s = delegated.delegate_summary();
  EXPECT_TRUE(s.fallbacks.empty()) << s.fallbacks.front();
  ASSERT_GT(s.delegated_nodes, 0) << GetParam() << ": the delegate took nothing";
  feed(reference, f);
  feed(delegated, f);
  reference.invoke();
  delegated.invoke();

  const double spread =
      f.meta.contains("oracle_spread") ? f.meta["oracle_spread"][0].get<double>() : 0;
  for (size_t k = 0; k < delegated.output_count(); ++k) {
    const auto& out = delegated.output(k);
    const auto ours = as_doubles(out.dtype, out.raw(), out.element_count());
    const auto oracle = read_npy(f.dir / fmt::format("output{}.npy", k));
    ASSERT_EQ(out.shape, oracle.shape);
    const auto vs_oracle =
        diff(ours, as_doubles(oracle.dtype, oracle.data, oracle.element_count()));
    const auto& ref_out = reference.output(k);
    const auto vs_reference =
        diff(ours, as_doubles(ref_out.dtype, ref_out.raw(), ref_out.element_count()));
    if (dtype_is_float(out.dtype)) {
      EXPECT_LE(vs_oracle.max_abs, 1e-4 * std::max(1.0, vs_oracle.max_ref) + 2 * spread)
          << GetParam() << " output " << k << " vs TFLite";
      EXPECT_LE(vs_reference.max_abs, 1e-4 * std::max(1.0, vs_reference.max_ref))
          << GetParam() << " output " << k << " vs reference kernels";
    } else {
      const double steps = std::max(spread, 10.0);
      EXPECT_LE(vs_oracle.max_abs, steps) << GetParam() << " output " << k << " vs TFLite";
      EXPECT_LE(vs_reference.max_abs, steps) << GetParam() << " output " << k << " vs reference";
      // tfjs-tflite ran XNNPACK (wasm) on the same input: an XNNPACK-computed oracle.
      const auto xnn_file = f.dir / "tfjs" / fmt::format("output{}.npy", k);
      if (fs::exists(xnn_file)) {
        const auto xnn = read_npy(xnn_file);
        const auto vs_xnn = diff(ours, as_doubles(xnn.dtype, xnn.data, xnn.element_count()));
        EXPECT_LE(vs_xnn.max_abs, steps) << GetParam() << " output " << k << " vs tfjs XNNPACK";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, DelegatedModel, ::testing::ValuesIn(kDelegatedFixtures),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// One source of truth: whatever the "xnnpack-local" rules claim, the runtime builds. Every .tflite
// fixture is planned (claims, partitions, XNNPACK runtimes; nothing runs). A partition XNNPACK
// refuses to build falls back with a "partition of N node(s) ..." note: that is a rule gap.
TEST(XnnpackExec, EveryClaimBuilds) {
  EDGELENS_REQUIRE_SHARED();
  int models = 0, delegated = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(edgelens::testing::fixtures_dir() / "tflite")) {
    if (entry.path().extension() != ".tflite") continue;
    std::unique_ptr<Model> model;
    try {
      model = open_model(entry.path().string());
    } catch (const std::exception&) {
      continue;  // unreadable fixtures are model_io's tests
    }
    Interpreter interp(*model, xnnpack());
    for (const auto& fallback : interp.delegate_summary().fallbacks)
      if (fallback.starts_with("partition of"))
        ADD_FAILURE() << entry.path().filename() << ": " << fallback;
    ++models;
    delegated += interp.delegate_summary().delegated_nodes;
  }
  EXPECT_GT(models, 50);
  EXPECT_GT(delegated, 500);
}

// The interpreter's partitions are the partitioner's delegate subsets for the same claims, and
// the plan runs every node exactly once.
TEST(XnnpackExec, PartitionsFollowTflitePartitioner) {
  EDGELENS_REQUIRE_SHARED();
  const Fixture f = load("person_detect");
  Interpreter interp(*f.model, xnnpack());
  const auto report = delegate::analyze_partitions(
      *f.model, 0, *delegate::make_xnnpack_rules(delegate::XnnpackMode::Local), {});
  std::vector<std::vector<uint32_t>> expected;
  for (const auto& subset : report.subsets)
    if (subset.kind == delegate::NodeSubset::Kind::Delegate) expected.push_back(subset.nodes);
  std::vector<std::vector<uint32_t>> actual;
  for (const auto& p : interp.delegate_partitions()) actual.push_back(p.nodes);
  EXPECT_EQ(actual, expected);
  std::vector<int> runs(f.model->graphs[0].nodes.size(), 0);
  for (const auto& step : interp.execution_plan()) {
    if (!step.delegated) {
      ++runs[step.index];
      continue;
    }
    for (uint32_t n : interp.delegate_partitions()[step.index].nodes) ++runs[n];
  }
  for (size_t n = 0; n < runs.size(); ++n) EXPECT_EQ(runs[n], 1) << "node " << n;
  EXPECT_EQ(interp.delegate_summary().delegated_nodes, report.delegate_ops);
}

// Preserve-all-tensors: one partition per delegated node; every node's output is observable;
// per-node drift is within one rounding (float: 1e-4 relative; int8: one step).
void expect_small_drift(const std::string& name) {
  const Fixture f = load(name);
  Interpreter interp(*f.model, xnnpack(1, true));
  ASSERT_TRUE(interp.ready());
  const auto& s = interp.delegate_summary();
  EXPECT_EQ(s.partitions, s.delegated_nodes) << "one partition per node";
  for (const auto& p : interp.delegate_partitions()) EXPECT_EQ(p.nodes.size(), 1u);
  TensorCapture capture;
  interp.add_observer(&capture);
  feed(interp, f);
  interp.invoke();
  for (const auto& p : interp.delegate_partitions())
    for (int32_t t : f.model->graphs[0].nodes[p.nodes[0]].outputs)
      EXPECT_TRUE(capture.tensors().count(uint32_t(t)))
          << name << ": output t" << t << " not captured";
  const auto drift = measure_delegate_drift(interp);
  int compared = 0;
  for (const auto& d : drift) {
    if (d.skipped) continue;
    ++compared;
    const double tol = dtype_is_float(d.dtype) ? 1e-4 : 1.0;
    const double measure =
        dtype_is_float(d.dtype) ? d.max_abs / std::max(1.0, d.max_ref) : d.max_abs;
    EXPECT_LE(measure, tol) << name << " node " << d.node << " (" << d.op << ") t" << d.tensor
                            << ": max_abs " << d.max_abs << " max_ref " << d.max_ref;
  }
  EXPECT_GT(compared, 0);
}

TEST(XnnpackExec, PerNodeDriftFloat) {
  EDGELENS_REQUIRE_SHARED();
  expect_small_drift("face_detection_short_range");
}

TEST(XnnpackExec, PerNodeDriftInt8) {
  EDGELENS_REQUIRE_SHARED();
  expect_small_drift("person_detect");
}

TEST(XnnpackExec, DriftNeedsPreserveMode) {
  EDGELENS_REQUIRE_SHARED();
  const Fixture f = load("hello_world_float");
  Interpreter interp(*f.model, xnnpack());
  EXPECT_THROW(measure_delegate_drift(interp), std::logic_error);
}

// Two threads compute the same numbers (float: up to summation order).
TEST(XnnpackExec, TwoThreadsAgreeWithOne) {
  EDGELENS_REQUIRE_SHARED();
  const Fixture f = load("face_detection_short_range_fp32");
  Interpreter one(*f.model, xnnpack(1));
  Interpreter two(*f.model, xnnpack(2));
  EXPECT_EQ(two.delegate_summary().threads, 2);
  feed(one, f);
  feed(two, f);
  one.invoke();
  two.invoke();
  for (size_t k = 0; k < one.output_count(); ++k) {
    const auto a =
        as_doubles(one.output(k).dtype, one.output(k).raw(), one.output(k).element_count());
    const auto b =
        as_doubles(two.output(k).dtype, two.output(k).raw(), two.output(k).element_count());
    const auto d = diff(b, a);
    EXPECT_LE(d.max_abs, 1e-4 * std::max(1.0, d.max_ref));
  }
}

// Observers see a partition as one event that names every node it stands for.
TEST(XnnpackExec, ObserversSeePartitions) {
  EDGELENS_REQUIRE_SHARED();
  const Fixture f = load("hello_world_float");
  Interpreter interp(*f.model, xnnpack());
  struct Recorder : Observer {
    std::vector<std::vector<uint32_t>> partitions;
    int plain = 0;
    void on_node_end(const NodeEvent& e) override {
      if (e.partition)
        partitions.push_back(e.partition->nodes);
      else
        ++plain;
    }
  } recorder;
  interp.add_observer(&recorder);
  feed(interp, f);
  interp.invoke();
  ASSERT_EQ(recorder.partitions.size(), interp.delegate_partitions().size());
  size_t nodes = 0;
  for (const auto& p : recorder.partitions) nodes += p.size();
  EXPECT_EQ(nodes + size_t(recorder.plain), f.model->graphs[0].nodes.size());
}

// An unknown delegate name is reported, not ignored.
TEST(XnnpackExec, UnknownDelegateIsUnsupported) {
  EDGELENS_REQUIRE_SHARED();
  const Fixture f = load("hello_world_float");
  InterpreterOptions o;
  o.delegate = "gpu";
  Interpreter interp(*f.model, o);
  ASSERT_FALSE(interp.ready());
  EXPECT_NE(interp.unsupported().front().why.find("unknown delegate"), std::string::npos);
}

}  // namespace
