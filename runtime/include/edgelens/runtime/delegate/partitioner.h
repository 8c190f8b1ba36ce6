// TFLite's graph partitioning, reimplemented: PartitionGraphIntoIndependentNodeSubsets (epochs,
// greedy clustering that respects data dependencies, control edges chaining ops that might have
// side effects) and GraphPartitionHelper's "N largest partitions, at least M nodes" selection.
// Source: ../shared/notes/xnnpack-delegate-and-partitioning.md sections 2.4 and 2.5.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/delegate/delegate_rules.h"

namespace edgelens::delegate {

struct NodeSubset {
  enum class Kind { Cpu, Delegate };
  Kind kind = Kind::Cpu;
  std::vector<uint32_t> nodes;         // plan order
  std::vector<int32_t> input_tensors;  // sorted, unique (constants included, as in TFLite)
  std::vector<int32_t>
      output_tensors;  // sorted, unique: consumed by a later subset or graph outputs
};

struct PartitionOptions {
  // !DisableDelegateClustering(): pull independent delegated nodes forward into an earlier
  // delegated epoch (TFLite's default).
  bool greedy = true;
  // experimental_preserve_all_tensors / DisableDelegateNodeFusion: one node per subset, so every
  // delegated node is its own partition and all intermediate tensors stay observable.
  bool preserve_all_tensors = false;
  PartitionLimits limits;
};

// Core partitioner. `delegated[n]` says whether node n is handed to the delegate. Throws
// edgelens::ModelError when some node can never run (an input no node produces before it and that
// is not a graph input or constant, i.e. a cycle).
std::vector<NodeSubset> partition_nodes(const Graph& graph, const std::vector<bool>& delegated,
                                        const PartitionOptions& options);

// TFLite's OpMightHaveSideEffect: resource-typed inputs/outputs, or IF / WHILE / CALL_ONCE.
bool might_have_side_effect(const Graph& graph, const Node& node);

struct NodePlacement {
  uint32_t node = 0;
  Verdict verdict;         // the delegate's claim
  bool delegated = false;  // final placement (a claimed node can be dropped by partition limits)
  int subset = -1;         // index into PartitionReport::subsets
  std::string placement_note;  // why a claimed node still runs on the CPU (partition limit)
};

struct PartitionReport {
  std::string delegate_name;
  std::string delegate_description;
  std::string target_label;  // "delegate", "GPU", "NPU"
  std::string source;
  uint32_t graph = 0;
  PartitionOptions options;
  std::vector<NodeSubset> subsets;   // execution order after delegation
  std::vector<NodePlacement> nodes;  // indexed by node id
  int cpu_ops = 0;
  int delegate_ops = 0;
  int delegate_partitions = 0;
  int claimed_but_dropped = 0;  // claimed nodes left on the CPU by max_partitions/min_nodes
};

// Claims every node of model.graphs[graph] with `rules`, partitions like TFLite (XNNPACK: every
// claimed node; helper-based delegates: re-partition with the N largest partitions kept).
PartitionReport analyze_partitions(const Model& model, uint32_t graph, const DelegateRules& rules,
                                   const PartitionOptions& options);

// "CPU operators = 3 / NPU operators = 61" (Arm Vela's summary line).
std::string summary_line(const PartitionReport& report);

}  // namespace edgelens::delegate
