// The canvas legends' shared drawing: the rounded box in the bottom-left corner of the canvas with
// the 11 px legend font, the blue → yellow → red ramp bar and its lo/hi labels.
#pragma once

#include <QFont>
#include <QRectF>
#include <QString>

#include "canvas_theme.h"

class QPainter;

namespace edgelens::gui {

QFont legend_font(const QPainter& p);  // the painter's font at 11 px

// While alive: the painter is saved, the box (width × height, 10 px from the bottom-left corner
// of `area`) is drawn, and the legend font and text pen are set. Restores the painter when done.
class LegendFrame {
 public:
  LegendFrame(QPainter& p, const QRectF& area, double width, double height,
              const CanvasColors& colors);
  ~LegendFrame();
  LegendFrame(const LegendFrame&) = delete;
  LegendFrame& operator=(const LegendFrame&) = delete;

  const QRectF& box() const { return box_; }

 private:
  QPainter& p_;
  QRectF box_;
};

// The overlay_color ramp from left (0) to right (1) across `bar`.
void draw_ramp_bar(QPainter& p, const QRectF& bar);
// `lo` left- and `hi` right-aligned in `labels`.
void draw_range_labels(QPainter& p, const QRectF& labels, const QString& lo, const QString& hi);

}  // namespace edgelens::gui
