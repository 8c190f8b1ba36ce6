// CUMSUM (TFLite cumsum.cc): running sum along a scalar int32 axis (float32, int32, int64) with
// the exclusive and reverse options; one accumulator per line, added in order like TFLite's loop.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

int64_t cumsum_axis(NodeContext& ctx) {
  const auto axis = int_values(ctx.input(1));
  if (axis.size() != 1) ctx.unsupported("axis must be one int32 value");
  const int rank = ctx.input(0).rank();
  const int64_t a = axis[0] < 0 ? axis[0] + rank : axis[0];
  if (a < 0 || a >= rank)
    throw std::runtime_error(
        fmt::format("CUMSUM: axis {} out of range for rank {}", axis[0], rank));
  return a;
}

void cumsum_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (in.rank() < 1) ctx.unsupported("CUMSUM needs rank >= 1");
  if (ctx.input_is_constant(1)) (void)cumsum_axis(ctx);
  ctx.set_output(0, in.dtype, in.shape);
}

template <class T>
void cumsum_typed(NodeContext& ctx) {
  const auto& in_t = ctx.input(0);
  const auto in = in_t.view<T>();
  auto out = ctx.out<T>(0);
  const int64_t axis = cumsum_axis(ctx);
  const bool exclusive = ctx.attr_bool("exclusive");
  const bool reverse = ctx.attr_bool("reverse");
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= in_t.shape[size_t(d)];
  for (int64_t d = axis + 1; d < in_t.rank(); ++d) inner *= in_t.shape[size_t(d)];
  const int64_t dim = in_t.shape[size_t(axis)];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      T acc = 0;
      for (int64_t k = 0; k < dim; ++k) {
        const int64_t at = (o * dim + (reverse ? dim - 1 - k : k)) * inner + i;
        if (exclusive) {
          out[size_t(at)] = acc;
          acc = static_cast<T>(acc + in[size_t(at)]);
        } else {
          acc = static_cast<T>(acc + in[size_t(at)]);
          out[size_t(at)] = acc;
        }
      }
    }
}

void cumsum_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Float32:
      return cumsum_typed<float>(ctx);
    case DType::Int32:
      return cumsum_typed<int32_t>(ctx);
    case DType::Int64:
      return cumsum_typed<int64_t>(ctx);
    default:
      ctx.unsupported("CUMSUM takes float32, int32 or int64");
  }
}

const RegisterKernel kCumSum({"CUMSUM"}, {DType::Float32, DType::Int32, DType::Int64},
                             {cumsum_prepare, cumsum_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
