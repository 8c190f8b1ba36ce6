// Quantized activations: RELU / RELU6 / RELU_N1_TO_1 (requantizing ReluX), LEAKY_RELU (two
// multipliers), HARD_SWISH (TFLite's 16-bit fixed-point scheme), LOGISTIC / TANH for 8-bit types
// (256-entry tables computed in float, as TFLite's builtin kernels do) and for int16
// (reference_integer_ops::Logistic / Tanh: the input rescaled to 1/(3*4096) units, then a 256-entry
// table of sigmoid(i/24) in 0.16 fixed point, interpolated; tanh(x) = 2 sigmoid(2x) - 1).
// TFLite does not run int16 HARD_SWISH.
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

// sigmoid(i / 24) in 0.16 fixed point, i = 0..255: TFLite's sigmoid_table_uint16, generated from
// its definition (the last entry saturates to 65535 in TFLite's table).
const std::array<uint16_t, 256>& sigmoid_table_uint16() {
  static const auto table = [] {
    std::array<uint16_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
      const double v = std::round(65536.0 / (1.0 + std::exp(-static_cast<double>(i) / 24.0)));
      t[static_cast<size_t>(i)] = static_cast<uint16_t>(std::min(v, 65535.0));
    }
    t[255] = 65535;
    return t;
  }();
  return table;
}

struct Int16SigmoidState {
  int32_t input_multiplier = 0, input_left_shift = 0;
};

// TFLite's CheckedLog2: log2(x) rounded, and whether x is a power of two (to 1e-3 in log2).
bool checked_log2(float x, int& log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(x_log2);
  log2_result = static_cast<int>(rounded);
  return std::abs(x_log2 - rounded) < 1e-3f;
}

template <bool is_logistic>
void int16_sigmoid_prepare(NodeContext& ctx) {
  const char* op = is_logistic ? "LOGISTIC" : "TANH";
  const auto& input = ctx.input(0);
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  if (in_q.zero_point != 0 || out_q.zero_point != 0)
    ctx.unsupported(fmt::format("int16 {} needs zero points 0", op));
  int out_log2 = 0;
  if (!checked_log2(out_q.scale, out_log2) || out_log2 != -15 ||
      (is_logistic && out_q.scale != 1.0f / 32768))
    ctx.unsupported(fmt::format("int16 {} output scale {} is not 2^-15", op, out_q.scale));
  auto& st = ctx.state<Int16SigmoidState>();
  int in_log2 = 0;
  bool pot = checked_log2(in_q.scale, in_log2);
  st.input_left_shift = (15 - 3) + in_log2;
  pot = pot && (st.input_left_shift == 0 || (!is_logistic && st.input_left_shift == 1));
  if (pot)
    ctx.unsupported(fmt::format(
        "int16 {} with the power-of-two input scale {}: TFLite's builtin kernel then runs its "
        "gemmlowp fixed-point path, which is not implemented here",
        op, in_q.scale));
  // Rescale the input to 1/(3*4096) units, so +/-2^17 spans +/-10.7.
  double multiplier = static_cast<double>(in_q.scale) * 4096.0 * 3.0;
  st.input_left_shift = 0;
  while (multiplier <= 32767.0 / 2.0 && st.input_left_shift <= 30) {
    ++st.input_left_shift;
    multiplier *= 2.0;
  }
  st.input_multiplier = static_cast<int32_t>(multiplier);
  ctx.set_output(0, input.dtype, input.shape);
}

template <bool is_logistic>
void int16_sigmoid_eval(NodeContext& ctx) {
  const auto& st = ctx.state<Int16SigmoidState>();
  const auto& table = sigmoid_table_uint16();
  const auto in = ctx.in<int16_t>(0);
  auto out = ctx.out<int16_t>(0);
  const int32_t round = st.input_left_shift > 0 ? 1 << (st.input_left_shift - 1) : 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const int32_t x = static_cast<int32_t>(
        (static_cast<int64_t>(in[i]) * st.input_multiplier + round) >> st.input_left_shift);
    const uint32_t abs_x = static_cast<uint32_t>(x < 0 ? -x : x);
    if constexpr (is_logistic) {
      const uint32_t uh = abs_x >> 9;
      uint32_t result = 0;
      if (uh >= 255) {
        result = 0x7FFFu << 10;
      } else {
        const uint32_t ua = table[uh], ub = table[uh + 1];
        result = (ua << 9) + (abs_x & 0x1ff) * (ub - ua);
      }
      result = x >= 0 ? result + (1u << 9) : (1u << (16 + 9)) - result + (1u << 9) - 1;
      out[i] = static_cast<int16_t>(result >> 10);
    } else {
      const uint32_t uh = abs_x >> 8;
      int32_t result = 0;
      if (uh >= 255) {
        result = 0xFFFF << 8;
      } else {
        const uint32_t ua = table[uh], ub = table[uh + 1];
        result = static_cast<int32_t>((ua << 8) + (abs_x & 0xFF) * (ub - ua));
      }
      result = x >= 0 ? result - (1 << (14 + 9)) + (1 << (9 - 2))
                      : -result + (1 << (14 + 9)) + (1 << (9 - 2)) - 1;
      out[i] = static_cast<int16_t>(result >> (9 - 1));
    }
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
