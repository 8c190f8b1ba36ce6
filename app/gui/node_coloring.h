// A colouring of node boxes that a feature hands to the canvas (delegate partitions, quantization
// error), with its own legend. The canvas draws it when no run-statistic overlay is active; it
// applies only to the model and graph it was computed for.
#pragma once

#include <QColor>
#include <QRectF>

#include <cstdint>
#include <optional>

#include "canvas_theme.h"
#include "edgelens/model_io/model.h"

class QPainter;

namespace edgelens::gui {

class NodeColoring {
 public:
  virtual ~NodeColoring() = default;
  virtual bool appliesTo(const Model* model, int graph) const = 0;
  virtual std::optional<QColor> colorForNode(uint32_t node) const = 0;
  // Drawn in the bottom-left corner of `area` (the canvas widget).
  virtual void drawLegend(QPainter& p, const QRectF& area, const CanvasColors& colors) const = 0;
};

}  // namespace edgelens::gui
