// TFLite's PartitionGraphIntoIndependentNodeSubsets (tflite/graph_info.cc) and the selection step
// of GraphPartitionHelper (tflite/delegates/utils.cc), as described in
// ../shared/notes/xnnpack-delegate-and-partitioning.md 2.4/2.5. Kept close to the original so the
// partitions match what TFLite would build, including its quirks (constants listed as subset
// inputs, greedy reordering of independent delegated nodes).
#include "edgelens/runtime/delegate/partitioner.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>

#include "edgelens/model_io/error.h"

namespace edgelens::delegate {
namespace {

constexpr int kEpochNotReady = -1;
constexpr int kEpochAlwaysReady = -2;

class Partitioner {
 public:
  Partitioner(const Graph& graph, const std::vector<bool>& delegated,
              const PartitionOptions& options)
      : graph_(graph), delegated_(delegated), options_(options) {}

  std::vector<NodeSubset> run() {
    const size_t node_count = graph_.nodes.size();
    tensor_epochs_.assign(graph_.tensors.size(), kEpochAlwaysReady);
    node_epochs_.assign(node_count, kEpochNotReady);
    build_control_edges();
    for (const Node& node : graph_.nodes)
      for (int32_t t : node.outputs)
        if (valid_tensor(t)) tensor_epochs_[static_cast<size_t>(t)] = kEpochNotReady;

    while (true) {
      subsets_.emplace_back();
      unexplored_ = true;
      build_subset();
      if (subsets_.back().nodes.empty()) {
        subsets_.pop_back();
        break;
      }
    }
    for (size_t n = 0; n < node_count; ++n)
      if (node_epochs_[n] == kEpochNotReady)
        throw ModelError(graph_.name, fmt::format("node {}", n),
                         "node can never run: one of its inputs is produced by a later node or not "
                         "at all (cycle or dangling tensor), so no partition can hold it");
    for (int32_t t : graph_.outputs) {
      if (!valid_tensor(t)) continue;
      const int epoch = tensor_epochs_[static_cast<size_t>(t)];
      if (epoch >= 0) subsets_[static_cast<size_t>(epoch)].output_tensors.push_back(t);
    }
    for (NodeSubset& subset : subsets_) {
      uniquify(subset.input_tensors);
      uniquify(subset.output_tensors);
    }
    return std::move(subsets_);
  }

 private:
  bool valid_tensor(int32_t t) const {
    return t >= 0 && static_cast<size_t>(t) < graph_.tensors.size();
  }

  static void uniquify(std::vector<int32_t>& items) {
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
  }

  // TFLite: when the caller gives no control edges and clustering is greedy, every node that might
  // have side effects is chained to the previous such node, so greedy reordering cannot swap them.
  void build_control_edges() {
    incoming_.assign(graph_.nodes.size(), 0);
    outgoing_.assign(graph_.nodes.size(), {});
    if (!options_.greedy) return;
    int previous = -1;
    for (const Node& node : graph_.nodes) {
      if (!might_have_side_effect(graph_, node)) continue;
      if (previous >= 0) {
        outgoing_[static_cast<size_t>(previous)].push_back(node.id);
        ++incoming_[node.id];
      }
      previous = static_cast<int>(node.id);
    }
  }

  void build_subset() {
    while (true) {
      bool did_something = false;
      for (size_t n = 0; n < graph_.nodes.size(); ++n) {
        if (update_node(n))
          did_something = true;
        else if (did_something && !options_.greedy)
          return;  // non-greedy: keep the original order, close the epoch at the first misfit
      }
      if (!did_something) return;
    }
  }

  bool update_node(size_t n) {
    NodeSubset& subset = subsets_.back();
    if (options_.preserve_all_tensors && !subset.nodes.empty()) return false;
    if (node_epochs_[n] != kEpochNotReady) return false;
    const Node& node = graph_.nodes[n];
    for (int32_t t : node.inputs)
      if (valid_tensor(t) && tensor_epochs_[static_cast<size_t>(t)] == kEpochNotReady) return false;
    if (incoming_[n] != 0) return false;

    const NodeSubset::Kind kind =
        n < delegated_.size() && delegated_[n] ? NodeSubset::Kind::Delegate : NodeSubset::Kind::Cpu;
    // The first ready node of an epoch decides the epoch's kind.
    if (unexplored_) {
      subset.kind = kind;
      unexplored_ = false;
    }
    if (subset.kind != kind) return false;

    const int epoch = static_cast<int>(subsets_.size()) - 1;
    node_epochs_[n] = epoch;
    subset.nodes.push_back(static_cast<uint32_t>(n));
    for (int32_t t : node.outputs)
      if (valid_tensor(t)) tensor_epochs_[static_cast<size_t>(t)] = epoch;
    for (int32_t t : node.inputs) {
      if (!valid_tensor(t)) continue;
      const int input_epoch = tensor_epochs_[static_cast<size_t>(t)];
      if (input_epoch == epoch) continue;
      subset.input_tensors.push_back(t);
      if (input_epoch >= 0) subsets_[static_cast<size_t>(input_epoch)].output_tensors.push_back(t);
    }
    for (uint32_t dst : outgoing_[n]) --incoming_[dst];
    return true;
  }

  const Graph& graph_;
  const std::vector<bool>& delegated_;
  const PartitionOptions& options_;
  std::vector<int> tensor_epochs_, node_epochs_, incoming_;
  std::vector<std::vector<uint32_t>> outgoing_;
  std::vector<NodeSubset> subsets_;
  bool unexplored_ = true;
};

bool is_resource(const Graph& graph, int32_t t) {
  return t >= 0 && static_cast<size_t>(t) < graph.tensors.size() &&
         graph.tensors[static_cast<size_t>(t)].dtype == DType::Resource;
}

}  // namespace

bool might_have_side_effect(const Graph& graph, const Node& node) {
  for (int32_t t : node.inputs)
    if (is_resource(graph, t)) return true;
  for (int32_t t : node.outputs)
    if (is_resource(graph, t)) return true;
  return node.op.domain == "tflite" &&
         (node.op.name == "IF" || node.op.name == "WHILE" || node.op.name == "CALL_ONCE");
}

std::vector<NodeSubset> partition_nodes(const Graph& graph, const std::vector<bool>& delegated,
                                        const PartitionOptions& options) {
  return Partitioner(graph, delegated, options).run();
}

PartitionReport analyze_partitions(const Model& model, uint32_t graph_index,
                                   const DelegateRules& rules, const PartitionOptions& options) {
  if (graph_index >= model.graphs.size())
    throw ModelError(model.path, fmt::format("graph {}", graph_index),
                     fmt::format("no such graph (the model has {})", model.graphs.size()));
  const Graph& graph = model.graphs[graph_index];
  PartitionReport report;
  report.delegate_name = rules.name();
  report.delegate_description = rules.description();
  report.target_label = rules.target_label();
  report.source = rules.source();
  report.graph = graph_index;
  report.options = options;

  std::vector<Verdict> verdicts = rules.claim_all(model, graph);
  verdicts.resize(graph.nodes.size());
  std::vector<bool> delegated(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) delegated[n] = verdicts[n].claimed;

  report.nodes.resize(graph.nodes.size());
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    report.nodes[n].node = static_cast<uint32_t>(n);
    report.nodes[n].verdict = std::move(verdicts[n]);
  }

  // GraphPartitionHelper: preview the partitions, keep the N largest (stopping at the first one
  // below the minimum size), then let the core re-partition with only those nodes.
  const PartitionLimits& limits = options.limits;
  if (limits.max_partitions > 0 || limits.min_nodes_per_partition > 0) {
    const std::vector<NodeSubset> preview = partition_nodes(graph, delegated, options);
    std::vector<const NodeSubset*> candidates;
    for (const NodeSubset& s : preview)
      if (s.kind == NodeSubset::Kind::Delegate) candidates.push_back(&s);
    // TFLite sorts by size only; stable_sort keeps plan order among equal sizes so results are
    // deterministic.
    std::stable_sort(
        candidates.begin(), candidates.end(),
        [](const NodeSubset* a, const NodeSubset* b) { return a->nodes.size() > b->nodes.size(); });
    const size_t max_keep =
        limits.max_partitions > 0 ? static_cast<size_t>(limits.max_partitions) : candidates.size();
    std::vector<bool> kept(graph.nodes.size(), false);
    for (size_t i = 0; i < candidates.size(); ++i) {
      const NodeSubset& s = *candidates[i];
      std::string note;
      if (i >= max_keep)
        note = fmt::format(
            "claimed, but its partition ({} nodes) is not among the {} largest "
            "(max partitions = {})",
            s.nodes.size(), max_keep, limits.max_partitions);
      else if (static_cast<int>(s.nodes.size()) < limits.min_nodes_per_partition)
        note = fmt::format(
            "claimed, but its partition has {} nodes, fewer than the minimum of {} "
            "(min nodes per partition)",
            s.nodes.size(), limits.min_nodes_per_partition);
      if (note.empty()) {
        for (uint32_t n : s.nodes) kept[n] = true;
        continue;
      }
      // GetFirstNLargestPartitions stops at the first partition that is too small, so every
      // smaller one is dropped as well.
      for (size_t j = i; j < candidates.size(); ++j)
        for (uint32_t n : candidates[j]->nodes)
          if (report.nodes[n].placement_note.empty()) report.nodes[n].placement_note = note;
      break;
    }
    delegated = kept;
  }

  report.subsets = partition_nodes(graph, delegated, options);
  for (size_t s = 0; s < report.subsets.size(); ++s) {
    const NodeSubset& subset = report.subsets[s];
    const bool on_delegate = subset.kind == NodeSubset::Kind::Delegate;
    if (on_delegate) ++report.delegate_partitions;
    for (uint32_t n : subset.nodes) {
      NodePlacement& placement = report.nodes[n];
      placement.subset = static_cast<int>(s);
      placement.delegated = on_delegate;
      if (on_delegate)
        ++report.delegate_ops;
      else
        ++report.cpu_ops;
      if (!on_delegate && placement.verdict.claimed) ++report.claimed_but_dropped;
    }
  }
  return report;
}

std::string summary_line(const PartitionReport& report) {
  return fmt::format("CPU operators = {} / {} operators = {}", report.cpu_ops, report.target_label,
                     report.delegate_ops);
}

std::vector<Verdict> DelegateRules::claim_all(const Model& model, const Graph& graph) const {
  std::vector<Verdict> verdicts;
  verdicts.reserve(graph.nodes.size());
  for (const Node& node : graph.nodes) verdicts.push_back(claim(model, graph, node));
  return verdicts;
}

}  // namespace edgelens::delegate
