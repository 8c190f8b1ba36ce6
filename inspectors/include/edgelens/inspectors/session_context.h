// The shared session context (RenderDoc's CaptureContext): open models, the current model, graph,
// node and tensor, the selection, search highlights and bookmarks. Panels read it and listen to its
// signals; they never talk to each other. Every setter emits only when something actually changed.
#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "edgelens/model_io/model.h"

namespace edgelens::inspect {
struct RunResult;
}

namespace edgelens::inspect {

struct NodeRef {
  int graph = -1;
  int node = -1;
  bool valid() const { return graph >= 0 && node >= 0; }
  friend bool operator==(const NodeRef&, const NodeRef&) = default;
};

class SessionContext : public QObject {
  Q_OBJECT
 public:
  explicit SessionContext(QObject* parent = nullptr);
  ~SessionContext() override;

  // Models. Adding one makes it current (graph 0, no node).
  int addModel(std::shared_ptr<const Model> model);
  void closeModel(int index);
  int modelCount() const { return static_cast<int>(models_.size()); }
  const Model* model() const;  // the current model, or nullptr
  std::shared_ptr<const Model> modelPtr() const;
  std::shared_ptr<const Model> modelAt(int index) const;
  int currentModelIndex() const { return current_model_; }
  void setCurrentModel(int index);

  // Graphs of the current model.
  const Graph* graph() const;
  int currentGraph() const { return current_graph_; }
  void setCurrentGraph(int index);

  // The node the inspector shows (in the current graph); -1 = none.
  const Node* node() const;
  int currentNode() const { return current_node_; }
  void setCurrentNode(int node);
  // Switches graph when needed, then selects the node.
  void goTo(NodeRef ref);

  // The tensor the tensor viewer shows (in the current graph); -1 = none.
  const Tensor* tensor() const;
  int currentTensor() const { return current_tensor_; }
  void setCurrentTensor(int tensor);

  const std::vector<int>& selection() const { return selection_; }
  void setSelection(std::vector<int> nodes);

  // Nodes matched by the last search (drawn highlighted on the canvas).
  const std::vector<NodeRef>& highlights() const { return highlights_; }
  void setHighlights(std::vector<NodeRef> nodes);

  // Bookmarks of the current model, in the order they were made (Ctrl+1…9 jump to the first nine).
  const std::vector<NodeRef>& bookmarks() const;
  bool isBookmarked(NodeRef ref) const;
  void toggleBookmark(NodeRef ref);
  bool jumpToBookmark(int index);  // false when there is no such bookmark

  // The last interpreter run of the current model (nullptr when it has not been run). Kept per
  // open model; replacing it emits runChanged().
  std::shared_ptr<const RunResult> runResult() const;
  void setRunResult(std::shared_ptr<const RunResult> result);

 signals:
  void modelsChanged();  // a model was added or closed
  void modelChanged();   // the current model is another one (graph and node reset)
  void graphChanged();
  void nodeChanged();
  void tensorChanged();
  void selectionChanged();
  void highlightsChanged();
  void bookmarksChanged();
  void runChanged();

 private:
  struct OpenModel {
    std::shared_ptr<const Model> model;
    std::vector<NodeRef> bookmarks;
    std::shared_ptr<const RunResult> run;
  };
  std::vector<OpenModel> models_;
  int current_model_ = -1;
  int current_graph_ = -1;
  int current_node_ = -1;
  int current_tensor_ = -1;
  std::vector<int> selection_;
  std::vector<NodeRef> highlights_;
};

}  // namespace edgelens::inspect
