// The XNNPACK execution delegate: claims graph-0 nodes with the "xnnpack-local" rules, partitions
// them with TFLite's partitioner and runs each partition as one XNNPACK runtime (one plan step).
// Weights that DEQUANTIZE/DENSIFY nodes unpack from constants are computed once here, by those
// nodes' reference kernels, as TFLite's delegate does at its prepare time.
#include "xnnpack_exec.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "../tensor_values.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "edgelens/runtime/delegate/xnnpack_rules.h"
#include "xnnpack_internal.h"

namespace edgelens::runtime {
namespace xnnexec {

const char* status_name(xnn_status status) {
  switch (status) {
    case xnn_status_success:
      return "success";
    case xnn_status_uninitialized:
      return "uninitialized";
    case xnn_status_invalid_parameter:
      return "invalid parameter";
    case xnn_status_invalid_state:
      return "invalid state";
    case xnn_status_unsupported_parameter:
      return "unsupported parameter";
    case xnn_status_unsupported_hardware:
      return "unsupported hardware";
    case xnn_status_out_of_memory:
      return "out of memory";
  }
  return "unknown status";
}

namespace {

std::vector<size_t> dims_of(const TensorBuffer& t) {
  std::vector<size_t> dims;
  for (int64_t d : t.shape) dims.push_back(static_cast<size_t>(std::max<int64_t>(d, 0)));
  return dims;
}

int32_t zero_point_of(const Quantization& q) {
  return q.zero_points.empty() ? 0 : static_cast<int32_t>(q.zero_points[0]);
}

void check(xnn_status status, std::string_view what) {
  if (status != xnn_status_success)
    throw BuildError(fmt::format("XNNPACK refused {}: {}", what, status_name(status)));
}

}  // namespace

SubgraphBuilder::SubgraphBuilder(xnn_subgraph_t subgraph, GraphExec& graph,
                                 XnnpackDelegate& delegate,
                                 std::map<int32_t, uint32_t> external_ids,
                                 std::vector<int32_t> external_outputs)
    : subgraph_(subgraph),
      graph_(graph),
      delegate_(delegate),
      external_ids_(std::move(external_ids)),
      external_outputs_(std::move(external_outputs)) {}

const TensorBuffer& SubgraphBuilder::tensor(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= graph_.tensors.size())
    throw BuildError(fmt::format("tensor {} does not exist", id));
  return graph_.tensors[static_cast<size_t>(id)];
}

bool SubgraphBuilder::is_static(int32_t id) const {
  const auto& t = tensor(id);
  return (t.constant && !(t.ir && t.ir->is_variable)) ||
         delegate_.quasi_static[static_cast<size_t>(id)];
}

const void* SubgraphBuilder::static_data(int32_t id) {
  const auto& t = tensor(id);
  const std::byte* bytes = t.data;
  if (auto it = delegate_.unpacked.find(id); it != delegate_.unpacked.end())
    bytes = it->second.data();
  if (t.dtype == DType::Float16) {
    auto& converted = delegate_.float32[id];
    if (converted.empty()) {
      const auto n = static_cast<size_t>(t.element_count());
      converted.resize(n);
      for (size_t i = 0; i < n; ++i) {
        uint16_t h = 0;
        std::memcpy(&h, bytes + i * 2, 2);
        converted[i] = half_to_float(h);
      }
    }
    return converted.data();
  }
  if (!bytes) throw BuildError(fmt::format("tensor {} has no data", id));
  return bytes;
}

uint32_t SubgraphBuilder::define(int32_t id, const std::vector<size_t>& dims, uint32_t external_id,
                                 uint32_t flags) {
  const auto& t = tensor(id);
  const void* data =
      external_id == XNN_INVALID_VALUE_ID && is_static(id) ? static_data(id) : nullptr;
  const Quantization& q = t.quant();
  uint32_t value = XNN_INVALID_VALUE_ID;
  xnn_status status = xnn_status_success;
  switch (t.dtype) {
    case DType::Float32:
    case DType::Float16:  // static only (claim rules): converted to float32
      status = xnn_define_tensor_value(subgraph_, xnn_datatype_fp32, dims.size(), dims.data(), data,
                                       external_id, flags, &value);
      break;
    case DType::Int8:
    case DType::UInt8:
    case DType::Int32: {
      if (q.scales.empty())
        throw BuildError(
            fmt::format("tensor {} ({}) has no quantization", id, dtype_name(t.dtype)));
      if (q.per_channel()) {
        if (t.dtype == DType::UInt8)
          throw BuildError(fmt::format("tensor {}: per-channel uint8", id));
        status = xnn_define_channelwise_quantized_tensor_value(
            subgraph_, t.dtype == DType::Int8 ? xnn_datatype_qcint8 : xnn_datatype_qcint32,
            q.scales.data(), dims.size(), static_cast<size_t>(q.axis), dims.data(), data,
            external_id, flags, &value);
      } else {
        const auto type = t.dtype == DType::Int8    ? xnn_datatype_qint8
                          : t.dtype == DType::UInt8 ? xnn_datatype_quint8
                                                    : xnn_datatype_qint32;
        status = xnn_define_quantized_tensor_value(subgraph_, type, zero_point_of(q), q.scales[0],
                                                   dims.size(), dims.data(), data, external_id,
                                                   flags, &value);
      }
      break;
    }
    default:
      throw BuildError(
          fmt::format("tensor {} is {}; no XNNPACK datatype", id, dtype_name(t.dtype)));
  }
  check(status, fmt::format("tensor {} '{}'", id, t.ir ? t.ir->name : ""));
  return value;
}

uint32_t SubgraphBuilder::value(int32_t id) {
  if (auto it = values_.find(id); it != values_.end()) return it->second;
  uint32_t external_id = XNN_INVALID_VALUE_ID, flags = 0;
  if (auto it = external_ids_.find(id); it != external_ids_.end()) {
    external_id = it->second;
    const bool is_output = std::find(external_outputs_.begin(), external_outputs_.end(), id) !=
                           external_outputs_.end();
    flags = is_output ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : XNN_VALUE_FLAG_EXTERNAL_INPUT;
  }
  const uint32_t v = define(id, dims_of(tensor(id)), external_id, flags);
  values_.emplace(id, v);
  return v;
}

uint32_t SubgraphBuilder::static_value_with_dims(int32_t id, const std::vector<size_t>& dims) {
  if (!is_static(id)) throw BuildError(fmt::format("tensor {} is not static", id));
  return define(id, dims, XNN_INVALID_VALUE_ID, 0);
}

uint32_t SubgraphBuilder::bias_value(int32_t bias, int32_t input, int32_t filter) {
  const auto& b = tensor(bias);
  if (b.dtype != DType::Int32) return value(bias);
  if (auto it = values_.find(bias); it != values_.end()) return it->second;
  // XNNPACK pairs a per-tensor filter with a per-tensor (qint32) bias and a per-channel filter with
  // a per-channel (qcint32) one. TFLite files may store a per-channel bias of equal scales next to
  // a per-tensor filter, or leave the scales out: both are the same numbers, said differently.
  const auto& bq = b.quant();
  const auto& in_q = tensor(input).quant();
  const auto& f_q = tensor(filter).quant();
  if (in_q.scales.empty() || f_q.scales.empty())
    throw BuildError(fmt::format("int32 bias {} of an unquantized convolution", bias));
  const auto dims = dims_of(b);
  uint32_t v = XNN_INVALID_VALUE_ID;
  if (!f_q.per_channel()) {
    float scale = in_q.scales[0] * f_q.scales[0];
    if (!bq.scales.empty()) {
      scale = bq.scales[0];
      for (float s : bq.scales)
        if (s != scale)
          throw BuildError(
              fmt::format("bias {} has differing per-channel scales "
                          "but the filter has one scale",
                          bias));
    }
    check(xnn_define_quantized_tensor_value(subgraph_, xnn_datatype_qint32, 0, scale, dims.size(),
                                            dims.data(), b.data, XNN_INVALID_VALUE_ID, 0, &v),
          fmt::format("bias tensor {}", bias));
  } else {
    auto& scales = delegate_.scales.emplace_back();
    if (bq.per_channel() && bq.scales.size() == f_q.scales.size())
      scales = bq.scales;
    else
      for (float s : f_q.scales) scales.push_back(in_q.scales[0] * s);
    check(xnn_define_channelwise_quantized_tensor_value(subgraph_, xnn_datatype_qcint32,
                                                        scales.data(), dims.size(), 0, dims.data(),
                                                        b.data, XNN_INVALID_VALUE_ID, 0, &v),
          fmt::format("bias tensor {}", bias));
  }
  values_.emplace(bias, v);
  return v;
}

}  // namespace xnnexec

using xnnexec::BuildError;
using xnnexec::PartitionRuntime;
using xnnexec::SubgraphBuilder;
using xnnexec::XnnpackDelegate;

namespace {

void initialize_xnnpack() {
  static std::once_flag once;
  static xnn_status status = xnn_status_uninitialized;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  if (status != xnn_status_success)
    throw BuildError(
        fmt::format("xnn_initialize failed: {} (CPU unsupported?)", xnnexec::status_name(status)));
}

// Builds partition `p`'s XNNPACK runtime. Throws BuildError.
PartitionRuntime build_partition(GraphExec& g, const Graph& graph, DelegatePartition& p,
                                 XnnpackDelegate& d) {
  PartitionRuntime rt;
  std::map<int32_t, uint32_t> external_ids;
  for (int32_t t : p.input_tensors) external_ids.emplace(t, uint32_t(external_ids.size()));
  std::vector<int32_t> external_outputs;
  for (int32_t t : p.output_tensors) {
    if (d.quasi_static[static_cast<size_t>(t)]) {
      rt.copy_static_outputs.push_back(t);  // XNNPACK holds it as static data: copy at invoke
      continue;
    }
    external_ids.emplace(t, uint32_t(external_ids.size()));
    external_outputs.push_back(t);
  }
  for (int32_t t : p.input_tensors) rt.inputs.push_back(&g.tensors[static_cast<size_t>(t)]);
  for (int32_t t : p.output_tensors) rt.outputs.push_back(&g.tensors[static_cast<size_t>(t)]);

  xnn_subgraph_t raw = nullptr;
  const auto status = xnn_create_subgraph(static_cast<uint32_t>(external_ids.size()), 0, &raw);
  if (status != xnn_status_success)
    throw BuildError(fmt::format("xnn_create_subgraph: {}", xnnexec::status_name(status)));
  std::unique_ptr<xnn_subgraph, xnnexec::SubgraphDeleter> subgraph(raw);
  SubgraphBuilder builder(raw, g, d, external_ids, external_outputs);
  for (uint32_t n : p.nodes) {
    const Node& node = graph.nodes[n];
    if (d.quasi_static[static_cast<size_t>(node.outputs.at(0))]) continue;  // unpacked at prepare
    try {
      xnnexec::define_node(builder, node);
    } catch (const BuildError& e) {
      throw BuildError(fmt::format("node {} ({}): {}", n, node.op.name, e.what()));
    }
  }
  // Every external value must exist in the subgraph even when no XNNPACK node touches it.
  for (const auto& [t, id] : external_ids) builder.value(t);
  p.xnn_nodes = builder.defined_nodes;
  if (builder.defined_nodes == 0) return rt;
  for (const auto& [t, id] : external_ids) rt.externals.emplace_back(id, t);
  xnn_runtime_t runtime = nullptr;
  const auto created = xnn_create_runtime_v2(raw, d.pool.get(), 0, &runtime);
  if (created != xnn_status_success)
    throw BuildError(fmt::format("xnn_create_runtime_v2: {}", xnnexec::status_name(created)));
  rt.runtime.reset(runtime);
  return rt;
}

}  // namespace

void Interpreter::Impl::eval_reference_into(GraphExec& g, uint32_t ni,
                                            std::vector<std::vector<std::byte>>& outputs) {
  auto& exec = g.nodes.at(ni);
  if (!exec.kernel || !exec.ok)
    throw Unsupported(fmt::format("node {} has no prepared reference kernel", ni));
  const Node& node = *exec.node;
  struct Saved {
    TensorBuffer* t;
    std::byte* data;
    size_t bytes;
  };
  std::vector<Saved> saved;
  outputs.assign(node.outputs.size(), {});
  for (size_t k = 0; k < node.outputs.size(); ++k) {
    auto& t = g.tensors[static_cast<size_t>(node.outputs[k])];
    saved.push_back({&t, t.data, t.bytes});
    outputs[k].assign(t.byte_size() + 16, std::byte{0});
    t.data = outputs[k].data();
    t.bytes = t.byte_size();
  }
  auto restore = [&] {
    for (size_t k = 0; k < saved.size(); ++k) {
      auto& t = *saved[k].t;
      if (t.data != outputs[k].data())  // the kernel resized it: keep what it wrote
        outputs[k].assign(t.data, t.data + t.byte_size());
      else
        outputs[k].resize(t.byte_size());
      t.data = saved[k].data;
      t.bytes = saved[k].bytes;
    }
  };
  NodeContext::Binding binding{this, &g, &exec, ni, true};
  NodeContext ctx(binding);
  try {
    exec.kernel->eval(ctx);
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

void Interpreter::Impl::plan_delegate(GraphExec& g) {
  partitions.clear();
  xnnpack.reset();
  delegate_summary = {};
  delegate_summary.delegate = options.delegate;
  delegate_summary.threads = std::max(1, options.threads);
  delegate_summary.preserve_all_tensors = options.preserve_all_tensors;
  const Graph& graph = *g.graph;
  const size_t n_nodes = graph.nodes.size();
  if (options.delegate != "xnnpack") {
    unsupported.push_back(
        {0, 0, "", DType::Unknown,
         fmt::format("unknown delegate '{}' (available: xnnpack)", options.delegate)});
    return;
  }
  const auto rules = delegate::make_xnnpack_rules(delegate::XnnpackMode::Local);
  delegate_summary.rules = rules->name();
  const auto verdicts = rules->claim_all(model, graph);
  const auto facts = delegate::xnn::GraphFacts::of(graph);

  std::vector<bool> delegated(n_nodes, false);
  for (uint32_t n = 0; n < n_nodes; ++n) {
    const auto& v = verdicts[n];
    if (!v.claimed) {
      delegate_summary.refused.emplace_back(n, v.reason);
      continue;
    }
    const auto& exec = g.nodes[n];
    auto dynamic = [](const TensorBuffer* t) { return t && t->dynamic; };
    if (!exec.ok)
      delegate_summary.fallbacks.push_back(
          fmt::format("node {} ({}): not runnable by the interpreter (see the unsupported list)", n,
                      graph.nodes[n].op.name));
    else if (exec.deferred || std::any_of(exec.inputs.begin(), exec.inputs.end(), dynamic) ||
             std::any_of(exec.outputs.begin(), exec.outputs.end(), dynamic))
      delegate_summary.fallbacks.push_back(
          fmt::format("node {} ({}): a tensor's shape is known only at run time; XNNPACK needs "
                      "static shapes",
                      n, graph.nodes[n].op.name));
    else
      delegated[n] = true;
  }

  initialize_xnnpack();
  auto d = std::make_shared<XnnpackDelegate>();
  if (delegate_summary.threads > 1)
    d->pool.reset(pthreadpool_create(static_cast<size_t>(delegate_summary.threads)));
  d->quasi_static = facts.quasi_static;
  // Unpack weights once (plan order, so DENSIFY -> DEQUANTIZE chains see their input).
  for (uint32_t n = 0; n < n_nodes; ++n) {
    if (!facts.unpack_node[n]) continue;
    const int32_t out = graph.nodes[n].outputs.at(0);
    std::vector<std::vector<std::byte>> bytes;
    try {
      eval_reference_into(g, n, bytes);
    } catch (const std::exception& e) {
      d->quasi_static[static_cast<size_t>(out)] = false;
      delegate_summary.fallbacks.push_back(
          fmt::format("node {} ({}): unpacking failed: {}", n, graph.nodes[n].op.name, e.what()));
      delegated[n] = false;
      continue;
    }
    auto& stored = d->unpacked[out] = std::move(bytes.at(0));
    auto& t = g.tensors[static_cast<size_t>(out)];
    t.data = stored.data();
    t.bytes = t.byte_size();
  }
  xnnpack = d;

  delegate::PartitionOptions po;
  po.preserve_all_tensors = options.preserve_all_tensors;
  const auto subsets = delegate::partition_nodes(graph, delegated, po);

  // Who consumes each tensor (node ids), for partition outputs.
  std::vector<std::vector<uint32_t>> consumers(graph.tensors.size());
  for (const Node& node : graph.nodes)
    for (int32_t t : node.inputs)
      if (t >= 0 && static_cast<size_t>(t) < consumers.size())
        consumers[static_cast<size_t>(t)].push_back(node.id);
  std::set<int32_t> graph_outputs(graph.outputs.begin(), graph.outputs.end());

  for (const auto& subset : subsets) {
    if (subset.kind == delegate::NodeSubset::Kind::Cpu) {
      for (uint32_t n : subset.nodes) g.steps.push_back({false, n});
      continue;
    }
    DelegatePartition p;
    p.id = static_cast<uint32_t>(partitions.size());
    p.nodes = subset.nodes;
    const std::set<uint32_t> members(p.nodes.begin(), p.nodes.end());
    std::set<int32_t> produced, inputs, outputs;
    for (uint32_t n : p.nodes)
      for (int32_t t : graph.nodes[n].outputs)
        if (t >= 0) produced.insert(t);
    for (uint32_t n : p.nodes)
      for (int32_t t : graph.nodes[n].inputs) {
        if (t < 0 || produced.count(t)) continue;
        const auto& tb = g.tensors[static_cast<size_t>(t)];
        if ((tb.constant && !tb.ir->is_variable) || d->quasi_static[static_cast<size_t>(t)])
          continue;
        inputs.insert(t);
      }
    for (int32_t t : produced) {
      const auto& users = consumers[static_cast<size_t>(t)];
      const bool internal =
          !users.empty() && !graph_outputs.count(t) &&
          std::all_of(users.begin(), users.end(), [&](uint32_t u) { return members.count(u) > 0; });
      if (!internal || options.preserve_all_tensors) outputs.insert(t);
    }
    p.input_tensors.assign(inputs.begin(), inputs.end());
    p.output_tensors.assign(outputs.begin(), outputs.end());
    p.label = fmt::format("XNNPACK partition {} ({} node{})", p.id, p.nodes.size(),
                          p.nodes.size() == 1 ? "" : "s");
    try {
      d->runtimes.push_back(build_partition(g, graph, p, *d));
    } catch (const BuildError& e) {
      // A claim the runtime cannot build: a gap in the claim rules. Run the nodes on the
      // reference kernels instead of failing, and say so.
      delegate_summary.fallbacks.push_back(
          fmt::format("partition of {} node(s) starting at node {}: {}", p.nodes.size(),
                      p.nodes.front(), e.what()));
      for (uint32_t n : p.nodes) g.steps.push_back({false, n});
      continue;
    }
    g.steps.push_back({true, p.id});
    partitions.push_back(std::move(p));
  }
  for (const auto& p : partitions) delegate_summary.delegated_nodes += int(p.nodes.size());
  delegate_summary.partitions = int(partitions.size());
  delegate_summary.cpu_nodes = int(n_nodes) - delegate_summary.delegated_nodes;
}

void Interpreter::Impl::run_partition(GraphExec& g, uint32_t pid) {
  auto& rt = xnnpack->runtimes.at(pid);
  const auto& p = partitions.at(pid);
  const uint32_t first = p.nodes.front();
  NodeEvent event{g.index, first, &g.graph->nodes[first], rt.inputs, rt.outputs, &p};
  for (auto* o : observers) o->on_node_begin(event);
  for (int32_t t : rt.copy_static_outputs) {
    auto& dst = g.tensors[static_cast<size_t>(t)];
    const auto& src = xnnpack->unpacked.at(t);
    if (dst.data != src.data()) std::memcpy(dst.data, src.data(), std::min(dst.bytes, src.size()));
  }
  if (rt.runtime) {
    bool changed = rt.bound.size() != rt.externals.size();
    rt.bound.resize(rt.externals.size());
    for (size_t k = 0; k < rt.externals.size(); ++k) {
      void* data = g.tensors[static_cast<size_t>(rt.externals[k].second)].data;
      changed = changed || rt.bound[k] != data;
      rt.bound[k] = data;
    }
    // Re-setup (and build the value list) only when a buffer moved: the usual invoke allocates
    // nothing here.
    if (changed) {
      std::vector<xnn_external_value> values;
      values.reserve(rt.externals.size());
      for (size_t k = 0; k < rt.externals.size(); ++k)
        values.push_back({rt.externals[k].first, rt.bound[k]});
      const auto s = xnn_setup_runtime(rt.runtime.get(), values.size(), values.data());
      if (s != xnn_status_success)
        throw std::runtime_error(
            fmt::format("{}: xnn_setup_runtime failed: {}", p.label, xnnexec::status_name(s)));
    }
    const auto s = xnn_invoke_runtime(rt.runtime.get());
    if (s != xnn_status_success)
      throw std::runtime_error(
          fmt::format("{}: xnn_invoke_runtime failed: {}", p.label, xnnexec::status_name(s)));
  }
  for (auto* o : observers) o->on_node_end(event);
}

// ---- Interpreter: delegate accessors ----------------------------------------------------------
const DelegateSummary& Interpreter::delegate_summary() const {
  return impl_->delegate_summary;
}
const std::vector<DelegatePartition>& Interpreter::delegate_partitions() const {
  return impl_->partitions;
}
std::vector<PlanStep> Interpreter::execution_plan() const {
  if (impl_->graphs.empty()) return {};
  const auto& g = impl_->graphs[0];
  if (!g.steps.empty()) return g.steps;
  std::vector<PlanStep> steps;
  for (uint32_t n = 0; n < g.nodes.size(); ++n) steps.push_back({false, n});
  return steps;
}

std::vector<Interpreter::ReferenceOutput> Interpreter::run_reference_node(uint32_t node) {
  auto& g = impl_->graphs.at(0);
  std::vector<std::vector<std::byte>> bytes;
  impl_->eval_reference_into(g, node, bytes);
  std::vector<ReferenceOutput> out;
  const Node& n = g.graph->nodes.at(node);
  for (size_t k = 0; k < n.outputs.size(); ++k) {
    const auto& t = g.tensors[static_cast<size_t>(n.outputs[k])];
    out.push_back({t.dtype, t.shape, std::move(bytes[k])});
  }
  return out;
}

}  // namespace edgelens::runtime
