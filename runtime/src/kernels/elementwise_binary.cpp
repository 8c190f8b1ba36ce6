// Float32/int32/int64 elementwise binary ops with numpy broadcasting: ADD SUB MUL DIV MAXIMUM
// MINIMUM POW SQUARED_DIFFERENCE FLOOR_DIV FLOOR_MOD. (Quantized variants: kernels/quantized/.)
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void binary_prepare(NodeContext& ctx) {
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  if (a.dtype != b.dtype)
    ctx.unsupported(fmt::format("inputs are {} and {}", dtype_name(a.dtype), dtype_name(b.dtype)));
  auto shape = broadcast_shapes(a.shape, b.shape);
  if (!shape)
    ctx.unsupported(fmt::format("shapes {} and {} do not broadcast", shape_string(a.shape),
                                shape_string(b.shape)));
  if (ctx.has_attr("fused_activation_function")) (void)activation_range(ctx);
  ctx.set_output(0, a.dtype, *shape);
}

template <class T, class Fn>
void run(NodeContext& ctx, Fn fn) {
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  auto& out = ctx.output(0);
  broadcast_apply<T, T, T>(a.view<T>(), a.shape, b.view<T>(), b.shape, out.mutable_view<T>(),
                           out.shape, fn);
}

// Float ops apply the fused activation to the op's result, as TFLite does.
template <class Op>
KernelFn float_eval(Op op) {
  return [op](NodeContext& ctx) {
    const auto range =
        ctx.has_attr("fused_activation_function") ? activation_range(ctx) : FloatRange{};
    run<float>(ctx, [&](float x, float y) { return clamp_activation(op(x, y), range); });
  };
}

template <class T>
T int_activation(NodeContext& ctx, T v) {
  switch (ctx.has_attr("fused_activation_function") ? ctx.activation() : FusedActivation::None) {
    case FusedActivation::Relu:
      return std::max<T>(v, 0);
    case FusedActivation::Relu6:
      return std::clamp<T>(v, 0, 6);
    case FusedActivation::ReluN1To1:
      return std::clamp<T>(v, -1, 1);
    default:
      return v;
  }
}

template <class T, class Op>
KernelFn int_eval(Op op) {
  return [op](NodeContext& ctx) {
    run<T>(ctx, [&](T x, T y) { return int_activation(ctx, op(x, y)); });
  };
}

template <class Op>
void register_all(std::string_view name, Op op, std::vector<RegisterKernel>& keep) {
  keep.emplace_back(name, DType::Float32, Kernel{binary_prepare, float_eval(op)});
  keep.emplace_back(name, DType::Int32, Kernel{binary_prepare, int_eval<int32_t>(op)});
  keep.emplace_back(name, DType::Int64, Kernel{binary_prepare, int_eval<int64_t>(op)});
}

struct Registrar {
  std::vector<RegisterKernel> keep;
  Registrar() {
    register_all(
        "ADD", [](auto x, auto y) { return x + y; }, keep);
    register_all(
        "SUB", [](auto x, auto y) { return x - y; }, keep);
    register_all(
        "MUL", [](auto x, auto y) { return x * y; }, keep);
    register_all(
        "MAXIMUM", [](auto x, auto y) { return std::max(x, y); }, keep);
    register_all(
        "MINIMUM", [](auto x, auto y) { return std::min(x, y); }, keep);
    register_all(
        "SQUARED_DIFFERENCE", [](auto x, auto y) { return (x - y) * (x - y); }, keep);
    keep.emplace_back("DIV", DType::Float32,
                      Kernel{binary_prepare, float_eval([](float x, float y) { return x / y; })});
    keep.emplace_back("DIV", DType::Int32,
                      Kernel{binary_prepare, int_eval<int32_t>([](int32_t x, int32_t y) {
                               if (y == 0) throw std::domain_error("integer division by zero");
                               return x / y;
                             })});
    keep.emplace_back(
        "POW", DType::Float32,
        Kernel{binary_prepare, float_eval([](float x, float y) { return std::pow(x, y); })});
    keep.emplace_back("POW", DType::Int32,
                      Kernel{binary_prepare, int_eval<int32_t>([](int32_t x, int32_t y) {
                               int32_t r = 1;
                               for (int32_t k = 0; k < y; ++k) r *= x;
                               return r;
                             })});
    keep.emplace_back(
        "FLOOR_DIV", DType::Float32,
        Kernel{binary_prepare, float_eval([](float x, float y) { return std::floor(x / y); })});
    keep.emplace_back("FLOOR_DIV", DType::Int32,
                      Kernel{binary_prepare, int_eval<int32_t>([](int32_t x, int32_t y) {
                               if (y == 0) throw std::domain_error("integer division by zero");
                               return static_cast<int32_t>(std::floor(double(x) / double(y)));
                             })});
    keep.emplace_back("FLOOR_MOD", DType::Float32,
                      Kernel{binary_prepare, float_eval([](float x, float y) {
                               const float r = std::fmod(x, y);
                               return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
                             })});
    keep.emplace_back("FLOOR_MOD", DType::Int32,
                      Kernel{binary_prepare, int_eval<int32_t>([](int32_t x, int32_t y) {
                               if (y == 0) throw std::domain_error("integer division by zero");
                               const int32_t r = x % y;
                               return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
                             })});
  }
};
const Registrar kRegistrar;

}  // namespace
}  // namespace edgelens::runtime::kernels
