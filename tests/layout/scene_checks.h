// Geometric invariants every laid-out Scene must satisfy, checked against the graph and the group
// tree (not against anything the layout computed about itself).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "edgelens/layout/graph_layout.h"

namespace edgelens::layout::testing {

inline double distance_to_border(Point p, const Rect& r) {
  const bool inside = r.contains(p);
  if (inside) return std::min({p.x - r.left(), r.right() - p.x, p.y - r.top(), r.bottom() - p.y});
  const double dx = std::max({r.left() - p.x, 0.0, p.x - r.right()});
  const double dy = std::max({r.top() - p.y, 0.0, p.y - r.bottom()});
  return std::hypot(dx, dy);
}

// Is `node` visible as its own box under `expansion`? (All its enclosing groups open.)
inline bool node_visible(const GroupTree& tree, const ExpansionState& expansion, uint32_t node) {
  for (GroupId g : tree.ancestors_and_self(tree.group_of_node(node)))
    if (!expansion.is_expanded(g)) return false;
  return true;
}

// Returns the number of problems found (each reported with ADD_FAILURE, at most a few per kind).
inline int check_scene(const Graph& graph, const GroupTree& tree, const ExpansionState& expansion,
                       const Scene& scene, const std::string& what) {
  int problems = 0;
  std::map<std::string, int> reported;
  auto fail = [&](const std::string& kind, const std::string& message) {
    ++problems;
    if (reported[kind]++ < 3) ADD_FAILURE() << what << ": " << kind << ": " << message;
  };
  constexpr double kTol = 0.6;

  // Visible set: every node is its own box iff all its groups are open, else hidden in exactly the
  // outermost closed group's box.
  std::map<uint32_t, uint32_t> node_items, collapsed_items, frame_items;
  for (size_t i = 0; i < scene.items.size(); ++i) {
    const SceneItem& item = scene.items[i];
    auto& bucket = item.kind == ItemKind::Node             ? node_items
                   : item.kind == ItemKind::CollapsedGroup ? collapsed_items
                   : item.kind == ItemKind::ExpandedGroup  ? frame_items
                                                           : node_items;
    if (item.kind == ItemKind::GraphInput || item.kind == ItemKind::GraphOutput) continue;
    if (!bucket.emplace(item.ref, static_cast<uint32_t>(i)).second)
      fail("duplicate", "item for " + std::to_string(item.ref) + " appears twice");
  }
  for (uint32_t n = 0; n < graph.nodes.size(); ++n) {
    const bool visible = node_visible(tree, expansion, n);
    if (visible != node_items.count(n))
      fail("visibility", "node " + std::to_string(n) + " visible mismatch");
    if (!visible) {
      GroupId outer = kNoGroup;
      for (GroupId g : tree.ancestors_and_self(tree.group_of_node(n)))
        if (!expansion.is_expanded(g)) {
          outer = g;
          break;
        }
      if (outer == kNoGroup || !collapsed_items.count(outer))
        fail("visibility", "hidden node " + std::to_string(n) + " has no collapsed box");
    }
  }
  for (const Group& g : tree.groups()) {
    if (g.id == kRootGroup) continue;
    const bool shown =
        expansion.is_expanded(g.parent) && (g.parent == kRootGroup || frame_items.count(g.parent));
    const bool present = collapsed_items.count(g.id) + frame_items.count(g.id);
    if (shown != present) fail("groups", "group " + g.path + " shown mismatch");
    if (present && expansion.is_expanded(g.id) != static_cast<bool>(frame_items.count(g.id)))
      fail("groups", "group " + g.path + " has the wrong kind of box");
  }

  // Containment: bounds hold everything; an open group's frame holds its children.
  for (const SceneItem& item : scene.items) {
    if (!scene.bounds.contains(item.rect, kTol)) fail("bounds", "item outside scene bounds");
    if (item.parent_group == kRootGroup) continue;
    auto frame = frame_items.find(item.parent_group);
    if (frame == frame_items.end()) {
      fail("containment", "item's group has no frame");
      continue;
    }
    const Rect& f = scene.items[frame->second].rect;
    if (!f.contains(item.rect, kTol))
      fail("containment", "item sticks out of group " + tree.group(item.parent_group).path);
    if (item.rect.top() < f.top() + scene.items[frame->second].header_height - kTol)
      fail("containment", "item overlaps the title band of " + tree.group(item.parent_group).path);
  }

  // Siblings never overlap.
  std::map<GroupId, std::vector<const SceneItem*>> siblings;
  for (const SceneItem& item : scene.items) siblings[item.parent_group].push_back(&item);
  for (auto& [group, items] : siblings) {
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->rect.x < b->rect.x; });
    for (size_t i = 0; i < items.size(); ++i)
      for (size_t j = i + 1; j < items.size() && items[j]->rect.x < items[i]->rect.right() - kTol;
           ++j) {
        Rect a = items[i]->rect, b = items[j]->rect;
        a = {a.x + kTol, a.y + kTol, a.w - 2 * kTol, a.h - 2 * kTol};
        if (a.intersects(b))
          fail("overlap", "boxes '" + items[i]->label_lines.front() + "' and '" +
                              items[j]->label_lines.front() + "' overlap in group " +
                              std::to_string(group));
      }
  }

  // Edges: ends on (near) the borders of their boxes; both boxes in the same layout.
  constexpr double kEndTol = 3.0;
  for (const SceneEdge& e : scene.edges) {
    if (e.points.size() < 2) {
      fail("edges", "edge with fewer than two points");
      continue;
    }
    const SceneItem& from = scene.items.at(e.from_item);
    const SceneItem& to = scene.items.at(e.to_item);
    if (from.parent_group != to.parent_group)
      fail("edges", "edge joins boxes of different layouts");
    if (distance_to_border(e.points.front(), from.rect) > kEndTol)
      fail("edges", "edge does not start on its source box '" + from.label_lines.front() + "'");
    if (distance_to_border(e.points.back(), to.rect) > kEndTol)
      fail("edges", "edge does not end on its target box '" + to.label_lines.front() + "'");
  }

  // Flow: an edge that is not part of a cycle (checked on the scene's own edge graph) points down.
  std::map<uint32_t, std::vector<uint32_t>> out;
  for (const SceneEdge& e : scene.edges) out[e.from_item].push_back(e.to_item);
  auto reaches = [&](uint32_t from, uint32_t target) {
    std::vector<uint32_t> stack{from};
    std::set<uint32_t> seen{from};
    while (!stack.empty()) {
      const uint32_t at = stack.back();
      stack.pop_back();
      if (at == target) return true;
      for (uint32_t next : out[at])
        if (seen.insert(next).second) stack.push_back(next);
    }
    return false;
  };
  for (const SceneEdge& e : scene.edges) {
    const SceneItem& from = scene.items.at(e.from_item);
    const SceneItem& to = scene.items.at(e.to_item);
    if (from.rect.center().y < to.rect.center().y) continue;
    if (reaches(e.to_item, e.from_item)) continue;  // in a cycle: dot may draw it either way
    fail("flow", "edge '" + from.label_lines.front() + "' -> '" + to.label_lines.front() +
                     "' points upwards");
  }
  return problems;
}

}  // namespace edgelens::layout::testing
