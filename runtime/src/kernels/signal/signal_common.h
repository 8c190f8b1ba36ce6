// Helpers shared by the tflite-micro Signal custom ops (runtime/src/kernels/signal/*.cpp): option
// reading and input checks. The ops follow tflite-micro's signal library (signal/src, integer
// arithmetic) and its micro kernels (signal/micro/kernels) for how tensors map to arguments.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "edgelens/runtime/kernel.h"

namespace edgelens::runtime::signal {

inline void require_dtype(const NodeContext& ctx, const TensorBuffer& t, DType want,
                          const char* what) {
  if (t.dtype != want)
    ctx.unsupported(
        fmt::format("{} must be {}, is {}", what, dtype_name(want), dtype_name(t.dtype)));
}

// A custom option the op cannot run without (decoded from the flexbuffer map by the reader).
inline int64_t required_option(const NodeContext& ctx, const char* name) {
  if (!ctx.has_attr(name)) ctx.unsupported(fmt::format("custom option '{}' is missing", name));
  return ctx.attr_int(name);
}

// The declared dtype/shape of output i, from the model (Signal ops never change them).
inline void keep_declared_output(NodeContext& ctx, size_t i) {
  auto& o = ctx.output(i);
  if (!o.ir) ctx.unsupported(fmt::format("output {} has no tensor", i));
  ctx.set_output(i, o.ir->dtype, o.ir->shape);
}

// tflite-micro's MostSignificantBit32 (GCC build): 1-based index of the top set bit, 32 for 0.
inline uint32_t most_significant_bit32(uint32_t x) {
  return x != 0 ? 32u - static_cast<uint32_t>(__builtin_clz(x)) : 32u;
}
inline uint32_t most_significant_bit64(uint64_t x) {
  return x != 0 ? 64u - static_cast<uint32_t>(__builtin_clzll(x)) : 64u;
}

}  // namespace edgelens::runtime::signal
