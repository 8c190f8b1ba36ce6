// DEPTHWISE_CONV_2D, float32 (reference_ops::DepthwiseConv order). Filter [1, H, W, C*multiplier].
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct DwParams {
  int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_h = 0, pad_w = 0, multiplier = 1;
  FloatRange range;
};

void dw_prepare(NodeContext& ctx) {
  require_rank(ctx, 0, 4);
  require_rank(ctx, 1, 4);
  const auto& in = ctx.input(0);
  const auto& filter = ctx.input(1);
  if (filter.dtype != DType::Float32)
    ctx.unsupported(fmt::format("float DEPTHWISE_CONV_2D with {} filter (hybrid) is not supported",
                                dtype_name(filter.dtype)));
  auto& p = ctx.state<DwParams>();
  p.stride_h = ctx.attr_int("stride_h", 1);
  p.stride_w = ctx.attr_int("stride_w", 1);
  p.dil_h = ctx.attr_int("dilation_h_factor", 1);
  p.dil_w = ctx.attr_int("dilation_w_factor", 1);
  if (p.stride_h <= 0 || p.stride_w <= 0 || p.dil_h <= 0 || p.dil_w <= 0)
    ctx.unsupported("stride and dilation must be positive");
  const int64_t out_c = filter.dim(3);
  if (in.dim(3) <= 0 || out_c % in.dim(3) != 0)
    ctx.unsupported(
        fmt::format("filter channels {} not a multiple of input channels {}", out_c, in.dim(3)));
  p.multiplier = out_c / in.dim(3);
  const auto pad = ctx.padding();
  const int64_t out_h = conv_output_size(pad, in.dim(1), filter.dim(1), p.stride_h, p.dil_h);
  const int64_t out_w = conv_output_size(pad, in.dim(2), filter.dim(2), p.stride_w, p.dil_w);
  p.pad_h = conv_padding(p.stride_h, p.dil_h, in.dim(1), filter.dim(1), out_h);
  p.pad_w = conv_padding(p.stride_w, p.dil_w, in.dim(2), filter.dim(2), out_w);
  p.range = activation_range(ctx);
  ctx.set_output(0, DType::Float32, {in.dim(0), out_h, out_w, out_c});
}

void dw_eval(NodeContext& ctx) {
  const auto& p = ctx.state<DwParams>();
  const auto& in_t = ctx.input(0);
  const auto& f_t = ctx.input(1);
  const auto in = in_t.view<float>();
  const auto filter = f_t.view<float>();
  const float* bias = ctx.has_input(2) ? ctx.in<float>(2).data() : nullptr;
  auto& out_t = ctx.output(0);
  auto out = out_t.mutable_view<float>();
  const int64_t batches = in_t.dim(0), in_h = in_t.dim(1), in_w = in_t.dim(2), in_c = in_t.dim(3);
  const int64_t f_h = f_t.dim(1), f_w = f_t.dim(2);
  const int64_t out_h = out_t.dim(1), out_w = out_t.dim(2), out_c = out_t.dim(3);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox)
        for (int64_t ic = 0; ic < in_c; ++ic)
          for (int64_t m = 0; m < p.multiplier; ++m) {
            const int64_t oc = m + ic * p.multiplier;
            const int64_t in_y0 = oy * p.stride_h - p.pad_h, in_x0 = ox * p.stride_w - p.pad_w;
            float total = 0.f;
            for (int64_t fy = 0; fy < f_h; ++fy) {
              const int64_t iy = in_y0 + p.dil_h * fy;
              for (int64_t fx = 0; fx < f_w; ++fx) {
                const int64_t ix = in_x0 + p.dil_w * fx;
                if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
                total += in[size_t(((b * in_h + iy) * in_w + ix) * in_c + ic)] *
                         filter[size_t((fy * f_w + fx) * out_c + oc)];
              }
            }
            const float bias_value = bias ? bias[oc] : 0.f;
            out[size_t(((b * out_h + oy) * out_w + ox) * out_c + oc)] =
                clamp_activation(total + bias_value, p.range);
          }
}

const RegisterKernel kDw("DEPTHWISE_CONV_2D", DType::Float32, {dw_prepare, dw_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
