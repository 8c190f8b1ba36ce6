// Model Explorer graph JSON (google-ai-edge/model-explorer): a GraphCollection
// {"label", "graphs": [{"id", "nodes": [...]}]} that Model Explorer's JSON loader opens directly.
// Nodes follow its built-in TFLite adapter: op nodes keep their index as id, and auxiliary
// "GraphInputs", "GraphOutputs" and "pseudo_const" nodes are appended so every incoming edge
// names an existing node. read_model_explorer (readers.h) reads any such collection back into the
// IR (docs/model-explorer.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "edgelens/model_io/model.h"

namespace edgelens {

// Model::metadata key under which a model read from Model Explorer JSON keeps the format its
// writer named in groupNodeAttributes (e.g. "tflite"), so writing it again says the same.
inline constexpr std::string_view kModelExplorerSourceFormat = "source format";

// `label` is the collection label Model Explorer shows (usually the file name).
nlohmann::ordered_json model_explorer_json(const Model& model, const std::string& label);
// The id given to graph `index` in the collection (unique within the model).
std::string model_explorer_graph_id(const Model& model, std::size_t index);

}  // namespace edgelens
