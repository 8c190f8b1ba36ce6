// FULLY_CONNECTED, float32 (reference_ops::FullyConnected: dot product over the input depth, then
// bias, then the fused activation). Weights [out, depth].
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void fc_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto& w = ctx.input(1);
  if (w.dtype != DType::Float32)
    ctx.unsupported(fmt::format("float FULLY_CONNECTED with {} weights (hybrid) is not supported",
                                dtype_name(w.dtype)));
  if (w.rank() != 2) ctx.unsupported("weights must have rank 2");
  const auto fmt_name = ctx.attr_string("weights_format", "DEFAULT");
  if (fmt_name != "DEFAULT" && fmt_name != "0")
    ctx.unsupported(fmt::format("weights_format {} is not supported", fmt_name));
  const int64_t depth = w.dim(1), units = w.dim(0);
  const int64_t n = in.element_count();
  if (depth <= 0 || n % depth != 0)
    ctx.unsupported(fmt::format("input of {} elements is not a multiple of depth {}", n, depth));
  (void)activation_range(ctx);
  std::vector<int64_t> shape;
  if (ctx.attr_bool("keep_num_dims", false)) {
    shape = in.shape;
    shape.back() = units;
  } else {
    shape = {n / depth, units};
  }
  ctx.set_output(0, DType::Float32, shape);
}

void fc_eval(NodeContext& ctx) {
  const auto range = activation_range(ctx);
  const auto in = ctx.in<float>(0);
  const auto& w_t = ctx.input(1);
  const auto w = w_t.view<float>();
  const float* bias = ctx.has_input(2) ? ctx.in<float>(2).data() : nullptr;
  auto out = ctx.out<float>(0);
  const int64_t depth = w_t.dim(1), units = w_t.dim(0);
  const int64_t batches = ctx.input(0).element_count() / depth;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t o = 0; o < units; ++o) {
      float total = 0.f;
      const float* ip = &in[size_t(b * depth)];
      const float* wp = &w[size_t(o * depth)];
      for (int64_t d = 0; d < depth; ++d) total += ip[d] * wp[d];
      const float bias_value = bias ? bias[o] : 0.f;
      out[size_t(b * units + o)] = clamp_activation(total + bias_value, range);
    }
}

const RegisterKernel kFc("FULLY_CONNECTED", DType::Float32, {fc_prepare, fc_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
