// CONV_2D, float32 (reference_ops::Conv loop order: filter y, filter x, input channel; then bias,
// then the fused activation). NHWC input, OHWI filter.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct ConvParams {
  int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1, pad_h = 0, pad_w = 0;
  FloatRange range;
};

void conv_prepare(NodeContext& ctx) {
  require_rank(ctx, 0, 4);
  require_rank(ctx, 1, 4);
  const auto& in = ctx.input(0);
  const auto& filter = ctx.input(1);
  if (filter.dtype != DType::Float32)
    ctx.unsupported(fmt::format("float CONV_2D with {} filter (hybrid) is not supported",
                                dtype_name(filter.dtype)));
  const int64_t in_c = in.dim(3), f_c = filter.dim(3);
  if (f_c <= 0 || in_c % f_c != 0)
    ctx.unsupported(
        fmt::format("input channels {} not a multiple of filter channels {}", in_c, f_c));
  auto& p = ctx.state<ConvParams>();
  p.stride_h = ctx.attr_int("stride_h", 1);
  p.stride_w = ctx.attr_int("stride_w", 1);
  p.dil_h = ctx.attr_int("dilation_h_factor", 1);
  p.dil_w = ctx.attr_int("dilation_w_factor", 1);
  if (p.stride_h <= 0 || p.stride_w <= 0 || p.dil_h <= 0 || p.dil_w <= 0)
    ctx.unsupported("stride and dilation must be positive");
  const auto pad = ctx.padding();
  const int64_t out_h = conv_output_size(pad, in.dim(1), filter.dim(1), p.stride_h, p.dil_h);
  const int64_t out_w = conv_output_size(pad, in.dim(2), filter.dim(2), p.stride_w, p.dil_w);
  p.pad_h = conv_padding(p.stride_h, p.dil_h, in.dim(1), filter.dim(1), out_h);
  p.pad_w = conv_padding(p.stride_w, p.dil_w, in.dim(2), filter.dim(2), out_w);
  p.range = activation_range(ctx);
  if (ctx.has_input(2) && ctx.input(2).element_count() != filter.dim(0))
    ctx.unsupported("bias size differs from output channels");
  ctx.set_output(0, DType::Float32, {in.dim(0), out_h, out_w, filter.dim(0)});
}

void conv_eval(NodeContext& ctx) {
  const auto& p = ctx.state<ConvParams>();
  const auto& in_t = ctx.input(0);
  const auto& f_t = ctx.input(1);
  const auto in = in_t.view<float>();
  const auto filter = f_t.view<float>();
  const float* bias = ctx.has_input(2) ? ctx.in<float>(2).data() : nullptr;
  auto& out_t = ctx.output(0);
  auto out = out_t.mutable_view<float>();
  const int64_t batches = in_t.dim(0), in_h = in_t.dim(1), in_w = in_t.dim(2), in_c = in_t.dim(3);
  const int64_t f_h = f_t.dim(1), f_w = f_t.dim(2), f_c = f_t.dim(3);
  const int64_t out_h = out_t.dim(1), out_w = out_t.dim(2), out_c = out_t.dim(3);
  const int64_t groups = in_c / f_c, per_group = out_c / groups;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox)
        for (int64_t oc = 0; oc < out_c; ++oc) {
          const int64_t group = oc / per_group;
          const int64_t in_y0 = oy * p.stride_h - p.pad_h, in_x0 = ox * p.stride_w - p.pad_w;
          float total = 0.f;
          for (int64_t fy = 0; fy < f_h; ++fy) {
            const int64_t iy = in_y0 + p.dil_h * fy;
            if (iy < 0 || iy >= in_h) continue;
            for (int64_t fx = 0; fx < f_w; ++fx) {
              const int64_t ix = in_x0 + p.dil_w * fx;
              if (ix < 0 || ix >= in_w) continue;
              const float* ip = &in[size_t(((b * in_h + iy) * in_w + ix) * in_c + group * f_c)];
              const float* fp = &filter[size_t(((oc * f_h + fy) * f_w + fx) * f_c)];
              for (int64_t ic = 0; ic < f_c; ++ic) total += ip[ic] * fp[ic];
            }
          }
          const float bias_value = bias ? bias[oc] : 0.f;
          out[size_t(((b * out_h + oy) * out_w + ox) * out_c + oc)] =
              clamp_activation(total + bias_value, p.range);
        }
}

const RegisterKernel kConv("CONV_2D", DType::Float32, {conv_prepare, conv_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
