// Open time (mmap + verify + IR) and resident-memory growth for every model fixture and for
// synthetic 30 MB / 300 MB .tflite files written by TfliteBuilder at start-up.
// Targets (issue 2): 30 MB < 30 ms, 300 MB < 150 ms, RSS growth < 10% of the file size.
// Run: bench/run_open_bench.sh BUILD_DIR (records a section in bench/RESULTS.md).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"

namespace fs = std::filesystem;

namespace {

// Resident memory of this process from /proc/self/status, in bytes: "VmRSS:" (everything),
// "RssAnon:" (heap: what the IR costs) or "RssFile:" (pages of file mappings, i.e. of the mapped
// model, that this process has mapped in; clean page cache the kernel can drop at any time).
int64_t status_bytes(std::string_view key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(key, 0) == 0) return std::stoll(line.substr(key.size())) * 1024;
  return -1;
}

fs::path shared_fixtures() {
  if (const char* env = std::getenv("EDGELENS_SHARED_DIR")) return fs::path(env) / "fixtures";
  // bench/open_bench.cpp -> <repo>/../shared/fixtures
  return fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared" / "fixtures";
}

// A float MLP-like chain: `blocks` FULLY_CONNECTED layers with [width, width] float32 weights and
// a bias each, so the file is almost all constant data, like a real large model.
void write_synthetic_tflite(const fs::path& path, int blocks, int width) {
  edgelens::TfliteBuilder b;
  b.set_description("EdgeLens open_bench synthetic model");
  std::vector<float> weights(static_cast<std::size_t>(width) * static_cast<std::size_t>(width));
  std::vector<float> bias(static_cast<std::size_t>(width));
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(i % 251) * 1e-3f;
  int x = b.add_tensor({.name = "input", .dtype = edgelens::DType::Float32, .shape = {1, width}});
  b.set_inputs({x});
  for (int i = 0; i < blocks; ++i) {
    bias[0] = static_cast<float>(i);  // distinct contents per layer
    weights[0] = static_cast<float>(i);
    const int w = b.add_tensor({.name = fmt::format("block_{}/dense/kernel", i),
                                .dtype = edgelens::DType::Float32,
                                .shape = {width, width},
                                .data = edgelens::TfliteBuilder::bytes_of(weights)});
    const int bi = b.add_tensor({.name = fmt::format("block_{}/dense/bias", i),
                                 .dtype = edgelens::DType::Float32,
                                 .shape = {width},
                                 .data = edgelens::TfliteBuilder::bytes_of(bias)});
    const int y = b.add_tensor({.name = fmt::format("block_{}/dense/Relu", i),
                                .dtype = edgelens::DType::Float32,
                                .shape = {1, width}});
    b.add_op({.op = "FULLY_CONNECTED",
              .inputs = {x, w, bi},
              .outputs = {y},
              .options = {{"fused_activation_function", std::string("RELU")}}});
    x = y;
  }
  b.set_outputs({x});
  b.write_file(path.string());
}

void bm_open(benchmark::State& state, const std::string& path) {
  const double file_bytes = static_cast<double>(fs::file_size(path));
  // Memory first, on a fresh mapping: RSS with the model open minus RSS before. Freed heap is
  // handed back first so that memory left over from earlier benchmarks does not hide growth.
  ::malloc_trim(0);
  const int64_t rss_before = status_bytes("VmRSS:");
  const int64_t anon_before = status_bytes("RssAnon:");
  const int64_t file_before = status_bytes("RssFile:");
  std::size_t nodes = 0, tensors = 0;
  {
    std::unique_ptr<edgelens::Model> model;
    try {
      model = edgelens::open_model(path);
    } catch (const std::exception& e) {
      // LiteRT's deliberately broken fixtures: nothing to time.
      state.SkipWithError(e.what());
      return;
    }
    const double rss_growth = static_cast<double>(status_bytes("VmRSS:") - rss_before);
    const double anon_growth = static_cast<double>(status_bytes("RssAnon:") - anon_before);
    const double file_growth = static_cast<double>(status_bytes("RssFile:") - file_before);
    for (const auto& g : model->graphs) {
      nodes += g.nodes.size();
      tensors += g.tensors.size();
    }
    constexpr double kMiB = 1024.0 * 1024.0;
    state.counters["rss_growth_MB"] = rss_growth / kMiB;
    state.counters["rss_pct_of_file"] = 100.0 * rss_growth / file_bytes;
    state.counters["anon_growth_MB"] = anon_growth / kMiB;
    state.counters["anon_pct_of_file"] = 100.0 * anon_growth / file_bytes;
    state.counters["file_pages_MB"] = file_growth / kMiB;
  }
  for (auto _ : state) {
    auto model = edgelens::open_model(path);
    benchmark::DoNotOptimize(model.get());
  }
  state.counters["file_MB"] = file_bytes / (1024.0 * 1024.0);
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["tensors"] = static_cast<double>(tensors);
}

bool is_model_file(const fs::path& p) {
  char head[8] = {};
  std::ifstream(p, std::ios::binary).read(head, 8);
  const std::string_view ident(head + 4, 4);
  return ident == "TFL3" || ident.substr(0, 2) == "ET" || ident.substr(0, 2) == "BP";
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  const fs::path tmp = fs::temp_directory_path();
  const fs::path synthetic_30 = tmp / fmt::format("edgelens-open-bench-{}-30MB.tflite", ::getpid());
  const fs::path synthetic_300 =
      tmp / fmt::format("edgelens-open-bench-{}-300MB.tflite", ::getpid());
  // 512x512 float32 = 1 MiB of weights per block. Written by a child process so the builder's
  // buffers never enter this process's heap (they would distort the RSS figures).
  const pid_t writer = ::fork();
  if (writer == 0) {
    try {
      write_synthetic_tflite(synthetic_30, 30, 512);
      write_synthetic_tflite(synthetic_300, 300, 512);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "open_bench: writing the synthetic models failed: %s\n", e.what());
      ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  if (writer < 0 || ::waitpid(writer, &status, 0) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "open_bench: could not write the synthetic models\n");
    return 1;
  }
  benchmark::RegisterBenchmark("open/synthetic_30MB.tflite", bm_open, synthetic_30.string())
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("open/synthetic_300MB.tflite", bm_open, synthetic_300.string())
      ->Unit(benchmark::kMillisecond);

  const fs::path fixtures = shared_fixtures();
  if (fs::is_directory(fixtures)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(fixtures))
      if (e.is_regular_file() && e.file_size() >= 8 && is_model_file(e.path()))
        files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      benchmark::RegisterBenchmark(("open/" + fs::relative(f, fixtures).string()).c_str(), bm_open,
                                   f.string())
          ->Unit(benchmark::kMillisecond);
  } else {
    std::fprintf(stderr, "open_bench: %s is absent; only the synthetic models are timed\n",
                 fixtures.c_str());
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove(synthetic_30);
  fs::remove(synthetic_300);
  return 0;
}
