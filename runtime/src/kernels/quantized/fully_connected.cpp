// Quantized FULLY_CONNECTED (reference_integer_ops::FullyConnected): int8 with per-tensor or
// per-channel int8 weights and int32 bias, uint8 legacy with weight zero point, int16x8 with int64
// (or int32) bias and a 64-bit accumulator.
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct FcState {
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  std::vector<quant::Multiplier> multipliers;  // 1 (per-tensor) or one per output unit
  quant::ActivationRange range;
};

void fc_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& filter = ctx.input(1);
  const DType in_type = input.dtype;
  const DType expect_filter = in_type == DType::UInt8 ? DType::UInt8 : DType::Int8;
  if (filter.dtype != expect_filter)
    ctx.unsupported(fmt::format("{} FULLY_CONNECTED with {} weights", dtype_name(in_type),
                                dtype_name(filter.dtype)));
  if (filter.rank() != 2) ctx.unsupported("weights must be rank 2");
  if (ctx.attr_enum("weights_format", {"DEFAULT", "SHUFFLED4x16INT8"}) != 0)
    ctx.unsupported("shuffled weights format");
  const int64_t units = filter.dim(0), depth = filter.dim(1);
  const int64_t in_count = input.element_count();
  if (depth <= 0 || in_count % depth != 0)
    ctx.unsupported(
        fmt::format("input of {} elements is not a multiple of depth {}", in_count, depth));
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  const auto& fq = filter.quant();
  if (fq.scales.empty()) ctx.unsupported("weights have no quantization");
  auto& st = ctx.state<FcState>();
  st.input_offset = -in_q.zero_point;
  st.output_offset = out_q.zero_point;
  st.filter_offset = fq.zero_points.empty() ? 0 : -static_cast<int32_t>(fq.zero_points[0]);
  st.multipliers.clear();
  if (fq.scales.size() > 1) {
    if (static_cast<int64_t>(fq.scales.size()) != units)
      ctx.unsupported("per-channel weights need one scale per output unit");
    for (float fs : fq.scales)
      st.multipliers.push_back(
          quant::quantize_multiplier(static_cast<double>(in_q.scale) * static_cast<double>(fs) /
                                     static_cast<double>(out_q.scale)));
  } else {
    // GetQuantizedConvolutionMultipler: the input*filter scale product is formed in float.
    st.multipliers.push_back(quant::quantize_multiplier(
        static_cast<double>(in_q.scale * fq.scales[0]) / static_cast<double>(out_q.scale)));
  }
  st.range = fused_range(ctx, in_type, out_q);
  std::vector<int64_t> shape;
  if (ctx.attr_bool("keep_num_dims", false)) {
    shape = input.shape;
    shape.back() = units;
  } else {
    shape = {in_count / depth, units};
  }
  ctx.set_output(0, in_type, std::move(shape));
}

// 32-bit accumulators: rounded as TFLite's builtin GEMM path does on x86 (see quant_math.h);
// int16x8's 64-bit accumulators: TFLite's reduced-multiplier form.
inline int32_t requantize(int32_t acc, const quant::Multiplier& m) {
  return quant::multiply_by_quantized_multiplier_gemm(acc, m.multiplier, m.shift);
}
inline int32_t requantize(int64_t acc, const quant::Multiplier& m) {
  return quant::multiply_by_quantized_multiplier(acc, m.multiplier, m.shift);
}

template <class T, class Acc, class Bias>
void fc_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<FcState>();
  const auto in = ctx.in<T>(0);
  const auto w =
      ctx.input(1).view<std::conditional_t<std::is_same_v<T, uint8_t>, uint8_t, int8_t>>();
  std::span<const Bias> bias;
  if (ctx.has_input(2)) bias = ctx.input(2).view<Bias>();
  auto out = ctx.out<T>(0);
  const int64_t units = ctx.input(1).dim(0), depth = ctx.input(1).dim(1);
  const int64_t batches = static_cast<int64_t>(in.size()) / depth;
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t u = 0; u < units; ++u) {
      Acc acc = 0;
      const T* x = &in[static_cast<size_t>(b * depth)];
      const auto* wr = &w[static_cast<size_t>(u * depth)];
      for (int64_t d = 0; d < depth; ++d)
        acc += static_cast<Acc>(static_cast<int32_t>(wr[d]) + st.filter_offset) *
               static_cast<Acc>(static_cast<int32_t>(x[d]) + st.input_offset);
      if (!bias.empty()) acc += static_cast<Acc>(bias[static_cast<size_t>(u)]);
      const auto& m = st.multipliers[st.multipliers.size() == 1 ? 0 : static_cast<size_t>(u)];
      int32_t v = requantize(acc, m);
      v = std::clamp(v + st.output_offset, st.range.min, st.range.max);
      out[static_cast<size_t>(b * units + u)] = static_cast<T>(v);
    }
}

void fc_eval(NodeContext& ctx) {
  switch (ctx.input(0).dtype) {
    case DType::Int8:
      fc_eval_typed<int8_t, int32_t, int32_t>(ctx);
      break;
    case DType::UInt8:
      fc_eval_typed<uint8_t, int32_t, int32_t>(ctx);
      break;
    case DType::Int16:
      if (ctx.has_input(2) && ctx.input(2).dtype == DType::Int32)
        fc_eval_typed<int16_t, int64_t, int32_t>(ctx);
      else
        fc_eval_typed<int16_t, int64_t, int64_t>(ctx);
      break;
    default:
      ctx.unsupported("unexpected dtype");
  }
}

const RegisterKernel kFcQuantized({"FULLY_CONNECTED"}, {DType::Int8, DType::UInt8, DType::Int16},
                                  {fc_prepare, fc_eval});

}  // namespace
}  // namespace edgelens::runtime
