// ARG_MAX / ARG_MIN along a constant axis (float32, int8, uint8, int16, int32; quantized values
// compare raw, which preserves order). First index wins on ties, as TFLite's reference kernel.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

int64_t axis_of(NodeContext& ctx) {
  if (!ctx.input_is_constant(1)) ctx.unsupported("non-constant axis");
  int64_t axis = int_values(ctx.input(1)).at(0);
  if (axis < 0) axis += ctx.input(0).rank();
  if (axis < 0 || axis >= ctx.input(0).rank()) ctx.unsupported("axis out of range");
  return axis;
}

void arg_prepare(NodeContext& ctx) {
  const auto axis = axis_of(ctx);
  auto shape = ctx.input(0).shape;
  shape.erase(shape.begin() + axis);
  const DType out = ctx.output(0).ir->dtype;
  if (out != DType::Int32 && out != DType::Int64) ctx.unsupported("output must be int32 or int64");
  ctx.set_output(0, out, shape);
}

template <class T, bool is_max>
void arg_typed(NodeContext& ctx) {
  const auto& t = ctx.input(0);
  const auto in = t.view<T>();
  const auto axis = axis_of(ctx);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= t.shape[size_t(d)];
  for (int64_t d = axis + 1; d < t.rank(); ++d) inner *= t.shape[size_t(d)];
  const int64_t dim = t.shape[size_t(axis)];
  auto& out = ctx.output(0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      T best_value = in[size_t(o * dim * inner + i)];
      for (int64_t k = 1; k < dim; ++k) {
        const T v = in[size_t((o * dim + k) * inner + i)];
        if (is_max ? v > best_value : v < best_value) best = k, best_value = v;
      }
      if (out.dtype == DType::Int64)
        out.mutable_view<int64_t>()[size_t(o * inner + i)] = best;
      else
        out.mutable_view<int32_t>()[size_t(o * inner + i)] = static_cast<int32_t>(best);
    }
}

template <bool is_max>
void arg_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Float32:
      return arg_typed<float, is_max>(ctx);
    case DType::Int8:
      return arg_typed<int8_t, is_max>(ctx);
    case DType::UInt8:
      return arg_typed<uint8_t, is_max>(ctx);
    case DType::Int16:
      return arg_typed<int16_t, is_max>(ctx);
    case DType::Int32:
      return arg_typed<int32_t, is_max>(ctx);
    default:
      ctx.unsupported("unsupported dtype");
  }
}

const std::initializer_list<DType> kTypes = {DType::Float32, DType::Int8, DType::UInt8,
                                             DType::Int16, DType::Int32};
const RegisterKernel kArgMax({"ARG_MAX"}, kTypes, {arg_prepare, arg_eval<true>});
const RegisterKernel kArgMin({"ARG_MIN"}, kTypes, {arg_prepare, arg_eval<false>});

}  // namespace
}  // namespace edgelens::runtime::kernels
