#include "legend_frame.h"

#include <QLinearGradient>
#include <QPainter>

#include "run_overlay.h"

namespace edgelens::gui {

QFont legend_font(const QPainter& p) {
  QFont font = p.font();
  font.setPixelSize(11);
  return font;
}

LegendFrame::LegendFrame(QPainter& p, const QRectF& area, double width, double height,
                         const CanvasColors& colors)
    : p_(p), box_(area.left() + 10, area.bottom() - height - 10, width, height) {
  const QFont font = legend_font(p_);
  p_.save();
  p_.setRenderHint(QPainter::Antialiasing, true);
  p_.setPen(QPen(colors.node_border, 1));
  p_.setBrush(colors.background);
  p_.drawRoundedRect(box_, 4, 4);
  p_.setFont(font);
  p_.setPen(colors.node_text);
}

LegendFrame::~LegendFrame() {
  p_.restore();
}

void draw_ramp_bar(QPainter& p, const QRectF& bar) {
  QLinearGradient gradient(bar.topLeft(), bar.topRight());
  for (double t : {0.0, 0.5, 1.0}) gradient.setColorAt(t, overlay_color(t));
  p.fillRect(bar, gradient);
}

void draw_range_labels(QPainter& p, const QRectF& labels, const QString& lo, const QString& hi) {
  p.drawText(labels, Qt::AlignLeft, lo);
  p.drawText(labels, Qt::AlignRight, hi);
}

}  // namespace edgelens::gui
