// ExecuTorch elementwise binary kernels: aten::add.out, aten::sub.out (out = self + alpha * other,
// self - alpha * other) and aten::mul.out, with numpy broadcasting.
//
// As the portable kernels (kernels/portable/cpu/op_add.cpp ...): the inputs are promoted to their
// common type (c10::promoteTypes), the result is computed in it — float for float32, double for
// float64, and integers with wrap-around (computed in 64 bits; the low bits equal the narrow
// type's) — and converted to the out tensor's dtype, which must be castable from the common type.
// alpha must be integral for integer and bool inputs.
#include <cmath>

#include "../float_util.h"
#include "aten_util.h"

namespace edgelens::runtime::kernels::aten {
namespace {

enum class BinaryOp { Add, Sub, Mul };

struct BinaryState {
  DType compute = DType::Unknown;
  double alpha = 1.0;
};

void binary_prepare(NodeContext& ctx, BinaryOp op) {
  if (ctx.input_count() != 2 || !ctx.has_input(0) || !ctx.has_input(1))
    ctx.unsupported(
        fmt::format("expects 2 tensor inputs (self, other), got {}; a Scalar 'other' "
                    "is the .Scalar_out overload",
                    ctx.input_count()));
  require_defined_inputs(ctx);
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  const auto compute = promote_types(a.dtype, b.dtype);
  if (!compute)
    ctx.unsupported(
        fmt::format("inputs {} and {}: only bool, integer and float32/float64 tensors "
                    "are implemented",
                    dtype_name(a.dtype), dtype_name(b.dtype)));
  const DType out_dtype = declared_output_dtype(ctx, 0);
  if (!is_plain_numeric(out_dtype))
    ctx.unsupported(fmt::format("output dtype {} is not implemented", dtype_name(out_dtype)));
  if (!can_cast(*compute, out_dtype))
    ctx.unsupported(
        fmt::format("the common type {} of the inputs cannot be cast to the output "
                    "dtype {} (ExecuTorch refuses this too)",
                    dtype_name(*compute), dtype_name(out_dtype)));
  if (op == BinaryOp::Sub && *compute == DType::Bool)
    ctx.unsupported("subtraction of bool tensors is not defined (use logical_xor)");
  auto& state = ctx.state<BinaryState>();
  state.compute = *compute;
  state.alpha = op == BinaryOp::Mul ? 1.0 : ctx.attr_float("alpha", 1.0);
  if (!dtype_is_float(*compute) && state.alpha != std::trunc(state.alpha))
    ctx.unsupported(fmt::format("alpha {} is not integral but the inputs are {}", state.alpha,
                                dtype_name(*compute)));
  const auto shape = broadcast_shapes(a.shape, b.shape);
  if (!shape)
    ctx.unsupported(fmt::format("shapes {} and {} do not broadcast", shape_string(a.shape),
                                shape_string(b.shape)));
  ctx.set_output(0, out_dtype, *shape);
}

// Integer arithmetic wraps around like the fixed-width types of the portable kernels (without the
// undefined behaviour of signed overflow).
int64_t wrap_add(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
}
int64_t wrap_mul(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
}

template <class C>
C apply(BinaryOp op, C x, C y, C alpha) {
  if constexpr (std::is_floating_point_v<C>) {
    switch (op) {
      case BinaryOp::Add:
        return x + alpha * y;
      case BinaryOp::Sub:
        return x - alpha * y;
      case BinaryOp::Mul:
        return x * y;
    }
  } else {
    switch (op) {
      case BinaryOp::Add:
        return wrap_add(x, wrap_mul(alpha, y));
      case BinaryOp::Sub:
        return wrap_add(x, wrap_mul(-alpha, y));
      case BinaryOp::Mul:
        return wrap_mul(x, y);
    }
  }
  return C{};
}

template <class C>
void binary_compute(NodeContext& ctx, BinaryOp op, C alpha) {
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  auto& out = ctx.output(0);
  const auto fn = [&](C x, C y) { return apply<C>(op, x, y, alpha); };
  if constexpr (std::is_same_v<C, float>) {
    if (a.dtype == DType::Float32 && b.dtype == DType::Float32 && out.dtype == DType::Float32) {
      broadcast_apply<float, float, float>(a.view<float>(), a.shape, b.view<float>(), b.shape,
                                           out.mutable_view<float>(), out.shape, fn);
      return;
    }
  }
  const std::vector<C> va = values_as<C>(a), vb = values_as<C>(b);
  std::vector<C> result(static_cast<size_t>(out.element_count()));
  broadcast_apply<C, C, C>(std::span<const C>(va), a.shape, std::span<const C>(vb), b.shape,
                           std::span<C>(result), out.shape, fn);
  store_values<C>(result, out);
}

void binary_eval(NodeContext& ctx, BinaryOp op) {
  const auto& state = ctx.state<BinaryState>();
  switch (state.compute) {
    case DType::Float32:
      return binary_compute<float>(ctx, op, static_cast<float>(state.alpha));
    case DType::Float64:
      return binary_compute<double>(ctx, op, state.alpha);
    default:
      return binary_compute<int64_t>(ctx, op, static_cast<int64_t>(state.alpha));
  }
}

Kernel binary_kernel(BinaryOp op) {
  return {[op](NodeContext& ctx) { binary_prepare(ctx, op); },
          [op](NodeContext& ctx) { binary_eval(ctx, op); }};
}

// Registered for every key dtype: prepare checks the dtypes and names what it refuses.
const RegisterKernel kAdd("aten::add.out", DType::Unknown, binary_kernel(BinaryOp::Add));
const RegisterKernel kSub("aten::sub.out", DType::Unknown, binary_kernel(BinaryOp::Sub));
const RegisterKernel kMul("aten::mul.out", DType::Unknown, binary_kernel(BinaryOp::Mul));

}  // namespace
}  // namespace edgelens::runtime::kernels::aten
