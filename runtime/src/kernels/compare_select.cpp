// Comparisons (LESS GREATER EQUAL NOT_EQUAL LESS_EQUAL GREATER_EQUAL) with broadcasting, bool
// logic (LOGICAL_AND/OR/NOT) and SELECT / SELECT_V2. Comparisons of quantized tensors compare raw
// values, valid only when both sides share scale and zero point (checked).
#include <cstring>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void compare_prepare(NodeContext& ctx) {
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  if (a.dtype != b.dtype) ctx.unsupported("operands have different dtypes");
  if (a.quant().scales != b.quant().scales || a.quant().zero_points != b.quant().zero_points)
    ctx.unsupported("operands have different quantization");
  auto shape = broadcast_shapes(a.shape, b.shape);
  if (!shape) ctx.unsupported("shapes do not broadcast");
  ctx.set_output(0, DType::Bool, *shape);
}

template <class T, class Op>
void compare_typed(NodeContext& ctx, Op op) {
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  auto& out = ctx.output(0);
  broadcast_apply<T, T, uint8_t>(a.view<T>(), a.shape, b.view<T>(), b.shape,
                                 out.mutable_view<uint8_t>(), out.shape,
                                 [&](T x, T y) { return uint8_t(op(x, y) ? 1 : 0); });
}

template <class Op>
Kernel compare(Op op) {
  return {compare_prepare, [op](NodeContext& ctx) {
            switch (ctx.input(0).dtype) {
              case DType::Float32:
                return compare_typed<float>(ctx, op);
              case DType::Int32:
                return compare_typed<int32_t>(ctx, op);
              case DType::Int64:
                return compare_typed<int64_t>(ctx, op);
              case DType::Int8:
                return compare_typed<int8_t>(ctx, op);
              case DType::UInt8:
                return compare_typed<uint8_t>(ctx, op);
              case DType::Int16:
                return compare_typed<int16_t>(ctx, op);
              case DType::Bool:
                return compare_typed<uint8_t>(ctx, op);
              default:
                ctx.unsupported("unsupported comparison dtype");
            }
          }};
}

const std::initializer_list<DType> kCompareTypes = {DType::Float32, DType::Int32, DType::Int64,
                                                    DType::Int8,    DType::UInt8, DType::Int16};
const RegisterKernel kLess({"LESS"}, kCompareTypes, compare([](auto x, auto y) { return x < y; }));
const RegisterKernel kGreater({"GREATER"}, kCompareTypes,
                              compare([](auto x, auto y) { return x > y; }));
const RegisterKernel kLessEq({"LESS_EQUAL"}, kCompareTypes,
                             compare([](auto x, auto y) { return x <= y; }));
const RegisterKernel kGreaterEq({"GREATER_EQUAL"}, kCompareTypes,
                                compare([](auto x, auto y) { return x >= y; }));
const RegisterKernel kEqual({"EQUAL"},
                            {DType::Float32, DType::Int32, DType::Int64, DType::Int8, DType::UInt8,
                             DType::Int16, DType::Bool},
                            compare([](auto x, auto y) { return x == y; }));
const RegisterKernel kNotEqual({"NOT_EQUAL"},
                               {DType::Float32, DType::Int32, DType::Int64, DType::Int8,
                                DType::UInt8, DType::Int16, DType::Bool},
                               compare([](auto x, auto y) { return x != y; }));
const RegisterKernel kAnd("LOGICAL_AND", DType::Bool,
                          compare([](auto x, auto y) { return x && y; }));
const RegisterKernel kOr("LOGICAL_OR", DType::Bool, compare([](auto x, auto y) { return x || y; }));
const RegisterKernel kNot("LOGICAL_NOT", DType::Bool,
                          {[](NodeContext& ctx) {
                             ctx.set_output(0, DType::Bool, ctx.input(0).shape);
                           },
                           [](NodeContext& ctx) {
                             const auto in = ctx.in<uint8_t>(0);
                             auto out = ctx.out<uint8_t>(0);
                             for (size_t i = 0; i < size_t(ctx.input(0).element_count()); ++i)
                               out[i] = in[i] ? 0 : 1;
                           }});

// SELECT_V2(cond, x, y): three-way broadcast; SELECT (v1) needs equal shapes or a rank-1 condition
// over the first dimension — handled by the same broadcast after reshaping that condition.
std::vector<int64_t> condition_shape(NodeContext& ctx) {
  auto c = ctx.input(0).shape;
  const auto& x = ctx.input(1).shape;
  if (ctx.node().op.name == "SELECT" && c.size() == 1 && x.size() > 1) c.resize(x.size(), 1);
  return c;
}
void select_prepare(NodeContext& ctx) {
  const auto& x = ctx.input(1);
  const auto& y = ctx.input(2);
  if (x.dtype != y.dtype) ctx.unsupported("x and y differ in dtype");
  auto xy = broadcast_shapes(x.shape, y.shape);
  auto shape = xy ? broadcast_shapes(condition_shape(ctx), *xy) : std::nullopt;
  if (!shape) ctx.unsupported("condition, x and y do not broadcast");
  ctx.set_output(0, x.dtype, *shape);
}
void select_eval(NodeContext& ctx) {
  auto& out = ctx.output(0);
  const size_t es = std::max(1u, dtype_bits(out.dtype) / 8);
  const auto sc = broadcast_strides(condition_shape(ctx), out.shape);
  const auto sx = broadcast_strides(ctx.input(1).shape, out.shape);
  const auto sy = broadcast_strides(ctx.input(2).shape, out.shape);
  const auto cond = ctx.in<uint8_t>(0);
  const auto* x = ctx.input(1).data;
  const auto* y = ctx.input(2).data;
  auto dst = out.mutable_raw();
  const size_t rank = out.shape.size();
  std::vector<int64_t> idx(rank, 0);
  const int64_t n = out.element_count();
  for (int64_t i = 0; i < n; ++i) {
    int64_t ic = 0, ix = 0, iy = 0;
    for (size_t d = 0; d < rank; ++d)
      ic += idx[d] * sc[d], ix += idx[d] * sx[d], iy += idx[d] * sy[d];
    std::memcpy(dst.data() + i * int64_t(es),
                cond[size_t(ic)] ? x + ix * int64_t(es) : y + iy * int64_t(es), es);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < out.shape[d]) break;
      idx[d] = 0;
    }
  }
}
const RegisterKernel kSelect({"SELECT", "SELECT_V2"}, {DType::Bool}, {select_prepare, select_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
