// Quantized RESIZE_BILINEAR (int8, int16) as TFLite's reference_ops::ResizeBilinearInteger
// computes it: 10-bit fixed-point source coordinates, the four neighbours weighted in int64 and
// the sum rounded half away from zero at 2^20. Input and output share their quantization (TFLite
// does not requantize), so the integers are interpolated directly. (uint8 goes through TFLite's
// float path and is not here.)
#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

std::vector<int64_t> size_values(const TensorBuffer& t) {
  std::vector<int64_t> out;
  if (t.dtype == DType::Int32)
    for (auto v : t.view<int32_t>().first(static_cast<size_t>(t.element_count()))) out.push_back(v);
  return out;
}

void resize_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  require_rank(ctx, in, 4, "input");
  if (!ctx.input_is_constant(1)) ctx.unsupported("non-constant size");
  const auto size = size_values(ctx.input(1));
  if (size.size() != 2 || size[0] <= 0 || size[1] <= 0)
    ctx.unsupported("size must be 2 positive int32 values");
  if (ctx.attr_bool("align_corners") && ctx.attr_bool("half_pixel_centers"))
    ctx.unsupported("align_corners and half_pixel_centers together");
  const QParams in_q = qparams(ctx, in, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  if (in_q.scale != out_q.scale || in_q.zero_point != out_q.zero_point)
    ctx.unsupported(
        "input and output quantization differ (TFLite resizes the integers as they are)");
  ctx.set_output(0, in.dtype, {in.dim(0), size[0], size[1], in.dim(3)});
}

// ComputeInterpolationValuesInteger.
void interpolation_values(int32_t value, int32_t scale_10, bool half_pixel_centers,
                          int32_t input_size, int32_t& scaled, int32_t& lower, int32_t& upper) {
  scaled = half_pixel_centers ? value * scale_10 + scale_10 / 2 - (1 << 9) : value * scale_10;
  lower = std::max(scaled / (1 << 10), 0);
  upper = std::min((scaled + (1 << 10) - 1) / (1 << 10), input_size - 1);
}

template <class T>
void resize_typed(NodeContext& ctx) {
  const auto& it = ctx.input(0);
  auto& ot = ctx.output(0);
  const auto in = it.view<T>();
  auto out = ot.mutable_view<T>();
  const bool align = ctx.attr_bool("align_corners"), half = ctx.attr_bool("half_pixel_centers");
  const auto B = static_cast<int32_t>(it.dim(0)), H = static_cast<int32_t>(it.dim(1)),
             W = static_cast<int32_t>(it.dim(2)), C = static_cast<int32_t>(it.dim(3));
  const auto OH = static_cast<int32_t>(ot.dim(1)), OW = static_cast<int32_t>(ot.dim(2));
  int32_t height_scale_10 = ((1 << 10) * H + OH / 2) / OH;
  int32_t width_scale_10 = ((1 << 10) * W + OW / 2) / OW;
  if (align && OH > 1) height_scale_10 = ((1 << 10) * (H - 1) + (OH - 1) / 2) / (OH - 1);
  if (align && OW > 1) width_scale_10 = ((1 << 10) * (W - 1) + (OW - 1) / 2) / (OW - 1);
  auto at = [&](int32_t b, int32_t y, int32_t x, int32_t c) {
    return static_cast<int64_t>(in[size_t(((int64_t{b} * H + y) * W + x) * C + c)]);
  };
  for (int32_t b = 0; b < B; ++b)
    for (int32_t y = 0; y < OH; ++y) {
      int32_t iy = 0, y0 = 0, y1 = 0;
      interpolation_values(y, height_scale_10, half, H, iy, y0, y1);
      const int64_t dy = iy - (1 << 10) * y0;
      for (int32_t x = 0; x < OW; ++x) {
        int32_t ix = 0, x0 = 0, x1 = 0;
        interpolation_values(x, width_scale_10, half, W, ix, x0, x1);
        const int64_t dx = ix - (1 << 10) * x0;
        for (int32_t c = 0; c < C; ++c) {
          const int64_t sum = at(b, y0, x0, c) * ((1 << 10) - dy) * ((1 << 10) - dx) +
                              at(b, y1, x0, c) * dy * ((1 << 10) - dx) +
                              at(b, y0, x1, c) * ((1 << 10) - dy) * dx + at(b, y1, x1, c) * dy * dx;
          const int64_t round = sum > 0 ? (1 << 19) : -(1 << 19);
          out[size_t(((int64_t{b} * OH + y) * OW + x) * C + c)] =
              static_cast<T>((sum + round) / (1 << 20));
        }
      }
    }
}

void resize_eval(NodeContext& ctx) {
  if (ctx.input(0).dtype == DType::Int16)
    resize_typed<int16_t>(ctx);
  else
    resize_typed<int8_t>(ctx);
}

const RegisterKernel kResizeBilinearQ({"RESIZE_BILINEAR"}, {DType::Int8, DType::Int16},
                                      {resize_prepare, resize_eval});

}  // namespace
}  // namespace edgelens::runtime
