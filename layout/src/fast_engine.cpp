// Fast layered layout for groups too wide for dot: longest-path ranks, a few barycenter sweeps for
// the order within ranks, then x positions pulled towards the neighbours' centres. O(E log V)
// per sweep; no edge routing beyond straight segments (the UI says "fast layout").
#include <algorithm>
#include <numeric>

#include "layout_internal.h"

namespace edgelens::layout::detail {

Placement fast_place(std::span<const BoxSize> boxes, std::span<const FlowEdge> edges,
                     const LayoutOptions& options) {
  const size_t n = boxes.size();
  const double rank_gap = options.ranksep * 72.0;
  const double node_gap = options.nodesep * 72.0;
  std::vector<std::vector<uint32_t>> preds(n), succs(n);
  for (const FlowEdge& e : edges) {
    if (e.from == e.to) continue;
    // Children come in execution order: an edge to an earlier box goes against the flow.
    const uint32_t a = std::min(e.from, e.to), b = std::max(e.from, e.to);
    succs[a].push_back(b);
    preds[b].push_back(a);
  }
  // Longest-path ranks in index (= topological) order.
  std::vector<uint32_t> rank(n, 0);
  uint32_t max_rank = 0;
  for (uint32_t v = 0; v < n; ++v) {
    for (uint32_t u : preds[v]) rank[v] = std::max(rank[v], rank[u] + 1);
    max_rank = std::max(max_rank, rank[v]);
  }
  std::vector<std::vector<uint32_t>> layers(n ? max_rank + 1 : 0);
  for (uint32_t v = 0; v < n; ++v) layers[rank[v]].push_back(v);

  // Barycenter ordering on normalised positions (layers differ in width).
  std::vector<double> pos(n, 0);
  auto renumber = [&](const std::vector<uint32_t>& layer) {
    for (size_t i = 0; i < layer.size(); ++i)
      pos[layer[i]] = (static_cast<double>(i) + 0.5) / static_cast<double>(layer.size());
  };
  for (auto& layer : layers) renumber(layer);
  std::vector<double> key(n, 0);
  auto sweep = [&](auto& layer, const std::vector<std::vector<uint32_t>>& neighbours) {
    for (uint32_t v : layer) {
      if (neighbours[v].empty()) {
        key[v] = pos[v];
        continue;
      }
      double sum = 0;
      for (uint32_t u : neighbours[v]) sum += pos[u];
      key[v] = sum / static_cast<double>(neighbours[v].size());
    }
    std::stable_sort(layer.begin(), layer.end(),
                     [&](uint32_t a, uint32_t b) { return key[a] < key[b]; });
    renumber(layer);
  };
  for (int iteration = 0; iteration < 2; ++iteration) {
    for (size_t r = 1; r < layers.size(); ++r) sweep(layers[r], preds);
    for (size_t r = layers.size(); r-- > 1;) sweep(layers[r - 1], succs);
  }

  // y per rank.
  Placement placement;
  placement.boxes.resize(n);
  std::vector<double> center_x(n, 0);
  double y = 0;
  std::vector<double> rank_top(layers.size(), 0);
  for (size_t r = 0; r < layers.size(); ++r) {
    double height = 0;
    for (uint32_t v : layers[r]) height = std::max(height, boxes[v].h);
    rank_top[r] = y;
    y += height + rank_gap;
  }
  // x: pack each layer, then pull towards the neighbours' mean keeping order and spacing.
  auto place_layer = [&](const std::vector<uint32_t>& layer, const std::vector<double>& desired) {
    if (layer.empty()) return;
    std::vector<double> x(layer.size());
    for (size_t i = 0; i < layer.size(); ++i) {
      x[i] = desired[i];
      if (i > 0) {
        const double min_x = x[i - 1] + (boxes[layer[i - 1]].w + boxes[layer[i]].w) / 2 + node_gap;
        x[i] = std::max(x[i], min_x);
      }
    }
    double shift = 0;
    for (size_t i = 0; i < layer.size(); ++i) shift += desired[i] - x[i];
    shift /= static_cast<double>(layer.size());
    for (size_t i = 0; i < layer.size(); ++i) center_x[layer[i]] = x[i] + shift;
  };
  for (auto& layer : layers) {
    std::vector<double> desired(layer.size(), 0);
    place_layer(layer, desired);
  }
  for (int iteration = 0; iteration < 2; ++iteration) {
    for (size_t r = 0; r < layers.size(); ++r) {
      const auto& neighbours = iteration % 2 == 0 ? preds : succs;
      const size_t at = iteration % 2 == 0 ? r : layers.size() - 1 - r;
      std::vector<double> desired;
      desired.reserve(layers[at].size());
      for (uint32_t v : layers[at]) {
        if (neighbours[v].empty()) {
          desired.push_back(center_x[v]);
          continue;
        }
        double sum = 0;
        for (uint32_t u : neighbours[v]) sum += center_x[u];
        desired.push_back(sum / static_cast<double>(neighbours[v].size()));
      }
      place_layer(layers[at], desired);
    }
  }
  double min_x = 0, max_x = 0;
  bool first = true;
  for (uint32_t v = 0; v < n; ++v) {
    const double l = center_x[v] - boxes[v].w / 2, r = center_x[v] + boxes[v].w / 2;
    min_x = first ? l : std::min(min_x, l);
    max_x = first ? r : std::max(max_x, r);
    first = false;
  }
  double max_y = 0;
  for (uint32_t v = 0; v < n; ++v) {
    placement.boxes[v] = {center_x[v] - boxes[v].w / 2 - min_x, rank_top[rank[v]], boxes[v].w,
                          boxes[v].h};
    max_y = std::max(max_y, placement.boxes[v].bottom());
  }
  placement.width = n ? max_x - min_x : 0;
  placement.height = max_y;

  placement.edges.resize(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    const Rect& a = placement.boxes[edges[i].from];
    const Rect& b = placement.boxes[edges[i].to];
    PlacedEdge& out = placement.edges[i];
    out.back_edge = edges[i].to < edges[i].from;
    if (!out.back_edge) {
      out.points = {{a.center().x, a.bottom()}, {b.center().x, b.top()}};
    } else {
      // Against the flow: leave from the side and enter from the side, so it reads as a loop.
      out.points = {{a.right(), a.center().y}, {b.right(), b.center().y}};
    }
  }
  return placement;
}

std::optional<Placement> chain_place(std::span<const BoxSize> boxes,
                                     std::span<const FlowEdge> edges,
                                     const LayoutOptions& options) {
  const size_t n = boxes.size();
  if (n == 0 || edges.size() + 1 != n) return std::nullopt;
  std::vector<bool> linked(n, false);
  for (const FlowEdge& e : edges) {
    if (e.to != e.from + 1 || linked[e.from]) return std::nullopt;
    linked[e.from] = true;
  }
  Placement placement;
  double width = 0;
  for (const BoxSize& b : boxes) width = std::max(width, b.w);
  double y = 0;
  for (size_t i = 0; i < n; ++i) {
    placement.boxes.push_back({(width - boxes[i].w) / 2, y, boxes[i].w, boxes[i].h});
    y += boxes[i].h + (i + 1 < n ? options.ranksep * 72.0 : 0);
  }
  placement.width = width;
  placement.height = y;
  for (const FlowEdge& e : edges) {
    const Rect& a = placement.boxes[e.from];
    const Rect& b = placement.boxes[e.to];
    placement.edges.push_back({{{width / 2, a.bottom()}, {width / 2, b.top()}}, false, false});
  }
  return placement;
}

}  // namespace edgelens::layout::detail
