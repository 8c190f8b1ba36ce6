// quant_bench: layer-wise quant-report time per sample vs one plain quantized run, per quantized
// fixture (issue 6 target: <= 3x). CPU time of this process (the code is single-threaded, and the
// shared 2-core machine makes wall time mostly waiting). Figures go to bench/RESULTS.md "quant".
//
// Usage: quant_bench [FIXTURES_DIR] [--samples N]
#include <fmt/format.h>

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/quant/debugger.h"

namespace {

namespace fs = std::filesystem;
using namespace edgelens;
using namespace edgelens::runtime;

double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  // Default: ../shared next to the checkout (bench/ -> repo -> its parent).
  fs::path fixtures =
      fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared/fixtures";
  size_t samples = 4;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--samples" && i + 1 < argc)
      samples = std::stoul(argv[++i]);
    else
      fixtures = a;
  }
  const std::vector<std::string> names = {
      "hello_world_int8",  "micro_speech_quantized", "person_detect",
      "keyword_scrambled", "keyword_scrambled_8bit", "mobilenet_v2_quantized_1x3x224x224"};
  fmt::print(
      "| model | samples | plain quantized run ms | quant-report (layer) ms/sample | ratio |"
      " report incl. --keep-float-top 3 ms/sample |\n|---|---|---|---|---|---|\n");
  for (const auto& name : names) {
    const auto path = fixtures / "tflite/micro" / (name + ".tflite");
    if (!fs::exists(path)) continue;
    try {
      auto model = open_model(path.string());
      auto one = quant::load_samples(fixtures / "reference" / name);
      const size_t n = name.find("mobilenet") != std::string::npos ? 2 : samples;
      std::vector<quant::Sample> set(n, one.at(0));

      Interpreter plain(*model);
      quant::feed_sample(plain, set[0]);
      plain.invoke();  // warm up
      const double p0 = cpu_ms();
      for (size_t s = 0; s < n; ++s) {
        quant::feed_sample(plain, set[s]);
        plain.invoke();
      }
      const double plain_ms = (cpu_ms() - p0) / double(n);

      const double r0 = cpu_ms();
      quant::ReportOptions options;
      const auto report = quant::run_quant_report(*model, nullptr, set, options);
      const double report_ms = (cpu_ms() - r0) / double(n);

      const double w0 = cpu_ms();
      options.keep_float_top = 3;
      quant::run_quant_report(*model, nullptr, set, options);
      const double whatif_ms = (cpu_ms() - w0) / double(n);
      fmt::print("| {} | {} | {:.3f} | {:.3f} | {:.2f}x | {:.3f} |\n", name, n, plain_ms, report_ms,
                 report_ms / plain_ms, whatif_ms);
    } catch (const std::exception& e) {
      fmt::print("| {} | - | - | - | not run: {} | - |\n", name, e.what());
    }
  }
  return 0;
}
