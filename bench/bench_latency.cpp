// Latency benchmark for bench/RESULTS.md ("latency" section): per reference fixture, the reference
// kernels, the XNNPACK delegate at 1 and 2 threads, and a peer on the same model and the same
// inputs (the fixture's input .npy files) in the same run: LiteRT.js (XNNPACK in wasm, 1 thread),
// or tfjs-tflite where LiteRT.js rejects the model (int8/int16 I/O). For the delegate it also
// reports the share of an invoke spent inside the delegate partitions (the Profiler's clock around
// each partition kernel); the rest is reference-kernel nodes and the interpreter's own overhead.
// And it reports the bound of issue 5: the very XNNPACK runtimes the delegate built, invoked
// directly without the interpreter (time_partitions_directly), with the ratio delegated / direct
// for graphs the delegate runs entirely. Delegated and direct passes alternate in one loop, so both
// see the same machine load.
// Medians over ITERATIONS after a warmup; one model at a time.
// Usage: bench_latency [SHARED_DIR] [ITERATIONS] [PEERS_DIR] [NAME_PART]   (PEERS_DIR with
// node_modules; without it, or with "", the peer columns are left empty; NAME_PART: only fixtures
// whose name contains it). Not part of the test suite.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/delegate/direct_xnnpack.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/profiler.h"

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

namespace {

constexpr int kWarmup = 3;

struct Timing {
  double median_ms = 0, min_ms = 0;
  // Profiled runs (delegated): average invoke and the average time inside the partitions of it.
  double profiled_invoke_ms = 0, partition_ms = 0;
  int delegated_nodes = 0, cpu_nodes = 0, partitions = 0;
  // The partitions' XNNPACK runtimes invoked without the interpreter (-1: not measured, see why).
  // paired_ratio: median over iterations of invoke / direct of the same iteration (the two run
  // back to back, so a load spike on this shared machine hits both or one pair only).
  double direct_median_ms = -1, paired_ratio = -1;
  std::string direct_why;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::vector<InputSpec> input_specs(const fs::path& reference_dir, const nlohmann::json& meta) {
  std::vector<InputSpec> specs;
  for (size_t k = 0; k < meta["inputs"].size(); ++k) {
    InputSpec spec;
    spec.kind = InputSpec::Kind::File;
    spec.target = std::to_string(k);
    spec.path = (reference_dir / meta["inputs"][k]["file"].get<std::string>()).string();
    specs.push_back(spec);
  }
  return specs;
}

std::optional<Timing> time_interpreter(const Model& model, const std::vector<InputSpec>& specs,
                                       const std::string& delegate, int threads, int iterations,
                                       std::string& why) {
  InterpreterOptions options;
  options.delegate = delegate;
  options.threads = threads;
  std::unique_ptr<Interpreter> interpreter;
  try {
    interpreter = std::make_unique<Interpreter>(model, options);
    if (!interpreter->ready()) {
      why = fmt::format("{} unsupported node(s), first: {}", interpreter->unsupported().size(),
                        interpreter->unsupported().front().to_string());
      return std::nullopt;
    }
    apply_inputs(*interpreter, specs);
    for (int i = 0; i < kWarmup; ++i) interpreter->invoke();
  } catch (const std::exception& e) {
    why = e.what();
    return std::nullopt;
  }
  Timing t;
  bool direct = !delegate.empty();
  try {
    if (direct) time_partitions_directly(*interpreter, kWarmup);
  } catch (const std::exception& e) {
    t.direct_why = e.what();
    direct = false;
  }
  std::vector<double> times, direct_times;
  auto time_invoke = [&] {
    const auto start = std::chrono::steady_clock::now();
    interpreter->invoke();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  };
  for (int i = 0; i < iterations; ++i) {
    // Alternate which goes first, so neither always runs right after the other warmed the caches.
    if (direct && i % 2 == 1) direct_times.push_back(time_partitions_directly(*interpreter, 1));
    time_invoke();
    if (direct && i % 2 == 0) direct_times.push_back(time_partitions_directly(*interpreter, 1));
  }
  t.median_ms = median(times);
  if (direct) {
    t.direct_median_ms = median(direct_times);
    std::vector<double> ratios;
    for (size_t i = 0; i < times.size(); ++i)
      if (direct_times[i] > 0) ratios.push_back(times[i] / direct_times[i]);
    t.paired_ratio = ratios.empty() ? -1 : median(ratios);
  }
  t.min_ms = *std::min_element(times.begin(), times.end());
  if (!delegate.empty()) {
    const auto& summary = interpreter->delegate_summary();
    t.delegated_nodes = summary.delegated_nodes;
    t.cpu_nodes = summary.cpu_nodes;
    t.partitions = summary.partitions;
    // Separate profiled runs: the partition share of an invoke.
    Profiler profiler;
    interpreter->add_observer(&profiler);
    for (int i = 0; i < iterations; ++i) interpreter->invoke();
    interpreter->remove_observer(&profiler);
    for (const auto& row : profiler.rows())
      if (row.partition) t.partition_ms += row.avg_ms(profiler.invokes());
    t.profiled_invoke_ms = series_stats(profiler.invoke_ms()).avg;
  }
  return t;
}

// A peer through bench/litertjs_latency.mjs (node), same input files: LiteRT.js, or tfjs-tflite
// with `tfjs`.
std::optional<double> time_peer(const fs::path& peers, const fs::path& model,
                                const std::vector<InputSpec>& specs, int iterations, bool tfjs,
                                std::string& why) {
  const fs::path script = fs::path(__FILE__).parent_path() / "litertjs_latency.mjs";
  std::string command =
      fmt::format("node '{}' {}'{}' '{}' {} {}", script.string(), tfjs ? "--tfjs " : "",
                  peers.string(), model.string(), kWarmup, iterations);
  for (const auto& s : specs) command += fmt::format(" '{}'", s.path);
  command += " 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) {
    why = "cannot start node";
    return std::nullopt;
  }
  std::string out;
  std::array<char, 4096> buffer{};
  while (size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe.get()))
    out.append(buffer.data(), n);
  const auto line = out.rfind("{\"runtime\"");
  if (line == std::string::npos) {
    why = tfjs ? "tfjs-tflite failed" : "LiteRT.js failed";
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(out.substr(line))["median_ms"].get<double>();
  } catch (const std::exception& e) {
    why = e.what();
    return std::nullopt;
  }
}

// Sub-0.01 ms models get more digits, or they all read 0.000.
std::string ms_text(double ms) {
  return ms < 0.01 ? fmt::format("{:.5f}", ms) : fmt::format("{:.3f}", ms);
}

std::string ms_cell(const std::optional<Timing>& t) {
  return t ? ms_text(t->median_ms) : std::string("—");
}

// num / den; "—" when either is missing (<= 0).
std::string ratio_cell(double num, double den) {
  if (num <= 0 || den <= 0) return "—";
  return fmt::format("{:.2f}x", num / den);
}

std::string direct_cell(const std::optional<Timing>& t) {
  return t && t->direct_median_ms >= 0 ? ms_text(t->direct_median_ms) : std::string("—");
}

// Delegated / direct, only where the whole graph is delegated: elsewhere the direct pass leaves
// out the reference-kernel nodes, so the two do not time the same work.
std::string bound_cell(const std::optional<Timing>& t) {
  if (!t || t->direct_median_ms < 0) return "—";
  if (t->cpu_nodes > 0)
    return fmt::format("n/a: {} node{} on reference kernels", t->cpu_nodes,
                       t->cpu_nodes == 1 ? "" : "s");
  if (t->direct_median_ms <= 0 || t->paired_ratio <= 0) return "—";
  return fmt::format("{:.3f}x (paired {:.3f}x)", t->median_ms / t->direct_median_ms,
                     t->paired_ratio);
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path shared =
      argc > 1 ? fs::path(argv[1])
               : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  const int iterations = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  const fs::path peers = argc > 3 ? fs::path(argv[3]) : fs::path();
  const std::string name_part = argc > 4 ? argv[4] : "";
  const fs::path reference = shared / "fixtures/reference";

  std::vector<std::string> notes;
  fmt::print(
      "| model | nodes | reference ms | delegated nodes / partitions | XNNPACK 1t ms | "
      "direct 1t ms | 1t / direct | XNNPACK 2t ms | direct 2t ms | 2t / direct | time in "
      "partitions 1t | peer "
      "(1 thread) | peer ms | peer / XNNPACK 1t | peer / XNNPACK 2t |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(reference))
    if (entry.is_directory() && fs::exists(entry.path() / "meta.json") &&
        entry.path().filename().string().find(name_part) != std::string::npos)
      dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    const auto meta = nlohmann::json::parse(std::ifstream(dir / "meta.json"));
    const fs::path model_path = shared / meta["model"].get<std::string>();
    const std::string name = dir.filename().string();
    std::shared_ptr<const Model> model;
    try {
      model = open_model(model_path.string());
    } catch (const std::exception& e) {
      notes.push_back(fmt::format("{}: cannot open: {}", name, e.what()));
      continue;
    }
    const auto specs = input_specs(dir, meta);
    std::string why_ref, why_x1, why_x2, why_js;
    const auto ref = time_interpreter(*model, specs, "", 1, iterations, why_ref);
    const auto x1 = time_interpreter(*model, specs, "xnnpack", 1, iterations, why_x1);
    const auto x2 = time_interpreter(*model, specs, "xnnpack", 2, iterations, why_x2);
    std::optional<double> js;
    std::string peer = "—";
    if (!peers.empty()) {
      js = time_peer(peers, model_path, specs, iterations, false, why_js);
      peer = "LiteRT.js";
      if (!js) {  // LiteRT.js rejects int8/int16 I/O: the older TFLite wasm runs those
        std::string why_tfjs;
        js = time_peer(peers, model_path, specs, iterations, true, why_tfjs);
        peer = js ? "tfjs-tflite" : "—";
        if (!js) why_js += "; " + why_tfjs;
      }
    }
    for (const auto& [what, why] : {std::pair{"reference", why_ref}, {"xnnpack", why_x1}})
      if (!why.empty()) notes.push_back(fmt::format("{} ({}): {}", name, what, why));
    if (x1 && !x1->direct_why.empty())
      notes.push_back(fmt::format("{} (direct XNNPACK): {}", name, x1->direct_why));
    if (!js && !why_js.empty()) notes.push_back(fmt::format("{} (peers): {}", name, why_js));
    const double x1_ms = x1 ? x1->median_ms : -1, x2_ms = x2 ? x2->median_ms : -1;
    const double js_ms = js ? *js : -1;
    fmt::print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
               name, model->graphs.at(0).nodes.size(), ms_cell(ref),
               x1 ? fmt::format("{} / {}", x1->delegated_nodes, x1->partitions) : "—", ms_cell(x1),
               direct_cell(x1), bound_cell(x1), ms_cell(x2), direct_cell(x2), bound_cell(x2),
               x1 && x1->profiled_invoke_ms > 0
                   ? fmt::format("{:.0f}%", 100.0 * x1->partition_ms / x1->profiled_invoke_ms)
                   : "—",
               peer, js ? fmt::format("{:.3f}", *js) : "—", ratio_cell(js_ms, x1_ms),
               ratio_cell(js_ms, x2_ms));
    std::fflush(stdout);
  }
  for (const auto& n : notes) fmt::print("\n- {}", n);
  fmt::print("\n");
  return 0;
}
