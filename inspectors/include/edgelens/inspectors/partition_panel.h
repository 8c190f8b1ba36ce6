// Partition panel: what a delegate (XNNPACK or a what-if target profile) would take of the graph.
// A summary line ("XNNPACK: 57 nodes in 3 partitions; CPU: 4 nodes"), then every subset in
// execution order — delegated partitions with their nodes, CPU stretches with every fallback node
// and the rule's reason. Clicking a node row selects that node on the canvas (session context).
// The colours here are the canvas's: one per delegated partition, one for the CPU.
#pragma once

#include <QColor>
#include <QString>
#include <QWidget>

#include <memory>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/delegate/partitioner.h"

class QLabel;
class QTreeWidget;
class QTreeWidgetItem;

namespace edgelens::inspect {

// Fill colour of the k-th delegated partition (execution order, 0-based) and of CPU nodes.
QColor partition_color(int delegate_partition);
QColor cpu_fallback_color();
// "1 node", "3 nodes".
QString count_text(int n, const char* one, const char* many);
// "XNNPACK", "XNNPACK (local rules)", or the profile's name.
QString delegate_display_name(const delegate::PartitionReport& report);
// "XNNPACK: 57 nodes in 3 partitions; CPU: 4 nodes".
QString partition_summary(const delegate::PartitionReport& report);

class PartitionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PartitionPanel(SessionContext& context, QWidget* parent = nullptr);

  // Shows `report` (computed on `model`); null clears the panel.
  void setReport(std::shared_ptr<const Model> model,
                 std::shared_ptr<const delegate::PartitionReport> report);
  const delegate::PartitionReport* report() const { return report_.get(); }
  QString summaryText() const;
  QTreeWidget* tree() const { return tree_; }
  // The row of `node` (a child of its subset's row), or nullptr.
  QTreeWidgetItem* itemForNode(int node) const;

 private:
  void onItemActivated(QTreeWidgetItem* item);
  void followContext();
  void showDetails(QTreeWidgetItem* item);

  SessionContext& context_;
  std::shared_ptr<const Model> model_;
  std::shared_ptr<const delegate::PartitionReport> report_;
  QLabel* summary_;
  QLabel* source_;
  QTreeWidget* tree_;
  QLabel* details_;
  std::vector<QTreeWidgetItem*> node_items_;  // by node id
};

}  // namespace edgelens::inspect
