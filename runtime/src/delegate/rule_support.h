// Small helpers shared by the XNNPACK rules and the profile rules: tensor lookup, option values
// with their schema defaults, and the wording of dtypes/quantization in reasons.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "edgelens/model_io/dtype.h"
#include "edgelens/model_io/model.h"

namespace edgelens::delegate::detail {

inline const Tensor* tensor_at(const Graph& graph, int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= graph.tensors.size()) return nullptr;
  return &graph.tensors[static_cast<size_t>(id)];
}

inline const Tensor* input_at(const Graph& graph, const Node& node, size_t i) {
  return i < node.inputs.size() ? tensor_at(graph, node.inputs[i]) : nullptr;
}

inline const Tensor* output_at(const Graph& graph, const Node& node, size_t i) {
  return i < node.outputs.size() ? tensor_at(graph, node.outputs[i]) : nullptr;
}

// Integer option, falling back to the schema default when the file leaves it out.
inline int64_t attr_int_or(const Node& node, std::string_view name, int64_t fallback) {
  if (auto v = node.attr_int(name)) return *v;
  if (const Attribute* a = node.find_attr(name))
    if (const bool* b = std::get_if<bool>(&a->value)) return *b ? 1 : 0;
  return fallback;
}

inline double attr_float_or(const Node& node, std::string_view name, double fallback) {
  if (auto v = node.attr_float(name)) return *v;
  if (auto i = node.attr_int(name)) return static_cast<double>(*i);
  return fallback;
}

inline std::string attr_string_or(const Node& node, std::string_view name, std::string fallback) {
  if (auto v = node.attr_string(name)) return *v;
  return fallback;
}

inline bool attr_bool_or(const Node& node, std::string_view name, bool fallback) {
  if (const Attribute* a = node.find_attr(name)) {
    if (const bool* b = std::get_if<bool>(&a->value)) return *b;
    if (const int64_t* i = std::get_if<int64_t>(&a->value)) return *i != 0;
  }
  return fallback;
}

inline std::string fused_activation(const Node& node) {
  return attr_string_or(node, "fused_activation_function", "NONE");
}

inline std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

inline size_t rank_of(const Tensor& t) {
  return t.shape.size();
}

inline bool has_dynamic_dims(const Tensor& t) {
  if (!t.has_rank) return true;
  for (int64_t d : t.shape_signature)
    if (d < 0) return true;
  return false;
}

// "int8 (per-channel, axis 3)", "float16", "uint8 (per-tensor)".
inline std::string describe_type(const Tensor& t) {
  std::string s(dtype_name(t.dtype));
  if (t.quant.per_channel())
    s += fmt::format(" (per-channel, axis {})", t.quant.axis);
  else if (!t.quant.scales.empty() && (t.dtype == DType::Int8 || t.dtype == DType::UInt8 ||
                                       t.dtype == DType::Int16 || t.dtype == DType::Int4))
    s += " (per-tensor)";
  return s;
}

// Constant tensor contents as int32 values (axes, shapes, paddings); nullopt when not a constant
// int32/int64 tensor whose bytes are all there.
inline std::optional<std::vector<int64_t>> constant_ints(const Tensor& t) {
  if (!t.is_constant) return std::nullopt;
  const int64_t count = t.element_count();
  if (count < 0) return std::nullopt;
  std::vector<int64_t> values;
  values.reserve(static_cast<size_t>(count));
  if (t.dtype == DType::Int32 && t.data.size() >= static_cast<size_t>(count) * 4) {
    for (int64_t i = 0; i < count; ++i) {
      int32_t v = 0;
      std::memcpy(&v, t.data.data() + i * 4, 4);
      values.push_back(v);
    }
    return values;
  }
  if (t.dtype == DType::Int64 && t.data.size() >= static_cast<size_t>(count) * 8) {
    for (int64_t i = 0; i < count; ++i) {
      int64_t v = 0;
      std::memcpy(&v, t.data.data() + i * 8, 8);
      values.push_back(v);
    }
    return values;
  }
  return std::nullopt;
}

}  // namespace edgelens::delegate::detail
