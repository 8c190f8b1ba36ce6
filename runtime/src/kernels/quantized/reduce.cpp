// Quantized MEAN. The 4-D mean over axes {1, 2} with keep_dims uses the integer path of TFLite's
// optimized int8 kernel (raw sum, one quantized multiplier folding in 1/count, a rounded bias);
// other reductions follow reference_ops: integer division when input and output share their
// quantization, otherwise the float rescale of QuantizedMeanOrSum.
#include <cmath>
#include <vector>

#include "common.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

struct MeanState {
  std::vector<bool> reduce;  // per input axis
  bool special_4d = false;
  quant::Multiplier m;
  int32_t bias = 0;
};

void mean_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  if (!ctx.input_is_constant(1)) ctx.unsupported("MEAN with a non-constant axis");
  const auto& axis_t = ctx.input(1);
  std::vector<int64_t> axes;
  if (axis_t.dtype == DType::Int32)
    for (auto a : axis_t.view<int32_t>()) axes.push_back(a);
  else if (axis_t.dtype == DType::Int64)
    for (auto a : axis_t.view<int64_t>()) axes.push_back(a);
  else
    ctx.unsupported("MEAN axis must be int32 or int64");
  auto& st = ctx.state<MeanState>();
  const int rank = input.rank();
  st.reduce.assign(static_cast<size_t>(rank), false);
  for (auto a : axes) {
    const int64_t r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) ctx.unsupported(fmt::format("MEAN axis {} out of range", a));
    st.reduce[static_cast<size_t>(r)] = true;
  }
  const bool keep = ctx.attr_bool("keep_dims", false);
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d) {
    if (!st.reduce[static_cast<size_t>(d)])
      shape.push_back(input.dim(d));
    else if (keep)
      shape.push_back(1);
  }
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  st.special_4d = input.dtype == DType::Int8 && keep && rank == 4 && axes.size() == 2 &&
                  st.reduce[1] && st.reduce[2];
  if (st.special_4d) {
    const auto count = static_cast<float>(input.dim(1) * input.dim(2));
    float temp = static_cast<float>(in_q.zero_point) * in_q.scale / out_q.scale;
    temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
    st.bias = out_q.zero_point - static_cast<int32_t>(temp);
    st.m = quant::quantize_multiplier(in_q.scale / (count * out_q.scale));
  }
  ctx.set_output(0, input.dtype, std::move(shape));
}

template <class T>
void mean_eval_typed(NodeContext& ctx) {
  const auto& st = ctx.state<MeanState>();
  const auto& input = ctx.input(0);
  const auto in = input.view<T>();
  auto out = ctx.out<T>(0);
  const int rank = input.rank();
  // Output index of every input element (reduced axes collapse).
  std::vector<int64_t> out_stride(static_cast<size_t>(rank), 0);
  int64_t stride = 1, count = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (st.reduce[static_cast<size_t>(d)]) {
      count *= input.dim(d);
    } else {
      out_stride[static_cast<size_t>(d)] = stride;
      stride *= input.dim(d);
    }
  }
  std::vector<int64_t> sums(out.size(), 0);
  std::vector<int64_t> idx(static_cast<size_t>(rank), 0);
  int64_t o = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    sums[static_cast<size_t>(o)] += in[i];
    for (int d = rank - 1; d >= 0; --d) {
      const auto du = static_cast<size_t>(d);
      ++idx[du];
      o += out_stride[du];
      if (idx[du] < input.dim(d)) break;
      o -= out_stride[du] * idx[du];
      idx[du] = 0;
    }
  }
  const QParams in_q = qparams(ctx, input, "input");
  const QParams out_q = qparams(ctx, ctx.output(0), "output");
  for (size_t k = 0; k < out.size(); ++k) {
    int32_t v = 0;
    if (count == 0) {
      v = out_q.zero_point;
    } else if (st.special_4d) {
      v = quant::multiply_by_quantized_multiplier(static_cast<int32_t>(sums[k]), st.m) + st.bias;
    } else if (in_q.scale == out_q.scale && in_q.zero_point == out_q.zero_point) {
      v = static_cast<int32_t>(sums[k] / count);
    } else {
      const float scale = in_q.scale / out_q.scale;
      const float bias = static_cast<float>(-in_q.zero_point) * scale;
      const float mean = static_cast<float>(sums[k]) / static_cast<float>(count);
      const float r = std::round(mean * scale + bias) + static_cast<float>(out_q.zero_point);
      v = static_cast<int32_t>(std::clamp(r, static_cast<float>(quant::qmin<T>()),
                                          static_cast<float>(quant::qmax<T>())));
    }
    out[k] = quant::saturate<T>(v);
  }
}

void mean_eval(NodeContext& ctx) {
  dispatch_int(ctx, ctx.input(0).dtype, [&]<class T>() { mean_eval_typed<T>(ctx); });
}

const RegisterKernel kMeanQ({"MEAN"}, {DType::Int8, DType::UInt8, DType::Int16},
                            {mean_prepare, mean_eval});

}  // namespace
}  // namespace edgelens::runtime
