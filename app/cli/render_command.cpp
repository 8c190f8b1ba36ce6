// `edgelens render MODEL -o OUT.svg|OUT.png [--graph NAME|INDEX] [--expand auto|all|none|DEPTH]`:
// the explorer's grouped layout written without a display. SVG comes from our own writer (one <g>
// per visible node/group, ids "node-<graph>-<node>", "group-<graph>-<group>"); PNG is the same
// geometry rendered by Graphviz's cairo plugin (no Qt).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <memory>

#include "command.h"
#include "edgelens/layout/graph_layout.h"
#include "edgelens/layout/raster_export.h"
#include "edgelens/layout/svg_export.h"
#include "edgelens/model_io/json_dump.h"
#include "edgelens/model_io/open.h"

namespace edgelens::cli {
namespace {

struct RenderOptions {
  std::string model;
  std::string output;
  std::string graph = "0";
  std::string expand = "auto";
  size_t max_children = 40;
  double dpi = 96;
  bool dark = false;
};

std::optional<size_t> parse_index(const std::string& text) {
  size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext;
}

int run_render(const RenderOptions& options) {
  const std::string ext = lower_extension(options.output);
  if (ext != ".svg" && ext != ".png") {
    fmt::print(stderr, "edgelens render: output must end in .svg or .png (got '{}')\n",
               options.output);
    return kExitUsage;
  }
  const auto model = open_model(options.model);
  if (model->graphs.empty()) {
    fmt::print(stderr, "edgelens render: {} has no graphs\n", options.model);
    return kExitBadInput;
  }
  // --graph: an index, or a graph name.
  std::optional<size_t> graph_index = parse_index(options.graph);
  if (!graph_index) {
    for (size_t i = 0; i < model->graphs.size(); ++i)
      if (model->graphs[i].name == options.graph) graph_index = i;
  }
  if (!graph_index || *graph_index >= model->graphs.size()) {
    fmt::print(stderr, "edgelens render: no graph '{}'; this model has:\n", options.graph);
    for (size_t i = 0; i < model->graphs.size(); ++i)
      fmt::print(stderr, "  {}: {} ({} nodes)\n", i, model->graphs[i].name,
                 model->graphs[i].nodes.size());
    return kExitUsage;
  }
  const Graph& graph = model->graphs[*graph_index];

  layout::GroupingOptions grouping;
  grouping.max_children = options.max_children;
  const auto tree = layout::GroupTree::build(graph, grouping);
  layout::ExpansionState expansion;
  if (options.expand == "auto") {
    expansion = layout::ExpansionState::initial(tree);
  } else if (options.expand == "all") {
    expansion.expand_all(tree);
  } else if (options.expand == "none") {
    expansion.collapse_all();
  } else if (auto depth = parse_index(options.expand)) {
    expansion.expand_to_depth(tree, static_cast<uint32_t>(*depth));
  } else {
    fmt::print(stderr, "edgelens render: --expand takes auto, all, none or a depth (got '{}')\n",
               options.expand);
    return kExitUsage;
  }

  layout::Scene scene = layout::layout_graph(graph, tree, expansion);
  scene.graph_index = static_cast<uint32_t>(*graph_index);
  std::string bytes;
  if (ext == ".svg") {
    layout::SvgOptions svg;
    svg.dark = options.dark;
    bytes = layout::scene_to_svg(scene, tree, svg);
  } else {
    layout::PngOptions png;
    png.dark = options.dark;
    png.dpi = options.dpi;
    bytes = layout::scene_to_png(scene, tree, png);
  }
  write_file_atomically(options.output, bytes);

  size_t nodes = 0, groups = 0;
  for (const auto& item : scene.items) {
    nodes += item.kind == layout::ItemKind::Node;
    groups += item.kind == layout::ItemKind::CollapsedGroup ||
              item.kind == layout::ItemKind::ExpandedGroup;
  }
  fmt::print("wrote {}: graph {} '{}', {} node boxes, {} groups, {} edges, {:.0f}x{:.0f} pt{}\n",
             options.output, *graph_index, graph.name, nodes, groups, scene.edges.size(),
             scene.bounds.w, scene.bounds.h,
             scene.used_fast_layout()
                 ? fmt::format(", fast layout in {} groups", scene.fast_layout_groups.size())
                 : std::string());
  return kExitOk;
}

Action setup_render(CLI::App& sub) {
  auto options = std::make_shared<RenderOptions>();
  sub.add_option("MODEL", options->model, "Model file (.tflite, .pte)")->required();
  sub.add_option("-o,--output", options->output, "OUT.svg or OUT.png (written atomically)")
      ->required();
  sub.add_option("--graph", options->graph, "Graph to draw: index or name (default 0)");
  sub.add_option("--expand", options->expand,
                 "Open groups: auto (the explorer's first view, default), all, none, or a depth");
  sub.add_option("--max-children", options->max_children,
                 "Split groups with more children into sections")
      ->check(CLI::Range(size_t{2}, size_t{100000}));
  sub.add_option("--dpi", options->dpi, "PNG resolution (default 96)")
      ->check(CLI::Range(1.0, 1200.0));
  sub.add_flag("--dark", options->dark, "Dark colours");
  return [options]() { return run_render(*options); };
}

const RegisterCommand kRegisterRender{
    {"render", "Draw a model's graph (grouped layout) to SVG or PNG without a display",
     setup_render}};

}  // namespace
}  // namespace edgelens::cli
