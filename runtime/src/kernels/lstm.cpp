// UNIDIRECTIONAL_SEQUENCE_LSTM, float32 (TFLite lstm_eval.cc order: gate = bias + W_x.x + W_h.h,
// peephole terms, sigmoid/activation, cell update with optional clip, optional projection).
// State lives in the variable tensors (inputs 18 and 19) and persists across invokes.
#include "float_util.h"
#include "lstm_inputs.h"

namespace edgelens::runtime::kernels {
namespace {

using namespace lstm_inputs;

float sigmoid(float x) {
  return 1.f / (1.f + std::exp(-x));
}

void lstm_prepare(NodeContext& ctx) {
  const auto& in = ctx.input(kInput);
  if (in.rank() != 3) ctx.unsupported("input must be 3-D");
  for (size_t w :
       {kInputToForget, kInputToCell, kInputToOutput, kRecToForget, kRecToCell, kRecToOutput})
    if (ctx.input(w).dtype != DType::Float32)
      ctx.unsupported("hybrid (quantized weight) LSTM is not supported");
  for (size_t n : {kInputNorm, kForgetNorm, kCellNorm, kOutputNorm})
    if (ctx.has_input(n)) ctx.unsupported("layer-norm LSTM is not supported yet");
  if (!ctx.has_input(kOutputState) || !ctx.has_input(kCellState))
    ctx.unsupported("state tensors missing");
  const bool time_major = ctx.attr_bool("time_major", false);
  const int64_t out_size =
      ctx.has_input(kProjWeights) ? ctx.input(kProjWeights).dim(0) : ctx.input(kRecToOutput).dim(1);
  const int64_t cells = ctx.input(kInputToOutput).dim(0);
  if (ctx.input(kCellState).element_count() != in.dim(time_major ? 1 : 0) * cells)
    ctx.unsupported("cell state size mismatch");
  ctx.set_output(0, DType::Float32, {in.dim(0), in.dim(1), out_size});
}

void lstm_eval(NodeContext& ctx) {
  const auto& in_t = ctx.input(kInput);
  const bool time_major = ctx.attr_bool("time_major", false);
  const auto act = ctx.activation();
  const float cell_clip = static_cast<float>(ctx.attr_float("cell_clip", 0));
  const float proj_clip = static_cast<float>(ctx.attr_float("proj_clip", 0));
  const int64_t T = time_major ? in_t.dim(0) : in_t.dim(1),
                B = time_major ? in_t.dim(1) : in_t.dim(0);
  const int64_t I = in_t.dim(2);
  const int64_t N = ctx.input(kInputToOutput).dim(0);  // cells
  const bool cifg = !ctx.has_input(kInputToInput);
  const bool proj = ctx.has_input(kProjWeights);
  const int64_t O = proj ? ctx.input(kProjWeights).dim(0) : N;
  auto h_state = ctx.tensor(ctx.node().inputs[kOutputState]).mutable_view<float>();
  auto c_state = ctx.tensor(ctx.node().inputs[kCellState]).mutable_view<float>();
  const auto x_all = in_t.view<float>();
  auto out = ctx.out<float>(0);
  auto w = [&](size_t i) { return ctx.has_input(i) ? ctx.in<float>(i).data() : nullptr; };
  const auto cells = static_cast<size_t>(N);
  std::vector<float> gi(cells), gf(cells), gc(cells), go(cells), h(cells);
  // gate[r] = bias[r] + sum W_x[r].x + sum W_h[r].h_prev (each dot accumulated, then added).
  auto gate = [&](std::vector<float>& g, size_t wx, size_t wh, size_t bias, const float* x,
                  const float* hp) {
    const float* Wx = w(wx);
    const float* Wh = w(wh);
    const float* b = w(bias);
    for (int64_t r = 0; r < N; ++r) g[size_t(r)] = b ? b[r] : 0.f;
    for (int64_t r = 0; r < N; ++r) {
      float dot = 0.f;
      for (int64_t k = 0; k < I; ++k) dot += Wx[r * I + k] * x[k];
      g[size_t(r)] += dot;
    }
    for (int64_t r = 0; r < N; ++r) {
      float dot = 0.f;
      for (int64_t k = 0; k < O; ++k) dot += Wh[r * O + k] * hp[k];
      g[size_t(r)] += dot;
    }
  };
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b) {
      const int64_t row = time_major ? t * B + b : b * T + t;
      const float* x = &x_all[size_t(row * I)];
      float* hp = &h_state[size_t(b * O)];
      float* cp = &c_state[size_t(b * N)];
      if (!cifg) gate(gi, kInputToInput, kRecToInput, kInputBias, x, hp);
      gate(gf, kInputToForget, kRecToForget, kForgetBias, x, hp);
      gate(gc, kInputToCell, kRecToCell, kCellBias, x, hp);
      gate(go, kInputToOutput, kRecToOutput, kOutputBias, x, hp);
      const float* pi = w(kCellToInput);
      const float* pf = w(kCellToForget);
      const float* po = w(kCellToOutput);
      for (int64_t r = 0; r < N; ++r) {
        const size_t k = size_t(r);
        if (!cifg && pi) gi[k] += pi[r] * cp[r];
        if (pf) gf[k] += pf[r] * cp[r];
        const float f = sigmoid(gf[k]);
        const float i = cifg ? 1.f - f : sigmoid(gi[k]);
        const float g = apply_activation(act, gc[k]);
        float c = f * cp[r] + i * g;
        if (cell_clip > 0) c = std::min(std::max(c, -cell_clip), cell_clip);
        cp[r] = c;
        if (po) go[k] += po[r] * c;
        h[k] = sigmoid(go[k]) * apply_activation(act, c);
      }
      if (proj) {
        const float* P = w(kProjWeights);
        const float* pb = w(kProjBias);
        for (int64_t r = 0; r < O; ++r) {
          float v = pb ? pb[r] : 0.f;
          float dot = 0.f;
          for (int64_t k = 0; k < N; ++k) dot += P[r * N + k] * h[size_t(k)];
          v += dot;
          if (proj_clip > 0) v = std::min(std::max(v, -proj_clip), proj_clip);
          hp[r] = v;
        }
      } else {
        std::copy(h.begin(), h.end(), hp);
      }
      std::copy(hp, hp + O, &out[size_t(row * O)]);
    }
}

const RegisterKernel kLstm("UNIDIRECTIONAL_SEQUENCE_LSTM", DType::Float32,
                           {lstm_prepare, lstm_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
