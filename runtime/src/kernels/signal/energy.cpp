// SignalEnergy (tflite-micro signal/src/energy.cc): |X[k]|^2 = re^2 + im^2 of an int16 complex
// spectrum (interleaved re, im) for start_index <= k < end_index, as uint32. tflite-micro leaves
// the other bins unwritten; they are zero here.
#include <algorithm>

#include "signal_common.h"

namespace edgelens::runtime::signal {
namespace {

void energy_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  require_dtype(ctx, input, DType::Int16, "SignalEnergy input");
  if (input.rank() != 1 || input.dim(0) % 2 != 0)
    ctx.unsupported("SignalEnergy input must be a 1-D interleaved complex spectrum");
  const int64_t start = required_option(ctx, "start_index");
  const int64_t end = required_option(ctx, "end_index");
  const int64_t bins = input.dim(0) / 2;
  auto& out = ctx.output(0);
  const int64_t out_bins = out.ir ? out.ir->element_count() : bins;
  if (start < 0 || end < start || end > bins || end > out_bins)
    ctx.unsupported(fmt::format("energy range [{}, {}) outside the {} bins", start, end, bins));
  ctx.set_output(0, DType::UInt32, {out_bins});
}

void energy_eval(NodeContext& ctx) {
  const auto in = ctx.in<int16_t>(0);
  auto out = ctx.out<uint32_t>(0);
  const auto start = static_cast<size_t>(ctx.attr_int("start_index"));
  const auto end = static_cast<size_t>(ctx.attr_int("end_index"));
  std::fill(out.begin(), out.end(), 0u);
  for (size_t k = start; k < end; ++k) {
    const int32_t re = in[2 * k], im = in[2 * k + 1];
    // Computed in int32 like tflite-micro (15-bit parts, so at most 2^31).
    out[k] = static_cast<uint32_t>(re * re) + static_cast<uint32_t>(im * im);
  }
}

const RegisterKernel kEnergy("SignalEnergy", DType::Int16, {energy_prepare, energy_eval});

}  // namespace
}  // namespace edgelens::runtime::signal
