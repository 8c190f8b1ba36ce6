#include <fmt/format.h>

#include <set>
#include <unordered_map>

#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/model_summary.h"

namespace edgelens {

namespace {

using ojson = nlohmann::ordered_json;

ojson key_value(std::string_view key, std::string_view value) {
  return ojson{{"key", std::string(key)}, {"value", std::string(value)}};
}

// "float32[1,224,224,3]" with -1 for dynamic dims: the text Model Explorer's own TFLite adapter
// puts under "tensor_shape", which its UI can show on edges.
std::string tensor_shape_text(const Tensor& t) {
  std::vector<int64_t> dims =
      t.shape_signature.size() == t.shape.size() ? t.shape_signature : t.shape;
  if (!t.has_rank) return fmt::format("{}[?]", dtype_name(t.dtype));
  return fmt::format("{}[{}]", dtype_name(t.dtype), fmt::join(dims, ","));
}

// Quantization as text; a model read from Model Explorer JSON may only have the text.
std::string quantization_text(const Tensor& t) {
  const std::string summary = quantization_summary(t.quant);
  return summary.empty() ? t.described_quantization : summary;
}

// The format the graph came from: a model read back from Model Explorer JSON keeps the format its
// writer named (see model_explorer_reader.cpp), so dump -> read -> dump is stable.
std::string source_format(const Model& model) {
  if (model.format == ModelFormat::ModelExplorerJson)
    for (const auto& [key, value] : model.metadata)
      if (key == kModelExplorerSourceFormat) return value;
  return std::string(format_name(model.format));
}

struct Source {
  std::string node_id;
  std::size_t output = 0;
};

// Builds one Model Explorer graph. Op nodes keep their IR index as id; auxiliary nodes are
// numbered after them, as in Model Explorer's TFLite flatbuffer adapter.
class GraphWriter {
 public:
  GraphWriter(const Model& model, std::size_t graph_index,
              const std::vector<std::string>& graph_ids)
      : model_(model),
        graph_(model.graphs[graph_index]),
        graph_ids_(graph_ids),
        next_id_(graph_.nodes.size()) {
    for (const Signature& sig : model.signatures) {
      if (sig.graph != graph_index) continue;
      for (const auto& in : sig.inputs) signature_names_.emplace(in.tensor, in.name);
      for (const auto& out : sig.outputs) signature_names_.emplace(out.tensor, out.name);
    }
  }

  ojson write(const std::string& graph_id) {
    // Producers first, so edges resolve whatever order the nodes come in.
    for (const Node& n : graph_.nodes)
      for (std::size_t i = 0; i < n.outputs.size(); ++i)
        if (valid(n.outputs[i]) && !producer_.count(n.outputs[i]))
          producer_[n.outputs[i]] = {fmt::format("{}", n.id), i};

    if (!graph_.inputs.empty()) {
      ojson node = new_node(fmt::format("{}", next_id_++), "GraphInputs", "");
      for (std::size_t i = 0; i < graph_.inputs.size(); ++i) {
        const int32_t t = graph_.inputs[i];
        if (!valid(t)) continue;
        node["outputsMetadata"].push_back(output_metadata(i, t));
        if (!producer_.count(t)) producer_[t] = {node["id"].get<std::string>(), i};
      }
      pending_.push_back(std::move(node));
    }

    nodes_.reserve(graph_.nodes.size() + 16);
    for (const Node& n : graph_.nodes) nodes_.push_back(op_node(n));

    if (!graph_.outputs.empty()) {
      ojson node = new_node(fmt::format("{}", next_id_++), "GraphOutputs", "");
      for (std::size_t i = 0; i < graph_.outputs.size(); ++i) {
        const int32_t t = graph_.outputs[i];
        if (!valid(t)) continue;
        add_edge(node, t, i, "");
        node["inputsMetadata"].push_back(input_metadata(i, t));
      }
      pending_.push_back(std::move(node));
    }

    ojson all = ojson::array();
    for (auto& n : nodes_) all.push_back(std::move(n));
    for (auto& n : pending_) all.push_back(std::move(n));
    ojson g;
    g["id"] = graph_id;
    g["nodes"] = std::move(all);
    ojson graph_attrs = ojson::object();
    graph_attrs["graph_kind"] = std::string(graph_kind_name(graph_.kind));
    graph_attrs["graph_name"] = graph_.name;
    graph_attrs["format"] = source_format(model_);
    graph_attrs["nodes"] = fmt::format("{}", graph_.nodes.size());
    graph_attrs["tensors"] = fmt::format("{}", graph_.tensors.size());
    g["groupNodeAttributes"] = ojson{{"", std::move(graph_attrs)}};
    return g;
  }

 private:
  bool valid(int32_t t) const {
    return t >= 0 && static_cast<std::size_t>(t) < graph_.tensors.size();
  }

  static ojson new_node(std::string id, std::string_view label, std::string_view ns) {
    ojson n;
    n["id"] = std::move(id);
    n["label"] = std::string(label);
    n["namespace"] = std::string(ns);
    n["subgraphIds"] = ojson::array();
    n["attrs"] = ojson::array();
    n["incomingEdges"] = ojson::array();
    n["inputsMetadata"] = ojson::array();
    n["outputsMetadata"] = ojson::array();
    return n;
  }

  ojson output_metadata(std::size_t index, int32_t tensor_id) const {
    const Tensor& t = graph_.tensors[static_cast<std::size_t>(tensor_id)];
    ojson attrs = ojson::array();
    attrs.push_back(key_value("tensor_index", fmt::format("{}", tensor_id)));
    attrs.push_back(key_value("tensor_name", t.name));
    attrs.push_back(key_value("tensor_shape", tensor_shape_text(t)));
    attrs.push_back(key_value("shape", shape_to_string(t.shape, t.has_rank)));
    attrs.push_back(key_value("dtype", dtype_name(t.dtype)));
    const std::string quant = quantization_text(t);
    if (!quant.empty()) attrs.push_back(key_value("quantization", quant));
    if (auto it = signature_names_.find(static_cast<uint32_t>(tensor_id));
        it != signature_names_.end())
      attrs.push_back(key_value("signature_name", it->second));
    return ojson{{"id", fmt::format("{}", index)}, {"attrs", std::move(attrs)}};
  }

  ojson input_metadata(std::size_t index, int32_t tensor_id) const {
    const Tensor& t = graph_.tensors[static_cast<std::size_t>(tensor_id)];
    ojson attrs = ojson::array();
    attrs.push_back(key_value("tensor_index", fmt::format("{}", tensor_id)));
    attrs.push_back(key_value("tensor_name", t.name));
    const std::string quant = quantization_text(t);
    if (!quant.empty()) attrs.push_back(key_value("quantization", quant));
    return ojson{{"id", fmt::format("{}", index)}, {"attrs", std::move(attrs)}};
  }

  // Adds the edge feeding input `input_index` of `node` from tensor `t`, creating a source node for
  // tensors nothing produces (constants, variables, values the file leaves unproduced).
  void add_edge(ojson& node, int32_t t, std::size_t input_index, const std::string& consumer_ns) {
    auto it = producer_.find(t);
    if (it == producer_.end()) {
      const Tensor& tensor = graph_.tensors[static_cast<std::size_t>(t)];
      const std::string_view label = tensor.is_constant   ? "pseudo_const"
                                     : tensor.is_variable ? "variable"
                                                          : "value";
      ojson source = new_node(fmt::format("{}", next_id_++), label, consumer_ns);
      source["attrs"].push_back(key_value("tensor_index", fmt::format("{}", t)));
      source["attrs"].push_back(key_value("tensor_name", tensor.name));
      if (tensor.is_constant)
        source["attrs"].push_back(
            key_value("data_bytes", tensor.data.empty() && tensor.described_bytes >= 0
                                        ? fmt::format("{}", tensor.described_bytes)
                                        : fmt::format("{}", tensor.data.size())));
      source["outputsMetadata"].push_back(output_metadata(0, t));
      it = producer_.emplace(t, Source{source["id"].get<std::string>(), 0}).first;
      pending_.push_back(std::move(source));
    }
    node["incomingEdges"].push_back({{"sourceNodeId", it->second.node_id},
                                     {"sourceNodeOutputId", fmt::format("{}", it->second.output)},
                                     {"targetNodeInputId", fmt::format("{}", input_index)}});
  }

  ojson op_node(const Node& n) {
    ojson node =
        new_node(fmt::format("{}", n.id), n.op.name.empty() ? n.op.domain : n.op.name, n.ns);
    for (uint32_t g : n.called_graphs)
      if (g < graph_ids_.size()) node["subgraphIds"].push_back(graph_ids_[g]);
    for (const auto& a : n.attrs)
      node["attrs"].push_back(key_value(a.name, attr_to_string(a.value)));
    // Right after the attributes: read back, it is one of them (the bytes are not in the JSON).
    if (!n.custom_options.empty())
      node["attrs"].push_back(
          key_value("custom_options_bytes", fmt::format("{}", n.custom_options.size())));
    if (n.op.domain != "tflite") node["attrs"].push_back(key_value("op_domain", n.op.domain));
    if (n.op.version != 1)
      node["attrs"].push_back(key_value("op_version", fmt::format("{}", n.op.version)));
    if (!n.debug_info.empty()) node["attrs"].push_back(key_value("debug_info", n.debug_info));
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      const int32_t t = n.inputs[i];
      if (!valid(t)) continue;  // -1: optional input left out
      add_edge(node, t, i, n.ns);
      node["inputsMetadata"].push_back(input_metadata(i, t));
    }
    for (std::size_t i = 0; i < n.outputs.size(); ++i)
      if (valid(n.outputs[i])) node["outputsMetadata"].push_back(output_metadata(i, n.outputs[i]));
    return node;
  }

  const Model& model_;
  const Graph& graph_;
  const std::vector<std::string>& graph_ids_;
  std::size_t next_id_;
  std::unordered_map<int32_t, Source> producer_;
  std::unordered_map<uint32_t, std::string> signature_names_;
  std::vector<ojson> nodes_;
  std::vector<ojson> pending_;  // auxiliary nodes, appended after the op nodes
};

std::vector<std::string> all_graph_ids(const Model& model) {
  std::vector<std::string> ids;
  std::set<std::string> used;
  for (std::size_t i = 0; i < model.graphs.size(); ++i) {
    std::string id = model.graphs[i].name;
    if (id.empty()) id = i == 0 ? "main" : fmt::format("subgraph_{}", i);
    if (used.count(id)) id = fmt::format("{} #{}", id, i);
    used.insert(id);
    ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace

std::string model_explorer_graph_id(const Model& model, std::size_t index) {
  return all_graph_ids(model).at(index);
}

nlohmann::ordered_json model_explorer_json(const Model& model, const std::string& label) {
  const std::vector<std::string> ids = all_graph_ids(model);
  ojson graphs = ojson::array();
  for (std::size_t i = 0; i < model.graphs.size(); ++i)
    graphs.push_back(GraphWriter(model, i, ids).write(ids[i]));
  ojson collection;
  collection["label"] = label;
  collection["graphs"] = std::move(graphs);
  return collection;
}

}  // namespace edgelens
