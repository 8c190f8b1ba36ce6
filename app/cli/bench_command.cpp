// `edgelens bench MODEL`: latency in the style of TFLite's benchmark_model — init time, warmup and
// steady-state statistics of whole inferences, and with --op-profile the per-node table (sorted by
// average, with % and cdf %) plus a summary by op type. Every row names the graph node id, so a
// slow row can be found on the graph (`edgelens-gui --profile`, docs/profiling.md).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/profiler.h"

namespace edgelens::cli {
namespace {

using namespace edgelens::runtime;
using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string model;
  std::string delegate = "none";
  int threads = 1;
  int warmup = 1;
  int iterations = 50;
  bool op_profile = false, json = false, csv = false, no_progress = false, per_node = false;
  std::vector<std::string> inputs;
};

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// "[#########...........]  12/50" on stderr, redrawn in place; only when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar(int total, bool enabled) : total_(total), enabled_(enabled && total > 0) {}
  ~ProgressBar() { finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void update(int done, std::string_view stage) {
    if (!enabled_) return;
    constexpr int kWidth = 30;
    const int filled = total_ ? done * kWidth / total_ : kWidth;
    fmt::print(stderr, "\r{:<7} [{}{}] {}/{}", stage, std::string(size_t(filled), '#'),
               std::string(size_t(kWidth - filled), '.'), done, total_);
    std::fflush(stderr);
    drawn_ = true;
  }
  void finish() {
    if (drawn_) fmt::print(stderr, "\r{:60}\r", "");
    drawn_ = false;
  }

 private:
  int total_;
  bool enabled_;
  bool drawn_ = false;
};

nlohmann::json series_json(const SeriesStats& s) {
  return {{"count", s.count}, {"first_ms", s.first}, {"avg_ms", s.avg},
          {"min_ms", s.min},  {"max_ms", s.max},     {"std_ms", s.std}};
}

std::string series_line(const SeriesStats& s) {
  return fmt::format("count={} first={:.3f} avg={:.3f} min={:.3f} max={:.3f} std={:.3f} (ms)",
                     s.count, s.first, s.avg, s.min, s.max, s.std);
}

std::string covers_text(const ProfiledNode& row) {
  if (!row.partition) return fmt::format("{}", row.node);
  return fmt::format("{}", fmt::join(row.covers, " "));
}

void print_node_table(const std::vector<ProfileTableRow>& table) {
  fmt::print("{:>24} {:>9} {:>9} {:>8} {:>8} {:>10} {:>14}  {:>6}  {}\n", "[node type]", "[first]",
             "[avg ms]", "[%]", "[cdf%]", "[mem KB]", "[times called]", "[node]", "[Name]");
  for (const auto& t : table) {
    const auto& r = *t.node;
    fmt::print("{:>24} {:>9.4f} {:>9.4f} {:>7.3f}% {:>7.3f}% {:>10.3f} {:>14g}  {:>6}  {}\n", r.op,
               r.first_ms, t.avg_ms, t.percent, t.cdf_percent, double(r.output_bytes) / 1024.0,
               t.calls_per_invoke, covers_text(r), r.name);
  }
}

void print_type_table(const std::vector<OpTypeRow>& table) {
  fmt::print("{:>24} {:>8} {:>9} {:>8} {:>8} {:>10} {:>14}\n", "[Node type]", "[count]", "[avg ms]",
             "[avg %]", "[cdf %]", "[mem KB]", "[times called]");
  for (const auto& o : table)
    fmt::print("{:>24} {:>8} {:>9.4f} {:>7.3f}% {:>7.3f}% {:>10.3f} {:>14g}\n", o.op, o.count,
               o.avg_ms, o.percent, o.cdf_percent, double(o.output_bytes) / 1024.0,
               o.calls_per_invoke);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

int bench(const BenchOptions& o) {
  if (o.iterations < 1 || o.warmup < 0 || o.threads < 1) {
    fmt::print(stderr, "edgelens: bench needs --iterations >= 1, --warmup >= 0, --threads >= 1\n");
    return kExitUsage;
  }
  const auto load_start = Clock::now();
  auto model = open_model(o.model);
  const double load_ms = ms_since(load_start);
  if (model->graphs.empty()) {
    fmt::print(stderr, "edgelens: cannot run {}: the model has no graph\n", o.model);
    return kExitBadInput;
  }

  const auto init_start = Clock::now();
  ProfileSession session;
  try {
    session = make_profile_session(*model, o.delegate, o.threads, false, o.per_node);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "edgelens: {}\n", e.what());
    return kExitBadInput;
  }
  Interpreter& interpreter = *session.interpreter;
  if (!interpreter.ready()) {
    fmt::print(stderr, "edgelens: cannot run {}: {} node(s) unsupported\n", o.model,
               interpreter.unsupported().size());
    for (const auto& u : interpreter.unsupported()) fmt::print(stderr, "  {}\n", u.to_string());
    return kExitBadInput;
  }
  try {
    std::vector<InputSpec> specs;
    for (const auto& text : o.inputs) specs.push_back(parse_input_spec(text));
    apply_inputs(interpreter, specs);
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr, "edgelens: bad input: {}\n", e.what());
    return kExitBadInput;
  } catch (const ModelError& e) {
    fmt::print(stderr, "edgelens: bad input: {}\n", e.what());
    return kExitBadInput;
  }
  const double init_ms = ms_since(init_start);

  ProgressBar bar(o.warmup + o.iterations, !o.no_progress && ::isatty(STDERR_FILENO) == 1);
  std::vector<double> warmup_ms, run_ms;
  Profiler profiler;
  try {
    for (int i = 0; i < o.warmup; ++i) {
      const auto t0 = Clock::now();
      interpreter.invoke();
      warmup_ms.push_back(ms_since(t0));
      bar.update(i + 1, "warmup");
    }
    // The profiler observes only the steady-state runs (benchmark_model's regular runs).
    if (o.op_profile) interpreter.add_observer(&profiler);
    for (int i = 0; i < o.iterations; ++i) {
      const auto t0 = Clock::now();
      interpreter.invoke();
      run_ms.push_back(ms_since(t0));
      bar.update(o.warmup + i + 1, "run");
    }
    if (o.op_profile) interpreter.remove_observer(&profiler);
  } catch (const std::exception& e) {
    bar.finish();
    fmt::print(stderr, "edgelens: {}: inference failed: {}\n", o.model, e.what());
    return kExitBadInput;
  }
  bar.finish();

  const auto warm = series_stats(warmup_ms);
  const auto steady = series_stats(run_ms);
  const auto rows = profiler.rows();
  const auto table = table_by_average(rows, profiler.invokes());
  const auto by_type = summary_by_op_type(rows, profiler.invokes());
  const auto memory = interpreter.memory();
  const size_t node_count = model->graphs[0].nodes.size();

  if (o.json) {
    nlohmann::json report;
    report["model"] = o.model;
    report["nodes"] = node_count;
    report["delegate"] = o.delegate;
    report["delegate_detail"] = session.delegate_name;
    report["threads"] = o.threads;
    report["load_ms"] = load_ms;
    report["init_ms"] = init_ms;
    report["warmup"] = series_json(warm);
    report["inference"] = series_json(steady);
    report["memory"] = {{"arena_bytes", memory.arena_bytes},
                        {"constant_bytes", memory.constant_bytes},
                        {"variable_bytes", memory.variable_bytes}};
    if (!session.partitions.empty()) report["partitions"] = session.partitions;
    if (o.op_profile) {
      report["profiled_invokes"] = profiler.invokes();
      auto& nodes = report["op_profile"] = nlohmann::json::array();
      for (const auto& t : table) {
        const auto& r = *t.node;
        nodes.push_back({{"node", r.node},
                         {"covers", r.covers},
                         {"partition", r.partition},
                         {"op", r.op},
                         {"name", r.name},
                         {"first_ms", r.first_ms},
                         {"avg_ms", t.avg_ms},
                         {"min_ms", r.min_ms},
                         {"max_ms", r.max_ms},
                         {"percent", t.percent},
                         {"cdf_percent", t.cdf_percent},
                         {"output_bytes", r.output_bytes},
                         {"times_called", t.calls_per_invoke}});
      }
      auto& types = report["by_op_type"] = nlohmann::json::array();
      for (const auto& ot : by_type)
        types.push_back({{"op", ot.op},
                         {"count", ot.count},
                         {"avg_ms", ot.avg_ms},
                         {"percent", ot.percent},
                         {"cdf_percent", ot.cdf_percent},
                         {"output_bytes", ot.output_bytes},
                         {"times_called", ot.calls_per_invoke}});
      auto& sub = report["subgraph_nodes"] = nlohmann::json::array();
      for (const auto& r : rows)
        if (r.graph != 0)
          sub.push_back({{"graph", r.graph},
                         {"node", r.node},
                         {"op", r.op},
                         {"avg_ms", r.avg_ms(profiler.invokes())},
                         {"times_called", r.calls_per_invoke(profiler.invokes())}});
    }
    fmt::print("{}\n", report.dump(1, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }

  if (o.csv) {
    // One table: the per-node rows with --op-profile, else one row of whole-inference figures.
    if (o.op_profile) {
      fmt::print(
          "node,covers,op,name,first_ms,avg_ms,min_ms,max_ms,percent,cdf_percent,output_bytes,"
          "times_called\n");
      for (const auto& t : table) {
        const auto& r = *t.node;
        fmt::print("{},{},{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.4f},{:.4f},{},{:g}\n", r.node,
                   fmt::join(r.covers, " "), csv_field(r.op), csv_field(r.name), r.first_ms,
                   t.avg_ms, r.min_ms, r.max_ms, t.percent, t.cdf_percent, r.output_bytes,
                   t.calls_per_invoke);
      }
    } else {
      fmt::print(
          "model,delegate,threads,init_ms,warmup_count,warmup_avg_ms,count,first_ms,avg_ms,min_ms,"
          "max_ms,std_ms\n");
      fmt::print("{},{},{},{:.6f},{},{:.6f},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n",
                 csv_field(o.model), o.delegate, o.threads, init_ms, warm.count, warm.avg,
                 steady.count, steady.first, steady.avg, steady.min, steady.max, steady.std);
    }
    return kExitOk;
  }

  fmt::print("Model: {} ({} nodes in graph 0)\n", o.model, node_count);
  fmt::print("Delegate: {}, threads {}\n", session.delegate_name, o.threads);
  for (const auto& line : session.partition_lines) fmt::print("  {}\n", line);
  fmt::print("Loaded model in {:.3f} ms; initialized session in {:.3f} ms\n", load_ms, init_ms);
  fmt::print("Memory: arena {} bytes, constants {} bytes, variables {} bytes\n", memory.arena_bytes,
             memory.constant_bytes, memory.variable_bytes);
  if (warm.count) fmt::print("Warmup:    {}\n", series_line(warm));
  fmt::print("Inference: {}\n", series_line(steady));
  fmt::print(
      "Inference timings in ms: Init: {:.3f}, First inference: {:.3f}, Warmup (avg): {:.3f}, "
      "Inference (avg): {:.3f}\n",
      init_ms, warm.count ? warm.first : steady.first, warm.count ? warm.avg : 0.0, steady.avg);
  if (!o.op_profile) return kExitOk;

  fmt::print("\nOperator-wise profiling over {} runs (time per run; [node] is the graph node id)\n",
             profiler.invokes());
  fmt::print(
      "============================== Top by Computation Time ==============================\n");
  print_node_table(table);
  fmt::print(
      "\n============================== Summary by node type ==============================\n");
  print_type_table(by_type);
  double node_sum = 0;
  for (const auto& t : table) node_sum += t.avg_ms;
  const auto profiled = series_stats(profiler.invoke_ms());
  fmt::print(
      "\nTimings (ms): node sum {:.3f}, inference avg with profiling {:.3f} ({:.3f} outside "
      "node evals)\n",
      node_sum, profiled.avg, std::max(0.0, profiled.avg - node_sum));
  bool any_sub = false;
  for (const auto& r : rows) {
    if (r.graph == 0) continue;
    if (!any_sub)
      fmt::print("\nSubgraph nodes (their time is part of the calling control-flow node):\n");
    any_sub = true;
    fmt::print("  subgraph {} node {:4} {:24} avg {:.3f} ms, {:g} calls/run\n", r.graph, r.node,
               r.op, r.avg_ms(profiler.invokes()), r.calls_per_invoke(profiler.invokes()));
  }
  return kExitOk;
}

const RegisterCommand kBench{Command{
    "bench", "Benchmark inference latency (benchmark_model-style tables, per-node profile)",
    [](CLI::App& sub) -> Action {
      auto o = std::make_shared<BenchOptions>();
      sub.add_option("model", o->model, "Model file (.tflite)")->required();
      sub.add_option("--delegate", o->delegate, "none (reference kernels) or xnnpack")
          ->capture_default_str();
      sub.add_option("--threads", o->threads, "Delegate threads")->capture_default_str();
      sub.add_option("--warmup", o->warmup, "Warmup runs (not in the statistics)")
          ->capture_default_str();
      sub.add_option("--iterations", o->iterations, "Measured runs")->capture_default_str();
      sub.add_flag("--op-profile", o->op_profile, "Per-node table and summary by node type");
      sub.add_flag("--per-node", o->per_node,
                   "With a delegate: one partition per node (TFLite's preserve_all_tensors), so "
                   "the profile has a row per delegated node");
      auto* json = sub.add_flag("--json", o->json, "Print the report as JSON");
      auto* csv = sub.add_flag("--csv", o->csv, "Print CSV (per-node rows with --op-profile)");
      json->excludes(csv);
      sub.add_flag("--no-progress", o->no_progress, "No progress bar on stderr");
      sub.add_option("--input,-i", o->inputs,
                     "INDEX_OR_NAME=FILE.npy, FILE.npy, ramp, random[:SEED] (as `run`)");
      return [o] { return bench(*o); };
    }}};

}  // namespace
}  // namespace edgelens::cli
