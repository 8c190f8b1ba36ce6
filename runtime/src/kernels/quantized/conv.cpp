// Quantized CONV_2D: int8 activations with per-channel int8 weights and int32 bias
// (reference_integer_ops::ConvPerChannel), uint8 legacy per-tensor with weight zero point, and
// int16x8 (int16 activations, int8 weights, int64 or int32 bias, 64-bit accumulator).
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct ConvState : ConvRequant {};

void conv_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  require_rank(ctx, input, 4, "CONV_2D input");
  require_rank(ctx, filter, 4, "CONV_2D filter");
  const DType in_type = input.dtype;
  const DType expect_filter = in_type == DType::UInt8 ? DType::UInt8 : DType::Int8;
  if (filter.dtype != expect_filter)
    ctx.unsupported(
        fmt::format("{} CONV_2D with {} weights", dtype_name(in_type), dtype_name(filter.dtype)));
  if (ctx.has_input(2)) {
    const DType b = ctx.input(2).dtype;
    const bool ok =
        in_type == DType::Int16 ? (b == DType::Int64 || b == DType::Int32) : b == DType::Int32;
    if (!ok) ctx.unsupported(fmt::format("bias dtype {}", dtype_name(b)));
  }
  const int64_t in_channels = input.dim(3), out_channels = filter.dim(0);
  if (filter.dim(3) <= 0 || in_channels % filter.dim(3) != 0)
    ctx.unsupported(
        fmt::format("filter depth {} does not divide input depth {}", filter.dim(3), in_channels));
  const int64_t groups = in_channels / filter.dim(3);
  if (out_channels % groups != 0) ctx.unsupported("output channels not divisible by groups");

  auto& st = ctx.state<ConvState>();
  const auto [out_h, out_w] = prepare_conv_window(ctx, input, filter, st);
  prepare_conv_requant(ctx, input, filter, out_channels, 0,
                       "per-channel filter must be quantized along axis 0, one scale per channel",
                       st);
  ctx.set_output(0, in_type, {input.dim(0), out_h, out_w, out_channels});
}

// 32-bit accumulators: rounded as TFLite's builtin GEMM path does on x86 (see quant_math.h);
// int16x8's 64-bit accumulators: TFLite's reduced-multiplier form.
inline int32_t requantize(int32_t acc, const quant::Multiplier& m) {
  return quant::multiply_by_quantized_multiplier_gemm(acc, m.multiplier, m.shift);
}
inline int32_t requantize(int64_t acc, const quant::Multiplier& m) {
  return quant::multiply_by_quantized_multiplier(acc, m.multiplier, m.shift);
}

template <class T, class Acc, class Bias>
void conv_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<ConvState>();
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  auto& output = ctx.output(0);
  const auto in = input.view<T>();
  const auto in_w8 = filter.view<std::conditional_t<std::is_same_v<T, uint8_t>, uint8_t, int8_t>>();
  std::span<const Bias> bias;
  if (ctx.has_input(2)) bias = ctx.input(2).view<Bias>();
  auto out = output.mutable_view<T>();
  const int64_t batches = input.dim(0), in_h = input.dim(1), in_w = input.dim(2),
                in_c = input.dim(3);
  const int64_t k_h = filter.dim(1), k_w = filter.dim(2), k_c = filter.dim(3);
  const int64_t out_h = output.dim(1), out_w = output.dim(2), out_c = output.dim(3);
  const int64_t groups = in_c / k_c;
  const int64_t per_group = out_c / groups;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox)
        for (int64_t oc = 0; oc < out_c; ++oc) {
          const int64_t group = oc / per_group;
          const int64_t y0 = oy * st.stride_h - st.pad_h, x0 = ox * st.stride_w - st.pad_w;
          Acc acc = 0;
          for (int64_t ky = 0; ky < k_h; ++ky) {
            const int64_t iy = y0 + st.dilation_h * ky;
            if (iy < 0 || iy >= in_h) continue;
            for (int64_t kx = 0; kx < k_w; ++kx) {
              const int64_t ix = x0 + st.dilation_w * kx;
              if (ix < 0 || ix >= in_w) continue;
              const T* src =
                  &in[static_cast<size_t>(((b * in_h + iy) * in_w + ix) * in_c + group * k_c)];
              const auto* w = &in_w8[static_cast<size_t>(((oc * k_h + ky) * k_w + kx) * k_c)];
              for (int64_t ic = 0; ic < k_c; ++ic)
                acc += static_cast<Acc>(static_cast<int32_t>(w[ic]) + st.filter_offset) *
                       static_cast<Acc>(static_cast<int32_t>(src[ic]) + st.input_offset);
            }
          }
          if (!bias.empty()) acc += static_cast<Acc>(bias[static_cast<size_t>(oc)]);
          const auto& m = st.multipliers[static_cast<size_t>(oc)];
          int32_t v = requantize(acc, m);
          v += st.output_offset;
          v = std::clamp(v, st.range.min, st.range.max);
          out[static_cast<size_t>(((b * out_h + oy) * out_w + ox) * out_c + oc)] =
              static_cast<T>(v);
        }
}

void conv_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Int8:
      conv_eval_typed<int8_t, int32_t, int32_t>(ctx);
      break;
    case DType::UInt8:
      conv_eval_typed<uint8_t, int32_t, int32_t>(ctx);
      break;
    case DType::Int16:
      if (ctx.has_input(2) && ctx.input(2).dtype == DType::Int32)
        conv_eval_typed<int16_t, int64_t, int32_t>(ctx);
      else
        conv_eval_typed<int16_t, int64_t, int64_t>(ctx);
      break;
    default:
      ctx.unsupported("unexpected dtype");
  }
}

const RegisterKernel kConvQuantized({"CONV_2D"}, {DType::Int8, DType::UInt8, DType::Int16},
                                    {conv_prepare, conv_eval});

}  // namespace
}  // namespace edgelens::runtime
