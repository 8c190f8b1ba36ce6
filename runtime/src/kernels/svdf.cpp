// SVDF, float32 (TFLite reference_ops::EvalFloatSVDF): shift the variable state one step left,
// write each filter's feature dot product into its newest slot, take every filter's dot product
// with its time weights, sum groups of `rank` filters into units, add the bias, apply the fused
// activation. Hybrid SVDF (int8 weights with float input) is reported as unsupported.
#include <algorithm>
#include <cmath>
#include <vector>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct FloatSvdf {
  int64_t rank = 1, batch = 0, input_size = 0, filters = 0, memory = 0, units = 0;
};

void svdf_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(0);
  const auto& wf = ctx.input(1);
  const auto& wt = ctx.input(2);
  if (wf.dtype != DType::Float32 || wt.dtype != DType::Float32)
    ctx.unsupported(
        fmt::format("hybrid SVDF ({} feature / {} time weights with float input) is "
                    "not supported",
                    dtype_name(wf.dtype), dtype_name(wt.dtype)));
  if (input.rank() != 2 || wf.rank() != 2 || wt.rank() != 2)
    ctx.unsupported("SVDF input and weights must be 2-D");
  if (!ctx.has_input(4)) ctx.unsupported("SVDF without its state tensor");
  const auto& state = ctx.input(4);
  if (state.dtype != DType::Float32) ctx.unsupported("float SVDF needs a float32 state");
  auto& st = ctx.state<FloatSvdf>();
  st.rank = ctx.attr_int("rank", 1);
  st.batch = input.dim(0);
  st.input_size = input.dim(1);
  st.filters = wf.dim(0);
  st.memory = wt.dim(1);
  if (wf.dim(1) != st.input_size || wt.dim(0) != st.filters)
    ctx.unsupported("SVDF weight shapes do not match the input");
  if (st.rank <= 0 || st.filters % st.rank != 0) ctx.unsupported("filters not divisible by rank");
  st.units = st.filters / st.rank;
  if (ctx.has_input(3) &&
      (ctx.input(3).dtype != DType::Float32 || ctx.input(3).element_count() != st.units))
    ctx.unsupported("SVDF bias must be float32 with one value per unit");
  if (state.element_count() != st.batch * st.filters * st.memory)
    ctx.unsupported("state size differs from batch * filters * memory");
  (void)apply_activation(ctx.activation(),
                         0.f);  // every fused activation is defined for float SVDF
  ctx.set_output(0, DType::Float32, {st.batch, st.units});
}

void svdf_eval(NodeContext& ctx) {
  const auto& st = ctx.state<FloatSvdf>();
  const auto in = ctx.in<float>(0);
  const auto wf = ctx.in<float>(1);
  const auto wt = ctx.in<float>(2);
  std::span<const float> bias;
  if (ctx.has_input(3)) bias = ctx.in<float>(3);
  auto state = ctx.tensor(ctx.node().inputs[4]).mutable_view<float>();
  auto out = ctx.out<float>(0);
  const auto act = ctx.activation();
  if (!state.empty()) std::copy(state.begin() + 1, state.end(), state.begin());
  auto at = [](int64_t i) { return static_cast<size_t>(i); };
  for (int64_t b = 0; b < st.batch; ++b)
    for (int64_t f = 0; f < st.filters; ++f) {
      float dot = 0.f;
      for (int64_t k = 0; k < st.input_size; ++k)
        dot += wf[at(f * st.input_size + k)] * in[at(b * st.input_size + k)];
      state[at((b * st.filters + f) * st.memory + st.memory - 1)] = dot;
    }
  std::vector<float> scratch(at(st.batch * st.filters));
  for (int64_t b = 0; b < st.batch; ++b)
    for (int64_t f = 0; f < st.filters; ++f) {
      float dot = 0.f;
      for (int64_t m = 0; m < st.memory; ++m)
        dot += wt[at(f * st.memory + m)] * state[at((b * st.filters + f) * st.memory + m)];
      scratch[at(b * st.filters + f)] = dot;
    }
  for (int64_t b = 0; b < st.batch; ++b)
    for (int64_t u = 0; u < st.units; ++u) {
      float v = bias.empty() ? 0.f : bias[at(u)];
      for (int64_t r = 0; r < st.rank; ++r) v += scratch[at(b * st.filters + u * st.rank + r)];
      out[at(b * st.units + u)] = apply_activation(act, v);
    }
}

const RegisterKernel kSvdfFloat("SVDF", DType::Float32, {svdf_prepare, svdf_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
