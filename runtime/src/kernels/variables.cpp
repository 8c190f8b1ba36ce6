// Resource variables: VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE (TFLite's resource ops).
// A variable is named by its VAR_HANDLE's (container, shared_name); every subgraph that touches it
// has its own VAR_HANDLE with the same name (the converter's form: CALL_ONCE's init subgraph
// assigns, the main graph reads), so READ/ASSIGN find the name through the VAR_HANDLE that produced
// their resource input in the same graph.
//
// Storage: a table per Model object (kernels see no interpreter-wide slot). Interpreters built on
// the same Model therefore share variables; each re-initialises them through its own CALL_ONCE.
#include <cstring>
#include <map>
#include <mutex>

#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

struct Variable {
  DType dtype = DType::Unknown;
  std::vector<int64_t> shape;
  std::vector<std::byte> data;
};

std::mutex g_variables_mutex;
std::map<std::pair<const Model*, std::string>, Variable>& variables() {
  static std::map<std::pair<const Model*, std::string>, Variable> table;
  return table;
}

// The variable name behind input `i` (a resource tensor made by a VAR_HANDLE of this graph).
std::string variable_name(NodeContext& ctx, size_t i) {
  const int32_t id = ctx.node().inputs.at(i);
  for (const Node& n : ctx.graph().nodes) {
    if (n.op.name != "VAR_HANDLE" || n.outputs.empty() || n.outputs[0] != id) continue;
    const auto* container = n.find_attr("container");
    const auto* shared = n.find_attr("shared_name");
    return fmt::format("{}/{}", container ? attr_to_string(container->value) : "",
                       shared ? attr_to_string(shared->value) : "");
  }
  ctx.unsupported(fmt::format("input {} is not made by a VAR_HANDLE of this graph", i));
}

Variable& variable(NodeContext& ctx, const std::string& name) {
  return variables()[{&ctx.model(), name}];
}

void handle_prepare(NodeContext& ctx) {
  ctx.set_output(0, DType::Resource, ctx.output(0).ir->shape);
}
void handle_eval(NodeContext&) {}

void read_prepare(NodeContext& ctx) {
  (void)variable_name(ctx, 0);
  const Tensor& ir = *ctx.output(0).ir;
  const bool static_shape = std::none_of(ir.shape_signature.begin(), ir.shape_signature.end(),
                                         [](int64_t d) { return d < 0; });
  if (static_shape)
    ctx.set_output(0, ir.dtype, ir.shape);
  else
    ctx.set_output_dynamic(0, ir.dtype);
}
void read_eval(NodeContext& ctx) {
  const auto name = variable_name(ctx, 0);
  std::lock_guard lock(g_variables_mutex);
  const Variable& v = variable(ctx, name);
  if (v.dtype == DType::Unknown)
    throw std::runtime_error(fmt::format("READ_VARIABLE of '{}' before any ASSIGN_VARIABLE", name));
  auto& out = ctx.output(0);
  if (v.dtype != out.dtype)
    throw std::runtime_error(fmt::format("variable '{}' holds {}, the read expects {}", name,
                                         dtype_name(v.dtype), dtype_name(out.dtype)));
  if (out.dynamic || out.shape != v.shape) ctx.resize_output(0, v.shape);
  std::memcpy(out.mutable_raw().data(), v.data.data(), std::min(v.data.size(), out.bytes));
}

void assign_prepare(NodeContext& ctx) {
  (void)variable_name(ctx, 0);
  (void)ctx.input(1);
}
void assign_eval(NodeContext& ctx) {
  const auto name = variable_name(ctx, 0);
  const auto& value = ctx.input(1);
  std::lock_guard lock(g_variables_mutex);
  Variable& v = variable(ctx, name);
  v.dtype = value.dtype;
  v.shape = value.shape;
  const auto raw = value.raw();
  v.data.assign(raw.begin(), raw.begin() + std::ptrdiff_t(std::min(raw.size(), value.byte_size())));
}

const RegisterKernel kVarHandle("VAR_HANDLE", DType::Unknown, {handle_prepare, handle_eval});
const RegisterKernel kReadVariable("READ_VARIABLE", DType::Unknown, {read_prepare, read_eval});
const RegisterKernel kAssignVariable("ASSIGN_VARIABLE", DType::Unknown,
                                     {assign_prepare, assign_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
