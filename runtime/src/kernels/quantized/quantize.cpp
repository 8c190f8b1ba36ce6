// QUANTIZE (float32 -> int8/uint8/int16, per-tensor or per-channel; and integer -> integer
// requantization with a quantized multiplier) and DEQUANTIZE of int8/uint8/int16 (per-tensor or
// per-channel) to float32, as TFLite's quantize.cc / dequantize.cc compute them.
#include <cmath>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct QuantizeState {
  quant::Multiplier requant;
  int32_t input_zero_point = 0;
};

// Per-element scale/zero point for (de)quantization along the tensor's quantized axis.
struct ChannelParams {
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  int64_t inner = 1;  // elements after the axis
  size_t channel_of(size_t i) const {
    return scales.size() == 1 ? 0 : (i / static_cast<size_t>(inner)) % scales.size();
  }
};

ChannelParams channel_params(const NodeContext& ctx, const TensorBuffer& t) {
  const auto& q = t.quant();
  if (q.scales.empty()) ctx.unsupported("tensor has no quantization scale");
  ChannelParams p;
  p.scales = q.scales;
  for (size_t i = 0; i < q.scales.size(); ++i)
    p.zero_points.push_back(i < q.zero_points.size() ? static_cast<int32_t>(q.zero_points[i]) : 0);
  if (q.scales.size() > 1) {
    if (q.axis < 0 || q.axis >= t.rank() || t.dim(q.axis) != static_cast<int64_t>(q.scales.size()))
      ctx.unsupported("per-channel quantization axis does not match the shape");
    for (int d = q.axis + 1; d < t.rank(); ++d) p.inner *= t.dim(d);
  }
  return p;
}

void quantize_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const DType out_type = declared_dtype(ctx, 0);
  if (!is_quant_type(out_type))
    ctx.unsupported(fmt::format("QUANTIZE to {}", dtype_name(out_type)));
  if (input.dtype != DType::Float32) {
    if (!is_quant_type(input.dtype))
      ctx.unsupported(fmt::format("QUANTIZE from {}", dtype_name(input.dtype)));
    const QParams in_q = qparams(ctx, input, "input");
    const QParams out_q = qparams(ctx, ctx.output(0), "output");
    auto& st = ctx.state<QuantizeState>();
    st.input_zero_point = in_q.zero_point;
    st.requant = quant::quantize_multiplier(static_cast<double>(in_q.scale) /
                                            static_cast<double>(out_q.scale));
  } else {
    (void)channel_params(ctx, ctx.output(0));
  }
  ctx.set_output(0, out_type, input.shape);
}

template <class Out>
void quantize_eval_typed(NodeContext& ctx) {
  auto out = ctx.out<Out>(0);
  const auto& input = ctx.input(0);
  if (input.dtype == DType::Float32) {
    const auto p = channel_params(ctx, ctx.output(0));
    const auto in = input.view<float>();
    for (size_t i = 0; i < in.size(); ++i) {
      const size_t c = p.channel_of(i);
      const int32_t q = static_cast<int32_t>(std::round(in[i] / p.scales[c])) + p.zero_points[c];
      out[i] = quant::saturate<Out>(q);
    }
    return;
  }
  const auto& st = ctx.state<QuantizeState>();
  const int32_t out_zp = qparams(ctx, ctx.output(0), "output").zero_point;
  dispatch_int(ctx, input.dtype, [&]<class In>() {
    const auto in = input.view<In>();
    for (size_t i = 0; i < in.size(); ++i) {
      const int32_t v = quant::multiply_by_quantized_multiplier(
                            static_cast<int32_t>(in[i]) - st.input_zero_point, st.requant) +
                        out_zp;
      out[i] = quant::saturate<Out>(v);
    }
  });
}

void quantize_eval(NodeContext& ctx) {
  dispatch_int(ctx, ctx.output(0).dtype, [&]<class Out>() { quantize_eval_typed<Out>(ctx); });
}

void dequantize_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  (void)channel_params(ctx, input);
  ctx.set_output(0, DType::Float32, input.shape);
}

void dequantize_eval(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto p = channel_params(ctx, input);
  auto out = ctx.out<float>(0);
  dispatch_int(ctx, input.dtype, [&]<class In>() {
    const auto in = input.view<In>();
    for (size_t i = 0; i < in.size(); ++i) {
      const size_t c = p.channel_of(i);
      out[i] = p.scales[c] * static_cast<float>(static_cast<int32_t>(in[i]) - p.zero_points[c]);
    }
  });
}

const RegisterKernel kQuantizeQ({"QUANTIZE"},
                                {DType::Float32, DType::Int8, DType::UInt8, DType::Int16},
                                {quantize_prepare, quantize_eval});
const RegisterKernel kDequantizeQ({"DEQUANTIZE"}, {DType::Int8, DType::UInt8, DType::Int16},
                                  {dequantize_prepare, dequantize_eval});

}  // namespace
}  // namespace edgelens::runtime
