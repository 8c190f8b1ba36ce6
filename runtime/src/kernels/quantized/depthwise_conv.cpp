// Quantized DEPTHWISE_CONV_2D (reference_integer_ops::DepthwiseConvPerChannel): int8 per-channel,
// uint8 legacy, int16x8 with a 64-bit accumulator.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct DwState : ConvRequant {
  int64_t depth_multiplier = 1;
  // One output pixel's accumulators (all channels), reused across pixels and invokes.
  std::vector<int32_t> acc32;
  std::vector<int64_t> acc64;
};

template <class Acc>
std::vector<Acc>& accumulators(DwState& st) {
  if constexpr (std::is_same_v<Acc, int32_t>)
    return st.acc32;
  else
    return st.acc64;
}

void dw_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  require_rank(ctx, input, 4, "DEPTHWISE_CONV_2D input");
  require_rank(ctx, filter, 4, "DEPTHWISE_CONV_2D filter");
  const DType in_type = input.dtype;
  const DType expect_filter = in_type == DType::UInt8 ? DType::UInt8 : DType::Int8;
  if (filter.dtype != expect_filter)
    ctx.unsupported(fmt::format("{} DEPTHWISE_CONV_2D with {} weights", dtype_name(in_type),
                                dtype_name(filter.dtype)));
  const int64_t in_c = input.dim(3), out_c = filter.dim(3);
  if (in_c <= 0 || out_c % in_c != 0)
    ctx.unsupported(
        fmt::format("filter channels {} are not a multiple of input channels {}", out_c, in_c));
  auto& st = ctx.state<DwState>();
  st.depth_multiplier = out_c / in_c;
  const auto [out_h, out_w] = prepare_conv_window(ctx, input, filter, st);
  prepare_conv_requant(ctx, input, filter, out_c, 3,
                       "per-channel depthwise filter must be quantized along axis 3", st);
  ctx.set_output(0, in_type, {input.dim(0), out_h, out_w, out_c});
}

// The reference kernel's sums, accumulated per output pixel over all channels at once: the inner
// loop walks channels, contiguous in both input and filter (vectorizable), instead of the
// reference's filter window per channel. Integer sums do not depend on their order, so the result
// is the reference's bit for bit.
template <class T, class Acc, class Bias>
void dw_eval_typed(NodeContext& ctx) {
  auto& st = ctx.state<DwState>();
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  auto& output = ctx.output(0);
  const T* in = input.view<T>().data();
  using W = std::conditional_t<std::is_same_v<T, uint8_t>, uint8_t, int8_t>;
  const W* w = filter.view<W>().data();
  std::span<const Bias> bias;
  if (ctx.has_input(2)) bias = ctx.input(2).view<Bias>();
  auto out = output.mutable_view<T>();
  const int64_t batches = input.dim(0), in_h = input.dim(1), in_w = input.dim(2),
                in_c = input.dim(3);
  const int64_t k_h = filter.dim(1), k_w = filter.dim(2);
  const int64_t out_h = output.dim(1), out_w = output.dim(2), out_c = output.dim(3);
  const int64_t dm = st.depth_multiplier;
  const Acc input_offset = st.input_offset, filter_offset = st.filter_offset;
  std::vector<Acc>& acc_storage = accumulators<Acc>(st);
  acc_storage.assign(static_cast<size_t>(out_c), 0);
  Acc* acc = acc_storage.data();
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t oy = 0; oy < out_h; ++oy)
      for (int64_t ox = 0; ox < out_w; ++ox) {
        std::fill_n(acc, out_c, Acc{0});
        const int64_t y0 = oy * st.stride_h - st.pad_h, x0 = ox * st.stride_w - st.pad_w;
        for (int64_t ky = 0; ky < k_h; ++ky) {
          const int64_t iy = y0 + st.dilation_h * ky;
          if (iy < 0 || iy >= in_h) continue;
          for (int64_t kx = 0; kx < k_w; ++kx) {
            const int64_t ix = x0 + st.dilation_w * kx;
            if (ix < 0 || ix >= in_w) continue;
            const T* in_px = in + ((b * in_h + iy) * in_w + ix) * in_c;
            const W* w_px = w + (ky * k_w + kx) * out_c;
            if (dm == 1) {
              for (int64_t c = 0; c < out_c; ++c)
                acc[c] += (static_cast<Acc>(w_px[c]) + filter_offset) *
                          (static_cast<Acc>(in_px[c]) + input_offset);
            } else {
              for (int64_t ic = 0; ic < in_c; ++ic) {
                const Acc iv = static_cast<Acc>(in_px[ic]) + input_offset;
                for (int64_t m = 0; m < dm; ++m)
                  acc[ic * dm + m] += (static_cast<Acc>(w_px[ic * dm + m]) + filter_offset) * iv;
              }
            }
          }
        }
        T* out_px = out.data() + ((b * out_h + oy) * out_w + ox) * out_c;
        for (int64_t oc = 0; oc < out_c; ++oc) {
          Acc sum = acc[oc];
          if (!bias.empty()) sum += static_cast<Acc>(bias[static_cast<size_t>(oc)]);
          const auto& mul = st.multipliers[static_cast<size_t>(oc)];
          int32_t v = quant::multiply_by_quantized_multiplier(sum, mul.multiplier, mul.shift);
          v = std::clamp(v + st.output_offset, st.range.min, st.range.max);
          out_px[oc] = static_cast<T>(v);
        }
      }
}

void dw_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Int8:
      dw_eval_typed<int8_t, int32_t, int32_t>(ctx);
      break;
    case DType::UInt8:
      dw_eval_typed<uint8_t, int32_t, int32_t>(ctx);
      break;
    case DType::Int16:
      if (ctx.has_input(2) && ctx.input(2).dtype == DType::Int32)
        dw_eval_typed<int16_t, int64_t, int32_t>(ctx);
      else
        dw_eval_typed<int16_t, int64_t, int64_t>(ctx);
      break;
    default:
      ctx.unsupported("unexpected dtype");
  }
}

const RegisterKernel kDwQuantized({"DEPTHWISE_CONV_2D"}, {DType::Int8, DType::UInt8, DType::Int16},
                                  {dw_prepare, dw_eval});

}  // namespace
}  // namespace edgelens::runtime
