#include "edgelens/model_io/model.h"

#include <fmt/format.h>

#include <limits>

namespace edgelens {

std::string_view format_name(ModelFormat format) {
  switch (format) {
    case ModelFormat::TFLite: return "tflite";
    case ModelFormat::ExecuTorch: return "executorch";
    case ModelFormat::ExecuTorchBundled: return "executorch-bundled";
    case ModelFormat::ModelExplorerJson: return "model-explorer-json";
  }
  return "unknown";
}

int64_t Tensor::element_count() const {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

int64_t Tensor::byte_size() const {
  const int64_t n = element_count();
  const unsigned bits = dtype_bits(dtype);
  if (n < 0 || bits == 0) return -1;
  if (n > std::numeric_limits<int64_t>::max() / bits) return -1;
  return (n * bits + 7) / 8;
}

const Attribute* Node::find_attr(std::string_view name) const {
  for (const auto& a : attrs)
    if (a.name == name) return &a;
  return nullptr;
}

std::optional<int64_t> Node::attr_int(std::string_view name) const {
  const Attribute* a = find_attr(name);
  if (!a) return std::nullopt;
  if (auto* v = std::get_if<int64_t>(&a->value)) return *v;
  if (auto* b = std::get_if<bool>(&a->value)) return *b ? 1 : 0;
  return std::nullopt;
}

std::optional<double> Node::attr_float(std::string_view name) const {
  const Attribute* a = find_attr(name);
  if (!a) return std::nullopt;
  if (auto* v = std::get_if<double>(&a->value)) return *v;
  if (auto* i = std::get_if<int64_t>(&a->value)) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<std::string> Node::attr_string(std::string_view name) const {
  const Attribute* a = find_attr(name);
  if (!a) return std::nullopt;
  if (auto* v = std::get_if<std::string>(&a->value)) return *v;
  return std::nullopt;
}

std::string attr_to_string(const AttrValue& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "none"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return fmt::format("{}", i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<int64_t>& v) const {
      return fmt::format("[{}]", fmt::join(v, ", "));
    }
    std::string operator()(const std::vector<double>& v) const {
      return fmt::format("[{}]", fmt::join(v, ", "));
    }
    std::string operator()(const std::vector<std::string>& v) const {
      return fmt::format("[{}]", fmt::join(v, ", "));
    }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace edgelens
