// Interpreter internals shared by interpreter.cpp, node_context.cpp and planner.cpp.
#pragma once

#include <memory>
#include <vector>

#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/kernel.h"
#include "edgelens/runtime/observer.h"

namespace edgelens::runtime {

struct NodeExec {
  const Node* node = nullptr;
  const Kernel* kernel = nullptr;
  DType key_dtype = DType::Unknown;
  std::shared_ptr<void> state;
  bool deferred = false;  // an input's shape is known only at eval: prepare runs just before eval
  bool ok = true;         // prepared without Unsupported
  std::vector<const TensorBuffer*> inputs, outputs;  // for observers (null = absent input)
};

struct GraphExec {
  uint32_t index = 0;
  const Graph* graph = nullptr;
  std::vector<TensorBuffer> tensors;
  std::vector<std::vector<std::byte>> owned;       // per tensor: heap storage when not in the arena
  std::vector<std::vector<int64_t>> input_shapes;  // overrides for graph inputs (resize)
  std::vector<NodeExec> nodes;
  std::vector<std::byte> arena;
  std::vector<TensorPlacement> placements;
  std::vector<PlanStep> steps;  // run order; empty = every node in order (no delegate)
  size_t naive_bytes = 0, copied_constant_bytes = 0, constant_bytes = 0, variable_bytes = 0;
  bool prepared = false;
};

struct NodeContext::Binding {
  Interpreter::Impl* impl = nullptr;
  GraphExec* graph = nullptr;
  NodeExec* exec = nullptr;
  uint32_t node_index = 0;
  bool in_eval = false;
};

namespace xnnexec {
struct XnnpackDelegate;  // delegate/xnnpack_exec.cpp: thread pool, unpacked weights, runtimes
}

struct Interpreter::Impl {
  const Model& model;
  InterpreterOptions options;
  std::vector<GraphExec> graphs;
  std::vector<Observer*> observers;
  std::vector<UnsupportedNode> unsupported;
  Interpreter* self = nullptr;
  // Delegation of graph 0 (delegate/xnnpack_exec.cpp).
  DelegateSummary delegate_summary;
  std::vector<DelegatePartition> partitions;
  std::shared_ptr<xnnexec::XnnpackDelegate> xnnpack;

  Impl(const Model& m, InterpreterOptions o) : model(m), options(std::move(o)) {}
  void prepare_graph(uint32_t g);
  void run_graph(uint32_t g);
  void reset_variables(GraphExec& graph);
  // Gives a tensor its own heap buffer of its current byte size (dynamic shapes, keep-all).
  void allocate_owned(GraphExec& graph, uint32_t tensor);
  // After every node of graph 0 is prepared: claim, partition and build the XNNPACK runtimes;
  // fills graph.steps, partitions and delegate_summary (delegate/xnnpack_exec.cpp).
  void plan_delegate(GraphExec& graph);
  // Runs one delegated partition (one plan step).
  void run_partition(GraphExec& graph, uint32_t partition);
  // Evaluates node `ni` on its reference kernel with outputs redirected into `outputs` (one
  // buffer per output, sized here); the graph's tensors are left as they were.
  void eval_reference_into(GraphExec& graph, uint32_t ni,
                           std::vector<std::vector<std::byte>>& outputs);
};

// Greedy-by-size arena plan: sets offsets for `tensors` (bytes > 0) so that no two whose lifetimes
// intersect overlap; returns the arena size. Offsets are 64-byte aligned.
size_t plan_arena(std::vector<TensorPlacement>& tensors);

}  // namespace edgelens::runtime
