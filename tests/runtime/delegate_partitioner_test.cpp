// TFLite's partitioning on hand-built graphs. Every expectation follows the algorithm in
// ../shared/notes/xnnpack-delegate-and-partitioning.md 2.4 (epochs, greedy clustering, control
// edges) and 2.5 (GraphPartitionHelper: N largest partitions, stop at the first one below the
// minimum size), worked by hand for each graph.
#include <gtest/gtest.h>

#include <set>

#include "edgelens/model_io/error.h"
#include "edgelens/runtime/delegate/partitioner.h"

namespace edgelens::delegate {
namespace {

using Kind = NodeSubset::Kind;

// Tensors are created on demand by id; nodes are appended in plan order.
struct GraphBuilder {
  Graph graph;
  int32_t tensor(DType dtype = DType::Float32) {
    Tensor t;
    t.id = static_cast<uint32_t>(graph.tensors.size());
    t.name = "t" + std::to_string(t.id);
    t.dtype = dtype;
    t.shape = {1, 4};
    graph.tensors.push_back(t);
    return static_cast<int32_t>(t.id);
  }
  uint32_t node(std::string op, std::vector<int32_t> in, std::vector<int32_t> out) {
    Node n;
    n.id = static_cast<uint32_t>(graph.nodes.size());
    n.op.domain = "tflite";
    n.op.name = std::move(op);
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    graph.nodes.push_back(n);
    return n.id;
  }
};

std::vector<bool> claim(const Graph& g, const std::set<uint32_t>& ids) {
  std::vector<bool> v(g.nodes.size(), false);
  for (uint32_t id : ids) v[id] = true;
  return v;
}

int delegate_partition_count(const std::vector<NodeSubset>& subsets) {
  int n = 0;
  for (const auto& s : subsets) n += s.kind == Kind::Delegate;
  return n;
}

TEST(DelegatePartitioner, ChainWithOneUnsupportedNodeGivesTwoPartitions) {
  GraphBuilder b;
  const int32_t x = b.tensor(), t0 = b.tensor(), t1 = b.tensor(), t2 = b.tensor(), t3 = b.tensor(),
                y = b.tensor();
  b.node("A", {x}, {t0});
  b.node("B", {t0}, {t1});
  b.node("C", {t1}, {t2});  // unsupported
  b.node("D", {t2}, {t3});
  b.node("E", {t3}, {y});
  b.graph.inputs = {x};
  b.graph.outputs = {y};
  const auto subsets = partition_nodes(b.graph, claim(b.graph, {0, 1, 3, 4}), {});
  ASSERT_EQ(subsets.size(), 3u);
  EXPECT_EQ(subsets[0].kind, Kind::Delegate);
  EXPECT_EQ(subsets[0].nodes, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(subsets[1].kind, Kind::Cpu);
  EXPECT_EQ(subsets[1].nodes, (std::vector<uint32_t>{2}));
  EXPECT_EQ(subsets[2].kind, Kind::Delegate);
  EXPECT_EQ(subsets[2].nodes, (std::vector<uint32_t>{3, 4}));
  EXPECT_EQ(delegate_partition_count(subsets), 2);
  // Boundary tensors: t1 leaves partition 0 for the CPU node, t2 comes back; y is a graph output.
  EXPECT_EQ(subsets[0].input_tensors, (std::vector<int32_t>{x}));
  EXPECT_EQ(subsets[0].output_tensors, (std::vector<int32_t>{t1}));
  EXPECT_EQ(subsets[1].input_tensors, (std::vector<int32_t>{t1}));
  EXPECT_EQ(subsets[1].output_tensors, (std::vector<int32_t>{t2}));
  EXPECT_EQ(subsets[2].input_tensors, (std::vector<int32_t>{t2}));
  EXPECT_EQ(subsets[2].output_tensors, (std::vector<int32_t>{y}));
}

// A -> B(cpu) -> C and A -> C directly: putting A and C in one partition would need B's output
// inside the partition that feeds B (a cycle), so TFLite keeps three subsets.
TEST(DelegatePartitioner, BranchThatWouldCycleIsSplit) {
  GraphBuilder b;
  const int32_t x = b.tensor(), a = b.tensor(), bo = b.tensor(), y = b.tensor();
  b.node("A", {x}, {a});
  b.node("B", {a}, {bo});  // unsupported
  b.node("C", {a, bo}, {y});
  b.graph.inputs = {x};
  b.graph.outputs = {y};
  const auto subsets = partition_nodes(b.graph, claim(b.graph, {0, 2}), {});
  ASSERT_EQ(subsets.size(), 3u);
  EXPECT_EQ(subsets[0].nodes, (std::vector<uint32_t>{0}));
  EXPECT_EQ(subsets[1].nodes, (std::vector<uint32_t>{1}));
  EXPECT_EQ(subsets[2].nodes, (std::vector<uint32_t>{2}));
  EXPECT_EQ(subsets[0].output_tensors, (std::vector<int32_t>{a}));  // consumed by B and by C
  EXPECT_EQ(subsets[2].input_tensors, (std::vector<int32_t>{a, bo}));
}

// Greedy clustering pulls an independent delegated node (C) forward into the first delegated epoch;
// without clustering the original order is kept (notes 2.4, "Consequences").
TEST(DelegatePartitioner, GreedyClusteringPullsIndependentNodesForward) {
  GraphBuilder b;
  const int32_t x = b.tensor(), a = b.tensor(), bo = b.tensor(), c = b.tensor();
  b.node("A", {x}, {a});
  b.node("B", {a}, {bo});  // unsupported
  b.node("C", {x}, {c});   // independent of B
  b.graph.inputs = {x};
  b.graph.outputs = {bo, c};
  const auto greedy = partition_nodes(b.graph, claim(b.graph, {0, 2}), {});
  ASSERT_EQ(greedy.size(), 2u);
  EXPECT_EQ(greedy[0].kind, Kind::Delegate);
  EXPECT_EQ(greedy[0].nodes, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(greedy[1].nodes, (std::vector<uint32_t>{1}));

  PartitionOptions ordered;
  ordered.greedy = false;
  const auto kept = partition_nodes(b.graph, claim(b.graph, {0, 2}), ordered);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].nodes, (std::vector<uint32_t>{0}));
  EXPECT_EQ(kept[1].nodes, (std::vector<uint32_t>{1}));
  EXPECT_EQ(kept[2].nodes, (std::vector<uint32_t>{2}));
}

// Nodes touching resource tensors are chained by control edges, so greedy clustering cannot move
// the second one ahead of the first.
TEST(DelegatePartitioner, StatefulNodesKeepTheirOrder) {
  GraphBuilder b;
  const int32_t x = b.tensor(), a = b.tensor(), r = b.tensor(DType::Resource), bo = b.tensor(),
                c = b.tensor();
  b.node("A", {x}, {a});
  b.node("READ_VARIABLE", {r}, {bo});     // unsupported, side effect
  b.node("ASSIGN_VARIABLE", {r, x}, {});  // delegated, side effect, data-independent of node 1
  b.node("D", {a}, {c});
  b.graph.inputs = {x};
  b.graph.outputs = {bo, c};
  EXPECT_TRUE(might_have_side_effect(b.graph, b.graph.nodes[1]));
  EXPECT_FALSE(might_have_side_effect(b.graph, b.graph.nodes[0]));
  const auto subsets = partition_nodes(b.graph, claim(b.graph, {0, 2, 3}), {});
  ASSERT_EQ(subsets.size(), 3u);
  EXPECT_EQ(subsets[0].nodes, (std::vector<uint32_t>{0, 3}));  // D is free to move, node 2 is not
  EXPECT_EQ(subsets[1].nodes, (std::vector<uint32_t>{1}));
  EXPECT_EQ(subsets[2].nodes, (std::vector<uint32_t>{2}));
}

TEST(DelegatePartitioner, PreserveAllTensorsGivesOneNodePerPartition) {
  GraphBuilder b;
  const int32_t x = b.tensor(), t0 = b.tensor(), t1 = b.tensor(), y = b.tensor();
  b.node("A", {x}, {t0});
  b.node("B", {t0}, {t1});
  b.node("C", {t1}, {y});
  b.graph.inputs = {x};
  b.graph.outputs = {y};
  PartitionOptions options;
  options.preserve_all_tensors = true;
  const auto subsets = partition_nodes(b.graph, claim(b.graph, {0, 1, 2}), options);
  ASSERT_EQ(subsets.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(subsets[i].kind, Kind::Delegate);
    EXPECT_EQ(subsets[i].nodes, (std::vector<uint32_t>{static_cast<uint32_t>(i)}));
  }
  EXPECT_EQ(subsets[0].output_tensors, (std::vector<int32_t>{t0}));
}

TEST(DelegatePartitioner, NodeThatCanNeverRunIsAnError) {
  GraphBuilder b;
  const int32_t x = b.tensor(), t0 = b.tensor(), t1 = b.tensor();
  b.node("A", {x, t1}, {t0});  // t1 is produced by the next node, which needs t0: a cycle
  b.node("B", {t0}, {t1});
  b.graph.inputs = {x};
  EXPECT_THROW(partition_nodes(b.graph, claim(b.graph, {0}), {}), ModelError);
}

// Claims by op name, to drive analyze_partitions().
class NamedRules final : public DelegateRules {
 public:
  std::string name() const override { return "test"; }
  Verdict claim(const Model&, const Graph&, const Node& node) const override {
    if (node.op.name == "Y") return Verdict::yes();
    return Verdict::no("test.op", node.op.name + ": not claimed");
  }
};

// Y Y | n | Y | n | Y Y Y : delegated partitions of 2, 1 and 3 nodes in a chain.
Model chain_model() {
  GraphBuilder b;
  int32_t prev = b.tensor();
  b.graph.inputs = {prev};
  for (const char* op : {"Y", "Y", "n", "Y", "n", "Y", "Y", "Y"}) {
    const int32_t next = b.tensor();
    b.node(op, {prev}, {next});
    prev = next;
  }
  b.graph.outputs = {prev};
  Model m;
  m.graphs.push_back(std::move(b.graph));
  return m;
}

TEST(DelegatePartitioner, MaxPartitionsKeepsTheLargest) {
  const Model m = chain_model();
  PartitionOptions options;
  options.limits.max_partitions = 1;
  const PartitionReport r = analyze_partitions(m, 0, NamedRules{}, options);
  EXPECT_EQ(r.delegate_partitions, 1);
  EXPECT_EQ(r.delegate_ops, 3);
  EXPECT_EQ(r.cpu_ops, 5);
  EXPECT_EQ(r.claimed_but_dropped, 3);
  for (uint32_t n : {5u, 6u, 7u}) EXPECT_TRUE(r.nodes[n].delegated);
  for (uint32_t n : {0u, 1u, 3u}) {
    EXPECT_TRUE(r.nodes[n].verdict.claimed);
    EXPECT_FALSE(r.nodes[n].delegated);
    EXPECT_NE(r.nodes[n].placement_note.find("max partitions"), std::string::npos);
  }
  EXPECT_EQ(summary_line(r), "CPU operators = 5 / delegate operators = 3");
}

TEST(DelegatePartitioner, MinNodesStopsAtTheFirstSmallPartition) {
  const Model m = chain_model();
  PartitionOptions options;
  options.limits.min_nodes_per_partition = 2;
  const PartitionReport r = analyze_partitions(m, 0, NamedRules{}, options);
  EXPECT_EQ(r.delegate_partitions, 2);
  EXPECT_EQ(r.delegate_ops, 5);
  EXPECT_FALSE(r.nodes[3].delegated);
  EXPECT_NE(r.nodes[3].placement_note.find("min nodes"), std::string::npos);
  EXPECT_EQ(r.nodes[4].verdict.reason, "n: not claimed");
}

TEST(DelegatePartitioner, NoLimitsDelegatesEveryClaimedNode) {
  const Model m = chain_model();
  const PartitionReport r = analyze_partitions(m, 0, NamedRules{}, {});
  EXPECT_EQ(r.delegate_partitions, 3);
  EXPECT_EQ(r.delegate_ops, 6);
  EXPECT_EQ(r.cpu_ops, 2);
  EXPECT_EQ(r.subsets.size(), 5u);
}

}  // namespace
}  // namespace edgelens::delegate
