#include "edgelens/runtime/profiler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "edgelens/runtime/delegate/xnnpack_delegate.h"
#include "edgelens/runtime/interpreter.h"

namespace edgelens::runtime {

namespace {
double ms_between(std::chrono::steady_clock::time_point a,
                  std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Sorts rows by avg_ms, slowest first (stable), and fills their percent of `total` and the running
// cdf_percent.
template <class Row>
void rank_by_time(std::vector<Row>& rows, double total) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.avg_ms > b.avg_ms; });
  double cdf = 0;
  for (auto& r : rows) {
    r.percent = total > 0 ? 100.0 * r.avg_ms / total : 0.0;
    cdf += r.percent;
    r.cdf_percent = std::min(cdf, 100.0);
  }
}
}  // namespace

double ProfiledNode::avg_ms(int64_t profiled_invokes) const {
  return profiled_invokes > 0 ? total_ms / double(profiled_invokes) : 0.0;
}
double ProfiledNode::calls_per_invoke(int64_t profiled_invokes) const {
  return profiled_invokes > 0 ? double(calls) / double(profiled_invokes) : 0.0;
}

Profiler::Slot& Profiler::slot(const NodeEvent& event) {
  if (event.graph >= graphs_.size()) graphs_.resize(event.graph + 1);
  auto& nodes = graphs_[event.graph];
  if (event.node_index >= nodes.size()) nodes.resize(event.node_index + 1);
  Slot& s = nodes[event.node_index];
  if (!s.seen) {
    s.seen = true;
    s.order = next_order_++;
    auto& row = s.row;
    row.graph = event.graph;
    row.node = event.node_index;
    if (event.partition) {
      // A delegate kernel: one row for the partition, covering every node it replaced. A
      // one-node partition (preserve_all_tensors) keeps its node's op so per-op sums still work.
      row.partition = true;
      row.covers = event.partition->nodes;
      row.op = row.covers.size() == 1 && event.node ? event.node->op.name + " (XNNPACK)"
                                                    : std::string("XNNPACK partition");
    } else {
      row.covers = {event.node_index};
      row.op = event.node ? event.node->op.name : std::string();
    }
    if (event.partition && event.partition->nodes.size() > 1)
      row.name = event.partition->label;
    else if (!event.outputs.empty() && event.outputs.front() && event.outputs.front()->ir)
      row.name = event.outputs.front()->ir->name;
  }
  return s;
}

void Profiler::on_invoke_begin(const Interpreter&) {
  starts_.clear();
  touched_.clear();
  invoke_start_ = std::chrono::steady_clock::now();
}

void Profiler::on_node_begin(const NodeEvent&) {
  // Last thing before eval: everything else (slot lookup, output sizes) happens after the end
  // reading.
  starts_.push_back(std::chrono::steady_clock::now());
}

void Profiler::on_node_end(const NodeEvent& event) {
  const auto now = std::chrono::steady_clock::now();
  if (starts_.empty()) return;
  const double ms = ms_between(starts_.back(), now);
  starts_.pop_back();
  Slot& s = slot(event);
  if (!s.ran_now) {
    s.ran_now = true;
    s.current_ms = 0;
    touched_.emplace_back(event.graph, event.node_index);
  }
  s.current_ms += ms;
  ++s.row.calls;
  size_t bytes = 0;
  for (const auto* out : event.outputs)
    if (out) bytes += out->byte_size();
  s.row.output_bytes = bytes;
}

void Profiler::on_invoke_end(const Interpreter&) {
  invoke_ms_.push_back(ms_between(invoke_start_, std::chrono::steady_clock::now()));
  for (const auto& [g, n] : touched_) {
    Slot* s = &graphs_[g][n];
    auto& row = s->row;
    if (row.invokes == 0) row.first_ms = row.min_ms = row.max_ms = s->current_ms;
    row.min_ms = std::min(row.min_ms, s->current_ms);
    row.max_ms = std::max(row.max_ms, s->current_ms);
    row.total_ms += s->current_ms;
    ++row.invokes;
    s->ran_now = false;
  }
  touched_.clear();
  ++invokes_;
}

void Profiler::clear() {
  graphs_.clear();
  touched_.clear();
  starts_.clear();
  invoke_ms_.clear();
  invokes_ = 0;
  next_order_ = 0;
}

std::vector<ProfiledNode> Profiler::rows() const {
  std::vector<const Slot*> slots;
  for (const auto& g : graphs_)
    for (const auto& s : g)
      if (s.seen && s.row.invokes > 0) slots.push_back(&s);
  std::stable_sort(slots.begin(), slots.end(), [](const Slot* a, const Slot* b) {
    if ((a->row.graph == 0) != (b->row.graph == 0)) return a->row.graph == 0;
    return a->order < b->order;
  });
  std::vector<ProfiledNode> out;
  out.reserve(slots.size());
  for (const Slot* s : slots) out.push_back(s->row);
  return out;
}

std::vector<double> Profiler::node_avg_ms(size_t node_count) const {
  std::vector<double> out(node_count, -1.0);
  if (graphs_.empty()) return out;
  for (const auto& s : graphs_[0]) {
    if (!s.seen || s.row.invokes == 0) continue;
    const double avg = s.row.avg_ms(invokes_);
    const double share = s.row.covers.empty() ? avg : avg / double(s.row.covers.size());
    for (uint32_t n : s.row.covers)
      if (n < node_count) out[n] = std::max(0.0, out[n]) + share;
  }
  return out;
}

// ---- tables ----------------------------------------------------------------------------------
std::vector<ProfileTableRow> table_by_average(const std::vector<ProfiledNode>& rows,
                                              int64_t invokes) {
  std::vector<ProfileTableRow> table;
  double total = 0;
  for (const auto& r : rows) {
    if (r.graph != 0) continue;
    ProfileTableRow t;
    t.node = &r;
    t.avg_ms = r.avg_ms(invokes);
    t.calls_per_invoke = r.calls_per_invoke(invokes);
    total += t.avg_ms;
    table.push_back(t);
  }
  rank_by_time(table, total);
  return table;
}

std::vector<OpTypeRow> summary_by_op_type(const std::vector<ProfiledNode>& rows, int64_t invokes) {
  std::map<std::string, OpTypeRow> by_op;
  double total = 0;
  for (const auto& r : rows) {
    if (r.graph != 0) continue;
    auto& o = by_op[r.op];
    o.op = r.op;
    ++o.count;
    o.avg_ms += r.avg_ms(invokes);
    o.calls_per_invoke += r.calls_per_invoke(invokes);
    o.output_bytes += r.output_bytes;
    total += r.avg_ms(invokes);
  }
  std::vector<OpTypeRow> out;
  for (auto& [op, row] : by_op) out.push_back(std::move(row));
  rank_by_time(out, total);
  return out;
}

SeriesStats series_stats(const std::vector<double>& values) {
  SeriesStats s;
  if (values.empty()) return s;
  s.count = static_cast<int64_t>(values.size());
  s.first = values.front();
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  s.avg = std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
  double sq = 0;
  for (double v : values) sq += (v - s.avg) * (v - s.avg);
  s.std = std::sqrt(sq / double(values.size()));
  return s;
}

}  // namespace edgelens::runtime
