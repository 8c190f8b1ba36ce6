// BATCH_MATMUL, float32: [..., M, K] x [..., K, N] with adj_x / adj_y and broadcast batch
// dimensions; each dot product accumulated over K in order.
#include "batch_matmul_geometry.h"

namespace edgelens::runtime::kernels {
namespace {

void bmm_prepare(NodeContext& ctx) {
  const auto& x = ctx.input(0);
  const auto& y = ctx.input(1);
  if (y.dtype != DType::Float32) ctx.unsupported("hybrid BATCH_MATMUL is not supported");
  if (x.rank() < 2 || y.rank() < 2) ctx.unsupported("operands must have rank >= 2");
  ctx.set_output(0, DType::Float32, batch_matmul_output_shape(ctx));
}

void bmm_eval(NodeContext& ctx) {
  const auto x = ctx.in<float>(0);
  const auto y = ctx.in<float>(1);
  auto out = ctx.out<float>(0);
  for_each_matmul_batch(ctx, [&](const BatchMatmulDims& d, int64_t ox, int64_t oy, int64_t oo) {
    const auto [M, N, K, ax, ay] = d;
    const float* xp = &x[size_t(ox)];
    const float* yp = &y[size_t(oy)];
    float* op = &out[size_t(oo)];
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        float total = 0.f;
        for (int64_t k = 0; k < K; ++k)
          total += (ax ? xp[k * M + m] : xp[m * K + k]) * (ay ? yp[n * K + k] : yp[k * N + n]);
        op[m * N + n] = total;
      }
  });
}

const RegisterKernel kBmm("BATCH_MATMUL", DType::Float32, {bmm_prepare, bmm_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
