// `edgelens partition MODEL --delegate NAME|PROFILE.json`: which nodes a delegate would take, why
// the others fall back to the CPU, and the partitions TFLite would form. Claims only: nothing runs.
// JSON output is documented in docs/partitioning.md.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "command.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/delegate/partition_json.h"
#include "edgelens/runtime/delegate/partitioner.h"

namespace edgelens::cli {
namespace {

struct PartitionCliOptions {
  std::string model;
  std::string delegate_name = "xnnpack";
  uint32_t graph = 0;
  bool json = false;
  bool all_nodes = false;
  bool preserve_all_tensors = false;
  bool no_greedy = false;
  int max_partitions = -1;  // -1 = the delegate's default
  int min_nodes = -1;
};

// "0-11, 14, 16-17"
std::string node_ranges(const std::vector<uint32_t>& nodes) {
  std::string out;
  for (size_t i = 0; i < nodes.size();) {
    size_t j = i;
    while (j + 1 < nodes.size() && nodes[j + 1] == nodes[j] + 1) ++j;
    if (!out.empty()) out += ", ";
    out += j == i ? fmt::format("{}", nodes[i]) : fmt::format("{}-{}", nodes[i], nodes[j]);
    i = j + 1;
  }
  return out;
}

std::string node_label(const Graph& graph, const Node& node) {
  std::string label = fmt::format("node {} {}", node.id, node.op.name);
  if (!node.outputs.empty() && node.outputs[0] >= 0 &&
      static_cast<size_t>(node.outputs[0]) < graph.tensors.size()) {
    const std::string& name = graph.tensors[static_cast<size_t>(node.outputs[0])].name;
    if (!name.empty()) label += fmt::format(" '{}'", name);
  }
  return label;
}

std::string tensor_list(const Graph& graph, const std::vector<int32_t>& ids, bool skip_constants) {
  std::vector<std::string> parts;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= graph.tensors.size()) continue;
    const Tensor& t = graph.tensors[static_cast<size_t>(id)];
    if (skip_constants && t.is_constant) continue;
    parts.push_back(t.name.empty() ? fmt::format("#{}", id) : fmt::format("{}#{}", t.name, id));
  }
  return parts.empty() ? "-" : fmt::format("{}", fmt::join(parts, ", "));
}

void print_text(const Model& model, const delegate::PartitionReport& r, bool all_nodes) {
  const Graph& graph = model.graphs[r.graph];
  fmt::print("Model: {} (graph {}{})\n", model.path, r.graph,
             graph.name.empty() ? "" : fmt::format(" '{}'", graph.name));
  fmt::print("Delegate: {} - {}\n", r.delegate_name, r.delegate_description);
  if (!r.source.empty()) fmt::print("Rules from: {}\n", r.source);
  if (r.options.limits.max_partitions > 0 || r.options.limits.min_nodes_per_partition > 0)
    fmt::print("Partition limits: max partitions {}, min nodes per partition {}\n",
               r.options.limits.max_partitions, r.options.limits.min_nodes_per_partition);
  fmt::print("\nPartitions in execution order ({} on {}, {} on CPU):\n", r.delegate_partitions,
             r.target_label, r.subsets.size() - static_cast<size_t>(r.delegate_partitions));
  for (size_t i = 0; i < r.subsets.size(); ++i) {
    const delegate::NodeSubset& s = r.subsets[i];
    const bool on_delegate = s.kind == delegate::NodeSubset::Kind::Delegate;
    fmt::print("  #{:<3} {:<9} {:>4} node{} [{}]\n", i, on_delegate ? r.target_label : "CPU",
               s.nodes.size(), s.nodes.size() == 1 ? " " : "s", node_ranges(s.nodes));
    if (on_delegate)
      fmt::print("        in: {}\n        out: {}\n", tensor_list(graph, s.input_tensors, true),
                 tensor_list(graph, s.output_tensors, false));
  }
  bool header = false;
  for (const delegate::NodePlacement& p : r.nodes) {
    if (p.delegated) continue;
    if (!header) fmt::print("\nNodes on the CPU, and why:\n");
    header = true;
    const Node& node = graph.nodes[p.node];
    const std::string why = !p.placement_note.empty() ? p.placement_note : p.verdict.reason;
    fmt::print("  {}: {}{}\n", node_label(graph, node), why.empty() ? "(no reason given)" : why,
               p.verdict.rule.empty() ? "" : fmt::format("  [{}]", p.verdict.rule));
  }
  // Unpacking of constant weights is routine (one per weight tensor); count it unless --all.
  auto routine = [](const delegate::NodePlacement& p) {
    return p.verdict.rule == "xnnpack.quasi_static" || p.verdict.rule == "xnnpack.fp16_weights";
  };
  int unpack_nodes = 0;
  if (all_nodes) {
    fmt::print("\nDelegated nodes:\n");
    for (const delegate::NodePlacement& p : r.nodes)
      if (p.delegated)
        fmt::print("  {}{}\n", node_label(graph, graph.nodes[p.node]),
                   p.verdict.reason.empty() ? "" : fmt::format(": {}", p.verdict.reason));
  } else {
    // Notes repeat per op type (profile notes); print each distinct note once with its nodes.
    std::vector<std::pair<std::string, std::vector<uint32_t>>> notes;
    for (const delegate::NodePlacement& p : r.nodes) {
      if (!p.delegated || p.verdict.reason.empty()) continue;
      if (routine(p)) {
        ++unpack_nodes;
        continue;
      }
      auto it = std::find_if(notes.begin(), notes.end(),
                             [&](const auto& n) { return n.first == p.verdict.reason; });
      if (it == notes.end()) it = notes.insert(notes.end(), {p.verdict.reason, {}});
      it->second.push_back(p.node);
    }
    if (!notes.empty()) fmt::print("\nNotes on delegated nodes:\n");
    for (const auto& [note, ids] : notes) fmt::print("  nodes [{}]: {}\n", node_ranges(ids), note);
  }
  if (unpack_nodes > 0)
    fmt::print(
        "\n{} DEQUANTIZE/DENSIFY node{} of constant weights absorbed by the delegate (unpacked "
        "once at "
        "prepare time; --all lists them)\n",
        unpack_nodes, unpack_nodes == 1 ? "" : "s");
  fmt::print("\n{}\n", delegate::summary_line(r));
}

Action setup_partition(CLI::App& sub) {
  auto o = std::make_shared<PartitionCliOptions>();
  sub.add_option("MODEL", o->model, "Model file (.tflite)")->required();
  sub.add_option("--delegate,-d", o->delegate_name,
                 "xnnpack | xnnpack-local | gpu | nnapi | htp | ethos-u | PROFILE.json")
      ->capture_default_str();
  sub.add_option("--graph", o->graph, "Graph (subgraph) index")->capture_default_str();
  sub.add_flag("--json", o->json, "Print the report as JSON (format: docs/partitioning.md)");
  sub.add_flag("--all", o->all_nodes, "List every delegated node, not only fallbacks and notes");
  sub.add_option("--max-partitions", o->max_partitions,
                 "Keep at most N delegated partitions (largest first; 0 = no limit)");
  sub.add_option("--min-nodes", o->min_nodes, "Drop delegated partitions with fewer than N nodes");
  sub.add_flag("--preserve-all-tensors", o->preserve_all_tensors,
               "One node per partition, as TFLite's experimental_preserve_all_tensors");
  sub.add_flag("--no-greedy", o->no_greedy,
               "Disable delegate clustering (keep the original node order)");
  return [o]() {
    std::unique_ptr<delegate::DelegateRules> rules;
    try {
      rules = delegate::make_delegate_rules(o->delegate_name);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "edgelens partition: {}\n", e.what());
      return kExitUsage;
    }
    if (o->max_partitions < -1 || o->min_nodes < -1) {
      fmt::print(stderr, "edgelens partition: --max-partitions and --min-nodes must be >= 0\n");
      return kExitUsage;
    }
    const auto model = open_model(o->model);
    if (o->graph >= model->graphs.size()) {
      fmt::print(stderr, "edgelens partition: graph {} does not exist ({} has {})\n", o->graph,
                 o->model, model->graphs.size());
      return kExitUsage;
    }
    delegate::PartitionOptions options;
    options.greedy = !o->no_greedy;
    options.preserve_all_tensors = o->preserve_all_tensors;
    options.limits = rules->default_limits();
    if (o->max_partitions >= 0) options.limits.max_partitions = o->max_partitions;
    if (o->min_nodes >= 0) options.limits.min_nodes_per_partition = o->min_nodes;
    const delegate::PartitionReport report =
        delegate::analyze_partitions(*model, o->graph, *rules, options);
    if (o->json)
      fmt::print("{}\n", delegate::partition_json(*model, report).dump(2));
    else
      print_text(*model, report, o->all_nodes);
    return kExitOk;
  };
}

const RegisterCommand kRegisterPartition{{"partition",
                                          "Which nodes a delegate (XNNPACK or a what-if target "
                                          "profile) would take, why the rest fall back, "
                                          "and the partitions TFLite would form",
                                          setup_partition}};

}  // namespace
}  // namespace edgelens::cli
