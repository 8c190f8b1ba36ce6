// Comparing two models: what changed in the graph (structural diff), which nodes a delegate takes
// on each side (delegate-coverage diff) and how far the numbers moved (numeric diff of outputs and
// matched intermediates on the same inputs). This is what a conversion pipeline runs between stages
// (fp32 -> int8, .pte vs .tflite) and what the GUI's side-by-side view draws.
//
// Node mapping A <-> B (graph 0 of each): first through tensor names (a node of A and a node of B
// that produce a tensor of the same name), including the quantization debugger's float/quantized
// tensor pairing (quant::match_tensors) when one side is quantized, then by structure: the
// longest common subsequence of the remaining nodes' canonical op names (QUANTIZE, DEQUANTIZE and
// CAST left out, since converters insert them). Ops of other domains are mapped onto TFLite names
// for this ("aten::linear" -> FULLY_CONNECTED) so a .pte lines up with a .tflite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/quant/debugger.h"

namespace edgelens::runtime::compare {

// ---- structure ---------------------------------------------------------------------------------
enum class ChangeKind {
  Same,     // matched, same op, same attributes, same output dtypes/shapes
  Changed,  // matched, but the op, an attribute, a dtype, a shape or the quantization differs
  Added,    // only in B
  Removed,  // only in A
};
std::string_view change_kind_name(ChangeKind kind);  // "same", "changed", "added", "removed"

struct NodeChange {
  ChangeKind kind = ChangeKind::Same;
  int32_t node_a = -1, node_b = -1;  // graph-0 node ids; -1 on the side where the node is absent
  std::string op_a, op_b;            // op names as stored ("" when absent)
  std::string match;                 // "name", "quant-pair", "structure"; "" for added/removed
  // Human-readable differences of a Changed node: "op FULLY_CONNECTED -> CONV_2D",
  // "output 0 dtype float32 -> int8", "attr fused_activation_function RELU -> NONE",
  // "output 0 quantization none -> scale 0.0083 zp 5", "input 1 weights float32 -> int8".
  std::vector<std::string> differences;
};

// A pair of matched activation tensors (graph 0), the ones the numeric diff compares.
struct TensorPair {
  int32_t tensor_a = -1, tensor_b = -1;
  int32_t node_a = -1, node_b = -1;  // producers (-1 for graph inputs)
  std::string name_a, name_b;
  std::string how;  // "name", "quant-pair", "structure", "output", "input"
};

struct StructuralDiff {
  // Every node of both models once: B's execution order, A's removed nodes placed before the
  // next matched node that follows them in A.
  std::vector<NodeChange> nodes;
  std::vector<int32_t> a_to_b;  // per A node id: index into `nodes`
  std::vector<int32_t> b_to_a;  // per B node id: index into `nodes`
  std::vector<TensorPair> tensors;
  int same = 0, changed = 0, added = 0, removed = 0;
  // Graph inputs/outputs count, dtypes and shapes ("output 0: float32[1,1] -> int8[1,1]").
  std::vector<std::string> interface_differences;
  // Counts of op names per side ("FULLY_CONNECTED": 3 in A, 3 in B) for the summary.
  std::vector<std::pair<std::string, std::pair<int, int>>> op_counts;
};

StructuralDiff diff_structure(const Model& a, const Model& b);

// ---- delegate coverage -------------------------------------------------------------------------
struct Coverage {
  bool available = false;  // false: the rules could not be applied (why says why, e.g. a .pte)
  std::string why;
  int nodes = 0, delegated = 0, partitions = 0;
  std::vector<bool> delegated_nodes;  // per graph-0 node id
  std::string summary;                // "CPU operators = 0 / delegate operators = 3"
};
struct CoverageChange {
  int32_t change = -1;  // index into StructuralDiff::nodes
  bool delegated_a = false, delegated_b = false;
  std::string reason_a, reason_b;  // the delegate's verdict reason on each side
};
struct CoverageDiff {
  std::string delegate;  // "xnnpack"
  Coverage a, b;
  std::vector<CoverageChange> changes;  // matched nodes whose placement differs
};

// Claims both models' graph 0 with `delegate` (make_delegate_rules name or profile path) and the
// TFLite partitioner.
CoverageDiff diff_coverage(const Model& a, const Model& b, const StructuralDiff& structure,
                           std::string_view delegate = "xnnpack");

// ---- numbers -----------------------------------------------------------------------------------
// Element-wise comparison of A's values (reference) with B's values, both as float (quantized
// tensors dequantized). Over all samples: max_abs = max |b - a|, max_rel = max |b - a| / max(|a|,
// eps) with eps = 1e-6 * max(1, max |a| so far), rmse over every element, cosine of the
// concatenated vectors. Non-finite values on either side count in nonfinite_mismatch when they
// differ.
struct NumericMetrics {
  int64_t count = 0;
  double max_abs = 0, max_rel = 0, rmse = 0, cosine = NAN;
  int64_t nonfinite_mismatch = 0;
  double max_abs_reference = 0;  // max |a| (scale for reading max_abs)
};

struct TensorDiff {
  TensorPair pair;
  int32_t change = -1;  // index into StructuralDiff::nodes of the producing node pair (-1: input)
  int32_t output = -1;  // graph output index when the pair is a model output
  NumericMetrics metrics;  // aggregated over samples
  double scale_b = NAN;  // B's quantization scale when B's tensor is quantized (else A's), else NaN
  std::string skipped;   // why the pair was not compared ("shapes differ: [1,4] vs [1,5]")
};

struct NumericDiff {
  bool ran = false;
  std::string why_not;  // when !ran: "model B cannot run: node 0 (aten::add.out, ...)"
  size_t samples = 0;
  std::vector<TensorDiff> outputs;        // per graph output (matched by index)
  std::vector<TensorDiff> intermediates;  // matched tensors that are not outputs
  NumericMetrics all_outputs;             // every output element of every sample
};

struct CompareOptions {
  bool structure_only = false;  // no coverage, no run
  bool coverage = true;
  std::string delegate = "xnnpack";
  bool intermediates = true;
};

// Samples for comparing a and b: every sample is converted to float so both models can take it
// (feed_sample quantizes float into a quantized input). `specs` are run's --input texts for one
// sample ("ramp", "random:7", "FILE.npy", "NAME=FILE.npy"); empty = the ramp of
// ../shared/peers/README.md, the fixtures' reference inputs.
std::vector<quant::Sample> ramp_sample(const Model& a, const Model& b);
std::vector<quant::Sample> samples_from_specs(const Model& a, const Model& b,
                                              std::span<const std::string> specs);
std::vector<quant::Sample> random_compare_samples(const Model& a, const Model& b, size_t count,
                                                  uint64_t seed);
// Directory of samples (quant::load_samples) converted to float like the others.
std::vector<quant::Sample> load_compare_samples(const Model& a, const Model& b,
                                                const std::string& dir);

NumericDiff diff_numbers(const Model& a, const Model& b, const StructuralDiff& structure,
                         std::span<const quant::Sample> samples, bool intermediates = true);

// ---- whole report ------------------------------------------------------------------------------
struct CompareReport {
  std::string model_a, model_b;
  StructuralDiff structure;
  std::optional<CoverageDiff> coverage;
  std::optional<NumericDiff> numeric;
};

// Throws std::invalid_argument on samples that do not fit; a model that cannot run is reported in
// numeric->why_not, not thrown.
CompareReport compare_models(const Model& a, const Model& b, std::span<const quant::Sample> samples,
                             const CompareOptions& options = {});

struct Thresholds {
  std::optional<double> max_abs, max_rel;  // on model outputs
};
struct ThresholdResult {
  bool passed = true;
  std::vector<std::string> failures;  // "output 0 'Identity': max_abs 0.031 > 0.01"
};
// Thresholds apply to the model outputs; a numeric diff that did not run fails when a threshold is
// given (a gate must not pass silently).
ThresholdResult check_thresholds(const CompareReport& report, const Thresholds& thresholds);

// JSON (schema in docs/cli.md, "compare") and the human table.
std::string report_json(const CompareReport& report, const Thresholds& thresholds = {});
std::string report_text(const CompareReport& report, const Thresholds& thresholds = {});

}  // namespace edgelens::runtime::compare
