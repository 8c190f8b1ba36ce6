// TRANSPOSE_CONV (builtin) and MediaPipe's Convolution2DTransposeBias, float32. Reference order:
// scatter every input pixel through the filter into a zeroed output, then add the bias and clamp.
// Filter layout [out_channels, height, width, in_channels].
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct TransposeParams {
  size_t input = 2, filter = 1, bias = 3;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  FloatRange range;
  bool dynamic_shape = false;  // output_shape is not a constant: read it at eval
};

// Validates the geometry for `out_shape` and computes the padding; returns the checked shape.
std::vector<int64_t> output_geometry(NodeContext& ctx, TransposeParams& p,
                                     std::vector<int64_t> out_shape) {
  const auto& filter = ctx.input(p.filter);
  if (filter.dtype != DType::Float32) ctx.unsupported("filter must be float32");
  if (filter.rank() != 4 || ctx.input(p.input).rank() != 4)
    ctx.unsupported("input and filter must be 4-D");
  if (filter.dim(3) != ctx.input(p.input).dim(3))
    ctx.unsupported("filter input channels differ from the input's");
  if (out_shape.size() != 4 || out_shape[3] != filter.dim(0) ||
      out_shape[0] != ctx.input(p.input).dim(0) || out_shape[1] <= 0 || out_shape[2] <= 0)
    ctx.unsupported(fmt::format("output shape {} does not match the input and filter",
                                shape_string(out_shape)));
  if (p.stride_h <= 0 || p.stride_w <= 0) ctx.unsupported("strides must be positive");
  // Padding as if convolving the output back to the input (ComputePaddingHeightWidth).
  p.pad_h = conv_padding(p.stride_h, 1, out_shape[1], filter.dim(1), ctx.input(p.input).dim(1));
  p.pad_w = conv_padding(p.stride_w, 1, out_shape[2], filter.dim(2), ctx.input(p.input).dim(2));
  return out_shape;
}

void finish_prepare(NodeContext& ctx, TransposeParams& p, std::vector<int64_t> out_shape) {
  ctx.set_output(0, DType::Float32, output_geometry(ctx, p, std::move(out_shape)));
}

// output_shape (input 0) as TFLite reads it; VALID padding must reproduce the input size when
// convolving back.
std::vector<int64_t> builtin_output_shape(NodeContext& ctx, const TransposeParams& p) {
  const auto shape = int_values(ctx.input(0));
  const bool same = ctx.padding() == Padding::Same;
  const auto& in = ctx.input(p.input);
  const auto& f = ctx.input(p.filter);
  if (!same && shape.size() == 4 && f.rank() == 4 && in.rank() == 4 && p.stride_h > 0 &&
      (shape[1] - f.dim(1)) / p.stride_h + 1 != in.dim(1))
    ctx.unsupported(
        fmt::format("output_shape {} inconsistent with VALID padding", shape_string(shape)));
  return shape;
}

void builtin_prepare(NodeContext& ctx) {
  auto& p = ctx.state<TransposeParams>();
  p = {};
  p.stride_h = ctx.attr_int("stride_h", 1);
  p.stride_w = ctx.attr_int("stride_w", 1);
  p.range = ctx.has_attr("fused_activation_function") ? activation_range(ctx) : FloatRange{};
  if (!ctx.input_is_constant(0)) {
    // Computed or fed output_shape: its values are known only at eval.
    if (ctx.input(0).element_count() != 4) ctx.unsupported("output_shape must hold 4 values");
    p.dynamic_shape = true;
    ctx.set_output_dynamic(0, DType::Float32);
    return;
  }
  finish_prepare(ctx, p, builtin_output_shape(ctx, p));
}

void mediapipe_prepare(NodeContext& ctx) {
  auto& p = ctx.state<TransposeParams>();
  p = {};
  p.input = 0;
  p.filter = 1;
  p.bias = 2;
  // Custom options: TfLiteTransposeConvParams {int padding (1 SAME, 2 VALID); int stride_width;
  // int stride_height}.
  const auto raw = ctx.custom_options();
  if (raw.size() < 12) ctx.unsupported("custom options shorter than TfLiteTransposeConvParams");
  int32_t fields[3];
  std::memcpy(fields, raw.data(), sizeof(fields));
  p.stride_w = fields[1];
  p.stride_h = fields[2];
  const auto& in = ctx.input(0);
  const auto& f = ctx.input(1);
  if (in.rank() != 4 || f.rank() != 4) ctx.unsupported("input and filter must be 4-D");
  const bool same = fields[0] == 1;
  if (fields[0] != 1 && fields[0] != 2) ctx.unsupported(fmt::format("padding code {}", fields[0]));
  const int64_t oh = same ? in.dim(1) * p.stride_h : (in.dim(1) - 1) * p.stride_h + f.dim(1);
  const int64_t ow = same ? in.dim(2) * p.stride_w : (in.dim(2) - 1) * p.stride_w + f.dim(2);
  finish_prepare(ctx, p, {in.dim(0), oh, ow, f.dim(0)});
}

void transpose_eval(NodeContext& ctx) {
  auto& p = ctx.state<TransposeParams>();
  if (p.dynamic_shape) ctx.resize_output(0, output_geometry(ctx, p, builtin_output_shape(ctx, p)));
  const auto& it = ctx.input(p.input);
  const auto& ft = ctx.input(p.filter);
  const auto in = it.view<float>();
  const auto filter = ft.view<float>();
  auto& ot = ctx.output(0);
  auto out = ot.mutable_view<float>();
  const int64_t B = it.dim(0), H = it.dim(1), W = it.dim(2), IC = it.dim(3);
  const int64_t FH = ft.dim(1), FW = ft.dim(2);
  const int64_t OH = ot.dim(1), OW = ot.dim(2), OC = ot.dim(3);
  std::fill(out.begin(), out.begin() + ot.element_count(), 0.f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t ic = 0; ic < IC; ++ic) {
          const float v = in[size_t(((b * H + y) * W + x) * IC + ic)];
          const int64_t oy0 = y * p.stride_h - p.pad_h, ox0 = x * p.stride_w - p.pad_w;
          for (int64_t fy = 0; fy < FH; ++fy)
            for (int64_t fx = 0; fx < FW; ++fx) {
              const int64_t oy = oy0 + fy, ox = ox0 + fx;
              if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
              for (int64_t oc = 0; oc < OC; ++oc)
                out[size_t(((b * OH + oy) * OW + ox) * OC + oc)] +=
                    v * filter[size_t(((oc * FH + fy) * FW + fx) * IC + ic)];
            }
        }
  const float* bias = ctx.has_input(p.bias) ? ctx.in<float>(p.bias).data() : nullptr;
  const int64_t n = ot.element_count();
  for (int64_t i = 0; i < n; ++i)
    out[size_t(i)] = clamp_activation(out[size_t(i)] + (bias ? bias[i % OC] : 0.f), p.range);
}

// TRANSPOSE_CONV keys on its data input (2); input 0 is the int32 output_shape for every dtype.
const RegisterKeyInput kBuiltinKey("TRANSPOSE_CONV", 2);
const RegisterKernel kBuiltin("TRANSPOSE_CONV", DType::Float32, {builtin_prepare, transpose_eval});
const RegisterKernel kMediapipe("Convolution2DTransposeBias", DType::Float32,
                                {mediapipe_prepare, transpose_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
