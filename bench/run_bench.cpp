// Interpreter benchmark over the reference fixtures: invoke time without capture, with full
// capture (every tensor copied by TensorCapture), and memory (planned arena vs the naive sum).
// Prints a Markdown table for bench/RESULTS.md ("run" section).
// Usage: run_bench [SHARED_DIR] [ITERATIONS]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/observer.h"

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

namespace {
double median_ms(Interpreter& interp, int iterations) {
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    interp.invoke();
    times.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  const fs::path shared =
      argc > 1 ? fs::path(argv[1])
               : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  const int iterations = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(shared / "fixtures" / "reference"))
    if (fs::exists(e.path() / "meta.json")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  fmt::print(
      "| fixture | nodes | invoke ms (no capture) | invoke ms (full capture) | arena KiB | naive "
      "KiB | arena/naive |\n");
  fmt::print("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const auto& dir : dirs) {
    const auto meta = nlohmann::json::parse(std::ifstream(dir / "meta.json"));
    const auto name = dir.filename().string();
    try {
      auto model = open_model((shared / meta["model"].get<std::string>()).string());
      Interpreter interp(*model);
      if (!interp.ready()) {
        fmt::print("| {} | {} | unsupported: {} | | | | |\n", name, model->graphs[0].nodes.size(),
                   interp.unsupported().front().to_string());
        continue;
      }
      apply_inputs(interp, {});
      const double plain = median_ms(interp, iterations);
      const auto capture_dir = fs::temp_directory_path() / "edgelens_bench_capture";
      TensorCapture capture({.nodes = {},
                             .include_inputs = true,
                             .memory_budget = size_t(1) << 30,
                             .spill_dir = capture_dir});
      interp.add_observer(&capture);
      const double captured = median_ms(interp, iterations);
      interp.remove_observer(&capture);
      const auto mem = interp.memory();
      fmt::print("| {} | {} | {:.2f} | {:.2f} | {:.0f} | {:.0f} | {:.2f} |\n", name,
                 model->graphs[0].nodes.size(), plain, captured, mem.arena_bytes / 1024.0,
                 mem.naive_bytes / 1024.0,
                 mem.naive_bytes ? double(mem.arena_bytes) / double(mem.naive_bytes) : 0.0);
    } catch (const std::exception& e) {
      fmt::print("| {} | | error: {} | | | | |\n", name, e.what());
    }
  }
  return 0;
}
