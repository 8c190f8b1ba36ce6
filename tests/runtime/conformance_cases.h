// The differential conformance grid: single-op .tflite models written with TfliteBuilder, one per
// (op, dtype, parameters). Shared by the conformance test (tests/runtime/conformance_test.cpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "edgelens/model_io/tflite_writer.h"

namespace edgelens::conformance {

// Deterministic generator (SplitMix64) so every run writes the same models and inputs.
struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(next() >> 40) / static_cast<float>(1ull << 24);
  }
  int64_t integer(int64_t lo, int64_t hi) {  // inclusive
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
};

struct QP {
  float scale = 0;
  int64_t zero_point = 0;
};

// Quantization of activations per dtype: int8 [-2.6, 2.5], uint8 [-2.56, 2.54], int16 symmetric.
inline QP activation_qp(DType t, float range = 2.56f) {
  switch (t) {
    case DType::Int8:
      return {range / 128.0f, 3};
    case DType::UInt8:
      return {range / 128.0f, 128};
    case DType::Int16:
      return {range / 32768.0f, 0};
    default:
      return {};
  }
}

struct Model {
  TfliteBuilder builder;
  std::vector<int32_t> inputs, outputs;
  Rng rng{1};
};

inline int64_t count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// A non-constant tensor; quantized with `q` unless float32 or int32.
inline int activation(Model& m, const std::string& name, DType t, std::vector<int64_t> shape,
                      QP q = {}) {
  TfliteBuilder::TensorSpec spec{.name = name, .dtype = t, .shape = std::move(shape)};
  if (t != DType::Float32 && t != DType::Int32)
    spec.quant = {.scales = {q.scale}, .zero_points = {q.zero_point}};
  return m.builder.add_tensor(spec);
}

inline int graph_input(Model& m, DType t, std::vector<int64_t> shape, QP q = {}) {
  const int id = activation(m, fmt::format("input{}", m.inputs.size()), t, std::move(shape), q);
  m.inputs.push_back(id);
  return id;
}

inline int graph_output(Model& m, DType t, std::vector<int64_t> shape, QP q = {}) {
  const int id = activation(m, "output", t, std::move(shape), q);
  m.outputs.push_back(id);
  return id;
}

// A constant int32 tensor, 1-D unless `shape` is given.
inline int const_ints(Model& m, const std::string& name, std::vector<int32_t> values,
                      std::vector<int64_t> shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
  return m.builder.add_tensor({.name = name,
                               .dtype = DType::Int32,
                               .shape = shape,
                               .data = TfliteBuilder::bytes_of(values)});
}

// One entry of the grid.
struct Case {
  std::string op;      // builtin name, the table's row
  DType dtype;         // activation dtype, the table's column
  std::string params;  // human-readable parameters, part of the case id
  std::function<void(Model&)> build;
  std::string id() const;
};

std::vector<Case> all_cases();
// Builds `c` with the seed of its id (so every run writes the same model) and writes it to `path`.
void write_case(const Case& c, const std::string& path);
// The cases of conformance_cases_gaps.cpp (kernels added for the fixtures' quantized gaps).
void add_quantized_gap_cases(std::vector<Case>& cases);
// The cases of conformance_cases_recurrent.cpp (SVDF and LSTM with their variable state).
void add_recurrent_cases(std::vector<Case>& cases);

}  // namespace edgelens::conformance
