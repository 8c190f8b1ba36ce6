// TFLite's integer arithmetic (tensorflow/lite/kernels/internal/common.h, quantization_util.cc and
// gemmlowp's fixedpoint), re-expressed for EdgeLens' quantized kernels. Every function here must
// round exactly like TFLite's builtin kernels, because quantized results are compared bit for bit.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

namespace edgelens::runtime::quant {

// A real multiplier M encoded as M ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31).
struct Multiplier {
  int32_t multiplier = 0;
  int shift = 0;  // > 0: left shift, < 0: right shift (TFLite's "exponent" convention)
};

// TFLite's QuantizeMultiplier: frexp, round half away from zero, renormalise 2^31, flush < 2^-31.
Multiplier quantize_multiplier(double real_multiplier);

// gemmlowp::SaturatingRoundingDoublingHighMul: round(a*b / 2^31), saturating the one overflow case.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division truncates toward zero, as in gemmlowp.
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}
inline int16_t saturating_rounding_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min())
    return std::numeric_limits<int16_t>::max();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}
// TFLite's SaturatingDoublingHighMul (no rounding nudge), used by HARD_SWISH.
inline int16_t saturating_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min())
    return std::numeric_limits<int16_t>::max();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  return static_cast<int16_t>(ab / (1 << 15));
}

// gemmlowp::RoundingDivideByPOT: x / 2^exponent rounded half away from zero.
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent <= 0) return x;
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}
inline int64_t rounding_divide_by_pot(int64_t x, int exponent) {
  if (exponent <= 0) return x;
  const int64_t mask = (int64_t{1} << exponent) - 1;
  const int64_t remainder = x & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// TFLite's MultiplyByQuantizedMultiplier (double rounding, the default build): left shift, then
// SRDHM, then rounding right shift.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  // The left shift wraps like TFLite's `x * (1 << left_shift)` on two's complement hardware.
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}
inline int32_t multiply_by_quantized_multiplier(int32_t x, Multiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}
// What TFLite's builtin (non-XNNPACK) int8/uint8 CONV_2D and FULLY_CONNECTED compute on x86: their
// GEMM backend adds the 2^30 nudge whatever the product's sign and truncates toward zero, then
// applies the rounding right shift. Matched element for element against the native builtin run of
// the int8 MobileNetV2 in ../shared/fixtures/reference (tensors/); the gemmlowp form above differs
// from it on negative values lying within 2^-shift of a rounding boundary.
inline int32_t multiply_by_quantized_multiplier_gemm(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  if (shifted == multiplier && shifted == std::numeric_limits<int32_t>::min())
    return rounding_divide_by_pot(std::numeric_limits<int32_t>::max(), right_shift);
  const int64_t ab = static_cast<int64_t>(shifted) * multiplier;
  const auto high = static_cast<int32_t>((ab + (int64_t{1} << 30)) / (int64_t{1} << 31));
  return rounding_divide_by_pot(high, right_shift);
}
// The 64-bit accumulator variant (int16x8 CONV/FC): the multiplier is reduced to 16 bits and a
// single rounding shift is applied.
inline int32_t multiply_by_quantized_multiplier(int64_t x, int32_t multiplier, int shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t round = int64_t{1} << (total_shift - 1);
  const int64_t result = (x * static_cast<int64_t>(reduced) + round) >> total_shift;
  return static_cast<int32_t>(std::clamp<int64_t>(result, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}
// MultiplyByQuantizedMultiplierSmallerThanOneExp (shift <= 0).
inline int32_t multiply_smaller_than_one(int32_t x, int32_t multiplier, int shift) {
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, multiplier), -shift);
}
// MultiplyByQuantizedMultiplierGreaterThanOne (left shift >= 0).
inline int32_t multiply_greater_than_one(int32_t x, int32_t multiplier, int left_shift) {
  const auto shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return saturating_rounding_doubling_high_mul(shifted, multiplier);
}

// TFLite's DownScaleInt32ToInt16Multiplier.
int16_t downscale_multiplier_to_int16(int32_t multiplier);
// TFLite's SaturatingLeftShift for int16.
inline int16_t saturating_left_shift(int16_t value, int amount) {
  const int32_t r = static_cast<int32_t>(value) * (1 << amount);
  return static_cast<int16_t>(std::clamp<int32_t>(r, std::numeric_limits<int16_t>::min(),
                                                  std::numeric_limits<int16_t>::max()));
}

// TfLiteRound: round half away from zero.
inline float round_half_away(float x) {
  return std::round(x);
}

template <class T>
constexpr int32_t qmin() {
  return std::numeric_limits<T>::min();
}
template <class T>
constexpr int32_t qmax() {
  return std::numeric_limits<T>::max();
}
template <class T>
inline T saturate(int32_t v) {
  return static_cast<T>(std::clamp(v, qmin<T>(), qmax<T>()));
}

enum class Activation { None, Relu, ReluN1To1, Relu6, Tanh, SignBit };
struct ActivationRange {
  int32_t min = 0, max = 0;
};
// CalculateActivationRangeQuantized: the fused activation's bounds on the output's integer grid.
ActivationRange activation_range(Activation activation, float output_scale,
                                 int32_t output_zero_point, int32_t type_min, int32_t type_max);

// SAME/VALID arithmetic (ComputeOutSize, ComputePaddingWithOffset).
int out_size(bool same_padding, int in_size, int filter_size, int stride, int dilation);
int padding_before(int stride, int dilation, int in_size, int filter_size, int out_size);

// 8-bit lookup tables computed in float like TFLite's LUTPopulate (LOGISTIC, TANH, ELU ...):
// index with static_cast<uint8_t>(q).
template <class T>
std::array<T, 256> make_lut(float input_scale, int32_t input_zero_point, float output_scale,
                            int32_t output_zero_point, float (*transform)(float)) {
  std::array<T, 256> lut{};
  const float inverse_scale = 1.0f / output_scale;
  for (int32_t v = qmin<T>(); v <= qmax<T>(); ++v) {
    const float dequantized = input_scale * static_cast<float>(v - input_zero_point);
    const float transformed = transform(dequantized);
    const float rescaled = std::round(transformed * inverse_scale);
    const auto q = static_cast<int32_t>(rescaled + static_cast<float>(output_zero_point));
    lut[static_cast<uint8_t>(static_cast<T>(v))] = saturate<T>(q);
  }
  return lut;
}

}  // namespace edgelens::runtime::quant
