// The format-neutral model IR. Every reader turns a file into this; every other part of EdgeLens
// (runtime, layout, inspectors, CLI) reads only this.
//
// Ownership: a Model keeps the mapped file alive (`file`), and constant tensor data are spans into
// it, so opening a model never copies weights. Data that had to be materialised (e.g. decoded from
// a non-contiguous source) lives in `Model::owned_data` and is referenced the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "edgelens/model_io/dtype.h"
#include "edgelens/model_io/mapped_file.h"

namespace edgelens {

enum class ModelFormat { TFLite, ExecuTorch, ExecuTorchBundled, ModelExplorerJson };
std::string_view format_name(ModelFormat format);

// Affine quantization: real = scale * (q - zero_point). Per-tensor when scales.size() == 1,
// per-channel along `axis` otherwise.
struct Blockwise {
  int32_t scales_tensor = -1;       // tensor holding the block scales
  int32_t zero_points_tensor = -1;  // -1 = symmetric
  int32_t block_size = 0;
};
struct Quantization {
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  int32_t axis = 0;             // quantized_dimension; meaningful only when scales.size() > 1
  std::vector<float> min, max;  // calibration ranges when the file records them
  std::optional<Blockwise> blockwise;
  bool custom = false;  // CustomQuantization: opaque, not interpretable
  bool empty() const { return scales.empty() && min.empty() && !blockwise && !custom; }
  bool per_channel() const { return scales.size() > 1; }
};

struct SparseDimension {
  bool sparse_csr = false;
  int32_t dense_size = 0;
  std::vector<int32_t> segments, indices;  // CSR arrays when sparse_csr
};
struct Sparsity {
  std::vector<int32_t> traversal_order;
  std::vector<int32_t> block_map;
  std::vector<SparseDimension> dims;
};

// Where an ExecuTorch value lives when the memory planner placed it.
struct MemoryPlacement {
  uint32_t memory_id = 0;
  uint64_t offset = 0;
};

struct Tensor {
  uint32_t id = 0;  // index in Graph::tensors (stable)
  std::string name;
  DType dtype = DType::Unknown;
  std::vector<int64_t> shape;  // static shape as stored (dynamic dims hold 1 or the bound)
  std::vector<int64_t> shape_signature;  // -1 marks a dynamic dim; empty when the file has none
  bool has_rank = true;
  Quantization quant;
  std::span<const std::byte> data;  // constant contents, a view into the mapped file
  bool is_constant = false;         // has data in the file (data may be empty for 0-size)
  bool is_variable = false;         // TFLite variable tensor (state); ExecuTorch mutable buffer
  std::optional<Sparsity> sparsity;
  std::optional<MemoryPlacement> placement;  // ExecuTorch memory-planned activation
  std::vector<uint8_t> dim_order;            // ExecuTorch; empty = contiguous
  uint64_t external_offset = 0;  // where the data sit in the file (for reports), 0 if n/a
  int32_t data_file = -1;        // data (and external_offset) are in Model::data_files[data_file]
  // Formats that describe tensors without holding them (Model Explorer graph JSON) give only text:
  // kept as given, shown as is, never interpreted. -1 / "" when the file holds the real thing.
  int64_t described_bytes = -1;
  std::string described_quantization;
  int64_t element_count() const;  // product of shape (1 for rank 0); -1 on overflow
  int64_t byte_size() const;      // element_count * dtype bits / 8 rounded up; -1 if unknown
};

// Attribute values are small and typed; tensors are never attributes.
using AttrValue = std::variant<std::monostate, bool, int64_t, double, std::string,
                               std::vector<int64_t>, std::vector<double>, std::vector<std::string>>;
struct Attribute {
  std::string name;
  AttrValue value;
};
std::string attr_to_string(const AttrValue& value);

// Which op a node runs. `name` is canonical across formats within a domain:
//   tflite   : builtin name ("CONV_2D") or the custom code for CUSTOM
//   ("Convolution2DTransposeBias") aten     : "aten::add.out" (operator name + '.' + overload when
//   an overload exists) xnnpack  : the XNode union member without prefix ("Conv2d",
//   "FullyConnected") delegate : ExecuTorch DelegateCall, name = backend id ("XnnpackBackend")
struct Op {
  std::string domain;  // "tflite", "aten", "xnnpack", "delegate", "executorch"
  std::string name;
  int32_t code = -1;  // builtin code for tflite (32 = CUSTOM), union type for xnnpack
  int32_t version = 1;
  bool custom = false;  // tflite custom op
};

struct Node {
  uint32_t id = 0;  // index in Graph::nodes (stable, execution order)
  Op op;
  std::vector<int32_t> inputs;   // tensor ids; -1 = optional input left out
  std::vector<int32_t> outputs;  // tensor ids
  std::vector<int32_t> intermediates;
  std::vector<Attribute> attrs;
  std::vector<uint32_t>
      called_graphs;  // WHILE cond/body, IF then/else, CALL_ONCE init, delegate blob
  std::span<const std::byte> custom_options;  // raw custom options / delegate blob
  std::string ns;          // namespace path ("model/block_3/conv"), filled by readers when obvious
  std::string debug_info;  // stack trace / debug handle / source location, human readable

  const Attribute* find_attr(std::string_view name) const;
  std::optional<int64_t> attr_int(std::string_view name) const;
  std::optional<double> attr_float(std::string_view name) const;
  std::optional<std::string> attr_string(std::string_view name) const;
};

enum class GraphKind {
  Subgraph,      // .tflite subgraph
  Method,        // .pte execution plan
  DelegateBlob,  // decoded delegate payload (e.g. XNNPACK XNNGraph inside a .pte)
};

struct Graph {
  std::string name;
  GraphKind kind = GraphKind::Subgraph;
  std::vector<Node> nodes;
  std::vector<Tensor> tensors;
  std::vector<int32_t> inputs;   // tensor ids
  std::vector<int32_t> outputs;  // tensor ids
  int32_t parent_graph = -1;     // for DelegateBlob: the graph and node that calls it
  int32_t parent_node = -1;
};

struct SignatureTensor {
  std::string name;
  uint32_t tensor = 0;
};
struct Signature {
  std::string key;
  uint32_t graph = 0;
  std::vector<SignatureTensor> inputs, outputs;
};

// A delegate payload found in the file (ExecuTorch DelegateCall, TFLite NPU dispatch custom op).
struct DelegateInfo {
  std::string backend;  // "XnnpackBackend", "QnnBackend", "DISPATCH_OP" ...
  uint32_t graph = 0;   // graph/node that invokes it
  uint32_t node = 0;
  uint64_t blob_bytes = 0;
  std::vector<std::pair<std::string, std::string>> compile_specs;  // value shown as text or hex
  int32_t decoded_graph = -1;  // index of the DelegateBlob graph when decoded, else -1
};

struct Model {
  ModelFormat format = ModelFormat::TFLite;
  std::string path;
  std::string description;  // TFLite description / producer string
  uint32_t schema_version = 0;
  std::vector<std::pair<std::string, std::string>> metadata;  // name -> printable value
  std::vector<Signature> signatures;
  std::vector<Graph> graphs;  // graphs[0] is the main graph / first method
  std::vector<DelegateInfo> delegates;
  std::vector<std::string> warnings;  // non-fatal oddities found while reading

  std::shared_ptr<const MappedFile> file;                     // keeps tensor data views alive
  std::vector<std::shared_ptr<const MappedFile>> data_files;  // external weights (.ptd) in use
  std::vector<std::vector<std::byte>> owned_data;  // storage for data that could not be a view
};

}  // namespace edgelens
