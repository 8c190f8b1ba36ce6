// Float32 activations: RELU RELU6 RELU_N1_TO_1 RELU_0_TO_1 LOGISTIC TANH HARD_SWISH LEAKY_RELU ELU
// GELU PRELU, with TFLite's reference formulas.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void same_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  ctx.set_output(0, in.dtype, in.shape);
}

template <class Op>
Kernel unary(Op op) {
  return {same_prepare, [op](NodeContext& ctx) {
            auto in = ctx.in<float>(0);
            auto out = ctx.out<float>(0);
            const auto n = static_cast<size_t>(ctx.input(0).element_count());
            for (size_t i = 0; i < n; ++i) out[i] = op(ctx, in[i]);
          }};
}

float logistic(float x) {
  // reference_ops::Logistic cut-offs.
  constexpr float kUpper = 16.619047164916992188f;
  constexpr float kLower = -9.f;
  if (x > kUpper) return 1.0f;
  if (x < kLower) return std::exp(x);
  return 1.f / (1.f + std::exp(-x));
}

const RegisterKernel kRelu("RELU", DType::Float32,
                           unary([](NodeContext&, float x) { return std::max(0.f, x); }));
const RegisterKernel kRelu6("RELU6", DType::Float32, unary([](NodeContext&, float x) {
                              return std::min(std::max(0.f, x), 6.f);
                            }));
const RegisterKernel kReluN1("RELU_N1_TO_1", DType::Float32, unary([](NodeContext&, float x) {
                               return std::min(std::max(-1.f, x), 1.f);
                             }));
const RegisterKernel kRelu01("RELU_0_TO_1", DType::Float32, unary([](NodeContext&, float x) {
                               return std::min(std::max(0.f, x), 1.f);
                             }));
const RegisterKernel kLogistic("LOGISTIC", DType::Float32,
                               unary([](NodeContext&, float x) { return logistic(x); }));
const RegisterKernel kTanh("TANH", DType::Float32,
                           unary([](NodeContext&, float x) { return std::tanh(x); }));
const RegisterKernel kHardSwish("HARD_SWISH", DType::Float32, unary([](NodeContext&, float x) {
                                  return x * std::min(6.f, std::max(0.f, x + 3.f)) / 6.f;
                                }));
const RegisterKernel kLeaky("LEAKY_RELU", DType::Float32, unary([](NodeContext& ctx, float x) {
                              const float alpha = static_cast<float>(ctx.attr_float("alpha", 0.2));
                              return x > 0 ? x : x * alpha;
                            }));
const RegisterKernel kElu("ELU", DType::Float32,
                          unary([](NodeContext&, float x) { return x < 0 ? std::expm1(x) : x; }));
const RegisterKernel kGelu("GELU", DType::Float32, unary([](NodeContext& ctx, float x) {
                             if (ctx.attr_bool("approximate", false)) {
                               constexpr float kSqrt2OverPi = 0.7978845608028654f;
                               return 0.5f * x *
                                      (1.f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
                             }
                             return 0.5f * x * (1.f + std::erf(x * 0.7071067811865476f));
                           }));

void prelu_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  auto shape = broadcast_shapes(in.shape, ctx.input(1).shape);
  if (!shape) ctx.unsupported("alpha does not broadcast to the input");
  ctx.set_output(0, in.dtype, *shape);
}
void prelu_eval(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto& alpha = ctx.input(1);
  auto& out = ctx.output(0);
  broadcast_apply<float, float, float>(in.view<float>(), in.shape, alpha.view<float>(), alpha.shape,
                                       out.mutable_view<float>(), out.shape,
                                       [](float x, float a) { return x >= 0.f ? x : x * a; });
}
const RegisterKernel kPrelu("PRELU", DType::Float32, {prelu_prepare, prelu_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
