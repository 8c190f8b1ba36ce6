// Layout invariants on every .tflite/.pte fixture the readers can open, in three views: the
// explorer's first view, everything open (small graphs), everything closed; plus expand/collapse.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "edgelens/layout/graph_layout.h"
#include "edgelens/model_io/open.h"
#include "scene_checks.h"
#include "shared_dir.h"

namespace edgelens::layout {
namespace {

std::vector<std::filesystem::path> model_fixtures() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(edgelens::testing::fixtures_dir())) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".tflite" || ext == ".pte" || ext == ".bpte"))
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void check_scene_or_fail(const Graph& graph, const GroupTree& tree, const ExpansionState& expansion,
                         LayoutCache& cache, const std::string& what) {
  const Scene scene = layout_graph(graph, tree, expansion, {}, nullptr, {}, &cache);
  testing::check_scene(graph, tree, expansion, scene, what);
}

TEST(FixtureLayout, InvariantsHoldOnEveryFixture) {
  EDGELENS_REQUIRE_SHARED();
  size_t opened = 0, graphs = 0, unreadable = 0;
  for (const auto& path : model_fixtures()) {
    std::unique_ptr<Model> model;
    try {
      model = open_model(path.string());
    } catch (const std::exception&) {
      ++unreadable;  // reader coverage is model_io's business; layout needs a graph
      continue;
    }
    ++opened;
    LayoutCache cache;
    for (size_t gi = 0; gi < model->graphs.size(); ++gi) {
      const Graph& graph = model->graphs[gi];
      ++graphs;
      const std::string what = path.filename().string() + " graph " + std::to_string(gi);
      const GroupTree tree = GroupTree::build(graph);
      // The tree holds every node exactly once.
      size_t members = 0;
      for (const Group& g : tree.groups()) {
        members += g.nodes.size();
        EXPECT_LE(g.nodes.size() + g.child_groups.size(), 40u) << what << " group " << g.path;
      }
      EXPECT_EQ(members, graph.nodes.size()) << what;

      ExpansionState first = ExpansionState::initial(tree);
      check_scene_or_fail(graph, tree, first, cache, what + " (first view)");
      ExpansionState none;
      check_scene_or_fail(graph, tree, none, cache, what + " (all closed)");
      if (graph.nodes.size() <= 1500) {
        ExpansionState all;
        all.expand_all(tree);
        check_scene_or_fail(graph, tree, all, cache, what + " (all open)");
      }
    }
  }
  RecordProperty("opened", static_cast<int>(opened));
  RecordProperty("unreadable", static_cast<int>(unreadable));
  std::printf(
      "layout checked on %zu graphs of %zu fixtures (%zu fixtures unreadable by the readers)\n",
      graphs, opened, unreadable);
  EXPECT_GT(opened, 10u) << "the readers opened almost no fixture";
}

}  // namespace
}  // namespace edgelens::layout

namespace edgelens::layout {
namespace {

// Opening one group shows exactly its members in its frame; closing it again restores the
// previous view from the cache without running Graphviz.
TEST(FixtureLayout, ExpandAndCollapseChangeTheVisibleSet) {
  EDGELENS_REQUIRE_SHARED();
  const auto path =
      edgelens::testing::fixtures_dir() / "tflite/mediapipe/selfie_segmentation.tflite";
  const auto model = open_model(path.string());
  const Graph& graph = model->graphs.at(0);
  const GroupTree tree = GroupTree::build(graph);
  LayoutCache cache;
  const ExpansionState before = ExpansionState::initial(tree);
  const Scene first = layout_graph(graph, tree, before, {}, nullptr, {}, &cache);
  // A collapsed group in the first view.
  std::optional<GroupId> closed;
  for (const SceneItem& item : first.items)
    if (item.kind == ItemKind::CollapsedGroup) closed = item.ref;
  ASSERT_TRUE(closed) << "the first view of " << path << " has no collapsed group";
  const Group& group = tree.group(*closed);

  ExpansionState opened = before;
  opened.expand(*closed);
  const Scene second = layout_graph(graph, tree, opened, {}, nullptr, {}, &cache);
  testing::check_scene(graph, tree, opened, second, "after expand");
  EXPECT_FALSE(second.find_item(ItemKind::CollapsedGroup, *closed));
  const auto frame = second.find_item(ItemKind::ExpandedGroup, *closed);
  ASSERT_TRUE(frame);
  for (uint32_t node : group.nodes) {
    EXPECT_FALSE(first.find_item(ItemKind::Node, node))
        << "node " << node << " was visible while closed";
    const auto item = second.find_item(ItemKind::Node, node);
    ASSERT_TRUE(item) << "node " << node << " not visible after expanding " << group.path;
    EXPECT_TRUE(second.items[*frame].rect.contains(second.items[*item].rect, 0.6));
    EXPECT_EQ(second.items[*item].parent_group, *closed);
  }
  for (GroupId child : group.child_groups)
    EXPECT_TRUE(second.find_item(ItemKind::CollapsedGroup, child));

  const Scene third = layout_graph(graph, tree, before, {}, nullptr, {}, &cache);
  EXPECT_EQ(third.dot_calls, 0u) << "collapsing again should come from the cache";
  ASSERT_EQ(third.items.size(), first.items.size());
  for (size_t i = 0; i < first.items.size(); ++i) {
    EXPECT_EQ(third.items[i].ref, first.items[i].ref);
    EXPECT_EQ(third.items[i].rect, first.items[i].rect);
  }
}

}  // namespace
}  // namespace edgelens::layout
