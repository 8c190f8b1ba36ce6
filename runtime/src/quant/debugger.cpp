// The quantization debugger's run: quantized run with every tensor kept, layer-wise float
// single-node models, the float shadow, an optional float model, and the what-if curve.
#include "edgelens/runtime/quant/debugger.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>

#include "edgelens/runtime/quant/derive.h"

namespace edgelens::runtime::quant {
namespace {

struct LayerRunner {
  uint32_t node = 0;
  SingleNodeModel model;
  std::unique_ptr<Interpreter> interpreter;
  std::vector<MetricsAccumulator> outputs;  // per graph output of the single-node model
};

TensorRow make_row(const Graph& g, uint32_t node, int32_t tensor) {
  TensorRow row;
  row.node = node;
  row.op_name = g.nodes.at(node).op.name;
  row.tensor_idx = tensor;
  const Tensor& t = g.tensors.at(size_t(tensor));
  row.tensor_name = t.name;
  if (!t.quant.scales.empty()) row.scale = t.quant.scales[0];
  if (!t.quant.zero_points.empty()) row.zero_point = t.quant.zero_points[0];
  return row;
}

double row_scale(const Tensor& t) {
  return is_quantized(t) ? double(t.quant.scales[0]) : NAN;
}

// Producer of every graph-0 tensor (-1 for inputs/constants).
std::vector<int32_t> producers(const Graph& g) {
  std::vector<int32_t> p(g.tensors.size(), -1);
  for (const Node& n : g.nodes)
    for (int32_t id : n.outputs)
      if (id >= 0 && size_t(id) < p.size()) p[size_t(id)] = int32_t(n.id);
  return p;
}

// All model outputs as one vector of float values.
std::vector<float> concatenated_outputs(const Interpreter& interpreter) {
  std::vector<float> all;
  for (size_t k = 0; k < interpreter.output_count(); ++k) {
    const auto v = float_values(interpreter.output(k));
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

// One accumulator per compared tensor pair, filled sample by sample.
struct Comparison {
  TensorRow row;
  int32_t quantized = -1, reference = -1;
  MetricsAccumulator acc;
};

void compare(Comparison& c, const Interpreter& q, const Interpreter& ref) {
  const auto qv = float_values(q.tensor(0, uint32_t(c.quantized)));
  const auto rv = float_values(ref.tensor(0, uint32_t(c.reference)));
  if (qv.size() != rv.size()) {
    c.acc.add(ErrorMetrics{});  // NaN metrics: shapes differ
    return;
  }
  c.acc.add(compute_metrics(qv, rv, c.row.scale));
}

std::vector<TensorRow> finish(std::vector<Comparison>& comparisons) {
  std::vector<TensorRow> rows;
  for (auto& c : comparisons) {
    c.row.metrics = c.acc.mean();  // not flagged: accumulated error is expected to exceed 0.7
    rows.push_back(std::move(c.row));
  }
  return rows;
}

std::vector<Comparison> output_comparisons(const Model& quantized, const Interpreter& qi,
                                           const Interpreter& ref) {
  const Graph& g = quantized.graphs[0];
  const auto producer = producers(g);
  std::vector<Comparison> out;
  const size_t n = std::min(qi.output_count(), ref.output_count());
  for (size_t k = 0; k < n; ++k) {
    const int32_t t = g.outputs.at(k);
    Comparison c;
    c.row.node = producer[size_t(t)] >= 0 ? uint32_t(producer[size_t(t)]) : 0;
    c.row.op_name = producer[size_t(t)] >= 0 ? g.nodes[size_t(producer[size_t(t)])].op.name : "";
    c.row.tensor_idx = t;
    c.row.tensor_name = g.tensors[size_t(t)].name;
    c.row.scale = row_scale(g.tensors[size_t(t)]);
    if (!g.tensors[size_t(t)].quant.zero_points.empty())
      c.row.zero_point = g.tensors[size_t(t)].quant.zero_points[0];
    c.row.match = "output";
    c.quantized = int32_t(k);  // output index here
    c.acc = MetricsAccumulator(c.row.scale);
    out.push_back(std::move(c));
  }
  return out;
}

void compare_outputs(std::vector<Comparison>& cs, const Interpreter& q, const Interpreter& ref) {
  for (auto& c : cs) {
    const auto qv = float_values(q.output(size_t(c.quantized)));
    const auto rv = float_values(ref.output(size_t(c.quantized)));
    if (qv.size() != rv.size())
      c.acc.add(ErrorMetrics{});
    else
      c.acc.add(compute_metrics(qv, rv, c.row.scale));
  }
}

}  // namespace

std::vector<std::pair<size_t, size_t>> common_subsequence(const std::vector<std::string>& x,
                                                          const std::vector<std::string>& y) {
  // Classic dynamic programming; models big enough to make this costly fall back to position.
  std::vector<std::pair<size_t, size_t>> pairs;
  const size_t n = x.size(), m = y.size();
  if (n * m > 40'000'000) {
    for (size_t i = 0; i < std::min(n, m); ++i)
      if (x[i] == y[i]) pairs.emplace_back(i, i);
    return pairs;
  }
  std::vector<uint32_t> dp((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return dp[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = x[i] == y[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  for (size_t i = 0, j = 0; i < n && j < m;) {
    if (x[i] == y[j]) {
      pairs.emplace_back(i, j);
      ++i, ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return pairs;
}

const std::vector<TensorRow>& QuantReport::primary() const {
  if (mode == ReportMode::Layer) return layers;
  if (!float_model.empty()) return pairs;
  return accumulated;
}

std::vector<TensorMatch> match_tensors(const Model& quantized, const Model& float_model) {
  std::vector<TensorMatch> matches;
  if (quantized.graphs.empty() || float_model.graphs.empty()) return matches;
  const Graph& q = quantized.graphs[0];
  const Graph& f = float_model.graphs[0];
  auto is_float_activation = [&](int32_t id) {
    return id >= 0 && size_t(id) < f.tensors.size() && !f.tensors[size_t(id)].is_constant &&
           f.tensors[size_t(id)].dtype == DType::Float32;
  };
  std::map<std::string, int32_t> by_name;
  for (const Node& n : f.nodes)
    for (int32_t id : n.outputs)
      if (is_float_activation(id)) by_name.emplace(f.tensors[size_t(id)].name, id);
  std::set<int32_t> used_q, used_f;
  for (const Node& n : q.nodes)
    for (int32_t id : n.outputs) {
      if (id < 0 || !is_quantized(q.tensors[size_t(id)])) continue;
      auto it = by_name.find(q.tensors[size_t(id)].name);
      if (it == by_name.end() || used_f.count(it->second)) continue;
      matches.push_back({id, it->second, "name"});
      used_q.insert(id);
      used_f.insert(it->second);
    }
  // Structure: align the op sequences without the (de)quantize ops the converter inserts.
  auto compute_nodes = [](const Graph& g) {
    std::vector<uint32_t> ids;
    for (const Node& n : g.nodes)
      if (n.op.name != "QUANTIZE" && n.op.name != "DEQUANTIZE") ids.push_back(n.id);
    return ids;
  };
  const auto qn = compute_nodes(q), fn = compute_nodes(f);
  std::vector<std::string> qops, fops;
  for (auto id : qn) qops.push_back(q.nodes[id].op.name);
  for (auto id : fn) fops.push_back(f.nodes[id].op.name);
  for (const auto& [i, j] : common_subsequence(qops, fops)) {
    const Node& a = q.nodes[qn[i]];
    const Node& b = f.nodes[fn[j]];
    for (size_t k = 0; k < std::min(a.outputs.size(), b.outputs.size()); ++k) {
      const int32_t qt = a.outputs[k], ft = b.outputs[k];
      if (qt < 0 || !is_quantized(q.tensors[size_t(qt)]) || !is_float_activation(ft)) continue;
      if (used_q.count(qt) || used_f.count(ft)) continue;
      if (q.tensors[size_t(qt)].shape != f.tensors[size_t(ft)].shape) continue;
      matches.push_back({qt, ft, "structure"});
      used_q.insert(qt);
      used_f.insert(ft);
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const TensorMatch& x, const TensorMatch& y) { return x.quantized < y.quantized; });
  return matches;
}

QuantReport run_quant_report(const Model& quantized, const Model* float_model,
                             std::span<const Sample> samples, const ReportOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  if (quantized.graphs.empty()) throw std::invalid_argument("the model has no graph");
  if (samples.empty()) throw std::invalid_argument("no samples to run");
  const Graph& g = quantized.graphs[0];
  QuantReport report;
  report.model = quantized.path;
  report.mode = options.mode;
  report.samples = samples.size();
  if (float_model) report.float_model = float_model->path.empty() ? "float" : float_model->path;
  const auto producer = producers(g);

  Interpreter qi(quantized, InterpreterOptions{.keep_all_tensors = true});
  if (!qi.ready()) throw UnsupportedModel(qi.unsupported());

  // Layer-wise runners: one single-node float model per quantized node.
  const bool want_layers = options.mode == ReportMode::Layer || options.keep_float_top > 0;
  const auto qnodes = quantized_nodes(quantized);
  std::vector<LayerRunner> layers;
  for (uint32_t n : qnodes) {
    const std::string why = float_blocker(quantized, n);
    if (!why.empty()) {
      report.skipped.push_back({n, g.nodes[n].op.name, why});
      continue;
    }
    if (!want_layers) continue;
    LayerRunner r;
    r.node = n;
    try {
      r.model = isolate_node_float(quantized, n);
      r.interpreter = std::make_unique<Interpreter>(*r.model.model);
    } catch (const std::exception& e) {
      report.skipped.push_back({n, g.nodes[n].op.name, e.what()});
      continue;
    }
    if (!r.interpreter->ready()) {
      report.skipped.push_back({n, g.nodes[n].op.name, r.interpreter->unsupported()[0].why});
      continue;
    }
    for (int32_t t : r.model.output_sources)
      r.outputs.emplace_back(row_scale(g.tensors[size_t(t)]));
    layers.push_back(std::move(r));
  }

  // The float shadow (accumulated error, output error, what-if reference).
  std::vector<uint32_t> shadow_skipped;
  bool mixed = false;
  DerivedModel shadow = float_shadow(quantized, &shadow_skipped, &mixed);
  report.shadow_kind = mixed ? "mixed" : "float";
  Interpreter si(*shadow.model,
                 InterpreterOptions{.keep_all_tensors = options.mode == ReportMode::Model});
  if (!si.ready()) throw UnsupportedModel(si.unsupported());

  std::vector<Comparison> accumulated;
  if (options.mode == ReportMode::Model && !float_model)
    for (uint32_t n : qnodes)
      for (int32_t t : g.nodes[n].outputs) {
        if (t < 0 || !is_quantized(g.tensors[size_t(t)]) || shadow.float_twin[size_t(t)] < 0)
          continue;
        Comparison c;
        c.row = make_row(g, n, t);
        c.row.reference_tensor = shadow.float_twin[size_t(t)];
        c.quantized = t;
        c.reference = shadow.float_twin[size_t(t)];
        c.acc = MetricsAccumulator(c.row.scale);
        accumulated.push_back(std::move(c));
      }
  auto outputs = output_comparisons(quantized, qi, si);

  std::unique_ptr<Interpreter> fi;
  std::vector<Comparison> pairs, outputs_vs_float;
  if (float_model) {
    fi = std::make_unique<Interpreter>(*float_model, InterpreterOptions{.keep_all_tensors = true});
    if (!fi->ready()) throw UnsupportedModel(fi->unsupported());
    if (fi->input_count() != qi.input_count() || fi->output_count() != qi.output_count())
      throw std::invalid_argument(
          fmt::format("the float model has {} inputs / {} outputs, the quantized one {} / {}",
                      fi->input_count(), fi->output_count(), qi.input_count(), qi.output_count()));
    for (const auto& m : match_tensors(quantized, *float_model)) {
      Comparison c;
      c.row = make_row(g, uint32_t(std::max(producer[size_t(m.quantized)], 0)), m.quantized);
      c.row.reference_tensor = m.reference;
      c.row.match = m.how;
      c.quantized = m.quantized;
      c.reference = m.reference;
      c.acc = MetricsAccumulator(c.row.scale);
      pairs.push_back(std::move(c));
    }
    outputs_vs_float = output_comparisons(quantized, qi, *fi);
  }

  // What-if needs the shadow's outputs per sample, and the quantized ones for k = 0.
  std::vector<std::vector<float>> shadow_outputs;
  MetricsAccumulator step0;
  double quant_ms = 0;
  for (size_t s = 0; s < samples.size(); ++s) {
    if (options.progress) options.progress("sample", s + 1, samples.size());
    feed_sample(qi, samples[s]);
    const auto q0 = clock::now();
    qi.invoke();
    quant_ms += std::chrono::duration<double, std::milli>(clock::now() - q0).count();

    for (auto& r : layers) {
      for (size_t k = 0; k < r.model.input_sources.size(); ++k)
        copy_tensor_into(*r.interpreter, k, qi.tensor(0, uint32_t(r.model.input_sources[k])));
      r.interpreter->invoke();
      for (size_t k = 0; k < r.model.output_sources.size(); ++k) {
        const int32_t t = r.model.output_sources[k];
        if (!is_quantized(g.tensors[size_t(t)])) continue;
        const auto qv = float_values(qi.tensor(0, uint32_t(t)));
        const auto& out = r.interpreter->output(k);
        const auto fv = out.view<float>();
        r.outputs[k].add(compute_metrics(
            qv, fv.first(std::min(fv.size(), size_t(std::max<int64_t>(out.element_count(), 0)))),
            row_scale(g.tensors[size_t(t)])));
      }
    }

    feed_from(si, qi);
    si.invoke();
    for (auto& c : accumulated) compare(c, qi, si);
    compare_outputs(outputs, qi, si);
    if (options.keep_float_top > 0) {
      shadow_outputs.push_back(concatenated_outputs(si));
      step0.add(compute_metrics(concatenated_outputs(qi), shadow_outputs.back(), NAN));
    }
    if (fi) {
      feed_from(*fi, qi);
      fi->invoke();
      for (auto& c : pairs) compare(c, qi, *fi);
      compare_outputs(outputs_vs_float, qi, *fi);
    }
  }
  report.quant_ms_per_sample = quant_ms / double(samples.size());

  for (auto& r : layers) {
    for (size_t k = 0; k < r.model.output_sources.size(); ++k) {
      const int32_t t = r.model.output_sources[k];
      if (!is_quantized(g.tensors[size_t(t)])) continue;
      TensorRow row = make_row(g, r.node, t);
      row.metrics = r.outputs[k].mean();
      row.flagged = row.metrics.rmse_scale > kSuspiciousRmseScale;
      report.layers.push_back(std::move(row));
    }
  }
  report.accumulated = finish(accumulated);
  report.outputs = finish(outputs);
  report.pairs = finish(pairs);
  report.outputs_vs_float = finish(outputs_vs_float);

  if (options.keep_float_top > 0) {
    // Worst layers first by rmse/scale (a node's worst output counts); NaN last.
    std::vector<std::pair<double, uint32_t>> ranked;
    std::set<uint32_t> seen;
    for (const auto& row : report.layers) {
      const double v = std::isnan(row.metrics.rmse_scale) ? -1.0 : row.metrics.rmse_scale;
      ranked.emplace_back(v, row.node);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<uint32_t> order;
    for (const auto& [v, n] : ranked)
      if (seen.insert(n).second) order.push_back(n);
    const size_t K = std::min(options.keep_float_top, order.size());
    WhatIfStep zero;
    zero.output = step0.mean();
    zero.output_rmse = std::sqrt(zero.output.mean_squared_error);
    report.what_if.push_back(zero);
    for (size_t k = 1; k <= K; ++k) {
      if (options.progress) options.progress("what-if", k, K);
      WhatIfStep step;
      step.k = k;
      step.float_nodes.assign(order.begin(), order.begin() + std::ptrdiff_t(k));
      DerivedModel derived = keep_float(quantized, step.float_nodes);
      Interpreter wi(*derived.model);
      if (!wi.ready()) throw UnsupportedModel(wi.unsupported());
      MetricsAccumulator acc;
      for (size_t s = 0; s < samples.size(); ++s) {
        feed_sample(wi, samples[s]);
        wi.invoke();
        acc.add(compute_metrics(concatenated_outputs(wi), shadow_outputs[s], NAN));
      }
      step.output = acc.mean();
      step.output_rmse = std::sqrt(step.output.mean_squared_error);
      report.what_if.push_back(std::move(step));
    }
    if (options.target)
      for (const auto& step : report.what_if)
        if (step.output_rmse <= *options.target) {
          report.suggested_k = step.k;
          break;
        }
  }
  report.total_ms_per_sample =
      std::chrono::duration<double, std::milli>(clock::now() - start).count() /
      double(samples.size());
  return report;
}

}  // namespace edgelens::runtime::quant
