// time_partitions_directly (the bench's direct-XNNPACK bound): on a fully delegated model, one
// direct pass recomputes the outputs the interpreter's invoke produced (checked against TFLite's
// own outputs in ../shared/fixtures/reference), so the bound times the same work; misuse throws.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "arrays.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/delegate/direct_xnnpack.h"
#include "edgelens/runtime/delegate/xnnpack_delegate.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "shared_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;
using edgelens::testing::as_doubles;

InterpreterOptions xnnpack() {
  InterpreterOptions o;
  o.delegate = "xnnpack";
  return o;
}

TEST(DirectXnnpack, DirectPassRecomputesTfliteOutputs) {
  EDGELENS_REQUIRE_SHARED();
  const fs::path dir =
      edgelens::testing::fixtures_dir() / "reference" / "face_detection_full_range_fp32";
  const auto meta = nlohmann::json::parse(std::ifstream(dir / "meta.json"));
  const auto model =
      open_model((edgelens::testing::shared_dir() / meta["model"].get<std::string>()).string());
  Interpreter interp(*model, xnnpack());
  ASSERT_TRUE(interp.ready());
  ASSERT_EQ(interp.delegate_summary().cpu_nodes, 0) << "the bound needs a fully delegated graph";
  ASSERT_GT(interp.delegate_summary().partitions, 0);

  // Not invoked yet: the runtimes are not bound to buffers.
  EXPECT_THROW(time_partitions_directly(interp, 1), std::logic_error);

  // Invoke on zeros, then write the fixture's input into the same input buffers: only a direct
  // pass that really runs the partitions turns the outputs into TFLite's outputs for that input.
  for (size_t k = 0; k < interp.input_count(); ++k)
    for (float& v : interp.input(k).mutable_view<float>()) v = 0.0f;
  interp.invoke();
  for (size_t k = 0; k < interp.input_count(); ++k) {
    const auto file = dir / meta["inputs"][k]["file"].get<std::string>();
    load_npy_into(interp.input(k), read_npy(file), file.string());
  }
  EXPECT_GE(time_partitions_directly(interp, 2), 0.0);

  for (size_t k = 0; k < interp.output_count(); ++k) {
    const auto& out = interp.output(k);
    const auto ours = as_doubles(out.dtype, out.raw(), out.element_count());
    const auto oracle_npy = read_npy(dir / ("output" + std::to_string(k) + ".npy"));
    const auto oracle = as_doubles(oracle_npy.dtype, oracle_npy.data, oracle_npy.element_count());
    ASSERT_EQ(ours.size(), oracle.size());
    double max_ref = 1, max_abs = 0;
    for (size_t i = 0; i < ours.size(); ++i) {
      max_ref = std::max(max_ref, std::abs(oracle[i]));
      max_abs = std::max(max_abs, std::abs(ours[i] - oracle[i]));
    }
    // The float bound plus the oracles' own spread (as delegate_xnnpack_exec_test).
    const double spread =
        meta.contains("oracle_spread") ? meta["oracle_spread"][k].get<double>() : 0;
    EXPECT_LE(max_abs, 1e-4 * max_ref + 2 * spread) << "output " << k << " vs TFLite";
  }
}

TEST(DirectXnnpack, ReferenceKernelInterpreterHasNothingToTime) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = open_model(
      (edgelens::testing::fixtures_dir() / "tflite/micro/hello_world_float.tflite").string());
  Interpreter interp(*model);
  ASSERT_TRUE(interp.ready());
  interp.invoke();
  EXPECT_THROW(time_partitions_directly(interp, 1), std::logic_error);
}

}  // namespace
