// `edgelens run MODEL`: runs the model in the embedded interpreter, writes outputs (and optionally
// every intermediate tensor) as .npy, and prints a per-output summary, statistics, the first
// NaN/Inf and memory figures (text or --json).
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "edgelens/model_io/error.h"
#include "edgelens/model_io/open.h"
#include "edgelens/runtime/inputs.h"
#include "edgelens/runtime/interpreter.h"
#include "edgelens/runtime/npy.h"
#include "edgelens/runtime/observer.h"
#include "open_options.h"
#include "run_bundled.h"
#include "run_delegate.h"

namespace edgelens::cli {
namespace {

namespace fs = std::filesystem;
using namespace edgelens::runtime;

struct RunOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::string outputs_dir, dump_dir;
  bool stats = false, json = false, first_nan = false;
  DelegateRunOptions delegate;
  std::string image_resize = "bilinear", image_range = "auto", image_mean, image_std;
  int64_t max_while_iterations = InterpreterOptions{}.max_while_iterations;
  OpenOptions open;  // --data FILE.ptd
};

// --image-* options (image_input.h): range first, explicit mean/std override it.
ImageOptions image_options(const RunOptions& o) {
  ImageOptions images;
  images.resize = parse_image_resize(o.image_resize);
  set_image_range(images, o.image_range);
  if (!o.image_mean.empty()) {
    images.mean = parse_channel_values(o.image_mean, "--image-mean");
    if (images.std.empty()) images.std = {1.0};
  }
  if (!o.image_std.empty()) {
    images.std = parse_channel_values(o.image_std, "--image-std");
    if (images.mean.empty()) images.mean = {0.0};
  }
  return images;
}

nlohmann::json stats_json(const TensorStats& s) {
  return {{"count", s.count},
          {"min", s.min},
          {"max", s.max},
          {"mean", s.mean},
          {"std", s.std},
          {"nan", s.nan_count},
          {"inf", s.inf_count},
          {"zero_fraction", s.zero_fraction()},
          {"histogram", s.histogram}};
}

// The first `count` values, dequantized like the statistics (via one-element views).
std::vector<double> first_values(const TensorBuffer& t, size_t count) {
  std::vector<double> values;
  const size_t es = std::max(1u, dtype_bits(t.dtype) / 8);
  const auto n = std::min<int64_t>(t.element_count(), int64_t(count));
  for (int64_t i = 0; i < n; ++i) {
    TensorBuffer one = t;
    one.shape = {1};
    one.data = t.data + i * int64_t(es);
    one.bytes = es;
    values.push_back(compute_stats(one, 0).min);
  }
  return values;
}

int run(const RunOptions& o) {
  auto model = open_model(o.model, o.open);
  InterpreterOptions options;
  options.max_while_iterations = o.max_while_iterations;
  apply_delegate_options(o.delegate, options);
  Interpreter interpreter(*model, options);
  const auto report_unsupported = [&] {
    fmt::print(stderr, "edgelens: cannot run {}: {} node(s) unsupported\n", o.model,
               interpreter.unsupported().size());
    for (const auto& u : interpreter.unsupported()) fmt::print(stderr, "  {}\n", u.to_string());
    return kExitBadInput;
  };
  // Inputs go in before the readiness check: a given file may resize an input (an unranked one,
  // say) and so make a node preparable; when they fail on a model that cannot run anyway, the
  // unsupported nodes are the message.
  if (!interpreter.ready() && o.inputs.empty()) return report_unsupported();
  std::vector<InputSpec> specs;
  try {
    const auto images = image_options(o);
    for (const auto& text : o.inputs) {
      specs.push_back(parse_input_spec(text));
      specs.back().image = images;
    }
    apply_inputs(interpreter, specs);
  } catch (const std::exception& e) {
    if (!interpreter.ready()) return report_unsupported();
    fmt::print(stderr, "edgelens: bad input: {}\n", e.what());
    return kExitBadInput;
  }
  if (!interpreter.ready()) return report_unsupported();

  NanFinder nan_finder;
  StatsObserver stats;
  NodeTimer timer;
  std::unique_ptr<TensorCapture> capture;
  interpreter.add_observer(&timer);
  if (o.first_nan) interpreter.add_observer(&nan_finder);
  if (o.stats) interpreter.add_observer(&stats);
  if (!o.dump_dir.empty()) {
    // Budget 0: every tensor goes straight to DIR/t<index>.npy as it is produced.
    capture = std::make_unique<TensorCapture>(CaptureOptions{{}, true, 0, o.dump_dir});
    interpreter.add_observer(capture.get());
  }
  const auto start = std::chrono::steady_clock::now();
  interpreter.invoke();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  if (!o.outputs_dir.empty()) {
    fs::create_directories(o.outputs_dir);
    for (size_t k = 0; k < interpreter.output_count(); ++k) {
      const auto& t = interpreter.output(k);
      write_npy(fs::path(o.outputs_dir) / fmt::format("output{}.npy", k), t.dtype, t.shape,
                {t.data, std::min(t.bytes, t.byte_size())});
    }
  }
  if (capture) {
    std::ofstream index(fs::path(o.dump_dir) / "index.tsv");
    index << "idx\tname\tdtype\tshape\n";
    for (const auto& [id, c] : capture->tensors())
      index << id << '\t' << c.name << '\t' << npy_descr(c.dtype) << '\t'
            << fmt::format("[{}]", fmt::join(c.shape, ",")) << '\n';
  }

  const auto memory = interpreter.memory();
  nlohmann::json report;
  report["model"] = o.model;
  report["invoke_ms"] = ms;
  report["memory"] = {{"arena_bytes", memory.arena_bytes},
                      {"naive_bytes", memory.naive_bytes},
                      {"variable_bytes", memory.variable_bytes},
                      {"constant_bytes", memory.constant_bytes}};
  for (size_t k = 0; k < interpreter.output_count(); ++k) {
    const auto& t = interpreter.output(k);
    const auto s = compute_stats(t, 16);
    report["outputs"].push_back({{"index", k},
                                 {"name", t.ir ? t.ir->name : ""},
                                 {"dtype", std::string(dtype_name(t.dtype))},
                                 {"shape", t.shape},
                                 {"stats", stats_json(s)},
                                 {"first_values", first_values(t, 8)}});
  }
  if (o.first_nan) {
    if (const auto& hit = nan_finder.first())
      report["first_nan"] = {
          {"node", hit->node},
          {"graph", hit->graph},
          {"op", hit->op},
          {"tensor", hit->tensor},
          {"tensor_name", hit->tensor_name},
          {"element", hit->element},
          {"value", std::isnan(hit->value) ? "nan" : (hit->value > 0 ? "inf" : "-inf")},
          {"inputs_finite", hit->inputs_finite}};
    else
      report["first_nan"] = nullptr;
  }
  if (o.stats)
    for (const auto& r : stats.results())
      report["stats"].push_back({{"graph", r.graph},
                                 {"node", r.node},
                                 {"op", r.op},
                                 {"tensor", r.tensor},
                                 {"name", r.name},
                                 {"stats", stats_json(r.stats)}});

  add_delegate_report(interpreter, o.delegate, report);
  const bool bundled_ok = check_bundled_tests(*model, options, report);  // .bpte test cases
  const int exit_code = bundled_ok ? kExitOk : kExitThreshold;
  if (o.json) {
    fmt::print("{}\n", report.dump(1));
    return exit_code;
  }
  fmt::print("{}: ran in {:.2f} ms; arena {} bytes (naive {})\n", o.model, ms, memory.arena_bytes,
             memory.naive_bytes);
  for (const auto& out : report["outputs"]) {
    const auto& s = out["stats"];
    std::vector<std::string> firsts;
    for (const auto& v : out["first_values"])
      firsts.push_back(fmt::format("{:.6g}", v.get<double>()));
    fmt::print("output {} '{}' {} [{}]: min {:.6g} max {:.6g} mean {:.6g}; first: {}\n",
               out["index"].get<size_t>(), out["name"].get<std::string>(),
               out["dtype"].get<std::string>(),
               fmt::join(out["shape"].get<std::vector<int64_t>>(), ","), s["min"].get<double>(),
               s["max"].get<double>(), s["mean"].get<double>(), fmt::join(firsts, " "));
  }
  if (o.stats)
    for (const auto& r : stats.results())
      fmt::print(
          "node {:4} {:24} t{:<5} min {:<12.6g} max {:<12.6g} mean {:<12.6g} std {:<12.6g} nan {} "
          "inf {} zero {:.3f}\n",
          r.node, r.op, r.tensor, r.stats.min, r.stats.max, r.stats.mean, r.stats.std,
          r.stats.nan_count, r.stats.inf_count, r.stats.zero_fraction());
  if (o.first_nan) {
    if (const auto& hit = nan_finder.first())
      fmt::print("first non-finite value: node {} ({}) output t{} '{}' element {} = {}{}\n",
                 hit->node, hit->op, hit->tensor, hit->tensor_name, hit->element, hit->value,
                 hit->inputs_finite ? " (its inputs were finite)" : "");
    else
      fmt::print("no NaN/Inf in any node output\n");
  }
  print_delegate_report(report);
  print_bundled_tests(report);
  if (!o.outputs_dir.empty()) fmt::print("outputs written to {}\n", o.outputs_dir);
  if (capture)
    fmt::print("{} tensors written to {} (index.tsv)\n", capture->tensors().size(), o.dump_dir);
  return exit_code;
}

const RegisterCommand kRun{Command{
    "run", "Run the model in the embedded interpreter and write outputs / intermediates",
    [](CLI::App& sub) -> Action {
      auto o = std::make_shared<RunOptions>();
      sub.add_option("model", o->model, "Model file (.tflite)")->required();
      add_open_options(sub, o->open);
      sub.add_option("--input,-i", o->inputs,
                     "INDEX_OR_NAME=FILE, FILE, ramp, random[:SEED]; FILE is .npy or an image "
                     "(.png/.jpg/.bmp) (repeatable; default ramp)");
      sub.add_option("--image-resize", o->image_resize,
                     "Image inputs: bilinear (default), nearest or none")
          ->check(CLI::IsMember({"bilinear", "nearest", "none"}));
      sub.add_option("--image-range", o->image_range,
                     "Image inputs: pixel 0..255 maps to LO,HI (0,1 | -1,1 | 0,255 ...); auto "
                     "(default): 0,1 for float, the whole quantized range for quantized inputs");
      sub.add_option("--image-mean", o->image_mean,
                     "Image inputs: (pixel - MEAN) / STD on 0..255 pixels; M or M1,M2,M3");
      sub.add_option("--image-std", o->image_std, "Image inputs: S or S1,S2,S3 (see --image-mean)");
      sub.add_option("--max-while-iterations", o->max_while_iterations,
                     "Stop a WHILE loop after this many iterations (0 = no limit)")
          ->capture_default_str()
          ->check(CLI::NonNegativeNumber);
      sub.add_option("--outputs,-o", o->outputs_dir, "Write output<k>.npy here");
      sub.add_option("--dump-tensors", o->dump_dir,
                     "Write every tensor as t<index>.npy plus index.tsv");
      sub.add_flag("--stats", o->stats, "Statistics of every node output");
      sub.add_flag("--json", o->json, "Print the report as JSON");
      sub.add_flag("--first-nan", o->first_nan, "Find the first node producing NaN/Inf");
      add_delegate_options(sub, o->delegate);
      return [o] { return run(*o); };
    }}};

}  // namespace
}  // namespace edgelens::cli
