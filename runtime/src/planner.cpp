// Greedy-by-size arena planning (the strategy of TFLite's ArenaPlanner/GreedyMemoryPlanner): place
// the largest tensors first, each at the lowest offset that does not collide with an already placed
// tensor whose lifetime intersects its own.
#include <algorithm>

#include "interpreter_internal.h"

namespace edgelens::runtime {

namespace {
constexpr size_t kAlign = 64;
size_t align_up(size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}
}  // namespace

size_t plan_arena(std::vector<TensorPlacement>& tensors) {
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
    return tensors[a].first_node < tensors[b].first_node;
  });
  std::vector<size_t> placed;
  size_t arena = 0;
  for (size_t idx : order) {
    auto& t = tensors[idx];
    // Intervals already taken by tensors alive at the same time, by offset.
    std::vector<std::pair<size_t, size_t>> busy;
    for (size_t p : placed) {
      const auto& o = tensors[p];
      if (o.first_node <= t.last_node && t.first_node <= o.last_node)
        busy.emplace_back(o.offset, o.offset + align_up(o.bytes));
    }
    std::sort(busy.begin(), busy.end());
    size_t offset = 0;
    const size_t need = align_up(t.bytes);
    for (const auto& [begin, end] : busy) {
      if (offset + need <= begin) break;
      offset = std::max(offset, end);
    }
    t.offset = offset;
    arena = std::max(arena, offset + need);
    placed.push_back(idx);
  }
  return arena;
}

}  // namespace edgelens::runtime
