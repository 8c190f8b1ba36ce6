// Report writers: CSV (TFLite's columns), JSON, Model Explorer node data; atomic file writes.
#include "edgelens/runtime/quant/report.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "edgelens/model_io/model_explorer.h"
#include "edgelens/model_io/node_data.h"

namespace edgelens::runtime::quant {
namespace {

using ojson = nlohmann::ordered_json;

// Python's repr() of a float: shortest round-trip digits, "1.0" for integral values, nan/inf.
std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

ojson number(double v) {
  return std::isfinite(v) ? ojson(v) : ojson(nullptr);
}

ojson metrics_json(const ErrorMetrics& m) {
  ojson j = ojson::object();
  for (auto name : kMetricNames) j[std::string(name)] = number(metric_value(m, name));
  return j;
}

ojson row_json(const TensorRow& r) {
  ojson j;
  j["node"] = r.node;
  j["op_name"] = r.op_name;
  j["tensor_idx"] = r.tensor_idx;
  j["tensor_name"] = r.tensor_name;
  for (auto name : kMetricNames) j[std::string(name)] = number(metric_value(r.metrics, name));
  j["scale"] = number(r.scale);
  j["zero_point"] = r.zero_point;
  j["flagged"] = r.flagged;
  if (r.reference_tensor >= 0) j["reference_tensor"] = r.reference_tensor;
  if (!r.match.empty()) j["match"] = r.match;
  return j;
}

ojson rows_json(const std::vector<TensorRow>& rows) {
  ojson a = ojson::array();
  for (const auto& r : rows) a.push_back(row_json(r));
  return a;
}

}  // namespace

std::string report_csv(const QuantReport& report) {
  std::string out =
      "op_name,tensor_idx,num_elements,stddev,mean_error,max_abs_error,mean_squared_error,"
      "rmse_scale,snr_db,cosine_similarity,scale,zero_point,tensor_name\n";
  for (const auto& r : report.primary()) {
    out += csv_field(r.op_name) + "," + std::to_string(r.tensor_idx);
    for (auto name : kMetricNames) out += "," + py_float(metric_value(r.metrics, name));
    out += "," + py_float(r.scale) + "," + std::to_string(r.zero_point) + "," +
           csv_field(r.tensor_name) + "\n";
  }
  return out;
}

std::string report_json(const QuantReport& report) {
  ojson j;
  j["model"] = report.model;
  j["float_model"] = report.float_model.empty() ? ojson(nullptr) : ojson(report.float_model);
  j["mode"] = report.mode == ReportMode::Layer ? "layer" : "model";
  j["samples"] = report.samples;
  j["shadow"] = report.shadow_kind;
  j["thresholds"] = {{"uniform_rounding_rmse_scale", kUniformRoundingRmse},
                     {"flag_rmse_scale_above", kSuspiciousRmseScale}};
  j["metric_names"] = ojson::array();
  for (auto name : kMetricNames) j["metric_names"].push_back(std::string(name));
  j["layers"] = rows_json(report.layers);
  j["accumulated"] = rows_json(report.accumulated);
  j["pairs"] = rows_json(report.pairs);
  j["outputs"] = rows_json(report.outputs);
  j["outputs_vs_float"] = rows_json(report.outputs_vs_float);
  ojson steps = ojson::array();
  for (const auto& s : report.what_if) {
    ojson step;
    step["k"] = s.k;
    step["float_nodes"] = s.float_nodes;
    step["output_rmse"] = number(s.output_rmse);
    step["output"] = metrics_json(s.output);
    steps.push_back(std::move(step));
  }
  j["what_if"] = {{"steps", steps},
                  {"suggested_k", report.suggested_k ? ojson(*report.suggested_k) : ojson()}};
  if (report.suggested_k && *report.suggested_k < report.what_if.size())
    j["what_if"]["suggested_float_nodes"] = report.what_if[*report.suggested_k].float_nodes;
  ojson skipped = ojson::array();
  for (const auto& s : report.skipped)
    skipped.push_back({{"node", s.node}, {"op", s.op}, {"why", s.why}});
  j["skipped"] = skipped;
  j["timing"] = {{"quantized_run_ms_per_sample", report.quant_ms_per_sample},
                 {"report_ms_per_sample", report.total_ms_per_sample}};
  return j.dump(1);
}

std::string report_node_data(const QuantReport& report, const Model& model,
                             std::string_view metric) {
  std::map<uint32_t, double> worst;
  for (const auto& r : report.primary()) {
    const double v = metric_value(r.metrics, metric);
    if (!std::isfinite(v)) continue;
    auto [it, fresh] = worst.try_emplace(r.node, v);
    if (!fresh) it->second = std::max(it->second, v);
  }
  GraphNodeData graph;
  for (const auto& [node, v] : worst)
    graph.results.push_back({std::to_string(node), v, {}, {}, {}});
  // Low error green, the middle yellow, the worst red (stops are relative to min..max).
  graph.gradient = {{0, "#2e7d32", {}}, {0.5, "#fbc02d", {}}, {1, "#c62828", {}}};
  ModelNodeData data;
  data.graphs.emplace_back(model_explorer_graph_id(model, 0), std::move(graph));
  return node_data_json(data).dump(1);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("{}: cannot create a temporary file: {}", path.string(), std::strerror(errno)));
  size_t written = 0;
  bool ok = true;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    written += size_t(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::fchmod(fd, 0644);
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmpl.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmpl.c_str());
    throw std::runtime_error(fmt::format("{}: write failed: {}", path.string(), why));
  }
}

}  // namespace edgelens::runtime::quant
