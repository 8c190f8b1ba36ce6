// TFLite's XNNPACK delegate as claim rules: node selection (PrepareOpsToDelegate), the op switch of
// Subgraph::VisitNode and the shared type checks. Facts: ../shared/notes/xnnpack-delegate-and-
// partitioning.md section 2; the local (Debian 2022 libXNNPACK) limits: stack-gotchas.md.
#include "edgelens/runtime/delegate/xnnpack_rules.h"

#include <map>

#include "xnnpack_internal.h"

namespace edgelens::delegate {
namespace xnn {

GraphFacts GraphFacts::of(const Graph& graph) {
  GraphFacts facts;
  const size_t tensor_count = graph.tensors.size();
  facts.quasi_static.assign(tensor_count, false);
  facts.producer.assign(tensor_count, -1);
  facts.consumers.assign(tensor_count, {});
  facts.unpack_node.assign(graph.nodes.size(), false);
  for (const Node& node : graph.nodes) {
    for (int32_t t : node.outputs)
      if (t >= 0 && static_cast<size_t>(t) < tensor_count)
        facts.producer[static_cast<size_t>(t)] = static_cast<int>(node.id);
    for (int32_t t : node.inputs)
      if (t >= 0 && static_cast<size_t>(t) < tensor_count)
        facts.consumers[static_cast<size_t>(t)].push_back(node.id);
  }
  // Walk in plan order so chains (DENSIFY -> DEQUANTIZE) see the earlier unpacked tensor.
  for (const Node& node : graph.nodes) {
    if (node.op.domain != "tflite" || node.inputs.size() != 1 || node.outputs.size() != 1) continue;
    const Tensor* in = detail::tensor_at(graph, node.inputs[0]);
    const Tensor* out = detail::tensor_at(graph, node.outputs[0]);
    if (!in || !out) continue;
    const bool in_static = in->is_constant || facts.quasi_static[in->id];
    if (!in_static) continue;
    bool unpack = false;
    if (node.op.name == "DEQUANTIZE") {
      const bool fp16 = in->dtype == DType::Float16;
      const bool int8_affine =
          in->dtype == DType::Int8 && !in->quant.scales.empty() && !in->quant.custom;
      unpack = !in->sparsity && (fp16 || int8_affine) && out->dtype == DType::Float32;
    } else if (node.op.name == "DENSIFY") {
      unpack =
          in->sparsity.has_value() &&
          (in->dtype == DType::Float32 || in->dtype == DType::Float16 || in->dtype == DType::Int8);
    }
    if (unpack) {
      facts.unpack_node[node.id] = true;
      facts.quasi_static[out->id] = true;
    }
  }
  return facts;
}

Result check_io_counts(const Check& c, size_t min_inputs, size_t max_inputs, size_t outputs) {
  const size_t n_in = c.node.inputs.size();
  if (n_in < min_inputs || n_in > max_inputs) {
    const std::string expected = min_inputs == max_inputs
                                     ? fmt::format("{}", min_inputs)
                                     : fmt::format("{} to {}", min_inputs, max_inputs);
    return c.no("io_count", fmt::format("{} inputs, XNNPACK expects {}", n_in, expected));
  }
  if (c.node.outputs.size() != outputs)
    return c.no("io_count",
                fmt::format("{} outputs, XNNPACK expects {}", c.node.outputs.size(), outputs));
  for (size_t i = 0; i < min_inputs; ++i)
    if (!c.in(i)) return c.no("io_count", fmt::format("required input {} is missing", i));
  for (size_t i = 0; i < outputs; ++i)
    if (!c.out(i)) return c.no("io_count", fmt::format("output {} is missing", i));
  return std::nullopt;
}

bool is_quant8(const Tensor* t) {
  return t && (t->dtype == DType::Int8 || t->dtype == DType::UInt8);
}

static Result local_fp16_activation(const Check& c, const Tensor* t, std::string_view role) {
  if (c.local() && t->dtype == DType::Float16 && !c.is_static(t))
    return c.no("local.fp16_activation",
                fmt::format("{} is a float16 activation; this XNNPACK (2022) takes float16 only as "
                            "weights unpacked at prepare time",
                            role));
  return std::nullopt;
}

Result check_float_or_quant8(const Check& c, const Tensor* t, std::string_view role) {
  if (!t) return c.no("io_count", fmt::format("{} is missing", role));
  switch (t->dtype) {
    case DType::Float32:
      return std::nullopt;
    case DType::Float16:
      return local_fp16_activation(c, t, role);
    case DType::Int8:
    case DType::UInt8:
      if (t->quant.scales.empty())
        return c.no("dtype", fmt::format("{} is {} without quantization parameters", role,
                                         dtype_name(t->dtype)));
      if (t->quant.per_channel())
        return c.no(
            "per_tensor_required",
            fmt::format("{} is {} quantized per channel; XNNPACK needs one scale and zero point "
                        "here",
                        role, dtype_name(t->dtype)));
      return std::nullopt;
    default:
      return c.no("dtype",
                  fmt::format("{} is {}; XNNPACK takes float32, float16, int8 or uint8 here", role,
                              dtype_name(t->dtype)));
  }
}

Result check_float(const Check& c, const Tensor* t, std::string_view role) {
  if (!t) return c.no("io_count", fmt::format("{} is missing", role));
  if (t->dtype == DType::Float32) return std::nullopt;
  if (t->dtype == DType::Float16) return local_fp16_activation(c, t, role);
  return c.no("dtype", fmt::format("{} is {}; XNNPACK runs {} only in float", role,
                                   detail::describe_type(*t), c.op()));
}

Result check_fused_activation(const Check& c) {
  const std::string act = detail::fused_activation(c.node);
  if (act == "NONE" || act == "RELU" || act == "RELU_N1_TO_1" || act == "RELU6")
    return std::nullopt;
  return c.no("fused_activation",
              fmt::format("fused activation {} is not supported; XNNPACK fuses only NONE, RELU, "
                          "RELU_N1_TO_1 and RELU6 (as an output clamp)",
                          act));
}

Result check_rank(const Check& c, const Tensor* t, std::string_view role, size_t min_rank,
                  size_t max_rank) {
  if (!t) return c.no("io_count", fmt::format("{} is missing", role));
  const size_t r = detail::rank_of(*t);
  if (r < min_rank || r > max_rank) {
    const std::string expected = min_rank == max_rank
                                     ? fmt::format("{}-D", min_rank)
                                     : fmt::format("{}-D to {}-D", min_rank, max_rank);
    return c.no("rank", fmt::format("{} has shape {} ({}-D); XNNPACK needs {}", role,
                                    detail::shape_text(t->shape), r, expected));
  }
  return std::nullopt;
}

Result check_static(const Check& c, const Tensor* t, std::string_view role) {
  if (!t) return c.no("io_count", fmt::format("{} is missing", role));
  if (c.is_static(t)) return std::nullopt;
  return c.no("static_required",
              fmt::format("{} (tensor {} '{}') is computed at run time; XNNPACK needs it constant",
                          role, t->id, t->name));
}

Result check_local_same_quant(const Check& c) {
  if (!c.local()) return std::nullopt;
  const Tensor* in = c.in(0);
  const Tensor* out = c.out(0);
  if (!is_quant8(in) && !is_quant8(out)) return std::nullopt;
  if (in && out && in->dtype == out->dtype && in->quant.scales == out->quant.scales &&
      in->quant.zero_points == out->quant.zero_points)
    return std::nullopt;
  return c.no(
      "local.quant_mismatch",
      "quantized input and output differ in scale or zero point; this XNNPACK (2022) runs this "
      "node quantized only with identical input/output quantization");
}

Result local_quantized_unsupported(const Check& c, std::string_view xnn_node) {
  if (!c.local()) return std::nullopt;
  for (size_t i = 0; i < c.node.inputs.size(); ++i)
    if (is_quant8(c.in(i)) && !c.in(i)->is_constant)
      return c.no("local.quantized",
                  fmt::format("quantized {} is not available in this XNNPACK (2022); only float",
                              xnn_node));
  if (is_quant8(c.out(0)))
    return c.no(
        "local.quantized",
        fmt::format("quantized {} is not available in this XNNPACK (2022); only float", xnn_node));
  return std::nullopt;
}

}  // namespace xnn

namespace {

using xnn::Check;
using CheckFn = Verdict (*)(const Check&);

const std::map<std::string, CheckFn, std::less<>>& builtin_checks() {
  static const std::map<std::string, CheckFn, std::less<>> table = {
      {"ABS", xnn::check_unary},
      {"CEIL", xnn::check_unary},
      {"COS", xnn::check_unary},
      {"ELU", xnn::check_unary},
      {"EXP", xnn::check_unary},
      {"FLOOR", xnn::check_unary},
      {"GELU", xnn::check_unary},
      {"HARD_SWISH", xnn::check_unary},
      {"LEAKY_RELU", xnn::check_unary},
      {"LOGISTIC", xnn::check_unary},
      {"LOG", xnn::check_unary},
      {"NEG", xnn::check_unary},
      {"RELU", xnn::check_unary},
      {"RELU6", xnn::check_unary},
      {"RELU_N1_TO_1", xnn::check_unary},
      {"ROUND", xnn::check_unary},
      {"RSQRT", xnn::check_unary},
      {"SIN", xnn::check_unary},
      {"SQRT", xnn::check_unary},
      {"SQUARE", xnn::check_unary},
      {"TANH", xnn::check_unary},
      {"QUANTIZE", xnn::check_quantize},
      {"DEQUANTIZE", xnn::check_dequantize},
      {"ADD", xnn::check_binary},
      {"DIV", xnn::check_binary},
      {"MAXIMUM", xnn::check_binary},
      {"MINIMUM", xnn::check_binary},
      {"MUL", xnn::check_binary},
      {"PRELU", xnn::check_binary},
      {"SQUARED_DIFFERENCE", xnn::check_binary},
      {"SUB", xnn::check_binary},
      {"CONV_2D", xnn::check_conv_2d},
      {"DEPTHWISE_CONV_2D", xnn::check_depthwise_conv_2d},
      {"TRANSPOSE_CONV", xnn::check_transpose_conv},
      {"FULLY_CONNECTED", xnn::check_fully_connected},
      {"AVERAGE_POOL_2D", xnn::check_pool_2d},
      {"MAX_POOL_2D", xnn::check_pool_2d},
      {"SOFTMAX", xnn::check_softmax},
      {"RESHAPE", xnn::check_reshape_like},
      {"EXPAND_DIMS", xnn::check_reshape_like},
      {"PAD", xnn::check_pad},
      {"CONCATENATION", xnn::check_concatenation},
      {"SPLIT", xnn::check_split},
      {"SLICE", xnn::check_slice},
      {"STRIDED_SLICE", xnn::check_strided_slice},
      {"TRANSPOSE", xnn::check_transpose},
      {"MEAN", xnn::check_reduce},
      {"SUM", xnn::check_reduce},
      {"REDUCE_MAX", xnn::check_reduce},
      {"REDUCE_MIN", xnn::check_reduce},
      {"RESIZE_BILINEAR", xnn::check_resize_bilinear},
      {"DEPTH_TO_SPACE", xnn::check_depth_space},
      {"SPACE_TO_DEPTH", xnn::check_depth_space},
      {"BATCH_MATMUL", xnn::check_batch_matmul},
      {"VAR_HANDLE", xnn::check_variable_op},
      {"READ_VARIABLE", xnn::check_variable_op},
      {"ASSIGN_VARIABLE", xnn::check_variable_op},
      {"STABLEHLO_COMPOSITE", xnn::check_stablehlo_composite},
  };
  return table;
}

// Ops TFLite's current delegate claims but the Debian 2022 libXNNPACK has no subgraph node for
// (stack-gotchas.md: "Absent: transpose, concatenate, split, copy, slice, mean, tanh, batch
// matmul"). MEAN is handled in check_reduce: its global-average-pooling form maps onto a node that
// exists.
const std::map<std::string, const char*, std::less<>>& local_missing_nodes() {
  static const std::map<std::string, const char*, std::less<>> table = {
      {"TRANSPOSE", "transpose"},
      {"CONCATENATION", "concatenate"},
      {"SPLIT", "split"},
      {"SLICE", "slice"},
      {"STRIDED_SLICE", "slice/copy"},
      {"TANH", "tanh"},
      {"BATCH_MATMUL", "batch matrix multiply"},
      {"SUM", "reduce-sum"},
      {"REDUCE_MAX", "reduce-max"},
      {"REDUCE_MIN", "reduce-min"},
      {"COS", "cosine"},
      {"SIN", "sine"},
      {"EXP", "exp"},
      {"LOG", "log"},
      {"GELU", "gelu"},
      {"RSQRT", "reciprocal square root"},
      {"SPACE_TO_DEPTH", "space-to-depth"},
      {"STABLEHLO_COMPOSITE", "scaled dot-product attention"},
      {"VAR_HANDLE", "variable"},
      {"READ_VARIABLE", "variable"},
      {"ASSIGN_VARIABLE", "variable"},
  };
  return table;
}

class XnnpackRules final : public DelegateRules {
 public:
  explicit XnnpackRules(XnnpackMode mode) : mode_(mode) {}

  std::string name() const override {
    return mode_ == XnnpackMode::Local ? "xnnpack-local" : "xnnpack";
  }
  std::string description() const override {
    return mode_ == XnnpackMode::Local
               ? "XNNPACK as this build can run it (Debian libXNNPACK 2022-02-16 subgraph API)"
               : "TFLite's XNNPACK delegate (current LiteRT rules, default flags)";
  }
  std::string target_label() const override { return "delegate"; }
  std::string source() const override {
    return "LiteRT tflite/delegates/xnnpack/xnnpack_delegate.cc (PrepareOpsToDelegate, "
           "Subgraph::VisitNode); see docs/partitioning.md";
  }
  // XNNPACK calls ReplaceNodeSubsetsWithDelegateKernels directly: no partition limits.
  PartitionLimits default_limits() const override { return {}; }

  Verdict claim(const Model&, const Graph& graph, const Node& node) const override {
    const xnn::GraphFacts facts = xnn::GraphFacts::of(graph);
    return claim_one(graph, node, facts);
  }

  std::vector<Verdict> claim_all(const Model&, const Graph& graph) const override {
    const xnn::GraphFacts facts = xnn::GraphFacts::of(graph);
    std::vector<Verdict> verdicts;
    verdicts.reserve(graph.nodes.size());
    for (const Node& node : graph.nodes) verdicts.push_back(claim_one(graph, node, facts));
    // PrepareOpsToDelegate: a node XNNPACK refuses keeps the unpack nodes feeding it on TFLite,
    // because the CPU kernel needs their float output.
    for (const Node& node : graph.nodes) {
      if (verdicts[node.id].claimed || facts.unpack_node[node.id]) continue;
      for (int32_t t : node.inputs) {
        if (t < 0 || static_cast<size_t>(t) >= facts.producer.size()) continue;
        const int p = facts.producer[static_cast<size_t>(t)];
        if (p < 0 || !facts.unpack_node[static_cast<size_t>(p)] ||
            !verdicts[static_cast<size_t>(p)].claimed)
          continue;
        const Node& unpack = graph.nodes[static_cast<size_t>(p)];
        verdicts[static_cast<size_t>(p)] = Verdict::no(
            "xnnpack.unpack_feeds_cpu_node",
            fmt::format("{}: its unpacked constant feeds node {} ({}), which stays on the CPU, so "
                        "the unpacking stays there too",
                        unpack.op.name, node.id, node.op.name));
      }
    }
    return verdicts;
  }

 private:
  Verdict claim_one(const Graph& graph, const Node& node, const xnn::GraphFacts& facts) const {
    const Check c{graph, node, mode_, facts};
    if (node.op.domain != "tflite")
      return Verdict::no(
          "xnnpack.not_tflite",
          fmt::format("{}: a {} op; these rules describe TFLite's XNNPACK delegate and "
                      "cover TFLite ops only",
                      node.op.name, node.op.domain));
    if (facts.unpack_node[node.id]) return unpack_verdict(graph, node, facts);
    if (node.op.custom || node.op.name == "CUSTOM") return xnn::check_custom(c);
    if (mode_ == XnnpackMode::Local) {
      const auto& missing = local_missing_nodes();
      if (auto it = missing.find(node.op.name); it != missing.end())
        return c.no(
            "local.missing_node",
            fmt::format("this XNNPACK (Debian, 2022-02-16) has no {} node; TFLite's current "
                        "delegate would take it",
                        it->second));
    }
    const auto& table = builtin_checks();
    if (auto it = table.find(node.op.name); it != table.end()) return it->second(c);
    return c.no("op_unsupported",
                "XNNPACK does not implement this operator, so it runs on TFLite's CPU kernels");
  }

  static Verdict unpack_verdict(const Graph& graph, const Node& node,
                                const xnn::GraphFacts& facts) {
    if (node.op.name == "DENSIFY")
      return Verdict::yes("xnnpack.quasi_static",
                          "DENSIFY of constant sparse weights: XNNPACK densifies them once at "
                          "delegate prepare time (quasi-static tensor)");
    const Tensor* in = detail::tensor_at(graph, node.inputs[0]);
    bool only_filters = in && in->dtype == DType::Float16;
    const int32_t out = node.outputs[0];
    const auto& consumers = facts.consumers[static_cast<size_t>(out)];
    if (consumers.empty()) only_filters = false;
    for (uint32_t consumer : consumers) {
      const Node& cn = graph.nodes[consumer];
      const bool filter_use = (cn.op.name == "FULLY_CONNECTED" || cn.op.name == "CONV_2D" ||
                               cn.op.name == "DEPTHWISE_CONV_2D") &&
                              cn.inputs.size() > 1 && cn.inputs[1] == out;
      if (!filter_use) only_filters = false;
    }
    if (only_filters)
      return Verdict::yes("xnnpack.fp16_weights",
                          "DEQUANTIZE of float16 weights used only as filters: absorbed by the "
                          "delegate, XNNPACK consumes the float16 weights directly");
    return Verdict::yes("xnnpack.quasi_static",
                        "DEQUANTIZE of constant weights: XNNPACK unpacks them to float32 once at "
                        "delegate prepare time (quasi-static tensor)");
  }

  XnnpackMode mode_;
};

}  // namespace

std::unique_ptr<DelegateRules> make_xnnpack_rules(XnnpackMode mode) {
  return std::make_unique<XnnpackRules>(mode);
}

}  // namespace edgelens::delegate
