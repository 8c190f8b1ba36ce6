// The interpreter: runs a Model's TFLite graphs with the registered kernels.
//
// Construction builds every graph's tensors, prepares every node in execution order (shape
// propagation, validation) and plans memory. Nothing runs yet: unsupported() lists every node that
// cannot run (op, node, why) so callers can report all of them before invoke() — which refuses to
// run (throws UnsupportedModel) when the list is not empty.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/delegate/xnnpack_delegate.h"
#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime {

class Observer;

struct InterpreterOptions {
  // Every tensor gets its own buffer, so all intermediates remain readable after invoke() (capture,
  // --dump-tensors). Off: tensors share one arena by lifetime.
  bool keep_all_tensors = false;
  // "xnnpack": graph-0 nodes claimed by the XNNPACK rules run as XNNPACK partitions, one delegate
  // kernel per partition (delegate/xnnpack_delegate.h). Empty: reference kernels only.
  std::string delegate{};
  int threads = 1;  // delegate thread pool size
  // One delegate partition per node (TFLite's experimental_preserve_all_tensors): every node's
  // output stays observable, at a speed cost.
  bool preserve_all_tensors = false;
  // A WHILE node stops with an error naming the node and the iteration count once one invocation
  // of it has run this many body iterations: a model whose loop never ends on some input (TFLite's
  // nested_while test model on 0.0) must not hang the tool. 0 = no limit.
  int64_t max_while_iterations = 1'000'000;
};

struct UnsupportedNode {
  uint32_t graph = 0;
  uint32_t node = 0;
  std::string op;
  DType dtype = DType::Unknown;  // the key dtype that was looked up
  std::string why;
  std::string to_string() const;  // "node 12 (CONV_2D, int4): no kernel for ..."
};

class UnsupportedModel : public std::runtime_error {
 public:
  explicit UnsupportedModel(std::vector<UnsupportedNode> nodes);
  const std::vector<UnsupportedNode>& nodes() const { return nodes_; }

 private:
  std::vector<UnsupportedNode> nodes_;
};

struct MemoryReport {
  size_t arena_bytes = 0;            // planned activation arena (all graphs)
  size_t naive_bytes = 0;            // sum of every non-constant, non-variable tensor's size
  size_t variable_bytes = 0;         // persistent state (variable tensors)
  size_t constant_bytes = 0;         // constants used in place (zero copy)
  size_t copied_constant_bytes = 0;  // constants that had to be copied (misaligned, FLOAT16 ...)
  size_t dynamic_bytes = 0;          // heap buffers of data-dependent shapes (last invoke)
};

// One planned placement (for tests and reports).
struct TensorPlacement {
  uint32_t tensor = 0;
  size_t offset = 0, bytes = 0;
  int32_t first_node = 0, last_node = 0;  // lifetime in execution steps (inclusive)
};

class Interpreter {
 public:
  explicit Interpreter(const Model& model, InterpreterOptions options = {});
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  const Model& model() const;
  const InterpreterOptions& options() const;

  // Main graph (graph 0) inputs/outputs.
  size_t input_count() const;
  size_t output_count() const;
  TensorBuffer& input(size_t i);
  const TensorBuffer& output(size_t i) const;
  // Index of the input/output whose tensor name (or signature name) is `name`; -1 when none.
  int find_input(std::string_view name) const;
  int find_output(std::string_view name) const;

  // Changes an input's shape and re-runs shape propagation and planning for graph 0.
  void resize_input(size_t i, std::vector<int64_t> shape);

  const std::vector<UnsupportedNode>& unsupported() const;
  bool ready() const { return unsupported().empty(); }

  // Runs graph 0 once. Throws UnsupportedModel when not ready(); kernels' errors as std::exception
  // naming the node.
  void invoke();
  // Zeroes (or restores from the file) every variable tensor: LSTM/SVDF state.
  void reset_variables();

  // Observers are not owned; they see every node of every graph invoked.
  void add_observer(Observer* observer);
  void remove_observer(Observer* observer);

  size_t graph_count() const;
  const TensorBuffer& tensor(uint32_t graph, uint32_t id) const;
  MemoryReport memory() const;
  std::vector<TensorPlacement> placements(uint32_t graph) const;

  // Delegation of graph 0 (empty unless options().delegate is set).
  const DelegateSummary& delegate_summary() const;
  const std::vector<DelegatePartition>& delegate_partitions() const;
  // Graph 0's steps in run order: nodes and partitions. Without a delegate: every node in order.
  std::vector<PlanStep> execution_plan() const;

  // One output of a node recomputed by its reference kernel (delegate drift).
  struct ReferenceOutput {
    DType dtype = DType::Unknown;
    std::vector<int64_t> shape;
    std::vector<std::byte> data;
  };
  // Runs graph-0 node `node` on its reference kernel with the tensors as they are now (after an
  // invoke with keep_all_tensors) into fresh buffers; the interpreter's tensors are unchanged.
  std::vector<ReferenceOutput> run_reference_node(uint32_t node);

  struct Impl;

 private:
  friend struct ImplAccess;  // runtime-internal hooks that are not Impl members (delegate/)
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgelens::runtime
