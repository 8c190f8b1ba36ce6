#include "edgelens/inspectors/navigation.h"

#include <algorithm>

namespace edgelens::inspect {
namespace {

void push_unique(std::vector<int>& out, int v) {
  if (v >= 0 && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
}

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

}  // namespace

GraphLinks::GraphLinks(const Graph& graph) : graph_(&graph) {
  producer_.assign(graph.tensors.size(), -1);
  consumers_.resize(graph.tensors.size());
  const auto in_range = [&](int32_t t) {
    return t >= 0 && t < static_cast<int32_t>(graph.tensors.size());
  };
  for (const Node& n : graph.nodes) {
    for (int32_t t : n.outputs)
      if (in_range(t)) producer_[static_cast<size_t>(t)] = static_cast<int>(n.id);
    for (int32_t t : n.inputs)
      if (in_range(t)) push_unique(consumers_[static_cast<size_t>(t)], static_cast<int>(n.id));
  }
}

std::vector<int> GraphLinks::producers(int node) const {
  std::vector<int> out;
  if (!graph_ || node < 0 || node >= static_cast<int>(graph_->nodes.size())) return out;
  for (int32_t t : graph_->nodes[static_cast<size_t>(node)].inputs)
    if (t >= 0 && t < static_cast<int32_t>(producer_.size()))
      push_unique(out, producer_[static_cast<size_t>(t)]);
  return out;
}

std::vector<int> GraphLinks::consumers(int node) const {
  std::vector<int> out;
  if (!graph_ || node < 0 || node >= static_cast<int>(graph_->nodes.size())) return out;
  for (int32_t t : graph_->nodes[static_cast<size_t>(node)].outputs)
    if (t >= 0 && t < static_cast<int32_t>(consumers_.size()))
      for (int c : consumers_[static_cast<size_t>(t)]) push_unique(out, c);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> GraphLinks::siblings(int node) const {
  std::vector<int> out;
  if (!graph_ || node < 0 || node >= static_cast<int>(graph_->nodes.size())) return out;
  const Node& n = graph_->nodes[static_cast<size_t>(node)];
  // The first non-constant input defines the "parent": siblings share it (or its producer).
  for (int32_t t : n.inputs) {
    if (t < 0 || t >= static_cast<int32_t>(producer_.size())) continue;
    const auto ut = static_cast<size_t>(t);
    if (graph_->tensors[ut].is_constant) continue;
    if (const int p = producer_[ut]; p >= 0) {
      out = consumers(p);
    } else {
      out = consumers_[ut];
      std::sort(out.begin(), out.end());
    }
    break;
  }
  push_unique(out, node);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<SearchHit> search_nodes(const Model& model, int graph_index,
                                    const QRegularExpression& expression) {
  std::vector<SearchHit> hits;
  if (!expression.isValid() || expression.pattern().isEmpty()) return hits;
  for (size_t g = 0; g < model.graphs.size(); ++g) {
    if (graph_index >= 0 && static_cast<size_t>(graph_index) != g) continue;
    const Graph& graph = model.graphs[g];
    const auto tensor_name = [&](int32_t t) -> QString {
      return t >= 0 && t < static_cast<int32_t>(graph.tensors.size())
                 ? qs(graph.tensors[static_cast<size_t>(t)].name)
                 : QString();
    };
    for (const Node& n : graph.nodes) {
      const NodeRef ref{static_cast<int>(g), static_cast<int>(n.id)};
      const auto try_field = [&](const QString& field, const QString& text) {
        if (text.isEmpty() || !expression.match(text).hasMatch()) return false;
        hits.push_back({ref, field, text});
        return true;
      };
      const auto search = [&] {
        if (try_field("op", qs(n.op.name))) return;
        for (int32_t t : n.outputs)
          if (try_field("output", tensor_name(t))) return;
        if (try_field("namespace", qs(n.ns))) return;
        // Constant inputs (weights) only: other inputs are producers' outputs, matched there.
        for (int32_t t : n.inputs)
          if (t >= 0 && t < static_cast<int32_t>(graph.tensors.size()) &&
              graph.tensors[static_cast<size_t>(t)].is_constant &&
              try_field("weight", tensor_name(t)))
            return;
        for (const Attribute& a : n.attrs)
          if (try_field("attribute " + qs(a.name), qs(attr_to_string(a.value)))) return;
        if (try_field("node", QString("node %1").arg(n.id))) return;
        try_field("debug", qs(n.debug_info));
      };
      search();
    }
  }
  return hits;
}

}  // namespace edgelens::inspect
