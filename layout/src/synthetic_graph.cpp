#include "edgelens/layout/synthetic_graph.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace edgelens::layout {
namespace {

class Builder {
 public:
  explicit Builder(Graph& g) : g_(g) {}

  int32_t tensor(std::string name, std::vector<int64_t> shape, bool constant = false) {
    Tensor t;
    t.id = static_cast<uint32_t>(g_.tensors.size());
    t.name = std::move(name);
    t.dtype = DType::Float32;
    t.shape = std::move(shape);
    t.is_constant = constant;
    g_.tensors.push_back(std::move(t));
    return static_cast<int32_t>(g_.tensors.back().id);
  }

  // One op named `path/op_suffix`; returns its output tensor.
  int32_t op(const std::string& path, const char* op_name, std::vector<int32_t> inputs,
             std::vector<int64_t> out_shape, std::vector<int64_t> weight_shape = {}) {
    if (!weight_shape.empty())
      inputs.push_back(tensor(path + "/weight", std::move(weight_shape), true));
    Node n;
    n.id = static_cast<uint32_t>(g_.nodes.size());
    n.op.domain = "tflite";
    n.op.name = op_name;
    n.inputs = std::move(inputs);
    const int32_t out = tensor(fmt::format("{}/{}", path, op_name), std::move(out_shape));
    n.outputs = {out};
    g_.nodes.push_back(std::move(n));
    return out;
  }

 private:
  Graph& g_;
};

}  // namespace

Graph make_transformer_graph(size_t target_nodes, size_t hidden, size_t sequence) {
  Graph g;
  g.name = fmt::format("transformer_{}", target_nodes);
  Builder b(g);
  const auto s = static_cast<int64_t>(sequence), h = static_cast<int64_t>(hidden);
  const int64_t heads = 8, head_dim = std::max<int64_t>(h / heads, 1);
  const std::vector<int64_t> act{1, s, h}, heads_shape{1, heads, s, head_dim},
      scores{1, heads, s, s}, mlp{1, s, 4 * h};
  const int32_t ids = b.tensor("serving_default_input_ids:0", {1, s});
  g.inputs = {ids};
  int32_t x = b.op("model/embed", "GATHER", {ids}, act, {32000, h});
  constexpr size_t kOpsPerLayer = 40;
  const size_t layers =
      std::max<size_t>(1, (target_nodes > 4 ? target_nodes - 4 : 0) / kOpsPerLayer);
  for (size_t l = 0; l < layers; ++l) {
    const std::string L = fmt::format("model/layers/{}", l);
    // Attention block (25 ops).
    const std::string a = L + "/attn";
    int32_t n1 = b.op(L + "/input_norm", "RMS_NORM", {x}, act, {h});
    int32_t sq = b.op(L + "/input_norm", "MUL", {n1, n1}, act);
    n1 = b.op(L + "/input_norm", "RSQRT", {sq}, act);
    int32_t q = b.op(a + "/q_proj", "FULLY_CONNECTED", {n1}, act, {h, h});
    int32_t k = b.op(a + "/k_proj", "FULLY_CONNECTED", {n1}, act, {h, h});
    int32_t v = b.op(a + "/v_proj", "FULLY_CONNECTED", {n1}, act, {h, h});
    q = b.op(a + "/q_proj", "RESHAPE", {q}, heads_shape);
    k = b.op(a + "/k_proj", "RESHAPE", {k}, heads_shape);
    v = b.op(a + "/v_proj", "RESHAPE", {v}, heads_shape);
    for (int32_t* t : {&q, &k}) {
      const std::string r = a + (t == &q ? "/rope_q" : "/rope_k");
      int32_t c = b.op(r, "MUL", {*t}, heads_shape, {s, head_dim});
      int32_t rot = b.op(r, "SLICE", {*t}, heads_shape);
      rot = b.op(r, "NEG", {rot}, heads_shape);
      rot = b.op(r, "CONCATENATION", {rot, *t}, heads_shape);
      int32_t sn = b.op(r, "MUL", {rot}, heads_shape, {s, head_dim});
      *t = b.op(r, "ADD", {c, sn}, heads_shape);
    }
    k = b.op(a + "/sdpa", "TRANSPOSE", {k}, heads_shape);
    int32_t sc = b.op(a + "/sdpa", "BATCH_MATMUL", {q, k}, scores);
    sc = b.op(a + "/sdpa", "MUL", {sc}, scores, {1});
    sc = b.op(a + "/sdpa", "ADD", {sc}, scores, {1, 1, s, s});
    sc = b.op(a + "/sdpa", "SOFTMAX", {sc}, scores);
    int32_t o = b.op(a + "/sdpa", "BATCH_MATMUL", {sc, v}, heads_shape);
    o = b.op(a + "/o_proj", "RESHAPE", {o}, act);
    o = b.op(a + "/o_proj", "FULLY_CONNECTED", {o}, act, {h, h});
    x = b.op(L + "/residual_1", "ADD", {x, o}, act);
    // MLP block.
    const std::string m = L + "/mlp";
    int32_t n2 = b.op(L + "/post_norm", "RMS_NORM", {x}, act, {h});
    int32_t sq2 = b.op(L + "/post_norm", "MUL", {n2, n2}, act);
    n2 = b.op(L + "/post_norm", "RSQRT", {sq2}, act);
    int32_t gate = b.op(m + "/gate_proj", "FULLY_CONNECTED", {n2}, mlp, {4 * h, h});
    int32_t sig = b.op(m + "/act", "LOGISTIC", {gate}, mlp);
    gate = b.op(m + "/act", "MUL", {gate, sig}, mlp);
    int32_t up = b.op(m + "/up_proj", "FULLY_CONNECTED", {n2}, mlp, {4 * h, h});
    int32_t prod = b.op(m, "MUL", {gate, up}, mlp);
    int32_t down = b.op(m + "/down_proj", "FULLY_CONNECTED", {prod}, act, {h, 4 * h});
    x = b.op(L + "/residual_2", "ADD", {x, down}, act);
  }
  x = b.op("model/final_norm", "RMS_NORM", {x}, act, {h});
  x = b.op("model/final_norm", "MUL", {x, x}, act);
  const int32_t logits = b.op("model/lm_head", "FULLY_CONNECTED", {x}, {1, s, 32000}, {32000, h});
  g.outputs = {logits};
  return g;
}

}  // namespace edgelens::layout
