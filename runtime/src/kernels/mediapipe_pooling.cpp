// MediaPipe's pooling custom ops. MaxPoolingWithArgmax2D (max_pool_argmax.cc): TFLite's MAX_POOL_2D
// window and padding, plus int32 indices of each maximum as tf.nn.max_pool_with_argmax defines them
// without the batch: (y * width + x) * channels + c; the first maximum in window order wins.
// MaxUnpooling2D custom op (mediapipe/util/tflite/operations/max_unpooling.cc), also
// registered by LiteRT as LiteRtMaxUnpooling2D: scatters input values to the flat positions (within
// one batch item, channel included) given by the int32 indices of MaxPoolingWithArgmax2D; every
// other output value is 0. Its custom options are a raw TfLitePoolParams struct (int32 fields:
// padding 1 = SAME / 2 = VALID, stride_width, stride_height, filter_width, filter_height, ...), and
// the output is H*stride x W*stride (SAME) or (H-1)*stride + filter (VALID), as MediaPipe's
// Prepare.
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct PoolParams {
  int32_t padding = 0, stride_w = 0, stride_h = 0, filter_w = 0, filter_h = 0;
};

PoolParams pool_params(NodeContext& ctx) {
  const auto raw = ctx.custom_options();
  if (raw.size() < 5 * sizeof(int32_t))
    ctx.unsupported(
        fmt::format("custom options of {} bytes; a TfLitePoolParams needs 20", raw.size()));
  int32_t f[5];
  std::memcpy(f, raw.data(), sizeof f);
  const PoolParams p{f[0], f[1], f[2], f[3], f[4]};
  if (p.padding != 1 && p.padding != 2)
    ctx.unsupported(fmt::format("padding {} is neither SAME (1) nor VALID (2)", p.padding));
  if (p.stride_w <= 0 || p.stride_h <= 0 || p.filter_w <= 0 || p.filter_h <= 0)
    ctx.unsupported("strides and filter sizes must be positive");
  return p;
}

void unpool_prepare(NodeContext& ctx) {
  const auto p = pool_params(ctx);
  require_rank(ctx, 0, 4);
  require_dtype(ctx, 1, DType::Int32);
  if (ctx.input(1).shape != ctx.input(0).shape)
    ctx.unsupported("indices must have the input's shape");
  const auto& in = ctx.input(0);
  const int64_t h = in.dim(1), w = in.dim(2);
  const int64_t out_h = p.padding == 1 ? h * p.stride_h : (h - 1) * p.stride_h + p.filter_h;
  const int64_t out_w = p.padding == 1 ? w * p.stride_w : (w - 1) * p.stride_w + p.filter_w;
  ctx.set_output(0, DType::Float32, {in.dim(0), out_h, out_w, in.dim(3)});
}

void unpool_eval(NodeContext& ctx) {
  const auto in = ctx.in<float>(0);
  const auto indices = ctx.in<int32_t>(1);
  auto& out_t = ctx.output(0);
  auto out = out_t.mutable_view<float>();
  std::fill(out.begin(), out.end(), 0.0f);
  const int64_t batches = out_t.dim(0);
  const int64_t per_batch_in = batches ? ctx.input(0).element_count() / batches : 0;
  const int64_t per_batch_out = out_t.dim(1) * out_t.dim(2) * out_t.dim(3);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t i = 0; i < per_batch_in; ++i) {
      const int64_t at = b * per_batch_in + i;
      const int32_t idx = indices[size_t(at)];
      if (idx < 0 || idx >= per_batch_out)
        throw std::runtime_error(fmt::format(
            "MaxUnpooling2D: index {} at element {} is outside the {} values of a batch item", idx,
            at, per_batch_out));
      out[size_t(b * per_batch_out + idx)] = in[size_t(at)];
    }
}

void argmax_prepare(NodeContext& ctx) {
  const auto p = pool_params(ctx);
  require_rank(ctx, 0, 4);
  const auto& in = ctx.input(0);
  const bool same = p.padding == 1;
  const int64_t out_h =
      conv_output_size(same ? Padding::Same : Padding::Valid, in.dim(1), p.filter_h, p.stride_h, 1);
  const int64_t out_w =
      conv_output_size(same ? Padding::Same : Padding::Valid, in.dim(2), p.filter_w, p.stride_w, 1);
  if (out_h <= 0 || out_w <= 0) ctx.unsupported("the window does not fit the input");
  ctx.set_output(0, DType::Float32, {in.dim(0), out_h, out_w, in.dim(3)});
  ctx.set_output(1, DType::Int32, {in.dim(0), out_h, out_w, in.dim(3)});
}

void argmax_eval(NodeContext& ctx) {
  const auto p = pool_params(ctx);
  const auto& in_t = ctx.input(0);
  const auto in = in_t.view<float>();
  auto& out_t = ctx.output(0);
  auto out = out_t.mutable_view<float>();
  auto idx = ctx.out<int32_t>(1);
  const int64_t batches = in_t.dim(0), h = in_t.dim(1), w = in_t.dim(2), depth = in_t.dim(3);
  const int64_t out_h = out_t.dim(1), out_w = out_t.dim(2);
  const int64_t pad_h = conv_padding(p.stride_h, 1, h, p.filter_h, out_h);
  const int64_t pad_w = conv_padding(p.stride_w, 1, w, p.filter_w, out_w);
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox)
        for (int64_t c = 0; c < depth; ++c) {
          const int64_t y0 = oy * p.stride_h - pad_h, x0 = ox * p.stride_w - pad_w;
          float best = std::numeric_limits<float>::lowest();
          int64_t best_y = std::max<int64_t>(y0, 0), best_x = std::max<int64_t>(x0, 0);
          for (int64_t fy = std::max<int64_t>(0, -y0); fy < std::min<int64_t>(p.filter_h, h - y0);
               ++fy)
            for (int64_t fx = std::max<int64_t>(0, -x0); fx < std::min<int64_t>(p.filter_w, w - x0);
                 ++fx) {
              const float v = in[size_t(((b * h + y0 + fy) * w + x0 + fx) * depth + c)];
              if (v > best) best = v, best_y = y0 + fy, best_x = x0 + fx;
            }
          const size_t o = size_t(((b * out_h + oy) * out_w + ox) * depth + c);
          out[o] = best;
          idx[o] = static_cast<int32_t>((best_y * w + best_x) * depth + c);
        }
}

const RegisterKernel kMaxPoolArgmax("MaxPoolingWithArgmax2D", DType::Float32,
                                    {argmax_prepare, argmax_eval});
const RegisterKernel kMaxUnpooling({"MaxUnpooling2D", "LiteRtMaxUnpooling2D"}, {DType::Float32},
                                   {unpool_prepare, unpool_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
