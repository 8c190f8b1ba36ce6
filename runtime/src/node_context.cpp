// NodeContext: the kernel's view of one node, backed by the interpreter's graph state.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "interpreter_internal.h"

namespace edgelens::runtime {

int64_t TensorBuffer::element_count() const {
  return runtime::element_count(shape);
}

size_t TensorBuffer::byte_size() const {
  const auto n = element_count();
  if (n <= 0) return 0;
  return static_cast<size_t>((n * dtype_bits(dtype) + 7) / 8);
}

const Quantization& TensorBuffer::quant() const {
  static const Quantization kNone;
  return ir ? ir->quant : kNone;
}

std::span<std::byte> TensorBuffer::mutable_raw() {
  if (constant) throw std::logic_error(fmt::format("tensor '{}' is constant", ir ? ir->name : ""));
  return {data, bytes};
}

const Node& NodeContext::node() const {
  return *b_.exec->node;
}
const Graph& NodeContext::graph() const {
  return *b_.graph->graph;
}
uint32_t NodeContext::graph_index() const {
  return b_.graph->index;
}
const Model& NodeContext::model() const {
  return b_.impl->model;
}
const InterpreterOptions& NodeContext::interpreter_options() const {
  return b_.impl->options;
}

size_t NodeContext::input_count() const {
  return node().inputs.size();
}
bool NodeContext::has_input(size_t i) const {
  return i < node().inputs.size() && node().inputs[i] >= 0;
}
const TensorBuffer& NodeContext::input(size_t i) const {
  if (!has_input(i)) unsupported(fmt::format("input {} is missing", i));
  return b_.graph->tensors[static_cast<size_t>(node().inputs[i])];
}
bool NodeContext::input_is_constant(size_t i) const {
  return has_input(i) && input(i).constant;
}
size_t NodeContext::output_count() const {
  return node().outputs.size();
}
TensorBuffer& NodeContext::output(size_t i) {
  if (i >= node().outputs.size() || node().outputs[i] < 0)
    unsupported(fmt::format("output {} is missing", i));
  return b_.graph->tensors[static_cast<size_t>(node().outputs[i])];
}
TensorBuffer& NodeContext::tensor(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= b_.graph->tensors.size())
    unsupported(fmt::format("tensor {} does not exist", id));
  return b_.graph->tensors[static_cast<size_t>(id)];
}

void NodeContext::set_output(size_t i, DType dtype, std::vector<int64_t> shape) {
  auto& t = output(i);
  if (t.constant) unsupported(fmt::format("output {} is a constant tensor", i));
  t.dtype = dtype;
  t.shape = std::move(shape);
  if (b_.in_eval) {
    // Shapes decided at eval (deferred nodes): the tensor gets its own heap buffer.
    t.dynamic = true;
    b_.impl->allocate_owned(*b_.graph, static_cast<uint32_t>(node().outputs[i]));
  }
}

void NodeContext::set_output_dynamic(size_t i, DType dtype) {
  auto& t = output(i);
  t.dtype = dtype;
  t.dynamic = true;
}

void NodeContext::resize_output(size_t i, std::vector<int64_t> shape) {
  auto& t = output(i);
  t.shape = std::move(shape);
  t.dynamic = true;
  b_.impl->allocate_owned(*b_.graph, static_cast<uint32_t>(node().outputs[i]));
}

namespace {
const AttrValue* find_value(const Node& node, std::string_view name) {
  const auto* a = node.find_attr(name);
  return a ? &a->value : nullptr;
}
bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

bool NodeContext::has_attr(std::string_view name) const {
  const auto* v = find_value(node(), name);
  return v && !std::holds_alternative<std::monostate>(*v);
}

int64_t NodeContext::attr_int(std::string_view name, int64_t fallback) const {
  const auto* v = find_value(node(), name);
  if (!v) return fallback;
  if (auto p = std::get_if<int64_t>(v)) return *p;
  if (auto p = std::get_if<bool>(v)) return *p ? 1 : 0;
  if (auto p = std::get_if<double>(v)) return static_cast<int64_t>(*p);
  return fallback;
}

double NodeContext::attr_float(std::string_view name, double fallback) const {
  const auto* v = find_value(node(), name);
  if (!v) return fallback;
  if (auto p = std::get_if<double>(v)) return *p;
  if (auto p = std::get_if<int64_t>(v)) return static_cast<double>(*p);
  return fallback;
}

bool NodeContext::attr_bool(std::string_view name, bool fallback) const {
  const auto* v = find_value(node(), name);
  if (!v) return fallback;
  if (auto p = std::get_if<bool>(v)) return *p;
  if (auto p = std::get_if<int64_t>(v)) return *p != 0;
  if (auto p = std::get_if<std::string>(v)) return iequal(*p, "true");
  return fallback;
}

std::string NodeContext::attr_string(std::string_view name, std::string fallback) const {
  const auto* v = find_value(node(), name);
  if (!v) return fallback;
  if (auto p = std::get_if<std::string>(v)) return *p;
  return attr_to_string(*v);
}

std::vector<int64_t> NodeContext::attr_ints(std::string_view name) const {
  const auto* v = find_value(node(), name);
  if (!v) return {};
  if (auto p = std::get_if<std::vector<int64_t>>(v)) return *p;
  if (auto p = std::get_if<int64_t>(v)) return {*p};
  if (auto p = std::get_if<std::vector<double>>(v)) {
    std::vector<int64_t> out;
    for (double d : *p) out.push_back(static_cast<int64_t>(d));
    return out;
  }
  return {};
}

int64_t NodeContext::attr_enum(std::string_view name, std::initializer_list<std::string_view> names,
                               int64_t fallback) const {
  const auto* v = find_value(node(), name);
  if (!v) return fallback;
  if (auto p = std::get_if<int64_t>(v)) return *p;
  if (auto p = std::get_if<std::string>(v)) {
    std::string_view text = *p;
    if (auto dot = text.rfind('.'); dot != std::string_view::npos) text = text.substr(dot + 1);
    int64_t index = 0;
    for (auto candidate : names) {
      if (iequal(candidate, text)) return index;
      ++index;
    }
    unsupported(fmt::format("attribute {} has unknown value '{}'", name, *p));
  }
  return fallback;
}

FusedActivation NodeContext::activation() const {
  return static_cast<FusedActivation>(attr_enum(
      "fused_activation_function", {"NONE", "RELU", "RELU_N1_TO_1", "RELU6", "TANH", "SIGN_BIT"}));
}

Padding NodeContext::padding() const {
  return static_cast<Padding>(attr_enum("padding", {"SAME", "VALID"}));
}

std::shared_ptr<void>& NodeContext::state_slot() {
  return b_.exec->state;
}

void NodeContext::unsupported(const std::string& why) const {
  throw Unsupported(why);
}

}  // namespace edgelens::runtime
