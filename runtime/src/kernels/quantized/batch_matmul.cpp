// Quantized BATCH_MATMUL as TFLite's reference kernel computes it
// (reference_ops::BatchMatMul<T, AccumT> with FullyConnectedParams): per-tensor scales, one
// multiplier formed like GetQuantizedConvolutionMultipler (float product of the input scales,
// divided in double), each dot product sum((x - zx) * (y - zy)) accumulated exactly, then
// requantized and clamped to the output type (BATCH_MATMUL has no fused activation).
//   int8:  int32 accumulator, MultiplyByQuantizedMultiplier (gemmlowp double rounding);
//   int16: int64 accumulator, the 64-bit MultiplyByQuantizedMultiplier; zero points must be 0;
//   int16 x int8 (LiteRT's EvalInt16Int8): as int16, with an int8 right-hand side.
// The accumulation is exact integer arithmetic, so the loop order (TFLite swaps the operands and
// transposes them) cannot change the result.
#include "../batch_matmul_geometry.h"
#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct BmmState {
  int32_t x_zero_point = 0, y_zero_point = 0, output_zero_point = 0;
  quant::Multiplier m;
};

void bmm_prepare(NodeContext& ctx) {
  const auto& x = ctx.input(0);
  const auto& y = ctx.input(1);
  if (y.dtype != x.dtype && !(x.dtype == DType::Int16 && y.dtype == DType::Int8))
    ctx.unsupported(
        fmt::format("operand dtypes {} and {}", dtype_name(x.dtype), dtype_name(y.dtype)));
  if (x.rank() < 2 || y.rank() < 2) ctx.unsupported("operands must have rank >= 2");
  if (x.rank() > 5 || y.rank() > 5) ctx.unsupported("operands of rank above 5");
  if (x.quant().scales.size() > 1) ctx.unsupported("per-channel quantized lhs");
  const QParams xq = qparams(ctx, x, "lhs");
  const QParams yq = qparams(ctx, y, "rhs");
  const QParams oq = qparams(ctx, ctx.output(0), "output");
  const DType out_type = declared_dtype(ctx, 0);
  if (out_type != x.dtype)
    ctx.unsupported(
        fmt::format("{} output for {} operands", dtype_name(out_type), dtype_name(x.dtype)));
  if (x.dtype == DType::Int16 && (xq.zero_point != 0 || yq.zero_point != 0 || oq.zero_point != 0))
    ctx.unsupported("int16 BATCH_MATMUL needs zero points 0");
  auto& st = ctx.state<BmmState>();
  st.x_zero_point = xq.zero_point;
  st.y_zero_point = yq.zero_point;
  st.output_zero_point = oq.zero_point;
  // TFLite forms the multiplier from the tensors' legacy per-tensor scale, which is 0 for a
  // per-channel (several scales) rhs: its BATCH_MATMUL then outputs the zero point everywhere.
  // EdgeLens reproduces that, since it reports what TFLite computes.
  const float y_scale = y.quant().scales.size() == 1 ? yq.scale : 0.0f;
  const double product = static_cast<double>(xq.scale * y_scale);
  st.m = quant::quantize_multiplier(product / static_cast<double>(oq.scale));

  ctx.set_output(0, x.dtype, kernels::batch_matmul_output_shape(ctx));
}

template <class T, class Acc, class TY = T>
void bmm_typed(NodeContext& ctx) {
  const auto& st = ctx.state<BmmState>();
  const auto x = ctx.in<T>(0);
  const auto y = ctx.in<TY>(1);
  auto out = ctx.out<T>(0);
  const int32_t lo = quant::qmin<T>(), hi = quant::qmax<T>();
  kernels::for_each_matmul_batch(
      ctx, [&](const kernels::BatchMatmulDims& d, int64_t ox, int64_t oy, int64_t oo) {
        const auto [M, N, K, ax, ay] = d;
        const T* xp = &x[size_t(ox)];
        const TY* yp = &y[size_t(oy)];
        T* op = &out[size_t(oo)];
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 0; n < N; ++n) {
            Acc total = 0;
            for (int64_t k = 0; k < K; ++k) {
              const Acc xv = static_cast<Acc>(ax ? xp[k * M + m] : xp[m * K + k]) - st.x_zero_point;
              const Acc yv = static_cast<Acc>(ay ? yp[n * K + k] : yp[k * N + n]) - st.y_zero_point;
              total += xv * yv;
            }
            int32_t v = quant::multiply_by_quantized_multiplier(total, st.m.multiplier, st.m.shift);
            v += st.output_zero_point;
            op[m * N + n] = static_cast<T>(std::clamp(v, lo, hi));
          }
      });
}

void bmm_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Int8:
      bmm_typed<int8_t, int32_t>(ctx);
      break;
    case DType::Int16:
      if (ctx.input(1).dtype == DType::Int8)
        bmm_typed<int16_t, int64_t, int8_t>(ctx);
      else
        bmm_typed<int16_t, int64_t>(ctx);
      break;
    default:
      ctx.unsupported("BATCH_MATMUL dtype");
  }
}

const RegisterKernel kBmmQ({"BATCH_MATMUL"}, {DType::Int8, DType::Int16}, {bmm_prepare, bmm_eval});

}  // namespace
}  // namespace edgelens::runtime
