// The standard observers: capture, statistics, first NaN/Inf, timing.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/observer.h"
#include "tensor_values.h"

namespace edgelens::runtime {

TensorStats compute_stats(const TensorBuffer& tensor, int bins) {
  TensorStats s;
  double sum = 0, sum_sq = 0;
  int64_t finite = 0;
  bool first = true;
  const bool is_float = dtype_is_float(tensor.dtype);
  for_each_value(tensor, true, [&](int64_t, double v) {
    ++s.count;
    if (std::isnan(v)) return void(++s.nan_count);
    if (std::isinf(v)) return void(++s.inf_count);
    if (v == 0) ++s.zero_count;
    if (first) s.min = s.max = v, first = false;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
    sum += v;
    sum_sq += v * v;
    ++finite;
  });
  (void)is_float;
  if (finite) {
    s.mean = sum / double(finite);
    s.std = std::sqrt(std::max(0.0, sum_sq / double(finite) - s.mean * s.mean));
  }
  if (bins > 0 && finite) {
    s.histogram.assign(static_cast<size_t>(bins), 0);
    const double width = (s.max - s.min) / bins;
    for_each_value(tensor, true, [&](int64_t, double v) {
      if (!std::isfinite(v)) return;
      auto b = width > 0 ? static_cast<int64_t>((v - s.min) / width) : 0;
      b = std::clamp<int64_t>(b, 0, bins - 1);
      ++s.histogram[static_cast<size_t>(b)];
    });
  }
  return s;
}

// ---- capture --------------------------------------------------------------------------------
std::vector<std::byte> CapturedTensor::load() const {
  if (spilled_to.empty()) return data;
  return read_npy(spilled_to).data;
}

TensorCapture::TensorCapture(CaptureOptions options) : options_(std::move(options)) {}

void TensorCapture::keep(uint32_t graph, int32_t node, const TensorBuffer& t) {
  if (!t.ir || t.constant) return;
  CapturedTensor c;
  c.graph = graph;
  c.tensor = t.ir->id;
  c.node = node;
  c.name = t.ir->name;
  c.dtype = t.dtype;
  c.shape = t.shape;
  const size_t bytes = std::min(t.bytes, t.byte_size());
  auto old = tensors_.find(c.tensor);
  if (old != tensors_.end()) in_memory_ -= old->second.data.size();
  if (in_memory_ + bytes > options_.memory_budget && !options_.spill_dir.empty() &&
      !npy_descr(t.dtype).empty()) {
    std::filesystem::create_directories(options_.spill_dir);
    c.spilled_to = options_.spill_dir / fmt::format("t{}.npy", c.tensor);
    write_npy(c.spilled_to, t.dtype, t.shape, {t.data, bytes});
    spilled_ += bytes;
  } else {
    c.data.assign(t.data, t.data + bytes);
    in_memory_ += bytes;
  }
  tensors_[c.tensor] = std::move(c);
}

void TensorCapture::on_invoke_begin(const Interpreter& interpreter) {
  if (!options_.include_inputs || interpreter.graph_count() == 0) return;
  const auto& graph = interpreter.model().graphs[0];
  for (int32_t id : graph.inputs)
    if (id >= 0) keep(0, -1, interpreter.tensor(0, static_cast<uint32_t>(id)));
}

void TensorCapture::on_node_end(const NodeEvent& event) {
  if (event.graph != 0) return;
  if (!options_.nodes.empty() && std::find(options_.nodes.begin(), options_.nodes.end(),
                                           event.node_index) == options_.nodes.end())
    return;
  for (const auto* out : event.outputs)
    if (out) keep(0, static_cast<int32_t>(event.node_index), *out);
}

// ---- stats ----------------------------------------------------------------------------------
void StatsObserver::on_node_end(const NodeEvent& event) {
  for (const auto* out : event.outputs) {
    if (!out || !out->ir) continue;
    results_.push_back({event.graph, event.node_index, out->ir->id, event.node->op.name,
                        out->ir->name, compute_stats(*out, bins_)});
  }
}

// ---- first NaN/Inf --------------------------------------------------------------------------
namespace {
std::optional<std::pair<int64_t, double>> first_non_finite(const TensorBuffer& t) {
  if (t.dtype != DType::Float32 && t.dtype != DType::Float16 && t.dtype != DType::Float64)
    return std::nullopt;
  std::optional<std::pair<int64_t, double>> hit;
  if (t.dtype == DType::Float32) {
    const auto v = t.view<float>();
    const auto n = std::min<size_t>(v.size(), static_cast<size_t>(t.element_count()));
    for (size_t i = 0; i < n; ++i)
      if (!std::isfinite(v[i])) return std::pair<int64_t, double>(int64_t(i), double(v[i]));
    return std::nullopt;
  }
  for_each_value(t, false, [&](int64_t i, double x) {
    if (!hit && !std::isfinite(x)) hit.emplace(i, x);
  });
  return hit;
}
}  // namespace

void NanFinder::on_node_end(const NodeEvent& event) {
  if (first_) return;
  for (const auto* out : event.outputs) {
    if (!out) continue;
    auto hit = first_non_finite(*out);
    if (!hit) continue;
    NonFiniteHit h;
    h.graph = event.graph;
    h.node = event.node_index;
    h.tensor = out->ir ? out->ir->id : 0;
    h.op = event.node->op.name;
    h.tensor_name = out->ir ? out->ir->name : "";
    h.element = hit->first;
    h.value = hit->second;
    for (const auto* in : event.inputs)
      if (in && first_non_finite(*in)) h.inputs_finite = false;
    first_ = h;
    return;
  }
}

// ---- timing ---------------------------------------------------------------------------------
void NodeTimer::on_invoke_begin(const Interpreter&) {
  invoke_start_ = std::chrono::steady_clock::now();
  node_starts_.clear();
}
void NodeTimer::on_node_begin(const NodeEvent&) {
  node_starts_.push_back(std::chrono::steady_clock::now());
}
void NodeTimer::on_node_end(const NodeEvent& event) {
  const auto now = std::chrono::steady_clock::now();
  if (node_starts_.empty()) return;
  const auto start = node_starts_.back();
  node_starts_.pop_back();
  auto& t = timings_[{event.graph, event.node_index}];
  t.graph = event.graph;
  t.node = event.node_index;
  t.op = event.node->op.name;
  t.total += std::chrono::duration_cast<std::chrono::nanoseconds>(now - start);
  ++t.calls;
  last_invoke_ = std::chrono::duration_cast<std::chrono::nanoseconds>(now - invoke_start_);
}
std::vector<NodeTiming> NodeTimer::timings() const {
  std::vector<NodeTiming> out;
  for (const auto& [key, t] : timings_) out.push_back(t);
  return out;
}

}  // namespace edgelens::runtime
