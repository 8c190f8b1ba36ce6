// QUANTIZE from an integer type: requantization between int8/uint8/int16/int32 with one
// quantized multiplier (quantize.cc: effective scale = input scale / output scale in double, then
// reference_ops::Requantize). Float -> integer QUANTIZE and DEQUANTIZE live in
// kernels/quantize_dequantize.cpp.
#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct RequantState {
  quant::Multiplier multiplier;
  int32_t input_zero_point = 0, output_zero_point = 0;
};

void requantize_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const DType out_type = declared_dtype(ctx, 0);
  if (!is_requant_type(out_type))
    ctx.unsupported(
        fmt::format("QUANTIZE from {} to {}", dtype_name(input.dtype), dtype_name(out_type)));
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  auto& st = ctx.state<RequantState>();
  st.input_zero_point = in_q.zero_point;
  st.output_zero_point = out_q.zero_point;
  st.multiplier = quant::quantize_multiplier(static_cast<double>(in_q.scale) /
                                             static_cast<double>(out_q.scale));
  ctx.set_output(0, out_type, input.shape);
}

void requantize_eval(NodeContext& ctx) {
  const auto& st = ctx.state<RequantState>();
  dispatch_int_or_int32(ctx, ctx.output(0).dtype, [&]<class Out>() {
    auto out = ctx.out<Out>(0);
    dispatch_int_or_int32(ctx, ctx.input(0).dtype, [&]<class In>() {
      const auto in = ctx.in<In>(0);
      for (size_t i = 0; i < in.size(); ++i) {
        const int32_t v = quant::multiply_by_quantized_multiplier(
                              static_cast<int32_t>(in[i]) - st.input_zero_point, st.multiplier) +
                          st.output_zero_point;
        out[i] = quant::saturate<Out>(v);
      }
    });
  });
}

const RegisterKernel kRequantize({"QUANTIZE"},
                                 {DType::Int8, DType::UInt8, DType::Int16, DType::Int32},
                                 {requantize_prepare, requantize_eval});

}  // namespace
}  // namespace edgelens::runtime
