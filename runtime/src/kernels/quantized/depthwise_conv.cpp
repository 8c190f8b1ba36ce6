// Quantized DEPTHWISE_CONV_2D (reference_integer_ops::DepthwiseConvPerChannel): int8 per-channel,
// uint8 legacy, int16x8 with a 64-bit accumulator.
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct DwState : ConvRequant {
  int64_t depth_multiplier = 1;
};

void dw_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  require_rank(ctx, input, 4, "DEPTHWISE_CONV_2D input");
  require_rank(ctx, filter, 4, "DEPTHWISE_CONV_2D filter");
  const DType in_type = input.dtype;
  const DType expect_filter = in_type == DType::UInt8 ? DType::UInt8 : DType::Int8;
  if (filter.dtype != expect_filter)
    ctx.unsupported(fmt::format("{} DEPTHWISE_CONV_2D with {} weights", dtype_name(in_type),
                                dtype_name(filter.dtype)));
  const int64_t in_c = input.dim(3), out_c = filter.dim(3);
  if (in_c <= 0 || out_c % in_c != 0)
    ctx.unsupported(
        fmt::format("filter channels {} are not a multiple of input channels {}", out_c, in_c));
  auto& st = ctx.state<DwState>();
  st.depth_multiplier = out_c / in_c;
  const auto [out_h, out_w] = prepare_conv_window(ctx, input, filter, st);
  prepare_conv_requant(ctx, input, filter, out_c, 3,
                       "per-channel depthwise filter must be quantized along axis 3", st);
  ctx.set_output(0, in_type, {input.dim(0), out_h, out_w, out_c});
}

template <class T, class Acc, class Bias>
void dw_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<DwState>();
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  auto& output = ctx.output(0);
  const auto in = input.view<T>();
  const auto w = filter.view<std::conditional_t<std::is_same_v<T, uint8_t>, uint8_t, int8_t>>();
  std::span<const Bias> bias;
  if (ctx.has_input(2)) bias = ctx.input(2).view<Bias>();
  auto out = output.mutable_view<T>();
  const int64_t batches = input.dim(0), in_h = input.dim(1), in_w = input.dim(2),
                in_c = input.dim(3);
  const int64_t k_h = filter.dim(1), k_w = filter.dim(2);
  const int64_t out_h = output.dim(1), out_w = output.dim(2), out_c = output.dim(3);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox)
        for (int64_t ic = 0; ic < in_c; ++ic)
          for (int64_t m = 0; m < st.depth_multiplier; ++m) {
            const int64_t oc = ic * st.depth_multiplier + m;
            const int64_t y0 = oy * st.stride_h - st.pad_h, x0 = ox * st.stride_w - st.pad_w;
            Acc acc = 0;
            for (int64_t ky = 0; ky < k_h; ++ky) {
              const int64_t iy = y0 + st.dilation_h * ky;
              if (iy < 0 || iy >= in_h) continue;
              for (int64_t kx = 0; kx < k_w; ++kx) {
                const int64_t ix = x0 + st.dilation_w * kx;
                if (ix < 0 || ix >= in_w) continue;
                const int32_t iv =
                    in[static_cast<size_t>(((b * in_h + iy) * in_w + ix) * in_c + ic)];
                const int32_t fv = w[static_cast<size_t>((ky * k_w + kx) * out_c + oc)];
                acc += static_cast<Acc>(fv + st.filter_offset) *
                       static_cast<Acc>(iv + st.input_offset);
              }
            }
            if (!bias.empty()) acc += static_cast<Acc>(bias[static_cast<size_t>(oc)]);
            const auto& mul = st.multipliers[static_cast<size_t>(oc)];
            int32_t v = quant::multiply_by_quantized_multiplier(acc, mul.multiplier, mul.shift);
            v = std::clamp(v + st.output_offset, st.range.min, st.range.max);
            out[static_cast<size_t>(((b * out_h + oy) * out_w + ox) * out_c + oc)] =
                static_cast<T>(v);
          }
}

void dw_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Int8:
      dw_eval_typed<int8_t, int32_t, int32_t>(ctx);
      break;
    case DType::UInt8:
      dw_eval_typed<uint8_t, int32_t, int32_t>(ctx);
      break;
    case DType::Int16:
      if (ctx.has_input(2) && ctx.input(2).dtype == DType::Int32)
        dw_eval_typed<int16_t, int64_t, int32_t>(ctx);
      else
        dw_eval_typed<int16_t, int64_t, int64_t>(ctx);
      break;
    default:
      ctx.unsupported("unexpected dtype");
  }
}

const RegisterKernel kDwQuantized({"DEPTHWISE_CONV_2D"}, {DType::Int8, DType::UInt8, DType::Int16},
                                  {dw_prepare, dw_eval});

}  // namespace
}  // namespace edgelens::runtime
