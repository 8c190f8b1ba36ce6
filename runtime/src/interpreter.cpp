// The interpreter: per-graph tensor state, prepare (shape propagation + validation), memory plan,
// and the run loop with observers.
#include "edgelens/runtime/interpreter.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "interpreter_internal.h"

namespace edgelens::runtime {

std::string UnsupportedNode::to_string() const {
  const auto where =
      graph == 0 ? fmt::format("node {}", node) : fmt::format("subgraph {} node {}", graph, node);
  return fmt::format("{} ({}, {}): {}", where, op, dtype_name(dtype), why);
}

namespace {
std::string join_unsupported(const std::vector<UnsupportedNode>& nodes) {
  std::string text = fmt::format("{} node(s) cannot run:", nodes.size());
  for (const auto& n : nodes) text += "\n  " + n.to_string();
  return text;
}

// A const view is used in place unless its address does not suit its element type.
bool aligned_for(const std::byte* p, DType dtype) {
  const unsigned bytes = std::max(1u, dtype_bits(dtype) / 8);
  return reinterpret_cast<uintptr_t>(p) % std::min(bytes, 8u) == 0;
}
}  // namespace

UnsupportedModel::UnsupportedModel(std::vector<UnsupportedNode> nodes)
    : std::runtime_error(join_unsupported(nodes)), nodes_(std::move(nodes)) {}

// XNNPACK may read (never write) up to 16 bytes past a tensor it is handed (XNN_EXTRA_BYTES):
// every buffer the interpreter owns keeps that much slack after its data.
constexpr size_t kReadSlack = 16;

void Interpreter::Impl::allocate_owned(GraphExec& g, uint32_t id) {
  auto& t = g.tensors[id];
  auto& storage = g.owned[id];
  storage.assign(std::max<size_t>(t.byte_size(), 1) + kReadSlack, std::byte{0});
  t.data = storage.data();
  t.bytes = t.byte_size();
}

void Interpreter::Impl::reset_variables(GraphExec& g) {
  for (auto& t : g.tensors) {
    if (!t.ir || !t.ir->is_variable || !t.data) continue;
    std::memset(t.data, 0, t.bytes);
    if (t.ir->data.size() == t.bytes) std::memcpy(t.data, t.ir->data.data(), t.bytes);
  }
}

void Interpreter::Impl::prepare_graph(uint32_t gi) {
  auto& g = graphs[gi];
  const Graph& graph = *g.graph;
  const auto n_tensors = graph.tensors.size();
  g.tensors.assign(n_tensors, {});
  g.owned.assign(n_tensors, {});
  g.copied_constant_bytes = g.constant_bytes = g.variable_bytes = 0;
  std::erase_if(unsupported, [&](const UnsupportedNode& u) { return u.graph == gi; });

  for (size_t i = 0; i < n_tensors; ++i) {
    const Tensor& ir = graph.tensors[i];
    auto& t = g.tensors[i];
    t.ir = &ir;
    t.dtype = ir.dtype;
    t.shape = ir.shape;
    if (ir.is_constant && !ir.is_variable) {
      t.constant = true;
      if (aligned_for(ir.data.data(), ir.dtype)) {
        t.data = const_cast<std::byte*>(ir.data.data());  // never written: constant flag guards
        g.constant_bytes += ir.data.size();
      } else {
        g.owned[i].assign(ir.data.begin(), ir.data.end());
        t.data = g.owned[i].data();
        g.copied_constant_bytes += ir.data.size();
      }
      t.bytes = ir.data.size();
    }
  }
  for (size_t k = 0; k < graph.inputs.size() && k < g.input_shapes.size(); ++k)
    if (!g.input_shapes[k].empty() && graph.inputs[k] >= 0)
      g.tensors[static_cast<size_t>(graph.inputs[k])].shape = g.input_shapes[k];
  for (size_t i = 0; i < n_tensors; ++i) {
    auto& t = g.tensors[i];
    if (t.ir->is_variable) {
      allocate_owned(g, static_cast<uint32_t>(i));
      g.variable_bytes += t.bytes;
    }
  }
  reset_variables(g);

  // Prepare every node in order; collect all problems instead of stopping at the first.
  g.nodes.assign(graph.nodes.size(), {});
  for (uint32_t ni = 0; ni < graph.nodes.size(); ++ni) {
    const Node& node = graph.nodes[ni];
    auto& exec = g.nodes[ni];
    exec.node = &node;
    for (int32_t id : node.inputs)
      exec.inputs.push_back(id >= 0 && static_cast<size_t>(id) < n_tensors
                                ? &g.tensors[static_cast<size_t>(id)]
                                : nullptr);
    for (int32_t id : node.outputs)
      exec.outputs.push_back(id >= 0 && static_cast<size_t>(id) < n_tensors
                                 ? &g.tensors[static_cast<size_t>(id)]
                                 : nullptr);
    std::vector<DType> input_dtypes;
    for (const auto* in : exec.inputs) input_dtypes.push_back(in ? in->dtype : DType::Unknown);
    exec.key_dtype = KernelRegistry::global().key_dtype(node.op.name, input_dtypes);
    auto report = [&](std::string why) {
      exec.ok = false;
      unsupported.push_back({gi, ni, node.op.name, exec.key_dtype, std::move(why)});
    };
    if (std::any_of(exec.outputs.begin(), exec.outputs.end(), [](auto* p) { return !p; }) ||
        std::any_of(node.inputs.begin(), node.inputs.end(),
                    [&](int32_t id) { return id >= static_cast<int32_t>(n_tensors); })) {
      report("a tensor index is out of range");
      continue;
    }
    // Constants that are only described (a graph read from Model Explorer JSON has no tensor
    // bytes): a kernel would read past the empty data.
    if (const auto missing = std::find_if(node.inputs.begin(), node.inputs.end(),
                                          [&](int32_t id) {
                                            if (id < 0) return false;
                                            const Tensor& t =
                                                graph.tensors[static_cast<size_t>(id)];
                                            return t.is_constant && !t.is_variable && !t.sparsity &&
                                                   t.data.empty() && t.element_count() > 0;
                                          });
        missing != node.inputs.end()) {
      report(fmt::format("constant tensor {} has no data in the file", *missing));
      continue;
    }
    exec.kernel = KernelRegistry::global().find(node.op.name, exec.key_dtype);
    if (!exec.kernel) {
      const auto dtypes = KernelRegistry::global().dtypes_of(node.op.name);
      if (dtypes.empty()) {
        report(fmt::format("no kernel for op {}", node.op.name));
      } else {
        std::vector<std::string> names;
        for (auto d : dtypes) names.emplace_back(dtype_name(d));
        report(fmt::format("no {} kernel for input dtype {} (have: {})", node.op.name,
                           dtype_name(exec.key_dtype), fmt::join(names, ", ")));
      }
      continue;
    }
    exec.deferred = std::any_of(exec.inputs.begin(), exec.inputs.end(),
                                [](const TensorBuffer* in) { return in && in->dynamic; });
    if (exec.deferred) {
      for (auto* out : exec.outputs) const_cast<TensorBuffer*>(out)->dynamic = true;
      continue;
    }
    if (!exec.kernel->prepare) continue;
    NodeContext::Binding binding{this, &g, &exec, ni, false};
    NodeContext ctx(binding);
    try {
      exec.kernel->prepare(ctx);
      for (size_t k = 0; k < node.outputs.size(); ++k) {
        const auto& out = g.tensors[static_cast<size_t>(node.outputs[k])];
        if (out.dtype != out.ir->dtype)
          report(fmt::format("output {} would be {} but the model declares {}", k,
                             dtype_name(out.dtype), dtype_name(out.ir->dtype)));
      }
    } catch (const Unsupported& e) {
      report(e.what());
    } catch (const std::exception& e) {
      report(fmt::format("prepare failed: {}", e.what()));
    }
  }

  g.steps.clear();
  if (gi == 0 && !options.delegate.empty()) plan_delegate(g);

  // Memory plan: non-constant, non-variable, static-shape tensors share the arena by lifetime
  // (in plan steps: a delegate partition is one step touching only its materialized tensors).
  const int32_t steps = static_cast<int32_t>(g.steps.empty() ? graph.nodes.size() : g.steps.size());
  std::vector<int32_t> first(n_tensors, INT32_MAX), last(n_tensors, -1);
  auto touch = [&](int32_t id, int32_t step) {
    if (id < 0 || static_cast<size_t>(id) >= n_tensors) return;
    first[static_cast<size_t>(id)] = std::min(first[static_cast<size_t>(id)], step);
    last[static_cast<size_t>(id)] = std::max(last[static_cast<size_t>(id)], step);
  };
  for (int32_t id : graph.inputs) {
    touch(id, -1);
    touch(id, steps);  // inputs stay readable for the whole run (re-invoke, capture)
  }
  for (int32_t s = 0; s < steps; ++s) {
    if (!g.steps.empty() && g.steps[static_cast<size_t>(s)].delegated) {
      const auto& part = partitions[g.steps[static_cast<size_t>(s)].index];
      for (int32_t id : part.input_tensors) touch(id, s);
      for (int32_t id : part.output_tensors) touch(id, s);
      continue;
    }
    const Node& node = graph.nodes[g.steps.empty() ? static_cast<size_t>(s)
                                                   : g.steps[static_cast<size_t>(s)].index];
    for (int32_t id : node.inputs) touch(id, s);
    for (int32_t id : node.outputs) touch(id, s);
    for (int32_t id : node.intermediates) touch(id, s);
  }
  for (int32_t id : graph.outputs) touch(id, steps);

  g.placements.clear();
  g.naive_bytes = 0;
  for (size_t i = 0; i < n_tensors; ++i) {
    auto& t = g.tensors[i];
    if (t.constant || t.ir->is_variable || last[i] < 0) continue;
    if (t.dynamic) continue;  // heap-allocated at eval
    const size_t bytes = t.byte_size();
    g.naive_bytes += bytes;
    if (options.keep_all_tensors) {
      allocate_owned(g, static_cast<uint32_t>(i));
      continue;
    }
    g.placements.push_back({static_cast<uint32_t>(i), 0, bytes, first[i], last[i]});
  }
  const size_t arena_size = plan_arena(g.placements);
  g.arena.assign(arena_size + 64 + kReadSlack, std::byte{0});
  auto* base = g.arena.data();
  const auto misalign = reinterpret_cast<uintptr_t>(base) % 64;
  if (misalign) base += 64 - misalign;
  for (const auto& p : g.placements) {
    auto& t = g.tensors[p.tensor];
    t.data = base + p.offset;
    t.bytes = p.bytes;
  }
  g.prepared = true;
}

void Interpreter::Impl::run_graph(uint32_t gi) {
  auto& g = graphs[gi];
  if (!g.prepared) prepare_graph(gi);
  const size_t step_count = g.steps.empty() ? g.nodes.size() : g.steps.size();
  for (size_t s = 0; s < step_count; ++s) {
    if (!g.steps.empty() && g.steps[s].delegated) {
      run_partition(g, g.steps[s].index);
      continue;
    }
    const uint32_t ni = g.steps.empty() ? static_cast<uint32_t>(s) : g.steps[s].index;
    auto& exec = g.nodes[ni];
    NodeContext::Binding binding{this, &g, &exec, ni, true};
    NodeContext ctx(binding);
    NodeEvent event{gi, ni, exec.node, exec.inputs, exec.outputs};
    try {
      if (exec.deferred && exec.kernel->prepare) exec.kernel->prepare(ctx);
      if (exec.deferred && !exec.kernel->prepare)
        for (size_t k = 0; k < exec.outputs.size(); ++k)
          ctx.set_output(k, exec.outputs[k]->ir->dtype, exec.outputs[k]->ir->shape);
      for (auto* o : observers) o->on_node_begin(event);
      exec.kernel->eval(ctx);
      for (auto* o : observers) o->on_node_end(event);
    } catch (const Unsupported& e) {
      throw std::runtime_error(fmt::format("{}node {} ({}): {}",
                                           gi ? fmt::format("subgraph {} ", gi) : "", ni,
                                           exec.node->op.name, e.what()));
    }
  }
}

// ---- NodeContext: control flow ---------------------------------------------------------------
void NodeContext::invoke_subgraph(uint32_t graph, std::span<const TensorBuffer* const> inputs,
                                  std::span<TensorBuffer* const> outputs) {
  auto& impl = *b_.impl;
  if (graph >= impl.graphs.size()) unsupported(fmt::format("subgraph {} does not exist", graph));
  auto& sg = impl.graphs[graph];
  const Graph& ir = *sg.graph;
  if (inputs.size() != ir.inputs.size())
    unsupported(
        fmt::format("subgraph {} takes {} inputs, got {}", graph, ir.inputs.size(), inputs.size()));
  bool reshape = !sg.prepared;
  sg.input_shapes.resize(ir.inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (sg.input_shapes[k] != inputs[k]->shape) {
      sg.input_shapes[k] = inputs[k]->shape;
      reshape = true;
    }
  }
  if (reshape) impl.prepare_graph(graph);
  for (size_t k = 0; k < inputs.size(); ++k) {
    auto& dst = sg.tensors[static_cast<size_t>(ir.inputs[k])];
    if (dst.constant) continue;
    std::memcpy(dst.data, inputs[k]->data, std::min(dst.bytes, inputs[k]->bytes));
  }
  impl.run_graph(graph);
  for (size_t k = 0; k < outputs.size() && k < ir.outputs.size(); ++k) {
    const auto& src = sg.tensors[static_cast<size_t>(ir.outputs[k])];
    auto* dst = outputs[k];
    if (dst->shape != src.shape || dst->bytes < src.byte_size()) {
      // Find this tensor in the calling graph to give it a heap buffer of the new shape.
      auto& caller = *b_.graph;
      if (dst < caller.tensors.data() || dst >= caller.tensors.data() + caller.tensors.size())
        unsupported(fmt::format("subgraph {} output {} changes shape", graph, k));
      const auto id = static_cast<uint32_t>(dst - caller.tensors.data());
      dst->shape = src.shape;
      dst->dynamic = true;
      impl.allocate_owned(caller, id);
    }
    if (dst->data != src.data) std::memmove(dst->data, src.data, src.byte_size());
  }
}

std::vector<std::pair<DType, std::vector<int64_t>>> NodeContext::subgraph_output_shapes(
    uint32_t graph, std::span<const TensorBuffer* const> inputs) {
  auto& impl = *b_.impl;
  if (graph >= impl.graphs.size()) unsupported(fmt::format("subgraph {} does not exist", graph));
  auto& sg = impl.graphs[graph];
  sg.input_shapes.clear();
  for (const auto* in : inputs) sg.input_shapes.push_back(in->shape);
  impl.prepare_graph(graph);
  std::vector<std::pair<DType, std::vector<int64_t>>> out;
  for (int32_t id : sg.graph->outputs) {
    const auto& t = sg.tensors[static_cast<size_t>(id)];
    out.emplace_back(t.dtype, t.shape);
  }
  return out;
}

// ---- Interpreter ----------------------------------------------------------------------------
Interpreter::Interpreter(const Model& model, InterpreterOptions options)
    : impl_(std::make_unique<Impl>(model, std::move(options))) {
  impl_->self = this;
  impl_->graphs.resize(model.graphs.size());
  for (uint32_t i = 0; i < model.graphs.size(); ++i) {
    impl_->graphs[i].index = i;
    impl_->graphs[i].graph = &model.graphs[i];
  }
  if (model.graphs.empty()) {
    impl_->unsupported.push_back({0, 0, "", DType::Unknown, "the model has no graph"});
    return;
  }
  // Graph 0 first; subgraphs only called by control-flow ops get prepared by those ops' prepare
  // (with the caller's shapes) — any still unprepared are prepared with their own declared shapes
  // so their nodes are checked too.
  impl_->prepare_graph(0);
  for (uint32_t i = 1; i < impl_->graphs.size(); ++i)
    if (!impl_->graphs[i].prepared && model.graphs[i].kind == GraphKind::Subgraph)
      impl_->prepare_graph(i);
}

Interpreter::~Interpreter() = default;

const Model& Interpreter::model() const {
  return impl_->model;
}
const InterpreterOptions& Interpreter::options() const {
  return impl_->options;
}

size_t Interpreter::input_count() const {
  return impl_->graphs.empty() ? 0 : impl_->graphs[0].graph->inputs.size();
}
size_t Interpreter::output_count() const {
  return impl_->graphs.empty() ? 0 : impl_->graphs[0].graph->outputs.size();
}
TensorBuffer& Interpreter::input(size_t i) {
  auto& g = impl_->graphs.at(0);
  return g.tensors.at(static_cast<size_t>(g.graph->inputs.at(i)));
}
const TensorBuffer& Interpreter::output(size_t i) const {
  auto& g = impl_->graphs.at(0);
  return g.tensors.at(static_cast<size_t>(g.graph->outputs.at(i)));
}

namespace {
int find_io(const Model& model, const std::vector<int32_t>& ids, std::string_view name,
            bool inputs) {
  const Graph& g = model.graphs.at(0);
  for (size_t k = 0; k < ids.size(); ++k)
    if (ids[k] >= 0 && g.tensors.at(static_cast<size_t>(ids[k])).name == name)
      return static_cast<int>(k);
  for (const auto& sig : model.signatures) {
    if (sig.graph != 0) continue;
    for (const auto& st : inputs ? sig.inputs : sig.outputs) {
      if (st.name != name) continue;
      auto it = std::find(ids.begin(), ids.end(), static_cast<int32_t>(st.tensor));
      if (it != ids.end()) return static_cast<int>(it - ids.begin());
    }
  }
  return -1;
}
}  // namespace

int Interpreter::find_input(std::string_view name) const {
  return find_io(impl_->model, impl_->model.graphs.at(0).inputs, name, true);
}
int Interpreter::find_output(std::string_view name) const {
  return find_io(impl_->model, impl_->model.graphs.at(0).outputs, name, false);
}

void Interpreter::resize_input(size_t i, std::vector<int64_t> shape) {
  auto& g = impl_->graphs.at(0);
  if (i >= g.graph->inputs.size()) throw std::out_of_range(fmt::format("no input {}", i));
  g.input_shapes.resize(g.graph->inputs.size());
  g.input_shapes[i] = std::move(shape);
  impl_->prepare_graph(0);
}

const std::vector<UnsupportedNode>& Interpreter::unsupported() const {
  return impl_->unsupported;
}

void Interpreter::invoke() {
  if (!impl_->unsupported.empty()) throw UnsupportedModel(impl_->unsupported);
  for (auto* o : impl_->observers) o->on_invoke_begin(*this);
  impl_->run_graph(0);
  for (auto* o : impl_->observers) o->on_invoke_end(*this);
}

void Interpreter::reset_variables() {
  for (auto& g : impl_->graphs) impl_->reset_variables(g);
}

void Interpreter::add_observer(Observer* observer) {
  impl_->observers.push_back(observer);
}
void Interpreter::remove_observer(Observer* observer) {
  std::erase(impl_->observers, observer);
}

size_t Interpreter::graph_count() const {
  return impl_->graphs.size();
}
const TensorBuffer& Interpreter::tensor(uint32_t graph, uint32_t id) const {
  return impl_->graphs.at(graph).tensors.at(id);
}

MemoryReport Interpreter::memory() const {
  MemoryReport r;
  for (const auto& g : impl_->graphs) {
    size_t arena = 0;
    for (const auto& p : g.placements) arena = std::max(arena, p.offset + p.bytes);
    r.arena_bytes += impl_->options.keep_all_tensors ? g.naive_bytes : arena;
    r.naive_bytes += g.naive_bytes;
    r.variable_bytes += g.variable_bytes;
    r.constant_bytes += g.constant_bytes;
    r.copied_constant_bytes += g.copied_constant_bytes;
    for (size_t i = 0; i < g.tensors.size(); ++i)
      if (g.tensors[i].dynamic) r.dynamic_bytes += g.owned[i].size();
  }
  return r;
}

std::vector<TensorPlacement> Interpreter::placements(uint32_t graph) const {
  return impl_->graphs.at(graph).placements;
}

}  // namespace edgelens::runtime
