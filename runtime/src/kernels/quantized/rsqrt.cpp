// Quantized RSQRT as TFLite's builtin kernel (kernels/elementwise.cc) computes it:
//   int8:  integer 1/sqrt(x - zero_point) by GetInvSqrtQuantizedMultiplierExp (gemmlowp fixed-point
//          Newton-Raphson), rescaled by 1 / (sqrt(input_scale) * output_scale) with a 2^20
//          intermediate; x == zero_point gives the largest output;
//   int16: a 513-entry interpolated table of 1/sqrt (zero points 0; inputs <= 0 map to the top).
// TFLite refuses inputs below the zero point ("Rsqrt is only defined for positive values"); so do
// we, at eval.
#include <bit>
#include <cmath>

#include "common.h"
#include "lut16.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

// gemmlowp FixedPoint<int32_t, IntegerBits> products and rescales used by the Newton-Raphson.
// a (Ia integer bits) * b (Ib integer bits) has Ia + Ib integer bits: the raw SRDHM.
int32_t fp_mul(int32_t a, int32_t b) {
  return quant::saturating_rounding_doubling_high_mul(a, b);
}
// SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0.
int32_t saturating_shift_left(int32_t x, int exponent) {
  const int32_t threshold = (int32_t{1} << (31 - exponent)) - 1;
  if (x > threshold) return std::numeric_limits<int32_t>::max();
  if (x < -threshold) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

// TFLite's GetInvSqrtQuantizedMultiplierExp(input, reverse_shift = -1, ...).
quant::Multiplier inv_sqrt_multiplier(int32_t input) {
  if (input <= 1) return {std::numeric_limits<int32_t>::max(), 0};
  int shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++shift;
  }
  const int max_left_shift_bits = std::countl_zero(static_cast<uint32_t>(input)) - 1;
  const int left_shift_bit_pairs = max_left_shift_bits / 2 - 1;
  shift -= left_shift_bit_pairs;
  input <<= 2 * left_shift_bit_pairs;
  // Values in F3 (3 integer bits): 1.0 is 2^28.
  const int32_t fixedpoint_input = input >> 1;
  const int32_t half_input = quant::rounding_divide_by_pot(fixedpoint_input, 1);
  const int32_t half_three = (1 << 28) + (1 << 27);  // 1.5
  int32_t x = 1 << 28;                               // F3::One()
  for (int i = 0; i < 5; ++i) {
    // x3 = Rescale<3>(x * x * x): F9 -> F3.
    const int32_t x3 = saturating_shift_left(fp_mul(fp_mul(x, x), x), 6);
    // x = Rescale<3>(1.5 * x - half_input * x3): F6 -> F3.
    x = saturating_shift_left(fp_mul(half_three, x) - fp_mul(half_input, x3), 3);
  }
  constexpr int32_t kHalfSqrt2 = 1518500250;  // F0 sqrt(2)/2
  int32_t inv_sqrt = fp_mul(x, kHalfSqrt2);
  if (shift < 0) {
    inv_sqrt = static_cast<int32_t>(static_cast<uint32_t>(inv_sqrt) << -shift);
    shift = 0;
  }
  return {inv_sqrt, -shift};
}

struct RsqrtState {
  int32_t input_zero_point = 0, output_zero_point = 0;
  quant::Multiplier m;  // int8: 1 / (sqrt(input_scale) * output_scale)
  Lut16 lut{};          // int16
};

void rsqrt_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<RsqrtState>();
  st.input_zero_point = in_q.zero_point;
  st.output_zero_point = out_q.zero_point;
  if (input.dtype == DType::Int16) {
    if (in_q.zero_point != 0 || out_q.zero_point != 0)
      ctx.unsupported("int16 RSQRT needs zero points 0");
    const float out_scale = out_q.scale;
    st.lut = lut16_populate<float>(
        in_q.scale, in_q.zero_point, out_q.scale, out_q.zero_point, [out_scale](float v) {
          if (v <= 0.0f) return static_cast<float>(std::numeric_limits<int16_t>::max()) * out_scale;
          return 1.0f / std::sqrt(v);
        });
  } else {
    const double scale = 1. / (std::sqrt(in_q.scale) * out_q.scale);
    st.m = quant::quantize_multiplier(scale);
  }
  ctx.set_output(0, input.dtype, input.shape);
}

void rsqrt_eval(NodeContext& ctx) {
  const auto& st = ctx.state<RsqrtState>();
  auto check = [&](int32_t q) {
    if (q < st.input_zero_point)
      ctx.unsupported(
          fmt::format("RSQRT of a negative value (quantized {} below the zero point {})", q,
                      st.input_zero_point));
  };
  if (ctx.input(0).dtype == DType::Int16) {
    const auto in = ctx.in<int16_t>(0);
    auto out = ctx.out<int16_t>(0);
    for (auto v : in) check(v);
    for (size_t i = 0; i < in.size(); ++i) out[i] = lut16_lookup(in[i], st.lut);
    return;
  }
  const auto in = ctx.in<int8_t>(0);
  auto out = ctx.out<int8_t>(0);
  constexpr int kShift = 20;  // keeps the intermediate an integer
  for (size_t i = 0; i < in.size(); ++i) {
    check(in[i]);
    const int32_t value = in[i] - st.input_zero_point;
    if (value == 0) {
      out[i] = std::numeric_limits<int8_t>::max();
      continue;
    }
    const auto inv = inv_sqrt_multiplier(value);
    const int32_t data =
        quant::multiply_by_quantized_multiplier(int32_t{1}, inv.multiplier, inv.shift + kShift);
    const int32_t v =
        quant::multiply_by_quantized_multiplier(data, st.m.multiplier, st.m.shift - kShift) +
        st.output_zero_point;
    out[i] = quant::saturate<int8_t>(v);
  }
}

const RegisterKernel kRsqrtQ({"RSQRT"}, {DType::Int8, DType::Int16}, {rsqrt_prepare, rsqrt_eval});

}  // namespace
}  // namespace edgelens::runtime
