// ATAN2(y, x) elementwise (float32), broadcasting like the other binary ops.
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

void atan2_prepare(NodeContext& ctx) {
  require_dtype(ctx, 1, DType::Float32);
  const auto shape = broadcast_shapes(ctx.input(0).shape, ctx.input(1).shape);
  if (!shape)
    ctx.unsupported(fmt::format("shapes {} and {} do not broadcast",
                                shape_string(ctx.input(0).shape),
                                shape_string(ctx.input(1).shape)));
  ctx.set_output(0, DType::Float32, *shape);
}

void atan2_eval(NodeContext& ctx) {
  auto& out = ctx.output(0);
  broadcast_apply(ctx.in<float>(0), ctx.input(0).shape, ctx.in<float>(1), ctx.input(1).shape,
                  out.mutable_view<float>(), out.shape,
                  [](float y, float x) { return std::atan2(y, x); });
}

const RegisterKernel kAtan2("ATAN2", DType::Float32, {atan2_prepare, atan2_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
