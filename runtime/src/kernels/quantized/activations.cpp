// Quantized activations: RELU / RELU6 / RELU_N1_TO_1 (requantizing ReluX), LEAKY_RELU (two
// multipliers), HARD_SWISH (TFLite's 16-bit fixed-point scheme), LOGISTIC / TANH for 8-bit types
// (256-entry tables computed in float, as TFLite's builtin kernels do) and int16 (TFLite's
// interpolated sigmoid table, regenerated here; see make_sigmoid_table_q16). TFLite does not run
// int16 HARD_SWISH.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

// ---- RELU family -------------------------------------------------------------------------------

struct ReluState {
  int32_t input_zero_point = 0, output_zero_point = 0;
  quant::Multiplier m;
  int32_t act_min = 0, act_max = 0;
};

template <int kind>  // 0 RELU, 1 RELU6, 2 RELU_N1_TO_1
void relu_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<ReluState>();
  st.input_zero_point = in_q.zero_point;
  st.output_zero_point = out_q.zero_point;
  // activations.cc forms this ratio in float before widening it.
  st.m = quant::quantize_multiplier(static_cast<double>(in_q.scale / out_q.scale));
  const float lo = kind == 2 ? -1.0f : 0.0f;
  const float hi = kind == 1 ? 6.0f : 1.0f;
  const int32_t tmin = type_min(input.dtype), tmax = type_max(input.dtype);
  st.act_min =
      std::max(tmin, out_q.zero_point + static_cast<int32_t>(std::round(lo / out_q.scale)));
  st.act_max =
      kind == 0
          ? tmax
          : std::min(tmax, out_q.zero_point + static_cast<int32_t>(std::round(hi / out_q.scale)));
  ctx.set_output(0, input.dtype, input.shape);
}

void relu_eval(NodeContext& ctx) {
  const auto& st = ctx.state<ReluState>();
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() {
    const auto in = ctx.in<T>(0);
    auto out = ctx.out<T>(0);
    for (size_t i = 0; i < in.size(); ++i) {
      int32_t v =
          st.output_zero_point + quant::multiply_by_quantized_multiplier(
                                     static_cast<int32_t>(in[i]) - st.input_zero_point, st.m);
      out[i] = static_cast<T>(std::clamp(v, st.act_min, st.act_max));
    }
  });
}

// ---- LEAKY_RELU --------------------------------------------------------------------------------

struct LeakyState {
  int32_t input_zero_point = 0, output_zero_point = 0;
  quant::Multiplier alpha, identity;
};

void leaky_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  const auto alpha = static_cast<float>(ctx.attr_float("alpha", 0.2));
  auto& st = ctx.state<LeakyState>();
  st.input_zero_point = in_q.zero_point;
  st.output_zero_point = out_q.zero_point;
  st.alpha = quant::quantize_multiplier(static_cast<double>(in_q.scale * alpha / out_q.scale));
  st.identity = quant::quantize_multiplier(static_cast<double>(in_q.scale / out_q.scale));
  ctx.set_output(0, input.dtype, input.shape);
}

void leaky_eval(NodeContext& ctx) {
  const auto& st = ctx.state<LeakyState>();
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() {
    const auto in = ctx.in<T>(0);
    auto out = ctx.out<T>(0);
    for (size_t i = 0; i < in.size(); ++i) {
      const int32_t x = static_cast<int32_t>(in[i]) - st.input_zero_point;
      const auto& m = x >= 0 ? st.identity : st.alpha;
      out[i] =
          quant::saturate<T>(st.output_zero_point + quant::multiply_by_quantized_multiplier(x, m));
    }
  });
}

// ---- HARD_SWISH --------------------------------------------------------------------------------

struct HardSwishState {
  int32_t input_zero_point = 0, output_zero_point = 0;
  int16_t output_multiplier = 0, reluish_multiplier = 0;
  int output_exponent = 0, reluish_exponent = 0;
};

void hard_swish_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (input.dtype == DType::Int16) ctx.unsupported("int16 HARD_SWISH (TFLite has no such kernel)");
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<HardSwishState>();
  st.input_zero_point = in_q.zero_point;
  st.output_zero_point = out_q.zero_point;
  const float hires_input_scale = (1.0f / 128.0f) * in_q.scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const auto out_m = quant::quantize_multiplier(hires_input_scale / out_q.scale);
  st.output_multiplier = quant::downscale_multiplier_to_int16(out_m.multiplier);
  st.output_exponent = out_m.shift;
  if (st.output_exponent > 0) ctx.unsupported("HARD_SWISH output multiplier above one");
  const auto relu_m = quant::quantize_multiplier(hires_input_scale / reluish_scale);
  st.reluish_multiplier = quant::downscale_multiplier_to_int16(relu_m.multiplier);
  st.reluish_exponent = relu_m.shift;
  ctx.set_output(0, input.dtype, input.shape);
}

void hard_swish_eval(NodeContext& ctx) {
  const auto& st = ctx.state<HardSwishState>();
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() {
    const auto in = ctx.in<T>(0);
    auto out = ctx.out<T>(0);
    for (size_t i = 0; i < in.size(); ++i) {
      const auto x = static_cast<int16_t>(static_cast<int32_t>(in[i]) - st.input_zero_point);
      const auto hires = static_cast<int16_t>(x * (1 << 7));
      const int16_t preshift_out =
          quant::saturating_rounding_doubling_high_mul(hires, st.output_multiplier);
      int16_t reluish = hires;
      if (st.reluish_exponent > 0)
        reluish = quant::saturating_left_shift(reluish, st.reluish_exponent - 1);
      reluish = quant::saturating_rounding_doubling_high_mul(reluish, st.reluish_multiplier);
      if (st.reluish_exponent > 0) reluish = quant::saturating_left_shift(reluish, 1);
      if (st.reluish_exponent < 0)
        reluish = static_cast<int16_t>(
            quant::rounding_divide_by_pot(int32_t{reluish}, -st.reluish_exponent));
      // [-1, 1] to [0, 1] in 16-bit fixed point.
      reluish = static_cast<int16_t>((static_cast<int32_t>(reluish) + (1 << 15)) >> 1);
      const int16_t preshift = quant::saturating_doubling_high_mul(reluish, preshift_out);
      int32_t v = quant::rounding_divide_by_pot(int32_t{preshift}, -st.output_exponent);
      v += st.output_zero_point;
      out[i] = quant::saturate<T>(v);
    }
  });
}

// ---- LOGISTIC / TANH (8-bit tables) ------------------------------------------------------------

struct LutState {
  std::array<uint8_t, 256> table{};  // raw bytes of the output type
};

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}
float tanh_f(float x) {
  return std::tanh(x);
}

// int16 LOGISTIC / TANH: TFLite's builtin kernels (reference_integer_ops::Logistic / Tanh, used
// whenever the input scale is not the power of two of the gemmlowp path) rescale the input to
// steps of 1 / (3 * 4096) with a 15-bit multiplier, then interpolate linearly in a 256-entry
// table of sigmoid(i / 24) in unsigned Q0.16 (tanh(x) = 2 * sigmoid(2x) - 1 reuses it with one
// bit less of fraction). The table TFLite ships is not plain round(65536 * sigmoid(i / 24)) (that
// misses 44 of 256 entries): each entry is raised by half the chord's error at the middle of the
// interval to its right, so interpolation errs evenly on both sides. Computed that way in double
// every entry matches (rounding margin >= 0.004), except the last, which is the saturation value.
std::array<uint16_t, 256> make_sigmoid_table_q16() {
  std::array<uint16_t, 256> table{};
  const auto scaled_sigmoid = [](double x) { return 65536.0 / (1.0 + std::exp(-x)); };
  constexpr double kStep = 1.0 / 24.0;
  for (size_t i = 0; i + 1 < table.size(); ++i) {
    const double x = static_cast<double>(i) * kStep;
    const double at = scaled_sigmoid(x);
    const double chord_error = scaled_sigmoid(x + kStep / 2) - (at + scaled_sigmoid(x + kStep)) / 2;
    table[i] = static_cast<uint16_t>(std::min(65535.0, std::round(at + chord_error / 2)));
  }
  table.back() = 65535;
  return table;
}

const std::array<uint16_t, 256>& sigmoid_table_q16() {
  static const std::array<uint16_t, 256> table = make_sigmoid_table_q16();
  return table;
}

struct Int16SigmoidState {
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
};

template <bool is_logistic>
void int16_sigmoid_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const char* op = is_logistic ? "LOGISTIC" : "TANH";
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  if (in_q.zero_point != 0 || out_q.zero_point != 0)
    ctx.unsupported(fmt::format("int16 {} with a nonzero zero point (TFLite requires 0)", op));
  // TFLite accepts any scale within 1e-3 of a power of two in log2 (CheckedLog2).
  const auto near_power_of_two = [](float scale, double& log2_rounded) {
    const double log2_scale = std::log2(static_cast<double>(scale));
    log2_rounded = std::round(log2_scale);
    return std::abs(log2_scale - log2_rounded) < 1e-3;
  };
  double out_log2 = 0;
  if (!near_power_of_two(out_q.scale, out_log2) || out_log2 != -15.0)
    ctx.unsupported(
        fmt::format("int16 {} output scale {} is not 2^-15 (TFLite requires it)", op, out_q.scale));
  // TFLite takes the gemmlowp fixed-point kernel when the input scale is exactly 2^-12 (LOGISTIC)
  // or 2^-12 / 2^-11 (TANH); that path is a different approximation and is not implemented.
  double log2_rounded = 0;
  const bool power_of_two = near_power_of_two(in_q.scale, log2_rounded);
  const int pot_shift = 12 + static_cast<int>(log2_rounded);
  if (power_of_two && (pot_shift == 0 || (!is_logistic && pot_shift == 1)))
    ctx.unsupported(fmt::format(
        "int16 {} with a power-of-two input scale (TFLite's gemmlowp fixed-point path)", op));
  auto& st = ctx.state<Int16SigmoidState>();
  // The multiplier is doubled until it has 15 significant bits, exactly as TanhPrepare /
  // SigmoidPrepare do (the shift is rounded back off at eval).
  double multiplier = static_cast<double>(in_q.scale) * 4096.0 * 3.0;
  st.input_left_shift = 0;
  while (multiplier <= 32767.0 / 2.0 && st.input_left_shift <= 30) {
    ++st.input_left_shift;
    multiplier *= 2.0;
  }
  if (multiplier > 32767.0)
    ctx.unsupported(fmt::format("int16 {} input scale {} is too large", op, in_q.scale));
  st.input_multiplier = static_cast<int32_t>(multiplier);
  ctx.set_output(0, input.dtype, input.shape);
}

template <bool is_logistic>
void int16_sigmoid_eval(NodeContext& ctx) {
  const auto& st = ctx.state<Int16SigmoidState>();
  const auto& table = sigmoid_table_q16();
  const auto in = ctx.in<int16_t>(0);
  auto out = ctx.out<int16_t>(0);
  const int64_t round = st.input_left_shift > 0 ? int64_t{1} << (st.input_left_shift - 1) : 0;
  // LOGISTIC reads 9 fraction bits of the rescaled input per table step, TANH (input doubled) 8.
  constexpr int kFractionBits = is_logistic ? 9 : 8;
  constexpr int64_t kFractionMask = (int64_t{1} << kFractionBits) - 1;
  for (size_t i = 0; i < in.size(); ++i) {
    const int64_t x =
        (static_cast<int64_t>(in[i]) * st.input_multiplier + round) >> st.input_left_shift;
    const int64_t magnitude = x < 0 ? -x : x;
    const int64_t index = magnitude >> kFractionBits;
    int64_t interpolated = 0;  // sigmoid(|x|) in Q0.(16 + kFractionBits)
    if (index >= 255) {
      interpolated = is_logistic ? int64_t{0x7FFF} << 10 : int64_t{0xFFFF} << 8;
    } else {
      const int64_t lo = table[static_cast<size_t>(index)];
      const int64_t hi = table[static_cast<size_t>(index) + 1];
      interpolated = (lo << kFractionBits) + (magnitude & kFractionMask) * (hi - lo);
    }
    int64_t result = 0;
    if constexpr (is_logistic) {
      // Round to Q0.15; the negative side is 1 - sigmoid(|x|), rounded the same way.
      result = x >= 0 ? interpolated + (1 << 9) : (int64_t{1} << 25) - interpolated + (1 << 9) - 1;
      result >>= 10;
    } else {
      // 2 * sigmoid - 1 in Q0.15 (the table's Q0.24 less one half, shifted by 8).
      result = x >= 0 ? interpolated - (int64_t{1} << 23) + (1 << 7)
                      : -interpolated + (int64_t{1} << 23) + (1 << 7) - 1;
      result >>= 8;
    }
    out[i] = static_cast<int16_t>(result);
  }
}

template <bool is_logistic>
void lut_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (input.dtype == DType::Int16) return int16_sigmoid_prepare<is_logistic>(ctx);
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<LutState>();
  auto fn = is_logistic ? &sigmoid : &tanh_f;
  if (input.dtype == DType::Int8) {
    const auto lut =
        quant::make_lut<int8_t>(in_q.scale, in_q.zero_point, out_q.scale, out_q.zero_point, fn);
    for (size_t i = 0; i < 256; ++i) st.table[i] = static_cast<uint8_t>(lut[i]);
  } else {
    st.table =
        quant::make_lut<uint8_t>(in_q.scale, in_q.zero_point, out_q.scale, out_q.zero_point, fn);
  }
  ctx.set_output(0, input.dtype, input.shape);
}

template <bool is_logistic>
void lut_eval(NodeContext& ctx) {
  if (ctx.input(0).dtype == DType::Int16) return int16_sigmoid_eval<is_logistic>(ctx);
  const auto& st = ctx.state<LutState>();
  const auto in = ctx.input(0).view<uint8_t>();
  auto out = ctx.output(0).mutable_view<uint8_t>();
  for (size_t i = 0; i < in.size(); ++i) out[i] = st.table[in[i]];
}

const RegisterKernel kReluQ({"RELU"}, {DType::Int8, DType::UInt8, DType::Int16},
                            {relu_prepare<0>, relu_eval});
const RegisterKernel kRelu6Q({"RELU6"}, {DType::Int8, DType::UInt8, DType::Int16},
                             {relu_prepare<1>, relu_eval});
const RegisterKernel kReluN1Q({"RELU_N1_TO_1"}, {DType::Int8, DType::UInt8, DType::Int16},
                              {relu_prepare<2>, relu_eval});
const RegisterKernel kLeakyQ({"LEAKY_RELU"}, {DType::Int8, DType::UInt8, DType::Int16},
                             {leaky_prepare, leaky_eval});
const RegisterKernel kHardSwishQ({"HARD_SWISH"}, {DType::Int8, DType::UInt8, DType::Int16},
                                 {hard_swish_prepare, hard_swish_eval});
const RegisterKernel kLogisticQ({"LOGISTIC"}, {DType::Int8, DType::UInt8, DType::Int16},
                                {lut_prepare<true>, lut_eval<true>});
const RegisterKernel kTanhQ({"TANH"}, {DType::Int8, DType::UInt8, DType::Int16},
                            {lut_prepare<false>, lut_eval<false>});

}  // namespace
}  // namespace edgelens::runtime
