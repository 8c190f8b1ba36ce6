// Internals of the XNNPACK execution delegate: one XNNPACK subgraph + runtime per partition.
// xnnpack_exec.cpp plans (claims, partitions, builds) and runs partitions; xnnpack_exec_nodes.cpp
// turns one TFLite node into XNNPACK subgraph nodes; xnnpack_exec_drift.cpp compares delegated
// outputs with the reference kernels.
#pragma once

#include <xnnpack.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../interpreter_internal.h"

namespace edgelens::runtime::xnnexec {

// A node XNNPACK refused at definition time (the claim rules should have refused it first).
class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PthreadpoolDeleter {
  void operator()(pthreadpool_t pool) const { pthreadpool_destroy(pool); }
};
struct RuntimeDeleter {
  void operator()(xnn_runtime_t runtime) const { xnn_delete_runtime(runtime); }
};
struct SubgraphDeleter {
  void operator()(xnn_subgraph_t subgraph) const { xnn_delete_subgraph(subgraph); }
};

struct PartitionRuntime {
  std::unique_ptr<xnn_runtime, RuntimeDeleter> runtime;  // null: nothing for XNNPACK to run
  std::vector<std::pair<uint32_t, int32_t>> externals;   // (external value id, tensor id)
  std::vector<void*> bound;                              // data pointers at the last setup
  std::vector<int32_t> copy_static_outputs;          // unpacked weights that must be materialized
  std::vector<const TensorBuffer*> inputs, outputs;  // for observers
};

struct XnnpackDelegate {
  std::unique_ptr<pthreadpool, PthreadpoolDeleter> pool;  // null = run on the calling thread
  // Static data XNNPACK reads instead of the model's: float16 constants as float32, weights
  // unpacked by DEQUANTIZE/DENSIFY nodes at prepare time (by tensor id, raw bytes of the tensor's
  // dtype, or float32 when `as_float32`).
  std::map<int32_t, std::vector<std::byte>> unpacked;  // the unpack node's own output bytes
  std::map<int32_t, std::vector<float>> float32;       // float16 statics converted
  std::vector<bool> quasi_static;                      // by tensor id
  std::deque<std::vector<float>> scales;   // per-channel scales XNNPACK keeps pointers to
  std::vector<PartitionRuntime> runtimes;  // by partition id
};

// Defines XNNPACK values for TFLite tensors of one partition.
class SubgraphBuilder {
 public:
  SubgraphBuilder(xnn_subgraph_t subgraph, GraphExec& graph, XnnpackDelegate& delegate,
                  std::map<int32_t, uint32_t> external_ids, std::vector<int32_t> external_outputs);

  // The XNNPACK value of a tensor (defined on first use): static data for constants and unpacked
  // weights, external for partition inputs/outputs, internal otherwise.
  uint32_t value(int32_t tensor);
  // A static tensor defined with other dims (same element count), e.g. a [1,1,C] slope as [C].
  uint32_t static_value_with_dims(int32_t tensor, const std::vector<size_t>& dims);
  // int32 bias as XNNPACK pairs it with the filter: qint32 for a per-tensor filter, qcint32 for a
  // per-channel one (scales input x filter[c] when the file leaves them out).
  uint32_t bias_value(int32_t bias, int32_t input, int32_t filter);

  const TensorBuffer& tensor(int32_t id) const;
  bool is_static(int32_t id) const;
  xnn_subgraph_t subgraph() const { return subgraph_; }
  int defined_nodes = 0;  // XNNPACK nodes added by define_node

 private:
  uint32_t define(int32_t tensor, const std::vector<size_t>& dims, uint32_t external_id,
                  uint32_t flags);
  const void* static_data(int32_t tensor);
  xnn_subgraph_t subgraph_;
  GraphExec& graph_;
  XnnpackDelegate& delegate_;
  std::map<int32_t, uint32_t> external_ids_;
  std::vector<int32_t> external_outputs_;
  std::map<int32_t, uint32_t> values_;
};

// Adds the XNNPACK node(s) for one claimed node; throws BuildError with XNNPACK's refusal.
void define_node(SubgraphBuilder& builder, const Node& node);

// XNNPACK status as text.
const char* status_name(xnn_status status);

}  // namespace edgelens::runtime::xnnexec
