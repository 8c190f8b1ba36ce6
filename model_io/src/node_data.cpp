#include "edgelens/model_io/node_data.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "edgelens/model_io/error.h"
#include "edgelens/model_io/model_explorer.h"
#include "json_input.h"

namespace edgelens {

namespace {

using json = nlohmann::ordered_json;
using ojson = nlohmann::ordered_json;
using json_input::pointer;

class NodeDataReader {
 public:
  explicit NodeDataReader(std::string file) : file_(std::move(file)) {}

  ModelNodeData read(const json& root) {
    if (!root.is_object())
      fail("", fmt::format("expected an object of graph ids (Model Explorer node data), found {}",
                           root.type_name()));
    ModelNodeData out;
    if (root.contains("results")) {
      out.graphs.emplace_back("", graph(root, ""));
      return out;
    }
    if (root.contains("graphs") || root.contains("graphCollections"))
      fail("", "this is a Model Explorer graph, not node data: open it as a model");
    for (const auto& [id, value] : root.items()) {
      const std::string at = pointer("", id);
      if (!value.is_object() || !value.contains("results"))
        fail(at, "expected graph node data: an object with \"results\"");
      out.graphs.emplace_back(id, graph(value, at));
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& where, std::string problem) const {
    throw ModelError(file_, fmt::format("JSON {}", where.empty() ? "/" : where),
                     std::move(problem));
  }

  std::string color(const json& holder, const char* key, const std::string& where) const {
    const auto it = holder.find(key);
    if (it == holder.end() || it->is_null()) return {};
    if (!it->is_string())
      fail(pointer(where, key), fmt::format("expected a colour string, found {}", it->type_name()));
    return it->get<std::string>();
  }

  double number(const json& holder, const char* key, const std::string& where) const {
    const auto it = holder.find(key);
    if (it == holder.end()) fail(where, fmt::format("has no \"{}\"", key));
    if (!it->is_number())
      fail(pointer(where, key), fmt::format("expected a number, found {}", it->type_name()));
    return it->get<double>();
  }

  const json& array(const json& holder, const char* key, const std::string& where) const {
    const json& v = holder.at(key);
    if (!v.is_array())
      fail(pointer(where, key), fmt::format("expected an array, found {}", v.type_name()));
    return v;
  }

  GraphNodeData graph(const json& g, const std::string& where) {
    GraphNodeData data;
    const std::string results_at = pointer(where, "results");
    const json& results = g.at("results");
    if (!results.is_object())
      fail(results_at,
           fmt::format("expected an object of node keys, found {}", results.type_name()));
    data.results.reserve(results.size());
    for (const auto& [key, r] : results.items()) {
      const std::string at = pointer(results_at, key);
      if (!r.is_object())
        fail(at, fmt::format("expected {{\"value\": ...}}, found {}", r.type_name()));
      NodeDataResult result;
      result.key = key;
      const auto v = r.find("value");
      if (v == r.end()) fail(at, "has no \"value\"");
      if (v->is_number())
        result.value = v->get<double>();
      else if (v->is_string())
        result.label = v->get<std::string>();
      else if (!v->is_null())
        fail(pointer(at, "value"),
             fmt::format("expected a number or a string, found {}", v->type_name()));
      result.bg_color = color(r, "bgColor", at);
      result.text_color = color(r, "textColor", at);
      data.results.push_back(std::move(result));
    }
    // Thresholds and gradient stops share one shape: {<number key>, "bgColor", "textColor"?}.
    const auto read_stops = [&](const char* list, const char* number_key, auto& out) {
      if (!g.contains(list)) return;
      const json& items = array(g, list, where);
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string at = pointer(pointer(where, list), i);
        if (!items[i].is_object())
          fail(at, fmt::format("expected {{\"{}\", \"bgColor\"}}", number_key));
        out.push_back({number(items[i], number_key, at), color(items[i], "bgColor", at),
                       color(items[i], "textColor", at)});
      }
    };
    read_stops("thresholds", "value", data.thresholds);
    read_stops("gradient", "stop", data.gradient);
    if (const auto name = g.find("name"); name != g.end() && name->is_string())
      data.name = name->get<std::string>();
    return data;
  }

  std::string file_;
};

ojson colours(ojson item, const std::string& bg, const std::string& text) {
  if (!bg.empty()) item["bgColor"] = bg;
  if (!text.empty()) item["textColor"] = text;
  return item;
}

ojson graph_json(const GraphNodeData& g) {
  ojson results = ojson::object();
  for (const auto& r : g.results) {
    ojson value = r.value ? ojson(*r.value) : !r.label.empty() ? ojson(r.label) : ojson(nullptr);
    results[r.key] = colours(ojson{{"value", std::move(value)}}, r.bg_color, r.text_color);
  }
  ojson out;
  out["results"] = std::move(results);
  if (!g.thresholds.empty()) {
    ojson items = ojson::array();
    for (const auto& t : g.thresholds)
      items.push_back(colours(ojson{{"value", t.value}}, t.bg_color, t.text_color));
    out["thresholds"] = std::move(items);
  }
  if (!g.gradient.empty()) {
    ojson items = ojson::array();
    for (const auto& s : g.gradient)
      items.push_back(colours(ojson{{"stop", s.stop}}, s.bg_color, s.text_color));
    out["gradient"] = std::move(items);
  }
  if (!g.name.empty()) out["name"] = g.name;
  return out;
}

// Model Explorer id of each node -> node, and output tensor name -> producing node.
struct KeyIndex {
  std::unordered_map<std::string, int> by_id, by_tensor;

  KeyIndex(const Model& model, std::size_t graph) {
    if (graph >= model.graphs.size()) return;
    const Graph& g = model.graphs[graph];
    for (const Node& n : g.nodes) {
      const auto id = n.attr_string("node_id");  // set by the Model Explorer reader
      by_id.emplace(id ? *id : fmt::format("{}", n.id), static_cast<int>(n.id));
      for (int32_t t : n.outputs)
        if (t >= 0 && static_cast<std::size_t>(t) < g.tensors.size() && !g.tensors[t].name.empty())
          by_tensor.emplace(g.tensors[static_cast<std::size_t>(t)].name, static_cast<int>(n.id));
    }
  }
  int find(const std::string& key) const {
    if (auto it = by_id.find(key); it != by_id.end()) return it->second;
    if (auto it = by_tensor.find(key); it != by_tensor.end()) return it->second;
    return -1;
  }
};

}  // namespace

const GraphNodeData* ModelNodeData::for_graph(const Model& model, std::size_t graph) const {
  if (graph >= model.graphs.size()) return nullptr;
  const std::string id = model_explorer_graph_id(model, graph);
  for (const auto& [gid, data] : graphs)
    if (gid == id) return &data;
  if (graph != 0) return nullptr;
  for (const auto& [gid, data] : graphs)
    if (gid.empty()) return &data;
  // One graph on each side: the ids may come from another tool's naming.
  if (graphs.size() == 1 && model.graphs.size() == 1) return &graphs[0].second;
  return nullptr;
}

ModelNodeData read_node_data(std::string_view json_text, const std::string& file) {
  const auto root = json_input::parse(json_text, file);
  return json_input::guarded(file, [&] { return NodeDataReader(file).read(root); });
}

ModelNodeData read_node_data_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelError(path.string(), "", "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return read_node_data(text.str(), path.string());
}

nlohmann::ordered_json node_data_json(const ModelNodeData& data) {
  if (data.graphs.size() == 1 && data.graphs[0].first.empty())
    return graph_json(data.graphs[0].second);
  ojson out = ojson::object();
  for (const auto& [id, g] : data.graphs) out[id] = graph_json(g);
  return out;
}

std::vector<const NodeDataResult*> node_data_results(const GraphNodeData& data, const Model& model,
                                                     std::size_t graph,
                                                     std::vector<std::string>* unmatched) {
  std::vector<const NodeDataResult*> out;
  if (graph >= model.graphs.size()) return out;
  out.assign(model.graphs[graph].nodes.size(), nullptr);
  const KeyIndex index(model, graph);
  for (const auto& r : data.results) {
    const int node = index.find(r.key);
    if (node < 0) {
      if (unmatched) unmatched->push_back(r.key);
      continue;
    }
    out[static_cast<std::size_t>(node)] = &r;
  }
  return out;
}

std::vector<std::optional<double>> node_data_values(const GraphNodeData& data, const Model& model,
                                                    std::size_t graph) {
  const auto results = node_data_results(data, model, graph);
  std::vector<std::optional<double>> out(results.size());
  for (std::size_t n = 0; n < results.size(); ++n)
    if (results[n]) out[n] = results[n]->value;
  return out;
}

int node_for_key(const Model& model, std::size_t graph, std::string_view key) {
  return KeyIndex(model, graph).find(std::string(key));
}

}  // namespace edgelens
