// Delegate partition view: the Delegate menu and toolbar choice (none, XNNPACK, XNNPACK's local
// rules, every shipped what-if profile, or a user PROFILE.json), the partition panel's dock, and
// the canvas colouring by partition with its legend. Claims only (nothing runs), so it is computed
// on the GUI thread: the partitioner takes milliseconds even on the largest fixtures.
#pragma once

#include <QObject>
#include <QString>

#include <memory>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/delegate/partitioner.h"
#include "node_coloring.h"

class QActionGroup;
class QComboBox;
class QDockWidget;
class QMainWindow;
class QMenu;

namespace edgelens::inspect {
class PartitionPanel;
}

namespace edgelens::gui {

class GraphCanvas;

// Canvas colouring: every node of the partitioned graph gets its partition's colour (CPU nodes
// the fallback colour); the legend repeats the summary and lists the partitions.
class PartitionColoring : public NodeColoring {
 public:
  PartitionColoring(std::shared_ptr<const Model> model,
                    std::shared_ptr<const delegate::PartitionReport> report);
  bool appliesTo(const Model* model, int graph) const override;
  std::optional<QColor> colorForNode(uint32_t node) const override;
  void drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const override;

 private:
  std::shared_ptr<const Model> model_;
  std::shared_ptr<const delegate::PartitionReport> report_;
  std::vector<QColor> node_color_;
};

class PartitionController : public QObject {
  Q_OBJECT
 public:
  PartitionController(QMainWindow* window, inspect::SessionContext& context, GraphCanvas* canvas);

  // "xnnpack", "xnnpack-local", a profile name, or a profile file; "" or "none" turns the view
  // off. Returns false with the reason in `error` (unknown name, bad profile) and keeps the old
  // choice.
  bool setDelegate(const QString& name_or_path, QString* error = nullptr);
  QString delegateName() const { return delegate_; }
  std::shared_ptr<const delegate::PartitionReport> report() const { return report_; }
  inspect::PartitionPanel* panel() const { return panel_; }
  QDockWidget* dock() const { return dock_; }
  QComboBox* selector() const { return selector_; }

 signals:
  void failed(const QString& message);

 private:
  void recompute();
  void chooseProfileFile();
  void syncChoice();

  QMainWindow* window_;
  inspect::SessionContext& context_;
  GraphCanvas* canvas_;
  inspect::PartitionPanel* panel_;
  QDockWidget* dock_;
  QComboBox* selector_ = nullptr;
  QActionGroup* menu_group_ = nullptr;
  QString delegate_;  // empty = off
  std::unique_ptr<delegate::DelegateRules> rules_;
  std::shared_ptr<const delegate::PartitionReport> report_;
  std::shared_ptr<const PartitionColoring> coloring_;
};

}  // namespace edgelens::gui
