// Shared between the layout engines (Graphviz dot, fast layered) and the composer.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgelens/layout/graph_layout.h"
#include "edgelens/layout/scene.h"

namespace edgelens::layout::detail {

struct BoxSize {
  double w = 0, h = 0;
};

struct FlowEdge {
  uint32_t from = 0, to = 0;  // indices into the boxes
};

struct PlacedEdge {
  std::vector<Point> points;
  bool bezier = false;
  bool back_edge = false;
};

// One flat layout: boxes placed in a local frame whose top-left is (0, 0), y downwards.
struct Placement {
  std::vector<Rect> boxes;
  std::vector<PlacedEdge> edges;  // parallel to the input edges
  double width = 0, height = 0;
};

// Graphviz dot through cgraph/gvc, serialized by a process-wide mutex. nullopt when Graphviz fails.
std::optional<Placement> dot_place(std::span<const BoxSize> boxes, std::span<const FlowEdge> edges,
                                   const LayoutOptions& options);

// Longest-path ranks + barycenter ordering; linear-ish, for groups too wide for dot. Boxes are
// expected in execution order: edges to a lower index are treated as back edges.
Placement fast_place(std::span<const BoxSize> boxes, std::span<const FlowEdge> edges,
                     const LayoutOptions& options);

// Boxes that form one simple chain 0 -> 1 -> ... -> n-1 (in index order, no other edges): a centred
// column, exactly what dot draws for a chain, without the Graphviz call. nullopt otherwise.
std::optional<Placement> chain_place(std::span<const BoxSize> boxes,
                                     std::span<const FlowEdge> edges, const LayoutOptions& options);

// Point halfway along a path (Bézier or polyline).
Point path_midpoint(const std::vector<Point>& points, bool bezier);

}  // namespace edgelens::layout::detail
