// Integer UNIDIRECTIONAL_SEQUENCE_LSTM, TFLite's "8x8_16" scheme (unidirectional_sequence_lstm.cc
// PopulateQuantizedLstmParams8x8_16 + lstm_eval.cc LstmStepInteger8x8_16): int8 input, int8
// weights, int32 biases, int8 output state, int16 cell state with a power-of-two scale. Each gate
// is accumulated into int16 at the scale of its intermediate tensor (Q3.12 without layer norm),
// squashed with gemmlowp's 16-bit logistic / tanh, and the cell and hidden state are updated with
// TFLite's rounding shifts. The fifth intermediate tensor carries the hidden (pre-projection)
// scale. Layer-norm and the 12-intermediate 8x8_8 variant are reported as unsupported.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "../lstm_inputs.h"
#include "common.h"
#include "lstm_fixedpoint.h"

namespace edgelens::runtime {
namespace {

using namespace qkernel;

using namespace lstm_inputs;

// One gate's constants: input and recurrent multipliers, the zero-point-folded biases
// (PrecomputeZeroPointTimesWeightWithBias) and the peephole multiplier.
struct Gate {
  quant::Multiplier input_scale, recurrent_scale, cell_scale;
  std::vector<int32_t> input_bias, recurrent_bias;
};

constexpr size_t kNoPeephole = ~size_t{0};

struct IntegerLstm {
  bool cifg = false, peephole = false, projection = false, time_major = false;
  Gate input, forget, cell, output;
  quant::Multiplier hidden_scale, proj_scale;
  std::vector<int32_t> proj_bias;
  int cell_state_scale = 0;  // log2 of the cell state's scale
  int16_t cell_clip = 0;
  int8_t proj_clip = 0;
  int32_t hidden_zp = 0, output_state_zp = 0;
  int64_t n_batch = 0, n_time = 0, n_input = 0, n_cell = 0, n_output = 0;
};

float scale_of(const NodeContext& ctx, const TensorBuffer& t, const char* what) {
  return qparams(ctx, t, what).scale;
}

// TFLite's CheckedLog2.
bool checked_log2(float x, int& log2_result) {
  const float x_log2 = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(x_log2);
  log2_result = static_cast<int>(rounded);
  return std::abs(x_log2 - rounded) < 1e-3f;
}

// bias[row] + zero_point * sum_col weights[row][col]; bias may be absent.
std::vector<int32_t> fold_zero_point(const NodeContext& ctx, int32_t zero_point, size_t weights,
                                     std::optional<size_t> bias) {
  const auto& w = ctx.input(weights);
  const int64_t rows = w.dim(0), cols = w.dim(1);
  const auto data = w.view<int8_t>();
  std::vector<int32_t> out(static_cast<size_t>(rows), 0);
  if (bias && ctx.has_input(*bias)) {
    const auto b = ctx.in<int32_t>(*bias);
    std::copy(b.begin(), b.begin() + rows, out.begin());
  }
  for (int64_t r = 0; r < rows; ++r) {
    int32_t sum = 0;
    for (int64_t c = 0; c < cols; ++c) sum += data[static_cast<size_t>(r * cols + c)];
    out[static_cast<size_t>(r)] += sum * zero_point;
  }
  return out;
}

void integer_lstm_prepare(NodeContext& ctx) {
  const auto& input = ctx.input(kInput);
  require_rank(ctx, input, 3, "LSTM input");
  for (size_t n : {kInputNorm, kForgetNorm, kCellNorm, kOutputNorm})
    if (ctx.has_input(n)) ctx.unsupported("layer-norm integer LSTM is not supported yet");
  const auto& intermediates = ctx.node().intermediates;
  if (intermediates.size() != 5)
    ctx.unsupported(fmt::format(
        "integer LSTM with {} intermediate tensors (only TFLite's 8x8_16 form with 5 is supported)",
        intermediates.size()));
  if (!ctx.has_input(kOutputState) || !ctx.has_input(kCellState))
    ctx.unsupported("state tensors missing");
  const auto& output_state = ctx.input(kOutputState);
  const auto& cell_state = ctx.input(kCellState);
  if (output_state.dtype != DType::Int8 || cell_state.dtype != DType::Int16)
    ctx.unsupported(
        fmt::format("integer LSTM needs an int8 output state and int16 cell state, got "
                    "{} and {}",
                    dtype_name(output_state.dtype), dtype_name(cell_state.dtype)));
  auto& st = ctx.state<IntegerLstm>();
  st.cifg = !ctx.has_input(kInputToInput);
  st.peephole = ctx.has_input(kCellToOutput);
  st.projection = ctx.has_input(kProjWeights);
  for (size_t w :
       {kInputToForget, kInputToCell, kInputToOutput, kRecToForget, kRecToCell, kRecToOutput}) {
    if (ctx.input(w).dtype != DType::Int8)
      ctx.unsupported(fmt::format("integer LSTM weight input {} is {}, not int8", w,
                                  dtype_name(ctx.input(w).dtype)));
    require_rank(ctx, ctx.input(w), 2, "LSTM weights");
  }
  if (!st.cifg)
    for (size_t w : {kInputToInput, kRecToInput})
      if (!ctx.has_input(w) || ctx.input(w).dtype != DType::Int8)
        ctx.unsupported("input gate weights must all be int8 or all absent");
  for (size_t b : {kInputBias, kForgetBias, kCellBias, kOutputBias, kProjBias})
    if (ctx.has_input(b) && ctx.input(b).dtype != DType::Int32)
      ctx.unsupported("integer LSTM biases must be int32");
  if (st.peephole)
    for (size_t w : {kCellToInput, kCellToForget, kCellToOutput})
      if (ctx.has_input(w) && ctx.input(w).dtype != DType::Int16)
        ctx.unsupported("integer LSTM peephole weights must be int16");
  if (st.projection && ctx.input(kProjWeights).dtype != DType::Int8)
    ctx.unsupported("integer LSTM projection weights must be int8");

  st.time_major = ctx.attr_bool("time_major", false);
  st.n_time = st.time_major ? input.dim(0) : input.dim(1);
  st.n_batch = st.time_major ? input.dim(1) : input.dim(0);
  st.n_input = input.dim(2);
  st.n_cell = ctx.input(kInputToOutput).dim(0);
  st.n_output = st.projection ? ctx.input(kProjWeights).dim(0) : st.n_cell;
  if (ctx.input(kInputToOutput).dim(1) != st.n_input ||
      ctx.input(kRecToOutput).dim(1) != st.n_output)
    ctx.unsupported("LSTM weight shapes do not match input/output sizes");
  if (cell_state.element_count() != st.n_batch * st.n_cell ||
      output_state.element_count() != st.n_batch * st.n_output)
    ctx.unsupported("LSTM state sizes do not match batch * cells / outputs");

  // Scales, formed in float as TFLite does before QuantizeMultiplier.
  const float input_scale = scale_of(ctx, input, "input");
  const QParams out_state_q = qparams(ctx, output_state, "output state");
  const float out_state_scale = out_state_q.scale;
  if (!checked_log2(scale_of(ctx, cell_state, "cell state"), st.cell_state_scale))
    ctx.unsupported("integer LSTM cell state scale is not a power of two");
  // TFLite's ApplyTanh handles Q0..Q6 cell states only.
  if (15 + st.cell_state_scale < 0 || 15 + st.cell_state_scale > 6)
    ctx.unsupported(fmt::format("integer LSTM cell state scale 2^{} is outside 2^-15..2^-9",
                                st.cell_state_scale));
  const TensorBuffer& hidden = ctx.tensor(intermediates[4]);
  const QParams hidden_q = qparams(ctx, hidden, "hidden intermediate");
  const float gate_scale = std::pow(2.0f, -12.0f);  // Q3.12 gates without layer norm
  // TFLite writes these powers as std::pow(2, int), a double, so those products are formed in
  // double and stored as float.
  const double cell_pot = std::pow(2.0, st.cell_state_scale);
  auto weight_scale = [&](size_t w) { return scale_of(ctx, ctx.input(w), "weights"); };
  auto make_gate = [&](Gate& g, size_t in_w, size_t rec_w, size_t peephole_w, size_t bias) {
    g.input_scale = quant::quantize_multiplier(weight_scale(in_w) * input_scale / gate_scale);
    g.recurrent_scale =
        quant::quantize_multiplier(weight_scale(rec_w) * out_state_scale / gate_scale);
    if (st.peephole && peephole_w != kNoPeephole && ctx.has_input(peephole_w))
      g.cell_scale = quant::quantize_multiplier(
          static_cast<float>(cell_pot * weight_scale(peephole_w) / gate_scale));
    const QParams in_q = qparams(ctx, input, "input");
    g.input_bias = fold_zero_point(ctx, -in_q.zero_point, in_w, bias);
    g.recurrent_bias = fold_zero_point(ctx, -out_state_q.zero_point, rec_w, std::nullopt);
  };
  if (!st.cifg) make_gate(st.input, kInputToInput, kRecToInput, kCellToInput, kInputBias);
  make_gate(st.forget, kInputToForget, kRecToForget, kCellToForget, kForgetBias);
  make_gate(st.cell, kInputToCell, kRecToCell, kNoPeephole, kCellBias);
  make_gate(st.output, kInputToOutput, kRecToOutput, kCellToOutput, kOutputBias);
  st.hidden_scale = quant::quantize_multiplier(
      static_cast<float>(std::pow(2.0, -15) / hidden_q.scale * std::pow(2.0, -15)));
  st.hidden_zp = hidden_q.zero_point;
  st.output_state_zp = out_state_q.zero_point;
  if (st.projection) {
    st.proj_scale =
        quant::quantize_multiplier(weight_scale(kProjWeights) * hidden_q.scale / out_state_scale);
    st.proj_bias = fold_zero_point(ctx, st.hidden_zp, kProjWeights, kProjBias);
  }
  const auto cell_clip = static_cast<float>(ctx.attr_float("cell_clip", 0));
  const auto proj_clip = static_cast<float>(ctx.attr_float("proj_clip", 0));
  const float cell_scale = scale_of(ctx, cell_state, "cell state");
  if (cell_clip > 0)
    st.cell_clip =
        static_cast<int16_t>(std::min(std::max(cell_clip / cell_scale, -32768.0f), 32767.0f));
  if (proj_clip > 0) {
    const float out_scale = scale_of(ctx, ctx.output(0), "output");
    st.proj_clip = static_cast<int8_t>(std::min(std::max(proj_clip / out_scale, -128.0f), 127.0f));
  }
  ctx.set_output(0, DType::Int8, {input.dim(0), input.dim(1), st.n_output});
}

// PortableMatrixBatchVectorMultiplyAccumulate (int8 x int8 -> int16, accumulating into out).
template <class Out>
void matmul_accumulate(const int8_t* vec, const int32_t* bias, const int8_t* weights,
                       quant::Multiplier m, int64_t n_in, int64_t n_out, int32_t out_zp, Out* out) {
  for (int64_t r = 0; r < n_out; ++r) {
    int32_t acc = bias[r];
    for (int64_t c = 0; c < n_in; ++c) acc += int32_t{vec[c]} * int32_t{weights[r * n_in + c]};
    acc = quant::multiply_by_quantized_multiplier(acc, m) + out_zp + int32_t{out[r]};
    out[r] = quant::saturate<Out>(acc);
  }
}

// CalculateLstmGateInteger8x8_16 for one batch row; `sigmoid` false means tanh.
void gate_integer(const Gate& g, const int8_t* x, const int8_t* weights_x, const int8_t* h,
                  const int8_t* weights_h, const int16_t* c, const int16_t* peephole,
                  const IntegerLstm& st, bool sigmoid, int16_t* gate) {
  std::fill_n(gate, st.n_cell, int16_t{0});
  matmul_accumulate(x, g.input_bias.data(), weights_x, g.input_scale, st.n_input, st.n_cell, 0,
                    gate);
  matmul_accumulate(h, g.recurrent_bias.data(), weights_h, g.recurrent_scale, st.n_output,
                    st.n_cell, 0, gate);
  if (peephole)
    for (int64_t i = 0; i < st.n_cell; ++i) {
      const int32_t prod = quant::multiply_by_quantized_multiplier(
          int32_t{peephole[i]} * int32_t{c[i]}, g.cell_scale);
      gate[i] = quant::saturate<int16_t>(prod + int32_t{gate[i]});
    }
  for (int64_t i = 0; i < st.n_cell; ++i)
    gate[i] = sigmoid ? fixed16::logistic(gate[i], 3) : fixed16::tanh(gate[i], 3);
}

// PortableCwiseMul with a rounding shift; the result is truncated to int16 like TFLite's cast.
int16_t mul_shift(int16_t a, int16_t b, int shift) {
  return static_cast<int16_t>(quant::rounding_divide_by_pot(int32_t{a} * int32_t{b}, shift));
}

void integer_lstm_eval(NodeContext& ctx) {
  const auto& st = ctx.state<IntegerLstm>();
  auto w8 = [&](size_t i) { return ctx.has_input(i) ? ctx.in<int8_t>(i).data() : nullptr; };
  auto w16 = [&](size_t i) { return ctx.has_input(i) ? ctx.in<int16_t>(i).data() : nullptr; };
  auto h_state = ctx.tensor(ctx.node().inputs[kOutputState]).mutable_view<int8_t>();
  auto c_state = ctx.tensor(ctx.node().inputs[kCellState]).mutable_view<int16_t>();
  const auto x_all = ctx.in<int8_t>(kInput);
  auto out = ctx.out<int8_t>(0);
  const auto cells = static_cast<size_t>(st.n_cell);
  std::vector<int16_t> gi(cells), gf(cells), gc(cells), go(cells);
  std::vector<int8_t> hidden(cells);
  const int16_t* peep_i = st.peephole ? w16(kCellToInput) : nullptr;
  const int16_t* peep_f = st.peephole ? w16(kCellToForget) : nullptr;
  const int16_t* peep_o = st.peephole ? w16(kCellToOutput) : nullptr;
  const int64_t O = st.n_output;
  for (int64_t b = 0; b < st.n_batch; ++b)
    for (int64_t t = 0; t < st.n_time; ++t) {
      const int64_t row = st.time_major ? t * st.n_batch + b : b * st.n_time + t;
      const int8_t* x = &x_all[static_cast<size_t>(row * st.n_input)];
      int8_t* h = &h_state[static_cast<size_t>(b * O)];
      int16_t* c = &c_state[static_cast<size_t>(b * st.n_cell)];
      gate_integer(st.forget, x, w8(kInputToForget), h, w8(kRecToForget), c, peep_f, st, true,
                   gf.data());
      gate_integer(st.cell, x, w8(kInputToCell), h, w8(kRecToCell), c, nullptr, st, false,
                   gc.data());
      if (st.cifg) {
        for (size_t i = 0; i < cells; ++i) gi[i] = static_cast<int16_t>(32767 - gf[i]);
      } else {
        gate_integer(st.input, x, w8(kInputToInput), h, w8(kRecToInput), c, peep_i, st, true,
                     gi.data());
      }
      // UpdateLstmCellInteger: c = f*c >> 15 + i*g >> (30 + cell_scale), saturating add, clip.
      for (size_t i = 0; i < cells; ++i) {
        const int16_t kept = mul_shift(gf[i], c[i], 15);
        const int16_t added = mul_shift(gi[i], gc[i], 30 + st.cell_state_scale);
        int32_t sum = std::clamp(int32_t{kept} + int32_t{added}, -32768, 32767);
        if (st.cell_clip > 0) sum = std::clamp<int32_t>(sum, -st.cell_clip, st.cell_clip);
        c[i] = static_cast<int16_t>(sum);
      }
      gate_integer(st.output, x, w8(kInputToOutput), h, w8(kRecToOutput), c, peep_o, st, true,
                   go.data());
      // CalculateLstmOutputInteger8x8_16: hidden = o * tanh(c) requantized to the hidden scale.
      for (size_t i = 0; i < cells; ++i) {
        const int16_t tanh_c = fixed16::tanh(c[i], 15 + st.cell_state_scale);
        int32_t v = quant::multiply_by_quantized_multiplier(int32_t{go[i]} * int32_t{tanh_c},
                                                            st.hidden_scale);
        hidden[i] = quant::saturate<int8_t>(v + st.hidden_zp);
      }
      if (st.projection) {
        std::fill_n(h, O, int8_t{0});
        matmul_accumulate(hidden.data(), st.proj_bias.data(), w8(kProjWeights), st.proj_scale,
                          st.n_cell, O, st.output_state_zp, h);
        if (st.proj_clip > 0)
          for (int64_t i = 0; i < O; ++i)
            h[i] = static_cast<int8_t>(std::clamp<int32_t>(h[i], -st.proj_clip, st.proj_clip));
      } else {
        std::copy(hidden.begin(), hidden.end(), h);
      }
      std::copy(h, h + O, &out[static_cast<size_t>(row * O)]);
    }
}

const RegisterKernel kIntegerLstm("UNIDIRECTIONAL_SEQUENCE_LSTM", DType::Int8,
                                  {integer_lstm_prepare, integer_lstm_eval});

}  // namespace
}  // namespace edgelens::runtime
