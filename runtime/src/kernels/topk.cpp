// TOPK_V2: the k largest values along the last axis and their indices, as TFLite's topk_v2.cc:
// descending by value, the lower index first on equal values. k is a scalar int32 input; when it
// is not constant the output shape is decided at eval. Values only move, so one kernel serves
// every dtype (quantized values compare raw, which keeps their order).
#include <numeric>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

int64_t k_of(NodeContext& ctx) {
  const auto k = int_values(ctx.input(1));
  if (k.size() != 1) ctx.unsupported("k must be one int32/int64 value");
  const int64_t n = ctx.input(0).dim(-1);
  if (k[0] < 0 || k[0] > n)
    throw std::runtime_error(
        fmt::format("TOPK_V2: k = {} is outside [0, {}] (the last dimension)", k[0], n));
  return k[0];
}

std::vector<int64_t> out_shape(const TensorBuffer& in, int64_t k) {
  auto shape = in.shape;
  shape.back() = k;
  return shape;
}

void topk_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (in.rank() < 1) ctx.unsupported("TOPK_V2 needs an input of rank >= 1");
  const DType index_type = ctx.output(1).ir->dtype;
  if (index_type != DType::Int32 && index_type != DType::Int64 && index_type != DType::Int16)
    ctx.unsupported(fmt::format("index output is {}", dtype_name(index_type)));
  if (ctx.input_is_constant(1)) {
    const int64_t k = k_of(ctx);
    ctx.set_output(0, in.dtype, out_shape(in, k));
    ctx.set_output(1, index_type, out_shape(in, k));
  } else {
    ctx.set_output_dynamic(0, in.dtype);
    ctx.set_output_dynamic(1, index_type);
  }
}

template <class T>
void topk_typed(NodeContext& ctx, int64_t k) {
  const auto& in_t = ctx.input(0);
  const auto in = in_t.view<T>();
  const int64_t n = in_t.dim(-1);
  const int64_t rows = n ? in_t.element_count() / n : 0;
  auto values = ctx.out<T>(0);
  auto& idx_t = ctx.output(1);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = in.data() + r * n;
    std::iota(order.begin(), order.end(), int64_t{0});
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      return row[a] != row[b] ? row[a] > row[b] : a < b;
    });
    for (int64_t j = 0; j < k; ++j) {
      const size_t o = size_t(r * k + j);
      values[o] = row[order[size_t(j)]];
      switch (idx_t.dtype) {
        case DType::Int64:
          idx_t.mutable_view<int64_t>()[o] = order[size_t(j)];
          break;
        case DType::Int16:
          idx_t.mutable_view<int16_t>()[o] = static_cast<int16_t>(order[size_t(j)]);
          break;
        default:
          idx_t.mutable_view<int32_t>()[o] = static_cast<int32_t>(order[size_t(j)]);
      }
    }
  }
}

void topk_eval(NodeContext& ctx) {
  const int64_t k = k_of(ctx);
  if (ctx.output(0).dynamic || ctx.output(0).shape != out_shape(ctx.input(0), k)) {
    ctx.resize_output(0, out_shape(ctx.input(0), k));
    ctx.resize_output(1, out_shape(ctx.input(0), k));
  }
  switch (ctx.input(0).dtype) {
    case DType::Float32:
      return topk_typed<float>(ctx, k);
    case DType::Int8:
      return topk_typed<int8_t>(ctx, k);
    case DType::UInt8:
      return topk_typed<uint8_t>(ctx, k);
    case DType::Int16:
      return topk_typed<int16_t>(ctx, k);
    case DType::Int32:
      return topk_typed<int32_t>(ctx, k);
    case DType::Int64:
      return topk_typed<int64_t>(ctx, k);
    default:
      ctx.unsupported(fmt::format("TOPK_V2 on {}", dtype_name(ctx.input(0).dtype)));
  }
}

const RegisterKernel kTopK("TOPK_V2", DType::Unknown, {topk_prepare, topk_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
