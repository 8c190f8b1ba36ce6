// Node inspector panel: the current node's op, attributes, inputs and outputs (name, dtype, shape,
// quantization summarised per channel), called graphs, namespace and debug info. Clicking a tensor
// row makes it the context's current tensor (the tensor viewer follows).
#pragma once

#include <QWidget>

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace edgelens::inspect {

class SessionContext;

class NodeInspector : public QWidget {
  Q_OBJECT
 public:
  explicit NodeInspector(SessionContext& context, QWidget* parent = nullptr);

  QTreeWidget* tree() const { return tree_; }
  // The value shown for attribute `name` of the current node, or an empty string (used by tests
  // and by "copy value").
  QString attributeText(const QString& name) const;
  // Tensor ids listed as inputs / outputs, in order (-1 for an omitted optional input).
  QList<int> inputTensors() const;
  QList<int> outputTensors() const;

 private:
  void refresh();
  void onItemActivated(QTreeWidgetItem* item);
  void onItemDoubleClicked(QTreeWidgetItem* item);

  SessionContext& context_;
  QLabel* title_;
  QTreeWidget* tree_;
  QTreeWidgetItem* attrs_ = nullptr;
  QTreeWidgetItem* inputs_ = nullptr;
  QTreeWidgetItem* outputs_ = nullptr;
};

}  // namespace edgelens::inspect
