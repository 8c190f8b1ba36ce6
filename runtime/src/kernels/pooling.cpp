// AVERAGE_POOL_2D, MAX_POOL_2D, L2_POOL_2D, float32 (reference_ops order: window sums/maxima, then
// the fused activation). Windows clipped at the border, average over the clipped count.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct PoolParams {
  int64_t stride_h = 1, stride_w = 1, f_h = 1, f_w = 1, pad_h = 0, pad_w = 0;
  FloatRange range;
};

void pool_prepare(NodeContext& ctx) {
  require_rank(ctx, 0, 4);
  const auto& in = ctx.input(0);
  auto& p = ctx.state<PoolParams>();
  p.stride_h = ctx.attr_int("stride_h", 1);
  p.stride_w = ctx.attr_int("stride_w", 1);
  p.f_h = ctx.attr_int("filter_height", 1);
  p.f_w = ctx.attr_int("filter_width", 1);
  if (p.stride_h <= 0 || p.stride_w <= 0 || p.f_h <= 0 || p.f_w <= 0)
    ctx.unsupported("stride and filter sizes must be positive");
  const auto pad = ctx.padding();
  const int64_t out_h = conv_output_size(pad, in.dim(1), p.f_h, p.stride_h, 1);
  const int64_t out_w = conv_output_size(pad, in.dim(2), p.f_w, p.stride_w, 1);
  p.pad_h = conv_padding(p.stride_h, 1, in.dim(1), p.f_h, out_h);
  p.pad_w = conv_padding(p.stride_w, 1, in.dim(2), p.f_w, out_w);
  p.range = activation_range(ctx);
  ctx.set_output(0, in.dtype, {in.dim(0), out_h, out_w, in.dim(3)});
}

enum class Kind { Average, Max, L2 };

template <Kind kind>
void pool_eval(NodeContext& ctx) {
  const auto& p = ctx.state<PoolParams>();
  const auto& in_t = ctx.input(0);
  const auto in = in_t.view<float>();
  auto& out_t = ctx.output(0);
  auto out = out_t.mutable_view<float>();
  const int64_t batches = in_t.dim(0), in_h = in_t.dim(1), in_w = in_t.dim(2), depth = in_t.dim(3);
  const int64_t out_h = out_t.dim(1), out_w = out_t.dim(2);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox)
        for (int64_t c = 0; c < depth; ++c) {
          const int64_t y0 = oy * p.stride_h - p.pad_h, x0 = ox * p.stride_w - p.pad_w;
          const int64_t fy0 = std::max<int64_t>(0, -y0), fy1 = std::min(p.f_h, in_h - y0);
          const int64_t fx0 = std::max<int64_t>(0, -x0), fx1 = std::min(p.f_w, in_w - x0);
          float acc = kind == Kind::Max ? std::numeric_limits<float>::lowest() : 0.f;
          int64_t count = 0;
          for (int64_t fy = fy0; fy < fy1; ++fy)
            for (int64_t fx = fx0; fx < fx1; ++fx) {
              const float v = in[size_t(((b * in_h + y0 + fy) * in_w + x0 + fx) * depth + c)];
              if constexpr (kind == Kind::Max)
                acc = std::max(acc, v);
              else if constexpr (kind == Kind::Average)
                acc += v;
              else
                acc += v * v;
              ++count;
            }
          float result = acc;
          if constexpr (kind == Kind::Average) result = count ? acc / float(count) : 0.f;
          if constexpr (kind == Kind::L2) result = count ? std::sqrt(acc / float(count)) : 0.f;
          out[size_t(((b * out_h + oy) * out_w + ox) * depth + c)] =
              clamp_activation(result, p.range);
        }
}

const RegisterKernel kAvg("AVERAGE_POOL_2D", DType::Float32,
                          {pool_prepare, pool_eval<Kind::Average>});
const RegisterKernel kMax("MAX_POOL_2D", DType::Float32, {pool_prepare, pool_eval<Kind::Max>});
const RegisterKernel kL2("L2_POOL_2D", DType::Float32, {pool_prepare, pool_eval<Kind::L2>});

}  // namespace
}  // namespace edgelens::runtime::kernels
