// SignalWindow (tflite-micro signal/src/window.cc): out = saturate_int16((in * window) >> shift),
// the int16 window applied to every frame of the innermost dimension.
#include <algorithm>
#include <limits>

#include "signal_common.h"

namespace edgelens::runtime::signal {
namespace {

void window_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& window = ctx.input(1);
  require_dtype(ctx, input, DType::Int16, "SignalWindow input");
  require_dtype(ctx, window, DType::Int16, "SignalWindow weights");
  if (input.rank() < 1 || window.rank() != 1 || window.dim(0) != input.dim(-1))
    ctx.unsupported(fmt::format("window of shape {} does not match input frames of shape {}",
                                shape_string(window.shape), shape_string(input.shape)));
  const int64_t shift = required_option(ctx, "shift");
  if (shift < 0 || shift > 31)
    ctx.unsupported(fmt::format("window shift {} is out of range", shift));
  ctx.set_output(0, DType::Int16, input.shape);
}

void window_eval(NodeContext& ctx) {
  const auto in = ctx.in<int16_t>(0);
  const auto window = ctx.in<int16_t>(1);
  auto out = ctx.out<int16_t>(0);
  const auto shift = static_cast<int>(ctx.attr_int("shift"));
  const size_t n = window.size();
  for (size_t i = 0; i < in.size(); ++i) {
    const int32_t raw = (int32_t{in[i]} * int32_t{window[i % n]}) >> shift;
    out[i] = static_cast<int16_t>(std::clamp<int32_t>(raw, std::numeric_limits<int16_t>::min(),
                                                      std::numeric_limits<int16_t>::max()));
  }
}

const RegisterKernel kWindow("SignalWindow", DType::Int16, {window_prepare, window_eval});

}  // namespace
}  // namespace edgelens::runtime::signal
