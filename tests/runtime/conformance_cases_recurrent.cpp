// Conformance cases for the recurrent ops with variable state tensors: SVDF (float32, and the
// integer form with int16 time weights and state) and UNIDIRECTIONAL_SEQUENCE_LSTM
// (float32, and TFLite's 8x8_16 integer LSTM: int8 activations and weights, int16 cell state,
// five intermediate tensors). One-op models compared with tfjs-tflite, which runs both ops with
// TFLite's builtin kernels (XNNPACK takes neither). One invoke from a zero state: SVDF's newest
// memory slot carries the feature products, the LSTM runs its whole sequence. Appended to the
// grid by all_cases().
#include <string>

#include "conformance_cases.h"

namespace edgelens::conformance {
namespace {

struct SvdfP {
  int batch, input_size, filters, memory, rank;
  const char* activation;
  bool bias;
};

std::vector<std::byte> random_bytes(Model& m, DType t, size_t n, float lo, float hi,
                                    float scale = 1) {
  if (t == DType::Float32) {
    std::vector<float> v(n);
    for (auto& x : v) x = m.rng.uniform(lo, hi);
    return TfliteBuilder::bytes_of(v);
  }
  if (t == DType::Int16) {
    std::vector<int16_t> v(n);
    for (auto& x : v) x = static_cast<int16_t>(std::lround(m.rng.uniform(lo, hi) / scale));
    return TfliteBuilder::bytes_of(v);
  }
  if (t == DType::Int32) {
    std::vector<int32_t> v(n);
    for (auto& x : v) x = static_cast<int32_t>(std::lround(m.rng.uniform(lo, hi) / scale));
    return TfliteBuilder::bytes_of(v);
  }
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(std::lround(m.rng.uniform(lo, hi) / scale));
  return TfliteBuilder::bytes_of(v);
}

// time_type: the time weights' and state's dtype for integer SVDF (int16, or int8).
void build_svdf(Model& m, DType t, DType time_type, const SvdfP& p) {
  const bool integer = t != DType::Float32;
  const int units = p.filters / p.rank;
  auto spec = [&](const std::string& name, DType dt, std::vector<int64_t> shape, float scale,
                  int64_t zp) {
    TfliteBuilder::TensorSpec s{.name = name, .dtype = dt, .shape = std::move(shape)};
    if (integer) s.quant = {.scales = {scale}, .zero_points = {zp}};
    return s;
  };
  const float in_scale = 1.0f / 64, wf_scale = 1.0f / 127,
              wt_scale = time_type == DType::Int16 ? 1.0f / 32767 : 1.0f / 127;
  const float state_scale = time_type == DType::Int16 ? 16.0f / 32767 : 16.0f / 127;
  const float out_scale = 16.0f / 127;
  auto x_spec = spec("input0", t, {p.batch, p.input_size}, in_scale, integer ? 5 : 0);
  const int x = m.builder.add_tensor(x_spec);
  m.inputs.push_back(x);
  auto wf = spec("weights_feature", t, {p.filters, p.input_size}, wf_scale, 0);
  wf.data = random_bytes(m, t, static_cast<size_t>(p.filters * p.input_size), -1, 1, wf_scale);
  const int wf_id = m.builder.add_tensor(wf);
  const DType wt_type = integer ? time_type : DType::Float32;
  auto wt = spec("weights_time", wt_type, {p.filters, p.memory}, wt_scale, 0);
  wt.data = random_bytes(m, wt_type, static_cast<size_t>(p.filters * p.memory), -1, 1, wt_scale);
  const int wt_id = m.builder.add_tensor(wt);
  int b_id = -1;
  if (p.bias) {
    const DType bt = integer ? DType::Int32 : DType::Float32;
    auto b = spec("bias", bt, {units}, state_scale * wt_scale, 0);
    b.data = random_bytes(m, bt, static_cast<size_t>(units), -1, 1, state_scale * wt_scale);
    b_id = m.builder.add_tensor(b);
  }
  auto s = spec("state", wt_type, {p.batch, p.filters * p.memory}, state_scale, 0);
  s.is_variable = true;
  const int s_id = m.builder.add_tensor(s);
  const int y = m.builder.add_tensor(spec("output", t, {p.batch, units}, out_scale, -3));
  m.outputs.push_back(y);
  m.builder.add_op({.op = "SVDF",
                    .version = integer ? 3 : 1,
                    .inputs = {x, wf_id, wt_id, b_id, s_id},
                    .outputs = {y},
                    .options = {{"rank", int64_t{p.rank}},
                                {"fused_activation_function", std::string(p.activation)}}});
}

struct LstmP {
  int batch, time, input_size, cells;
  bool cifg;
  float cell_clip;
};

void build_lstm(Model& m, DType t, const LstmP& p) {
  const bool integer = t == DType::Int8;
  const float in_scale = 1.0f / 64, w_scale = 1.0f / 127, h_scale = 1.0f / 128;
  auto quant = [&](TfliteBuilder::TensorSpec& s, float scale, int64_t zp) {
    if (integer) s.quant = {.scales = {scale}, .zero_points = {zp}};
  };
  TfliteBuilder::TensorSpec x{
      .name = "input0", .dtype = t, .shape = {p.batch, p.time, p.input_size}};
  quant(x, in_scale, 4);
  const int x_id = m.builder.add_tensor(x);
  m.inputs.push_back(x_id);
  auto weight = [&](const std::string& name, int cols) {
    TfliteBuilder::TensorSpec w{.name = name, .dtype = t, .shape = {p.cells, cols}};
    quant(w, w_scale, 0);
    w.data = random_bytes(m, t, static_cast<size_t>(p.cells * cols), -1, 1, w_scale);
    return m.builder.add_tensor(w);
  };
  auto bias = [&](const std::string& name) {
    const DType bt = integer ? DType::Int32 : DType::Float32;
    TfliteBuilder::TensorSpec b{.name = name, .dtype = bt, .shape = {p.cells}};
    quant(b, in_scale * w_scale, 0);
    b.data = random_bytes(m, bt, static_cast<size_t>(p.cells), -0.5f, 0.5f, in_scale * w_scale);
    return m.builder.add_tensor(b);
  };
  std::vector<int32_t> ins(24, -1);
  ins[0] = x_id;
  const char* gates[] = {"input", "forget", "cell", "output"};
  for (int g = p.cifg ? 1 : 0; g < 4; ++g) {
    ins[static_cast<size_t>(1 + g)] = weight(fmt::format("input_to_{}", gates[g]), p.input_size);
    ins[static_cast<size_t>(5 + g)] = weight(fmt::format("recurrent_to_{}", gates[g]), p.cells);
    ins[static_cast<size_t>(12 + g)] = bias(fmt::format("{}_bias", gates[g]));
  }
  TfliteBuilder::TensorSpec h{.name = "output_state", .dtype = t, .shape = {p.batch, p.cells}};
  quant(h, h_scale, 0);
  h.is_variable = true;
  ins[18] = m.builder.add_tensor(h);
  TfliteBuilder::TensorSpec c{.name = "cell_state",
                              .dtype = integer ? DType::Int16 : DType::Float32,
                              .shape = {p.batch, p.cells}};
  quant(c, 1.0f / 2048, 0);  // 2^-11: Q4.11
  c.is_variable = true;
  ins[19] = m.builder.add_tensor(c);
  TfliteBuilder::TensorSpec y{.name = "output", .dtype = t, .shape = {p.batch, p.time, p.cells}};
  quant(y, h_scale, 0);
  const int y_id = m.builder.add_tensor(y);
  m.outputs.push_back(y_id);
  std::vector<int32_t> intermediates;
  if (integer) {
    // Gate intermediates (read only with layer norm) and the hidden state's scale.
    for (const char* name :
         {"input_to_input", "input_to_forget", "input_to_cell", "input_to_output"})
      intermediates.push_back(m.builder.add_tensor(
          {.name = fmt::format("{}_intermediate", name), .dtype = DType::Float32, .shape = {0}}));
    TfliteBuilder::TensorSpec hidden{
        .name = "effective_hidden_scale_intermediate", .dtype = DType::Int8, .shape = {0}};
    hidden.quant = {.scales = {h_scale}, .zero_points = {0}};
    intermediates.push_back(m.builder.add_tensor(hidden));
  }
  m.builder.add_op({.op = "UNIDIRECTIONAL_SEQUENCE_LSTM",
                    .version = integer ? 3 : 1,
                    .inputs = ins,
                    .outputs = {y_id},
                    .intermediates = intermediates,
                    .options = {{"fused_activation_function", std::string("TANH")},
                                {"cell_clip", double{p.cell_clip}},
                                {"proj_clip", 0.0},
                                {"time_major", false}}});
}

}  // namespace

void add_recurrent_cases(std::vector<Case>& cases) {
  const SvdfP grid[] = {{1, 12, 8, 4, 1, "NONE", true},
                        {2, 7, 6, 3, 2, "RELU", true},
                        {1, 16, 4, 8, 1, "RELU", false}};
  for (const auto& p : grid) {
    const auto params = fmt::format("b{}_in{}_f{}_m{}_r{}_{}{}", p.batch, p.input_size, p.filters,
                                    p.memory, p.rank, p.activation, p.bias ? "" : "_nobias");
    cases.push_back({"SVDF", DType::Float32, params,
                     [=](Model& m) { build_svdf(m, DType::Float32, DType::Float32, p); }});
    // TFLite's integer SVDF takes int16 time weights and state only (the int8 variant of
    // keyword_scrambled_8bit is tflite-micro's; tfjs-tflite runs it on misread data) and
    // refuses activations other than RELU, which it does not apply: int8 cases use RELU.
    if (std::string(p.activation) == "RELU")
      cases.push_back({"SVDF", DType::Int8, params + "_t16",
                       [=](Model& m) { build_svdf(m, DType::Int8, DType::Int16, p); }});
  }
  const LstmP lstms[] = {{1, 5, 6, 8, false, 10.0f}, {2, 3, 4, 5, true, 0.0f}};
  for (const auto& p : lstms) {
    const auto params = fmt::format("b{}_t{}_in{}_c{}{}{}", p.batch, p.time, p.input_size, p.cells,
                                    p.cifg ? "_cifg" : "", p.cell_clip > 0 ? "_clip" : "");
    for (DType t : {DType::Float32, DType::Int8})
      cases.push_back(
          {"UNIDIRECTIONAL_SEQUENCE_LSTM", t, params, [=](Model& m) { build_lstm(m, t, p); }});
  }
}

}  // namespace edgelens::conformance
