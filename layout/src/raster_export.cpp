// Renders a Scene to PNG through Graphviz's cairo plugin: every item becomes a node pinned at its
// rectangle ("pos" with "!"), every edge keeps our route ("pos" spline), layout engine "nop2" only
// reads them back. Serialized with every other Graphviz use (graphviz_context.h).
#include "edgelens/layout/raster_export.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "graphviz_context.h"

namespace edgelens::layout {
namespace {

struct GraphCloser {
  void operator()(Agraph_t* g) const { agclose(g); }
};

void set(void* object, const char* name, const std::string& value) {
  std::string n = name, v = value, empty;
  agsafeset(object, n.data(), v.data(), empty.data());
}

// Graphviz escapes in labels start with a backslash; keep ours literal.
std::string label_text(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\\n";
    for (char c : lines[i]) {
      if (c == '\\')
        out += "\\\\";
      else
        out += c;
    }
  }
  return out;
}

struct Colors {
  const char *background, *node, *group, *frame, *io, *stroke, *text, *edge;
};
constexpr Colors kLight{"#ffffff", "#e8eef7", "#f4efe2", "#fbfaf6",
                        "#e3f1e3", "#5b6b80", "#1b1f24", "#7d8793"};
constexpr Colors kDark{"#1e2126", "#2d3748", "#3b3528", "#25282d",
                       "#233326", "#8a9bb0", "#e6e9ee", "#8a939e"};

}  // namespace

std::string scene_to_png(const Scene& scene, const GroupTree& tree, const PngOptions& options) {
  const Colors& c = options.dark ? kDark : kLight;
  const double margin = 16;
  const double W = scene.bounds.w + 2 * margin, H = scene.bounds.h + 2 * margin;
  const double longest_in = std::max(W, H) / 72.0;
  const double dpi =
      std::max(1.0, std::min(options.dpi, options.max_pixels / std::max(longest_in, 1e-6)));
  // Graphviz coordinates: points, y upwards.
  auto gx = [&](double x) { return x - scene.bounds.x + margin; };
  auto gy = [&](double y) { return H - (y - scene.bounds.y + margin); };

  std::lock_guard lock(detail::graphviz_mutex());
  GVC_t* gvc = detail::graphviz_context();
  if (!gvc) throw std::runtime_error("Graphviz context unavailable");
  std::string name = "scene";
  std::unique_ptr<Agraph_t, GraphCloser> graph{agopen(name.data(), Agdirected, nullptr)};
  Agraph_t* g = graph.get();
  set(g, "bb", fmt::format("0,0,{:.2f},{:.2f}", W, H));
  set(g, "dpi", fmt::format("{:.3f}", dpi));
  set(g, "bgcolor", c.background);
  set(g, "pad", "0");
  set(g, "outputorder", "nodesfirst");
  set(g, "splines", "true");

  std::vector<Agnode_t*> nodes(scene.items.size(), nullptr);
  // Frames first so their contents paint over them.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < scene.items.size(); ++i) {
      const SceneItem& item = scene.items[i];
      const bool frame = item.kind == ItemKind::ExpandedGroup;
      if (frame != (pass == 0)) continue;
      std::string id = fmt::format("i{}", i);
      Agnode_t* n = agnode(g, id.data(), 1);
      nodes[i] = n;
      const Point center = item.rect.center();
      set(n, "pos", fmt::format("{:.2f},{:.2f}!", gx(center.x), gy(center.y)));
      set(n, "width", fmt::format("{:.4f}", item.rect.w / 72.0));
      set(n, "height", fmt::format("{:.4f}", item.rect.h / 72.0));
      set(n, "fixedsize", "true");
      set(n, "shape", "box");
      set(n, "fontname", "DejaVu Sans");
      set(n, "fontsize", "11");
      set(n, "fontcolor", c.text);
      set(n, "color", c.stroke);
      set(n, "penwidth", "0.8");
      const char* fill = c.node;
      std::string style = "rounded,filled";
      switch (item.kind) {
        case ItemKind::Node:
          break;
        case ItemKind::CollapsedGroup:
          fill = c.group;
          break;
        case ItemKind::ExpandedGroup:
          fill = c.frame;
          style = "rounded,filled,dashed";
          set(n, "labelloc", "t");
          break;
        case ItemKind::GraphInput:
        case ItemKind::GraphOutput:
          fill = c.io;
          break;
      }
      set(n, "style", style);
      set(n, "fillcolor", fill);
      std::vector<std::string> lines = item.label_lines;
      if (frame && lines.empty()) lines = {tree.group(item.ref).label};
      set(n, "label", label_text(lines));
    }
  }
  for (size_t i = 0; i < scene.edges.size(); ++i) {
    const SceneEdge& e = scene.edges[i];
    if (e.points.size() < 2 || !nodes[e.from_item] || !nodes[e.to_item]) continue;
    std::string id = fmt::format("e{}", i);
    Agedge_t* edge = agedge(g, nodes[e.from_item], nodes[e.to_item], id.data(), 1);
    // Cubic control points: Graphviz wants 3n+1 of them; a polyline becomes straight segments.
    std::vector<Point> cps;
    if (e.bezier && (e.points.size() - 1) % 3 == 0) {
      cps = e.points;
    } else {
      cps.push_back(e.points.front());
      for (size_t k = 1; k < e.points.size(); ++k) {
        const Point a = e.points[k - 1], b = e.points[k];
        cps.push_back({a.x + (b.x - a.x) / 3, a.y + (b.y - a.y) / 3});
        cps.push_back({a.x + 2 * (b.x - a.x) / 3, a.y + 2 * (b.y - a.y) / 3});
        cps.push_back(b);
      }
    }
    // Leave room for the arrowhead: the curve stops short and "e," names the tip.
    const Point tip = cps.back(), before = cps[cps.size() - 2];
    const double len = std::hypot(tip.x - before.x, tip.y - before.y);
    std::string pos;
    if (len > 1e-3) {
      const double arrow = std::min(7.0, len * 0.9);
      cps.back() = {tip.x - (tip.x - before.x) / len * arrow,
                    tip.y - (tip.y - before.y) / len * arrow};
      pos = fmt::format("e,{:.2f},{:.2f}", gx(tip.x), gy(tip.y));
    } else {
      set(edge, "arrowhead", "none");
    }
    for (const Point& p : cps)
      pos += fmt::format("{}{:.2f},{:.2f}", pos.empty() ? "" : " ", gx(p.x), gy(p.y));
    set(edge, "pos", pos);
    set(edge, "color", c.edge);
    set(edge, "arrowsize", "0.6");
    set(edge, "penwidth", "0.8");
    if (e.back_edge) set(edge, "style", "dashed");
    if (!e.label.empty()) {
      set(edge, "label", label_text({e.label}));
      set(edge, "lp",
          fmt::format("{:.2f},{:.2f}",
                      gx(e.label_pos.x + 4 + 3 * static_cast<double>(e.label.size())),
                      gy(e.label_pos.y)));
      set(edge, "fontsize", "8");
      set(edge, "fontname", "DejaVu Sans");
      set(edge, "fontcolor", c.stroke);
    }
  }
  if (gvLayout(gvc, g, "nop2") != 0)
    throw std::runtime_error("Graphviz could not take the scene geometry");
  char* data = nullptr;
  unsigned int length = 0;
  const int rc = gvRenderData(gvc, g, "png", &data, &length);
  std::string png;
  if (rc == 0 && data) png.assign(data, length);
  if (data) gvFreeRenderData(data);
  gvFreeLayout(gvc, g);
  if (png.empty())
    throw std::runtime_error("Graphviz could not render PNG (is the cairo plugin installed?)");
  return png;
}

}  // namespace edgelens::layout
