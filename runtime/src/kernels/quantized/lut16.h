// TFLite's 16-bit lookup tables (LUTPopulateInt16 / LUTLookup in kernels/internal/common.h and
// reference/integer_ops/lut.h): 513 samples of a function over the int16 input range, each sample
// biased by half the interpolation error at its segment's midpoint, looked up with linear
// interpolation between neighbours. Used by int16 RSQRT and int16 SOFTMAX.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace edgelens::runtime::qkernel {

using Lut16 = std::array<int16_t, 513>;

// FloatT is float for most ops and double where TFLite asks for it (SOFTMAX), because the table
// entries depend on the precision the samples are computed in.
template <class FloatT, class Fn>
Lut16 lut16_populate(FloatT input_scale, int32_t input_zero_point, FloatT output_scale,
                     int32_t output_zero_point, Fn transform) {
  constexpr auto kMin = std::numeric_limits<int16_t>::min();
  constexpr auto kMax = std::numeric_limits<int16_t>::max();
  const FloatT input_min = input_scale * static_cast<FloatT>(kMin - input_zero_point);
  const FloatT input_max = input_scale * static_cast<FloatT>(kMax - input_zero_point);
  const FloatT output_min = output_scale * static_cast<FloatT>(kMin - output_zero_point);
  const FloatT output_max = output_scale * static_cast<FloatT>(kMax - output_zero_point);
  constexpr int kSteps = 512;
  const FloatT step = (input_max - input_min) / kSteps;
  const FloatT half_step = step / 2;
  const FloatT output_scaling_inv =
      static_cast<FloatT>(kMax - kMin + 1) / (output_max - output_min);
  const auto table_min = static_cast<FloatT>(kMin);
  const auto table_max = static_cast<FloatT>(kMax);
  Lut16 lut{};
  for (int i = 0; i < kSteps; ++i) {
    const FloatT x = input_min + static_cast<FloatT>(i) * step;
    const FloatT val = transform(x);
    const FloatT val_midpoint = transform(x + half_step);
    const FloatT val_next = transform(input_min + static_cast<FloatT>(i + 1) * step);
    const FloatT sample_val = std::round(val * output_scaling_inv);
    const FloatT midpoint_interp_val =
        std::round((val_next * output_scaling_inv + std::round(val * output_scaling_inv)) / 2);
    const FloatT midpoint_val = std::round(val_midpoint * output_scaling_inv);
    const FloatT midpoint_err = midpoint_interp_val - midpoint_val;
    const FloatT bias = std::round(midpoint_err / 2);
    lut[static_cast<size_t>(i)] =
        static_cast<int16_t>(std::min(std::max(sample_val - bias, table_min), table_max));
  }
  lut[kSteps] = static_cast<int16_t>(std::min(
      std::max(std::round(transform(input_max) * output_scaling_inv), table_min), table_max));
  return lut;
}

// LUTLookup: the upper 9 bits pick the segment, the lower 7 interpolate within it.
inline int16_t lut16_lookup(int16_t value, const Lut16& lut) {
  const auto index = static_cast<uint16_t>(256 + (value >> 7));
  const int16_t offset = static_cast<int16_t>(value & 0x7f);
  const int16_t base = lut[index];
  const int slope = lut[static_cast<size_t>(index) + 1] - lut[index];
  const int delta = (slope * offset + 64) >> 7;
  return static_cast<int16_t>(base + delta);
}

}  // namespace edgelens::runtime::qkernel
