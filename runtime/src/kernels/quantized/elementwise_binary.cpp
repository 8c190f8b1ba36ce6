// Quantized ADD, SUB, MUL, MAXIMUM, MINIMUM with numpy broadcasting. ADD/SUB follow TFLite's
// general rescaling path (inputs brought to a common scale with a 20-bit (8-bit types) or 15-bit
// (int16) left shift; SUB is ADD with the second multiplier negated, exactly as sub.cc does), plus
// the int16 power-of-two path used when all scales are powers of two and zero points are 0.
#include <cmath>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

enum class BinOp { Add, Sub, Mul, Max, Min };

struct BinState {
  bool pot = false;  // int16 power-of-two path (ADD/SUB)
  int left_shift = 20;
  int32_t in1_offset = 0, in2_offset = 0, out_offset = 0;
  quant::Multiplier m1, m2, out;
  int pot_shift1 = 0, pot_shift2 = 0;
  quant::ActivationRange range;
};

// log2 of a power-of-two scale (TFLite's CheckedLog2).
bool checked_log2(float x, int* log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float x_log2_rounded = std::round(x_log2);
  const float x_log2_fract = x_log2 - x_log2_rounded;
  *log2_result = static_cast<int>(x_log2_rounded);
  return std::abs(x_log2_fract) < 1e-3f;
}

template <BinOp op>
void bin_prepare(NodeContext& ctx) {
  const auto& a = ctx.input(0);
  const auto& b = ctx.input(1);
  if (a.dtype != b.dtype)
    ctx.unsupported(
        fmt::format("input dtypes differ ({} vs {})", dtype_name(a.dtype), dtype_name(b.dtype)));
  auto shape = broadcast_shapes(a.shape, b.shape);
  if (!shape)
    ctx.unsupported(fmt::format("shapes {} and {} do not broadcast", shape_string(a.shape),
                                shape_string(b.shape)));
  const DType t = a.dtype;
  const QParams q1 = qparams(ctx, a, "input 0");
  const QParams q2 = qparams(ctx, b, "input 1");
  const QParams qo = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<BinState>();
  st.in1_offset = -q1.zero_point;
  st.in2_offset = -q2.zero_point;
  st.out_offset = qo.zero_point;
  if constexpr (op == BinOp::Add || op == BinOp::Sub) {
    st.pot = false;
    if (t == DType::Int16) {
      if (q1.zero_point != 0 || q2.zero_point != 0 || qo.zero_point != 0)
        ctx.unsupported("int16 ADD/SUB needs zero points of 0");
      // ADD honours the pot_scale_int16 option (default true); SUB decides from the scales alone.
      const bool want_pot = op == BinOp::Sub || ctx.attr_bool("pot_scale_int16", true);
      int l1 = 0, l2 = 0, lo = 0;
      if (want_pot && checked_log2(q1.scale, &l1) && checked_log2(q2.scale, &l2) &&
          checked_log2(qo.scale, &lo)) {
        st.pot = true;
        st.pot_shift1 = l1 - lo;
        st.pot_shift2 = l2 - lo;
        if (!(st.pot_shift1 == 0 || st.pot_shift2 == 0) || st.pot_shift1 > 0 || st.pot_shift2 > 0)
          ctx.unsupported("int16 power-of-two ADD/SUB can shift only one input, rightwards");
        if (a.shape != b.shape) ctx.unsupported("int16 power-of-two ADD/SUB with broadcasting");
      }
    }
    if (!st.pot) {
      st.left_shift = t == DType::Int16 ? 15 : 20;
      const double twice_max = 2 * std::max(q1.scale, q2.scale);
      st.m1 = quant::quantize_multiplier(q1.scale / twice_max);
      st.m2 = quant::quantize_multiplier(q2.scale / twice_max);
      if constexpr (op == BinOp::Sub) st.m2.multiplier = -st.m2.multiplier;
      st.out = quant::quantize_multiplier(
          twice_max / static_cast<double>(static_cast<float>(1 << st.left_shift) * qo.scale));
    }
  } else if constexpr (op == BinOp::Mul) {
    st.out =
        quant::quantize_multiplier(static_cast<double>(q1.scale) * static_cast<double>(q2.scale) /
                                   static_cast<double>(qo.scale));
  } else {
    if (q1.scale != qo.scale || q2.scale != qo.scale || q1.zero_point != qo.zero_point ||
        q2.zero_point != qo.zero_point)
      ctx.unsupported("MAXIMUM/MINIMUM with differing input/output quantization");
  }
  if constexpr (op == BinOp::Max || op == BinOp::Min)
    st.range = {type_min(t), type_max(t)};
  else
    st.range = fused_range(ctx, t, qo);
  ctx.set_output(0, t, std::move(*shape));
}

// Walks the output in C order and yields the flat indices of both (broadcast) inputs.
template <class Fn>
void for_each_broadcast(std::span<const int64_t> out_shape, std::span<const int64_t> a_shape,
                        std::span<const int64_t> b_shape, Fn&& fn) {
  const size_t rank = out_shape.size();
  std::vector<int64_t> a_stride(rank, 0), b_stride(rank, 0), idx(rank, 0);
  auto strides = [&](std::span<const int64_t> s, std::vector<int64_t>& st) {
    int64_t stride = 1;
    for (size_t i = 0; i < s.size(); ++i) {
      const size_t d = s.size() - 1 - i;
      const size_t od = rank - 1 - i;
      st[od] = s[d] == 1 ? 0 : stride;
      stride *= s[d];
    }
  };
  strides(a_shape, a_stride);
  strides(b_shape, b_stride);
  const int64_t total = element_count(out_shape);
  int64_t ia = 0, ib = 0;
  for (int64_t o = 0; o < total; ++o) {
    fn(o, ia, ib);
    for (size_t d = rank; d-- > 0;) {
      ++idx[d];
      ia += a_stride[d];
      ib += b_stride[d];
      if (idx[d] < out_shape[d]) break;
      ia -= a_stride[d] * idx[d];
      ib -= b_stride[d] * idx[d];
      idx[d] = 0;
    }
  }
}

template <BinOp op, class T>
void bin_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<BinState>();
  const auto a = ctx.in<T>(0);
  const auto b = ctx.in<T>(1);
  auto out = ctx.out<T>(0);
  const auto& out_shape = ctx.output(0).shape;
  for_each_broadcast(
      out_shape, ctx.input(0).shape, ctx.input(1).shape, [&](int64_t o, int64_t ia, int64_t ib) {
        const int32_t x = a[static_cast<size_t>(ia)], y = b[static_cast<size_t>(ib)];
        int32_t v = 0;
        if constexpr (op == BinOp::Add || op == BinOp::Sub) {
          if (st.pot) {
            // gemmlowp F0 fixed point: rounding right shift of one input, saturating add/sub.
            if (st.pot_shift1 == 0) {
              const int32_t y_scaled = quant::rounding_divide_by_pot(y, -st.pot_shift2);
              v = op == BinOp::Add ? x + y_scaled : x - y_scaled;
            } else {
              const int32_t x_scaled = quant::rounding_divide_by_pot(x, -st.pot_shift1);
              v = op == BinOp::Add ? x_scaled + y : x_scaled - y;
            }
            v = std::clamp(v, -32768, 32767);
          } else {
            const int32_t sx = (x + st.in1_offset) * (1 << st.left_shift);
            const int32_t sy = (y + st.in2_offset) * (1 << st.left_shift);
            const int32_t scaled_x =
                quant::multiply_smaller_than_one(sx, st.m1.multiplier, st.m1.shift);
            const int32_t scaled_y =
                quant::multiply_smaller_than_one(sy, st.m2.multiplier, st.m2.shift);
            v = quant::multiply_smaller_than_one(scaled_x + scaled_y, st.out.multiplier,
                                                 st.out.shift) +
                st.out_offset;
          }
        } else if constexpr (op == BinOp::Mul) {
          v = st.out_offset + quant::multiply_by_quantized_multiplier(
                                  (x + st.in1_offset) * (y + st.in2_offset), st.out);
        } else if constexpr (op == BinOp::Max) {
          v = std::max(x, y);
        } else {
          v = std::min(x, y);
        }
        out[static_cast<size_t>(o)] = static_cast<T>(std::clamp(v, st.range.min, st.range.max));
      });
}

template <BinOp op>
void bin_eval(NodeContext& ctx) {
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() { bin_eval_typed<op, T>(ctx); });
}

template <BinOp op>
Kernel bin_kernel() {
  return {bin_prepare<op>, bin_eval<op>};
}

const RegisterKernel kAddQ({"ADD"}, {DType::Int8, DType::UInt8, DType::Int16},
                           bin_kernel<BinOp::Add>());
const RegisterKernel kSubQ({"SUB"}, {DType::Int8, DType::UInt8, DType::Int16},
                           bin_kernel<BinOp::Sub>());
const RegisterKernel kMulQ({"MUL"}, {DType::Int8, DType::UInt8, DType::Int16},
                           bin_kernel<BinOp::Mul>());
const RegisterKernel kMaxQ({"MAXIMUM"}, {DType::Int8, DType::UInt8, DType::Int16},
                           bin_kernel<BinOp::Max>());
const RegisterKernel kMinQ({"MINIMUM"}, {DType::Int8, DType::UInt8, DType::Int16},
                           bin_kernel<BinOp::Min>());

}  // namespace
}  // namespace edgelens::runtime
