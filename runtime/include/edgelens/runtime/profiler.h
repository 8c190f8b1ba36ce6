// Per-node latency: an observer that reads steady_clock right before and right after each node's
// eval, aggregated per invoke (a node inside a WHILE body is called several times per invoke; its
// per-invoke time is the sum), then over invokes (first, average, min, max). Rows are keyed by
// (graph, node) and keep the graph node ids they cover, so a delegate partition that runs as one
// kernel (delegated mode: NodeEvent::partition) maps back to every node it replaced.
//
// Tables in the style of TFLite's benchmark_model (per-node sorted by average with % and cdf %,
// summary by op type) are computed here so the CLI (`edgelens bench`) and the GUI profile panel
// show the same numbers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/observer.h"

namespace edgelens::runtime {

struct ProfiledNode {
  uint32_t graph = 0;
  uint32_t node = 0;              // the row's node id in `graph` (a partition: its kernel's node)
  std::vector<uint32_t> covers;   // graph node ids whose time this row holds ({node} for a node)
  std::string op;                 // op name ("XNNPACK partition" style label for a partition)
  std::string name;               // first output tensor's name
  bool partition = false;         // one delegate kernel standing for `covers`
  int64_t invokes = 0;            // invokes in which this row ran at least once
  int64_t calls = 0;              // eval calls over all invokes
  double first_ms = 0;            // time in the first profiled invoke that ran it
  double total_ms = 0;            // over all invokes
  double min_ms = 0, max_ms = 0;  // per-invoke extremes
  size_t output_bytes = 0;        // bytes of the node's outputs (last call)

  // Per profiled invoke of the whole model (benchmark_model's "avg ms"), so rows add up to the
  // inference time; `profiled_invokes` is Profiler::invokes().
  double avg_ms(int64_t profiled_invokes) const;
  double calls_per_invoke(int64_t profiled_invokes) const;
};

class Profiler : public Observer {
 public:
  void on_invoke_begin(const Interpreter&) override;
  void on_node_begin(const NodeEvent& event) override;
  void on_node_end(const NodeEvent& event) override;
  void on_invoke_end(const Interpreter&) override;

  void clear();
  int64_t invokes() const { return invokes_; }
  // Whole invoke wall times (begin to end as this observer saw them), one per profiled invoke.
  const std::vector<double>& invoke_ms() const { return invoke_ms_; }
  // Graph-0 rows in run order (the first time each ran), then subgraph rows in run order.
  std::vector<ProfiledNode> rows() const;
  // Average ms per invoke by graph-0 node id (partition rows spread over their covered nodes in
  // proportion 1/n each, so the overlay sums to the partition's time); -1 for nodes that never ran.
  std::vector<double> node_avg_ms(size_t node_count) const;

 private:
  struct Slot {
    ProfiledNode row;
    double current_ms = 0;  // this invoke
    bool seen = false;      // ran at least once (any invoke)
    bool ran_now = false;   // ran in this invoke
    size_t order = 0;
  };
  Slot& slot(const NodeEvent& event);

  std::vector<std::vector<Slot>> graphs_;               // [graph][node]
  std::vector<std::pair<uint32_t, uint32_t>> touched_;  // (graph, node) that ran in this invoke
  std::vector<std::chrono::steady_clock::time_point> starts_;  // nested: WHILE/IF bodies
  std::chrono::steady_clock::time_point invoke_start_;
  std::vector<double> invoke_ms_;
  int64_t invokes_ = 0;
  size_t next_order_ = 0;
};

// ---- benchmark_model-style tables
// ----------------------------------------------------------------
struct ProfileTableRow {
  const ProfiledNode* node = nullptr;
  double avg_ms = 0, percent = 0, cdf_percent = 0, calls_per_invoke = 0;
};
// Graph-0 rows sorted by average time (largest first) with % of the summed node time and the
// cumulative %; ties keep run order.
std::vector<ProfileTableRow> table_by_average(const std::vector<ProfiledNode>& rows,
                                              int64_t invokes);

struct OpTypeRow {
  std::string op;
  int count = 0;  // rows of this op type
  double avg_ms = 0, percent = 0, cdf_percent = 0, calls_per_invoke = 0;
  size_t output_bytes = 0;
};
// Graph-0 rows grouped by op, sorted by summed average (largest first).
std::vector<OpTypeRow> summary_by_op_type(const std::vector<ProfiledNode>& rows, int64_t invokes);

// Average / min / max / population std of a series (whole-inference times).
struct SeriesStats {
  int64_t count = 0;
  double first = 0, avg = 0, min = 0, max = 0, std = 0;
};
SeriesStats series_stats(const std::vector<double>& values);

// ---- what to profile ------------------------------------------------------------------------
// An interpreter built for `delegate` ("none": reference kernels; "xnnpack": the XNNPACK delegate
// with `threads` threads), and what delegation did (for reports).
struct ProfileSession {
  std::unique_ptr<Interpreter> interpreter;
  std::string delegate_name;                      // as printed ("none (reference kernels)")
  std::vector<std::vector<uint32_t>> partitions;  // delegated node ids per partition
  std::vector<std::string> partition_lines;       // one line per partition, for reports
};
// With `preserve_all_tensors` every delegated node is its own partition (per-node latency when
// delegated, at a speed cost). Throws std::invalid_argument naming the problem for an unknown
// delegate or a bad thread count.
ProfileSession make_profile_session(const Model& model, std::string_view delegate, int threads,
                                    bool keep_all_tensors = false,
                                    bool preserve_all_tensors = false);

}  // namespace edgelens::runtime
