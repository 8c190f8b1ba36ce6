// The test cases an ExecuTorch bundled program (.bpte) carries next to its program: per method,
// input values and the outputs the exporter expected (computed by PyTorch eager at export time,
// so an external oracle for running the program).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens {

// One input or expected output: a tensor (data viewed in the model's mapped file) or a scalar.
struct BundledValue {
  enum class Kind { Tensor, Int, Bool, Double };
  Kind kind = Kind::Tensor;
  DType dtype = DType::Unknown;     // Tensor
  std::vector<int64_t> shape;       // Tensor
  std::vector<uint8_t> dim_order;   // Tensor; empty = contiguous
  std::span<const std::byte> data;  // Tensor: element_count * dtype size bytes (checked)
  int64_t int_value = 0;
  bool bool_value = false;
  double double_value = 0.0;
};

struct BundledTestCase {
  std::vector<BundledValue> inputs;
  std::vector<BundledValue> expected_outputs;
};

struct BundledTestSuite {
  std::string method;
  int32_t graph =
      -1;  // index of the method's graph in Model::graphs, -1 when no method has the name
  std::vector<BundledTestCase> cases;
};

// The test suites of a bundled program (Model::format == ExecuTorchBundled); empty for any other
// model. Reads the model's mapped file again; tensor data stay views into it (the Model keeps the
// mapping alive). Throws ModelError naming the suite/case/value on malformed contents.
std::vector<BundledTestSuite> bundled_test_suites(const Model& model);

}  // namespace edgelens
