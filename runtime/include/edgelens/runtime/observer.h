// Observers see every node the interpreter runs (begin/end, with its tensors). Capture, statistics,
// NaN/Inf search and timing are observers, not special cases in the run loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime {

class Interpreter;
struct DelegatePartition;

struct NodeEvent {
  uint32_t graph = 0;
  uint32_t node_index = 0;
  const Node* node = nullptr;
  std::span<const TensorBuffer* const> inputs;  // null entries for absent optional inputs
  std::span<const TensorBuffer* const> outputs;
  // Set when a delegate kernel ran a whole partition as one step: node_index/node are its first
  // node, inputs/outputs its materialized tensors, partition->nodes every node it stands for.
  const DelegatePartition* partition = nullptr;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_invoke_begin(const Interpreter&) {}
  virtual void on_node_begin(const NodeEvent&) {}
  virtual void on_node_end(const NodeEvent&) {}
  virtual void on_invoke_end(const Interpreter&) {}
};

// ---- statistics ----------------------------------------------------------------------------
struct TensorStats {
  int64_t count = 0;                           // elements
  double min = 0, max = 0, mean = 0, std = 0;  // over finite values (dequantized when quantized)
  int64_t nan_count = 0, inf_count = 0, zero_count = 0;
  double zero_fraction() const { return count ? double(zero_count) / double(count) : 0.0; }
  std::vector<int64_t> histogram;  // `bins` equal bins over [min, max]
};
// Statistics of one tensor's current data; quantized integers are dequantized first.
TensorStats compute_stats(const TensorBuffer& tensor, int bins = 32);

// ---- tensor capture --------------------------------------------------------------------------
// Copies node outputs as they are produced (the arena reuses memory, so capture must copy).
struct CaptureOptions {
  std::vector<uint32_t> nodes;        // graph-0 node indices to capture; empty = every node
  bool include_inputs = true;         // graph inputs (captured at invoke begin)
  size_t memory_budget = 256u << 20;  // bytes kept in memory; past it tensors spill to .npy files
  std::filesystem::path
      spill_dir;  // where spilled tensors go (required once the budget is exceeded)
};
struct CapturedTensor {
  uint32_t graph = 0, tensor = 0;
  int32_t node = -1;  // producing node; -1 for graph inputs
  std::string name;
  DType dtype = DType::Unknown;
  std::vector<int64_t> shape;
  std::vector<std::byte> data;          // empty when spilled
  std::filesystem::path spilled_to;     // set when the data are on disk
  std::vector<std::byte> load() const;  // data from memory or the spill file
};
class TensorCapture : public Observer {
 public:
  explicit TensorCapture(CaptureOptions options = {});
  void on_invoke_begin(const Interpreter& interpreter) override;
  void on_node_end(const NodeEvent& event) override;
  // Graph-0 tensors by tensor id (last value when a tensor is written more than once).
  const std::map<uint32_t, CapturedTensor>& tensors() const { return tensors_; }
  size_t bytes_in_memory() const { return in_memory_; }
  size_t bytes_spilled() const { return spilled_; }

 private:
  void keep(uint32_t graph, int32_t node, const TensorBuffer& tensor);
  CaptureOptions options_;
  std::map<uint32_t, CapturedTensor> tensors_;
  size_t in_memory_ = 0, spilled_ = 0;
};

// ---- statistics per node output -------------------------------------------------------------
struct NodeOutputStats {
  uint32_t graph = 0, node = 0, tensor = 0;
  std::string op, name;
  TensorStats stats;
};
class StatsObserver : public Observer {
 public:
  explicit StatsObserver(int bins = 32) : bins_(bins) {}
  void on_invoke_begin(const Interpreter&) override { results_.clear(); }
  void on_node_end(const NodeEvent& event) override;
  const std::vector<NodeOutputStats>& results() const { return results_; }

 private:
  int bins_;
  std::vector<NodeOutputStats> results_;
};

// ---- first NaN/Inf --------------------------------------------------------------------------
struct NonFiniteHit {
  uint32_t graph = 0, node = 0, tensor = 0;
  std::string op, tensor_name;
  int64_t element = 0;        // flat index of the first non-finite value
  double value = 0;           // NaN or +-Inf
  bool inputs_finite = true;  // all float inputs of the node were finite (the node created it)
};
class NanFinder : public Observer {
 public:
  void on_invoke_begin(const Interpreter&) override { first_.reset(); }
  void on_node_end(const NodeEvent& event) override;
  const std::optional<NonFiniteHit>& first() const { return first_; }

 private:
  std::optional<NonFiniteHit> first_;
};

// ---- timing ---------------------------------------------------------------------------------
struct NodeTiming {
  uint32_t graph = 0, node = 0;
  std::string op;
  std::chrono::nanoseconds total{0};
  int64_t calls = 0;
};
class NodeTimer : public Observer {
 public:
  void on_invoke_begin(const Interpreter&) override;
  void on_node_begin(const NodeEvent& event) override;
  void on_node_end(const NodeEvent& event) override;
  // Accumulated over invokes since the last clear(); graph-0 nodes first, then subgraphs.
  std::vector<NodeTiming> timings() const;
  std::chrono::nanoseconds last_invoke() const { return last_invoke_; }
  void clear() { timings_.clear(); }

 private:
  std::map<std::pair<uint32_t, uint32_t>, NodeTiming> timings_;
  std::vector<std::chrono::steady_clock::time_point> node_starts_;  // nested: WHILE/IF bodies
  std::chrono::steady_clock::time_point invoke_start_;
  std::chrono::nanoseconds last_invoke_{0};
};

}  // namespace edgelens::runtime
