// Our own SVG writer: stable ids per item so tests, scripts and browsers can find nodes.
#include "edgelens/layout/svg_export.h"

#include <fmt/format.h>

#include <cmath>

namespace edgelens::layout {
namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') continue;
        out += c;
    }
  }
  return out;
}

struct Palette {
  const char* background;
  const char* node_fill;
  const char* node_stroke;
  const char* group_fill;
  const char* frame_fill;
  const char* io_fill;
  const char* text;
  const char* subtext;
  const char* edge;
};
constexpr Palette kLight{"#ffffff", "#e8eef7", "#5b6b80", "#f4efe2", "#fbfaf6",
                         "#e3f1e3", "#1b1f24", "#56606b", "#7d8793"};
constexpr Palette kDark{"#1e2126", "#2d3748", "#8a9bb0", "#3b3528", "#25282d",
                        "#233326", "#e6e9ee", "#a9b2bd", "#8a939e"};

std::string path_data(const SceneEdge& e) {
  std::string d;
  if (e.points.empty()) return d;
  d += fmt::format("M{:.1f} {:.1f}", e.points[0].x, e.points[0].y);
  if (e.bezier && (e.points.size() - 1) % 3 == 0) {
    for (size_t i = 1; i + 2 < e.points.size(); i += 3)
      d += fmt::format(" C{:.1f} {:.1f} {:.1f} {:.1f} {:.1f} {:.1f}", e.points[i].x, e.points[i].y,
                       e.points[i + 1].x, e.points[i + 1].y, e.points[i + 2].x, e.points[i + 2].y);
  } else {
    for (size_t i = 1; i < e.points.size(); ++i)
      d += fmt::format(" L{:.1f} {:.1f}", e.points[i].x, e.points[i].y);
  }
  return d;
}

}  // namespace

std::string scene_to_svg(const Scene& scene, const GroupTree& tree, const SvgOptions& options) {
  const Palette& pal = options.dark ? kDark : kLight;
  const double m = options.margin;
  const double width = scene.bounds.w + 2 * m, height = scene.bounds.h + 2 * m;
  std::string out;
  out.reserve(256 + scene.items.size() * 320 + scene.edges.size() * 200);
  out += fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}pt\" height=\"{:.0f}pt\" "
      "viewBox=\"{:.1f} {:.1f} {:.1f} {:.1f}\" font-family=\"DejaVu Sans, sans-serif\" "
      "font-size=\"11\">\n",
      width, height, scene.bounds.x - m, scene.bounds.y - m, width, height);
  out += fmt::format(
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" "
      "fill=\"{}\"/></marker></defs>\n",
      pal.edge);
  out += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n",
      scene.bounds.x - m, scene.bounds.y - m, width, height, pal.background);
  const uint32_t gi = scene.graph_index;
  // Frames first (they come before their contents in `items`), then edges, then boxes on top.
  for (const SceneItem& item : scene.items) {
    if (item.kind != ItemKind::ExpandedGroup) continue;
    const Group& g = tree.group(item.ref);
    out += fmt::format(
        "<g id=\"group-{}-{}\" class=\"group expanded\" data-path=\"{}\">"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"6\" fill=\"{}\" "
        "stroke=\"{}\" "
        "stroke-dasharray=\"4 3\"/><text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\" "
        "font-weight=\"bold\">{}</text></g>\n",
        gi, item.ref, xml_escape(g.path), item.rect.x, item.rect.y, item.rect.w, item.rect.h,
        pal.frame_fill, pal.node_stroke, item.rect.x + 8, item.rect.y + 14, pal.subtext,
        xml_escape(item.label_lines.empty() ? g.label : item.label_lines.front()));
  }
  out += "<g class=\"edges\" fill=\"none\">\n";
  for (const SceneEdge& e : scene.edges) {
    out += fmt::format(
        "<path class=\"edge\" data-tensor=\"{}\" d=\"{}\" stroke=\"{}\" "
        "marker-end=\"url(#arrow)\"{}/>\n",
        e.tensor, path_data(e), pal.edge, e.back_edge ? " stroke-dasharray=\"3 2\"" : "");
    if (!e.label.empty())
      out += fmt::format(
          "<text class=\"edge-label\" x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\" "
          "font-size=\"9\">{}</text>\n",
          e.label_pos.x + 4, e.label_pos.y + 3, pal.subtext, xml_escape(e.label));
  }
  out += "</g>\n";
  for (const SceneItem& item : scene.items) {
    std::string head;
    const char* fill = pal.node_fill;
    switch (item.kind) {
      case ItemKind::ExpandedGroup:
        continue;
      case ItemKind::Node:
        head = fmt::format("<g id=\"node-{}-{}\" class=\"node\" data-op=\"{}\">", gi, item.ref,
                           xml_escape(item.op));
        break;
      case ItemKind::CollapsedGroup:
        head = fmt::format("<g id=\"group-{}-{}\" class=\"group collapsed\" data-path=\"{}\">", gi,
                           item.ref, xml_escape(tree.group(item.ref).path));
        fill = pal.group_fill;
        break;
      case ItemKind::GraphInput:
        head = fmt::format("<g id=\"input-{}-{}\" class=\"input\">", gi, item.ref);
        fill = pal.io_fill;
        break;
      case ItemKind::GraphOutput:
        head = fmt::format("<g id=\"output-{}-{}\" class=\"output\">", gi, item.ref);
        fill = pal.io_fill;
        break;
    }
    out += head;
    const double rx = item.kind == ItemKind::Node ? 4 : 8;
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" rx=\"{}\" fill=\"{}\" "
        "stroke=\"{}\"/>",
        item.rect.x, item.rect.y, item.rect.w, item.rect.h, rx, fill, pal.node_stroke);
    const double line_h = item.label_lines.size() > 1
                              ? (item.rect.h - 12) / static_cast<double>(item.label_lines.size())
                              : 0;
    for (size_t i = 0; i < item.label_lines.size(); ++i) {
      const double y = item.label_lines.size() > 1
                           ? item.rect.y + 6 + line_h * (static_cast<double>(i) + 0.5) + 4
                           : item.rect.center().y + 4;
      out += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\"{}>{}</text>",
          item.rect.center().x, y, i == 0 ? pal.text : pal.subtext,
          i == 0 ? " font-weight=\"bold\"" : "", xml_escape(item.label_lines[i]));
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace edgelens::layout
