// In-memory model-like graphs for benchmarks and tests: a transformer-like stack whose tensor names
// are path-like ("model/layers/3/attn/q_proj/MatMul"), so grouping sees realistic namespaces.
#pragma once

#include <cstddef>

#include "edgelens/model_io/model.h"

namespace edgelens::layout {

// About `target_nodes` ops (rounded to whole layers): embedding, N decoder layers of 40 ops
// (attention with q/k/v/o projections, rope, softmax, residuals, norms, a gated MLP), final norm
// and head. Tensors carry shapes; weights are constant tensors without data.
Graph make_transformer_graph(size_t target_nodes, size_t hidden = 256, size_t sequence = 128);

}  // namespace edgelens::layout
