// Quantized CONV_2D: int8 activations with per-channel int8 weights and int32 bias
// (reference_integer_ops::ConvPerChannel), uint8 legacy per-tensor with weight zero point, and
// int16x8 (int16 activations, int8 weights, int64 or int32 bias, 64-bit accumulator).
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct ConvState {
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, pad_h = 0, pad_w = 0;
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  std::vector<quant::Multiplier> multipliers;  // one per output channel
  quant::ActivationRange range;
};

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
  st.stride_h = static_cast<int>(ctx.attr_int("stride_h", 1));
  st.stride_w = static_cast<int>(ctx.attr_int("stride_w", 1));
  st.dilation_h = static_cast<int>(ctx.attr_int("dilation_h_factor", 1));
  st.dilation_w = static_cast<int>(ctx.attr_int("dilation_w_factor", 1));
  if (st.stride_h <= 0 || st.stride_w <= 0 || st.dilation_h <= 0 || st.dilation_w <= 0)
    ctx.unsupported("stride and dilation must be positive");
  const bool same = ctx.padding() == Padding::Same;
  const int in_h = static_cast<int>(input.dim(1)), in_w = static_cast<int>(input.dim(2));
  const int k_h = static_cast<int>(filter.dim(1)), k_w = static_cast<int>(filter.dim(2));
  const int out_h = quant::out_size(same, in_h, k_h, st.stride_h, st.dilation_h);
  const int out_w = quant::out_size(same, in_w, k_w, st.stride_w, st.dilation_w);
  st.pad_h = quant::padding_before(st.stride_h, st.dilation_h, in_h, k_h, out_h);
  st.pad_w = quant::padding_before(st.stride_w, st.dilation_w, in_w, k_w, out_w);

  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  const auto& fq = filter.quant();
  if (fq.scales.empty()) ctx.unsupported("filter has no quantization");
  const bool per_channel = fq.scales.size() > 1;
  if (per_channel && (fq.axis != 0 || static_cast<int64_t>(fq.scales.size()) != out_channels))
    ctx.unsupported("per-channel filter must be quantized along axis 0, one scale per channel");
  st.input_offset = -in_q.zero_point;
  st.output_offset = out_q.zero_point;
  st.filter_offset = in_type == DType::UInt8 && !fq.zero_points.empty()
                         ? -static_cast<int32_t>(fq.zero_points[0])
                         : 0;
  st.multipliers.resize(static_cast<size_t>(out_channels));
  for (int64_t c = 0; c < out_channels; ++c) {
    double real = 0;
    if (in_type == DType::UInt8) {
      // Legacy uint8 path: the scale product is formed in float (GetQuantizedConvolutionMultipler).
      real = static_cast<double>(in_q.scale * fq.scales[0]) / static_cast<double>(out_q.scale);
    } else {
      const float fs = per_channel ? fq.scales[static_cast<size_t>(c)] : fq.scales[0];
      real = static_cast<double>(in_q.scale) * static_cast<double>(fs) /
             static_cast<double>(out_q.scale);
    }
    st.multipliers[static_cast<size_t>(c)] = quant::quantize_multiplier(real);
  }
  st.range = fused_range(ctx, in_type, out_q);
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
