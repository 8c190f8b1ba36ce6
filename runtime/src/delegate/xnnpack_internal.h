// Internals of the XNNPACK claim rules, split by op family across xnnpack_rules_*.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgelens/runtime/delegate/xnnpack_rules.h"
#include "rule_support.h"

namespace edgelens::delegate::xnn {

// What PrepareOpsToDelegate knows before visiting nodes: which tensors are quasi-static (outputs of
// DEQUANTIZE/DENSIFY on constant data, unpacked at delegate prepare time), who produces and who
// consumes each tensor.
struct GraphFacts {
  std::vector<bool> quasi_static;                // by tensor id
  std::vector<int> producer;                     // by tensor id, -1 = none
  std::vector<std::vector<uint32_t>> consumers;  // by tensor id
  std::vector<bool> unpack_node;                 // by node id: DEQUANTIZE/DENSIFY of static data
  static GraphFacts of(const Graph& graph);
};

struct Check {
  const Graph& graph;
  const Node& node;
  XnnpackMode mode;
  const GraphFacts& facts;

  bool local() const { return mode == XnnpackMode::Local; }
  const std::string& op() const { return node.op.name; }
  const Tensor* in(size_t i) const { return detail::input_at(graph, node, i); }
  const Tensor* out(size_t i) const { return detail::output_at(graph, node, i); }
  bool has_input(size_t i) const { return i < node.inputs.size() && node.inputs[i] >= 0; }
  // Static = stored in the file (kTfLiteMmapRo) or quasi-static.
  bool is_static(const Tensor* t) const {
    return t &&
           (t->is_constant || (t->id < facts.quasi_static.size() && facts.quasi_static[t->id]));
  }
  Verdict no(std::string_view rule, std::string text) const {
    return Verdict::no(fmt::format("xnnpack.{}", rule), fmt::format("{}: {}", op(), text));
  }
};

using Result = std::optional<Verdict>;  // nullopt = this check passed
#define EDGELENS_XNN_TRY(expr)                  \
  do {                                          \
    if (auto failed_ = (expr)) return *failed_; \
  } while (0)

// Shared checks (xnnpack_rules.cpp).
Result check_io_counts(const Check& c, size_t min_inputs, size_t max_inputs, size_t outputs);
// CheckTensorFloatOrQUInt8Type: fp32, fp16, int8/uint8 per-tensor.
Result check_float_or_quant8(const Check& c, const Tensor* t, std::string_view role);
// CheckTensorFloat32Type (+fp16): float only.
Result check_float(const Check& c, const Tensor* t, std::string_view role);
// ConvertActivationToOutputRange: NONE, RELU, RELU_N1_TO_1, RELU6.
Result check_fused_activation(const Check& c);
Result check_rank(const Check& c, const Tensor* t, std::string_view role, size_t min_rank,
                  size_t max_rank);
Result check_static(const Check& c, const Tensor* t, std::string_view role);
bool is_quant8(const Tensor* t);
// Local mode: quantized tensors only where the 2022 library's node works with identical in/out
// quantization (max pooling, constant pad, reshape, resize).
Result check_local_same_quant(const Check& c);
Result local_quantized_unsupported(const Check& c, std::string_view xnn_node);

// Op families.
Verdict check_conv_2d(const Check& c);
Verdict check_depthwise_conv_2d(const Check& c);
Verdict check_transpose_conv(const Check& c);
Verdict check_fully_connected(const Check& c);
Verdict check_pool_2d(const Check& c);
Verdict check_custom(const Check& c);

Verdict check_unary(const Check& c);
Verdict check_binary(const Check& c);
Verdict check_softmax(const Check& c);
Verdict check_quantize(const Check& c);
Verdict check_dequantize(const Check& c);

Verdict check_reshape_like(const Check& c);
Verdict check_pad(const Check& c);
Verdict check_concatenation(const Check& c);
Verdict check_split(const Check& c);
Verdict check_slice(const Check& c);
Verdict check_strided_slice(const Check& c);
Verdict check_transpose(const Check& c);
Verdict check_reduce(const Check& c);
Verdict check_resize_bilinear(const Check& c);
Verdict check_depth_space(const Check& c);
Verdict check_batch_matmul(const Check& c);
Verdict check_variable_op(const Check& c);
Verdict check_stablehlo_composite(const Check& c);

}  // namespace edgelens::delegate::xnn
