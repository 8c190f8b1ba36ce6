// Layout on synthetic transformer-like graphs: invariants in several views, cache behaviour,
// cancel, the fast layered fallback for very wide groups.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "edgelens/layout/graph_layout.h"
#include "edgelens/layout/synthetic_graph.h"
#include "scene_checks.h"

namespace edgelens::layout {
namespace {

TEST(SyntheticLayout, InvariantsInAllViews) {
  const Graph g = make_transformer_graph(600);
  const GroupTree tree = GroupTree::build(g);
  LayoutCache cache;
  ExpansionState all;
  all.expand_all(tree);
  for (const auto& [name, state] : std::vector<std::pair<std::string, ExpansionState>>{
           {"first view", ExpansionState::initial(tree)}, {"closed", {}}, {"open", all}}) {
    const Scene scene = layout_graph(g, tree, state, {}, nullptr, {}, &cache);
    testing::check_scene(g, tree, state, scene, name);
  }
}

TEST(SyntheticLayout, ExpandingOneGroupRelaysOnlyItsAncestors) {
  const Graph g = make_transformer_graph(2000);
  const GroupTree tree = GroupTree::build(g);
  LayoutCache cache;
  ExpansionState state = ExpansionState::initial(tree);
  const Scene first = layout_graph(g, tree, state, {}, nullptr, {}, &cache);
  std::optional<GroupId> closed;
  for (const SceneItem& item : first.items)
    if (item.kind == ItemKind::CollapsedGroup && !closed) closed = item.ref;
  ASSERT_TRUE(closed);
  state.expand(*closed);
  const Scene second = layout_graph(g, tree, state, {}, nullptr, {}, &cache);
  testing::check_scene(g, tree, state, second, "after expand");
  const size_t ancestors = tree.ancestors_and_self(*closed).size();
  // The group itself plus each ancestor; unchanged sibling subtrees come from the cache.
  EXPECT_LE(second.dot_calls, ancestors);
  EXPECT_GT(second.cache_hits, 0u);
}

TEST(SyntheticLayout, WideGroupUsesFastLayoutAndStaysValid) {
  const Graph g = make_transformer_graph(1200);
  GroupingOptions grouping;
  grouping.max_children = 100000;      // no sections: every namespace stays flat
  grouping.min_group_nodes = 1000000;  // no namespaces at all: one group with every node
  const GroupTree tree = GroupTree::build(g, grouping);
  ASSERT_EQ(tree.size(), 1u);
  LayoutOptions options;
  options.fast_layout_threshold = 250;
  const ExpansionState state;
  const Scene scene = layout_graph(g, tree, state, options);
  EXPECT_TRUE(scene.used_fast_layout());
  testing::check_scene(g, tree, state, scene, "fast layout");
}

TEST(SyntheticLayout, CancelStopsTheLayout) {
  const Graph g = make_transformer_graph(2000);
  const GroupTree tree = GroupTree::build(g);
  ExpansionState all;
  all.expand_all(tree);
  CancelToken cancel;
  size_t calls = 0;
  const ProgressFn progress = [&](double, std::string_view) {
    if (++calls == 5) cancel.cancel();
  };
  EXPECT_THROW(layout_graph(g, tree, all, {}, &cancel, progress), LayoutCancelled);
  EXPECT_GE(calls, 5u);
}

TEST(SyntheticLayout, ProgressIsMonotonicAndEndsAtOne) {
  const Graph g = make_transformer_graph(400);
  const GroupTree tree = GroupTree::build(g);
  ExpansionState all;
  all.expand_all(tree);
  double last = -1;
  bool monotonic = true;
  layout_graph(g, tree, all, {}, nullptr, [&](double f, std::string_view) {
    monotonic = monotonic && f >= last;
    last = f;
  });
  EXPECT_TRUE(monotonic);
  EXPECT_DOUBLE_EQ(last, 1.0);
}

}  // namespace
}  // namespace edgelens::layout

namespace edgelens::layout {
namespace {

// The checker itself must catch broken geometry (otherwise the invariant tests prove nothing).
TEST(SceneChecks, CatchBrokenScenes) {
  const Graph g = make_transformer_graph(300);
  const GroupTree tree = GroupTree::build(g);
  ExpansionState all;
  all.expand_all(tree);
  const Scene good = layout_graph(g, tree, all);
  ASSERT_EQ(testing::check_scene(g, tree, all, good, "good"), 0);
  auto expect_caught = [&](Scene bad, const char* what) {
    int problems = 0;
    {
      ::testing::TestPartResultArray swallowed;
      ::testing::ScopedFakeTestPartResultReporter quiet(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &swallowed);
      problems = testing::check_scene(g, tree, all, bad, what);
    }
    EXPECT_GT(problems, 0) << what;
  };
  // Overlap: move a node onto its sibling.
  {
    Scene bad = good;
    for (size_t i = 0; i + 1 < bad.items.size(); ++i)
      if (bad.items[i].kind == ItemKind::Node && bad.items[i + 1].kind == ItemKind::Node &&
          bad.items[i].parent_group == bad.items[i + 1].parent_group) {
        bad.items[i + 1].rect.x = bad.items[i].rect.x;
        bad.items[i + 1].rect.y = bad.items[i].rect.y;
        break;
      }
    expect_caught(bad, "overlap");
  }
  // Upward edge: swap the vertical order of an edge's ends.
  {
    Scene bad = good;
    SceneEdge& e = bad.edges.front();
    std::swap(bad.items[e.from_item].rect.y, bad.items[e.to_item].rect.y);
    expect_caught(bad, "flow");
  }
  // Detached edge.
  {
    Scene bad = good;
    bad.edges.front().points.front().x += 200;
    expect_caught(bad, "edge end");
  }
  // Missing node.
  {
    Scene bad = good;
    for (size_t i = 0; i < bad.items.size(); ++i)
      if (bad.items[i].kind == ItemKind::Node) {
        bad.items[i].ref = 99999;
        break;
      }
    expect_caught(bad, "visibility");
  }
}

}  // namespace
}  // namespace edgelens::layout

namespace edgelens::layout {
namespace {

// A tree rebuilt in place (same address, other grouping) must not be served stale layouts.
TEST(SyntheticLayout, CacheNoticesATreeRebuiltInPlace) {
  const Graph g = make_transformer_graph(400);
  GroupTree tree = GroupTree::build(g);
  LayoutCache cache;
  const Scene grouped = layout_graph(g, tree, {}, {}, nullptr, {}, &cache);
  GroupingOptions flat;
  flat.min_group_nodes = 1000000;
  flat.max_children = 1000000;
  tree = GroupTree::build(g, flat);
  const ExpansionState none;
  const Scene scene = layout_graph(g, tree, none, {}, nullptr, {}, &cache);
  testing::check_scene(g, tree, none, scene, "rebuilt tree");
  EXPECT_NE(scene.items.size(), grouped.items.size());
}

}  // namespace
}  // namespace edgelens::layout
