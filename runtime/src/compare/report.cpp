// The whole comparison, the threshold gate, and its JSON and text forms.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "edgelens/runtime/compare.h"

namespace edgelens::runtime::compare {
namespace {

using json = nlohmann::ordered_json;

json number(double v) {
  return std::isfinite(v) ? json(v) : json(nullptr);
}

json metrics_json(const NumericMetrics& m) {
  return {{"count", m.count},
          {"max_abs", number(m.max_abs)},
          {"max_rel", number(m.max_rel)},
          {"rmse", number(m.rmse)},
          {"cosine", number(m.cosine)},
          {"nonfinite_mismatch", m.nonfinite_mismatch},
          {"max_abs_reference", number(m.max_abs_reference)}};
}

json pair_json(const TensorPair& p) {
  return {{"tensor_a", p.tensor_a},
          {"tensor_b", p.tensor_b},
          {"node_a", p.node_a},
          {"node_b", p.node_b},
          {"name_a", p.name_a},
          {"name_b", p.name_b},
          {"how", p.how}};
}

json tensor_diff_json(const TensorDiff& d) {
  json j = pair_json(d.pair);
  j["change"] = d.change;
  if (d.output >= 0) j["output"] = d.output;
  j["scale"] = number(d.scale_b);
  j["metrics"] = metrics_json(d.metrics);
  if (!d.skipped.empty()) j["skipped"] = d.skipped;
  return j;
}

json coverage_json(const Coverage& c) {
  json j = {{"available", c.available}};
  if (!c.available) {
    j["why"] = c.why;
    return j;
  }
  j["nodes"] = c.nodes;
  j["delegated"] = c.delegated;
  j["partitions"] = c.partitions;
  j["summary"] = c.summary;
  return j;
}

std::string metric_text(double v) {
  return std::isfinite(v) ? fmt::format("{:.4g}", v) : "-";
}

}  // namespace

CompareReport compare_models(const Model& a, const Model& b, std::span<const quant::Sample> samples,
                             const CompareOptions& options) {
  CompareReport report;
  report.model_a = a.path;
  report.model_b = b.path;
  report.structure = diff_structure(a, b);
  if (options.structure_only) return report;
  if (options.coverage) report.coverage = diff_coverage(a, b, report.structure, options.delegate);
  report.numeric = diff_numbers(a, b, report.structure, samples, options.intermediates);
  return report;
}

ThresholdResult check_thresholds(const CompareReport& report, const Thresholds& t) {
  ThresholdResult result;
  if (!t.max_abs && !t.max_rel) return result;
  if (!report.numeric || !report.numeric->ran) {
    result.passed = false;
    result.failures.push_back(report.numeric
                                  ? fmt::format("no numeric diff: {}", report.numeric->why_not)
                                  : std::string("no numeric diff (structure only)"));
    return result;
  }
  for (const TensorDiff& d : report.numeric->outputs) {
    const std::string what = fmt::format("output {} '{}'", d.output, d.pair.name_b);
    if (!d.skipped.empty()) {
      result.failures.push_back(fmt::format("{}: not compared ({})", what, d.skipped));
      continue;
    }
    if (d.metrics.nonfinite_mismatch > 0)
      result.failures.push_back(
          fmt::format("{}: {} NaN/Inf mismatches", what, d.metrics.nonfinite_mismatch));
    if (t.max_abs && !(d.metrics.max_abs <= *t.max_abs))
      result.failures.push_back(
          fmt::format("{}: max_abs {:.6g} > {:.6g}", what, d.metrics.max_abs, *t.max_abs));
    if (t.max_rel && !(d.metrics.max_rel <= *t.max_rel))
      result.failures.push_back(
          fmt::format("{}: max_rel {:.6g} > {:.6g}", what, d.metrics.max_rel, *t.max_rel));
  }
  result.passed = result.failures.empty();
  return result;
}

std::string report_json(const CompareReport& r, const Thresholds& thresholds) {
  json out;
  out["model_a"] = r.model_a;
  out["model_b"] = r.model_b;
  const StructuralDiff& s = r.structure;
  json structure;
  structure["summary"] = {
      {"same", s.same}, {"changed", s.changed}, {"added", s.added}, {"removed", s.removed}};
  structure["interface"] = s.interface_differences;
  json ops = json::object();
  for (const auto& [op, n] : s.op_counts) ops[op] = {n.first, n.second};
  structure["op_counts"] = std::move(ops);
  json nodes = json::array();
  for (const NodeChange& c : s.nodes) {
    json n = {{"kind", std::string(change_kind_name(c.kind))},
              {"node_a", c.node_a},
              {"node_b", c.node_b},
              {"op_a", c.op_a},
              {"op_b", c.op_b}};
    if (!c.match.empty()) n["match"] = c.match;
    if (!c.differences.empty()) n["differences"] = c.differences;
    nodes.push_back(std::move(n));
  }
  structure["nodes"] = std::move(nodes);
  json tensors = json::array();
  for (const TensorPair& p : s.tensors) tensors.push_back(pair_json(p));
  structure["tensors"] = std::move(tensors);
  out["structure"] = std::move(structure);

  if (r.coverage) {
    json cov = {{"delegate", r.coverage->delegate},
                {"a", coverage_json(r.coverage->a)},
                {"b", coverage_json(r.coverage->b)}};
    json changes = json::array();
    for (const CoverageChange& c : r.coverage->changes)
      changes.push_back({{"change", c.change},
                         {"node_a", s.nodes[size_t(c.change)].node_a},
                         {"node_b", s.nodes[size_t(c.change)].node_b},
                         {"delegated_a", c.delegated_a},
                         {"delegated_b", c.delegated_b},
                         {"reason_a", c.reason_a},
                         {"reason_b", c.reason_b}});
    cov["changes"] = std::move(changes);
    out["coverage"] = std::move(cov);
  }
  if (r.numeric) {
    const NumericDiff& n = *r.numeric;
    json num = {{"ran", n.ran}};
    if (!n.ran) num["why_not"] = n.why_not;
    num["samples"] = n.samples;
    json outs = json::array(), mids = json::array();
    for (const TensorDiff& d : n.outputs) outs.push_back(tensor_diff_json(d));
    for (const TensorDiff& d : n.intermediates) mids.push_back(tensor_diff_json(d));
    num["all_outputs"] = metrics_json(n.all_outputs);
    num["outputs"] = std::move(outs);
    num["intermediates"] = std::move(mids);
    out["numeric"] = std::move(num);
  }
  const ThresholdResult verdict = check_thresholds(r, thresholds);
  out["thresholds"] = {{"max_abs", thresholds.max_abs ? json(*thresholds.max_abs) : json(nullptr)},
                       {"max_rel", thresholds.max_rel ? json(*thresholds.max_rel) : json(nullptr)},
                       {"passed", verdict.passed},
                       {"failures", verdict.failures}};
  // Names in model files are not guaranteed UTF-8; JSON must be.
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string report_text(const CompareReport& r, const Thresholds& thresholds) {
  std::string out;
  auto line = [&out](const std::string& s) {
    out += s;
    out += '\n';
  };
  const StructuralDiff& s = r.structure;
  line(fmt::format("A: {}\nB: {}", r.model_a, r.model_b));
  line(fmt::format("Structure: {} same, {} changed, {} added, {} removed", s.same, s.changed,
                   s.added, s.removed));
  for (const auto& d : s.interface_differences) line("  interface: " + d);
  line(fmt::format("  {:<8} {:>5} {:<28} {:>5} {:<28} {:<10} {}", "change", "A", "op A", "B",
                   "op B", "match", "differences"));
  for (const NodeChange& c : s.nodes) {
    const std::string first = c.differences.empty() ? "" : c.differences.front();
    line(fmt::format("  {:<8} {:>5} {:<28} {:>5} {:<28} {:<10} {}", change_kind_name(c.kind),
                     c.node_a >= 0 ? fmt::format("{}", c.node_a) : "-", c.op_a,
                     c.node_b >= 0 ? fmt::format("{}", c.node_b) : "-", c.op_b, c.match, first));
    for (size_t i = 1; i < c.differences.size(); ++i)
      line(fmt::format("  {:<89} {}", "", c.differences[i]));
  }
  if (r.coverage) {
    const CoverageDiff& c = *r.coverage;
    line(fmt::format("\nDelegate coverage ({}):", c.delegate));
    line("  A: " + (c.a.available ? c.a.summary + fmt::format(", {} partition(s)", c.a.partitions)
                                  : "n/a (" + c.a.why + ")"));
    line("  B: " + (c.b.available ? c.b.summary + fmt::format(", {} partition(s)", c.b.partitions)
                                  : "n/a (" + c.b.why + ")"));
    for (const CoverageChange& ch : c.changes) {
      const NodeChange& n = s.nodes[size_t(ch.change)];
      line(fmt::format("  node A{} {} -> B{} {}: {} -> {}{}", n.node_a, n.op_a, n.node_b, n.op_b,
                       ch.delegated_a ? "delegate" : "CPU", ch.delegated_b ? "delegate" : "CPU",
                       !ch.delegated_b && !ch.reason_b.empty() ? " (" + ch.reason_b + ")" : ""));
    }
  }
  if (r.numeric) {
    const NumericDiff& n = *r.numeric;
    if (!n.ran) {
      line("\nNumeric diff: not run: " + n.why_not);
    } else {
      line(fmt::format("\nNumeric diff over {} sample(s) (B - A, quantized values dequantized):",
                       n.samples));
      line(fmt::format("  {:<12} {:>6} {:>6} {:>11} {:>11} {:>11} {:>9}  {}", "what", "A", "B",
                       "max_abs", "max_rel", "rmse", "cosine", "tensor (B)"));
      auto row = [&](const std::string& what, const TensorDiff& d) {
        if (!d.skipped.empty())
          line(fmt::format("  {:<12} {:>6} {:>6} skipped: {}  {}", what, d.pair.tensor_a,
                           d.pair.tensor_b, d.skipped, d.pair.name_b));
        else
          line(fmt::format("  {:<12} {:>6} {:>6} {:>11} {:>11} {:>11} {:>9}  {}", what,
                           d.pair.tensor_a, d.pair.tensor_b, metric_text(d.metrics.max_abs),
                           metric_text(d.metrics.max_rel), metric_text(d.metrics.rmse),
                           metric_text(d.metrics.cosine), d.pair.name_b));
      };
      for (const TensorDiff& d : n.outputs) row(fmt::format("output {}", d.output), d);
      for (const TensorDiff& d : n.intermediates) row(d.pair.how, d);
    }
  }
  if (thresholds.max_abs || thresholds.max_rel) {
    const ThresholdResult verdict = check_thresholds(r, thresholds);
    line(verdict.passed ? "\nThresholds: passed" : "\nThresholds: FAILED");
    for (const auto& f : verdict.failures) line("  " + f);
  }
  return out;
}

}  // namespace edgelens::runtime::compare
