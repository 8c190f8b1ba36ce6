// The tflite-micro Signal filter-bank family (signal/src/filter_bank*.cc, square_root_*.cc,
// log.cc): SignalFilterBank (triangular mel weights accumulated in uint64),
// SignalFilterBankSquareRoot (integer square root, then the FFT auto-scale shift undone),
// SignalFilterBankSpectralSubtraction (a per-channel noise estimate kept across invokes and
// subtracted), SignalFilterBankLog (fixed-point natural log scaled to int16).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "signal_common.h"

namespace edgelens::runtime::signal {
namespace {

// ---- SignalFilterBank --------------------------------------------------------------------------

void filter_bank_prepare(NodeContext& ctx) {
  if (ctx.input_count() != 6) ctx.unsupported("SignalFilterBank needs 6 inputs");
  require_dtype(ctx, ctx.input(0), DType::UInt32, "SignalFilterBank input");
  for (size_t i = 1; i < 6; ++i) {
    require_dtype(ctx, ctx.input(i), DType::Int16, "SignalFilterBank weights/starts/widths");
    if (!ctx.input_is_constant(i))
      ctx.unsupported("SignalFilterBank configuration must be constant");
  }
  const int64_t channels = required_option(ctx, "num_channels");
  const auto freq_starts = ctx.in<int16_t>(3);
  const auto weight_starts = ctx.in<int16_t>(4);
  const auto widths = ctx.in<int16_t>(5);
  const auto n = static_cast<size_t>(channels) + 1;
  if (channels <= 0 || freq_starts.size() < n || weight_starts.size() < n || widths.size() < n)
    ctx.unsupported(fmt::format("{} channels need {} starts and widths", channels, n));
  // Every read stays inside the spectrum and the weight tables.
  const auto bins = ctx.input(0).element_count();
  const auto weights =
      static_cast<int64_t>(std::min(ctx.in<int16_t>(1).size(), ctx.in<int16_t>(2).size()));
  for (size_t i = 0; i < n; ++i)
    if (freq_starts[i] < 0 || weight_starts[i] < 0 || widths[i] < 0 ||
        freq_starts[i] + widths[i] > bins || weight_starts[i] + widths[i] > weights)
      ctx.unsupported(fmt::format("filter-bank channel {} reads outside its inputs", i));
  ctx.set_output(0, DType::UInt64, {channels});
}

void filter_bank_eval(NodeContext& ctx) {
  const auto in = ctx.in<uint32_t>(0);
  const auto weights = ctx.in<int16_t>(1);
  const auto unweights = ctx.in<int16_t>(2);
  const auto freq_starts = ctx.in<int16_t>(3);
  const auto weight_starts = ctx.in<int16_t>(4);
  const auto widths = ctx.in<int16_t>(5);
  auto out = ctx.out<uint64_t>(0);
  // Each bin's energy goes to two adjacent channels: weighted to one, "unweighted" (1 - w) to the
  // next. Channel 0 of the accumulation is scratch and is dropped.
  uint64_t weight_acc = 0, unweight_acc = 0;
  for (size_t i = 0; i <= out.size(); ++i) {
    const auto f0 = static_cast<size_t>(freq_starts[i]);
    const auto w0 = static_cast<size_t>(weight_starts[i]);
    for (size_t j = 0; j < static_cast<size_t>(widths[i]); ++j) {
      // int16 weights widen to uint64 like tflite-micro's mixed-type product.
      weight_acc += static_cast<uint64_t>(static_cast<int64_t>(weights[w0 + j])) * in[f0 + j];
      unweight_acc += static_cast<uint64_t>(static_cast<int64_t>(unweights[w0 + j])) * in[f0 + j];
    }
    if (i > 0) out[i - 1] = weight_acc;
    weight_acc = unweight_acc;
    unweight_acc = 0;
  }
}

// ---- SignalFilterBankSquareRoot ----------------------------------------------------------------

// tflite-micro's Sqrt32 / Sqrt64: bitwise integer square root of a U (uint32_t / uint64_t), rounded
// to nearest and saturated to half of U's bits.
template <class U>
U bitwise_sqrt(U num) {
  constexpr int kBits = static_cast<int>(sizeof(U) * 8);
  constexpr U kHalfMax = (U{1} << (kBits / 2)) - 1;
  if (num == 0) return 0;
  U res = 0;
  const uint32_t msb = kBits == 32 ? most_significant_bit32(static_cast<uint32_t>(num))
                                   : most_significant_bit64(num);
  int max_bit_number = kBits - static_cast<int>(msb);
  max_bit_number |= 1;
  U bit = U{1} << (kBits - 1 - max_bit_number);
  int iterations = (kBits - 1 - max_bit_number) / 2 + 1;
  while (iterations--) {
    if (num >= res + bit) {
      num -= res + bit;
      res = (res >> 1U) + bit;
    } else {
      res >>= 1U;
    }
    bit >>= 2U;
  }
  if (num > res && res != kHalfMax) ++res;
  return res;
}

// Sqrt64 falls back to Sqrt32 when the upper word is clear.
uint32_t sqrt64(uint64_t num) {
  if ((num >> 32) == 0) return bitwise_sqrt(static_cast<uint32_t>(num));
  return static_cast<uint32_t>(bitwise_sqrt(num));
}

void sqrt_prepare(NodeContext& ctx) {
  require_dtype(ctx, ctx.input(0), DType::UInt64, "SignalFilterBankSquareRoot input");
  require_dtype(ctx, ctx.input(1), DType::Int32, "SignalFilterBankSquareRoot scale bits");
  if (ctx.input(1).element_count() != 1) ctx.unsupported("scale bits must be a scalar");
  ctx.set_output(0, DType::UInt32, ctx.input(0).shape);
}

void sqrt_eval(NodeContext& ctx) {
  const auto in = ctx.in<uint64_t>(0);
  const int32_t scale_bits = ctx.in<int32_t>(1)[0];
  auto out = ctx.out<uint32_t>(0);
  for (size_t i = 0; i < in.size(); ++i) {
    const uint32_t root = sqrt64(in[i]);
    // A shift of 32 or more (or negative) is undefined in C; such a scale cannot come from
    // SignalFftAutoScale (0..15), so clamp instead of invoking it.
    out[i] = scale_bits >= 0 && scale_bits < 32 ? root >> scale_bits : 0;
  }
}

// ---- SignalFilterBankSpectralSubtraction -------------------------------------------------------

struct SpectralSubtraction {
  uint32_t smoothing = 0, one_minus_smoothing = 0, alternate_smoothing = 0,
           alternate_one_minus_smoothing = 0, min_signal_remaining = 0;
  int smoothing_bits = 0, spectral_subtraction_bits = 0;
  bool clamping = false;
  std::vector<uint32_t> noise_estimate;  // persists across invokes, zero after prepare
};

void spectral_subtraction_prepare(NodeContext& ctx) {
  require_dtype(ctx, ctx.input(0), DType::UInt32, "SignalFilterBankSpectralSubtraction input");
  auto& st = ctx.state<SpectralSubtraction>();
  auto u32 = [&](const char* name) {
    const int64_t v = required_option(ctx, name);
    if (v < 0 || v > std::numeric_limits<uint32_t>::max())
      ctx.unsupported(fmt::format("option {} = {} is out of range", name, v));
    return static_cast<uint32_t>(v);
  };
  st.smoothing = u32("smoothing");
  st.one_minus_smoothing = u32("one_minus_smoothing");
  st.alternate_smoothing = u32("alternate_smoothing");
  st.alternate_one_minus_smoothing = u32("alternate_one_minus_smoothing");
  st.min_signal_remaining = u32("min_signal_remaining");
  st.smoothing_bits = static_cast<int>(u32("smoothing_bits"));
  st.spectral_subtraction_bits = static_cast<int>(u32("spectral_subtraction_bits"));
  if (st.smoothing_bits > 31 || st.spectral_subtraction_bits > 63)
    ctx.unsupported("spectral subtraction shifts out of range");
  st.clamping = ctx.attr_bool("clamping", false);
  const int64_t channels = required_option(ctx, "num_channels");
  if (channels != ctx.input(0).element_count())
    ctx.unsupported(fmt::format("num_channels {} differs from the input's {} elements", channels,
                                ctx.input(0).element_count()));
  st.noise_estimate.assign(static_cast<size_t>(channels), 0);
  ctx.set_output(0, DType::UInt32, ctx.input(0).shape);
  ctx.set_output(1, DType::UInt32, ctx.input(0).shape);
}

void spectral_subtraction_eval(NodeContext& ctx) {
  auto& st = ctx.state<SpectralSubtraction>();
  const auto in = ctx.in<uint32_t>(0);
  auto out = ctx.out<uint32_t>(0);
  auto noise_out = ctx.out<uint32_t>(1);
  for (size_t i = 0; i < in.size(); ++i) {
    // Odd channels use the alternate smoothing coefficients.
    const bool odd = (i & 1) != 0;
    const uint32_t smoothing = odd ? st.alternate_smoothing : st.smoothing;
    const uint32_t one_minus = odd ? st.alternate_one_minus_smoothing : st.one_minus_smoothing;
    const uint32_t signal_scaled_up = in[i] << st.smoothing_bits;
    uint32_t& noise = st.noise_estimate[i];
    noise = static_cast<uint32_t>(
        (uint64_t{signal_scaled_up} * smoothing + uint64_t{noise} * one_minus) >>
        st.spectral_subtraction_bits);
    uint32_t estimate_scaled_up = noise;
    if (estimate_scaled_up > signal_scaled_up) {
      estimate_scaled_up = signal_scaled_up;
      if (st.clamping) noise = estimate_scaled_up;
    }
    const auto floor = static_cast<uint32_t>((uint64_t{in[i]} * st.min_signal_remaining) >>
                                             st.spectral_subtraction_bits);
    const uint32_t subtracted = (signal_scaled_up - estimate_scaled_up) >> st.smoothing_bits;
    out[i] = std::max(subtracted, floor);
  }
  std::copy(st.noise_estimate.begin(), st.noise_estimate.end(), noise_out.begin());
}

// ---- SignalFilterBankLog -----------------------------------------------------------------------

// log2(1 + i/128) - i/128 in 1/65536 units, i = 0..128, plus one padding entry: tflite-micro's
// kLogLut, regenerated from that definition.
const std::array<int32_t, 130>& log_lut() {
  static const auto lut = [] {
    std::array<int32_t, 130> t{};
    for (int i = 0; i <= 128; ++i) {
      const double x = i / 128.0;
      t[static_cast<size_t>(i)] =
          static_cast<int32_t>(std::lround(65536.0 * (std::log2(1.0 + x) - x)));
    }
    return t;
  }();
  return lut;
}

constexpr int kLogScaleLog2 = 16;
constexpr uint32_t kLogScale = 1u << kLogScaleLog2;
constexpr uint64_t kLogCoeff = 45426;  // ln(2) in 1/65536 units

uint32_t log2_fraction_part32(uint32_t x, uint32_t log2x) {
  auto frac = static_cast<int32_t>(x - static_cast<uint32_t>(1ULL << log2x));
  if (log2x < kLogScaleLog2)
    frac = static_cast<int32_t>(static_cast<uint32_t>(frac) << (kLogScaleLog2 - log2x));
  else
    frac >>= log2x - kLogScaleLog2;
  const auto base_seg = static_cast<uint32_t>(frac) >> (kLogScaleLog2 - 7);
  const uint32_t seg_unit = kLogScale >> 7;
  const int32_t c0 = log_lut()[base_seg];
  const int32_t c1 = log_lut()[base_seg + 1];
  const auto seg_base = static_cast<int32_t>(seg_unit * base_seg);
  const int32_t rel_pos = ((c1 - c0) * (frac - seg_base)) >> kLogScaleLog2;
  return static_cast<uint32_t>(frac + c0 + rel_pos);
}

// tflite-micro's Log32: ln(x) * out_scale, fixed point.
uint32_t log32(uint32_t x, uint32_t out_scale) {
  const uint32_t integer = most_significant_bit32(x) - 1;
  const uint32_t fraction = log2_fraction_part32(x, integer);
  const uint32_t log2 = (integer << kLogScaleLog2) + fraction;
  const uint32_t round = kLogScale / 2;
  const auto loge = static_cast<uint32_t>((kLogCoeff * log2 + round) >> kLogScaleLog2);
  return (out_scale * loge + round) >> kLogScaleLog2;
}

void log_prepare(NodeContext& ctx) {
  require_dtype(ctx, ctx.input(0), DType::UInt32, "SignalFilterBankLog input");
  const int64_t scale = required_option(ctx, "output_scale");
  const int64_t bits = required_option(ctx, "input_correction_bits");
  if (scale < 0 || scale > std::numeric_limits<int32_t>::max() || bits < 0 || bits > 31)
    ctx.unsupported("SignalFilterBankLog options out of range");
  ctx.set_output(0, DType::Int16, ctx.input(0).shape);
}

void log_eval(NodeContext& ctx) {
  const auto in = ctx.in<uint32_t>(0);
  auto out = ctx.out<int16_t>(0);
  const auto scale = static_cast<uint32_t>(ctx.attr_int("output_scale"));
  const auto bits = static_cast<int>(ctx.attr_int("input_correction_bits"));
  for (size_t i = 0; i < in.size(); ++i) {
    const uint32_t scaled = in[i] << bits;
    if (scaled > 1) {
      const uint32_t v = log32(scaled, scale);
      out[i] = static_cast<int16_t>(std::min<uint32_t>(v, std::numeric_limits<int16_t>::max()));
    } else {
      out[i] = 0;
    }
  }
}

const RegisterKernel kFilterBank("SignalFilterBank", DType::UInt32,
                                 {filter_bank_prepare, filter_bank_eval});
const RegisterKernel kSqrt("SignalFilterBankSquareRoot", DType::UInt64, {sqrt_prepare, sqrt_eval});
const RegisterKernel kSpectralSubtraction("SignalFilterBankSpectralSubtraction", DType::UInt32,
                                          {spectral_subtraction_prepare,
                                           spectral_subtraction_eval});
const RegisterKernel kLog("SignalFilterBankLog", DType::UInt32, {log_prepare, log_eval});

}  // namespace
}  // namespace edgelens::runtime::signal
