// The geometry of one laid-out graph view, in points (1/72 inch), y growing downwards, origin at
// the top-left of `Scene::bounds`. Plain data: the GUI draws it, `edgelens render` writes it as
// SVG. No Qt types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgelens/layout/grouping.h"

namespace edgelens::layout {

struct Point {
  double x = 0, y = 0;
  bool operator==(const Point&) const = default;
};

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;
  double left() const { return x; }
  double top() const { return y; }
  double right() const { return x + w; }
  double bottom() const { return y + h; }
  Point center() const { return {x + w / 2, y + h / 2}; }
  bool contains(Point p, double tolerance = 0) const {
    return p.x >= x - tolerance && p.x <= right() + tolerance && p.y >= y - tolerance &&
           p.y <= bottom() + tolerance;
  }
  bool contains(const Rect& r, double tolerance = 0) const {
    return r.x >= x - tolerance && r.y >= y - tolerance && r.right() <= right() + tolerance &&
           r.bottom() <= bottom() + tolerance;
  }
  bool intersects(const Rect& r) const {
    return x < r.right() && r.x < right() && y < r.bottom() && r.y < bottom();
  }
  bool operator==(const Rect&) const = default;
};

enum class ItemKind {
  Node,            // one graph node (op box)
  CollapsedGroup,  // a closed group drawn as one box; double-click opens it
  ExpandedGroup,   // the frame around an open group's contents (drawn below its children)
  GraphInput,      // a graph input tensor (top of the root layout)
  GraphOutput,     // a graph output tensor (bottom of the root layout)
};

struct SceneItem {
  ItemKind kind = ItemKind::Node;
  // What the item stands for: node id (Node), group id (CollapsedGroup, ExpandedGroup), tensor id
  // (GraphInput, GraphOutput).
  uint32_t ref = 0;
  GroupId parent_group =
      kRootGroup;      // the open group this item is laid out in (kNoGroup for root frame)
  uint32_t depth = 0;  // nesting depth of that group; frames draw in depth order
  Rect rect;
  // Text lines, first line is the title: op type ("CONV_2D"), then key attributes
  // ("3×3 s2", "RELU6"); for groups: label then "N ops".
  std::vector<std::string> label_lines;
  std::string op;  // op name for nodes ("CONV_2D", "aten::add.out"); "" otherwise (SVG data-op)
  // For ExpandedGroup frames: the height of the title band at the top of `rect`.
  double header_height = 0;
};

struct SceneEdge {
  uint32_t from_item = 0;     // indices into Scene::items (visible endpoints; group boxes when the
  uint32_t to_item = 0;       // real producer/consumer sits inside a collapsed or other group)
  int32_t tensor = -1;        // the (first) tensor the edge carries
  uint32_t tensor_count = 1;  // > 1 when several tensors between the same boxes were merged
  std::string label;          // tensor shape, "1×56×56×24" ("" when unknown)
  Point label_pos;            // where to centre the label
  // Path from the source box border to the target box border. When `bezier` is true the points
  // are cubic Bézier control points p0 (c1 c2 p)*, as Graphviz produces them; otherwise a polyline.
  std::vector<Point> points;
  bool bezier = false;
  bool back_edge = false;  // goes against the flow (cycle among collapsed groups); drawn upwards
};

struct Scene {
  uint32_t graph_index = 0;  // which Model::graphs entry (set by the caller; render/SVG ids use it)
  std::vector<SceneItem> items;  // frames come before their contents
  std::vector<SceneEdge> edges;
  Rect bounds;
  // Groups whose children were placed by the fast layered fallback instead of Graphviz (too many
  // children); the UI can say "fast layout" for them.
  std::vector<GroupId> fast_layout_groups;
  bool used_fast_layout() const { return !fast_layout_groups.empty(); }
  size_t dot_calls = 0;   // Graphviz layouts run for this scene (0 when everything was cached)
  size_t cache_hits = 0;  // group layouts reused from the cache

  // Index of the visible item that represents `node`: its own box, or the innermost collapsed group
  // that hides it. nullopt if `node` is not in this scene.
  std::optional<uint32_t> item_for_node(const GroupTree& tree, uint32_t node) const;
  std::optional<uint32_t> find_item(ItemKind kind, uint32_t ref) const;
};

}  // namespace edgelens::layout
