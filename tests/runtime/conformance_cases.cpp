// The conformance grid (see conformance_cases.h). Weights are random but fixed by seed; quantized
// scales are chosen so outputs use a good part of their integer range without saturating.
#include "conformance_cases.h"

#include <algorithm>

namespace edgelens::conformance {

using Attr = edgelens::Attribute;

std::string Case::id() const {
  std::string s = fmt::format("{}_{}_{}", op, dtype_name(dtype), params);
  for (auto& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  return s;
}

void write_case(const Case& c, const std::string& path) {
  Model m;
  m.rng = Rng(std::hash<std::string>{}(c.id()));
  c.build(m);
  m.builder.set_inputs(m.inputs);
  m.builder.set_outputs(m.outputs);
  m.builder.write_file(path);
}

namespace {

// Weights of real value uniform in [-1, 1]: float32, or int8 symmetric per-channel along `axis`
// (per_channel) / per-tensor, or uint8 with a zero point (legacy).
struct Weights {
  int tensor = -1;
  std::vector<float> scales;  // the weight scales (int), used for the bias scale
};
Weights weights(Model& m, DType act, std::vector<int64_t> shape, int axis, bool per_channel) {
  const int64_t n = count(shape);
  Weights w;
  TfliteBuilder::TensorSpec spec{.name = "weights", .shape = shape};
  if (act == DType::Float32) {
    std::vector<float> v(static_cast<size_t>(n));
    for (auto& x : v) x = m.rng.uniform(-1, 1);
    spec.dtype = DType::Float32;
    spec.data = TfliteBuilder::bytes_of(v);
  } else if (act == DType::UInt8) {
    std::vector<uint8_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = static_cast<uint8_t>(m.rng.integer(0, 255));
    spec.dtype = DType::UInt8;
    spec.data = TfliteBuilder::bytes_of(v);
    w.scales = {2.0f / 255.0f};
    spec.quant = {.scales = w.scales, .zero_points = {127}};
  } else {
    const int64_t channels = per_channel ? shape[static_cast<size_t>(axis)] : 1;
    for (int64_t c = 0; c < channels; ++c) w.scales.push_back(m.rng.uniform(0.5f, 1.0f) / 127.0f);
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = static_cast<int8_t>(m.rng.integer(-127, 127));
    spec.dtype = DType::Int8;
    spec.data = TfliteBuilder::bytes_of(v);
    spec.quant = {.scales = w.scales,
                  .zero_points = std::vector<int64_t>(w.scales.size(), 0),
                  .axis = per_channel ? axis : 0};
  }
  w.tensor = m.builder.add_tensor(spec);
  return w;
}

// Bias of real value uniform in [-1, 1] on scale input_scale * weight_scale[c].
int bias(Model& m, DType act, int64_t channels, float input_scale,
         const std::vector<float>& wscales) {
  TfliteBuilder::TensorSpec spec{.name = "bias", .shape = {channels}};
  if (act == DType::Float32) {
    std::vector<float> v(static_cast<size_t>(channels));
    for (auto& x : v) x = m.rng.uniform(-1, 1);
    spec.dtype = DType::Float32;
    spec.data = TfliteBuilder::bytes_of(v);
    return m.builder.add_tensor(spec);
  }
  std::vector<float> scales;
  for (int64_t c = 0; c < channels; ++c)
    scales.push_back(input_scale * wscales[wscales.size() == 1 ? 0 : static_cast<size_t>(c)]);
  spec.quant = {.scales = scales.size() > 1 ? scales : std::vector<float>{scales[0]},
                .zero_points = std::vector<int64_t>(scales.size() > 1 ? scales.size() : 1, 0)};
  if (act == DType::Int16) {
    std::vector<int64_t> v;
    for (int64_t c = 0; c < channels; ++c)
      v.push_back(
          static_cast<int64_t>(std::round(m.rng.uniform(-1, 1) / scales[static_cast<size_t>(c)])));
    spec.dtype = DType::Int64;
    spec.data = TfliteBuilder::bytes_of(v);
  } else {
    std::vector<int32_t> v;
    for (int64_t c = 0; c < channels; ++c)
      v.push_back(
          static_cast<int32_t>(std::round(m.rng.uniform(-1, 1) / scales[static_cast<size_t>(c)])));
    spec.dtype = DType::Int32;
    spec.data = TfliteBuilder::bytes_of(v);
  }
  return m.builder.add_tensor(spec);
}

void op(Model& m, const std::string& name, std::vector<int32_t> ins, std::vector<int32_t> outs,
        std::vector<Attr> options = {}) {
  m.builder.add_op({.op = name,
                    .inputs = std::move(ins),
                    .outputs = std::move(outs),
                    .options = std::move(options)});
}

int out_dim(bool same, int in, int k, int stride, int dil) {
  const int eff = (k - 1) * dil + 1;
  return same ? (in + stride - 1) / stride : (in - eff + stride) / stride;
}

// Output quantization for a dot product of `fan_in` terms of two ~unit-range factors.
QP dot_output_qp(DType t, int64_t fan_in) {
  return activation_qp(t, 1.2f * std::sqrt(static_cast<float>(fan_in)) + 1.0f);
}

struct ConvP {
  int stride, dilation;
  bool same;
  std::string act;
  bool per_channel = true;
  int cin = 3, cout = 4, h = 9, w = 7, k = 3;
};
std::string conv_name(const ConvP& p) {
  return fmt::format("s{}_d{}_{}_{}_{}x{}x{}_k{}{}", p.stride, p.dilation,
                     p.same ? "SAME" : "VALID", p.act, p.h, p.w, p.cin, p.k,
                     p.per_channel ? "" : "_pertensor");
}

void build_conv(Model& m, DType t, const ConvP& p, bool depthwise) {
  const QP iq = activation_qp(t);
  const int x = graph_input(m, t, {1, p.h, p.w, p.cin}, iq);
  const int cout = depthwise ? p.cin * (p.cout / p.cin > 0 ? p.cout / p.cin : 1) : p.cout;
  const auto wshape = depthwise ? std::vector<int64_t>{1, p.k, p.k, cout}
                                : std::vector<int64_t>{cout, p.k, p.k, p.cin};
  const auto w = weights(m, t, wshape, depthwise ? 3 : 0, p.per_channel);
  const int b = bias(m, t, cout, iq.scale, w.scales);
  const int oh = out_dim(p.same, p.h, p.k, p.stride, p.dilation);
  const int ow = out_dim(p.same, p.w, p.k, p.stride, p.dilation);
  const int y = graph_output(m, t, {1, oh, ow, cout},
                             dot_output_qp(t, depthwise ? p.k * p.k : p.k * p.k * p.cin));
  std::vector<Attr> opts = {{"padding", std::string(p.same ? "SAME" : "VALID")},
                            {"stride_w", int64_t{p.stride}},
                            {"stride_h", int64_t{p.stride}},
                            {"dilation_w_factor", int64_t{p.dilation}},
                            {"dilation_h_factor", int64_t{p.dilation}},
                            {"fused_activation_function", p.act}};
  if (depthwise) opts.push_back({"depth_multiplier", int64_t{cout / p.cin}});
  op(m, depthwise ? "DEPTHWISE_CONV_2D" : "CONV_2D", {x, w.tensor, b}, {y}, opts);
}

const std::vector<DType> kAllTypes = {DType::Float32, DType::Int8, DType::UInt8, DType::Int16};
const std::vector<DType> kFloatInt8 = {DType::Float32, DType::Int8};
const std::vector<DType> kNo16 = {DType::Float32, DType::Int8, DType::UInt8};

}  // namespace

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  // CONV_2D and DEPTHWISE_CONV_2D.
  const std::vector<ConvP> conv_grid = {
      {1, 1, true, "NONE"},        {2, 1, true, "RELU"},
      {1, 2, false, "RELU6"},      {2, 1, false, "NONE", true, 5, 6, 8, 8, 1},
      {1, 1, true, "NONE", false}, {3, 1, true, "RELU_N1_TO_1", true, 2, 2, 11, 5, 5},
  };
  for (DType t : kAllTypes)
    for (const auto& p : conv_grid) {
      if ((t == DType::UInt8 || t == DType::Float32) && !p.per_channel) continue;
      // XNNPACK (both oracles) refuses uint8 weights with a zero point: one uint8 case shows it.
      if (t == DType::UInt8 && &p != &conv_grid.front()) continue;
      cases.push_back({"CONV_2D", t, conv_name(p), [=](Model& m) { build_conv(m, t, p, false); }});
    }
  const std::vector<ConvP> dw_grid = {
      {1, 1, true, "NONE", true, 4, 4},
      {2, 1, true, "RELU6", true, 3, 6},
      {1, 2, false, "RELU", true, 4, 8},
      {2, 1, false, "NONE", false, 5, 5, 6, 10, 3},
  };
  for (DType t : kAllTypes)
    for (const auto& p : dw_grid) {
      if ((t == DType::UInt8 || t == DType::Float32) && !p.per_channel) continue;
      if (t == DType::UInt8 && &p != &dw_grid.front()) continue;
      cases.push_back(
          {"DEPTHWISE_CONV_2D", t, conv_name(p), [=](Model& m) { build_conv(m, t, p, true); }});
    }
  // FULLY_CONNECTED: per-tensor / per-channel, keep_num_dims, activation.
  struct FcP {
    int batch, depth, units;
    bool per_channel, keep;
    std::string act;
  };
  for (DType t : kAllTypes)
    for (const FcP& p : {FcP{1, 16, 8, false, false, "NONE"}, FcP{3, 10, 5, false, false, "RELU"},
                         FcP{2, 7, 6, true, false, "NONE"}, FcP{2, 12, 4, false, true, "RELU6"}}) {
      if (p.per_channel && t != DType::Int8) continue;
      cases.push_back({"FULLY_CONNECTED", t,
                       fmt::format("b{}_d{}_u{}_{}{}{}", p.batch, p.depth, p.units, p.act,
                                   p.per_channel ? "_perchannel" : "", p.keep ? "_keepdims" : ""),
                       [=](Model& m) {
                         const QP iq = activation_qp(t);
                         const auto in_shape = p.keep ? std::vector<int64_t>{1, p.batch, p.depth}
                                                      : std::vector<int64_t>{p.batch, p.depth};
                         const int x = graph_input(m, t, in_shape, iq);
                         const auto w = weights(m, t, {p.units, p.depth}, 0, p.per_channel);
                         const int b = bias(m, t, p.units, iq.scale, w.scales);
                         auto out_shape = in_shape;
                         out_shape.back() = p.units;
                         const int y = graph_output(m, t, out_shape, dot_output_qp(t, p.depth));
                         op(m, "FULLY_CONNECTED", {x, w.tensor, b}, {y},
                            {{"fused_activation_function", p.act}, {"keep_num_dims", p.keep}});
                       }});
    }
  // Binary elementwise ops: same shape, broadcasting, activation, different input scales.
  struct BinP {
    std::vector<int64_t> a, b;
    std::string act;
  };
  for (const char* name : {"ADD", "SUB", "MUL", "MAXIMUM", "MINIMUM"})
    for (DType t : kAllTypes)
      for (const BinP& p : {BinP{{1, 4, 5, 3}, {1, 4, 5, 3}, "NONE"}, BinP{{2, 3, 5}, {5}, "RELU"},
                            BinP{{1, 6, 1, 4}, {1, 1, 3, 4}, "RELU6"}}) {
        const std::string opname = name;
        const bool minmax = opname == "MAXIMUM" || opname == "MINIMUM";
        if (minmax && p.act != "NONE" && p.act != "RELU") continue;
        const bool int16_pot = t == DType::Int16 && (opname == "ADD" || opname == "SUB");
        cases.push_back(
            {opname, t,
             fmt::format("{}_{}", p.a.size() == p.b.size() && p.a == p.b ? "same" : "broadcast",
                         minmax ? "NONE" : p.act),
             [=](Model& m) {
               // Different input scales exercise the rescaling; MAXIMUM/MINIMUM need equal ones.
               const QP qa = activation_qp(t), qb = minmax ? qa : activation_qp(t, 1.7f);
               QP qo = minmax ? qa : activation_qp(t, opname == "MUL" ? 4.0f : 4.5f);
               if (int16_pot) qo = activation_qp(t, 4.0f);
               const int a = graph_input(m, t, p.a, qa);
               const int b = graph_input(m, t, p.b, qb);
               std::vector<int64_t> shape(std::max(p.a.size(), p.b.size()), 1);
               for (size_t i = 0; i < shape.size(); ++i) {
                 const size_t ia = i + p.a.size() - shape.size(),
                              ib = i + p.b.size() - shape.size();
                 if (i + p.a.size() >= shape.size()) shape[i] = std::max(shape[i], p.a[ia]);
                 if (i + p.b.size() >= shape.size()) shape[i] = std::max(shape[i], p.b[ib]);
               }
               const int y = graph_output(m, t, shape, qo);
               std::vector<Attr> opts;
               if (!minmax) opts.push_back({"fused_activation_function", p.act});
               op(m, opname, {a, b}, {y}, opts);
             }});
      }
  // Pools.
  struct PoolP {
    int k, stride;
    bool same;
    std::string act;
  };
  for (const char* name : {"AVERAGE_POOL_2D", "MAX_POOL_2D"})
    for (DType t : kAllTypes)
      for (const PoolP& p : {PoolP{2, 2, false, "NONE"}, PoolP{3, 1, true, "RELU"},
                             PoolP{3, 2, true, "NONE"}, PoolP{2, 1, false, "RELU6"}}) {
        const std::string opname = name;
        cases.push_back(
            {opname, t,
             fmt::format("k{}_s{}_{}_{}", p.k, p.stride, p.same ? "SAME" : "VALID", p.act),
             [=](Model& m) {
               const QP q = activation_qp(t);
               const int x = graph_input(m, t, {1, 7, 9, 3}, q);
               const int y = graph_output(m, t,
                                          {1, out_dim(p.same, 7, p.k, p.stride, 1),
                                           out_dim(p.same, 9, p.k, p.stride, 1), 3},
                                          q);
               op(m, opname, {x}, {y},
                  {{"padding", std::string(p.same ? "SAME" : "VALID")},
                   {"stride_w", int64_t{p.stride}},
                   {"stride_h", int64_t{p.stride}},
                   {"filter_width", int64_t{p.k}},
                   {"filter_height", int64_t{p.k}},
                   {"fused_activation_function", p.act}});
             }});
      }
  // Unary ops with the output quantization TFLite requires or a suitable one.
  struct UnaryP {
    const char* op;
    std::vector<DType> types;
    QP out8;  // int8 output quantization (uint8 shifts the zero point by 128)
    std::vector<Attr> opts;
  };
  const std::vector<UnaryP> unary = {
      {"LOGISTIC", kNo16, {1.0f / 256, -128}, {}},
      {"TANH", kNo16, {1.0f / 128, 0}, {}},
      {"RELU", kAllTypes, {2.56f / 128, -128}, {}},
      {"RELU6", kAllTypes, {6.0f / 255, -128}, {}},
      {"LEAKY_RELU", kAllTypes, {2.6f / 128, 0}, {{"alpha", 0.2}}},
      {"HARD_SWISH", kNo16, {3.0f / 128, -90}, {}},
      {"SOFTMAX", kNo16, {1.0f / 256, -128}, {{"beta", 1.0}}},
  };
  for (const auto& u : unary)
    for (DType t : u.types)
      for (const auto& shape : {std::vector<int64_t>{2, 37}, std::vector<int64_t>{1, 3, 4, 10}}) {
        if (t != DType::Float32 && t != DType::Int8 && shape.size() == 4) continue;
        const std::string opname = u.op;
        cases.push_back({opname, t, fmt::format("shape{}", fmt::join(shape, "x")), [=](Model& m) {
                           const QP iq = activation_qp(t, opname == "SOFTMAX" ? 8.0f : 4.0f);
                           QP oq = u.out8;
                           if (t == DType::UInt8) oq.zero_point += 128;
                           if (t == DType::Int16) oq = {oq.scale * 256 / 32768 * 128, 0};
                           const int x = graph_input(m, t, shape, iq);
                           const int y = graph_output(m, t, shape, oq);
                           op(m, opname, {x}, {y}, u.opts);
                         }});
      }
  // MEAN: the 4-D {1,2} keep_dims path and a general one.
  for (DType t : kAllTypes)
    for (bool special : {true, false}) {
      cases.push_back(
          {"MEAN", t, special ? "axes12_keep" : "axis3", [=](Model& m) {
             const QP iq = activation_qp(t), oq = activation_qp(t, 1.3f);
             const int x = graph_input(m, t, {1, 5, 6, 7}, iq);
             const int axes = special ? const_ints(m, "axes", {1, 2}) : const_ints(m, "axes", {3});
             const int y = graph_output(
                 m, t, special ? std::vector<int64_t>{1, 1, 1, 7} : std::vector<int64_t>{1, 5, 6},
                 oq);
             op(m, "MEAN", {x, axes}, {y}, {{"keep_dims", special}});
           }});
    }
  // CONCATENATION with differing input scales (requantization) and equal ones.
  for (DType t : kAllTypes)
    for (bool same_q : {true, false}) {
      if (t == DType::Int16 && !same_q) continue;
      cases.push_back(
          {"CONCATENATION", t, same_q ? "axis3_sameq" : "axis1_requant", [=](Model& m) {
             const QP qa = activation_qp(t);
             const QP qb = same_q ? qa : activation_qp(t, 1.5f);
             const QP qo = same_q ? qa : activation_qp(t, 3.0f);
             const int axis = same_q ? 3 : 1;
             const int a = graph_input(m, t, {1, 3, 4, 2}, qa);
             const int b = graph_input(
                 m, t, same_q ? std::vector<int64_t>{1, 3, 4, 5} : std::vector<int64_t>{1, 2, 4, 2},
                 qb);
             const int y = graph_output(
                 m, t, same_q ? std::vector<int64_t>{1, 3, 4, 7} : std::vector<int64_t>{1, 5, 4, 2},
                 qo);
             op(m, "CONCATENATION", {a, b}, {y},
                {{"axis", int64_t{axis}}, {"fused_activation_function", std::string("NONE")}});
           }});
    }
  // QUANTIZE (requantization int -> int and float -> int) and DEQUANTIZE.
  for (DType from : {DType::Float32, DType::Int8, DType::UInt8, DType::Int16})
    for (DType to : {DType::Int8, DType::UInt8, DType::Int16}) {
      if (from == DType::Int16 && to != DType::Int16 && to != DType::Int8) continue;
      if (from == DType::UInt8 && to == DType::Int16) continue;
      cases.push_back({"QUANTIZE", from, fmt::format("to_{}", dtype_name(to)), [=](Model& m) {
                         const int x = graph_input(m, from, {3, 17}, activation_qp(from));
                         const int y = graph_output(m, to, {3, 17}, activation_qp(to, 1.9f));
                         op(m, "QUANTIZE", {x}, {y});
                       }});
    }
  for (DType from : {DType::Int8, DType::UInt8, DType::Int16})
    cases.push_back({"DEQUANTIZE", from, "to_float32", [=](Model& m) {
                       const int x = graph_input(m, from, {3, 17}, activation_qp(from));
                       const int y = graph_output(m, DType::Float32, {3, 17});
                       op(m, "DEQUANTIZE", {x}, {y});
                     }});
  // Layout ops on every dtype.
  for (DType t : kAllTypes) {
    cases.push_back({"PAD", t, "pad_hw", [=](Model& m) {
                       const QP q = activation_qp(t);
                       const int x = graph_input(m, t, {1, 3, 4, 2}, q);
                       const int p = const_ints(m, "paddings", {0, 0, 1, 2, 2, 0, 0, 1}, {4, 2});
                       const int y = graph_output(m, t, {1, 6, 6, 3}, q);
                       op(m, "PAD", {x, p}, {y});
                     }});
    cases.push_back({"TRANSPOSE", t, "perm0312", [=](Model& m) {
                       const QP q = activation_qp(t);
                       const int x = graph_input(m, t, {2, 3, 4, 5}, q);
                       const int p = const_ints(m, "perm", {0, 3, 1, 2});
                       const int y = graph_output(m, t, {2, 5, 3, 4}, q);
                       op(m, "TRANSPOSE", {x, p}, {y});
                     }});
    cases.push_back({"STRIDED_SLICE", t, "masks_shrink", [=](Model& m) {
                       const QP q = activation_qp(t);
                       const int x = graph_input(m, t, {2, 6, 7, 3}, q);
                       const int b = const_ints(m, "begin", {1, -5, 0, 0});
                       const int e = const_ints(m, "end", {2, 6, 7, 2});
                       const int s = const_ints(m, "strides", {1, 2, 3, 1});
                       const int y = graph_output(m, t, {3, 3, 2}, q);
                       op(m, "STRIDED_SLICE", {x, b, e, s}, {y},
                          {{"begin_mask", int64_t{4}},
                           {"end_mask", int64_t{0}},
                           {"shrink_axis_mask", int64_t{1}}});
                     }});
    cases.push_back({"RESHAPE", t, "to_2d", [=](Model& m) {
                       const QP q = activation_qp(t);
                       const int x = graph_input(m, t, {1, 3, 4, 5}, q);
                       const int s = const_ints(m, "shape", {-1, 20});
                       const int y = graph_output(m, t, {3, 20}, q);
                       op(m, "RESHAPE", {x, s}, {y}, {{"new_shape", std::vector<int64_t>{-1, 20}}});
                     }});
  }
  add_quantized_gap_cases(cases);
  add_recurrent_cases(cases);
  return cases;
}

}  // namespace edgelens::conformance
