// What-if "keep float" rewrites: the chosen layers really run their float kernels on float32
// tensors, everything else stays quantized, and with every quantized layer kept in float the
// model's outputs equal the float shadow's (built differently: tensors retyped in place, no
// inserted DEQUANTIZE/QUANTIZE) within float tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/observer.h"
#include "edgelens/runtime/quant/debugger.h"
#include "edgelens/runtime/quant/derive.h"
#include "shared_dir.h"

namespace {

using namespace edgelens;
using namespace edgelens::runtime;
using namespace edgelens::runtime::quant;
using edgelens::testing::fixtures_dir;

// Records the op and the dtypes every node ran with.
class DtypeRecorder : public Observer {
 public:
  struct Seen {
    std::string op;
    std::vector<DType> inputs, outputs;
  };
  void on_node_begin(const NodeEvent& e) override {
    if (e.graph != 0) return;
    Seen s;
    s.op = e.node->op.name;
    for (const auto* t : e.inputs)
      if (t) s.inputs.push_back(t->dtype);
    for (const auto* t : e.outputs)
      if (t) s.outputs.push_back(t->dtype);
    seen[e.node_index] = std::move(s);
  }
  std::map<uint32_t, Seen> seen;
};

std::vector<Sample> reference_sample(const std::string& name) {
  return load_samples(fixtures_dir() / "reference" / name);
}

std::vector<float> output_values(const Interpreter& interpreter, size_t k) {
  const auto& t = interpreter.output(k);
  if (t.dtype == DType::Float32) {
    const auto v = t.view<float>();
    return {v.begin(), v.begin() + t.element_count()};
  }
  return dequantize_values(t.dtype, t.raw(), t.element_count(), t.quant(), t.shape);
}

TEST(QuantDebugWhatIf, ChosenLayersRunInFloat) {
  EDGELENS_REQUIRE_SHARED();
  const auto model = open_model((fixtures_dir() / "tflite/micro/person_detect.tflite").string());
  const auto samples = reference_sample("person_detect");
  ReportOptions options;
  options.keep_float_top = 3;
  const auto report = run_quant_report(*model, nullptr, samples, options);
  ASSERT_EQ(report.what_if.size(), 4u);  // k = 0..3
  const auto& chosen = report.what_if[3].float_nodes;
  ASSERT_EQ(chosen.size(), 3u);
  // The worst layer by the layer-wise table comes first.
  double worst = -1;
  uint32_t worst_node = 0;
  for (const auto& row : report.layers)
    if (row.metrics.rmse_scale > worst) worst = row.metrics.rmse_scale, worst_node = row.node;
  EXPECT_EQ(chosen[0], worst_node);

  const auto derived = keep_float(*model, chosen);
  Interpreter interpreter(*derived.model);
  ASSERT_TRUE(interpreter.ready());
  DtypeRecorder recorder;
  interpreter.add_observer(&recorder);
  feed_sample(interpreter, samples[0]);
  interpreter.invoke();

  const Graph& g = model->graphs[0];
  const std::set<uint32_t> kept(chosen.begin(), chosen.end());
  for (const Node& n : g.nodes) {
    const auto it = recorder.seen.find(derived.node_map[n.id]);
    ASSERT_NE(it, recorder.seen.end()) << "node " << n.id << " did not run";
    const auto& s = it->second;
    EXPECT_EQ(s.op, n.op.name) << "node " << n.id;
    if (kept.count(n.id)) {
      EXPECT_EQ(s.inputs[0], DType::Float32) << "kept node " << n.id << " input";
      for (DType d : s.outputs) EXPECT_EQ(d, DType::Float32) << "kept node " << n.id;
    } else {
      EXPECT_EQ(s.inputs[0], DType::Int8) << "quantized node " << n.id << " input";
      EXPECT_EQ(s.outputs[0], DType::Int8) << "quantized node " << n.id;
    }
  }
  // The rewrite only adds (de)quantize glue around the kept nodes.
  size_t glue = 0;
  for (const auto& [index, s] : recorder.seen) glue += s.op == "DEQUANTIZE" || s.op == "QUANTIZE";
  EXPECT_GT(glue, 0u);
  EXPECT_EQ(recorder.seen.size(), g.nodes.size() + glue);
}

TEST(QuantDebugWhatIf, EveryLayerInFloatEqualsTheFloatShadow) {
  EDGELENS_REQUIRE_SHARED();
  const std::string name = "mobilenet_v2_quantized_1x3x224x224";
  const auto model = open_model((fixtures_dir() / "tflite/micro" / (name + ".tflite")).string());
  const auto samples = reference_sample(name);

  bool mixed = true;
  const auto shadow = float_shadow(*model, nullptr, &mixed);
  EXPECT_FALSE(mixed);
  Interpreter si(*shadow.model);
  ASSERT_TRUE(si.ready());
  // The shadow takes the dequantized input.
  Interpreter qi(*model);
  feed_sample(qi, samples[0]);
  const auto& qin = qi.input(0);
  const auto real_input =
      dequantize_values(qin.dtype, qin.raw(), qin.element_count(), qin.quant(), qin.shape);
  ASSERT_EQ(si.input(0).dtype, DType::Float32);
  std::copy(real_input.begin(), real_input.end(), si.input(0).mutable_view<float>().begin());
  si.invoke();

  std::vector<uint32_t> skipped;
  const auto all = quantized_nodes(*model);
  const auto derived = keep_float(*model, all, &skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(derived.float_nodes.size(), all.size());
  Interpreter wi(*derived.model);
  ASSERT_TRUE(wi.ready());
  feed_sample(wi, samples[0]);
  wi.invoke();

  ASSERT_EQ(wi.output_count(), si.output_count());
  EXPECT_EQ(wi.output(0).dtype, DType::Float32);  // produced in float, reported in float
  const auto a = output_values(wi, 0), b = output_values(si, 0);
  ASSERT_EQ(a.size(), b.size());
  float max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    max_ref = std::max(max_ref, std::abs(b[i]));
    max_diff = std::max(max_diff, std::abs(a[i] - b[i]));
  }
  // The fixtures' float tolerance rule (fixtures/README.md): 1e-4 * max(1, max|ref|).
  EXPECT_LE(max_diff, 1e-4f * std::max(1.0f, max_ref));

  // And the quantized model itself is not that close (the curve has something to show).
  qi.invoke();
  const auto q = output_values(qi, 0);
  float q_diff = 0;
  for (size_t i = 0; i < q.size(); ++i) q_diff = std::max(q_diff, std::abs(q[i] - b[i]));
  EXPECT_GT(q_diff, 100 * max_diff + 1e-3f);
}

// TFLite's metric definitions on a case worked by hand: diffs (q - f) = {+1, -1, +1, -1} * s/2.
TEST(QuantDebugMetrics, MatchTfliteDefinitionsOnAWorkedExample) {
  const double s = 0.5;
  const std::vector<float> f = {1.0f, 2.0f, 3.0f, 4.0f};
  const std::vector<float> q = {1.25f, 1.75f, 3.25f, 3.75f};
  const auto m = compute_metrics(q, f, s);
  EXPECT_EQ(m.num_elements, 4);
  EXPECT_DOUBLE_EQ(m.mean_error, 0.0);
  EXPECT_DOUBLE_EQ(m.stddev, 0.25);
  EXPECT_DOUBLE_EQ(m.max_abs_error, 0.25);
  EXPECT_DOUBLE_EQ(m.mean_squared_error, 0.0625);
  EXPECT_DOUBLE_EQ(m.rmse_scale, 0.5);
  EXPECT_NEAR(m.snr_db, 10 * std::log10(30.0 / 0.25), 1e-9);
  // nanmean over samples skips NaN, and rmse/scale comes from the averaged MSE.
  MetricsAccumulator acc(s);
  acc.add(m);
  ErrorMetrics nan_sample;
  nan_sample.mean_squared_error = 0.0625 * 3;
  acc.add(nan_sample);
  const auto mean = acc.mean();
  EXPECT_DOUBLE_EQ(mean.stddev, 0.25);  // the NaN sample is skipped
  EXPECT_DOUBLE_EQ(mean.mean_squared_error, 0.125);
  EXPECT_DOUBLE_EQ(mean.rmse_scale, std::sqrt(0.125) / s);
}

}  // namespace
