// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR, float32 (reference_ops formulas, including
// align_corners and half_pixel_centers). Size is input 1 ([new_height, new_width]).
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void resize_prepare(NodeContext& ctx) {
  require_rank(ctx, 0, 4);
  const auto& in = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("non-constant size");
  const auto size = int_values(ctx.input(1));
  if (size.size() != 2 || size[0] <= 0 || size[1] <= 0)
    ctx.unsupported("size must be 2 positive values");
  if (ctx.attr_bool("align_corners") && ctx.attr_bool("half_pixel_centers"))
    ctx.unsupported("align_corners and half_pixel_centers together");
  ctx.set_output(0, in.dtype, {in.dim(0), size[0], size[1], in.dim(3)});
}

float resize_scale(bool align_corners, int64_t in, int64_t out) {
  return (align_corners && out > 1) ? float(in - 1) / float(out - 1) : float(in) / float(out);
}

void bilinear_eval(NodeContext& ctx) {
  const auto& it = ctx.input(0);
  auto& ot = ctx.output(0);
  const auto in = it.view<float>();
  auto out = ot.mutable_view<float>();
  const bool align = ctx.attr_bool("align_corners"), half = ctx.attr_bool("half_pixel_centers");
  const int64_t B = it.dim(0), H = it.dim(1), W = it.dim(2), C = it.dim(3), OH = ot.dim(1),
                OW = ot.dim(2);
  const float hs = resize_scale(align, H, OH), ws = resize_scale(align, W, OW);
  auto interp = [&](int64_t v, float scale, int64_t size, float& scaled, int64_t& lo, int64_t& hi) {
    scaled = half ? (float(v) + 0.5f) * scale - 0.5f : float(v) * scale;
    const float f = std::floor(scaled);
    lo = std::max<int64_t>(static_cast<int64_t>(f), 0);
    hi = std::min<int64_t>(static_cast<int64_t>(std::ceil(scaled)), size - 1);
  };
  auto at = [&](int64_t b, int64_t y, int64_t x, int64_t c) {
    return in[size_t(((b * H + y) * W + x) * C + c)];
  };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t y = 0; y < OH; ++y) {
      float iy;
      int64_t y0, y1;
      interp(y, hs, H, iy, y0, y1);
      for (int64_t x = 0; x < OW; ++x) {
        float ix;
        int64_t x0, x1;
        interp(x, ws, W, ix, x0, x1);
        for (int64_t c = 0; c < C; ++c) {
          const float dy = iy - float(y0), dx = ix - float(x0);
          out[size_t(((b * OH + y) * OW + x) * C + c)] =
              at(b, y0, x0, c) * (1 - dy) * (1 - dx) + at(b, y1, x0, c) * dy * (1 - dx) +
              at(b, y0, x1, c) * (1 - dy) * dx + at(b, y1, x1, c) * dy * dx;
        }
      }
    }
}

int64_t nearest(int64_t v, int64_t in, int64_t out, bool align, bool half) {
  const float scale = resize_scale(align, in, out);
  const float offset = half ? 0.5f : 0.0f;
  int64_t r =
      std::min<int64_t>(align ? static_cast<int64_t>(std::round((float(v) + offset) * scale))
                              : static_cast<int64_t>(std::floor((float(v) + offset) * scale)),
                        in - 1);
  if (half) r = std::max<int64_t>(0, r);
  return r;
}

void nearest_eval(NodeContext& ctx) {
  const auto& it = ctx.input(0);
  auto& ot = ctx.output(0);
  const size_t es = std::max(1u, dtype_bits(it.dtype) / 8);
  const bool align = ctx.attr_bool("align_corners"), half = ctx.attr_bool("half_pixel_centers");
  const int64_t B = it.dim(0), H = it.dim(1), W = it.dim(2), C = it.dim(3), OH = ot.dim(1),
                OW = ot.dim(2);
  auto dst = ot.mutable_raw();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t y = 0; y < OH; ++y) {
      const int64_t sy = nearest(y, H, OH, align, half);
      for (int64_t x = 0; x < OW; ++x) {
        const int64_t sx = nearest(x, W, OW, align, half);
        std::memcpy(dst.data() + ((b * OH + y) * OW + x) * C * int64_t(es),
                    it.data + ((b * H + sy) * W + sx) * C * int64_t(es), size_t(C) * es);
      }
    }
}

const RegisterKernel kBilinear("RESIZE_BILINEAR", DType::Float32, {resize_prepare, bilinear_eval});
// Nearest neighbour only copies elements: any dtype (quantization passes through).
const RegisterKernel kNearest("RESIZE_NEAREST_NEIGHBOR", DType::Unknown,
                              {resize_prepare, nearest_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
