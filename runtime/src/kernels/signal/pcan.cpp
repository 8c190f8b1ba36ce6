// SignalPCAN (tflite-micro signal/src/pcan_argc_fixed.cc): per-channel energy normalisation. The
// gain for each channel comes from the noise estimate through a piecewise-quadratic lookup table
// (WideDynamicFunction over octaves of the estimate), the gained signal-to-noise ratio is shrunk
// (x^2/4 below 2, x - 1 above) to kPcanOutputBits fractional bits.
#include <algorithm>

#include "signal_common.h"

namespace edgelens::runtime::signal {
namespace {

constexpr int kPcanSnrBits = 12;
constexpr int kPcanOutputBits = 6;

int16_t wide_dynamic_function(uint32_t x, std::span<const int16_t> lut) {
  if (x <= 2) return lut[x];
  const auto interval = static_cast<int16_t>(most_significant_bit32(x));
  const auto base = static_cast<size_t>(4 * interval - 6);
  const auto frac = static_cast<int16_t>(
      ((interval < 11) ? (x << (11 - interval)) : (x >> (interval - 11))) & 0x3FF);
  int32_t result = (int32_t{lut[base + 2]} * frac) >> 5;
  result += static_cast<int32_t>(static_cast<uint32_t>(lut[base + 1]) << 5);
  result *= frac;
  result = (result + (1 << 14)) >> 15;
  result += lut[base];
  return static_cast<int16_t>(result);
}

uint32_t pcan_shrink(uint32_t x) {
  if (x < (2u << kPcanSnrBits)) return (x * x) >> (2 + 2 * kPcanSnrBits - kPcanOutputBits);
  return (x >> (kPcanSnrBits - kPcanOutputBits)) - (1u << kPcanOutputBits);
}

void pcan_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 3) ctx.unsupported("SignalPCAN needs 3 inputs");
  require_dtype(ctx, ctx.input(0), DType::UInt32, "SignalPCAN input");
  require_dtype(ctx, ctx.input(1), DType::UInt32, "SignalPCAN noise estimate");
  require_dtype(ctx, ctx.input(2), DType::Int16, "SignalPCAN gain table");
  const int64_t n = ctx.input(0).element_count();
  if (n <= 0 || ctx.input(1).element_count() != n)
    ctx.unsupported("SignalPCAN input and noise estimate sizes differ");
  // The largest estimate (2^32 - 1, interval 32) reads lut[4 * 32 - 6 + 2].
  if (ctx.input(2).element_count() < 4 * 32 - 6 + 3)
    ctx.unsupported(fmt::format("SignalPCAN gain table has {} entries, needs 125",
                                ctx.input(2).element_count()));
  const int64_t snr_shift = required_option(ctx, "snr_shift");
  if (snr_shift < 0 || snr_shift > 63) ctx.unsupported("snr_shift out of range");
  ctx.set_output(0, DType::UInt32, ctx.input(0).shape);
}

void pcan_eval(NodeContext& ctx) {
  const auto in = ctx.in<uint32_t>(0);
  const auto noise = ctx.in<uint32_t>(1);
  const auto lut = ctx.in<int16_t>(2);
  auto out = ctx.out<uint32_t>(0);
  const auto snr_shift = static_cast<int>(ctx.attr_int("snr_shift"));
  for (size_t i = 0; i < in.size(); ++i) {
    // The int16 gain widens to uint32 as in tflite-micro (sign-extended, then unsigned).
    const auto gain =
        static_cast<uint32_t>(static_cast<int32_t>(wide_dynamic_function(noise[i], lut)));
    const auto snr = static_cast<uint32_t>((uint64_t{in[i]} * gain) >> snr_shift);
    out[i] = pcan_shrink(snr);
  }
}

const RegisterKernel kPcan("SignalPCAN", DType::UInt32, {pcan_prepare, pcan_eval});

}  // namespace
}  // namespace edgelens::runtime::signal
