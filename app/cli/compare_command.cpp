// `edgelens compare A B [--inputs DIR|--input SPEC...|--samples N] [--json] [--max-abs TOL]
// [--max-rel TOL] [--structure-only] [--delegate NAME]`: structural, delegate-coverage and numeric
// diff of two models (runtime/compare.h), a gate between conversion stages. Exit codes: 0 ok,
// 1 usage, 2 bad input, 3 past a threshold.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "command.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/compare.h"

namespace edgelens::cli {
namespace {

using namespace edgelens::runtime;

struct CompareCliOptions {
  std::string model_a, model_b, inputs_dir, delegate = "xnnpack";
  std::vector<std::string> inputs;
  size_t samples = 0;
  uint64_t seed = 1;
  bool json = false, structure_only = false, no_intermediates = false;
  std::optional<double> max_abs, max_rel;
};

int run_compare(const CompareCliOptions& o) {
  const int sources = int(!o.inputs_dir.empty()) + int(!o.inputs.empty()) + int(o.samples > 0);
  if (sources > 1) {
    fmt::print(stderr, "edgelens compare: give one of --inputs, --input, --samples\n");
    return kExitUsage;
  }
  if ((o.max_abs || o.max_rel) && o.structure_only) {
    fmt::print(stderr,
               "edgelens compare: thresholds need the numeric diff (no --structure-only)\n");
    return kExitUsage;
  }
  const auto a = open_model(o.model_a);
  const auto b = open_model(o.model_b);

  compare::CompareOptions options;
  options.structure_only = o.structure_only;
  options.delegate = o.delegate;
  options.intermediates = !o.no_intermediates;
  std::vector<quant::Sample> samples;
  if (!o.structure_only) {
    try {
      if (!o.inputs_dir.empty())
        samples = compare::load_compare_samples(*a, *b, o.inputs_dir);
      else if (!o.inputs.empty())
        samples = compare::samples_from_specs(*a, *b, o.inputs);
      else if (o.samples > 0)
        samples = compare::random_compare_samples(*a, *b, o.samples, o.seed);
      else
        samples = compare::ramp_sample(*a, *b);
    } catch (const std::invalid_argument& e) {
      fmt::print(stderr, "edgelens compare: {}\n", e.what());
      return kExitBadInput;
    }
  }
  compare::CompareReport report;
  try {
    report = compare::compare_models(*a, *b, samples, options);
  } catch (const std::invalid_argument& e) {  // samples that do not fit a model
    fmt::print(stderr, "edgelens compare: {}\n", e.what());
    return kExitBadInput;
  }
  const compare::Thresholds thresholds{o.max_abs, o.max_rel};
  const std::string text = o.json ? compare::report_json(report, thresholds) + "\n"
                                  : compare::report_text(report, thresholds);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!compare::check_thresholds(report, thresholds).passed) return kExitThreshold;
  return kExitOk;
}

const RegisterCommand kRegisterCompare{Command{
    "compare",
    "Compare two models: ops added/removed/changed, delegate coverage, numeric diff of outputs "
    "and matched tensors; exit 3 past --max-abs/--max-rel",
    [](CLI::App& sub) -> Action {
      auto o = std::make_shared<CompareCliOptions>();
      sub.add_option("A", o->model_a, "Reference model (.tflite, .pte)")->required();
      sub.add_option("B", o->model_b, "Model compared with A (.tflite, .pte)")->required();
      sub.add_option("--inputs", o->inputs_dir,
                     "Directory of input<k>.npy (one sample) or of sample subdirectories");
      sub.add_option("--input", o->inputs,
                     "One sample as for `run`: ramp | random[:SEED] | FILE.npy | NAME=FILE.npy "
                     "(repeatable; default: the ramp)");
      sub.add_option("--samples", o->samples, "N random samples");
      sub.add_option("--seed", o->seed, "Seed of the random samples")->capture_default_str();
      sub.add_flag("--json", o->json, "Print the report as JSON (schema: docs/cli.md)");
      sub.add_option("--max-abs", o->max_abs,
                     "Fail (exit 3) when an output's max |B-A| exceeds TOL");
      sub.add_option("--max-rel", o->max_rel,
                     "Fail (exit 3) when an output's max |B-A|/|A| exceeds TOL");
      sub.add_flag("--structure-only", o->structure_only, "Structural diff only (runs nothing)");
      sub.add_option("--delegate", o->delegate, "Delegate for the coverage diff")
          ->capture_default_str();
      sub.add_flag("--outputs-only", o->no_intermediates, "Compare model outputs only");
      return [o]() { return run_compare(*o); };
    }}};

}  // namespace
}  // namespace edgelens::cli
