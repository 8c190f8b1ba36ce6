// BATCH_MATMUL geometry shared by the float (batch_matmul.cpp) and quantized
// (quantized/batch_matmul.cpp) kernels: [..., M, K] x [..., K, N] with adj_x / adj_y and broadcast
// batch dimensions.
#pragma once

#include <vector>

#include "float_util.h"

namespace edgelens::runtime::kernels {

// prepare: checks the inner dimensions and batch broadcast; returns the output shape.
inline std::vector<int64_t> batch_matmul_output_shape(NodeContext& ctx) {
  const auto& x = ctx.input(0);
  const auto& y = ctx.input(1);
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
  return shape;
}

struct BatchMatmulDims {
  int64_t M = 0, N = 0, K = 0;
  bool adj_x = false, adj_y = false;
};

// eval: calls fn(dims, x_offset, y_offset, out_offset) once per output batch, with the element
// offsets of that batch's x [M, K] (or [K, M]), y [K, N] (or [N, K]) and out [M, N] matrices.
template <class Fn>
void for_each_matmul_batch(NodeContext& ctx, Fn&& fn) {
  const auto& xt = ctx.input(0);
  const auto& yt = ctx.input(1);
  const auto& ot = ctx.output(0);
  BatchMatmulDims d;
  d.adj_x = ctx.attr_bool("adj_x");
  d.adj_y = ctx.attr_bool("adj_y");
  d.M = ot.dim(-2);
  d.N = ot.dim(-1);
  d.K = d.adj_x ? xt.dim(-2) : xt.dim(-1);
  const std::vector<int64_t> batch(ot.shape.begin(), ot.shape.end() - 2);
  const std::vector<int64_t> bx(xt.shape.begin(), xt.shape.end() - 2),
      by(yt.shape.begin(), yt.shape.end() - 2);
  const auto sx = broadcast_strides(bx, batch), sy = broadcast_strides(by, batch);
  const int64_t batches = element_count(batch);
  std::vector<int64_t> idx(batch.size(), 0);
  for (int64_t b = 0; b < batches; ++b) {
    int64_t ox = 0, oy = 0;
    for (size_t k = 0; k < batch.size(); ++k) ox += idx[k] * sx[k], oy += idx[k] * sy[k];
    fn(d, ox * d.M * d.K, oy * d.K * d.N, b * d.M * d.N);
    for (size_t k = batch.size(); k-- > 0;) {
      if (++idx[k] < batch[k]) break;
      idx[k] = 0;
    }
  }
}

}  // namespace edgelens::runtime::kernels
