// ExecuTorch `.pte` DelegateCalls to XnnpackBackend: the XNNGraph that model_io decoded from the
// delegate blob (a GraphKind::DelegateBlob graph, domain "xnnpack") is rebuilt node by node on this
// XNNPACK's subgraph API and run as the DelegateCall's kernel. Blob inputs/outputs pair with the
// call's arguments in order. Node types this 2022 library or this mapping lacks are reported as
// unsupported at prepare, naming the XNNPACK node.
#include <xnnpack.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "edgelens/runtime/kernel.h"
#include "xnnpack_exec.h"

namespace edgelens::runtime::kernels {
namespace {

using xnnexec::RuntimeDeleter;
using xnnexec::SubgraphDeleter;

constexpr float kInf = std::numeric_limits<float>::infinity();

struct BlobRuntime {
  std::unique_ptr<xnn_runtime, RuntimeDeleter> runtime;
  std::vector<std::vector<std::byte>> constants;  // aligned copies of the blob's constant data
  std::vector<uint32_t> input_ids, output_ids;    // external ids, in call-argument order
};

double attr_or(const Node& n, std::string_view name, double fallback) {
  if (auto v = n.attr_float(name)) return *v;
  if (auto i = n.attr_int(name)) return static_cast<double>(*i);
  return fallback;
}

void check(NodeContext& ctx, xnn_status s, std::string_view what) {
  if (s != xnn_status_success)
    ctx.unsupported(fmt::format("XNNPACK refused {}: {}", what, xnnexec::status_name(s)));
}

void xnnpack_backend_prepare(NodeContext& ctx) {
  const Node& call = ctx.node();
  const Model& model = ctx.model();
  if (call.called_graphs.empty() || call.called_graphs[0] >= model.graphs.size())
    ctx.unsupported("the XNNPACK delegate blob was not decoded into a graph");
  const Graph& blob = model.graphs[call.called_graphs[0]];
  if (blob.inputs.size() != call.inputs.size() || blob.outputs.size() != call.outputs.size())
    ctx.unsupported(fmt::format(
        "the call passes {} inputs / {} outputs, the XNNGraph takes {} / {}", call.inputs.size(),
        call.outputs.size(), blob.inputs.size(), blob.outputs.size()));
  if (xnn_initialize(nullptr) != xnn_status_success) ctx.unsupported("xnn_initialize failed");
  auto& state = ctx.state<BlobRuntime>();
  state = {};
  std::map<int32_t, uint32_t> external;
  for (int32_t t : blob.inputs) external.emplace(t, uint32_t(external.size()));
  for (int32_t t : blob.outputs) external.emplace(t, uint32_t(external.size()));
  xnn_subgraph_t raw = nullptr;
  check(ctx, xnn_create_subgraph(uint32_t(external.size()), 0, &raw), "xnn_create_subgraph");
  std::unique_ptr<xnn_subgraph, SubgraphDeleter> subgraph(raw);

  std::map<int32_t, uint32_t> values;
  auto value = [&](int32_t id) -> uint32_t {
    if (auto it = values.find(id); it != values.end()) return it->second;
    if (id < 0 || static_cast<size_t>(id) >= blob.tensors.size())
      ctx.unsupported(fmt::format("XNNGraph value {} does not exist", id));
    const Tensor& t = blob.tensors[static_cast<size_t>(id)];
    std::vector<size_t> dims;
    for (int64_t d : t.shape) dims.push_back(static_cast<size_t>(std::max<int64_t>(d, 0)));
    uint32_t ext = XNN_INVALID_VALUE_ID, flags = 0;
    if (auto it = external.find(id); it != external.end()) {
      ext = it->second;
      const bool out =
          std::find(blob.outputs.begin(), blob.outputs.end(), id) != blob.outputs.end();
      flags = out ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : XNN_VALUE_FLAG_EXTERNAL_INPUT;
    }
    const void* data = nullptr;
    if (t.is_constant && ext == XNN_INVALID_VALUE_ID) {
      auto& copy = state.constants.emplace_back(t.data.size() + 16);
      std::memcpy(copy.data(), t.data.data(), t.data.size());
      data = copy.data();
    }
    const Quantization& q = t.quant;
    uint32_t v = XNN_INVALID_VALUE_ID;
    xnn_status s = xnn_status_success;
    if (t.dtype == DType::Float32) {
      s = xnn_define_tensor_value(raw, xnn_datatype_fp32, dims.size(), dims.data(), data, ext,
                                  flags, &v);
    } else if ((t.dtype == DType::Int8 || t.dtype == DType::UInt8 || t.dtype == DType::Int32 ||
                t.dtype == DType::QInt32) &&
               !q.scales.empty()) {
      const bool i32 = t.dtype == DType::Int32 || t.dtype == DType::QInt32;
      if (q.per_channel())
        s = xnn_define_channelwise_quantized_tensor_value(
            raw, i32 ? xnn_datatype_qcint32 : xnn_datatype_qcint8, q.scales.data(), dims.size(),
            static_cast<size_t>(q.axis), dims.data(), data, ext, flags, &v);
      else
        s = xnn_define_quantized_tensor_value(
            raw,
            i32                       ? xnn_datatype_qint32
            : t.dtype == DType::UInt8 ? xnn_datatype_quint8
                                      : xnn_datatype_qint8,
            q.zero_points.empty() ? 0 : static_cast<int32_t>(q.zero_points[0]), q.scales[0],
            dims.size(), dims.data(), data, ext, flags, &v);
    } else {
      ctx.unsupported(fmt::format("XNNGraph value {} is {}; not mapped to this XNNPACK", id,
                                  dtype_name(t.dtype)));
    }
    check(ctx, s, fmt::format("XNNGraph value {}", id));
    values.emplace(id, v);
    return v;
  };

  using Binary =
      xnn_status (*)(xnn_subgraph_t, float, float, uint32_t, uint32_t, uint32_t, uint32_t);
  using Binary2 = xnn_status (*)(xnn_subgraph_t, uint32_t, uint32_t, uint32_t, uint32_t);
  using Unary = xnn_status (*)(xnn_subgraph_t, uint32_t, uint32_t, uint32_t);
  static const std::map<std::string, Binary, std::less<>> binary = {
      {"Add", xnn_define_add2},
      {"Subtract", xnn_define_subtract},
      {"Multiply", xnn_define_multiply2},
      {"Divide", xnn_define_divide}};
  static const std::map<std::string, Binary2, std::less<>> binary2 = {
      {"Maximum", xnn_define_maximum2},
      {"Minimum", xnn_define_minimum2},
      {"SquaredDifference", xnn_define_squared_difference}};
  static const std::map<std::string, Unary, std::less<>> unary = {
      {"Convert", xnn_define_convert},
      {"Abs", xnn_define_abs},
      {"Negate", xnn_define_negate},
      {"Floor", xnn_define_floor},
      {"Ceiling", xnn_define_ceiling},
      {"Square", xnn_define_square},
      {"SquareRoot", xnn_define_square_root},
      {"HardSwish", xnn_define_hardswish},
      {"Sigmoid", xnn_define_sigmoid},
      {"Softmax", xnn_define_softmax},
      {"BankersRounding", xnn_define_bankers_rounding}};
  for (const Node& n : blob.nodes) {
    const std::string& op = n.op.name;
    const auto flags = static_cast<uint32_t>(n.attr_int("flags").value_or(0));
    const float lo = static_cast<float>(attr_or(n, "output_min", -kInf));
    const float hi = static_cast<float>(attr_or(n, "output_max", kInf));
    auto in = [&](size_t i) {
      if (i >= n.inputs.size()) ctx.unsupported(fmt::format("XNNGraph {} lacks input {}", op, i));
      return value(n.inputs[i]);
    };
    if (n.outputs.empty()) ctx.unsupported(fmt::format("XNNGraph {} has no output", op));
    const uint32_t out = value(n.outputs[0]);
    if (auto b = binary.find(op); b != binary.end())
      check(ctx, b->second(raw, lo, hi, in(0), in(1), out, flags), op);
    else if (auto b2 = binary2.find(op); b2 != binary2.end())
      check(ctx, b2->second(raw, in(0), in(1), out, flags), op);
    else if (auto u = unary.find(op); u != unary.end())
      check(ctx, u->second(raw, in(0), out, flags), op);
    else if (op == "Clamp")
      check(ctx, xnn_define_clamp(raw, lo, hi, in(0), out, flags), op);
    else if (op == "FullyConnected")
      check(ctx,
            xnn_define_fully_connected(
                raw, lo, hi, in(0), in(1),
                n.inputs.size() > 2 && n.inputs[2] >= 0 ? value(n.inputs[2]) : XNN_INVALID_VALUE_ID,
                out, flags),
            op);
    else
      ctx.unsupported(fmt::format("XNNGraph node {} is not mapped to this XNNPACK (2022) yet", op));
  }
  for (int32_t t : blob.inputs) {
    value(t);  // defined even when no node reads it
    state.input_ids.push_back(external.at(t));
  }
  for (int32_t t : blob.outputs) {
    value(t);
    state.output_ids.push_back(external.at(t));
  }
  xnn_runtime_t runtime = nullptr;
  check(ctx, xnn_create_runtime_v2(raw, nullptr, 0, &runtime), "xnn_create_runtime_v2");
  state.runtime.reset(runtime);
  for (size_t k = 0; k < blob.outputs.size(); ++k) {
    const Tensor& t = blob.tensors[static_cast<size_t>(blob.outputs[k])];
    ctx.set_output(k, ctx.output(k).ir ? ctx.output(k).ir->dtype : t.dtype, t.shape);
  }
}

void xnnpack_backend_eval(NodeContext& ctx) {
  auto& state = ctx.state<BlobRuntime>();
  if (!state.runtime) ctx.unsupported("the XNNPACK runtime was not built");
  std::vector<xnn_external_value> values;
  for (size_t k = 0; k < state.input_ids.size(); ++k)
    values.push_back({state.input_ids[k], const_cast<std::byte*>(ctx.input(k).data)});
  for (size_t k = 0; k < state.output_ids.size(); ++k)
    values.push_back({state.output_ids[k], ctx.output(k).mutable_raw().data()});
  check(ctx, xnn_setup_runtime(state.runtime.get(), values.size(), values.data()), "setup");
  check(ctx, xnn_invoke_runtime(state.runtime.get()), "invoke");
}

const RegisterKernel kXnnpackBackend("XnnpackBackend", DType::Unknown,
                                     {xnnpack_backend_prepare, xnnpack_backend_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
