// Structural diff: node mapping A <-> B (names, the quantization debugger's tensor pairing,
// then structure) and what differs between matched nodes.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "edgelens/runtime/compare.h"
#include "edgelens/runtime/quant/derive.h"

namespace edgelens::runtime::compare {
namespace {

// Ops of other domains under their TFLite name, so a .pte lines up with a .tflite. Unknown ops
// keep "domain::name" and only match themselves.
std::string canonical_op(const Op& op) {
  if (op.domain == "tflite" || op.domain.empty()) return op.name;
  std::string base = op.name;
  if (op.domain == "aten") {
    if (base.rfind("aten::", 0) == 0) base = base.substr(6);
    base = base.substr(0, base.find('.'));
    if (base.size() > 5 && base.ends_with("_copy")) base.resize(base.size() - 5);
    static const std::map<std::string, std::string, std::less<>> aten{
        {"add", "ADD"},
        {"sub", "SUB"},
        {"mul", "MUL"},
        {"div", "DIV"},
        {"linear", "FULLY_CONNECTED"},
        {"addmm", "FULLY_CONNECTED"},
        {"mm", "FULLY_CONNECTED"},
        {"bmm", "BATCH_MATMUL"},
        {"matmul", "BATCH_MATMUL"},
        {"convolution", "CONV_2D"},
        {"conv2d", "CONV_2D"},
        {"relu", "RELU"},
        {"sigmoid", "LOGISTIC"},
        {"tanh", "TANH"},
        {"_softmax", "SOFTMAX"},
        {"softmax", "SOFTMAX"},
        {"_log_softmax", "LOG_SOFTMAX"},
        {"view", "RESHAPE"},
        {"reshape", "RESHAPE"},
        {"squeeze", "RESHAPE"},
        {"unsqueeze", "RESHAPE"},
        {"permute", "TRANSPOSE"},
        {"cat", "CONCATENATION"},
        {"mean", "MEAN"},
        {"max_pool2d", "MAX_POOL_2D"},
        {"max_pool2d_with_indices", "MAX_POOL_2D"},
        {"avg_pool2d", "AVERAGE_POOL_2D"},
        {"hardtanh", "RELU6"},
        {"_to_copy", "CAST"},
        {"_to_dim_order", "CAST"},
        {"quantize_per_tensor", "QUANTIZE"},
        {"dequantize_per_tensor", "DEQUANTIZE"},
        {"embedding", "GATHER"},
        {"exp", "EXP"},
        {"sqrt", "SQRT"},
        {"rsqrt", "RSQRT"},
        {"neg", "NEG"},
        {"pow", "POW"},
        {"sum", "SUM"},
        {"slice", "STRIDED_SLICE"},
        {"pad", "PAD"},
        {"constant_pad_nd", "PAD"},
        {"gelu", "GELU"},
        {"hardswish", "HARD_SWISH"},
        {"leaky_relu", "LEAKY_RELU"},
        {"clamp", "RELU_N1_TO_1"},
    };
    if (auto it = aten.find(base); it != aten.end()) return it->second;
    return "aten::" + base;
  }
  if (op.domain == "xnnpack") {
    static const std::map<std::string, std::string, std::less<>> xnn{
        {"Add", "ADD"},
        {"Subtract", "SUB"},
        {"Multiply", "MUL"},
        {"Divide", "DIV"},
        {"FullyConnected", "FULLY_CONNECTED"},
        {"Conv2d", "CONV_2D"},
        {"DepthwiseConv2d", "DEPTHWISE_CONV_2D"},
        {"Sigmoid", "LOGISTIC"},
        {"Softmax", "SOFTMAX"},
        {"StaticReshape", "RESHAPE"},
        {"StaticTranspose", "TRANSPOSE"},
        {"Concatenate2", "CONCATENATION"},
        {"MaxPooling2d", "MAX_POOL_2D"},
        {"AvgPooling2d", "AVERAGE_POOL_2D"},
        {"GlobalAvgPooling", "MEAN"},
        {"Convert", "CAST"},
        {"Clamp", "RELU6"},
        {"HardSwish", "HARD_SWISH"},
    };
    if (auto it = xnn.find(op.name); it != xnn.end()) return it->second;
  }
  return op.domain + "::" + op.name;
}

// Ops a converter inserts or drops freely: left out of the structural alignment.
bool is_conversion_op(std::string_view canonical) {
  return canonical == "QUANTIZE" || canonical == "DEQUANTIZE" || canonical == "CAST";
}

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ","));
}

std::string quant_text(const Tensor& t) {
  if (t.quant.scales.empty()) return "none";
  if (t.quant.per_channel())
    return fmt::format("per-channel ({} scales, axis {})", t.quant.scales.size(), t.quant.axis);
  return fmt::format("scale {:.6g} zp {}", t.quant.scales[0],
                     t.quant.zero_points.empty() ? 0 : t.quant.zero_points[0]);
}

std::string tensor_text(const Tensor& t) {
  std::string s = fmt::format("{}{}", dtype_name(t.dtype), shape_text(t.shape));
  if (!t.quant.scales.empty()) s += " (" + quant_text(t) + ")";
  return s;
}

const Tensor* tensor_at(const Graph& g, int32_t id) {
  return id >= 0 && size_t(id) < g.tensors.size() ? &g.tensors[size_t(id)] : nullptr;
}

// Differences between two matched nodes (empty = the same).
std::vector<std::string> node_differences(const Graph& ga, const Node& a, const Graph& gb,
                                          const Node& b) {
  std::vector<std::string> out;
  const std::string ca = canonical_op(a.op), cb = canonical_op(b.op);
  if (ca != cb) out.push_back(fmt::format("op {} -> {}", a.op.name, b.op.name));
  const bool same_domain = a.op.domain == b.op.domain;
  if (same_domain && ca == cb) {
    for (const Attribute& x : a.attrs) {
      const Attribute* y = b.find_attr(x.name);
      if (!y)
        out.push_back(fmt::format("attr {} removed", x.name));
      else if (attr_to_string(x.value) != attr_to_string(y->value))
        out.push_back(fmt::format("attr {} {} -> {}", x.name, attr_to_string(x.value),
                                  attr_to_string(y->value)));
    }
    for (const Attribute& y : b.attrs)
      if (!a.find_attr(y.name)) out.push_back(fmt::format("attr {} added", y.name));
    if (a.op.version != b.op.version)
      out.push_back(fmt::format("version {} -> {}", a.op.version, b.op.version));
  }
  auto compare_tensors = [&](const char* what, const std::vector<int32_t>& xs,
                             const std::vector<int32_t>& ys) {
    if (xs.size() != ys.size())
      out.push_back(fmt::format("{} count {} -> {}", what, xs.size(), ys.size()));
    for (size_t k = 0; k < std::min(xs.size(), ys.size()); ++k) {
      const Tensor* x = tensor_at(ga, xs[k]);
      const Tensor* y = tensor_at(gb, ys[k]);
      if (!x || !y) {
        if (bool(x) != bool(y))
          out.push_back(fmt::format("{} {} {}", what, k, x ? "left out" : "now given"));
        continue;
      }
      const char* role = x->is_constant ? " (constant)" : "";
      if (x->dtype != y->dtype || x->shape != y->shape || quant_text(*x) != quant_text(*y))
        out.push_back(
            fmt::format("{} {}{} {} -> {}", what, k, role, tensor_text(*x), tensor_text(*y)));
    }
  };
  compare_tensors("input", a.inputs, b.inputs);
  compare_tensors("output", a.outputs, b.outputs);
  return out;
}

std::vector<int32_t> producers(const Graph& g) {
  std::vector<int32_t> p(g.tensors.size(), -1);
  for (const Node& n : g.nodes)
    for (int32_t id : n.outputs)
      if (id >= 0 && size_t(id) < p.size()) p[size_t(id)] = int32_t(n.id);
  return p;
}

bool has_quantized_activation(const Graph& g) {
  return std::any_of(g.nodes.begin(), g.nodes.end(), [&](const Node& n) {
    return std::any_of(n.outputs.begin(), n.outputs.end(), [&](int32_t id) {
      const Tensor* t = tensor_at(g, id);
      return t && quant::is_quantized(*t);
    });
  });
}

}  // namespace

std::string_view change_kind_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::Same:
      return "same";
    case ChangeKind::Changed:
      return "changed";
    case ChangeKind::Added:
      return "added";
    case ChangeKind::Removed:
      return "removed";
  }
  return "?";
}

StructuralDiff diff_structure(const Model& a, const Model& b) {
  static const Graph kEmpty;
  const Graph& ga = a.graphs.empty() ? kEmpty : a.graphs[0];
  const Graph& gb = b.graphs.empty() ? kEmpty : b.graphs[0];
  const size_t na = ga.nodes.size(), nb = gb.nodes.size();
  std::vector<int32_t> a_match(na, -1), b_match(nb, -1);
  std::vector<std::string> how(na);
  const auto prod_a = producers(ga), prod_b = producers(gb);
  auto pair_nodes = [&](int32_t x, int32_t y, const std::string& why) {
    if (x < 0 || y < 0 || a_match[size_t(x)] >= 0 || b_match[size_t(y)] >= 0) return;
    a_match[size_t(x)] = y;
    b_match[size_t(y)] = x;
    how[size_t(x)] = why;
  };

  StructuralDiff diff;
  std::set<std::pair<int32_t, int32_t>> paired_tensors;
  auto add_tensor_pair = [&](int32_t ta, int32_t tb, const std::string& why) {
    const Tensor* x = tensor_at(ga, ta);
    const Tensor* y = tensor_at(gb, tb);
    if (!x || !y || paired_tensors.count({ta, tb})) return;
    paired_tensors.insert({ta, tb});
    diff.tensors.push_back({ta, tb, prod_a[size_t(ta)], prod_b[size_t(tb)], x->name, y->name, why});
  };

  // 1. The quantization debugger's pairing (name, then structure) when one side is quantized and
  //    the other is not: the numeric diff then compares exactly what quant-report compares.
  if (!ga.nodes.empty() && !gb.nodes.empty()) {
    const bool qa = has_quantized_activation(ga), qb = has_quantized_activation(gb);
    if (qa != qb) {
      const auto matches = qa ? quant::match_tensors(a, b) : quant::match_tensors(b, a);
      for (const auto& m : matches) {
        const int32_t ta = qa ? m.quantized : m.reference, tb = qa ? m.reference : m.quantized;
        pair_nodes(prod_a[size_t(ta)], prod_b[size_t(tb)], "quant-pair");
        add_tensor_pair(ta, tb, "quant-pair");
      }
    }
  }
  // 2. Tensor names.
  std::map<std::string, int32_t> b_by_name;
  for (const Node& n : gb.nodes)
    for (int32_t id : n.outputs)
      if (const Tensor* t = tensor_at(gb, id); t && !t->name.empty())
        b_by_name.emplace(t->name, int32_t(n.id));
  for (const Node& n : ga.nodes)
    for (int32_t id : n.outputs)
      if (const Tensor* t = tensor_at(ga, id); t && !t->name.empty())
        if (auto it = b_by_name.find(t->name); it != b_by_name.end())
          pair_nodes(int32_t(n.id), it->second, "name");
  // 3. Structure: align the remaining nodes' canonical op sequences.
  std::vector<uint32_t> rest_a, rest_b;
  std::vector<std::string> ops_a, ops_b;
  for (const Node& n : ga.nodes)
    if (a_match[n.id] < 0 && !is_conversion_op(canonical_op(n.op))) {
      rest_a.push_back(n.id);
      ops_a.push_back(canonical_op(n.op));
    }
  for (const Node& n : gb.nodes)
    if (b_match[n.id] < 0 && !is_conversion_op(canonical_op(n.op))) {
      rest_b.push_back(n.id);
      ops_b.push_back(canonical_op(n.op));
    }
  for (const auto& [i, j] : quant::common_subsequence(ops_a, ops_b))
    pair_nodes(int32_t(rest_a[i]), int32_t(rest_b[j]), "structure");

  // Tensor pairs: graph inputs and outputs by position, then matched nodes' outputs by position.
  for (size_t k = 0; k < std::min(ga.inputs.size(), gb.inputs.size()); ++k)
    add_tensor_pair(ga.inputs[k], gb.inputs[k], "input");
  for (size_t k = 0; k < std::min(ga.outputs.size(), gb.outputs.size()); ++k)
    add_tensor_pair(ga.outputs[k], gb.outputs[k], "output");
  for (size_t x = 0; x < na; ++x) {
    if (a_match[x] < 0) continue;
    const Node& n = ga.nodes[x];
    const Node& m = gb.nodes[size_t(a_match[x])];
    for (size_t k = 0; k < std::min(n.outputs.size(), m.outputs.size()); ++k) {
      const Tensor* tx = tensor_at(ga, n.outputs[k]);
      const Tensor* ty = tensor_at(gb, m.outputs[k]);
      if (tx && ty && tx->element_count() == ty->element_count())
        add_tensor_pair(n.outputs[k], m.outputs[k], how[x]);
    }
  }
  std::sort(diff.tensors.begin(), diff.tensors.end(), [](const TensorPair& x, const TensorPair& y) {
    return std::tie(x.tensor_b, x.tensor_a) < std::tie(y.tensor_b, y.tensor_a);
  });

  // Node list in B's order, A's removed nodes before the next matched node that follows them.
  diff.a_to_b.assign(na, -1);
  diff.b_to_a.assign(nb, -1);
  size_t next_a = 0;
  auto emit_removed_before = [&](size_t limit) {
    for (; next_a < limit && next_a < na; ++next_a) {
      if (a_match[next_a] >= 0) continue;
      NodeChange c;
      c.kind = ChangeKind::Removed;
      c.node_a = int32_t(next_a);
      c.op_a = ga.nodes[next_a].op.name;
      diff.a_to_b[next_a] = int32_t(diff.nodes.size());
      diff.nodes.push_back(std::move(c));
      ++diff.removed;
    }
  };
  for (size_t y = 0; y < nb; ++y) {
    NodeChange c;
    c.node_b = int32_t(y);
    c.op_b = gb.nodes[y].op.name;
    if (b_match[y] < 0) {
      c.kind = ChangeKind::Added;
      ++diff.added;
    } else {
      const auto x = size_t(b_match[y]);
      emit_removed_before(x);
      c.node_a = int32_t(x);
      c.op_a = ga.nodes[x].op.name;
      c.match = how[x];
      c.differences = node_differences(ga, ga.nodes[x], gb, gb.nodes[y]);
      c.kind = c.differences.empty() ? ChangeKind::Same : ChangeKind::Changed;
      ++(c.kind == ChangeKind::Same ? diff.same : diff.changed);
      diff.a_to_b[x] = int32_t(diff.nodes.size());
    }
    diff.b_to_a[y] = int32_t(diff.nodes.size());
    diff.nodes.push_back(std::move(c));
  }
  emit_removed_before(na);

  // Interface: graph inputs and outputs.
  auto interface = [&](const char* what, const std::vector<int32_t>& xs,
                       const std::vector<int32_t>& ys) {
    if (xs.size() != ys.size())
      diff.interface_differences.push_back(
          fmt::format("{} count {} -> {}", what, xs.size(), ys.size()));
    for (size_t k = 0; k < std::min(xs.size(), ys.size()); ++k) {
      const Tensor* x = tensor_at(ga, xs[k]);
      const Tensor* y = tensor_at(gb, ys[k]);
      if (x && y && tensor_text(*x) != tensor_text(*y))
        diff.interface_differences.push_back(
            fmt::format("{} {}: {} -> {}", what, k, tensor_text(*x), tensor_text(*y)));
    }
  };
  interface("input", ga.inputs, gb.inputs);
  interface("output", ga.outputs, gb.outputs);

  std::map<std::string, std::pair<int, int>> counts;
  for (const Node& n : ga.nodes) ++counts[n.op.name].first;
  for (const Node& n : gb.nodes) ++counts[n.op.name].second;
  diff.op_counts.assign(counts.begin(), counts.end());
  return diff;
}

}  // namespace edgelens::runtime::compare
