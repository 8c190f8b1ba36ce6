// Integer SVDF (reference_ops::EvalIntegerSVDF): int8 input, int8 feature weights, int16 time
// weights, int32 bias, int16 variable state (or int8 time weights and state, the 8-bit variant).
// Each invoke shifts the state left by one step, writes the rescaled feature products into the
// newest slot, takes the time dot products, sums over rank, adds bias and rescales to the output.
#include <algorithm>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct SvdfState {
  int64_t rank = 1;
  quant::Multiplier scale1, scale2;
  int32_t input_zero_point = 0, output_zero_point = 0;
};

void svdf_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& wf = ctx.input(1);
  const auto& wt = ctx.input(2);
  if (input.dtype != DType::Int8 || wf.dtype != DType::Int8 ||
      (wt.dtype != DType::Int16 && wt.dtype != DType::Int8))
    ctx.unsupported(
        fmt::format("integer SVDF needs int8 input/feature weights and int16/int8 time "
                    "weights, got {}/{}/{}",
                    dtype_name(input.dtype), dtype_name(wf.dtype), dtype_name(wt.dtype)));
  if (!ctx.has_input(4)) ctx.unsupported("SVDF without its state tensor");
  const auto& state = ctx.input(4);
  if (state.dtype != DType::Int16 && state.dtype != DType::Int8)
    ctx.unsupported("integer SVDF needs an int16 or int8 state");
  if (ctx.has_input(3) && ctx.input(3).dtype != DType::Int32)
    ctx.unsupported("integer SVDF needs an int32 bias");
  require_rank(ctx, input, 2, "SVDF input");
  auto& st = ctx.state<SvdfState>();
  st.rank = ctx.attr_int("rank", 1);
  const int64_t n_filter = wf.dim(0), n_memory = wt.dim(1);
  if (st.rank <= 0 || n_filter % st.rank != 0) ctx.unsupported("filters not divisible by rank");
  if (state.element_count() != input.dim(0) * n_filter * n_memory)
    ctx.unsupported("state size differs from batch * filters * memory");
  const QParams in_q = qparams(ctx, input, "input");
  const QParams wf_q = qparams(ctx, wf, "feature weights");
  const QParams wt_q = qparams(ctx, wt, "time weights");
  const QParams s_q = qparams(ctx, state, "state");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  // svdf.cc forms both products in float before widening.
  st.scale1 = quant::quantize_multiplier(static_cast<double>(in_q.scale * wf_q.scale / s_q.scale));
  st.scale2 = quant::quantize_multiplier(static_cast<double>(s_q.scale * wt_q.scale / out_q.scale));
  st.input_zero_point = in_q.zero_point;
  st.output_zero_point = out_q.zero_point;
  ctx.set_output(0, DType::Int8, {input.dim(0), n_filter / st.rank});
}

// W: time-weight type, S: state type (int16, or int8 in the 8-bit variant).
template <class W, class S>
void svdf_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<SvdfState>();
  const auto in = ctx.in<int8_t>(0);
  const auto wf = ctx.in<int8_t>(1);
  const auto wt = ctx.in<W>(2);
  std::span<const int32_t> bias;
  if (ctx.has_input(3)) bias = ctx.in<int32_t>(3);
  const auto state_id = ctx.node().inputs[4];
  auto state = ctx.tensor(state_id).mutable_view<S>();
  auto out = ctx.out<int8_t>(0);
  const int64_t n_batch = ctx.input(0).dim(0), n_input = ctx.input(0).dim(1);
  const int64_t n_filter = ctx.input(1).dim(0), n_memory = ctx.input(2).dim(1);
  const int64_t n_unit = n_filter / st.rank;
  // Shift the whole state one step left (the newest slot of each filter is overwritten below).
  if (!state.empty()) std::copy(state.begin() + 1, state.end(), state.begin());
  for (int64_t b = 0; b < n_batch; ++b)
    for (int64_t f = 0; f < n_filter; ++f) {
      int32_t dot = 0;
      for (int64_t c = 0; c < n_input; ++c)
        dot +=
            static_cast<int32_t>(wf[static_cast<size_t>(f * n_input + c)]) *
            (static_cast<int32_t>(in[static_cast<size_t>(b * n_input + c)]) - st.input_zero_point);
      dot = quant::multiply_by_quantized_multiplier(dot, st.scale1);
      state[static_cast<size_t>((b * n_filter + f) * n_memory + n_memory - 1)] =
          quant::saturate<S>(dot);
    }
  std::vector<int32_t> scratch(static_cast<size_t>(n_batch * n_filter));
  for (int64_t b = 0; b < n_batch; ++b)
    for (int64_t f = 0; f < n_filter; ++f) {
      int32_t dot = 0;
      for (int64_t m = 0; m < n_memory; ++m)
        dot += static_cast<int32_t>(wt[static_cast<size_t>(f * n_memory + m)]) *
               static_cast<int32_t>(state[static_cast<size_t>((b * n_filter + f) * n_memory + m)]);
      scratch[static_cast<size_t>(b * n_filter + f)] = dot;
    }
  for (int64_t i = 0; i < n_batch * n_unit; ++i) {
    int32_t sum = 0;
    for (int64_t r = 0; r < st.rank; ++r) sum += scratch[static_cast<size_t>(i * st.rank + r)];
    if (!bias.empty()) sum += bias[static_cast<size_t>(i % n_unit)];
    const int32_t v =
        quant::multiply_by_quantized_multiplier(sum, st.scale2) + st.output_zero_point;
    out[static_cast<size_t>(i)] = quant::saturate<int8_t>(v);
  }
}

void svdf_eval(NodeContext& ctx) {
  const bool w8 = ctx.input(2).dtype == DType::Int8;
  const bool s8 = ctx.input(4).dtype == DType::Int8;
  if (w8 && s8)
    svdf_eval_typed<int8_t, int8_t>(ctx);
  else if (w8)
    svdf_eval_typed<int8_t, int16_t>(ctx);
  else if (s8)
    svdf_eval_typed<int16_t, int8_t>(ctx);
  else
    svdf_eval_typed<int16_t, int16_t>(ctx);
}

const RegisterKernel kSvdfInt8("SVDF", DType::Int8, {svdf_prepare, svdf_eval});

}  // namespace
}  // namespace edgelens::runtime
