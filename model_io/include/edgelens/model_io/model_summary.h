// What `edgelens info` reports about a model, computed once from the IR so the CLI and the GUI's
// overview panel show the same figures.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens {

// One graph input or output as a user sees it.
struct IoSummary {
  std::string name;
  uint32_t tensor = 0;
  DType dtype = DType::Unknown;
  std::vector<int64_t> shape;         // -1 where shape_signature marks a dynamic dim
  std::vector<int64_t> static_shape;  // as stored in the file
  bool has_rank = true;
  std::string quantization;   // one line, "" when not quantized (see quantization_summary)
  std::vector<float> scales;  // copied from the IR so callers need not look it up
  std::vector<int64_t> zero_points;
  int32_t quantized_axis = 0;
};

struct GraphSummary {
  uint32_t index = 0;
  std::string name;
  GraphKind kind = GraphKind::Subgraph;
  std::size_t node_count = 0;
  std::size_t tensor_count = 0;
  std::size_t constant_count = 0;
  std::map<std::string, std::size_t> op_histogram;  // op name -> nodes running it
  std::vector<IoSummary> inputs, outputs;
  int32_t parent_graph = -1;  // DelegateBlob graphs: who calls them
  int32_t parent_node = -1;
};

// Constant tensors of one element type. Tensors that share the same bytes are counted once.
struct ParameterSummary {
  DType dtype = DType::Unknown;
  std::size_t tensors = 0;
  uint64_t elements = 0;
  uint64_t bytes = 0;
};

struct SignatureSummary {
  std::string key;
  uint32_t graph = 0;
  std::vector<std::string> inputs, outputs;  // signature names
};

struct ModelSummary {
  std::string path;
  uint64_t file_bytes = 0;
  ModelFormat format = ModelFormat::TFLite;
  std::string description;
  uint32_t schema_version = 0;
  std::vector<GraphSummary> graphs;
  std::map<std::string, std::size_t> op_histogram;  // over every graph
  std::size_t node_count = 0;                       // over every graph
  std::vector<ParameterSummary> parameters;         // by dtype, largest bytes first
  uint64_t parameter_count = 0;
  uint64_t parameter_bytes = 0;
  std::vector<IoSummary> inputs, outputs;         // of graphs[0], the main graph / first method
  std::map<std::string, std::size_t> custom_ops;  // custom op name -> uses
  std::vector<DelegateInfo> delegates;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<SignatureSummary> signatures;
  std::vector<std::string> warnings;
};

ModelSummary summarize(const Model& model);

// "scale 0.0186 zero_point -14", "per-channel axis 0: 32 scales in [a, b]", "blockwise (block 32)",
// "custom", "range [min, max]" (calibration only), or "" when the tensor is not quantized.
std::string quantization_summary(const Quantization& quant);
// "[1,224,224,3]" or "[-1,1]"; "<unranked>" when the tensor has no rank.
std::string shape_to_string(const std::vector<int64_t>& shape, bool has_rank = true);
std::string_view graph_kind_name(GraphKind kind);

nlohmann::ordered_json to_json(const ModelSummary& summary);
std::string to_text(const ModelSummary& summary);

}  // namespace edgelens
