// `edgelens run FILE.bpte`: an ExecuTorch bundled program carries test cases (inputs and the
// outputs expected at export); run checks every one of them after its normal run. Kept out of
// run_command.cpp, which only calls these hooks.
#pragma once

#include <nlohmann/json.hpp>

#include "edgelens/model_io/model.h"
#include "edgelens/runtime/interpreter.h"

namespace edgelens::cli {

// Runs each bundled test case of graph-0's method in a fresh interpreter (so the run's observers
// and tensors are untouched) and compares the outputs with the expected ones: integers exactly,
// floats within ExecuTorch's bundled-program defaults (|got - expected| <= 1e-8 + 1e-5 *
// |expected|). Fills report["bundled_tests"]; returns false when a case fails. Does nothing (true)
// for a model that is not a bundled program.
bool check_bundled_tests(const Model& model, const runtime::InterpreterOptions& options,
                         nlohmann::json& report);
// Text form: one line per test case and a summary (nothing when the report has no such section).
void print_bundled_tests(const nlohmann::json& report);

}  // namespace edgelens::cli
