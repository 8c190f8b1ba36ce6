// MediaPipe's landmark/crop custom ops (mediapipe/util/tflite/operations/): the op version in the
// model's operator code selects the variant, as MediaPipe registers one kernel per version.
//  - Landmarks2TransformMatrix: landmarks (x, y, z triples) -> a 1x4x4 row-major matrix mapping
//    crop pixels to input pixels. v1 (input [1,1,1,3N]; options input_hw, output_hw, dimensions,
//    landmarks_range, bbox_size_multiplier, left/right_rotation_idx, subset) and v2 (input [1,N,3];
//    options subset_idxs, left/right_rotation_idx, target_rotation_radians, output_height/width,
//    scale_x/y). An odd-length subset list pairs its last index with itself, as MediaPipe parses
//    it.
//  - TransformLandmarks: applies the first two matrix rows to each landmark's (x, y, 0, 1); z (when
//    dimensions is 3) passes through. v1: rank-4 input, options dimensions and scale (multiplies
//    the matrix's translation column); v2: rank-3 [1, N, D] input, dimensions = D, scale 1.
//  - TransformTensorBilinear (v2; v1 is also named TransformTensor): for each output pixel (x, y)
//    samples the input bilinearly at M * (x, y, 0, 1); outside [0, W-1] x [0, H-1] gives 0. v2
//    shifts pixel centres by half a pixel (align corners); v1 does not. Output [1, oh, ow, C] from
//    options output_height/output_width (v2) or output_size (v1).
// Arithmetic is float32 in MediaPipe's order so results match its CPU kernels.
#include <array>
#include <cmath>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

using Mat3 = std::array<float, 9>;   // row-major
using Mat4 = std::array<float, 16>;  // row-major

// Row-major N x N matrix product, each entry summed over k in order.
template <size_t N>
std::array<float, N * N> mul(const std::array<float, N * N>& a, const std::array<float, N * N>& b) {
  std::array<float, N * N> r{};
  for (size_t i = 0; i < N; ++i)
    for (size_t j = 0; j < N; ++j) {
      float sum = 0;
      for (size_t k = 0; k < N; ++k) sum += a[i * N + k] * b[k * N + j];
      r[i * N + j] = sum;
    }
  return r;
}

int32_t op_version(NodeContext& ctx) {
  const int32_t v = ctx.node().op.version;
  if (v != 1 && v != 2)
    ctx.unsupported(fmt::format("op version {}; MediaPipe defines versions 1 and 2", v));
  return v;
}

// A list option of index pairs; an odd last entry pairs with itself (MediaPipe's parser).
std::vector<std::array<int64_t, 2>> index_pairs(NodeContext& ctx, std::string_view option,
                                                int64_t landmark_count) {
  if (!ctx.has_attr(option)) ctx.unsupported(fmt::format("option {} is missing", option));
  const auto flat = ctx.attr_ints(option);
  if (flat.empty()) ctx.unsupported(fmt::format("option {} is empty", option));
  std::vector<std::array<int64_t, 2>> pairs;
  for (size_t i = 0; i < flat.size(); i += 2)
    pairs.push_back({flat[i], i + 1 < flat.size() ? flat[i + 1] : flat[i]});
  for (size_t i = 0; i < flat.size(); ++i)
    if (flat[i] < 0 || flat[i] >= landmark_count)
      ctx.unsupported(fmt::format("option {} entry {} = {} is outside the {} landmarks", option, i,
                                  flat[i], landmark_count));
  return pairs;
}

int64_t landmark_index(NodeContext& ctx, std::string_view option, int64_t landmark_count) {
  const int64_t idx = ctx.attr_int(option, -1);
  if (idx < 0 || idx >= landmark_count)
    ctx.unsupported(fmt::format("option {} = {} is not one of the {} landmarks (missing?)", option,
                                idx, landmark_count));
  return idx;
}

struct MatrixParamsV1 {
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0, range = 0, left = 0, right = 0;
  float bbox_multiplier = 0;
  std::vector<std::array<int64_t, 2>> subset;
};

struct MatrixParamsV2 {
  int64_t left = 0, right = 0, out_h = 0, out_w = 0;
  float target_rotation = 0, scale_x = 0, scale_y = 0;
  std::vector<std::array<int64_t, 2>> subset;
};

std::array<int64_t, 2> hw_option(NodeContext& ctx, std::string_view option) {
  const auto v = ctx.has_attr(option) ? ctx.attr_ints(option) : std::vector<int64_t>{};
  if (v.size() != 2 || v[0] <= 0 || v[1] <= 0)
    ctx.unsupported(fmt::format("option {} must be two positive sizes (h, w)", option));
  return {v[0], v[1]};
}

MatrixParamsV1 matrix_params_v1(NodeContext& ctx, int64_t n) {
  MatrixParamsV1 p;
  const auto in_hw = hw_option(ctx, "input_hw"), out_hw = hw_option(ctx, "output_hw");
  p.in_h = in_hw[0], p.in_w = in_hw[1], p.out_h = out_hw[0], p.out_w = out_hw[1];
  if (const int64_t d = ctx.attr_int("dimensions", 0); d != 3)
    ctx.unsupported(fmt::format("option dimensions = {}; MediaPipe supports only 3", d));
  p.range = ctx.attr_int("landmarks_range", 0);
  if (p.range <= 0) ctx.unsupported("option landmarks_range must be positive");
  p.bbox_multiplier = float(ctx.attr_float("bbox_size_multiplier", 0.0));
  if (p.bbox_multiplier == 0.0f) ctx.unsupported("option bbox_size_multiplier must not be 0");
  p.left = landmark_index(ctx, "left_rotation_idx", n);
  p.right = landmark_index(ctx, "right_rotation_idx", n);
  p.subset = index_pairs(ctx, "subset", n);
  return p;
}

MatrixParamsV2 matrix_params_v2(NodeContext& ctx, int64_t n) {
  MatrixParamsV2 p;
  p.left = landmark_index(ctx, "left_rotation_idx", n);
  p.right = landmark_index(ctx, "right_rotation_idx", n);
  p.out_h = ctx.attr_int("output_height", 0);
  p.out_w = ctx.attr_int("output_width", 0);
  if (p.out_h <= 0 || p.out_w <= 0)
    ctx.unsupported("options output_height and output_width must be positive");
  p.scale_x = float(ctx.attr_float("scale_x", 0.0));
  p.scale_y = float(ctx.attr_float("scale_y", 0.0));
  if (!(p.scale_x > 0) || !(p.scale_y > 0))
    ctx.unsupported("options scale_x and scale_y must be positive");
  p.target_rotation = float(ctx.attr_float("target_rotation_radians", 0.0));
  p.subset = index_pairs(ctx, "subset_idxs", n);
  return p;
}

int64_t landmark_count(NodeContext& ctx, int32_t version) {
  const auto& in = ctx.input(0);
  require_dtype(ctx, 0, DType::Float32);
  if (version == 1) {
    require_rank(ctx, 0, 4);
    if (in.dim(0) != 1 || in.dim(1) != 1 || in.dim(2) != 1 || in.dim(3) % 3 != 0)
      ctx.unsupported("v1 landmarks must be [1, 1, 1, 3N]");
    return in.dim(3) / 3;
  }
  require_rank(ctx, 0, 3);
  if (in.dim(2) != 3) ctx.unsupported("v2 landmarks must be [1, N, 3]");
  return in.dim(0) * in.dim(1);
}

void matrix_prepare(NodeContext& ctx) {
  const int32_t v = op_version(ctx);
  const int64_t n = landmark_count(ctx, v);
  if (v == 1)
    matrix_params_v1(ctx, n);
  else
    matrix_params_v2(ctx, n);
  ctx.set_output(0, DType::Float32, {1, 4, 4});
}

Mat4 matrix_v1(const MatrixParamsV1& p, std::span<const float> lm) {
  const auto x = [&](int64_t i) { return lm[size_t(i * 3)]; };
  const auto y = [&](int64_t i) { return lm[size_t(i * 3 + 1)]; };
  const float alpha = -std::atan((y(p.right) - y(p.left)) / (x(p.right) - x(p.left)));
  float max_x = -100000, max_y = -100000, min_x = 100000, min_y = 100000;
  for (const auto& pair : p.subset)
    for (const int64_t i : pair) {
      const float rx = x(i) * std::cos(alpha) - y(i) * std::sin(alpha);
      const float ry = x(i) * std::sin(alpha) + y(i) * std::cos(alpha);
      max_x = std::max(max_x, rx), max_y = std::max(max_y, ry);
      min_x = std::min(min_x, rx), min_y = std::min(min_y, ry);
    }
  const float range = float(p.range);
  const float bw = (max_x - min_x) * p.bbox_multiplier, bh = (max_y - min_y) * p.bbox_multiplier;
  const Mat3 scale{bw / range, 0, 0, 0, bh / range, 0, 0, 0, 1};
  const float mx = (max_x + min_x) / 2.0f, my = (max_y + min_y) / 2.0f;
  const float c = std::cos(-alpha), s = std::sin(-alpha);
  const float rmx = mx * c - my * s, rmy = mx * s + my * c;
  const Mat3 rotation{c, -s, rmx / range * 2.0f - 1.0f, s, c, rmy / range * 2.0f - 1.0f, 0, 0, 1};
  const Mat3 to_relative{
      2.0f / (float(p.out_w) - 1.0f), 0, -1, 0, 2.0f / (float(p.out_h) - 1.0f), -1, 0, 0, 1};
  const float hw = (float(p.in_w) - 1.0f) / 2.0f, hh = (float(p.in_h) - 1.0f) / 2.0f;
  const Mat3 to_absolute{hw, 0, hw, 0, hh, hh, 0, 0, 1};
  const Mat3 m = mul<3>(mul<3>(mul<3>(to_absolute, rotation), scale), to_relative);
  return {m[0], m[1], 0, m[2], m[3], m[4], 0, m[5], m[6], m[7], m[8], 0, 0, 0, 0, 1};
}

Mat4 matrix_v2(const MatrixParamsV2& p, std::span<const float> lm) {
  const auto x = [&](int64_t i) { return lm[size_t(i * 3)]; };
  const auto y = [&](int64_t i) { return lm[size_t(i * 3 + 1)]; };
  const float r = p.target_rotation - std::atan2(y(p.right) - y(p.left), x(p.right) - x(p.left));
  // Rotate the subset by r, take its axis-aligned box there, rotate the box centre back.
  const Mat3 rot{std::cos(r), -std::sin(r), 0, std::sin(r), std::cos(r), 0, 0, 0, 1};
  const Mat3 rot_inv{std::cos(-r), -std::sin(-r), 0, std::sin(-r), std::cos(-r), 0, 0, 0, 1};
  bool first = true;
  float max_x = 0, max_y = 0, min_x = 0, min_y = 0;
  for (const auto& pair : p.subset)
    for (const int64_t i : pair) {
      const float rx = rot[0] * x(i) + rot[1] * y(i) + rot[2];
      const float ry = rot[3] * x(i) + rot[4] * y(i) + rot[5];
      if (first) {
        max_x = min_x = rx, max_y = min_y = ry, first = false;
        continue;
      }
      max_x = std::max(max_x, rx), max_y = std::max(max_y, ry);
      min_x = std::min(min_x, rx), min_y = std::min(min_y, ry);
    }
  const float crop_w = max_x - min_x, crop_h = max_y - min_y;
  const float cx = (min_x + max_x) / 2, cy = (min_y + max_y) / 2;
  const float crop_x = rot_inv[0] * cx + rot_inv[1] * cy + rot_inv[2];
  const float crop_y = rot_inv[3] * cx + rot_inv[4] * cy + rot_inv[5];
  const float nr = -r;
  const Mat4 shift{1, 0, 0, crop_x, 0, 1, 0, crop_y, 0, 0, 1, 0, 0, 0, 0, 1};
  const Mat4 rotation{
      std::cos(nr), -std::sin(nr), 0, 0, std::sin(nr), std::cos(nr), 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  const float sx = p.scale_x * crop_w / float(p.out_w), sy = p.scale_y * crop_h / float(p.out_h);
  const Mat4 scale{sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  const float hx = -1.0f * (float(p.out_w) / 2.0f), hy = -1.0f * (float(p.out_h) / 2.0f);
  const Mat4 shift2{1, 0, 0, hx, 0, 1, 0, hy, 0, 0, 1, 0, 0, 0, 0, 1};
  const Mat4 identity{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  return mul<4>(mul<4>(mul<4>(mul<4>(identity, shift), rotation), scale), shift2);
}

void matrix_eval(NodeContext& ctx) {
  const int32_t v = op_version(ctx);
  const int64_t n = landmark_count(ctx, v);
  const auto lm = ctx.in<float>(0);
  const Mat4 m =
      v == 1 ? matrix_v1(matrix_params_v1(ctx, n), lm) : matrix_v2(matrix_params_v2(ctx, n), lm);
  auto out = ctx.out<float>(0);
  std::copy(m.begin(), m.end(), out.begin());
}

void require_matrix(NodeContext& ctx, size_t input) {
  require_dtype(ctx, input, DType::Float32);
  if (ctx.input(input).element_count() != 16)
    ctx.unsupported(fmt::format("input {} must be a 4x4 matrix (16 values)", input));
}

struct LandmarkParams {
  int64_t dimensions = 0;
  float scale = 1;
};

LandmarkParams landmark_params(NodeContext& ctx) {
  const int32_t v = op_version(ctx);
  const auto& in = ctx.input(0);
  require_dtype(ctx, 0, DType::Float32);
  require_matrix(ctx, 1);
  LandmarkParams p;
  if (v == 1) {
    require_rank(ctx, 0, 4);
    p.dimensions = ctx.attr_int("dimensions", 0);
    p.scale = float(ctx.attr_float("scale", 0.0));
    if (p.scale == 0.0f) ctx.unsupported("option scale must not be 0 (missing?)");
  } else {
    require_rank(ctx, 0, 3);
    p.dimensions = in.dim(2);
  }
  if (p.dimensions != 2 && p.dimensions != 3)
    ctx.unsupported(fmt::format("option dimensions = {}; MediaPipe supports 2 or 3", p.dimensions));
  if (in.shape.back() % p.dimensions != 0)
    ctx.unsupported(fmt::format("last dimension {} is not a multiple of dimensions {}",
                                in.shape.back(), p.dimensions));
  return p;
}

void landmarks_prepare(NodeContext& ctx) {
  landmark_params(ctx);
  ctx.set_output(0, DType::Float32, ctx.input(0).shape);
}

void landmarks_eval(NodeContext& ctx) {
  const auto p = landmark_params(ctx);
  const auto in = ctx.in<float>(0);
  const auto m = ctx.in<float>(1);
  auto out = ctx.out<float>(0);
  // Row x: (m0, m1, m2, m3 * scale) . (x, y, 0, 1); the z term is multiplied by 0 as MediaPipe
  // does.
  const float tx = m[3] * p.scale, ty = m[7] * p.scale;
  for (size_t o = 0; o + size_t(p.dimensions) <= in.size(); o += size_t(p.dimensions)) {
    const float x = in[o], y = in[o + 1];
    out[o] = m[0] * x + m[1] * y + m[2] * 0.0f + tx * 1.0f;
    out[o + 1] = m[4] * x + m[5] * y + m[6] * 0.0f + ty * 1.0f;
    if (p.dimensions == 3) out[o + 2] = in[o + 2];
  }
}

std::array<int64_t, 2> bilinear_output_hw(NodeContext& ctx, int32_t v) {
  if (v == 2) {
    const int64_t h = ctx.attr_int("output_height", 0), w = ctx.attr_int("output_width", 0);
    if (h <= 0 || w <= 0)
      ctx.unsupported("options output_height and output_width must be positive");
    return {h, w};
  }
  if (ctx.has_attr("mode") && ctx.attr_string("mode") != "bilinear")
    ctx.unsupported(
        fmt::format("option mode = '{}'; only 'bilinear' is defined", ctx.attr_string("mode")));
  return hw_option(ctx, "output_size");
}

void bilinear_prepare(NodeContext& ctx) {
  const int32_t v = op_version(ctx);
  require_rank(ctx, 0, 4);
  require_dtype(ctx, 0, DType::Float32);
  require_matrix(ctx, 1);
  const auto& in = ctx.input(0);
  if (in.dim(0) != 1) ctx.unsupported("MediaPipe's kernel reads batch 1 only");
  const auto hw = bilinear_output_hw(ctx, v);
  ctx.set_output(0, DType::Float32, {1, hw[0], hw[1], in.dim(3)});
}

void bilinear_eval(NodeContext& ctx) {
  const bool align_corners = op_version(ctx) == 2;
  const auto& in_t = ctx.input(0);
  const auto in = in_t.view<float>();
  const auto m = ctx.in<float>(1);
  auto& out_t = ctx.output(0);
  auto out = out_t.mutable_view<float>();
  const int64_t in_h = in_t.dim(1), in_w = in_t.dim(2), channels = in_t.dim(3);
  const int64_t out_h = out_t.dim(1), out_w = out_t.dim(2);
  float x0 = m[0], x1 = m[1], x2 = m[2], x3 = m[3];
  float y0 = m[4], y1 = m[5], y2 = m[6], y3 = m[7];
  // v2 samples at pixel centres: T' = S(-0.5) * T * A(+0.5), folded into the translation column.
  if (align_corners) {
    x3 += x0 * 0.5f + x1 * 0.5f - 0.5f;
    y3 += y0 * 0.5f + y1 * 0.5f - 0.5f;
  }
  const auto read = [&](int64_t h, int64_t w, int64_t c) {
    return h < 0 || w < 0 || h >= in_h || w >= in_w ? 0.0f
                                                    : in[size_t((h * in_w + w) * channels + c)];
  };
  for (int64_t oy = 0; oy < out_h; ++oy)
    for (int64_t ox = 0; ox < out_w; ++ox) {
      const float fx = float(ox), fy = float(oy);
      const float tx = x0 * fx + x1 * fy + x2 * 0.0f + x3 * 1.0f;
      const float ty = y0 * fx + y1 * fy + y2 * 0.0f + y3 * 1.0f;
      const bool outside =
          !(tx >= 0.0f && tx <= float(in_w - 1) && ty >= 0.0f && ty <= float(in_h - 1));
      const int64_t fl_x = outside ? 0 : int64_t(std::floor(tx));
      const int64_t fl_y = outside ? 0 : int64_t(std::floor(ty));
      const float right = tx - std::floor(tx), lower = ty - std::floor(ty);
      for (int64_t c = 0; c < channels; ++c) {
        float result = 0;
        if (!outside) {
          const float upper_v =
              (1.0f - right) * read(fl_y, fl_x, c) + right * read(fl_y, fl_x + 1, c);
          const float lower_v =
              (1.0f - right) * read(fl_y + 1, fl_x, c) + right * read(fl_y + 1, fl_x + 1, c);
          result = lower * lower_v + (1.0f - lower) * upper_v;
        }
        out[size_t((oy * out_w + ox) * channels + c)] = result;
      }
    }
}

const RegisterKernel kLandmarks2TransformMatrix("Landmarks2TransformMatrix", DType::Float32,
                                                {matrix_prepare, matrix_eval});
const RegisterKernel kTransformLandmarks("TransformLandmarks", DType::Float32,
                                         {landmarks_prepare, landmarks_eval});
const RegisterKernel kTransformTensorBilinear({"TransformTensorBilinear", "TransformTensor"},
                                              {DType::Float32}, {bilinear_prepare, bilinear_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
