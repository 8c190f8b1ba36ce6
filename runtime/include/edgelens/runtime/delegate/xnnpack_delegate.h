// Running claimed nodes through XNNPACK (Debian libXNNPACK 2022-02-16, subgraph API).
//
// With InterpreterOptions::delegate = "xnnpack", the interpreter claims graph-0 nodes with the
// "xnnpack-local" rules (xnnpack_rules.h: TFLite's rules restricted to what this library can
// build), partitions them with TFLite's partitioner (partitioner.h) and runs every delegated
// partition as ONE step of its plan: one XNNPACK subgraph/runtime per partition, on a pthreadpool
// of InterpreterOptions::threads threads. Everything else runs on the reference kernels.
//
// What a partition keeps: the graph-0 node ids it replaced (profiling maps its time back to them),
// the tensors it reads and writes (materialized in the interpreter's arena; tensors internal to a
// partition live only inside XNNPACK and are not readable afterwards), and what XNNPACK built.
//
// Observers see a partition as one NodeEvent whose `partition` field points at it (node_index and
// node are the partition's first node; inputs/outputs are the partition's materialized tensors).
// With preserve_all_tensors every delegated node is its own partition (TFLite's
// experimental_preserve_all_tensors), so every node's output is materialized and observers see one
// event per node as in reference mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgelens/model_io/dtype.h"

namespace edgelens::runtime {

class Interpreter;

// One delegate kernel (TFLite: a node with builtin code DELEGATE standing for `nodes`).
struct DelegatePartition {
  uint32_t id = 0;                      // index in Interpreter::delegate_partitions()
  uint32_t graph = 0;                   // always 0 (subgraphs run on the reference kernels)
  std::vector<uint32_t> nodes;          // replaced node ids, in the partition's order
  std::vector<int32_t> input_tensors;   // materialized tensors it reads (constants excluded)
  std::vector<int32_t> output_tensors;  // materialized tensors it writes
  int xnn_nodes = 0;  // XNNPACK subgraph nodes defined (weight-unpacking nodes define none)
  std::string label;  // "XNNPACK partition 3 (12 nodes)"
};

// One step of graph 0's execution plan, in run order.
struct PlanStep {
  bool delegated = false;  // true: a partition; false: one node on its reference kernel
  uint32_t index = 0;      // partition id when delegated, node id otherwise
};

// What delegation did to graph 0 (empty delegate name = reference kernels only).
struct DelegateSummary {
  std::string delegate;  // "xnnpack"
  std::string rules;     // rule set that claimed the nodes ("xnnpack-local")
  int threads = 1;
  bool preserve_all_tensors = false;
  int delegated_nodes = 0;  // nodes inside partitions
  int cpu_nodes = 0;        // nodes on the reference kernels
  int partitions = 0;
  // Claimed nodes that still run on the reference kernels, with why ("node 12 (CONV_2D): its input
  // shape is known only at run time"). Empty on every fixture: a claim the runtime cannot build is
  // a bug in the claim rules.
  std::vector<std::string> fallbacks;
  // Nodes the claim rules refused, with the rule's reason (same text as `edgelens partition`).
  std::vector<std::pair<uint32_t, std::string>> refused;
};

// ---- delegate numeric drift (preserve-all-tensors mode) ----------------------------------------
// For each delegated node: its XNNPACK output against the reference kernel's output computed on
// the very same inputs (the tensors the delegated run produced), so each number is the node's own
// drift, not drift accumulated upstream.
struct NodeDrift {
  uint32_t node = 0;
  std::string op;
  uint32_t output = 0;  // output index of the node
  int32_t tensor = -1;  // tensor id
  std::string tensor_name;
  DType dtype = DType::Unknown;
  int64_t elements = 0;
  // Float outputs compare values; quantized outputs compare raw integers (quantization steps).
  double max_abs = 0;  // max |delegated - reference|
  double max_ref = 0;  // max |reference| over the tensor
  // max_abs relative to the tensor's scale: max_abs / max(max_ref, kDriftRelFloor). (Element-wise
  // ratios explode where the reference is ~0; the acceptance tests use this same measure.)
  double max_rel = 0;
  int64_t worst = -1;    // flat index of the max_abs element
  bool skipped = false;  // not compared (e.g. a weight-unpacking node) ...
  std::string note;      // ... and why
};

// Requires an interpreter built with delegate = "xnnpack", preserve_all_tensors = true and
// keep_all_tensors = true, invoked once. Throws std::logic_error otherwise.
std::vector<NodeDrift> measure_delegate_drift(Interpreter& interpreter);

// Relative error denominator floor: max_rel = |d| / max(|ref|, kDriftRelFloor).
inline constexpr double kDriftRelFloor = 1e-6;

}  // namespace edgelens::runtime
