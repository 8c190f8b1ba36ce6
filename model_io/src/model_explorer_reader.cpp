// Model Explorer graph JSON -> IR (google-ai-edge/model-explorer graph_builder.py: GraphCollection
// {label, graphs: [Graph {id, nodes: [GraphNode {id, label, namespace, subgraphIds, attrs,
// incomingEdges, inputsMetadata, outputsMetadata}], groupNodeAttributes}]}).
//
// Model Explorer has nodes and edges; the IR has nodes and tensors. Every (node, output) that
// metadata names or an edge leaves from becomes a tensor. When every output names a
// "tensor_index" (our writer, Model Explorer's TFLite adapter) those are the tensor ids, so a
// dump read back has the ids it was written with; otherwise tensors are numbered as met.
// Auxiliary nodes become what they stand for: GraphInputs / GraphOutputs -> the graph's inputs and
// outputs, pseudo_const / variable / value -> the tensor they feed (constant, variable, plain).
// Tensor data are never in the JSON: constants keep only their size (Tensor::described_bytes).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/model_summary.h"
#include "edgelens/model_io/readers.h"
#include "json_input.h"

namespace edgelens {

namespace {

using json = nlohmann::ordered_json;
using json_input::pointer;

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(DType::QInt32); ++i)
    if (dtype_name(static_cast<DType>(i)) == name) return static_cast<DType>(i);
  return std::nullopt;
}

// "[1,224,224,3]" (also with spaces) -> dims; nullopt when it is not such a list.
std::optional<std::vector<int64_t>> parse_dims(std::string_view text) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return std::nullopt;
  text = text.substr(1, text.size() - 2);
  std::vector<int64_t> dims;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const auto v = parse_int(item);
    if (!v) return std::nullopt;
    dims.push_back(*v);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return dims;
}

// "scale 0.0039 zero_point -128" back into numbers, kept only when summarising them gives the
// same text; anything else (per-channel, blockwise) stays a description.
void set_quantization(Tensor& t, const std::string& text) {
  float scale = 0;
  long long zero_point = 0;
  Quantization q;
  if (std::sscanf(text.c_str(), "scale %g zero_point %lld", &scale, &zero_point) == 2) {
    q.scales = {scale};
    q.zero_points = {zero_point};
  }
  if (!q.scales.empty() && quantization_summary(q) == text)
    t.quant = std::move(q);
  else
    t.described_quantization = text;
}

std::optional<GraphKind> parse_graph_kind(std::string_view name) {
  for (GraphKind k : {GraphKind::Subgraph, GraphKind::Method, GraphKind::DelegateBlob})
    if (graph_kind_name(k) == name) return k;
  return std::nullopt;
}

bool is_auxiliary_label(std::string_view label) {
  return label == "GraphInputs" || label == "GraphOutputs" || label == "pseudo_const" ||
         label == "variable" || label == "value";
}

class Reader {
 public:
  Reader(std::string file, std::size_t file_bytes)
      : file_(std::move(file)), file_bytes_(file_bytes) {}

  std::unique_ptr<Model> read(const json& root) {
    auto model = std::make_unique<Model>();
    model->format = ModelFormat::ModelExplorerJson;
    model->path = file_;
    collect_graphs(root, *model);
    if (graphs_.empty()) fail("", "the collection holds no graphs");
    graph_ids_.reserve(graphs_.size());
    for (std::size_t i = 0; i < graphs_.size(); ++i) {
      const std::string id = string_value(member(*graphs_[i].value, graphs_[i].pointer, "id"),
                                          pointer(graphs_[i].pointer, "id"));
      if (!graph_index_.emplace(id, i).second)
        fail(pointer(graphs_[i].pointer, "id"), fmt::format("graph id \"{}\" is used twice", id));
      graph_ids_.push_back(id);
    }
    for (std::size_t i = 0; i < graphs_.size(); ++i) {
      current_graph_ = i;
      model->graphs.push_back(read_graph(i, *model));
    }
    link_called_graphs(*model);
    if (!source_format_.empty())
      model->metadata.emplace_back(std::string(kModelExplorerSourceFormat), source_format_);
    return model;
  }

 private:
  struct GraphRef {
    const json* value;
    std::string pointer;
  };

  [[noreturn]] void fail(const std::string& where, std::string problem) const {
    throw ModelError(file_, fmt::format("JSON {}", where.empty() ? "/" : where),
                     std::move(problem));
  }

  const json& member(const json& object, const std::string& where, const char* key) const {
    if (!object.is_object())
      fail(where, fmt::format("expected an object, found {}", object.type_name()));
    const auto it = object.find(key);
    if (it == object.end()) fail(where, fmt::format("has no \"{}\"", key));
    return *it;
  }
  const json* optional_member(const json& object, const char* key) const {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  }
  const json& array_value(const json& v, const std::string& where) const {
    if (!v.is_array()) fail(where, fmt::format("expected an array, found {}", v.type_name()));
    return v;
  }
  // Ids are strings in Model Explorer; numbers are taken too (hand-written files use them).
  std::string string_value(const json& v, const std::string& where) const {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    fail(where, fmt::format("expected a string, found {}", v.type_name()));
  }

  void collect_graphs(const json& root, Model& model) {
    if (root.is_object() && root.contains("graphs")) {
      add_collection(root, "", model);
    } else if (root.is_object() && root.contains("graphCollections")) {
      // An adapter's response: {"graphCollections": [{label, graphs}, ...]}.
      const std::string where = "/graphCollections";
      const json& collections = array_value(root["graphCollections"], where);
      for (std::size_t i = 0; i < collections.size(); ++i)
        add_collection(collections[i], pointer(where, i), model);
    } else if (root.is_array()) {
      for (std::size_t i = 0; i < root.size(); ++i) {
        if (root[i].is_object() && root[i].contains("graphs"))
          add_collection(root[i], pointer("", i), model);
        else
          graphs_.push_back({&root[i], pointer("", i)});  // a bare list of graphs
      }
    } else if (root.is_object() && looks_like_node_data(root)) {
      fail("",
           "this is Model Explorer node data (per-node values), not a graph: open the model "
           "and load it over the graph (edelens-gui MODEL --node-data FILE)");
    } else {
      fail("", root.is_object()
                   ? "has no \"graphs\": not a Model Explorer graph collection"
                   : fmt::format("expected a graph collection object, found {}", root.type_name()));
    }
  }

  static bool looks_like_node_data(const json& root) {
    if (root.contains("results")) return true;
    for (const auto& [key, value] : root.items())
      if (value.is_object() && value.contains("results")) return true;
    return false;
  }

  void add_collection(const json& collection, const std::string& where, Model& model) {
    if (const json* label = optional_member(collection, "label"); label && label->is_string()) {
      if (!model.description.empty()) model.description += "; ";
      model.description += label->get<std::string>();
    }
    const std::string graphs_at = pointer(where, "graphs");
    const json& graphs = array_value(member(collection, where, "graphs"), graphs_at);
    for (std::size_t i = 0; i < graphs.size(); ++i)
      graphs_.push_back({&graphs[i], pointer(graphs_at, i)});
  }

  // --- one graph -------------------------------------------------------------------------------

  struct NodeInfo {
    const json* value;
    std::string pointer;
    std::string id;
    std::string label;
    bool auxiliary = false;
    int32_t op_index = -1;  // index in Graph::nodes for op nodes
  };

  // Calls visit(key, value) for each {key, value} of the "attrs" array of a metadata item or a
  // node, in the file's order; non-string values are passed as their JSON text.
  template <class Visit>
  void for_each_attr(const json& holder, const std::string& where, Visit&& visit) const {
    const json* attrs = optional_member(holder, "attrs");
    if (!attrs) return;
    const std::string at = pointer(where, "attrs");
    array_value(*attrs, at);
    for (std::size_t i = 0; i < attrs->size(); ++i) {
      const json& kv = (*attrs)[i];
      const std::string item = pointer(at, i);
      const std::string key = string_value(member(kv, item, "key"), pointer(item, "key"));
      const json& value = member(kv, item, "value");
      visit(key, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }

  // Text attributes of a metadata item ({id, attrs: [{key, value}]}) or a node.
  std::map<std::string, std::string> key_values(const json& holder,
                                                const std::string& where) const {
    std::map<std::string, std::string> out;
    for_each_attr(holder, where, [&](const std::string& key, std::string value) {
      out.emplace(key, std::move(value));
    });
    return out;
  }

  Graph read_graph(std::size_t index, Model& model) {
    const json& g = *graphs_[index].value;
    const std::string& where = graphs_[index].pointer;
    Graph graph;
    graph.name = graph_ids_[index];
    std::size_t declared_tensors = 0;
    if (const json* group_attrs = optional_member(g, "groupNodeAttributes"))
      if (const json* top = optional_member(*group_attrs, ""); top && top->is_object()) {
        auto text = [&](const char* key) -> std::optional<std::string> {
          const json* v = optional_member(*top, key);
          return v && v->is_string() ? std::optional(v->get<std::string>()) : std::nullopt;
        };
        if (auto name = text("graph_name")) graph.name = *name;
        if (auto kind = text("graph_kind"))
          if (auto k = parse_graph_kind(*kind)) graph.kind = *k;
        if (auto format = text("format"); format && source_format_.empty())
          source_format_ = *format;
        if (auto count = text("tensors"))
          if (auto n = parse_int(*count); n && *n >= 0 && static_cast<uint64_t>(*n) <= file_bytes_)
            declared_tensors = static_cast<std::size_t>(*n);
      }

    const std::string nodes_at = pointer(where, "nodes");
    const json& nodes = array_value(member(g, where, "nodes"), nodes_at);
    std::vector<NodeInfo> infos;
    infos.reserve(nodes.size());
    std::unordered_map<std::string, std::size_t> by_id;
    int32_t op_count = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      NodeInfo info{&nodes[i], pointer(nodes_at, i), "", "", false, -1};
      info.id = string_value(member(nodes[i], info.pointer, "id"), pointer(info.pointer, "id"));
      info.label =
          string_value(member(nodes[i], info.pointer, "label"), pointer(info.pointer, "label"));
      if (!by_id.emplace(info.id, i).second)
        fail(pointer(info.pointer, "id"),
             fmt::format("node id \"{}\" is used twice in graph \"{}\"", info.id,
                         graph_ids_[index]));
      const json* edges = optional_member(nodes[i], "incomingEdges");
      const bool has_inputs = edges && edges->is_array() && !edges->empty();
      info.auxiliary =
          is_auxiliary_label(info.label) && (info.label == "GraphOutputs" || !has_inputs);
      if (!info.auxiliary) info.op_index = op_count++;
      infos.push_back(std::move(info));
    }

    // Tensor ids: "tensor_index" when every output names a usable one, else in order met.
    struct OutputMeta {
      std::size_t node;
      int64_t output;
      std::map<std::string, std::string> attrs;
    };
    std::vector<OutputMeta> metas;
    bool indexed = true;
    int64_t max_index = -1;
    for (std::size_t i = 0; i < infos.size(); ++i) {
      const json* outs = optional_member(*infos[i].value, "outputsMetadata");
      if (!outs) continue;
      const std::string at = pointer(infos[i].pointer, "outputsMetadata");
      array_value(*outs, at);
      for (std::size_t k = 0; k < outs->size(); ++k) {
        const std::string item = pointer(at, k);
        const auto output = port_index(member((*outs)[k], item, "id"), pointer(item, "id"));
        OutputMeta meta{i, output, key_values((*outs)[k], item)};
        const auto it = meta.attrs.find("tensor_index");
        const auto t = it == meta.attrs.end() ? std::nullopt : parse_int(it->second);
        if (!t || *t < 0 || static_cast<uint64_t>(*t) >= file_bytes_)
          indexed = false;
        else
          max_index = std::max(max_index, *t);
        metas.push_back(std::move(meta));
      }
    }
    std::map<std::pair<std::size_t, int64_t>, int32_t> tensor_of;  // (node, output) -> tensor
    if (indexed) graph.tensors.resize(static_cast<std::size_t>(max_index + 1));
    auto new_tensor = [&graph]() {
      graph.tensors.emplace_back();
      return static_cast<int32_t>(graph.tensors.size() - 1);
    };
    std::vector<bool> described(graph.tensors.size(), false);
    for (const auto& meta : metas) {
      int32_t t;
      if (indexed) {
        t = static_cast<int32_t>(*parse_int(meta.attrs.at("tensor_index")));
      } else {
        auto [it, fresh] = tensor_of.try_emplace({meta.node, meta.output}, -1);
        t = fresh ? (it->second = new_tensor()) : it->second;
        described.resize(graph.tensors.size(), false);
      }
      tensor_of[{meta.node, meta.output}] = t;
      if (!described[static_cast<std::size_t>(t)]) {
        describe_tensor(graph.tensors[static_cast<std::size_t>(t)], meta.attrs);
        described[static_cast<std::size_t>(t)] = true;
      }
    }
    auto tensor_for = [&](std::size_t node, int64_t output) {
      auto [it, fresh] = tensor_of.try_emplace({node, output}, -1);
      if (fresh) it->second = new_tensor();
      return it->second;
    };

    std::vector<std::vector<std::size_t>> metas_of(infos.size());
    for (std::size_t m = 0; m < metas.size(); ++m) metas_of[metas[m].node].push_back(m);

    // Edges first (a consumer may come before its producer in the list), then the nodes.
    std::vector<std::vector<std::pair<int64_t, int32_t>>> inputs_of(
        infos.size());  // (input, tensor)
    for (std::size_t i = 0; i < infos.size(); ++i) {
      const NodeInfo& info = infos[i];
      const json* edges = optional_member(*info.value, "incomingEdges");
      if (!edges) continue;
      const std::string at = pointer(info.pointer, "incomingEdges");
      array_value(*edges, at);
      for (std::size_t e = 0; e < edges->size(); ++e) {
        const std::string item = pointer(at, e);
        const json& edge = (*edges)[e];
        const std::string source =
            string_value(member(edge, item, "sourceNodeId"), pointer(item, "sourceNodeId"));
        const auto src = by_id.find(source);
        if (src == by_id.end())
          fail(pointer(item, "sourceNodeId"),
               fmt::format("names node \"{}\", which graph \"{}\" does not have", source,
                           graph_ids_[index]));
        const json* out = optional_member(edge, "sourceNodeOutputId");
        const json* in = optional_member(edge, "targetNodeInputId");
        const int64_t output = out ? port_index(*out, pointer(item, "sourceNodeOutputId")) : 0;
        const int64_t input =
            in ? port_index(*in, pointer(item, "targetNodeInputId")) : static_cast<int64_t>(e);
        inputs_of[i].emplace_back(input, tensor_for(src->second, output));
      }
    }
    // Outputs: those metadata describe and those edges leave from.
    std::vector<int64_t> output_count(infos.size(), 0);
    for (const auto& [key, t] : tensor_of)
      output_count[key.first] = std::max(output_count[key.first], key.second + 1);

    std::vector<std::pair<int64_t, int32_t>> graph_inputs, graph_outputs;  // (position, tensor)
    std::map<uint32_t, std::string> signature_names;
    for (std::size_t i = 0; i < infos.size(); ++i) {
      const NodeInfo& info = infos[i];
      for (std::size_t m : metas_of[i])
        if (auto it = metas[m].attrs.find("signature_name"); it != metas[m].attrs.end())
          signature_names.emplace(static_cast<uint32_t>(tensor_for(i, metas[m].output)),
                                  it->second);
      if (!info.auxiliary) {
        graph.nodes.push_back(op_node(info, inputs_of[i]));
        Node& node = graph.nodes.back();
        node.outputs.assign(static_cast<std::size_t>(output_count[i]), -1);
        for (auto it = tensor_of.lower_bound({i, 0}); it != tensor_of.end() && it->first.first == i;
             ++it)
          node.outputs[static_cast<std::size_t>(it->first.second)] = it->second;
        continue;
      }
      if (info.label == "GraphOutputs") {
        graph_outputs.insert(graph_outputs.end(), inputs_of[i].begin(), inputs_of[i].end());
        continue;
      }
      const auto attrs = key_values(*info.value, info.pointer);
      for (std::size_t m : metas_of[i]) {
        const int32_t t = tensor_for(i, metas[m].output);
        if (info.label == "GraphInputs") {
          graph_inputs.emplace_back(metas[m].output, t);
          continue;
        }
        Tensor& tensor = graph.tensors[static_cast<std::size_t>(t)];
        tensor.is_constant = info.label == "pseudo_const";
        tensor.is_variable = info.label == "variable";
        if (auto it = attrs.find("data_bytes"); it != attrs.end() && tensor.is_constant)
          if (auto bytes = parse_int(it->second); bytes && *bytes >= 0)
            tensor.described_bytes = *bytes;
      }
    }

    for (std::size_t t = 0; t < graph.tensors.size(); ++t)
      graph.tensors[t].id = static_cast<uint32_t>(t);
    if (graph.tensors.size() < declared_tensors) {
      const std::size_t first = graph.tensors.size();
      graph.tensors.resize(declared_tensors);
      for (std::size_t t = first; t < declared_tensors; ++t)
        graph.tensors[t].id = static_cast<uint32_t>(t);
    }
    std::stable_sort(graph_inputs.begin(), graph_inputs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::stable_sort(graph_outputs.begin(), graph_outputs.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [position, t] : graph_inputs) graph.inputs.push_back(t);
    for (const auto& [position, t] : graph_outputs) graph.outputs.push_back(t);

    if (!signature_names.empty()) {
      Signature sig;
      sig.graph = static_cast<uint32_t>(index);
      for (const auto& [t, name] : signature_names) {
        const bool is_input = std::find(graph.inputs.begin(), graph.inputs.end(),
                                        static_cast<int32_t>(t)) != graph.inputs.end();
        (is_input ? sig.inputs : sig.outputs).push_back({name, t});
      }
      model.signatures.push_back(std::move(sig));
    }
    return graph;
  }

  // Input/output ids are strings holding small integers ("0", "1"); anything else is refused.
  int64_t port_index(const json& v, const std::string& where) const {
    const std::string text = string_value(v, where);
    const auto n = parse_int(text);
    if (!n || *n < 0 || *n > 65535)
      fail(where, fmt::format("\"{}\" is not an input/output index (0..65535)", text));
    return *n;
  }

  void describe_tensor(Tensor& t, const std::map<std::string, std::string>& attrs) const {
    auto get = [&](const char* key) -> const std::string* {
      const auto it = attrs.find(key);
      return it == attrs.end() ? nullptr : &it->second;
    };
    if (const auto* name = get("tensor_name")) t.name = *name;
    std::optional<std::vector<int64_t>> signature;
    if (const auto* ts = get("tensor_shape")) {
      // "float32[1,224,224,3]" (-1 = dynamic) or "float32[?]" (unranked).
      const auto bracket = ts->find('[');
      if (bracket != std::string::npos) {
        if (auto d = parse_dtype(std::string_view(*ts).substr(0, bracket))) t.dtype = *d;
        const std::string_view dims = std::string_view(*ts).substr(bracket);
        if (dims == "[?]") t.has_rank = false;
        signature = parse_dims(dims);
      }
    }
    if (const auto* dtype = get("dtype"))
      if (auto d = parse_dtype(*dtype)) t.dtype = *d;
    const auto* shape_text = get("shape");
    if (shape_text && *shape_text == "<unranked>") t.has_rank = false;
    if (auto shape = shape_text ? parse_dims(*shape_text) : std::nullopt) {
      t.shape = *shape;
      if (signature && *signature != *shape) t.shape_signature = *signature;
    } else if (signature) {
      t.shape = *signature;
      if (std::find(signature->begin(), signature->end(), -1) != signature->end()) {
        t.shape_signature = *signature;
        std::replace(t.shape.begin(), t.shape.end(), int64_t{-1}, int64_t{1});
      }
    }
    if (const auto* quant = get("quantization")) set_quantization(t, *quant);
  }

  Node op_node(const NodeInfo& info, const std::vector<std::pair<int64_t, int32_t>>& inputs) {
    const json& n = *info.value;
    Node node;
    node.id = static_cast<uint32_t>(info.op_index);
    node.op.name = info.label;
    node.op.domain = source_format_ == "tflite" ? "tflite" : "model-explorer";
    if (const json* ns = optional_member(n, "namespace"))
      node.ns = string_value(*ns, pointer(info.pointer, "namespace"));
    // Attributes keep the file's order (they are shown as listed).
    for_each_attr(n, info.pointer, [&](const std::string& key, std::string value) {
      if (key == "op_domain") {
        node.op.domain = std::move(value);
      } else if (key == "op_version" && parse_int(value)) {
        node.op.version = static_cast<int32_t>(
            std::clamp<int64_t>(*parse_int(value), std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max()));
      } else if (key == "debug_info") {
        node.debug_info = std::move(value);
      } else {
        node.attrs.push_back({key, std::move(value)});
      }
    });
    // Node data and links name nodes by their Model Explorer id; keep it when it is not the index.
    if (info.id != fmt::format("{}", info.op_index)) node.attrs.push_back({"node_id", info.id});
    if (const json* sub = optional_member(n, "subgraphIds")) {
      const std::string at = pointer(info.pointer, "subgraphIds");
      array_value(*sub, at);
      for (std::size_t i = 0; i < sub->size(); ++i)
        pending_calls_.push_back(
            {current_graph_, node.id, string_value((*sub)[i], pointer(at, i)), pointer(at, i)});
    }
    int64_t input_count = 0;
    for (const auto& [position, t] : inputs) input_count = std::max(input_count, position + 1);
    node.inputs.assign(static_cast<std::size_t>(input_count), -1);
    for (const auto& [position, t] : inputs) node.inputs[static_cast<std::size_t>(position)] = t;
    return node;
  }

  void link_called_graphs(Model& model) {
    for (const auto& call : pending_calls_) {
      const auto it = graph_index_.find(call.graph_id);
      if (it == graph_index_.end()) {
        model.warnings.push_back(
            fmt::format("{}: JSON {}: names graph \"{}\", which the file does not have", file_,
                        call.where, call.graph_id));
        continue;
      }
      Node& node = model.graphs[call.graph].nodes[call.node];
      node.called_graphs.push_back(static_cast<uint32_t>(it->second));
      Graph& callee = model.graphs[it->second];
      if (callee.kind == GraphKind::DelegateBlob && callee.parent_graph < 0) {
        callee.parent_graph = static_cast<int32_t>(call.graph);
        callee.parent_node = static_cast<int32_t>(call.node);
      }
    }
  }

  struct PendingCall {
    std::size_t graph;
    uint32_t node;
    std::string graph_id;
    std::string where;
  };

  std::string file_;
  std::size_t file_bytes_;
  std::vector<GraphRef> graphs_;
  std::vector<std::string> graph_ids_;
  std::unordered_map<std::string, std::size_t> graph_index_;
  std::string source_format_;
  std::size_t current_graph_ = 0;
  std::vector<PendingCall> pending_calls_;
};

}  // namespace

std::unique_ptr<Model> read_model_explorer(std::shared_ptr<const MappedFile> file) {
  const auto bytes = file->bytes();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const json root = json_input::parse(text, file->path());
  auto model = json_input::guarded(file->path(),
                                   [&] { return Reader(file->path(), bytes.size()).read(root); });
  model->file = std::move(file);
  return model;
}

}  // namespace edgelens
