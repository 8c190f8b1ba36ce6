// tflite-micro Signal custom ops on the micro_speech audio preprocessors
// (../shared/fixtures/tflite/micro/audio_preprocessor_{int8,float}.tflite).
//
// No external oracle exists for these models: no reference output in fixtures/reference, and
// neither peer runtime (LiteRT.js, tfjs-tflite) has the TFLM-only Signal ops. So every node is
// checked against what its op is defined to compute, with independent arithmetic in this file:
// a naive double-precision DFT for the fixed-point FFT, std::sqrt / std::log for the integer
// square root and logarithm, the smoothing recurrence of spectral subtraction in real numbers,
// and a pure tone whose energy must land in the FFT bin and mel channel of its frequency.
// docs/conformance.md says these ops are not checked against TFLite.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "edgelens/model_io/open.h"
#include "edgelens/runtime/interpreter.h"
#include "shared_dir.h"

namespace {

using namespace edgelens;
using namespace edgelens::runtime;

constexpr int kFrame = 480;      // input samples (30 ms at 16 kHz)
constexpr int kFftLength = 512;  // SignalRfft fft_length
constexpr int kToneBin = 40;     // 1250 Hz: an exact FFT bin

struct PreprocessorRun {
  std::unique_ptr<Model> model;
  std::unique_ptr<Interpreter> interp;
  const Node& node(const std::string& op) const {
    for (const auto& n : model->graphs[0].nodes)
      if (n.op.name == op) return n;
    throw std::runtime_error("no " + op + " node");
  }
  template <class T>
  std::vector<T> in(const std::string& op, size_t i) const {
    return values<T>(node(op).inputs[i]);
  }
  template <class T>
  std::vector<T> out(const std::string& op, size_t i = 0) const {
    return values<T>(node(op).outputs[i]);
  }
  template <class T>
  std::vector<T> values(int32_t id) const {
    const auto& t = interp->tensor(0, static_cast<uint32_t>(id));
    std::vector<T> v(t.bytes / sizeof(T));
    std::memcpy(v.data(), t.data, v.size() * sizeof(T));
    return v;
  }
  int64_t attr(const std::string& op, const std::string& name) const {
    for (const auto& a : node(op).attrs)
      if (a.name == name) {
        if (const auto* i = std::get_if<int64_t>(&a.value)) return *i;
        if (const auto* b = std::get_if<bool>(&a.value)) return *b;
      }
    throw std::runtime_error("no option " + name);
  }
};

std::vector<int16_t> tone(double amplitude) {
  std::vector<int16_t> x(kFrame);
  for (int n = 0; n < kFrame; ++n)
    x[static_cast<size_t>(n)] = static_cast<int16_t>(
        std::lround(amplitude * std::sin(2 * std::numbers::pi * kToneBin * n / kFftLength)));
  return x;
}

PreprocessorRun run_model(const std::string& name, const std::vector<int16_t>& samples,
                          int invokes = 1) {
  PreprocessorRun r;
  r.model = open_model((edgelens::testing::fixtures_dir() / "tflite/micro" / name).string());
  r.interp = std::make_unique<Interpreter>(*r.model, InterpreterOptions{.keep_all_tensors = true});
  if (!r.interp->ready()) {
    std::string why;
    for (const auto& u : r.interp->unsupported()) why += u.to_string() + "; ";
    throw std::runtime_error(name + " cannot run: " + why);
  }
  auto& input = r.interp->input(0);
  for (int i = 0; i < invokes; ++i) {
    std::memcpy(input.data, samples.data(), samples.size() * sizeof(int16_t));
    r.interp->invoke();
  }
  return r;
}

class SignalOps : public ::testing::TestWithParam<std::string> {};

TEST_P(SignalOps, EveryNodeComputesItsDefinition) {
  EDGELENS_REQUIRE_SHARED();
  const auto x = tone(6000);
  const PreprocessorRun r = run_model(GetParam(), x);

  // SignalWindow: (x * w) >> shift, saturated to int16; the window peaks near 1.0 (Q12 here).
  const auto w = r.in<int16_t>("SignalWindow", 1);
  const auto windowed = r.out<int16_t>("SignalWindow");
  const int shift = static_cast<int>(r.attr("SignalWindow", "shift"));
  ASSERT_EQ(windowed.size(), size_t{kFrame});
  for (size_t i = 0; i < windowed.size(); ++i)
    ASSERT_EQ(windowed[i], std::clamp((int32_t{x[i]} * w[i]) >> shift, -32768, 32767)) << i;

  // SignalFftAutoScale: the largest |value| lands in [2^14, 2^15) by a left shift it reports.
  const auto scaled = r.out<int16_t>("SignalFftAutoScale", 0);
  const int bits = r.out<int32_t>("SignalFftAutoScale", 1).at(0);
  int max_abs = 0;
  for (size_t i = 0; i < scaled.size(); ++i) {
    ASSERT_EQ(scaled[i], windowed[i] * (1 << bits)) << i;
    max_abs = std::max(max_abs, std::abs(int{scaled[i]}));
  }
  EXPECT_GE(max_abs, 1 << 14);
  EXPECT_LT(max_abs, 1 << 15);

  // SignalRfft: the zero-padded frame's DFT divided by the FFT length (kissfft's fixed point
  // halves at every radix-2 stage), within a few LSBs of fixed-point rounding.
  const auto spectrum = r.out<int16_t>("SignalRfft");
  ASSERT_EQ(spectrum.size(), size_t{2 * (kFftLength / 2 + 1)});
  double worst = 0;
  for (int k = 0; k <= kFftLength / 2; ++k) {
    double re = 0, im = 0;
    for (int n = 0; n < kFrame; ++n) {
      const double phase = -2 * std::numbers::pi * k * n / kFftLength;
      re += scaled[static_cast<size_t>(n)] * std::cos(phase);
      im += scaled[static_cast<size_t>(n)] * std::sin(phase);
    }
    worst = std::max({worst, std::abs(spectrum[2 * size_t(k)] - re / kFftLength),
                      std::abs(spectrum[2 * size_t(k) + 1] - im / kFftLength)});
  }
  EXPECT_LE(worst, 6.0) << "fixed-point FFT vs double DFT / N";

  // SignalEnergy: re^2 + im^2 over [start, end); the tone's bin has the most energy.
  const auto energy = r.out<uint32_t>("SignalEnergy");
  const auto start = static_cast<size_t>(r.attr("SignalEnergy", "start_index"));
  const auto end = static_cast<size_t>(r.attr("SignalEnergy", "end_index"));
  size_t peak = start;
  for (size_t k = start; k < end; ++k) {
    const int64_t re = spectrum[2 * k], im = spectrum[2 * k + 1];
    ASSERT_EQ(energy[k], static_cast<uint32_t>(re * re + im * im)) << k;
    if (energy[k] > energy[peak]) peak = k;
  }
  EXPECT_EQ(peak, size_t{kToneBin});

  // SignalFilterBank: triangular weights; channel c sums w * E over its bins plus (1 - w) * E
  // over the previous channel's bins (exact integer sums, recomputed here in 64 bits).
  const auto fb_in = r.in<uint32_t>("SignalFilterBank", 0);
  const auto weights = r.in<int16_t>("SignalFilterBank", 1);
  const auto unweights = r.in<int16_t>("SignalFilterBank", 2);
  const auto freq_starts = r.in<int16_t>("SignalFilterBank", 3);
  const auto weight_starts = r.in<int16_t>("SignalFilterBank", 4);
  const auto widths = r.in<int16_t>("SignalFilterBank", 5);
  const auto mel = r.out<uint64_t>("SignalFilterBank");
  const auto channels = static_cast<size_t>(r.attr("SignalFilterBank", "num_channels"));
  ASSERT_EQ(mel.size(), channels);
  size_t mel_peak = 0;
  for (size_t c = 0; c < channels; ++c) {
    uint64_t expected = 0;  // at most 2^31 * 2^12 * 256 bins: no overflow
    for (int j = 0; j < widths[c + 1]; ++j)
      expected += static_cast<uint64_t>(weights[size_t(weight_starts[c + 1] + j)]) *
                  fb_in[size_t(freq_starts[c + 1] + j)];
    for (int j = 0; j < widths[c]; ++j)
      expected += static_cast<uint64_t>(unweights[size_t(weight_starts[c] + j)]) *
                  fb_in[size_t(freq_starts[c] + j)];
    ASSERT_EQ(mel[c], expected) << "channel " << c;
    if (mel[c] > mel[mel_peak]) mel_peak = c;
  }
  // The loudest channel's band (its bins, or the previous channel's that it also collects)
  // contains the tone.
  const auto band_has_tone = [&](size_t i) {
    return freq_starts[i] <= kToneBin && kToneBin < freq_starts[i] + widths[i];
  };
  EXPECT_TRUE(band_has_tone(mel_peak) || band_has_tone(mel_peak + 1)) << "channel " << mel_peak;

  // SignalFilterBankSquareRoot: round(sqrt(x)) >> scale bits (the FFT auto-scale undone).
  const auto roots = r.out<uint32_t>("SignalFilterBankSquareRoot");
  for (size_t c = 0; c < channels; ++c) {
    const auto expected =
        static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(mel[c])))) >> bits;
    EXPECT_LE(std::abs(static_cast<int64_t>(roots[c]) - expected), 1) << c;
  }

  // SignalFilterBankSpectralSubtraction from a zero noise estimate: estimate = s * x (s the even or
  // odd channel's smoothing), output = max(x - estimate, x * min_signal_remaining).
  const auto sub_out = r.out<uint32_t>("SignalFilterBankSpectralSubtraction", 0);
  const auto noise = r.out<uint32_t>("SignalFilterBankSpectralSubtraction", 1);
  const double one = std::ldexp(1.0, static_cast<int>(r.attr("SignalFilterBankSpectralSubtraction",
                                                             "spectral_subtraction_bits")));
  for (size_t c = 0; c < channels; ++c) {
    const double s = static_cast<double>(r.attr("SignalFilterBankSpectralSubtraction",
                                                c % 2 ? "alternate_smoothing" : "smoothing")) /
                     one;
    const double floor_frac =
        static_cast<double>(r.attr("SignalFilterBankSpectralSubtraction", "min_signal_remaining")) /
        one;
    const double smoothing_scale = std::ldexp(
        1.0, static_cast<int>(r.attr("SignalFilterBankSpectralSubtraction", "smoothing_bits")));
    EXPECT_NEAR(noise[c], roots[c] * s * smoothing_scale, 1.0) << c;
    EXPECT_NEAR(sub_out[c], std::max(roots[c] * (1 - s), roots[c] * floor_frac), 1.0) << c;
  }

  // SignalFilterBankLog: output_scale * ln(x << input_correction_bits), 0 for x <= 1.
  const auto log_in = r.in<uint32_t>("SignalFilterBankLog", 0);
  const auto logs = r.out<int16_t>("SignalFilterBankLog");
  const double out_scale = static_cast<double>(r.attr("SignalFilterBankLog", "output_scale"));
  const int correction = static_cast<int>(r.attr("SignalFilterBankLog", "input_correction_bits"));
  int positive = 0;
  for (size_t c = 0; c < channels; ++c) {
    const double v = static_cast<double>(log_in[c]) * std::ldexp(1.0, correction);
    const double expected = v > 1 ? std::min(out_scale * std::log(v), 32767.0) : 0.0;
    EXPECT_NEAR(logs[c], expected, 2.0) << c;
    positive += logs[c] > 0;
  }
  EXPECT_GT(positive, 0);
}

// Spectral subtraction keeps its noise estimate across invokes: the same frame again raises the
// estimate towards the signal (estimate_2 = s x + (1 - s) estimate_1), so the output drops.
TEST_P(SignalOps, NoiseEstimatePersistsAcrossInvokes) {
  EDGELENS_REQUIRE_SHARED();
  const auto x = tone(6000);
  const PreprocessorRun once = run_model(GetParam(), x, 1);
  const PreprocessorRun twice = run_model(GetParam(), x, 2);
  const auto n1 = once.out<uint32_t>("SignalFilterBankSpectralSubtraction", 1);
  const auto n2 = twice.out<uint32_t>("SignalFilterBankSpectralSubtraction", 1);
  const auto o1 = once.out<uint32_t>("SignalFilterBankSpectralSubtraction", 0);
  const auto o2 = twice.out<uint32_t>("SignalFilterBankSpectralSubtraction", 0);
  ASSERT_EQ(n1.size(), n2.size());
  int grew = 0;
  for (size_t c = 0; c < n1.size(); ++c) {
    EXPECT_GE(n2[c], n1[c]) << c;
    EXPECT_LE(o2[c], o1[c]) << c;
    grew += n2[c] > n1[c];
  }
  EXPECT_GT(grew, 0);
}

// PCAN normalises by the noise estimate: for the same frame, a larger estimate (second invoke)
// never raises a channel, and silence maps to zero.
TEST_P(SignalOps, PcanGainFallsWithNoiseAndSilenceIsZero) {
  EDGELENS_REQUIRE_SHARED();
  const auto x = tone(6000);
  const PreprocessorRun once = run_model(GetParam(), x, 1);
  const PreprocessorRun twice = run_model(GetParam(), x, 2);
  const auto p1 = once.out<uint32_t>("SignalPCAN");
  const auto p2 = twice.out<uint32_t>("SignalPCAN");
  for (size_t c = 0; c < p1.size(); ++c) EXPECT_LE(p2[c], p1[c]) << c;

  const PreprocessorRun silent = run_model(GetParam(), std::vector<int16_t>(kFrame, 0));
  for (uint32_t v : silent.out<uint32_t>("SignalPCAN")) EXPECT_EQ(v, 0u);
  for (int16_t v : silent.out<int16_t>("SignalFilterBankLog")) EXPECT_EQ(v, 0);
}

INSTANTIATE_TEST_SUITE_P(Preprocessors, SignalOps,
                         ::testing::Values("audio_preprocessor_int8.tflite",
                                           "audio_preprocessor_float.tflite"),
                         [](const auto& p) {
                           return p.param.find("int8") != std::string::npos ? "int8" : "float";
                         });

}  // namespace
