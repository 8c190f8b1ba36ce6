// The SVG writer and `edgelens render`: one element per visible node/group with its id, graph
// inputs/outputs labelled with the names TFLite itself reports (fixtures/reference meta.json).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "edgelens/layout/graph_layout.h"
#include "edgelens/layout/svg_export.h"
#include "edgelens/layout/synthetic_graph.h"
#include "edgelens/model_io/open.h"
#include "shared_dir.h"

namespace edgelens::layout {
namespace {

std::multiset<std::string> element_ids(const std::string& svg, const std::string& prefix) {
  std::multiset<std::string> ids;
  const std::regex re("<g id=\"(" + prefix + "-[0-9]+-[0-9]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it)
    ids.insert((*it)[1].str());
  return ids;
}

void expect_one_element_per_item(const Scene& scene, const std::string& svg) {
  const auto nodes = element_ids(svg, "node");
  const auto groups = element_ids(svg, "group");
  size_t node_items = 0, group_items = 0;
  for (const SceneItem& item : scene.items) {
    const std::string id = std::to_string(scene.graph_index) + "-" + std::to_string(item.ref);
    if (item.kind == ItemKind::Node) {
      ++node_items;
      EXPECT_EQ(nodes.count("node-" + id), 1u) << "node-" << id;
    } else if (item.kind == ItemKind::CollapsedGroup || item.kind == ItemKind::ExpandedGroup) {
      ++group_items;
      EXPECT_EQ(groups.count("group-" + id), 1u) << "group-" << id;
    }
  }
  EXPECT_EQ(nodes.size(), node_items);
  EXPECT_EQ(groups.size(), group_items);
  // Well-formed enough: balanced <g> elements, one root element.
  size_t open = 0, close = 0;
  for (size_t at = 0; (at = svg.find("<g", at)) != std::string::npos; ++at)
    open += svg[at + 2] == ' ' || svg[at + 2] == '>';
  for (size_t at = 0; (at = svg.find("</g>", at)) != std::string::npos; ++at) ++close;
  EXPECT_EQ(open, close);
  EXPECT_EQ(svg.find("<svg"), svg.rfind("<svg"));
}

TEST(Render, SvgHasOneElementPerVisibleItem) {
  const Graph g = make_transformer_graph(800);
  const GroupTree tree = GroupTree::build(g);
  for (int view = 0; view < 3; ++view) {
    ExpansionState state = ExpansionState::initial(tree);
    if (view == 1) state.expand_all(tree);
    if (view == 2) state.collapse_all();
    Scene scene = layout_graph(g, tree, state);
    scene.graph_index = 2;
    expect_one_element_per_item(scene, scene_to_svg(scene, tree));
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path cli_path() {
  return std::filesystem::path(EDGELENS_BINARY_DIR) / "app" / "edgelens";
}

TEST(Render, CliWritesSvgAndPngForReferenceModels) {
  EDGELENS_REQUIRE_SHARED();
  if (!std::filesystem::exists(cli_path()))
    GTEST_SKIP() << "the edgelens CLI is not built at " << cli_path();
  const auto reference = edgelens::testing::fixtures_dir() / "reference";
  const auto out_dir = std::filesystem::temp_directory_path() /
                       ("edgelens_render_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(out_dir);
  size_t checked = 0;
  for (const char* name : {"face_detection_short_range", "selfie_segmentation", "person_detect"}) {
    const auto meta_path = reference / name / "meta.json";
    if (!std::filesystem::exists(meta_path)) continue;
    const auto meta = nlohmann::json::parse(read_file(meta_path));
    const auto model_path = edgelens::testing::shared_dir() / meta.at("model").get<std::string>();
    const auto svg_path = out_dir / (std::string(name) + ".svg");
    const auto png_path = out_dir / (std::string(name) + ".png");
    const std::string cmd = cli_path().string() + " render '" + model_path.string() + "' -o '" +
                            svg_path.string() + "' --expand all > /dev/null && " +
                            cli_path().string() + " render '" + model_path.string() + "' -o '" +
                            png_path.string() + "' > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::string svg = read_file(svg_path);
    // Expanded fully: one node element per graph node (the graph as our reader sees it).
    const auto model = open_model(model_path.string());
    EXPECT_EQ(element_ids(svg, "node").size(), model->graphs[0].nodes.size()) << name;
    // Inputs and outputs carry the names TFLite reports.
    for (const char* side : {"inputs", "outputs"})
      for (const auto& tensor : meta.at(side)) {
        const std::string label = tensor.at("name").get<std::string>();
        EXPECT_NE(svg.find(">" + label + "<"), std::string::npos)
            << name << " " << side << " " << label;
      }
    EXPECT_EQ(svg.find("<g id=\"input-"), svg.find("<g id=\"input-0-")) << "graph index in ids";
    const std::string png = read_file(png_path);
    ASSERT_GT(png.size(), 8u);
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << name;
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  // Usage errors: bad extension, unknown graph.
  const auto model_path = edgelens::testing::fixtures_dir() / "tflite/micro/person_detect.tflite";
  EXPECT_EQ(WEXITSTATUS(std::system((cli_path().string() + " render '" + model_path.string() +
                                     "' -o " + (out_dir / "x.txt").string() + " 2>/dev/null")
                                        .c_str())),
            1);
  EXPECT_EQ(
      WEXITSTATUS(std::system((cli_path().string() + " render '" + model_path.string() + "' -o " +
                               (out_dir / "x.svg").string() + " --graph nope 2>/dev/null")
                                  .c_str())),
      1);
  EXPECT_EQ(WEXITSTATUS(std::system((cli_path().string() + " render /nonexistent.tflite -o " +
                                     (out_dir / "x.svg").string() + " 2>/dev/null")
                                        .c_str())),
            2);
  EXPECT_FALSE(std::filesystem::exists(out_dir / "x.svg"));
  std::filesystem::remove_all(out_dir);
}

}  // namespace
}  // namespace edgelens::layout
