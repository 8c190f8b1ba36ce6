// gemmlowp's 16-bit fixed-point logistic and tanh (fixedpoint.h, FixedPoint<int16_t, N>), which
// TFLite's integer LSTM applies to its Q3.12 gates (PortableApplySigmoid / PortableApplyTanh).
// Re-expressed on raw int16 values: a value with N integer bits has 15 - N fractional bits.
// Additions wrap like gemmlowp's int16 Add (no saturation) unless gemmlowp saturates them, and the
// 32-bit constants are rounded to 16 bits exactly as RescaleConstantInitializer does.
#pragma once

#include <cstdint>
#include <limits>

#include "../quant_math.h"

namespace edgelens::runtime::fixed16 {

inline int16_t wrap(int32_t v) {
  return static_cast<int16_t>(v);
}
inline int16_t add(int16_t a, int16_t b) {
  return wrap(int32_t{a} + int32_t{b});
}
inline int16_t sub(int16_t a, int16_t b) {
  return wrap(int32_t{a} - int32_t{b});
}
inline int16_t neg(int16_t a) {
  return wrap(-int32_t{a});
}
// Fixed-point product: integer bits add up.
inline int16_t mul(int16_t a, int16_t b) {
  return quant::saturating_rounding_doubling_high_mul(a, b);
}
inline int16_t saturating_add(int16_t a, int16_t b) {
  const int32_t s = int32_t{a} + int32_t{b};
  return static_cast<int16_t>(s < -32768 ? -32768 : (s > 32767 ? 32767 : s));
}
inline int16_t rounding_half_sum(int16_t a, int16_t b) {
  const int32_t sum = int32_t{a} + int32_t{b};
  return static_cast<int16_t>((sum + (sum >= 0 ? 1 : -1)) / 2);
}
inline int16_t rounding_divide_by_pot(int16_t x, int exponent) {
  return static_cast<int16_t>(quant::rounding_divide_by_pot(int32_t{x}, exponent));
}
// SaturatingRoundingMultiplyByPOT: saturating left shift or rounding right shift.
inline int16_t multiply_by_pot(int16_t x, int exponent) {
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  if (exponent == 0) return x;
  const int32_t threshold = (1 << (15 - exponent)) - 1;
  if (x > threshold) return std::numeric_limits<int16_t>::max();
  if (x < -threshold) return std::numeric_limits<int16_t>::min();
  return wrap(int32_t{x} * (1 << exponent));
}
// Rescale<dst>(x with src integer bits).
inline int16_t rescale(int16_t x, int src_bits, int dst_bits) {
  return multiply_by_pot(x, src_bits - dst_bits);
}
// A gemmlowp constant given as a Q0.31 / Qn.(31-n) int32, rounded to 16 bits.
inline int16_t constant(int32_t int32_raw) {
  return static_cast<int16_t>(quant::rounding_divide_by_pot(int32_raw, 16));
}
// One() of a format with `bits` integer bits.
inline int16_t one(int bits) {
  return bits == 0 ? std::numeric_limits<int16_t>::max() : static_cast<int16_t>(1 << (15 - bits));
}

// exp(x) for x in [-1/4, 0), Q0.15.
inline int16_t exp_on_interval_between_negative_one_quarter_and_0_excl(int16_t a) {
  const int16_t constant_term = constant(1895147668);  // exp(-1/8)
  const int16_t constant_1_over_3 = constant(715827883);
  const int16_t x = add(a, static_cast<int16_t>(1 << (15 - 3)));  // a + 1/8
  const int16_t x2 = mul(x, x);
  const int16_t x3 = mul(x2, x);
  const int16_t x4 = mul(x2, x2);
  const int16_t x4_over_4 = multiply_by_pot(x4, -2);
  const int16_t poly = multiply_by_pot(add(mul(add(x4_over_4, x3), constant_1_over_3), x2), -1);
  return saturating_add(constant_term, mul(constant_term, add(x, poly)));
}

// exp(a) for a <= 0 with `bits` integer bits; result Q0.15.
inline int16_t exp_on_negative_values(int16_t a, int bits) {
  const int fractional = 15 - bits;
  const auto one_quarter = static_cast<int16_t>(1 << (fractional - 2));
  const auto mask = static_cast<int16_t>(one_quarter - 1);
  const int16_t a_mod_quarter_minus_one_quarter = sub(static_cast<int16_t>(a & mask), one_quarter);
  int16_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      rescale(a_mod_quarter_minus_one_quarter, bits, 0));
  const int16_t remainder = sub(a_mod_quarter_minus_one_quarter, a);
  struct Step {
    int exponent;
    int32_t multiplier;  // exp(-2^exponent) in Q0.31
  };
  constexpr Step kSteps[] = {{-2, 1672461947}, {-1, 1302514674}, {0, 790015084}, {1, 290630308},
                             {2, 39332535},    {3, 720401},      {4, 242}};
  for (const Step& s : kSteps) {
    if (bits <= s.exponent) continue;
    const int shift = fractional + s.exponent;
    if ((int32_t{remainder} & (1 << shift)) != 0) result = mul(result, constant(s.multiplier));
  }
  if (bits > 5) {
    const int16_t clamp = constant(-(1 << (36 - bits)));  // -32
    if (a < clamp) result = 0;
  }
  if (a == 0) result = one(0);
  return result;
}

// Newton-Raphson 1 / (1 + x) for x in (0, 1) (Q0.15 in and out); with `minus_x_numerator`,
// (1 - x) / (1 + x) instead.
inline int16_t one_over_one_plus_x_in_0_1(int16_t a, bool minus_x_numerator) {
  const int16_t half_denominator = rounding_half_sum(a, one(0));
  const int16_t constant_48_over_17 = constant(1515870810);       // Q2.13
  const int16_t constant_neg_32_over_17 = constant(-1010580540);  // Q2.13
  int16_t x = add(constant_48_over_17, mul(half_denominator, constant_neg_32_over_17));
  for (int i = 0; i < 3; ++i) {
    const int16_t half_denominator_times_x = mul(half_denominator, x);
    const int16_t one_minus = sub(one(2), half_denominator_times_x);
    x = add(x, rescale(mul(x, one_minus), 4, 2));
  }
  if (minus_x_numerator) return rescale(sub(x, one(2)), 2, 0);
  return rescale(x, 1, 0);  // ExactMulByPot<-1>: Q2.13 read as Q1.14
}

// gemmlowp::logistic on FixedPoint<int16_t, bits>; result Q0.15.
inline int16_t logistic(int16_t a, int bits) {
  if (a == 0) return constant(1 << 30);  // 1/2
  const bool positive = a > 0;
  const int16_t abs_input = positive ? a : neg(a);
  const int16_t if_positive =
      one_over_one_plus_x_in_0_1(exp_on_negative_values(neg(abs_input), bits), false);
  return positive ? if_positive : sub(one(0), if_positive);
}

// gemmlowp::tanh on FixedPoint<int16_t, bits>; result Q0.15.
inline int16_t tanh(int16_t a, int bits) {
  if (a == 0) return 0;
  const bool negative = a < 0;
  const int16_t n = negative ? a : neg(a);
  // -tanh(n) for n < 0 = (1 - exp(2n)) / (1 + exp(2n)); 2n is n read with one more integer bit.
  const int16_t t = one_over_one_plus_x_in_0_1(exp_on_negative_values(n, bits + 1), true);
  return negative ? neg(t) : t;
}

}  // namespace edgelens::runtime::fixed16
