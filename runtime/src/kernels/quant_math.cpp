#include "quant_math.h"

namespace edgelens::runtime::quant {

Multiplier quantize_multiplier(double real_multiplier) {
  if (real_multiplier == 0.0) return {};
  int shift = 0;
  const double fraction = std::frexp(real_multiplier, &shift);
  auto fixed = static_cast<int64_t>(std::round(fraction * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++shift;
  }
  // Below 2^-31 every product would shift out entirely; TFLite flushes such multipliers to zero.
  if (shift < -31) {
    shift = 0;
    fixed = 0;
  }
  return {static_cast<int32_t>(fixed), shift};
}

int16_t downscale_multiplier_to_int16(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset)
    return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((multiplier + kRoundingOffset) >> 16);
}

ActivationRange activation_range(Activation activation, float output_scale,
                                 int32_t output_zero_point, int32_t type_min, int32_t type_max) {
  auto quantize = [&](float f) {
    return output_zero_point + static_cast<int32_t>(std::round(f / output_scale));
  };
  switch (activation) {
    case Activation::Relu:
      return {std::max(type_min, quantize(0.0f)), type_max};
    case Activation::Relu6:
      return {std::max(type_min, quantize(0.0f)), std::min(type_max, quantize(6.0f))};
    case Activation::ReluN1To1:
      return {std::max(type_min, quantize(-1.0f)), std::min(type_max, quantize(1.0f))};
    default:
      return {type_min, type_max};
  }
}

int out_size(bool same_padding, int in_size, int filter_size, int stride, int dilation) {
  if (stride == 0) return 0;
  const int effective_filter = (filter_size - 1) * dilation + 1;
  return same_padding ? (in_size + stride - 1) / stride
                      : (in_size + stride - effective_filter) / stride;
}

int padding_before(int stride, int dilation, int in_size, int filter_size, int out_size_value) {
  const int effective_filter = (filter_size - 1) * dilation + 1;
  const int total = std::max(0, (out_size_value - 1) * stride + effective_filter - in_size);
  return total / 2;
}

}  // namespace edgelens::runtime::quant
