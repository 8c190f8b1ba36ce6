// Tensor and .npy values as doubles or exact integers, for comparing our outputs with an oracle's.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "edgelens/model_io/dtype.h"

namespace edgelens::testing {

// out[i] = the i-th T of `bytes`, for every element of `out` (unaligned-safe).
template <class T, class V>
void read_values(std::span<const std::byte> bytes, std::vector<V>& out) {
  for (size_t i = 0; i < out.size(); ++i) {
    T v;
    std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<V>(v);
  }
}

// Fills `out` from `bytes` read as `dtype`'s integer type; false for a non-integer dtype.
template <class V>
bool read_integers(DType dtype, std::span<const std::byte> bytes, std::vector<V>& out) {
  switch (dtype) {
    case DType::Int8:
      read_values<int8_t>(bytes, out);
      return true;
    case DType::UInt8:
    case DType::Bool:
      read_values<uint8_t>(bytes, out);
      return true;
    case DType::Int16:
      read_values<int16_t>(bytes, out);
      return true;
    case DType::Int32:
      read_values<int32_t>(bytes, out);
      return true;
    case DType::Int64:
      read_values<int64_t>(bytes, out);
      return true;
    default:
      return false;
  }
}

// The first `count` values of `bytes` as doubles: float values, integers raw (not dequantized).
// An unexpected dtype is a test failure and gives an empty vector.
inline std::vector<double> as_doubles(DType dtype, std::span<const std::byte> bytes,
                                      int64_t count) {
  std::vector<double> out(static_cast<size_t>(count));
  if (dtype == DType::Float32) {
    read_values<float>(bytes, out);
  } else if (!read_integers(dtype, bytes, out)) {
    ADD_FAILURE() << "unexpected dtype " << dtype_name(dtype);
    out.clear();
  }
  return out;
}

// The first `count` values of `bytes`, exact, for an integer dtype; empty for any other dtype.
inline std::vector<int64_t> as_int64s(DType dtype, std::span<const std::byte> bytes,
                                      int64_t count) {
  std::vector<int64_t> out(static_cast<size_t>(count));
  if (dtype == DType::Bool || !read_integers(dtype, bytes, out)) out.clear();
  return out;
}

}  // namespace edgelens::testing
