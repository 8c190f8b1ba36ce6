// Model Explorer node data over the canvas (File → Load Node Data…, `edgelens-gui MODEL --node-data
// FILE`): per-node values a pipeline computed colour the node boxes the way Model Explorer colours
// them — a result's own bgColor first, then the file's gradient (stops 0..1 over min..max), then
// its thresholds (first upper bound the value is within), else the run overlay's blue → yellow →
// red ramp; string values get one colour per distinct label. A legend names the data set.
#pragma once

#include <QObject>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "edgelens/model_io/node_data.h"
#include "node_coloring.h"

class QAction;

namespace edgelens::gui {

class MainWindow;

// The colouring of one graph of one model by one GraphNodeData.
class NodeDataColoring : public NodeColoring {
 public:
  NodeDataColoring(std::shared_ptr<const Model> model, int graph,
                   std::shared_ptr<const ModelNodeData> data, const GraphNodeData& graph_data,
                   QString title);
  bool appliesTo(const Model* model, int graph) const override;
  std::optional<QColor> colorForNode(uint32_t node) const override;
  void drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const override;

  std::optional<double> nodeValue(uint32_t node) const;
  int matchedNodes() const { return matched_; }
  const std::vector<std::string>& unmatchedKeys() const { return unmatched_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }

 private:
  QColor rampColor(double value) const;

  std::shared_ptr<const Model> model_;
  int graph_;
  std::shared_ptr<const ModelNodeData> data_;  // keeps graph_data_ and results_ alive
  const GraphNodeData& graph_data_;
  QString title_;
  std::vector<const NodeDataResult*> results_;  // per node
  std::vector<std::string> unmatched_;
  std::map<std::string, QColor> label_colors_;
  int matched_ = 0;
  double lo_ = 0, hi_ = 0;
};

// Loads node data files for the main window and keeps the canvas coloured by them as the user moves
// between graphs (the data applies to the model that was current when it was loaded).
class NodeDataController : public QObject {
  Q_OBJECT
 public:
  // Adds "Load Node Data…" and "Clear Node Data" to the window's File menu.
  explicit NodeDataController(MainWindow& window);

  // Reads `path` for the current model and colours the canvas. False (with the reader's message,
  // which names the file and the JSON place) when the file cannot be read.
  bool load(const QString& path, QString* error = nullptr);
  void clear();
  // The colouring shown (nullptr when the current graph has no data).
  std::shared_ptr<const NodeDataColoring> coloring() const { return coloring_; }

 signals:
  void loaded(const QString& summary);

 private:
  void apply();

  MainWindow& window_;
  std::shared_ptr<const Model> model_;
  std::shared_ptr<const ModelNodeData> data_;
  QString title_;
  std::shared_ptr<const NodeDataColoring> coloring_;
};

}  // namespace edgelens::gui
