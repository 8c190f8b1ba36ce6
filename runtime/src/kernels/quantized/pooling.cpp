// Quantized AVERAGE_POOL_2D and MAX_POOL_2D (reference_integer_ops::AveragePool / MaxPool): the
// average divides the window sum rounding half away from zero; both clamp to the fused activation.
#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct PoolState {
  int stride_h = 1, stride_w = 1, filter_h = 1, filter_w = 1, pad_h = 0, pad_w = 0;
  quant::ActivationRange range;
};

void pool_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  require_rank(ctx, input, 4, "pool input");
  auto& st = ctx.state<PoolState>();
  st.stride_h = static_cast<int>(ctx.attr_int("stride_h", 1));
  st.stride_w = static_cast<int>(ctx.attr_int("stride_w", 1));
  st.filter_h = static_cast<int>(ctx.attr_int("filter_height", 1));
  st.filter_w = static_cast<int>(ctx.attr_int("filter_width", 1));
  if (st.stride_h <= 0 || st.stride_w <= 0 || st.filter_h <= 0 || st.filter_w <= 0)
    ctx.unsupported("stride and filter size must be positive");
  const bool same = ctx.padding() == Padding::Same;
  const int in_h = static_cast<int>(input.dim(1)), in_w = static_cast<int>(input.dim(2));
  const int out_h = quant::out_size(same, in_h, st.filter_h, st.stride_h, 1);
  const int out_w = quant::out_size(same, in_w, st.filter_w, st.stride_w, 1);
  st.pad_h = quant::padding_before(st.stride_h, 1, in_h, st.filter_h, out_h);
  st.pad_w = quant::padding_before(st.stride_w, 1, in_w, st.filter_w, out_w);
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  if (in_q.scale != out_q.scale || in_q.zero_point != out_q.zero_point)
    ctx.unsupported("pooling with differing input/output quantization");
  st.range = fused_range(ctx, input.dtype, out_q);
  ctx.set_output(0, input.dtype, {input.dim(0), out_h, out_w, input.dim(3)});
}

template <bool average, class T>
void pool_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<PoolState>();
  const auto& input = ctx.input(0);
  auto& output = ctx.output(0);
  const auto in = input.view<T>();
  auto out = output.mutable_view<T>();
  const int64_t batches = input.dim(0), in_h = input.dim(1), in_w = input.dim(2),
                depth = input.dim(3), out_h = output.dim(1), out_w = output.dim(2);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const int64_t y0 = oy * st.stride_h - st.pad_h, x0 = ox * st.stride_w - st.pad_w;
        const int64_t fy_start = std::max<int64_t>(0, -y0);
        const int64_t fy_end = std::min<int64_t>(st.filter_h, in_h - y0);
        const int64_t fx_start = std::max<int64_t>(0, -x0);
        const int64_t fx_end = std::min<int64_t>(st.filter_w, in_w - x0);
        for (int64_t c = 0; c < depth; ++c) {
          int32_t acc = average ? 0 : std::numeric_limits<T>::lowest();
          int32_t count = 0;
          for (int64_t fy = fy_start; fy < fy_end; ++fy)
            for (int64_t fx = fx_start; fx < fx_end; ++fx) {
              const int32_t v =
                  in[static_cast<size_t>(((b * in_h + y0 + fy) * in_w + x0 + fx) * depth + c)];
              if constexpr (average)
                acc += v;
              else
                acc = std::max(acc, v);
              ++count;
            }
          if constexpr (average) {
            if (count == 0) continue;  // TFLite skips windows that lie entirely in the padding
            acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          }
          out[static_cast<size_t>(((b * out_h + oy) * out_w + ox) * depth + c)] =
              static_cast<T>(std::clamp(acc, st.range.min, st.range.max));
        }
      }
}

template <bool average>
void pool_eval(NodeContext& ctx) {
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() { pool_eval_typed<average, T>(ctx); });
}

const RegisterKernel kAvgPoolQ({"AVERAGE_POOL_2D"}, {DType::Int8, DType::UInt8, DType::Int16},
                               {pool_prepare, pool_eval<true>});
const RegisterKernel kMaxPoolQ({"MAX_POOL_2D"}, {DType::Int8, DType::UInt8, DType::Int16},
                               {pool_prepare, pool_eval<false>});

}  // namespace
}  // namespace edgelens::runtime
