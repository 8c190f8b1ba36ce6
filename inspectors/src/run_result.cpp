#include "edgelens/inspectors/run_result.h"

#include <algorithm>
#include <cmath>

namespace edgelens::inspect {

std::string_view statistic_name(RunStatistic statistic) {
  switch (statistic) {
    case RunStatistic::None:
      return "none";
    case RunStatistic::MaxAbs:
      return "max |x|";
    case RunStatistic::Mean:
      return "mean";
    case RunStatistic::Std:
      return "std";
    case RunStatistic::NanCount:
      return "NaN count";
  }
  return "?";
}

namespace {

// Decodes a runtime buffer; empty values with a problem when it holds less than its shape needs.
TensorValues decode_buffer(const runtime::TensorBuffer& buffer, bool dequantize) {
  if (!buffer.data || buffer.bytes < buffer.byte_size()) {
    TensorValues out;
    out.shape = buffer.shape;
    out.dtype = buffer.dtype;
    out.problem = "the run left no data in this tensor";
    return out;
  }
  return decode_values(buffer.raw().first(buffer.byte_size()), buffer.dtype, buffer.shape,
                       &buffer.quant(), dequantize);
}

}  // namespace

bool RunResult::hasValues(int tensor) const {
  return tensor >= 0 && static_cast<size_t>(tensor) < tensor_stats.size() &&
         tensor_stats[static_cast<size_t>(tensor)].has_value();
}

TensorValues RunResult::values(int tensor, bool dequantize) const {
  if (!hasValues(tensor)) return {};
  return decode_buffer(interpreter->tensor(0, static_cast<uint32_t>(tensor)), dequantize);
}

std::optional<double> RunResult::nodeStatistic(int node, RunStatistic statistic) const {
  if (!model || model->graphs.empty() || statistic == RunStatistic::None) return std::nullopt;
  const Graph& graph = model->graphs[0];
  if (node < 0 || static_cast<size_t>(node) >= graph.nodes.size()) return std::nullopt;
  std::optional<double> out;
  for (int32_t id : graph.nodes[static_cast<size_t>(node)].outputs) {
    if (!hasValues(id)) continue;
    const TensorStats& s = *tensor_stats[static_cast<size_t>(id)];
    double v = 0;
    switch (statistic) {
      case RunStatistic::MaxAbs:
        v = std::max(std::abs(s.min), std::abs(s.max));
        break;
      case RunStatistic::Mean:
        v = s.mean;
        break;
      case RunStatistic::Std:
        v = s.std;
        break;
      case RunStatistic::NanCount:
        v = static_cast<double>(s.nan_count);
        break;
      case RunStatistic::None:
        break;
    }
    // Several outputs: the largest (max |x|, std, NaN count) or the first (mean) is the one shown.
    if (!out || (statistic != RunStatistic::Mean && v > *out)) out = v;
  }
  return out;
}

std::shared_ptr<RunResult> summarize_run(std::shared_ptr<const Model> model,
                                         std::shared_ptr<runtime::Interpreter> interpreter,
                                         double seconds) {
  auto result = std::make_shared<RunResult>();
  result->seconds = seconds;
  const Graph& graph = model->graphs.at(0);
  result->tensor_stats.resize(graph.tensors.size());
  result->node_nonfinite.assign(graph.nodes.size(), false);
  const auto keep = [&](int32_t id) {
    if (id < 0 || static_cast<size_t>(id) >= graph.tensors.size()) return;
    auto& slot = result->tensor_stats[static_cast<size_t>(id)];
    if (slot) return;
    const auto& buffer = interpreter->tensor(0, static_cast<uint32_t>(id));
    if (buffer.constant) return;
    const TensorValues values = decode_buffer(buffer, true);
    if (!values.problem.empty()) return;
    slot = compute_stats(values.values);
  };
  for (int32_t id : graph.inputs) keep(id);
  for (const Node& node : graph.nodes) {
    for (int32_t id : node.outputs) {
      keep(id);
      if (id >= 0 && static_cast<size_t>(id) < graph.tensors.size()) {
        const auto& s = result->tensor_stats[static_cast<size_t>(id)];
        if (s && (s->nan_count > 0 || s->inf_count > 0)) result->node_nonfinite[node.id] = true;
      }
    }
  }
  result->model = std::move(model);
  result->interpreter = std::move(interpreter);
  return result;
}

}  // namespace edgelens::inspect
