// Conformance cases for the quantized kernels added for issue 4's fixture gaps: TRANSPOSE_CONV,
// BATCH_MATMUL, RSQRT, int16 LOGISTIC / TANH / SOFTMAX, RESIZE_BILINEAR, PRELU. Appended to the
// grid by all_cases() (conformance_cases.cpp).
#include <algorithm>

#include "conformance_cases.h"

namespace edgelens::conformance {
namespace {

using Attr = edgelens::Attribute;

// Constant of real values uniform in [-1, 1]: float, or quantized like `act` (int16 activations
// take int8 weights), per-channel along `axis` when `per_channel`.
struct Const {
  int tensor = -1;
  std::vector<float> scales;
};
Const weights(Model& m, const std::string& name, DType act, std::vector<int64_t> shape, int axis,
              bool per_channel) {
  const auto n = static_cast<size_t>(count(shape));
  TfliteBuilder::TensorSpec spec{.name = name, .shape = shape};
  Const c;
  if (act == DType::Float32) {
    std::vector<float> v(n);
    for (auto& x : v) x = m.rng.uniform(-1, 1);
    spec.dtype = DType::Float32;
    spec.data = TfliteBuilder::bytes_of(v);
  } else if (act == DType::UInt8) {
    std::vector<uint8_t> v(n);
    for (auto& x : v) x = static_cast<uint8_t>(m.rng.integer(0, 255));
    c.scales = {2.0f / 255.0f};
    spec.dtype = DType::UInt8;
    spec.data = TfliteBuilder::bytes_of(v);
    spec.quant = {.scales = c.scales, .zero_points = {127}};
  } else {
    const int64_t channels = per_channel ? shape[static_cast<size_t>(axis)] : 1;
    for (int64_t i = 0; i < channels; ++i) c.scales.push_back(m.rng.uniform(0.5f, 1.0f) / 127.0f);
    std::vector<int8_t> v(n);
    for (auto& x : v) x = static_cast<int8_t>(m.rng.integer(-127, 127));
    spec.dtype = DType::Int8;
    spec.data = TfliteBuilder::bytes_of(v);
    spec.quant = {.scales = c.scales,
                  .zero_points = std::vector<int64_t>(c.scales.size(), 0),
                  .axis = per_channel ? axis : 0};
  }
  c.tensor = m.builder.add_tensor(spec);
  return c;
}

struct TransposeConvP {
  int stride;
  bool same;
  int h, w, cin, cout, k;
  bool bias;
};

void build_transpose_conv(Model& m, DType t, const TransposeConvP& p) {
  const QP iq = activation_qp(t);
  const int oh = p.same ? p.h * p.stride : (p.h - 1) * p.stride + p.k;
  const int ow = p.same ? p.w * p.stride : (p.w - 1) * p.stride + p.k;
  const int shape = const_ints(m, "output_shape", {1, oh, ow, p.cout});
  const auto w = weights(m, "weights", t, {p.cout, p.k, p.k, p.cin}, 0, true);
  const int x = graph_input(m, t, {1, p.h, p.w, p.cin}, iq);
  int b = -1;
  if (p.bias) {
    TfliteBuilder::TensorSpec spec{.name = "bias", .shape = {p.cout}};
    if (t == DType::Float32) {
      std::vector<float> v(static_cast<size_t>(p.cout));
      for (auto& e : v) e = m.rng.uniform(-1, 1);
      spec.dtype = DType::Float32;
      spec.data = TfliteBuilder::bytes_of(v);
    } else {
      std::vector<float> scales;
      for (int c = 0; c < p.cout; ++c)
        scales.push_back(iq.scale * w.scales[w.scales.size() == 1 ? 0 : static_cast<size_t>(c)]);
      spec.quant = {.scales = scales, .zero_points = std::vector<int64_t>(scales.size(), 0)};
      std::vector<int64_t> v64;
      for (float s : scales) v64.push_back(std::llround(m.rng.uniform(-1, 1) / s));
      if (t == DType::Int16) {
        spec.dtype = DType::Int64;
        spec.data = TfliteBuilder::bytes_of(v64);
      } else {
        std::vector<int32_t> v32(v64.begin(), v64.end());
        spec.dtype = DType::Int32;
        spec.data = TfliteBuilder::bytes_of(v32);
      }
    }
    b = m.builder.add_tensor(spec);
  }
  // Each output sums up to k*k*cin/stride^2 products.
  const float fan_in =
      static_cast<float>(p.k * p.k * p.cin) / static_cast<float>(p.stride * p.stride);
  const int y =
      graph_output(m, t, {1, oh, ow, p.cout}, activation_qp(t, 1.2f * std::sqrt(fan_in) + 1.0f));
  std::vector<int32_t> ins = {shape, w.tensor, x};
  if (p.bias) ins.push_back(b);
  m.builder.add_op({.op = "TRANSPOSE_CONV",
                    .version = p.bias ? 4 : 3,
                    .inputs = ins,
                    .outputs = {y},
                    .options = {{"padding", std::string(p.same ? "SAME" : "VALID")},
                                {"stride_w", int64_t{p.stride}},
                                {"stride_h", int64_t{p.stride}}}});
}

struct BmmP {
  std::vector<int64_t> a, b;
  bool adj_x, adj_y;
};

}  // namespace

void add_quantized_gap_cases(std::vector<Case>& cases) {
  // TRANSPOSE_CONV (constant output_shape), per-channel int8 weights for int8/int16.
  for (DType t : {DType::Float32, DType::Int8, DType::Int16})
    for (const TransposeConvP& p : {TransposeConvP{2, true, 4, 5, 3, 4, 3, true},
                                    TransposeConvP{2, false, 3, 4, 2, 5, 3, true},
                                    TransposeConvP{1, true, 5, 5, 4, 3, 2, false}})
      cases.push_back({"TRANSPOSE_CONV", t,
                       fmt::format("s{}_{}_{}x{}x{}_k{}_o{}{}", p.stride, p.same ? "SAME" : "VALID",
                                   p.h, p.w, p.cin, p.k, p.cout, p.bias ? "_bias" : ""),
                       [=](Model& m) { build_transpose_conv(m, t, p); }});
  // BATCH_MATMUL: adjoints and broadcast batches.
  for (DType t : {DType::Float32, DType::Int8, DType::Int16})
    for (const BmmP& p :
         {BmmP{{2, 3, 5}, {2, 5, 4}, false, false}, BmmP{{1, 2, 6, 3}, {3, 1, 4, 6}, true, true},
          BmmP{{3, 4, 7}, {7, 2}, false, false}})
      cases.push_back(
          {"BATCH_MATMUL", t,
           fmt::format("{}x{}{}{}", fmt::join(p.a, "x"), fmt::join(p.b, "x"),
                       p.adj_x ? "_adjx" : "", p.adj_y ? "_adjy" : ""),
           [=](Model& m) {
             const QP qa = activation_qp(t), qb = activation_qp(t, 1.7f);
             const int a = graph_input(m, t, p.a, qa);
             const int b = graph_input(m, t, p.b, qb);
             const int64_t M = p.adj_x ? p.a.back() : p.a[p.a.size() - 2];
             const int64_t K = p.adj_x ? p.a[p.a.size() - 2] : p.a.back();
             const int64_t N = p.adj_y ? p.b[p.b.size() - 2] : p.b.back();
             std::vector<int64_t> ba(p.a.begin(), p.a.end() - 2), bb(p.b.begin(), p.b.end() - 2);
             const size_t rank = std::max(ba.size(), bb.size());
             std::vector<int64_t> shape(rank, 1);
             for (size_t i = 0; i < rank; ++i) {
               if (i + ba.size() >= rank) shape[i] = std::max(shape[i], ba[i + ba.size() - rank]);
               if (i + bb.size() >= rank) shape[i] = std::max(shape[i], bb[i + bb.size() - rank]);
             }
             shape.push_back(M);
             shape.push_back(N);
             const int y = graph_output(
                 m, t, shape, activation_qp(t, 2.56f * 1.7f * std::sqrt(float(K)) / 2 + 1.0f));
             m.builder.add_op({.op = "BATCH_MATMUL",
                               .version = t == DType::Int16 ? 3 : (t == DType::Int8 ? 2 : 1),
                               .inputs = {a, b},
                               .outputs = {y},
                               .options = {{"adj_x", p.adj_x}, {"adj_y", p.adj_y}}});
           }});
  // RSQRT int8: the zero point at the bottom of the range, so every input is >= 0 as TFLite
  // requires.
  cases.push_back({"RSQRT", DType::Int8, "shape3x17", [](Model& m) {
                     const int x = graph_input(m, DType::Int8, {3, 17}, {4.0f / 255, -128});
                     const int y = graph_output(m, DType::Int8, {3, 17}, {16.0f / 255, -128});
                     m.builder.add_op({.op = "RSQRT", .version = 2, .inputs = {x}, .outputs = {y}});
                   }});
  // int16 LOGISTIC / TANH (output scale 2^-15) and SOFTMAX (1/32768).
  for (const char* name : {"LOGISTIC", "TANH", "SOFTMAX"})
    for (const auto& shape : {std::vector<int64_t>{2, 37}, std::vector<int64_t>{1, 3, 4, 10}}) {
      const std::string op = name;
      cases.push_back(
          {op, DType::Int16, fmt::format("shape{}", fmt::join(shape, "x")), [=](Model& m) {
             const int x = graph_input(m, DType::Int16, shape,
                                       activation_qp(DType::Int16, op == "SOFTMAX" ? 8.0f : 5.0f));
             const int y = graph_output(m, DType::Int16, shape, {1.0f / 32768, 0});
             std::vector<Attr> opts;
             if (op == "SOFTMAX") opts.push_back({"beta", 1.0});
             m.builder.add_op({.op = op,
                               .version = op == "SOFTMAX" ? 3 : 3,
                               .inputs = {x},
                               .outputs = {y},
                               .options = opts});
           }});
    }
  // RESIZE_BILINEAR: plain, align_corners, half_pixel_centers; int8/int16 keep the quantization.
  for (DType t : {DType::Float32, DType::Int8, DType::Int16})
    for (int mode = 0; mode < 3; ++mode)
      cases.push_back(
          {"RESIZE_BILINEAR", t,
           mode == 0 ? "up_5x7" : (mode == 1 ? "align_corners" : "half_pixel"), [=](Model& m) {
             const QP q = activation_qp(t);
             const int x = graph_input(m, t, {1, 3, 4, 2}, q);
             const int size = const_ints(m, "size", {5, 7});
             const int y = graph_output(m, t, {1, 5, 7, 2}, q);
             m.builder.add_op(
                 {.op = "RESIZE_BILINEAR",
                  .version = t == DType::Int16 ? 4 : 3,
                  .inputs = {x, size},
                  .outputs = {y},
                  .options = {{"align_corners", mode == 1}, {"half_pixel_centers", mode == 2}}});
           }});
  // PRELU with a per-channel alpha broadcast over [1, H, W, C].
  for (DType t : {DType::Float32, DType::Int8, DType::UInt8})
    cases.push_back(
        {"PRELU", t, "alpha_1x1xC", [=](Model& m) {
           const QP q = activation_qp(t);
           const int x = graph_input(m, t, {1, 4, 5, 3}, q);
           TfliteBuilder::TensorSpec spec{.name = "alpha", .dtype = t, .shape = {1, 1, 3}};
           if (t == DType::Float32) {
             spec.data = TfliteBuilder::bytes_of<float>({0.25f, -0.5f, 0.8f});
           } else {
             const QP aq = {1.0f / 127, t == DType::UInt8 ? 128 : 0};
             spec.quant = {.scales = {aq.scale}, .zero_points = {aq.zero_point}};
             std::vector<int32_t> raw = {32, -64, 102};
             if (t == DType::UInt8) {
               std::vector<uint8_t> v;
               for (auto r : raw) v.push_back(static_cast<uint8_t>(r + 128));
               spec.data = TfliteBuilder::bytes_of(v);
             } else {
               std::vector<int8_t> v;
               for (auto r : raw) v.push_back(static_cast<int8_t>(r));
               spec.data = TfliteBuilder::bytes_of(v);
             }
           }
           const int a = m.builder.add_tensor(spec);
           const int y = graph_output(m, t, {1, 4, 5, 3}, activation_qp(t, 2.0f));
           m.builder.add_op({.op = "PRELU", .inputs = {x, a}, .outputs = {y}});
         }});
}

}  // namespace edgelens::conformance
