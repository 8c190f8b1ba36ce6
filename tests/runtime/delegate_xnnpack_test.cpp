// XNNPACK claim rules on single-op models written with TfliteBuilder and read back through the
// .tflite reader. Each expected verdict is the rule stated in ../shared/notes/xnnpack-delegate-and-
// partitioning.md 2.1-2.3 (TFLite's xnnpack_delegate.cc) or, for xnnpack-local, the missing nodes
// listed in ../shared/notes/stack-gotchas.md ("XNNPACK 2022 subgraph API").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edgelens/model_io/open.h"
#include "edgelens/model_io/tflite_writer.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "edgelens/runtime/delegate/xnnpack_rules.h"

namespace edgelens::delegate {
namespace {

using B = TfliteBuilder;

std::vector<std::byte> zeros(size_t bytes) {
  return std::vector<std::byte>(bytes);
}

std::unique_ptr<Model> finish(const B& b) {
  const std::vector<std::byte> bytes = b.finish();
  return open_model_bytes(bytes, "single_op.tflite");
}

std::vector<Verdict> verdicts(const Model& m, XnnpackMode mode = XnnpackMode::Current) {
  return make_xnnpack_rules(mode)->claim_all(m, m.graphs[0]);
}

struct ConvSpec {
  std::string op = "CONV_2D";
  DType dtype = DType::Float32;
  std::string activation = "NONE";
  int axis = 0;
  bool per_channel = false;
  bool bias = true;
  int64_t weight_zero_point = 0;
};

// CONV_2D 1x8x8x3 -> 1x8x8x4 with a 4x3x3x3 (OHWI) filter, or DEPTHWISE_CONV_2D 1x8x8x4 with a
// 1x3x3x4 filter.
std::unique_ptr<Model> conv_model(const ConvSpec& s) {
  B b;
  const bool dw = s.op == "DEPTHWISE_CONV_2D";
  const int64_t in_ch = dw ? 4 : 3;
  const std::vector<int64_t> filter_shape =
      dw ? std::vector<int64_t>{1, 3, 3, 4} : std::vector<int64_t>{4, 3, 3, 3};
  const bool q = s.dtype == DType::Int8;
  B::QuantSpec act_q;
  if (q) act_q = {.scales = {0.05f}, .zero_points = {-3}};
  B::QuantSpec w_q;
  if (q) {
    w_q.axis = s.axis;
    if (s.per_channel) {
      w_q.scales = {0.01f, 0.02f, 0.03f, 0.04f};
      w_q.zero_points.assign(4, s.weight_zero_point);
    } else {
      w_q.scales = {0.01f};
      w_q.zero_points = {s.weight_zero_point};
    }
  }
  const size_t elem = q ? 1 : 4;
  const int x =
      b.add_tensor({.name = "x", .dtype = s.dtype, .shape = {1, 8, 8, in_ch}, .quant = act_q});
  const int w = b.add_tensor({.name = "w",
                              .dtype = s.dtype,
                              .shape = filter_shape,
                              .data = zeros(static_cast<size_t>(filter_shape[0] * filter_shape[1] *
                                                                filter_shape[2] * filter_shape[3]) *
                                            elem),
                              .quant = w_q});
  std::vector<int32_t> inputs = {x, w};
  if (s.bias) {
    B::QuantSpec bias_q;
    if (q) bias_q = {.scales = {0.0005f}, .zero_points = {0}};
    inputs.push_back(b.add_tensor({.name = "bias",
                                   .dtype = q ? DType::Int32 : DType::Float32,
                                   .shape = {4},
                                   .data = zeros(16),
                                   .quant = bias_q}));
  } else {
    inputs.push_back(-1);
  }
  const int y =
      b.add_tensor({.name = "y", .dtype = s.dtype, .shape = {1, 8, 8, 4}, .quant = act_q});
  std::vector<Attribute> options = {{"padding", std::string("SAME")},
                                    {"stride_w", int64_t{1}},
                                    {"stride_h", int64_t{1}},
                                    {"fused_activation_function", s.activation}};
  if (dw) options.push_back({"depth_multiplier", int64_t{1}});
  b.add_op({.op = s.op, .inputs = inputs, .outputs = {y}, .options = options});
  b.set_inputs({x});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, FusedActivationsRelu6AllowedTanhRejected) {
  EXPECT_TRUE(verdicts(*conv_model({.activation = "RELU6"}))[0].claimed);
  EXPECT_TRUE(verdicts(*conv_model({.activation = "RELU_N1_TO_1"}))[0].claimed);
  const Verdict tanh = verdicts(*conv_model({.activation = "TANH"}))[0];
  EXPECT_FALSE(tanh.claimed);
  EXPECT_EQ(tanh.rule, "xnnpack.fused_activation");
  EXPECT_NE(tanh.reason.find("TANH"), std::string::npos) << tanh.reason;
  EXPECT_FALSE(verdicts(*conv_model({.activation = "SIGN_BIT"}))[0].claimed);
}

TEST(DelegateXnnpack, ConvBiasIsMandatory) {
  const Verdict v = verdicts(*conv_model({.bias = false}))[0];
  EXPECT_FALSE(v.claimed);
  EXPECT_EQ(v.rule, "xnnpack.bias_required");
}

TEST(DelegateXnnpack, PerChannelAxisMustBeTheOutputChannelDimension) {
  EXPECT_TRUE(
      verdicts(*conv_model({.dtype = DType::Int8, .axis = 0, .per_channel = true}))[0].claimed);
  const Verdict conv_wrong =
      verdicts(*conv_model({.dtype = DType::Int8, .axis = 3, .per_channel = true}))[0];
  EXPECT_FALSE(conv_wrong.claimed);
  EXPECT_EQ(conv_wrong.rule, "xnnpack.per_channel_axis");
  EXPECT_TRUE(verdicts(*conv_model(
      {.op = "DEPTHWISE_CONV_2D", .dtype = DType::Int8, .axis = 3, .per_channel = true}))[0]
                  .claimed);
  const Verdict dw_wrong = verdicts(*conv_model(
      {.op = "DEPTHWISE_CONV_2D", .dtype = DType::Int8, .axis = 0, .per_channel = true}))[0];
  EXPECT_FALSE(dw_wrong.claimed);
  EXPECT_EQ(dw_wrong.rule, "xnnpack.per_channel_axis");
}

std::unique_ptr<Model> fc_model(DType input_dtype, int64_t weight_zero_point,
                                bool static_weights = true) {
  B b;
  const bool q = input_dtype == DType::Int8;
  B::QuantSpec act_q;
  if (q) act_q = {.scales = {0.1f}, .zero_points = {2}};
  const int x = b.add_tensor({.name = "x", .dtype = input_dtype, .shape = {1, 8}, .quant = act_q});
  B::TensorSpec w{.name = "w",
                  .dtype = DType::Int8,
                  .shape = {4, 8},
                  .quant = {.scales = {0.02f}, .zero_points = {weight_zero_point}}};
  if (static_weights) w.data = zeros(32);
  const int wi = b.add_tensor(w);
  const int y = b.add_tensor({.name = "y", .dtype = input_dtype, .shape = {1, 4}, .quant = act_q});
  b.add_op({.op = "FULLY_CONNECTED", .inputs = {x, wi, -1}, .outputs = {y}});
  b.set_inputs(static_weights ? std::vector<int32_t>{x} : std::vector<int32_t>{x, wi});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, FullyConnectedInt8WeightsNeedZeroPointZero) {
  EXPECT_TRUE(verdicts(*fc_model(DType::Int8, 0))[0].claimed);
  const Verdict v = verdicts(*fc_model(DType::Int8, 3))[0];
  EXPECT_FALSE(v.claimed);
  EXPECT_EQ(v.rule, "xnnpack.weights_zero_point");
  EXPECT_EQ(v.reason, "FULLY_CONNECTED: int8 weights with zero point 3, XNNPACK needs 0");
  // Dynamic-range quantization (float input, int8 weights) allows a weight zero point...
  EXPECT_TRUE(verdicts(*fc_model(DType::Float32, 3))[0].claimed);
  // ...but not in the 2022 library, which has no dynamically quantized fully-connected node.
  EXPECT_FALSE(verdicts(*fc_model(DType::Float32, 0), XnnpackMode::Local)[0].claimed);
}

TEST(DelegateXnnpack, FullyConnectedWeightsMustBeStatic) {
  const Verdict v = verdicts(*fc_model(DType::Int8, 0, false))[0];
  EXPECT_FALSE(v.claimed);
  EXPECT_EQ(v.rule, "xnnpack.static_required");
}

std::unique_ptr<Model> softmax_model(double beta) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {1, 10}});
  const int y = b.add_tensor({.name = "y", .shape = {1, 10}});
  b.add_op({.op = "SOFTMAX", .inputs = {x}, .outputs = {y}, .options = {{"beta", beta}}});
  b.set_inputs({x});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, SoftmaxBetaMustBeOne) {
  EXPECT_TRUE(verdicts(*softmax_model(1.0))[0].claimed);
  const Verdict v = verdicts(*softmax_model(0.5))[0];
  EXPECT_FALSE(v.claimed);
  EXPECT_EQ(v.rule, "xnnpack.softmax_beta");
}

std::unique_ptr<Model> pool_model(const std::string& op, int64_t filter, int64_t stride) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {1, 8, 8, 2}});
  const int y = b.add_tensor({.name = "y", .shape = {1, 4, 4, 2}});
  b.add_op({.op = op,
            .inputs = {x},
            .outputs = {y},
            .options = {{"padding", std::string("VALID")},
                        {"stride_w", stride},
                        {"stride_h", stride},
                        {"filter_width", filter},
                        {"filter_height", filter}}});
  b.set_inputs({x});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, PoolingStrideLargerThanFilterIsRejected) {
  EXPECT_TRUE(verdicts(*pool_model("MAX_POOL_2D", 2, 2))[0].claimed);
  EXPECT_TRUE(verdicts(*pool_model("AVERAGE_POOL_2D", 3, 2))[0].claimed);
  const Verdict wide = verdicts(*pool_model("MAX_POOL_2D", 2, 3))[0];
  EXPECT_FALSE(wide.claimed);
  EXPECT_EQ(wide.rule, "xnnpack.pool_stride_gt_filter");
  const Verdict one = verdicts(*pool_model("AVERAGE_POOL_2D", 1, 2))[0];
  EXPECT_FALSE(one.claimed);
  EXPECT_EQ(one.rule, "xnnpack.pool_stride_gt_filter");
}

// VisitAveragePool2DNode checks CheckTensorFloat32Type: a quantized average pool stays on the CPU,
// a quantized max pool does not.
TEST(DelegateXnnpack, QuantizedAveragePoolFallsBack) {
  for (const char* op : {"AVERAGE_POOL_2D", "MAX_POOL_2D"}) {
    B b;
    const B::QuantSpec q{.scales = {0.1f}, .zero_points = {1}};
    const int x =
        b.add_tensor({.name = "x", .dtype = DType::Int8, .shape = {1, 4, 4, 2}, .quant = q});
    const int y =
        b.add_tensor({.name = "y", .dtype = DType::Int8, .shape = {1, 2, 2, 2}, .quant = q});
    b.add_op({.op = op,
              .inputs = {x},
              .outputs = {y},
              .options = {{"padding", std::string("VALID")},
                          {"stride_w", int64_t{2}},
                          {"stride_h", int64_t{2}},
                          {"filter_width", int64_t{2}},
                          {"filter_height", int64_t{2}}}});
    b.set_inputs({x});
    b.set_outputs({y});
    const Verdict v = verdicts(*finish(b))[0];
    EXPECT_EQ(v.claimed, std::string(op) == "MAX_POOL_2D") << op << ": " << v.reason;
  }
}

std::unique_ptr<Model> custom_model(const std::string& code) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {1, 4, 4, 2}});
  const int w = b.add_tensor({.name = "w", .shape = {2, 3, 3, 2}, .data = zeros(2 * 9 * 2 * 4)});
  const int bias = b.add_tensor({.name = "bias", .shape = {2}, .data = zeros(8)});
  const int y = b.add_tensor({.name = "y", .shape = {1, 8, 8, 2}});
  b.add_op({.op = code,
            .custom = true,
            .inputs = {x, w, bias},
            .outputs = {y},
            .custom_options = zeros(16)});
  b.set_inputs({x});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, OnlyTheKnownCustomOpsAreClaimed) {
  EXPECT_TRUE(verdicts(*custom_model("Convolution2DTransposeBias"))[0].claimed);
  const Verdict other = verdicts(*custom_model("MyCustomConv"))[0];
  EXPECT_FALSE(other.claimed);
  EXPECT_EQ(other.rule, "xnnpack.custom_op");
  EXPECT_NE(other.reason.find("MyCustomConv"), std::string::npos);
}

// fp16 weights -> DEQUANTIZE -> CONV_2D filter, plus an activation DEQUANTIZE-free float path.
std::unique_ptr<Model> fp16_weights_model(const std::string& activation) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {1, 8, 8, 3}});
  const int w16 = b.add_tensor(
      {.name = "w16", .dtype = DType::Float16, .shape = {4, 3, 3, 3}, .data = zeros(4 * 27 * 2)});
  const int w = b.add_tensor({.name = "w", .shape = {4, 3, 3, 3}});
  const int bias = b.add_tensor({.name = "bias", .shape = {4}, .data = zeros(16)});
  const int y = b.add_tensor({.name = "y", .shape = {1, 8, 8, 4}});
  b.add_op({.op = "DEQUANTIZE", .inputs = {w16}, .outputs = {w}});
  b.add_op({.op = "CONV_2D",
            .inputs = {x, w, bias},
            .outputs = {y},
            .options = {{"padding", std::string("SAME")},
                        {"stride_w", int64_t{1}},
                        {"stride_h", int64_t{1}},
                        {"fused_activation_function", activation}}});
  b.set_inputs({x});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, Fp16WeightDequantizeIsAbsorbed) {
  const auto m = fp16_weights_model("RELU");
  const auto v = verdicts(*m);
  EXPECT_TRUE(v[0].claimed);
  EXPECT_EQ(v[0].rule, "xnnpack.fp16_weights");
  EXPECT_TRUE(v[1].claimed)
      << v[1].reason;  // the filter is quasi-static, so "must be static" holds
  const PartitionReport r =
      analyze_partitions(*m, 0, *make_xnnpack_rules(XnnpackMode::Current), {});
  EXPECT_EQ(r.delegate_partitions, 1);
  EXPECT_EQ(r.cpu_ops, 0);
  EXPECT_EQ(r.delegate_ops, 2);
}

TEST(DelegateXnnpack, DequantizeStaysOnCpuWhenItsConsumerDoes) {
  const auto v = verdicts(*fp16_weights_model("TANH"));
  EXPECT_FALSE(v[1].claimed);
  EXPECT_FALSE(v[0].claimed);
  EXPECT_EQ(v[0].rule, "xnnpack.unpack_feeds_cpu_node");
}

std::unique_ptr<Model> op_with_const_input(const std::string& op, std::vector<int64_t> in_shape,
                                           std::vector<int32_t> param,
                                           std::vector<int64_t> out_shape,
                                           std::vector<Attribute> options = {}) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = in_shape});
  const int p = b.add_tensor({.name = "p",
                              .dtype = DType::Int32,
                              .shape = {static_cast<int64_t>(param.size())},
                              .data = B::bytes_of(param)});
  const int y = b.add_tensor({.name = "y", .shape = out_shape});
  b.add_op({.op = op, .inputs = {x, p}, .outputs = {y}, .options = std::move(options)});
  b.set_inputs({x});
  b.set_outputs({y});
  return finish(b);
}

TEST(DelegateXnnpack, LocalModeDropsNodesTheDebianLibraryLacks) {
  const auto transpose = op_with_const_input("TRANSPOSE", {1, 2, 3, 4}, {0, 2, 1, 3}, {1, 3, 2, 4});
  EXPECT_TRUE(verdicts(*transpose)[0].claimed);
  const Verdict local = verdicts(*transpose, XnnpackMode::Local)[0];
  EXPECT_FALSE(local.claimed);
  EXPECT_EQ(local.rule, "xnnpack.local.missing_node");

  const auto mean =
      op_with_const_input("MEAN", {1, 4, 4, 8}, {1, 2}, {1, 1, 1, 8}, {{"keep_dims", true}});
  EXPECT_TRUE(verdicts(*mean)[0].claimed);
  EXPECT_TRUE(verdicts(*mean, XnnpackMode::Local)[0].claimed);  // global average pooling exists
  const auto mean_last =
      op_with_const_input("MEAN", {1, 4, 4, 8}, {3}, {1, 4, 4, 1}, {{"keep_dims", true}});
  EXPECT_TRUE(verdicts(*mean_last)[0].claimed);
  EXPECT_FALSE(verdicts(*mean_last, XnnpackMode::Local)[0].claimed);
}

TEST(DelegateXnnpack, UnknownBuiltinFallsBackWithAReason) {
  B b;
  const int x = b.add_tensor({.name = "x", .shape = {4}});
  const int y = b.add_tensor({.name = "y", .shape = {4}});
  b.add_op({.op = "LOG_SOFTMAX", .inputs = {x}, .outputs = {y}});
  b.set_inputs({x});
  b.set_outputs({y});
  const Verdict v = verdicts(*finish(b))[0];
  EXPECT_FALSE(v.claimed);
  EXPECT_EQ(v.rule, "xnnpack.op_unsupported");
  EXPECT_EQ(v.reason.rfind("LOG_SOFTMAX: ", 0), 0u);
}

}  // namespace
}  // namespace edgelens::delegate
