// Quantized SOFTMAX for 8-bit inputs, as TFLite's builtin (optimized) kernel computes it: a
// 256-entry table of expf(-input_scale * beta * d) for d = max - x, a float sum, and the
// probabilities rounded onto the output grid (int8/int16 output: round half away from zero;
// uint8 output: +0.5 and truncate, as on x86). int16 -> int16 is reference_ops::SoftmaxInt16: the
// scaled differences to the row maximum go through a 513-entry exp table, their sum through a
// 1 / (1 + x) table, all in 16-bit fixed point (zero points 0, output scale 1/32768).
#include <array>
#include <bit>
#include <cmath>

#include "common.h"
#include "lut16.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct SoftmaxState {
  std::array<float, 256> exp_table{};  // exp_table[d] = expf(-input_scale * beta * d)
  float output_scale = 1.0f;
  int32_t output_zero_point = 0;
  // int16
  Lut16 exp_lut{}, one_over_one_plus_x_lut{};
  quant::Multiplier input_multiplier;
};

void softmax_prepare_int16(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (declared_dtype(ctx, 0) != DType::Int16)
    ctx.unsupported("int16 SOFTMAX must have an int16 output");
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  if (in_q.zero_point != 0 || out_q.zero_point != 0)
    ctx.unsupported("int16 SOFTMAX needs zero points 0");
  if (std::abs(out_q.scale - 1.f / 32768) > 0.001f * 1.f / 32768)
    ctx.unsupported(fmt::format("int16 SOFTMAX output scale {} is not 1/32768", out_q.scale));
  if (input.rank() < 1) ctx.unsupported("SOFTMAX of a scalar");
  auto& st = ctx.state<SoftmaxState>();
  constexpr int32_t kRange = 65535;  // int16 max - min
  // exp over [-10, 0] and 1/(1+x) over [0, 1], both onto [-1, 1], sampled in double as TFLite does.
  st.exp_lut = lut16_populate<double>(10.0 / kRange, std::numeric_limits<int16_t>::max(),
                                      2.0 / kRange, 0, [](double v) { return std::exp(v); });
  st.one_over_one_plus_x_lut =
      lut16_populate<double>(1.0 / kRange, std::numeric_limits<int16_t>::min(), 2.0 / kRange, 0,
                             [](double v) { return 1.0 / (1.0 + v); });
  const auto beta = static_cast<float>(ctx.attr_float("beta", 1.0));
  // Scales the difference so that [-65535, 0] covers [-10, 0].
  const double rescale = static_cast<double>(in_q.scale * beta) / (10.0 / 65535.0);
  st.input_multiplier = quant::quantize_multiplier(rescale);
  ctx.set_output(0, DType::Int16, input.shape);
}

void softmax_eval_int16(NodeContext& ctx) {
  const auto& st = ctx.state<SoftmaxState>();
  const auto in = ctx.in<int16_t>(0);
  auto out = ctx.out<int16_t>(0);
  const auto depth = static_cast<size_t>(ctx.input(0).shape.back());
  if (depth == 0) return;
  auto sat16 = [](int32_t v) { return static_cast<int16_t>(std::clamp(v, -32768, 32767)); };
  for (size_t row = 0; row + depth <= in.size(); row += depth) {
    int16_t max_in_row = std::numeric_limits<int16_t>::min();
    for (size_t j = 0; j < depth; ++j) max_in_row = std::max(max_in_row, in[row + j]);
    int32_t sum_of_exps = 0;  // Q16.15
    for (size_t j = 0; j < depth; ++j) {
      const int32_t diff = in[row + j] - max_in_row;
      const int32_t scaled = quant::multiply_by_quantized_multiplier(diff, st.input_multiplier);
      out[row + j] = lut16_lookup(sat16(scaled + 32767), st.exp_lut);
      sum_of_exps += out[row + j];
    }
    const int headroom_plus_one = std::countl_zero(static_cast<uint32_t>(sum_of_exps));
    const auto shifted_sum = static_cast<int32_t>(
        ((static_cast<int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    // 1/(1 + x) for x = sum - 1, recentred from [0, 65535] to [-32768, 32767].
    const int16_t reciprocal =
        lut16_lookup(sat16(shifted_sum - ((1 << 15) + (1 << 16))), st.one_over_one_plus_x_lut);
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (size_t j = 0; j < depth; ++j) {
      const auto result = static_cast<int32_t>(
          (static_cast<int64_t>(out[row + j]) * reciprocal + round) >> right_shift);
      out[row + j] = static_cast<int16_t>(std::clamp(result, 0, 32767));
    }
  }
}

void softmax_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (input.dtype == DType::Int16) return softmax_prepare_int16(ctx);
  const DType out_type = declared_dtype(ctx, 0);
  if (!(out_type == DType::Int8 || out_type == DType::UInt8 || out_type == DType::Int16))
    ctx.unsupported(fmt::format("SOFTMAX output dtype {}", dtype_name(out_type)));
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<SoftmaxState>();
  const auto beta = static_cast<float>(ctx.attr_float("beta", 1.0));
  const float scale = -in_q.scale * beta;
  for (int d = 0; d < 256; ++d)
    st.exp_table[static_cast<size_t>(d)] = std::exp(scale * static_cast<float>(d));
  st.output_scale = out_q.scale;
  st.output_zero_point = out_q.zero_point;
  if (input.rank() < 1) ctx.unsupported("SOFTMAX of a scalar");
  ctx.set_output(0, out_type, input.shape);
}

template <class In, class Out>
void softmax_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<SoftmaxState>();
  const auto in = ctx.in<In>(0);
  auto out = ctx.out<Out>(0);
  const auto depth = static_cast<size_t>(ctx.input(0).shape.back());
  if (depth == 0) return;
  for (size_t row = 0; row + depth <= in.size(); row += depth) {
    int32_t max_val = std::numeric_limits<In>::lowest();
    for (size_t j = 0; j < depth; ++j) max_val = std::max<int32_t>(max_val, in[row + j]);
    float sum = 0.0f;
    for (size_t j = 0; j < depth; ++j)
      sum += st.exp_table[static_cast<size_t>(max_val - in[row + j])];
    const float inv_sum = 1.0f / (sum * st.output_scale);
    for (size_t j = 0; j < depth; ++j) {
      const float p = st.exp_table[static_cast<size_t>(max_val - in[row + j])] * inv_sum;
      int32_t q = 0;
      if constexpr (std::is_same_v<Out, uint8_t>)
        q = static_cast<int32_t>(p + 0.5f) + st.output_zero_point;
      else
        q = static_cast<int32_t>(std::round(p)) + st.output_zero_point;
      out[row + j] = quant::saturate<Out>(q);
    }
  }
}

void softmax_eval(NodeContext& ctx) {
  const DType out_type = ctx.output(0).dtype;
  if (ctx.input(0).dtype == DType::Int16) return softmax_eval_int16(ctx);
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class In>() {
    if constexpr (!std::is_same_v<In, int16_t>) {
      switch (out_type) {
        case DType::Int8:
          softmax_eval_typed<In, int8_t>(ctx);
          break;
        case DType::UInt8:
          softmax_eval_typed<In, uint8_t>(ctx);
          break;
        case DType::Int16:
          softmax_eval_typed<In, int16_t>(ctx);
          break;
        default:
          ctx.unsupported("SOFTMAX output dtype");
      }
    }
  });
}

const RegisterKernel kSoftmaxQ({"SOFTMAX"}, {DType::Int8, DType::UInt8, DType::Int16},
                               {softmax_prepare, softmax_eval});

}  // namespace
}  // namespace edgelens::runtime
