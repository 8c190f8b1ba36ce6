// `edgelens run --delegate xnnpack [--threads N] [--drift]`: the delegate part of the run verb,
// kept out of run_command.cpp (which only calls these hooks).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "edgelens/runtime/interpreter.h"

namespace edgelens::cli {

struct DelegateRunOptions {
  std::string delegate = "none";  // none | xnnpack
  int threads = 1;
  bool drift = false;  // one partition per node, per-node delegated-vs-reference comparison
};

void add_delegate_options(CLI::App& sub, DelegateRunOptions& options);
// Sets the interpreter options (--drift also keeps every tensor and preserves all tensors).
void apply_delegate_options(const DelegateRunOptions& options,
                            runtime::InterpreterOptions& interpreter_options);
// After invoke: report["delegate"] (partitions, counts, fallbacks) and, with --drift,
// report["drift"] (one row per delegated node output).
void add_delegate_report(runtime::Interpreter& interpreter, const DelegateRunOptions& options,
                         nlohmann::json& report);
// Text form of those two report sections (nothing when no delegate ran).
void print_delegate_report(const nlohmann::json& report);

}  // namespace edgelens::cli
