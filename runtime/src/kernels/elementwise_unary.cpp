// Float32 elementwise unary math: ABS NEG EXP LOG SQRT RSQRT SQUARE SIN COS FLOOR CEIL ROUND SIGN
// (and int32 ABS/NEG/SQUARE/SIGN).
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void same_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  ctx.set_output(0, in.dtype, in.shape);
}

template <class T, class Op>
Kernel unary(Op op) {
  return {same_prepare, [op](NodeContext& ctx) {
            auto in = ctx.in<T>(0);
            auto out = ctx.out<T>(0);
            const auto n = static_cast<size_t>(ctx.input(0).element_count());
            for (size_t i = 0; i < n; ++i) out[i] = op(in[i]);
          }};
}

// TfLiteRound / std::round semantics differ: TFLite's ROUND op rounds half to even.
float round_half_even(float x) {
  const float floor_val = std::floor(x);
  const float diff = x - floor_val;
  if (diff < 0.5f || (diff == 0.5f && std::fmod(floor_val, 2.0f) == 0)) return floor_val;
  return floor_val + 1.0f;
}

const RegisterKernel kAbs("ABS", DType::Float32, unary<float>([](float x) { return std::abs(x); }));
const RegisterKernel kNeg("NEG", DType::Float32, unary<float>([](float x) { return -x; }));
const RegisterKernel kExp("EXP", DType::Float32, unary<float>([](float x) { return std::exp(x); }));
const RegisterKernel kLog("LOG", DType::Float32, unary<float>([](float x) { return std::log(x); }));
const RegisterKernel kSqrt("SQRT", DType::Float32,
                           unary<float>([](float x) { return std::sqrt(x); }));
const RegisterKernel kRsqrt("RSQRT", DType::Float32,
                            unary<float>([](float x) { return 1.f / std::sqrt(x); }));
const RegisterKernel kSquare("SQUARE", DType::Float32, unary<float>([](float x) { return x * x; }));
const RegisterKernel kSin("SIN", DType::Float32, unary<float>([](float x) { return std::sin(x); }));
const RegisterKernel kCos("COS", DType::Float32, unary<float>([](float x) { return std::cos(x); }));
const RegisterKernel kFloor("FLOOR", DType::Float32,
                            unary<float>([](float x) { return std::floor(x); }));
const RegisterKernel kCeil("CEIL", DType::Float32,
                           unary<float>([](float x) { return std::ceil(x); }));
const RegisterKernel kRound("ROUND", DType::Float32, unary<float>(round_half_even));
const RegisterKernel kSign("SIGN", DType::Float32,
                           unary<float>([](float x) { return float((0.f < x) - (x < 0.f)); }));
const RegisterKernel kAbsI("ABS", DType::Int32,
                           unary<int32_t>([](int32_t x) { return x < 0 ? -x : x; }));
const RegisterKernel kNegI("NEG", DType::Int32, unary<int32_t>([](int32_t x) { return -x; }));
const RegisterKernel kNegL("NEG", DType::Int64, unary<int64_t>([](int64_t x) { return -x; }));
const RegisterKernel kSquareI("SQUARE", DType::Int32,
                              unary<int32_t>([](int32_t x) { return x * x; }));
const RegisterKernel kSignI("SIGN", DType::Int32,
                            unary<int32_t>([](int32_t x) { return int32_t((0 < x) - (x < 0)); }));

}  // namespace
}  // namespace edgelens::runtime::kernels
