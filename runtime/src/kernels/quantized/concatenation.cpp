// Quantized CONCATENATION: inputs whose quantization equals the output's are copied; others are
// requantized with TFLite's ConcatenationWithScaling float formula
// (round(q * s_in / s_out - zp_in * s_in / s_out) + zp_out, saturated).
#include <cmath>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct ConcatState {
  int axis = 0;
};

void concat_prepare(NodeContext& ctx) {
  if (ctx.input_count() == 0) ctx.unsupported("CONCATENATION without inputs");
  const auto& first = ctx.input(0);
  const int rank = first.rank();
  int axis = static_cast<int>(ctx.attr_int("axis", 0));
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) ctx.unsupported(fmt::format("axis {} out of range", axis));
  if (ctx.activation() != FusedActivation::None)
    ctx.unsupported("fused activation on a quantized CONCATENATION");
  std::vector<int64_t> shape = first.shape;
  shape[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const auto& t = ctx.input(i);
    if (t.dtype != first.dtype || t.rank() != rank)
      ctx.unsupported(fmt::format("input {} differs in dtype or rank", i));
    for (int d = 0; d < rank; ++d)
      if (d != axis && t.dim(d) != first.dim(d))
        ctx.unsupported(fmt::format("input {} has shape {}, expected {} off the axis", i,
                                    shape_string(t.shape), shape_string(first.shape)));
    (void)qparams(ctx, t, "input");
    shape[static_cast<size_t>(axis)] += t.dim(axis);
  }
  (void)qparams(ctx, ctx.output(0), "output");
  ctx.state<ConcatState>().axis = axis;
  ctx.set_output(0, first.dtype, std::move(shape));
}

template <class T>
void concat_eval_typed(NodeContext& ctx) {
  const int axis = ctx.state<ConcatState>().axis;
  auto& output = ctx.output(0);
  auto out = output.mutable_view<T>();
  const QParams out_q = qparams(ctx, output, "output");
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= output.dim(d);
  int64_t inner = 1;
  for (int d = axis + 1; d < output.rank(); ++d) inner *= output.dim(d);
  const int64_t out_row = output.dim(axis) * inner;
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const auto& t = ctx.input(i);
    const auto in = t.view<T>();
    const QParams q = qparams(ctx, t, "input");
    const bool same = q.scale == out_q.scale && q.zero_point == out_q.zero_point;
    const float scale = q.scale * (1.0f / out_q.scale);
    const float bias = static_cast<float>(-q.zero_point) * scale;
    const int64_t row = t.dim(axis) * inner;
    for (int64_t o = 0; o < outer; ++o) {
      const T* src = &in[static_cast<size_t>(o * row)];
      T* dst = &out[static_cast<size_t>(o * out_row + offset)];
      for (int64_t j = 0; j < row; ++j) {
        if (same) {
          dst[j] = src[j];
        } else {
          const int32_t v =
              static_cast<int32_t>(std::round(static_cast<float>(src[j]) * scale + bias)) +
              out_q.zero_point;
          dst[j] = quant::saturate<T>(v);
        }
      }
    }
    offset += row;
  }
}

void concat_eval(NodeContext& ctx) {
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() { concat_eval_typed<T>(ctx); });
}

const RegisterKernel kConcatQ({"CONCATENATION"}, {DType::Int8, DType::UInt8, DType::Int16},
                              {concat_prepare, concat_eval});

}  // namespace
}  // namespace edgelens::runtime
