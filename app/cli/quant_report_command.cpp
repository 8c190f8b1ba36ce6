// `edgelens quant-report QUANT [--float FLOAT] [--mode layer|model] [--inputs DIR|--samples N]
// [--csv F] [--json F] [--node-data F] [--keep-float-top K] [--target ERR] [--no-cache]`: the
// quantization debugger (docs/quant-report.md). Reports are cached per model bytes, samples and
// options (runtime/quant/cache.h), as the GUI does. Exit codes: 0 ok, 1 usage, 2 bad or
// unsupported input, 3 when --target is given and no what-if step reaches it.
#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "command.h"
#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/quant/cache.h"
#include "edgelens/runtime/quant/debugger.h"
#include "edgelens/runtime/quant/report.h"

namespace edgelens::cli {
namespace {

using namespace edgelens::runtime;
using namespace edgelens::runtime::quant;

struct QuantReportOptions {
  std::string model, float_model, mode = "layer", inputs_dir, csv, json, node_data;
  size_t samples = 0;
  uint64_t seed = 1;
  size_t keep_float_top = 0;
  std::optional<double> target;
  size_t top = 10;
  bool quiet = false;
  bool no_cache = false;
};

std::string fmt_metric(double v) {
  return std::isfinite(v) ? fmt::format("{:.4g}", v) : "-";
}

void print_rows(const std::vector<TensorRow>& rows, size_t limit, bool worst_first) {
  std::vector<const TensorRow*> order;
  for (const auto& r : rows) order.push_back(&r);
  if (worst_first)
    std::stable_sort(order.begin(), order.end(), [](const TensorRow* a, const TensorRow* b) {
      const double x = std::isnan(a->metrics.rmse_scale) ? -1 : a->metrics.rmse_scale;
      const double y = std::isnan(b->metrics.rmse_scale) ? -1 : b->metrics.rmse_scale;
      return x > y;
    });
  fmt::print("  {:>5} {:<20} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8}  {}\n", "node", "op", "tensor",
             "rmse/scale", "max_abs", "mean_err", "snr_dB", "cos", "tensor name");
  for (size_t i = 0; i < order.size() && i < limit; ++i) {
    const auto& r = *order[i];
    fmt::print("  {:>5} {:<20} {:>6} {:>10} {:>10} {:>10} {:>8} {:>8}  {}{}\n", r.node, r.op_name,
               r.tensor_idx, fmt_metric(r.metrics.rmse_scale), fmt_metric(r.metrics.max_abs_error),
               fmt_metric(r.metrics.mean_error), fmt_metric(r.metrics.snr_db),
               fmt_metric(r.metrics.cosine_similarity), r.tensor_name,
               r.flagged ? "  << flagged" : "");
  }
  if (order.size() > limit) fmt::print("  ... {} more (see --csv/--json)\n", order.size() - limit);
}

int run(const QuantReportOptions& o) {
  if (!o.inputs_dir.empty() && o.samples > 0) {
    fmt::print(stderr, "edgelens: give --inputs or --samples, not both\n");
    return kExitUsage;
  }
  ReportOptions options;
  options.mode = o.mode == "model" ? ReportMode::Model : ReportMode::Layer;
  options.keep_float_top = o.keep_float_top;
  options.target = o.target;
  if (o.target && o.keep_float_top == 0) {
    fmt::print(stderr, "edgelens: --target needs --keep-float-top K (the what-if curve)\n");
    return kExitUsage;
  }
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!o.quiet)
    options.progress = [tty](std::string_view stage, size_t done, size_t total) {
      if (tty)
        fmt::print(stderr, "\r{} {}/{}{}", stage, done, total, done == total ? "\n" : "");
      else
        fmt::print(stderr, "{} {}/{}\n", stage, done, total);
    };

  auto model = open_model(o.model);
  std::unique_ptr<Model> float_model;
  if (!o.float_model.empty()) float_model = open_model(o.float_model);

  std::vector<Sample> samples;
  try {
    samples = o.inputs_dir.empty() ? random_samples(*model, std::max<size_t>(o.samples, 1), o.seed)
                                   : load_samples(o.inputs_dir);
  } catch (const UnsupportedModel& e) {
    fmt::print(stderr, "edgelens: cannot run {}:\n", o.model);
    for (const auto& u : e.nodes()) fmt::print(stderr, "  {}\n", u.to_string());
    return kExitBadInput;
  }

  QuantReport report;
  try {
    const ReportCache cache(o.no_cache ? std::filesystem::path() : default_cache_dir());
    CachedReport cached =
        run_quant_report_cached(*model, float_model.get(), samples, options, &cache);
    report = std::move(cached.report);
    if (!o.quiet && cached.from_cache)
      fmt::print(stderr, "edgelens: cached report {} (--no-cache recomputes)\n",
                 cached.entry.string());
    if (!cached.cache_error.empty())
      fmt::print(stderr, "edgelens: report not cached: {}\n", cached.cache_error);
  } catch (const UnsupportedModel& e) {
    fmt::print(stderr, "edgelens: cannot run {}: {} node(s) unsupported\n", o.model,
               e.nodes().size());
    for (const auto& u : e.nodes()) fmt::print(stderr, "  {}\n", u.to_string());
    return kExitBadInput;
  }

  if (!o.csv.empty()) write_file_atomically(o.csv, report_csv(report));
  if (!o.json.empty()) write_file_atomically(o.json, report_json(report));
  if (!o.node_data.empty()) write_file_atomically(o.node_data, report_node_data(report, *model));

  const char* what = report.mode == ReportMode::Layer ? "layer-wise (isolated) error"
                     : report.float_model.empty()     ? "accumulated error vs the float shadow"
                                                      : "error vs the float model";
  fmt::print(
      "{}: {} over {} sample(s); {} rows, {} flagged (rmse/scale > {}; rounding alone "
      "gives {:.3f})\n",
      o.model, what, report.samples, report.primary().size(),
      std::count_if(report.primary().begin(), report.primary().end(),
                    [](const TensorRow& r) { return r.flagged; }),
      kSuspiciousRmseScale, kUniformRoundingRmse);
  print_rows(report.primary(), o.top, true);
  if (!report.outputs.empty()) {
    fmt::print("model outputs vs the float shadow ({}):\n", report.shadow_kind);
    print_rows(report.outputs, report.outputs.size(), false);
  }
  if (!report.outputs_vs_float.empty()) {
    fmt::print("model outputs vs the float model:\n");
    print_rows(report.outputs_vs_float, report.outputs_vs_float.size(), false);
  }
  for (const auto& s : report.skipped)
    fmt::print("skipped node {} ({}): {}\n", s.node, s.op, s.why);
  if (!report.what_if.empty()) {
    fmt::print("what-if: k worst layers kept in float -> output RMSE vs the float shadow\n");
    for (const auto& s : report.what_if)
      fmt::print("  k={:<3} rmse {:<12} max_abs {:<12} snr {:<8} nodes [{}]\n", s.k,
                 fmt_metric(s.output_rmse), fmt_metric(s.output.max_abs_error),
                 fmt_metric(s.output.snr_db), fmt::join(s.float_nodes, ","));
  }
  fmt::print("time per sample: {:.2f} ms for the report, {:.2f} ms for the quantized run\n",
             report.total_ms_per_sample, report.quant_ms_per_sample);
  if (o.target) {
    if (!report.suggested_k) {
      fmt::print("target output RMSE {} not reached with up to {} layer(s) in float\n", *o.target,
                 report.what_if.empty() ? 0 : report.what_if.back().k);
      return kExitThreshold;
    }
    fmt::print("suggestion: keep {} layer(s) in float to reach output RMSE <= {}: nodes [{}]\n",
               *report.suggested_k, *o.target,
               fmt::join(report.what_if[*report.suggested_k].float_nodes, ","));
  }
  return kExitOk;
}

const RegisterCommand kQuantReport{Command{
    "quant-report",
    "Quantization debugger: per-layer / accumulated error, float pairs, what-if float fallback",
    [](CLI::App& sub) -> Action {
      auto o = std::make_shared<QuantReportOptions>();
      sub.add_option("model", o->model, "Quantized model (.tflite)")->required();
      sub.add_option("--float", o->float_model, "The float model it was quantized from");
      sub.add_option("--mode", o->mode,
                     "layer: each op on the inputs it received (default); model: accumulated "
                     "error along the graph")
          ->check(CLI::IsMember({"layer", "model"}));
      sub.add_option("--inputs", o->inputs_dir,
                     "Directory of input<k>.npy (one sample) or of sample subdirectories");
      sub.add_option("--samples", o->samples, "Random samples (default 1 when no --inputs)");
      sub.add_option("--seed", o->seed, "Seed of the random samples");
      sub.add_option("--csv", o->csv, "Write the rows as CSV (TFLite debugger columns)");
      sub.add_option("--json", o->json, "Write the whole report as JSON");
      sub.add_option("--node-data", o->node_data,
                     "Write Model Explorer node data (rmse/scale per node)");
      sub.add_option("--keep-float-top", o->keep_float_top,
                     "What-if: keep the k = 1..K worst layers in float, report output error");
      sub.add_option("--target", o->target,
                     "Output RMSE the what-if must reach (exit 3 when it cannot)");
      sub.add_option("--top", o->top, "Rows printed (worst first)");
      sub.add_flag("--quiet,-q", o->quiet, "No progress on stderr");
      sub.add_flag("--no-cache", o->no_cache,
                   "Recompute and do not store (cache: $XDG_CACHE_HOME/edgelens/quant)");
      return [o] { return run(*o); };
    }}};

}  // namespace
}  // namespace edgelens::cli
