// BATCH_MATMUL, float32: [..., M, K] x [..., K, N] with adj_x / adj_y and broadcast batch
// dimensions; each dot product accumulated over K in order.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void bmm_prepare(NodeContext& ctx) {
  const auto& x = ctx.input(0);
  const auto& y = ctx.input(1);
  if (y.dtype != DType::Float32) ctx.unsupported("hybrid BATCH_MATMUL is not supported");
  if (x.rank() < 2 || y.rank() < 2) ctx.unsupported("operands must have rank >= 2");
  const bool ax = ctx.attr_bool("adj_x"), ay = ctx.attr_bool("adj_y");
  const int64_t M = ax ? x.dim(-1) : x.dim(-2), K = ax ? x.dim(-2) : x.dim(-1);
  const int64_t K2 = ay ? y.dim(-1) : y.dim(-2), N = ay ? y.dim(-2) : y.dim(-1);
  if (K != K2) ctx.unsupported(fmt::format("inner dimensions {} and {} differ", K, K2));
  const std::vector<int64_t> bx(x.shape.begin(), x.shape.end() - 2),
      by(y.shape.begin(), y.shape.end() - 2);
  auto batch = broadcast_shapes(bx, by);
  if (!batch) ctx.unsupported("batch dimensions do not broadcast");
  auto shape = *batch;
  shape.push_back(M);
  shape.push_back(N);
  ctx.set_output(0, DType::Float32, shape);
}

void bmm_eval(NodeContext& ctx) {
  const auto& xt = ctx.input(0);
  const auto& yt = ctx.input(1);
  auto& ot = ctx.output(0);
  const auto x = xt.view<float>();
  const auto y = yt.view<float>();
  auto out = ot.mutable_view<float>();
  const bool ax = ctx.attr_bool("adj_x"), ay = ctx.attr_bool("adj_y");
  const int64_t M = ot.dim(-2), N = ot.dim(-1), K = ax ? xt.dim(-2) : xt.dim(-1);
  const std::vector<int64_t> batch(ot.shape.begin(), ot.shape.end() - 2);
  const std::vector<int64_t> bx(xt.shape.begin(), xt.shape.end() - 2),
      by(yt.shape.begin(), yt.shape.end() - 2);
  const auto sx = broadcast_strides(bx, batch), sy = broadcast_strides(by, batch);
  const int64_t batches = element_count(batch);
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t b = 0; b < batches; ++b) {
    int64_t ox = 0, oy = 0;
    for (size_t d = 0; d < batch.size(); ++d) ox += idx[d] * sx[d], oy += idx[d] * sy[d];
    const float* xp = &x[size_t(ox * M * K)];
    const float* yp = &y[size_t(oy * K * N)];
    float* op = &out[size_t(b * M * N)];
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        float total = 0.f;
        for (int64_t k = 0; k < K; ++k)
          total += (ax ? xp[k * M + m] : xp[m * K + k]) * (ay ? yp[n * K + k] : yp[k * N + n]);
        op[m * N + n] = total;
      }
    for (size_t d = batch.size(); d-- > 0;) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
}

const RegisterKernel kBmm("BATCH_MATMUL", DType::Float32, {bmm_prepare, bmm_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
