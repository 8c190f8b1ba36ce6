// Quantized PRELU (int8, uint8) as TFLite's reference_ops::BroadcastPrelu4DSlow computes it:
// x - zx >= 0 is rescaled by input_scale / output_scale, otherwise (x - zx) * (alpha - za) by
// input_scale * alpha_scale / output_scale (both ratios formed in float, as activations.cc does),
// then the output zero point is added and the result saturated. Alpha broadcasts to the input.
#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct PreluState {
  int32_t input_offset = 0, alpha_offset = 0, output_offset = 0;
  quant::Multiplier identity, alpha;
};

void prelu_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(0);
  const auto& alpha = ctx.input(1);
  if (alpha.dtype != in.dtype)
    ctx.unsupported(
        fmt::format("{} alpha with {} input", dtype_name(alpha.dtype), dtype_name(in.dtype)));
  if (alpha.quant().scales.size() > 1)
    ctx.unsupported("per-channel alpha (TFLite takes one alpha scale)");
  const QParams in_q = qparams(ctx, in, "input");
  const QParams alpha_q = qparams(ctx, alpha, "alpha");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto shape = broadcast_shapes(in.shape, alpha.shape);
  if (!shape || *shape != in.shape) ctx.unsupported("alpha does not broadcast to the input");
  if (in.rank() > 4) ctx.unsupported("PRELU above rank 4");
  auto& st = ctx.state<PreluState>();
  st.input_offset = -in_q.zero_point;
  st.alpha_offset = -alpha_q.zero_point;
  st.output_offset = out_q.zero_point;
  st.identity = quant::quantize_multiplier(static_cast<double>(in_q.scale / out_q.scale));
  st.alpha =
      quant::quantize_multiplier(static_cast<double>(in_q.scale * alpha_q.scale / out_q.scale));
  ctx.set_output(0, in.dtype, in.shape);
}

template <class T>
void prelu_typed(NodeContext& ctx) {
  const auto& st = ctx.state<PreluState>();
  const auto& it = ctx.input(0);
  const auto& at = ctx.input(1);
  const auto in = it.view<T>();
  const auto alpha = at.view<T>();
  auto out = ctx.out<T>(0);
  // Alpha's element strides seen through the input's shape (0 on broadcast dimensions).
  const size_t rank = it.shape.size();
  std::vector<int64_t> alpha_strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = at.shape.size(); i-- > 0;) {
    alpha_strides[i + rank - at.shape.size()] = at.shape[i] == 1 ? 0 : stride;
    stride *= at.shape[i];
  }
  std::vector<int64_t> idx(rank, 0);
  const auto n = static_cast<size_t>(it.element_count());
  for (size_t i = 0; i < n; ++i) {
    const int32_t x = st.input_offset + in[i];
    int32_t v = 0;
    if (x >= 0) {
      v = quant::multiply_by_quantized_multiplier(x, st.identity);
    } else {
      int64_t ai = 0;
      for (size_t d = 0; d < rank; ++d) ai += idx[d] * alpha_strides[d];
      const int32_t a = st.alpha_offset + alpha[static_cast<size_t>(ai)];
      v = quant::multiply_by_quantized_multiplier(x * a, st.alpha);
    }
    out[i] = quant::saturate<T>(v + st.output_offset);
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < it.shape[d]) break;
      idx[d] = 0;
    }
  }
}

void prelu_eval(NodeContext& ctx) {
  if (ctx.input(0).dtype == DType::UInt8)
    prelu_typed<uint8_t>(ctx);
  else
    prelu_typed<int8_t>(ctx);
}

const RegisterKernel kPreluQ({"PRELU"}, {DType::Int8, DType::UInt8}, {prelu_prepare, prelu_eval});

}  // namespace
}  // namespace edgelens::runtime
