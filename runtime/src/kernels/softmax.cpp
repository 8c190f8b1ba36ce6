// SOFTMAX, LOG_SOFTMAX and L2_NORMALIZATION over the last axis, float32 (reference_ops order).
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void same_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  if (in.rank() < 1) ctx.unsupported("input must have rank >= 1");
  if (ctx.node().op.name == "L2_NORMALIZATION") (void)activation_range(ctx);
  ctx.set_output(0, in.dtype, in.shape);
}

template <class Row>
void for_rows(NodeContext& ctx, Row row) {
  const auto& t = ctx.input(0);
  const auto in = t.view<float>();
  auto out = ctx.out<float>(0);
  const int64_t depth = t.dim(-1);
  const int64_t rows = depth ? t.element_count() / depth : 0;
  for (int64_t r = 0; r < rows; ++r) row(&in[size_t(r * depth)], &out[size_t(r * depth)], depth);
}

void softmax_eval(NodeContext& ctx) {
  const float beta = static_cast<float>(ctx.attr_float("beta", 1.0));
  for_rows(ctx, [&](const float* in, float* out, int64_t depth) {
    float max = std::numeric_limits<float>::lowest();
    for (int64_t c = 0; c < depth; ++c) max = std::max(max, in[c]);
    float sum = 0.f;
    for (int64_t c = 0; c < depth; ++c) {
      const float e = std::exp((in[c] - max) * beta);
      out[c] = e;
      sum += e;
    }
    for (int64_t c = 0; c < depth; ++c) out[c] = out[c] / sum;
  });
}

void log_softmax_eval(NodeContext& ctx) {
  for_rows(ctx, [&](const float* in, float* out, int64_t depth) {
    float max = std::numeric_limits<float>::lowest();
    for (int64_t c = 0; c < depth; ++c) max = std::max(max, in[c]);
    float sum = 0.f;
    for (int64_t c = 0; c < depth; ++c) sum += std::exp(in[c] - max);
    const float log_sum = std::log(sum);
    for (int64_t c = 0; c < depth; ++c) out[c] = in[c] - max - log_sum;
  });
}

void l2_norm_eval(NodeContext& ctx) {
  const auto range = activation_range(ctx);
  for_rows(ctx, [&](const float* in, float* out, int64_t depth) {
    float squared = 0.f;
    for (int64_t c = 0; c < depth; ++c) squared += in[c] * in[c];
    const float norm = std::max(std::sqrt(squared), 1e-6f);
    for (int64_t c = 0; c < depth; ++c) out[c] = clamp_activation(in[c] / norm, range);
  });
}

const RegisterKernel kSoftmax("SOFTMAX", DType::Float32, {same_prepare, softmax_eval});
const RegisterKernel kLogSoftmax("LOG_SOFTMAX", DType::Float32, {same_prepare, log_softmax_eval});
const RegisterKernel kL2("L2_NORMALIZATION", DType::Float32, {same_prepare, l2_norm_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
