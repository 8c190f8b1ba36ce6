// SignalFftAutoScale and SignalRfft, int16 (tflite-micro signal/src/fft_auto_scale.cc and
// rfft_int16.cc). The real FFT is kissfft's fixed-point (FIXED_POINT=16) kiss_fftr as tflite-micro
// builds it: a complex FFT of half the length over the even/odd samples, radix-4 and radix-2
// butterflies that divide by the radix before each stage (C_FIXDIV), twiddles
// floor(0.5 + 32767 * cos/sin(phase)), then the split into the real spectrum. Every rounding and
// int16 wrap-around of kissfft's macros is reproduced, since the output feeds integer ops.
#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <vector>

#include "signal_common.h"

namespace edgelens::runtime::signal {
namespace {

// ---- SignalFftAutoScale ------------------------------------------------------------------------

void auto_scale_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  require_dtype(ctx, input, DType::Int16, "SignalFftAutoScale input");
  ctx.set_output(0, DType::Int16, input.shape);
  ctx.set_output(1, DType::Int32, {});
}

// Shift left so the largest magnitude uses all 15 bits; returns the shift.
void auto_scale_eval(NodeContext& ctx) {
  const auto in = ctx.in<int16_t>(0);
  auto out = ctx.out<int16_t>(0);
  int16_t max = 0;  // tflm_signal::MaxAbs16, with its int16 negation
  for (const int16_t v : in) {
    if (v > max)
      max = v;
    else if (-v > max)
      max = static_cast<int16_t>(-v);
  }
  int scale_bits = 16 - static_cast<int>(most_significant_bit32(static_cast<uint32_t>(max))) - 1;
  if (scale_bits <= 0) scale_bits = 0;
  for (size_t i = 0; i < in.size(); ++i)
    out[i] = static_cast<int16_t>(int32_t{in[i]} * (1 << scale_bits));
  ctx.out<int32_t>(1)[0] = scale_bits;
}

// ---- kissfft, FIXED_POINT = 16 -----------------------------------------------------------------

struct Cpx {
  int16_t r = 0, i = 0;
};

constexpr int kFracBits = 15;
constexpr int32_t kSampMax = 32767;

inline int16_t sround(int32_t x) {
  return static_cast<int16_t>((x + (1 << (kFracBits - 1))) >> kFracBits);
}
inline int16_t s_mul(int16_t a, int16_t b) {
  return sround(int32_t{a} * int32_t{b});
}
inline Cpx c_mul(Cpx a, Cpx b) {
  return {sround(int32_t{a.r} * b.r - int32_t{a.i} * b.i),
          sround(int32_t{a.r} * b.i + int32_t{a.i} * b.r)};
}
inline Cpx c_add(Cpx a, Cpx b) {
  return {static_cast<int16_t>(a.r + b.r), static_cast<int16_t>(a.i + b.i)};
}
inline Cpx c_sub(Cpx a, Cpx b) {
  return {static_cast<int16_t>(a.r - b.r), static_cast<int16_t>(a.i - b.i)};
}
inline void c_fixdiv(Cpx& c, int div) {
  const auto k = static_cast<int16_t>(kSampMax / div);
  c.r = s_mul(c.r, k);
  c.i = s_mul(c.i, k);
}
inline Cpx cexp(double phase) {
  return {static_cast<int16_t>(std::floor(0.5 + kSampMax * std::cos(phase))),
          static_cast<int16_t>(std::floor(0.5 + kSampMax * std::sin(phase)))};
}

class KissFft {
 public:
  explicit KissFft(int nfft) : nfft_(nfft), twiddles_(static_cast<size_t>(nfft)) {
    const double pi = 3.141592653589793238462643383279502884197169399375105820974944;
    for (int i = 0; i < nfft; ++i) twiddles_[static_cast<size_t>(i)] = cexp(-2 * pi * i / nfft);
    // kf_factor: powers of 4, then 2, then odd primes.
    int n = nfft, p = 4;
    const double floor_sqrt = std::floor(std::sqrt(static_cast<double>(n)));
    do {
      while (n % p) {
        p = p == 4 ? 2 : p == 2 ? 3 : p + 2;
        if (p > floor_sqrt) p = n;
      }
      n /= p;
      factors_.push_back(p);
      factors_.push_back(n);
    } while (n > 1);
  }
  int size() const { return nfft_; }
  void transform(const Cpx* in, Cpx* out) const { work(out, in, 1, 0); }

 private:
  void work(Cpx* out, const Cpx* f, size_t fstride, size_t factor) const {
    const int p = factors_[factor], m = factors_[factor + 1];
    Cpx* const begin = out;
    Cpx* const end = out + p * m;
    if (m == 1) {
      for (; out != end; ++out, f += fstride) *out = *f;
    } else {
      for (; out != end; out += m, f += fstride)
        work(out, f, fstride * static_cast<size_t>(p), factor + 2);
    }
    out = begin;
    if (p == 4)
      bfly4(out, fstride, m);
    else
      bfly2(out, fstride, m);  // powers of two only (checked in prepare)
  }
  const Cpx& tw(size_t i) const { return twiddles_[i]; }

  void bfly2(Cpx* out, size_t fstride, int m) const {
    Cpx* out2 = out + m;
    size_t t1 = 0;
    for (int k = 0; k < m; ++k, ++out, ++out2, t1 += fstride) {
      c_fixdiv(*out, 2);
      c_fixdiv(*out2, 2);
      const Cpx t = c_mul(*out2, tw(t1));
      *out2 = c_sub(*out, t);
      *out = c_add(*out, t);
    }
  }
  void bfly4(Cpx* out, size_t fstride, int m) const {
    size_t t1 = 0, t2 = 0, t3 = 0;
    const int m2 = 2 * m, m3 = 3 * m;
    for (int k = 0; k < m; ++k, ++out) {
      c_fixdiv(out[0], 4);
      c_fixdiv(out[m], 4);
      c_fixdiv(out[m2], 4);
      c_fixdiv(out[m3], 4);
      const Cpx s0 = c_mul(out[m], tw(t1));
      const Cpx s1 = c_mul(out[m2], tw(t2));
      const Cpx s2 = c_mul(out[m3], tw(t3));
      const Cpx s5 = c_sub(out[0], s1);
      out[0] = c_add(out[0], s1);
      const Cpx s3 = c_add(s0, s2);
      const Cpx s4 = c_sub(s0, s2);
      out[m2] = c_sub(out[0], s3);
      t1 += fstride;
      t2 += fstride * 2;
      t3 += fstride * 3;
      out[0] = c_add(out[0], s3);
      out[m] = {static_cast<int16_t>(s5.r + s4.i), static_cast<int16_t>(s5.i - s4.r)};
      out[m3] = {static_cast<int16_t>(s5.r - s4.i), static_cast<int16_t>(s5.i + s4.r)};
    }
  }
  int nfft_;
  std::vector<Cpx> twiddles_;
  std::vector<int> factors_;
};

// kiss_fftr: real FFT of length 2 * ncfft through a complex FFT of length ncfft.
class KissFftr {
 public:
  explicit KissFftr(int nfft)
      : sub_(nfft / 2), in_(static_cast<size_t>(nfft / 2)), tmp_(static_cast<size_t>(nfft / 2)) {
    const int ncfft = nfft / 2;
    for (int i = 0; i < ncfft / 2; ++i)
      super_twiddles_.push_back(
          cexp(-3.14159265358979323846264338327 * (static_cast<double>(i + 1) / ncfft + .5)));
  }
  // time: 2 * ncfft samples; freq: ncfft + 1 bins.
  void transform(std::span<const int16_t> time, std::span<Cpx> freq) {
    const int ncfft = sub_.size();
    // The samples are read as complex pairs (even = real, odd = imaginary).
    for (size_t i = 0; i < in_.size(); ++i) in_[i] = {time[2 * i], time[2 * i + 1]};
    sub_.transform(in_.data(), tmp_.data());
    Cpx tdc = tmp_[0];
    c_fixdiv(tdc, 2);
    freq[0] = {static_cast<int16_t>(tdc.r + tdc.i), 0};
    freq[static_cast<size_t>(ncfft)] = {static_cast<int16_t>(tdc.r - tdc.i), 0};
    for (int k = 1; k <= ncfft / 2; ++k) {
      Cpx fpk = tmp_[static_cast<size_t>(k)];
      Cpx fpnk{tmp_[static_cast<size_t>(ncfft - k)].r,
               static_cast<int16_t>(-tmp_[static_cast<size_t>(ncfft - k)].i)};
      c_fixdiv(fpk, 2);
      c_fixdiv(fpnk, 2);
      const Cpx f1k = c_add(fpk, fpnk);
      const Cpx f2k = c_sub(fpk, fpnk);
      const Cpx tw = c_mul(f2k, super_twiddles_[static_cast<size_t>(k - 1)]);
      freq[static_cast<size_t>(k)] = {static_cast<int16_t>((f1k.r + tw.r) >> 1),
                                      static_cast<int16_t>((f1k.i + tw.i) >> 1)};
      freq[static_cast<size_t>(ncfft - k)] = {static_cast<int16_t>((f1k.r - tw.r) >> 1),
                                              static_cast<int16_t>((tw.i - f1k.i) >> 1)};
    }
  }

 private:
  KissFft sub_;
  std::vector<Cpx> in_, tmp_;
  std::vector<Cpx> super_twiddles_;
};

// ---- SignalRfft --------------------------------------------------------------------------------

struct RfftState {
  std::shared_ptr<KissFftr> fft;
  int64_t fft_length = 0, frame = 0, frames = 0, out_bins = 0;
};

void rfft_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (input.dtype != DType::Int16)
    ctx.unsupported(fmt::format("SignalRfft on {} (only the int16 fixed-point FFT is implemented)",
                                dtype_name(input.dtype)));
  if (input.rank() < 1) ctx.unsupported("SignalRfft input must have at least one dimension");
  auto& st = ctx.state<RfftState>();
  st.fft_length = required_option(ctx, "fft_length");
  // kissfft also has radix-3/5/generic stages; only the power-of-two path is implemented.
  if (st.fft_length < 4 || (st.fft_length & (st.fft_length - 1)) != 0 || st.fft_length > (1 << 16))
    ctx.unsupported(
        fmt::format("fft_length {} is not a power of two in [4, 65536]", st.fft_length));
  st.frame = input.dim(-1);
  if (st.frame > st.fft_length)
    ctx.unsupported(
        fmt::format("frames of {} samples exceed fft_length {}", st.frame, st.fft_length));
  st.frames = st.frame > 0 ? input.element_count() / st.frame : 0;
  st.out_bins = st.fft_length / 2 + 1;
  st.fft = std::make_shared<KissFftr>(static_cast<int>(st.fft_length));
  auto shape = input.shape;
  shape.back() = 2 * st.out_bins;
  ctx.set_output(0, DType::Int16, shape);
}

void rfft_eval(NodeContext& ctx) {
  auto& st = ctx.state<RfftState>();
  const auto in = ctx.in<int16_t>(0);
  auto out = ctx.out<int16_t>(0);
  std::vector<int16_t> work(static_cast<size_t>(st.fft_length));
  std::vector<Cpx> spectrum(static_cast<size_t>(st.out_bins));
  for (int64_t f = 0; f < st.frames; ++f) {
    // Zero-pad each frame to the FFT length.
    std::fill(work.begin(), work.end(), int16_t{0});
    std::copy_n(in.begin() + f * st.frame, st.frame, work.begin());
    st.fft->transform(work, spectrum);
    for (size_t k = 0; k < spectrum.size(); ++k) {
      out[static_cast<size_t>(f * 2 * st.out_bins) + 2 * k] = spectrum[k].r;
      out[static_cast<size_t>(f * 2 * st.out_bins) + 2 * k + 1] = spectrum[k].i;
    }
  }
}

const RegisterKernel kAutoScale("SignalFftAutoScale", DType::Int16,
                                {auto_scale_prepare, auto_scale_eval});
const RegisterKernel kRfft("SignalRfft", DType::Int16, {rfft_prepare, rfft_eval});

}  // namespace
}  // namespace edgelens::runtime::signal
