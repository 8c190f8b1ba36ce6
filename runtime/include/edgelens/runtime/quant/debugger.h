// The quantization debugger: per-layer (isolated) error, accumulated error against a float shadow,
// float/quantized model pairs and the what-if "keep the k worst layers in float" curve. All of it
// runs derived IR models (derive.h) in the ordinary Interpreter; metrics are TFLite's (metrics.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/quant/metrics.h"

namespace edgelens::runtime::quant {

// One set of model inputs, one array per graph-0 input in order.
struct Sample {
  std::string name;
  std::vector<NpyArray> inputs;
  // An image file (load_samples): inputs[0] holds its decoded pixels, uint8 [H, W, C]; feed_sample
  // resizes and normalises them into the model's input (image_input.h, auto range).
  bool image = false;
};

// DIR/input<k>.npy is one sample; otherwise every subdirectory (sorted by name) holding
// input0.npy is one sample; otherwise every image file (.png/.jpg/.jpeg/.bmp) in DIR is one sample
// of a single-input model. Throws ModelError / std::invalid_argument naming the file.
std::vector<Sample> load_samples(const std::filesystem::path& dir);
// `count` deterministic pseudo-random samples for the quantized model's inputs (fill_random
// with seed + sample index * 1000 + input index).
std::vector<Sample> random_samples(const Model& model, size_t count, uint64_t seed);
// The interpreter's current inputs as a sample (one array per input, its dtype and shape).
Sample capture_sample(Interpreter& interpreter, std::string name);
// Writes a sample into an interpreter's inputs. Same dtype: the bytes. A float array into a
// quantized input: quantized (round half away from zero, zero point, clamped); float64 into a
// float32 input: converted. Throws std::invalid_argument naming the input on a count, shape or
// dtype mismatch.
void feed_sample(Interpreter& interpreter, const Sample& sample);

// A tensor's values as float: float32 as is, quantized integers dequantized with the tensor's
// own parameters, other numbers converted. Throws std::invalid_argument for non-numeric dtypes.
std::vector<float> float_values(const TensorBuffer& tensor);
// Writes `src` into input `input` of `dst` (resizing it to src's shape when they differ):
// the bytes when dtypes agree, dequantized values into a float input.
void copy_tensor_into(Interpreter& dst, size_t input, const TensorBuffer& src);
// Every input of `src` into the same input of `dst` (throws when the input counts differ).
void feed_from(Interpreter& dst, Interpreter& src);

enum class ReportMode {
  Layer,  // isolated: every quantized op's float op on the inputs it actually received
  Model,  // accumulated: every quantized tensor against its float twin (shadow or float model)
};

struct ReportOptions {
  ReportMode mode = ReportMode::Layer;
  size_t keep_float_top = 0;     // what-if curve for k = 0..K (0 = none)
  std::optional<double> target;  // output RMSE the what-if suggestion must reach
  // Called as work advances: stage ("sample", "what-if"), done, total.
  std::function<void(std::string_view, size_t, size_t)> progress;
};

struct TensorRow {
  uint32_t node = 0;        // producing node (graph 0)
  std::string op_name;      // its op ("CONV_2D")
  int32_t tensor_idx = -1;  // the quantized tensor
  std::string tensor_name;
  ErrorMetrics metrics;  // NaN-aware mean over samples
  double scale = NAN;    // the quantized tensor's first scale / zero point (as TFLite reports)
  int64_t zero_point = 0;
  bool flagged = false;           // layer rows: rmse_scale > kSuspiciousRmseScale
  int32_t reference_tensor = -1;  // the float tensor compared with (model pairs, shadow)
  std::string match;              // model pairs: "name", "structure" or "output"
};

struct WhatIfStep {
  size_t k = 0;
  std::vector<uint32_t> float_nodes;  // source node ids kept in float (worst first)
  ErrorMetrics output;                // model outputs (all, concatenated) vs the float shadow
  double output_rmse = NAN;           // sqrt(output.mean_squared_error)
};

struct SkippedNode {
  uint32_t node = 0;
  std::string op, why;
};

struct QuantReport {
  std::string model, float_model;
  ReportMode mode = ReportMode::Layer;
  size_t samples = 0;
  std::vector<TensorRow> layers;       // layer-wise rows (mode layer, or for the what-if ranking)
  std::vector<TensorRow> accumulated;  // mode model: quantized tensors vs the float shadow
  std::vector<TensorRow> pairs;        // with a float model: matched tensors vs the float model
  std::vector<TensorRow> outputs;      // model outputs vs the float shadow
  std::vector<TensorRow> outputs_vs_float;  // model outputs vs the float model
  std::vector<WhatIfStep> what_if;
  std::optional<size_t> suggested_k;  // smallest k whose output_rmse <= target
  std::vector<SkippedNode> skipped;   // quantized nodes without a float counterpart, and why
  std::string shadow_kind;  // "float" (every node converted) or "mixed" (some stay quantized)
  double quant_ms_per_sample = 0, total_ms_per_sample = 0;

  // The rows the CSV/node data show: layers (mode layer), else pairs when a float model was
  // given, else accumulated.
  const std::vector<TensorRow>& primary() const;
};

// Runs the whole report. `float_model` may be null. Throws UnsupportedModel when the quantized
// model cannot run, std::invalid_argument on bad samples or models that do not pair.
QuantReport run_quant_report(const Model& quantized, const Model* float_model,
                             std::span<const Sample> samples, const ReportOptions& options);

// Tensor matching for model pairs: (quantized tensor, float tensor, how) for every quantized
// graph-0 node output that has a float counterpart: same name first, then the same position in
// the op sequence (longest common subsequence of op names, QUANTIZE/DEQUANTIZE left out).
struct TensorMatch {
  int32_t quantized = -1, reference = -1;
  std::string how;
};
std::vector<TensorMatch> match_tensors(const Model& quantized, const Model& float_model);
// Longest common subsequence of two op-name sequences: the matched (index in x, index in y) pairs
// in order. Sequences too long for the table are aligned by position instead.
std::vector<std::pair<size_t, size_t>> common_subsequence(const std::vector<std::string>& x,
                                                          const std::vector<std::string>& y);

}  // namespace edgelens::runtime::quant
