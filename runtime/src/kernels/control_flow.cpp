// Control flow: WHILE, IF, CALL_ONCE, STABLEHLO_COMPOSITE (runs its decomposition subgraph).
// Subgraphs run through NodeContext::invoke_subgraph, which copies values in and out, so loop
// variables can be passed as both inputs and outputs.
#include <cstring>

#include "edgelens/runtime/interpreter.h"
#include "float_util.h"

namespace edgelens::runtime::kernels {
namespace {

std::vector<const TensorBuffer*> inputs_from(NodeContext& ctx, size_t first) {
  std::vector<const TensorBuffer*> v;
  for (size_t i = first; i < ctx.input_count(); ++i) v.push_back(&ctx.input(i));
  return v;
}
std::vector<TensorBuffer*> outputs_of(NodeContext& ctx) {
  std::vector<TensorBuffer*> v;
  for (size_t i = 0; i < ctx.output_count(); ++i) v.push_back(&ctx.output(i));
  return v;
}
uint32_t graph_attr(NodeContext& ctx, std::string_view name) {
  const int64_t g = ctx.attr_int(name, -1);
  if (g <= 0 || static_cast<size_t>(g) >= ctx.model().graphs.size())
    ctx.unsupported(fmt::format("{} = {} is not a subgraph", name, g));
  return static_cast<uint32_t>(g);
}

uint32_t node_index(NodeContext& ctx) {
  return static_cast<uint32_t>(&ctx.node() - ctx.graph().nodes.data());
}

struct WhileState {
  std::vector<std::byte> cond_storage;
  TensorBuffer cond;
};

void while_prepare(NodeContext& ctx) {
  const auto cond = graph_attr(ctx, "cond_subgraph_index");
  const auto body = graph_attr(ctx, "body_subgraph_index");
  const auto ins = inputs_from(ctx, 0);
  if (ins.size() != ctx.output_count()) ctx.unsupported("WHILE needs as many outputs as inputs");
  const auto body_out = ctx.subgraph_output_shapes(body, ins);
  for (size_t k = 0; k < ins.size(); ++k) {
    if (k >= body_out.size() || body_out[k].first != ins[k]->dtype ||
        body_out[k].second != ins[k]->shape)
      ctx.unsupported(fmt::format("loop variable {} changes dtype or shape in the body", k));
    ctx.set_output(k, ins[k]->dtype, ins[k]->shape);
  }
  const auto cond_out = ctx.subgraph_output_shapes(cond, ins);
  if (cond_out.size() != 1 || cond_out[0].first != DType::Bool ||
      element_count(cond_out[0].second) != 1)
    ctx.unsupported("the condition subgraph must return one bool");
  auto& s = ctx.state<WhileState>();
  s.cond_storage.assign(1, std::byte{0});
  s.cond.dtype = DType::Bool;
  s.cond.shape = cond_out[0].second;
  s.cond.data = s.cond_storage.data();
  s.cond.bytes = 1;
}

void while_eval(NodeContext& ctx) {
  const auto cond = graph_attr(ctx, "cond_subgraph_index");
  const auto body = graph_attr(ctx, "body_subgraph_index");
  auto& s = ctx.state<WhileState>();
  auto outs = outputs_of(ctx);
  for (size_t k = 0; k < outs.size(); ++k)
    if (outs[k]->data != ctx.input(k).data)
      std::memcpy(outs[k]->data, ctx.input(k).data, ctx.input(k).bytes);
  std::vector<const TensorBuffer*> vars(outs.begin(), outs.end());
  TensorBuffer* cond_out[] = {&s.cond};
  const int64_t limit = ctx.interpreter_options().max_while_iterations;
  for (int64_t iteration = 0;; ++iteration) {
    ctx.invoke_subgraph(cond, vars, cond_out);
    if (s.cond_storage[0] == std::byte{0}) break;
    if (limit > 0 && iteration >= limit)
      throw std::runtime_error(fmt::format(
          "{}node {} (WHILE, body subgraph {}): the loop condition still holds after {} "
          "iterations; stopped (raise the limit with --max-while-iterations)",
          ctx.graph_index() ? fmt::format("subgraph {} ", ctx.graph_index()) : "", node_index(ctx),
          body, iteration));
    ctx.invoke_subgraph(body, vars, outs);
  }
}

void if_prepare(NodeContext& ctx) {
  const auto then_graph = graph_attr(ctx, "then_subgraph_index");
  (void)graph_attr(ctx, "else_subgraph_index");
  if (ctx.input(0).dtype != DType::Bool || ctx.input(0).element_count() != 1)
    ctx.unsupported("the condition must be one bool");
  const auto outs = ctx.subgraph_output_shapes(then_graph, inputs_from(ctx, 1));
  if (outs.size() != ctx.output_count())
    ctx.unsupported("branch output count differs from the node's");
  for (size_t k = 0; k < outs.size(); ++k) ctx.set_output(k, outs[k].first, outs[k].second);
}
void if_eval(NodeContext& ctx) {
  const bool take_then = ctx.in<uint8_t>(0)[0] != 0;
  const auto g = graph_attr(ctx, take_then ? "then_subgraph_index" : "else_subgraph_index");
  auto outs = outputs_of(ctx);
  ctx.invoke_subgraph(g, inputs_from(ctx, 1), outs);
}

struct OnceState {
  bool done = false;
};
void call_once_prepare(NodeContext& ctx) {
  (void)graph_attr(ctx, "init_subgraph_index");
}
void call_once_eval(NodeContext& ctx) {
  auto& s = ctx.state<OnceState>();
  if (s.done) return;
  ctx.invoke_subgraph(graph_attr(ctx, "init_subgraph_index"), {}, {});
  s.done = true;
}

// STABLEHLO_COMPOSITE: a named composite (odml.l2_norm, odml.group_norm ...) whose meaning is its
// decomposition subgraph; run like a call with the node's inputs and outputs.
void composite_prepare(NodeContext& ctx) {
  const auto g = graph_attr(ctx, "decomposition_subgraph_index");
  const auto outs = ctx.subgraph_output_shapes(g, inputs_from(ctx, 0));
  if (outs.size() != ctx.output_count())
    ctx.unsupported(fmt::format("composite '{}': decomposition has {} outputs, the node {}",
                                ctx.attr_string("name"), outs.size(), ctx.output_count()));
  for (size_t k = 0; k < outs.size(); ++k) ctx.set_output(k, outs[k].first, outs[k].second);
}
void composite_eval(NodeContext& ctx) {
  auto outs = outputs_of(ctx);
  ctx.invoke_subgraph(graph_attr(ctx, "decomposition_subgraph_index"), inputs_from(ctx, 0), outs);
}

const RegisterKernel kComposite("STABLEHLO_COMPOSITE", DType::Unknown,
                                {composite_prepare, composite_eval});
const RegisterKernel kWhile("WHILE", DType::Unknown, {while_prepare, while_eval});
const RegisterKernel kIf("IF", DType::Bool, {if_prepare, if_eval});
const RegisterKernel kCallOnce("CALL_ONCE", DType::Unknown, {call_once_prepare, call_once_eval});

}  // namespace
}  // namespace edgelens::runtime::kernels
