#include "edgelens/runtime/delegate/partition_json.h"

namespace edgelens::delegate {

nlohmann::ordered_json partition_json(const Model& model, const PartitionReport& r) {
  using json = nlohmann::ordered_json;
  const Graph& graph = model.graphs[r.graph];
  json out;
  out["model"] = model.path;
  out["graph"] = r.graph;
  out["graph_name"] = graph.name;
  out["delegate"] = {{"name", r.delegate_name},
                     {"description", r.delegate_description},
                     {"target_label", r.target_label},
                     {"source", r.source}};
  out["options"] = {{"greedy", r.options.greedy},
                    {"preserve_all_tensors", r.options.preserve_all_tensors},
                    {"max_partitions", r.options.limits.max_partitions},
                    {"min_nodes_per_partition", r.options.limits.min_nodes_per_partition}};
  out["summary"] = {{"cpu_operators", r.cpu_ops},
                    {"delegate_operators", r.delegate_ops},
                    {"delegate_partitions", r.delegate_partitions},
                    {"claimed_but_dropped", r.claimed_but_dropped},
                    {"text", summary_line(r)}};
  json parts = json::array();
  for (size_t i = 0; i < r.subsets.size(); ++i) {
    const NodeSubset& s = r.subsets[i];
    parts.push_back({{"index", i},
                     {"kind", s.kind == NodeSubset::Kind::Delegate ? "delegate" : "cpu"},
                     {"nodes", s.nodes},
                     {"input_tensors", s.input_tensors},
                     {"output_tensors", s.output_tensors}});
  }
  out["partitions"] = std::move(parts);
  json nodes = json::array();
  for (const NodePlacement& p : r.nodes) {
    const Node& node = graph.nodes[p.node];
    json n = {{"id", p.node},
              {"op", node.op.name},
              {"claimed", p.verdict.claimed},
              {"delegated", p.delegated},
              {"partition", p.subset},
              {"rule", p.verdict.rule},
              {"reason", p.verdict.reason}};
    if (!p.placement_note.empty()) n["placement_note"] = p.placement_note;
    nodes.push_back(std::move(n));
  }
  out["nodes"] = std::move(nodes);
  return out;
}

}  // namespace edgelens::delegate
