#include "edgelens/inspectors/session_context.h"

#include "edgelens/inspectors/run_result.h"

#include <algorithm>

namespace edgelens::inspect {

SessionContext::SessionContext(QObject* parent) : QObject(parent) {}
SessionContext::~SessionContext() = default;

int SessionContext::addModel(std::shared_ptr<const Model> model) {
  models_.push_back({std::move(model), {}, nullptr});
  emit modelsChanged();
  setCurrentModel(static_cast<int>(models_.size()) - 1);
  return current_model_;
}

void SessionContext::closeModel(int index) {
  if (index < 0 || index >= modelCount()) return;
  models_.erase(models_.begin() + index);
  emit modelsChanged();
  const int next = models_.empty() ? -1 : std::min(index, modelCount() - 1);
  current_model_ = -2;  // force the change notification below
  setCurrentModel(next);
}

const Model* SessionContext::model() const {
  return modelPtr().get();
}

std::shared_ptr<const Model> SessionContext::modelPtr() const {
  if (current_model_ < 0 || current_model_ >= modelCount()) return nullptr;
  return models_[static_cast<size_t>(current_model_)].model;
}

std::shared_ptr<const Model> SessionContext::modelAt(int index) const {
  if (index < 0 || index >= modelCount()) return nullptr;
  return models_[static_cast<size_t>(index)].model;
}

void SessionContext::setCurrentModel(int index) {
  if (index >= modelCount()) index = -1;
  if (index == current_model_) return;
  current_model_ = index;
  const Model* m = model();
  current_graph_ = m && !m->graphs.empty() ? 0 : -1;
  current_node_ = -1;
  current_tensor_ = -1;
  selection_.clear();
  highlights_.clear();
  emit modelChanged();
  emit graphChanged();
  emit nodeChanged();
  emit tensorChanged();
  emit selectionChanged();
  emit highlightsChanged();
  emit bookmarksChanged();
  emit runChanged();
}

std::shared_ptr<const RunResult> SessionContext::runResult() const {
  if (current_model_ < 0 || current_model_ >= modelCount()) return nullptr;
  return models_[static_cast<size_t>(current_model_)].run;
}

void SessionContext::setRunResult(std::shared_ptr<const RunResult> result) {
  if (current_model_ < 0 || current_model_ >= modelCount()) return;
  auto& slot = models_[static_cast<size_t>(current_model_)].run;
  if (slot == result) return;
  slot = std::move(result);
  emit runChanged();
}

const Graph* SessionContext::graph() const {
  const Model* m = model();
  if (!m || current_graph_ < 0 || current_graph_ >= static_cast<int>(m->graphs.size()))
    return nullptr;
  return &m->graphs[static_cast<size_t>(current_graph_)];
}

void SessionContext::setCurrentGraph(int index) {
  const Model* m = model();
  if (!m || index < 0 || index >= static_cast<int>(m->graphs.size()) || index == current_graph_)
    return;
  current_graph_ = index;
  current_node_ = -1;
  current_tensor_ = -1;
  selection_.clear();
  emit graphChanged();
  emit nodeChanged();
  emit tensorChanged();
  emit selectionChanged();
}

const Node* SessionContext::node() const {
  const Graph* g = graph();
  if (!g || current_node_ < 0 || current_node_ >= static_cast<int>(g->nodes.size())) return nullptr;
  return &g->nodes[static_cast<size_t>(current_node_)];
}

void SessionContext::setCurrentNode(int node) {
  const Graph* g = graph();
  if (!g || node >= static_cast<int>(g->nodes.size())) node = -1;
  if (node == current_node_) return;
  current_node_ = node;
  emit nodeChanged();
  setSelection(node >= 0 ? std::vector<int>{node} : std::vector<int>{});
}

void SessionContext::goTo(NodeRef ref) {
  if (!ref.valid()) return;
  setCurrentGraph(ref.graph);
  if (ref.graph == current_graph_) setCurrentNode(ref.node);
}

const Tensor* SessionContext::tensor() const {
  const Graph* g = graph();
  if (!g || current_tensor_ < 0 || current_tensor_ >= static_cast<int>(g->tensors.size()))
    return nullptr;
  return &g->tensors[static_cast<size_t>(current_tensor_)];
}

void SessionContext::setCurrentTensor(int tensor) {
  const Graph* g = graph();
  if (!g || tensor >= static_cast<int>(g->tensors.size())) tensor = -1;
  if (tensor == current_tensor_) return;
  current_tensor_ = tensor;
  emit tensorChanged();
}

void SessionContext::setSelection(std::vector<int> nodes) {
  if (nodes == selection_) return;
  selection_ = std::move(nodes);
  emit selectionChanged();
}

void SessionContext::setHighlights(std::vector<NodeRef> nodes) {
  if (nodes == highlights_) return;
  highlights_ = std::move(nodes);
  emit highlightsChanged();
}

const std::vector<NodeRef>& SessionContext::bookmarks() const {
  static const std::vector<NodeRef> none;
  if (current_model_ < 0 || current_model_ >= modelCount()) return none;
  return models_[static_cast<size_t>(current_model_)].bookmarks;
}

bool SessionContext::isBookmarked(NodeRef ref) const {
  const auto& b = bookmarks();
  return std::find(b.begin(), b.end(), ref) != b.end();
}

void SessionContext::toggleBookmark(NodeRef ref) {
  if (!ref.valid() || current_model_ < 0 || current_model_ >= modelCount()) return;
  auto& b = models_[static_cast<size_t>(current_model_)].bookmarks;
  if (auto it = std::find(b.begin(), b.end(), ref); it != b.end())
    b.erase(it);
  else
    b.push_back(ref);
  emit bookmarksChanged();
}

bool SessionContext::jumpToBookmark(int index) {
  const auto& b = bookmarks();
  if (index < 0 || index >= static_cast<int>(b.size())) return false;
  goTo(b[static_cast<size_t>(index)]);
  return true;
}

}  // namespace edgelens::inspect
