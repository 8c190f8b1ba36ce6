// What a box says: op type and the few attributes people look for first (kernel, stride,
// dilation, fused activation). Attribute names differ between readers/formats, so several
// spellings are accepted.
#include <fmt/format.h>

#include <array>

#include "edgelens/layout/graph_layout.h"

namespace edgelens::layout {
namespace {

std::optional<std::pair<int64_t, int64_t>> attr_pair(
    const Node& node, std::initializer_list<std::string_view> vector_names, std::string_view h_name,
    std::string_view w_name) {
  for (std::string_view name : vector_names) {
    if (const Attribute* a = node.find_attr(name)) {
      if (const auto* v = std::get_if<std::vector<int64_t>>(&a->value)) {
        if (v->size() >= 2) return std::pair{(*v)[v->size() - 2], (*v)[v->size() - 1]};
        if (v->size() == 1) return std::pair{(*v)[0], (*v)[0]};
      }
      if (const auto* i = std::get_if<int64_t>(&a->value)) return std::pair{*i, *i};
    }
  }
  const auto h = node.attr_int(h_name), w = node.attr_int(w_name);
  if (h && w) return std::pair{*h, *w};
  return std::nullopt;
}

std::string pair_text(std::pair<int64_t, int64_t> p) {
  return p.first == p.second ? fmt::format("{}", p.first) : fmt::format("{}×{}", p.first, p.second);
}

// Kernel size from the filter tensor when the op has no kernel attribute (TFLite convolutions).
std::optional<std::pair<int64_t, int64_t>> kernel_from_filter(const Graph& graph,
                                                              const Node& node) {
  const std::string& op = node.op.name;
  if (op != "CONV_2D" && op != "DEPTHWISE_CONV_2D" && op != "TRANSPOSE_CONV" && op != "CONV_3D")
    return std::nullopt;
  constexpr size_t filter_input =
      1;  // CONV_2D, DEPTHWISE_CONV_2D: input 1; TRANSPOSE_CONV: input 1 too
  if (node.inputs.size() <= filter_input) return std::nullopt;
  const int32_t t = node.inputs[filter_input];
  if (t < 0 || static_cast<size_t>(t) >= graph.tensors.size()) return std::nullopt;
  const auto& shape = graph.tensors[static_cast<size_t>(t)].shape;
  if (shape.size() == 4) return std::pair{shape[1], shape[2]};  // OHWI / 1HWC
  return std::nullopt;
}

std::string display_op_name(const Op& op) {
  std::string name = op.name;
  if (op.domain == "aten" || name.starts_with("aten::")) {
    if (name.starts_with("aten::")) name = name.substr(6);
    // The overload (".out", ".Tensor") matters to the runtime, not to the picture.
    if (const size_t dot = name.find('.'); dot != std::string::npos) name.resize(dot);
  }
  if (op.domain == "delegate") return fmt::format("delegate {}", name);
  if (name.empty()) return op.custom ? "CUSTOM" : "?";
  return name;
}

}  // namespace

std::vector<std::string> node_label_lines(const Graph& graph, const Node& node) {
  std::vector<std::string> lines{display_op_name(node.op)};
  std::vector<std::string> keys;
  auto kernel =
      attr_pair(node, {"kernel", "kernel_size", "filter"}, "filter_height", "filter_width");
  if (!kernel) kernel = kernel_from_filter(graph, node);
  if (kernel) keys.push_back(fmt::format("{}×{}", kernel->first, kernel->second));
  if (auto s = attr_pair(node, {"strides", "stride"}, "stride_h", "stride_w");
      s && !(s->first == 1 && s->second == 1))
    keys.push_back("s" + pair_text(*s));
  if (auto d = attr_pair(node, {"dilation", "dilations"}, "dilation_h_factor", "dilation_w_factor");
      d && !(d->first == 1 && d->second == 1))
    keys.push_back("d" + pair_text(*d));
  for (std::string_view name : {"fused_activation_function", "fused_activation", "activation"}) {
    if (auto act = node.attr_string(name)) {
      if (!act->empty() && *act != "NONE" && *act != "none") keys.push_back(*act);
      break;
    }
  }
  if (!keys.empty()) {
    std::string line;
    for (const std::string& k : keys) {
      if (!line.empty()) line += ' ';
      line += k;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string shape_label(const Tensor& tensor) {
  if (!tensor.has_rank) return {};
  if (tensor.shape.empty()) return "scalar";
  std::string text;
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    if (i) text += "×";
    const bool dynamic = i < tensor.shape_signature.size() && tensor.shape_signature[i] < 0;
    text += dynamic ? std::string("?") : fmt::format("{}", tensor.shape[i]);
  }
  return text;
}

}  // namespace edgelens::layout
