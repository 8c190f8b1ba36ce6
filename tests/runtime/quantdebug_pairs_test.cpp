// Model pairs and accumulated error: tensor matching by name and by structure (the float/int8
// hello_world pair from tflite-micro), and the accumulated (float shadow) error of the first layer
// equals its layer-wise error: both see the same input, computed by two different derived models.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/quant/debugger.h"
#include "edgelens/runtime/quant/derive.h"
#include "shared_dir.h"

namespace {

using namespace edgelens;
using namespace edgelens::runtime::quant;
using edgelens::testing::fixtures_dir;

TEST(QuantDebugPairs, HelloWorldTensorsMatchByNameThenByStructure) {
  EDGELENS_REQUIRE_SHARED();
  const auto micro = fixtures_dir() / "tflite/micro";
  const auto q = open_model((micro / "hello_world_int8.tflite").string());
  const auto f = open_model((micro / "hello_world_float.tflite").string());
  const auto by_name = match_tensors(*q, *f);
  // Every quantized activation (the three FULLY_CONNECTED outputs) has a float tensor of the
  // same name in the float file.
  ASSERT_EQ(by_name.size(), quantized_nodes(*q).size());
  for (const auto& m : by_name) {
    EXPECT_EQ(m.how, "name");
    EXPECT_EQ(q->graphs[0].tensors[size_t(m.quantized)].name,
              f->graphs[0].tensors[size_t(m.reference)].name);
  }
  // Without usable names the op sequence gives the same pairs.
  Model renamed;
  renamed.graphs = f->graphs;
  for (auto& t : renamed.graphs[0].tensors) t.name = "renamed/" + t.name;
  auto by_structure = match_tensors(*q, renamed);
  ASSERT_EQ(by_structure.size(), by_name.size());
  for (size_t i = 0; i < by_name.size(); ++i) {
    EXPECT_EQ(by_structure[i].how, "structure");
    EXPECT_EQ(by_structure[i].quantized, by_name[i].quantized);
    EXPECT_EQ(by_structure[i].reference, by_name[i].reference);
  }
}

TEST(QuantDebugPairs, PairReportComparesOutputsWithTheFloatModel) {
  EDGELENS_REQUIRE_SHARED();
  const auto micro = fixtures_dir() / "tflite/micro";
  const auto q = open_model((micro / "hello_world_int8.tflite").string());
  const auto f = open_model((micro / "hello_world_float.tflite").string());
  const auto samples = random_samples(*q, 8, 3);
  ReportOptions options;
  options.mode = ReportMode::Model;
  const auto report = run_quant_report(*q, f.get(), samples, options);
  EXPECT_EQ(&report.primary(), &report.pairs);
  ASSERT_EQ(report.outputs_vs_float.size(), 1u);
  // sin(x) approximated by both models: they agree to a few output steps, not exactly.
  const auto& out = report.outputs_vs_float[0].metrics;
  EXPECT_GT(out.max_abs_error, 0.0);
  EXPECT_LT(out.max_abs_error, 0.1);
}

TEST(QuantDebugAccumulated, FirstLayerAccumulatedErrorEqualsItsLayerError) {
  EDGELENS_REQUIRE_SHARED();
  const auto q = open_model((fixtures_dir() / "tflite/micro/person_detect.tflite").string());
  const auto samples = load_samples(fixtures_dir() / "reference/person_detect");
  ReportOptions layer_options;
  const auto layer = run_quant_report(*q, nullptr, samples, layer_options);
  ReportOptions model_options;
  model_options.mode = ReportMode::Model;
  const auto accumulated = run_quant_report(*q, nullptr, samples, model_options);
  ASSERT_FALSE(layer.layers.empty());
  ASSERT_EQ(accumulated.accumulated.size(), layer.layers.size());
  EXPECT_EQ(accumulated.shadow_kind, "float");
  // Node 0 reads the graph input: the shadow gets exactly its dequantized value.
  const auto& a = accumulated.accumulated.front();
  const auto& l = layer.layers.front();
  ASSERT_EQ(a.tensor_idx, l.tensor_idx);
  EXPECT_NEAR(a.metrics.mean_squared_error, l.metrics.mean_squared_error,
              1e-6 * l.metrics.mean_squared_error + 1e-12);
  EXPECT_NEAR(a.metrics.max_abs_error, l.metrics.max_abs_error, 1e-6);
  // Deeper in the graph the accumulated error exceeds the layer's own.
  double layer_last = 0, accumulated_last = 0;
  for (const auto& r : layer.layers)
    if (r.op_name == "CONV_2D") layer_last = r.metrics.rmse_scale;
  for (const auto& r : accumulated.accumulated)
    if (r.op_name == "CONV_2D") accumulated_last = r.metrics.rmse_scale;
  EXPECT_GT(accumulated_last, layer_last);
}

}  // namespace
