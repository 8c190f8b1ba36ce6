// Delegate-coverage diff: the same delegate's claims and TFLite partitioning on both models.
#include <exception>

#include "edgelens/runtime/compare.h"
#include "edgelens/runtime/delegate/partitioner.h"

namespace edgelens::runtime::compare {
namespace {

Coverage coverage_of(const Model& m, const delegate::DelegateRules& rules,
                     std::vector<std::string>& reasons) {
  Coverage c;
  if (m.graphs.empty()) {
    c.why = "the model has no graph";
    return c;
  }
  if (m.format != ModelFormat::TFLite) {
    // The claim rules read TFLite ops; an ExecuTorch program's delegation is already decided in
    // the file (its DelegateCall nodes).
    c.why = "delegate claim rules apply to .tflite graphs";
    return c;
  }
  try {
    delegate::PartitionOptions options;
    options.limits = rules.default_limits();
    const auto report = delegate::analyze_partitions(m, 0, rules, options);
    c.available = true;
    c.nodes = int(report.nodes.size());
    c.delegated = report.delegate_ops;
    c.partitions = report.delegate_partitions;
    c.summary = delegate::summary_line(report);
    c.delegated_nodes.assign(report.nodes.size(), false);
    reasons.assign(report.nodes.size(), {});
    for (const auto& p : report.nodes) {
      c.delegated_nodes[p.node] = p.delegated;
      reasons[p.node] = !p.placement_note.empty() ? p.placement_note : p.verdict.reason;
    }
  } catch (const std::exception& e) {
    c.why = e.what();
  }
  return c;
}

}  // namespace

CoverageDiff diff_coverage(const Model& a, const Model& b, const StructuralDiff& structure,
                           std::string_view delegate_name) {
  CoverageDiff diff;
  diff.delegate = std::string(delegate_name);
  const auto rules = delegate::make_delegate_rules(delegate_name);
  std::vector<std::string> reasons_a, reasons_b;
  diff.a = coverage_of(a, *rules, reasons_a);
  diff.b = coverage_of(b, *rules, reasons_b);
  if (!diff.a.available || !diff.b.available) return diff;
  for (size_t i = 0; i < structure.nodes.size(); ++i) {
    const NodeChange& c = structure.nodes[i];
    const bool in_a = c.node_a >= 0 && size_t(c.node_a) < diff.a.delegated_nodes.size();
    const bool in_b = c.node_b >= 0 && size_t(c.node_b) < diff.b.delegated_nodes.size();
    const bool da = in_a && diff.a.delegated_nodes[size_t(c.node_a)];
    const bool db = in_b && diff.b.delegated_nodes[size_t(c.node_b)];
    // Only matched nodes that changed side: added/removed nodes are in the structural diff.
    if (!in_a || !in_b || da == db) continue;
    diff.changes.push_back(
        {int32_t(i), da, db, reasons_a[size_t(c.node_a)], reasons_b[size_t(c.node_b)]});
  }
  return diff;
}

}  // namespace edgelens::runtime::compare
