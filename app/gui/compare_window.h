// Side-by-side comparison of two models (File → Compare With…, `edgelens-gui A --compare B`): two
// canvases, A on the left and B on the right, each with its own session and layout. Navigation is
// synchronised through the compare core's node mapping (runtime/compare.h: tensor names, then the
// quantization pairing, then structure): selecting a node on one side selects the mapped node on
// the other and centres it. Nodes are coloured by what changed (removed on A, added on B, changed
// on both) or, after running both models on the same ramp inputs, by the numeric difference of
// their matched outputs (max |b - a| or rmse), with a legend on each side.
#pragma once

#include <QMainWindow>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "edgelens/inspectors/session_context.h"
#include "edgelens/runtime/compare.h"
#include "node_coloring.h"

class QComboBox;
class QLabel;

namespace edgelens::gui {

class GraphCanvas;
class LayoutController;
class MainWindow;

enum class CompareSide { A, B };
enum class CompareOverlay { Changes, MaxAbs, Rmse };

// One side's colouring: change kinds, or a numeric-diff metric per node.
class CompareColoring : public NodeColoring {
 public:
  CompareColoring(std::shared_ptr<const Model> model, CompareSide side, CompareOverlay overlay,
                  const runtime::compare::StructuralDiff& structure,
                  const runtime::compare::NumericDiff* numeric);
  bool appliesTo(const Model* model, int graph) const override;
  std::optional<QColor> colorForNode(uint32_t node) const override;
  void drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const override;

  std::optional<runtime::compare::ChangeKind> changeOf(uint32_t node) const;
  std::optional<double> valueOf(uint32_t node) const;

 private:
  std::shared_ptr<const Model> model_;
  CompareSide side_;
  CompareOverlay overlay_;
  std::vector<std::optional<runtime::compare::ChangeKind>> change_;  // per node
  std::vector<std::optional<double>> value_;                         // per node (numeric)
  double lo_ = 0, hi_ = 0;
  int counts_[4] = {0, 0, 0, 0};  // same, changed, added, removed (this side)
};

class ComparePane;

class CompareWindow : public QMainWindow {
  Q_OBJECT
 public:
  CompareWindow(std::shared_ptr<const Model> a, std::shared_ptr<const Model> b,
                QWidget* parent = nullptr);
  ~CompareWindow() override;

  // Opens both files; nullptr with the reader's message in `error` when one cannot be read.
  static std::unique_ptr<CompareWindow> open(const QString& a, const QString& b, QString* error);
  // Adds File → "Compare With…" to `window` (compares its current model with a chosen file).
  static void installAction(MainWindow& window);

  inspect::SessionContext& context(CompareSide side);
  GraphCanvas* canvas(CompareSide side) const;
  LayoutController* layoutController(CompareSide side) const;
  const runtime::compare::StructuralDiff& structure() const { return structure_; }
  // The numeric diff (computed on first use of a numeric overlay); nullptr before.
  const runtime::compare::NumericDiff* numeric() const { return numeric_ ? &*numeric_ : nullptr; }

  // The node mapped to `node` of `side` on the other side, or -1 (added/removed).
  int mappedNode(CompareSide side, int node) const;
  void setOverlay(CompareOverlay overlay);
  CompareOverlay overlay() const { return overlay_; }
  bool waitForLayout(int timeout_ms = 30000);
  QString summary() const;

 private:
  void onNodeChanged(CompareSide from);
  void applyColorings();
  void computeNumeric();

  std::shared_ptr<const Model> a_, b_;
  runtime::compare::StructuralDiff structure_;
  std::optional<runtime::compare::NumericDiff> numeric_;
  CompareOverlay overlay_ = CompareOverlay::Changes;
  ComparePane* pane_a_;
  ComparePane* pane_b_;
  QComboBox* overlay_box_;
  QLabel* summary_;
  bool syncing_ = false;
};

}  // namespace edgelens::gui
