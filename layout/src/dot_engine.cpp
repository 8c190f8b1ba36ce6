// Graphviz dot through cgraph + gvc. gvc and cgraph keep global state (attribute dictionaries, the
// dot phases' statics), so every use in the process goes through one mutex.
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <mutex>

#include "graphviz_context.h"
#include "layout_internal.h"

namespace edgelens::layout::detail {

std::mutex& graphviz_mutex() {
  static std::mutex m;
  return m;
}

namespace {
struct ContextDeleter {
  void operator()(GVC_t* gvc) const { gvFreeContext(gvc); }
};
}  // namespace

// Created on first use under the mutex; lives until exit.
GVC_t* graphviz_context() {
  static std::unique_ptr<GVC_t, ContextDeleter> context{gvContext()};
  return context.get();
}

namespace {

struct GraphCloser {
  void operator()(Agraph_t* g) const { agclose(g); }
};

// cgraph's setters take char*; it copies the strings.
void set_attr(Agraph_t* g, int kind, const char* name, const std::string& value) {
  std::string n = name, v = value;
  agattr(g, kind, n.data(), v.data());
}

constexpr double kPointsPerInch = 72.0;

const char* splines_value(EdgeRouting routing) {
  switch (routing) {
    case EdgeRouting::Spline:
      return "spline";
    case EdgeRouting::Polyline:
      return "polyline";
    case EdgeRouting::Line:
      return "false";
  }
  return "spline";
}

}  // namespace

std::optional<Placement> dot_place(std::span<const BoxSize> boxes, std::span<const FlowEdge> edges,
                                   const LayoutOptions& options) {
  std::lock_guard lock(graphviz_mutex());
  GVC_t* gvc = graphviz_context();
  if (!gvc) return std::nullopt;

  std::string graph_name = "g";
  std::unique_ptr<Agraph_t, GraphCloser> graph{agopen(graph_name.data(), Agdirected, nullptr)};
  Agraph_t* g = graph.get();
  if (!g) return std::nullopt;
  set_attr(g, AGRAPH, "nslimit", fmt::format("{}", options.nslimit));
  set_attr(g, AGRAPH, "nslimit1", fmt::format("{}", options.nslimit1));
  set_attr(g, AGRAPH, "mclimit", fmt::format("{}", options.mclimit));
  set_attr(g, AGRAPH, "searchsize", fmt::format("{}", options.searchsize));
  set_attr(g, AGRAPH, "ranksep", fmt::format("{}", options.ranksep));
  set_attr(g, AGRAPH, "nodesep", fmt::format("{}", options.nodesep));
  set_attr(g, AGRAPH, "splines", splines_value(options.routing));
  set_attr(g, AGRAPH, "pad", "0");
  set_attr(g, AGNODE, "shape", "box");
  set_attr(g, AGNODE, "fixedsize", "true");
  set_attr(g, AGNODE, "label", "");
  set_attr(g, AGNODE, "width", "1");
  set_attr(g, AGNODE, "height", "0.5");
  // No arrowheads: the path then runs all the way to the head box's border; we draw arrows.
  set_attr(g, AGEDGE, "dir", "none");
  std::string width_name = "width", height_name = "height";
  Agsym_t* width_sym = agattr(g, AGNODE, width_name.data(), nullptr);
  Agsym_t* height_sym = agattr(g, AGNODE, height_name.data(), nullptr);

  std::vector<Agnode_t*> nodes;
  nodes.reserve(boxes.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    std::string name = fmt::format("n{}", i);
    Agnode_t* n = agnode(g, name.data(), 1);
    std::string w = fmt::format("{:.4f}", boxes[i].w / kPointsPerInch);
    std::string h = fmt::format("{:.4f}", boxes[i].h / kPointsPerInch);
    agxset(n, width_sym, w.data());
    agxset(n, height_sym, h.data());
    nodes.push_back(n);
  }
  std::vector<Agedge_t*> agedges;
  agedges.reserve(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    std::string name = fmt::format("e{}", i);
    agedges.push_back(agedge(g, nodes[edges[i].from], nodes[edges[i].to], name.data(), 1));
  }

  if (gvLayout(gvc, g, "dot") != 0) return std::nullopt;

  Placement placement;
  const boxf bb = GD_bb(g);
  placement.width = bb.UR.x - bb.LL.x;
  placement.height = bb.UR.y - bb.LL.y;
  auto to_local = [&](pointf p) { return Point{p.x - bb.LL.x, bb.UR.y - p.y}; };
  placement.boxes.reserve(boxes.size());
  for (size_t i = 0; i < boxes.size(); ++i) {
    const Point c = to_local(ND_coord(nodes[i]));
    placement.boxes.push_back({c.x - boxes[i].w / 2, c.y - boxes[i].h / 2, boxes[i].w, boxes[i].h});
  }
  placement.edges.resize(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    PlacedEdge& out = placement.edges[i];
    Agedge_t* e = agedges[i];
    const splines* spl = e ? ED_spl(e) : nullptr;
    if (spl && spl->size > 0 && spl->list[0].size >= 4) {
      const bezier& bz = spl->list[0];
      out.points.reserve(static_cast<size_t>(bz.size));
      for (int k = 0; k < bz.size; ++k) out.points.push_back(to_local(bz.list[k]));
      out.bezier = true;
      // dot may hand the path of a reversed (cycle-breaking) edge from head to tail.
      const Rect& src = placement.boxes[edges[i].from];
      const Rect& dst = placement.boxes[edges[i].to];
      auto dist = [](Point p, const Rect& r) {
        const double dx = std::max({r.left() - p.x, 0.0, p.x - r.right()});
        const double dy = std::max({r.top() - p.y, 0.0, p.y - r.bottom()});
        return std::hypot(dx, dy);
      };
      if (dist(out.points.front(), src) > dist(out.points.front(), dst))
        std::reverse(out.points.begin(), out.points.end());
    } else {
      // No route (should not happen with dot): straight line between the boxes.
      const Rect& src = placement.boxes[edges[i].from];
      const Rect& dst = placement.boxes[edges[i].to];
      out.points = {{src.center().x, src.bottom()}, {dst.center().x, dst.top()}};
    }
    out.back_edge =
        placement.boxes[edges[i].to].center().y < placement.boxes[edges[i].from].center().y;
  }
  gvFreeLayout(gvc, g);
  return placement;
}

Point path_midpoint(const std::vector<Point>& points, bool bezier) {
  if (points.empty()) return {};
  if (points.size() == 1) return points.front();
  if (bezier && points.size() >= 4 && (points.size() - 1) % 3 == 0) {
    const size_t segments = (points.size() - 1) / 3;
    const size_t s = segments / 2;
    const Point p0 = points[3 * s], p1 = points[3 * s + 1], p2 = points[3 * s + 2],
                p3 = points[3 * s + 3];
    const double t = segments % 2 == 1 ? 0.5 : 0.0;
    const double u = 1 - t;
    return {u * u * u * p0.x + 3 * u * u * t * p1.x + 3 * u * t * t * p2.x + t * t * t * p3.x,
            u * u * u * p0.y + 3 * u * u * t * p1.y + 3 * u * t * t * p2.y + t * t * t * p3.y};
  }
  // Polyline: halfway by length.
  double total = 0;
  for (size_t i = 1; i < points.size(); ++i)
    total += std::hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
  double remaining = total / 2;
  for (size_t i = 1; i < points.size(); ++i) {
    const double len = std::hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
    if (len >= remaining && len > 0) {
      const double t = remaining / len;
      return {points[i - 1].x + t * (points[i].x - points[i - 1].x),
              points[i - 1].y + t * (points[i].y - points[i - 1].y)};
    }
    remaining -= len;
  }
  return points.back();
}

}  // namespace edgelens::layout::detail
