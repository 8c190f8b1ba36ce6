// Model Explorer node data (google-ai-edge/model-explorer node_data_builder.py): per-node values a
// pipeline computed, shown over the graph. The file is either a ModelNodeData
//   {"<graph id>": {"results": {"<node key>": {"value": v, "bgColor"?, "textColor"?}},
//                   "thresholds"?: [{"value", "bgColor", "textColor"?}],
//                   "gradient"?: [{"stop", "bgColor"?, "textColor"?}], "name"?}}
// or one GraphNodeData (the inner object) applying to the graph shown. A node key is the node's
// Model Explorer id (the op index in `edgelens dump --format model-explorer`) or the name of one of
// its output tensors. Values are numbers; strings are accepted as labels (no numeric value).
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens {

struct NodeDataResult {
  std::string key;
  std::optional<double> value;  // nullopt: a non-numeric value (kept in `label`) or JSON null
  std::string label;            // string values
  std::string bg_color, text_color;
  friend bool operator==(const NodeDataResult&, const NodeDataResult&) = default;
};
struct NodeDataThreshold {
  double value = 0;
  std::string bg_color, text_color;
  friend bool operator==(const NodeDataThreshold&, const NodeDataThreshold&) = default;
};
struct NodeDataGradientStop {
  double stop = 0;
  std::string bg_color, text_color;
  friend bool operator==(const NodeDataGradientStop&, const NodeDataGradientStop&) = default;
};
struct GraphNodeData {
  std::string name;                     // optional display name of the data set
  std::vector<NodeDataResult> results;  // in file order
  std::vector<NodeDataThreshold> thresholds;
  std::vector<NodeDataGradientStop> gradient;
  friend bool operator==(const GraphNodeData&, const GraphNodeData&) = default;
};
struct ModelNodeData {
  // (graph id, data); a file holding one bare GraphNodeData reads as one entry with id "".
  std::vector<std::pair<std::string, GraphNodeData>> graphs;
  friend bool operator==(const ModelNodeData&, const ModelNodeData&) = default;

  // The data for IR graph `graph` of `model`: by its Model Explorer graph id, or the bare entry
  // for graph 0. nullptr when there is none.
  const GraphNodeData* for_graph(const Model& model, std::size_t graph) const;
};

// Throws ModelError(file, "JSON /pointer" or "byte N", problem) on anything it cannot read.
ModelNodeData read_node_data(std::string_view json_text, const std::string& file);
ModelNodeData read_node_data_file(const std::filesystem::path& path);
// ModelNodeData as Model Explorer reads it (a bare entry "" is written as a bare GraphNodeData).
nlohmann::ordered_json node_data_json(const ModelNodeData& data);

// The result for each node of graph `graph` (index = node id; nullptr = none), resolving keys by
// Model Explorer node id and then by output tensor name. `unmatched` (optional) receives the keys
// that name no node.
std::vector<const NodeDataResult*> node_data_results(const GraphNodeData& data, const Model& model,
                                                     std::size_t graph,
                                                     std::vector<std::string>* unmatched = nullptr);
// Their numeric values (nullopt = no result or not a number).
std::vector<std::optional<double>> node_data_values(const GraphNodeData& data, const Model& model,
                                                    std::size_t graph);
// The node a key names in graph `graph`, or -1.
int node_for_key(const Model& model, std::size_t graph, std::string_view key);

}  // namespace edgelens
