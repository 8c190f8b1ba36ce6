// Quantized SOFTMAX for 8-bit inputs, as TFLite's builtin (optimized) kernel computes it: a
// 256-entry table of expf(-input_scale * beta * d) for d = max - x, a float sum, and the
// probabilities rounded onto the output grid (int8/int16 output: round half away from zero;
// uint8 output: +0.5 and truncate, as on x86).
#include <array>
#include <cmath>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct SoftmaxState {
  std::array<float, 256> exp_table{};  // exp_table[d] = expf(-input_scale * beta * d)
  float output_scale = 1.0f;
  int32_t output_zero_point = 0;
};

void softmax_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (input.dtype == DType::Int16) ctx.unsupported("int16 SOFTMAX is not implemented");
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

const RegisterKernel kSoftmaxQ({"SOFTMAX"}, {DType::Int8, DType::UInt8},
                               {softmax_prepare, softmax_eval});

}  // namespace
}  // namespace edgelens::runtime
