// Namespace grouping: tensor-name cleaning per the TensorFlow/TFLite naming conventions, tree
// structure, sections, expansion state.
#include <gtest/gtest.h>

#include "edgelens/layout/grouping.h"
#include "edgelens/layout/synthetic_graph.h"

namespace edgelens::layout {
namespace {

TEST(Grouping, NamespaceFromTensorNames) {
  EXPECT_EQ(namespace_from_tensor_name("model/block_3/conv/Conv2D"), "model/block_3/conv");
  EXPECT_EQ(namespace_from_tensor_name("model/block_3/conv/Conv2D:0"), "model/block_3/conv");
  // Fused names: the first part names the op's result.
  EXPECT_EQ(namespace_from_tensor_name(
                "model/conv/Relu6;model/conv/BiasAdd;model/conv/Conv2D;model/conv/bias"),
            "model/conv");
  EXPECT_EQ(namespace_from_tensor_name("Identity;model/head/BiasAdd"), "model/head");
  // SavedModel call wrappers carry no structure.
  EXPECT_EQ(namespace_from_tensor_name("StatefulPartitionedCall:0"), "");
  EXPECT_EQ(namespace_from_tensor_name("StatefulPartitionedCall/model/dense/MatMul"),
            "model/dense");
  EXPECT_EQ(namespace_from_tensor_name("serving_default_input:0"), "");
  EXPECT_EQ(namespace_from_tensor_name("input"), "");
  EXPECT_EQ(namespace_from_tensor_name(""), "");
}

Node op_node(Graph& g, std::string ns) {
  Node n;
  n.id = static_cast<uint32_t>(g.nodes.size());
  n.op.name = "ADD";
  n.ns = std::move(ns);
  return n;
}

TEST(Grouping, ReaderNamespacesDissolveSingletonsAndMergeChains) {
  Graph g;
  for (const char* ns : {"a/b/c", "a/b/c", "a/b/d", "a/b/d", "a/x", ""})
    g.nodes.push_back(op_node(g, ns));
  const GroupTree tree = GroupTree::build(g);
  // "a/x" holds one node: dissolved into "a"; "a" holds then a node and "b" -> not merged.
  const Group& root = tree.root();
  ASSERT_EQ(root.child_groups.size(), 1u);
  const Group& a = tree.group(root.child_groups[0]);
  EXPECT_EQ(a.path, "a");
  EXPECT_EQ(a.nodes, std::vector<uint32_t>{4});
  EXPECT_EQ(root.nodes, std::vector<uint32_t>{5});
  ASSERT_EQ(a.child_groups.size(), 1u);
  const Group& b = tree.group(a.child_groups[0]);
  EXPECT_EQ(b.path, "a/b");
  ASSERT_EQ(b.child_groups.size(), 2u);
  EXPECT_EQ(tree.group(b.child_groups[0]).label, "c");
  EXPECT_EQ(tree.group(b.child_groups[0]).nodes, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(tree.group_of_node(2), b.child_groups[1]);
  EXPECT_EQ(a.node_count, 5u);

  // Module paths with dots, and a chain "m" -> "m/layers" with nothing else collapses into one
  // label.
  Graph h;
  for (const char* ns : {"m.layers.0", "m.layers.0", "m.layers.1", "m.layers.1"})
    h.nodes.push_back(op_node(h, ns));
  const GroupTree t2 = GroupTree::build(h);
  ASSERT_EQ(t2.root().child_groups.size(), 1u);
  EXPECT_EQ(t2.group(t2.root().child_groups[0]).label, "m/layers");
  EXPECT_EQ(t2.group(t2.root().child_groups[0]).child_groups.size(), 2u);
}

TEST(Grouping, WideGroupsAreSplitIntoSectionsInExecutionOrder) {
  Graph g;
  for (int i = 0; i < 100; ++i) g.nodes.push_back(op_node(g, ""));
  GroupingOptions options;
  options.max_children = 40;
  const GroupTree tree = GroupTree::build(g, options);
  const Group& root = tree.root();
  EXPECT_TRUE(root.nodes.empty());
  ASSERT_EQ(root.child_groups.size(), 3u);
  uint32_t next = 0;
  for (size_t s = 0; s < 3; ++s) {
    const Group& sec = tree.group(root.child_groups[s]);
    EXPECT_TRUE(sec.is_section);
    EXPECT_EQ(sec.label, "part " + std::to_string(s + 1) + "/3");
    EXPECT_LE(sec.nodes.size(), 40u);
    for (uint32_t n : sec.nodes) EXPECT_EQ(n, next++);
  }
  EXPECT_EQ(next, 100u);
}

TEST(Grouping, TransformerNamesGiveLayersAndBlocks) {
  const Graph g = make_transformer_graph(1000);
  const GroupTree tree = GroupTree::build(g);
  size_t members = 0;
  bool found_q_proj = false;
  for (const Group& group : tree.groups()) {
    members += group.nodes.size();
    EXPECT_LE(group.nodes.size() + group.child_groups.size(), 40u) << group.path;
    if (group.path == "model/layers/3/attn/q_proj") found_q_proj = true;
  }
  EXPECT_EQ(members, g.nodes.size());
  EXPECT_TRUE(found_q_proj);
}

TEST(Grouping, ExpansionState) {
  const Graph g = make_transformer_graph(1000);
  const GroupTree tree = GroupTree::build(g);
  ExpansionState state;
  EXPECT_TRUE(state.is_expanded(kRootGroup));
  state.reveal_node(tree, 500);
  for (GroupId id : tree.ancestors_and_self(tree.group_of_node(500)))
    EXPECT_TRUE(state.is_expanded(id));
  state.toggle(tree.group_of_node(500));
  EXPECT_FALSE(state.is_expanded(tree.group_of_node(500)));
  state.expand_all(tree);
  EXPECT_EQ(state.expanded().size(), tree.size() - 1);
  state.expand_to_depth(tree, 2);
  size_t depth_one = 0;
  for (const Group& group : tree.groups()) depth_one += group.depth == 1;
  EXPECT_EQ(state.expanded().size(), depth_one);
  for (GroupId id : state.expanded()) EXPECT_EQ(tree.group(id).depth, 1u);
  const ExpansionState first = ExpansionState::initial(tree, 40);
  EXPECT_FALSE(first.expanded().empty()) << "a root with one group should open it";
}

}  // namespace
}  // namespace edgelens::layout
