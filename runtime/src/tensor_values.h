// Reading any numeric tensor element as double (dequantized when asked), for statistics and
// summaries. Not for kernels: they work on typed spans.
#pragma once

#include <cmath>
#include <cstring>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime {

float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

// Calls fn(index, value) for every element; returns false when the dtype is not numeric.
template <class Fn>
bool for_each_value(const TensorBuffer& t, bool dequantize, Fn&& fn) {
  const int64_t n =
      std::min<int64_t>(t.element_count(), t.bytes * 8 / std::max(1u, dtype_bits(t.dtype)));
  const auto& q = t.quant();
  const bool per_tensor = dequantize && q.scales.size() == 1;
  const double scale = per_tensor ? q.scales[0] : 1.0;
  const double zp = per_tensor && !q.zero_points.empty() ? double(q.zero_points[0]) : 0.0;
  auto emit_int = [&](int64_t i, double v) { fn(i, per_tensor ? scale * (v - zp) : v); };
  const std::byte* p = t.data;
  switch (t.dtype) {
#define EDGELENS_CASE(DT, T, EMIT)                            \
  case DType::DT:                                             \
    for (int64_t i = 0; i < n; ++i) {                         \
      T v;                                                    \
      std::memcpy(&v, p + i * int64_t(sizeof(T)), sizeof(T)); \
      EMIT(i, static_cast<double>(v));                        \
    }                                                         \
    return true;
    EDGELENS_CASE(Float32, float, fn)
    EDGELENS_CASE(Float64, double, fn)
    EDGELENS_CASE(Int8, int8_t, emit_int)
    EDGELENS_CASE(UInt8, uint8_t, emit_int)
    EDGELENS_CASE(Int16, int16_t, emit_int)
    EDGELENS_CASE(UInt16, uint16_t, emit_int)
    EDGELENS_CASE(Int32, int32_t, emit_int)
    EDGELENS_CASE(UInt32, uint32_t, emit_int)
    EDGELENS_CASE(Int64, int64_t, emit_int)
    EDGELENS_CASE(UInt64, uint64_t, emit_int)
    EDGELENS_CASE(Bool, uint8_t, fn)
#undef EDGELENS_CASE
    case DType::Float16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, p + i * 2, 2);
        fn(i, static_cast<double>(half_to_float(h)));
      }
      return true;
    default:
      return false;
  }
}

}  // namespace edgelens::runtime
