#include "run_bundled.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <string>

#include "edgelens/model_io/bundled_tests.h"

namespace edgelens::cli {
namespace {

using runtime::Interpreter;
using runtime::TensorBuffer;

// ExecuTorch's bundled-program comparison defaults (devtools/bundled_program: rtol 1e-5,
// atol 1e-8).
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-8;

// Element i as a double (integers exactly up to 2^53, which the fixtures stay far below).
std::optional<double> element(DType dtype, const std::byte* data, size_t i) {
  auto read = [&]<class T>(T) {
    T v;
    std::memcpy(&v, data + i * sizeof(T), sizeof(T));
    return static_cast<double>(v);
  };
  switch (dtype) {
    case DType::Bool:
    case DType::UInt8:
      return read(uint8_t{});
    case DType::Int8:
      return read(int8_t{});
    case DType::Int16:
      return read(int16_t{});
    case DType::Int32:
      return read(int32_t{});
    case DType::Int64:
      return read(int64_t{});
    case DType::Float32:
      return read(float{});
    case DType::Float64:
      return read(double{});
    default:
      return std::nullopt;
  }
}

// The first difference between an output and its expected value, or empty when they match.
std::string compare(const TensorBuffer& got, const BundledValue& want, size_t index) {
  if (want.kind != BundledValue::Kind::Tensor)
    return fmt::format("output {}: the expected value is a scalar; run compares tensors only",
                       index);
  if (got.dtype != want.dtype || got.shape != want.shape)
    return fmt::format("output {}: got {} [{}], expected {} [{}]", index, dtype_name(got.dtype),
                       fmt::join(got.shape, ","), dtype_name(want.dtype),
                       fmt::join(want.shape, ","));
  const bool is_float = want.dtype == DType::Float32 || want.dtype == DType::Float64;
  const auto n = static_cast<size_t>(got.element_count());
  for (size_t i = 0; i < n; ++i) {
    const auto g = element(got.dtype, got.data, i);
    const auto w = element(want.dtype, want.data.data(), i);
    if (!g || !w)
      return fmt::format("output {}: {} cannot be compared", index, dtype_name(got.dtype));
    const bool same = is_float ? (std::isnan(*g) && std::isnan(*w)) ||
                                     std::abs(*g - *w) <= kAtol + kRtol * std::abs(*w)
                               : *g == *w;
    if (!same)
      return fmt::format("output {} element {}: got {:.9g}, expected {:.9g}", index, i, *g, *w);
  }
  return {};
}

// Runs one case; returns the failure text (empty on a pass) or sets `skipped`.
std::string run_case(Interpreter& interpreter, const BundledTestCase& tc, std::string& skipped) {
  if (tc.inputs.size() != interpreter.input_count()) {
    skipped = fmt::format("{} inputs, the method takes {} tensors", tc.inputs.size(),
                          interpreter.input_count());
    return {};
  }
  for (size_t i = 0; i < tc.inputs.size(); ++i) {
    const auto& v = tc.inputs[i];
    if (v.kind != BundledValue::Kind::Tensor) {
      skipped = fmt::format("input {} is a scalar; run feeds tensors only", i);
      return {};
    }
    if (v.dtype != interpreter.input(i).dtype)
      return fmt::format("input {} is {}, the method takes {}", i, dtype_name(v.dtype),
                         dtype_name(interpreter.input(i).dtype));
    if (v.shape != interpreter.input(i).shape) interpreter.resize_input(i, v.shape);
    auto& in = interpreter.input(i);
    if (in.byte_size() != v.data.size())
      return fmt::format("input {} has {} bytes, the tensor needs {}", i, v.data.size(),
                         in.byte_size());
    if (!v.data.empty()) std::memcpy(in.mutable_raw().data(), v.data.data(), v.data.size());
  }
  interpreter.invoke();
  if (tc.expected_outputs.size() != interpreter.output_count())
    return fmt::format("{} expected outputs, the method returns {} tensors",
                       tc.expected_outputs.size(), interpreter.output_count());
  for (size_t k = 0; k < tc.expected_outputs.size(); ++k)
    if (auto diff = compare(interpreter.output(k), tc.expected_outputs[k], k); !diff.empty())
      return diff;
  return {};
}

}  // namespace

bool check_bundled_tests(const Model& model, const runtime::InterpreterOptions& options,
                         nlohmann::json& report) {
  if (model.format != ModelFormat::ExecuTorchBundled) return true;
  const auto suites = bundled_test_suites(model);
  auto& section = report["bundled_tests"];
  section = nlohmann::json::array();
  bool all_pass = true;
  std::optional<Interpreter> interpreter;
  for (const auto& suite : suites) {
    for (size_t c = 0; c < suite.cases.size(); ++c) {
      nlohmann::json row = {{"method", suite.method}, {"case", c}};
      std::string failure, skipped;
      if (suite.graph != 0) {
        skipped = suite.graph < 0 ? "the program has no method of this name"
                                  : "run executes the first method only";
      } else {
        if (!interpreter) interpreter.emplace(model, options);
        try {
          failure = run_case(*interpreter, suite.cases[c], skipped);
        } catch (const std::exception& e) {
          failure = e.what();
        }
      }
      row["result"] = !skipped.empty() ? "skipped" : failure.empty() ? "pass" : "fail";
      if (!skipped.empty()) row["reason"] = skipped;
      if (!failure.empty()) row["reason"] = failure;
      all_pass &= failure.empty();
      section.push_back(row);
    }
  }
  return all_pass;
}

void print_bundled_tests(const nlohmann::json& report) {
  if (!report.contains("bundled_tests")) return;
  size_t pass = 0, total = 0;
  for (const auto& row : report["bundled_tests"]) {
    const auto result = row["result"].get<std::string>();
    ++total;
    pass += result == "pass";
    fmt::print(
        "bundled test case {}{}: {}{}\n", row["case"].get<size_t>(),
        row["method"] == "forward" ? "" : fmt::format(" ({})", row["method"].get<std::string>()),
        result, row.contains("reason") ? ": " + row["reason"].get<std::string>() : "");
  }
  fmt::print("{}/{} bundled test cases pass\n", pass, total);
}

}  // namespace edgelens::cli
