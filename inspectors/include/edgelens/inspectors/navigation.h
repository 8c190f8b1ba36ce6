// Graph navigation and search over the IR: who produces and who consumes a node's tensors (arrow
// keys walk these), and regex search over node names, op types, tensor names and attribute values.
#pragma once

#include <QRegularExpression>
#include <QString>

#include <vector>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/model_io/model.h"

namespace edgelens::inspect {

// Producer / consumer lookup for one graph, built once per graph (O(nodes + tensors)).
class GraphLinks {
 public:
  GraphLinks() = default;
  explicit GraphLinks(const Graph& graph);
  // Nodes producing the node's inputs, in input order, without repeats.
  std::vector<int> producers(int node) const;
  // Nodes consuming the node's outputs, in execution order, without repeats.
  std::vector<int> consumers(int node) const;
  // The node and the other consumers of the tensors its first producer makes (or of the same graph
  // input), in execution order: Left/Right walk this list.
  std::vector<int> siblings(int node) const;

 private:
  const Graph* graph_ = nullptr;
  std::vector<int> producer_;                // tensor -> node, -1 for inputs and constants
  std::vector<std::vector<int>> consumers_;  // tensor -> nodes
};

struct SearchHit {
  NodeRef node;
  QString field;  // "op", "output", "weight" (constant input), "attribute stride_w", "namespace"
  QString text;   // the matched text
};

// Every node in `graph_index` (or in every graph when -1) that matches, one hit per node (the
// first matching field). An invalid expression gives no hits.
std::vector<SearchHit> search_nodes(const Model& model, int graph_index,
                                    const QRegularExpression& expression);

}  // namespace edgelens::inspect
