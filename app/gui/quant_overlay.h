// The canvas colouring of a quantization report: every node with report rows gets the worst value
// of the chosen metric over its rows on the blue → yellow → red ramp of the run overlay, with a
// gradient legend. rmse/scale uses a fixed scale (0 … 2 × the flag threshold, so the threshold
// sits in the middle and 1/√12 in the blue); other metrics run from their smallest to their largest
// value, reversed for SNR and cosine similarity, where lower is worse.
#pragma once

#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "edgelens/runtime/quant/debugger.h"
#include "node_coloring.h"

namespace edgelens::gui {

class QuantColoring : public NodeColoring {
 public:
  QuantColoring(std::shared_ptr<const Model> model,
                const std::vector<runtime::quant::TensorRow>& rows, const QString& metric);
  bool appliesTo(const Model* model, int graph) const override;
  std::optional<QColor> colorForNode(uint32_t node) const override;
  void drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const override;

  std::optional<double> nodeValue(uint32_t node) const;
  // Position on the ramp (0 = good, 1 = bad) of a metric value.
  double rampPosition(double value) const;
  const QString& metric() const { return metric_; }

 private:
  std::shared_ptr<const Model> model_;
  QString metric_;
  bool lower_is_worse_ = false;
  bool fixed_scale_ = false;
  double lo_ = 0, hi_ = 0;
  int flagged_nodes_ = 0;
  std::vector<std::optional<double>> node_value_;
};

}  // namespace edgelens::gui
